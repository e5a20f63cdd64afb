//! Pipeline health and verification: `…/connections/{connection_id}/health` (check a compartment
//! now), `/teams/{team_id}/health` (every pipeline's last known status, for the dashboard) and
//! `…/rules/{rule_id}/verify` (the end-to-end probe). The work is [`crate::pipelines`]. Both
//! checks take `?region=` for a fan-out target outside the connection's own region.

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::audit::change::Change;
use crate::auth::Caller;
use crate::connections::{check_compartment, check_target, reach_region};
use crate::db::pipeline_health;
use crate::error::AppError;
use crate::pipelines::health::{self, Checker, Place};
use crate::pipelines::verify::{self, ProbeContext};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::health::{HealthOverview, HealthReport, HealthStatus, VerifyReport, VerifyRequest};
use axum::{Extension, Json};
use serde::Deserialize;

/// The compartment to check.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HealthQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Region id, for a compartment's pipelines in a region other than the connection's own (a
    /// fan-out target there). Default: the connection's own region.
    #[serde(default)]
    pub region: Option<String>,
}

/// Where the rule is.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegionQuery {
    /// Region id, for a rule in a region other than the connection's own (a fan-out target
    /// there). Default: the connection's own region.
    #[serde(default)]
    pub region: Option<String>,
}

/// Handles `POST …/connections/{connection_id}/health?compartment_id=`: reads every pipeline of
/// the compartment now, stores the statuses and audits each change of status.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/health",
    tag = "health",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        HealthQuery
    ),
    responses((status = 200, body = HealthReport), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn check_health(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<HealthQuery>,
) -> ApiResult<Json<HealthReport>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let (reached, region) = reach_region(&state, team_id, connection_id, query.region.as_deref()).await?;
    let checker = Checker { audit: caller.audit("pipeline.health_change", "rule", String::new(), "") };
    let place = Place { connection_id, region: region.as_deref(), compartment_id: &compartment };
    let report = health::check(&state, team_id, place, &reached, checker).await?.map_err(AppError::Oci)?;
    Ok(Json(report))
}

/// Handles `GET /api/v1/teams/{team_id}/health`: every pipeline's last known status, broken first,
/// with counts.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/health",
    tag = "health",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = HealthOverview), (status = 403, body = ErrorBody))
)]
pub async fn get_health(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<HealthOverview>> {
    let pipelines: Vec<_> = pipeline_health::of_team(&state.pool, team_id)
        .await?
        .iter()
        .map(crate::pipelines::health::stored_status)
        .collect();
    let count = |status| pipelines.iter().filter(|p| p.status == status).count() as i64;
    Ok(Json(HealthOverview {
        healthy: count(HealthStatus::Healthy),
        degraded: count(HealthStatus::Degraded),
        broken: count(HealthStatus::Broken),
        pipelines,
        as_of: chrono::Utc::now(),
    }))
}

/// Handles `POST …/rules/{rule_id}/verify`: sends a probe through the rule's pipeline into a
/// webhook inbox and reports each hop with its timing (up to about a minute).
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/verify",
    tag = "health",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("rule_id" = String, Path, description = "Rule OCID"),
        RegionQuery
    ),
    request_body = VerifyRequest,
    responses((status = 200, body = VerifyReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn verify_rule(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, rule_id)): Path<(i64, i64, String)>,
    Query(query): Query<RegionQuery>,
    JsonBody(request): JsonBody<VerifyRequest>,
) -> ApiResult<Json<VerifyReport>> {
    check_target("rule_id", &rule_id, "eventrule")?;
    let (reached, _) = reach_region(&state, team_id, connection_id, query.region.as_deref()).await?;
    let change =
        Change { caller: &caller, team_id, connection_id, action: "rule.verify", kind: "rule", name: &rule_id };
    let rule = change.read(&state, Some(&rule_id), reached.client.get_rule(&rule_id).await).await?.body;
    let ctx = ProbeContext { state: &state, caller: &caller, team_id, connection_id, reached: &reached };
    Ok(Json(verify::verify(&ctx, &rule, &request).await?))
}
