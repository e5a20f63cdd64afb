//! The topics page: a compartment's Notifications topics through one of the team's connections,
//! with their subscriptions by state; operators create, publish test messages and delete.
//!
//! The connection and compartment live in the URL (`?connection=..&compartment=..`), so a view can
//! be shared and the back button works; without them the page picks the team's first connection
//! and its first compartment.

use super::scope::Scope;
use crate::api::inventory::{Page, PageRequest, Sort};
use crate::api::subscriptions::{
    Subscription, SubscriptionProtocol, list_compartment_subscriptions, resend_confirmation,
};
use crate::api::topics::{
    CreateTopicRequest, PublishRequest, Published, Topic, TopicFilter, check_description, check_topic_name,
    create_topic, delete_topic, list_topics, publish,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, ConfirmButton, DataTable, EmptyState, FieldError, FormAlert, FreshnessBar, IconName, Ocid,
    PageHeader, Pager, Tone, team_href, use_team,
};
use crate::format;
use chrono::TimeDelta;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The topics page, loaded lazily.
pub struct TopicsRoute;

#[lazy_route]
impl LazyRoute for TopicsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Topics /> }.into_any()
    }
}

#[component]
fn Topics() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page("Topics", "Notifications topics and their subscriptions.", IconName::Topics);
        }
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf);
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let go = move |connection: Option<i64>, compartment: Option<String>| {
        let mut to = team_href(team, &format!("/topics?connection={}", connection.unwrap_or_default()));
        if let Some(compartment) = compartment {
            to.push_str(&format!("&compartment={compartment}"));
        }
        navigate.with_value(|nav| nav(&to, Default::default()));
    };

    // One resource for the whole view: the connection and compartment depend on the lists, so
    // loading them in one go keeps server rendering and hydration in step.
    let data = Resource::new(
        move || {
            let q = query.read();
            let paging = PageRequest {
                after: q.get("after").filter(|c| !c.is_empty()),
                before: q.get("before").filter(|c| !c.is_empty()),
                ..PageRequest::default()
            };
            (q.get("connection"), q.get("compartment"), paging)
        },
        move |(connection, compartment, paging)| bind_caller(load(team, connection, compartment, paging)),
    );
    let chosen = move || {
        data.get_untracked().and_then(Result::ok).and_then(|v| v.scope.chosen().map(|(c, k)| (c, k.to_owned())))
    };
    let create = Action::new(move |(connection, request): &(i64, CreateTopicRequest)| {
        let (connection, request, csrf) = (*connection, request.clone(), csrf.get_value());
        async move { create_topic(team, connection, &request, &csrf).await }
    });
    let remove = Action::new(move |(connection, topic): &(i64, String)| {
        let (connection, topic, csrf) = (*connection, topic.clone(), csrf.get_value());
        async move { delete_topic(team, connection, &topic, &csrf).await }
    });
    let send = Action::new(move |(connection, topic, request): &(i64, String, PublishRequest)| {
        let (connection, topic, request, csrf) = (*connection, topic.clone(), request.clone(), csrf.get_value());
        async move { publish(team, connection, &topic, &request, &csrf).await }
    });
    let resend = Action::new(move |(connection, id): &(i64, String)| {
        let (connection, id, csrf) = (*connection, id.clone(), csrf.get_value());
        async move { resend_confirmation(team, connection, &id, &csrf).await }
    });
    // Refresh re-reads the compartment from OCI (a one-row page asking for it), then the view.
    let refresh = Action::new(move |(connection, compartment): &(i64, String)| {
        let (connection, compartment) = (*connection, compartment.clone());
        let ask = PageRequest { limit: Some(1), refresh: true, ..PageRequest::default() };
        async move { list_topics(team, connection, &compartment, &TopicFilter::default(), &ask).await.map(drop) }
    });
    Effect::new(move |_| {
        let created = create.value().get().is_some_and(|r| r.is_ok());
        let removed = remove.value().get().is_some_and(|r| r.is_ok());
        let refreshed = refresh.value().get().is_some();
        if created || removed || refreshed {
            data.refetch();
        }
    });
    // The topic whose publish form is open.
    let publishing = RwSignal::new(None::<(String, String)>);

    let render = move |loaded: TopicsView| {
        loaded.scope.show();
        let toolbar = loaded.scope.pickers(go);
        let connection = loaded.scope.connection;
        let compartment = loaded.scope.compartment.clone().unwrap_or_default();
        let (topics, total, next, previous, freshness) = match loaded.topics {
            Some(Page { items, total, next, previous, freshness }) => (items, total, next, previous, Some(freshness)),
            None => (Vec::new(), 0, None, None, None),
        };
        let freshness = freshness.zip(connection).map(|(freshness, connection)| {
            view! {
                <FreshnessBar
                    freshness
                    pending=refresh.pending()
                    on_refresh=Callback::new(move |()| {
                        refresh.dispatch((connection, compartment.clone()));
                    })
                />
            }
        });
        let here = format!(
            "/topics?connection={}&compartment={}",
            connection.unwrap_or_default(),
            loaded.scope.compartment.clone().unwrap_or_default()
        );
        let pager = view! {
            <Pager
                shown=topics.len()
                total
                previous=previous.map(|p| team_href(team, &format!("{here}&before={p}")))
                next=next.map(|n| team_href(team, &format!("{here}&after={n}")))
            />
        };
        let body = match connection {
            None => view! {
                <EmptyState icon=IconName::Topics title="No connection" body="This team has no connection to list topics with." />
            }
            .into_any(),
            Some(_) if topics.is_empty() => view! {
                <EmptyState
                    icon=IconName::Topics
                    title="No topics in this compartment"
                    body="A topic fans a message out to its subscriptions: e-mail, HTTPS endpoints, Slack, PagerDuty, SMS or a function. Rules send events to topics."
                />
            }
            .into_any(),
            Some(connection) => {
                let rows = topics
                    .into_iter()
                    .map(|topic| topic_row(topic, team, connection, can_change, remove, publishing))
                    .collect_view();
                view! {
                    <DataTable label="Topics" columns=&["Name", "State", "Subscriptions", "Created", "Actions"] actions=true>
                        {rows}
                    </DataTable>
                    {pager}
                }
                .into_any()
            }
        };
        let waiting = (!loaded.pending.is_empty())
            .then(|| pending_section(loaded.pending, loaded.pending_total, team, connection, can_change, resend));
        view! {
            <div class="page-body">
                {toolbar}
                {freshness}
                {body}
                {waiting}
            </div>
        }
    };

    view! {
        <PageHeader
            title="Topics"
            description="Notifications topics and the subscriptions that deliver their messages."
        />
        <AsyncView resource=data render />
        <FormAlert error=Signal::derive(move || {
            remove.value().get().and_then(Result::err).or_else(|| resend.value().get().and_then(Result::err))
        }) />
        <div class="form-status" role="status">
            {move || resend.value().get().and_then(Result::ok).map(|()| "Confirmation request sent again.")}
        </div>
        {move || {
            publishing
                .get()
                .map(|(id, name)| {
                    view! { <PublishForm topic_id=id name chosen send publishing /> }
                })
        }}
        {can_change
            .then(|| {
                view! { <CreateTopic chosen create /> }
            })}
    }
    .into_any()
}

fn topic_row(
    topic: Topic,
    team: i64,
    connection: i64,
    can_change: bool,
    remove: Action<(i64, String), Result<(), ApiError>>,
    publishing: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let tone = if topic.state == "ACTIVE" { Tone::Ok } else { Tone::Warn };
    let counts = topic.subscriptions;
    let (id, name) = (topic.id.clone(), topic.name.clone());
    let actions = can_change.then(|| {
        let (publish_id, publish_name) = (id.clone(), name.clone());
        let delete_id = id.clone();
        view! {
            <button
                type="button"
                class="btn btn-small"
                aria-label=format!("Publish a test message to {name}")
                on:click=move |_| publishing.set(Some((publish_id.clone(), publish_name.clone())))
            >
                "Publish test"
            </button>
            <ConfirmButton
                label="Delete"
                question=format!("Delete {name} and its subscriptions?")
                confirm="Yes, delete"
                on_confirm=Callback::new(move |_| {
                    remove.dispatch((connection, delete_id.clone()));
                })
            />
        }
    });
    view! {
        <tr>
            <td>
                <a class="row-link" href=team_href(team, &format!("/topics/{}?connection={connection}", topic.id))>
                    <strong>{topic.name.clone()}</strong>
                </a>
                <span class="cell-sub">
                    <Ocid id=topic.id.clone() />
                </span>
                {(!topic.description.is_empty())
                    .then(|| view! { <span class="cell-sub">{topic.description.clone()}</span> })}
            </td>
            <td>
                <Badge tone label=topic.state.clone() />
            </td>
            <td>
                <span class="counts">
                    <Badge tone=Tone::Ok label=format!("{} ACTIVE", counts.active) />
                    {(counts.pending > 0).then(|| view! { <Badge tone=Tone::Warn label=format!("{} PENDING", counts.pending) /> })}
                    {(counts.other > 0).then(|| view! { <Badge tone=Tone::Muted label=format!("{} OTHER", counts.other) /> })}
                </span>
            </td>
            <td class="nowrap">
                <time datetime=topic.created_at.to_rfc3339()>{format::utc(topic.created_at)}</time>
            </td>
            <td class="actions-col">{actions}</td>
        </tr>
    }
}

/// Subscriptions that wait for their endpoint to confirm, across the compartment's topics, with
/// how long they have waited: nothing should sit unconfirmed unseen.
fn pending_section(
    pending: Vec<Subscription>,
    total: u64,
    team: i64,
    connection: Option<i64>,
    can_change: bool,
    resend: Action<(i64, String), Result<(), ApiError>>,
) -> impl IntoView {
    let shown = pending.len();
    let rows = pending
        .into_iter()
        .map(|s| {
            let protocol =
                SubscriptionProtocol::parse(&s.protocol).map_or_else(|| s.protocol.clone(), |p| p.label().to_owned());
            let waited = s.age_seconds.map(|a| format::duration(TimeDelta::seconds(a))).unwrap_or_default();
            let topic = s.topic_name.clone().unwrap_or_else(|| s.topic_id.clone());
            let link =
                team_href(team, &format!("/topics/{}?connection={}", s.topic_id, connection.unwrap_or_default()));
            let id = s.id.clone();
            let action = (can_change && connection.is_some()).then(|| {
                view! {
                    <button
                        type="button"
                        class="btn btn-small"
                        aria-label=format!("Resend the confirmation to {}", s.endpoint)
                        disabled=move || resend.pending().get()
                        on:click=move |_| {
                            resend.dispatch((connection.unwrap_or_default(), id.clone()));
                        }
                    >
                        "Resend confirmation"
                    </button>
                }
            });
            view! {
                <tr>
                    <td>
                        <a class="row-link" href=link>
                            {topic}
                        </a>
                    </td>
                    <td>{protocol}</td>
                    <td>
                        <span class="mono endpoint" title=s.endpoint.clone()>
                            {s.endpoint.clone()}
                        </span>
                    </td>
                    <td class="nowrap">
                        <Badge tone=Tone::Warn label=format!("waiting {waited}") />
                    </td>
                    <td class="actions-col">{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="pending">
            <h2 id="pending" class="section-title">
                {format!("Waiting for confirmation ({total})")}
            </h2>
            <p class="section-lead">
                "OCI delivers nothing to these endpoints until they confirm. An HTTPS endpoint confirms by opening the URL in the X-OCI-NS-ConfirmationURL header of the first request it gets; people confirm from the e-mail or text message."
                {(total > shown as u64).then(|| format!(" The {shown} that have waited longest are shown."))}
            </p>
            <DataTable label="Pending subscriptions" columns=&["Topic", "Protocol", "Endpoint", "Pending for", "Actions"] actions=true>
                {rows}
            </DataTable>
        </section>
    }
}

/// Creates a topic in the chosen compartment; the name and description are checked as you type
/// with the same rules the server applies.
#[component]
fn CreateTopic(
    /// The connection and compartment shown, when known.
    chosen: impl Fn() -> Option<(i64, String)> + Send + Sync + 'static,
    create: Action<(i64, CreateTopicRequest), Result<Topic, ApiError>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let name_problem = Signal::derive(move || {
        let text = name.get();
        (!text.is_empty()).then(|| check_topic_name(text.trim()).err()).flatten()
    });
    let description_problem = Signal::derive(move || check_description(&description.get()).err());
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            name.set(String::new());
            description.set(String::new());
        }
    });
    view! {
        <form
            class="inline-form"
            aria-label="Create a topic"
            on:submit=move |event| {
                event.prevent_default();
                if let Some((connection, compartment)) = chosen() {
                    create
                        .dispatch((
                            connection,
                            CreateTopicRequest {
                                compartment_id: compartment,
                                name: name.get_untracked().trim().to_owned(),
                                description: description.get_untracked(),
                            },
                        ));
                }
            }
        >
            <h3 class="form-title">"Create a topic"</h3>
            <label class="field">
                <span class="field-label">"Topic name"</span>
                <input
                    type="text"
                    required
                    placeholder="infra-alerts"
                    autocomplete="off"
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                {move || name_problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <FieldError error field="name" />
            </label>
            <label class="field field-wide">
                <span class="field-label">"Description"</span>
                <input
                    type="text"
                    autocomplete="off"
                    prop:value=move || description.get()
                    on:input=move |e| description.set(event_target_value(&e))
                />
                {move || description_problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <FieldError error field="description" />
            </label>
            <button
                type="submit"
                class="btn btn-primary"
                disabled=move || create.pending().get() || name_problem.get().is_some() || description_problem.get().is_some()
            >
                "Create topic"
            </button>
            <FormAlert error fields=&["name", "description"] />
        </form>
    }
}

/// Publishes a test message to one topic and shows OCI's message id.
#[component]
fn PublishForm(
    topic_id: String,
    name: String,
    /// The connection and compartment shown, when known.
    chosen: impl Fn() -> Option<(i64, String)> + Send + Sync + 'static,
    send: Action<(i64, String, PublishRequest), Result<Published, ApiError>>,
    publishing: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let title = RwSignal::new(format!("Test message from Signalbox to {name}"));
    let body = RwSignal::new("If you can read this, the topic delivers.".to_owned());
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let topic = StoredValue::new(topic_id);
    view! {
        <form
            class="inline-form"
            aria-label=format!("Publish to {name}")
            on:submit=move |event| {
                event.prevent_default();
                if let Some((connection, _)) = chosen() {
                    send.dispatch((
                        connection,
                        topic.get_value(),
                        PublishRequest { title: title.get_untracked(), body: body.get_untracked() },
                    ));
                }
            }
        >
            <label class="field">
                <span class="field-label">"Title"</span>
                <input type="text" prop:value=move || title.get() on:input=move |e| title.set(event_target_value(&e)) />
            </label>
            <label class="field field-wide">
                <span class="field-label">"Message"</span>
                <input type="text" prop:value=move || body.get() on:input=move |e| body.set(event_target_value(&e)) />
                <FieldError error field="body" />
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || send.pending().get()>
                "Publish"
            </button>
            <button type="button" class="btn" on:click=move |_| publishing.set(None)>
                "Close"
            </button>
            <div class="form-status" role="status">
                {move || {
                    send.value()
                        .get()
                        .and_then(Result::ok)
                        .map(|p| format!("Published: message {}.", p.message_id))
                }}
            </div>
            <FormAlert error fields=&["body"] />
        </form>
    }
}

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TopicsView {
    scope: Scope,
    /// A page of the topics, once a compartment is chosen.
    topics: Option<Page<Topic>>,
    /// Subscriptions of the compartment still waiting for their endpoint, the first page of them,
    /// oldest first.
    pending: Vec<Subscription>,
    /// How many wait in all.
    pending_total: u64,
}

/// Loads where the page works and the chosen compartment's topics and pending subscriptions.
async fn load(
    team: i64,
    connection: Option<String>,
    compartment: Option<String>,
    paging: PageRequest,
) -> Result<TopicsView, ApiError> {
    let scope = Scope::resolve(team, connection, compartment).await?;
    let (topics, pending) = match scope.chosen() {
        Some((connection, compartment)) => {
            let topics = list_topics(team, connection, compartment, &TopicFilter::default(), &paging).await?;
            let oldest = PageRequest { sort: Sort::Oldest, ..PageRequest::default() };
            let pending =
                list_compartment_subscriptions(team, connection, compartment, Some("PENDING"), &oldest).await?;
            (Some(topics), Some(pending))
        }
        None => (None, None),
    };
    let (pending, pending_total) = pending.map_or((Vec::new(), 0), |page| (page.items, page.total));
    Ok(TopicsView { scope, topics, pending, pending_total })
}
