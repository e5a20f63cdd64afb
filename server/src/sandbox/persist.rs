//! Optional persistence of the sandbox's state in a SQLite file of its own.
//!
//! What grows with a tenancy (rules, topics, subscriptions, retry tokens, the audit and delivery
//! logs, the outbox) is saved row by row: each save writes only the rows changed since the last
//! one (see `tracked.rs`), so a write costs the same with 30 resources as with 30,000. The rest
//! of a tenancy's state (its compartments, functions, users, buckets) is small and saved whole,
//! as one JSON row. A write request is saved before it is answered (a client that was told a
//! resource exists must find it after a crash, as it would in OCI), retry tokens included, so a
//! create repeated after a restart is answered with the resource it made. Delivery-log changes,
//! which no client waits for, are coalesced (at most one save every 250 ms) and flushed once more
//! when the server stops. Saves take turns and each is one transaction, so an older state never
//! overwrites a newer one; writes answered together share one save (group commit); a save that
//! fails leaves its rows marked changed for the next.

use super::Sandbox;
use super::delivery::Log;
use super::tracked::{Appended, Change, Entries, Rows};
use super::world::World;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
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
        // A row per tenancy for the rest of its state. Files written before tenancies were separate hold one `snapshot`
        // row, the shared tenancy's: it becomes that tenancy's row.
        let statements = [
            "CREATE TABLE IF NOT EXISTS tenancies (tenancy TEXT PRIMARY KEY, state TEXT NOT NULL, saved_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS resources (tenancy TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL, \
             value TEXT NOT NULL, PRIMARY KEY (tenancy, collection, key)) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS entries (tenancy TEXT NOT NULL, journal TEXT NOT NULL, number INTEGER NOT NULL, \
             entry TEXT NOT NULL, PRIMARY KEY (tenancy, journal, number)) WITHOUT ROWID",
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

    async fn load(&self, tenancy: &str) -> Result<Option<Saved>, sqlx::Error> {
        let Some(state) = sqlx::query_scalar("SELECT state FROM tenancies WHERE tenancy = ?1")
            .bind(tenancy)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query_as("SELECT collection, key, value FROM resources WHERE tenancy = ?1")
            .bind(tenancy)
            .fetch_all(&self.pool)
            .await?;
        let entries =
            sqlx::query_as("SELECT journal, number, entry FROM entries WHERE tenancy = ?1 ORDER BY journal, number")
                .bind(tenancy)
                .fetch_all(&self.pool)
                .await?;
        Ok(Some(Saved { state, rows, entries }))
    }

    /// Writes one save in one transaction.
    async fn write(&self, tenancy: &str, batch: &Batch) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO tenancies (tenancy, state, saved_at) VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
             ON CONFLICT (tenancy) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
        )
        .bind(tenancy)
        .bind(&batch.rest)
        .execute(&mut *tx)
        .await?;
        for (collection, changes) in &batch.rows {
            for (key, value) in changes {
                let statement = match value {
                    Some(value) => sqlx::query(
                        "INSERT INTO resources (tenancy, collection, key, value) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (tenancy, collection, key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(tenancy)
                    .bind(collection)
                    .bind(key)
                    .bind(value),
                    None => sqlx::query("DELETE FROM resources WHERE tenancy = ?1 AND collection = ?2 AND key = ?3")
                        .bind(tenancy)
                        .bind(collection)
                        .bind(key),
                };
                statement.execute(&mut *tx).await?;
            }
        }
        for (journal, appended) in &batch.journals {
            for (number, entry) in &appended.entries {
                sqlx::query("INSERT OR REPLACE INTO entries (tenancy, journal, number, entry) VALUES (?1, ?2, ?3, ?4)")
                    .bind(tenancy)
                    .bind(journal)
                    .bind(i64::try_from(*number).unwrap_or(i64::MAX))
                    .bind(entry)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM entries WHERE tenancy = ?1 AND journal = ?2 AND number < ?3")
                .bind(tenancy)
                .bind(journal)
                .bind(i64::try_from(appended.first_kept).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}

/// A tenancy's saved state as read back.
struct Saved {
    state: String,
    rows: Vec<(String, String, String)>,
    entries: Vec<(String, i64, String)>,
}

/// What one save writes: the small state whole, the changed rows, the new and changed entries.
struct Batch {
    rest: String,
    rows: Vec<(&'static str, Vec<Change>)>,
    journals: Vec<(&'static str, Appended)>,
}

/// The collections saved row by row, by the name their rows carry.
fn collections(world: &mut World) -> [(&'static str, &mut dyn Rows); 4] {
    [
        ("rule", &mut world.events.rules),
        ("topic", &mut world.ons.topics),
        ("subscription", &mut world.ons.subscriptions),
        ("retry_token", &mut world.retry_tokens),
    ]
}

/// The logs saved entry by entry, by the name their entries carry.
fn journals<'a>(world: &'a mut World, log: &'a mut Log) -> [(&'static str, &'a mut dyn Entries); 4] {
    [
        ("audit", &mut world.audit.events),
        ("emitted", &mut world.events.emitted),
        ("delivery", &mut log.deliveries),
        ("outbox", &mut log.outbox),
    ]
}

impl Batch {
    /// Takes what changed since the last save (called under the state's locks). If anything
    /// cannot be serialised, nothing is taken.
    fn take(world: &mut World, log: &mut Log) -> Result<Self, serde_json::Error> {
        let rest = serde_json::to_string(&SnapshotRef { world, log })?;
        let mut failure = None;
        let mut rows = Vec::new();
        for (name, collection) in collections(world) {
            match collection.take_changes() {
                Ok(changes) => rows.push((name, changes)),
                Err(err) => failure = failure.or(Some(err)),
            }
        }
        let mut taken = Vec::new();
        for (name, journal) in journals(world, log) {
            match journal.take() {
                Ok(appended) => taken.push((name, appended)),
                Err(err) => failure = failure.or(Some(err)),
            }
        }
        let batch = Self { rest, rows, journals: taken };
        match failure {
            None => Ok(batch),
            Some(err) => {
                batch.put_back(world, log);
                Err(err)
            }
        }
    }

    /// The save failed: everything in it is unsaved again.
    fn put_back(self, world: &mut World, log: &mut Log) {
        for (name, changes) in self.rows {
            if let Some((_, collection)) = collections(world).into_iter().find(|(n, _)| *n == name) {
                collection.unsaved(changes.into_iter().map(|(key, _)| key).collect());
            }
        }
        for (name, appended) in self.journals {
            if let Some((_, journal)) = journals(world, log).into_iter().find(|(n, _)| *n == name) {
                journal.put_back(&appended);
            }
        }
    }
}

impl Sandbox {
    /// Restores what `store` holds of this tenancy (if anything) and saves every later change there.
    pub async fn persist_to(&self, store: Store) -> Result<(), PersistError> {
        let fail = |reason: String| PersistError { path: PathBuf::from("sandbox.db"), reason };
        let unreadable = |err: serde_json::Error| {
            fail(format!("the saved state is unreadable ({err}); move the file aside to start afresh"))
        };
        if let Some(saved) = store.load(&self.store_key()).await.map_err(|err| fail(err.to_string()))? {
            let mut snapshot: Snapshot = serde_json::from_str(&saved.state).map_err(unreadable)?;
            let world = &mut snapshot.world;
            for (name, key, value) in saved.rows {
                let Some((_, collection)) = collections(world).into_iter().find(|(n, _)| *n == name) else {
                    return Err(fail(format!("rows of an unknown collection \"{name}\"")));
                };
                collection.restore(key, &value).map_err(unreadable)?;
            }
            for (name, number, entry) in saved.entries {
                let Some((_, journal)) = journals(world, &mut snapshot.log).into_iter().find(|(n, _)| *n == name)
                else {
                    return Err(fail(format!("entries of an unknown journal \"{name}\"")));
                };
                journal.restore_entry(u64::try_from(number).unwrap_or(0), &entry).map_err(unreadable)?;
            }
            *self.world() = snapshot.world;
            *self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner) = snapshot.log;
        }
        self.attach(store);
        // A file from before rows were saved one by one is rewritten in the new form at once.
        self.save_now().await;
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
        // Group commit: a request made while another save is writing waits for its turn, and
        // one save then covers every request made before it took its batch. Concurrent writes
        // cost one transaction (and one fsync) between them, not one each.
        let request = self.inner.save_requests.fetch_add(1, Ordering::SeqCst) + 1;
        let mut covered = self.inner.saving.lock().await;
        if *covered >= request {
            return;
        }
        let covering = self.inner.save_requests.load(Ordering::SeqCst);
        let batch = {
            let mut world = self.world();
            let mut log = self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner);
            Batch::take(&mut world, &mut log)
        };
        match batch {
            Ok(batch) => match store.write(&self.store_key(), &batch).await {
                Ok(()) => *covered = covering,
                Err(err) => {
                    tracing::error!(%err, "the sandbox state could not be saved; it is tried again with the next change");
                    let mut world = self.world();
                    batch.put_back(
                        &mut world,
                        &mut self.inner.deliveries.lock().unwrap_or_else(PoisonError::into_inner),
                    );
                }
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::SandboxConfig;
    use crate::sandbox::audit::state::AuditedCall;

    fn topic(name: &str) -> crate::oci::ons::CreateTopicDetails {
        crate::oci::ons::CreateTopicDetails {
            name: name.into(),
            compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
            description: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
        }
    }

    fn call(n: usize) -> AuditedCall {
        AuditedCall {
            source: "NotificationApi",
            operation: "GetTopic",
            compartment_id: "ocid1.compartment.oc1..sandboxdev".into(),
            resource_id: Some(format!("topic-{n}")),
            resource_name: None,
            key_id: None,
            request_id: format!("request-{n}"),
            path: "/".into(),
            method: "GET".into(),
            status: 200,
        }
    }

    async fn count(store: &Store, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}")).fetch_one(&store.pool).await.unwrap()
    }

    /// Restarts restore each row; a save writes only what changed since the one before.
    #[tokio::test]
    async fn saves_write_changed_rows_and_restarts_restore_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sandbox.db");
        let store = Store::open(&path).await.unwrap();
        let sandbox = crate::sandbox::Sandbox::new(SandboxConfig::default());
        sandbox.persist_to(store.clone()).await.unwrap();
        let (kept, _) = sandbox.world().create_topic(topic("kept"), Some("token-1"), "").unwrap();
        let (gone, _) = sandbox.world().create_topic(topic("gone"), None, "").unwrap();
        for n in 0..3 {
            sandbox.world().record_call(call(n));
        }
        sandbox.save_now().await;
        assert_eq!(count(&store, "resources").await, 3, "two topics and a retry token");
        assert_eq!(count(&store, "entries").await, 3);

        // Nothing changed: nothing is taken; one delete: one row goes.
        assert!(sandbox.world().ons.topics.take_changes().unwrap().is_empty());
        sandbox.world().delete_topic(&gone.topic_id, None).unwrap();
        assert_eq!(sandbox.world().ons.topics.take_changes().unwrap().len(), 1);
        sandbox.world().ons.topics.unsaved(vec![gone.topic_id.clone()]);
        sandbox.world().record_call(call(3));
        sandbox.save_now().await;
        assert_eq!(count(&store, "resources").await, 2);
        assert_eq!(count(&store, "entries").await, 4);

        let again = crate::sandbox::Sandbox::new(SandboxConfig::default());
        again.persist_to(Store::open(&path).await.unwrap()).await.unwrap();
        let world = again.world();
        assert_eq!(world.get_topic(&kept.topic_id).unwrap().0.name, "kept");
        assert!(world.get_topic(&gone.topic_id).is_err(), "a deleted topic stays deleted");
        let ids: Vec<_> = world.audit.events.iter().filter_map(|e| e.data.resource_id.clone()).collect();
        assert_eq!(ids, ["topic-0", "topic-1", "topic-2", "topic-3"]);
        drop(world);
        // The retry token came back too: the same create answers with the same topic.
        let (replayed, _) = again.world().create_topic(topic("kept"), Some("token-1"), "").unwrap();
        assert_eq!(replayed.topic_id, kept.topic_id);
    }

    /// A file written when the whole state was one JSON row is read, and rewritten row by row.
    #[tokio::test]
    async fn a_whole_state_file_is_read_and_rewritten_as_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sandbox.db");
        let sandbox = crate::sandbox::Sandbox::new(SandboxConfig::default());
        let (made, _) = sandbox.world().create_topic(topic("old-form"), None, "").unwrap();
        sandbox.world().record_call(call(0));
        let mut old = {
            let world = sandbox.world();
            serde_json::to_value(SnapshotRef { world: &world, log: &Log::default() }).unwrap()
        };
        let row = sandbox.world().ons.topics.take_changes().unwrap().remove(0).1.unwrap();
        let event = serde_json::to_value(sandbox.world().audit.events.iter().next().unwrap()).unwrap();
        old["world"]["ons"]["topics"] =
            serde_json::json!({ made.topic_id.clone(): serde_json::from_str::<serde_json::Value>(&row).unwrap() });
        old["world"]["audit"]["events"] = serde_json::json!([event]);
        let store = Store::open(&path).await.unwrap();
        sqlx::query("INSERT INTO tenancies (tenancy, state, saved_at) VALUES (?1, ?2, 'then')")
            .bind(sandbox.tenancy())
            .bind(old.to_string())
            .execute(&store.pool)
            .await
            .unwrap();

        let restored = crate::sandbox::Sandbox::new(SandboxConfig::default());
        restored.persist_to(store.clone()).await.unwrap();
        assert_eq!(restored.world().get_topic(&made.topic_id).unwrap().0.name, "old-form");
        assert_eq!(restored.world().audit.events.iter().count(), 1);
        assert_eq!(count(&store, "resources").await, 1, "the topic is a row now");
        assert_eq!(count(&store, "entries").await, 1);
        let rest: String = sqlx::query_scalar("SELECT state FROM tenancies").fetch_one(&store.pool).await.unwrap();
        assert!(!rest.contains("old-form"), "the whole-state row no longer holds the topic");
    }
}
