use crate::helpers::*;
use server::oci::client::collect_pages;
use server::oci::error::OciError;
use server::oci::events::{CreateRuleDetails, ListRulesRequest, UpdateRuleDetails};

fn rule(name: &str, condition: &str, topic_id: &str, actions: usize) -> CreateRuleDetails {
    rule_details(name, condition, PROD, to_topic(topic_id), actions)
}

fn api(err: OciError) -> (u16, String, String) {
    match err {
        OciError::Api { status, code, message, .. } => (status, code, message),
        other => panic!("expected an API error, got {other}"),
    }
}

/// Conditions must be JSON objects; HCL and broken JSON are refused with the position.
#[tokio::test]
async fn bad_conditions_are_refused_with_their_position() {
    let t = spawn_sandbox().await;
    let topic_id = t.client.create_topic(&topic_details("alerts", PROD)).await.unwrap().body.topic_id;
    let (status, code, message) =
        api(t.client.create_rule(&rule("r", "eventType = [\"x\"]", &topic_id, 1)).await.unwrap_err());
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
    assert!(message.contains("condition: line 1, column 1") && message.contains("HCL"), "{message}");
    let (_, _, message) =
        api(t.client.create_rule(&rule("r", "{\n\"eventType\": [\"x\",]\n}", &topic_id, 1)).await.unwrap_err());
    assert!(message.contains("line 2"), "{message}");
}

/// At most 10 actions; at least one.
#[tokio::test]
async fn action_counts_are_limited() {
    let t = spawn_sandbox().await;
    let topic_id = t.client.create_topic(&topic_details("alerts", PROD)).await.unwrap().body.topic_id;
    assert!(t.client.create_rule(&rule("ten", "{}", &topic_id, 10)).await.is_ok());
    let (status, _, message) = api(t.client.create_rule(&rule("eleven", "{}", &topic_id, 11)).await.unwrap_err());
    assert_eq!(status, 400);
    assert!(message.contains("at most 10 actions"), "{message}");
    let (_, _, message) = api(t.client.create_rule(&rule("none", "{}", &topic_id, 0)).await.unwrap_err());
    assert!(message.contains("at least one action"), "{message}");
}

/// Topic names follow the pattern, are unique, and a compartment holds at most 100 topics.
#[tokio::test]
async fn topic_names_and_limits() {
    let t = spawn_sandbox().await;
    let (status, code, _) = api(t.client.create_topic(&topic_details("has space", PROD)).await.unwrap_err());
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
    t.client.create_topic(&topic_details("unique", PROD)).await.unwrap();
    let (status, code, _) = api(t.client.create_topic(&topic_details("unique", DEV)).await.unwrap_err());
    assert_eq!((status, code.as_str()), (409, "Conflict"));
    for i in 1..100 {
        t.client.create_topic(&topic_details(&format!("t{i}"), PROD)).await.unwrap();
    }
    let err = t.client.create_topic(&topic_details("one-too-many", PROD)).await.unwrap_err();
    assert_eq!(err.code(), Some("TopicLimitReached"));
    assert!(err.to_string().contains("request a limit increase"), "{err}");
    assert!(t.client.create_topic(&topic_details("elsewhere", DEV)).await.is_ok(), "the limit is per compartment");
}

/// Lists page through opc-next-page; if-match guards updates; a retry token cannot be reused
/// for a different request.
#[tokio::test]
async fn pagination_etags_and_retry_tokens() {
    let t = spawn_sandbox().await;
    let topic_id = t.client.create_topic(&topic_details("alerts", PROD)).await.unwrap().body.topic_id;
    for i in 0..12 {
        t.client.create_rule(&rule(&format!("rule-{i:02}"), "{}", &topic_id, 1)).await.unwrap();
    }
    let mut pages = 0;
    let all = collect_pages(|page| {
        pages += 1;
        let request = ListRulesRequest { compartment_id: PROD.into(), limit: Some(5), page, ..Default::default() };
        let client = t.client.clone();
        async move { client.list_rules(&request).await }
    })
    .await
    .unwrap();
    assert_eq!((all.len(), pages), (12, 3));
    assert_eq!(all[0].display_name, "rule-11", "newest first by default");

    let first = &all[0];
    let (_, etag) = {
        let response = t.client.get_rule(&first.id).await.unwrap();
        (response.body, response.etag.unwrap())
    };
    let update = UpdateRuleDetails { is_enabled: Some(false), ..Default::default() };
    let (status, code, _) = api(t.client.update_rule(&first.id, &update, Some("stale")).await.unwrap_err());
    assert_eq!((status, code.as_str()), (412, "NoEtagMatch"));
    let updated = t.client.update_rule(&first.id, &update, Some(&etag)).await.unwrap();
    assert!(!updated.body.is_enabled);
    assert_ne!(updated.etag.as_deref(), Some(etag.as_str()));

    let (status, code, _) = api(t.client.get_rule("ocid1.eventrule.oc1.iad.nope").await.unwrap_err());
    assert_eq!((status, code.as_str()), (404, "NotAuthorizedOrNotFound"));
}
