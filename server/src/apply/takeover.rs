//! Taking over apply runs whose instance died (several instances on one PostgreSQL database).
//!
//! The leader looks every [`LOOK_EVERY`] for runs still `running` whose lease expired
//! ([`apply_runs::orphaned`]), claims each in a transaction that also readies its unfinished
//! steps and writes the audit row, and resumes it here as a resume from the console would: what
//! is done stays done, an in-flight create is repeated with its stored retry token, so OCI
//! answers with the resource it already made and nothing is made twice.

use super::{RunContext, spawn};
use crate::db::audit_events::{NewAuditEvent, Source};
use crate::db::{Backend, DbError, apply_runs, apply_steps, deployments};
use crate::state::AppState;
use app::api::deployments::RunKind;
use std::time::Duration;

/// How often the leader looks for orphaned runs.
pub const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Takes over orphaned runs until the task is dropped. On SQLite (one instance) there are none to
/// take: a run left running died with the process and is marked interrupted at the next start.
pub async fn keep_taking_over(state: AppState) {
    if Backend::of(&state.pool) == Backend::Sqlite {
        return std::future::pending().await;
    }
    let mut every = tokio::time::interval(LOOK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let orphans = match apply_runs::orphaned(&state.pool).await {
            Ok(orphans) => orphans,
            Err(err) => {
                tracing::warn!(error = %err, "cannot look for apply runs to take over");
                continue;
            }
        };
        for orphan in orphans {
            match take_over(&state, &orphan).await {
                Ok(true) => {
                    tracing::warn!(run = orphan.id, "took over an apply run whose instance stopped renewing it")
                }
                Ok(false) => {}
                Err(err) => tracing::error!(run = orphan.id, error = %err, "cannot take over an apply run"),
            }
        }
    }
}

/// Claims and resumes one orphaned run; false when another instance claimed it first.
async fn take_over(state: &AppState, orphan: &apply_runs::Orphan) -> Result<bool, crate::error::AppError> {
    let deployment = deployments::get(&state.pool, orphan.team_id, orphan.deployment_id).await?;
    let run = apply_runs::get(&state.pool, orphan.deployment_id, orphan.id).await?;
    let desired = serde_json::from_str(&run.desired)
        .map_err(|e| anyhow::anyhow!("a stored run's desired state does not parse: {e}"))?;
    let reached = crate::connections::reach_deployment(state, &deployment).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    if !apply_runs::take_over(&mut tx, run.id, &state.instance_id).await? {
        return Ok(false);
    }
    apply_steps::retry_unfinished(&mut tx, run.id).await?;
    let after = serde_json::json!({"run": run.id, "instance": state.instance_id}).to_string();
    let target_id = deployment.id.to_string();
    NewAuditEvent {
        actor_name: "signalbox",
        source: Source::System,
        team_id: Some(deployment.team_id),
        action: "deployment.takeover",
        target_kind: Some("deployment"),
        target_id: Some(target_id),
        target_name: Some(&deployment.name),
        ok: true,
        detail: Some("the instance running it stopped renewing its lease; resumed on another instance"),
        after_json: Some(&after),
        connection_id: Some(deployment.connection_id),
        compartment_id: Some(&deployment.compartment_id),
        apply_run_id: Some(run.id),
        ..Default::default()
    }
    .append(&mut tx)
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    spawn(
        state.progress.clone(),
        RunContext {
            pool: state.pool.clone(),
            client: reached.client,
            run_id: run.id,
            kind: if run.kind == "destroy" { RunKind::Destroy } else { RunKind::Apply },
            version: run.version,
            parameters: run.parameters.clone(),
            deployment_id: deployment.id,
            uid: deployment.uid.clone(),
            team_id: deployment.team_id,
            connection_id: deployment.connection_id,
            compartment_id: deployment.compartment_id.clone(),
            desired,
            actor_id: run.started_by,
            actor_name: run.started_by_name.clone().unwrap_or_else(|| "signalbox".to_owned()),
            holder: state.instance_id.clone(),
        },
    );
    Ok(true)
}
