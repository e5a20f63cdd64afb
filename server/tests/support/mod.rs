//! Running the real `signalbox` binary in tests: a fresh process per test, its log captured.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// The binary with the variables that would change its configuration removed.
pub fn signalbox(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signalbox"));
    command
        .args(args)
        .env_remove("SIGNALBOX_LOG_FORMAT")
        .env_remove("SIGNALBOX_LISTEN")
        .env_remove("SIGNALBOX_DATA_DIR")
        .env_remove("SIGNALBOX_ADMIN_PASSWORD")
        .env_remove("SIGNALBOX_MASTER_KEY")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    command
}

/// `serve` on a free loopback port with `data_dir`.
pub fn listen_args(data_dir: &Path) -> Vec<String> {
    vec!["serve".into(), "--listen".into(), "127.0.0.1:0".into(), "--data-dir".into(), data_dir.display().to_string()]
}

/// Borrows owned arguments.
pub fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A `signalbox serve` process and its log.
pub struct Serving {
    child: Child,
    /// Address it listens on (`127.0.0.1:port`).
    pub addr: String,
    log: Receiver<String>,
}

/// Starts `signalbox serve` on a free port with extra arguments and environment variables
/// (`SIGNALBOX_LOG` is `info` unless `envs` says otherwise), waits for its "serving" log line and
/// checks /healthz.
pub fn spawn_serving(data_dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Serving {
    let mut command = signalbox(&args(&listen_args(data_dir)));
    command.args(extra).env("SIGNALBOX_LOG", "info").envs(envs.iter().copied());
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("binary starts");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read log") == 0 {
            panic!("signalbox exited before serving; log: {seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split(|c: char| c == '"' || c.is_whitespace()).next().expect("an address").to_owned();
        }
    };
    let response = http_get(&addr, "/healthz");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // A thread keeps draining stdout so the process never blocks on a full pipe.
    let (tx, log) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = seen;
        for line in reader.lines().map_while(Result::ok) {
            rest.push_str(&line);
            rest.push('\n');
        }
        tx.send(rest).ok();
    });
    Serving { child, addr, log }
}

impl Drop for Serving {
    /// A server still running when its test ends is killed (one a test did not stop would
    /// outlive the test run). A test that fails while the server runs prints what the server
    /// logged and wrote to stderr (a panic in a handler shows up there, not in the test's own
    /// message).
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
        if !std::thread::panicking() {
            return;
        }
        let log = self.log.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).ok();
        }
        eprintln!("---- signalbox log ----\n{log}\n---- signalbox stderr ----\n{stderr}");
    }
}

impl Serving {
    /// Sends SIGTERM, asserts a clean exit, and returns everything the process logged.
    pub fn stop(mut self) -> String {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                break exit;
            }
            assert!(Instant::now() < deadline, "signalbox did not stop within 20 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
        self.log.recv().expect("log")
    }
}

/// A plain HTTP/1.1 GET, independent of any client library.
pub fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("write request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    response
}

#[allow(dead_code, reason = "used by the crash test only")]
impl Serving {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until the process has exited (after a signal the caller sent), reaping it.
    pub fn wait_gone(mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "signalbox did not exit within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
