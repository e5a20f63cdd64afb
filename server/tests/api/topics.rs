//! Topics through the built-in sandbox connection: each change is one audit row with the OCI
//! request id, a refusal by OCI is one `failed` row, and input refused before OCI leaves none.

use crate::helpers::{Session, TestApp, sandbox, spawn_app};
use app::api::inventory::Page;
use reqwest::Method;
use serde_json::{Value, json};

async fn audit_rows(app: &TestApp) -> Vec<(String, String, Option<String>, Option<i64>)> {
    sqlx::query_as(
        "SELECT action, result, opc_request_id, connection_id FROM audit_events WHERE action LIKE 'topic.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

async fn send(admin: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = admin.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Create, list, describe, publish and delete, each audited once with OCI's request id.
#[tokio::test]
async fn topic_lifecycle_is_audited_with_request_ids() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment) = sandbox(&admin).await;
    let body = json!({"compartment_id": compartment, "name": "infra-alerts", "description": "ops"});
    let (status, created) = send(&admin, Method::POST, &format!("{base}/topics"), body).await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["state"], "ACTIVE");

    let listed =
        admin.read::<Page<app::api::topics::Topic>>(&format!("{base}/topics?compartment_id={compartment}")).await.items;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].subscriptions, app::api::topics::SubscriptionCounts::default());

    let (status, updated) =
        send(&admin, Method::PATCH, &format!("{base}/topics/{id}"), json!({"description": "pager"})).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["description"], "pager");
    let (status, published) =
        send(&admin, Method::POST, &format!("{base}/topics/{id}/publish"), json!({"title": "t", "body": "hello"}))
            .await;
    assert_eq!(status, 200, "{published}");
    assert!(published["message_id"].as_str().is_some_and(|m| !m.is_empty()));
    let deleted = admin.send(Method::DELETE, &format!("{base}/topics/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);

    let rows = audit_rows(&app).await;
    let actions: Vec<(&str, &str)> = rows.iter().map(|(a, r, _, _)| (a.as_str(), r.as_str())).collect();
    assert_eq!(
        actions,
        [("topic.create", "ok"), ("topic.update", "ok"), ("topic.publish", "ok"), ("topic.delete", "ok")]
    );
    assert!(rows.iter().all(|(_, _, request_id, connection)| request_id.is_some() && connection.is_some()));
    let (before, after): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT before_json, after_json FROM audit_events WHERE action = 'topic.update'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(before.is_some_and(|b| b.contains("\"ops\"")) && after.is_some_and(|a| a.contains("\"pager\"")));
}

/// When OCI refuses (a duplicate name), the answer carries OCI's code and one `failed` row is
/// written; input refused before OCI (bad OCID, bad name, 1 MB description) writes nothing and
/// creates nothing.
#[tokio::test]
async fn refusals_by_oci_and_by_validation() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment) = sandbox(&admin).await;
    let create = |name: &str, description: String, compartment: &str| json!({"compartment_id": compartment, "name": name, "description": description});
    let (status, _) =
        send(&admin, Method::POST, &format!("{base}/topics"), create("dup", String::new(), &compartment)).await;
    assert_eq!(status, 200);

    let (status, error) =
        send(&admin, Method::POST, &format!("{base}/topics"), create("dup", String::new(), &compartment)).await;
    assert_eq!(status, 409, "{error}");
    assert_eq!(error["code"], "cloud_error");
    assert!(error["message"].as_str().unwrap().contains("opc-request-id"), "{error}");
    // The same refusal, each part apart, for the console to show as such.
    let cloud = &error["cloud"];
    assert_eq!(cloud["operation"], "CreateTopic", "{error}");
    assert_eq!(cloud["status"], 409, "{error}");
    assert!(cloud["oci_code"].as_str().is_some_and(|c| !c.is_empty()), "{error}");
    assert!(cloud["message"].as_str().is_some_and(|m| !m.is_empty() && !m.contains("CreateTopic failed")), "{error}");
    let rows = audit_rows(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_str()), ("topic.create", "failed"));
    assert!(rows[1].2.is_some(), "the failed row has OCI's request id");
    assert_eq!(cloud["opc_request_id"].as_str(), rows[1].2.as_deref(), "the answer names the audited request id");

    let cases = [
        ("compartment_id", create("ok-name", String::new(), "ocid1.user.oc1..nope")),
        ("name", create("infra alerts!", String::new(), &compartment)),
        ("description", create("big", "x".repeat(1_000_000), &compartment)),
    ];
    for (field, body) in cases {
        let (status, error) = send(&admin, Method::POST, &format!("{base}/topics"), body).await;
        assert_eq!(status, 400, "{field}: {error}");
        assert_eq!(error["field"], field, "{error}");
    }
    assert_eq!(audit_rows(&app).await.len(), 2, "validation failures write no row");
    let listed =
        admin.read::<Page<app::api::topics::Topic>>(&format!("{base}/topics?compartment_id={compartment}")).await.items;
    assert_eq!(listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["dup"], "nothing else was created");
    let (status, error) =
        send(&admin, Method::POST, &format!("{base}/topics/{}/publish", listed[0].id), json!({"body": " "})).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("body")));
}
