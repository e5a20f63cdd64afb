//! `/api/v1/teams/{team_id}/deployment-sets/…`: fan-out deployments. The planning is
//! [`crate::apply::fanout`]; each target then runs as an ordinary deployment's run, so its
//! progress, drift, resume and destruction are the deployment endpoints' too. An apply names the
//! digest of the whole plan it was shown, and starts every target's run in one transaction with
//! the set's own audit row; the runs go in parallel, each within the client's pace.

use super::ApiResult;
use super::deployments::{blocking, check_override, resume};
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::apply::fanout::{self, PlannedTarget, SetPlanned, SetSpec};
use crate::apply::planning::Reading;
use crate::apply::start::{self, Starting, redacted};
use crate::auth::Caller;
use crate::db::deployment_sets::{NewSet, SetRow};
use crate::db::deployments::{DeploymentRow, NewDeployment};
use crate::db::{DbError, apply_runs, deployment_sets, deployments};
use crate::error::AppError;
use crate::pipelines::set_health;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::deployment_sets::{
    ApplySetRequest, CreateSetRequest, NewSetPlanRequest, SetDetail, SetHealth, SetPlanRequest, SetPlanReview, SetRun,
    SetSummary, TargetRun, TargetStatus,
};
use app::api::deployments::{MAX_NAME, RunKind, RunState, check_name};
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Longest set name: its targets' deployments are named after it, their region and compartment.
pub const MAX_SET_NAME: usize = 60;

/// Handles `GET /api/v1/teams/{team_id}/deployment-sets`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployment-sets",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<SetSummary>), (status = 403, body = ErrorBody))
)]
pub async fn list_sets(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<SetSummary>>> {
    let sets = deployment_sets::of_team(&state.pool, team_id).await?;
    // Runs before deployments: a run that ends in between is then seen running beside its
    // deployment as it ended, never ended beside its deployment as it was (a run's end and its
    // deployment's new state are one transaction).
    let newest = newest_runs(&state, team_id).await?;
    let members = deployments::of_team(&state.pool, team_id).await?;
    Ok(Json(
        sets.iter()
            .map(|set| {
                let mine: Vec<&DeploymentRow> = members.iter().filter(|m| m.set_id == Some(set.id)).collect();
                summary(set, &mine, &newest)
            })
            .collect(),
    ))
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/plan`: what applying a template version
/// to every target of a scope would do, grouped by target. Changes nothing.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/plan",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = NewSetPlanRequest,
    responses((status = 200, body = SetPlanReview), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn plan_new_set(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<NewSetPlanRequest>,
) -> ApiResult<Json<SetPlanReview>> {
    let spec = new_spec(team_id, &caller, &request);
    Ok(Json(fanout::plan(&state, &spec, &[], Reading::Cloud).await?.review))
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets`: creates a fan-out deployment and
/// starts applying its reviewed plan to every target that could be planned.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateSetRequest,
    responses(
        (status = 200, body = SetRun),
        (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)
    )
)]
pub async fn create_set(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateSetRequest>,
) -> ApiResult<Json<SetRun>> {
    let name = request.name.trim().to_owned();
    check_set_name(&name)?;
    let spec = new_spec(team_id, &caller, &request.plan);
    let planned = fanout::plan(&state, &spec, &[], Reading::TemplateOnly).await?;
    let reason = check_planned(&planned, &request.digest, request.override_preflight.as_deref())?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let parameters = start::parameters_json(&spec.parameters);
    let scope = serde_json::to_string(&spec.scope).map_err(|e| AppError::Internal(e.into()))?;
    let new = NewSet {
        team_id,
        name: &name,
        template_id: spec.template_id,
        version: spec.version,
        connection_id: spec.connection_id,
        parameters: &parameters,
        scope: &scope,
        created_by: caller.user.id,
    };
    let set_id = deployment_sets::insert(&mut tx, &new).await.map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "name".into(),
            message: format!("This team has a fan-out deployment named {name} already; choose another name."),
        },
        other => other.into(),
    })?;
    let set = Named { id: set_id, name: &name };
    let run =
        start_targets(&state, &caller, team_id, &set, "deployment_set.create", &spec, planned, reason, &mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(run.launch(&state, &caller)))
}

/// Handles `GET /api/v1/teams/{team_id}/deployment-sets/{set_id}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployment-sets/{set_id}",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    responses((status = 200, body = SetDetail), (status = 404, body = ErrorBody))
)]
pub async fn get_set(state: AppState, Path((team_id, set_id)): Path<(i64, i64)>) -> ApiResult<Json<SetDetail>> {
    set_detail(&state, team_id, set_id).await.map(Json)
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/drift`: checks every active
/// target's drift and looks for targets its scope gained (compartments made since), now.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/{set_id}/drift",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    responses((status = 200, body = SetDetail), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn check_set_drift(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, set_id)): Path<(i64, i64)>,
) -> ApiResult<Json<SetDetail>> {
    let set = find(&state, team_id, set_id).await?;
    let members = deployments::of_set(&state.pool, team_id, set.id).await?;
    let active: Vec<DeploymentRow> = members.into_iter().filter(|m| m.state == "active").collect();
    let user = caller.user.id;
    // A target whose cloud cannot be read is recorded as a failed check; the others go on.
    let _: Vec<Result<(), AppError>> = futures_util::stream::iter(active)
        .map(|member| {
            let state = state.clone();
            async move { crate::apply::drift::check(&state, &member, user).await }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    crate::apply::drift::check_scope(&state, team_id, set.id).await?;
    set_detail(&state, team_id, set.id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/deployment-sets/{set_id}/health`: every active target's
/// pipelines with their last stored status, and the whole set's counts. Reads no cloud.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/deployment-sets/{set_id}/health",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    responses((status = 200, body = SetHealth), (status = 404, body = ErrorBody))
)]
pub async fn get_set_health(state: AppState, Path((team_id, set_id)): Path<(i64, i64)>) -> ApiResult<Json<SetHealth>> {
    let (home_region, members) = health_scope(&state, team_id, set_id).await?;
    Ok(Json(set_health::stored(&state, &home_region, &members, &HashMap::new()).await?))
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/health`: checks every active
/// target's compartment in its region now (stored, and each change of status audited, as the
/// Health page's check); a target that cannot be read is named and the others go on.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/{set_id}/health",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    responses((status = 200, body = SetHealth), (status = 404, body = ErrorBody))
)]
pub async fn check_set_health(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, set_id)): Path<(i64, i64)>,
) -> ApiResult<Json<SetHealth>> {
    let (home_region, members) = health_scope(&state, team_id, set_id).await?;
    let audit = caller.audit("pipeline.health_change", "rule", String::new(), "");
    Ok(Json(set_health::check(&state, team_id, &home_region, &members, audit).await?))
}

/// The region of the set's connection and the set's members.
async fn health_scope(state: &AppState, team_id: i64, set_id: i64) -> ApiResult<(String, Vec<DeploymentRow>)> {
    let set = find(state, team_id, set_id).await?;
    let home_region = home_region(state, team_id, set.connection_id).await?;
    Ok((home_region, deployments::of_set(&state.pool, team_id, set.id).await?))
}

async fn set_detail(state: &AppState, team_id: i64, set_id: i64) -> ApiResult<SetDetail> {
    let state = state.clone();
    let set = find(&state, team_id, set_id).await?;
    // Runs before deployments, as in [`list_sets`].
    let newest = newest_runs(&state, team_id).await?;
    let members = deployments::of_set(&state.pool, team_id, set.id).await?;
    let targets =
        members.iter().map(|m| super::deployments::view::deployment_summary(m, newest.get(&m.id).cloned())).collect();
    Ok(SetDetail {
        summary: summary(&set, &members.iter().collect::<Vec<_>>(), &newest),
        parameters: redacted(&set.parameter_values()),
        targets,
    })
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/plan`: an upgrade, new values,
/// a new scope, the same again (compartments that appeared in scope become targets), or (with
/// `destroy`) deleting what every target has. Changes nothing.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/{set_id}/plan",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    request_body = SetPlanRequest,
    responses((status = 200, body = SetPlanReview), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn plan_set(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, set_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<SetPlanRequest>,
) -> ApiResult<Json<SetPlanReview>> {
    let set = find(&state, team_id, set_id).await?;
    let spec = existing_spec(&set, &caller, &request);
    let members = deployments::of_set(&state.pool, team_id, set.id).await?;
    Ok(Json(fanout::plan(&state, &spec, &members, Reading::Cloud).await?.review))
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/apply`: applies a reviewed
/// plan of a fan-out deployment (upgrade, values, scope, re-apply, or destroy).
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/{set_id}/apply",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    request_body = ApplySetRequest,
    responses(
        (status = 200, body = SetRun),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody)
    )
)]
pub async fn apply_set(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, set_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<ApplySetRequest>,
) -> ApiResult<Json<SetRun>> {
    let set = find(&state, team_id, set_id).await?;
    let spec = existing_spec(&set, &caller, &request.plan);
    let members = deployments::of_set(&state.pool, team_id, set.id).await?;
    if spec.destroy && !members.iter().any(|m| m.state == "active") {
        return Err(AppError::invalid("destroy", format!("{} is destroyed already; it owns nothing.", set.name)));
    }
    let planned = fanout::plan(&state, &spec, &members, Reading::TemplateOnly).await?;
    let reason = check_planned(&planned, &request.digest, request.override_preflight.as_deref())?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    if !spec.destroy {
        let parameters = start::parameters_json(&spec.parameters);
        let scope = serde_json::to_string(&spec.scope).map_err(|e| AppError::Internal(e.into()))?;
        deployment_sets::set_applied(&mut tx, set.id, spec.version, &parameters, &scope).await?;
    }
    let named = Named { id: set.id, name: &set.name };
    let action = if spec.destroy { "deployment_set.destroy" } else { "deployment_set.apply" };
    let run = start_targets(&state, &caller, team_id, &named, action, &spec, planned, reason, &mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(run.launch(&state, &caller)))
}

/// Handles `POST /api/v1/teams/{team_id}/deployment-sets/{set_id}/retry`: resumes every target
/// whose newest run failed or was interrupted; the others are left as they are.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/deployment-sets/{set_id}/retry",
    tag = "deployments",
    params(("team_id" = i64, Path, description = "Team id"), ("set_id" = i64, Path, description = "Set id")),
    responses((status = 200, body = SetRun), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn retry_set(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, set_id)): Path<(i64, i64)>,
) -> ApiResult<Json<SetRun>> {
    let set = find(&state, team_id, set_id).await?;
    let members = deployments::of_set(&state.pool, team_id, set.id).await?;
    let mut runs = Vec::new();
    for member in &members {
        let Some(run) = apply_runs::of_deployment(&state.pool, member.id, 1).await?.into_iter().next() else {
            continue;
        };
        if matches!(run.run_state(), RunState::Failed | RunState::Interrupted) {
            resume(&state, &caller, member, &run, false).await?;
            runs.push(TargetRun {
                region: region_of(&state, member).await,
                compartment_id: member.compartment_id.clone(),
                deployment_id: member.id,
                run_id: Some(run.id),
                state: Some(RunState::Running),
            });
        }
    }
    if runs.is_empty() {
        return Err(AppError::Conflict {
            field: String::new(),
            message: format!("No target of {} has a failed or interrupted run; there is nothing to retry.", set.name),
        });
    }
    let after = json!({"runs": runs}).to_string();
    let event = crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        after_json: Some(&after),
        connection_id: Some(set.connection_id),
        ..caller.audit("deployment_set.retry", "deployment_set", set.id.to_string(), &set.name)
    };
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    event.append(&mut conn).await?;
    Ok(Json(SetRun { set_id: set.id, runs, skipped: Vec::new() }))
}

/// A set's id and name.
struct Named<'a> {
    id: i64,
    name: &'a str,
}

/// Target runs written in a transaction, launched once it commits.
struct Started {
    set_id: i64,
    runs: Vec<(TargetRun, Option<Launch>)>,
    skipped: Vec<app::api::deployment_sets::TargetPlan>,
}

/// What launching one recorded run needs.
struct Launch {
    run_id: i64,
    deployment_id: i64,
    name: String,
    uid: String,
    kind: RunKind,
    target: crate::apply::planning::Target,
    planned: crate::apply::planning::Planned,
}

impl Started {
    /// Launches every recorded run; answers what was started.
    fn launch(self, state: &AppState, caller: &Caller) -> SetRun {
        let runs = self
            .runs
            .into_iter()
            .map(|(entry, launch)| {
                if let Some(l) = launch {
                    let starting = Starting {
                        caller,
                        team_id: l.target.team_id,
                        deployment_id: l.deployment_id,
                        deployment_name: &l.name,
                        uid: &l.uid,
                        kind: l.kind,
                        action: "",
                        holder: &state.instance_id,
                    };
                    starting.launch(state, l.run_id, &l.target, l.planned);
                }
                entry
            })
            .collect();
        SetRun { set_id: self.set_id, runs, skipped: self.skipped }
    }
}

/// Writes, in `tx`, every target's deployment (new ones) and run (where its plan changes
/// something), each run's audit rows, and the set's own audit row.
#[allow(clippy::too_many_arguments, reason = "one transaction's worth of context")]
async fn start_targets(
    state: &AppState,
    caller: &Caller,
    team_id: i64,
    set: &Named<'_>,
    action: &str,
    spec: &SetSpec,
    planned: SetPlanned,
    reason: Option<&str>,
    tx: &mut crate::db::Conn,
) -> ApiResult<Started> {
    let SetPlanned { review, targets } = planned;
    let mut taken: HashSet<String> = HashSet::new();
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    let mut audited = Vec::new();
    for (shown, target) in review.targets.iter().zip(targets) {
        let PlannedTarget { key, compartment_name, member, uid, status, planned, target } = target;
        let planned = match (status, planned) {
            (TargetStatus::OutOfScope, _) | (_, Ok(None)) => continue,
            (_, Err(_)) => {
                skipped.push(shown.clone());
                continue;
            }
            (_, Ok(Some(planned))) => planned,
        };
        let (deployment_id, name, run_action) = match &member {
            Some(member) => {
                if !planned.review.plan.changes_anything() {
                    runs.push((target_run(&key, member.id, None), None));
                    continue;
                }
                if let Some(run) = apply_runs::unfinished(&state.pool, member.id).await? {
                    return Err(AppError::Conflict {
                        field: String::new(),
                        message: format!(
                            "Run {run} of {} has not finished; wait for it, or retry the set's failed targets.",
                            member.name
                        ),
                    });
                }
                let action = if spec.destroy { "deployment.destroy" } else { "deployment.apply" };
                (member.id, member.name.clone(), action)
            }
            None => {
                let name = member_name(set.name, &key.region, &compartment_name, &mut taken);
                let new = NewDeployment {
                    uid: &uid,
                    team_id,
                    name: &name,
                    template_id: spec.template_id,
                    version: spec.version,
                    connection_id: spec.connection_id,
                    compartment_id: &planned.compartment_id,
                    region: target.region.as_deref(),
                    set_id: Some(set.id),
                    parameters: &start::parameters_json(&spec.parameters),
                    created_by: caller.user.id,
                };
                let id = deployments::insert(tx, &new).await.map_err(|err| match err {
                    DbError::Conflict => AppError::Conflict {
                        field: "name".into(),
                        message: format!(
                            "This team has a deployment named {name} already; rename it, or name the set differently."
                        ),
                    },
                    other => other.into(),
                })?;
                (id, name, "deployment.create")
            }
        };
        let kind = if spec.destroy { RunKind::Destroy } else { RunKind::Apply };
        let starting = Starting {
            caller,
            team_id,
            deployment_id,
            deployment_name: &name,
            uid: &uid,
            kind,
            action: run_action,
            holder: &state.instance_id,
        };
        let run_id = starting.record_run(tx, &target, &planned).await?;
        let overridden = start::overridden(&planned.review);
        audited.push(json!({
            "deployment_id": deployment_id,
            "deployment": name,
            "region": key.region,
            "compartment_id": key.compartment_id,
            "run_id": run_id,
            "action": run_action.trim_start_matches("deployment."),
            "changes": serde_json::from_str::<serde_json::Value>(&starting.audit_after(&target, &planned))
                .ok()
                .and_then(|after| after.get("changes").cloned()),
            "overridden": (!overridden.is_empty()).then_some(overridden),
        }));
        let mut entry = target_run(&key, deployment_id, Some(run_id));
        entry.state = Some(RunState::Running);
        runs.push((entry, Some(Launch { run_id, deployment_id, name, uid, kind, target, planned })));
    }
    let after = json!({
        "template": review.template_name,
        "version": spec.version,
        "connection_id": spec.connection_id,
        "scope": spec.scope,
        "parameters": redacted(&spec.parameters),
        "targets": review.targets.len(),
        "runs": audited,
        "override_preflight": reason,
        "skipped": skipped.iter().map(|t| json!({"region": t.region, "compartment_id": t.compartment_id, "error": t.error})).collect::<Vec<_>>(),
    })
    .to_string();
    let event = crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        after_json: Some(&after),
        connection_id: Some(spec.connection_id),
        ..caller.audit(action, "deployment_set", set.id.to_string(), set.name)
    };
    event.append(tx).await?;
    Ok(Started { set_id: set.id, runs, skipped })
}

fn target_run(key: &fanout::TargetKey, deployment_id: i64, run_id: Option<i64>) -> TargetRun {
    TargetRun {
        region: key.region.clone(),
        compartment_id: key.compartment_id.clone(),
        deployment_id,
        run_id,
        state: None,
    }
}

/// A target's deployment name: the set's, the region's and the compartment's, cut to fit and
/// made unique among the targets named so far.
fn member_name(set: &str, region: &str, compartment: &str, taken: &mut HashSet<String>) -> String {
    let base = format!("{set} · {region} · {compartment}");
    let cut = |text: &str, room: usize| -> String {
        if text.chars().count() <= room {
            text.to_owned()
        } else {
            text.chars().take(room - 1).chain(['…']).collect()
        }
    };
    let mut name = cut(&base, MAX_NAME);
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        let suffix = format!(" ({n})");
        name = format!("{}{suffix}", cut(&base, MAX_NAME - suffix.chars().count()));
        n += 1;
    }
    name
}

/// Refuses an apply whose plan is not the one reviewed, one with problems, or one with blocking
/// pre-flight findings and no reason to override them; answers the reason when one is given.
fn check_planned<'a>(planned: &SetPlanned, digest: &str, reason: Option<&'a str>) -> ApiResult<Option<&'a str>> {
    for (i, target) in planned.review.targets.iter().enumerate() {
        if let Some(problem) = target.review.as_ref().and_then(|r| r.plan.problems.first()) {
            return Err(AppError::invalid(
                &format!("targets[{i}].plan.{}", problem.field),
                format!("{} in {}: {}", target.compartment_name, target.region, problem.message),
            ));
        }
    }
    if planned.review.digest != digest.trim() {
        return Err(AppError::Conflict {
            field: "digest".into(),
            message: "The plan changed since it was reviewed (the cloud, the compartments in scope or the template moved); review the new plan and apply that.".into(),
        });
    }
    if !planned.review.targets.iter().any(|t| t.review.as_ref().is_some_and(|r| r.plan.changes_anything())) {
        return Err(AppError::invalid("digest", "No target has anything to change; the set is as planned."));
    }
    let findings = planned
        .review
        .targets
        .iter()
        .filter_map(|t| t.review.as_ref().map(|r| blocking(r, &format!("{} in {}: ", t.compartment_name, t.region))))
        .flatten()
        .collect();
    check_override(findings, reason)
}

fn check_set_name(name: &str) -> ApiResult<()> {
    check_name(name).map_err(|m| AppError::invalid("name", m))?;
    if name.chars().count() > MAX_SET_NAME {
        return Err(AppError::invalid(
            "name",
            format!("Keep a fan-out deployment's name to {MAX_SET_NAME} characters: its targets are named after it."),
        ));
    }
    Ok(())
}

fn new_spec(team_id: i64, caller: &Caller, request: &NewSetPlanRequest) -> SetSpec {
    SetSpec {
        team_id,
        user_id: caller.user.id,
        template_id: request.template_id,
        version: request.version,
        connection_id: request.connection_id,
        scope: request.scope.clone(),
        parameters: request.parameters.clone(),
        destroy: false,
    }
}

fn existing_spec(set: &SetRow, caller: &Caller, request: &SetPlanRequest) -> SetSpec {
    SetSpec {
        team_id: set.team_id,
        user_id: caller.user.id,
        template_id: set.template_id,
        version: request.version.unwrap_or(set.version),
        connection_id: set.connection_id,
        scope: request.scope.clone().unwrap_or_else(|| set.scope()),
        parameters: request.parameters.clone().unwrap_or_else(|| set.parameter_values()),
        destroy: request.destroy,
    }
}

/// The newest run of each of the team's deployments.
async fn newest_runs(state: &AppState, team_id: i64) -> ApiResult<BTreeMap<i64, app::api::deployments::RunSummary>> {
    Ok(apply_runs::newest_of_team(&state.pool, team_id)
        .await?
        .iter()
        .map(|run| (run.deployment_id, super::deployments::view::run_summary(run)))
        .collect())
}

fn summary(
    set: &SetRow,
    members: &[&DeploymentRow],
    newest: &BTreeMap<i64, app::api::deployments::RunSummary>,
) -> SetSummary {
    let mut runs: BTreeMap<String, i64> = BTreeMap::new();
    for member in members {
        if let Some(run) = newest.get(&member.id) {
            let state = serde_json::to_value(run.state).ok().and_then(|v| v.as_str().map(str::to_owned));
            *runs.entry(state.unwrap_or_default()).or_default() += 1;
        }
    }
    SetSummary {
        id: set.id,
        name: set.name.clone(),
        template_id: set.template_id,
        template_name: set.template_name.clone(),
        version: set.version,
        latest_version: set.latest_version,
        connection_id: set.connection_id,
        connection_name: set.connection_name.clone(),
        scope: set.scope(),
        targets: members.len() as i64,
        runs,
        drifted: members.iter().filter(|m| m.drift == "drifted").count() as i64,
        unapplied: serde_json::from_str(&set.unapplied).unwrap_or_default(),
        unapplied_checked_at: set.unapplied_checked_at,
    }
}

/// A target's region: its own, or its connection's.
async fn region_of(state: &AppState, member: &DeploymentRow) -> String {
    match &member.region {
        Some(region) => region.clone(),
        None => home_region(state, member.team_id, member.connection_id).await.unwrap_or_default(),
    }
}

/// The region a connection's client signs for (the built-in sandbox's row names none).
async fn home_region(state: &AppState, team_id: i64, connection_id: i64) -> ApiResult<String> {
    Ok(crate::connections::reach(state, team_id, connection_id).await?.client.region().id().to_owned())
}

async fn find(state: &AppState, team_id: i64, set_id: i64) -> ApiResult<SetRow> {
    deployment_sets::get(&state.pool, team_id, set_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("This team has no fan-out deployment {set_id}.")),
        other => other.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_fit_and_stay_unique() {
        let mut taken = HashSet::new();
        let a = member_name("cis", "eu-frankfurt-1", "payments", &mut taken);
        assert_eq!(a, "cis · eu-frankfurt-1 · payments");
        let b = member_name("cis", "eu-frankfurt-1", "Payments", &mut taken);
        assert_eq!(b, "cis · eu-frankfurt-1 · Payments (2)", "names differing in case only are one name");
        let long = "x".repeat(120);
        let c = member_name("cis", "eu-frankfurt-1", &long, &mut taken);
        assert_eq!(c.chars().count(), MAX_NAME);
        assert!(c.ends_with('…'));
        let d = member_name("cis", "eu-frankfurt-1", &long, &mut taken);
        assert_eq!(d.chars().count(), MAX_NAME);
        assert!(d.ends_with("… (2)"), "{d}");
    }
}
