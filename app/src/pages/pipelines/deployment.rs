//! One deployment: what it applied where, its resources, drift (checked now or on the
//! schedule, shown as the plan that would put it back), its runs with live progress, and the
//! changes an operator makes through a reviewed plan: apply again or upgrade, resume an
//! interrupted run, destroy.

use super::plan_view::{PlanView, kind_label};
use super::progress::{RunProgress, run_badge};
use super::{PageStyles, drift_badge};
use crate::api::deployments::{
    ApplyDeploymentRequest, ApplyRun, DeploymentDetail, DeploymentPlanRequest, DeploymentState, DriftStatus,
    PlanReview, RunKind, RunState, StepState, apply_deployment, check_drift, get_deployment, get_run, plan_deployment,
    resume_run,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, DataTable, FormAlert, IconName, Ocid, PageHeader, Tone, TypedConfirm, team_href, use_team,
};
use crate::format;
use crate::pages::export_panel::ExportPanel;
use crate::pages::impact_panel::PlanImpactReview;
use crate::pages::preflight_panel::PreflightReview;
use crate::pages::verify_panel::VerifyPanel;
use crate::template::export;
use crate::template::plan::ResourceKind;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The deployment page, loaded lazily.
pub struct DeploymentRoute;

#[lazy_route]
impl LazyRoute for DeploymentRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DeploymentPage /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeploymentView {
    detail: DeploymentDetail,
    /// The run to show: the one in the URL, else the newest.
    run: Option<ApplyRun>,
}

async fn load(team: i64, id: Option<i64>, run: Option<i64>) -> Result<DeploymentView, ApiError> {
    let Some(id) = id else {
        return Err(ApiError::not_found("This deployment does not exist."));
    };
    let mut detail = get_deployment(team, id).await?;
    let run = match run.or(detail.runs.first().map(|r| r.id)) {
        Some(run) => Some(get_run(team, id, run).await?),
        None => None,
    };
    // A run that ended between the two reads has changed the deployment: read it again, so the
    // page never shows a finished run beside the deployment as it was while it ran.
    let ended_meanwhile = run.as_ref().is_some_and(|r| {
        r.run.state.is_final() && detail.runs.iter().any(|listed| listed.id == r.run.id && !listed.state.is_final())
    });
    if ended_meanwhile {
        detail = get_deployment(team, id).await?;
    }
    Ok(DeploymentView { detail, run })
}

/// What the operator is reviewing before an apply.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    request: DeploymentPlanRequest,
    review: PlanReview,
}

#[component]
fn DeploymentPage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page(
                "Deployment",
                "A template applied to one compartment, and its runs.",
                IconName::Pipelines,
            );
        }
    };
    let team = current.id;
    let can_apply = current.can_change();
    let csrf = StoredValue::new(current.csrf);
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("deployment_id").and_then(|id| id.parse::<i64>().ok()),
                query.read().get("run").and_then(|id| id.parse::<i64>().ok()),
            )
        },
        move |(id, run)| bind_caller(load(team, id, run)),
    );
    view! {
        <PageStyles />
        <AsyncView resource=data render=move |loaded: DeploymentView| {
            view! { <DeploymentBody team can_apply csrf loaded data /> }
        } />
    }
    .into_any()
}

#[component]
fn DeploymentBody(
    team: i64,
    can_apply: bool,
    csrf: StoredValue<String>,
    loaded: DeploymentView,
    data: Resource<Result<DeploymentView, ApiError>>,
) -> impl IntoView {
    let DeploymentView { detail, run } = loaded;
    let summary = detail.summary.clone();
    let id = summary.id;
    let active = summary.state == DeploymentState::Active;
    let current = run.map(RwSignal::new);
    // When the run shown ends, the page reloads what it changed.
    if let Some(current) = current {
        let was_running = current.get_untracked().run.state == RunState::Running;
        Effect::new(move |_| {
            if was_running && current.with(|r| r.run.state.is_final()) {
                data.refetch();
            }
        });
    }
    let plan = Action::new(move |request: &DeploymentPlanRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move {
            let review = plan_deployment(team, id, &request, &csrf).await?;
            Ok::<_, ApiError>(Pending { request, review })
        }
    });
    let override_reason = RwSignal::new(String::new());
    let apply = Action::new(move |pending: &Pending| {
        let blocked = pending.review.preflight.as_ref().is_some_and(|r| r.is_blocked());
        let request = ApplyDeploymentRequest {
            plan: pending.request.clone(),
            digest: pending.review.digest.clone(),
            override_preflight: blocked.then(|| override_reason.get_untracked()),
        };
        let csrf = csrf.get_value();
        async move { apply_deployment(team, id, &request, &csrf).await }
    });
    let drift = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move { check_drift(team, id, &csrf).await }
    });
    let resume = Action::new(move |run: &i64| {
        let (run, csrf) = (*run, csrf.get_value());
        async move { resume_run(team, id, run, &csrf).await }
    });
    let navigate = StoredValue::new(leptos_router::hooks::use_navigate());
    Effect::new(move |_| {
        let started = apply.value().get().and_then(Result::ok).or_else(|| resume.value().get().and_then(Result::ok));
        if let Some(run) = started {
            plan.value().set(None);
            navigate.with_value(|nav| {
                nav(&team_href(team, &format!("/pipelines/deployments/{id}?run={}", run.run.id)), Default::default())
            });
            data.refetch();
        }
        if drift.value().get().is_some_and(|r| r.is_ok()) {
            data.refetch();
        }
    });
    let error = Signal::derive(move || {
        plan.value()
            .get()
            .and_then(Result::err)
            .or_else(|| apply.value().get().and_then(Result::err))
            .or_else(|| drift.value().get().and_then(Result::err))
            .or_else(|| resume.value().get().and_then(Result::err))
    });
    let upgrade_to = (summary.latest_version > summary.version).then_some(summary.latest_version);
    let busy = Signal::derive(move || plan.pending().get() || apply.pending().get());
    let actions = (can_apply && active).then(|| {
        view! {
            <button
                type="button"
                class="btn"
                disabled=move || busy.get()
                on:click=move |_| {
                    plan.dispatch(DeploymentPlanRequest::default());
                }
            >
                "Plan again"
            </button>
            {upgrade_to.map(|v| view! {
                <button
                    type="button"
                    class="btn"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        plan.dispatch(DeploymentPlanRequest { version: Some(v), ..Default::default() });
                    }
                >
                    {format!("Upgrade to v{v}")}
                </button>
            })}
            <TypedConfirm
                label="Destroy"
                name=summary.name.clone()
                consequences=format!(
                    "Destroying plans the deletion of the {} resources {} owns in OCI (topics, their subscriptions and rules). You review that plan before anything is deleted.",
                    summary.resources,
                    summary.name,
                )
                on_confirm=Callback::new(move |()| {
                    plan.dispatch(DeploymentPlanRequest { destroy: true, ..Default::default() });
                })
                disabled=busy
            />
        }
    });
    let review = move || {
        plan.value().get().and_then(Result::ok).map(|pending| {
            let blocked = !pending.review.plan.problems.is_empty();
            let needs_reason = pending.review.preflight.as_ref().is_some_and(|r| r.is_blocked());
            let preflight = pending
                .review
                .preflight
                .clone()
                .map(|report| view! { <PreflightReview report reason=override_reason /> });
            let impact = pending.review.impact.clone().map(|impact| view! { <PlanImpactReview impact /> });
            let destroy = pending.request.destroy;
            let label = match (destroy, needs_reason) {
                (true, _) => "Apply destroy",
                (false, true) => "Apply anyway",
                (false, false) => "Apply",
            };
            let title = if destroy {
                "Plan: destroy".to_owned()
            } else {
                format!("Plan: {} v{}", pending.review.template_name, pending.review.version)
            };
            let to_apply = pending.clone();
            view! {
                <section class="section plan-review" aria-labelledby="plan-title">
                    <h2 id="plan-title" class="section-title">{title}</h2>
                    <PlanView plan=pending.review.plan.clone() />
                    {impact}
                    {preflight}
                    <div class="form-actions">
                        <button
                            type="button"
                            class=if destroy { "btn btn-danger" } else { "btn btn-primary" }
                            disabled=move || {
                                blocked || apply.pending().get()
                                    || (needs_reason && override_reason.with(|r| r.trim().is_empty()))
                            }
                            on:click=move |_| {
                                apply.dispatch(to_apply.clone());
                            }
                        >
                            {label}
                        </button>
                        <button type="button" class="btn" on:click=move |_| plan.value().set(None)>"Cancel"</button>
                    </div>
                </section>
            }
        })
    };
    let run_section = current.map(|current| {
        let (run_id, state, kind) = current.with_untracked(|r| (r.run.id, r.run.state, r.run.kind));
        let resumable = can_apply && matches!(state, RunState::Interrupted | RunState::Failed)
            && detail.runs.first().is_some_and(|r| r.id == run_id);
        let title = format!("Run #{run_id} · {}", if kind == RunKind::Destroy { "destroy" } else { "apply" });
        view! {
            <section class="section" aria-labelledby="run-title">
                <h2 id="run-title" class="section-title">{title}</h2>
                <RunProgress team run=current />
                {resumable.then(|| view! {
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            disabled=move || resume.pending().get()
                            on:click=move |_| {
                                resume.dispatch(run_id);
                            }
                        >
                            "Resume"
                        </button>
                        <span class="section-hint">
                            "Runs what did not finish. A create that was in flight is repeated with the same retry token, so OCI answers with what it made instead of making it twice."
                        </span>
                    </div>
                })}
            </section>
        }
    });
    let plan_action = plan;
    let drift_section = active.then(|| {
        let found = detail.drift.clone().filter(|_| summary.drift == DriftStatus::Drifted);
        let checked = summary.drift_checked_at.map(format::utc).unwrap_or_else(|| "never".into());
        view! {
            <section class="section" aria-labelledby="drift-title">
                <h2 id="drift-title" class="section-title">"Drift"</h2>
                <p class="drift-line">
                    {drift_badge(summary.drift)}
                    <span class="section-hint">{format!("Last checked {checked}; checked every hour.")}</span>
                    <button
                        type="button"
                        class="btn btn-small"
                        disabled=move || drift.pending().get()
                        on:click=move |_| {
                            drift.dispatch(());
                        }
                    >
                        {move || if drift.pending().get() { "Checking…" } else { "Check now" }}
                    </button>
                </p>
                {found.map(|plan| view! {
                    <p class="section-lead">"The cloud differs from what was applied. Applying this plan puts it back:"</p>
                    <PlanView plan />
                    {can_apply.then(|| view! {
                        <div class="form-actions">
                            <button
                                type="button"
                                class="btn btn-primary"
                                disabled=move || busy.get()
                                on:click=move |_| {
                                    plan_action.dispatch(DeploymentPlanRequest::default());
                                }
                            >
                                "Review the fix"
                            </button>
                        </div>
                    })}
                })}
            </section>
        }
    });
    let resources = detail
        .resources
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{kind_label(r.kind)}</td>
                    <td class="mono">{r.key.clone()}</td>
                    <td>{r.name.clone()}</td>
                    <td><Ocid id=r.id.clone() /></td>
                </tr>
            }
        })
        .collect_view();
    let runs = detail
        .runs
        .iter()
        .map(|r| {
            // The run shown above is live; its row follows it rather than the state loaded.
            let live = current.filter(|c| c.with_untracked(|shown| shown.run.id) == r.id);
            let listed_state = r.state;
            let listed_steps = format!("{} / {}", r.steps_done, r.steps);
            let state = move || live.map_or(listed_state, |c| c.with(|shown| shown.run.state));
            let steps = move || {
                live.map_or_else(
                    || listed_steps.clone(),
                    |c| {
                        c.with(|shown| {
                            let done = shown.steps.iter().filter(|s| s.state == StepState::Done).count();
                            format!("{done} / {}", shown.steps.len())
                        })
                    },
                )
            };
            view! {
                <tr>
                    <td>
                        <a class="row-link" href=team_href(team, &format!("/pipelines/deployments/{id}?run={}", r.id))>{format!("#{}", r.id)}</a>
                    </td>
                    <td>{if r.kind == RunKind::Destroy { "destroy" } else { "apply" }}</td>
                    <td>{format!("v{}", r.version)}</td>
                    <td>{move || run_badge(state())}</td>
                    <td>{steps}</td>
                    <td>{r.started_by.clone().unwrap_or_default()}</td>
                    <td class="nowrap">{format::utc(r.started_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let export = detail.desired.clone().map(|desired| {
        let title = format!("{} ({} v{})", summary.name, summary.template_name, summary.version);
        let forms = vec![
            ("Terraform", export::terraform(&title, &summary.compartment_id, &desired)),
            ("OCI CLI", export::cli(&title, &summary.compartment_id, &desired)),
        ];
        view! {
            <ExportPanel
                forms
                hint="Take the pipeline elsewhere: Terraform for the OCI provider, or OCI CLI commands in dependency order."
            />
        }
    });
    // Each rule the deployment owns can be verified end to end, as on the rule's own page.
    let connection = summary.connection_id;
    // A fan-out target in another region is verified there.
    let verify = (active && can_apply).then(|| {
        detail
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Rule)
            .map(|r| {
                let region = summary.region.clone();
                view! { <VerifyPanel team connection rule_id=r.id.clone() csrf rule_name=r.name.clone() region /> }
            })
            .collect_view()
    });
    let parameters = summary
        .parameters
        .iter()
        .map(|(name, text)| view! { <div><dt>{name.clone()}</dt><dd class="mono">{text.clone()}</dd></div> })
        .collect_view();
    let state_badge = match summary.state {
        DeploymentState::Active => view! { <Badge tone=Tone::Ok label="active" /> }.into_any(),
        DeploymentState::Destroyed => view! { <Badge tone=Tone::Muted label="destroyed" /> }.into_any(),
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=team_href(team, "/pipelines")>"Pipelines"</a>
            <span aria-hidden="true">"/"</span>
            <span aria-current="page">{summary.name.clone()}</span>
        </nav>
        <PageHeader
            title=summary.name.clone()
            description=format!("{} v{} through {}", summary.template_name, summary.version, summary.connection_name)
        >
            {actions}
        </PageHeader>
        <div class="page-body">
            <dl class="fact-row">
                <div><dt>"State"</dt><dd>{state_badge}</dd></div>
                {parameters}
                <div><dt>"Template"</dt><dd>{format!("{} v{}", summary.template_name, summary.version)}</dd></div>
                <div><dt>"Compartment"</dt><dd><Ocid id=summary.compartment_id.clone() /></dd></div>
                <div><dt>"Resources"</dt><dd>{summary.resources}</dd></div>
            </dl>
            <FormAlert error />
            {review}
            {run_section}
            {drift_section}
            <section class="section" aria-labelledby="resources-title">
                <h2 id="resources-title" class="section-title">"Resources"</h2>
                {if detail.resources.is_empty() {
                    view! { <p class="section-hint">"It owns nothing in OCI."</p> }.into_any()
                } else {
                    view! {
                        <DataTable label="Resources" columns=&["Kind", "Key", "Name", "OCID"]>{resources}</DataTable>
                    }.into_any()
                }}
            </section>
            {verify}
            {export}
            <section class="section" aria-labelledby="runs-title">
                <h2 id="runs-title" class="section-title">"Runs"</h2>
                <DataTable label="Runs" columns=&["Run", "Kind", "Version", "State", "Steps", "By", "Started"]>{runs}</DataTable>
            </section>
        </div>
    }
}
