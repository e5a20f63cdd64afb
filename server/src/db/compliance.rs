//! The `compliance_checks` and `compliance_results` tables: checks and the last result of each
//! of their cells (a recommendation in a region and compartment).

use super::DbError;
use super::types::{MaybeStamp, Stamp, stamp};
use super::{Conn, Pool};
use chrono::{DateTime, Utc};

/// A check with its connection's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckRow {
    /// Id.
    pub id: i64,
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: String,
    /// Connection.
    pub connection_id: i64,
    /// Connection name.
    pub connection_name: String,
    /// Scope, JSON text.
    pub scope: String,
    /// The fan-out deployment that fixes it.
    pub set_id: Option<i64>,
    /// Topic told of changes.
    pub notify_topic_id: Option<String>,
    /// Inbox delivery window, days.
    pub delivery_days: Option<i64>,
    /// When it was last checked.
    #[sqlx(try_from = "MaybeStamp")]
    pub checked_at: Option<DateTime<Utc>>,
}

impl CheckRow {
    /// The scope.
    pub fn scope(&self) -> app::api::deployment_sets::Scope {
        serde_json::from_str(&self.scope).unwrap_or_default()
    }
}

const SELECT: &str = "SELECT k.id, k.team_id, k.name, k.connection_id, c.name AS connection_name, k.scope, k.set_id, \
     k.notify_topic_id, k.delivery_days, k.checked_at FROM compliance_checks k JOIN connections c ON c.id = k.connection_id";

/// A team's checks, by name.
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<CheckRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE k.team_id = $1 ORDER BY lower(k.name), k.id"))
        .bind(team_id)
        .fetch_all(pool)
        .await?)
}

/// Every check (for the schedule).
pub async fn all(pool: &Pool) -> Result<Vec<CheckRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} ORDER BY k.id")).fetch_all(pool).await?)
}

/// One of a team's checks.
pub async fn get(pool: &Pool, team_id: i64, id: i64) -> Result<CheckRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE k.team_id = $1 AND k.id = $2"))
        .bind(team_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// A new check's row.
pub struct NewCheck<'a> {
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: &'a str,
    /// Connection.
    pub connection_id: i64,
    /// Scope, JSON text.
    pub scope: &'a str,
    /// The fan-out deployment that fixes it.
    pub set_id: Option<i64>,
    /// Topic told of changes.
    pub notify_topic_id: Option<&'a str>,
    /// Inbox delivery window, days.
    pub delivery_days: Option<i64>,
    /// Creator.
    pub created_by: i64,
}

/// Inserts a check; a taken name is [`DbError::Conflict`].
pub async fn insert(conn: &mut Conn, new: &NewCheck<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO compliance_checks (team_id, name, connection_id, scope, set_id, notify_topic_id, delivery_days, \
         created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.team_id)
    .bind(new.name)
    .bind(new.connection_id)
    .bind(new.scope)
    .bind(new.set_id)
    .bind(new.notify_topic_id)
    .bind(new.delivery_days)
    .bind(new.created_by)
    .fetch_one(conn)
    .await?)
}

/// A cell's stored result.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultRow {
    /// Recommendation number.
    pub recommendation: String,
    /// Region.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Compartment name.
    pub compartment_name: String,
    /// `pass`, `fail`, `error`.
    pub status: String,
    /// Why.
    pub reason: String,
    /// The deciding rule.
    pub rule_id: Option<String>,
    /// Its name.
    pub rule_name: Option<String>,
    /// Its topic.
    pub topic_id: Option<String>,
    /// JSON array of request ids.
    pub request_ids: String,
    /// When checked.
    #[sqlx(try_from = "Stamp")]
    pub checked_at: DateTime<Utc>,
    /// Since when it has this status.
    #[sqlx(try_from = "Stamp")]
    pub since: DateTime<Utc>,
}

/// The results of a check.
pub async fn results(conn: &mut Conn, check_id: i64) -> Result<Vec<ResultRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT recommendation, region, compartment_id, compartment_name, status, reason, rule_id, rule_name, topic_id, \
         request_ids, checked_at, since FROM compliance_results WHERE check_id = $1",
    )
    .bind(check_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Cells passing, failing and in error, per check of the team.
pub async fn counts(pool: &Pool, team_id: i64) -> Result<Vec<(i64, String, i64)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT r.check_id, r.status, count(*) FROM compliance_results r JOIN compliance_checks k ON k.id = r.check_id \
         WHERE k.team_id = $1 GROUP BY r.check_id, r.status",
    )
    .bind(team_id)
    .fetch_all(pool)
    .await?)
}

/// Replaces a check's results with `rows` and notes when it was checked.
pub async fn replace_results(
    conn: &mut Conn,
    check_id: i64,
    rows: &[ResultRow],
    checked_at: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM compliance_results WHERE check_id = $1").bind(check_id).execute(&mut *conn).await?;
    for row in rows {
        sqlx::query(
            "INSERT INTO compliance_results (check_id, recommendation, region, compartment_id, compartment_name, status, \
             reason, rule_id, rule_name, topic_id, request_ids, checked_at, since) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(check_id)
        .bind(&row.recommendation)
        .bind(&row.region)
        .bind(&row.compartment_id)
        .bind(&row.compartment_name)
        .bind(&row.status)
        .bind(&row.reason)
        .bind(&row.rule_id)
        .bind(&row.rule_name)
        .bind(&row.topic_id)
        .bind(&row.request_ids)
        .bind(stamp(row.checked_at))
        .bind(stamp(row.since))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE compliance_checks SET checked_at = $2 WHERE id = $1")
        .bind(check_id)
        .bind(stamp(checked_at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a check and its cells.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    sqlx::query("DELETE FROM compliance_checks WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}
