//! Queries about the database itself on PostgreSQL (the twin of [`super::sqlite`]'s, where one
//! is needed).

use super::{DbError, Pool};

/// The database's size on disk, in bytes.
#[tracing::instrument(skip_all)]
pub async fn database_size(pool: &Pool) -> Result<u64, DbError> {
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(pool).await?;
    Ok(u64::try_from(size).unwrap_or(0))
}
