//! The `sessions` table: browser sessions, server-side, shared by every instance on one database.

use super::{DbError, Pool};

/// Inserts a new session; false when its id is taken (the caller picks another).
pub async fn insert(pool: &Pool, id: &str, data: &str, expires_at: &str) -> Result<bool, DbError> {
    let done =
        sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes a session, new or not.
pub async fn upsert(pool: &Pool, id: &str, data: &str, expires_at: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// A session's record, unless it expired before `now`.
pub async fn live(pool: &Pool, id: &str, now: &str) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
        .bind(id)
        .bind(now)
        .fetch_optional(pool)
        .await?)
}

/// Deletes a session.
pub async fn delete(pool: &Pool, id: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(pool).await?;
    Ok(())
}

/// Deletes the sessions expired before `now`; how many.
pub async fn delete_expired(pool: &Pool, now: &str) -> Result<u64, DbError> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected())
}
