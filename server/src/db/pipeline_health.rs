//! The `pipeline_health` table: each pipeline's last known status, per connection and rule.
//!
//! A row's `region` is `''` for the connection's own region, else the region id of a fan-out
//! target elsewhere: a compartment holds other rules in every region, so the rows of a check are
//! those of one connection, region and compartment.

use super::DbError;
use super::{Conn, Pool};
use app::model::health::HealthStatus;
use chrono::{DateTime, Utc};

/// A stored status.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HealthRow {
    /// Connection.
    pub connection_id: i64,
    /// Rule OCID.
    pub rule_id: String,
    /// Compartment.
    pub compartment_id: String,
    /// `''` for the connection's own region, else a region id.
    pub region: String,
    /// Rule name.
    pub rule_name: String,
    /// `healthy`, `degraded`, `broken`.
    pub status: String,
    /// JSON array.
    pub reasons: String,
    /// When.
    #[sqlx(try_from = "super::types::Stamp")]
    pub checked_at: DateTime<Utc>,
    /// JSON array of the subscriptions its topics had, as the health check remembers them.
    pub subscriptions: String,
}

/// A status to store, with what the next check should remember.
pub struct NewHealthRow<'a> {
    /// Rule OCID.
    pub rule_id: &'a str,
    /// Rule name.
    pub rule_name: &'a str,
    /// The status.
    pub status: HealthStatus,
    /// Why, worst first.
    pub reasons: &'a [String],
    /// When.
    pub checked_at: DateTime<Utc>,
    /// JSON array of the subscriptions its topics had (endpoints already redacted).
    pub subscriptions: String,
}

const COLUMNS: &str = "h.connection_id, h.rule_id, h.compartment_id, h.region, h.rule_name, h.status, h.reasons, h.checked_at, h.subscriptions";

/// The statuses stored for a compartment of a region (`''`: the connection's own) through a
/// connection.
pub async fn of_compartment(
    conn: &mut Conn,
    connection_id: i64,
    region: &str,
    compartment_id: &str,
) -> Result<Vec<HealthRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pipeline_health h \
         WHERE h.connection_id = $1 AND h.region = $2 AND h.compartment_id = $3"
    ))
    .bind(connection_id)
    .bind(region)
    .bind(compartment_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Replaces the statuses of a compartment of a region with `rows` (rules no longer there are
/// forgotten).
pub async fn replace_compartment(
    conn: &mut Conn,
    connection_id: i64,
    region: &str,
    compartment_id: &str,
    rows: &[NewHealthRow<'_>],
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM pipeline_health WHERE connection_id = $1 AND region = $2 AND compartment_id = $3")
        .bind(connection_id)
        .bind(region)
        .bind(compartment_id)
        .execute(&mut *conn)
        .await?;
    for row in rows {
        let reasons =
            serde_json::to_string(&row.reasons).map_err(|err| DbError::Other(sqlx::Error::Encode(err.into())))?;
        // A rule moved from another compartment replaces its old row.
        sqlx::query(
            "INSERT INTO pipeline_health \
             (connection_id, rule_id, compartment_id, region, rule_name, status, reasons, checked_at, subscriptions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (connection_id, rule_id) DO UPDATE SET \
             compartment_id = excluded.compartment_id, region = excluded.region, rule_name = excluded.rule_name, status = excluded.status, \
             reasons = excluded.reasons, checked_at = excluded.checked_at, subscriptions = excluded.subscriptions",
        )
        .bind(connection_id)
        .bind(row.rule_id)
        .bind(compartment_id)
        .bind(region)
        .bind(row.rule_name)
        .bind(row.status.as_str())
        .bind(reasons)
        .bind(super::types::stamp(row.checked_at))
        .bind(&row.subscriptions)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The team's statuses, broken first, then degraded, then healthy, by rule name.
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<HealthRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM pipeline_health h JOIN connections c ON c.id = h.connection_id WHERE c.team_id = $1 \
         ORDER BY CASE h.status WHEN 'broken' THEN 0 WHEN 'degraded' THEN 1 ELSE 2 END, lower(h.rule_name)"
    ))
    .bind(team_id)
    .fetch_all(pool)
    .await?)
}

/// Every (team, connection, region, compartment) with stored statuses: what the schedule
/// re-checks.
pub async fn checked_compartments(pool: &Pool) -> Result<Vec<(i64, i64, String, String)>, DbError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT c.team_id, h.connection_id, h.region, h.compartment_id FROM pipeline_health h \
         JOIN connections c ON c.id = h.connection_id ORDER BY 1, 2, 3, 4",
    )
    .fetch_all(pool)
    .await?)
}

/// How many pipelines have each status, across every team (for `/metrics`).
pub async fn count_by_status(pool: &Pool) -> Result<Vec<(String, i64)>, DbError> {
    Ok(sqlx::query_as("SELECT status, count(*) FROM pipeline_health GROUP BY status").fetch_all(pool).await?)
}
