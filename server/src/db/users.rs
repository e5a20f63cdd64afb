//! The `users` table.

use super::DbError;
use super::{Conn, Pool};
use chrono::{DateTime, Utc};

/// A user row (the password hash stays in the database layer's callers' hands only).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// PHC string of the Argon2id hash.
    pub password_hash: String,
    /// Must choose a new password before anything else.
    #[sqlx(try_from = "super::types::Flag")]
    pub must_change_password: bool,
    /// May manage users and teams.
    #[sqlx(try_from = "super::types::Flag")]
    pub is_site_admin: bool,
    /// When the account was disabled.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub disabled_at: Option<DateTime<Utc>>,
    /// Created.
    #[sqlx(try_from = "super::types::Stamp")]
    pub created_at: DateTime<Utc>,
    /// Sessions from before this instant are void.
    #[sqlx(try_from = "super::types::Stamp")]
    pub sessions_valid_after: DateTime<Utc>,
}

/// Longest username (they are ASCII, so bytes and characters agree).
pub const MAX_USERNAME_BYTES: usize = 64;

const COLUMNS: &str = "id, username, display_name, password_hash, must_change_password, is_site_admin, disabled_at, created_at, sessions_valid_after";

/// A user to insert.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Login name.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// PHC hash.
    pub password_hash: &'a str,
    /// Must change the password at first login.
    pub must_change_password: bool,
    /// Site administrator.
    pub is_site_admin: bool,
}

impl NewUser<'_> {
    /// Inserts the user; a taken username is `DbError::Conflict`.
    #[tracing::instrument(skip_all)]
    pub async fn insert(&self, conn: &mut Conn) -> Result<User, DbError> {
        let sql = format!(
            "INSERT INTO users (username, display_name, password_hash, must_change_password, is_site_admin) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
        );
        Ok(sqlx::query_as(&sql)
            .bind(self.username)
            .bind(self.display_name)
            .bind(self.password_hash)
            .bind(i64::from(self.must_change_password))
            .bind(i64::from(self.is_site_admin))
            .fetch_one(conn)
            .await?)
    }
}

/// How many users exist.
#[tracing::instrument(skip_all)]
pub async fn count(pool: &Pool) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?)
}

/// The user with this username (case-insensitive).
#[tracing::instrument(skip_all)]
pub async fn by_username(pool: &Pool, username: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    Ok(sqlx::query_as(&sql).bind(username).fetch_optional(pool).await?)
}

/// The user with this id.
#[tracing::instrument(skip_all)]
pub async fn by_id(pool: &Pool, id: i64) -> Result<User, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_one(pool).await?)
}

/// Every user, by username.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &Pool) -> Result<Vec<User>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    Ok(sqlx::query_as(&sql).fetch_all(pool).await?)
}

/// Sets a new password hash and whether it must be changed at next login.
#[tracing::instrument(skip_all)]
pub async fn set_password(conn: &mut Conn, id: i64, hash: &str, must_change: bool) -> Result<(), DbError> {
    let done = sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .bind(i64::from(must_change))
        .execute(conn)
        .await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// Disables or enables the account.
#[tracing::instrument(skip_all)]
pub async fn set_disabled(conn: &mut Conn, id: i64, disabled: bool) -> Result<(), DbError> {
    let sql = if disabled {
        "UPDATE users SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1"
    } else {
        "UPDATE users SET disabled_at = NULL WHERE id = $1"
    };
    let done = sqlx::query(sql).bind(id).execute(conn).await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// Voids every session the user has ("log out everywhere").
#[tracing::instrument(skip_all)]
pub async fn void_sessions(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE users SET sessions_valid_after = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The team the user last chose in the console, if they are still a member of it.
#[tracing::instrument(skip_all)]
pub async fn preferred_team(pool: &Pool, id: i64) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT u.preferred_team_id FROM users u \
         JOIN memberships m ON m.user_id = u.id AND m.team_id = u.preferred_team_id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .flatten())
}

/// Remembers the team the user chose; `NotFound` when they are not a member of it.
#[tracing::instrument(skip_all)]
pub async fn set_preferred_team(conn: &mut Conn, id: i64, team_id: i64) -> Result<(), DbError> {
    let done = sqlx::query(
        "UPDATE users SET preferred_team_id = $2 WHERE id = $1 \
         AND EXISTS (SELECT 1 FROM memberships WHERE user_id = $1 AND team_id = $2)",
    )
    .bind(id)
    .bind(team_id)
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}
