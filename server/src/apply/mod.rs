//! The apply engine: plans a template version against a compartment and runs a reviewed plan.
//!
//! A run is written to SQLite before its first call: the desired state, the plan, and one
//! `apply_steps` row per call with the steps it waits for. The engine then starts every step
//! whose dependencies are done, up to [`CONCURRENCY`] at once, each through the client's retries
//! (and, for a create, with a retry token stored on the step first). Each step's end, the OCID
//! the deployment now owns and its audit row are one transaction, so the tables always say how
//! far a run got. A process that dies mid-run leaves its run `running`; the next start marks it
//! `interrupted`, and resuming it runs what is not done, repeating an in-flight create with the
//! same retry token so OCI answers with the resource it already made.
//!
//! A failed step fails the run but not the steps that do not depend on it: they still run, and
//! its dependents are skipped. Progress is announced on [`Progress`], which the event stream of
//! a run watches.

pub mod capture;
pub mod drift;
mod live;
pub mod planning;
pub mod start;
mod step;

use crate::db::apply_steps::StepRow;
use crate::db::{DbError, apply_runs, apply_steps, deployment_resources, deployments};
use crate::oci::client::{OciClient, new_retry_token};
use app::api::deployments::{RunKind, RunState, StepState};
use app::template::Desired;
use app::template::plan::ResourceKind;
use sqlx::SqlitePool;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Steps in flight at once in one run. Independent creates are what make an apply fast: a
/// template of topics, their subscriptions and rules is two rounds of calls, not one per
/// resource, as long as a round fits (32 covers a 30-resource template's second round). More would
/// mostly buy 429s from OCI's per-tenancy request limits, which the client's retries absorb.
pub const CONCURRENCY: usize = 32;

/// A counter bumped whenever any run's steps change; event streams wait on it.
#[derive(Debug)]
pub struct Progress(watch::Sender<u64>);

impl Default for Progress {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl Progress {
    /// Announces a change.
    pub fn bump(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that wakes on the next change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// What every step of a run needs.
pub struct RunContext {
    /// The database.
    pub pool: SqlitePool,
    /// The connection's client.
    pub client: OciClient,
    /// Run.
    pub run_id: i64,
    /// Apply or destroy.
    pub kind: RunKind,
    /// Template version applied.
    pub version: i64,
    /// Parameter values, JSON text.
    pub parameters: String,
    /// Deployment.
    pub deployment_id: i64,
    /// The deployment's tag id.
    pub uid: String,
    /// Team.
    pub team_id: i64,
    /// Connection.
    pub connection_id: i64,
    /// Compartment.
    pub compartment_id: String,
    /// What the steps create and update from.
    pub desired: Desired,
    /// Who started the run (the audit rows' actor).
    pub actor_id: Option<i64>,
    /// Their username.
    pub actor_name: String,
}

/// Runs (or resumes) a run in the background.
pub fn spawn(progress: Arc<Progress>, ctx: RunContext) {
    tokio::spawn(async move {
        let ctx = Arc::new(ctx);
        if let Err(err) = execute(&progress, ctx.clone()).await {
            tracing::error!(run = ctx.run_id, %err, "an apply run stopped: its records could not be written");
            if let Ok(mut conn) = ctx.pool.acquire().await {
                let _ = apply_runs::set_state(&mut conn, ctx.run_id, RunState::Failed).await;
            }
        }
        progress.bump();
    });
}

/// Marks the runs a stopped process left running as interrupted (at start, before serving).
pub async fn interrupt_running(pool: &SqlitePool) -> Result<(), DbError> {
    let interrupted = apply_runs::interrupt_running(pool).await?;
    if interrupted > 0 {
        tracing::warn!(
            runs = interrupted,
            "apply runs were interrupted by the last stop; resume them from their deployment"
        );
    }
    Ok(())
}

async fn execute(progress: &Progress, ctx: Arc<RunContext>) -> Result<RunState, DbError> {
    let rows = apply_steps::of_run(&ctx.pool, ctx.run_id).await?;
    let mut states: Vec<StepState> = rows.iter().map(StepRow::step_state).collect();
    let waits: Vec<Vec<usize>> =
        rows.iter().map(|r| r.waits_for().into_iter().filter_map(|p| usize::try_from(p).ok()).collect()).collect();
    let mut launched = vec![false; rows.len()];
    let mut in_flight: JoinSet<(usize, Result<bool, DbError>)> = JoinSet::new();
    loop {
        for (i, row) in rows.iter().enumerate() {
            if in_flight.len() >= CONCURRENCY {
                break;
            }
            let startable = matches!(states[i], StepState::Pending | StepState::Running) && !launched[i];
            if !startable || !waits[i].iter().all(|&w| states.get(w) == Some(&StepState::Done)) {
                continue;
            }
            launched[i] = true;
            states[i] = StepState::Running;
            let ctx = ctx.clone();
            let row = row.clone();
            in_flight.spawn(async move {
                let result = async {
                    let token = apply_steps::start(&ctx.pool, ctx.run_id, row.position, &new_retry_token()).await?;
                    step::run(
                        &ctx,
                        row.position,
                        row.step_op(),
                        row.resource_kind(),
                        &row.key,
                        row.resource_id.as_deref(),
                        &token,
                    )
                    .await
                }
                .await;
                (i, result)
            });
        }
        progress.bump();
        let Some(joined) = in_flight.join_next().await else { break };
        let (i, result) = match joined {
            Ok(outcome) => outcome,
            Err(err) => {
                tracing::error!(%err, "an apply step's task failed");
                continue;
            }
        };
        if result? {
            states[i] = StepState::Done;
        } else {
            states[i] = StepState::Failed;
            let skipped = dependents(&waits, i);
            for &s in &skipped {
                states[s] = StepState::Skipped;
            }
            let positions: Vec<i64> = skipped.iter().map(|&s| rows[s].position).collect();
            apply_steps::skip(&ctx.pool, ctx.run_id, &positions).await?;
        }
    }
    let outcome = if states.iter().all(|s| *s == StepState::Done) { RunState::Succeeded } else { RunState::Failed };
    let mut tx = crate::db::begin(&ctx.pool).await?;
    apply_runs::set_state(&mut tx, ctx.run_id, outcome).await?;
    if outcome == RunState::Succeeded {
        let destroyed = ctx.kind == RunKind::Destroy;
        deployments::set_applied(&mut tx, ctx.deployment_id, ctx.version, &ctx.parameters, destroyed).await?;
        deployment_resources::keep_only(&mut tx, ctx.deployment_id, &keys(&ctx.desired)).await?;
    }
    tx.commit().await?;
    progress.bump();
    Ok(outcome)
}

/// Every step that waits, directly or not, for step `failed`.
fn dependents(waits: &[Vec<usize>], failed: usize) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    let mut frontier = vec![failed];
    while let Some(f) = frontier.pop() {
        for (i, w) in waits.iter().enumerate() {
            if w.contains(&f) && !out.contains(&i) {
                out.push(i);
                frontier.push(i);
            }
        }
    }
    out
}

/// The (kind, key) of every resource `desired` describes.
fn keys(desired: &Desired) -> Vec<(ResourceKind, String)> {
    desired
        .topics
        .iter()
        .map(|t| (ResourceKind::Topic, t.key.clone()))
        .chain(desired.subscriptions.iter().map(|s| (ResourceKind::Subscription, s.key.clone())))
        .chain(desired.rules.iter().map(|r| (ResourceKind::Rule, r.key.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::dependents;

    #[test]
    fn a_failed_step_skips_what_waits_for_it_directly_or_not() {
        // 0 ← 1 ← 2, 3 independent, 4 waits for 0 and 3.
        let waits = vec![vec![], vec![0], vec![1], vec![], vec![0, 3]];
        let mut skipped = dependents(&waits, 0);
        skipped.sort_unstable();
        assert_eq!(skipped, [1, 2, 4]);
        assert!(dependents(&waits, 3) == [4]);
        assert!(dependents(&waits, 2).is_empty());
    }
}
