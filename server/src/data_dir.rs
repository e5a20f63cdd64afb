//! The data directory: where the database (and later keys and inbox payloads) live.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// File name of the SQLite database inside the data directory.
/// Name of the SQLite database file inside the data directory.
pub const DATABASE_FILE: &str = "signalbox.db";

/// A held lock on a data directory: one server (or restore) at a time. Released when dropped, and
/// by the kernel when the process ends, however it ends.
#[derive(Debug)]
pub struct DirLock {
    _file: fs::File,
}

/// A data directory that existed (or was created) and accepted a write when it was opened.
#[derive(Debug, Clone)]
pub struct DataDir {
    path: PathBuf,
}

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("data directory {path} is not usable: {reason}")]
pub struct DataDirError {
    path: PathBuf,
    reason: String,
}

impl DataDir {
    /// Creates the directory if it is missing and proves it is writable, without touching any
    /// file that is already there.
    pub fn prepare(path: &Path) -> Result<Self, DataDirError> {
        let fail = |reason: String| DataDirError { path: path.to_path_buf(), reason };
        match fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => return Err(fail("it exists but is not a directory".into())),
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(path).map_err(|err| fail(format!("cannot create it ({err})")))?;
            }
            Err(err) if err.kind() == io::ErrorKind::NotADirectory => {
                return Err(fail(format!("part of its path is a file, not a directory ({err})")));
            }
            Err(err) => return Err(fail(format!("cannot read it ({err})"))),
        }
        let path = fs::canonicalize(path).map_err(|err| fail(format!("cannot resolve it ({err})")))?;
        let dir = Self { path };
        dir.probe_write()
            .map_err(|err| fail(format!("cannot write to it ({err}); check its owner and permissions")))?;
        Ok(dir)
    }

    /// Takes the directory's lock, or says that another process holds it (a server running on
    /// it, or a restore in progress). The lock is on the directory itself (`flock` of its open
    /// descriptor), so it adds no file, and a crashed process cannot leave it behind.
    pub fn lock(&self) -> Result<DirLock, DataDirError> {
        let fail = |reason: String| DataDirError { path: self.path.clone(), reason };
        let file = fs::File::open(&self.path).map_err(|err| fail(format!("cannot open it to lock it ({err})")))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(DirLock { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) => Err(fail(
                "another Signalbox process is using it (a server, or a restore); stop it first, or choose another --data-dir"
                    .into(),
            )),
            Err(err) => Err(fail(format!("cannot lock it ({err})"))),
        }
    }

    /// Absolute path of the directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Path of the SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.path.join(DATABASE_FILE)
    }

    /// Writes, syncs and removes a small file: the only honest test of writability (permissions,
    /// read-only mounts and full disks all show up here).
    pub fn probe_write(&self) -> io::Result<()> {
        // Unique per call: concurrent probes must not remove each other's file.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let probe = self.path.join(format!(".write-probe-{}-{n}", std::process::id()));
        let result = OpenOptions::new().write(true).create(true).truncate(true).open(&probe).and_then(|mut file| {
            file.write_all(b"signalbox")?;
            file.sync_all()
        });
        let removed = fs::remove_file(&probe);
        result.and(removed)
    }

    /// Bytes available to this process on the file system holding the directory.
    pub fn free_bytes(&self) -> Option<u64> {
        let stat = rustix::fs::statvfs(&self.path).ok()?;
        stat.f_bavail.checked_mul(stat.f_frsize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_missing_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::prepare(&tmp.path().join("a/b")).unwrap();
        assert!(dir.path().is_absolute());
        assert!(dir.path().is_dir());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "the write probe is removed");
        assert!(dir.free_bytes().is_some_and(|n| n > 0));
    }

    #[test]
    fn concurrent_probes_do_not_trip_each_other() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::prepare(tmp.path()).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let dir = dir.clone();
                std::thread::spawn(move || (0..50).all(|_| dir.probe_write().is_ok()))
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap()));
    }

    #[test]
    fn refuses_a_regular_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, "keep me").unwrap();
        let err = DataDir::prepare(&file).unwrap_err().to_string();
        assert!(err.contains("is not a directory"), "{err}");
        assert_eq!(fs::read_to_string(&file).unwrap(), "keep me");
    }

    #[test]
    fn refuses_a_path_below_a_regular_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, "keep me").unwrap();
        let err = DataDir::prepare(&file.join("data")).unwrap_err().to_string();
        assert!(err.contains("part of its path is a file"), "{err}");
    }
}
