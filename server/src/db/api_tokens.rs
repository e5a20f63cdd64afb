//! The `api_tokens` table. Only the SHA-256 of a token's secret is stored.

use super::DbError;
use super::{Conn, Pool};
use app::model::role::Role;
use chrono::{DateTime, Utc};

/// A token row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Team it acts in.
    pub team_id: i64,
    /// Role it acts with.
    pub role: String,
    /// Name.
    pub name: String,
    /// Listed prefix.
    pub prefix: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// Created.
    #[sqlx(try_from = "super::types::Stamp")]
    pub created_at: DateTime<Utc>,
    /// Last used.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, user_id, team_id, role, name, prefix, secret_hash, created_at, last_used_at, revoked_at";

/// Stores a new token.
#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut Conn,
    user_id: i64,
    team_id: i64,
    role: Role,
    name: &str,
    prefix: &str,
    secret_hash: &str,
) -> Result<TokenRow, DbError> {
    let sql = format!(
        "INSERT INTO api_tokens (user_id, team_id, role, name, prefix, secret_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as(&sql)
        .bind(user_id)
        .bind(team_id)
        .bind(role.as_str())
        .bind(name)
        .bind(prefix)
        .bind(secret_hash)
        .fetch_one(conn)
        .await?)
}

/// The token with this prefix.
#[tracing::instrument(skip_all)]
pub async fn by_prefix(pool: &Pool, prefix: &str) -> Result<Option<TokenRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE prefix = $1");
    Ok(sqlx::query_as(&sql).bind(prefix).fetch_optional(pool).await?)
}

/// The token with this id.
#[tracing::instrument(skip_all)]
pub async fn by_id(pool: &Pool, id: i64) -> Result<Option<TokenRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?)
}

/// The user's tokens, newest first.
#[tracing::instrument(skip_all)]
pub async fn of_user(pool: &Pool, user_id: i64) -> Result<Vec<TokenRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC");
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await?)
}

/// Records a use.
#[tracing::instrument(skip_all)]
pub async fn touch(pool: &Pool, id: i64) -> Result<(), DbError> {
    // At most one write a minute per token: automation calls in bursts, and a write per request
    // would serialise them on SQLite's single writer for a timestamp nobody reads to the second.
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1 \
         AND (last_used_at IS NULL OR last_used_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minute'))",
    )
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes the user's token; revoking twice keeps the first time.
#[tracing::instrument(skip_all)]
pub async fn revoke(conn: &mut Conn, user_id: i64, id: i64) -> Result<TokenRow, DbError> {
    let sql = format!(
        "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as(&sql).bind(id).bind(user_id).fetch_one(conn).await?)
}

/// Revokes every live token of `user_id` (in `team_id` only, when given) and answers them: a token
/// dies with its owner's membership, account or password.
#[tracing::instrument(skip_all)]
pub async fn revoke_owned(conn: &mut Conn, user_id: i64, team_id: Option<i64>) -> Result<Vec<TokenRow>, DbError> {
    let sql = format!(
        "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE user_id = $1 AND revoked_at IS NULL AND ($2 IS NULL OR team_id = $2) RETURNING {COLUMNS}"
    );
    Ok(sqlx::query_as(&sql).bind(user_id).bind(team_id).fetch_all(conn).await?)
}
