//! SQLite storage: opening the database, migrations, and one module of queries per table.
//!
//! Queries are plain runtime-checked `sqlx::query` calls next to their table, so a build never
//! needs a live database. Opening is careful about existing files: a file that is not a SQLite
//! database, or a SQLite database that Signalbox did not create, is refused and left untouched.

pub mod api_tokens;
pub mod apply_runs;
pub mod apply_steps;
pub mod audit_events;
pub mod audit_query;
pub mod audit_search;
pub mod audit_words;
pub mod connections;
pub mod deliveries;
pub mod deployment_resources;
pub mod deployments;
pub mod inboxes;
pub mod instance;
pub mod inventory_items;
pub mod inventory_syncs;
pub mod pipeline_health;
pub mod sqlite;
pub mod teams;
pub mod template_versions;
pub mod templates;
pub mod upgrade;
pub mod users;

use sqlx::ConnectOptions;
use sqlx::Connection;
use sqlx::migrate::MigrateError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The migrations in `migrations/`, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Their PostgreSQL twins in `migrations-postgres/`, one for each, with the same version and name
/// (see its README.md); a test holds the two schemas to the same tables, columns and behaviour.
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations-postgres");

/// SQLite's result code for "file is not a database".
const SQLITE_NOTADB: &str = "26";

/// The cases callers branch on, and everything else.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The query matched no row.
    #[error("no matching row")]
    NotFound,
    /// A unique constraint refused the row (a taken name).
    #[error("a row with this key exists")]
    Conflict,
    /// Any other database failure.
    #[error(transparent)]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(ref db) if db.is_unique_violation() => DbError::Conflict,
            other => DbError::Other(other),
        }
    }
}

/// Why the database could not be opened at startup.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "database {0} is not a SQLite database or is corrupt; it was left untouched. Restore it from a backup, or move it aside to start with an empty database"
    )]
    NotADatabase(PathBuf),
    #[error(
        "database {0} is a SQLite database that Signalbox did not create; it was left untouched. Point --data-dir at a directory of its own"
    )]
    Foreign(PathBuf),
    #[error("no database at {0}; check --data-dir (it holds signalbox.db)")]
    Missing(PathBuf),
    #[error("cannot open database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot migrate database {path}: {reason}")]
    Migrate { path: PathBuf, reason: String },
}

/// Begins a transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`).
///
/// A deferred transaction (plain `BEGIN`) that reads before it writes fails at once with "database
/// is locked" when another connection committed in between: in WAL mode SQLite cannot upgrade a
/// stale read snapshot, and does not wait. Schemathesis found it as a 500 from two health checks
/// at once. Taking the lock first makes the transaction wait its turn (the busy timeout) instead.
/// Every transaction Signalbox opens writes, so every one begins this way.
pub async fn begin(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Opens (creating if missing) the database at `path` in WAL mode and applies pending migrations
/// (to an existing database through [`upgrade::upgrade`], which keeps a backup and never migrates
/// the live file).
pub async fn open(path: &Path) -> Result<SqlitePool, OpenError> {
    open_with(path, &MIGRATOR).await
}

/// [`open`] with another set of migrations (tests of upgrades).
pub async fn open_with(path: &Path, migrator: &sqlx::migrate::Migrator) -> Result<SqlitePool, OpenError> {
    if inspect_existing(path).await? {
        upgrade::upgrade(path, migrator).await?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before it is acknowledged, power loss included. With NORMAL,
        // WAL mode may lose the last commits to a power cut: an audit row already answered for,
        // or an apply step's retry token written before its call, which is what prevents a
        // duplicate resource on resume. The cost is one fsync per commit.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await
        .map_err(|source| classify_open_error(path, source))?;
    migrator
        .run(&pool)
        .await
        .map_err(|err| OpenError::Migrate { path: path.to_path_buf(), reason: explain_migrate_error(err) })?;
    Ok(pool)
}

/// Opens an existing database read-only, for commands that inspect it next to a running server
/// (`signalbox audit verify`). Nothing is created or migrated.
pub async fn open_read_only(path: &Path) -> Result<SqlitePool, OpenError> {
    let exists = tokio::fs::try_exists(path)
        .await
        .map_err(|err| OpenError::Open { path: path.to_path_buf(), source: sqlx::Error::Io(err) })?;
    if !exists {
        return Err(OpenError::Missing(path.to_path_buf()));
    }
    let options = SqliteConnectOptions::new().filename(path).read_only(true).busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|source| classify_open_error(path, source))
}

/// Looks at an existing file through a read-only connection, so that a file Signalbox must refuse
/// is refused before anything (even the journal mode in its header) is changed. Whether the file
/// existed.
async fn inspect_existing(path: &Path) -> Result<bool, OpenError> {
    let exists = tokio::fs::try_exists(path)
        .await
        .map_err(|err| OpenError::Open { path: path.to_path_buf(), source: sqlx::Error::Io(err) })?;
    if !exists {
        return Ok(false);
    }
    let classify = |source| classify_open_error(path, source);
    let mut conn = SqliteConnectOptions::new().filename(path).read_only(true).connect().await.map_err(classify)?;
    let foreign = sqlite::has_foreign_tables(&mut conn).await.map_err(classify)?;
    conn.close().await.map_err(classify)?;
    if foreign { Err(OpenError::Foreign(path.to_path_buf())) } else { Ok(true) }
}

fn classify_open_error(path: &Path, source: sqlx::Error) -> OpenError {
    let not_a_database = source.as_database_error().and_then(|e| e.code()).is_some_and(|code| code == SQLITE_NOTADB);
    if not_a_database {
        OpenError::NotADatabase(path.to_path_buf())
    } else {
        OpenError::Open { path: path.to_path_buf(), source }
    }
}

fn explain_migrate_error(err: MigrateError) -> String {
    match err {
        MigrateError::VersionMissing(version) => upgrade::SchemaError::Newer(version).to_string(),
        MigrateError::VersionMismatch(version) => upgrade::SchemaError::Changed(version).to_string(),
        MigrateError::Dirty(version) => {
            format!("migration {version} was interrupted earlier; restore a backup taken before the upgrade")
        }
        other => other.to_string(),
    }
}
