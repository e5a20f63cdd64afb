//! `/api/v1/teams`: teams and their members.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::auth::Caller;
use crate::db::audit_events::NewAuditEvent;
use crate::db::{DbError, teams, users};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::auth::{AddMemberRequest, CreateTeamRequest, Member, SetMemberRequest, Team};
use axum::http::StatusCode;
use axum::{Extension, Json};

fn view(row: teams::TeamRow) -> Team {
    Team { id: row.id, name: row.name }
}

/// Handles `GET /api/v1/teams`: the caller's teams (every team for a site administrator).
#[utoipa::path(get, path = "/teams", tag = "teams", responses((status = 200, body = Vec<Team>), (status = 401, body = ErrorBody)))]
pub async fn list_teams(state: AppState, Extension(caller): Extension<Caller>) -> ApiResult<Json<Vec<Team>>> {
    if caller.user.is_site_admin && caller.is_session() {
        return Ok(Json(teams::list(&state.pool).await?.into_iter().map(view).collect()));
    }
    let mine = teams::memberships_of(&state.pool, caller.user.id).await?;
    let visible = mine
        .into_iter()
        .filter(|m| match &caller.credential {
            crate::auth::Credential::Token { team_id, .. } => *team_id == m.team_id,
            crate::auth::Credential::Session { .. } => true,
        })
        .map(|m| Team { id: m.team_id, name: m.team_name })
        .collect();
    Ok(Json(visible))
}

/// Handles `POST /api/v1/teams`: site administrators create teams; the creator becomes its admin.
#[utoipa::path(
    post,
    path = "/teams",
    tag = "teams",
    request_body = CreateTeamRequest,
    responses((status = 200, body = Team), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn create_team(
    state: AppState,
    Extension(caller): Extension<Caller>,
    JsonBody(request): JsonBody<CreateTeamRequest>,
) -> ApiResult<Json<Team>> {
    let name = request.name.trim();
    if !(2..=64).contains(&name.chars().count()) {
        return Err(AppError::invalid("name", "The team name must be 2 to 64 characters."));
    }
    app::model::text::check_one_line(name).map_err(|m| AppError::invalid("name", m))?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let team = teams::insert(&mut tx, name).await.map_err(|err| match err {
        DbError::Conflict => {
            AppError::Conflict { field: "name".into(), message: format!("A team named {name} exists already.") }
        }
        other => other.into(),
    })?;
    teams::set_member(&mut tx, team.id, caller.user.id, app::api::auth::Role::Admin).await?;
    audit(&caller, "team.create", team.id, "team", team.id.to_string(), &team.name).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(view(team)))
}

/// Handles `GET /api/v1/teams/{team_id}/members`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/members",
    tag = "teams",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<Member>), (status = 403, body = ErrorBody))
)]
pub async fn list_members(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<Member>>> {
    Ok(Json(
        teams::members(&state.pool, team_id)
            .await?
            .into_iter()
            .map(|m| Member { user_id: m.user_id, username: m.username, role: m.role })
            .collect(),
    ))
}

/// Handles `POST /api/v1/teams/{team_id}/members`: adds an existing user, found by username.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/members",
    tag = "teams",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = AddMemberRequest,
    responses((status = 200, body = Member), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn add_member(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<AddMemberRequest>,
) -> ApiResult<Json<Member>> {
    let username = request.username.trim();
    // Same answer whether the account is missing or disabled: team admins see no more than that.
    let user =
        users::by_username(&state.pool, username).await?.filter(|u| u.disabled_at.is_none()).ok_or_else(|| {
            AppError::invalid(
                "username",
                format!("There is no active user named {username}; a site administrator creates accounts."),
            )
        })?;
    if let Some(role) = teams::role_of(&state.pool, team_id, user.id).await? {
        return Err(AppError::Conflict {
            field: "username".into(),
            message: format!(
                "{} is already a member, as {}; change the role in the list instead.",
                user.username,
                role.as_str()
            ),
        });
    }
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    teams::set_member(&mut tx, team_id, user.id, request.role).await?;
    let detail = format!("added as {}", request.role.as_str());
    let mut event = audit(&caller, "team.member_set", team_id, "user", user.id.to_string(), &user.username);
    event.detail = Some(&detail);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(Member { user_id: user.id, username: user.username, role: request.role }))
}

/// Handles `PUT /api/v1/teams/{team_id}/members/{user_id}`: adds a member or changes the role.
#[utoipa::path(
    put,
    path = "/teams/{team_id}/members/{user_id}",
    tag = "teams",
    params(("team_id" = i64, Path, description = "Team id"), ("user_id" = i64, Path, description = "User id")),
    request_body = SetMemberRequest,
    responses((status = 200, body = Member), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn set_member(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, user_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<SetMemberRequest>,
) -> ApiResult<Json<Member>> {
    let user = users::by_id(&state.pool, user_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("There is no user {user_id}.")),
        other => other.into(),
    })?;
    if user.id == caller.user.id && request.role != app::api::auth::Role::Admin {
        return Err(AppError::invalid("role", "You cannot lower your own role; ask another admin of the team."));
    }
    let before = teams::role_of(&state.pool, team_id, user_id).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    teams::set_member(&mut tx, team_id, user_id, request.role).await?;
    let detail = match before {
        Some(old) => format!("role {} -> {}", old.as_str(), request.role.as_str()),
        None => format!("added as {}", request.role.as_str()),
    };
    let mut event = audit(&caller, "team.member_set", team_id, "user", user.id.to_string(), &user.username);
    event.detail = Some(&detail);
    event.append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(Member { user_id, username: user.username, role: request.role }))
}

/// Handles `DELETE /api/v1/teams/{team_id}/members/{user_id}`.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/members/{user_id}",
    tag = "teams",
    params(("team_id" = i64, Path, description = "Team id"), ("user_id" = i64, Path, description = "User id")),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn remove_member(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, user_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    if user_id == caller.user.id {
        return Err(AppError::invalid("user_id", "You cannot remove yourself; ask another admin of the team."));
    }
    let user = users::by_id(&state.pool, user_id).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    teams::remove_member(&mut tx, team_id, user_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("{} is not a member of this team.", user.username)),
        other => other.into(),
    })?;
    audit(&caller, "team.member_remove", team_id, "user", user.id.to_string(), &user.username).append(&mut tx).await?;
    super::tokens::revoke_because(&mut tx, &caller, user.id, Some(team_id), "owner left the team").await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

fn audit<'a>(
    caller: &'a Caller,
    action: &'a str,
    team_id: i64,
    kind: &'a str,
    id: String,
    name: &'a str,
) -> NewAuditEvent<'a> {
    NewAuditEvent { team_id: Some(team_id), ..caller.audit(action, kind, id, name) }
}
