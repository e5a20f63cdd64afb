//! A throwaway PostgreSQL for tests: `initdb` into a temporary directory, `postgres` on a free
//! loopback port, removed when dropped. Uses Debian's packages (`.ci/setup` installs them); run as
//! root, the server runs as `nobody`, since PostgreSQL refuses to run as root.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running PostgreSQL server of its own.
pub struct Postgres {
    child: Child,
    /// `postgres://…` of its `signalbox` database.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory with `initdb`, `postgres` and `createdb`: on `PATH`, else the newest of Debian's.
fn bin_dir() -> PathBuf {
    let complete = |dir: &PathBuf| ["initdb", "postgres", "createdb"].iter().all(|program| dir.join(program).is_file());
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(complete);
    let debian = || {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .filter(complete)
            .collect();
        versions.sort();
        versions.pop()
    };
    on_path
        .or_else(debian)
        .expect("PostgreSQL's initdb and postgres (Debian: apt-get install postgresql; .ci/setup does)")
}

/// `program` from PostgreSQL's directory, run as `nobody` when this process is root.
fn command(bin: &Path, program: &str) -> Command {
    if rustix::process::geteuid().is_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

/// Starts a fresh PostgreSQL with an empty `signalbox` database, in the C locale (byte order, as
/// SQLite compares text).
pub fn start() -> Postgres {
    let bin = bin_dir();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).expect("chown to nobody");
    }
    let made = command(&bin, "initdb")
        .args(["--auth=trust", "--username=signalbox", "--encoding=UTF8", "--locale=C", "--no-sync", "-D"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .expect("initdb runs");
    assert!(made.status.success(), "initdb: {}", String::from_utf8_lossy(&made.stderr));
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = command(&bin, "postgres")
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
        .arg("-k")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
    let mut server = Postgres { child, url: format!("postgres://signalbox@127.0.0.1:{port}/signalbox"), _dir: dir };
    let started = Instant::now();
    loop {
        let created = command(&bin, "createdb")
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "signalbox", "signalbox"])
            .output()
            .expect("createdb runs");
        if created.status.success() {
            return server;
        }
        if let Some(status) = server.child.try_wait().expect("postgres is watched") {
            panic!("postgres exited with {status} before it accepted connections");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "postgres did not start within 30 s: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
