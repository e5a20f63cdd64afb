//! Upgrading a database to this build's schema without risking it.
//!
//! Migrations never run on the live file. When an existing database lacks some of this build's
//! migrations, two consistent copies are taken with `VACUUM INTO` (which reads through the
//! write-ahead log): a backup kept next to the database (`signalbox.db.pre-upgrade-<from>-<time>`),
//! and a work copy the migrations run on. Only when every migration succeeded is the old file's
//! log folded into it and the work copy renamed over it (atomically). A migration that fails
//! leaves the database and its log byte for byte as they were, and says where the backup is.
//! Callers hold the data directory's lock, so nothing writes the old file in between.

use super::Pool;
use super::{OpenError, sqlite};
use sqlx::migrate::{Migration, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};

/// Where a database stands against a build's migrations.
#[derive(Debug)]
pub struct Pending<'m> {
    /// The newest migration applied, 0 for none.
    pub current: i64,
    /// What would run, oldest first.
    pub migrations: Vec<&'m Migration>,
}

/// What [`pending`] found wrong with the applied migrations.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The database was migrated by a newer build.
    #[error(
        "it was migrated by a newer Signalbox (migration {0} is unknown to this version); run that version or restore a backup"
    )]
    Newer(i64),
    /// A migration applied differs from this build's.
    #[error("migration {0} differs from the one applied to this database; this build is inconsistent with the data")]
    Changed(i64),
    /// The migration table cannot be read.
    #[error("its migrations cannot be read: {0}")]
    Unreadable(super::DbError),
}

/// The migrations of `migrator` that `pool`'s database lacks, after checking that every applied
/// one is known and unchanged.
pub async fn pending<'m>(pool: &Pool, migrator: &'m Migrator) -> Result<Pending<'m>, SchemaError> {
    let applied = sqlite::applied_migrations(pool).await.map_err(SchemaError::Unreadable)?;
    let known = |version: i64| migrator.iter().find(|m| m.version == version && !m.migration_type.is_down_migration());
    for (version, checksum) in &applied {
        match known(*version) {
            None => return Err(SchemaError::Newer(*version)),
            Some(migration) if migration.checksum.as_ref() != checksum.as_slice() => {
                return Err(SchemaError::Changed(*version));
            }
            Some(_) => {}
        }
    }
    let current = applied.last().map_or(0, |(version, _)| *version);
    let migrations = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.iter().any(|(v, _)| *v == m.version))
        .collect();
    Ok(Pending { current, migrations })
}

/// Reads where the existing database at `path` stands, without writing to it.
pub async fn pending_at<'m>(path: &Path, migrator: &'m Migrator) -> Result<Pending<'m>, OpenError> {
    let pool = super::open_read_only(path).await?;
    let found = pending(&pool, migrator).await;
    pool.close().await;
    found.map_err(|err| OpenError::Migrate { path: path.to_path_buf(), reason: err.to_string() })
}

/// Brings the existing database at `path` to `migrator`'s schema as the module docs describe;
/// returns the backup's path, or `None` when nothing was pending (and nothing was written).
pub async fn upgrade(path: &Path, migrator: &Migrator) -> Result<Option<PathBuf>, OpenError> {
    let pending = pending_at(path, migrator).await?;
    // Nothing pending, or nothing there yet to keep (a new, empty file is simply migrated).
    if pending.migrations.is_empty() || pending.current == 0 {
        return Ok(None);
    }
    let fail = |reason: String| OpenError::Migrate { path: path.to_path_buf(), reason };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let backup = sibling(path, &format!("pre-upgrade-{}-{stamp}", pending.current));
    let work = sibling(path, "upgrading");
    remove_with_journals(&work).map_err(|err| fail(format!("cannot remove {} ({err})", work.display())))?;

    // Read through its write-ahead log, the copies hold every commit.
    let original = super::open_read_only(path).await?;
    let copied = async {
        sqlite::vacuum_into(&original, &backup).await?;
        sqlite::vacuum_into(&original, &work).await
    }
    .await;
    original.close().await;
    copied.map_err(|err| fail(format!("cannot copy it before the upgrade ({err})")))?;
    tracing::info!(
        backup = %backup.display(),
        from = pending.current,
        migrations = pending.migrations.len(),
        "database backed up before its upgrade"
    );

    let migrated = async {
        let pool = super::sqlite_pool(&work, super::SqliteAccess::Write, 1).await.map_err(|err| err.to_string())?;
        let ran = migrator.run(&pool).await.map_err(super::explain_migrate_error);
        pool.close().await;
        ran
    }
    .await;
    if let Err(reason) = migrated {
        let _ = remove_with_journals(&work);
        return Err(fail(format!(
            "{reason}; the database was left as it was (a copy taken before the upgrade is {})",
            backup.display()
        )));
    }
    // A log beside the old file belongs to it: folded in now (same content), it cannot be
    // replayed into the upgraded file after the rename.
    if std::fs::metadata(journal(path, "-wal")).is_ok_and(|wal| wal.len() > 0) {
        fold_wal(path).await.map_err(|err| fail(format!("cannot checkpoint its write-ahead log ({err})")))?;
    }
    std::fs::rename(&work, path).map_err(|err| fail(format!("cannot put the upgraded copy in place ({err})")))?;
    // The old file's shared-memory index describes a log that no longer exists.
    let _ = std::fs::remove_file(journal(path, "-shm"));
    Ok(Some(backup))
}

/// Folds the write-ahead log into the database file, so one file holds every commit.
async fn fold_wal(path: &Path) -> Result<(), sqlx::Error> {
    let mut conn = SqliteConnectOptions::new().filename(path).connect().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
    conn.close().await
}

/// `signalbox.db` → `signalbox.db.<suffix>`, in the same directory (so a rename is atomic).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn journal(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a database file and its journals, if present.
fn remove_with_journals(path: &Path) -> std::io::Result<()> {
    for file in [path.to_path_buf(), journal(path, "-wal"), journal(path, "-shm"), journal(path, "-journal")] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
