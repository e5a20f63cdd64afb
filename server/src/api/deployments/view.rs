//! Deployments, runs and steps as the API shows them, built from their rows: states parsed,
//! parameter values and endpoints shown without their passwords.

use super::find;
use crate::api::ApiResult;
use crate::apply::start::redacted;
use crate::db::apply_runs::RunRow;
use crate::db::apply_steps::StepRow;
use crate::db::deployment_resources::ResourceRow;
use crate::db::deployments::DeploymentRow;
use crate::db::{DbError, apply_runs, apply_steps, deployment_resources};
use crate::error::AppError;
use crate::state::AppState;
use app::api::deployments::{
    ApplyRun, ApplyStep, DeploymentDetail, DeploymentResource, DeploymentState, DeploymentSummary, DriftStatus,
    RunKind, RunSummary,
};
use app::model::subscription::redact_endpoint;
use app::template::Desired;

/// A run as lists show it.
pub fn run_summary(row: &RunRow) -> RunSummary {
    RunSummary {
        id: row.id,
        kind: if row.kind == "destroy" { RunKind::Destroy } else { RunKind::Apply },
        version: row.version,
        state: row.run_state(),
        started_by: row.started_by_name.clone(),
        started_at: row.started_at,
        finished_at: row.finished_at,
        steps: row.steps,
        steps_done: row.steps_done,
        taken_over_at: row.taken_over_at,
    }
}

/// A deployment's list entry, with its newest run.
pub fn deployment_summary(row: &DeploymentRow, last_run: Option<RunSummary>) -> DeploymentSummary {
    DeploymentSummary {
        id: row.id,
        name: row.name.clone(),
        template_id: row.template_id,
        template_name: row.template_name.clone(),
        version: row.version,
        latest_version: row.latest_version,
        connection_id: row.connection_id,
        connection_name: row.connection_name.clone(),
        compartment_id: row.compartment_id.clone(),
        region: row.region.clone(),
        set_id: row.set_id,
        parameters: row.parameter_values().iter().map(|(name, value)| (name.clone(), shown(value))).collect(),
        state: if row.state == "destroyed" { DeploymentState::Destroyed } else { DeploymentState::Active },
        resources: row.resources,
        drift: match row.drift.as_str() {
            "in_sync" => DriftStatus::InSync,
            "drifted" => DriftStatus::Drifted,
            "failed" => DriftStatus::Failed,
            _ => DriftStatus::Unknown,
        },
        drift_checked_at: row.drift_checked_at,
        last_run,
    }
}

/// A parameter value as lists and pages show it, with any URL's password as `****`.
fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => redact_endpoint(text),
        serde_json::Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn step(row: &StepRow) -> ApplyStep {
    ApplyStep {
        position: row.position,
        op: row.step_op(),
        kind: row.resource_kind(),
        key: row.key.clone(),
        name: row.name.clone(),
        state: row.step_state(),
        resource_id: row.resource_id.clone(),
        attempts: row.attempts,
        started_at: row.started_at,
        finished_at: row.finished_at,
        error: row.error.clone(),
    }
}

fn resource(row: &ResourceRow) -> DeploymentResource {
    DeploymentResource { kind: row.resource_kind(), key: row.key.clone(), name: row.name.clone(), id: row.ocid.clone() }
}

/// Run `run_id` of a deployment with its steps.
pub async fn run_view(state: &AppState, deployment_id: i64, run_id: i64) -> ApiResult<ApplyRun> {
    let run = apply_runs::get(&state.pool, deployment_id, run_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("Deployment {deployment_id} has no run {run_id}.")),
        other => other.into(),
    })?;
    let steps = apply_steps::of_run(&state.pool, run_id).await?;
    Ok(ApplyRun { run: run_summary(&run), deployment_id, steps: steps.iter().map(step).collect() })
}

/// A deployment with its runs, resources, last drift check and what it last applied.
pub async fn detail(state: &AppState, team_id: i64, deployment_id: i64) -> ApiResult<DeploymentDetail> {
    let row = find(state, team_id, deployment_id).await?;
    let runs: Vec<_> = apply_runs::of_deployment(&state.pool, row.id, 20).await?.iter().map(run_summary).collect();
    let resources = deployment_resources::of_deployment(&state.pool, row.id).await?;
    let drift = row.drift_plan.as_deref().and_then(|text| serde_json::from_str(text).ok());
    let desired = match (row.state.as_str(), apply_runs::last_applied(&state.pool, row.id).await?) {
        ("active", Some(text)) => serde_json::from_str::<Desired>(&text).ok().map(|mut desired| {
            for sub in &mut desired.subscriptions {
                sub.endpoint = redact_endpoint(&sub.endpoint);
            }
            desired
        }),
        _ => None,
    };
    Ok(DeploymentDetail {
        summary: deployment_summary(&row, runs.first().cloned()),
        parameters: redacted(&row.parameter_values()),
        resources: resources.iter().map(resource).collect(),
        runs,
        drift,
        desired,
    })
}
