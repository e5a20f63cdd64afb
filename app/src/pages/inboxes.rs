//! Webhook inboxes: the team's inboxes, and the one chosen (`?inbox=`) with what it received,
//! arriving live. Everything an inbox received came from outside: bodies and headers are shown
//! as text (pretty-printed when they are JSON), never as HTML.

use super::PageStyles;
use crate::api::inboxes::{
    CreateInboxRequest, DeliveryKind, Inbox, InboxDelivery, check_name, create_inbox, delete_inbox, list_deliveries,
    list_inboxes,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, ConfirmButton, DataTable, EmptyState, FieldError, FormAlert, IconName, PageHeader, Timestamp,
    Tone, team_href, use_team,
};
use crate::format;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The inboxes page, loaded lazily.
pub struct InboxesRoute;

#[lazy_route]
impl LazyRoute for InboxesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <InboxesPage /> }.into_any()
    }
}

/// What the page shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct InboxesView {
    inboxes: Vec<Inbox>,
    /// The chosen inbox's newest deliveries, and the server's time of them.
    chosen: Option<(Inbox, Vec<InboxDelivery>, DateTime<Utc>)>,
}

async fn load(team: i64, chosen: Option<i64>) -> Result<InboxesView, ApiError> {
    let inboxes = list_inboxes(team).await?;
    let chosen = match chosen.and_then(|id| inboxes.iter().find(|i| i.id == id)) {
        Some(inbox) => {
            let page = list_deliveries(team, inbox.id, None).await?;
            Some((inbox.clone(), page.deliveries, page.as_of))
        }
        None => None,
    };
    Ok(InboxesView { inboxes, chosen })
}

const DESCRIPTION: &str = "URLs that receive ONS deliveries: subscribe one to a topic and it confirms by itself, then shows every message that arrives.";

#[component]
fn InboxesPage() -> impl IntoView {
    let header = view! {
        <PageHeader title="Inboxes" description=DESCRIPTION />
    };
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Inboxes", DESCRIPTION, IconName::Inbox),
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf);
    let query = use_query_map();
    let chosen = Memo::new(move |_| query.read().get("inbox").and_then(|v| v.parse::<i64>().ok()));
    let data = Resource::new(move || chosen.get(), move |chosen| bind_caller(load(team, chosen)));
    let create = Action::new(move |name: &String| {
        let (request, csrf) = (CreateInboxRequest { name: name.clone() }, csrf.get_value());
        async move { create_inbox(team, &request, &csrf).await }
    });
    let remove = Action::new(move |id: &i64| {
        let (id, csrf) = (*id, csrf.get_value());
        async move { delete_inbox(team, id, &csrf).await }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(inbox)) = create.value().get() {
            navigate(&team_href(team, &format!("/inboxes?inbox={}", inbox.id)), Default::default());
        }
    });
    Effect::new(move |_| {
        if remove.value().get().is_some_and(|r| r.is_ok()) {
            data.refetch();
        }
    });

    let render = move |loaded: InboxesView| {
        let InboxesView { inboxes, chosen } = loaded;
        let list = if inboxes.is_empty() {
            view! {
                <EmptyState
                    icon=IconName::Topics
                    title="No inboxes yet"
                    body="Create one, then subscribe it to a topic from the topic's page (one click) or paste its URL as an HTTPS endpoint."
                />
            }
            .into_any()
        } else {
            let chosen_id = chosen.as_ref().map(|(inbox, _, _)| inbox.id);
            let rows =
                inboxes.into_iter().map(|inbox| inbox_row(inbox, team, chosen_id, can_change, remove)).collect_view();
            view! {
                <DataTable label="Inboxes" columns=&["Name", "URL", "Received", "Last delivery", "Actions"] actions=true>
                    {rows}
                </DataTable>
            }
            .into_any()
        };
        view! {
            <section class="section" aria-label="Inboxes">
                {list}
                <FormAlert error=Signal::derive(move || remove.value().get().and_then(Result::err)) />
            </section>
            {chosen.map(|(inbox, deliveries, now)| view! { <InboxDeliveries team inbox deliveries now /> })}
        }
    };
    view! {
        <PageStyles />
        {header}
        {can_change.then(|| view! { <NewInbox create /> })}
        <AsyncView resource=data render />
    }
    .into_any()
}

fn inbox_row(
    inbox: Inbox,
    team: i64,
    chosen: Option<i64>,
    can_change: bool,
    remove: Action<i64, Result<(), ApiError>>,
) -> impl IntoView {
    let id = inbox.id;
    let open = team_href(team, &format!("/inboxes?inbox={id}"));
    let current = (chosen == Some(id)).then_some("page");
    let last = match inbox.last_delivery_at {
        Some(at) => view! { <time datetime=at.to_rfc3339()>{format::utc(at)}</time> }.into_any(),
        None => view! { <span class="muted">"never"</span> }.into_any(),
    };
    let delete = can_change.then(|| {
        view! {
            <ConfirmButton
                label="Delete"
                question=format!("Delete inbox {} and what it received? Subscriptions to its URL will fail.", inbox.name)
                confirm="Yes, delete"
                on_confirm=Callback::new(move |_| {
                    remove.dispatch(id);
                })
            />
        }
    });
    view! {
        <tr>
            <td>
                <a href=open aria-current=current>
                    {inbox.name.clone()}
                </a>
            </td>
            <td>
                <span class="mono endpoint" title=inbox.url.clone()>
                    {inbox.url.clone()}
                </span>
            </td>
            <td class="nowrap">{inbox.deliveries}</td>
            <td class="nowrap">{last}</td>
            <td class="actions-col">{delete}</td>
        </tr>
    }
}

/// The form that makes an inbox.
#[component]
fn NewInbox(create: Action<String, Result<Inbox, ApiError>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let problem = Signal::derive(move || {
        let text = name.get();
        (!text.is_empty()).then(|| check_name(&text).err()).flatten()
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        create.dispatch(name.get_untracked().trim().to_owned());
    };
    view! {
        <form class="inline-form" aria-label="Create an inbox" on:submit=submit>
            <label class="field">
                <span class="field-label">"New inbox"</span>
                <input
                    type="text"
                    placeholder="verify"
                    autocomplete="off"
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                {move || problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <FieldError error field="name" />
            </label>
            <button
                type="submit"
                class="btn btn-primary"
                disabled=move || create.pending().get() || name.get().trim().is_empty() || problem.get().is_some()
            >
                "Create inbox"
            </button>
            <FormAlert error fields=&["name"] />
        </form>
    }
}

/// The chosen inbox: its URL and deliveries, newest first, growing live.
#[component]
fn InboxDeliveries(team: i64, inbox: Inbox, deliveries: Vec<InboxDelivery>, now: DateTime<Utc>) -> impl IntoView {
    let list = RwSignal::new(deliveries);
    let live = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    follow(crate::api::inboxes::events_url(team, inbox.id), list, live);
    let items = move || {
        list.with(|all| {
            if all.is_empty() {
                return view! {
                    <EmptyState
                        icon=IconName::Topics
                        title="Nothing received yet"
                        body="Subscribe this inbox to a topic and publish a message, or run Verify on a rule. Deliveries appear here as they arrive."
                    />
                }
                .into_any();
            }
            view! { <ol class="delivery-list">{all.iter().cloned().map(|d| delivery_item(d, now)).collect_view()}</ol> }
                .into_any()
        })
    };
    view! {
        <section class="section" aria-labelledby="deliveries-title">
            <h2 id="deliveries-title" class="section-title">
                {format!("{}: deliveries", inbox.name)}
                {move || live.get().then(|| view! { <Badge tone=Tone::Ok label="live" /> })}
            </h2>
            <p class="section-hint">
                "URL: " <span class="mono">{inbox.url.clone()}</span>
                {format!(
                    " · keeps the newest {} for {} days · bodies over {} are refused",
                    crate::api::inboxes::KEPT_DELIVERIES,
                    crate::api::inboxes::KEPT_DAYS,
                    format::bytes(crate::api::inboxes::MAX_BODY_BYTES as u64),
                )}
            </p>
            <p class="section-hint">
                "Deploy the " <a href=team_href(team, "/pipelines#starters-title")>"Live inventory"</a>
                " starter with this URL and changes made anywhere to the compartment's rules, topics and subscriptions show in Signalbox within a second."
            </p>
            <div aria-live="polite">{items}</div>
        </section>
    }
}

fn delivery_item(delivery: InboxDelivery, now: DateTime<Utc>) -> impl IntoView {
    let (tone, kind) = match delivery.kind {
        DeliveryKind::Confirmation => (Tone::Warn, "confirmation"),
        DeliveryKind::Notification => (Tone::Ok, "notification"),
        DeliveryKind::Other => (Tone::Muted, "other"),
    };
    // Shown as text either way; JSON is indented so it can be read.
    let body = serde_json::from_str::<serde_json::Value>(&delivery.body)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok())
        .unwrap_or_else(|| delivery.body.clone());
    let headers =
        delivery.headers.iter().map(|(name, value)| format!("{name}: {value}")).collect::<Vec<_>>().join("\n");
    let from = delivery.topic_name.clone().or_else(|| delivery.topic_id.clone());
    view! {
        <li class="delivery" data-kind=kind>
            <div class="delivery-head">
                <Badge tone label=kind />
                {from.map(|topic| view! { <span>"from " <strong>{topic}</strong></span> })}
                {delivery.message_id.clone().map(|id| view! { <span class="mono muted">{id}</span> })}
                <Timestamp at=delivery.received_at now />
                <span class="muted">{format::bytes(delivery.body_bytes.max(0) as u64)}</span>
            </div>
            {delivery.confirmation.clone().map(|outcome| view! { <p class="delivery-note">{outcome}</p> })}
            <pre class="delivery-body">{body}</pre>
            <details>
                <summary>"Headers"</summary>
                <pre class="delivery-headers">{headers}</pre>
            </details>
        </li>
    }
}

/// Opens the inbox's event stream and puts what arrives at the top of `list` (a confirmation sent
/// again with its outcome replaces its first version).
#[cfg(feature = "hydrate")]
fn follow(url: String, list: RwSignal<Vec<InboxDelivery>>, live: RwSignal<bool>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Ok(source) = web_sys::EventSource::new(&url) else { return };
    let on_open = Closure::<dyn FnMut()>::new(move || live.set(true));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || live.set(false));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    let on_deliveries = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let Ok(arrived) = serde_json::from_str::<Vec<InboxDelivery>>(&text) else { return };
        list.update(|all| {
            for delivery in arrived {
                match all.iter_mut().find(|d| d.id == delivery.id) {
                    Some(known) => *known = delivery,
                    None => all.insert(0, delivery),
                }
            }
            all.sort_by_key(|d| std::cmp::Reverse(d.id));
        });
    });
    let _ = source.add_event_listener_with_callback("deliveries", on_deliveries.as_ref().unchecked_ref());
    on_deliveries.forget();
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}
