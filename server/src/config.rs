//! Typed configuration, built once at startup (from the command line in production, from
//! [`Config::for_tests`] in tests) and never re-read.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Everything the server needs to know to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address and port to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Directory holding the SQLite database and other state.
    pub data_dir: PathBuf,
    /// Directory with the built UI (`pkg/` with the WASM, JS and CSS, plus the public assets).
    pub site_root: PathBuf,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether the embedded sandbox keeps its state in `sandbox.db` across restarts.
    pub sandbox_persist: bool,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Request bodies above this size are refused with 413; no API request needs more.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl Config {
    /// A configuration for tests: loopback on a free port, the given data directory.
    pub fn for_tests(data_dir: &Path) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: data_dir.to_path_buf(),
            site_root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site")),
            log_format: LogFormat::Text,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            sandbox_persist: false,
        }
    }
}
