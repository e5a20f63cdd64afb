//! The authorization matrix: every `/api/v1` route against every kind of caller.
//!
//! Routes come from the OpenAPI document the router is built from (plus the few routes served
//! outside it, listed in [`UNDOCUMENTED`]), so a new route cannot be forgotten: without a row in
//! [`EXPECTED`] and an entry in the server's access policy, this test fails.
//!
//! A cell is `U` (401: not logged in), `F` (403: logged in, not allowed) or `A` (allowed: the
//! request gets past access control and the handler answers, with anything but 401, 403 or a 5xx).
//! Bodies are empty objects and ids point at nothing, so allowed requests are refused by
//! validation or answer 404 and the matrix changes no state, except the logout routes, after
//! which the caller logs in again.
//!
//! Every method is tried on every route, not only the declared ones: HEAD must be decided exactly
//! as GET (axum answers it with the GET handler), and any other method a route does not declare
//! (OPTIONS, TRACE, an invented one) must be 405 with `Allow` for every caller, anonymous
//! included, before any handler runs. The token columns include tokens whose owner changed after
//! the token was made: demoted (the token acts as the owner's new role), removed from the team,
//! disabled, or after a password change (dead).

use crate::helpers::{MEMBER_PASSWORD, Session, TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use server::config::TEST_ADMIN_PASSWORD;
use std::collections::BTreeSet;

/// Callers, in the order of the columns of [`EXPECTED`].
const COLUMNS: [&str; 11] = [
    "anonymous",
    "viewer of team A",
    "operator of team A",
    "admin of team A",
    "admin of team B",
    "site admin (no team role)",
    "operator token of team A",
    "operator token of an owner demoted to viewer",
    "operator token of an owner removed from team A",
    "operator token of a disabled owner",
    "operator token of an owner who changed their password",
];

/// Every method the matrix tries on every route: the ones routes declare, HEAD, and ones no route
/// declares.
const METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"];

/// Routes that answer every method (the JSON 404 for unknown paths).
const ANY_METHOD: [&str; 2] = ["/api", "/api/{*rest}"];

/// method, route template, expected outcome per column of [`COLUMNS`].
const EXPECTED: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/system", "U A A A A A A A U U U"),
    ("GET", "/api/v1/openapi.json", "U A A A A A A A U U U"),
    ("GET", "/api/v1/audit", "U A A A A A A A U U U"),
    ("GET", "/api/v1/audit/{id}", "U A A A A A A A U U U"),
    ("GET", "/api/v1/audit/activity", "U A A A A A A A U U U"),
    ("GET", "/api/v1/audit/verify", "U A A A A A A A U U U"),
    ("GET", "/api/v1/audit/export", "U A A A A A A A U U U"),
    ("POST", "/api/v1/auth/login", "A A A A A A A A A A A"),
    ("GET", "/api/v1/auth/me", "U A A A A A A A U U U"),
    ("POST", "/api/v1/auth/logout", "U A A A A A F F U U U"),
    ("POST", "/api/v1/auth/logout-everywhere", "U A A A A A F F U U U"),
    ("POST", "/api/v1/auth/password", "U A A A A A F F U U U"),
    ("PUT", "/api/v1/auth/preferred-team", "U A A A A A F F U U U"),
    ("GET", "/api/v1/users", "U F F F F A F F U U U"),
    ("POST", "/api/v1/users", "U F F F F A F F U U U"),
    ("PATCH", "/api/v1/users/{user_id}", "U F F F F A F F U U U"),
    ("GET", "/api/v1/teams", "U A A A A A A A U U U"),
    ("POST", "/api/v1/teams", "U F F F F A F F U U U"),
    ("GET", "/api/v1/teams/{team_id}/members", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/members", "U F F A F F F F U U U"),
    ("PUT", "/api/v1/teams/{team_id}/members/{user_id}", "U F F A F F F F U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/members/{user_id}", "U F F A F F F F U U U"),
    ("GET", "/api/v1/templates/schema", "U A A A A A A A U U U"),
    ("GET", "/api/v1/templates/starters", "U A A A A A A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/templates", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/templates", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/templates/{template_id}", "U A A A F F A A U U U"),
    ("PATCH", "/api/v1/teams/{team_id}/templates/{template_id}", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/templates/{template_id}/versions/{version}", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/templates/{template_id}/versions", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployments", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments/plan", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployments/{deployment_id}", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments/{deployment_id}/plan", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments/{deployment_id}/apply", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments/{deployment_id}/drift", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/events", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/resume", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployment-sets", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/plan", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployment-sets/{set_id}", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/plan", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/apply", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/retry", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/drift", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/health", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/deployment-sets/{set_id}/health", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/compliance", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/compliance", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/compliance/{check_id}", "U A A A F F A A U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/compliance/{check_id}", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/compliance/{check_id}/check", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/compliance/{check_id}/evidence", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/inboxes", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/inboxes", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/inboxes/{inbox_id}", "U A A A F F A A U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/inboxes/{inbox_id}", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/inboxes/{inbox_id}/deliveries", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/inboxes/{inbox_id}/events", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/health", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/health", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/preflight", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/impact", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/verify", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/sandbox/activity", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections", "U F F A F F F F U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}", "U F F A F F F F U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/test", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/compartments", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/topics", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/topics", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}", "U A A A F F A A U U U"),
    ("PATCH", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}", "U F A A F F A F U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/publish", "U F A A F F A F U U U"),
    (
        "GET",
        "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions",
        "U A A A F F A A U U U",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions",
        "U F A A F F A F U U U",
    ),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/functions", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/inventory/changes", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/inventory/freshness", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/cloud-audit", "U A A A F F A A U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/rules", "U A A A F F A A U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules", "U F A A F F A F U U U"),
    ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}", "U A A A F F A A U U U"),
    ("PATCH", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}", "U F A A F F A F U U U"),
    ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}", "U F A A F F A F U U U"),
    ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/move", "U F A A F F A F U U U"),
    (
        "DELETE",
        "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}",
        "U F A A F F A F U U U",
    ),
    (
        "POST",
        "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}/resend_confirmation",
        "U F A A F F A F U U U",
    ),
    ("GET", "/api/v1/tokens", "U A A A A A F F U U U"),
    ("POST", "/api/v1/tokens", "U A A A A A F F U U U"),
    ("DELETE", "/api/v1/tokens/{token_id}", "U A A A A A F F U U U"),
    ("GET", "/api", "A A A A A A A A A A A"),
    ("GET", "/api/{*rest}", "A A A A A A A A A A A"),
];

/// Routes the router serves that the OpenAPI document does not describe.
const UNDOCUMENTED: &[(&str, &str)] = &[("GET", "/api/v1/openapi.json"), ("GET", "/api"), ("GET", "/api/{*rest}")];

/// A kind of caller.
enum Caller {
    Anonymous(reqwest::Client),
    User { username: String, password: String, session: Session },
    Token { client: reqwest::Client, secret: String },
}

impl Caller {
    fn request(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        match self {
            Caller::Anonymous(client) => client.request(method, app.url(path)),
            Caller::User { session, .. } => session.send(method, path),
            Caller::Token { client, secret } => client.request(method, app.url(path)).bearer_auth(secret),
        }
    }

    /// Logs in again after a logout route ended the session.
    async fn renew(&mut self, app: &TestApp) {
        if let Caller::User { username, password, session } = self {
            *session = app.login(username, password).await;
        }
    }
}

fn documented_routes() -> BTreeSet<(String, String)> {
    let (_, doc) = server::api::router();
    let mut routes = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    for (method, route) in UNDOCUMENTED {
        routes.insert(((*method).to_owned(), (*route).to_owned()));
    }
    routes
}

/// Every served route has an access decision in the server's policy and a row in this matrix,
/// and the matrix lists no route that is not served.
#[test]
fn every_route_has_an_access_decision_and_a_row() {
    let served = documented_routes();
    let mut problems = Vec::new();
    for (method, route) in &served {
        let parsed: Method = method.parse().expect("an HTTP method");
        if server::auth::access::policy(&parsed, route).is_none() {
            problems.push(format!("{method} {route}: no access decision in server::auth::access::policy"));
        }
        if !EXPECTED.iter().any(|(m, r, _)| m == method && r == route) {
            problems.push(format!("{method} {route}: no row in the authorization matrix (EXPECTED)"));
        }
    }
    for (method, route, _) in EXPECTED {
        if !served.contains(&((*method).to_owned(), (*route).to_owned())) {
            problems.push(format!("{method} {route}: in the matrix but not served"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        server::auth::access::policy(&Method::GET, "/api/v1/not-yet-decided").is_none(),
        "an unknown route must have no decision, so the middleware refuses it"
    );
}

/// The expected cells of `method` on `route`: its row, GET's row for HEAD, every caller allowed for
/// the catch-all routes, and `M` (405 with `Allow`) for everyone otherwise.
fn expected(method: &str, route: &str) -> Vec<char> {
    let row = |m: &str| EXPECTED.iter().find(|(rm, r, _)| *rm == m && *r == route).map(|(_, _, row)| *row);
    let declared = row(method).or_else(|| if method == "HEAD" { row("GET") } else { None });
    match declared {
        Some(row) => row.split_whitespace().filter_map(|c| c.chars().next()).collect(),
        None if ANY_METHOD.contains(&route) => vec!['A'; COLUMNS.len()],
        None => vec!['M'; COLUMNS.len()],
    }
}

/// An operator of `team` with a token, whose owner is then changed by `change`.
async fn token_of_changed_owner(app: &TestApp, site_admin: &Session, team: i64, name: &str) -> (Session, String) {
    let owner = app.member(site_admin, name, team, "operator").await;
    let secret = app.token(&owner, team, "operator").await;
    (owner, secret)
}

/// Each route answers each caller, for every method, as the matrix says: 0 violations.
#[tokio::test]
async fn every_route_answers_every_caller_as_expected() {
    let app = spawn_app().await;
    let site_admin = app.admin().await;
    let team_a = app.create_team(&site_admin, "Team A").await;
    let team_b = app.create_team(&site_admin, "Team B").await;
    let viewer = app.member(&site_admin, "vera", team_a, "viewer").await;
    let operator = app.member(&site_admin, "otto", team_a, "operator").await;
    let admin_a = app.member(&site_admin, "ada", team_a, "admin").await;
    let admin_b = app.member(&site_admin, "bob", team_b, "admin").await;
    let secret = app.token(&operator, team_a, "operator").await;

    // Tokens whose owners change after the token is made.
    let (demoted, demoted_token) = token_of_changed_owner(&app, &site_admin, team_a, "dora").await;
    let (removed, removed_token) = token_of_changed_owner(&app, &site_admin, team_a, "remy").await;
    let (disabled, disabled_token) = token_of_changed_owner(&app, &site_admin, team_a, "dino").await;
    let (changer, changer_token) = token_of_changed_owner(&app, &site_admin, team_a, "pat").await;
    let members = format!("/api/v1/teams/{team_a}/members");
    let demote = admin_a
        .send(Method::PUT, &format!("{members}/{}", demoted.me.user_id))
        .json(&serde_json::json!({"role": "viewer"}))
        .send()
        .await
        .expect("demote");
    assert_eq!(demote.status(), 200);
    let remove =
        admin_a.send(Method::DELETE, &format!("{members}/{}", removed.me.user_id)).send().await.expect("remove");
    assert_eq!(remove.status(), 204);
    let disable = site_admin
        .send(Method::PATCH, &format!("/api/v1/users/{}", disabled.me.user_id))
        .json(&serde_json::json!({"disabled": true}))
        .send()
        .await
        .expect("disable");
    assert_eq!(disable.status(), 200);
    let change = changer
        .send(Method::POST, "/api/v1/auth/password")
        .json(&serde_json::json!({"current_password": MEMBER_PASSWORD, "new_password": "another password 2"}))
        .send()
        .await
        .expect("change password");
    assert_eq!(change.status(), 204);

    // The site admin created both teams; leaving them makes the column "site admin, no team role".
    let site_admin_id = site_admin.me.user_id;
    for (team, team_admin) in [(team_a, &admin_a), (team_b, &admin_b)] {
        let path = format!("/api/v1/teams/{team}/members/{site_admin_id}");
        let left = team_admin.send(Method::DELETE, &path).send().await.expect("remove the site admin");
        assert_eq!(left.status(), 204);
    }

    let user = |name: &str, password: &str, session: Session| Caller::User {
        username: name.to_owned(),
        password: password.to_owned(),
        session,
    };
    let plain = || reqwest::Client::builder().no_proxy().build().expect("http client");
    let token = |secret: String| Caller::Token { client: plain(), secret };
    let mut callers = [
        Caller::Anonymous(plain()),
        user("vera", MEMBER_PASSWORD, viewer),
        user("otto", MEMBER_PASSWORD, operator),
        user("ada", MEMBER_PASSWORD, admin_a),
        user("bob", MEMBER_PASSWORD, admin_b),
        user("admin", TEST_ADMIN_PASSWORD, site_admin),
        token(secret),
        token(demoted_token),
        token(removed_token),
        token(disabled_token),
        token(changer_token),
    ];

    let routes: BTreeSet<String> = documented_routes().into_iter().map(|(_, route)| route).collect();
    let mut violations = Vec::new();
    let mut checked = 0;
    for route in &routes {
        let path = route
            .replace("{team_id}", &team_a.to_string())
            .replace("{user_id}", "999999")
            .replace("{token_id}", "999999")
            .replace("{connection_id}", "999999")
            .replace("{topic_id}", "ocid1.onstopic.oc1..nothing")
            .replace("{subscription_id}", "ocid1.onssubscription.oc1..nothing")
            .replace("{rule_id}", "ocid1.eventrule.oc1..nothing")
            .replace("{*rest}", "no-such-thing");
        for method_name in METHODS {
            let cells = expected(method_name, route);
            assert_eq!(cells.len(), COLUMNS.len(), "{method_name} {route}: one cell per caller");
            let method = Method::from_bytes(method_name.as_bytes()).expect("an HTTP method");
            for (column, (caller, cell)) in callers.iter_mut().zip(&cells).enumerate() {
                let mut request = caller.request(&app, method.clone(), &path);
                if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
                    request = request.json(&serde_json::json!({}));
                }
                let response = request.send().await.expect("request sent");
                let status = response.status();
                checked += 1;
                let ok = match cell {
                    'U' => status == StatusCode::UNAUTHORIZED,
                    'F' => status == StatusCode::FORBIDDEN,
                    'A' => !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) && status.as_u16() < 500,
                    'M' => {
                        status == StatusCode::METHOD_NOT_ALLOWED
                            && response.headers().get("allow").is_some_and(|allow| !allow.is_empty())
                    }
                    other => panic!("unknown cell {other} for {method_name} {route}"),
                };
                if !ok {
                    violations
                        .push(format!("{method_name} {path} as {}: expected {cell}, got {status}", COLUMNS[column]));
                }
                if route.starts_with("/api/v1/auth/logout") && status.is_success() {
                    caller.renew(&app).await;
                }
            }
        }
    }
    assert!(violations.is_empty(), "{} violations of {checked} checks:\n{}", violations.len(), violations.join("\n"));
    assert_eq!(checked, routes.len() * METHODS.len() * COLUMNS.len());
}

/// Defect 18.1: HEAD skipped access control (it ran the GET handler for anyone: 200 with the real
/// length, a 500 on the audit list). Each of these must be refused exactly as GET is.
#[tokio::test]
async fn head_is_refused_without_credentials_like_get() {
    let app = spawn_app().await;
    for path in ["/api/v1/teams/1/connections", "/api/v1/users", "/api/v1/audit/verify", "/api/v1/audit"] {
        let head = app.client.head(app.url(path)).send().await.expect("HEAD");
        let get = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(head.status(), StatusCode::UNAUTHORIZED, "HEAD {path}");
        assert_eq!(head.status(), get.status(), "HEAD {path} as GET");
        let options = app.client.request(Method::OPTIONS, app.url(path)).send().await.expect("OPTIONS");
        assert_eq!(options.status(), StatusCode::METHOD_NOT_ALLOWED, "OPTIONS {path}");
    }
}
