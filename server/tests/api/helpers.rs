use serde_json::{Value, json};
use server::Application;
use server::config::Config;
use server::db::Pool;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// Longest any test request may take: a stalled response fails the test instead of hanging CI.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server on 127.0.0.1 with its own temporary data directory.
pub struct TestApp {
    pub addr: SocketAddr,
    pub builtin: server::builtin::Builtin,
    pub client: reqwest::Client,
    pub pool: Pool,
    pub data_dir: TempDir,
    _stop: oneshot::Sender<()>,
}

/// Starts the application exactly as `signalbox serve` does, on port 0.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with the test configuration changed by `configure`.
///
/// With `SIGNALBOX_TEST_POSTGRES` set (`.ci/with-postgres` sets it) the app's database is a new
/// PostgreSQL database of its own on that server, otherwise the SQLite file in its data
/// directory; `configure` runs after, so a test of something only SQLite has (its file, its
/// backups, its upgrades) says so by setting `config.database` back.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_tests(data_dir.path());
    if let Some(url) = test_postgres().await {
        config.database = server::config::Database::Postgres(url.into());
        config.master_key = Some(crate::pg_database::MASTER_KEY.to_owned().into());
    }
    configure(&mut config);
    let app = Application::build(config).await.expect("application starts");
    let addr = app.local_addr().expect("bound address");
    let pool = app.pool();
    let builtin = app.builtin();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    // No proxy: tests must never leave loopback, whatever the environment says.
    let client = reqwest::Client::builder().no_proxy().timeout(REQUEST_TIMEOUT).build().expect("http client");
    TestApp { addr, builtin, client, pool, data_dir, _stop: stop }
}

/// A new, empty database on the PostgreSQL server `SIGNALBOX_TEST_POSTGRES` names; `None` when
/// the variable is unset (the tests run on SQLite).
pub async fn test_postgres() -> Option<String> {
    let server = std::env::var("SIGNALBOX_TEST_POSTGRES").ok().filter(|url| !url.is_empty())?;
    Some(crate::pg_database::fresh(&server).await)
}

/// A logged-in user: a cookie-keeping client and the session's CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    #[allow(dead_code, reason = "read by some test modules")]
    pub me: app::api::auth::Me,
    base: String,
}

impl Session {
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.base))
    }

    /// A state-changing request, with the CSRF header the UI sends.
    pub fn send(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).header("x-csrf-token", &self.csrf)
    }

    /// Sends `body` as JSON with `method` and answers the status and the JSON answer (`null` when
    /// there is none).
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let response = self.send(method, path).json(&body).send().await.expect("request sent");
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// GETs `path` and answers its JSON as `T`.
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn read<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).send().await.expect("request sent").json().await.expect("a JSON answer of the expected shape")
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Logs in through the API, as the login form does.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        self.login_with(reqwest::Client::builder().no_proxy().cookie_store(true), username, password).await
    }

    /// [`TestApp::login`] with a client built from `builder` (say, one that follows no redirects).
    pub async fn login_with(&self, builder: reqwest::ClientBuilder, username: &str, password: &str) -> Session {
        let client = builder.timeout(REQUEST_TIMEOUT).build().expect("http client");
        let response = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), 200, "login as {username}");
        let me: app::api::auth::Me = response.json().await.expect("login answers Me");
        Session {
            client,
            csrf: me.csrf_token.clone().expect("a session has a CSRF token"),
            me,
            base: format!("http://{}", self.addr),
        }
    }

    /// The first administrator, created at startup with the test password.
    pub async fn admin(&self) -> Session {
        self.login("admin", server::config::TEST_ADMIN_PASSWORD).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }
}

/// Password given to users created by [`TestApp::member`], before they change it.
pub const INITIAL_PASSWORD: &str = "initial password 1";
/// Password users created by [`TestApp::member`] change to at first login.
pub const MEMBER_PASSWORD: &str = "member password 1";

impl TestApp {
    /// Creates a team as `admin` (who becomes its admin) and answers its id.
    pub async fn create_team(&self, admin: &Session, name: &str) -> i64 {
        let response = admin
            .send(reqwest::Method::POST, "/api/v1/teams")
            .json(&serde_json::json!({"name": name}))
            .send()
            .await
            .expect("create team");
        assert_eq!(response.status(), 200, "create team {name}");
        let team: app::api::auth::Team = response.json().await.expect("a team");
        team.id
    }

    /// Creates a user, gives them `role` in `team_id`, logs them in and changes their first
    /// password, as a new colleague would.
    pub async fn member(&self, admin: &Session, username: &str, team_id: i64, role: &str) -> Session {
        let response = admin
            .send(reqwest::Method::POST, "/api/v1/users")
            .json(&serde_json::json!({"username": username, "password": INITIAL_PASSWORD}))
            .send()
            .await
            .expect("create user");
        assert_eq!(response.status(), 200, "create user {username}");
        let user: app::api::auth::UserSummary = response.json().await.expect("a user");
        self.set_role(admin, team_id, user.id, role).await;
        let first = self.login(username, INITIAL_PASSWORD).await;
        let response = first
            .send(reqwest::Method::POST, "/api/v1/auth/password")
            .json(&serde_json::json!({"current_password": INITIAL_PASSWORD, "new_password": MEMBER_PASSWORD}))
            .send()
            .await
            .expect("change password");
        assert_eq!(response.status(), 204, "{username} changes the first password");
        self.login(username, MEMBER_PASSWORD).await
    }

    /// Ada in two teams: viewer of the first administrator's team and operator of a new team
    /// "Payments", plus a third team she is not in. Answers her session and the three team ids
    /// (hers first, Payments, the other).
    #[allow(dead_code, reason = "used by some test binaries")]
    pub async fn member_of_two_teams(&self, admin: &Session) -> (Session, i64, i64, i64) {
        let first = admin.me.teams[0].team_id;
        let second = self.create_team(admin, "Payments").await;
        let outside = self.create_team(admin, "Outside").await;
        let ada = self.member(admin, "ada", first, "viewer").await;
        self.set_role(admin, second, ada.me.user_id, "operator").await;
        (ada, first, second, outside)
    }

    /// Gives `user_id` `role` in `team_id` as `admin` (adding them if they are not a member yet).
    pub async fn set_role(&self, admin: &Session, team_id: i64, user_id: i64, role: &str) {
        let path = format!("/api/v1/teams/{team_id}/members/{user_id}");
        let (status, body) = admin.call(reqwest::Method::PUT, &path, serde_json::json!({ "role": role })).await;
        assert_eq!(status, 200, "make user {user_id} {role} of team {team_id}: {body}");
    }

    /// Creates an API token as `session` and answers its secret.
    pub async fn token(&self, session: &Session, team_id: i64, role: &str) -> String {
        let response = session
            .send(reqwest::Method::POST, "/api/v1/tokens")
            .json(&serde_json::json!({"name": "automation", "team_id": team_id, "role": role}))
            .send()
            .await
            .expect("create token");
        assert_eq!(response.status(), 200, "create a {role} token");
        let created: app::api::auth::CreatedToken = response.json().await.expect("a token");
        created.secret
    }
}

/// Tenancy of the test API-key connection (its endpoints are never called).
pub const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
/// User of the test API-key connection.
pub const USER: &str = "ocid1.user.oc1..aaaaaaaatestuser";
/// Fingerprint of the `vector_*.pem` test key.
pub const FINGERPRINT: &str = "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e";

/// A file of `server/src/oci/testdata`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/src/oci/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The body that creates an API-key connection with the test key.
pub fn by_fields(name: &str) -> Value {
    json!({
        "name": name,
        "source": {"from": "fields", "tenancy": TENANCY, "user": USER, "fingerprint": FINGERPRINT, "region": "eu-frankfurt-1"},
        "private_key": fixture("vector_pkcs8.pem"),
    })
}

/// The admin's team's sandbox connection (its API base path) and the sandbox's first compartment.
pub async fn sandbox(admin: &Session) -> (String, String) {
    let team = admin.me.teams[0].team_id;
    let list: Vec<app::api::connections::Connection> =
        admin.get(&format!("/api/v1/teams/{team}/connections")).send().await.unwrap().json().await.unwrap();
    let base = format!("/api/v1/teams/{team}/connections/{}", list[0].id);
    let compartments: Vec<app::api::connections::CompartmentSummary> =
        admin.get(&format!("{base}/compartments")).send().await.unwrap().json().await.unwrap();
    (base, compartments[0].id.clone())
}

/// How long until `check` holds (failing after 20 s).
pub async fn until<F, Fut>(check: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(20), "not within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    start.elapsed()
}
