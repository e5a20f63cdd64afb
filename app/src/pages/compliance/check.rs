//! One compliance check: a grid of recommendations (rows) by region and compartment (columns),
//! each cell pass or fail; a cell's explanation (why, the deciding rule and topic, OCI's request
//! ids, since when); the fix, which is the plan of the fan-out deployment behind the check,
//! reviewed and applied from here; check again; and the evidence for auditors.

use crate::api::compliance::{Cell, CellStatus, CheckDetail, export_path, get_check, run_check};
use crate::api::deployment_sets::{ApplySetRequest, SetPlanRequest, SetPlanReview, apply_set, get_set, plan_set};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, Badge, FormAlert, IconName, PageHeader, Tone, team_href, use_team};
use crate::format;
use crate::pages::pipelines::set_plan::{SetPlanView, has_problems, needs_reason, total_changes};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

async fn load(team: i64, id: Option<i64>) -> Result<CheckDetail, ApiError> {
    match id {
        Some(id) => get_check(team, id).await,
        None => Err(ApiError::not_found("This compliance check does not exist.")),
    }
}

/// One check's page.
#[component]
pub(super) fn CheckPage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page(
                "Compliance check",
                "Recommendations by region and compartment.",
                IconName::Compliance,
            );
        }
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf);
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("check_id").and_then(|id| id.parse::<i64>().ok()),
        move |id| bind_caller(load(team, id)),
    );
    view! {
        <super::super::PageStyles />
        <AsyncView resource=data render=move |detail: CheckDetail| {
            view! { <CheckBody team can_change csrf detail data /> }
        } />
    }
    .into_any()
}

#[component]
fn CheckBody(
    team: i64,
    can_change: bool,
    csrf: StoredValue<String>,
    detail: CheckDetail,
    data: Resource<Result<CheckDetail, ApiError>>,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let id = summary.id;
    let selected = RwSignal::new(None::<(String, String, String)>);
    let check = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move { run_check(team, id, &csrf).await }
    });
    let set_id = summary.set_id;
    let plan = Action::new(move |()| {
        let csrf = csrf.get_value();
        async move {
            let Some(set) = set_id else { return Err(ApiError::not_found("This check has no deployment to fix it.")) };
            plan_set(team, set, &SetPlanRequest::default(), &csrf).await
        }
    });
    let reason = RwSignal::new(String::new());
    // Applies the reviewed fix, waits for every target's run, and checks again.
    let fix = Action::new(move |review: &SetPlanReview| {
        let (review, csrf) = (review.clone(), csrf.get_value());
        let override_preflight = needs_reason(&review).then(|| reason.get_untracked());
        async move {
            let Some(set) = set_id else { return Err(ApiError::not_found("This check has no deployment to fix it.")) };
            let request =
                ApplySetRequest { plan: SetPlanRequest::default(), digest: review.digest, override_preflight };
            apply_set(team, set, &request, &csrf).await?;
            for _ in 0..300 {
                pause(Duration::from_millis(500)).await;
                if !crate::pages::pipelines::set_running(&get_set(team, set).await?) {
                    break;
                }
            }
            run_check(team, id, &csrf).await
        }
    });
    Effect::new(move |_| {
        if check.value().get().is_some_and(|r| r.is_ok()) || fix.value().get().is_some_and(|r| r.is_ok()) {
            plan.value().set(None);
            data.refetch();
        }
    });
    let error = Signal::derive(move || {
        check
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| plan.value().get().and_then(Result::err))
            .or_else(|| fix.value().get().and_then(Result::err))
    });
    let cells = StoredValue::new(detail.cells.clone());
    // Columns: each region and compartment, in the cells' order.
    let mut columns: Vec<(String, String, String)> = Vec::new();
    for c in &detail.cells {
        let key = (c.region.clone(), c.compartment_id.clone(), c.compartment_name.clone());
        if !columns.contains(&key) {
            columns.push(key);
        }
    }
    columns.sort_by(|a, b| (a.0.as_str(), a.2.to_lowercase()).cmp(&(b.0.as_str(), b.2.to_lowercase())));
    let head = columns
        .iter()
        .map(|(region, _, name)| view! { <th scope="col"><span class="cell-region">{region.clone()}</span><br />{name.clone()}</th> })
        .collect_view();
    let rows = detail
        .recommendations
        .iter()
        .map(|rec| {
            let tds = columns
                .iter()
                .map(|(region, compartment, name)| {
                    let found = detail
                        .cells
                        .iter()
                        .find(|c| c.recommendation == rec.id && &c.region == region && &c.compartment_id == compartment);
                    let Some(cell) = found else { return view! { <td class="cell-empty">"—"</td> }.into_any() };
                    let key = (rec.id.clone(), region.clone(), compartment.clone());
                    let (class, label) = match cell.status {
                        CellStatus::Pass => ("cell cell-pass", "pass"),
                        CellStatus::Fail => ("cell cell-fail", "fail"),
                        CellStatus::Error => ("cell cell-error", "error"),
                    };
                    let aria = format!("CIS {} in {} ({}): {}", rec.id, name, region, label);
                    let is_selected = {
                        let key = key.clone();
                        move || selected.with(|s| s.as_ref() == Some(&key))
                    };
                    view! {
                        <td>
                            <button
                                type="button"
                                class=class
                                class:selected=is_selected
                                aria-label=aria
                                on:click=move |_| selected.set(Some(key.clone()))
                            >
                                {label}
                            </button>
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row" class="rec-title"><span class="rec-id">{rec.id.clone()}</span>" "{rec.title.clone()}</th>
                    {tds}
                </tr>
            }
        })
        .collect_view();
    let explanation = move || {
        let key = selected.get()?;
        let cell: Cell = cells.with_value(|all| {
            all.iter().find(|c| c.recommendation == key.0 && c.region == key.1 && c.compartment_id == key.2).cloned()
        })?;
        let failing = cell.status != CellStatus::Pass;
        let badge = match cell.status {
            CellStatus::Pass => view! { <Badge tone=Tone::Ok label="pass" /> }.into_any(),
            CellStatus::Fail => view! { <Badge tone=Tone::Bad label="fail" /> }.into_any(),
            CellStatus::Error => view! { <Badge tone=Tone::Warn label="could not check" /> }.into_any(),
        };
        let fixable = failing && can_change && set_id.is_some();
        Some(view! {
            <section class="section cell-explanation" aria-labelledby="cell-title" aria-live="polite">
                <h2 id="cell-title" class="section-title">
                    {format!("CIS {} · {} · {}", cell.recommendation, cell.compartment_name, cell.region)}" "{badge}
                </h2>
                <p class="cell-reason">{cell.reason.clone()}</p>
                <dl class="fact-row">
                    <div><dt>"Rule"</dt><dd>{cell.rule_name.clone().unwrap_or_else(|| "none".into())}</dd></div>
                    <div><dt>"Topic"</dt><dd class="mono">{cell.topic_id.clone().map(|t| crate::pages::pipelines::short_ocid(&t)).unwrap_or_else(|| "none".into())}</dd></div>
                    <div><dt>"Since"</dt><dd>{format::utc(cell.since)}</dd></div>
                    <div><dt>"Checked"</dt><dd>{format::utc(cell.checked_at)}</dd></div>
                    <div><dt>"OCI request ids"</dt><dd class="mono small">{if cell.request_ids.is_empty() { "none".to_owned() } else { cell.request_ids.join(" ") }}</dd></div>
                </dl>
                {fixable.then(|| view! {
                    <div class="form-actions">
                        <button type="button" class="btn btn-primary" disabled=move || plan.pending().get() on:click=move |_| {
                            plan.dispatch(());
                        }>
                            {move || if plan.pending().get() { "Planning…" } else { "Review the fix" }}
                        </button>
                        <span class="section-hint">"The deployment's plan: it puts back what is missing, wherever it is missing."</span>
                    </div>
                })}
                {(failing && set_id.is_none()).then(|| view! {
                    <p class="section-hint">"No deployment is linked to this check: deploy the CIS pack to this place, or fix it in OCI, then check again."</p>
                })}
            </section>
        })
    };
    let review = move || {
        plan.value().get().and_then(Result::ok).map(|review| {
            let changes = total_changes(&review);
            let blocked = has_problems(&review);
            let reason_needed = needs_reason(&review);
            let to_apply = review.clone();
            view! {
                <section class="section plan-review" aria-labelledby="fix-title">
                    <h2 id="fix-title" class="section-title">"The fix"</h2>
                    <SetPlanView review reason />
                    <div class="form-actions">
                        <button
                            type="button"
                            class="btn btn-primary"
                            disabled=move || blocked || changes == 0 || fix.pending().get()
                                || (reason_needed && reason.with(|r| r.trim().is_empty()))
                            on:click=move |_| {
                                fix.dispatch(to_apply.clone());
                            }
                        >
                            {move || if fix.pending().get() { "Applying and checking again…".to_owned() } else { format!("Apply {changes} changes and check again") }}
                        </button>
                        <button type="button" class="btn" on:click=move |_| plan.value().set(None)>"Cancel"</button>
                    </div>
                </section>
            }
        })
    };
    let checked = summary.checked_at.map(format::utc).unwrap_or_else(|| "never".into());
    let counts = format!(
        "{} passing · {} failing{}",
        summary.passing,
        summary.failing,
        if summary.errors > 0 { format!(" · {} not checked", summary.errors) } else { String::new() }
    );
    let set_link =
        set_id.map(|s| view! { <a class="btn" href=team_href(team, &format!("/pipelines/sets/{s}"))>"Deployment"</a> });
    let empty = detail.cells.is_empty().then(|| {
        view! {
            <p class="section-hint">"Not checked yet: check now to judge every place."</p>
        }
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=team_href(team, "/compliance")>"Compliance"</a>
            <span aria-hidden="true">"/"</span>
            <span aria-current="page">{summary.name.clone()}</span>
        </nav>
        <PageHeader title=summary.name.clone() description=detail.benchmark.clone()>
            <button type="button" class="btn" disabled=move || check.pending().get() on:click=move |_| {
                check.dispatch(());
            }>
                {move || if check.pending().get() { "Checking…" } else { "Check now" }}
            </button>
            <a class="btn" href=export_path(team, id, "csv") download="">"Evidence (CSV)"</a>
            <a class="btn" href=export_path(team, id, "json") download="">"Evidence (JSON)"</a>
            {set_link}
        </PageHeader>
        <div class="page-body">
            <p class=if summary.failing == 0 && summary.errors == 0 { "compliance-counts all-pass" } else { "compliance-counts" }>
                {counts}<span class="section-hint">{format!(" · checked {checked}; again every 15 minutes")}</span>
            </p>
            <FormAlert error />
            {empty}
            <div class="compliance-grid-wrap">
                <table class="compliance-grid" aria-label="Recommendations by region and compartment">
                    <thead><tr><th scope="col">"Recommendation"</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {explanation}
            {review}
        </div>
    }
}

/// Waits `duration` (in the browser; at once on the server, where no fix runs).
async fn pause(duration: Duration) {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = tx.send(());
        },
        duration,
    );
    let _ = rx.await;
}
