//! The cloud audit page: OCI's own record of the changes in a compartment (OCI Audit), each next
//! to the Signalbox entry for the same request, so a change made outside Signalbox (the OCI
//! console, the CLI, a script) stands out. Connection, compartment, window and "include reads"
//! live in the URL.

use crate::api::audit::{CloudAudit, CloudAuditEvent, list_cloud_audit};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, DataTable, EmptyState, IconName, Ocid, PageHeader, Timestamp, Tone, team_href, use_team,
};
use crate::pages::PageStyles;
use crate::pages::scope::Scope;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The cloud audit page, loaded lazily.
pub struct CloudAuditRoute;

#[lazy_route]
impl LazyRoute for CloudAuditRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <CloudAuditPage /> }.into_any()
    }
}

/// Windows the page offers, in hours, with their labels.
const WINDOWS: [(u32, &str); 4] = [(1, "Last hour"), (24, "Last 24 hours"), (72, "Last 3 days"), (168, "Last 7 days")];

/// What the URL asks for.
#[derive(Debug, Clone, PartialEq, Default)]
struct Wanted {
    connection: Option<String>,
    compartment: Option<String>,
    hours: u32,
    reads: bool,
}

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CloudView {
    scope: Scope,
    hours: u32,
    reads: bool,
    audit: Option<CloudAudit>,
}

async fn load(team: i64, wanted: Wanted) -> Result<CloudView, ApiError> {
    let scope = Scope::resolve(team, wanted.connection, wanted.compartment).await?;
    let audit = match scope.chosen() {
        Some((connection, compartment)) => {
            Some(list_cloud_audit(team, connection, compartment, wanted.hours, wanted.reads).await?)
        }
        None => None,
    };
    Ok(CloudView { scope, hours: wanted.hours, reads: wanted.reads, audit })
}

/// The URL of the page with these choices.
fn url(connection: Option<i64>, compartment: Option<&str>, hours: u32, reads: bool) -> String {
    let mut query = vec![format!("hours={hours}")];
    if let Some(c) = connection {
        query.push(format!("connection={c}"));
    }
    if let Some(c) = compartment.filter(|c| !c.is_empty()) {
        query.push(format!("compartment={c}"));
    }
    if reads {
        query.push("reads=true".to_owned());
    }
    format!("/audit/cloud?{}", query.join("&"))
}

const DESCRIPTION: &str = "OCI's own record of the changes in a compartment, next to Signalbox's. A change with no Signalbox entry was made outside Signalbox.";

#[component]
fn CloudAuditPage() -> impl IntoView {
    let header = || {
        view! {
            <PageHeader title="Cloud audit" description=DESCRIPTION>
                <a class="btn" href="/audit">
                    "Signalbox's trail"
                </a>
            </PageHeader>
        }
    };
    let team = match use_team() {
        Ok(current) => current.id,
        Err(missing) => return missing.page("Cloud audit", DESCRIPTION, IconName::Audit),
    };
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let go = move |to: String| navigate.with_value(|nav| nav(&team_href(team, &to), Default::default()));
    let wanted = move || {
        let q = query.read();
        Wanted {
            connection: q.get("connection"),
            compartment: q.get("compartment"),
            hours: q
                .get("hours")
                .and_then(|h| h.parse().ok())
                .filter(|h| WINDOWS.iter().any(|(w, _)| w == h))
                .unwrap_or(24),
            reads: q.get("reads").is_some_and(|r| r == "true"),
        }
    };
    let data = Resource::new(wanted, move |wanted| bind_caller(load(team, wanted)));

    let render = move |loaded: CloudView| {
        loaded.scope.show();
        let CloudView { scope, hours, reads, audit } = loaded;
        let (connection, compartment) = (scope.connection, scope.compartment.clone());
        let pick = move |connection: Option<i64>, compartment: Option<String>| {
            go(url(connection, compartment.as_deref(), hours, reads));
        };
        let window_options = WINDOWS
            .iter()
            .map(|(h, label)| view! { <option value=h.to_string() selected=*h == hours>{*label}</option> })
            .collect_view();
        let compartment_for_window = compartment.clone();
        let compartment_for_reads = compartment.clone();
        let controls = view! {
            <div class="toolbar">
                {scope.pickers(pick)}
                <label class="inline-label">
                    <span>"Window"</span>
                    <select on:change=move |e| {
                        let hours = event_target_value(&e).parse().unwrap_or(24);
                        go(url(connection, compartment_for_window.as_deref(), hours, reads));
                    }>{window_options}</select>
                </label>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=reads
                        on:change=move |e| go(url(connection, compartment_for_reads.as_deref(), hours, event_target_checked(&e)))
                    />
                    <span>"Include reads"</span>
                </label>
            </div>
        };
        let body = match audit {
            None => view! {
                <EmptyState icon=IconName::Audit title="No connection yet" body="Add a connection in Settings to read its cloud's audit events." />
            }
            .into_any(),
            Some(audit) => events_view(audit, reads).into_any(),
        };
        view! { <div class="page-body">{controls} {body}</div> }
    };

    view! {
        <PageStyles />
        {header()}
        <AsyncView resource=data render />
    }
    .into_any()
}

fn events_view(audit: CloudAudit, reads: bool) -> impl IntoView {
    let what = if reads { "calls" } else { "changes" };
    let summary = match (audit.events.len(), audit.out_of_band) {
        (0, _) => String::new(),
        (n, 0) => format!("{n} {what}; every one made through Signalbox."),
        (n, out) => format!("{n} {what}; {out} with no Signalbox entry (made outside Signalbox)."),
    };
    let truncated = audit.truncated.then(|| {
        view! { <p class="section-hint">"OCI has more events in this window than one page shows; the newest are listed. Pick a shorter window to see the rest."</p> }
    });
    if audit.events.is_empty() {
        let body = format!(
            "OCI recorded no {what} in this compartment in this window. Pick a longer window, or include reads."
        );
        return view! { <EmptyState icon=IconName::Audit title=format!("No {what} in this window") body /> }.into_any();
    }
    let now = audit.as_of;
    let rows = audit.events.into_iter().map(|event| event_row(event, now)).collect_view();
    view! {
        <p class="section-hint" data-testid="cloud-audit-summary">{summary}</p>
        {truncated}
        <DataTable label="The cloud's audit events" columns=&["When", "Operation", "Resource", "Caller", "Status", "Signalbox"]>
            {rows}
        </DataTable>
    }
    .into_any()
}

fn event_row(event: CloudAuditEvent, now: DateTime<Utc>) -> impl IntoView {
    let refused = !event.status.starts_with('2');
    let status = if refused {
        view! { <Badge tone=Tone::Bad label=event.status.clone() /> }.into_any()
    } else {
        view! { <Badge tone=Tone::Ok label=event.status.clone() /> }.into_any()
    };
    let out_of_band = event.signalbox.is_none();
    let resource = event.resource_name.clone();
    let resource_id = event.resource_id.clone().map(|id| view! { <div><Ocid id /></div> });
    let signalbox = match event.signalbox {
        Some(entry) => view! {
            <a href=format!("/audit/{}", entry.id) class="mono">
                {entry.action}
            </a>
            <div class="muted">{if entry.by_token { format!("{} (token)", entry.actor_name) } else { entry.actor_name }}</div>
        }
        .into_any(),
        None => view! {
            <span title="No Signalbox entry has this request id: the change was made in the OCI console, with the OCI CLI or SDK, or by another tool.">
                <Badge tone=Tone::Warn label="Out of band" />
            </span>
        }
        .into_any(),
    };
    let class = if out_of_band { "row-attention" } else { "" };
    view! {
        <tr class=class>
            <td>
                <Timestamp at=event.at now />
            </td>
            <td>
                <span class="mono">{event.operation}</span>
                <div class="muted">{format!("{} · {}", event.service, event.method)}</div>
            </td>
            <td>{resource} {resource_id}</td>
            <td>{event.principal.unwrap_or_default()}</td>
            <td>{status}</td>
            <td>{signalbox}</td>
        </tr>
    }
}
