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
pub mod fanout;
mod live;
pub mod planning;
pub mod start;
mod step;
pub mod takeover;

use crate::db::Pool;
use crate::db::apply_steps::StepRow;
use crate::db::{DbError, apply_runs, apply_steps, deployment_resources, deployments};
use crate::oci::client::{OciClient, new_retry_token};
use app::api::deployments::{RunKind, RunState, StepState};
use app::template::Desired;
use app::template::plan::ResourceKind;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Steps in flight at once in one run. Independent creates are what make an apply fast: a
/// template of topics, their subscriptions and rules is two rounds of calls, not one per
/// resource, as long as a round fits. OCI's per-tenancy request limits are the client's to keep:
/// it paces each service once throttled (`crate::oci::pace`), so more in flight costs a few 429s
/// at the start of a large plan, not a run of retries. 64 is where the embedded sandbox on two
/// cores stops getting faster (32 took 11.8 s for 3,000 resources at 100 ms a call, 64 took 9.8 s).
pub const CONCURRENCY: usize = 64;

/// Apply steps write their start and end in turn. When SQLite writers collide, the one waiting
/// sleeps in steps of milliseconds (its busy handler) however soon the lock frees; dozens of steps
/// ending together then wait longer for the lock than for OCI. Queued here, each is woken the
/// moment the one before commits.
pub(crate) static WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A counter bumped whenever any run's steps change, on this instance or (through the
/// [`crate::cluster::Bus`]) another; event streams wait on it.
#[derive(Debug)]
pub struct Progress {
    local: watch::Sender<u64>,
    bus: crate::cluster::Bus,
}

impl Progress {
    /// Progress that also tells the other instances through `bus`.
    pub fn new(bus: crate::cluster::Bus) -> Self {
        Self { local: watch::channel(0).0, bus }
    }

    /// Announces a change made here.
    pub fn bump(&self) {
        self.bump_local();
        self.bus.publish(crate::cluster::Change::Progress);
    }

    /// Announces a change another instance made.
    pub fn bump_local(&self) {
        self.local.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that wakes on the next change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.local.subscribe()
    }
}

/// What every step of a run needs.
pub struct RunContext {
    /// The database.
    pub pool: Pool,
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
    /// The instance running it, which holds its lease ([`crate::state::App::instance_id`]).
    pub holder: String,
}

/// How often the instance running a run renews its lease ([`apply_runs::LEASE`] lasts 15 s).
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// Runs (or resumes) a run in the background, holding its lease while it runs.
///
/// Should the lease be lost (this instance stalled past it, and another took the run over), the
/// run stops here at once, its steps in flight cancelled: the other instance repeats what was not
/// done, creates with their stored retry tokens, so nothing is made twice.
pub fn spawn(progress: Arc<Progress>, ctx: RunContext) {
    tokio::spawn(async move {
        let ctx = Arc::new(ctx);
        // The run's lease was taken in the transaction that started (or resumed, or took over)
        // the run; it is renewed while the run goes.
        let held = async {
            tokio::select! {
                outcome = execute(&progress, ctx.clone()) => outcome.map(Some),
                () = keep_lease(&ctx) => Ok(None),
            }
        };
        if let Err(err) = held.await {
            tracing::error!(run = ctx.run_id, %err, "an apply run stopped: its records could not be written");
            if let Ok(mut conn) = ctx.pool.acquire().await {
                let _ = apply_runs::set_state(&mut conn, ctx.run_id, RunState::Failed).await;
            }
            metrics::counter!("signalbox_apply_runs_total", "kind" => ctx.kind.as_str(), "result" => "failed")
                .increment(1);
        }
        progress.bump();
    });
}

/// Renews the run's lease until it is lost; returns then.
async fn keep_lease(ctx: &RunContext) {
    let mut every = tokio::time::interval(RENEW_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        match apply_runs::renew(&ctx.pool, ctx.run_id, &ctx.holder).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!(run = ctx.run_id, "lost the lease on an apply run; another instance runs it now");
                return;
            }
            // The database is out of reach: the steps fail on it too; the lease is kept trying.
            Err(err) => tracing::warn!(run = ctx.run_id, error = %err, "cannot renew an apply run's lease"),
        }
    }
}

/// Marks the runs a stopped process left running as interrupted (at start, before serving).
pub async fn interrupt_running(pool: &Pool) -> Result<(), DbError> {
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
    let mut graph = Graph::new(&waits, &states);
    let mut in_flight: JoinSet<(usize, Result<bool, DbError>)> = JoinSet::new();
    loop {
        while in_flight.len() < CONCURRENCY {
            let Some(i) = graph.ready.pop_front() else { break };
            let row = &rows[i];
            states[i] = StepState::Running;
            let ctx = ctx.clone();
            let row = row.clone();
            in_flight.spawn(async move {
                let result = async {
                    let token = {
                        let _turn = WRITES.lock().await;
                        apply_steps::start(&ctx.pool, ctx.run_id, row.position, &new_retry_token()).await?
                    };
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
            graph.done(i, &states);
        } else {
            states[i] = StepState::Failed;
            let skipped = graph.dependents(i);
            for &s in &skipped {
                states[s] = StepState::Skipped;
            }
            let positions: Vec<i64> = skipped.iter().map(|&s| rows[s].position).collect();
            apply_steps::skip(&ctx.pool, ctx.run_id, &positions).await?;
            metrics::counter!("signalbox_apply_steps_total", "result" => "skipped").increment(positions.len() as u64);
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
    metrics::counter!("signalbox_apply_runs_total", "kind" => ctx.kind.as_str(), "result" => outcome.as_str())
        .increment(1);
    progress.bump();
    Ok(outcome)
}

/// The steps' dependency graph as the scheduler walks it: each step's count of unfinished
/// prerequisites and the steps waiting on it, so finishing a step costs its own dependents, never
/// a scan of the whole run (a 3,000-step plan would otherwise rescan 3,000 rows per step).
struct Graph {
    /// Steps waiting on each step.
    waiting: Vec<Vec<usize>>,
    /// Prerequisites of each step not yet done.
    unmet: Vec<usize>,
    /// Steps whose prerequisites are done, to start in order.
    ready: std::collections::VecDeque<usize>,
}

impl Graph {
    /// The graph of `waits` (step → its prerequisites), with the steps startable in `states`
    /// (pending, or running when a stopped run is resumed) and all of whose prerequisites are done ready.
    fn new(waits: &[Vec<usize>], states: &[StepState]) -> Self {
        let mut waiting = vec![Vec::new(); waits.len()];
        let mut unmet = vec![0; waits.len()];
        for (i, prerequisites) in waits.iter().enumerate() {
            for &p in prerequisites {
                // A prerequisite outside the run can never be done: the step never becomes ready.
                if states.get(p) != Some(&StepState::Done) {
                    unmet[i] += 1;
                }
                if let Some(list) = waiting.get_mut(p) {
                    list.push(i);
                }
            }
        }
        let ready = (0..waits.len()).filter(|&i| unmet[i] == 0 && startable(states[i])).collect();
        Self { waiting, unmet, ready }
    }

    /// Step `i` is done: what waited only on it becomes ready.
    fn done(&mut self, i: usize, states: &[StepState]) {
        for &w in &self.waiting[i] {
            self.unmet[w] = self.unmet[w].saturating_sub(1);
            if self.unmet[w] == 0 && startable(states[w]) {
                self.ready.push_back(w);
            }
        }
    }

    /// Every step that waits, directly or not, for step `failed`, each once.
    fn dependents(&self, failed: usize) -> Vec<usize> {
        let mut seen = vec![false; self.waiting.len()];
        let mut out = Vec::new();
        let mut frontier = vec![failed];
        while let Some(f) = frontier.pop() {
            for &w in &self.waiting[f] {
                if !seen[w] {
                    seen[w] = true;
                    out.push(w);
                    frontier.push(w);
                }
            }
        }
        out
    }
}

/// Whether a step in `state` is still to run.
fn startable(state: StepState) -> bool {
    matches!(state, StepState::Pending | StepState::Running)
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
    use super::Graph;
    use app::api::deployments::StepState;

    #[test]
    fn a_failed_step_skips_what_waits_for_it_directly_or_not() {
        // 0 ← 1 ← 2, 3 independent, 4 waits for 0 and 3.
        let waits = vec![vec![], vec![0], vec![1], vec![], vec![0, 3]];
        let graph = Graph::new(&waits, &[StepState::Pending; 5]);
        let mut skipped = graph.dependents(0);
        skipped.sort_unstable();
        assert_eq!(skipped, [1, 2, 4]);
        assert!(graph.dependents(3) == [4]);
        assert!(graph.dependents(2).is_empty());
    }

    #[test]
    fn a_step_is_ready_once_all_it_waits_for_are_done_and_never_twice() {
        let waits = vec![vec![], vec![0], vec![1], vec![], vec![0, 3]];
        let mut states = [StepState::Pending; 5];
        let mut graph = Graph::new(&waits, &states);
        assert_eq!(graph.ready.drain(..).collect::<Vec<_>>(), [0, 3]);
        states[0] = StepState::Done;
        graph.done(0, &states);
        assert_eq!(graph.ready.drain(..).collect::<Vec<_>>(), [1], "4 still waits for 3");
        states[3] = StepState::Done;
        graph.done(3, &states);
        assert_eq!(graph.ready.drain(..).collect::<Vec<_>>(), [4]);

        // A resumed run: what is done stays done, an in-flight step runs again.
        let resumed = Graph::new(
            &waits,
            &[StepState::Done, StepState::Running, StepState::Pending, StepState::Done, StepState::Failed],
        );
        assert_eq!(resumed.ready.iter().copied().collect::<Vec<_>>(), [1]);
    }
}
