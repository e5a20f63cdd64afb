//! The `connections` table. Private keys and pass phrases are stored sealed (see
//! `crate::master_key`); rows read from here carry the sealed bytes, never plaintext.

use super::DbError;
use super::{Conn, Pool};
use app::model::connection::ConnectionKind;
use chrono::{DateTime, Utc};

/// A connection row.
#[derive(Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    /// Id.
    pub id: i64,
    /// Owning team.
    pub team_id: i64,
    /// Name.
    pub name: String,
    /// `sandbox`, or `api_key` for every connection a team added.
    pub kind: String,
    /// How an added connection signs in (`ConnectionKind::as_str`).
    pub auth: String,
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
    /// The sealed session token (session-token connections).
    pub security_token_sealed: Option<Vec<u8>>,
    /// When the stored session token expires.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub session_expires_at: Option<DateTime<Utc>>,
    /// Created.
    #[sqlx(try_from = "super::types::Stamp")]
    pub created_at: DateTime<Utc>,
    /// Last test.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub last_test_at: Option<DateTime<Utc>>,
    /// Whether it passed.
    #[sqlx(try_from = "super::types::MaybeFlag")]
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

const COLUMNS: &str = "id, team_id, name, kind, auth, tenancy_ocid, user_ocid, fingerprint, region, private_key_sealed, \
     pass_phrase_sealed, security_token_sealed, session_expires_at, created_at, last_test_at, last_test_ok, last_test_message";

impl ConnectionRow {
    /// The kind.
    pub fn kind(&self) -> ConnectionKind {
        if self.kind == "sandbox" {
            return ConnectionKind::Sandbox;
        }
        // The table's CHECK admits only known ways of signing in.
        ConnectionKind::parse(&self.auth).unwrap_or(ConnectionKind::ApiKey)
    }
}

/// A new connection; its secrets are stored by [`set_secrets`].
#[derive(Clone)]
pub struct NewConnection<'a> {
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: &'a str,
    /// How it signs in (never the sandbox: each team has that one already).
    pub kind: ConnectionKind,
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
    pub async fn insert(&self, conn: &mut Conn) -> Result<i64, DbError> {
        // The table's CHECK wants a key for every added connection: an empty placeholder,
        // replaced at once where the kind has a key (host principals keep it, unread).
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO connections (team_id, name, kind, auth, tenancy_ocid, user_ocid, fingerprint, region, \
             private_key_sealed, created_by) \
             VALUES ($1, $2, 'api_key', $8, $3, $4, $5, $6, $9, $7) RETURNING id",
        )
        .bind(self.team_id)
        .bind(self.name)
        .bind(self.tenancy)
        .bind(self.user)
        .bind(self.fingerprint)
        .bind(self.region)
        .bind(self.created_by)
        .bind(self.kind.as_str())
        .bind(Vec::<u8>::new())
        .fetch_one(conn)
        .await?;
        Ok(id)
    }
}

/// The sealed secrets of a connection; `None` where its kind has none.
pub struct Secrets<'a> {
    /// The private key (API keys and session keys).
    pub private_key: Option<&'a [u8]>,
    /// The key's pass phrase.
    pub pass_phrase: Option<&'a [u8]>,
    /// The session token.
    pub security_token: Option<&'a [u8]>,
    /// When the session token expires.
    pub session_expires_at: Option<DateTime<Utc>>,
}

/// Stores the sealed secrets of connection `id`.
#[tracing::instrument(skip_all)]
pub async fn set_secrets(conn: &mut Conn, id: i64, secrets: &Secrets<'_>) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE connections SET private_key_sealed = coalesce($2, private_key_sealed), pass_phrase_sealed = $3, \
         security_token_sealed = $4, session_expires_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(secrets.private_key)
    .bind(secrets.pass_phrase)
    .bind(secrets.security_token)
    .bind(secrets.session_expires_at.map(super::types::stamp))
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the sealed session token of connection `id` and its expiry (after a refresh).
#[tracing::instrument(skip_all)]
pub async fn set_security_token(pool: &Pool, id: i64, sealed: &[u8], expires_at: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE connections SET security_token_sealed = $2, session_expires_at = $3 \
         WHERE id = $1 AND auth = 'session_token'",
    )
    .bind(id)
    .bind(sealed)
    .bind(super::types::stamp(expires_at))
    .execute(pool)
    .await?;
    Ok(())
}

/// A team's connections, the sandbox first, then by name.
#[tracing::instrument(skip_all)]
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<ConnectionRow>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE team_id = $1 ORDER BY kind = 'api_key', name");
    Ok(sqlx::query_as(&sql).bind(team_id).fetch_all(pool).await?)
}

/// Connection `id` of team `team_id`; `NotFound` when it belongs to another team.
#[tracing::instrument(skip_all)]
pub async fn of_team_by_id(pool: &Pool, team_id: i64, id: i64) -> Result<ConnectionRow, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM connections WHERE team_id = $1 AND id = $2");
    Ok(sqlx::query_as(&sql).bind(team_id).bind(id).fetch_one(pool).await?)
}

/// Deletes a connection (the sandbox connection stays).
#[tracing::instrument(skip_all)]
pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), DbError> {
    let done = sqlx::query("DELETE FROM connections WHERE id = $1 AND kind = 'api_key'").bind(id).execute(conn).await?;
    if done.rows_affected() == 0 { Err(DbError::NotFound) } else { Ok(()) }
}

/// Records the outcome of a test call made `at`; `answer` is what the API answered, as JSON.
#[tracing::instrument(skip_all)]
pub async fn record_test(pool: &Pool, id: i64, at: DateTime<Utc>, ok: bool, answer: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE connections SET last_test_at = $2, last_test_ok = $3, last_test_message = $4 WHERE id = $1")
        .bind(id)
        .bind(super::types::stamp(at))
        .bind(i64::from(ok))
        .bind(answer)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    /// The migration that added the ways of signing in keeps every connection and every row that
    /// references one.
    #[tokio::test]
    async fn adding_the_ways_of_signing_in_keeps_every_row_that_references_a_connection() {
        let dir = tempfile::tempdir().unwrap();
        let options =
            SqliteConnectOptions::new().filename(dir.path().join("db")).create_if_missing(true).foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                super::super::MIGRATOR.migrations.iter().filter(|m| m.version < 20261209000001).cloned().collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO teams (id, name) VALUES (7, 'ops')",
            "INSERT INTO connections (id, team_id, name, kind, tenancy_ocid, private_key_sealed) VALUES (70, 7, 'prod', 'api_key', 'ocid1.tenancy.oc1..a', x'01')",
            "INSERT INTO pipeline_health (connection_id, rule_id, compartment_id, rule_name, status) VALUES (70, 'r', 'c', 'n', 'healthy')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        super::super::MIGRATOR.run(&pool).await.unwrap();

        let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM pipeline_health").fetch_one(&pool).await.unwrap();
        assert_eq!(kept, 1, "the health row is kept");
        let rows: Vec<super::ConnectionRow> =
            sqlx::query_as(&format!("SELECT {} FROM connections WHERE team_id = 7 ORDER BY id", super::COLUMNS))
                .fetch_all(&pool)
                .await
                .unwrap();
        let kinds: Vec<_> = rows.iter().map(super::ConnectionRow::kind).collect();
        use app::model::connection::ConnectionKind;
        assert_eq!(kinds, [ConnectionKind::Sandbox, ConnectionKind::ApiKey], "an old key connection is an API key");
        let refused = sqlx::query("UPDATE connections SET auth = 'password' WHERE id = 70").execute(&pool).await;
        assert!(refused.is_err(), "only known ways of signing in");
    }
}
