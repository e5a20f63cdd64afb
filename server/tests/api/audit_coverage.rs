//! Every route that changes something is audited exactly once: one `ok` row when the change is
//! made, one `failed` row (OCI's code in its detail, OCI's request id) when the cloud refuses it,
//! and no row when the request is refused before anything changes.
//!
//! The probes walk the routes of the OpenAPI document. The test fails when a POST, PUT, PATCH or
//! DELETE route has no successful probe, when a route that calls OCI has no refused probe, or when
//! a route that takes input has no rejected probe, so a new route cannot skip the audit trail
//! unnoticed. The exceptions are listed, each with its reason.

use crate::helpers::{INITIAL_PASSWORD, MEMBER_PASSWORD, TestApp, by_fields, sandbox, spawn_app};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Routes that change nothing an auditor asks about, and why.
const NOT_CHANGES: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/test",
        "a signed read (ListCompartments); it only stores when the connection was last tested",
    ),
    ("POST", "/api/v1/teams/{team_id}/deployments/plan", "a plan reads the cloud and changes nothing"),
    ("POST", "/api/v1/teams/{team_id}/deployments/{deployment_id}/plan", "a plan reads the cloud and changes nothing"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/plan", "a plan reads the cloud and changes nothing"),
    (
        "POST",
        "/api/v1/teams/{team_id}/compliance/{check_id}/check",
        "a check reads the cloud; the status changes it finds are audited (tests/api/compliance.rs)",
    ),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/plan", "a plan reads the cloud and changes nothing"),
    (
        "POST",
        "/api/v1/teams/{team_id}/deployment-sets/{set_id}/drift",
        "drift checks are plans; they only store what they found",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/deployments/{deployment_id}/drift",
        "a drift check is a plan; it only stores what it found",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/health",
        "a health check reads the cloud; the status changes it finds are audited (tests/api/pipeline_health.rs)",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/deployment-sets/{set_id}/health",
        "health checks of every target; the status changes they find are audited (tests/api/deployment_sets.rs)",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/preflight",
        "pre-flight checks only read the cloud; an apply that overrides them is audited (tests/api/deployments.rs)",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/impact",
        "impact analysis only reads the cloud's and the inboxes' recent events (tests/api/impact.rs)",
    ),
    (
        "PUT",
        "/api/v1/auth/preferred-team",
        "the caller's own console preference (which team opens first), shared with nobody; tested in tests/api/auth.rs",
    ),
];

/// Changing routes with no input that validation could refuse, and why.
const NOTHING_TO_REFUSE: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/auth/logout", "no body and no path parameter: ends the caller's own session"),
    ("POST", "/api/v1/auth/logout-everywhere", "no body and no path parameter: ends the caller's own sessions"),
];

/// Changing routes that call OCI but have no OCI call that can be refused, and why.
const NOT_IN_OCI: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/teams/{team_id}/connections", "stores a connection; OCI is not called"),
    ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}", "forgets a connection; OCI is not called"),
];

/// What a request must leave in the audit trail.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Answered 2xx with one `ok` row of this action.
    Made(&'static str),
    /// Refused by OCI: a `cloud_error` answer and one `failed` row of this action, with OCI's
    /// request id and its error in the detail.
    Refused(&'static str),
    /// Refused before any change (4xx): no row.
    Rejected,
}

/// The audit rows a request wrote: action, result, OCI request id, detail.
type Row = (String, String, Option<String>, Option<String>);

/// Sends requests and checks what each left in the audit trail.
struct Probes<'a> {
    app: &'a TestApp,
    /// (method, route template, expectation kind) shown so far.
    shown: BTreeSet<(String, String, &'static str)>,
}

impl<'a> Probes<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self { app, shown: BTreeSet::new() }
    }

    async fn last_id(&self) -> i64 {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_events").fetch_one(&self.app.pool).await.unwrap()
    }

    /// Sends `request` (for `route`, `"METHOD /api/v1/template"`), checks its audit rows against
    /// `expect` and answers the response body.
    async fn probe(&mut self, route: &str, request: RequestBuilder, expect: Expect) -> Value {
        let before = self.last_id().await;
        let response = request.send().await.expect("request");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        // The steps of an apply the request started write their own rows (source `engine`) while
        // it runs; tests/api/deployments.rs checks those. Here only the request's own count.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT action, result, opc_request_id, detail FROM audit_events WHERE id > $1 AND source != 'engine' ORDER BY id",
        )
                .bind(before)
                .fetch_all(&self.app.pool)
                .await
                .unwrap();
        let what = format!("{route} ({expect:?}) answered {status} {body}; audit rows written: {rows:?}");
        let kind = match expect {
            Expect::Made(action) => {
                assert!(status.is_success(), "{what}");
                assert_eq!(rows.len(), 1, "exactly one row: {what}");
                assert_eq!((rows[0].0.as_str(), rows[0].1.as_str()), (action, "ok"), "{what}");
                "made"
            }
            Expect::Refused(action) => {
                assert!(status.is_client_error() || status.is_server_error(), "{what}");
                assert_eq!(body["code"], "cloud_error", "the answer is OCI's refusal: {what}");
                assert_eq!(rows.len(), 1, "exactly one row: {what}");
                let (row_action, result, request_id, detail) = &rows[0];
                assert_eq!((row_action.as_str(), result.as_str()), (action, "failed"), "{what}");
                assert!(request_id.is_some(), "the failed row keeps OCI's request id: {what}");
                assert!(detail.as_deref().is_some_and(|d| !d.is_empty()), "the failed row says why: {what}");
                "refused"
            }
            Expect::Rejected => {
                assert!(status.is_client_error(), "{what}");
                assert!(rows.is_empty(), "no row for a request refused before any change: {what}");
                "rejected"
            }
        };
        let (method, template) = route.split_once(' ').expect("route is \"METHOD /path\"");
        self.shown.insert((method.to_owned(), template.to_owned(), kind));
        body
    }

    fn was_shown(&self, method: &str, route: &str, kind: &str) -> bool {
        self.shown.iter().any(|(m, r, k)| m == method && r == route && *k == kind)
    }
}

/// The POST, PUT, PATCH and DELETE routes of the OpenAPI document.
fn changing_routes() -> Vec<(String, String)> {
    let (_, doc) = server::api::router();
    let mut routes = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, present) in [
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if present {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

fn listed(list: &[(&str, &str, &str)], method: &str, route: &str) -> bool {
    list.iter().any(|(m, r, _)| *m == method && *r == route)
}

fn id_of(body: &Value) -> String {
    match &body["id"] {
        Value::String(id) => id.clone(),
        Value::Number(id) => id.to_string(),
        other => panic!("no id in {body} ({other})"),
    }
}

#[tokio::test]
async fn every_change_is_audited_once_refusals_once_and_rejections_never() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut p = Probes::new(&app);
    let post = |path: &str| admin.send(Method::POST, path);
    // Another tenancy's root: a well-formed compartment id that OCI refuses for this connection.
    const FOREIGN_TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaaanothertenancy";

    // People and teams.
    let route = "POST /api/v1/users";
    p.probe(
        route,
        post("/api/v1/users").json(&json!({"username": "x", "password": INITIAL_PASSWORD})),
        Expect::Rejected,
    )
    .await;
    let carol = id_of(
        &p.probe(
            route,
            post("/api/v1/users").json(&json!({"username": "carol", "password": INITIAL_PASSWORD})),
            Expect::Made("user.create"),
        )
        .await,
    );
    let route = "PATCH /api/v1/users/{user_id}";
    let path = format!("/api/v1/users/{carol}");
    let patch = |body: Value| admin.send(Method::PATCH, &path).json(&body);
    p.probe(route, patch(json!({"reset_password": "short"})), Expect::Rejected).await;
    p.probe(route, patch(json!({"disabled": true})), Expect::Made("user.disable")).await;
    p.probe(route, patch(json!({"disabled": false})), Expect::Made("user.enable")).await;
    p.probe(route, patch(json!({"reset_password": INITIAL_PASSWORD})), Expect::Made("user.password_reset")).await;

    let route = "POST /api/v1/teams";
    p.probe(route, post("/api/v1/teams").json(&json!({"name": "x"})), Expect::Rejected).await;
    let created =
        p.probe(route, post("/api/v1/teams").json(&json!({"name": "Payments"})), Expect::Made("team.create")).await;
    let team = created["id"].as_i64().expect("a team id");

    let route = "POST /api/v1/teams/{team_id}/members";
    let members = format!("/api/v1/teams/{team}/members");
    p.probe(route, post(&members).json(&json!({"username": "nobody", "role": "viewer"})), Expect::Rejected).await;
    p.probe(
        route,
        post(&members).json(&json!({"username": "carol", "role": "viewer"})),
        Expect::Made("team.member_set"),
    )
    .await;
    let route = "PUT /api/v1/teams/{team_id}/members/{user_id}";
    let member = format!("{members}/{carol}");
    p.probe(route, admin.send(Method::PUT, &member).json(&json!({"role": "overlord"})), Expect::Rejected).await;
    p.probe(
        route,
        admin.send(Method::PUT, &member).json(&json!({"role": "operator"})),
        Expect::Made("team.member_set"),
    )
    .await;
    let route = "DELETE /api/v1/teams/{team_id}/members/{user_id}";
    let myself = format!("{members}/{}", admin.me.user_id);
    p.probe(route, admin.send(Method::DELETE, &myself), Expect::Rejected).await;
    p.probe(route, admin.send(Method::DELETE, &member), Expect::Made("team.member_remove")).await;

    let route = "POST /api/v1/tokens";
    p.probe(
        route,
        post("/api/v1/tokens").json(&json!({"name": "", "team_id": team, "role": "viewer"})),
        Expect::Rejected,
    )
    .await;
    let created = p
        .probe(
            route,
            post("/api/v1/tokens").json(&json!({"name": "ci", "team_id": team, "role": "viewer"})),
            Expect::Made("token.create"),
        )
        .await;
    let route = "DELETE /api/v1/tokens/{token_id}";
    p.probe(route, admin.send(Method::DELETE, "/api/v1/tokens/999999"), Expect::Rejected).await;
    let token = id_of(&created["token"]);
    p.probe(route, admin.send(Method::DELETE, &format!("/api/v1/tokens/{token}")), Expect::Made("token.revoke")).await;

    // Connections.
    let route = "POST /api/v1/teams/{team_id}/connections";
    let connections = format!("/api/v1/teams/{team}/connections");
    let mut bad = by_fields("prod");
    bad["source"]["fingerprint"] = json!("not a fingerprint");
    p.probe(route, post(&connections).json(&bad), Expect::Rejected).await;
    let connection =
        id_of(&p.probe(route, post(&connections).json(&by_fields("prod")), Expect::Made("connection.create")).await);
    let route = "DELETE /api/v1/teams/{team_id}/connections/{connection_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{connections}/999999")), Expect::Rejected).await;
    p.probe(
        route,
        admin.send(Method::DELETE, &format!("{connections}/{connection}")),
        Expect::Made("connection.delete"),
    )
    .await;

    // Templates.
    let route = "POST /api/v1/teams/{team_id}/templates";
    let templates = format!("/api/v1/teams/{team}/templates");
    let starter = |slug: &str| json!({"name": "alerts", "source": {"starter": slug}});
    p.probe(route, post(&templates).json(&starter("no-such-starter")), Expect::Rejected).await;
    let template =
        p.probe(route, post(&templates).json(&starter("infra-alerts")), Expect::Made("template.create")).await;
    let route = "POST /api/v1/teams/{team_id}/templates/{template_id}/versions";
    let versions = format!("{templates}/{}/versions", template["template"]["id"]);
    let mut document = template["document"].clone();
    p.probe(route, post(&versions).json(&json!({"document": document})), Expect::Rejected).await;
    document["description"] = json!("changed");
    p.probe(route, post(&versions).json(&json!({"document": document})), Expect::Made("template.publish")).await;
    let route = "PATCH /api/v1/teams/{team_id}/templates/{template_id}";
    let shared = format!("{templates}/{}", template["template"]["id"]);
    let share = |visibility: &str| admin.send(Method::PATCH, &shared).json(&json!({"visibility": visibility}));
    p.probe(route, share("team"), Expect::Rejected).await;
    p.probe(route, share("everyone"), Expect::Made("template.share")).await;

    // Topics, through the built-in sandbox connection.
    let (base, compartment) = sandbox(&admin).await;
    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/topics";
    let topics = format!("{base}/topics");
    let topic_body = |compartment: &str| json!({"compartment_id": compartment, "name": "audited"});
    p.probe(route, post(&topics).json(&topic_body("not-an-ocid")), Expect::Rejected).await;
    let topic =
        id_of(&p.probe(route, post(&topics).json(&topic_body(&compartment)), Expect::Made("topic.create")).await);
    // Topic names are unique in a tenancy: OCI refuses the same name again.
    p.probe(route, post(&topics).json(&topic_body(&compartment)), Expect::Refused("topic.create")).await;
    let topic_path = format!("{topics}/{topic}");
    let missing_topic = format!("{topics}/ocid1.onstopic.oc1..aaaaaaaanotthere");

    let route = "PATCH /api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}";
    let describe = |path: &str, text: String| admin.send(Method::PATCH, path).json(&json!({"description": text}));
    p.probe(route, describe(&topic_path, "x".repeat(2000)), Expect::Rejected).await;
    p.probe(route, describe(&missing_topic, "gone".into()), Expect::Refused("topic.update")).await;
    p.probe(route, describe(&topic_path, "Alerts for the platform team".into()), Expect::Made("topic.update")).await;

    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/publish";
    let publish = |path: &str, body: &str| post(&format!("{path}/publish")).json(&json!({"title": "t", "body": body}));
    p.probe(route, publish(&topic_path, " "), Expect::Rejected).await;
    p.probe(route, publish(&missing_topic, "hello"), Expect::Refused("topic.publish")).await;
    p.probe(route, publish(&topic_path, "hello"), Expect::Made("topic.publish")).await;

    // Subscriptions.
    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions";
    let subscribe = |path: &str, endpoint: &str| {
        post(&format!("{path}/subscriptions")).json(&json!({"protocol": "EMAIL", "endpoint": endpoint}))
    };
    p.probe(route, subscribe(&topic_path, "not an address"), Expect::Rejected).await;
    p.probe(route, subscribe(&missing_topic, "oncall@example.com"), Expect::Refused("subscription.create")).await;
    let subscription =
        id_of(&p.probe(route, subscribe(&topic_path, "oncall@example.com"), Expect::Made("subscription.create")).await);
    let subscription_path = format!("{base}/subscriptions/{subscription}");
    let missing_subscription = format!("{base}/subscriptions/ocid1.onssubscription.oc1..aaaaaaaanotthere");

    let route =
        "POST /api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}/resend_confirmation";
    let resend = |path: &str| post(&format!("{path}/resend_confirmation"));
    p.probe(route, resend(&format!("{base}/subscriptions/not-an-ocid")), Expect::Rejected).await;
    p.probe(route, resend(&missing_subscription), Expect::Refused("subscription.resend_confirmation")).await;
    p.probe(route, resend(&subscription_path), Expect::Made("subscription.resend_confirmation")).await;
    let route = "DELETE /api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{base}/subscriptions/not-an-ocid")), Expect::Rejected).await;
    p.probe(route, admin.send(Method::DELETE, &missing_subscription), Expect::Refused("subscription.delete")).await;
    p.probe(route, admin.send(Method::DELETE, &subscription_path), Expect::Made("subscription.delete")).await;

    // Rules.
    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/rules";
    let rules = format!("{base}/rules");
    let rule_body = |compartment: &str, condition: &str| {
        json!({
            "compartment_id": compartment,
            "name": "audited-rule",
            "description": "",
            "condition": condition,
            "actions": [{"kind": "ONS", "target_id": topic}],
        })
    };
    let condition = r#"{"eventType":"com.oraclecloud.computeapi.launchinstance.end"}"#;
    p.probe(route, post(&rules).json(&rule_body(&compartment, "{not json")), Expect::Rejected).await;
    p.probe(route, post(&rules).json(&rule_body(FOREIGN_TENANCY, condition)), Expect::Refused("rule.create")).await;
    let rule = id_of(
        &p.probe(route, post(&rules).json(&rule_body(&compartment, condition)), Expect::Made("rule.create")).await,
    );
    let rule_path = format!("{rules}/{rule}");
    let missing_rule = format!("{rules}/ocid1.eventrule.oc1..aaaaaaaanotthere");

    let route = "PATCH /api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}";
    let change = |path: &str, body: Value| admin.send(Method::PATCH, path).json(&body);
    p.probe(route, change(&rule_path, json!({"condition": "{not json"})), Expect::Rejected).await;
    p.probe(route, change(&missing_rule, json!({"is_enabled": false})), Expect::Refused("rule.disable")).await;
    p.probe(route, change(&rule_path, json!({"is_enabled": false})), Expect::Made("rule.disable")).await;
    p.probe(route, change(&rule_path, json!({"is_enabled": true})), Expect::Made("rule.enable")).await;
    p.probe(route, change(&rule_path, json!({"description": "launches only"})), Expect::Made("rule.update")).await;

    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/move";
    let move_to =
        |path: &str, compartment: &str| post(&format!("{path}/move")).json(&json!({"compartment_id": compartment}));
    p.probe(route, move_to(&rule_path, "not-an-ocid"), Expect::Rejected).await;
    p.probe(route, move_to(&rule_path, FOREIGN_TENANCY), Expect::Refused("rule.move")).await;
    p.probe(route, move_to(&rule_path, "ocid1.compartment.oc1..sandboxprod"), Expect::Made("rule.move")).await;

    let route = "POST /api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/verify";
    let verify = |path: &str| post(&format!("{path}/verify")).json(&json!({}));
    p.probe(route, verify(&format!("{rules}/not-an-ocid")), Expect::Rejected).await;
    p.probe(route, verify(&missing_rule), Expect::Refused("rule.verify")).await;
    // The first probe makes the team's "verify" inbox and subscribes it to the topic (rows of
    // their own); the second finds both and writes only its own.
    verify(&rule_path).send().await.unwrap();
    let verified = p.probe(route, verify(&rule_path), Expect::Made("rule.verify")).await;
    assert_eq!(verified["ok"], true, "{verified}");

    let route = "DELETE /api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{rules}/not-an-ocid")), Expect::Rejected).await;
    p.probe(route, admin.send(Method::DELETE, &missing_rule), Expect::Refused("rule.delete")).await;
    p.probe(route, admin.send(Method::DELETE, &rule_path), Expect::Made("rule.delete")).await;

    let route = "DELETE /api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{topics}/not-an-ocid")), Expect::Rejected).await;
    p.probe(route, admin.send(Method::DELETE, &missing_topic), Expect::Refused("topic.delete")).await;
    p.probe(route, admin.send(Method::DELETE, &topic_path), Expect::Made("topic.delete")).await;

    // Deployments, in the team of the sandbox connection.
    let home = admin.me.teams[0].team_id;
    let connection_id: i64 = base.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a connection id");
    let library = format!("/api/v1/teams/{home}/templates");
    let created: Value = post(&library)
        .json(&json!({"name": "deployable", "source": {"starter": "infra-alerts"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let target = |name: &str, prefix: &str| {
        json!({
            "name": name,
            "template_id": created["template"]["id"],
            "version": 1,
            "connection_id": connection_id,
            "compartment_id": compartment,
            "parameters": {"prefix": prefix, "webhook_url": "http://127.0.0.1:9/hook"},
        })
    };
    let deployments = format!("/api/v1/teams/{home}/deployments");
    let digest = |path: String, body: Value| {
        let request = post(&path).json(&body);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap()["digest"].clone() }
    };
    let route = "POST /api/v1/teams/{team_id}/deployments";
    let mut body = target("audited", "audited");
    body["digest"] = json!("not the reviewed plan");
    p.probe(route, post(&deployments).json(&body), Expect::Rejected).await;
    body["digest"] = digest(format!("{deployments}/plan"), target("audited", "audited")).await;
    let run = p.probe(route, post(&deployments).json(&body), Expect::Made("deployment.create")).await;
    let deployment = run["deployment_id"].as_i64().expect("a deployment id");
    let finished = |run: &Value| {
        let path = format!("{deployments}/{}/runs/{}", run["deployment_id"], run["run"]["id"]);
        let session = &admin;
        async move {
            for _ in 0..200 {
                let now: Value = session.get(&path).send().await.unwrap().json().await.unwrap();
                if now["run"]["state"] != "running" {
                    return now["run"]["state"].as_str().unwrap_or_default().to_owned();
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("run {path} did not finish");
        }
    };
    assert_eq!(finished(&run).await, "succeeded");

    let route = "POST /api/v1/teams/{team_id}/deployments/{deployment_id}/apply";
    let apply = format!("{deployments}/{deployment}/apply");
    p.probe(route, post(&apply).json(&json!({"digest": "not the reviewed plan"})), Expect::Rejected).await;
    let again = digest(format!("{deployments}/{deployment}/plan"), json!({})).await;
    let run = p.probe(route, post(&apply).json(&json!({"digest": again})), Expect::Made("deployment.apply")).await;
    assert_eq!(finished(&run).await, "succeeded");

    // A run that fails: its topic's name is taken in another compartment (names are unique in a
    // tenancy), so it can be resumed once the name is free.
    let clash = format!("{base}/topics");
    let taken = take_topic_name(&post(&clash), "clash-infra-alerts").await;
    let mut body = target("clashing", "clash");
    body["digest"] = digest(format!("{deployments}/plan"), target("clashing", "clash")).await;
    let failed: Value = post(&deployments).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(finished(&failed).await, "failed");
    let resume = format!("{deployments}/{}/runs/{}/resume", failed["deployment_id"], failed["run"]["id"]);
    let route = "POST /api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/resume";
    let done_run = format!("{deployments}/{deployment}/runs/{}/resume", run["run"]["id"]);
    p.probe(route, post(&done_run), Expect::Rejected).await;
    admin.send(Method::DELETE, &format!("{clash}/{}", id_of(&taken))).send().await.unwrap();
    let resumed = p.probe(route, post(&resume), Expect::Made("deployment.resume")).await;
    assert_eq!(finished(&resumed).await, "succeeded");

    // Fan-out deployments: one row per request, whatever the number of targets.
    let sets = format!("/api/v1/teams/{home}/deployment-sets");
    let set_target = json!({
        "template_id": created["template"]["id"],
        "version": 1,
        "connection_id": connection_id,
        "scope": {"compartments": [compartment]},
        "parameters": {"prefix": "fanned", "webhook_url": "http://127.0.0.1:9/hook"},
    });
    let route = "POST /api/v1/teams/{team_id}/deployment-sets";
    let mut body = set_target.clone();
    body["name"] = json!("audited set");
    body["digest"] = json!("not the reviewed plan");
    p.probe(route, post(&sets).json(&body), Expect::Rejected).await;
    body["digest"] = digest(format!("{sets}/plan"), set_target.clone()).await;
    let started = p.probe(route, post(&sets).json(&body), Expect::Made("deployment_set.create")).await;
    let set_id = started["set_id"].as_i64().expect("a set id");
    for run in started["runs"].as_array().expect("runs") {
        let run = json!({"deployment_id": run["deployment_id"], "run": {"id": run["run_id"]}});
        assert_eq!(finished(&run).await, "succeeded");
    }
    let route = "POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/apply";
    let apply = format!("{sets}/{set_id}/apply");
    p.probe(route, post(&apply).json(&json!({"digest": "not the reviewed plan"})), Expect::Rejected).await;
    let changed = json!({"parameters": {"prefix": "fanned", "webhook_url": "http://127.0.0.1:9/other"}});
    let mut body = changed.clone();
    body["digest"] = digest(format!("{sets}/{set_id}/plan"), changed).await;
    let applied = p.probe(route, post(&apply).json(&body), Expect::Made("deployment_set.apply")).await;
    for run in applied["runs"].as_array().expect("runs") {
        let run = json!({"deployment_id": run["deployment_id"], "run": {"id": run["run_id"]}});
        assert_eq!(finished(&run).await, "succeeded");
    }
    let route = "POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/retry";
    p.probe(route, post(&format!("{sets}/{set_id}/retry")), Expect::Rejected).await;
    let taken = take_topic_name(&post(&clash), "fanclash-infra-alerts").await;
    let mut clashing = set_target.clone();
    clashing["parameters"]["prefix"] = json!("fanclash");
    let mut body = clashing.clone();
    body["name"] = json!("clashing set");
    body["digest"] = digest(format!("{sets}/plan"), clashing).await;
    let started: Value = post(&sets).json(&body).send().await.unwrap().json().await.unwrap();
    let failed = &started["runs"][0];
    let failed = json!({"deployment_id": failed["deployment_id"], "run": {"id": failed["run_id"]}});
    assert_eq!(finished(&failed).await, "failed");
    admin.send(Method::DELETE, &format!("{clash}/{}", id_of(&taken))).send().await.unwrap();
    let retry = format!("{sets}/{}/retry", started["set_id"]);
    let retried = p.probe(route, post(&retry), Expect::Made("deployment_set.retry")).await;
    let run = &retried["runs"][0];
    assert_eq!(
        finished(&json!({"deployment_id": run["deployment_id"], "run": {"id": run["run_id"]}})).await,
        "succeeded"
    );

    // Compliance checks.
    let route = "POST /api/v1/teams/{team_id}/compliance";
    let checks = format!("/api/v1/teams/{home}/compliance");
    let check =
        json!({"name": "audited check", "connection_id": connection_id, "scope": {"compartments": [compartment]}});
    p.probe(route, post(&checks).json(&json!({"name": "", "connection_id": connection_id})), Expect::Rejected).await;
    let made = p.probe(route, post(&checks).json(&check), Expect::Made("compliance.create")).await;
    let route = "DELETE /api/v1/teams/{team_id}/compliance/{check_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{checks}/999999")), Expect::Rejected).await;
    let check_path = format!("{checks}/{}", made["summary"]["id"]);
    p.probe(route, admin.send(Method::DELETE, &check_path), Expect::Made("compliance.delete")).await;

    // Webhook inboxes.
    let route = "POST /api/v1/teams/{team_id}/inboxes";
    let inboxes = format!("/api/v1/teams/{team}/inboxes");
    p.probe(route, post(&inboxes).json(&json!({"name": " "})), Expect::Rejected).await;
    let inbox =
        id_of(&p.probe(route, post(&inboxes).json(&json!({"name": "verify"})), Expect::Made("inbox.create")).await);
    let route = "DELETE /api/v1/teams/{team_id}/inboxes/{inbox_id}";
    p.probe(route, admin.send(Method::DELETE, &format!("{inboxes}/999999")), Expect::Rejected).await;
    p.probe(route, admin.send(Method::DELETE, &format!("{inboxes}/{inbox}")), Expect::Made("inbox.delete")).await;

    // Signing in and out, as carol (a member of no team needs none for these).
    let route = "POST /api/v1/auth/login";
    let login = |body: Value| app.client.post(app.url("/api/v1/auth/login")).json(&body);
    p.probe(route, login(json!({"username": "carol"})), Expect::Rejected).await;
    p.probe(route, login(json!({"username": "carol", "password": INITIAL_PASSWORD})), Expect::Made("auth.login")).await;
    let carol_session = app.login("carol", INITIAL_PASSWORD).await;
    let route = "POST /api/v1/auth/password";
    let change_password = |current: &str| {
        carol_session
            .send(Method::POST, "/api/v1/auth/password")
            .json(&json!({"current_password": current, "new_password": MEMBER_PASSWORD}))
    };
    p.probe(route, change_password("not the password"), Expect::Rejected).await;
    p.probe(route, change_password(INITIAL_PASSWORD), Expect::Made("auth.password_change")).await;
    let carol_session = app.login("carol", MEMBER_PASSWORD).await;
    p.probe(
        "POST /api/v1/auth/logout-everywhere",
        carol_session.send(Method::POST, "/api/v1/auth/logout-everywhere"),
        Expect::Made("auth.logout_everywhere"),
    )
    .await;
    let carol_session = app.login("carol", MEMBER_PASSWORD).await;
    p.probe(
        "POST /api/v1/auth/logout",
        carol_session.send(Method::POST, "/api/v1/auth/logout"),
        Expect::Made("auth.logout"),
    )
    .await;

    // Every changing route was shown to be audited.
    let mut missing = Vec::new();
    for (method, route) in changing_routes() {
        if listed(NOT_CHANGES, &method, &route) {
            continue;
        }
        if !p.was_shown(&method, &route, "made") {
            missing.push(format!("{method} {route}: no probe shows a change writes one `ok` row"));
        }
        if !listed(NOTHING_TO_REFUSE, &method, &route) && !p.was_shown(&method, &route, "rejected") {
            missing.push(format!("{method} {route}: no probe shows a rejected request writes no row"));
        }
        let calls_oci = route.contains("{connection_id}") || route.ends_with("/connections");
        if calls_oci && !listed(NOT_IN_OCI, &method, &route) && !p.was_shown(&method, &route, "refused") {
            missing.push(format!("{method} {route}: no probe shows OCI's refusal writes one `failed` row"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Makes a topic named `name` in `dev` through the topics route `request` posts to, so a run that
/// creates a topic of that name fails (names are unique in a tenancy); answers the topic.
async fn take_topic_name(request: &RequestBuilder, name: &str) -> Value {
    let request = request.try_clone().expect("a plain JSON request");
    let body = json!({"compartment_id": "ocid1.compartment.oc1..sandboxdev", "name": name});
    request.json(&body).send().await.expect("sent").json().await.expect("a topic")
}
