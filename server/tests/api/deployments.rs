//! Deployments through `/api/v1` against the built-in sandbox: plan, apply, re-apply (no-op),
//! drift made behind Signalbox's back, destroy; refusals that name the field; a failed run
//! resumed; the audit rows of every step.

use crate::helpers::{Session, TestApp, sandbox, spawn_app};
use app::api::deployments::{ApplyRun, DeploymentDetail, DriftStatus, PlanReview, RunState, StepState};
use app::api::preflight::{CheckKind, Outcome};
use app::template::plan::{ChangeAction, ResourceKind};
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::events::{ListRulesRequest, UpdateRuleDetails};
use std::time::Duration;

/// What every test deploys: the infra-alerts starter through the sandbox connection.
struct Fixture<'a> {
    admin: &'a Session,
    team: i64,
    template_id: i64,
    connection_id: i64,
    compartment: String,
}

impl<'a> Fixture<'a> {
    async fn new(admin: &'a Session) -> Self {
        let team = admin.me.teams[0].team_id;
        let (base, compartment) = sandbox(admin).await;
        let connection_id = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
        let created: Value = admin
            .send(Method::POST, &format!("/api/v1/teams/{team}/templates"))
            .json(&json!({"source": {"starter": "infra-alerts"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let template_id = created["template"]["id"].as_i64().expect("a template id");
        Self { admin, team, template_id, connection_id, compartment }
    }

    fn target(&self, prefix: &str) -> Value {
        json!({
            "template_id": self.template_id,
            "version": 1,
            "connection_id": self.connection_id,
            "compartment_id": self.compartment,
            "parameters": {"prefix": prefix, "webhook_url": "http://127.0.0.1:9/alerts"},
        })
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/v1/teams/{}/deployments{rest}", self.team)
    }

    async fn post(&self, rest: &str, body: Value) -> (u16, Value) {
        let response = self.admin.send(Method::POST, &self.path(rest)).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    async fn plan(&self, rest: &str, body: Value) -> PlanReview {
        let (status, body) = self.post(rest, body).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// Plans and creates a deployment named `name`, and waits for its run.
    async fn deploy(&self, name: &str, prefix: &str) -> ApplyRun {
        let review = self.plan("/plan", self.target(prefix)).await;
        let mut body = self.target(prefix);
        body["name"] = json!(name);
        body["digest"] = json!(review.digest);
        let (status, body) = self.post("", body).await;
        assert_eq!(status, 200, "{body}");
        self.finished(serde_json::from_value(body).unwrap()).await
    }

    async fn finished(&self, run: ApplyRun) -> ApplyRun {
        let path = self.path(&format!("/{}/runs/{}", run.deployment_id, run.run.id));
        for _ in 0..400 {
            let now: ApplyRun = self.admin.get(&path).send().await.unwrap().json().await.unwrap();
            if now.run.state != RunState::Running {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("run {path} did not finish in 10 s");
    }

    async fn detail(&self, id: i64) -> DeploymentDetail {
        self.admin.get(&self.path(&format!("/{id}"))).send().await.unwrap().json().await.unwrap()
    }

    /// Plans `request` for deployment `id`, applies the plan reviewed, and waits.
    async fn apply(&self, id: i64, request: Value) -> ApplyRun {
        let review = self.plan(&format!("/{id}/plan"), request.clone()).await;
        let mut body = request;
        body["digest"] = json!(review.digest);
        let (status, body) = self.post(&format!("/{id}/apply"), body).await;
        assert_eq!(status, 200, "{body}");
        self.finished(serde_json::from_value(body).unwrap()).await
    }
}

async fn names_in_sandbox(app: &TestApp, compartment: &str) -> (Vec<String>, Vec<String>, usize) {
    let client = &app.builtin.client;
    let topics = client.list_all_topics(compartment).await.unwrap().into_iter().map(|t| t.name).collect();
    let request = ListRulesRequest { compartment_id: compartment.into(), limit: Some(50), ..Default::default() };
    let rules = client.list_rules(&request).await.unwrap().body.into_iter().map(|r| r.display_name).collect();
    let subscriptions = client.list_all_subscriptions(compartment, None).await.unwrap().len();
    (topics, rules, subscriptions)
}

#[tokio::test]
async fn a_starter_is_planned_applied_reapplied_as_no_op_drift_checked_and_destroyed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&admin).await;

    // Instances came and went in the compartment this week: what the rule would have sent.
    let kinds = ["launchinstance.end", "terminateinstance.end", "terminateinstance.end", "instanceaction.end"];
    for (i, kind) in kinds.iter().chain(&["launchinstance.begin"]).enumerate() {
        let at = chrono::Utc::now() - chrono::TimeDelta::hours(20 * i as i64);
        let event = json!({
            "eventType": format!("com.oraclecloud.computeapi.{kind}"),
            "eventID": format!("week-{i}"),
            "eventTime": at.to_rfc3339(),
            "data": {"compartmentId": f.compartment},
        });
        app.builtin.sandbox.emit(event).unwrap();
    }

    // The plan of a new deployment: three creates, nothing blocking; the rule would have sent
    // four of the five events to the new topic.
    let review = f.plan("/plan", f.target("prod")).await;
    let actions: Vec<_> = review.plan.changes.iter().map(|c| (c.kind, c.action)).collect();
    use ChangeAction::*;
    use ResourceKind::*;
    assert_eq!(actions, [(Topic, Create), (Subscription, Create), (Rule, Create)]);
    assert!(review.plan.problems.is_empty(), "{:?}", review.plan.problems);
    assert_eq!(review.template_name, "Infra alerts");
    let impact = review.impact.expect("a review replays the rule changes");
    assert_eq!((impact.replayed, impact.days, impact.looked_at), (true, 7, 5), "{impact:?}");
    let rule = &impact.rules[..];
    assert_eq!(rule.len(), 1, "{impact:?}");
    assert_eq!((rule[0].rule.as_str(), rule[0].action.as_str()), ("prod-instance-state-changes", "create"));
    assert_eq!(rule[0].reaches, ["prod-infra-alerts"]);
    assert_eq!((rule[0].before, rule[0].after, rule[0].gained, rule[0].lost), (0, 4, 4, 0));

    // Apply: every step done, the resources exist, tagged, the rule pointing at the new topic.
    let run = f.deploy("infra prod", "prod").await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:?}");
    assert_eq!(run.steps.len(), 3);
    assert!(run.steps.iter().all(|s| s.state == StepState::Done && s.resource_id.is_some() && s.finished_at.is_some()));
    let (topics, rules, subscriptions) = names_in_sandbox(&app, &f.compartment).await;
    assert_eq!(topics, ["prod-infra-alerts"]);
    assert_eq!(rules, ["prod-instance-state-changes"]);
    assert_eq!(subscriptions, 1);
    let topic_id = run.steps[0].resource_id.clone().unwrap();
    let rule_id = run.steps[2].resource_id.clone().unwrap();
    let rule = app.builtin.client.get_rule(&rule_id).await.unwrap().body;
    assert!(format!("{:?}", rule.actions).contains(&topic_id), "the action targets the created topic");
    assert_eq!(rule.freeform_tags.get("signalbox-key").map(String::as_str), Some("instance-state-changes"));

    let id = run.deployment_id;
    let detail = f.detail(id).await;
    assert_eq!(detail.summary.resources, 3);
    assert_eq!(detail.summary.drift, DriftStatus::InSync);
    assert_eq!(detail.summary.last_run.as_ref().map(|r| r.state), Some(RunState::Succeeded));
    assert_eq!(detail.parameters["webhook_url"], "http://127.0.0.1:9/alerts");
    assert_eq!(detail.summary.parameters["prefix"], "prod", "the list shows the values as text");
    let listed: Vec<app::api::deployments::DeploymentSummary> =
        admin.get(&f.path("")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].name.as_str(), listed[0].resources), ("infra prod", 3));
    assert_eq!(listed[0].last_run.as_ref().map(|r| (r.id, r.state)), Some((run.run.id, RunState::Succeeded)));

    // Every step is audited, by the engine, with the run and OCI's request id.
    let rows: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT action, source, apply_run_id, opc_request_id FROM audit_events WHERE apply_run_id = $1 ORDER BY id",
    )
    .bind(run.run.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions[0], "deployment.create");
    let mut steps: Vec<&str> = actions[1..].to_vec();
    steps.sort_unstable();
    assert_eq!(steps, ["rule.create", "subscription.create", "topic.create"]);
    assert!(rows[1..].iter().all(|r| r.1 == "engine" && r.3.is_some()), "{rows:?}");

    // The same again changes nothing.
    let again = f.plan(&format!("/{id}/plan"), json!({})).await;
    assert!(again.plan.changes.iter().all(|c| c.action == NoOp), "{:?}", again.plan.changes);
    let run = f.apply(id, json!({})).await;
    assert_eq!((run.run.state, run.steps.len()), (RunState::Succeeded, 0));

    // A condition changed behind Signalbox's back is drift, shown as the rule's diff.
    let narrowed = json!({"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}).to_string();
    let details = UpdateRuleDetails { condition: Some(narrowed), ..Default::default() };
    app.builtin.client.update_rule(&rule_id, &details, None).await.unwrap();
    let (status, body) = f.post(&format!("/{id}/drift"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let drifted: DeploymentDetail = serde_json::from_value(body).unwrap();
    assert_eq!(drifted.summary.drift, DriftStatus::Drifted);
    let plan = drifted.drift.expect("the drift's plan");
    let change = plan.changes.iter().find(|c| c.action != NoOp).expect("a change");
    assert_eq!((change.kind, change.action, change.diff[0].field.as_str()), (Rule, Update, "condition"));
    assert!(change.diff[0].after.contains("terminateinstance.end"));

    // Reviewed, putting it back says what it changes: the terminations and the stop come back.
    let review = f.plan(&format!("/{id}/plan"), json!({})).await;
    let impact = review.impact.expect("a review replays the rule changes");
    assert_eq!(impact.rules.len(), 1, "{impact:?}");
    let rule = &impact.rules[0];
    assert_eq!((rule.action.as_str(), rule.before, rule.after, rule.gained, rule.lost), ("update", 1, 4, 3, 0));

    // Applying puts it back; the check is in sync again.
    let run = f.apply(id, json!({})).await;
    assert_eq!((run.run.state, run.steps.len()), (RunState::Succeeded, 1), "{run:?}");
    let (_, body) = f.post(&format!("/{id}/drift"), json!({})).await;
    assert_eq!(body["summary"]["drift"], "in_sync", "{body}");

    // Destroy: deletes everything it owns, and only that.
    app.builtin
        .client
        .create_topic(&server::oci::ons::CreateTopicDetails {
            name: "not-ours".into(),
            compartment_id: f.compartment.clone(),
            description: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        })
        .await
        .unwrap();
    let run = f.apply(id, json!({"destroy": true})).await;
    assert_eq!(run.run.state, RunState::Succeeded, "{run:?}");
    assert!(run.steps.iter().all(|s| s.op == app::template::plan::StepOp::Delete));
    let (topics, rules, subscriptions) = names_in_sandbox(&app, &f.compartment).await;
    assert_eq!((topics, rules, subscriptions), (vec!["not-ours".to_owned()], Vec::new(), 0));
    let detail = f.detail(id).await;
    assert_eq!(
        (detail.summary.resources, detail.summary.state),
        (0, app::api::deployments::DeploymentState::Destroyed)
    );
}

#[tokio::test]
async fn bad_requests_are_refused_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&admin).await;

    let mut missing = f.target("prod");
    missing["parameters"] = json!({"prefix": "prod"});
    let (status, body) = f.post("/plan", missing).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("parameters.webhook_url")), "{body}");

    let mut elsewhere = f.target("prod");
    elsewhere["compartment_id"] = json!("prod");
    let (status, body) = f.post("/plan", elsewhere).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("compartment_id")), "{body}");

    let mut unknown = f.target("prod");
    unknown["version"] = json!(7);
    let (status, body) = f.post("/plan", unknown).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("version")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("newest is version 1"), "{body}");

    // An apply of a plan that is not the one reviewed.
    let mut body = f.target("prod");
    body["name"] = json!("prod");
    body["digest"] = json!("0".repeat(64));
    let (status, answer) = f.post("", body.clone()).await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("digest")), "{answer}");
    body["name"] = json!("  ");
    let (status, answer) = f.post("", body).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("name")), "{answer}");
    let deployments: i64 = sqlx::query_scalar("SELECT count(*) FROM deployments").fetch_one(&app.pool).await.unwrap();
    assert_eq!(deployments, 0);
    let (topics, rules, _) = names_in_sandbox(&app, &f.compartment).await;
    assert!(topics.is_empty() && rules.is_empty());

    // A name taken in the team.
    f.deploy("prod", "prod").await;
    let review = f.plan("/plan", f.target("other")).await;
    let mut body = f.target("other");
    body["name"] = json!("prod");
    body["digest"] = json!(review.digest);
    let (status, answer) = f.post("", body).await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("name")), "{answer}");
}

#[tokio::test]
async fn a_failed_step_skips_its_dependents_and_the_run_resumes_once_the_cause_is_gone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&admin).await;
    // Topic names are unique in a tenancy: one in another compartment makes the create fail.
    let taken = app
        .builtin
        .client
        .create_topic(&server::oci::ons::CreateTopicDetails {
            name: "clash-infra-alerts".into(),
            compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
            description: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        })
        .await
        .unwrap()
        .body;
    let run = f.deploy("clash", "clash").await;
    assert_eq!(run.run.state, RunState::Failed);
    let states: Vec<_> = run.steps.iter().map(|s| s.state).collect();
    assert_eq!(states, [StepState::Failed, StepState::Skipped, StepState::Skipped]);
    assert!(run.steps[0].error.as_deref().is_some_and(|e| !e.is_empty()));
    let failed_rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE apply_run_id = $1 AND result = 'failed'")
            .bind(run.run.id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(failed_rows, 1, "the refused create is audited");

    app.builtin.client.delete_topic(&taken.topic_id, None).await.unwrap();
    let path = f.path(&format!("/{}/runs/{}/resume", run.deployment_id, run.run.id));
    let response = admin.send(Method::POST, &path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let resumed = f.finished(response.json().await.unwrap()).await;
    assert_eq!(resumed.run.state, RunState::Succeeded, "{resumed:?}");
    let (topics, rules, subscriptions) = names_in_sandbox(&app, &f.compartment).await;
    assert_eq!((topics.len(), rules.len(), subscriptions), (1, 1, 1));
}

/// A rule sending to a function that does not exist: the plan's pre-flight checks say OCI would
/// refuse it, and the apply is refused until someone gives a reason to go ahead, which is audited
/// with the findings it overrode. The run then fails at that rule, as OCI says.
#[tokio::test]
async fn a_missing_target_blocks_the_apply_until_an_audited_override() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&admin).await;
    let created: Value = admin
        .send(Method::POST, &format!("/api/v1/teams/{}/templates", f.team))
        .json(&json!({"source": {"starter": "bucket-change-processor"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let missing = "ocid1.fnfunc.oc1.iad.aaaanothere";
    let target = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": f.connection_id,
        "compartment_id": f.compartment,
        "parameters": {"prefix": "prod", "function_id": missing, "buckets": ["uploads"]},
    });
    let review = f.plan("/plan", target.clone()).await;
    assert!(review.plan.problems.is_empty(), "{:?}", review.plan.problems);
    let preflight = review.preflight.as_ref().expect("a plan is checked");
    assert!(preflight.is_blocked(), "{preflight:#?}");
    let blocking: Vec<_> = preflight.findings.iter().filter(|f| f.outcome == Outcome::Blocking).collect();
    assert_eq!(blocking.len(), 1, "{blocking:#?}");
    assert_eq!((blocking[0].kind, blocking[0].subject.as_str()), (CheckKind::Target, missing));

    let mut body = target;
    body["name"] = json!("processor");
    body["digest"] = json!(review.digest);
    let (status, answer) = f.post("", body.clone()).await;
    assert_eq!((status, answer["field"].as_str()), (409, Some("override_preflight")), "{answer}");
    assert!(answer["message"].as_str().unwrap().contains(missing), "{answer}");
    body["override_preflight"] = json!("   ");
    let (status, answer) = f.post("", body.clone()).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("override_preflight")), "{answer}");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM apply_runs").fetch_one(&app.pool).await.unwrap();
    assert_eq!(runs, 0, "nothing ran");
    let overrides = || async {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT detail, after_json FROM audit_events WHERE action = 'deployment.preflight_override'",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        rows
    };
    assert!(overrides().await.is_empty());

    let reason = "the function ships in tomorrow's release";
    body["override_preflight"] = json!(reason);
    let (status, run) = f.post("", body).await;
    assert_eq!(status, 200, "{run}");
    let finished = f.finished(serde_json::from_value(run).unwrap()).await;
    assert_eq!(finished.run.state, RunState::Failed, "OCI refuses the rule: {finished:?}");
    let audited = overrides().await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, reason);
    let after: Value = serde_json::from_str(audited[0].1.as_deref().unwrap()).unwrap();
    assert_eq!(after["overridden"][0]["subject"], missing, "{after}");
    assert_eq!(after["overridden"][0]["check"], "target", "{after}");
}
