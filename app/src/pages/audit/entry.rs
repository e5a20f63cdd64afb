//! One audit entry: who did what to which resource, OCI's answer, the before and after side by
//! side with the changed lines marked, and the entry's place in the hash chain.

use super::PageStyles;
use super::diff::{Change, Row, pretty, side_by_side};
use crate::api::audit::{AuditDetail, get_audit_entry};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, Badge, Ocid, PageHeader, Tone};
use crate::format;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use leptos_router::{LazyRoute, lazy_route};

/// The entry page, loaded lazily.
pub struct AuditEntryRoute;

#[lazy_route]
impl LazyRoute for AuditEntryRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditEntryPage /> }.into_any()
    }
}

#[component]
fn AuditEntryPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("entry_id").and_then(|id| id.parse::<i64>().ok()),
        move |id| {
            bind_caller(async move {
                match id {
                    Some(id) => get_audit_entry(id).await,
                    None => Err(ApiError::not_found("An audit entry is named by its number, such as /audit/42.")),
                }
            })
        },
    );
    view! {
        <PageStyles />
        <AsyncView resource=data render=entry_view />
    }
}

fn entry_view(detail: AuditDetail) -> impl IntoView {
    let AuditDetail { entry, before, after, client_ip, hash, prev_hash } = detail;
    let title = format!("{} · #{}", entry.action, entry.id);
    let target = entry.target_name.clone().or_else(|| entry.target_id.clone()).unwrap_or_else(|| "—".to_owned());
    let history = entry.target_id.clone().map(|id| format!("/audit?target={id}"));
    let who = if entry.by_token { format!("{} (API token)", entry.actor_name) } else { entry.actor_name.clone() };
    let result = if entry.ok {
        view! { <Badge tone=Tone::Ok label="OK" /> }.into_any()
    } else {
        view! { <Badge tone=Tone::Bad label="Failed" /> }.into_any()
    };
    let fact = |label: &'static str, value: Option<String>| {
        value.map(|value| {
            view! {
                <div>
                    <dt>{label}</dt>
                    <dd>{value}</dd>
                </div>
            }
        })
    };
    let diff = entry.has_diff.then(|| {
        let rows = side_by_side(&pretty(before.as_ref()), &pretty(after.as_ref()));
        let changed = rows.iter().filter(|r| r.change != Change::Same).count();
        view! {
            <section class="section" aria-labelledby="diff-title">
                <h2 id="diff-title" class="section-title">
                    "Before and after"
                </h2>
                <p class="section-hint">
                    {format!("{changed} line{} differ. Secrets are never recorded.", if changed == 1 { "" } else { "s" })}
                </p>
                <DiffTable rows />
            </section>
        }
    });
    view! {
        <div class="page-body">
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href="/audit">"Audit"</a>
                <span aria-hidden="true">"/"</span>
                <span aria-current="page">{format!("#{}", entry.id)}</span>
            </nav>
            <PageHeader title=title description=format!("{who} · {}", format::utc(entry.at))>
                {history.map(|href| view! { <a class="btn" href=href>"History of this resource"</a> })}
            </PageHeader>
            <dl class="fact-row">
                <div>
                    <dt>"Result"</dt>
                    <dd>{result}</dd>
                </div>
                {fact("Target", Some(format!("{target} ({})", entry.target_kind.clone().unwrap_or_default())))}
                {entry.target_id.clone().map(|id| view! {
                    <div>
                        <dt>"OCID"</dt>
                        <dd><Ocid id /></dd>
                    </div>
                })}
                {fact("Source", Some(entry.source.clone()))}
                {fact("OCI request", entry.opc_request_id.clone())}
                {fact("Client", client_ip)}
            </dl>
            {entry.detail.clone().map(|detail| view! { <p class="form-alert" role="note">{detail}</p> })}
            {diff}
            <section class="section" aria-labelledby="chain-title">
                <h2 id="chain-title" class="section-title">
                    "Place in the chain"
                </h2>
                <dl class="hash-list mono">
                    <dt>"Hash"</dt>
                    <dd>{hash.unwrap_or_else(|| "not sealed".to_owned())}</dd>
                    <dt>"Previous"</dt>
                    <dd>{prev_hash.filter(|h| !h.is_empty()).unwrap_or_else(|| "(first row)".to_owned())}</dd>
                </dl>
            </section>
        </div>
    }
}

/// The side-by-side table: line numbers and text before, the same after; changed lines marked.
#[component]
pub(crate) fn DiffTable(rows: Vec<Row>) -> impl IntoView {
    let side = |cell: Option<(usize, String)>, class: &'static str| match cell {
        Some((number, text)) => view! {
            <td class="diff-num">{number}</td>
            <td class=class>{text}</td>
        }
        .into_any(),
        None => view! {
            <td class="diff-num"></td>
            <td class="diff-empty"></td>
        }
        .into_any(),
    };
    let body = rows
        .into_iter()
        .map(|row| {
            let (left, right, mark) = match row.change {
                Change::Same => ("diff-same", "diff-same", ""),
                Change::Removed => ("diff-del", "diff-empty", "removed"),
                Change::Added => ("diff-empty", "diff-add", "added"),
                Change::Changed => ("diff-del", "diff-add", "changed"),
            };
            view! {
                <tr data-change=mark>
                    {side(row.left, left)}
                    {side(row.right, right)}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="diff-scroll">
            <table class="diff mono" aria-label="Before and after, line by line">
                <colgroup>
                    <col class="diff-num-col" />
                    <col />
                    <col class="diff-num-col" />
                    <col />
                </colgroup>
                <thead>
                    <tr>
                        <th colspan="2" scope="col">"Before"</th>
                        <th colspan="2" scope="col">"After"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}
