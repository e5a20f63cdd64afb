use crate::helpers::*;
use server::oci::compute::LaunchInstanceDetails;
use server::oci::ons::{CreateSubscriptionDetails, Protocol, SubscriptionState};
use std::time::Duration;

/// The seed workflow end to end: topic, HTTPS subscription confirmed by handshake, a rule on
/// instance launches in prod; a launch in prod notifies exactly once, a launch in dev not at all.
#[tokio::test]
async fn a_launch_in_the_rules_compartment_reaches_the_subscriber_once() {
    let t = spawn_sandbox().await;
    let receiver = spawn_receiver().await;

    let mut details = topic_details("infra-alerts", PROD);
    details.description = Some("Instance lifecycle".into());
    let topic = t.client.create_topic(&details).await.unwrap().body;
    let details = CreateSubscriptionDetails {
        topic_id: topic.topic_id.clone(),
        compartment_id: PROD.into(),
        protocol: Protocol::CustomHttps,
        endpoint: receiver.url.clone(),
        metadata: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    // As created it waits for the handshake (a later read may already find it confirmed: the
    // receiver answers within milliseconds).
    let subscription = t.client.create_subscription(&details).await.unwrap().body;
    assert_eq!(subscription.lifecycle_state, SubscriptionState::Pending);
    let confirmed = eventually(Duration::from_secs(5), async || {
        t.client.get_subscription(&subscription.id).await.unwrap().body.lifecycle_state == SubscriptionState::Active
    })
    .await;
    assert!(confirmed, "the receiver confirmed through the handshake");
    let confirmation = receiver.received.lock().unwrap()[0].clone();
    assert_eq!(confirmation.headers["x-oci-ns-messagetype"], "SubscriptionConfirmation");
    assert_eq!(confirmation.headers["x-oci-ns-subscriptionid"], subscription.id.as_str());
    assert!(confirmation.body.contains("\"ConfirmationURL\""));

    let condition = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}"#;
    t.client
        .create_rule(&rule_details("notify-on-launch", condition, PROD, to_topic(&topic.topic_id), 1))
        .await
        .unwrap();

    let launch = |compartment: &str| LaunchInstanceDetails {
        compartment_id: compartment.into(),
        availability_domain: None,
        shape: "VM.Standard.E4.Flex".into(),
        display_name: Some("web-01".into()),
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let instance = t.client.launch_instance(&launch(PROD)).await.unwrap().body;
    assert!(eventually(Duration::from_secs(5), async || receiver.notifications().len() == 1).await, "one notification");
    let notification = &receiver.notifications()[0];
    let event: serde_json::Value = serde_json::from_str(&notification.body).unwrap();
    assert_eq!(event["eventType"], "com.oraclecloud.computeapi.launchinstance.end");
    assert_eq!(event["data"]["resourceId"], instance.id.as_str());
    assert_eq!(event["data"]["compartmentName"], "prod");
    assert_eq!(event["cloudEventsVersion"], "0.1");
    assert_eq!(notification.headers["x-oci-ns-topicocid"], topic.topic_id.as_str());
    assert_eq!(notification.headers["content-type"], "application/json");
    // The receiver has the message before the sandbox has read its answer: wait for the record.
    let recorded = eventually(Duration::from_secs(5), async || {
        t.sandbox.deliveries().iter().any(|d| {
            d.kind == server::sandbox::DeliveryKind::Message
                && (d.status, d.attempts, d.last_status) == (server::sandbox::DeliveryStatus::Delivered, 1, Some(200))
        })
    })
    .await;
    assert!(recorded, "the delivery is recorded with its status code: {:?}", t.sandbox.deliveries());

    t.client.launch_instance(&launch(DEV)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.notifications().len(), 1, "a launch in dev is not covered by the prod rule");
}
