//! Queries about the database itself (pragmas, SQLite's catalogue, sqlx's migration table).

use super::DbError;
use sqlx::{SqliteConnection, SqlitePool};

/// Whether the database holds tables but not sqlx's migration table: someone else's database.
#[tracing::instrument(skip_all)]
pub async fn has_foreign_tables(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let (tables, ours): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(name = '_sqlx_migrations'), 0) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_one(conn)
    .await?;
    Ok(tables > 0 && ours == 0)
}

/// The journal mode in effect (`wal` once opened by [`super::open`]).
#[tracing::instrument(skip_all)]
pub async fn journal_mode(pool: &SqlitePool) -> Result<String, DbError> {
    Ok(sqlx::query_scalar("PRAGMA journal_mode").fetch_one(pool).await?)
}

/// The newest migration applied and how many have been applied.
#[tracing::instrument(skip_all)]
pub async fn schema_state(pool: &SqlitePool) -> Result<(i64, i64), DbError> {
    Ok(sqlx::query_as("SELECT COALESCE(MAX(version), 0), COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await?)
}

/// A trivial round trip, for readiness checks.
#[tracing::instrument(skip_all)]
pub async fn ping(pool: &SqlitePool) -> Result<(), DbError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}
