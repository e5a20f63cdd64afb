//! Storage: opening the database, migrations, and one module of queries per table.
//!
//! Two backends, one code base. SQLite (a file in the data directory) is the default; PostgreSQL
//! (`--database-url postgres://…`) lets several instances share one store. Both are reached
//! through sqlx's `Any` driver, so a query is written once, with numbered parameters (`$1`, which
//! sqlx's SQLite driver binds by number too), in the SQL the two dialects share; the few that
//! differ (full-text search) branch on [`Backend`]. The schemas are twins (`migrations/`,
//! `migrations-postgres/`, see its README): integers, flags as `0`/`1`, times as text in one
//! format, so a row decodes alike from either ([`types`]).
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
pub mod builder;
pub mod compliance;
pub mod connections;
pub mod deliveries;
pub mod deployment_resources;
pub mod deployment_sets;
pub mod deployments;
pub mod inboxes;
pub mod instance;
pub mod inventory_items;
pub mod inventory_syncs;
pub mod pipeline_health;
pub mod postgres;
pub mod sessions;
pub mod sqlite;
pub mod teams;
pub mod template_versions;
pub mod templates;
pub mod types;
pub mod upgrade;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::MigrateError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The application's connection pool, on either backend.
pub type Pool = sqlx::AnyPool;

/// One connection (or, through `DerefMut`, a transaction) on either backend.
pub type Conn = sqlx::AnyConnection;

/// A transaction begun by [`begin`].
pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// Which database a pool or connection talks to, for the few queries the dialects disagree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL, shared by several instances.
    Postgres,
}

impl Backend {
    /// The backend behind `pool`.
    pub fn of(pool: &Pool) -> Backend {
        Backend::from_scheme(pool.connect_options().database_url.scheme())
    }

    /// The backend behind a connection or transaction.
    pub fn of_conn(conn: &Conn) -> Backend {
        if conn.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
    }

    fn from_scheme(scheme: &str) -> Backend {
        if scheme.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite }
    }
}

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
    #[error("cannot open the PostgreSQL database {at}: {reason}")]
    Postgres { at: String, reason: String },
}

/// Begins a transaction that holds the database's write lock from its first statement: one
/// writing transaction at a time, cluster-wide, as SQLite has always run them.
///
/// On SQLite, `BEGIN IMMEDIATE`: a deferred transaction (plain `BEGIN`) that reads before it
/// writes fails at once with "database is locked" when another connection committed in between
/// (in WAL mode SQLite cannot upgrade a stale read snapshot, and does not wait). Schemathesis found
/// it as a 500 from two health checks at once. Taking the lock first makes the transaction wait
/// its turn (the busy timeout) instead.
///
/// On PostgreSQL, `BEGIN` and a transaction-scoped advisory lock ([`WRITE_LOCK`]): every
/// transaction Signalbox opens reads, decides, then writes (the audit chain's head, a name's
/// uniqueness, the one unfinished run), so serialising them keeps each decision true until its
/// commit on every instance, with the same semantics as on SQLite and no retry loop for
/// serialisation failures. Writes are small and few (a console's), so one lock costs nothing
/// measurable; reads outside transactions are not serialised.
pub async fn begin(pool: &Pool) -> Result<Transaction, sqlx::Error> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
            Ok(tx)
        }
    }
}

/// The advisory lock key of [`begin`] on PostgreSQL ("sigbox" in ASCII): other applications
/// sharing the database are unlikely to pick it.
pub const WRITE_LOCK: i64 = 0x7369_6762_6f78;

/// Opens (creating if missing) the database at `path` in WAL mode and applies pending migrations
/// (to an existing database through [`upgrade::upgrade`], which keeps a backup and never migrates
/// the live file).
pub async fn open(path: &Path) -> Result<Pool, OpenError> {
    open_with(path, &MIGRATOR).await
}

/// [`open`] with another set of migrations (tests of upgrades).
pub async fn open_with(path: &Path, migrator: &sqlx::migrate::Migrator) -> Result<Pool, OpenError> {
    if inspect_existing(path).await? {
        upgrade::upgrade(path, migrator).await?;
    }
    let pool = sqlite_pool(path, SqliteAccess::Create, 8).await.map_err(|source| classify_open_error(path, source))?;
    migrator
        .run(&pool)
        .await
        .map_err(|err| OpenError::Migrate { path: path.to_path_buf(), reason: explain_migrate_error(err) })?;
    Ok(pool)
}

/// Connects to the PostgreSQL database at `url` and applies pending migrations.
///
/// Several instances may start at once: sqlx's migrator holds a PostgreSQL advisory lock while
/// it migrates, so one migrates and the others find the work done. Unlike SQLite, no copy is
/// taken first; back the database up with the tools of whoever runs it (`pg_dump`).
pub async fn open_postgres(url: &secrecy::SecretString) -> Result<Pool, OpenError> {
    let pool = postgres_pool(url, PostgresAccess::Write).await?;
    POSTGRES_MIGRATOR.run(&pool).await.map_err(|err| postgres_error(url, explain_migrate_error(err)))?;
    Ok(pool)
}

/// How [`postgres_pool`] uses its database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PostgresAccess {
    /// A server's pool.
    Write,
    /// One connection whose transactions are read-only.
    ReadOnly,
}

fn postgres_error(url: &secrecy::SecretString, reason: String) -> OpenError {
    use secrecy::ExposeSecret;
    OpenError::Postgres { at: redacted(url.expose_secret()), reason }
}

async fn postgres_pool(url: &secrecy::SecretString, access: PostgresAccess) -> Result<Pool, OpenError> {
    use secrecy::ExposeSecret;
    sqlx::any::install_default_drivers();
    let options =
        AnyConnectOptions::from_str(url.expose_secret()).map_err(|err| postgres_error(url, err.to_string()))?;
    // A server waits for a database that is still starting; a command run by hand answers soon.
    let pool = match access {
        PostgresAccess::Write => {
            AnyPoolOptions::new().max_connections(16).min_connections(1).acquire_timeout(Duration::from_secs(30))
        }
        PostgresAccess::ReadOnly => {
            AnyPoolOptions::new().max_connections(1).acquire_timeout(Duration::from_secs(5)).after_connect(|conn, _| {
                Box::pin(
                    async move { sqlx::query("SET default_transaction_read_only = on").execute(conn).await.map(drop) },
                )
            })
        }
    };
    pool.connect_with(options).await.map_err(|err| postgres_error(url, err.to_string()))
}

/// Opens an existing database for a command that changes it next to running servers (`audit
/// prune`), migrated as a server's start would; a SQLite file that does not exist is
/// [`OpenError::Missing`], not created.
pub async fn open_existing(database: &crate::config::Database, data_dir: &Path) -> Result<Pool, OpenError> {
    let path = match database {
        crate::config::Database::DataDir => data_dir.join(crate::data_dir::DATABASE_FILE),
        crate::config::Database::Sqlite(path) => path.clone(),
        crate::config::Database::Postgres(url) => return open_postgres(url).await,
    };
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(OpenError::Missing(path));
    }
    open(&path).await
}

/// Opens the database a command inspects next to running servers (`audit verify`) as it is,
/// migrating nothing: a SQLite file read-only, a PostgreSQL database in read-only transactions.
pub async fn open_to_inspect(database: &crate::config::Database, data_dir: &Path) -> Result<Pool, OpenError> {
    match database {
        crate::config::Database::DataDir => open_read_only(&data_dir.join(crate::data_dir::DATABASE_FILE)).await,
        crate::config::Database::Sqlite(path) => open_read_only(path).await,
        crate::config::Database::Postgres(url) => postgres_pool(url, PostgresAccess::ReadOnly).await,
    }
}

/// `url` without its password, to name the database in messages and logs.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(unparsable URL)".to_owned(),
    }
}

/// Opens an existing database read-only, for commands that inspect it next to a running server
/// (`signalbox audit verify`). Nothing is created or migrated.
pub async fn open_read_only(path: &Path) -> Result<Pool, OpenError> {
    let exists = tokio::fs::try_exists(path)
        .await
        .map_err(|err| OpenError::Open { path: path.to_path_buf(), source: sqlx::Error::Io(err) })?;
    if !exists {
        return Err(OpenError::Missing(path.to_path_buf()));
    }
    sqlite_pool(path, SqliteAccess::ReadOnly, 1).await.map_err(|source| classify_open_error(path, source))
}

/// How [`sqlite_pool`] opens its file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqliteAccess {
    /// Read and write, creating the file when missing, in WAL mode with full sync.
    Create,
    /// Read and write an existing file, as it is (a work copy being migrated).
    Write,
    /// Read only.
    ReadOnly,
}

/// A pool on the SQLite file at `path`, through the `Any` driver.
///
/// The driver is configured by URL, which carries the file and its mode only; the settings a URL
/// cannot carry are applied to each connection as it opens. Foreign keys are on and the busy
/// timeout is 5 s by sqlx's defaults.
pub(crate) async fn sqlite_pool(path: &Path, access: SqliteAccess, max: u32) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(access == SqliteAccess::Create)
        .read_only(access == SqliteAccess::ReadOnly)
        .to_url_lossy();
    let options = AnyConnectOptions::from_url(&url)?;
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(u32::from(access == SqliteAccess::Create))
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if access == SqliteAccess::Create {
                    // FULL: a commit is on disk before it is acknowledged, power loss included.
                    // With NORMAL, WAL mode may lose the last commits to a power cut: an audit row
                    // already answered for, or an apply step's retry token written before its
                    // call, which is what prevents a duplicate resource on resume. The cost is
                    // one fsync per commit.
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
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
    let pool = sqlite_pool(path, SqliteAccess::ReadOnly, 1).await.map_err(classify)?;
    let foreign = sqlite::has_foreign_tables(&pool).await.map_err(classify);
    pool.close().await;
    if foreign? { Err(OpenError::Foreign(path.to_path_buf())) } else { Ok(true) }
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
