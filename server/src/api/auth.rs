//! `/api/v1/auth`: logging in and out, who am I, changing one's password.

use super::ApiResult;
use super::json::Json as JsonBody;
use crate::auth::throttle::Key;
use crate::auth::{Caller, ClientIp, Credential, SESSION_KEY, SessionData, password};
use crate::db::audit_events::{NewAuditEvent, Source};
use crate::db::{teams, users};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::auth::{ChangePasswordRequest, LoginRequest, Me, PreferredTeamRequest, TeamMembership};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::SecretString;
use tower_sessions::Session;

/// Recorded as the actor of a failed login whose username matches no account.
const UNKNOWN_USER: &str = "(unknown user)";

/// Handles `POST /api/v1/auth/login`: checks the password, rotates the session id, starts the
/// session. Attempts are limited per account and per address (over the limit: 429 at once, before
/// any hashing) and failures never say whether the account exists.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = Me),
        (status = 400, description = "A username or password longer than any account can have", body = ErrorBody),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 429, description = "Too many attempts for this account or address; see Retry-After", body = ErrorBody),
    )
)]
pub async fn login(
    state: AppState,
    session: Session,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<LoginRequest>,
) -> ApiResult<Json<Me>> {
    let username = request.username.trim().to_owned();
    // Checked before anything is counted or hashed: no account has a longer name, and a longer
    // password could never have been set (see `password::check_policy`).
    if username.len() > users::MAX_USERNAME_BYTES {
        return Err(AppError::invalid(
            "username",
            format!("A username has at most {} characters.", users::MAX_USERNAME_BYTES),
        ));
    }
    if request.password.len() > password::MAX_BYTES {
        return Err(AppError::invalid("password", format!("A password has at most {} bytes.", password::MAX_BYTES)));
    }
    let mut keys = vec![Key::Account(username.to_lowercase())];
    if let Some(ip) = &ip {
        keys.push(Key::Address(ip.clone()));
    }
    let attempt = state.throttle.begin(keys).map_err(|retry_after| AppError::TooManyRequests {
        message: "Too many sign-in attempts for this account or from this address.".into(),
        retry_after,
    })?;

    let user = users::by_username(&state.pool, &username).await?;
    let secret = SecretString::from(request.password);
    let matches = password::verify(&secret, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match user {
        Some(user) if matches && user.disabled_at.is_none() => user,
        found => {
            let reason = match &found {
                None => "unknown user",
                Some(u) if u.disabled_at.is_some() => "account disabled",
                Some(_) => "wrong password",
            };
            drop(attempt);
            // A name that matches no account is not recorded: people type their password
            // into the username field, and the audit trail must not keep it.
            let name = found.as_ref().map_or(UNKNOWN_USER, |u| u.username.as_str());
            let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
            NewAuditEvent {
                actor_user_id: found.as_ref().map(|u| u.id),
                actor_token_id: None,
                actor_name: name,
                team_id: None,
                source: Source::Ui,
                action: "auth.login",
                target_kind: Some("user"),
                target_id: found.as_ref().map(|u| u.id.to_string()),
                target_name: Some(name),
                ok: false,
                detail: Some(reason),
                client_ip: ip,
                ..Default::default()
            }
            .append(&mut conn)
            .await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    state.throttle.succeeded(attempt);

    // A new id at login, so an id planted before login is worthless afterwards.
    session.cycle_id().await?;
    let now = Utc::now();
    let data = SessionData {
        user_id: user.id,
        authenticated_at: now,
        last_seen_at: now,
        csrf_token: rand::rng().sample_iter(&Alphanumeric).take(43).map(char::from).collect(),
    };
    session.insert(SESSION_KEY, &data).await?;
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    NewAuditEvent {
        actor_user_id: Some(user.id),
        actor_token_id: None,
        actor_name: &user.username,
        team_id: None,
        source: Source::Ui,
        action: "auth.login",
        target_kind: Some("user"),
        target_id: Some(user.id.to_string()),
        target_name: Some(&user.username),
        ok: true,
        detail: None,
        client_ip: ip,
        ..Default::default()
    }
    .append(&mut conn)
    .await?;
    let credential = Credential::Session { csrf_token: data.csrf_token, session_id: session.id() };
    let caller = Caller { user, credential, client_ip: None };
    Ok(Json(me(&state, &caller).await?))
}

/// Handles `GET /api/v1/auth/me`: the caller, their teams, and (for sessions) the CSRF token.
#[utoipa::path(
    get,
    path = "/auth/me",
    tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody))
)]
pub async fn get_me(state: AppState, Extension(caller): Extension<Caller>) -> ApiResult<Json<Me>> {
    Ok(Json(me(&state, &caller).await?))
}

async fn me(state: &AppState, caller: &Caller) -> ApiResult<Me> {
    let teams = match &caller.credential {
        Credential::Session { .. } => teams::memberships_of(&state.pool, caller.user.id)
            .await?
            .into_iter()
            .map(|m| TeamMembership { team_id: m.team_id, team_name: m.team_name, role: m.role })
            .collect(),
        Credential::Token { team_id, role, .. } => {
            let team = teams::by_id(&state.pool, *team_id).await?;
            vec![TeamMembership { team_id: team.id, team_name: team.name, role: *role }]
        }
    };
    Ok(Me {
        user_id: caller.user.id,
        username: caller.user.username.clone(),
        display_name: caller.user.display_name.clone(),
        is_site_admin: caller.user.is_site_admin && caller.is_session(),
        must_change_password: caller.user.must_change_password,
        preferred_team: match &caller.credential {
            Credential::Session { .. } => users::preferred_team(&state.pool, caller.user.id).await?,
            Credential::Token { .. } => None,
        },
        teams,
        csrf_token: match &caller.credential {
            Credential::Session { csrf_token, .. } => Some(csrf_token.clone()),
            Credential::Token { .. } => None,
        },
    })
}

/// Handles `PUT /api/v1/auth/preferred-team`: remembers the team the console opens in for the
/// caller (the team switcher's choice). A preference, not a change to anything shared: not audited.
#[utoipa::path(
    put,
    path = "/auth/preferred-team",
    tag = "auth",
    request_body = PreferredTeamRequest,
    responses(
        (status = 204, description = "Remembered"),
        (status = 400, description = "`team_id` names a team the caller is not a member of", body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
pub async fn set_preferred_team(
    state: AppState,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<PreferredTeamRequest>,
) -> ApiResult<StatusCode> {
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    match users::set_preferred_team(&mut conn, caller.user.id, request.team_id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(crate::db::DbError::NotFound) => Err(AppError::invalid(
            "team_id",
            format!(
                "You are not a member of team {}; choose one of the teams `GET /api/v1/auth/me` lists.",
                request.team_id
            ),
        )),
        Err(error) => Err(error.into()),
    }
}

/// Handles `POST /api/v1/auth/logout`: ends this session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(state: AppState, session: Session, Extension(caller): Extension<Caller>) -> ApiResult<StatusCode> {
    session.flush().await?;
    audit_self(&state, &caller, "auth.logout", None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `POST /api/v1/auth/logout-everywhere`: ends every session of the caller, this one too.
#[utoipa::path(post, path = "/auth/logout-everywhere", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout_everywhere(
    state: AppState,
    session: Session,
    Extension(caller): Extension<Caller>,
) -> ApiResult<StatusCode> {
    let mut tx = crate::db::begin(&state.pool).await.map_err(crate::db::DbError::from)?;
    users::void_sessions(&mut tx, caller.user.id).await?;
    audit_in(&mut tx, &caller, "auth.logout_everywhere", None).await?;
    tx.commit().await.map_err(crate::db::DbError::from)?;
    session.flush().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Handles `POST /api/v1/auth/password`: changes the caller's password. Other sessions of the
/// user end; this one continues.
#[utoipa::path(
    post,
    path = "/auth/password",
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody))
)]
pub async fn change_password(
    state: AppState,
    session: Session,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<ChangePasswordRequest>,
) -> ApiResult<StatusCode> {
    let current = SecretString::from(request.current_password);
    if !password::verify(&current, Some(caller.user.password_hash.clone())).await? {
        return Err(AppError::invalid("current_password", "The current password is wrong."));
    }
    password::check_policy(&caller.user.username, &request.new_password)
        .map_err(|err| AppError::invalid("new_password", format!("{err}.")))?;
    if request.new_password == *secrecy::ExposeSecret::expose_secret(&current) {
        return Err(AppError::invalid("new_password", "The new password must differ from the current one."));
    }
    let hash = password::hash(&SecretString::from(request.new_password)).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(crate::db::DbError::from)?;
    users::set_password(&mut tx, caller.user.id, &hash, false).await?;
    users::void_sessions(&mut tx, caller.user.id).await?;
    audit_in(&mut tx, &caller, "auth.password_change", None).await?;
    super::tokens::revoke_because(&mut tx, &caller, caller.user.id, None, "owner's password changed").await?;
    tx.commit().await.map_err(crate::db::DbError::from)?;
    // This session survives the change: it is re-stamped after the cut-off.
    if let Some(mut data) = session.get::<SessionData>(SESSION_KEY).await? {
        data.authenticated_at = Utc::now();
        session.cycle_id().await?;
        session.insert(SESSION_KEY, &data).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn audit_self(state: &AppState, caller: &Caller, action: &str, detail: Option<&str>) -> ApiResult<()> {
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    audit_in(&mut conn, caller, action, detail).await
}

/// Appends an audit row about the caller's own account.
async fn audit_in(conn: &mut crate::db::Conn, caller: &Caller, action: &str, detail: Option<&str>) -> ApiResult<()> {
    NewAuditEvent { detail, ..caller.audit(action, "user", caller.user.id.to_string(), &caller.user.username) }
        .append(conn)
        .await?;
    Ok(())
}
