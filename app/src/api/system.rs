//! `GET /api/v1/system`: what this Signalbox instance is and whether its storage is healthy.

use super::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Version, storage health and sandbox status of the running instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SystemInfo {
    /// Signalbox version (semver).
    pub version: String,
    /// When the server process started.
    pub started_at: DateTime<Utc>,
    /// When this answer was produced.
    pub checked_at: DateTime<Utc>,
    /// The data directory and the database inside it.
    pub data_dir: DataDirHealth,
    /// The embedded OCI sandbox.
    pub sandbox: SandboxStatus,
    /// The caller's team's pipelines by their last checked status (none for a caller in no team).
    pub pipelines: Option<PipelineCounts>,
}

/// Query of `GET /api/v1/system`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct SystemQuery {
    /// The team whose pipelines to count (one of the caller's); by default the caller's home team.
    pub team: Option<i64>,
}

/// A team's pipelines by last checked status, and the ones that need attention. Part of the
/// system answer, which the dashboard already loads, so the first page needs no second request
/// (and no second copy of the code that makes one, about 8 KB gzip of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineCounts {
    /// Healthy.
    pub healthy: i64,
    /// Degraded.
    pub degraded: i64,
    /// Broken.
    pub broken: i64,
    /// Up to 8 broken, then degraded, pipelines: rule name, status, first reason.
    pub attention: Vec<(String, super::health::HealthStatus, String)>,
}

/// Health of the data directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DataDirHealth {
    /// Absolute path of the data directory.
    pub path: String,
    /// Whether a file could be written there just now.
    pub writable: bool,
    /// Free space on the file system holding the directory, when the platform reports it.
    pub free_bytes: Option<u64>,
    /// The database.
    pub database: DatabaseHealth,
}

/// Health of the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DatabaseHealth {
    /// `sqlite` (a file in the data directory, or `--database-url sqlite://…`) or `postgresql`
    /// (shared by several instances).
    pub backend: String,
    /// Size of the database: the SQLite file (without its write-ahead log), or PostgreSQL's
    /// `pg_database_size`.
    pub size_bytes: u64,
    /// SQLite's journal mode (`wal` is expected); none on PostgreSQL.
    pub journal_mode: Option<String>,
    /// Version (timestamp) of the newest migration applied.
    pub schema_version: i64,
    /// Number of migrations applied.
    pub migrations_applied: i64,
    /// When this data directory was first initialised.
    pub initialized_at: DateTime<Utc>,
}

/// State of the embedded OCI sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SandboxState {
    /// The sandbox is serving requests.
    Running,
    /// The sandbox is not serving (switched off, or it failed to start).
    Unavailable,
}

/// What the dashboard shows about the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxStatus {
    /// Current state.
    pub state: SandboxState,
    /// Base URL the sandbox serves, when running.
    pub url: Option<String>,
    /// One sentence for people.
    pub message: String,
}

/// Fetches [`SystemInfo`].
pub async fn get_system(team: Option<i64>) -> Result<SystemInfo, ApiError> {
    match team {
        Some(team) => super::get_json(&format!("/system?team={team}")).await,
        None => super::get_json("/system").await,
    }
}
