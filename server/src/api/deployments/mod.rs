//! `/api/v1/teams/{team_id}/deployments/…`: plans, applies, their live progress, drift and
//! destruction. The engine is [`crate::apply`]; this module checks requests, writes the run and
//! its audit row, and hands the run to the engine.
//!
//! An apply names the digest of the plan it was shown. The server plans again and refuses
//! (409) when the changes differ, so what runs is what was reviewed even if the cloud moved in
//! between. Plans are reads: viewers may make them; applying takes an operator.

pub(super) mod view;

use view::{detail, run_view};

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::apply::planning::{self, Reading, Target};
use crate::apply::start::{self, Starting};
use crate::apply::{self, RunContext};
use crate::auth::Caller;
use crate::db::audit_events::NewAuditEvent;
use crate::db::deployments::{DeploymentRow, NewDeployment};
use crate::db::{DbError, apply_runs, apply_steps, deployment_resources, deployments};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::deployments::{
    ApplyDeploymentRequest, ApplyRun, CreateDeploymentRequest, DeploymentDetail, DeploymentPlanRequest,
    DeploymentSummary, NewDeploymentPlanRequest, PlanReview, RunKind, RunState, check_name,
};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use futures_util::Stream;
use serde_json::json;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;

/// Least time between two `run` events of a running run (its end is sent at once).
const RUN_EVENT_GAP: Duration = Duration::from_millis(250);

/// Handles `GET /api/v1/teams/{team_id}/deployments`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployments",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<DeploymentSummary>), (status = 403, body = ErrorBody))
)]
pub async fn list_deployments(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<DeploymentSummary>>> {
    let rows = deployments::of_team(&state.pool, team_id).await?;
    let newest: BTreeMap<i64, _> = apply_runs::newest_of_team(&state.pool, team_id)
        .await?
        .iter()
        .map(|run| (run.deployment_id, view::run_summary(run)))
        .collect();
    Ok(Json(rows.iter().map(|row| view::deployment_summary(row, newest.get(&row.id).cloned())).collect()))
}

/// Handles `POST /api/v1/teams/{team_id}/deployments/plan`: what applying a template version to a
/// compartment would do. Changes nothing.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments/plan",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = NewDeploymentPlanRequest,
    responses((status = 200, body = PlanReview), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn plan_new_deployment(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<NewDeploymentPlanRequest>,
) -> ApiResult<Json<PlanReview>> {
    let target = new_target(team_id, &caller, &request);
    Ok(Json(planning::make(&state, &target, "", &[]).await?.review))
}

/// Handles `POST /api/v1/teams/{team_id}/deployments`: creates a deployment and starts applying
/// its reviewed plan. Answers the run; its progress streams from `…/runs/{run_id}/events`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateDeploymentRequest,
    responses(
        (status = 200, body = ApplyRun),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)
    )
)]
pub async fn create_deployment(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateDeploymentRequest>,
) -> ApiResult<Json<ApplyRun>> {
    let name = request.name.trim().to_owned();
    check_name(&name).map_err(|m| AppError::invalid("name", m))?;
    let target = new_target(team_id, &caller, &request.target);
    let uid = start::new_uid();
    let planned = planning::make_for_apply(&state, &target, &uid, &[], Reading::TemplateOnly).await?;
    check_reviewed(&planned.review, &request.digest)?;
    let overridden = check_preflight(&planned.review, request.override_preflight.as_deref())?;
    let parameters = start::parameters_json(&request.target.parameters);
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let new = NewDeployment {
        uid: &uid,
        team_id,
        name: &name,
        template_id: target.template_id,
        version: target.version,
        connection_id: target.connection_id,
        compartment_id: &planned.compartment_id,
        region: None,
        set_id: None,
        parameters: &parameters,
        created_by: caller.user.id,
    };
    let id = deployments::insert(&mut tx, &new).await.map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "name".into(),
            message: format!("This team has a deployment named {name} already; choose another name, or apply to it."),
        },
        other => other.into(),
    })?;
    let starting = Starting {
        caller: &caller,
        team_id,
        deployment_id: id,
        deployment_name: &name,
        uid: &uid,
        kind: RunKind::Apply,
        action: "deployment.create",
        holder: &state.instance_id,
    };
    let run_id = starting.record(&mut tx, &target, &planned).await?;
    if let Some(reason) = overridden {
        starting.record_override(&mut tx, run_id, &target, &planned, reason).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    starting.launch(&state, run_id, &target, planned);
    run_view(&state, id, run_id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/deployments/{deployment_id}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployments/{deployment_id}",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("deployment_id" = i64, Path, description = "Deployment id")),
    responses((status = 200, body = DeploymentDetail), (status = 404, body = ErrorBody))
)]
pub async fn get_deployment(
    state: AppState,
    Path((team_id, deployment_id)): Path<(i64, i64)>,
) -> ApiResult<Json<DeploymentDetail>> {
    detail(&state, team_id, deployment_id).await.map(Json)
}

/// Handles `POST /api/v1/teams/{team_id}/deployments/{deployment_id}/plan`: an upgrade, new
/// values, the same again, or (with `destroy`) deleting everything. Changes nothing.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments/{deployment_id}/plan",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("deployment_id" = i64, Path, description = "Deployment id")),
    request_body = DeploymentPlanRequest,
    responses((status = 200, body = PlanReview), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn plan_deployment(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, deployment_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<DeploymentPlanRequest>,
) -> ApiResult<Json<PlanReview>> {
    let row = find(&state, team_id, deployment_id).await?;
    let target = existing_target(&row, &caller, &request)?;
    let owned = deployment_resources::owned(&state.pool, row.id).await?;
    Ok(Json(planning::make(&state, &target, &row.uid, &owned).await?.review))
}

/// Handles `POST /api/v1/teams/{team_id}/deployments/{deployment_id}/apply`: applies a reviewed
/// plan (upgrade, new values, re-apply, or destroy).
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments/{deployment_id}/apply",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("deployment_id" = i64, Path, description = "Deployment id")),
    request_body = ApplyDeploymentRequest,
    responses(
        (status = 200, body = ApplyRun),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)
    )
)]
pub async fn apply_deployment(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, deployment_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<ApplyDeploymentRequest>,
) -> ApiResult<Json<ApplyRun>> {
    let row = find(&state, team_id, deployment_id).await?;
    if let Some(run) = apply_runs::unfinished(&state.pool, row.id).await? {
        return Err(AppError::Conflict {
            field: String::new(),
            message: format!(
                "Run {run} of {} has not finished; wait for it, or resume it if it was interrupted.",
                row.name
            ),
        });
    }
    let target = existing_target(&row, &caller, &request.plan)?;
    let owned = deployment_resources::owned(&state.pool, row.id).await?;
    let planned = planning::make_for_apply(&state, &target, &row.uid, &owned, Reading::Cloud).await?;
    check_reviewed(&planned.review, &request.digest)?;
    let overridden = check_preflight(&planned.review, request.override_preflight.as_deref())?;
    let starting = Starting {
        caller: &caller,
        team_id,
        deployment_id: row.id,
        deployment_name: &row.name,
        uid: &row.uid,
        kind: if target.destroy { RunKind::Destroy } else { RunKind::Apply },
        action: if target.destroy { "deployment.destroy" } else { "deployment.apply" },
        holder: &state.instance_id,
    };
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let run_id = starting.record(&mut tx, &target, &planned).await?;
    if let Some(reason) = overridden {
        starting.record_override(&mut tx, run_id, &target, &planned, reason).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    starting.launch(&state, run_id, &target, planned);
    run_view(&state, row.id, run_id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}",
    tag = "deployments",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("deployment_id" = i64, Path, description = "Deployment id"),
        ("run_id" = i64, Path, description = "Run id")
    ),
    responses((status = 200, body = ApplyRun), (status = 404, body = ErrorBody))
)]
pub async fn get_run(
    state: AppState,
    Path((team_id, deployment_id, run_id)): Path<(i64, i64, i64)>,
) -> ApiResult<Json<ApplyRun>> {
    let row = find(&state, team_id, deployment_id).await?;
    run_view(&state, row.id, run_id).await.map(Json)
}

/// Handles `GET …/runs/{run_id}/events`: the run as server-sent events, one `run` event (an
/// [`ApplyRun`] as JSON) when its steps change, at most one every [`RUN_EVENT_GAP`] while it
/// runs, and the last as soon as it ends. A change costs a look at the run's row; the whole run
/// (every step) is read and sent only when an event is due, so a plan of thousands of steps costs
/// a watcher a few reads a second, not one per step.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/events",
    tag = "deployments",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("deployment_id" = i64, Path, description = "Deployment id"),
        ("run_id" = i64, Path, description = "Run id")
    ),
    responses((status = 200, description = "text/event-stream of `run` events", content_type = "text/event-stream"), (status = 404, body = ErrorBody))
)]
pub async fn run_events(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, deployment_id, run_id)): Path<(i64, i64, i64)>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let row = find(&state, team_id, deployment_id).await?;
    run_view(&state, row.id, run_id).await?;
    let changes = state.progress.subscribe();
    let start = Some((state.clone(), changes, String::new(), tokio::time::Instant::now()));
    let stream = futures_util::stream::unfold(start, move |next| async move {
        let (state, mut changes, last, due) = next?;
        // Changes until the next event is due are gathered into it, unless the run ends first.
        let gathering = due.saturating_duration_since(tokio::time::Instant::now());
        if !gathering.is_zero() {
            let _ = tokio::time::timeout(gathering, wait_for_end(&state, row.id, run_id, &mut changes)).await;
        }
        loop {
            let run = run_view(&state, row.id, run_id).await.ok()?;
            let text = serde_json::to_string(&run).ok()?;
            if text != last {
                let event = Event::default().event("run").data(text.clone());
                let due = tokio::time::Instant::now() + RUN_EVENT_GAP;
                let next = (!run.run.state.is_final()).then_some((state, changes, text, due));
                return Some((Ok(event), next));
            }
            if run.run.state.is_final() {
                return None;
            }
            // A missed wake-up only delays the next event by the timeout.
            let _ = tokio::time::timeout(Duration::from_secs(1), changes.changed()).await;
        }
    });
    let stream = super::live::guarded(state, caller, team_id, stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Returns once the run has ended (checked on each change).
async fn wait_for_end(state: &AppState, deployment_id: i64, run_id: i64, changes: &mut watch::Receiver<u64>) {
    loop {
        if apply_runs::get(&state.pool, deployment_id, run_id).await.map_or(true, |run| run.run_state().is_final()) {
            return;
        }
        if changes.changed().await.is_err() {
            return;
        }
    }
}

/// Handles `POST …/runs/{run_id}/resume`: runs what an interrupted (or failed) run did not
/// finish. An in-flight create is repeated with its stored retry token, so nothing is made twice.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/resume",
    tag = "deployments",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("deployment_id" = i64, Path, description = "Deployment id"),
        ("run_id" = i64, Path, description = "Run id")
    ),
    responses((status = 200, body = ApplyRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn resume_run(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, deployment_id, run_id)): Path<(i64, i64, i64)>,
) -> ApiResult<Json<ApplyRun>> {
    let row = find(&state, team_id, deployment_id).await?;
    let run = apply_runs::get(&state.pool, row.id, run_id).await.map_err(|err| run_missing(err, &row, run_id))?;
    match run.run_state() {
        RunState::Interrupted | RunState::Failed => {}
        RunState::Running => {
            return Err(AppError::Conflict {
                field: String::new(),
                message: format!("Run {run_id} is running; follow its progress instead."),
            });
        }
        RunState::Succeeded => {
            return Err(AppError::Conflict {
                field: String::new(),
                message: format!("Run {run_id} finished; plan again to change the deployment."),
            });
        }
    }
    if let Some(newer) = apply_runs::of_deployment(&state.pool, row.id, 1).await?.first().filter(|r| r.id != run_id) {
        return Err(AppError::Conflict {
            field: String::new(),
            message: format!("Run {} came after run {run_id}; plan again instead of resuming an older run.", newer.id),
        });
    }
    resume(&state, &caller, &row, &run, true).await?;
    run_view(&state, row.id, run_id).await.map(Json)
}

/// Handles `POST …/deployments/{deployment_id}/drift`: plans the deployment's own version and
/// values against the cloud now and records whether anything differs.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployments/{deployment_id}/drift",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("deployment_id" = i64, Path, description = "Deployment id")),
    responses((status = 200, body = DeploymentDetail), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn check_drift(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, deployment_id)): Path<(i64, i64)>,
) -> ApiResult<Json<DeploymentDetail>> {
    let row = find(&state, team_id, deployment_id).await?;
    apply::drift::check(&state, &row, caller.user.id).await?;
    detail(&state, team_id, deployment_id).await.map(Json)
}

/// Resumes `run` of `row` (interrupted or failed, and its newest): what is not done runs again,
/// an in-flight create with its stored retry token. Audited as `deployment.resume` when
/// `audited` (a fan-out retry writes one row for all the targets it resumes).
pub(crate) async fn resume(
    state: &AppState,
    caller: &Caller,
    row: &DeploymentRow,
    run: &crate::db::apply_runs::RunRow,
    audited: bool,
) -> ApiResult<()> {
    let (team_id, run_id) = (row.team_id, run.id);
    let desired = serde_json::from_str(&run.desired)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a stored run's desired state does not parse: {e}")))?;
    let reached = crate::connections::reach_deployment(state, row).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    apply_steps::retry_unfinished(&mut tx, run_id).await?;
    apply_runs::set_state(&mut tx, run_id, RunState::Running).await?;
    // Held from the commit on: the leader must not take it for an orphan before it starts here.
    apply_runs::hold(&mut tx, run_id, &state.instance_id).await?;
    if audited {
        let after = json!({"run": run_id, "was": run.state}).to_string();
        let mut event = audit(caller, "deployment.resume", team_id, row);
        event.after_json = Some(&after);
        event.apply_run_id = Some(run_id);
        event.append(&mut tx).await?;
    }
    tx.commit().await.map_err(DbError::from)?;
    let kind = if run.kind == "destroy" { RunKind::Destroy } else { RunKind::Apply };
    apply::spawn(
        state.progress.clone(),
        RunContext {
            pool: state.pool.clone(),
            client: reached.client,
            run_id,
            kind,
            version: run.version,
            parameters: run.parameters.clone(),
            deployment_id: row.id,
            uid: row.uid.clone(),
            team_id,
            connection_id: row.connection_id,
            compartment_id: row.compartment_id.clone(),
            desired,
            actor_id: Some(caller.user.id),
            actor_name: caller.user.username.clone(),
            holder: state.instance_id.clone(),
        },
    );
    Ok(())
}

fn new_target(team_id: i64, caller: &Caller, request: &NewDeploymentPlanRequest) -> Target {
    Target {
        team_id,
        user_id: caller.user.id,
        template_id: request.template_id,
        version: request.version,
        connection_id: request.connection_id,
        compartment_id: request.compartment_id.clone(),
        region: None,
        compartment_name: None,
        parameters: request.parameters.clone(),
        destroy: false,
        shared: None,
    }
}

fn existing_target(row: &DeploymentRow, caller: &Caller, request: &DeploymentPlanRequest) -> ApiResult<Target> {
    if row.state == "destroyed" && request.destroy {
        return Err(AppError::invalid("destroy", format!("{} is destroyed already; it owns nothing.", row.name)));
    }
    Ok(Target {
        team_id: row.team_id,
        user_id: caller.user.id,
        template_id: row.template_id,
        version: request.version.unwrap_or(row.version),
        connection_id: row.connection_id,
        compartment_id: row.compartment_id.clone(),
        region: row.region.clone(),
        compartment_name: None,
        parameters: request.parameters.clone().unwrap_or_else(|| row.parameter_values()),
        destroy: request.destroy,
        shared: None,
    })
}

/// Refuses an apply whose plan is not the one reviewed, or one the cloud would refuse.
/// The reason to apply despite blocking pre-flight findings, when there are some: without one
/// the apply is refused, naming them.
fn check_preflight<'a>(review: &PlanReview, reason: Option<&'a str>) -> ApiResult<Option<&'a str>> {
    check_override(blocking(review, ""), reason)
}

/// The blocking pre-flight findings of `review`, each as `<prefix>subject (message)`.
pub(crate) fn blocking(review: &PlanReview, prefix: &str) -> Vec<String> {
    review
        .preflight
        .iter()
        .flat_map(|report| &report.findings)
        .filter(|f| f.outcome == app::api::preflight::Outcome::Blocking)
        .map(|f| format!("{prefix}{} ({})", f.subject, f.message))
        .collect()
}

/// The checked reason to apply despite `blocking` findings, when there are some: without one
/// the apply is refused, naming them.
pub(crate) fn check_override(blocking: Vec<String>, reason: Option<&str>) -> ApiResult<Option<&str>> {
    if blocking.is_empty() {
        return Ok(None);
    }
    match reason.map(str::trim) {
        Some(reason) if !reason.is_empty() => {
            if reason.chars().count() > 500 {
                return Err(AppError::invalid("override_preflight", "Give the reason in at most 500 characters."));
            }
            app::model::text::check_multi_line(reason).map_err(|m| AppError::invalid("override_preflight", m))?;
            Ok(Some(reason))
        }
        Some(_) => Err(AppError::invalid(
            "override_preflight",
            "Say why the apply should go ahead despite the blocking checks.",
        )),
        None => Err(AppError::Conflict {
            field: "override_preflight".into(),
            message: format!(
                "Pre-flight checks say OCI would refuse this plan: {}. Fix them and plan again, or apply with override_preflight giving the reason (it is audited).",
                blocking.join("; ")
            ),
        }),
    }
}

fn check_reviewed(review: &PlanReview, digest: &str) -> ApiResult<()> {
    if let Some(problem) = review.plan.problems.first() {
        return Err(AppError::invalid(&format!("plan.{}", problem.field), problem.message.clone()));
    }
    if review.digest != digest.trim() {
        return Err(AppError::Conflict {
            field: "digest".into(),
            message: "The plan changed since it was reviewed (the cloud or the template moved); review the new plan and apply that.".into(),
        });
    }
    Ok(())
}

async fn find(state: &AppState, team_id: i64, deployment_id: i64) -> ApiResult<DeploymentRow> {
    deployments::get(&state.pool, team_id, deployment_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("This team has no deployment {deployment_id}.")),
        other => other.into(),
    })
}

fn run_missing(err: DbError, row: &DeploymentRow, run_id: i64) -> AppError {
    match err {
        DbError::NotFound => AppError::NotFound(format!("{} has no run {run_id}.", row.name)),
        other => other.into(),
    }
}

fn audit<'a>(caller: &'a Caller, action: &'a str, team_id: i64, row: &'a DeploymentRow) -> NewAuditEvent<'a> {
    NewAuditEvent {
        team_id: Some(team_id),
        connection_id: Some(row.connection_id),
        compartment_id: Some(&row.compartment_id),
        ..caller.audit(action, "deployment", row.id.to_string(), &row.name)
    }
}
