//! Liveness and readiness probes for load balancers and orchestrators. No authentication (they
//! reveal nothing), no dependency on the UI assets.

use crate::db::sqlite;
use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use serde_json::{Value, json};

/// Handles `GET /healthz`: the process is up and serving HTTP.
pub async fn get_healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Handles `GET /readyz`: the process can do useful work (its database answers).
pub async fn get_readyz(state: AppState) -> Result<Json<Value>, AppError> {
    sqlite::ping(&state.pool).await.map_err(AppError::Unavailable)?;
    Ok(Json(json!({ "status": "ready" })))
}
