//! Subscriptions through a connection: an HTTPS subscription confirmed by a loopback receiver,
//! the pending view, resend and delete, each audited once; Basic passwords reach OCI and nothing
//! else; bad endpoints are refused per protocol before anything is sent or stored.

use crate::helpers::{Session, TestApp, by_fields, spawn_app};
use crate::receiver::{eventually, spawn_receiver};
use app::api::inventory::Page;
use app::api::subscriptions::Subscription;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// The team's sandbox connection, a compartment, and a new topic there.
async fn topic(admin: &Session, name: &str) -> (String, String, String) {
    let (base, compartment) = crate::helpers::sandbox(admin).await;
    let (status, created) =
        send(admin, Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": name}))
            .await;
    assert_eq!(status, 200, "{created}");
    (base, compartment, created["id"].as_str().unwrap().to_owned())
}

async fn send(admin: &Session, method: Method, path: &str, body: Value) -> (u16, Value) {
    let response = admin.send(method, path).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn list(admin: &Session, path: &str) -> Vec<Subscription> {
    let response = admin.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A page of a compartment's subscriptions (`path` is the whole query).
async fn page(admin: &Session, path: &str) -> Page<Subscription> {
    let response = admin.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

async fn audit_rows(app: &TestApp) -> Vec<(String, String, Option<String>, String)> {
    sqlx::query_as(
        "SELECT action, result, opc_request_id, coalesce(after_json, '') || coalesce(before_json, '') || target_name
         FROM audit_events WHERE action LIKE 'subscription.%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The seed's Steps 2 and 5: an HTTPS subscription starts PENDING, the receiver confirms it, it
/// turns ACTIVE and gets what is published; the pending view lists it only while it waits.
#[tokio::test]
async fn https_subscription_is_confirmed_by_its_receiver() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "infra-alerts").await;
    let receiver = spawn_receiver().await;

    let body = json!({"protocol": "CUSTOM_HTTPS", "endpoint": receiver.url});
    let (status, created) = send(&admin, Method::POST, &format!("{base}/topics/{topic_id}/subscriptions"), body).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["topic_name"], "infra-alerts");
    let id = created["id"].as_str().unwrap().to_owned();

    let of_topic = format!("{base}/topics/{topic_id}/subscriptions");
    let confirmed = eventually(Duration::from_secs(10), async || {
        list(&admin, &of_topic).await.first().is_some_and(|s| s.state == "ACTIVE")
    })
    .await;
    assert!(confirmed, "the receiver confirmed the subscription");
    let pending = page(&admin, &format!("{base}/subscriptions?compartment_id={compartment}&state=PENDING")).await.items;
    assert!(pending.is_empty(), "{pending:?}");
    let all = page(&admin, &format!("{base}/subscriptions?compartment_id={compartment}")).await.items;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].topic_name.as_deref(), Some("infra-alerts"));

    let one: app::api::topics::Topic =
        admin.get(&format!("{base}/topics/{topic_id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!((one.name.as_str(), one.subscriptions.active, one.subscriptions.pending), ("infra-alerts", 1, 0));

    // The seed's Step 5: a published message reaches the receiver.
    let (status, _) = send(
        &admin,
        Method::POST,
        &format!("{base}/topics/{topic_id}/publish"),
        json!({"title": "test", "body": "hello from the API test"}),
    )
    .await;
    assert_eq!(status, 200);
    let delivered = eventually(Duration::from_secs(10), async || {
        receiver.notifications().iter().any(|n| n.body.contains("hello from the API test"))
    })
    .await;
    assert!(delivered, "the receiver got the message");

    let (status, error) =
        send(&admin, Method::POST, &format!("{base}/subscriptions/{id}/resend_confirmation"), json!({})).await;
    assert_eq!(status, 409, "only pending subscriptions wait for a confirmation: {error}");
    let deleted = admin.send(Method::DELETE, &format!("{base}/subscriptions/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(list(&admin, &of_topic).await.iter().all(|s| s.state == "DELETED"));

    let rows = audit_rows(&app).await;
    let actions: Vec<(&str, &str)> = rows.iter().map(|(a, r, _, _)| (a.as_str(), r.as_str())).collect();
    assert_eq!(actions, [("subscription.create", "ok"), ("subscription.delete", "ok")]);
    assert!(rows.iter().all(|(_, _, request_id, _)| request_id.is_some()));
}

/// A pending e-mail subscription is listed with its topic in the pending view, and its
/// confirmation can be sent again (audited).
#[tokio::test]
async fn pending_view_and_resend() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "iam-changes").await;
    let body = json!({"protocol": "EMAIL", "endpoint": "oncall@example.com"});
    let (status, created) = send(&admin, Method::POST, &format!("{base}/topics/{topic_id}/subscriptions"), body).await;
    assert_eq!(status, 200, "{created}");
    let pending = page(&admin, &format!("{base}/subscriptions?compartment_id={compartment}&state=PENDING")).await.items;
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].topic_name.as_deref(), pending[0].protocol.as_str()), (Some("iam-changes"), "EMAIL"));
    assert!(pending[0].created_at.is_some());
    let id = &pending[0].id;
    let (status, _) =
        send(&admin, Method::POST, &format!("{base}/subscriptions/{id}/resend_confirmation"), json!({})).await;
    assert_eq!(status, 204);
    let (status, error) =
        send(&admin, Method::GET, &format!("{base}/subscriptions?compartment_id={compartment}&state=LOST"), json!({}))
            .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("state")));
    let actions: Vec<String> = audit_rows(&app).await.into_iter().map(|r| r.0).collect();
    assert_eq!(actions, ["subscription.create", "subscription.resend_confirmation"]);
}

/// A Basic password is part of the URL OCI stores, yet no answer, list or audit row shows it.
#[tokio::test]
async fn basic_passwords_reach_oci_and_nothing_else() {
    const SECRET: &str = "canary-basic-password-7f3a";
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "with-auth").await;
    let receiver = spawn_receiver().await;
    let body = json!({
        "protocol": "CUSTOM_HTTPS",
        "endpoint": receiver.url,
        "basic_auth": {"username": "ops", "password": SECRET},
    });
    let response =
        admin.send(Method::POST, &format!("{base}/topics/{topic_id}/subscriptions")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(!text.contains(SECRET) && text.contains("ops:****@"), "{text}");
    let listed = admin
        .get(&format!("{base}/subscriptions?compartment_id={compartment}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(SECRET) && listed.contains("ops:****@"), "{listed}");
    for (_, _, _, audited) in audit_rows(&app).await {
        assert!(!audited.contains(SECRET), "{audited}");
    }
    let confirmed = eventually(Duration::from_secs(10), async || !receiver.received.lock().unwrap().is_empty()).await;
    assert!(confirmed);
    let authorization = receiver.received.lock().unwrap()[0].headers.get("authorization").cloned();
    assert!(
        authorization.is_some_and(|v| v.to_str().unwrap_or("").starts_with("Basic ")),
        "the receiver got Basic credentials"
    );
}

/// Bad endpoints for each protocol and a plain-HTTP webhook on a real connection are refused with
/// the field named; nothing reaches OCI or the audit trail. An unknown topic is OCI's refusal:
/// one `failed` row.
#[tokio::test]
async fn bad_subscriptions_name_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "bad-inputs").await;
    let path = format!("{base}/topics/{topic_id}/subscriptions");
    let cases = [
        (json!({"protocol": "EMAIL", "endpoint": "not-an-address"}), "endpoint", "e-mail"),
        (json!({"protocol": "EMAIL", "endpoint": "two@@example.com"}), "endpoint", "e-mail"),
        (json!({"protocol": "SMS", "endpoint": "555-0100"}), "endpoint", "country code"),
        (json!({"protocol": "SLACK", "endpoint": "https://example.com/hook"}), "endpoint", "hooks.slack.com"),
        (json!({"protocol": "CUSTOM_HTTPS", "endpoint": "http://hooks.example.com/oci"}), "endpoint", "https://"),
        (json!({"protocol": "CUSTOM_HTTPS", "endpoint": "https://h.example.com/x?token=1"}), "endpoint", "query"),
        (json!({"protocol": "ORACLE_FUNCTIONS", "endpoint": "ocid1.onstopic.oc1..x"}), "endpoint", "function"),
        (
            json!({"protocol": "EMAIL", "endpoint": "a@example.com", "basic_auth": {"username": "u", "password": "p"}}),
            "basic_auth",
            "HTTPS",
        ),
        (json!({"protocol": "PIGEON", "endpoint": "a@example.com"}), "protocol", ""),
    ];
    for (body, field, hint) in cases {
        let (status, error) = send(&admin, Method::POST, &path, body.clone()).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["field"], field, "{body}: {error}");
        assert!(error["message"].as_str().unwrap_or("").contains(hint), "{body}: {error}");
    }
    let unknown = format!("{base}/topics/ocid1.onstopic.oc1.iad.nosuchtopic/subscriptions");
    let (status, error) =
        send(&admin, Method::POST, &unknown, json!({"protocol": "EMAIL", "endpoint": "a@example.com"})).await;
    assert_eq!(status, 404, "{error}");

    // A real connection: plain HTTP, even to loopback, is refused before any call to OCI.
    let team = admin.me.teams[0].team_id;
    let (status, real) =
        send(&admin, Method::POST, &format!("/api/v1/teams/{team}/connections"), by_fields("prod")).await;
    assert_eq!(status, 200, "{real}");
    let real_path = format!("/api/v1/teams/{team}/connections/{}/topics/{topic_id}/subscriptions", real["id"]);
    let (status, error) = send(
        &admin,
        Method::POST,
        &real_path,
        json!({"protocol": "CUSTOM_HTTPS", "endpoint": "http://127.0.0.1:9/hook"}),
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("endpoint")), "{error}");

    let rows = audit_rows(&app).await;
    let results: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(results, [("subscription.create", "failed")], "validation failures write no row");
    assert!(page(&admin, &format!("{base}/subscriptions?compartment_id={compartment}")).await.items.is_empty());
}

/// The built-in sandbox comes with sample functions; a function subscription needs no
/// confirmation and is ACTIVE at once.
#[tokio::test]
async fn function_subscriptions_pick_from_the_compartments_functions() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "to-functions").await;
    let response = admin.get(&format!("{base}/functions?compartment_id={compartment}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let functions: Vec<app::api::functions::FunctionSummary> = response.json().await.unwrap();
    let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["bucket-change-processor", "event-logger"]);
    assert!(functions.iter().all(|f| f.application == "signalbox-samples" && f.state == "ACTIVE"));

    let body = json!({"protocol": "ORACLE_FUNCTIONS", "endpoint": functions[1].id});
    let (status, created) = send(&admin, Method::POST, &format!("{base}/topics/{topic_id}/subscriptions"), body).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["state"], "ACTIVE");
    let (status, error) = send(&admin, Method::GET, &format!("{base}/functions?compartment_id=nope"), json!({})).await;
    assert_eq!((status, error["field"].as_str()), (400, Some("compartment_id")));
}

/// The compartment's subscriptions come a page at a time, oldest first unless asked otherwise,
/// filtered by state, topic and text; the text never finds a password (endpoints are stored
/// redacted), and bad cursors, orders and topics are refused naming the field.
#[tokio::test]
async fn compartment_subscriptions_page_by_keyset_with_filters() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "paged").await;
    let (_, _, other_topic) = topic(&admin, "other").await;
    for n in 0..5 {
        let body = json!({"protocol": "EMAIL", "endpoint": format!("oncall-{n}@example.com")});
        let (status, created) =
            send(&admin, Method::POST, &format!("{base}/topics/{topic_id}/subscriptions"), body).await;
        assert_eq!(status, 200, "{created}");
        // Creation times are kept to the millisecond: one apart, the order is certain.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let body = json!({
        "protocol": "CUSTOM_HTTPS",
        "endpoint": "http://127.0.0.1:9/hook",
        "basic_auth": {"username": "ops", "password": "hunter2-secret"},
    });
    let (status, created) =
        send(&admin, Method::POST, &format!("{base}/topics/{other_topic}/subscriptions"), body).await;
    assert_eq!(status, 200, "{created}");
    let of = |query: &str| format!("{base}/subscriptions?compartment_id={compartment}{query}");

    let first = page(&admin, &of("&limit=2")).await;
    let endpoints = |p: &Page<Subscription>| p.items.iter().map(|s| s.endpoint.clone()).collect::<Vec<_>>();
    assert_eq!(endpoints(&first), ["oncall-0@example.com", "oncall-1@example.com"], "oldest first");
    assert_eq!(first.total, 6);
    assert!(first.previous.is_none());
    let second = page(&admin, &of(&format!("&limit=2&after={}", first.next.as_deref().unwrap()))).await;
    assert_eq!(endpoints(&second), ["oncall-2@example.com", "oncall-3@example.com"]);
    let back = page(&admin, &of(&format!("&limit=2&before={}", second.previous.as_deref().unwrap()))).await;
    assert_eq!(endpoints(&back), endpoints(&first));
    let newest = page(&admin, &of("&sort=newest&limit=1")).await;
    assert!(newest.items[0].endpoint.starts_with("http://ops:****@"), "{:?}", newest.items);
    let of_topic = page(&admin, &of(&format!("&topic_id={topic_id}"))).await;
    assert_eq!(of_topic.total, 5);
    assert!(of_topic.items.iter().all(|s| s.topic_name.as_deref() == Some("paged")));
    let found = page(&admin, &of("&q=ONCALL-4")).await;
    assert_eq!(endpoints(&found), ["oncall-4@example.com"], "text is found in any case");
    assert_eq!(page(&admin, &of("&q=hunter2")).await.total, 0, "a password is never searchable");
    assert!(page(&admin, &of("&state=ACTIVE")).await.items.is_empty());

    for (query, field) in [
        ("&after=not-a-cursor", "after"),
        ("&sort=sideways", "sort"),
        ("&limit=0", "limit"),
        ("&limit=201", "limit"),
        ("&topic_id=ocid1.eventrule.oc1..x", "topic_id"),
        ("&after=a&before=b", "before"),
    ] {
        let (status, error) = send(&admin, Method::GET, &of(query), json!({})).await;
        assert_eq!((status, error["field"].as_str()), (400, Some(field)), "{query}: {error}");
    }
}
