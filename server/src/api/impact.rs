//! `POST …/connections/{connection_id}/impact`: a draft condition replayed against the
//! compartment's recent events next to the condition it replaces ([`crate::impact`]). It only
//! reads, so a viewer may run it.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::connections::{check_compartment, find, reach_row};
use crate::error::AppError;
use crate::impact::{self, history};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::impact::{DEFAULT_DAYS, ImpactReport, ImpactRequest, MAX_DAYS};
use app::condition::{Condition, MAX_CONDITION_LEN};
use axum::Json;

/// Handles `POST …/connections/{connection_id}/impact`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/impact",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id")
    ),
    request_body = ImpactRequest,
    responses((status = 200, body = ImpactReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn run_impact(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<ImpactRequest>,
) -> ApiResult<Json<ImpactReport>> {
    let compartment = check_compartment("compartment_id", &request.compartment_id)?;
    let days = request.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::invalid(
            "days",
            format!("Replay 1 to {MAX_DAYS} days of events; {days} is outside that."),
        ));
    }
    let before = condition("before", request.before.as_deref())?;
    let after = condition("after", request.after.as_deref())?;
    if before.is_none() && after.is_none() {
        return Err(AppError::invalid(
            "after",
            "Give the drafted condition (after), the one it replaces (before), or both.",
        ));
    }
    let row = find(&state, team_id, connection_id).await?;
    let reached = reach_row(&state, &row).await?;
    let (history, cached) = history::gather(&state.pool, &state.impact, &row, &reached, &compartment, days).await;
    Ok(Json(impact::replay(&compartment, &history, before.as_ref(), after.as_ref(), cached)))
}

/// A condition given as `field`, parsed.
fn condition(field: &str, text: Option<&str>) -> Result<Option<Condition>, AppError> {
    let Some(text) = text else { return Ok(None) };
    if text.len() > MAX_CONDITION_LEN {
        return Err(AppError::invalid(field, format!("A condition is at most {MAX_CONDITION_LEN} characters.")));
    }
    app::model::rule::check_condition(text).map_err(|message| AppError::invalid(field, message))?;
    Condition::parse(text).map(Some).map_err(|err| AppError::invalid(field, err.to_string()))
}
