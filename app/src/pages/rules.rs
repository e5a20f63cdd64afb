//! The rules page: a compartment's Events rules through one of the team's connections, with
//! filters; operators enable, disable and delete them and create new ones with a condition editor
//! that validates as they type (the same parser the API and the sandbox use) and an actions
//! editor that picks topics and functions from the compartment.
//!
//! The connection, compartment and filters live in the URL, so a filtered view can be shared and
//! the back button works.
//!
//! The create form opens on demand ("Create a rule", as in the OCI Console) and reads its topic
//! and function pickers in the browser when it opens: a list render carries the list only. The
//! form was a quarter of the page's HTML and most of its hydration, on every look, for the few
//! looks that create.

use super::PageStyles;
use super::preflight_panel::PreflightPlace;
use super::rule_editor::{NEW_CONDITION, RuleEditor, RuleForm};
use super::scope::{Scope, follow_changes};
use crate::api::functions::list_functions;
use crate::api::inventory::{Page, PageRequest, Sort};
use crate::api::rules::{
    ActionKind, CreateRuleRequest, Rule, RuleFilter, RuleSummary, UpdateRuleRequest, create_rule, delete_rule,
    list_rules, update_rule,
};
use crate::api::topics::list_every_topic;
use crate::api::{ApiError, bind_caller};
use crate::catalogue::named_types;
use crate::components::{
    AsyncView, Badge, ConfirmButton, DataTable, EmptyState, ErrorPanel, FormAlert, FreshnessBar, IconName,
    LoadingPanel, Ocid, PageHeader, Pager, Tone, team_href, use_team,
};
use crate::format;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The rules page, loaded lazily.
pub struct RulesRoute;

#[lazy_route]
impl LazyRoute for RulesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Rules /> }.into_any()
    }
}

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RulesView {
    scope: Scope,
    filter: RuleFilter,
    paging: PageRequest,
    /// A page of the rules, once a compartment is chosen.
    rules: Option<Page<RuleSummary>>,
}

/// What the create form needs from the loaded page.
#[derive(Debug, Clone, PartialEq)]
struct FormContext {
    connection: i64,
    compartment: String,
}

/// What the URL asks for.
#[derive(Debug, Clone, PartialEq, Default)]
struct Wanted {
    connection: Option<String>,
    compartment: Option<String>,
    filter: RuleFilter,
    paging: PageRequest,
}

async fn load(team: i64, wanted: Wanted) -> Result<RulesView, ApiError> {
    let scope = Scope::resolve(team, wanted.connection, wanted.compartment).await?;
    let mut view = RulesView { scope, filter: wanted.filter, paging: wanted.paging, rules: None };
    if let Some((connection, compartment)) = view.scope.chosen() {
        view.rules = Some(list_rules(team, connection, compartment, &view.filter, &view.paging).await?);
    }
    Ok(view)
}

/// The URL of the page with these choices (`paging` adds the order and where the page starts).
fn url(connection: Option<i64>, compartment: Option<&str>, filter: &RuleFilter, paging: &PageRequest) -> String {
    let mut query = Vec::new();
    if let Some(c) = connection {
        query.push(format!("connection={c}"));
    }
    if let Some(c) = compartment.filter(|c| !c.is_empty()) {
        query.push(format!("compartment={c}"));
    }
    if let Some(s) = &filter.state {
        query.push(format!("state={s}"));
    }
    if let Some(e) = filter.enabled {
        query.push(format!("enabled={e}"));
    }
    if let Some(a) = filter.action {
        query.push(format!("action={}", a.as_str()));
    }
    if let Some(t) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        query.push(format!("q={}", t.replace('&', "%26").replace(' ', "+")));
    }
    if paging.sort != Sort::Name {
        query.push(format!("sort={}", paging.sort.as_str()));
    }
    if let Some(after) = &paging.after {
        query.push(format!("after={after}"));
    }
    if let Some(before) = &paging.before {
        query.push(format!("before={before}"));
    }
    if query.is_empty() { "/rules".to_owned() } else { format!("/rules?{}", query.join("&")) }
}

#[component]
fn Rules() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Rules", "Events rules: which events go where.", IconName::Rules),
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let go = move |to: String| navigate.with_value(|nav| nav(&team_href(team, &to), Default::default()));
    let wanted = move || {
        let q = query.read();
        Wanted {
            connection: q.get("connection"),
            compartment: q.get("compartment"),
            filter: RuleFilter {
                state: q.get("state").filter(|s| !s.is_empty()),
                enabled: q.get("enabled").and_then(|e| e.parse().ok()),
                action: q.get("action").and_then(|a| ActionKind::parse(&a)),
                text: q.get("q").filter(|t| !t.is_empty()),
                target: None,
            },
            paging: PageRequest {
                sort: q.get("sort").and_then(|s| Sort::parse(&s)).unwrap_or_default(),
                after: q.get("after").filter(|c| !c.is_empty()),
                before: q.get("before").filter(|c| !c.is_empty()),
                limit: None,
                refresh: false,
            },
        }
    };
    let data = Resource::new(wanted, move |wanted| bind_caller(load(team, wanted)));
    let wanted = StoredValue::new(wanted);
    // The form depends only on where it creates, so reloading the list after a change (or a new
    // topic appearing in its pickers) keeps what the user is typing.
    let form_context = Memo::new(move |_| {
        let loaded = data.get()?.ok()?;
        Some(FormContext { connection: loaded.scope.connection?, compartment: loaded.scope.compartment? })
    });
    let chosen = Memo::new(move |_| form_context.get().map(|place| (place.connection, place.compartment)));
    // Bumped with every change told live, so an open form's pickers offer a topic made elsewhere.
    let changes = RwSignal::new(0u32);
    follow_changes(team, chosen, move || {
        data.refetch();
        changes.update(|n| *n += 1);
    });
    let creating = RwSignal::new(false);
    // The search box's text outlives each render of the list, so a reload (a change elsewhere,
    // told live) never wipes what is being typed; it follows the URL when the URL changes.
    let search = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    Effect::new(move |_| search.set(query.read().get("q").unwrap_or_default()));
    let create = Action::new(move |form: &RuleForm| {
        let (form, csrf, place) = (form.clone(), csrf.get_value(), form_context.get_untracked());
        async move {
            let Some(place) = place else {
                return Err(ApiError::not_found("Choose a connection and a compartment first."));
            };
            let request = CreateRuleRequest {
                compartment_id: place.compartment,
                name: form.name,
                description: form.description,
                condition: form.condition,
                is_enabled: true,
                actions: form.actions,
            };
            create_rule(team, place.connection, &request, &csrf).await.map(|rule| format!("Created {}.", rule.name))
        }
    });
    let toggle = Action::new(move |(connection, id, enable): &(i64, String, bool)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        let request = UpdateRuleRequest { is_enabled: Some(*enable), ..Default::default() };
        async move { update_rule(team, connection, &id, &request, &csrf).await }
    });
    let remove = Action::new(move |(connection, id): &(i64, String)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        async move { delete_rule(team, connection, &id, &csrf).await }
    });
    // Refresh re-reads the compartment from OCI (a one-row page asking for it), then the view.
    let refresh = Action::new(move |(connection, compartment): &(i64, String)| {
        let (connection, compartment) = (*connection, compartment.clone());
        let ask = PageRequest { limit: Some(1), refresh: true, ..PageRequest::default() };
        async move { list_rules(team, connection, &compartment, &RuleFilter::default(), &ask).await.map(drop) }
    });
    Effect::new(move |_| {
        let created = create.value().get().is_some_and(|r| r.is_ok());
        let toggled = toggle.value().get().is_some_and(|r| r.is_ok());
        let removed = remove.value().get().is_some_and(|r| r.is_ok());
        let refreshed = refresh.value().get().is_some();
        if created || toggled || removed || refreshed {
            data.refetch();
        }
    });
    let row_error = Signal::derive(move || {
        toggle.value().get().and_then(Result::err).or_else(|| remove.value().get().and_then(Result::err))
    });

    let render = move |loaded: RulesView| {
        let RulesView { scope, filter, paging, rules, .. } = loaded;
        scope.show();
        let current = move || {
            let wanted = wanted.with_value(|w| w());
            (wanted.filter, PageRequest { sort: wanted.paging.sort, ..PageRequest::default() })
        };
        let connection = scope.connection;
        let pickers = scope.pickers(move |connection, compartment| {
            let (filter, order) = if compartment.is_some() { current() } else { Default::default() };
            go(url(connection, compartment.as_deref(), &filter, &order));
        });
        let toolbar = view! {
            {pickers}
            {filter_bar(connection, scope.compartment.clone(), &filter, paging.sort, search, go, current)}
        };
        let Some(connection_id) = connection else {
            return view! {
                <div class="page-body">
                    {toolbar}
                    <EmptyState icon=IconName::Rules title="No connection" body="This team has no connection to list rules with." />
                </div>
            }
            .into_any();
        };
        let Some(Page { items: rules, total, next, previous, freshness }) = rules else {
            return view! { <div class="page-body">{toolbar}</div> }.into_any();
        };
        let compartment = scope.compartment.clone().unwrap_or_default();
        let freshness = view! {
            <FreshnessBar
                freshness
                pending=refresh.pending()
                on_refresh=Callback::new(move |()| {
                    refresh.dispatch((connection_id, compartment.clone()));
                })
            />
        };
        let here = scope.compartment.clone();
        let link = |after: Option<String>, before: Option<String>| {
            let paging = PageRequest { sort: paging.sort, after, before, ..PageRequest::default() };
            team_href(team, &url(connection, here.as_deref(), &filter, &paging))
        };
        let pager = view! {
            <Pager
                shown=rules.len()
                total
                previous=previous.map(|p| link(None, Some(p)))
                next=next.map(|n| link(Some(n), None))
            />
        };
        let filtered = filter != RuleFilter::default();
        let table = if rules.is_empty() {
            let (title, body) = if filtered {
                ("No rule matches these filters", "Clear a filter to see more.")
            } else {
                (
                    "No rules in this compartment",
                    "A rule matches events by their type and attributes and sends them to topics, functions or streams. Create the first one with Create a rule.",
                )
            };
            view! { <EmptyState icon=IconName::Rules title body /> }.into_any()
        } else {
            let rows = rules
                .into_iter()
                .map(|rule| rule_row(rule, team, connection_id, can_change, toggle, remove))
                .collect_view();
            view! {
                <DataTable label="Rules" columns=&["Name", "Event types", "State", "Created", "Actions"] actions=true>
                    {rows}
                </DataTable>
                {pager}
            }
            .into_any()
        };
        view! {
            <div class="page-body">
                {toolbar}
                {freshness}
                {table}
                <FormAlert error=row_error />
            </div>
        }
        .into_any()
    };
    view! {
        <PageStyles />
        <PageHeader title="Rules" description="Events rules: which events in a compartment go to which topics, functions and streams.">
            {can_change
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="btn btn-primary"
                            aria-expanded=move || creating.get().to_string()
                            aria-controls="create-rule"
                            on:click=move |_| creating.update(|open| *open = !*open)
                        >
                            "Create a rule"
                        </button>
                    }
                })}
        </PageHeader>
        // Never open on the server: the form and its pickers are the browser's, once asked for.
        {move || {
            creating
                .get()
                .then(|| match form_context.get() {
                    Some(place) => {
                        view! {
                            <CreateRule team place csrf=csrf.get_value() create changes on_close=Callback::new(move |()| creating.set(false)) />
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <p class="notice" id="create-rule">
                                "Choose a connection and a compartment above: the rule is created there."
                            </p>
                        }
                            .into_any()
                    }
                })
        }}
        <AsyncView resource=data render />
    }
    .into_any()
}

/// The create form, with the compartment's topics and functions for its pickers, read when it
/// opens and again when the compartment changes.
#[component]
fn CreateRule(
    team: i64,
    place: FormContext,
    csrf: String,
    create: Action<RuleForm, Result<String, ApiError>>,
    changes: RwSignal<u32>,
    on_close: Callback<()>,
) -> impl IntoView {
    let FormContext { connection, compartment } = place;
    let preflight = PreflightPlace { team, connection, compartment: compartment.clone(), csrf };
    let compartment = StoredValue::new(compartment);
    let pickers = LocalResource::new(move || {
        changes.track();
        let compartment = compartment.get_value();
        async move {
            let topics = list_every_topic(team, connection, &compartment).await?;
            let functions = list_functions(team, connection, &compartment).await?;
            Ok::<_, ApiError>((topics, functions))
        }
    });
    let topics = Signal::derive(move || pickers.get().and_then(Result::ok).map(|(t, _)| t).unwrap_or_default());
    let functions = Signal::derive(move || pickers.get().and_then(Result::ok).map(|(_, f)| f).unwrap_or_default());
    // The editor starts once the pickers are there (a new rule's first action is a topic, or a
    // function when there is no topic) and then stays, keeping what is typed, while they are read
    // again; a re-read that fails is told beside it.
    let started = Memo::new(move |before: Option<&bool>| {
        before.copied().unwrap_or(false) || pickers.with(|p| matches!(p, Some(Ok(_))))
    });
    let failed = Signal::derive(move || pickers.get().and_then(Result::err));
    view! {
        <section
            class="create-panel"
            id="create-rule"
            on:keydown=move |event| {
                if event.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            // Only `started` is tracked once it holds: the editor is never rebuilt under the user.
            {move || {
                if !started.get() {
                    return match failed.get() {
                        None => view! { <LoadingPanel /> }.into_any(),
                        Some(error) => view! { <ErrorPanel error retry=move || pickers.refetch() /> }.into_any(),
                    };
                }
                let initial = RuleForm {
                    name: String::new(),
                    description: String::new(),
                    condition: NEW_CONDITION.to_owned(),
                    actions: Vec::new(),
                };
                view! {
                    <RuleEditor
                        title="Create a rule"
                        submit_label="Create rule"
                        initial
                        topics
                        functions
                        save=create
                        clear_on_save=true
                        preflight=preflight.clone()
                        cancel=on_close
                    />
                    <FormAlert error=failed />
                }
                    .into_any()
            }}
        </section>
    }
}

fn rule_row(
    rule: RuleSummary,
    team: i64,
    connection: i64,
    can_change: bool,
    toggle: Action<(i64, String, bool), Result<Rule, ApiError>>,
    remove: Action<(i64, String), Result<(), ApiError>>,
) -> impl IntoView {
    let types = named_types(&rule.condition);
    let shown: Vec<String> =
        types.iter().take(3).map(|t| t.strip_prefix("com.oraclecloud.").unwrap_or(t).to_owned()).collect();
    let more = types.len().saturating_sub(shown.len());
    let type_list = if types.is_empty() {
        view! { <span class="muted">"Any event type"</span> }.into_any()
    } else {
        view! {
            <span class="chips">
                {shown.into_iter().map(|t| view! { <code class="chip">{t}</code> }).collect_view()}
                {(more > 0).then(|| view! { <span class="muted">{format!("+{more}")}</span> })}
            </span>
        }
        .into_any()
    };
    let enabled = rule.is_enabled;
    let actions = can_change.then(|| {
        let (toggle_id, delete_id, name) = (rule.id.clone(), rule.id.clone(), rule.name.clone());
        view! {
            <button
                type="button"
                class="btn btn-small"
                aria-label=format!("{} {}", if enabled { "Disable" } else { "Enable" }, rule.name)
                disabled=move || toggle.pending().get()
                on:click=move |_| {
                    toggle.dispatch((connection, toggle_id.clone(), !enabled));
                }
            >
                {if enabled { "Disable" } else { "Enable" }}
            </button>
            <ConfirmButton
                label="Delete"
                question=format!("Delete the rule {name}? Events stop flowing to its actions.")
                confirm="Yes, delete"
                target=delete_id.clone()
                on_confirm=Callback::new(move |_| {
                    remove.dispatch((connection, delete_id.clone()));
                })
            />
        }
    });
    view! {
        <tr>
            <td>
                <a class="row-link" href=team_href(team, &format!("/rules/{}?connection={connection}", rule.id))>
                    <strong>{rule.name.clone()}</strong>
                </a>
                <span class="cell-sub">
                    <Ocid id=rule.id.clone() />
                </span>
                {(!rule.description.is_empty()).then(|| view! { <span class="cell-sub">{rule.description.clone()}</span> })}
            </td>
            <td title=rule.condition.clone()>{type_list}</td>
            <td class="nowrap">
                <Badge tone=Tone::of_state(&rule.state) label=rule.state.clone() />
                " "
                {if enabled {
                    view! { <Badge tone=Tone::Ok label="ENABLED" /> }
                } else {
                    view! { <Badge tone=Tone::Muted label="DISABLED" /> }
                }}
            </td>
            <td class="nowrap">
                <time datetime=rule.created_at.to_rfc3339()>{format::utc(rule.created_at)}</time>
            </td>
            <td class="actions-col">{actions}</td>
        </tr>
    }
}

/// The filters; every change navigates, so the URL holds the view. The text filter applies on
/// Enter.
fn filter_bar<G, C>(
    connection: Option<i64>,
    compartment: Option<String>,
    filter: &RuleFilter,
    sort: Sort,
    text: RwSignal<String>,
    go: G,
    current: C,
) -> impl IntoView + use<G, C>
where
    G: Fn(String) + Copy + Send + Sync + 'static,
    C: Fn() -> (RuleFilter, PageRequest) + Copy + Send + Sync + 'static,
{
    let here = StoredValue::new(compartment);
    // Filters are read from the URL when a control changes, not from this render, so a change
    // made before the previous one has loaded keeps it. A change starts again at the first page.
    let with = move |change: &dyn Fn(&mut RuleFilter, &mut PageRequest)| {
        let (mut filter, mut order) = current();
        change(&mut filter, &mut order);
        go(url(connection, here.get_value().as_deref(), &filter, &order));
    };
    let state_options = ["", "ACTIVE", "INACTIVE", "CREATING", "UPDATING", "FAILED"]
        .into_iter()
        .map(|s| {
            let selected = filter.state.as_deref().unwrap_or("") == s;
            view! { <option value=s selected=selected>{if s.is_empty() { "Any state" } else { s }}</option> }
        })
        .collect_view();
    let enabled_value = filter.enabled.map_or("", |e| if e { "true" } else { "false" });
    let action_value = filter.action.map_or("", ActionKind::as_str);
    view! {
        <form
            class="toolbar filter-bar"
            role="search"
            aria-label="Filter rules"
            on:submit=move |e| {
                e.prevent_default();
                let text = text.get_untracked();
                with(&|f, _| f.text = Some(text.trim().to_owned()).filter(|t| !t.is_empty()));
            }
        >
            <label class="inline-label">
                <span>"State"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f, _| f.state = Some(value.clone()).filter(|v| !v.is_empty()));
                }>{state_options}</select>
            </label>
            <label class="inline-label">
                <span>"Enabled"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f, _| f.enabled = value.parse().ok());
                }>
                    <option value="" selected=enabled_value.is_empty()>"Enabled or not"</option>
                    <option value="true" selected=enabled_value == "true">"Enabled"</option>
                    <option value="false" selected=enabled_value == "false">"Disabled"</option>
                </select>
            </label>
            <label class="inline-label">
                <span>"Action"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f, _| f.action = ActionKind::parse(&value));
                }>
                    <option value="" selected=action_value.is_empty()>"Any action"</option>
                    {ActionKind::ALL
                        .into_iter()
                        .map(|k| view! { <option value=k.as_str() selected=action_value == k.as_str()>{k.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="inline-label">
                <span>"Order"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|_, o| o.sort = Sort::parse(&value).unwrap_or_default());
                }>
                    <option value="name" selected=sort == Sort::Name>"Name, A to Z"</option>
                    <option value="newest" selected=sort == Sort::Newest>"Newest first"</option>
                    <option value="oldest" selected=sort == Sort::Oldest>"Oldest first"</option>
                </select>
            </label>
            <label class="inline-label search">
                <span class="visually-hidden">"Search rules"</span>
                <input
                    type="search"
                    placeholder="Name, description or condition…"
                    prop:value=move || text.get()
                    on:input=move |e| text.set(event_target_value(&e))
                />
            </label>
            <button type="submit" class="btn btn-small">
                "Filter"
            </button>
        </form>
    }
}
