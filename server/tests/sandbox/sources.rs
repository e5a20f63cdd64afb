use crate::helpers::*;
use server::oci::events::ActionTarget;
use server::oci::identity::{CreatePolicyDetails, CreateUserDetails};
use server::oci::objectstorage::CreateBucketDetails;
use server::oci::ons::{Protocol, SubscriptionState};
use std::time::Duration;

/// A topic with a subscription, and a rule in the tenancy sending what `condition` matches to it.
async fn pipeline(t: &TestSandbox, name: &str, protocol: Protocol, endpoint: &str, condition: &str) -> String {
    let topic_id = create_topic(t, name, TENANCY).await;
    let subscription = subscribe(t, &topic_id, TENANCY, protocol, endpoint).await;
    t.client
        .create_rule(&rule_details(&format!("{name}-rule"), condition, TENANCY, to_topic(&topic_id), 1))
        .await
        .unwrap();
    subscription
}

/// IAM changes reach an e-mail subscriber through the outbox, once the address confirmed.
#[tokio::test]
async fn iam_changes_reach_email_subscribers() {
    let t = spawn_sandbox().await;
    let condition = r#"{"eventType": ["com.oraclecloud.identitycontrolplane.createuser", "com.oraclecloud.identitycontrolplane.updatepolicy"]}"#;
    let subscription = pipeline(&t, "iam-alerts", Protocol::Email, "secops@example.com", condition).await;

    // The confirmation mail carries the link; following it confirms the address.
    let mail = t.sandbox.outbox().into_iter().next().expect("confirmation mail");
    assert_eq!(mail.to, "secops@example.com");
    let link = mail.body.split_whitespace().find(|w| w.contains("/confirmation?")).unwrap().to_owned();
    assert_eq!(t.http.get(link).send().await.unwrap().status(), 200);
    assert_eq!(t.client.get_subscription(&subscription).await.unwrap().body.lifecycle_state, SubscriptionState::Active);

    let user = CreateUserDetails {
        compartment_id: TENANCY.into(),
        name: "mallory".into(),
        description: "new".into(),
        email: None,
    };
    t.client.create_user(&user).await.unwrap();
    let policy = CreatePolicyDetails {
        compartment_id: TENANCY.into(),
        name: "ops".into(),
        statements: vec!["Allow group ops to manage ons-topics in tenancy".into()],
        description: "ops".into(),
    };
    let policy = t.client.create_policy(&policy).await.unwrap().body;
    let update = server::oci::identity::UpdatePolicyDetails {
        statements: Some(vec!["Allow group ops to manage all-resources in tenancy".into()]),
        description: None,
    };
    t.client.update_policy(&policy.id, &update).await.unwrap();

    let mails = t.sandbox.outbox();
    let alerts: Vec<_> =
        mails.iter().filter(|m| m.subject.starts_with("com.oraclecloud.identitycontrolplane.")).collect();
    assert_eq!(alerts.len(), 2, "createuser and updatepolicy, not createpolicy: {mails:?}");
    assert!(alerts[0].body.contains("\"resourceName\":\"mallory\""));
    assert_eq!(alerts[1].subject, "com.oraclecloud.identitycontrolplane.updatepolicy");
}

/// Object events follow the bucket's objectEventsEnabled flag and the rule's bucket filter.
#[tokio::test]
async fn object_events_reach_https_subscribers() {
    let t = spawn_sandbox().await;
    let receiver = spawn_receiver().await;
    let condition = r#"{"eventType": "com.oraclecloud.objectstorage.*object", "data": {"additionalDetails": {"bucketName": "inbound"}}}"#;
    let subscription = pipeline(&t, "uploads", Protocol::CustomHttps, &receiver.url, condition).await;
    assert!(
        eventually(Duration::from_secs(5), async || t
            .client
            .get_subscription(&subscription)
            .await
            .unwrap()
            .body
            .lifecycle_state
            == SubscriptionState::Active)
        .await
    );

    let bucket = |name: &str, events: bool| CreateBucketDetails {
        name: name.into(),
        compartment_id: PROD.into(),
        object_events_enabled: events,
        freeform_tags: Default::default(),
    };
    t.client.create_bucket("sandboxns", &bucket("inbound", true)).await.unwrap();
    t.client.create_bucket("sandboxns", &bucket("quiet", false)).await.unwrap();
    t.client.put_object("sandboxns", "inbound", "reports/2026-11-30.csv", b"a,b\n".to_vec()).await.unwrap();
    t.client.put_object("sandboxns", "inbound", "reports/2026-11-30.csv", b"a,b,c\n".to_vec()).await.unwrap();
    t.client.put_object("sandboxns", "quiet", "x.csv", b"x".to_vec()).await.unwrap();
    t.client.delete_object("sandboxns", "inbound", "reports/2026-11-30.csv").await.unwrap();

    assert!(eventually(Duration::from_secs(5), async || receiver.notifications().len() == 3).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let types: Vec<String> = receiver
        .notifications()
        .iter()
        .map(|n| serde_json::from_str::<serde_json::Value>(&n.body).unwrap()["eventType"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "com.oraclecloud.objectstorage.createobject",
            "com.oraclecloud.objectstorage.deleteobject",
            "com.oraclecloud.objectstorage.updateobject"
        ]
    );
    let first: serde_json::Value = serde_json::from_str(&receiver.notifications()[0].body).unwrap();
    assert_eq!(first["data"]["resourceId"], "/n/sandboxns/b/inbound/o/reports/2026-11-30.csv");

    let err = t.client.delete_bucket("sandboxns", "quiet").await.unwrap_err();
    assert_eq!(err.status(), Some(409));
}

/// The compartment tree the picker shows.
#[tokio::test]
async fn compartments_list_as_a_tree() {
    let t = spawn_sandbox().await;
    let children = t.client.list_compartments(TENANCY, false, None).await.unwrap().body;
    let mut names: Vec<_> = children.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["dev", "prod", "shared"]);
    let all = t.client.list_compartments(TENANCY, true, None).await.unwrap().body;
    let web = all.iter().find(|c| c.name == "web").expect("subtree includes prod/web");
    assert_eq!(web.compartment_id, PROD);
}

/// OSS actions record the event as a stream message (the sandbox has no Streaming service).
#[tokio::test]
async fn stream_actions_record_the_event() {
    let t = spawn_sandbox().await;
    let stream = ActionTarget::Streaming { stream_id: Some("ocid1.stream.oc1.iad.audit".into()) };
    let condition = r#"{"eventType": "com.oraclecloud.identitycontrolplane.createuser"}"#;
    t.client.create_rule(&rule_details("to-stream", condition, TENANCY, stream, 1)).await.unwrap();
    let user =
        CreateUserDetails { compartment_id: TENANCY.into(), name: "eve".into(), description: "x".into(), email: None };
    t.client.create_user(&user).await.unwrap();
    let messages: Vec<_> = t.sandbox.world().stream_messages.iter().cloned().collect();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].stream_id, "ocid1.stream.oc1.iad.audit");
    assert!(messages[0].value.contains("\"resourceName\":\"eve\""));
}

/// Rules, topics and subscriptions announce their own changes, as the Events and Notifications
/// services do: once per change (a create repeated with its retry token changes nothing and says
/// nothing), nothing for a refused call, a deleted topic's subscriptions with it, and a
/// subscription by its OCID only (its endpoint may carry credentials).
#[tokio::test]
async fn rules_topics_and_subscriptions_announce_their_changes() {
    let t = spawn_sandbox().await;
    let condition = r#"{"eventType": ["com.oraclecloud.eventsservice.*", "com.oraclecloud.notification.*"]}"#;
    let watcher = pipeline(&t, "changes", Protocol::Email, "ops@example.com", condition).await;
    let mail = t.sandbox.outbox().into_iter().next().expect("confirmation mail");
    let link = mail.body.split_whitespace().find(|w| w.contains("/confirmation?")).unwrap().to_owned();
    assert_eq!(t.http.get(link).send().await.unwrap().status(), 200);
    let announced = || {
        t.sandbox
            .outbox()
            .into_iter()
            .filter(|m| m.subject.starts_with("com.oraclecloud."))
            .map(|m| {
                // The mail is the event's JSON, then the unsubscribe footer.
                let mut values = serde_json::Deserializer::from_str(&m.body).into_iter::<serde_json::Value>();
                let event = values.next().unwrap().unwrap();
                let data = &event["data"];
                let id = data["resourceId"].as_str().unwrap().to_owned();
                (m.subject, id, data["compartmentId"].as_str().unwrap().to_owned())
            })
            .collect::<Vec<_>>()
    };
    let confirmed = announced();
    assert_eq!(confirmed.len(), 1, "the confirmation itself: {confirmed:?}");
    assert_eq!(confirmed[0].0, "com.oraclecloud.notification.updatesubscription");
    assert_eq!(confirmed[0].1, watcher);

    let dev = "ocid1.compartment.oc1..sandboxdev";
    let topic = create_topic(&t, "dev-alerts", dev).await;
    let secret = "http://user:s3cret@127.0.0.1:9/x";
    let subscription = subscribe(&t, &topic, dev, Protocol::CustomHttps, secret).await;
    let details = rule_details(
        "dev-rule",
        r#"{"eventType":"com.oraclecloud.objectstorage.createobject"}"#,
        dev,
        to_topic(&topic),
        1,
    );
    let rule = t.client.create_rule_with_token(&details, Some("once")).await.unwrap().body.id;
    let again = t.client.create_rule_with_token(&details, Some("once")).await.unwrap().body.id;
    assert_eq!(again, rule);
    let update = server::oci::events::UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
    t.client.update_rule(&rule, &update, Some("wrong-etag")).await.expect_err("a stale etag is refused");
    t.client.update_rule(&rule, &update, None).await.unwrap();
    t.client.delete_rule(&rule, None).await.unwrap();
    t.client.delete_rule(&rule, None).await.expect_err("already gone");
    t.client.delete_topic(&topic, None).await.unwrap();

    let changes: Vec<(String, String)> = announced()
        .into_iter()
        .skip(1)
        .map(|(kind, id, compartment)| {
            assert_eq!(compartment, dev, "{kind}");
            (kind.trim_start_matches("com.oraclecloud.").to_owned(), id)
        })
        .collect();
    let expected = [
        ("notification.createtopic", &topic),
        ("notification.createsubscription", &subscription),
        ("eventsservice.createrule", &rule),
        ("eventsservice.updaterule", &rule),
        ("eventsservice.deleterule", &rule),
        ("notification.deletesubscription", &subscription),
        ("notification.deletetopic", &topic),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(k, id)| (k.to_string(), id.to_string())).collect();
    assert_eq!(changes, expected);
    assert!(t.sandbox.outbox().iter().all(|m| !m.body.contains("s3cret")), "no endpoint credentials in an event");
}
