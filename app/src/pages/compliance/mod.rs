//! Compliance: the team's checks of the CIS monitoring recommendations (how many cells pass and
//! fail, when last checked) and the form that makes one. A check's own view is [`check`].

mod check;

use crate::api::compliance::{CheckSummary, CreateCheckRequest, create_check, list_checks, run_check};
use crate::api::deployment_sets::{Scope as SetScope, SetSummary, list_sets};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, DataTable, EmptyState, FormAlert, IconName, PageHeader, team_href, use_team};
use crate::format;
use crate::pages::scope::Scope;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The compliance pages (the list, and one check), loaded lazily as one route: each lazy route
/// grows the loader every first page downloads.
pub struct ComplianceRoute;

#[lazy_route]
impl LazyRoute for ComplianceRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        let params = leptos_router::hooks::use_params_map();
        view! {
            {move || match params.read().get("check_id") {
                Some(_) => view! { <check::CheckPage /> }.into_any(),
                None => view! { <Compliance /> }.into_any(),
            }}
        }
        .into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ComplianceView {
    checks: Vec<CheckSummary>,
    sets: Vec<SetSummary>,
    scope: Scope,
}

async fn load(team: i64) -> Result<ComplianceView, ApiError> {
    Ok(ComplianceView {
        checks: list_checks(team).await?,
        sets: list_sets(team).await?,
        scope: Scope::resolve(team, None, None).await?,
    })
}

/// A scope in a few words.
pub(crate) fn scope_text(scope: &SetScope) -> String {
    let regions = if scope.regions.is_empty() { "home region".to_owned() } else { scope.regions.join(", ") };
    let compartments = match (&scope.under, scope.compartments.len()) {
        (Some(_), 0) => format!("compartments named {}", scope.pattern.clone().unwrap_or_else(|| "*".into())),
        (Some(_), n) => {
            format!("{n} compartments and those named {}", scope.pattern.clone().unwrap_or_else(|| "*".into()))
        }
        (None, 1) => "1 compartment".to_owned(),
        (None, n) => format!("{n} compartments"),
    };
    format!("{compartments} in {regions}")
}

#[component]
fn Compliance() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page(
                "Compliance",
                "The CIS OCI Foundations monitoring recommendations, checked in every region and compartment.",
                IconName::Compliance,
            );
        }
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let data = Resource::new(|| (), move |()| bind_caller(load(team)));
    let render = move |loaded: ComplianceView| {
        let list = if loaded.checks.is_empty() {
            view! {
                <EmptyState
                    icon=IconName::Compliance
                    title="No compliance check yet"
                    body="Deploy the \"CIS OCI Foundations — monitoring\" starter (fanned out to your regions and compartments), then check it here: every recommendation, in every place, with the reason it fails and the plan that fixes it."
                />
            }
            .into_any()
        } else {
            let rows = loaded
                .checks
                .iter()
                .map(|c| {
                    let checked = c.checked_at.map(format::utc).unwrap_or_else(|| "never".into());
                    let failing_class = if c.failing > 0 { "num bad" } else { "num" };
                    view! {
                        <tr>
                            <td><a class="row-link" href=team_href(team, &format!("/compliance/{}", c.id))>{c.name.clone()}</a></td>
                            <td>{scope_text(&c.scope)}</td>
                            <td class="num">{c.passing}</td>
                            <td class=failing_class>{c.failing}</td>
                            <td class="nowrap">{checked}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <DataTable label="Compliance checks" columns=&["Check", "Scope", "Passing", "Failing", "Checked"]>{rows}</DataTable>
            }
            .into_any()
        };
        let form = can_change.then(|| view! { <NewCheck team csrf scope=loaded.scope sets=loaded.sets /> });
        view! {
            <div class="page-body">
                <section class="section" aria-labelledby="checks-title">
                    <h2 id="checks-title" class="section-title">"Checks"</h2>
                    {list}
                </section>
                {form}
            </div>
        }
    };
    view! {
        <super::PageStyles />
        <PageHeader
            title="Compliance"
            description="The CIS OCI Foundations Benchmark's monitoring recommendations, judged in every region and compartment from what the cloud holds, whoever made it."
        />
        <AsyncView resource=data render />
    }
    .into_any()
}

#[component]
fn NewCheck(team: i64, csrf: StoredValue<String>, scope: Scope, sets: Vec<SetSummary>) -> impl IntoView {
    let navigate = StoredValue::new(use_navigate());
    let name = RwSignal::new("CIS monitoring".to_owned());
    let set = RwSignal::new(sets.first().map(|s| s.id.to_string()).unwrap_or_default());
    let notify = RwSignal::new(String::new());
    let connection = scope.connection.unwrap_or_default();
    let set_scopes = StoredValue::new(sets.iter().map(|s| (s.id, s.scope.clone())).collect::<Vec<_>>());
    let compartment = scope.compartment.clone().unwrap_or_default();
    let create = Action::new(move |request: &CreateCheckRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move {
            let made = create_check(team, &request, &csrf).await?;
            // Checked at once, so the view opens on real cells.
            run_check(team, made.summary.id, &csrf).await
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(detail)) = create.value().get() {
            let to = team_href(team, &format!("/compliance/{}", detail.summary.id));
            navigate.with_value(|nav| nav(&to, Default::default()));
        }
    });
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let set_id = set.get_untracked().parse::<i64>().ok();
        // A check of a fan-out deployment judges the places it was applied to.
        let scope = set_id
            .and_then(|id| {
                set_scopes.with_value(|all| all.iter().find(|(s, _)| *s == id).map(|(_, scope)| scope.clone()))
            })
            .unwrap_or_else(|| SetScope { compartments: vec![compartment.clone()], ..SetScope::default() });
        let topic = notify.get_untracked().trim().to_owned();
        create.dispatch(CreateCheckRequest {
            name: name.get_untracked(),
            connection_id: connection,
            scope,
            set_id,
            notify_topic_id: (!topic.is_empty()).then_some(topic),
            delivery_days: None,
        });
    };
    let options = sets
        .iter()
        .map(|s| view! { <option value=s.id.to_string()>{format!("{} ({})", s.name, scope_text(&s.scope))}</option> })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="new-check-title">
            <h2 id="new-check-title" class="section-title">"New check"</h2>
            <form class="form" on:submit=submit novalidate>
                <div class="field">
                    <label for="check-name">"Name"</label>
                    <input id="check-name" type="text" maxlength="100" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                </div>
                <div class="field">
                    <label for="check-set">"Places, and the deployment that fixes them"</label>
                    <select id="check-set" on:change=move |e| set.set(event_target_value(&e))>
                        {options}
                        <option value="">"(the compartment chosen last, without a fix)"</option>
                    </select>
                    <p class="field-hint">"A fan-out deployment of the pack: its regions and compartments are checked, and its plan is the fix for a failing cell."</p>
                </div>
                <div class="field">
                    <label for="check-topic">"Tell this topic of every change (optional)"</label>
                    <input id="check-topic" type="text" placeholder="ocid1.onstopic.oc1…" prop:value=move || notify.get() on:input=move |e| notify.set(event_target_value(&e)) />
                </div>
                <FormAlert error />
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Checking…" } else { "Create and check" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
