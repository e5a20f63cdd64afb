//! One fan-out deployment: its scope, every target (each an ordinary deployment with its own
//! page) with its health, and the changes an operator makes to all of them through one reviewed
//! plan: plan again (compartments new in scope join), upgrade, retry the failed targets, destroy.
//! While targets run, the page re-reads the set every second.

use super::PageStyles;
use super::progress::run_badge;
use super::set_plan::{SetPlanView, has_problems, needs_reason, total_changes};
use crate::api::deployment_sets::{
    ApplySetRequest, SetDetail, SetHealth, SetPlanRequest, SetPlanReview, TargetHealth, apply_set, check_set_drift,
    check_set_health, get_set, plan_set, retry_set, set_health,
};
use crate::api::deployments::{DeploymentState, RunState};
use crate::api::health::HealthStatus;
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, DataTable, FormAlert, IconName, PageHeader, Tone, TypedConfirm, team_href, use_team,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};
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

/// The set and its targets' last known health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Loaded {
    detail: SetDetail,
    health: SetHealth,
}

async fn load(team: i64, id: Option<i64>) -> Result<Loaded, ApiError> {
    let Some(id) = id else {
        return Err(ApiError::not_found("This fan-out deployment does not exist."));
    };
    Ok(Loaded { detail: get_set(team, id).await?, health: set_health(team, id).await? })
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
        <AsyncView resource=data render=move |Loaded { detail, health }| {
            view! { <SetBody team can_apply csrf detail health data /> }
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
    health: SetHealth,
    data: Resource<Result<Loaded, ApiError>>,
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
    let check_health = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move { check_set_health(team, id, &csrf).await }
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
            .or_else(|| check_health.value().get().and_then(Result::err))
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
    let connection = summary.connection_id;
    let places: Vec<(i64, String)> =
        detail.targets.iter().map(|t| (t.id, t.name.rsplit(" · ").next().unwrap_or(&t.name).to_owned())).collect();
    // The stored health until a check answers; then the check's.
    let health = Signal::derive(move || check_health.value().get().and_then(Result::ok).unwrap_or(health.clone()));
    let rows = detail
        .targets
        .iter()
        .map(|t| {
            let target_id = t.id;
            // The health names the connection's own region too.
            let region_label = t.region.clone().unwrap_or_else(|| {
                health.with_untracked(|h| {
                    h.targets.iter().find(|h| h.deployment_id == target_id).map(|h| h.region.clone())
                }).unwrap_or_else(|| "home".into())
            });
            let health_cell = move || {
                let status = health.with(|h| h.targets.iter().find(|h| h.deployment_id == target_id).map(|h| h.status));
                match status {
                    Some(status) => health_badge(status).into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }
            };
            let state = match (t.state, t.last_run.as_ref()) {
                (DeploymentState::Destroyed, _) => view! { <Badge tone=Tone::Muted label="destroyed" /> }.into_any(),
                (_, Some(run)) => run_badge(run.state).into_any(),
                (_, None) => view! { <Badge tone=Tone::Muted label="not applied" /> }.into_any(),
            };
            let place = t.name.rsplit(" · ").next().unwrap_or(&t.name).to_owned();
            view! {
                <tr>
                    <td>{region_label}</td>
                    <td>
                        <a class="row-link" href=team_href(team, &format!("/pipelines/deployments/{}", t.id))>{place}</a>
                    </td>
                    <td>{state}</td>
                    <td>{t.resources}</td>
                    <td>{super::drift_badge(t.drift)}</td>
                    <td>{health_cell}</td>
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
                <DataTable label="Targets" columns=&["Region", "Compartment", "Last run", "Resources", "Drift", "Health"]>{rows}</DataTable>
            </section>
            <section class="section" aria-labelledby="health-title">
                <h2 id="health-title" class="section-title">"Health"</h2>
                <p class="drift-line">
                    <span class="section-hint">
                        "Will each target's alerts reach a human? Every rule of every target, its actions, topics and subscriptions, read in the target's region. Checked targets are re-checked every 15 minutes."
                    </span>
                    <button type="button" class="btn btn-small" disabled=move || check_health.pending().get() on:click=move |_| {
                        check_health.dispatch(());
                    }>
                        {move || if check_health.pending().get() { "Checking…" } else { "Check health" }}
                    </button>
                </p>
                {move || health_summary(health.get(), places.clone(), team, connection)}
            </section>
        </div>
    }
}

/// A target's health: its worst pipeline's status, or "unchecked".
fn health_badge(status: Option<HealthStatus>) -> impl IntoView {
    match status {
        Some(status) => crate::pages::health::status_badge(status).into_any(),
        None => view! { <Badge tone=Tone::Muted label="unchecked" /> }.into_any(),
    }
}

/// The whole set's counts and every target that is not healthy, with why.
fn health_summary(health: SetHealth, places: Vec<(i64, String)>, team: i64, connection: i64) -> impl IntoView {
    if health.targets.is_empty() {
        return view! { <p class="section-hint">"No active targets: apply the set first."</p> }.into_any();
    }
    let checked = health.checked_at.map(crate::format::utc).unwrap_or_else(|| "not yet".into());
    let attention: Vec<&TargetHealth> =
        health.targets.iter().filter(|t| t.status != Some(HealthStatus::Healthy) || t.error.is_some()).collect();
    let place = |id: i64| places.iter().find(|(d, _)| *d == id).map(|(_, name)| name.clone()).unwrap_or_default();
    let more = attention.len().saturating_sub(SHOWN_TARGETS);
    let items = attention
        .into_iter()
        .take(SHOWN_TARGETS)
        .map(|t| {
            let href = team_href(
                team,
                &format!("/health?connection={connection}&compartment={}&region={}", t.compartment_id, t.region),
            );
            let reasons: Vec<String> = grouped_reasons(t)
                .into_iter()
                .chain(t.error.iter().map(|e| format!("Could not check now: {e}")))
                .chain((t.unchecked > 0).then(|| {
                    format!("{} rule{} not checked yet.", t.unchecked, if t.unchecked == 1 { "" } else { "s" })
                }))
                .collect();
            view! {
                <li class="pipeline" data-status=t.status.map_or("unchecked", |s| s.as_str())>
                    <div class="pipeline-head">
                        {health_badge(t.status)}
                        <a href=href><strong>{format!("{} · {}", t.region, place(t.deployment_id))}</strong></a>
                    </div>
                    <ul class="reasons">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="health-counts" role="status">
            <span data-status="broken">{format!("{} broken", health.broken)}</span>
            <span data-status="degraded">{format!("{} degraded", health.degraded)}</span>
            <span data-status="unchecked">{format!("{} unchecked", health.unchecked)}</span>
            <span data-status="healthy">{format!("{} healthy", health.healthy)}</span>
        </p>
        <p class="section-hint">{format!("Of {} targets; the oldest status shown is from {checked}.", health.targets.len())}</p>
        <ul class="pipeline-list">{items}</ul>
        {(more > 0).then(|| view! {
            <p class="section-hint">{format!("And {more} more targets that need attention: open the Health page of each from its deployment.")}</p>
        })}
    }
    .into_any()
}

/// Targets needing attention listed with their reasons; the counts cover the rest.
const SHOWN_TARGETS: usize = 25;

/// A target's reasons, each once, with the rules it holds for: the same broken topic behind a
/// dozen rules is one line.
fn grouped_reasons(target: &TargetHealth) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for pipeline in target.pipelines.iter().filter(|p| p.status != HealthStatus::Healthy) {
        for reason in &pipeline.reasons {
            match groups.iter_mut().find(|(text, _)| text == reason) {
                Some((_, rules)) => rules.push(&pipeline.rule_name),
                None => groups.push((reason, vec![&pipeline.rule_name])),
            }
        }
    }
    groups
        .into_iter()
        .map(|(text, rules)| match rules.as_slice() {
            [one] => format!("{one}: {text}"),
            [a, b] => format!("{a}, {b}: {text}"),
            many => format!("{text} ({} rules)", many.len()),
        })
        .collect()
}

/// The last part of an OCID, enough to tell compartments apart in a sentence.
fn short(id: &str) -> String {
    id.rsplit('.').next().unwrap_or(id).chars().take(12).collect()
}
