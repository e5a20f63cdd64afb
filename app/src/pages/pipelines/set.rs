//! One fan-out deployment: its scope, every target (each an ordinary deployment with its own
//! page), and the changes an operator makes to all of them through one reviewed plan: plan again
//! (compartments new in scope join), upgrade, retry the failed targets, destroy. While targets
//! run, the page re-reads the set every second.

use super::PageStyles;
use super::progress::run_badge;
use super::set_plan::{SetPlanView, has_problems, needs_reason, total_changes};
use crate::api::deployment_sets::{
    ApplySetRequest, SetDetail, SetPlanRequest, SetPlanReview, apply_set, check_set_drift, get_set, plan_set, retry_set,
};
use crate::api::deployments::{DeploymentState, RunState};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, DataTable, FormAlert, IconName, PageHeader, Tone, TypedConfirm, team_href, use_team,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};
use std::time::Duration;

/// The fan-out deployment page, loaded lazily.
pub struct SetRoute;

#[lazy_route]
impl LazyRoute for SetRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SetPage /> }.into_any()
    }
}

async fn load(team: i64, id: Option<i64>) -> Result<SetDetail, ApiError> {
    match id {
        Some(id) => get_set(team, id).await,
        None => Err(ApiError::not_found("This fan-out deployment does not exist.")),
    }
}

/// What the operator is reviewing.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    request: SetPlanRequest,
    review: SetPlanReview,
}

/// Whether any target of the set is running.
pub fn running(detail: &SetDetail) -> bool {
    detail.targets.iter().any(|t| t.last_run.as_ref().is_some_and(|r| r.state == RunState::Running))
}

#[component]
fn SetPage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page("Fan-out deployment", "One template in many places.", IconName::Pipelines);
        }
    };
    let team = current.id;
    let can_apply = current.can_change();
    let csrf = StoredValue::new(current.csrf);
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("set_id").and_then(|id| id.parse::<i64>().ok()),
        move |id| bind_caller(load(team, id)),
    );
    view! {
        <PageStyles />
        <AsyncView resource=data render=move |detail: SetDetail| {
            view! { <SetBody team can_apply csrf detail data /> }
        } />
    }
    .into_any()
}

#[component]
fn SetBody(
    team: i64,
    can_apply: bool,
    csrf: StoredValue<String>,
    detail: SetDetail,
    data: Resource<Result<SetDetail, ApiError>>,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let id = summary.id;
    let still_running = running(&detail);
    // In the browser only (effects do not run on the server).
    Effect::new(move |_| {
        if still_running {
            set_timeout(move || data.refetch(), Duration::from_secs(1));
        }
    });
    let plan = Action::new(move |request: &SetPlanRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move {
            let review = plan_set(team, id, &request, &csrf).await?;
            Ok::<_, ApiError>(Pending { request, review })
        }
    });
    let reason = RwSignal::new(String::new());
    let apply = Action::new(move |pending: &Pending| {
        let request = ApplySetRequest {
            plan: pending.request.clone(),
            digest: pending.review.digest.clone(),
            override_preflight: needs_reason(&pending.review).then(|| reason.get_untracked()),
        };
        let csrf = csrf.get_value();
        async move { apply_set(team, id, &request, &csrf).await }
    });
    let retry = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move { retry_set(team, id, &csrf).await }
    });
    let drift = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move { check_set_drift(team, id, &csrf).await }
    });
    Effect::new(move |_| {
        let started = apply.value().get().is_some_and(|r| r.is_ok())
            || retry.value().get().is_some_and(|r| r.is_ok())
            || drift.value().get().is_some_and(|r| r.is_ok());
        if started {
            plan.value().set(None);
            data.refetch();
        }
    });
    let error = Signal::derive(move || {
        plan.value()
            .get()
            .and_then(Result::err)
            .or_else(|| apply.value().get().and_then(Result::err))
            .or_else(|| retry.value().get().and_then(Result::err))
            .or_else(|| drift.value().get().and_then(Result::err))
    });
    let busy = Signal::derive(move || plan.pending().get() || apply.pending().get() || retry.pending().get());
    let failed = detail
        .targets
        .iter()
        .any(|t| t.last_run.as_ref().is_some_and(|r| matches!(r.state, RunState::Failed | RunState::Interrupted)));
    let active = detail.targets.iter().any(|t| t.state == DeploymentState::Active);
    let upgrade_to = (summary.latest_version > summary.version).then_some(summary.latest_version);
    let actions = can_apply.then(|| {
        view! {
            <button type="button" class="btn" disabled=move || busy.get() on:click=move |_| {
                plan.dispatch(SetPlanRequest::default());
            }>"Plan again"</button>
            {upgrade_to.map(|v| view! {
                <button type="button" class="btn" disabled=move || busy.get() on:click=move |_| {
                    plan.dispatch(SetPlanRequest { version: Some(v), ..Default::default() });
                }>{format!("Upgrade to v{v}")}</button>
            })}
            {failed.then(|| view! {
                <button type="button" class="btn" disabled=move || busy.get() on:click=move |_| {
                    retry.dispatch(());
                }>"Retry failed targets"</button>
            })}
            {active.then(|| view! {
                <TypedConfirm
                    label="Destroy"
                    name=summary.name.clone()
                    consequences=format!(
                        "Destroying plans the deletion of what every target of {} owns, in every region. You review that plan before anything is deleted.",
                        summary.name
                    )
                    on_confirm=Callback::new(move |()| {
                        plan.dispatch(SetPlanRequest { destroy: true, ..Default::default() });
                    })
                    disabled=busy
                />
            })}
        }
    });
    let review = move || {
        plan.value().get().and_then(Result::ok).map(|pending| {
            let destroy = pending.request.destroy;
            let blocked = has_problems(&pending.review);
            let reason_needed = needs_reason(&pending.review);
            let changes = total_changes(&pending.review);
            let to_apply = pending.clone();
            let label = match (destroy, reason_needed) {
                (true, _) => format!("Apply destroy ({changes} changes)"),
                (false, true) => format!("Apply {changes} changes anyway"),
                (false, false) => format!("Apply {changes} changes"),
            };
            view! {
                <section class="section plan-review" aria-labelledby="plan-title">
                    <h2 id="plan-title" class="section-title">
                        {if destroy { "Plan: destroy every target".to_owned() } else {
                            format!("Plan: {} v{}", pending.review.template_name, pending.review.version)
                        }}
                    </h2>
                    <SetPlanView review=pending.review.clone() reason />
                    <div class="form-actions">
                        <button
                            type="button"
                            class=if destroy { "btn btn-danger" } else { "btn btn-primary" }
                            disabled=move || {
                                blocked || changes == 0 || apply.pending().get()
                                    || (reason_needed && reason.with(|r| r.trim().is_empty()))
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
    let scope = &summary.scope;
    let regions =
        if scope.regions.is_empty() { "the connection's region".to_owned() } else { scope.regions.join(", ") };
    let compartments = match (&scope.under, scope.compartments.len()) {
        (Some(under), n) => format!(
            "every compartment under {}{}{}",
            short(under),
            scope.pattern.as_ref().map(|p| format!(" named {p}")).unwrap_or_default(),
            if n > 0 { format!(", and {n} named") } else { String::new() }
        ),
        (None, n) => format!("{n} compartment{}", if n == 1 { "" } else { "s" }),
    };
    let rows = detail
        .targets
        .iter()
        .map(|t| {
            let state = match (t.state, t.last_run.as_ref()) {
                (DeploymentState::Destroyed, _) => view! { <Badge tone=Tone::Muted label="destroyed" /> }.into_any(),
                (_, Some(run)) => run_badge(run.state).into_any(),
                (_, None) => view! { <Badge tone=Tone::Muted label="not applied" /> }.into_any(),
            };
            let place = t.name.rsplit(" · ").next().unwrap_or(&t.name).to_owned();
            view! {
                <tr>
                    <td>{t.region.clone().unwrap_or_else(|| "home".into())}</td>
                    <td>
                        <a class="row-link" href=team_href(team, &format!("/pipelines/deployments/{}", t.id))>{place}</a>
                    </td>
                    <td>{state}</td>
                    <td>{t.resources}</td>
                    <td>{super::drift_badge(t.drift)}</td>
                </tr>
            }
        })
        .collect_view();
    let runs = summary.runs.iter().map(|(state, n)| format!("{n} {state}")).collect::<Vec<_>>().join(", ");
    let unapplied = (!summary.unapplied.is_empty()).then(|| {
        let places = summary.unapplied.join(", ");
        view! {
            <p class="alert alert-warn" role="status">
                {format!(
                    "{} target{} in scope not applied yet: {places}. Plan again to add {}.",
                    summary.unapplied.len(),
                    if summary.unapplied.len() == 1 { "" } else { "s" },
                    if summary.unapplied.len() == 1 { "it" } else { "them" }
                )}
            </p>
        }
    });
    let checked = summary.unapplied_checked_at.map(crate::format::utc).unwrap_or_else(|| "not yet".into());
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=team_href(team, "/pipelines")>"Pipelines"</a>
            <span aria-hidden="true">"/"</span>
            <span aria-current="page">{summary.name.clone()}</span>
        </nav>
        <PageHeader
            title=summary.name.clone()
            description=format!("{} v{} through {}, fanned out", summary.template_name, summary.version, summary.connection_name)
        >
            {actions}
        </PageHeader>
        <div class="page-body">
            <dl class="fact-row">
                <div><dt>"Regions"</dt><dd>{regions}</dd></div>
                <div><dt>"Compartments"</dt><dd>{compartments}</dd></div>
                <div><dt>"Targets"</dt><dd>{summary.targets}</dd></div>
                <div><dt>"Runs"</dt><dd>{if runs.is_empty() { "none".to_owned() } else { runs }}</dd></div>
                <div><dt>"Drifted"</dt><dd>{summary.drifted}</dd></div>
            </dl>
            <FormAlert error />
            {unapplied}
            {review}
            <section class="section" aria-labelledby="targets-title">
                <h2 id="targets-title" class="section-title">"Targets"</h2>
                <p class="drift-line">
                    <span class="section-hint">
                        {format!("Each target is a deployment of its own: open it for its runs, resources, drift and verification. Drift and new compartments in scope are looked for every hour (last: {checked}).")}
                    </span>
                    <button type="button" class="btn btn-small" disabled=move || drift.pending().get() on:click=move |_| {
                        drift.dispatch(());
                    }>
                        {move || if drift.pending().get() { "Checking…" } else { "Check now" }}
                    </button>
                </p>
                <DataTable label="Targets" columns=&["Region", "Compartment", "Last run", "Resources", "Drift"]>{rows}</DataTable>
            </section>
        </div>
    }
}

/// The last part of an OCID, enough to tell compartments apart in a sentence.
fn short(id: &str) -> String {
    id.rsplit('.').next().unwrap_or(id).chars().take(12).collect()
}
