use super::ApiResult;
use crate::db::{instance, sqlite};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::system::{DataDirHealth, DatabaseHealth, SandboxState, SandboxStatus, SystemInfo};
use axum::Json;
use chrono::Utc;

/// Handles `GET /api/v1/system`: version, data directory and database health, sandbox status.
#[utoipa::path(
    get,
    path = "/system",
    tag = "system",
    summary = "Describe this Signalbox instance",
    responses(
        (status = 200, description = "The instance and the health of its storage", body = SystemInfo),
        (status = 503, description = "The database did not answer", body = ErrorBody),
    )
)]
pub async fn get_system(state: AppState) -> ApiResult<Json<SystemInfo>> {
    let dir = state.data_dir.clone();
    let (writable, free_bytes) = tokio::task::spawn_blocking(move || (dir.probe_write().is_ok(), dir.free_bytes()))
        .await
        .map_err(anyhow::Error::from)?;
    let (schema_version, migrations_applied) = sqlite::schema_state(&state.pool).await?;
    let database = DatabaseHealth {
        size_bytes: tokio::fs::metadata(state.data_dir.database_path()).await.map(|m| m.len()).unwrap_or(0),
        journal_mode: sqlite::journal_mode(&state.pool).await.map_err(crate::error::AppError::Unavailable)?,
        schema_version,
        migrations_applied,
        initialized_at: instance::initialized_at(&state.pool).await?,
    };
    Ok(Json(SystemInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at: state.started_at,
        checked_at: Utc::now(),
        data_dir: DataDirHealth { path: state.data_dir.path().display().to_string(), writable, free_bytes, database },
        sandbox: SandboxStatus {
            state: SandboxState::Running,
            url: Some(state.builtin.sandbox.base_url()),
            message: "The built-in connection runs against it. OCI SDKs and the OCI CLI can use this URL as their service endpoint.".to_owned(),
        },
    }))
}
