//! The built-in sandbox's log: every delivery it attempted over every protocol (with attempts and
//! the endpoint's answer) and the e-mails and SMS it captured instead of sending, so a user can
//! see what their pipeline would have sent. `?tab=outbox` shows the outbox.

use super::PageStyles;
use crate::api::connections::{ConnectionKind, list_connections};
use crate::api::sandbox::{OutboxEntry, SandboxActivity, SandboxDelivery, sandbox_activity};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, DataTable, EmptyState, Icon, IconName, PageHeader, Timestamp, Tone, team_href, use_team,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The sandbox page, loaded lazily.
pub struct SandboxRoute;

#[lazy_route]
impl LazyRoute for SandboxRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SandboxPage /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SandboxView {
    activity: Option<SandboxActivity>,
}

async fn load(team: i64) -> Result<SandboxView, ApiError> {
    let sandbox = list_connections(team).await?.into_iter().find(|c| c.kind == ConnectionKind::Sandbox);
    Ok(SandboxView {
        activity: match sandbox {
            Some(connection) => Some(sandbox_activity(team, connection.id).await?),
            None => None,
        },
    })
}

const DESCRIPTION: &str = "What the built-in OCI sandbox delivered: every message to every subscription, with its attempts, and the e-mails and SMS it captured instead of sending.";

#[component]
fn SandboxPage() -> impl IntoView {
    let team = match use_team() {
        Ok(current) => current.id,
        Err(missing) => return missing.page("Sandbox", DESCRIPTION, IconName::Sandbox),
    };
    let query = use_query_map();
    let outbox_tab = Memo::new(move |_| query.read().get("tab").as_deref() == Some("outbox"));
    let data = Resource::new(|| (), move |_| bind_caller(load(team)));
    let refreshing = RwSignal::new(false);
    let render = move |loaded: SandboxView| {
        let Some(activity) = loaded.activity else {
            return view! {
                <EmptyState icon=IconName::Sandbox title="No sandbox connection" body="Your team has no connection to the built-in sandbox, so there is no log to show." />
            }
            .into_any();
        };
        let now = activity.as_of;
        let (deliveries, outbox) = (activity.deliveries.len(), activity.outbox.len());
        let tabs = view! {
            <div class="tabs" role="tablist" aria-label="Sandbox log">
                <a class="tab" role="tab" href=team_href(team, "/sandbox") aria-selected=move || (!outbox_tab.get()).to_string()>
                    {format!("Deliveries ({deliveries})")}
                </a>
                <a class="tab" role="tab" href=team_href(team, "/sandbox?tab=outbox") aria-selected=move || outbox_tab.get().to_string()>
                    {format!("E-mail and SMS outbox ({outbox})")}
                </a>
            </div>
        };
        let SandboxActivity { deliveries, outbox, .. } = activity;
        let (deliveries, outbox) = (StoredValue::new(deliveries), StoredValue::new(outbox));
        view! {
            {tabs}
            {move || {
                if outbox_tab.get() {
                    outbox_view(outbox.get_value(), now).into_any()
                } else {
                    deliveries_view(deliveries.get_value(), now).into_any()
                }
            }}
        }
        .into_any()
    };
    view! {
        <PageStyles />
        <PageHeader title="Sandbox" description=DESCRIPTION>
            <button
                type="button"
                class="btn"
                aria-busy=move || refreshing.get().to_string()
                disabled=move || refreshing.get()
                on:click=move |_| data.refetch()
            >
                <Icon name=IconName::Refresh />
                {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
            </button>
        </PageHeader>
        <AsyncView resource=data set_pending=refreshing.write_only() render />
    }
    .into_any()
}

fn deliveries_view(deliveries: Vec<SandboxDelivery>, now: DateTime<Utc>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! {
            <EmptyState
                icon=IconName::Sandbox
                title="Nothing delivered yet"
                body="Publish to a topic with subscriptions, or emit an event a rule matches (a rule's Verify does both); each delivery shows here with its attempts."
            />
        }
        .into_any();
    }
    let rows = deliveries
        .into_iter()
        .map(|d| {
            let tone = match d.status.as_str() {
                "delivered" => Tone::Ok,
                "failed" => Tone::Bad,
                _ => Tone::Warn,
            };
            let answer = match (d.last_status, d.last_error) {
                (Some(status), _) => format!("HTTP {status}"),
                (None, Some(error)) => error,
                (None, None) => String::new(),
            };
            let topic = d.topic_name.unwrap_or(d.topic_id);
            view! {
                <tr>
                    <td class="nowrap">
                        <Timestamp at=d.created_at now />
                    </td>
                    <td>{d.kind}</td>
                    <td>{topic}</td>
                    <td>
                        {d.protocol}
                        <span class="cell-sub mono endpoint" title=d.endpoint.clone()>
                            {d.endpoint.clone()}
                        </span>
                    </td>
                    <td>
                        <Badge tone label=d.status />
                    </td>
                    <td class="nowrap">{d.attempts}</td>
                    <td class="cell-wrap">{answer}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Deliveries" columns=&["When", "Kind", "Topic", "Protocol and endpoint", "Status", "Attempts", "Last answer"]>
            {rows}
        </DataTable>
    }
    .into_any()
}

fn outbox_view(outbox: Vec<OutboxEntry>, now: DateTime<Utc>) -> impl IntoView {
    if outbox.is_empty() {
        return view! {
            <EmptyState
                icon=IconName::Sandbox
                title="The outbox is empty"
                body="E-mail and SMS subscriptions of sandbox topics land here instead of being sent, confirmation requests included."
            />
        }
        .into_any();
    }
    let items = outbox
        .into_iter()
        .map(|m| {
            view! {
                <li class="delivery">
                    <div class="delivery-head">
                        <Badge tone=Tone::Muted label=m.protocol />
                        <span>"to " <strong>{m.to}</strong></span>
                        <span>{m.subject}</span>
                        <Timestamp at=m.at now />
                    </div>
                    <pre class="delivery-body">{m.body}</pre>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="delivery-list">{items}</ol> }.into_any()
}
