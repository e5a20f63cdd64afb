use crate::helpers::*;
use axum::http::{HeaderMap, StatusCode};
use server::oci::compute::{InstanceActionType, LaunchInstanceDetails};
use server::oci::ons::{
    BackoffRetryPolicy, DeliveryPolicy, MessageDetails, Protocol, SubscriptionState, UpdateSubscriptionDetails,
};
use server::sandbox::{DeliveryKind, DeliveryStatus};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An endpoint that fails `failures` times with 503, then answers 200; records bodies.
async fn flaky(failures: u32) -> (String, Arc<Mutex<Vec<(HeaderMap, String)>>>) {
    let calls = Arc::new(AtomicU32::new(0));
    let seen: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (calls, log) = (calls.clone(), log.clone());
            async move {
                log.lock().unwrap().push((headers, body));
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

/// Confirms through the public confirmation link, as a person clicking it would.
async fn confirm(t: &TestSandbox, subscription_id: &str) {
    let token_body = t.sandbox.deliveries();
    assert!(token_body.iter().any(|d| d.subscription_id == subscription_id && d.kind == DeliveryKind::Confirmation));
    let link = t.sandbox.world().ons.stored_subscription(subscription_id).map(|s| s.token.clone()).unwrap();
    let url = format!("{}/20181201/subscriptions/{subscription_id}/confirmation?token={link}&protocol=X", t.base_url);
    assert_eq!(t.http.get(url).send().await.unwrap().status(), 200);
}

/// A failing endpoint is retried on OCI's schedule until it answers; every attempt is counted.
#[tokio::test]
async fn failed_deliveries_are_retried_until_acknowledged() {
    let t = spawn_sandbox().await;
    let (url, seen) = flaky(2).await;
    let topic_id = create_topic(&t, "flaky", PROD).await;
    let subscription = subscribe(&t, &topic_id, PROD, Protocol::CustomHttps, &format!("{url}/hook")).await;
    // The confirmation POST itself hits the two failures first, then gets through.
    assert!(eventually(Duration::from_secs(5), async || seen.lock().unwrap().len() == 3).await);
    confirm(&t, &subscription).await;
    let delivery = t.sandbox.deliveries().into_iter().find(|d| d.kind == DeliveryKind::Confirmation).unwrap();
    assert_eq!((delivery.status, delivery.attempts, delivery.last_status), (DeliveryStatus::Delivered, 3, Some(200)));
}

/// When maxRetryDuration runs out, the delivery is marked failed and retries stop.
#[tokio::test]
async fn deliveries_give_up_after_the_retry_duration() {
    let t = spawn_sandbox().await;
    let (url, seen) = flaky(1000).await;
    let topic_id = create_topic(&t, "down", PROD).await;
    let subscription = subscribe(&t, &topic_id, PROD, Protocol::CustomHttps, &format!("{url}/hook")).await;
    confirm(&t, &subscription).await;
    let policy = DeliveryPolicy {
        backoff_retry_policy: Some(BackoffRetryPolicy { max_retry_duration: 150, policy_type: "EXPONENTIAL".into() }),
    };
    t.client
        .update_subscription(
            &subscription,
            &UpdateSubscriptionDetails { delivery_policy: Some(policy), ..Default::default() },
            None,
        )
        .await
        .unwrap();
    t.client.publish_message(&topic_id, &MessageDetails { title: None, body: "hello".into() }).await.unwrap();
    let failed = eventually(Duration::from_secs(5), async || {
        t.sandbox.deliveries().iter().any(|d| d.kind == DeliveryKind::Message && d.status == DeliveryStatus::Failed)
    })
    .await;
    assert!(failed, "{:?}", t.sandbox.deliveries());
    let message = t.sandbox.deliveries().into_iter().find(|d| d.kind == DeliveryKind::Message).unwrap();
    assert!(message.attempts >= 2, "an immediate retry at least: {message:?}");
    // The confirmation keeps being retried on its own (2 h) schedule; count the message only.
    let messages = || {
        seen.lock()
            .unwrap()
            .iter()
            .filter(|(h, _)| h.get("x-oci-ns-messagetype").is_some_and(|v| v == "Notification"))
            .count()
    };
    let count = messages();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(), count, "no attempts after giving up");
}

/// Slack and PagerDuty get their own payload shapes.
#[tokio::test]
async fn slack_and_pagerduty_payloads() {
    let t = spawn_sandbox().await;
    let (url, seen) = flaky(0).await;
    let topic_id = create_topic(&t, "chatops", PROD).await;
    let slack = subscribe(&t, &topic_id, PROD, Protocol::Slack, &format!("{url}/services/T0/B0/xyz")).await;
    let pager = subscribe(&t, &topic_id, PROD, Protocol::PagerDuty, &format!("{url}/integration/abc123/enqueue")).await;
    confirm(&t, &slack).await;
    confirm(&t, &pager).await;
    seen.lock().unwrap().clear();
    t.client
        .publish_message(&topic_id, &MessageDetails { title: Some("Disk full".into()), body: "db-01 at 99%".into() })
        .await
        .unwrap();
    assert!(eventually(Duration::from_secs(5), async || seen.lock().unwrap().len() == 2).await);
    let bodies: Vec<serde_json::Value> =
        seen.lock().unwrap().iter().map(|(_, b)| serde_json::from_str(b).unwrap()).collect();
    let slack_body = bodies.iter().find(|b| b.get("text").is_some()).expect("a Slack message");
    assert_eq!(slack_body["text"], "db-01 at 99%");
    let pd = bodies.iter().find(|b| b.get("routing_key").is_some()).expect("a PagerDuty event");
    assert_eq!((pd["routing_key"].as_str(), pd["event_action"].as_str()), (Some("abc123"), Some("trigger")));
    assert_eq!(pd["payload"]["summary"], "Disk full");
}

/// Stopping, starting and terminating an instance emit OCI's begin/end pairs.
#[tokio::test]
async fn instance_lifecycle_events() {
    let t = spawn_sandbox().await;
    let launch = LaunchInstanceDetails {
        compartment_id: DEV.into(),
        availability_domain: None,
        shape: "VM.Standard.E4.Flex".into(),
        display_name: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let instance = t.client.launch_instance(&launch).await.unwrap().body;
    assert_eq!(t.client.get_instance(&instance.id).await.unwrap().body.lifecycle_state.as_str(), "RUNNING");
    t.client.instance_action(&instance.id, &InstanceActionType::Stop).await.unwrap();
    let err = t.client.instance_action(&instance.id, &InstanceActionType::Stop).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(409), Some("IncorrectState")));
    t.client.instance_action(&instance.id, &InstanceActionType::Start).await.unwrap();
    t.client.terminate_instance(&instance.id).await.unwrap();
    assert_eq!(t.client.get_instance(&instance.id).await.unwrap_err().status(), Some(404));

    let window = server::oci::audit::AuditWindow::covering(
        chrono::Utc::now() - chrono::TimeDelta::minutes(1),
        chrono::Utc::now() + chrono::TimeDelta::minutes(1),
    )
    .unwrap();
    let audited: Vec<String> =
        t.client.list_audit_events(DEV, &window, None).await.unwrap().body.into_iter().map(|e| e.event_type).collect();
    for operation in ["LaunchInstance", "InstanceAction", "TerminateInstance"] {
        assert!(audited.contains(&format!("com.oraclecloud.ComputeApi.{operation}")), "{operation}: {audited:?}");
    }
}

/// The unsubscribe link removes the subscription; a wrong token does not.
#[tokio::test]
async fn unsubscribe_links_remove_the_subscription() {
    let t = spawn_sandbox().await;
    let topic_id = create_topic(&t, "mail", PROD).await;
    let subscription = subscribe(&t, &topic_id, PROD, Protocol::Email, "ops@example.com").await;
    assert_eq!(
        t.client.get_subscription(&subscription).await.unwrap().body.lifecycle_state,
        SubscriptionState::Pending
    );
    let wrong =
        format!("{}/20181201/subscriptions/{subscription}/unsubscription?token=nope&protocol=EMAIL", t.base_url);
    assert_eq!(t.http.get(wrong).send().await.unwrap().status(), 400);
    let mail = t.sandbox.outbox().into_iter().next().unwrap();
    let link = mail.body.split_whitespace().find(|w| w.contains("/unsubscription?")).unwrap().to_owned();
    assert_eq!(t.http.get(link).send().await.unwrap().status(), 200);
    assert_eq!(t.client.get_subscription(&subscription).await.unwrap_err().status(), Some(404));
}
