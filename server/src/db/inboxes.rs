//! The `inboxes` table: a team's webhook receivers. What each received is
//! [`deliveries`](super::deliveries).

use super::DbError;
use super::{Conn, Pool};
use chrono::{DateTime, Utc};

/// An inbox with its delivery counts.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InboxRow {
    /// Id.
    pub id: i64,
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: String,
    /// The secret part of its URL.
    pub token: String,
    /// When it was made.
    #[sqlx(try_from = "super::types::Stamp")]
    pub created_at: DateTime<Utc>,
    /// Deliveries kept.
    pub deliveries: i64,
    /// The newest delivery's time.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub last_delivery_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT i.id, i.team_id, i.name, i.token, i.created_at, \
     (SELECT count(*) FROM deliveries d WHERE d.inbox_id = i.id) AS deliveries, \
     (SELECT max(received_at) FROM deliveries d WHERE d.inbox_id = i.id) AS last_delivery_at \
     FROM inboxes i";

/// The team's inboxes, by name.
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<InboxRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE i.team_id = $1 ORDER BY i.name")).bind(team_id).fetch_all(pool).await?)
}

/// One of the team's inboxes.
pub async fn get(pool: &Pool, team_id: i64, id: i64) -> Result<InboxRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE i.team_id = $1 AND i.id = $2"))
        .bind(team_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// The inbox whose URL carries `token` (id and team), if any.
pub async fn by_token(pool: &Pool, token: &str) -> Result<Option<(i64, i64)>, DbError> {
    Ok(sqlx::query_as("SELECT id, team_id FROM inboxes WHERE token = $1").bind(token).fetch_optional(pool).await?)
}

/// Adds an inbox; [`DbError::Conflict`] when the team has one of that name.
pub async fn insert(
    conn: &mut Conn,
    team_id: i64,
    name: &str,
    token: &str,
    created_by: Option<i64>,
) -> Result<InboxRow, DbError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inboxes (team_id, name, token, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(team_id)
    .bind(name)
    .bind(token)
    .bind(created_by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(sqlx::query_as(&format!("{SELECT} WHERE i.id = $1")).bind(id).fetch_one(&mut *conn).await?)
}

/// Removes an inbox and its deliveries.
pub async fn delete(conn: &mut Conn, team_id: i64, id: i64) -> Result<(), DbError> {
    let done = sqlx::query("DELETE FROM inboxes WHERE team_id = $1 AND id = $2")
        .bind(team_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}
