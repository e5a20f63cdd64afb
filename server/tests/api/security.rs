//! Session fixation, CSRF, cookie flags, brute-force limits, token storage and security headers,
//! each checked over real HTTP against a real SQLite file.

use crate::helpers::{spawn_app, spawn_app_with};
use reqwest::Method;
use reqwest::header::{COOKIE, SET_COOKIE};
use server::config::TEST_ADMIN_PASSWORD;
use std::time::{Duration, Instant};

const COOKIE_NAME: &str = "signalbox_session";

/// The session id a response sets, if any.
fn session_id(response: &reqwest::Response) -> Option<String> {
    response.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|cookie| {
        let value = cookie.strip_prefix(&format!("{COOKIE_NAME}="))?;
        Some(value.split(';').next().unwrap_or_default().to_owned())
    })
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("http client")
}

async fn login_raw(app: &crate::helpers::TestApp, cookie: Option<&str>, password: &str) -> reqwest::Response {
    let mut request = plain_client()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": password}));
    if let Some(id) = cookie {
        request = request.header(COOKIE, format!("{COOKIE_NAME}={id}"));
    }
    request.send().await.expect("login request")
}

/// An id known before login (planted by an attacker, or a previous login) is worthless after it:
/// login issues a new id and the old one no longer authenticates.
#[tokio::test]
async fn login_rotates_the_session_id() {
    let app = spawn_app().await;
    let first = login_raw(&app, None, TEST_ADMIN_PASSWORD).await;
    assert_eq!(first.status(), 200);
    let planted = session_id(&first).expect("login sets a session cookie");

    let second = login_raw(&app, Some(&planted), TEST_ADMIN_PASSWORD).await;
    assert_eq!(second.status(), 200);
    let fresh = session_id(&second).expect("login sets a new session cookie");
    assert_ne!(fresh, planted, "the session id must change at login");

    let with = |id: String| {
        plain_client().get(app.url("/api/v1/auth/me")).header(COOKIE, format!("{COOKIE_NAME}={id}")).send()
    };
    assert_eq!(with(planted).await.expect("me").status(), 401, "the old id is dead");
    assert_eq!(with(fresh).await.expect("me").status(), 200, "the new id works");
}

/// A cross-site POST carries the cookie (were SameSite ignored) but cannot know the CSRF token:
/// it is refused with 403 and changes nothing. The same request from the UI succeeds.
#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let forged = |token: Option<&str>| {
        let mut request = admin
            .client
            .post(app.url("/api/v1/teams"))
            .header("origin", "https://evil.example")
            .json(&serde_json::json!({"name": "Forged"}));
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    for token in [None, Some("guessed-token")] {
        let response = forged(token).await.expect("forged request");
        assert_eq!(response.status(), 403);
        let body: serde_json::Value = response.json().await.expect("json error");
        assert_eq!(body["code"], "csrf_failed", "{body}");
    }
    let teams: Vec<app::api::auth::Team> =
        admin.get("/api/v1/teams").send().await.expect("teams").json().await.expect("json");
    assert!(teams.iter().all(|t| t.name != "Forged"), "a refused request changed nothing");

    let response =
        admin.send(Method::POST, "/api/v1/teams").json(&serde_json::json!({"name": "Real"})).send().await.unwrap();
    assert_eq!(response.status(), 200, "the UI's request, with its token, is accepted");
}

/// The session cookie is HttpOnly, SameSite=Strict, scoped to the whole site, a browser-session
/// cookie, and Secure when configured for TLS.
#[tokio::test]
async fn session_cookie_flags() {
    for secure in [false, true] {
        let app = spawn_app_with(|config| config.secure_cookies = secure).await;
        let response = login_raw(&app, None, TEST_ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 200);
        let cookie = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(COOKIE_NAME))
            .expect("a session cookie")
            .to_owned();
        let attributes: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_lowercase()).collect();
        for wanted in ["httponly", "samesite=strict", "path=/"] {
            assert!(attributes.iter().any(|a| a == wanted), "{wanted} missing in {cookie}");
        }
        assert!(!attributes.iter().any(|a| a.starts_with("max-age") || a.starts_with("expires")), "{cookie}");
        assert_eq!(attributes.iter().any(|a| a == "secure"), secure, "{cookie}");
    }
}

/// Five wrong passwords within a minute cost nothing; the sixth is refused at once with 429 and
/// `Retry-After` (no waiting, no hashing), and an unknown account is answered exactly like a
/// known one, refusal included.
#[tokio::test]
async fn the_sixth_bad_password_is_refused_at_once() {
    let app = spawn_app().await;
    let attempt = |username: &'static str| {
        let client = plain_client();
        let url = app.url("/api/v1/auth/login");
        async move {
            let started = Instant::now();
            let response = client
                .post(url)
                .json(&serde_json::json!({"username": username, "password": "wrong password 12"}))
                .send()
                .await
                .expect("login request");
            let status = response.status();
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body: serde_json::Value = response.json().await.expect("json error");
            (status, body, retry_after, started.elapsed())
        }
    };
    for username in ["admin", "nobody-here"] {
        let mut answers = Vec::new();
        for _ in 0..5 {
            let (status, body, _, _) = attempt(username).await;
            assert_eq!(status, 401, "{username}");
            answers.push(body);
        }
        assert!(answers.windows(2).all(|w| w[0] == w[1]));
        let (status, body, retry_after, took) = attempt(username).await;
        assert_eq!(status, 429, "{username}: the sixth attempt is refused");
        assert_eq!(body["code"], "too_many_requests", "{body}");
        let wait: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
        assert!((1..=30).contains(&wait), "{wait}");
        assert!(took < Duration::from_millis(500), "refused at once, not after a delay: {took:?}");
    }

    // The right password works once the wait has passed; the audit trail has every failure that
    // was checked (refusals before checking write nothing, so a flood cannot fill the trail).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let response = login_raw(&app, None, TEST_ADMIN_PASSWORD).await;
    assert_eq!(response.status(), 200);
    let failures: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND result = 'failed'")
            .fetch_one(&app.pool)
            .await
            .expect("count");
    assert_eq!(failures, 10);
}

/// API token secrets and passwords never reach the database file in clear; a token works until
/// it is revoked, and records when it was last used.
#[tokio::test]
async fn tokens_and_passwords_are_stored_hashed() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let team = admin.me.teams[0].team_id;
    let secret = app.token(&admin, team, "viewer").await;

    let with_token = || plain_client().get(app.url("/api/v1/auth/me")).bearer_auth(&secret).send();
    assert_eq!(with_token().await.expect("me").status(), 200);
    let last_used: Option<String> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens").fetch_one(&app.pool).await.expect("row");
    assert!(last_used.is_some(), "last use is recorded");

    let stored = stored_bytes(&app).await;
    let secret_part = secret.rsplit('_').next().expect("secret part");
    for needle in [secret.as_str(), secret_part, TEST_ADMIN_PASSWORD] {
        assert!(
            !stored.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle:?} is stored in clear in the database"
        );
    }

    let tokens: Vec<app::api::auth::TokenSummary> =
        admin.get("/api/v1/tokens").send().await.expect("tokens").json().await.expect("json");
    let revoked = admin.send(Method::DELETE, &format!("/api/v1/tokens/{}", tokens[0].id)).send().await.unwrap();
    assert_eq!(revoked.status(), 204);
    assert_eq!(with_token().await.expect("me").status(), 401, "a revoked token is refused");
}

/// The built files are served under their content's version for good and pages load them from
/// there; under `/pkg/` they are revalidated; another version, a missing file, a climb out of the
/// directory or a write is never answered as a kept file.
#[tokio::test]
async fn built_files_are_kept_for_good_only_under_their_versions_address() {
    let site = tempfile::tempdir().expect("site root");
    let pkg = site.path().join("pkg");
    std::fs::create_dir(&pkg).expect("pkg");
    std::fs::write(pkg.join("signalbox.js"), "export default function () {}").expect("js");
    std::fs::write(pkg.join("chunk_1.wasm"), b"\0asm-chunk").expect("chunk");
    std::fs::write(site.path().join("secret.txt"), "not a built file").expect("secret");
    let root = site.path().to_owned();
    let app = spawn_app_with(move |config| config.site_root = root).await;
    let version = server::assets::version(&pkg).expect("a version");
    let cache = |r: &reqwest::Response| {
        r.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };

    let login = plain_client().get(app.url("/login")).header("accept", "text/html").send().await.expect("page");
    let html = login.text().await.expect("html");
    assert!(html.contains(&format!("/assets/{version}/pkg/signalbox.js")), "{html}");

    for method in [Method::GET, Method::HEAD] {
        let kept = plain_client()
            .request(method.clone(), app.url(&format!("/assets/{version}/pkg/chunk_1.wasm")))
            .send()
            .await
            .expect("file");
        assert_eq!((kept.status().as_u16(), cache(&kept)), (200, server::assets::IMMUTABLE.to_owned()), "{method}");
        if method == Method::GET {
            assert_eq!(kept.bytes().await.expect("bytes").as_ref(), b"\0asm-chunk");
        }
        let plain = plain_client().request(method.clone(), app.url("/pkg/chunk_1.wasm")).send().await.expect("file");
        assert_eq!((plain.status().as_u16(), cache(&plain)), (200, "no-cache".to_owned()), "{method}");
    }
    for path in [
        "/assets/0000000000000000/pkg/chunk_1.wasm".to_owned(),
        format!("/assets/{version}/pkg/chunk_2.wasm"),
        format!("/assets/{version}/pkg/../secret.txt"),
        format!("/assets/{version}/pkg/%2e%2e/secret.txt"),
        format!("/assets/{version}/pkg/..%2fsecret.txt"),
        format!("/assets/{version}/secret.txt"),
    ] {
        let response = plain_client().get(app.url(&path)).send().await.expect("answer");
        let status = response.status().as_u16();
        let kept = cache(&response);
        let body = response.text().await.expect("body");
        assert!(status == 404 || status == 400, "{path}: {status}");
        assert!(!kept.contains("immutable") && !body.contains("not a built file"), "{path}: {kept}");
    }
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let response = plain_client()
            .request(method.clone(), app.url(&format!("/assets/{version}/pkg/chunk_1.wasm")))
            .body("x")
            .send()
            .await
            .expect("answer");
        assert!(response.status().is_client_error(), "{method}: {}", response.status());
        assert!(!cache(&response).contains("immutable"), "{method}");
    }
}

/// Pages carry a nonce-based CSP that allows no other inline script; every response forbids
/// framing and sniffing; private answers are not cached.
#[tokio::test]
async fn security_headers() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let page = admin.get("/").header("accept", "text/html").send().await.expect("page");
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers.get("content-security-policy").expect("a CSP").to_str().expect("ascii").to_owned();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the CSP");
    assert!(nonce.len() >= 16, "{csp}");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.expect("html");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "hydration scripts are there");
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every inline script has the nonce");
    for (name, value) in [("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")] {
        assert_eq!(headers.get(name).and_then(|v| v.to_str().ok()), Some(value), "{name}");
    }
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));

    let again = admin.get("/").header("accept", "text/html").send().await.expect("page");
    let other = again.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(!other.contains(nonce), "each render has its own nonce");

    let api = admin.get("/api/v1/auth/me").send().await.expect("me");
    let headers = api.headers();
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}

/// Sessions live in the database: a session whose row expired is refused even with its cookie,
/// and the sweep deletes expired rows only, leaving a live session working.
#[tokio::test]
async fn expired_sessions_are_refused_and_swept() {
    let app = spawn_app().await;
    let live = session_id(&login_raw(&app, None, TEST_ADMIN_PASSWORD).await).expect("cookie");
    let ending = session_id(&login_raw(&app, None, TEST_ADMIN_PASSWORD).await).expect("cookie");
    let me = |id: String| {
        plain_client().get(app.url("/api/v1/auth/me")).header(COOKIE, format!("{COOKIE_NAME}={id}")).send()
    };
    assert_eq!(me(ending.clone()).await.expect("me").status(), 200);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, 2, "each login is one row");

    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = $1")
        .bind(&ending)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(me(ending.clone()).await.expect("me").status(), 401, "an expired row is no session");

    let swept = server::auth::sessions::Store::new(app.pool.clone()).delete_expired().await.expect("sweep");
    assert_eq!(swept, 1);
    let left: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions").fetch_all(&app.pool).await.unwrap();
    assert_eq!(left, std::slice::from_ref(&live));
    assert_eq!(me(live).await.expect("me").status(), 200, "the live session still works");
}

/// Everything the database holds, as bytes: on SQLite every file of it (main file and
/// write-ahead log); on PostgreSQL, whose files are the server's, every row of every table as text.
async fn stored_bytes(app: &crate::helpers::TestApp) -> Vec<u8> {
    let mut stored = Vec::new();
    match server::db::Backend::of(&app.pool) {
        server::db::Backend::Sqlite => {
            for entry in std::fs::read_dir(app.data_dir.path()).expect("data dir") {
                let path = entry.expect("entry").path();
                if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("signalbox.db")) {
                    stored.extend(std::fs::read(&path).expect("database file"));
                }
            }
        }
        server::db::Backend::Postgres => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&app.pool)
            .await
            .expect("tables");
            assert!(tables.len() > 10, "the tables were found: {tables:?}");
            for table in tables {
                let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t"))
                    .fetch_all(&app.pool)
                    .await
                    .expect("rows");
                for row in rows {
                    stored.extend(row.into_bytes());
                }
            }
        }
    }
    assert!(stored.len() > 4096, "the database's content was found");
    stored
}

/// A NUL anywhere in a body or an address is refused naming the field, before any query: PostgreSQL
/// cannot bind one (sign-in with one was a 500 there), FTS5 cut a search short at one. The admin
/// can still sign in after, so the refusals did not count as failed passwords either.
#[tokio::test]
async fn nul_characters_are_refused_naming_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (serde_json::json!({"username": "ad\u{0}min", "password": TEST_ADMIN_PASSWORD}), "username"),
        (serde_json::json!({"username": "admin", "password": "x\u{0}"}), "password"),
    ] {
        for _ in 0..6 {
            let response = plain_client().post(app.url("/api/v1/auth/login")).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 400, "{body}");
            let error: serde_json::Value = response.json().await.unwrap();
            assert_eq!(error["field"], field, "{error}");
            assert!(error["message"].as_str().unwrap().contains("NUL"), "{error}");
        }
    }
    assert_eq!(login_raw(&app, None, TEST_ADMIN_PASSWORD).await.status(), 200, "no lockout from refused input");

    let admin = app.admin().await;
    let (base, compartment) = crate::helpers::sandbox(&admin).await;
    let rule = serde_json::json!({
        "compartment_id": compartment,
        "name": "nul",
        "condition": "{\"eventType\": [\"com.oraclecloud.\u{0}\"]}",
        "actions": [{"kind": "ONS", "target_id": "ocid1.onstopic.oc1.iad.x"}],
    });
    let response = admin.send(Method::POST, &format!("{base}/rules")).json(&rule).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<serde_json::Value>().await.unwrap()["field"], "condition");
    for query in ["q=a%00b", "actor=%00"] {
        let response = admin.get(&format!("/api/v1/audit?{query}")).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
}
