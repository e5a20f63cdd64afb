//! Drift: a deployment re-planned against the live cloud with its own version and values. Any
//! change in that plan was made behind Signalbox's back; the plan is kept as the drift's diff.
//! Checked on demand and every [`EVERY`] for every active deployment; each fan-out deployment's
//! scope is looked at on the same schedule for targets it gained since its last apply.

use super::planning::{self, Target};
use crate::db::deployments::DeploymentRow;
use crate::db::{DbError, deployment_resources, deployment_sets, deployments};
use crate::error::AppError;
use crate::state::AppState;
use app::api::deployments::DriftStatus;
use std::time::Duration;

/// How often every active deployment is checked.
pub const EVERY: Duration = Duration::from_secs(3600);

/// Re-plans `row` as applied (reading templates as `user_id` sees them) and records the finding.
/// A cloud that cannot be read is recorded as a failed check and answered as the error.
pub async fn check(state: &AppState, row: &DeploymentRow, user_id: i64) -> Result<(), AppError> {
    if row.state == "destroyed" {
        return Ok(());
    }
    let target = Target {
        team_id: row.team_id,
        user_id,
        template_id: row.template_id,
        version: row.version,
        connection_id: row.connection_id,
        compartment_id: row.compartment_id.clone(),
        region: row.region.clone(),
        compartment_name: None,
        parameters: row.parameter_values(),
        destroy: false,
        shared: None,
    };
    let owned = deployment_resources::owned(&state.pool, row.id).await?;
    match planning::make_for_drift(state, &target, &row.uid, &owned).await {
        Ok(planned) if planned.review.plan.changes_anything() => {
            let plan = serde_json::to_string(&planned.review.plan).unwrap_or_default();
            deployments::set_drift(&state.pool, row.id, DriftStatus::Drifted, Some(&plan)).await?;
            Ok(())
        }
        Ok(_) => Ok(deployments::set_drift(&state.pool, row.id, DriftStatus::InSync, None).await?),
        Err(err) => {
            deployments::set_drift(&state.pool, row.id, DriftStatus::Failed, None).await?;
            Err(err)
        }
    }
}

/// Checks every active deployment every [`EVERY`] (the first time one period after start), until
/// aborted.
pub async fn check_periodically(state: AppState) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(err) = check_all(&state).await {
            tracing::warn!(%err, "the scheduled drift check could not list deployments");
        }
    }
}

async fn check_all(state: &AppState) -> Result<(), DbError> {
    for (team_id, id) in deployments::active(&state.pool).await? {
        let row = deployments::get(&state.pool, team_id, id).await?;
        if let Err(err) = check(state, &row, row.created_by.unwrap_or_default()).await {
            tracing::warn!(deployment = id, %err, "a scheduled drift check failed");
        }
    }
    for (team_id, id) in deployment_sets::all(&state.pool).await? {
        if let Err(err) = check_scope(state, team_id, id).await {
            tracing::warn!(set = id, %err, "a scheduled look for a fan-out deployment's new targets failed");
        }
    }
    Ok(())
}

/// Looks for targets a fan-out deployment's scope holds now that it was not applied to (a
/// compartment made since, matching its pattern) and records them, so its page can say so.
pub async fn check_scope(state: &AppState, team_id: i64, set_id: i64) -> Result<Vec<String>, AppError> {
    let set = deployment_sets::get(&state.pool, team_id, set_id).await?;
    let members = deployments::of_set(&state.pool, team_id, set_id).await?;
    let labels = super::fanout::unapplied(state, team_id, set.connection_id, &set.scope(), &members).await?;
    deployment_sets::set_unapplied(&state.pool, set_id, &labels).await?;
    Ok(labels)
}
