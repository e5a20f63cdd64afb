//! The `instance` table: one row describing this Signalbox installation.

use super::DbError;
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

/// When the data directory was first initialised.
#[tracing::instrument(skip_all)]
pub async fn initialized_at(pool: &SqlitePool) -> Result<DateTime<Utc>, DbError> {
    Ok(sqlx::query_scalar("SELECT initialized_at FROM instance WHERE id = 1").fetch_one(pool).await?)
}
