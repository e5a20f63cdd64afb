//! Optional persistence of the sandbox's state in a SQLite file of its own.
//!
//! The whole [`World`] of a tenancy (and its delivery log and outbox) is small, so it is kept as
//! one JSON snapshot row per tenancy rather than mirrored table by table. A write request is saved before it is
//! answered (a client that was told a resource exists must find it after a crash, as it would in
//! OCI), retry tokens included, so a create repeated after a restart is answered with the resource
//! it made. Delivery-log changes, which no client waits for, are coalesced (at most one save every
//! 250 ms) and flushed once more when the server stops. Saves take turns, so an older snapshot
//! never overwrites a newer one.

use super::Sandbox;
use super::delivery::Log;
use super::world::World;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
use std::time::Duration;

/// How long changes are gathered before one save.
const COALESCE: Duration = Duration::from_millis(250);

/// What is stored.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    world: World,
    log: Log,
}

/// Why the sandbox store could not be used.
#[derive(Debug, thiserror::Error)]
#[error("sandbox state {path}: {reason}")]
pub struct PersistError {
    path: PathBuf,
    reason: String,
}

/// A connection to the sandbox's SQLite file.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating) the file and its one table.
    pub async fn open(path: &Path) -> Result<Self, PersistError> {
        let fail = |reason: String| PersistError { path: path.to_path_buf(), reason };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Retry tokens are saved here before a create is answered: durable like the audit trail.
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(|err| fail(err.to_string()))?;
        // One row per tenancy. Files written before tenancies were separate hold one `snapshot`
        // row, the shared tenancy's: it becomes that tenancy's row.
        let statements = [
            "CREATE TABLE IF NOT EXISTS tenancies (tenancy TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, saved_at TEXT NOT NULL)",
            "INSERT OR IGNORE INTO tenancies (tenancy, state, saved_at) \
             SELECT json_extract(state, '$.world.tenancy'), state, saved_at FROM snapshot \
             WHERE json_extract(state, '$.world.tenancy') IS NOT NULL",
            "DELETE FROM snapshot",
        ];
        for statement in statements {
            sqlx::query(statement).execute(&pool).await.map_err(|err| fail(err.to_string()))?;
        }
        Ok(Self { pool })
    }

    /// The tenancies saved.
    pub async fn tenancies(&self) -> Result<Vec<String>, PersistError> {
        sqlx::query_scalar("SELECT tenancy FROM tenancies ORDER BY tenancy")
            .fetch_all(&self.pool)
            .await
            .map_err(|err| PersistError { path: PathBuf::from("sandbox.db"), reason: err.to_string() })
    }

    async fn load(&self, tenancy: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT state FROM tenancies WHERE tenancy = ?1")
            .bind(tenancy)
            .fetch_optional(&self.pool)
            .await
    }

    async fn save(&self, tenancy: &str, state: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO tenancies (tenancy, state, saved_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (tenancy) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
        )
        .bind(tenancy)
        .bind(state)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }
}

impl Sandbox {
    /// Restores the last snapshot from `store` (if any) and saves every later change there.
    pub async fn persist_to(&self, store: Store) -> Result<(), PersistError> {
        let fail = |reason: String| PersistError { path: PathBuf::from("sandbox.db"), reason };
        if let Some(text) = store.load(self.tenancy()).await.map_err(|err| fail(err.to_string()))? {
            let snapshot: Snapshot = serde_json::from_str(&text).map_err(|err| {
                fail(format!("the saved state is unreadable ({err}); move the file aside to start afresh"))
            })?;
            *self.world() = snapshot.world;
            *self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner) = snapshot.log;
        }
        self.attach(store);
        Ok(())
    }

    /// Saves every later change to `store` (a tenancy with nothing saved yet needs no restore).
    pub(super) fn attach(&self, store: Store) {
        if let Ok(mut slot) = self.inner.store.write() {
            *slot = Some(store);
        }
        let sandbox = self.clone();
        tokio::spawn(async move {
            loop {
                sandbox.inner.changed.notified().await;
                tokio::time::sleep(COALESCE).await;
                sandbox.save_now().await;
            }
        });
    }

    /// Marks the state changed; a save follows shortly when a store is attached.
    pub(super) fn changed(&self) {
        self.inner.changed.notify_one();
    }

    /// Writes the current state now (after writes, on shutdown, and by the coalescing task).
    pub async fn save_now(&self) {
        let Some(store) = self.inner.store.read().ok().and_then(|s| s.clone()) else { return };
        let _turn = self.inner.saving.lock().await;
        let text = {
            let world = self.world();
            let log = self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner);
            serde_json::to_string(&SnapshotRef { world: &world, log: &log })
        };
        match text {
            Ok(text) => {
                if let Err(err) = store.save(self.tenancy(), &text).await {
                    tracing::error!(%err, "the sandbox state could not be saved");
                }
            }
            Err(err) => tracing::error!(%err, "the sandbox state could not be serialised"),
        }
    }
}

/// Borrowed form of [`Snapshot`] for saving without cloning.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    world: &'a World,
    log: &'a Log,
}
