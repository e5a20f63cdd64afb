//! Webhook inboxes: an inbox confirms the HTTPS subscription made with its URL by itself and keeps
//! what is published; `/hooks/...` refuses unknown tokens, oversize bodies and floods without
//! storing anything it should not.

use crate::helpers::{Session, TestApp, spawn_app};
use crate::receiver::eventually;
use app::api::inboxes::{DeliveryKind, DeliveryPage, Inbox, KEPT_DELIVERIES, MAX_BODY_BYTES};
use app::api::subscriptions::Subscription;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn send(session: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = session.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn new_inbox(session: &Session, name: &str) -> Inbox {
    let team = session.me.teams[0].team_id;
    let (status, body) =
        send(session, Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": name})).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_value(body).unwrap()
}

async fn deliveries(session: &Session, inbox: &Inbox) -> DeliveryPage {
    let path = format!("/api/v1/teams/{}/inboxes/{}/deliveries", inbox.team_id, inbox.id);
    let response = session.get(&path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM deliveries").fetch_one(&app.pool).await.unwrap()
}

/// The path: an inbox's URL as an HTTPS subscription's endpoint turns ACTIVE with no
/// manual step, and a published message arrives with its ONS headers and body.
#[tokio::test]
async fn an_inbox_confirms_its_subscription_and_keeps_what_arrives() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inbox = new_inbox(&admin, "verify").await;
    assert!(inbox.url.starts_with(&format!("http://{}/hooks/", app.addr)), "{}", inbox.url);

    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let (status, topic) =
        send(&admin, Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": "alerts"}))
            .await;
    assert_eq!(status, 200, "{topic}");
    let topic_id = topic["id"].as_str().unwrap().to_owned();
    let of_topic = format!("{base}/topics/{topic_id}/subscriptions");
    let (status, created) =
        send(&admin, Method::POST, &of_topic, json!({"protocol": "CUSTOM_HTTPS", "endpoint": inbox.url})).await;
    assert_eq!(status, 200, "{created}");

    let active = eventually(Duration::from_secs(10), async || {
        let list: Vec<Subscription> = admin.get(&of_topic).send().await.unwrap().json().await.unwrap();
        list.first().is_some_and(|s| s.state == "ACTIVE")
    })
    .await;
    assert!(active, "the inbox confirmed the subscription by itself");
    // The sandbox turns the subscription ACTIVE before its answer reaches the inbox, which then
    // records the outcome: wait for that too.
    let recorded = eventually(Duration::from_secs(10), async || {
        let page = deliveries(&admin, &inbox).await;
        page.deliveries.iter().any(|d| d.kind == DeliveryKind::Confirmation && d.confirmation.is_some())
    })
    .await;
    assert!(recorded, "the confirmation's outcome is recorded");
    let page = deliveries(&admin, &inbox).await;
    let confirmation = page.deliveries.iter().find(|d| d.kind == DeliveryKind::Confirmation).expect("a confirmation");
    assert_eq!(confirmation.confirmation.as_deref(), Some("confirmed (HTTP 200)"));
    assert_eq!(confirmation.topic_id.as_deref(), Some(topic_id.as_str()));

    let (status, _) = send(
        &admin,
        Method::POST,
        &format!("{base}/topics/{topic_id}/publish"),
        json!({"title": "t", "body": "{\"hello\":\"inbox\"}"}),
    )
    .await;
    assert_eq!(status, 200);
    let arrived = eventually(Duration::from_secs(10), async || {
        deliveries(&admin, &inbox).await.deliveries.iter().any(|d| d.kind == DeliveryKind::Notification)
    })
    .await;
    assert!(arrived, "the message arrived");
    let page = deliveries(&admin, &inbox).await;
    let message = &page.deliveries[0];
    assert_eq!(message.body, "{\"hello\":\"inbox\"}");
    assert_eq!(message.topic_name.as_deref(), Some("alerts"));
    assert!(message.message_id.is_some());
    assert!(message.headers.iter().any(|(name, _)| name == "x-oci-ns-unsubscribeurl"));

    let listed: Vec<Inbox> =
        admin.get(&format!("/api/v1/teams/{}/inboxes", inbox.team_id)).send().await.unwrap().json().await.unwrap();
    assert_eq!((listed.len(), listed[0].deliveries), (1, 2));
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_events WHERE target_kind = 'inbox'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(actions, ["inbox.create"]);
}

/// A confirmation naming a URL that is not OCI's nor the sandbox's is kept but not followed.
#[tokio::test]
async fn foreign_confirmation_urls_are_not_followed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inbox = new_inbox(&admin, "verify").await;
    let target = format!("http://{}/api/v1/system", app.addr);
    let response = app
        .client
        .post(&inbox.url)
        .header("X-OCI-NS-MessageType", "SubscriptionConfirmation")
        .header("X-OCI-NS-ConfirmationURL", &target)
        .header("X-OCI-NS-SubscriptionId", "ocid1.onssubscription.oc1..x")
        .header("Authorization", "Basic dXNlcjpzZWNyZXQ=")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let decided = eventually(Duration::from_secs(10), async || {
        deliveries(&admin, &inbox).await.deliveries.first().is_some_and(|d| d.confirmation.is_some())
    })
    .await;
    assert!(decided);
    let page = deliveries(&admin, &inbox).await;
    let outcome = page.deliveries[0].confirmation.clone().unwrap_or_default();
    assert!(outcome.starts_with("not followed"), "{outcome}");
    assert!(page.deliveries[0].headers.contains(&("authorization".into(), "****".into())));
}

/// Unknown and malformed tokens get 404 and store nothing; a body over the limit gets 413 whether
/// or not it declares its length; a body that is not JSON is kept as text; after the inbox is
/// deleted its URL is unknown.
#[tokio::test]
async fn hooks_refuse_bad_input() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inbox = new_inbox(&admin, "verify").await;
    let base = format!("http://{}/hooks", app.addr);

    for token in ["nope", &"A".repeat(43), "has%20a%20space"] {
        let response = app.client.post(format!("{base}/{token}")).body("{}").send().await.unwrap();
        assert_eq!(response.status(), 404, "{token}");
    }
    assert_eq!(stored(&app).await, 0);

    let large = vec![b'x'; MAX_BODY_BYTES + 1];
    let response = app.client.post(&inbox.url).body(large.clone()).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let path = inbox.url.split_once(&app.addr.to_string()).map(|(_, path)| path.to_owned()).unwrap();
    assert!(
        chunked_post(app.addr, &path, &large).await.starts_with("HTTP/1.1 413"),
        "a body without a declared length is cut off too"
    );
    assert_eq!(stored(&app).await, 0);

    let response =
        app.client.post(&inbox.url).header("content-type", "text/plain").body("<b>not json</b>").send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = deliveries(&admin, &inbox).await;
    assert_eq!((page.deliveries[0].kind, page.deliveries[0].body.as_str()), (DeliveryKind::Other, "<b>not json</b>"));

    // Binary: kept as text like any other body, on PostgreSQL too (which cannot store a NUL).
    let binary = b"\x00\x01PK\xff\x00end".to_vec();
    let response = app.client.post(&inbox.url).body(binary.clone()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let page = deliveries(&admin, &inbox).await;
    assert_eq!(page.deliveries[0].body, "\u{fffd}\u{1}PK\u{fffd}\u{fffd}end");
    assert_eq!(page.deliveries[0].body_bytes, binary.len() as i64);

    let gone = admin
        .send(Method::DELETE, &format!("/api/v1/teams/{}/inboxes/{}", inbox.team_id, inbox.id))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    let response = app.client.post(&inbox.url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(stored(&app).await, 0, "the inbox's deliveries went with it");
}

/// 1,000 requests in a few seconds to unknown tokens, then 1,000 to a real inbox: the unknown ones
/// store nothing and are rate limited, the inbox keeps at most its limit, and the API answers
/// promptly throughout.
#[tokio::test]
async fn a_flood_is_limited_and_the_server_stays_responsive() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let inbox = new_inbox(&admin, "verify").await;
    let base = format!("http://{}/hooks", app.addr);

    // 50 connections at a time: a few seconds for 1,000 requests, within the process's file limit.
    let flood = |urls: Vec<String>| {
        let client = app.client.clone();
        async move {
            let answers: Vec<u16> =
                futures_util::stream::iter(urls)
                    .map(|url| {
                        let client = client.clone();
                        async move {
                            client.post(url).body("{\"flood\":true}").send().await.map_or(0, |r| r.status().as_u16())
                        }
                    })
                    .buffer_unordered(50)
                    .collect()
                    .await;
            let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
            for status in answers {
                *statuses.entry(status).or_default() += 1;
            }
            statuses
        }
    };

    let unknown: Vec<String> = (0..1000).map(|i| format!("{base}/{}{i:04}", "u".repeat(39))).collect();
    let statuses = flood(unknown).await;
    assert_eq!(statuses.keys().copied().collect::<Vec<_>>(), [404, 429], "{statuses:?}");
    assert!(statuses[&429] > 900, "most unknown-token requests are rate limited: {statuses:?}");
    assert_eq!(stored(&app).await, 0);

    let started = Instant::now();
    let response = admin.get("/api/v1/auth/me").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5), "the API stays responsive");

    let statuses = flood(vec![inbox.url.clone(); 1000]).await;
    assert!(statuses.keys().all(|s| *s == 200 || *s == 429), "{statuses:?}");
    let kept = stored(&app).await;
    assert_eq!(kept as usize, statuses.get(&200).copied().unwrap_or(0).min(KEPT_DELIVERIES as usize));
    assert!(kept <= KEPT_DELIVERIES);
}

/// Sends `body` with `Transfer-Encoding: chunked` (no declared length) and answers the status line.
async fn chunked_post(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may answer and close before it has read everything: later writes may fail.
    for chunk in body.chunks(4096) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}
