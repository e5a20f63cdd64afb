//! `/api/v1/users`: site administrators create, list, disable and reset users.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::auth::{Caller, password};
use crate::db::audit_events::NewAuditEvent;
use crate::db::{DbError, users};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::auth::{CreateUserRequest, UpdateUserRequest, UserSummary};
use axum::{Extension, Json};
use secrecy::SecretString;

fn summary(user: &users::User) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        is_site_admin: user.is_site_admin,
        disabled: user.disabled_at.is_some(),
        created_at: user.created_at,
    }
}

fn check_username(username: &str) -> Result<(), AppError> {
    let valid = (3..=users::MAX_USERNAME_BYTES).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(AppError::invalid("username", "The username must be 3 to 64 letters, digits, '.', '_' or '-'."))
    }
}

/// Handles `GET /api/v1/users`.
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<UserSummary>), (status = 403, body = ErrorBody)))]
pub async fn list_users(state: AppState) -> ApiResult<Json<Vec<UserSummary>>> {
    Ok(Json(users::list(&state.pool).await?.iter().map(summary).collect()))
}

/// Handles `POST /api/v1/users`: the new user must change the given password at first login.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    request_body = CreateUserRequest,
    responses((status = 200, body = UserSummary), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn create_user(
    state: AppState,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<CreateUserRequest>,
) -> ApiResult<Json<UserSummary>> {
    let username = request.username.trim();
    check_username(username)?;
    let display_name = request.display_name.trim();
    if display_name.chars().count() > 100 {
        return Err(AppError::invalid("display_name", "Shorten the display name to at most 100 characters."));
    }
    app::model::text::check_one_line(display_name).map_err(|m| AppError::invalid("display_name", m))?;
    password::check_policy(username, &request.password)
        .map_err(|err| AppError::invalid("password", format!("{err}.")))?;
    let hash = password::hash(&SecretString::from(request.password)).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let user = users::NewUser {
        username,
        display_name,
        password_hash: &hash,
        must_change_password: true,
        is_site_admin: request.is_site_admin,
    }
    .insert(&mut tx)
    .await
    .map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "username".into(),
            message: format!("The username {username} is taken; choose another."),
        },
        other => other.into(),
    })?;
    audit(&caller, "user.create", &user, None).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(summary(&user)))
}

/// Handles `PATCH /api/v1/users/{user_id}`: disable or enable, or reset the password.
#[utoipa::path(
    patch,
    path = "/users/{user_id}",
    tag = "users",
    params(("user_id" = i64, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserSummary), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_user(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<i64>,
    JsonBody(request): JsonBody<UpdateUserRequest>,
) -> ApiResult<Json<UserSummary>> {
    let user = users::by_id(&state.pool, user_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("There is no user {user_id}.")),
        other => other.into(),
    })?;
    if request.disabled == Some(true) && user.id == caller.user.id {
        return Err(AppError::invalid("disabled", "You cannot disable your own account."));
    }
    let new_hash = match &request.reset_password {
        Some(new) => {
            password::check_policy(&user.username, new)
                .map_err(|err| AppError::invalid("reset_password", format!("{err}.")))?;
            Some(password::hash(&SecretString::from(new.clone())).await?)
        }
        None => None,
    };
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    if let Some(disabled) = request.disabled {
        users::set_disabled(&mut tx, user.id, disabled).await?;
        let action = if disabled { "user.disable" } else { "user.enable" };
        audit(&caller, action, &user, None).append(&mut tx).await?;
        if disabled {
            super::tokens::revoke_because(&mut tx, &caller, user.id, None, "owner's account disabled").await?;
        }
    }
    if let Some(hash) = new_hash {
        users::set_password(&mut tx, user.id, &hash, true).await?;
        users::void_sessions(&mut tx, user.id).await?;
        audit(&caller, "user.password_reset", &user, None).append(&mut tx).await?;
        super::tokens::revoke_because(&mut tx, &caller, user.id, None, "owner's password reset").await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(summary(&users::by_id(&state.pool, user.id).await?)))
}

fn audit<'a>(caller: &'a Caller, action: &'a str, user: &'a users::User, detail: Option<&'a str>) -> NewAuditEvent<'a> {
    NewAuditEvent { detail, ..caller.audit(action, "user", user.id.to_string(), &user.username) }
}
