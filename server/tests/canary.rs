//! The secrets canary: known passwords, an API token, private keys and a pass phrase go through
//! the real binary (logging at debug level) by every route that takes or uses a secret, and are
//! then searched for in every API response, every log line and every audit row: 0 hits.

mod support;

use reqwest::{Method, Response};
use sqlx::{Row, SqlitePool};
use support::spawn_serving;

const ADMIN_PASSWORD: &str = "canary-admin-Pa55-4f1e9c";
const USER_PASSWORD: &str = "canary-user-Pa55-8b2d71";
const RESET_PASSWORD: &str = "canary-reset-Pa55-c3a0e5";
const NEW_PASSWORD: &str = "canary-new-Pa55-93d4aa";
const WRONG_PASSWORD: &str = "canary-wrong-Pa55-1f7b2c";
/// The pass phrase of the encrypted test key (`server/src/oci/testdata/README.md`).
const PASS_PHRASE: &str = "correct-horse";
const WRONG_PASS_PHRASE: &str = "canary-wrong-pass-phrase-5e1d";
const BASIC_PASSWORD: &str = "canary-basic-Pa55-6c0d2e";

/// Everything the server answered, as text.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    async fn keep(&mut self, what: &str, response: Response) -> (u16, serde_json::Value) {
        let status = response.status().as_u16();
        let headers = format!("{:?}", response.headers());
        let body = response.text().await.expect("body");
        self.0.push(format!("{what} -> {status}\n{headers}\n{body}"));
        (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    csrf: Option<String>,
}

impl Client {
    fn new(addr: &str) -> Self {
        let http = reqwest::Client::builder().no_proxy().cookie_store(true).build().expect("client");
        Self { http, base: format!("http://{addr}"), csrf: None }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.csrf {
            Some(token) => request.header("x-csrf-token", token),
            None => request,
        }
    }

    async fn login(&mut self, transcript: &mut Transcript, username: &str, password: &str) -> serde_json::Value {
        let response = self
            .request(Method::POST, "/api/v1/auth/login")
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login");
        let (status, me) = transcript.keep("login", response).await;
        assert_eq!(status, 200, "login as {username}");
        self.csrf = me["csrf_token"].as_str().map(str::to_owned);
        me
    }

    async fn call(
        &self,
        transcript: &mut Transcript,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.request(method.clone(), path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        transcript.keep(&format!("{method} {path}"), request.send().await.expect("request")).await
    }
}

/// The base64 lines of a PEM file: any one of them showing up would leak the key.
fn pem_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|l| !l.starts_with("-----") && l.len() > 20).map(str::to_owned).collect()
}

async fn audit_rows(db: &std::path::Path) -> Vec<String> {
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display())).await.expect("open database");
    let rows = sqlx::query("SELECT * FROM audit_events").fetch_all(&pool).await.expect("audit rows");
    rows.iter()
        .map(|row| {
            (0..row.len())
                .map(|i| match row.try_get::<Option<String>, _>(i) {
                    Ok(text) => text.unwrap_or_default(),
                    Err(_) => {
                        row.try_get::<Option<i64>, _>(i).ok().flatten().map(|n| n.to_string()).unwrap_or_default()
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

#[tokio::test]
async fn no_secret_reaches_a_response_a_log_line_or_an_audit_row() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let server = spawn_serving(
        tmp.path(),
        &["--log-format", "json"],
        &[("SIGNALBOX_ADMIN_PASSWORD", ADMIN_PASSWORD), ("SIGNALBOX_LOG", "debug")],
    );
    let mut seen = Transcript::default();
    let mut admin = Client::new(&server.addr);

    // Failed logins: a wrong password, a misspelt field, a password of the wrong shape.
    for body in [
        serde_json::json!({"username": "admin", "password": WRONG_PASSWORD}),
        serde_json::json!({"username": "admin", "pasword": ADMIN_PASSWORD}),
        serde_json::json!({"username": "admin", "password": {"value": ADMIN_PASSWORD}}),
        serde_json::json!({"username": ADMIN_PASSWORD, "password": ADMIN_PASSWORD}),
    ] {
        let (status, _) = admin.call(&mut seen, Method::POST, "/api/v1/auth/login", Some(body)).await;
        assert!((400..500).contains(&status));
    }
    let me = admin.login(&mut seen, "admin", ADMIN_PASSWORD).await;
    let team = me["teams"][0]["team_id"].as_i64().expect("the admin's team");
    for path in ["/api/v1/auth/me", "/api/v1/system", "/api/v1/teams", "/api/v1/users", "/", "/settings"] {
        admin.call(&mut seen, Method::GET, path, None).await;
    }

    // A user created with one password, reset to another, who then changes it.
    let (status, _) = admin
        .call(
            &mut seen,
            Method::POST,
            "/api/v1/users",
            Some(serde_json::json!({"username": "x", "password": USER_PASSWORD})),
        )
        .await;
    assert_eq!(status, 400, "an invalid username is refused");
    let (status, carol) = admin
        .call(
            &mut seen,
            Method::POST,
            "/api/v1/users",
            Some(serde_json::json!({"username": "carol", "password": USER_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200);
    let carol_id = carol["id"].as_i64().expect("user id");
    let reset = serde_json::json!({"reset_password": RESET_PASSWORD});
    let (status, _) = admin.call(&mut seen, Method::PATCH, &format!("/api/v1/users/{carol_id}"), Some(reset)).await;
    assert_eq!(status, 200);
    let role = serde_json::json!({"role": "operator"});
    let member_path = format!("/api/v1/teams/{team}/members/{carol_id}");
    assert_eq!(admin.call(&mut seen, Method::PUT, &member_path, Some(role)).await.0, 200);

    let mut carol = Client::new(&server.addr);
    carol.login(&mut seen, "carol", RESET_PASSWORD).await;
    for (current, new, expected) in [
        (WRONG_PASSWORD, NEW_PASSWORD, 400),
        (RESET_PASSWORD, RESET_PASSWORD, 400),
        (RESET_PASSWORD, NEW_PASSWORD, 204),
    ] {
        let body = serde_json::json!({"current_password": current, "new_password": new});
        let (status, _) = carol.call(&mut seen, Method::POST, "/api/v1/auth/password", Some(body)).await;
        assert_eq!(status, expected);
    }

    // A connection with an encrypted key: once with a wrong pass phrase, once right.
    let fixture = |name: &str| {
        std::fs::read_to_string(format!("{}/src/oci/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
    };
    let encrypted = fixture("vector_pkcs8_encrypted.pem");
    for (pass_phrase, expected) in [(WRONG_PASS_PHRASE, 400), (PASS_PHRASE, 200)] {
        let body = serde_json::json!({
            "name": "prod",
            "source": {"from": "fields", "tenancy": "ocid1.tenancy.oc1..aaaaaaaat", "user": "ocid1.user.oc1..aaaaaaaau",
                       "fingerprint": "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e", "region": "eu-frankfurt-1"},
            "private_key": encrypted,
            "pass_phrase": pass_phrase,
        });
        let path = format!("/api/v1/teams/{team}/connections");
        assert_eq!(admin.call(&mut seen, Method::POST, &path, Some(body)).await.0, expected);
    }
    let (_, connections) = admin.call(&mut seen, Method::GET, &format!("/api/v1/teams/{team}/connections"), None).await;

    // An HTTPS subscription with Basic credentials on the built-in sandbox, which then tries to
    // deliver its confirmation to a port where nothing listens (and logs that at debug level).
    let sandbox = connections[0]["id"].as_i64().expect("the sandbox connection");
    let base = format!("/api/v1/teams/{team}/connections/{sandbox}");
    let body = serde_json::json!({"compartment_id": "ocid1.compartment.oc1..sandboxdev", "name": "canary"});
    let (status, topic) = admin.call(&mut seen, Method::POST, &format!("{base}/topics"), Some(body)).await;
    assert_eq!(status, 200);
    let topic_id = topic["id"].as_str().expect("topic id");
    let body = serde_json::json!({
        "protocol": "CUSTOM_HTTPS",
        "endpoint": "http://127.0.0.1:9/hook",
        "basic_auth": {"username": "ops", "password": BASIC_PASSWORD},
    });
    let path = format!("{base}/topics/{topic_id}/subscriptions");
    assert_eq!(admin.call(&mut seen, Method::POST, &path, Some(body)).await.0, 200);
    admin.call(&mut seen, Method::GET, &path, None).await;
    let pending = format!("{base}/subscriptions?compartment_id=ocid1.compartment.oc1..sandboxdev&state=PENDING");
    admin.call(&mut seen, Method::GET, &pending, None).await;
    admin.call(&mut seen, Method::GET, "/topics", None).await;

    // An API token: its one answer is the only place its secret may appear.
    let body = serde_json::json!({"name": "ci", "team_id": team, "role": "viewer"});
    let response = carol.request(Method::POST, "/api/v1/tokens").json(&body).send().await.expect("create token");
    assert_eq!(response.status(), 200);
    let created: serde_json::Value = response.json().await.expect("token");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let bearer = reqwest::Client::builder().no_proxy().build().expect("client");
    for path in ["/api/v1/auth/me", "/api/v1/teams", "/api/v1/tokens", "/api/v1/users"] {
        let response = bearer.get(format!("http://{}{path}", server.addr)).bearer_auth(&secret).send().await;
        seen.keep(&format!("token GET {path}"), response.expect("request")).await;
    }
    let tampered = format!("{secret}x");
    let response = bearer.get(format!("http://{}/api/v1/auth/me", server.addr)).bearer_auth(&tampered).send().await;
    assert_eq!(seen.keep("tampered token", response.expect("request")).await.0, 401);
    let token_id = created["token"]["id"].as_i64().expect("token id");
    carol.call(&mut seen, Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(carol.call(&mut seen, Method::DELETE, &format!("/api/v1/tokens/{token_id}"), None).await.0, 204);
    assert_eq!(carol.call(&mut seen, Method::POST, "/api/v1/auth/logout", None).await.0, 204);
    assert_eq!(admin.call(&mut seen, Method::POST, "/api/v1/auth/logout-everywhere", None).await.0, 204);

    let key_pem = std::fs::read_to_string(tmp.path().join("sandbox").join("api_key.pem")).expect("built-in key");
    let log = server.stop();
    let audit = audit_rows(&tmp.path().join("signalbox.db")).await;

    assert!(seen.0.len() >= 25, "the scenario ran ({} responses)", seen.0.len());
    assert!(log.lines().count() >= 30 && log.contains("\"level\":\"DEBUG\""), "debug logging was on");
    assert!(audit.len() >= 12, "auth events were audited: {audit:#?}");
    let mut needles: Vec<(String, String)> =
        [ADMIN_PASSWORD, USER_PASSWORD, RESET_PASSWORD, NEW_PASSWORD, WRONG_PASSWORD]
            .iter()
            .map(|p| (format!("password {p}"), (*p).to_owned()))
            .collect();
    let secret_part = secret.rsplit('_').next().expect("secret part").to_owned();
    needles.push(("API token".into(), secret_part));
    needles.extend(pem_lines(&key_pem).into_iter().map(|line| ("private key line".to_owned(), line)));
    needles.push(("pass phrase".into(), PASS_PHRASE.into()));
    needles.push(("wrong pass phrase".into(), WRONG_PASS_PHRASE.into()));
    needles.push(("Basic password".into(), BASIC_PASSWORD.into()));
    for name in ["vector_pkcs8_encrypted.pem", "vector_pkcs8.pem"] {
        needles.extend(pem_lines(&fixture(name)).into_iter().map(|line| (format!("line of {name}"), line)));
    }
    assert!(needles.len() > 10, "the key has lines to look for");

    let mut hits = Vec::new();
    for (what, needle) in &needles {
        for (place, texts) in [("response", &seen.0), ("audit row", &audit)] {
            for text in texts {
                if text.contains(needle.as_str()) {
                    hits.push(format!("{what} in a {place}: {}", text.lines().next().unwrap_or_default()));
                }
            }
        }
        for line in log.lines().filter(|line| line.contains(needle.as_str())) {
            hits.push(format!("{what} in a log line: {line}"));
        }
    }
    assert!(hits.is_empty(), "{} hits:\n{}", hits.len(), hits.join("\n"));
}
