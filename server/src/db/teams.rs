//! The `teams` and `memberships` tables.

use super::DbError;
use super::{Conn, Pool};
use app::model::role::Role;

/// A team.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    /// Id.
    pub id: i64,
    /// Name, unique.
    pub name: String,
}

/// A membership: a team and a user's role in it, with the names either side.
#[derive(Debug, Clone)]
pub struct MembershipRow {
    /// Team.
    pub team_id: i64,
    /// Its name.
    pub team_name: String,
    /// User.
    pub user_id: i64,
    /// Their username.
    pub username: String,
    /// Their role there.
    pub role: Role,
}

/// Creates a team; a taken name is `DbError::Conflict`.
#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut Conn, name: &str) -> Result<TeamRow, DbError> {
    Ok(sqlx::query_as("INSERT INTO teams (name) VALUES ($1) RETURNING id, name").bind(name).fetch_one(conn).await?)
}

/// The team with this id.
#[tracing::instrument(skip_all)]
pub async fn by_id(pool: &Pool, id: i64) -> Result<TeamRow, DbError> {
    Ok(sqlx::query_as("SELECT id, name FROM teams WHERE id = $1").bind(id).fetch_one(pool).await?)
}

/// Every team, by name.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &Pool) -> Result<Vec<TeamRow>, DbError> {
    Ok(sqlx::query_as("SELECT id, name FROM teams ORDER BY name").fetch_all(pool).await?)
}

/// Adds a member or changes their role.
#[tracing::instrument(skip_all)]
pub async fn set_member(conn: &mut Conn, team_id: i64, user_id: i64, role: Role) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role",
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
pub async fn remove_member(conn: &mut Conn, team_id: i64, user_id: i64) -> Result<(), DbError> {
    let done = sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// The user's role in the team, if a member.
#[tracing::instrument(skip_all)]
pub async fn role_of(pool: &Pool, team_id: i64, user_id: i64) -> Result<Option<Role>, DbError> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2")
        .bind(team_id)
        .bind(user_id)
        .fetch_optional(pool)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// The user's teams and roles, by team name.
#[tracing::instrument(skip_all)]
pub async fn memberships_of(pool: &Pool, user_id: i64) -> Result<Vec<MembershipRow>, DbError> {
    memberships(pool, "m.user_id = $1 ORDER BY t.name", user_id).await
}

/// The team's members, by username.
#[tracing::instrument(skip_all)]
pub async fn members(pool: &Pool, team_id: i64) -> Result<Vec<MembershipRow>, DbError> {
    memberships(pool, "m.team_id = $1 ORDER BY u.username", team_id).await
}

async fn memberships(pool: &Pool, filter: &str, id: i64) -> Result<Vec<MembershipRow>, DbError> {
    let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(&format!(
        "SELECT t.id, t.name, u.id, u.username, m.role FROM memberships m \
         JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id WHERE {filter}"
    ))
    .bind(id)
    .fetch_all(pool)
    .await?;
    // The table's CHECK admits only known roles.
    Ok(rows
        .into_iter()
        .filter_map(|(team_id, team_name, user_id, username, role)| {
            Role::parse(&role).map(|role| MembershipRow { team_id, team_name, user_id, username, role })
        })
        .collect())
}
