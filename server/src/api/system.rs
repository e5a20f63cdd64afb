use super::ApiResult;
use super::extract::Query;
use crate::auth::{Caller, Credential};
use crate::db::{Backend, instance, postgres, sqlite};
use crate::db::{pipeline_health, teams, users};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::health::HealthStatus;
use app::api::system::{
    DataDirHealth, DatabaseHealth, PipelineCounts, SandboxState, SandboxStatus, SystemInfo, SystemQuery,
};
use axum::Extension;
use axum::Json;
use chrono::Utc;

/// Handles `GET /api/v1/system`: version, data directory and database health, sandbox status.
#[utoipa::path(
    get,
    path = "/system",
    tag = "system",
    summary = "Describe this Signalbox instance",
    params(SystemQuery),
    responses(
        (status = 200, description = "The instance and the health of its storage", body = SystemInfo),
        (status = 400, description = "`team` is not one of the caller's teams", body = ErrorBody),
        (status = 503, description = "The database did not answer", body = ErrorBody),
    )
)]
pub async fn get_system(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Query(query): Query<SystemQuery>,
) -> ApiResult<Json<SystemInfo>> {
    let dir = state.data_dir.clone();
    let (writable, free_bytes) = tokio::task::spawn_blocking(move || (dir.probe_write().is_ok(), dir.free_bytes()))
        .await
        .map_err(anyhow::Error::from)?;
    let (schema_version, migrations_applied) = sqlite::schema_state(&state.pool).await?;
    let (backend, size_bytes, journal_mode) = match Backend::of(&state.pool) {
        Backend::Sqlite => {
            let path = match &state.config.database {
                crate::config::Database::Sqlite(path) => path.clone(),
                _ => state.data_dir.database_path(),
            };
            let size = tokio::fs::metadata(path).await.map(|m| m.len()).unwrap_or(0);
            let mode = sqlite::journal_mode(&state.pool).await.map_err(AppError::Unavailable)?;
            ("sqlite", size, Some(mode))
        }
        Backend::Postgres => ("postgresql", postgres::database_size(&state.pool).await?, None),
    };
    let database = DatabaseHealth {
        backend: backend.to_owned(),
        size_bytes,
        journal_mode,
        schema_version,
        migrations_applied,
        initialized_at: instance::initialized_at(&state.pool).await?,
    };
    // The team asked for if the caller is in it; else the one the console opens in (a token's
    // own team; a session's preferred team, else its first).
    let mine = match &caller.credential {
        Credential::Token { team_id, .. } => vec![*team_id],
        Credential::Session { .. } => {
            teams::memberships_of(&state.pool, caller.user.id).await?.into_iter().map(|m| m.team_id).collect()
        }
    };
    let team = match query.team {
        Some(asked) if mine.contains(&asked) => Some(asked),
        Some(asked) => {
            return Err(AppError::invalid(
                "team",
                format!("You are not a member of team {asked}; leave `team` out or name one of your teams."),
            ));
        }
        None => match users::preferred_team(&state.pool, caller.user.id).await? {
            Some(preferred) if caller.is_session() && mine.contains(&preferred) => Some(preferred),
            _ => mine.first().copied(),
        },
    };
    let pipelines = match team {
        Some(team_id) => Some(pipeline_counts(&state, team_id).await?),
        None => None,
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
        pipelines,
    }))
}

/// The team's pipelines by last checked status, the broken and degraded first.
async fn pipeline_counts(state: &AppState, team_id: i64) -> ApiResult<PipelineCounts> {
    let rows: Vec<_> = pipeline_health::of_team(&state.pool, team_id)
        .await?
        .iter()
        .map(crate::pipelines::health::stored_status)
        .collect();
    let count = |status| rows.iter().filter(|p| p.status == status).count() as i64;
    Ok(PipelineCounts {
        healthy: count(HealthStatus::Healthy),
        degraded: count(HealthStatus::Degraded),
        broken: count(HealthStatus::Broken),
        attention: rows
            .iter()
            .filter(|p| p.status != HealthStatus::Healthy)
            .take(8)
            .map(|p| (p.rule_name.clone(), p.status, p.reasons.first().cloned().unwrap_or_default()))
            .collect(),
    })
}
