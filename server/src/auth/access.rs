//! The access decision of every `/api/v1` route, and the middleware that enforces it.
//!
//! [`policy`] is the single table of who may call what. A route missing from it is refused (and
//! the authorization matrix test fails), so a new endpoint cannot ship without a decision.
//!
//! Every HTTP method is decided, not only the ones a route declares: axum answers HEAD with the
//! GET handler, so HEAD is decided exactly as GET; any other method without an entry (OPTIONS,
//! TRACE, an invented one) is answered 405 with `Allow` before the caller is even looked up, so no
//! handler ever runs for a method nobody decided on.

use super::{CSRF_HEADER, Caller, ClientIp, Credential, SESSION_KEY, SessionData, token};
use crate::db::{api_tokens, users};
use crate::error::AppError;
use crate::state::AppState;
use app::api::auth::Role;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use tower_sessions::Session;

/// Sessions end after this long without a request.
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::hours(12);
/// Sessions end this long after login, active or not.
pub const ABSOLUTE_TIMEOUT: TimeDelta = TimeDelta::days(7);
/// `last_seen_at` is written at most this often.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login, and the JSON 404 for unknown paths).
    Public,
    /// Any authenticated caller, session or token.
    Authenticated,
    /// A logged-in user with a browser session (not a token).
    Session,
    /// A caller with at least this role in the team named by the `{team_id}` path segment.
    Team(Role),
    /// A site administrator with a browser session.
    SiteAdmin,
}

/// The access decision for `method` on the route template `route`; `None` for routes without one.
pub fn policy(method: &Method, route: &str) -> Option<Access> {
    decide(method.as_str(), route)
}

/// [`policy`] by the method's name.
fn decide(method: &str, route: &str) -> Option<Access> {
    use Access::*;
    // HEAD runs the GET handler (without sending the body), so it needs what GET needs.
    let method = if method == "HEAD" { "GET" } else { method };
    let access = match (method, route) {
        // Unknown paths answer a JSON 404 to anyone.
        (_, "/api" | "/api/{*rest}") => Public,
        ("POST", "/api/v1/auth/login") => Public,
        ("GET", "/api/v1/auth/me") => Authenticated,
        ("POST", "/api/v1/auth/logout" | "/api/v1/auth/logout-everywhere" | "/api/v1/auth/password") => Session,
        // A console preference: tokens are bound to one team and have no use for it.
        ("PUT", "/api/v1/auth/preferred-team") => Session,
        ("GET", "/api/v1/system" | "/api/v1/openapi.json" | "/api/v1/teams") => Authenticated,
        // The trail is scoped per row by the handler: site administrators see every row, others
        // the rows of their teams.
        (
            "GET",
            "/api/v1/audit"
            | "/api/v1/audit/{id}"
            | "/api/v1/audit/activity"
            | "/api/v1/audit/verify"
            | "/api/v1/audit/export",
        ) => Authenticated,
        // The template format and the built-in starters are the same for everyone.
        ("GET", "/api/v1/templates/schema" | "/api/v1/templates/starters") => Authenticated,
        // Which templates a team sees (its own, others' shared with everyone) is the handler's.
        ("GET", "/api/v1/teams/{team_id}/templates") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/templates") => Team(Role::Operator),
        (
            "GET",
            "/api/v1/teams/{team_id}/templates/{template_id}"
            | "/api/v1/teams/{team_id}/templates/{template_id}/versions/{version}",
        ) => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/templates/{template_id}/versions") => Team(Role::Operator),
        ("PATCH", "/api/v1/teams/{team_id}/templates/{template_id}") => Team(Role::Operator),
        // Plans and drift checks read the cloud and change nothing in it: viewers may see them.
        ("GET", "/api/v1/teams/{team_id}/deployments") => Team(Role::Viewer),
        (
            "POST",
            "/api/v1/teams/{team_id}/deployments/plan"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/plan"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/drift",
        ) => Team(Role::Viewer),
        (
            "GET",
            "/api/v1/teams/{team_id}/deployments/{deployment_id}"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/events",
        ) => Team(Role::Viewer),
        (
            "POST",
            "/api/v1/teams/{team_id}/deployments"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/apply"
            | "/api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/resume",
        ) => Team(Role::Operator),
        // Compliance: viewers look, check again (a read; status changes are audited) and export
        // the evidence; operators create and remove checks.
        (
            "GET",
            "/api/v1/teams/{team_id}/compliance"
            | "/api/v1/teams/{team_id}/compliance/{check_id}"
            | "/api/v1/teams/{team_id}/compliance/{check_id}/evidence",
        ) => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/compliance/{check_id}/check") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/compliance")
        | ("DELETE", "/api/v1/teams/{team_id}/compliance/{check_id}") => Team(Role::Operator),
        // Fan-out deployments: the same split, plans for viewers, applies for operators.
        (
            "GET",
            "/api/v1/teams/{team_id}/deployment-sets"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/health",
        ) => Team(Role::Viewer),
        // A set's health check reads the cloud and stores statuses, as the Health page's does.
        (
            "POST",
            "/api/v1/teams/{team_id}/deployment-sets/plan"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/plan"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/drift"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/health",
        ) => Team(Role::Viewer),
        (
            "POST",
            "/api/v1/teams/{team_id}/deployment-sets"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/apply"
            | "/api/v1/teams/{team_id}/deployment-sets/{set_id}/retry",
        ) => Team(Role::Operator),
        // Inboxes receive test traffic only; operators make and remove them, viewers read them.
        (
            "GET",
            "/api/v1/teams/{team_id}/inboxes"
            | "/api/v1/teams/{team_id}/inboxes/{inbox_id}"
            | "/api/v1/teams/{team_id}/inboxes/{inbox_id}/deliveries"
            | "/api/v1/teams/{team_id}/inboxes/{inbox_id}/events",
        ) => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/inboxes") => Team(Role::Operator),
        // A health check reads the cloud (like a drift check); verify makes subscriptions and
        // sends a probe, so it is an operator's.
        ("GET", "/api/v1/teams/{team_id}/health") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/sandbox/activity") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/health") => Team(Role::Viewer),
        // Pre-flight checks only read the cloud.
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/preflight") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/impact") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/verify") => Team(Role::Operator),
        ("DELETE", "/api/v1/teams/{team_id}/inboxes/{inbox_id}") => Team(Role::Operator),
        ("GET" | "POST", "/api/v1/tokens") => Session,
        ("DELETE", "/api/v1/tokens/{token_id}") => Session,
        ("GET" | "POST", "/api/v1/users") => SiteAdmin,
        ("PATCH", "/api/v1/users/{user_id}") => SiteAdmin,
        ("POST", "/api/v1/teams") => SiteAdmin,
        ("GET", "/api/v1/teams/{team_id}/members") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/members") => Team(Role::Admin),
        ("PUT" | "DELETE", "/api/v1/teams/{team_id}/members/{user_id}") => Team(Role::Admin),
        ("GET", "/api/v1/teams/{team_id}/connections") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections") => Team(Role::Admin),
        ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}") => Team(Role::Admin),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/test") => Team(Role::Operator),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/compartments") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/topics") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/topics") => Team(Role::Operator),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}") => Team(Role::Viewer),
        ("PATCH" | "DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}") => {
            Team(Role::Operator)
        }
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/publish") => {
            Team(Role::Operator)
        }
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions") => {
            Team(Role::Viewer)
        }
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions") => {
            Team(Role::Operator)
        }
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/functions") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/inventory/changes") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/inventory/freshness") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/cloud-audit") => Team(Role::Viewer),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/rules") => Team(Role::Viewer),
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules") => Team(Role::Operator),
        ("GET", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}") => Team(Role::Viewer),
        ("PATCH" | "DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}") => {
            Team(Role::Operator)
        }
        ("POST", "/api/v1/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/move") => Team(Role::Operator),
        ("DELETE", "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}") => {
            Team(Role::Operator)
        }
        (
            "POST",
            "/api/v1/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}/resend_confirmation",
        ) => Team(Role::Operator),
        _ => return None,
    };
    Some(access)
}

/// The methods `route` accepts, as the `Allow` header lists them: those with a decision, and
/// HEAD wherever GET has one.
pub fn allowed_methods(route: &str) -> Vec<&'static str> {
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|method| decide(method, route).is_some())
        .collect()
}

/// Routes a user who must change their password may still call.
fn allowed_before_password_change(route: &str) -> bool {
    matches!(route, "/api/v1/auth/me" | "/api/v1/auth/password" | "/api/v1/auth/logout")
}

/// Resolves the caller and enforces the route's access decision.
pub async fn enforce(
    State(state): State<AppState>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    match check(&state, matched.as_ref().map(MatchedPath::as_str), &mut request).await {
        Ok(()) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

async fn check(state: &AppState, route: Option<&str>, request: &mut Request) -> Result<(), AppError> {
    let Some(route) = route else {
        // No route matched: the router answers (a JSON 404); nothing to protect.
        return Ok(());
    };
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    let session = request.extensions().get::<Session>().cloned();
    let client_ip = ClientIp::of(request.extensions()).0;
    let access = match policy(&method, route) {
        Some(access) => access,
        None => {
            let allow = allowed_methods(route);
            if allow.is_empty() {
                tracing::error!(%method, route, "route has no access decision; refusing");
                return Err(AppError::Forbidden("This route has no access decision and is refused.".into()));
            }
            // A method nobody decided on is refused here, before any handler (or extractor) runs.
            return Err(AppError::MethodNotAllowed { method: method.to_string(), path, allow });
        }
    };
    if access == Access::Public {
        return Ok(());
    }
    let caller = resolve(state, &headers, session.as_ref(), client_ip).await?.ok_or(AppError::Unauthenticated)?;
    if let Credential::Session { csrf_token, .. } = &caller.credential {
        let changes_state = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        let presented = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if changes_state && !presented.is_some_and(|p| token::hashes_match(p, csrf_token)) {
            return Err(AppError::CsrfFailed);
        }
    }
    if caller.user.must_change_password && !allowed_before_password_change(route) {
        return Err(AppError::PasswordChangeRequired);
    }
    match access {
        Access::Public | Access::Authenticated => {}
        Access::Session => {
            if !caller.is_session() {
                return Err(AppError::Forbidden("This needs a browser session; API tokens cannot do it.".into()));
            }
        }
        Access::SiteAdmin => {
            if !(caller.is_session() && caller.user.is_site_admin) {
                return Err(AppError::Forbidden("Only site administrators can do this.".into()));
            }
        }
        Access::Team(needed) => {
            let team_id =
                team_in_path(&path).ok_or_else(|| AppError::invalid("team_id", "The path names no team id."))?;
            match caller.role_in(&state.pool, team_id).await? {
                Some(role) if role >= needed => {}
                Some(role) => {
                    return Err(AppError::Forbidden(format!(
                        "Your role in this team is {}; this needs {}.",
                        role.as_str(),
                        needed.as_str()
                    )));
                }
                None => return Err(AppError::Forbidden("You are not a member of this team.".into())),
            }
        }
    }
    request.extensions_mut().insert(caller);
    Ok(())
}

/// The number after `/teams/` in an `/api/v1/teams/{team_id}/...` path.
fn team_in_path(path: &str) -> Option<i64> {
    path.strip_prefix("/api/v1/teams/")?.split('/').next()?.parse().ok()
}

/// Finds the caller from a bearer token or the session; `None` when neither is there or valid.
pub async fn resolve(
    state: &AppState,
    headers: &http::HeaderMap,
    session: Option<&Session>,
    client_ip: Option<String>,
) -> Result<Option<Caller>, AppError> {
    if let Some(header) = headers.get(http::header::AUTHORIZATION) {
        let presented =
            header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).ok_or(AppError::Unauthenticated)?;
        let (prefix, hash) = token::parse(presented.trim()).ok_or(AppError::Unauthenticated)?;
        let row = api_tokens::by_prefix(&state.pool, &prefix).await?.ok_or(AppError::Unauthenticated)?;
        if !token::hashes_match(&hash, &row.secret_hash) {
            return Err(AppError::Unauthenticated);
        }
        let (user, role) = token_standing(&state.pool, &row).await?.ok_or(AppError::Unauthenticated)?;
        api_tokens::touch(&state.pool, row.id).await?;
        let credential = Credential::Token { token_id: row.id, team_id: row.team_id, role };
        return Ok(Some(Caller { user, credential, client_ip }));
    }
    let Some(session) = session else {
        return Ok(None);
    };
    let data: Option<SessionData> = session.get(SESSION_KEY).await?;
    let Some(mut data) = data else {
        return Ok(None);
    };
    let user = match users::by_id(&state.pool, data.user_id).await {
        Ok(user) => user,
        Err(crate::db::DbError::NotFound) => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let now = Utc::now();
    if session_ended(&data, &user, now) {
        session.flush().await?;
        return Ok(None);
    }
    if now - data.last_seen_at > TOUCH_EVERY {
        data.last_seen_at = now;
        session.insert(SESSION_KEY, &data).await?;
    }
    let credential = Credential::Session { csrf_token: data.csrf_token, session_id: session.id() };
    Ok(Some(Caller { user, credential, client_ip }))
}

/// The owner of a token and the role it acts with now, or `None` when it no longer acts: revoked,
/// its owner disabled or due to change their password, or no longer in the token's team. A token
/// never acts above its owner as they are now: demoted, it acts with the owner's new role (leaving
/// the team, a disabled account and a password change also revoke it, see `api::tokens`).
async fn token_standing(
    pool: &crate::db::Pool,
    row: &api_tokens::TokenRow,
) -> Result<Option<(users::User, Role)>, crate::db::DbError> {
    if row.revoked_at.is_some() {
        return Ok(None);
    }
    let user = users::by_id(pool, row.user_id).await?;
    if user.disabled_at.is_some() || user.must_change_password {
        return Ok(None);
    }
    let Some(owner_role) = crate::db::teams::role_of(pool, row.team_id, row.user_id).await? else {
        return Ok(None);
    };
    let role = Role::parse(&row.role).unwrap_or(Role::Viewer).min(owner_role);
    Ok(Some((user, role)))
}

/// Whether the credential `caller` presented still grants `needed` in `team_id` now, judged from
/// the database as a new request would be: the session still in the store and not ended, or the
/// token not revoked; the account enabled; the membership (and for a token, the owner's role) high
/// enough. Live streams ask this periodically, so a logout, a removal from the team or a revoked
/// token ends a stream already open. Any failure to tell counts as no.
pub async fn still_allowed(state: &AppState, caller: &Caller, team_id: i64, needed: Role) -> bool {
    use tower_sessions::SessionStore;
    match &caller.credential {
        Credential::Token { token_id, team_id: token_team, .. } => {
            let Ok(Some(row)) = api_tokens::by_id(&state.pool, *token_id).await else { return false };
            *token_team == team_id
                && matches!(token_standing(&state.pool, &row).await, Ok(Some((_, role))) if role >= needed)
        }
        Credential::Session { session_id, .. } => {
            let Some(id) = session_id else { return false };
            let Ok(Some(record)) = state.sessions.load(id).await else { return false };
            let data =
                record.data.get(SESSION_KEY).cloned().and_then(|v| serde_json::from_value::<SessionData>(v).ok());
            let Some(data) = data else { return false };
            let Ok(user) = users::by_id(&state.pool, data.user_id).await else { return false };
            !session_ended(&data, &user, Utc::now())
                && !user.must_change_password
                && matches!(crate::db::teams::role_of(&state.pool, team_id, user.id).await, Ok(Some(role)) if role >= needed)
        }
    }
}

/// Whether a session is over at `now`: the account is disabled, the user logged out everywhere
/// (or changed their password) after it began, it sat idle too long, or it is too old.
fn session_ended(data: &SessionData, user: &users::User, now: chrono::DateTime<Utc>) -> bool {
    user.disabled_at.is_some()
        || data.authenticated_at < user.sessions_valid_after
        || now - data.last_seen_at > IDLE_TIMEOUT
        || now - data.authenticated_at > ABSOLUTE_TIMEOUT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_too_long_too_old_or_voided() {
        let start = Utc::now();
        let user = users::User {
            id: 1,
            username: "ada".into(),
            display_name: String::new(),
            password_hash: String::new(),
            must_change_password: false,
            is_site_admin: false,
            disabled_at: None,
            created_at: start,
            sessions_valid_after: start - TimeDelta::seconds(1),
        };
        let data = SessionData { user_id: 1, authenticated_at: start, last_seen_at: start, csrf_token: String::new() };
        assert!(!session_ended(&data, &user, start + TimeDelta::hours(11)));
        assert!(session_ended(&data, &user, start + IDLE_TIMEOUT + TimeDelta::seconds(1)), "idle");
        let active = SessionData { last_seen_at: start + TimeDelta::days(7), ..data.clone() };
        assert!(!session_ended(&active, &user, start + TimeDelta::days(7)));
        assert!(session_ended(&active, &user, start + ABSOLUTE_TIMEOUT + TimeDelta::seconds(1)), "absolute");
        let voided = users::User { sessions_valid_after: start + TimeDelta::seconds(1), ..user.clone() };
        assert!(session_ended(&data, &voided, start), "logged out everywhere");
        let disabled = users::User { disabled_at: Some(start), ..user };
        assert!(session_ended(&data, &disabled, start), "disabled");
    }

    #[test]
    fn team_ids_come_from_the_path() {
        assert_eq!(team_in_path("/api/v1/teams/42/members"), Some(42));
        assert_eq!(team_in_path("/api/v1/teams/x/members"), None);
        assert_eq!(team_in_path("/api/v1/users/42"), None);
    }

    #[test]
    fn head_is_decided_as_get_and_undeclared_methods_have_no_decision() {
        for route in ["/api/v1/users", "/api/v1/audit", "/api/v1/teams/{team_id}/connections"] {
            assert_eq!(policy(&Method::HEAD, route), policy(&Method::GET, route), "{route}");
            assert!(policy(&Method::HEAD, route).is_some(), "{route}");
            assert_eq!(policy(&Method::OPTIONS, route), None, "{route}");
            assert_eq!(policy(&Method::TRACE, route), None, "{route}");
            let invented = Method::from_bytes(b"PROPFIND").expect("a method");
            assert_eq!(policy(&invented, route), None, "{route}");
        }
        assert_eq!(policy(&Method::HEAD, "/api/v1/auth/login"), None, "login has no GET, so no HEAD");
        assert_eq!(allowed_methods("/api/v1/users"), ["GET", "HEAD", "POST"]);
        assert_eq!(allowed_methods("/api/v1/auth/login"), ["POST"]);
    }

    #[test]
    fn roles_order_from_weakest() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Admin);
    }
}
