//! The `teams` and `memberships` tables.

use super::DbError;
use app::api::auth::{Member, Role, Team, TeamMembership};
use sqlx::{SqliteConnection, SqlitePool};

/// Creates a team; a taken name is `DbError::Conflict`.
#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut SqliteConnection, name: &str) -> Result<Team, DbError> {
    let (id, name): (i64, String) =
        sqlx::query_as("INSERT INTO teams (name) VALUES (?1) RETURNING id, name").bind(name).fetch_one(conn).await?;
    Ok(Team { id, name })
}

/// The team with this id.
#[tracing::instrument(skip_all)]
pub async fn by_id(pool: &SqlitePool, id: i64) -> Result<Team, DbError> {
    let (id, name): (i64, String) =
        sqlx::query_as("SELECT id, name FROM teams WHERE id = ?1").bind(id).fetch_one(pool).await?;
    Ok(Team { id, name })
}

/// Every team, by name.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &SqlitePool) -> Result<Vec<Team>, DbError> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM teams ORDER BY name").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id, name)| Team { id, name }).collect())
}

/// Adds a member or changes their role.
#[tracing::instrument(skip_all)]
pub async fn set_member(conn: &mut SqliteConnection, team_id: i64, user_id: i64, role: Role) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role) VALUES (?1, ?2, ?3) ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(role.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a member.
#[tracing::instrument(skip_all)]
pub async fn remove_member(conn: &mut SqliteConnection, team_id: i64, user_id: i64) -> Result<(), DbError> {
    let done = sqlx::query("DELETE FROM memberships WHERE team_id = ?1 AND user_id = ?2")
        .bind(team_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// The user's role in the team, if a member.
#[tracing::instrument(skip_all)]
pub async fn role_of(pool: &SqlitePool, team_id: i64, user_id: i64) -> Result<Option<Role>, DbError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE team_id = ?1 AND user_id = ?2")
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// The user's teams and roles, by team name.
#[tracing::instrument(skip_all)]
pub async fn memberships_of(pool: &SqlitePool, user_id: i64) -> Result<Vec<TeamMembership>, DbError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT t.id, t.name, m.role FROM memberships m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ?1 ORDER BY t.name",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(team_id, team_name, role)| {
            Role::parse(&role).map(|role| TeamMembership { team_id, team_name, role })
        })
        .collect())
}

/// The team's members, by username.
#[tracing::instrument(skip_all)]
pub async fn members(pool: &SqlitePool, team_id: i64) -> Result<Vec<Member>, DbError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.username, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.team_id = ?1 ORDER BY u.username",
    )
    .bind(team_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, username, role)| Role::parse(&role).map(|role| Member { user_id, username, role }))
        .collect())
}
