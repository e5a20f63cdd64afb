//! The `inventory_syncs` table: per connection and compartment, when the inventory was last
//! synced with OCI, whether the last attempt failed and why, and when a page last looked.

use super::DbError;
use super::{Conn, Pool};
use chrono::{DateTime, Utc};

/// The compartment key of a connection's compartment tree.
pub const TREE: &str = "";

/// What is known about a compartment's inventory.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SyncRow {
    /// When the last successful sync started reading.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub synced_at: Option<DateTime<Utc>>,
    /// When the last attempt failed, if after the last success.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub failed_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// When the change feed was last read up to.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub fed_at: Option<DateTime<Utc>>,
}

/// How fresh one connection's inventory is, over the compartments it keeps synced.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Freshness {
    /// The connection.
    pub connection_id: i64,
    /// The oldest last successful sync, if any compartment was ever synced.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub oldest_synced_at: Option<DateTime<Utc>>,
    /// Compartments whose last attempt failed.
    pub failing: i64,
}

/// Every connection's [`Freshness`] over the compartments looked at since `since`, the ones the
/// background sync keeps fresh (for `/metrics`). The compartment tree's row counts too: it is
/// synced like a compartment.
pub async fn freshness(pool: &Pool, since: DateTime<Utc>) -> Result<Vec<Freshness>, DbError> {
    Ok(sqlx::query_as(
        "SELECT connection_id, min(synced_at) AS oldest_synced_at, \
         count(*) FILTER (WHERE failed_at IS NOT NULL) AS failing \
         FROM inventory_syncs WHERE viewed_at >= $1 GROUP BY connection_id ORDER BY connection_id",
    )
    .bind(super::types::stamp(since))
    .fetch_all(pool)
    .await?)
}

/// The record of `compartment_id` through `connection_id`, if it was ever looked at.
pub async fn find(pool: &Pool, connection_id: i64, compartment_id: &str) -> Result<Option<SyncRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT synced_at, failed_at, error, fed_at FROM inventory_syncs WHERE connection_id = $1 AND compartment_id = $2",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .fetch_optional(pool)
    .await?)
}

/// Notes that a page looked at it now (so the background sync keeps it fresh).
pub async fn viewed(pool: &Pool, connection_id: i64, compartment_id: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO inventory_syncs (connection_id, compartment_id, viewed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (connection_id, compartment_id) DO UPDATE SET viewed_at = excluded.viewed_at",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .bind(super::types::stamp(Utc::now()))
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a successful sync that started reading at `started`.
pub async fn succeeded(
    conn: &mut Conn,
    connection_id: i64,
    compartment_id: &str,
    started: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO inventory_syncs (connection_id, compartment_id, synced_at, viewed_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (connection_id, compartment_id) DO UPDATE SET synced_at = excluded.synced_at, \
         failed_at = NULL, error = NULL, \
         fed_at = CASE WHEN inventory_syncs.fed_at > excluded.synced_at THEN inventory_syncs.fed_at ELSE excluded.synced_at END",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .bind(super::types::stamp(started))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a failed sync and why.
pub async fn failed(
    pool: &Pool,
    connection_id: i64,
    compartment_id: &str,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO inventory_syncs (connection_id, compartment_id, failed_at, error, viewed_at) \
         VALUES ($1, $2, $3, $4, $3) \
         ON CONFLICT (connection_id, compartment_id) DO UPDATE SET failed_at = excluded.failed_at, \
         error = excluded.error",
    )
    .bind(connection_id)
    .bind(compartment_id)
    .bind(super::types::stamp(at))
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records that the change feed was read up to `until`.
pub async fn fed(pool: &Pool, connection_id: i64, compartment_id: &str, until: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query("UPDATE inventory_syncs SET fed_at = $3 WHERE connection_id = $1 AND compartment_id = $2")
        .bind(connection_id)
        .bind(compartment_id)
        .bind(super::types::stamp(until))
        .execute(pool)
        .await?;
    Ok(())
}

/// A compartment the background sync keeps fresh.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Watched {
    /// The connection's team.
    pub team_id: i64,
    /// Connection.
    pub connection_id: i64,
    /// Compartment ([`TREE`] for the compartment tree).
    pub compartment_id: String,
    /// When the last successful sync started.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub synced_at: Option<DateTime<Utc>>,
    /// When the last attempt failed.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub failed_at: Option<DateTime<Utc>>,
    /// When the change feed was last read up to.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub fed_at: Option<DateTime<Utc>>,
}

/// Compartments a page looked at since `since`.
pub async fn watched(pool: &Pool, since: DateTime<Utc>) -> Result<Vec<Watched>, DbError> {
    Ok(sqlx::query_as(
        "SELECT c.team_id, s.connection_id, s.compartment_id, s.synced_at, s.failed_at, s.fed_at \
         FROM inventory_syncs s JOIN connections c ON c.id = s.connection_id WHERE s.viewed_at >= $1",
    )
    .bind(super::types::stamp(since))
    .fetch_all(pool)
    .await?)
}
