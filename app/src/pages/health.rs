//! Pipeline health for one connection and compartment (`?connection=..&compartment=..`, and
//! `&region=..` for a fan-out target outside the connection's own region): each rule with one
//! status and the reasons, broken first. The last stored check shows at once;
//! "Check now" reads the cloud again and shows each pipeline's whole chain (rule → actions →
//! targets → subscriptions → last delivery).

use super::PageStyles;
use super::scope::Scope;
use crate::api::health::{HealthReport, HealthStatus, PipelineHealth, PipelineStatus, check_health, health_overview};
use crate::api::{ApiError, bind_caller};
use crate::components::{
    AsyncView, Badge, EmptyState, FormAlert, IconName, PageHeader, Timestamp, Tone, team_href, use_team,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The health page, loaded lazily.
pub struct HealthRoute;

#[lazy_route]
impl LazyRoute for HealthRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <HealthPage /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct HealthView {
    scope: Scope,
    /// The region, when not the connection's own.
    region: Option<String>,
    /// The last stored statuses of the chosen compartment.
    stored: Vec<PipelineStatus>,
    now: DateTime<Utc>,
}

async fn load(
    team: i64,
    connection: Option<String>,
    compartment: Option<String>,
    region: Option<String>,
) -> Result<HealthView, ApiError> {
    let scope = Scope::resolve(team, connection, compartment).await?;
    let overview = health_overview(team).await?;
    let region = region.filter(|r| !r.is_empty());
    let mut stored = overview.pipelines;
    stored.retain(|p| Some((p.connection_id, p.compartment_id.as_str())) == scope.chosen() && p.region == region);
    Ok(HealthView { scope, region, stored, now: overview.as_of })
}

/// The badge of a status.
pub fn status_badge(status: HealthStatus) -> impl IntoView {
    let tone = match status {
        HealthStatus::Healthy => Tone::Ok,
        HealthStatus::Degraded => Tone::Warn,
        HealthStatus::Broken => Tone::Bad,
    };
    view! { <Badge tone label=status.as_str() /> }
}

const DESCRIPTION: &str = "Will this alert reach a human? Each rule, its actions, their topics and subscriptions, and the last delivery seen; broken pipelines first.";

#[component]
fn HealthPage() -> impl IntoView {
    let header = view! {
        <PageHeader title="Health" description=DESCRIPTION />
    };
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Health", DESCRIPTION, IconName::Health),
    };
    let team = current.id;
    let csrf = StoredValue::new(current.csrf);
    let query = use_query_map();
    let data = Resource::new(
        move || (query.read().get("connection"), query.read().get("compartment"), query.read().get("region")),
        move |(connection, compartment, region)| bind_caller(load(team, connection, compartment, region)),
    );
    let check = Action::new(move |(connection, compartment, region): &(i64, String, Option<String>)| {
        let (connection, compartment, region, csrf) =
            (*connection, compartment.clone(), region.clone(), csrf.get_value());
        async move { check_health(team, connection, &compartment, region.as_deref(), &csrf).await }
    });
    let navigate = StoredValue::new(use_navigate());
    let render = move |loaded: HealthView| {
        let HealthView { scope, region, stored, now } = loaded;
        scope.show();
        let pickers = scope.pickers(move |connection, compartment| {
            let mut to = team_href(team, "/health?");
            if let Some(connection) = connection {
                to.push_str(&format!("connection={connection}"));
            }
            if let Some(compartment) = compartment {
                to.push_str(&format!("&compartment={compartment}"));
            }
            navigate.with_value(|nav| nav(&to, Default::default()));
        });
        let Some((connection, compartment)) = scope.chosen().map(|(c, k)| (c, k.to_owned())) else {
            return view! {
                {pickers}
                <EmptyState icon=IconName::Health title="No connection yet" body="Add a connection in Settings; the built-in sandbox is there from the start." />
            }
            .into_any();
        };
        // A region other than the connection's own comes from a fan-out set's link; picking
        // another compartment goes back to the connection's own region.
        let region_note = region.clone().map(|r| view! { <Badge tone=Tone::Muted label=format!("region {r}") /> });
        let regional = region.is_some();
        let target = (connection, compartment, region);
        let target_connection = connection;
        let run = move |_| {
            check.dispatch(target.clone());
        };
        view! {
            <div class="toolbar-row">
                {pickers}
                {region_note}
                <button type="button" class="btn btn-primary" disabled=move || check.pending().get() on:click=run>
                    {move || if check.pending().get() { "Checking…" } else { "Check now" }}
                </button>
            </div>
            <FormAlert error=Signal::derive(move || check.value().get().and_then(Result::err)) />
            {move || match check.value().get() {
                Some(Ok(report)) => checked(report, team, target_connection, regional).into_any(),
                _ => last_stored(stored.clone(), now).into_any(),
            }}
        }
        .into_any()
    };
    view! {
        <PageStyles />
        {header}
        <AsyncView resource=data render />
    }
    .into_any()
}

fn counts(statuses: impl Iterator<Item = HealthStatus> + Clone) -> impl IntoView {
    let count = move |wanted| statuses.clone().filter(|s| *s == wanted).count();
    view! {
        <p class="health-counts" role="status">
            <span data-status="broken">{format!("{} broken", count(HealthStatus::Broken))}</span>
            <span data-status="degraded">{format!("{} degraded", count(HealthStatus::Degraded))}</span>
            <span data-status="healthy">{format!("{} healthy", count(HealthStatus::Healthy))}</span>
        </p>
    }
}

/// The statuses of the last check stored for the compartment.
fn last_stored(stored: Vec<PipelineStatus>, now: DateTime<Utc>) -> impl IntoView {
    if stored.is_empty() {
        return view! {
            <EmptyState
                icon=IconName::Health
                title="Not checked yet"
                body="Check now reads every rule of this compartment with its actions, topics and subscriptions. After the first check, Signalbox re-checks every 15 minutes and writes each change of status to the audit trail."
            />
        }
        .into_any();
    }
    let checked_at = stored.iter().map(|s| s.checked_at).max().unwrap_or(now);
    let summary = counts(stored.iter().map(|s| s.status).collect::<Vec<_>>().into_iter());
    let rows = stored
        .into_iter()
        .map(|s| {
            view! {
                <li class="pipeline" data-status=s.status.as_str()>
                    <div class="pipeline-head">
                        {status_badge(s.status)}
                        <strong>{s.rule_name}</strong>
                    </div>
                    {reasons(s.reasons)}
                </li>
            }
        })
        .collect_view();
    view! {
        {summary}
        <p class="section-hint">"Last checked " <Timestamp at=checked_at now /> ". Check now for each pipeline's whole chain."</p>
        <ul class="pipeline-list">{rows}</ul>
    }
    .into_any()
}

fn reasons(reasons: Vec<String>) -> impl IntoView {
    (!reasons.is_empty()).then(
        || view! { <ul class="reasons">{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> },
    )
}

/// A check just made: every pipeline with its chain. The rule pages read the connection's own
/// region, so a `regional` check's rules are not links.
fn checked(report: HealthReport, team: i64, connection: i64, regional: bool) -> impl IntoView {
    if report.pipelines.is_empty() {
        return view! {
            <EmptyState icon=IconName::Rules title="No rules in this compartment" body="A pipeline starts with an Events rule. Create one on the Rules page, or deploy a template." />
        }
        .into_any();
    }
    let now = report.checked_at;
    let summary = counts(report.pipelines.iter().map(|p| p.status).collect::<Vec<_>>().into_iter());
    let items = report
        .pipelines
        .into_iter()
        .map(move |p| {
            let link = (!regional).then(|| team_href(team, &format!("/rules/{}?connection={connection}", p.rule_id)));
            pipeline(p, now, link)
        })
        .collect_view();
    view! {
        {summary}
        <ul class="pipeline-list">{items}</ul>
    }
    .into_any()
}

fn pipeline(p: PipelineHealth, now: DateTime<Utc>, rule_link: Option<String>) -> impl IntoView {
    let rule_state = if p.rule_enabled { (Tone::Ok, "enabled") } else { (Tone::Bad, "disabled") };
    let actions = p
        .actions
        .into_iter()
        .map(|a| {
            let state = a.target_state.clone().unwrap_or_else(|| "MISSING".to_owned());
            let subscriptions = a
                .subscriptions
                .into_iter()
                .map(|s| {
                    let last = s.last_delivery_at.map(|at| view! { " · last delivery " <Timestamp at now /> });
                    view! {
                        <li>
                            <Badge tone=Tone::of_state(&s.state) label=s.state.clone() />
                            {format!(" {} ", s.protocol)}
                            <span class="mono">{s.endpoint}</span>
                            {last}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li>
                    <span class="chain-hop">
                        {if a.enabled { view! { <Badge tone=Tone::Ok label="action on" /> } } else { view! { <Badge tone=Tone::Muted label="action off" /> } }}
                        {format!(" {} ", a.kind.label())}
                        <strong>{a.target_name.unwrap_or(a.target_id)}</strong>
                        " "
                        <Badge tone=Tone::of_state(&state) label=state />
                    </span>
                    <ul class="chain">{subscriptions}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="pipeline" data-status=p.status.as_str()>
            <div class="pipeline-head">
                {status_badge(p.status)}
                {match rule_link {
                    Some(href) => view! { <a href=href><strong>{p.rule_name}</strong></a> }.into_any(),
                    None => view! { <strong>{p.rule_name}</strong> }.into_any(),
                }}
                <Badge tone=rule_state.0 label=rule_state.1 />
            </div>
            {reasons(p.reasons)}
            <ul class="chain">{actions}</ul>
        </li>
    }
}
