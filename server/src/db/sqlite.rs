//! Queries about the database itself (pragmas, SQLite's catalogue, sqlx's migration table).

use super::DbError;
use super::Pool;

/// Whether the database holds tables but not sqlx's migration table: someone else's database.
#[tracing::instrument(skip_all)]
pub async fn has_foreign_tables(pool: &Pool) -> Result<bool, sqlx::Error> {
    let (tables, ours): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(name = '_sqlx_migrations'), 0) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_one(pool)
    .await?;
    Ok(tables > 0 && ours == 0)
}

/// The journal mode in effect (`wal` once opened by [`super::open`]).
#[tracing::instrument(skip_all)]
pub async fn journal_mode(pool: &Pool) -> Result<String, DbError> {
    Ok(sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await?)
}

/// The newest migration applied and how many have been applied.
#[tracing::instrument(skip_all)]
pub async fn schema_state(pool: &Pool) -> Result<(i64, i64), DbError> {
    Ok(sqlx::query_as("SELECT COALESCE(MAX(version), 0), COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await?)
}

/// A trivial round trip, for readiness checks.
#[tracing::instrument(skip_all)]
pub async fn ping(pool: &Pool) -> Result<(), DbError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// `PRAGMA integrity_check`'s findings; empty when the database is sound.
#[tracing::instrument(skip_all)]
pub async fn integrity_problems(pool: &Pool) -> Result<Vec<String>, DbError> {
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await?;
    Ok(lines.into_iter().filter(|line| line != "ok").collect())
}

/// Writes a consistent copy of the database to `path` (`VACUUM INTO`), while others read and
/// write it: the copy is the database as of one transaction.
#[tracing::instrument(skip_all)]
pub async fn vacuum_into(pool: &Pool, path: &std::path::Path) -> Result<(), DbError> {
    sqlx::query("VACUUM INTO $1").bind(path.to_string_lossy().into_owned()).execute(pool).await?;
    Ok(())
}

/// The migrations applied, as (version, checksum), oldest first; none in a new, empty database.
#[tracing::instrument(skip_all)]
pub async fn applied_migrations(pool: &Pool) -> Result<Vec<(i64, Vec<u8>)>, DbError> {
    let table: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(pool)
            .await?;
    if table.is_none() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await?)
}
