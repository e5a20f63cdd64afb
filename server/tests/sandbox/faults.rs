use crate::helpers::*;
use server::oci::client::RetryPolicy;
use server::oci::client::collect_pages;
use server::oci::key::PrivateKey;
use server::oci::ons::ListTopicsRequest;
use server::oci::region::Service;
use server::oci::signer::ApiKey;
use server::sandbox::FaultSpec;
use std::time::Duration;

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
    // At least 20 creates, and on until an answer was dropped: 20 draws at 0.3 all pass about
    // once in 1,300 runs, which failed a CI run without testing anything.
    while ids.len() < 20 || t.sandbox.faults().injected == 0 {
        assert!(ids.len() < 200, "no answer was dropped in 200 creates at a drop rate of 0.3");
        ids.push(create_topic(&t, &format!("dropped-{}", ids.len()), PROD).await);
    }
    let created = ids.len();
    t.sandbox.set_faults(Default::default()).unwrap();
    assert_eq!(topic_count(&t).await, created, "no duplicates, none lost");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), created);
}

/// Fault settings are validated.
#[tokio::test]
async fn fault_settings_are_validated() {
    let t = spawn_sandbox().await;
    let bad = FaultSpec { throttle_rate: 1.5, ..FaultSpec::default() };
    assert!(t.sandbox.set_faults([("notifications".to_owned(), bad)].into()).is_err());
    assert!(t.sandbox.set_faults([("storage".to_owned(), FaultSpec::default())].into()).is_err());
}

/// The token bucket: per tenancy and operation, 429 with `Retry-After` past the burst, another
/// operation unaffected, refilled at the rate; the retrying client gets every create through once.
#[tokio::test]
async fn the_token_bucket_throttles_each_operation_and_refills() {
    let t = spawn_sandbox().await;
    let slow = FaultSpec { rate_per_second: 2, burst: 3, ..FaultSpec::default() };
    t.sandbox.set_faults([("notifications".to_owned(), slow)].into()).unwrap();
    // Its own pace: this client's 429s teach the other nothing.
    let once = t.client.clone().with_retry(RetryPolicy::none()).with_pace(Default::default());
    let list = ListTopicsRequest { compartment_id: PROD.into(), ..Default::default() };
    for _ in 0..3 {
        once.list_topics(&list).await.unwrap();
    }
    assert_eq!(once.list_topics(&list).await.unwrap_err().status(), Some(429), "the burst is spent");
    once.create_topic(&topic_details("own-bucket", PROD)).await.expect("another operation has its own bucket");

    // On the wire: OCI's 429 with how long to wait.
    let key = ApiKey::new(
        TENANCY,
        "ocid1.user.oc1..aaaaaaaatester",
        PrivateKey::from_pem(&fixture("vector_pkcs1.pem"), None).unwrap(),
    );
    let url = format!("{}/20181201/topics?compartmentId={PROD}", t.base_url);
    let host = t.base_url.trim_start_matches("http://").to_owned();
    let mut request = http::Request::get(&url).header("host", host).body(axum::body::Bytes::new()).unwrap();
    server::oci::signer::sign(&mut request, &key, chrono::Utc::now()).unwrap();
    let response = t.http.get(&url).headers(request.headers().clone()).send().await.unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(wait, 1, "half a second to the next token, rounded up to HTTP's whole seconds");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "TooManyRequests");

    tokio::time::sleep(Duration::from_millis(600)).await;
    once.list_topics(&list).await.expect("a token came back");

    // A faster bucket, and 30 creates at once: the client learns the pace (it slows its
    // Notifications calls, and only those), retries each throttled create after the Retry-After,
    // and every create lands exactly once.
    let brisk = FaultSpec { rate_per_second: 100, burst: 2, ..FaultSpec::default() };
    t.sandbox.set_faults([("notifications".to_owned(), brisk)].into()).unwrap();
    let before = t.sandbox.faults().injected;
    assert_eq!(t.client.pace().state(Service::Notifications).rate, None, "not paced before a 429");
    let creates = (0..30).map(|i| {
        let client = t.client.clone();
        async move { client.create_topic(&topic_details(&format!("bucket-{i}"), PROD)).await }
    });
    let answers = futures_util::future::join_all(creates).await;
    let ids: Vec<String> = answers.into_iter().map(|a| a.expect("every create lands").body.topic_id).collect();
    assert!(t.sandbox.faults().injected > before, "some creates were throttled");
    assert!(t.client.pace().state(Service::Notifications).rate.is_some(), "Notifications calls are paced");
    assert_eq!(t.client.pace().state(Service::Events).rate, None, "Events calls are not");
    t.sandbox.set_faults(Default::default()).unwrap();
    assert_eq!(topic_count(&t).await, 31, "30 created and the first, no duplicates");
    assert_eq!(ids.iter().collect::<std::collections::BTreeSet<_>>().len(), 30);

    let too_fast = FaultSpec { rate_per_second: 1_000_000, ..FaultSpec::default() };
    assert!(t.sandbox.set_faults([("events".to_owned(), too_fast)].into()).is_err());
}
