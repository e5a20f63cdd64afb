//! One rule: its facts and actions, enable/disable, move to another compartment, delete, the
//! editor to change it, and its export. The connection comes from the URL (`?connection=`), like
//! the rules list.

use super::PageStyles;
use super::export_panel::{ExportPanel, export_hint};
use super::preflight_panel::PreflightPlace;
use super::rule_editor::{RuleEditor, RuleForm};
use super::scope::{connection_label, pick_connection};
use super::verify_panel::VerifyPanel;
use crate::api::connections::{CompartmentSummary, list_compartments};
use crate::api::functions::{FunctionSummary, list_functions};
use crate::api::inventory::{Freshness, get_freshness};
use crate::api::rules::{
    ActionKind, MoveRuleRequest, Rule, UpdateRuleRequest, delete_rule, get_rule, move_rule, update_rule,
};
use crate::api::topics::{Topic, list_every_topic};
use crate::api::{ApiError, bind_caller};
use crate::catalogue::named_types;
use crate::components::{
    AsyncView, Badge, ConfirmButton, FormAlert, FreshnessBar, IconName, Ocid, PageHeader, Place, Tone, TypedConfirm,
    show_scope, team_href, use_team,
};
use crate::{export, format};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The rule page, loaded lazily.
pub struct RuleRoute;

#[lazy_route]
impl LazyRoute for RuleRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <RulePage /> }.into_any()
    }
}

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RuleView {
    connection: i64,
    /// How the header names the connection.
    connection_label: String,
    rule: Rule,
    compartments: Vec<CompartmentSummary>,
    /// Targets in the rule's compartment, for the editor and for naming the actions.
    topics: Vec<Topic>,
    functions: Vec<FunctionSummary>,
    /// How fresh the copy of the rule's compartment is (the rule is read from it).
    freshness: Freshness,
}

async fn load(team: i64, connection: Option<String>, rule_id: String) -> Result<RuleView, ApiError> {
    let chosen = &pick_connection(team, connection, "rule").await?;
    let rule = get_rule(team, chosen.id, &rule_id).await?;
    let compartments = list_compartments(team, chosen.id).await?;
    let topics = list_every_topic(team, chosen.id, &rule.compartment_id).await?;
    let functions = list_functions(team, chosen.id, &rule.compartment_id).await?;
    let freshness = get_freshness(team, chosen.id, &rule.compartment_id, false).await?;
    Ok(RuleView {
        connection: chosen.id,
        connection_label: connection_label(chosen),
        rule,
        compartments,
        topics,
        functions,
        freshness,
    })
}

/// The list page of the rule's compartment.
fn list_url(team: i64, connection: i64, compartment: &str) -> String {
    team_href(team, &format!("/rules?connection={connection}&compartment={compartment}"))
}

#[component]
fn RulePage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Rule", "An Events rule.", IconName::Rules),
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || (query.read().get("connection"), params.read().get("rule_id").unwrap_or_default()),
        move |(connection, rule)| bind_caller(load(team, connection, rule)),
    );
    let here = move || data.get_untracked().and_then(Result::ok).map(|v| (v.connection, v.rule));

    let toggle = Action::new(move |enable: &bool| {
        let (request, csrf, here) =
            (UpdateRuleRequest { is_enabled: Some(*enable), ..Default::default() }, csrf.get_value(), here());
        async move {
            let (connection, rule) = here.ok_or_else(|| ApiError::not_found("The rule is not loaded yet."))?;
            update_rule(team, connection, &rule.id, &request, &csrf).await
        }
    });
    let save = Action::new(move |form: &RuleForm| {
        let (form, csrf, here) = (form.clone(), csrf.get_value(), here());
        async move {
            let (connection, rule) = here.ok_or_else(|| ApiError::not_found("The rule is not loaded yet."))?;
            let request = UpdateRuleRequest {
                name: Some(form.name),
                description: Some(form.description),
                condition: Some(form.condition),
                is_enabled: None,
                actions: Some(form.actions),
            };
            update_rule(team, connection, &rule.id, &request, &csrf).await.map(|r| format!("Saved {}.", r.name))
        }
    });
    let relocate = Action::new(move |compartment: &String| {
        let (request, csrf, here) = (MoveRuleRequest { compartment_id: compartment.clone() }, csrf.get_value(), here());
        async move {
            let (connection, rule) = here.ok_or_else(|| ApiError::not_found("The rule is not loaded yet."))?;
            move_rule(team, connection, &rule.id, &request, &csrf).await
        }
    });
    let remove = Action::new(move |_: &()| {
        let (csrf, here) = (csrf.get_value(), here());
        async move {
            let (connection, rule) = here.ok_or_else(|| ApiError::not_found("The rule is not loaded yet."))?;
            delete_rule(team, connection, &rule.id, &csrf)
                .await
                .map(|()| list_url(team, connection, &rule.compartment_id))
        }
    });
    // Refresh re-reads the rule's compartment from OCI, then the page.
    let refresh = Action::new(move |_: &()| {
        let here = here();
        async move {
            let (connection, rule) = here.ok_or_else(|| ApiError::not_found("The rule is not loaded yet."))?;
            get_freshness(team, connection, &rule.compartment_id, true).await.map(drop)
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(back)) = remove.value().get() {
            navigate(&back, Default::default());
        }
    });
    Effect::new(move |_| {
        let toggled = toggle.value().get().is_some_and(|r| r.is_ok());
        let saved = save.value().get().is_some_and(|r| r.is_ok());
        let moved = relocate.value().get().is_some_and(|r| r.is_ok());
        let refreshed = refresh.value().get().is_some();
        if toggled || saved || moved || refreshed {
            data.refetch();
        }
    });
    let error = Signal::derive(move || {
        toggle
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| relocate.value().get().and_then(Result::err))
            .or_else(|| remove.value().get().and_then(Result::err))
            .or_else(|| refresh.value().get().and_then(Result::err))
    });

    let render = move |loaded: RuleView| {
        let RuleView { connection, connection_label, rule, compartments, topics, functions, freshness } = loaded;
        let back = list_url(team, connection, &rule.compartment_id);
        let place = compartments
            .iter()
            .find(|c| c.id == rule.compartment_id)
            .map_or_else(|| rule.compartment_id.clone(), |c| c.path.clone());
        show_scope(Place { connection, compartment: rule.compartment_id.clone() }, connection_label, place.clone());
        let enabled = rule.is_enabled;
        let controls = can_change.then(|| {
            view! {
                <button
                    type="button"
                    class="btn"
                    disabled=move || toggle.pending().get()
                    on:click=move |_| {
                        toggle.dispatch(!enabled);
                    }
                >
                    {if enabled { "Disable" } else { "Enable" }}
                </button>
                <TypedConfirm
                    label="Delete rule"
                    name=rule.name.clone()
                    consequences="Events stop flowing to this rule's actions. The topics and functions it sends to stay."
                    disabled=Signal::derive(move || remove.pending().get())
                    on_confirm=Callback::new(move |_| {
                        remove.dispatch(());
                    })
                />
            }
        });
        let types = named_types(&rule.condition);
        let action_items = rule
            .actions
            .iter()
            .map(|a| {
                let target = match a.kind {
                    ActionKind::Notifications => topics.iter().find(|t| t.id == a.target_id).map(|t| {
                        view! { <a href=team_href(team, &format!("/topics/{}?connection={connection}", t.id))>{t.name.clone()}</a> }
                            .into_any()
                    }),
                    ActionKind::Functions => functions
                        .iter()
                        .find(|f| f.id == a.target_id)
                        .map(|f| view! { <span>{format!("{} / {}", f.application, f.name)}</span> }.into_any()),
                    ActionKind::Streaming => None,
                }
                .unwrap_or_else(|| view! { <Ocid id=a.target_id.clone() /> }.into_any());
                view! {
                    <li class="action-item">
                        <span class="filter-kind">{a.kind.label()}</span>
                        {target}
                        {(!a.is_enabled).then(|| view! { <Badge tone=Tone::Muted label="DISABLED" /> })}
                        {(!a.description.is_empty()).then(|| view! { <span class="muted">{a.description.clone()}</span> })}
                    </li>
                }
            })
            .collect_view();
        let initial = RuleForm {
            name: rule.name.clone(),
            description: rule.description.clone(),
            condition: rule.condition.clone(),
            actions: rule.actions.clone(),
        };
        let exported = export::rule(&rule);
        let move_form = can_change.then(|| move_section(rule.compartment_id.clone(), compartments.clone(), relocate));
        let history = format!("/audit?target={}", rule.id);
        view! {
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href=back>"Rules"</a>
                <span aria-hidden="true">"/"</span>
                <span aria-current="page">{rule.name.clone()}</span>
            </nav>
            <PageHeader
                title=rule.name.clone()
                description=if rule.description.is_empty() { "An Events rule.".to_owned() } else { rule.description.clone() }
            >
                <a class="btn" href=history>
                    "History"
                </a>
                {controls}
            </PageHeader>
            <div class="page-body">
                <dl class="fact-row">
                    <div>
                        <dt>"State"</dt>
                        <dd>
                            <Badge tone=Tone::of_state(&rule.state) label=rule.state.clone() />
                            " "
                            {if enabled {
                                view! { <Badge tone=Tone::Ok label="ENABLED" /> }
                            } else {
                                view! { <Badge tone=Tone::Muted label="DISABLED" /> }
                            }}
                        </dd>
                    </div>
                    <div>
                        <dt>"OCID"</dt>
                        <dd>
                            <Ocid id=rule.id.clone() />
                        </dd>
                    </div>
                    <div>
                        <dt>"Compartment"</dt>
                        <dd>{place}</dd>
                    </div>
                    <div>
                        <dt>"Created"</dt>
                        <dd>{format::utc(rule.created_at)}</dd>
                    </div>
                </dl>
                <FreshnessBar
                    freshness
                    what="rule"
                    pending=refresh.pending()
                    on_refresh=Callback::new(move |()| {
                        refresh.dispatch(());
                    })
                />
                <FormAlert error />
                <section class="section" aria-labelledby="rule-sends">
                    <h2 id="rule-sends" class="section-title">
                        "What it matches and where it sends"
                    </h2>
                    <p class="chips">
                        {if types.is_empty() {
                            view! { <span class="muted">"Any event type"</span> }.into_any()
                        } else {
                            types.into_iter().map(|t| view! { <code class="chip">{t}</code> }).collect_view().into_any()
                        }}
                    </p>
                    <ul class="action-list">{action_items}</ul>
                </section>
                {can_change
                    .then(|| view! { <VerifyPanel team connection rule_id=rule.id.clone() csrf /> })}
                {move_form}
                {can_change
                    .then(|| {
                        view! {
                            <section class="section" aria-labelledby="rule-edit">
                                <h2 id="rule-edit" class="section-title">
                                    "Edit"
                                </h2>
                                <RuleEditor
                                    title="Edit the rule"
                                    submit_label="Save changes"
                                    initial
                                    topics
                                    functions
                                    save
                                    preflight=PreflightPlace {
                                        team,
                                        connection,
                                        compartment: rule.compartment_id.clone(),
                                        csrf: csrf.get_value(),
                                    }
                                    saved=true
                                />
                            </section>
                        }
                    })}
                <ExportPanel forms=exported.forms() hint=export_hint("this rule") />
            </div>
        }
    };

    view! {
        <PageStyles />
        <AsyncView resource=data render />
    }
    .into_any()
}

/// Moving the rule: a compartment picker and a confirmation.
fn move_section(
    current: String,
    compartments: Vec<CompartmentSummary>,
    relocate: Action<String, Result<(), ApiError>>,
) -> impl IntoView {
    let others: Vec<CompartmentSummary> = compartments.into_iter().filter(|c| c.id != current).collect();
    let target = RwSignal::new(others.first().map(|c| c.id.clone()).unwrap_or_default());
    let label = StoredValue::new(others.clone());
    let question = move || {
        let id = target.get();
        let path = label.with_value(|list| list.iter().find(|c| c.id == id).map(|c| c.path.clone())).unwrap_or(id);
        format!("Move the rule to {path}? It then only sees events from that compartment and its children.")
    };
    view! {
        <section class="section" aria-labelledby="rule-move">
            <h2 id="rule-move" class="section-title">
                "Move to another compartment"
            </h2>
            {if others.is_empty() {
                view! { <p class="muted">"This connection has no other compartment."</p> }.into_any()
            } else {
                view! {
                    <div class="toolbar">
                        <label class="inline-label">
                            <span>"Compartment"</span>
                            <select on:change=move |e| target.set(event_target_value(&e))>
                                {others
                                    .iter()
                                    .map(|c| view! { <option value=c.id.clone()>{c.path.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        {move || {
                            view! {
                                <ConfirmButton
                                    label="Move"
                                    question=question()
                                    confirm="Yes, move"
                                    disabled=Signal::derive(move || relocate.pending().get())
                                    on_confirm=Callback::new(move |_| {
                                        relocate.dispatch(target.get_untracked());
                                    })
                                />
                            }
                        }}
                        <span class="form-status" role="status">
                            {move || relocate.value().get().and_then(Result::ok).map(|()| "Moved.")}
                        </span>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
