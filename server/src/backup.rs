//! Backups and restores of a data directory, online.
//!
//! A backup is one gzipped tar file holding a consistent copy of each database (`signalbox.db`,
//! and `sandbox.db` when the embedded sandbox keeps its state) taken with `VACUUM INTO` while the
//! server runs, and a `manifest.json` saying what it holds: the Signalbox version, the schema
//! version, the audit chain's row count and head, and the master key's fingerprint. The master key
//! itself is never in a backup (a backup is a copy that travels; the key would open every stored
//! private key in it): [`take`] warns and names the key to keep apart.
//!
//! Each database is copied as of one transaction. The two are copied one after the other, so a
//! write to the sandbox between the two copies may be in one and not the other: the sandbox stands
//! in for the cloud, which a restore does not roll back either.
//!
//! A restore checks everything before it replaces anything: the archive holds only the files a
//! backup holds, each database passes SQLite's integrity check, the schema is one this build knows
//! (an older one is upgraded when the server starts, with its own pre-upgrade copy), and the audit
//! chain verifies. It takes the data directory's lock, so it cannot run under a live server, and
//! moves what it replaces aside instead of deleting it.

use crate::data_dir::{DATABASE_FILE, DataDir, DataDirError};
use crate::db::{self, DbError, OpenError, sqlite, upgrade};
use crate::master_key::{MasterKey, MasterKeyError};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The embedded sandbox's database inside the data directory.
pub const SANDBOX_FILE: &str = "sandbox.db";
/// The manifest's name inside a backup.
const MANIFEST: &str = "manifest.json";
/// The backup format this build writes and reads.
const FORMAT: u32 = 1;
/// Scheduled backups' names: `signalbox-<time>.tar.gz`.
const SCHEDULED_PREFIX: &str = "signalbox-";
const SCHEDULED_SUFFIX: &str = ".tar.gz";

/// What a backup holds, written into it as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup format.
    pub format: u32,
    /// The Signalbox version that took it.
    pub signalbox_version: String,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// The database files it holds.
    pub databases: Vec<String>,
    /// The newest migration applied to `signalbox.db`.
    pub schema_version: i64,
    /// Rows in the audit trail's chain.
    pub audit_rows: i64,
    /// The chain's head hash.
    pub audit_head: String,
    /// The fingerprint of the master key the stored secrets are sealed with (not the key).
    pub master_key_fingerprint: Option<String>,
}

/// Why a backup or a restore did not happen. Nothing was replaced in either case.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The data directory is not usable, or a server holds it.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// A database cannot be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A database cannot be read or copied.
    #[error("cannot {doing}: {source}")]
    Database {
        /// What was being done.
        doing: String,
        /// What SQLite said.
        source: DbError,
    },
    /// A file cannot be read or written.
    #[error("cannot {doing}: {source}")]
    File {
        /// What was being done.
        doing: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The master key cannot be read.
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    /// The backup failed a check; the message says which and what to do.
    #[error("{0}")]
    Refused(String),
}

impl BackupError {
    fn file(doing: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let doing = doing.into();
        move |source| Self::File { doing, source }
    }

    fn database(doing: impl Into<String>) -> impl FnOnce(DbError) -> Self {
        let doing = doing.into();
        move |source| Self::Database { doing, source }
    }
}

/// A backup written.
#[derive(Debug)]
pub struct Taken {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its size in bytes.
    pub bytes: u64,
    /// What the operator must do besides keeping the file (the master key).
    pub warnings: Vec<String>,
}

/// Takes a backup of `data_dir` into `to` (written whole or not at all), while a server may run.
pub async fn take(data_dir: &Path, to: &Path, env_key: Option<&SecretString>) -> Result<Taken, BackupError> {
    let main = data_dir.join(DATABASE_FILE);
    if !main.exists() {
        return Err(OpenError::Missing(main).into());
    }
    let parent = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".signalbox-backup-")
        .tempdir_in(&parent)
        .map_err(BackupError::file(format!("make a staging directory in {}", parent.display())))?;
    let mut databases = Vec::new();
    for name in [DATABASE_FILE, SANDBOX_FILE] {
        let source = data_dir.join(name);
        if name != DATABASE_FILE && !source.exists() {
            continue;
        }
        let pool = db::open_read_only(&source).await?;
        let copied = sqlite::vacuum_into(&pool, &staging.path().join(name)).await;
        pool.close().await;
        copied.map_err(BackupError::database(format!("copy {}", source.display())))?;
        databases.push(name.to_owned());
    }
    let copy = db::open_read_only(&staging.path().join(DATABASE_FILE)).await?;
    let described = describe(&copy).await;
    copy.close().await;
    let (schema_version, head) = described?;
    let key = MasterKey::existing(data_dir, env_key)?;
    let mut warnings = Vec::new();
    if let Some(key) = &key {
        let kept = if env_key.is_some() {
            "SIGNALBOX_MASTER_KEY".to_owned()
        } else {
            data_dir.join("master.key").display().to_string()
        };
        warnings.push(format!(
            "the master key is not in the backup: keep {kept} (fingerprint {}) safe apart from it; without it the \
             restored connections' private keys cannot be decrypted",
            key.fingerprint()
        ));
    }
    let manifest = Manifest {
        format: FORMAT,
        signalbox_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: Utc::now(),
        databases,
        schema_version,
        audit_rows: head.rows,
        audit_head: head.last_hash,
        master_key_fingerprint: key.as_ref().map(|key| key.fingerprint().to_owned()),
    };
    let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(|err| BackupError::Refused(err.to_string()))?;
    std::fs::write(staging.path().join(MANIFEST), manifest_json).map_err(BackupError::file("write the manifest"))?;
    let bytes = write_archive(staging.path(), &manifest.databases, to)?;
    Ok(Taken { manifest, bytes, warnings })
}

/// The schema version and audit head of a database copy.
async fn describe(pool: &crate::db::Pool) -> Result<(i64, db::audit_events::Head), BackupError> {
    let problems = sqlite::integrity_problems(pool).await.map_err(BackupError::database("check the copy"))?;
    if let Some(problem) = problems.first() {
        return Err(BackupError::Refused(format!("the copy failed SQLite's integrity check: {problem}")));
    }
    let applied = sqlite::applied_migrations(pool).await.map_err(BackupError::database("read the schema version"))?;
    let head = db::audit_events::head(pool).await.map_err(BackupError::database("read the audit chain's head"))?;
    Ok((applied.last().map_or(0, |(version, _)| *version), head))
}

/// Writes the manifest and databases in `staging` to `to` as a gzipped tar, through a partial
/// file renamed into place once synced.
fn write_archive(staging: &Path, databases: &[String], to: &Path) -> Result<u64, BackupError> {
    let mut partial_name = to.file_name().unwrap_or_default().to_os_string();
    partial_name.push(".partial");
    let partial = to.with_file_name(partial_name);
    let written = (|| -> std::io::Result<u64> {
        let file = File::create(&partial)?;
        let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()));
        for name in std::iter::once(MANIFEST).chain(databases.iter().map(String::as_str)) {
            archive.append_path_with_name(staging.join(name), name)?;
        }
        let file = archive.into_inner()?.finish()?;
        file.sync_all()?;
        let bytes = file.metadata()?.len();
        std::fs::rename(&partial, to)?;
        Ok(bytes)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written.map_err(BackupError::file(format!("write {}", to.display())))
}

/// A backup restored.
#[derive(Debug)]
pub struct Restored {
    /// Its manifest.
    pub manifest: Manifest,
    /// Where the files it replaced were moved, if it replaced any.
    pub replaced: Option<PathBuf>,
    /// What the operator must do before starting the server (the master key).
    pub warnings: Vec<String>,
}

/// Restores the backup `from` into `data_dir` after checking it (see the module docs). With
/// `replace`, databases already there are moved to `data_dir/replaced-<time>/`; without it, a data
/// directory that holds a database is refused.
pub async fn restore(
    from: &Path,
    data_dir: &Path,
    replace: bool,
    env_key: Option<&SecretString>,
) -> Result<Restored, BackupError> {
    let dir = DataDir::prepare(data_dir)?;
    let _lock = dir.lock()?;
    if !replace && dir.database_path().exists() {
        return Err(BackupError::Refused(format!(
            "{} already holds a database; pass --replace to restore over it (its files are moved to a replaced-<time> \
             directory beside them, not deleted), or restore into an empty directory",
            dir.path().display()
        )));
    }
    let staging = tempfile::Builder::new()
        .prefix(".signalbox-restore-")
        .tempdir_in(dir.path())
        .map_err(BackupError::file(format!("make a staging directory in {}", dir.path().display())))?;
    unpack(from, staging.path())?;
    let manifest = read_manifest(staging.path())?;
    for name in &manifest.databases {
        if !staging.path().join(name).exists() {
            return Err(BackupError::Refused(format!("the backup's manifest lists {name} but the backup lacks it")));
        }
        let pool = db::open_read_only(&staging.path().join(name)).await?;
        let checked = check(&pool, name, &manifest).await;
        pool.close().await;
        checked?;
    }
    let mut warnings = Vec::new();
    let key = MasterKey::existing(dir.path(), env_key)?;
    match (&manifest.master_key_fingerprint, &key) {
        (Some(wanted), None) => warnings.push(format!(
            "no master key here: put the key the backup was taken with (fingerprint {wanted}) in {} or \
             SIGNALBOX_MASTER_KEY before starting the server; a new key cannot decrypt the connections' private keys",
            dir.path().join("master.key").display()
        )),
        (Some(wanted), Some(key)) if wanted != key.fingerprint() => warnings.push(format!(
            "the master key here (fingerprint {}) is not the one the backup's secrets are sealed with ({wanted}): \
             put the right key in place before starting the server, or re-enter the connections' private keys",
            key.fingerprint()
        )),
        _ => {}
    }
    let replaced = if dir.database_path().exists() || dir.path().join(SANDBOX_FILE).exists() {
        let aside = dir.path().join(format!("replaced-{}", Utc::now().format("%Y%m%dT%H%M%SZ")));
        std::fs::create_dir(&aside).map_err(BackupError::file(format!("make {}", aside.display())))?;
        for name in [DATABASE_FILE, SANDBOX_FILE] {
            for suffix in ["", "-wal", "-shm"] {
                let file = dir.path().join(format!("{name}{suffix}"));
                if file.exists() {
                    std::fs::rename(&file, aside.join(format!("{name}{suffix}")))
                        .map_err(BackupError::file(format!("move {} aside", file.display())))?;
                }
            }
        }
        Some(aside)
    } else {
        None
    };
    for name in &manifest.databases {
        std::fs::rename(staging.path().join(name), dir.path().join(name))
            .map_err(BackupError::file(format!("put {name} in place")))?;
    }
    File::open(dir.path())
        .and_then(|dir| dir.sync_all())
        .map_err(BackupError::file(format!("sync {}", dir.path().display())))?;
    Ok(Restored { manifest, replaced, warnings })
}

/// Unpacks the archive into `staging`, accepting only the files a backup holds, by plain name (no
/// paths, links or devices: an archive is input from outside).
fn unpack(from: &Path, staging: &Path) -> Result<(), BackupError> {
    let not_a_backup = |why: String| {
        BackupError::Refused(format!("{} is not a Signalbox backup ({why}); check the file", from.display()))
    };
    let file = File::open(from).map_err(BackupError::file(format!("open {}", from.display())))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let entries = archive.entries().map_err(|err| not_a_backup(err.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| not_a_backup(err.to_string()))?;
        let name = entry.path().map_err(|err| not_a_backup(err.to_string()))?.to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file() || ![MANIFEST, DATABASE_FILE, SANDBOX_FILE].contains(&name.as_str()) {
            return Err(not_a_backup(format!("it holds {name:?}")));
        }
        let mut out = File::create(staging.join(&name)).map_err(BackupError::file(format!("unpack {name}")))?;
        std::io::copy(&mut entry, &mut out).map_err(|err| not_a_backup(err.to_string()))?;
        out.flush().and_then(|()| out.sync_all()).map_err(BackupError::file(format!("unpack {name}")))?;
    }
    Ok(())
}

fn read_manifest(staging: &Path) -> Result<Manifest, BackupError> {
    let text = std::fs::read(staging.join(MANIFEST))
        .map_err(|_| BackupError::Refused("the backup has no manifest.json; it is not a Signalbox backup".into()))?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|err| BackupError::Refused(format!("the backup's manifest.json cannot be read ({err})")))?;
    if manifest.format != FORMAT {
        return Err(BackupError::Refused(format!(
            "the backup is in format {} (this Signalbox reads format {FORMAT}); restore it with the version that took it ({})",
            manifest.format, manifest.signalbox_version
        )));
    }
    if !manifest.databases.iter().any(|name| name == DATABASE_FILE) {
        return Err(BackupError::Refused("the backup's manifest does not list signalbox.db".into()));
    }
    Ok(manifest)
}

/// A restored database's checks: integrity, and for the main one, schema and audit chain.
async fn check(pool: &crate::db::Pool, name: &str, manifest: &Manifest) -> Result<(), BackupError> {
    let problems = sqlite::integrity_problems(pool).await.map_err(BackupError::database(format!("check {name}")))?;
    if let Some(problem) = problems.first() {
        return Err(BackupError::Refused(format!("{name} in the backup fails SQLite's integrity check: {problem}")));
    }
    if name != DATABASE_FILE {
        return Ok(());
    }
    upgrade::pending(pool, &db::MIGRATOR).await.map_err(|err| BackupError::Refused(format!("{name}: {err}")))?;
    let verified =
        db::audit_events::verify(pool, Vec::new()).await.map_err(BackupError::database("verify the audit chain"))?;
    if let Some(broken) = verified.broken {
        return Err(BackupError::Refused(format!("the backup's audit chain is broken: {broken}")));
    }
    if verified.head != manifest.audit_head {
        return Err(BackupError::Refused(format!(
            "the backup's audit chain ends at {} but its manifest names {}: the database is not the one backed up",
            verified.head, manifest.audit_head
        )));
    }
    Ok(())
}

/// Scheduled backups (`--backup-every`, `--backup-dir`, `--backup-keep`).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Time between two backups.
    pub every: Duration,
    /// Where they are written.
    pub dir: PathBuf,
    /// How many are kept; older ones are removed.
    pub keep: usize,
}

/// Takes a backup every `schedule.every` into `schedule.dir`, keeping the newest `keep`. The
/// first one comes when the newest already there is `every` old, so a server that restarts often
/// neither skips backups nor piles them up (and prunes good old ones).
pub async fn keep_taking(data_dir: PathBuf, schedule: Schedule, env_key: Option<SecretString>) {
    loop {
        let age = newest_age(&schedule.dir).unwrap_or(schedule.every);
        tokio::time::sleep(schedule.every.saturating_sub(age)).await;
        if let Err(err) = std::fs::create_dir_all(&schedule.dir) {
            tracing::error!(dir = %schedule.dir.display(), %err, "cannot make the backup directory");
            tokio::time::sleep(schedule.every).await;
            continue;
        }
        let name = format!("{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}", Utc::now().format("%Y%m%dT%H%M%SZ"));
        let to = schedule.dir.join(name);
        match take(&data_dir, &to, env_key.as_ref()).await {
            Ok(taken) => {
                metrics::counter!("signalbox_backups_total", "result" => "ok").increment(1);
                tracing::info!(file = %to.display(), bytes = taken.bytes, audit_rows = taken.manifest.audit_rows, "backup taken");
                prune(&schedule);
            }
            Err(err) => {
                metrics::counter!("signalbox_backups_total", "result" => "failed").increment(1);
                tracing::error!(file = %to.display(), %err, "scheduled backup failed");
                // Not again at once: a full disk would otherwise be retried in a loop.
                tokio::time::sleep(schedule.every.min(Duration::from_secs(600))).await;
            }
        }
    }
}

/// Scheduled backups in `dir`, oldest first (their names sort by time).
fn scheduled(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        })
        .collect();
    files.sort();
    files
}

fn newest_age(dir: &Path) -> Option<Duration> {
    let newest = scheduled(dir).pop()?;
    std::fs::metadata(newest).ok()?.modified().ok()?.elapsed().ok()
}

/// Removes the oldest scheduled backups beyond `keep`.
fn prune(schedule: &Schedule) {
    let files = scheduled(&schedule.dir);
    let excess = files.len().saturating_sub(schedule.keep.max(1));
    for old in &files[..excess] {
        if let Err(err) = std::fs::remove_file(old) {
            tracing::warn!(file = %old.display(), %err, "cannot remove an old backup");
        }
    }
}
