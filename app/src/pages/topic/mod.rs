//! One topic: its facts, its subscriptions with their states, and a form that fits each
//! delivery protocol ([`subscribe`]). The connection comes from the URL (`?connection=`), like the
//! topics list.

mod subscribe;

use super::PageStyles;
use super::export_panel::{ExportPanel, export_hint};
use super::scope::{connection_label, follow_changes, pick_connection};
use crate::api::connections::{ConnectionKind, list_compartments};
use crate::api::functions::{FunctionSummary, list_functions};
use crate::api::inboxes::{Inbox, list_inboxes};
use crate::api::inventory::{Freshness, MAX_PAGE, PageRequest, get_freshness};
use crate::api::rules::{RuleFilter, RuleSummary, list_rules};
use crate::api::subscriptions::{
    CreateSubscriptionRequest, Subscription, SubscriptionProtocol, create_subscription, delete_subscription,
    list_subscriptions, resend_confirmation,
};
use crate::api::topics::{Topic, delete_topic, get_topic};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, ConfirmButton, DataTable, EmptyState, FormAlert, FreshnessBar, IconName, Ocid, PageHeader, Place,
    Tone, TypedConfirm, show_scope, team_href, use_team,
};
use crate::{export, format};
use chrono::TimeDelta;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};
use subscribe::AddSubscription;

/// The topic page, loaded lazily.
pub struct TopicRoute;

#[lazy_route]
impl LazyRoute for TopicRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <TopicPage /> }.into_any()
    }
}

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TopicView {
    connection: i64,
    /// How the header names the connection and the topic's compartment.
    connection_label: String,
    compartment_path: String,
    is_sandbox: bool,
    topic: Topic,
    subscriptions: Vec<Subscription>,
    functions: Vec<FunctionSummary>,
    /// Rules of the topic's compartment with an action that sends here.
    rules: Vec<RuleSummary>,
    /// The team's webhook inboxes, offered as endpoints.
    inboxes: Vec<Inbox>,
    /// How fresh the copy of the topic's compartment is (the topic, its subscriptions and rules
    /// are read from it).
    freshness: Freshness,
}

async fn load(team: i64, connection: Option<String>, topic_id: String) -> Result<TopicView, ApiError> {
    let chosen = &pick_connection(team, connection, "topic").await?;
    let topic = get_topic(team, chosen.id, &topic_id).await?;
    let compartment_path = list_compartments(team, chosen.id)
        .await?
        .into_iter()
        .find(|c| c.id == topic.compartment_id)
        .map_or_else(|| topic.compartment_id.clone(), |c| c.path);
    let subscriptions = list_subscriptions(team, chosen.id, &topic_id).await?;
    let functions = list_functions(team, chosen.id, &topic.compartment_id).await?;
    let to_topic = RuleFilter { target: Some(topic_id.clone()), ..RuleFilter::default() };
    let page = PageRequest { limit: Some(MAX_PAGE), ..PageRequest::default() };
    let rules = list_rules(team, chosen.id, &topic.compartment_id, &to_topic, &page).await?;
    let inboxes = list_inboxes(team).await?;
    Ok(TopicView {
        connection: chosen.id,
        connection_label: connection_label(chosen),
        compartment_path,
        is_sandbox: chosen.kind == ConnectionKind::Sandbox,
        topic,
        subscriptions,
        functions,
        rules: rules.items,
        inboxes,
        freshness: rules.freshness,
    })
}

#[component]
fn TopicPage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Topic", "A Notifications topic and its subscriptions.", IconName::Topics),
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || (query.read().get("connection"), params.read().get("topic_id").unwrap_or_default()),
        move |(connection, topic)| bind_caller(load(team, connection, topic)),
    );
    let create = Action::new(move |(connection, topic, request): &(i64, String, CreateSubscriptionRequest)| {
        let (connection, topic, request, csrf) = (*connection, topic.clone(), request.clone(), csrf.get_value());
        async move { create_subscription(team, connection, &topic, &request, &csrf).await }
    });
    let remove = Action::new(move |(connection, id): &(i64, String)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        async move { delete_subscription(team, connection, &id, &csrf).await }
    });
    let resend = Action::new(move |(connection, id): &(i64, String)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        async move { resend_confirmation(team, connection, &id, &csrf).await }
    });
    let remove_topic = Action::new(move |(connection, id): &(i64, String)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        async move { delete_topic(team, connection, &id, &csrf).await.map(|()| connection) }
    });
    // Refresh re-reads the topic's compartment from OCI, then the page.
    let refresh = Action::new(move |(connection, compartment): &(i64, String)| {
        let (connection, compartment) = (*connection, compartment.clone());
        async move { get_freshness(team, connection, &compartment, true).await.map(drop) }
    });
    // What the page shows changes live (a sync, the change feed, an edit elsewhere); the form
    // below keeps what is typed across the reload.
    let chosen = Memo::new(move |_| data.get()?.ok().map(|v| (v.connection, v.topic.compartment_id)));
    follow_changes(team, chosen, move || data.refetch());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(connection)) = remove_topic.value().get() {
            navigate(&team_href(team, &format!("/topics?connection={connection}")), Default::default());
        }
    });
    Effect::new(move |_| {
        let created = create.value().get().is_some_and(|r| r.is_ok());
        let removed = remove.value().get().is_some_and(|r| r.is_ok());
        let refreshed = refresh.value().get().is_some();
        if created || removed || refreshed {
            data.refetch();
        }
    });
    let row_error = Signal::derive(move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| resend.value().get().and_then(Result::err))
            .or_else(|| refresh.value().get().and_then(Result::err))
    });

    let render = move |loaded: TopicView| {
        let TopicView {
            connection, connection_label, compartment_path, topic, subscriptions, rules, freshness, ..
        } = loaded;
        show_scope(Place { connection, compartment: topic.compartment_id.clone() }, connection_label, compartment_path);
        let back = team_href(team, &format!("/topics?connection={connection}&compartment={}", topic.compartment_id));
        let subscription_count = subscriptions.len();
        let (delete_id, delete_name) = (topic.id.clone(), topic.name.clone());
        let rule_names: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
        let history = format!("/audit?target={}", topic.id);
        let compartment = topic.compartment_id.clone();
        let header = view! {
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href=back>"Topics"</a>
                <span aria-hidden="true">"/"</span>
                <span aria-current="page">{topic.name.clone()}</span>
            </nav>
            <PageHeader
                title=topic.name.clone()
                description=if topic.description.is_empty() {
                    "A Notifications topic and the subscriptions that deliver its messages.".to_owned()
                } else {
                    topic.description.clone()
                }
            >
                <a class="btn" href=history>
                    "History"
                </a>
                {can_change
                    .then(move || {
                        let id = delete_id.clone();
                        view! {
                            <TypedConfirm
                                label="Delete topic"
                                name=delete_name.clone()
                                consequences=consequences(subscription_count, &rule_names)
                                disabled=Signal::derive(move || remove_topic.pending().get())
                                on_confirm=Callback::new(move |_| {
                                    remove_topic.dispatch((connection, id.clone()));
                                })
                            />
                        }
                    })}
            </PageHeader>
            <dl class="fact-row">
                <div>
                    <dt>"State"</dt>
                    <dd>
                        <Badge tone=Tone::of_state(&topic.state) label=topic.state.clone() />
                    </dd>
                </div>
                <div>
                    <dt>"OCID"</dt>
                    <dd>
                        <Ocid id=topic.id.clone() />
                    </dd>
                </div>
                <div>
                    <dt>"Compartment"</dt>
                    <dd>
                        <Ocid id=topic.compartment_id.clone() />
                    </dd>
                </div>
                <div>
                    <dt>"Created"</dt>
                    <dd>{format::utc(topic.created_at)}</dd>
                </div>
            </dl>
            <FreshnessBar
                freshness
                what="topic"
                pending=refresh.pending()
                on_refresh=Callback::new(move |()| {
                    refresh.dispatch((connection, compartment.clone()));
                })
            />
        };
        let table = if subscriptions.is_empty() {
            view! {
                <EmptyState
                    icon=IconName::Topics
                    title="No subscriptions yet"
                    body="Messages published to this topic go nowhere until something subscribes: an e-mail address, an HTTPS endpoint, Slack, PagerDuty, SMS or a function."
                />
            }
            .into_any()
        } else {
            let rows = subscriptions
                .into_iter()
                .map(|s| subscription_row(s, connection, can_change, remove, resend))
                .collect_view();
            view! {
                <DataTable label="Subscriptions" columns=&["Protocol", "Endpoint", "State", "Age", "Actions"] actions=true>
                    {rows}
                </DataTable>
            }
            .into_any()
        };
        view! {
            <div class="page-body">
                {header}
                <section class="section" aria-labelledby="subscriptions">
                    <h2 id="subscriptions" class="section-title">
                        "Subscriptions"
                    </h2>
                    {table}
                    <FormAlert error=row_error />
                    <div class="form-status" role="status">
                        {move || {
                            resend
                                .value()
                                .get()
                                .and_then(Result::ok)
                                .map(|()| "Confirmation request sent again.")
                        }}
                    </div>
                </section>
            </div>
        }
    };
    // The form depends only on the topic and the functions it offers, so reloading the list
    // after a change keeps what the user is typing.
    let form_context = Memo::new(move |_| {
        let loaded = data.get()?.ok()?;
        Some((loaded.connection, loaded.topic.id, loaded.is_sandbox, loaded.functions, loaded.inboxes))
    });

    // Below the form, so the form stays next to the subscriptions it adds to.
    let sending_rules = Memo::new(move |_| data.get()?.ok().map(|v| v.rules).filter(|r| !r.is_empty()));
    let exported = Memo::new(move |_| data.get()?.ok().map(|v| export::topic(&v.topic, &v.subscriptions)));

    view! {
        <PageStyles />
        <AsyncView resource=data render>
            {move || {
                form_context
                    .get()
                    .filter(|_| can_change)
                    .map(|(connection, topic_id, is_sandbox, functions, inboxes)| {
                        view! { <AddSubscription team connection topic_id is_sandbox functions inboxes create /> }
                    })
            }}
            {move || sending_rules.get().map(rules_section)}
            {move || exported.get().map(|export| view! { <ExportPanel forms=export.forms() hint=export_hint("this topic and its subscriptions") /> })}
        </AsyncView>
    }
    .into_any()
}

/// The rules of the compartment that send to the topic, with their state.
fn rules_section(rules: Vec<RuleSummary>) -> impl IntoView {
    let items = rules
        .into_iter()
        .map(|r| {
            let badge = if r.is_enabled {
                view! { <Badge tone=Tone::Ok label="ENABLED" /> }
            } else {
                view! { <Badge tone=Tone::Muted label="DISABLED" /> }
            };
            view! {
                <li>
                    <strong>{r.name}</strong>
                    " "
                    {badge}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="sending-rules">
            <h2 id="sending-rules" class="section-title">
                "Rules that send here"
            </h2>
            <ul class="plain-list">{items}</ul>
        </section>
    }
}

/// What deleting the topic takes with it, for the confirmation.
fn consequences(subscriptions: usize, rules: &[String]) -> String {
    let plural = |n: usize, one: &str, many: &str| if n == 1 { format!("1 {one}") } else { format!("{n} {many}") };
    let mut text =
        format!("Deleting this topic deletes its {} as well.", plural(subscriptions, "subscription", "subscriptions"));
    if !rules.is_empty() {
        text.push_str(&format!(
            " {} in this compartment still {} here ({}); {} actions will fail until you change them.",
            plural(rules.len(), "rule", "rules"),
            if rules.len() == 1 { "sends" } else { "send" },
            rules.join(", "),
            if rules.len() == 1 { "its" } else { "their" }
        ));
    }
    text
}

fn subscription_row(
    subscription: Subscription,
    connection: i64,
    can_change: bool,
    remove: Action<(i64, String), Result<(), ApiError>>,
    resend: Action<(i64, String), Result<(), ApiError>>,
) -> impl IntoView {
    let label = SubscriptionProtocol::parse(&subscription.protocol)
        .map_or_else(|| subscription.protocol.clone(), |p| p.label().to_owned());
    let pending = subscription.state == "PENDING";
    let age = subscription.age_seconds.map(|s| format::duration(TimeDelta::seconds(s))).unwrap_or_default();
    let title = subscription.created_at.map(format::utc).unwrap_or_default();
    let actions = can_change.then(|| {
        let (resend_id, delete_id) = (subscription.id.clone(), subscription.id.clone());
        let endpoint = subscription.endpoint.clone();
        view! {
            {pending
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="btn btn-small"
                            disabled=move || resend.pending().get()
                            on:click=move |_| {
                                resend.dispatch((connection, resend_id.clone()));
                            }
                        >
                            "Resend confirmation"
                        </button>
                    }
                })}
            <ConfirmButton
                label="Delete"
                question=format!("Stop delivering to {endpoint}?")
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
            <td>{label}</td>
            <td>
                <span class="mono endpoint" title=subscription.endpoint.clone()>
                    {subscription.endpoint.clone()}
                </span>
            </td>
            <td>
                <Badge tone=Tone::of_state(&subscription.state) label=subscription.state.clone() />
                {pending.then(|| view! { <span class="cell-sub">"Waiting for the endpoint to confirm"</span> })}
            </td>
            <td class="nowrap" title=title>
                {age}
            </td>
            <td class="actions-col">{actions}</td>
        </tr>
    }
}
