use crate::helpers::spawn_app;
use serde_json::{Value, json};

/// Liveness answers without touching anything.
#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

/// Readiness checks the database: ready while it answers, 503 once it is gone.
#[tokio::test]
async fn readyz_follows_the_database() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "ready"}));

    app.pool.close().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "unavailable");
}

/// Every response carries a request id for correlating logs, and honours one the caller sent.
#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.headers()["x-request-id"].len(), 36);
    let response = app.client.get(app.url("/healthz")).header("x-request-id", "trace-me").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me");
}
