//! The audit page: the trail as a timeline with filters and full-text search, activity per day,
//! the state of the hash chain, and exports of what the filters select. Filters and the page
//! cursor live in the URL, so a filtered view (such as one resource's history, linked from its
//! page) can be shared and the back button works.

mod cloud;
pub(crate) mod diff;
pub(crate) mod entry;

pub use cloud::CloudAuditRoute;
pub use entry::AuditEntryRoute;

use super::PageStyles;
use crate::api::audit::{
    ActivityDay, AuditEntry, AuditFilter, AuditPage, audit_activity, export_url, list_audit, verify_audit,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, Badge, DataTable, EmptyState, IconName, PageHeader, Timestamp, Tone, use_me};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The audit page, loaded lazily.
pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Audit /> }.into_any()
    }
}

/// Target kinds the filter offers, with their labels.
const KINDS: [(&str, &str); 8] = [
    ("rule", "Rules"),
    ("topic", "Topics"),
    ("subscription", "Subscriptions"),
    ("connection", "Connections"),
    ("user", "Users"),
    ("team", "Teams"),
    ("token", "API tokens"),
    ("audit", "Audit checkpoints"),
];

/// Everything the page shows, loaded in one go.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AuditView {
    filter: AuditFilter,
    before: Option<i64>,
    page: AuditPage,
    activity: Vec<ActivityDay>,
}

async fn load(filter: AuditFilter, before: Option<i64>) -> Result<AuditView, ApiError> {
    let page = list_audit(&filter, before).await?;
    let activity = audit_activity(&filter).await?;
    Ok(AuditView { filter, before, page, activity })
}

/// The URL of the page with these filters, at `before`.
fn url(filter: &AuditFilter, before: Option<i64>) -> String {
    let mut query = filter.query();
    if let Some(before) = before {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("before={before}"));
    }
    if query.is_empty() { "/audit".to_owned() } else { format!("/audit?{query}") }
}

#[component]
fn Audit() -> impl IntoView {
    let Some(me) = use_me() else {
        return ().into_any();
    };
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let go = move |to: String| navigate.with_value(|nav| nav(&to, Default::default()));
    let wanted = move || {
        let q = query.read();
        let filter = AuditFilter {
            team: q.get("team").and_then(|t| t.parse().ok()),
            from: q.get("from"),
            to: q.get("to"),
            actor: q.get("actor"),
            action: q.get("action"),
            target_kind: q.get("target_kind"),
            target: q.get("target"),
            result: q.get("result"),
            connection: q.get("connection").and_then(|c| c.parse().ok()),
            q: q.get("q"),
        };
        (filter, q.get("before").and_then(|b| b.parse().ok()))
    };
    let data = Resource::new(wanted, move |(filter, before)| bind_caller(load(filter, before)));
    // The chain check reads every row, so it runs in the browser after the page is there rather
    // than holding up the first render.
    let chain = LocalResource::new(verify_audit);
    let teams = StoredValue::new(me.teams.clone());

    let render = move |loaded: AuditView| {
        let AuditView { filter, before, page, activity } = loaded;
        let now = page.as_of;
        let filtered = !filter.is_empty();
        let history_of = filter.target.clone();
        let team_name = move |id: Option<i64>| {
            id.and_then(|id| teams.with_value(|t| t.iter().find(|m| m.team_id == id).map(|m| m.team_name.clone())))
        };
        let table = if page.entries.is_empty() {
            let (title, body) = if filtered {
                ("Nothing matches these filters", "Clear a filter or search for other words to see more.")
            } else {
                (
                    "No changes recorded yet",
                    "Every change made through Signalbox will appear here: who, what, when, and whether OCI accepted it.",
                )
            };
            view! { <EmptyState icon=IconName::Audit title body /> }.into_any()
        } else {
            let rows = page.entries.into_iter().map(|e| entry_row(e, now, team_name)).collect_view();
            view! {
                <DataTable label="Audit trail" columns=&["When", "Who", "Action", "Target", "Result"]>
                    {rows}
                </DataTable>
            }
            .into_any()
        };
        let newer = before.map(|_| url(&filter, None));
        let older = page.next.map(|next| url(&filter, Some(next)));
        let (csv, jsonl) = (export_url(&filter, "csv"), export_url(&filter, "jsonl"));
        view! {
            <div class="page-body">
                {filter_bar(&filter, go)}
                {history_of.map(|target| view! { <p class="section-hint">"History of " <code class="mono">{target}</code> ". " <a href="/audit">"Show every change"</a></p> })}
                <ActivityChart days=activity />
                {table}
                <nav class="pager" aria-label="Pages of the trail">
                    {newer.map(|href| view! { <a class="btn" href=href>"Newest"</a> })}
                    {older.map(|href| view! { <a class="btn" href=href>"Older"</a> })}
                    <span class="pager-spacer"></span>
                    <a class="btn" href=csv download="">"Export CSV"</a>
                    <a class="btn" href=jsonl download="">"Export JSON Lines"</a>
                </nav>
            </div>
        }
    };

    view! {
        <PageStyles />
        <PageHeader title="Audit" description="Every change made through Signalbox: who made it, what it changed, and whether OCI accepted it.">
            <Transition fallback=|| view! { <span class="badge badge-muted">"Checking the chain…"</span> }>
                {move || chain.get().map(chain_badge)}
            </Transition>
            <a class="btn" href="/audit/cloud">
                "Cloud audit"
            </a>
        </PageHeader>
        <AsyncView resource=data render />
    }
    .into_any()
}

/// The state of the hash chain, as a badge that explains itself.
fn chain_badge(status: Result<crate::api::audit::ChainStatus, ApiError>) -> AnyView {
    match status {
        Ok(status) if status.intact => view! {
            <span class="badge badge-ok" title=format!("Head {}", status.head) data-testid="chain-badge">
                {format!("Chain intact · {} rows", status.rows)}
            </span>
        }
        .into_any(),
        Ok(status) => {
            let problem = status.problem.unwrap_or_default();
            let href = status.broken_row.map(|row| format!("/audit/{row}")).unwrap_or_else(|| "/audit".to_owned());
            view! {
                <a class="badge badge-bad" href=href title=problem.clone() data-testid="chain-badge">
                    {format!("Chain broken: {problem}")}
                </a>
            }
            .into_any()
        }
        Err(error) => {
            view! { <span class="badge badge-warn">{format!("Chain not checked: {error}")}</span> }.into_any()
        }
    }
}

fn entry_row(
    entry: AuditEntry,
    now: DateTime<Utc>,
    team_name: impl Fn(Option<i64>) -> Option<String>,
) -> impl IntoView {
    let href = format!("/audit/{}", entry.id);
    let who = if entry.by_token { format!("{} (token)", entry.actor_name) } else { entry.actor_name.clone() };
    let team = team_name(entry.team_id);
    let target = entry.target_name.clone().or_else(|| entry.target_id.clone()).unwrap_or_default();
    let kind = entry.target_kind.clone().unwrap_or_default();
    let result = if entry.ok {
        view! { <Badge tone=Tone::Ok label="OK" /> }.into_any()
    } else {
        let detail = entry.detail.clone().unwrap_or_default();
        view! {
            <span title=detail>
                <Badge tone=Tone::Bad label="Failed" />
            </span>
        }
        .into_any()
    };
    view! {
        <tr>
            <td>
                <Timestamp at=entry.at now />
            </td>
            <td>
                {who}
                <div class="muted">{team.unwrap_or_else(|| entry.source.clone())}</div>
            </td>
            <td>
                <a href=href class="mono">
                    {entry.action.clone()}
                </a>
            </td>
            <td>
                {target}
                <div class="muted">{kind}</div>
            </td>
            <td>{result}</td>
        </tr>
    }
}

/// Bars per day, failures stacked on top; one `<title>` per bar for the numbers.
#[component]
fn ActivityChart(days: Vec<ActivityDay>) -> impl IntoView {
    if days.is_empty() {
        return ().into_any();
    }
    const HEIGHT: f64 = 64.0;
    const BAR: f64 = 14.0;
    let peak = days.iter().map(|d| d.ok + d.failed).max().unwrap_or(1).max(1) as f64;
    let width = days.len() as f64 * (BAR + 4.0);
    let total: i64 = days.iter().map(|d| d.ok + d.failed).sum();
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let x = i as f64 * (BAR + 4.0);
            let ok_h = day.ok as f64 / peak * HEIGHT;
            let failed_h = day.failed as f64 / peak * HEIGHT;
            let label = format!("{}: {} ok, {} failed", day.day, day.ok, day.failed);
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="bar-ok" x=x y=HEIGHT - ok_h width=BAR height=ok_h rx="2" />
                    <rect class="bar-failed" x=x y=HEIGHT - ok_h - failed_h width=BAR height=failed_h rx="2" />
                </g>
            }
        })
        .collect_view();
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    view! {
        <figure class="activity-chart">
            <svg
                viewBox=format!("0 0 {width} {HEIGHT}")
                width=width
                height=HEIGHT
                role="img"
                aria-label=format!("{total} changes from {first} to {last}")
            >
                {bars}
            </svg>
            <figcaption class="muted">{format!("{total} changes, {first} to {last}")}</figcaption>
        </figure>
    }
    .into_any()
}

fn filter_bar<G>(filter: &AuditFilter, go: G) -> impl IntoView + use<G>
where
    G: Fn(String) + Copy + Send + Sync + 'static,
{
    let current = StoredValue::new(filter.clone());
    let with = move |change: &dyn Fn(&mut AuditFilter)| {
        let mut filter = current.get_value();
        change(&mut filter);
        go(url(&filter, None));
    };
    let text = RwSignal::new(filter.q.clone().unwrap_or_default());
    let actor = RwSignal::new(filter.actor.clone().unwrap_or_default());
    let kind = filter.target_kind.clone().unwrap_or_default();
    let kinds = KINDS
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=kind == value>{label}</option> })
        .collect_view();
    let result = filter.result.clone().unwrap_or_default();
    let (from, to) = (filter.from.clone().unwrap_or_default(), filter.to.clone().unwrap_or_default());
    let clear = (!filter.is_empty()).then(|| view! { <a href="/audit" class="btn">"Clear filters"</a> });
    let nonempty = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    view! {
        <form
            class="toolbar filter-bar"
            role="search"
            aria-label="Filter the audit trail"
            on:submit=move |e| {
                e.prevent_default();
                let (q, who) = (text.get_untracked(), actor.get_untracked());
                with(&|f| {
                    f.q = nonempty(q.clone());
                    f.actor = nonempty(who.clone());
                });
            }
        >
            <label class="inline-label search">
                <span>"Search"</span>
                <input
                    type="search"
                    placeholder="Names, OCIDs, JSON…"
                    prop:value=move || text.get()
                    on:input=move |e| text.set(event_target_value(&e))
                />
            </label>
            <label class="inline-label">
                <span>"Who"</span>
                <input class="filter-input" type="text" size="10" placeholder="username" prop:value=move || actor.get() on:input=move |e| actor.set(event_target_value(&e)) />
            </label>
            <label class="inline-label">
                <span>"Target"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f| f.target_kind = nonempty(value.clone()));
                }>
                    <option value="" selected=kind.is_empty()>"Any kind"</option>
                    {kinds}
                </select>
            </label>
            <label class="inline-label">
                <span>"Result"</span>
                <select on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f| f.result = nonempty(value.clone()));
                }>
                    <option value="" selected=result.is_empty()>"Any result"</option>
                    <option value="ok" selected=result == "ok">"OK"</option>
                    <option value="failed" selected=result == "failed">"Failed"</option>
                </select>
            </label>
            <label class="inline-label">
                <span>"From"</span>
                <input class="filter-input" type="date" value=from on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f| f.from = nonempty(value.clone()));
                } />
            </label>
            <label class="inline-label">
                <span>"To"</span>
                <input class="filter-input" type="date" value=to on:change=move |e| {
                    let value = event_target_value(&e);
                    with(&|f| f.to = nonempty(value.clone()));
                } />
            </label>
            <button type="submit" class="btn btn-primary">"Search"</button>
            {clear}
        </form>
    }
}
