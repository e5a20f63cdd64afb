//! Pipeline health and Verify through the API against the sandbox: a healthy pipeline turns
//! broken when its action is disabled or its only subscription deleted (named, from what the last
//! check saw), degraded when a subscription waits PENDING beside an active one; each change of
//! status is audited once; Verify reports every hop of a working pipeline and the first failed hop
//! of a broken one.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::receiver::eventually;
use app::api::health::{HealthOverview, HealthReport, HealthStatus, HopKind, PipelineHealth, VerifyReport};
use app::api::inboxes::{DeliveryPage, Inbox};
use app::api::subscriptions::Subscription;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn send(session: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = session.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A pipeline in the sandbox: a topic, an inbox subscribed to it (ACTIVE), and a rule sending
/// launch events to it.
struct Pipeline {
    base: String,
    compartment: String,
    topic: String,
    rule: String,
    subscription: String,
    inbox: Inbox,
}

async fn pipeline(admin: &Session) -> Pipeline {
    let team = admin.me.teams[0].team_id;
    let (status, inbox) =
        send(admin, Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": "on-call"})).await;
    assert_eq!(status, 200, "{inbox}");
    let inbox: Inbox = serde_json::from_value(inbox).unwrap();
    let (base, compartment) = crate::helpers::sandbox(admin).await;
    let (_, topic) =
        send(admin, Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "alerts"}))
            .await;
    let topic = topic["id"].as_str().unwrap().to_owned();
    let created = subscribe_inbox(admin, &base, &topic, &inbox).await;
    let (status, rule) = send(
        admin,
        Method::POST,
        &format!("{base}/rules"),
        json!({
            "compartment_id": compartment,
            "name": "launches",
            "condition": r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end"],"data":{"resourceName":"prod-*"}}"#,
            "actions": [{"kind": "ONS", "target_id": topic}],
        }),
    )
    .await;
    assert_eq!(status, 200, "{rule}");
    Pipeline {
        base,
        compartment,
        topic,
        rule: rule["id"].as_str().unwrap().to_owned(),
        subscription: created["id"].as_str().unwrap().to_owned(),
        inbox,
    }
}

/// Subscribes the inbox to the topic and waits until the inbox has confirmed it; the created
/// subscription.
async fn subscribe_inbox(admin: &Session, base: &str, topic: &str, inbox: &Inbox) -> Value {
    let of_topic = format!("{base}/topics/{topic}/subscriptions");
    let (status, created) =
        send(admin, Method::POST, &of_topic, json!({"protocol": "CUSTOM_HTTPS", "endpoint": inbox.url})).await;
    assert_eq!(status, 200, "{created}");
    let active = eventually(Duration::from_secs(10), async || {
        let list: Vec<Subscription> = admin.get(&of_topic).send().await.unwrap().json().await.unwrap();
        list.iter().any(|s| s.state == "ACTIVE")
    })
    .await;
    assert!(active);
    created
}

async fn check(admin: &Session, p: &Pipeline) -> PipelineHealth {
    let (status, report) =
        send(admin, Method::POST, &format!("{}/health?compartment_id={}", p.base, p.compartment), json!({})).await;
    assert_eq!(status, 200, "{report}");
    let report: HealthReport = serde_json::from_value(report).unwrap();
    report.pipelines.into_iter().find(|h| h.rule_id == p.rule).expect("the rule's pipeline")
}

async fn changes(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'pipeline.health_change' ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn disabling_the_action_breaks_the_pipeline() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = pipeline(&admin).await;
    let healthy = check(&admin, &p).await;
    assert_eq!((healthy.status, healthy.reasons.len()), (HealthStatus::Healthy, 0), "{healthy:?}");
    assert_eq!(healthy.actions[0].target_name.as_deref(), Some("alerts"));
    assert_eq!(healthy.actions[0].subscriptions[0].state, "ACTIVE");
    assert!(changes(&app).await.is_empty(), "a first healthy check is not a change");

    let actions = json!({"actions": [{"kind": "ONS", "target_id": p.topic, "is_enabled": false}]});
    let (status, body) = send(&admin, Method::PATCH, &format!("{}/rules/{}", p.base, p.rule), actions).await;
    assert_eq!(status, 200, "{body}");
    let broken = check(&admin, &p).await;
    assert_eq!(broken.status, HealthStatus::Broken, "{broken:?}");
    assert!(
        broken.reasons.iter().any(|r| r.contains("action to notifications topic alerts is disabled")),
        "{broken:?}"
    );
    assert_eq!(changes(&app).await, ["healthy → broken"]);

    check(&admin, &p).await;
    assert_eq!(changes(&app).await.len(), 1, "the same status again is not a change");
    let overview: HealthOverview = admin
        .get(&format!("/api/v1/teams/{}/health", admin.me.teams[0].team_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((overview.healthy, overview.degraded, overview.broken), (0, 0, 1));
    assert_eq!(overview.pipelines[0].rule_name, "launches");
}

#[tokio::test]
async fn deleting_the_only_subscription_breaks_it_and_a_pending_one_degrades_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = pipeline(&admin).await;
    assert_eq!(check(&admin, &p).await.status, HealthStatus::Healthy);

    let (status, pending) = send(
        &admin,
        Method::POST,
        &format!("{}/topics/{}/subscriptions", p.base, p.topic),
        json!({"protocol": "EMAIL", "endpoint": "oncall@example.com"}),
    )
    .await;
    assert_eq!(status, 200, "{pending}");
    let degraded = check(&admin, &p).await;
    assert_eq!(degraded.status, HealthStatus::Degraded, "{degraded:?}");
    assert!(
        degraded.reasons.iter().any(|r| r.contains("EMAIL subscription oncall@example.com") && r.contains("PENDING")),
        "{degraded:?}"
    );

    let deleted =
        admin.send(Method::DELETE, &format!("{}/subscriptions/{}", p.base, p.subscription)).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let broken = check(&admin, &p).await;
    assert_eq!(broken.status, HealthStatus::Broken, "{broken:?}");
    // OCI (and the sandbox) stop listing a deleted subscription; the check remembers it from the
    // last one and names it beside a topic whose only remaining subscription is unconfirmed.
    let gone = format!("The CUSTOM_HTTPS subscription {} of topic alerts was deleted or unsubscribed", p.inbox.url);
    assert!(broken.reasons.iter().any(|r| r.starts_with(&gone)), "{broken:?}");
    assert!(broken.reasons.iter().any(|r| r.contains("Topic alerts has no ACTIVE subscription")), "{broken:?}");
    assert!(broken.reasons.iter().any(|r| r.contains("PENDING")), "{broken:?}");
    let again = check(&admin, &p).await;
    assert!(again.reasons.iter().any(|r| r.starts_with(&gone)), "still named while nothing replaces it: {again:?}");
    assert_eq!(changes(&app).await, ["healthy → degraded", "degraded → broken"]);

    // A new ACTIVE subscription: the deleted one is forgotten, only the pending one is left.
    subscribe_inbox(&admin, &p.base, &p.topic, &p.inbox).await;
    let degraded = check(&admin, &p).await;
    assert_eq!(degraded.status, HealthStatus::Degraded, "{degraded:?}");
    assert!(!degraded.reasons.iter().any(|r| r.contains("deleted")), "{degraded:?}");
    assert_eq!(changes(&app).await, ["healthy → degraded", "degraded → broken", "broken → degraded"]);
}

#[tokio::test]
async fn verify_reports_every_hop_and_the_delivered_event() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let p = pipeline(&admin).await;
    let path = format!("{}/rules/{}/verify", p.base, p.rule);
    let (status, report) = send(&admin, Method::POST, &path, json!({"inbox_id": p.inbox.id})).await;
    assert_eq!(status, 200, "{report}");
    let report: VerifyReport = serde_json::from_value(report).unwrap();
    assert!(report.ok, "{report:?}");
    let kinds: Vec<HopKind> = report.hops.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            HopKind::EventAccepted,
            HopKind::RuleMatched,
            HopKind::Action,
            HopKind::Topic,
            HopKind::Subscription,
            HopKind::Delivered
        ]
    );
    assert!(report.hops.iter().all(|h| h.ok && h.at_ms.is_some()), "{report:?}");
    assert_eq!(report.probe["data"]["resourceName"], "prod-probe");

    let page: DeliveryPage = admin
        .get(&format!("/api/v1/teams/{}/inboxes/{}/deliveries", p.inbox.team_id, p.inbox.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let delivered = page.deliveries.iter().find(|d| Some(d.id) == report.delivery_id).expect("the delivery");
    let body: Value = serde_json::from_str(&delivered.body).unwrap();
    assert_eq!(body["eventID"], report.probe["eventID"]);

    // Disabled, the rule matches nothing: the report says so at that hop.
    send(&admin, Method::PATCH, &format!("{}/rules/{}", p.base, p.rule), json!({"is_enabled": false})).await;
    let (_, report) = send(&admin, Method::POST, &path, json!({"inbox_id": p.inbox.id})).await;
    let report: VerifyReport = serde_json::from_value(report).unwrap();
    assert!(!report.ok);
    let failed = report.hops.last().unwrap();
    assert_eq!((failed.kind, failed.ok), (HopKind::RuleMatched, false));
    assert!(failed.detail.contains("disabled"), "{failed:?}");
}
