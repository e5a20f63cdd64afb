//! `/api/v1/tokens`: the caller's API tokens. A token acts in one team with a role no higher than
//! its creator's there; its secret is shown once and stored only as a hash.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::auth::{Caller, token};
use crate::db::audit_events::NewAuditEvent;
use crate::db::{DbError, api_tokens};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::auth::{CreateTokenRequest, CreatedToken, Role, TokenSummary};
use axum::http::StatusCode;
use axum::{Extension, Json};

/// A token as listed: never its hash.
fn summary(row: &api_tokens::TokenRow) -> TokenSummary {
    TokenSummary {
        id: row.id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        team_id: row.team_id,
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// Handles `GET /api/v1/tokens`.
#[utoipa::path(get, path = "/tokens", tag = "tokens", responses((status = 200, body = Vec<TokenSummary>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(state: AppState, Extension(caller): Extension<Caller>) -> ApiResult<Json<Vec<TokenSummary>>> {
    Ok(Json(api_tokens::of_user(&state.pool, caller.user.id).await?.iter().map(summary).collect()))
}

/// Handles `POST /api/v1/tokens`: answers the secret, once.
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "tokens",
    request_body = CreateTokenRequest,
    responses((status = 200, body = CreatedToken), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn create_token(
    state: AppState,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<CreateTokenRequest>,
) -> ApiResult<Json<CreatedToken>> {
    let name = request.name.trim();
    if !(1..=100).contains(&name.chars().count()) {
        return Err(AppError::invalid("name", "Name the token (1 to 100 characters), such as \"ci-deploy\"."));
    }
    app::model::text::check_one_line(name).map_err(|m| AppError::invalid("name", m))?;
    let mine = caller.role_in(&state.pool, request.team_id).await?.ok_or_else(|| {
        AppError::invalid("team_id", "You are not a member of this team; a token can only act in your teams.")
    })?;
    if request.role > mine {
        return Err(AppError::invalid(
            "role",
            format!("Your role in this team is {}; a token cannot have more.", mine.as_str()),
        ));
    }
    let fresh = token::generate();
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let row = api_tokens::insert(
        &mut tx,
        caller.user.id,
        request.team_id,
        request.role,
        name,
        &fresh.prefix,
        &fresh.secret_hash,
    )
    .await?;
    audit(&caller, "token.create", &row).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(CreatedToken { token: summary(&row), secret: fresh.full }))
}

/// Handles `DELETE /api/v1/tokens/{token_id}`: revokes one of the caller's tokens.
#[utoipa::path(
    delete,
    path = "/tokens/{token_id}",
    tag = "tokens",
    params(("token_id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn revoke_token(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(token_id): Path<i64>,
) -> ApiResult<StatusCode> {
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let row = api_tokens::revoke(&mut tx, caller.user.id, token_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("You have no token {token_id}.")),
        other => other.into(),
    })?;
    audit(&caller, "token.revoke", &row).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes the live tokens of `user_id` (in `team_id` only, when given) inside the transaction of
/// the change that ends them, with one audit row each saying why.
pub(super) async fn revoke_because(
    conn: &mut crate::db::Conn,
    caller: &Caller,
    user_id: i64,
    team_id: Option<i64>,
    reason: &str,
) -> ApiResult<()> {
    for row in api_tokens::revoke_owned(conn, user_id, team_id).await? {
        NewAuditEvent { detail: Some(reason), ..audit(caller, "token.revoke", &row) }.append(conn).await?;
    }
    Ok(())
}

fn audit<'a>(caller: &'a Caller, action: &'a str, row: &'a api_tokens::TokenRow) -> NewAuditEvent<'a> {
    NewAuditEvent {
        team_id: Some(row.team_id),
        detail: Some(&row.role),
        ..caller.audit(action, "token", row.id.to_string(), &row.name)
    }
}
