//! The `connections` table. Private keys and pass phrases are stored sealed (see
//! `crate::master_key`); rows read from here carry the sealed bytes, never plaintext.

use super::DbError;
use app::model::connection::ConnectionKind;
use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqlitePool};

/// A connection row.
#[derive(Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    /// Id.
    pub id: i64,
    /// Owning team.
    pub team_id: i64,
    /// Name.
    pub name: String,
    /// `sandbox` or `api_key`.
    pub kind: String,
    /// Tenancy OCID (empty for the sandbox).
    pub tenancy_ocid: String,
    /// User OCID (empty for the sandbox).
    pub user_ocid: String,
    /// Key fingerprint (empty for the sandbox).
    pub fingerprint: String,
    /// Region (empty for the sandbox).
    pub region: String,
    /// The sealed private key.
    pub private_key_sealed: Option<Vec<u8>>,
    /// The sealed pass phrase.
    pub pass_phrase_sealed: Option<Vec<u8>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last test.
    pub last_test_at: Option<DateTime<Utc>>,
    /// Whether it passed.
    pub last_test_ok: Option<bool>,
    /// What the API answered for it, as JSON (the API's `ConnectionTest`).
    pub last_test_message: Option<String>,
}

impl std::fmt::Debug for ConnectionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}

const COLUMNS: &str = "id, team_id, name, kind, tenancy_ocid, user_ocid, fingerprint, region, private_key_sealed, \
     pass_phrase_sealed, created_at, last_test_at, last_test_ok, last_test_message";

impl ConnectionRow {
    /// The kind.
    pub fn kind(&self) -> ConnectionKind {
        if self.kind == "sandbox" { ConnectionKind::Sandbox } else { ConnectionKind::ApiKey }
    }
}

/// A new API-key connection; the key and pass phrase are already sealed.
#[derive(Clone)]
pub struct NewConnection<'a> {
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: &'a str,
    /// Tenancy OCID.
    pub tenancy: &'a str,
    /// User OCID.
    pub user: &'a str,
    /// Fingerprint.
    pub fingerprint: &'a str,
    /// Region id.
    pub region: &'a str,
    /// Creator.
    pub created_by: i64,
}

impl NewConnection<'_> {
    /// Inserts the row without its secrets (their sealing context names the row id, known only
    /// now); [`set_secrets`] stores them in the same transaction.
    #[tracing::instrument(skip_all)]
    pub async fn insert(&self, conn: &mut SqliteConnection) -> Result<i64, DbError> {
        // The table's CHECK wants a key for api_key rows: an empty placeholder, replaced at once.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO connections (team_id, name, kind, tenancy_ocid, user_ocid, fingerprint, region, \
             private_key_sealed, created_by) VALUES (?1, ?2, 'api_key', ?3, ?4, ?5, ?6, x'', ?7) RETURNING id",
        )
        .bind(self.team_id)
        .bind(self.name)
        .bind(self.tenancy)
        .bind(self.user)
        .bind(self.fingerprint)
        .bind(self.region)
        .bind(self.created_by)
        .fetch_one(conn)
        .await?;
        Ok(id)
    }
}

/// Stores the sealed key and pass phrase of connection `id`.
#[tracing::instrument(skip_all)]
pub async fn set_secrets(
    conn: &mut SqliteConnection,
    id: i64,
    private_key: &[u8],
    pass_phrase: Option<&[u8]>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE connections SET private_key_sealed = ?2, pass_phrase_sealed = ?3 WHERE id = ?1")
        .bind(id)
        .bind(private_key)
        .bind(pass_phrase)
        .execute(conn)
        .await?;
    Ok(())
}

/// A team's connections, the sandbox first, then by name.
#[tracing::instrument(skip_all)]
pub async fn of_team(pool: &SqlitePool, team_id: i64) -> Result<Vec<ConnectionRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE team_id = ?1 ORDER BY kind = 'api_key', name");
    Ok(sqlx::query_as(&sql).bind(team_id).fetch_all(pool).await?)
}

/// Connection `id` of team `team_id`; `NotFound` when it belongs to another team.
#[tracing::instrument(skip_all)]
pub async fn of_team_by_id(pool: &SqlitePool, team_id: i64, id: i64) -> Result<ConnectionRow, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE team_id = ?1 AND id = ?2");
    Ok(sqlx::query_as(&sql).bind(team_id).bind(id).fetch_one(pool).await?)
}

/// Deletes an API-key connection (the sandbox connection stays).
#[tracing::instrument(skip_all)]
pub async fn delete(conn: &mut SqliteConnection, id: i64) -> Result<(), DbError> {
    let done = sqlx::query("DELETE FROM connections WHERE id = ?1 AND kind = 'api_key'").bind(id).execute(conn).await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// Records the outcome of a test call made `at`; `answer` is what the API answered, as JSON.
#[tracing::instrument(skip_all)]
pub async fn record_test(pool: &SqlitePool, id: i64, at: DateTime<Utc>, ok: bool, answer: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE connections SET last_test_at = ?2, last_test_ok = ?3, last_test_message = ?4 WHERE id = ?1")
        .bind(id)
        .bind(at)
        .bind(ok)
        .bind(answer)
        .execute(pool)
        .await?;
    Ok(())
}
