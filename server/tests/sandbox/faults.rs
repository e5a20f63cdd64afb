use crate::helpers::*;
use server::oci::client::collect_pages;
use server::oci::ons::ListTopicsRequest;
use server::sandbox::FaultSpec;

async fn topic_count(t: &TestSandbox) -> usize {
    collect_pages(|page| {
        let request = ListTopicsRequest { compartment_id: PROD.into(), page, limit: Some(20), ..Default::default() };
        let client = t.client.clone();
        async move { client.list_topics(&request).await }
    })
    .await
    .unwrap()
    .len()
}

/// With a fifth of calls throttled, 50 creates through the retrying client make exactly 50 topics.
#[tokio::test]
async fn throttling_does_not_lose_or_duplicate_creates() {
    let t = spawn_sandbox().await;
    let spec = FaultSpec { throttle_rate: 0.2, ..FaultSpec::default() };
    t.sandbox.set_faults([("notifications".to_owned(), spec)].into()).unwrap();
    for i in 0..50 {
        t.client.create_topic(&topic_details(&format!("throttled-{i}"), PROD)).await.unwrap();
    }
    assert!(t.sandbox.faults().injected > 0, "some calls were throttled");
    t.sandbox.set_faults(Default::default()).unwrap();
    assert_eq!(topic_count(&t).await, 50);
}

/// When answers are lost after the topic was created, the retry token replays the original.
#[tokio::test]
async fn lost_answers_are_replayed_by_the_retry_token() {
    let t = spawn_sandbox().await;
    let spec = FaultSpec { drop_rate: 0.3, ..FaultSpec::default() };
    t.sandbox.set_faults([("notifications".to_owned(), spec)].into()).unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(create_topic(&t, &format!("dropped-{i}"), PROD).await);
    }
    assert!(t.sandbox.faults().injected > 0, "some answers were dropped");
    t.sandbox.set_faults(Default::default()).unwrap();
    assert_eq!(topic_count(&t).await, 20, "no duplicates, none lost");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}

/// Fault settings are validated.
#[tokio::test]
async fn fault_settings_are_validated() {
    let t = spawn_sandbox().await;
    let bad = FaultSpec { throttle_rate: 1.5, ..FaultSpec::default() };
    assert!(t.sandbox.set_faults([("notifications".to_owned(), bad)].into()).is_err());
    assert!(t.sandbox.set_faults([("storage".to_owned(), FaultSpec::default())].into()).is_err());
}
