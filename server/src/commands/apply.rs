//! `signalbox apply PLAN.json`: applies exactly the plan `signalbox plan --out` saved. The server
//! checks its digest against what it would do now, so a plan made stale by a change in between is
//! refused with the reason. Progress is printed step by step as the run goes; the exit code is 0
//! only when every step succeeded. Ctrl-C stops watching, not the run: it goes on on the server,
//! and the command says how to follow it.

use super::plan::{PLAN_FORMAT, SavedPlan};
use super::{Failure, Output, Session, print_json};
use app::api::deployments::{ApplyDeploymentRequest, ApplyRun, CreateDeploymentRequest, DeploymentPlanRequest};
use app::model::deployment::{RunState, StepState};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the run is looked at while it goes.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// What to apply.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved by `signalbox plan --out`.
    pub plan: PathBuf,
    /// The new deployment's name (for a plan of a new one); the template's name when absent.
    #[arg(long)]
    pub name: Option<String>,
}

/// How an apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every step succeeded (exit 0).
    Succeeded,
    /// A step failed, or the run was interrupted (exit 1).
    Failed,
    /// Ctrl-C: the run goes on without us (exit 130, as a shell reports an interrupt).
    Detached,
}

/// Applies the saved plan and follows the run.
pub async fn apply(session: &Session, args: &ApplyArgs, output: Output) -> Result<Ended, Failure> {
    let saved = read(&args.plan)?;
    let team = session.team.team_id;
    if saved.team_id != team {
        return Err(Failure(format!(
            "{} was planned in team {}; this token acts in team {} ({})",
            args.plan.display(),
            saved.team_id,
            team,
            session.team.team_name
        )));
    }
    let digest = saved.review.digest.clone();
    let started = match saved.deployment_id {
        Some(deployment) => {
            let plan = DeploymentPlanRequest {
                version: Some(saved.target.version),
                parameters: Some(saved.target.parameters.clone()),
                destroy: false,
            };
            let request = ApplyDeploymentRequest { plan, digest };
            session.call(app::api::deployments::apply_deployment(team, deployment, &request, "")).await?
        }
        None => {
            let name = args.name.clone().unwrap_or_else(|| saved.review.template_name.clone());
            let request = CreateDeploymentRequest { name, target: saved.target.clone(), digest };
            session.call(app::api::deployments::create_deployment(team, &request, "")).await?
        }
    };
    if output == Output::Text {
        println!(
            "Applying template \"{}\" version {}: deployment {}, run {} ({} steps)",
            saved.review.template_name, saved.review.version, started.deployment_id, started.run.id, started.run.steps
        );
    }
    let finished = tokio::select! {
        finished = follow(session, started.clone(), output) => finished?,
        _ = tokio::signal::ctrl_c() => return Ok(detached(team, &started)),
    };
    print_finished(&finished, output)
}

/// Ctrl-C while watching `run`: says how to follow it, which goes on on the server.
pub(super) fn detached(team: i64, run: &ApplyRun) -> Ended {
    eprintln!(
        "signalbox: stopped watching; run {} of deployment {} goes on on the server. Follow it in the console \
         (Pipelines → the deployment) or with the API: GET /api/v1/teams/{team}/deployments/{}/runs/{}",
        run.run.id, run.deployment_id, run.deployment_id, run.run.id
    );
    Ended::Detached
}

/// Prints how a run ended and answers it.
pub(super) fn print_finished(finished: &ApplyRun, output: Output) -> Result<Ended, Failure> {
    if output == Output::Json {
        print_json(finished)?;
    } else {
        let failed = finished.steps.iter().filter(|s| s.state == StepState::Failed).count();
        let run = &finished.run;
        println!(
            "Run {}: {} ({} of {} steps done, {failed} failed)",
            run.id,
            run.state.as_str(),
            run.steps_done,
            run.steps
        );
    }
    Ok(if finished.run.state == RunState::Succeeded { Ended::Succeeded } else { Ended::Failed })
}

/// Reads and checks a saved plan.
fn read(file: &Path) -> Result<SavedPlan, Failure> {
    let text =
        std::fs::read_to_string(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    let saved: SavedPlan = serde_json::from_str(&text)
        .map_err(|err| Failure(format!("{} is not a plan saved by `signalbox plan --out`: {err}", file.display())))?;
    if saved.format != PLAN_FORMAT {
        return Err(Failure(format!(
            "{}: format \"{}\" is not one this signalbox applies (\"{PLAN_FORMAT}\"); plan again",
            file.display(),
            saved.format
        )));
    }
    Ok(saved)
}

/// Watches the run until it ends, printing each step once it has.
pub(super) async fn follow(session: &Session, mut run: ApplyRun, output: Output) -> Result<ApplyRun, Failure> {
    let team = session.team.team_id;
    let mut told = HashSet::new();
    loop {
        if output == Output::Text {
            for step in &run.steps {
                if matches!(step.state, StepState::Done | StepState::Failed | StepState::Skipped)
                    && told.insert(step.position)
                {
                    let mark = match step.state {
                        StepState::Done => "ok  ",
                        StepState::Failed => "FAIL",
                        _ => "skip",
                    };
                    let error = step.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    println!("  {mark} {} {} {}{error}", step.op.as_str(), step.kind.as_str(), step.name);
                }
            }
        }
        if run.run.state != RunState::Running {
            return Ok(run);
        }
        tokio::time::sleep(WATCH_EVERY).await;
        run = session.call(app::api::deployments::get_run(team, run.deployment_id, run.run.id)).await?;
    }
}
