//! The `signalbox` binary itself: bad configuration fails at startup with one clear line on
//! standard error and a non-zero exit code, without overwriting anything; a good one serves and
//! stops gracefully on SIGTERM.

mod support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{args, listen_args, signalbox, spawn_serving};

/// Runs to completion, killing the process if it does not exit within 20 s.
fn run(mut command: Command) -> Output {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("signalbox did not exit within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// Asserts a startup failure: non-zero exit and exactly one stderr line containing `needle`.
fn assert_fails_with(output: &Output, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "exit status {:?}, stderr: {stderr}", output.status);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line on stderr, got: {stderr}");
    assert!(stderr.starts_with("signalbox: error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
    stderr
}

/// A port in use is reported with the address and a hint, and the data directory is not created.
#[test]
fn port_in_use_fails_before_touching_the_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data_dir = tmp.path().join("data");
    let output = run(signalbox(&["serve", "--listen", &addr, "--data-dir", data_dir.to_str().unwrap()]));
    let line = assert_fails_with(&output, &format!("cannot listen on {addr}"));
    assert!(line.contains("--listen"), "{line}");
    assert!(!data_dir.exists(), "nothing was created");
}

/// A data directory that is a regular file is refused and the file is left as it was.
#[test]
fn data_dir_that_is_a_file_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("data");
    std::fs::write(&file, "precious").unwrap();
    let output = run(signalbox(&args(&listen_args(&file))));
    assert_fails_with(&output, "is not a directory");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");
}

/// A data directory that cannot be created is refused with the reason.
#[test]
fn data_dir_that_cannot_be_created_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, "").unwrap();
    let output = run(signalbox(&args(&listen_args(&file.join("data")))));
    assert_fails_with(&output, "part of its path is a file, not a directory");
}

/// A read-only data directory is refused. Root ignores permission bits, so the check can only be
/// observed as an ordinary user; as root the other unwritable cases above still run.
#[test]
fn read_only_data_dir_fails() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(dir.join("probe"), "").is_ok() {
        eprintln!("skipping: running as root, permission bits are not enforced");
        return;
    }
    let output = run(signalbox(&args(&listen_args(&dir))));
    assert_fails_with(&output, "cannot write to it");
}

/// A corrupt database file is refused and left byte for byte as it was, with no side files.
#[test]
fn corrupt_database_is_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("signalbox.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&db, &garbage).unwrap();
    let output = run(signalbox(&args(&listen_args(tmp.path()))));
    assert_fails_with(&output, "is not a SQLite database or is corrupt");
    assert!(std::fs::read(&db).unwrap() == garbage, "the file was not modified");
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("signalbox.db")], "no files were added");
}

/// Someone else's SQLite database is refused instead of having Signalbox's tables added to it.
#[test]
fn foreign_sqlite_database_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("signalbox.db");
    sqlite_exec(&db, "create table notes(x)");
    let before = std::fs::read(&db).unwrap();
    let output = run(signalbox(&args(&listen_args(tmp.path()))));
    assert_fails_with(&output, "that Signalbox did not create");
    assert!(std::fs::read(&db).unwrap() == before, "the file was not modified");
}

/// A database migrated by a newer version is refused with a message saying so.
#[test]
fn database_from_a_newer_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    spawn_serving(tmp.path(), &[], &[]).stop();
    let db = tmp.path().join("signalbox.db");
    sqlite_exec(&db, "insert into _sqlx_migrations values (99991231000000, 'future', datetime('now'), 1, x'00', 0)");
    let output = run(signalbox(&args(&listen_args(tmp.path()))));
    assert_fails_with(&output, "migrated by a newer Signalbox (migration 99991231000000");
}

/// A master key that is not 32 bytes of base64 stops startup with the fix, and no key file is
/// written in its place.
#[test]
fn a_malformed_master_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut command = signalbox(&args(&listen_args(tmp.path())));
    command.env("SIGNALBOX_MASTER_KEY", "c2hvcnQ=");
    let output = run(command);
    assert_fails_with(&output, "SIGNALBOX_MASTER_KEY must be 32 random bytes in base64");
    assert!(!tmp.path().join("master.key").exists());
}

/// A database URL that is refused is never repeated (it may hold a password), from the command
/// line or the environment; a PostgreSQL one needs the shared master key.
#[test]
fn database_urls_are_refused_without_their_password() {
    let tmp = tempfile::tempdir().unwrap();
    for url in ["mysql://root:hunter2@db/signalbox", "postgres://root:hunter2@db.internal", "sqlite:x.db?pw=hunter2"] {
        let mut flag = signalbox(&args(&listen_args(tmp.path())));
        flag.args(["--database-url", url]);
        let mut env = signalbox(&args(&listen_args(tmp.path())));
        env.env("SIGNALBOX_DATABASE_URL", url);
        for command in [flag, env] {
            let output = run(command);
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(!output.status.success(), "{url}: {stderr}");
            assert!(stderr.contains("--database-url: "), "{url}: names the setting: {stderr}");
            assert!(!stderr.contains("hunter2"), "{url}: {stderr}");
        }
    }
    let mut command = signalbox(&args(&listen_args(tmp.path())));
    command.env("SIGNALBOX_DATABASE_URL", "postgres://root:hunter2@127.0.0.1:1/signalbox");
    let line = assert_fails_with(&run(command), "SIGNALBOX_MASTER_KEY");
    assert!(!line.contains("hunter2"), "{line}");
}

/// A healthy start serves HTTP, logs JSON when asked, and exits 0 on SIGTERM.
#[test]
fn serves_and_stops_gracefully_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let server = spawn_serving(tmp.path(), &["--log-format", "json"], &[]);
    let response = support::http_get(&server.addr, "/healthz").to_lowercase();
    assert!(response.contains("x-content-type-options: nosniff"), "{response}");
    let stdout = server.stop();
    for line in stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["level"].is_string(), "{line}");
    }
    assert!(stdout.contains("SIGTERM received"), "{stdout}");
    assert!(stdout.contains("signalbox stopped"), "{stdout}");
}

/// Runs one SQL statement with Python's sqlite3, independent of the code under test.
fn sqlite_exec(db: &Path, sql: &str) {
    let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()";
    let status =
        Command::new("python3").args(["-c", script, db.to_str().unwrap(), sql]).status().expect("python3 runs");
    assert!(status.success(), "sqlite3: {sql}");
}
