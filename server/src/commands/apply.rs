//! `signalbox apply PLAN.json` applies exactly the plan `signalbox plan --out` saved. The server
//! checks its digest against what it would do now, so a plan made stale by a change in between is
//! refused with the reason. `signalbox apply TEMPLATE --compartment X ...` plans and applies in one
//! go, after a "yes" on a terminal or with `--auto-approve`. Progress is printed step by step as
//! the run goes (with a bar on a terminal); the exit code is 0 only when every step succeeded.
//! Ctrl-C stops watching, not the run: it goes on on the server, and the command says how to
//! follow it.

use super::plan::{PLAN_FORMAT, SavedPlan, TargetArgs};
use super::{Failure, Output, Session, print_json, ui};
use app::api::deployments::{ApplyDeploymentRequest, ApplyRun, CreateDeploymentRequest, DeploymentPlanRequest};
use app::model::deployment::{RunState, StepState};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

/// How often the run is looked at while it goes.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// What to apply.
#[derive(Debug, Clone, clap::Args)]
pub struct ApplyArgs {
    /// A plan saved by `signalbox plan --out`; or a template (a file, or a library template by
    /// name, `NAME@VERSION`) to plan and apply now, with `--compartment` and its values.
    #[arg(value_name = "PLAN.json|TEMPLATE")]
    pub what: String,
    #[command(flatten)]
    pub target: TargetArgs,
    /// The new deployment's name (for a plan of a new one); the template's name when absent.
    #[arg(long)]
    pub name: Option<String>,
    /// Apply a template's plan without asking (for scripts and CI); a saved plan was reviewed
    /// already and never asks.
    #[arg(long)]
    pub auto_approve: bool,
    /// Apply even though a pre-flight check says OCI will refuse part of the plan, giving the
    /// reason (kept in the audit trail with the findings overridden).
    #[arg(long, value_name = "REASON")]
    pub override_preflight: Option<String>,
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

/// Applies a saved plan, or plans a template and applies that, and follows the run.
pub async fn apply(session: &Session, args: &ApplyArgs, output: Output) -> Result<Ended, Failure> {
    let path = Path::new(&args.what);
    if let Some(saved) = read(path)? {
        if saved.team_id != session.team.team_id {
            return Err(Failure(format!(
                "{} was planned in team {}; this token acts in team {} ({})",
                path.display(),
                saved.team_id,
                session.team.team_id,
                session.team.team_name
            )));
        }
        return run(session, &saved, args, output).await;
    }
    let planned = super::plan::make(session, &args.what, &args.target).await?;
    if output == Output::Text {
        planned.print(output, None)?;
    }
    planned.check()?;
    if !planned.changes() {
        if output == Output::Json {
            print_json(&planned.saved)?;
        } else {
            ui::line("Nothing to apply: the cloud already matches the template.");
        }
        return Ok(Ended::Succeeded);
    }
    if !args.auto_approve
        && !super::confirm(
            "Apply these changes? Type yes: ",
            "yes",
            "apply asks before applying a template's plan on a terminal; pass --auto-approve in scripts, or \
             apply a plan saved with `signalbox plan --out`",
        )?
    {
        return Err(Failure("not applied: the answer was not \"yes\"".into()));
    }
    run(session, &planned.saved, args, output).await
}

/// Starts applying `saved` (its digest names exactly what was reviewed) and follows the run.
async fn run(session: &Session, saved: &SavedPlan, args: &ApplyArgs, output: Output) -> Result<Ended, Failure> {
    let team = session.team.team_id;
    let digest = saved.review.digest.clone();
    let override_preflight = args.override_preflight.clone();
    let started = match saved.deployment_id {
        Some(deployment) => {
            let plan = DeploymentPlanRequest {
                version: Some(saved.target.version),
                parameters: Some(saved.target.parameters.clone()),
                destroy: false,
            };
            let request = ApplyDeploymentRequest { plan, digest, override_preflight };
            session.call(app::api::deployments::apply_deployment(team, deployment, &request, "")).await?
        }
        None => {
            let name = args.name.clone().unwrap_or_else(|| saved.review.template_name.clone());
            let request = CreateDeploymentRequest { name, target: saved.target.clone(), digest, override_preflight };
            session.call(app::api::deployments::create_deployment(team, &request, "")).await?
        }
    };
    if output == Output::Text {
        let steps = started.run.steps;
        ui::line(&format!(
            "Applying template \"{}\" version {}: deployment {}, run {} ({steps} step{})",
            saved.review.template_name,
            saved.review.version,
            started.deployment_id,
            started.run.id,
            if steps == 1 { "" } else { "s" }
        ));
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
        let style = if run.state == RunState::Succeeded { ui::ADDED } else { ui::REMOVED };
        let text = format!(
            "Run {}: {} ({} of {} steps done, {failed} failed)",
            run.id,
            run.state.as_str(),
            run.steps_done,
            run.steps
        );
        ui::line(&ui::paint(style.bold(), &text));
    }
    Ok(if finished.run.state == RunState::Succeeded { Ended::Succeeded } else { Ended::Failed })
}

/// The saved plan in `file`, or `None` when `what` is not one (a template file, or a name in the
/// library); a file that says it is a plan but cannot be read as one is refused.
fn read(file: &Path) -> Result<Option<SavedPlan>, Failure> {
    if !file.is_file() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    let format = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|document| document.get("format").and_then(|f| f.as_str()).map(str::to_owned));
    match format.as_deref() {
        Some(PLAN_FORMAT) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|err| Failure(format!("{} is not a plan saved by `signalbox plan --out`: {err}", file.display()))),
        Some(other) if other.starts_with("signalbox.plan/") => Err(Failure(format!(
            "{}: format \"{other}\" is not one this signalbox applies (\"{PLAN_FORMAT}\"); plan again",
            file.display()
        ))),
        _ => Ok(None),
    }
}

/// Watches the run until it ends, printing each step once it has.
pub(super) async fn follow(session: &Session, mut run: ApplyRun, output: Output) -> Result<ApplyRun, Failure> {
    let team = session.team.team_id;
    let mut told = HashSet::new();
    let progress = ui::Progress::new(run.run.steps.max(0).unsigned_abs(), output == Output::Text);
    loop {
        if output == Output::Text {
            for step in &run.steps {
                if matches!(step.state, StepState::Done | StepState::Failed | StepState::Skipped)
                    && told.insert(step.position)
                {
                    let (mark, style) = match step.state {
                        StepState::Done => ("ok  ", ui::ADDED),
                        StepState::Failed => ("FAIL", ui::REMOVED),
                        _ => ("skip", ui::QUIET),
                    };
                    let error = step.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    progress.line(&format!(
                        "  {} {} {} {}{error}",
                        ui::paint(style, mark),
                        step.op.as_str(),
                        step.kind.as_str(),
                        step.name
                    ));
                }
            }
            let running = run.steps.iter().find(|s| s.state == StepState::Running);
            let doing = running.map(|s| format!("{} {} {}", s.op.as_str(), s.kind.as_str(), s.name));
            progress.set(told.len() as u64, &doing.unwrap_or_default());
        }
        if run.run.state != RunState::Running {
            progress.finish();
            return Ok(run);
        }
        tokio::time::sleep(WATCH_EVERY).await;
        run = session.call(app::api::deployments::get_run(team, run.deployment_id, run.run.id)).await?;
    }
}
