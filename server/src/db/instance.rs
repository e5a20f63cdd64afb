//! The `instance` table: one row describing this Signalbox installation.

use super::DbError;
use crate::db::Pool;
use chrono::{DateTime, Utc};

/// When the data directory was first initialised.
#[tracing::instrument(skip_all)]
pub async fn initialized_at(pool: &Pool) -> Result<DateTime<Utc>, DbError> {
    let at: super::types::Stamp =
        sqlx::query_scalar("SELECT initialized_at FROM instance WHERE id = 1").fetch_one(pool).await?;
    Ok(at.try_into()?)
}
