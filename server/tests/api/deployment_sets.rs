//! Fan-out deployments through `/api/v1` against the built-in sandbox in two of its regions:
//! one plan for every region × compartment of a scope, grouped by target; one apply that runs
//! them in parallel; a failing target that fails alone and is retried alone; a compartment made
//! later joins at the next plan; a stale digest is refused; destroy clears every region.

use crate::helpers::{Session, TestApp, sandbox, spawn_app};
use app::api::deployment_sets::{SetDetail, SetPlanReview, SetRun, TargetStatus};
use app::api::deployments::RunState;
use reqwest::Method;
use serde_json::{Value, json};
use server::oci::identity::CreateCompartmentDetails;
use server::oci::region::Region;
use std::time::Duration;

const PROD: &str = "ocid1.compartment.oc1..sandboxprod";

/// A topic per compartment (topic names are unique in a region), its subscription and a rule.
fn template() -> Value {
    json!({
        "format": "signalbox.template/v1",
        "name": "Per-project alerts",
        "description": "Instance changes of each project to its own topic.",
        "parameters": [{"name": "prefix", "label": "Prefix", "type": "string", "required": true}],
        "topics": [{"key": "alerts", "name": "{{prefix}}-{{target.compartment}}", "description": "Alerts in {{target.region}}"}],
        "subscriptions": [{"key": "hook", "topic": "alerts", "protocol": "CUSTOM_HTTPS", "endpoint": "http://127.0.0.1:9/hook"}],
        "rules": [{
            "key": "instances",
            "name": "{{prefix}}-instances",
            "description": "Instance launches",
            "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
            "actions": [{"kind": "ONS", "topic": "alerts"}]
        }]
    })
}

struct Fixture<'a> {
    app: &'a TestApp,
    admin: &'a Session,
    team: i64,
    template_id: i64,
    connection_id: i64,
}

impl<'a> Fixture<'a> {
    async fn new(app: &'a TestApp, admin: &'a Session) -> Self {
        let team = admin.me.teams[0].team_id;
        let (base, _) = sandbox(admin).await;
        let connection_id = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
        let (status, created) = admin
            .call(Method::POST, &format!("/api/v1/teams/{team}/templates"), json!({"source": {"document": template()}}))
            .await;
        assert_eq!(status, 200, "{created}");
        let template_id = created["template"]["id"].as_i64().expect("a template id");
        Self { app, admin, team, template_id, connection_id }
    }

    fn path(&self, rest: &str) -> String {
        format!("/api/v1/teams/{}/deployment-sets{rest}", self.team)
    }

    fn request(&self, scope: Value) -> Value {
        json!({
            "template_id": self.template_id,
            "version": 1,
            "connection_id": self.connection_id,
            "scope": scope,
            "parameters": {"prefix": "fan"},
        })
    }

    async fn post(&self, rest: &str, body: Value) -> (u16, Value) {
        self.admin.call(Method::POST, &self.path(rest), body).await
    }

    async fn plan(&self, rest: &str, body: Value) -> SetPlanReview {
        let (status, body) = self.post(rest, body).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).expect("a set plan")
    }

    async fn compartment(&self, name: &str) -> String {
        let details =
            CreateCompartmentDetails { compartment_id: PROD.into(), name: name.into(), description: name.into() };
        self.app.builtin.client.create_compartment(&details).await.expect("a compartment").body.id
    }

    /// The set once no target is running.
    async fn settled(&self, set_id: i64) -> SetDetail {
        for _ in 0..600 {
            let detail: SetDetail = self.admin.read(&self.path(&format!("/{set_id}"))).await;
            let running =
                detail.targets.iter().any(|t| t.last_run.as_ref().is_some_and(|r| r.state == RunState::Running));
            if !running {
                return detail;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("set {set_id} did not settle in 30 s");
    }

    async fn topics(&self, region: &str, compartment: &str) -> Vec<String> {
        let client = self.app.builtin.client.in_region(&Region::parse(region).expect("a region"));
        client.list_all_topics(compartment).await.expect("topics").into_iter().map(|t| t.name).collect()
    }
}

fn states(detail: &SetDetail) -> Vec<(String, String)> {
    detail
        .targets
        .iter()
        .map(|t| {
            let region = t.region.clone().unwrap_or_else(|| "home".into());
            let state = t.last_run.as_ref().map(|r| format!("{:?}", r.state)).unwrap_or_default();
            (format!("{region} {}", t.name.rsplit(" · ").next().unwrap_or_default()), state)
        })
        .collect()
}

#[tokio::test]
async fn one_plan_fans_out_to_every_region_and_compartment_and_a_failed_target_is_retried_alone() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&app, &admin).await;
    let a = f.compartment("proj-a").await;
    let b = f.compartment("proj-b").await;
    let c = f.compartment("proj-c").await;
    f.compartment("shared-x").await;
    let scope = json!({"regions": ["us-ashburn-1", "eu-frankfurt-1"], "under": PROD, "pattern": "proj-*"});

    // Mistakes name their field and plan nothing.
    for (bad, field) in [
        (json!({"regions": ["mars-1"], "under": PROD}), "scope.regions[0]"),
        (json!({"pattern": "proj-*"}), "scope.pattern"),
        (json!({"compartments": ["ocid1.compartment.oc1..nosuch"]}), "scope.compartments[0]"),
        (json!({"under": PROD, "pattern": "nothing-*"}), "scope.compartments"),
        (json!({}), "scope.compartments"),
    ] {
        let (status, body) = f.post("/plan", f.request(bad.clone())).await;
        assert_eq!((status, body["field"].as_str()), (400, Some(field)), "{bad}: {body}");
    }

    // One plan: six targets grouped by region, each creating its own topic, subscription and rule.
    // What every target's pre-flight checks read alike (the compartment tree, who the connection
    // is, each compartment's policies) is read once for the whole plan.
    let tenancy = app.builtin.sandbox.tenancy().to_owned();
    let regions: Vec<_> = ["us-ashburn-1", "eu-frankfurt-1"]
        .map(|r| app.builtin.host.regional_tenant(&tenancy, &Region::parse(r).expect("a region")))
        .into();
    let calls = || regions.iter().map(|s| s.calls_served()).sum::<u64>();
    let before = calls();
    let review = f.plan("/plan", f.request(scope.clone())).await;
    let made = calls() - before;
    // 1 listing of the compartments, 3 reads of each target (rules, topics, subscriptions), and
    // the shared facts: the tree, the user's groups, the policies of root, prod and each project.
    assert!(made <= 1 + 6 * 3 + 10, "{made} calls for a plan of 6 targets");
    let places: Vec<(&str, &str)> =
        review.targets.iter().map(|t| (t.region.as_str(), t.compartment_name.as_str())).collect();
    assert_eq!(
        places,
        [
            ("eu-frankfurt-1", "proj-a"),
            ("eu-frankfurt-1", "proj-b"),
            ("eu-frankfurt-1", "proj-c"),
            ("us-ashburn-1", "proj-a"),
            ("us-ashburn-1", "proj-b"),
            ("us-ashburn-1", "proj-c")
        ]
    );
    for target in &review.targets {
        assert_eq!(target.status, TargetStatus::New);
        let plan = &target.review.as_ref().expect("a plan").plan;
        assert_eq!(plan.changes.len(), 3, "{target:?}");
        let topic = plan.changes.iter().find(|c| c.kind == app::template::plan::ResourceKind::Topic).expect("a topic");
        assert_eq!(topic.name, format!("fan-{}", target.compartment_name));
    }

    // Between review and apply, Frankfurt's proj-c topic name is taken: that target fails alone.
    let frankfurt = app.builtin.client.in_region(&Region::parse("eu-frankfurt-1").expect("a region"));
    let clash = server::oci::ons::CreateTopicDetails {
        name: "fan-proj-c".into(),
        compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
        description: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let clash = frankfurt.create_topic(&clash).await.expect("the clashing topic").body.topic_id;

    let mut create = f.request(scope.clone());
    create["name"] = json!("projects");
    create["digest"] = json!("not what was reviewed");
    let (status, body) = f.post("", create.clone()).await;
    assert_eq!((status, body["field"].as_str()), (409, Some("digest")), "{body}");
    create["digest"] = json!(review.digest);
    let (status, body) = f.post("", create.clone()).await;
    assert_eq!(status, 200, "{body}");
    let started: SetRun = serde_json::from_value(body).expect("a set run");
    assert_eq!(started.runs.len(), 6);
    assert!(started.runs.iter().all(|r| r.run_id.is_some()));
    let detail = f.settled(started.set_id).await;
    let failed: Vec<_> = states(&detail).into_iter().filter(|(_, s)| s != "Succeeded").collect();
    assert_eq!(failed, [("eu-frankfurt-1 proj-c".to_owned(), "Failed".to_owned())], "{:?}", states(&detail));
    assert_eq!(f.topics("eu-frankfurt-1", &a).await, ["fan-proj-a"]);
    assert_eq!(f.topics("us-ashburn-1", &a).await, ["fan-proj-a"], "each region has its own");
    assert_eq!(f.topics("us-ashburn-1", &c).await, ["fan-proj-c"]);
    assert!(f.topics("eu-frankfurt-1", &c).await.is_empty());

    // The same name again is refused; retrying resumes the failed target only.
    let (status, body) = f.post("", create.clone()).await;
    assert_eq!((status, body["field"].as_str()), (409, Some("name")), "{body}");
    frankfurt.delete_topic(&clash, None).await.expect("the clash removed");
    let (status, body) = f.post(&format!("/{}/retry", started.set_id), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let retried: SetRun = serde_json::from_value(body).expect("a set run");
    assert_eq!(retried.runs.len(), 1);
    assert_eq!(
        (retried.runs[0].region.as_str(), retried.runs[0].compartment_id.as_str()),
        ("eu-frankfurt-1", c.as_str())
    );
    let detail = f.settled(started.set_id).await;
    assert!(states(&detail).iter().all(|(_, s)| s == "Succeeded"), "{:?}", states(&detail));
    assert_eq!(f.topics("eu-frankfurt-1", &c).await, ["fan-proj-c"]);
    let (status, body) = f.post(&format!("/{}/retry", started.set_id), json!({})).await;
    assert_eq!(status, 409, "nothing left to retry: {body}");

    // A compartment made later is found by the set's drift check (hourly, or now) as a target
    // not applied yet, and joins at the next plan; the others have nothing to change.
    let d = f.compartment("proj-d").await;
    let (status, body) = f.post(&format!("/{}/drift", started.set_id), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let checked: SetDetail = serde_json::from_value(body).expect("a set");
    assert_eq!(checked.summary.unapplied, ["eu-frankfurt-1 · proj-d", "us-ashburn-1 · proj-d"]);
    assert!(checked.summary.unapplied_checked_at.is_some());
    assert_eq!(checked.summary.drifted, 0, "nothing changed behind Signalbox's back");
    let again = f.plan(&format!("/{}/plan", started.set_id), json!({})).await;
    let new: Vec<_> =
        again.targets.iter().filter(|t| t.status == TargetStatus::New).map(|t| t.region.as_str()).collect();
    assert_eq!(new, ["eu-frankfurt-1", "us-ashburn-1"]);
    assert!(
        again.targets.iter().filter(|t| t.status == TargetStatus::Existing).all(|t| !t
            .review
            .as_ref()
            .expect("a plan")
            .plan
            .changes_anything())
    );
    let (status, body) = f.post(&format!("/{}/apply", started.set_id), json!({"digest": again.digest})).await;
    assert_eq!(status, 200, "{body}");
    let joined: SetRun = serde_json::from_value(body).expect("a set run");
    assert_eq!(joined.runs.iter().filter(|r| r.run_id.is_some()).count(), 2, "{joined:?}");
    let detail = f.settled(started.set_id).await;
    assert_eq!(detail.targets.len(), 8);
    assert!(detail.summary.unapplied.is_empty(), "applied: nothing left out");
    assert_eq!(f.topics("eu-frankfurt-1", &d).await, ["fan-proj-d"]);

    // One audit row per request, naming every target's run.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT action, after_json FROM audit_events WHERE target_kind = 'deployment_set' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .expect("audit rows");
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["deployment_set.create", "deployment_set.retry", "deployment_set.apply"]);
    let first: Value = serde_json::from_str(&rows[0].1).expect("json");
    assert_eq!(first["runs"].as_array().map(Vec::len), Some(6));

    // Destroy: every target of both regions.
    let gone = f.plan(&format!("/{}/plan", started.set_id), json!({"destroy": true})).await;
    assert_eq!(gone.targets.len(), 8);
    let (status, body) =
        f.post(&format!("/{}/apply", started.set_id), json!({"destroy": true, "digest": gone.digest})).await;
    assert_eq!(status, 200, "{body}");
    let detail = f.settled(started.set_id).await;
    assert!(
        detail.targets.iter().all(|t| t.state == app::api::deployments::DeploymentState::Destroyed),
        "{:?}",
        states(&detail)
    );
    for compartment in [&a, &b, &c, &d] {
        assert!(f.topics("eu-frankfurt-1", compartment).await.is_empty());
        assert!(f.topics("us-ashburn-1", compartment).await.is_empty());
    }
    let (status, body) = f.post(&format!("/{}/plan", started.set_id), json!({"destroy": true})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = f.post(&format!("/{}/apply", started.set_id), json!({"destroy": true, "digest": "x"})).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("destroy")), "{body}");
}

#[tokio::test]
async fn other_teams_and_viewers_cannot_reach_a_set() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = Fixture::new(&app, &admin).await;
    let a = f.compartment("solo").await;
    // The compartment list is the inventory's; `refresh` reads it again from OCI at once.
    let listed = format!("/api/v1/teams/{}/connections/{}/compartments", f.team, f.connection_id);
    let fresh: Vec<app::api::connections::CompartmentSummary> = admin.read(&format!("{listed}?refresh=true")).await;
    assert!(fresh.iter().any(|c| c.id == a && c.path == "prod/solo"), "{fresh:?}");
    let (status, body) = admin.call(Method::GET, &format!("{listed}?refresh=maybe"), Value::Null).await;
    assert_eq!((status, body["field"].as_str()), (400, Some("refresh")), "{body}");
    let review = f.plan("/plan", f.request(json!({"compartments": [a]}))).await;
    let mut create = f.request(json!({"compartments": [a]}));
    create["name"] = json!("solo");
    create["digest"] = json!(review.digest);
    let (status, body) = f.post("", create).await;
    assert_eq!(status, 200, "{body}");
    let set_id = body["set_id"].as_i64().expect("a set id");
    f.settled(set_id).await;

    // A viewer of the team sees and plans, never applies or retries.
    let viewer = app.member(&admin, "vera", f.team, "viewer").await;
    let path = f.path(&format!("/{set_id}"));
    assert_eq!(viewer.get(&path).send().await.expect("sent").status(), 200);
    let (status, _) = viewer.call(Method::POST, &format!("{path}/plan"), json!({})).await;
    assert_eq!(status, 200);
    for rest in ["/apply", "/retry"] {
        let (status, body) =
            viewer.call(Method::POST, &format!("{path}{rest}"), json!({"digest": review.digest})).await;
        assert_eq!(status, 403, "{rest}: {body}");
    }
    // Another team's admin names this set under their own team: not found; under this team: refused.
    let other = app.create_team(&admin, "Elsewhere").await;
    let mallory = app.member(&admin, "mallory", other, "admin").await;
    for method in [Method::GET, Method::HEAD] {
        let status = mallory
            .send(method.clone(), &format!("/api/v1/teams/{other}/deployment-sets/{set_id}"))
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 404, "{method} under their own team");
        let status = mallory.send(method.clone(), &path).send().await.expect("sent").status();
        assert_eq!(status, 403, "{method} under this team");
    }
    let (status, _) =
        mallory.call(Method::POST, &format!("/api/v1/teams/{other}/deployment-sets/{set_id}/plan"), json!({})).await;
    assert_eq!(status, 404);
    // Planning another team's connection through a set is refused like any other use of it.
    let mut theirs = f.request(json!({"compartments": [a]}));
    theirs["connection_id"] = json!(f.connection_id);
    let (status, body) =
        mallory.call(Method::POST, &format!("/api/v1/teams/{other}/deployment-sets/plan"), theirs).await;
    assert!(matches!(status, 400 | 404), "{status} {body}");
}
