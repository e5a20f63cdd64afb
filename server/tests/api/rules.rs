//! Rules through the built-in sandbox: the seed's Steps 2 and 4 (an ONS rule on the three compute
//! lifecycle types, a FAAS rule), filters, enable/disable, edit, move and delete, each audited
//! once; and the bad inputs the editor also refuses, refused before OCI with the field named.

use crate::helpers::{Session, TestApp, spawn_app};
use app::api::inventory::Page;
use app::api::rules::{Rule, RuleSummary};
use reqwest::Method;
use serde_json::{Value, json};

const COMPUTE: &str = r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end","com.oraclecloud.computeapi.terminateinstance.end","com.oraclecloud.computeapi.instanceaction.end"]}"#;
const BUCKETS: &str =
    r#"{"eventType":["com.oraclecloud.objectstorage.createobject","com.oraclecloud.objectstorage.deleteobject"]}"#;
const PROD: &str = "ocid1.compartment.oc1..sandboxprod";

struct Setup {
    base: String,
    compartment: String,
    topic: String,
    function: String,
}

async fn setup(admin: &Session) -> Setup {
    let team = admin.me.teams[0].team_id;
    let list: Vec<app::api::connections::Connection> =
        admin.get(&format!("/api/v1/teams/{team}/connections")).send().await.unwrap().json().await.unwrap();
    let base = format!("/api/v1/teams/{team}/connections/{}", list[0].id);
    let compartment = "ocid1.compartment.oc1..sandboxdev".to_owned();
    let (status, topic) = send(
        admin,
        Method::POST,
        &format!("{base}/topics"),
        json!({"compartment_id": compartment, "name": "infra-alerts"}),
    )
    .await;
    assert_eq!(status, 200, "{topic}");
    let functions: Vec<app::api::functions::FunctionSummary> = admin
        .get(&format!("{base}/functions?compartment_id={compartment}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Setup { base, compartment, topic: topic["id"].as_str().unwrap().to_owned(), function: functions[0].id.clone() }
}

async fn send(admin: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = admin.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn list(admin: &Session, path: &str) -> Vec<RuleSummary> {
    let response = admin.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Page<RuleSummary>>().await.unwrap().items
}

async fn audit_rows(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT action, result, opc_request_id FROM audit_events WHERE action LIKE 'rule.%' ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn rule_body(s: &Setup, name: &str, condition: &str, actions: Value) -> Value {
    json!({"compartment_id": s.compartment, "name": name, "description": "from the seed", "condition": condition, "actions": actions})
}

#[tokio::test]
async fn seed_rules_are_created_filtered_changed_moved_and_deleted() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let ons = json!([{"kind": "ONS", "target_id": s.topic, "description": "Notify infra-alerts topic"}]);
    let (status, created) =
        send(&admin, Method::POST, &format!("{}/rules", s.base), rule_body(&s, "instance-state-changes", COMPUTE, ons))
            .await;
    assert_eq!(status, 200, "{created}");
    let ons_rule: Rule = serde_json::from_value(created).unwrap();
    assert_eq!((ons_rule.actions.len(), ons_rule.is_enabled), (1, true));
    let faas = json!([{"kind": "FAAS", "target_id": s.function}]);
    let (status, created) = send(
        &admin,
        Method::POST,
        &format!("{}/rules", s.base),
        rule_body(&s, "bucket-change-processor", BUCKETS, faas),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let faas_rule: Rule = serde_json::from_value(created).unwrap();

    let all = list(&admin, &format!("{}/rules?compartment_id={}", s.base, s.compartment)).await;
    assert_eq!(
        all.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["bucket-change-processor", "instance-state-changes"]
    );
    let by_action = list(&admin, &format!("{}/rules?compartment_id={}&action_type=FAAS", s.base, s.compartment)).await;
    assert_eq!(by_action.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [faas_rule.id.as_str()]);
    assert!(by_action[0].actions.as_ref().is_some_and(|a| a[0].target_id == s.function));
    let by_text = list(&admin, &format!("{}/rules?compartment_id={}&q=TERMINATEINSTANCE", s.base, s.compartment)).await;
    assert_eq!(by_text.len(), 1);
    assert_eq!(by_text[0].id, ons_rule.id);

    let rule_path = format!("{}/rules/{}", s.base, ons_rule.id);
    let (status, disabled) = send(&admin, Method::PATCH, &rule_path, json!({"is_enabled": false})).await;
    assert_eq!((status, disabled["is_enabled"].as_bool()), (200, Some(false)), "{disabled}");
    let disabled_only = list(&admin, &format!("{}/rules?compartment_id={}&enabled=false", s.base, s.compartment)).await;
    assert_eq!(disabled_only.len(), 1);
    let narrower = r#"{"eventType":"com.oraclecloud.computeapi.terminateinstance.end"}"#;
    let (status, updated) = send(&admin, Method::PATCH, &rule_path, json!({"condition": narrower})).await;
    assert_eq!((status, updated["condition"].as_str()), (200, Some(narrower)), "{updated}");
    let (status, _) = send(&admin, Method::POST, &format!("{rule_path}/move"), json!({"compartment_id": PROD})).await;
    assert_eq!(status, 204);
    assert_eq!(list(&admin, &format!("{}/rules?compartment_id={PROD}", s.base)).await.len(), 1);
    let deleted = admin.send(Method::DELETE, &rule_path).send().await.unwrap();
    assert_eq!(deleted.status(), 204);

    let rows = audit_rows(&app).await;
    let actions: Vec<(&str, &str)> = rows.iter().map(|(a, r, _)| (a.as_str(), r.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("rule.create", "ok"),
            ("rule.create", "ok"),
            ("rule.disable", "ok"),
            ("rule.update", "ok"),
            ("rule.move", "ok"),
            ("rule.delete", "ok")
        ]
    );
    assert!(rows.iter().all(|(_, _, request_id)| request_id.is_some()));
    let (before, after): (String, String) =
        sqlx::query_as("SELECT before_json, after_json FROM audit_events WHERE action = 'rule.update'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(before.contains("launchinstance") && !after.contains("launchinstance"), "{before} → {after}");
}

#[tokio::test]
async fn bad_rules_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let s = setup(&admin).await;
    let ons = json!([{"kind": "ONS", "target_id": s.topic}]);
    let eleven: Vec<Value> = (0..11).map(|_| json!({"kind": "ONS", "target_id": s.topic})).collect();
    let cases = [
        (rule_body(&s, "hcl", r#"eventType = "x""#, ons.clone()), "condition", "line 1, column 1"),
        (rule_body(&s, "trailing", "{\"eventType\": [\"a\",]}", ons.clone()), "condition", "line 1"),
        (rule_body(&s, "null", r#"{"eventType": null}"#, ons.clone()), "condition", "eventType"),
        (rule_body(&s, "eleven", COMPUTE, Value::Array(eleven)), "actions", "at most 10"),
        (rule_body(&s, "none", COMPUTE, json!([])), "actions", "Add an action"),
        (rule_body(&s, "  ", COMPUTE, ons.clone()), "name", "name"),
        (
            rule_body(&s, "bad-ocid", COMPUTE, json!([{"kind": "ONS", "target_id": "not-an-ocid"}])),
            "actions[0].target_id",
            "topic",
        ),
        (
            rule_body(
                &s,
                "unknown-topic",
                COMPUTE,
                json!([{"kind": "ONS", "target_id": "ocid1.onstopic.oc1.iad.nosuchtopic"}]),
            ),
            "actions[0].target_id",
            "no notifications topic",
        ),
        (
            rule_body(
                &s,
                "unknown-function",
                COMPUTE,
                json!([{"kind": "FAAS", "target_id": "ocid1.fnfunc.oc1.iad.nosuchfunction"}]),
            ),
            "actions[0].target_id",
            "no function",
        ),
        (
            json!({"compartment_id": "ocid1.user.oc1..x", "name": "n", "condition": "{}", "actions": ons}),
            "compartment_id",
            "compartment",
        ),
        (
            json!({"compartment_id": s.compartment, "name": "n", "condition": "{}", "actions": [{"kind": "SMTP", "target_id": "x"}]}),
            "actions[0].kind",
            "",
        ),
    ];
    for (body, field, hint) in cases {
        let (status, error) = send(&admin, Method::POST, &format!("{}/rules", s.base), body.clone()).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["field"], field, "{body}: {error}");
        assert!(error["message"].as_str().unwrap_or("").contains(hint), "{hint}: {error}");
    }
    let (status, error) = send(
        &admin,
        Method::GET,
        &format!("{}/rules?compartment_id={}&action_type=SMS", s.base, s.compartment),
        json!({}),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("action_type")));
    // Control characters in the address: PostgreSQL cannot bind a NUL, so they are refused first.
    for (method, path, field) in [
        (Method::GET, format!("{}/rules?compartment_id={}%00", s.base, s.compartment), "compartment_id"),
        (Method::GET, format!("{}/rules/ocid1.eventrule.oc1.iad.x%00y", s.base), "rule_id"),
        (Method::PATCH, format!("{}/rules/ocid1.eventrule.oc1.iad.x%0Ay", s.base), "rule_id"),
        (Method::DELETE, format!("{}/rules/ocid1.eventrule.oc1.iad.x%7Fy", s.base), "rule_id"),
    ] {
        let (status, error) = send(&admin, method.clone(), &path, json!({"enabled": false})).await;
        assert_eq!((status, error["field"].as_str()), (400, Some(field)), "{method} {path}: {error}");
        assert!(error["message"].as_str().unwrap_or("").contains("control character"), "{error}");
    }
    assert!(audit_rows(&app).await.is_empty(), "validation failures write no row");
    assert!(list(&admin, &format!("{}/rules?compartment_id={}", s.base, s.compartment)).await.is_empty());
}
