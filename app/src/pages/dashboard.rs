use crate::api::health::HealthStatus;
use crate::api::system::{PipelineCounts, SandboxState, SystemInfo, get_system};
use crate::components::{
    AsyncView, Badge, EmptyState, Icon, IconName, PageHeader, Timestamp, Tone, team_href, use_working_team,
};
use crate::format;
use leptos::prelude::*;

/// The landing page: the health of this instance and of every pipeline.
#[component]
pub fn Dashboard() -> impl IntoView {
    let team = use_working_team();
    let system = Resource::new(move || team.get(), get_system);
    let refreshing = RwSignal::new(false);
    view! {
        <PageHeader title="Dashboard" description="Health of this Signalbox instance: its storage, its sandbox and its version.">
            <button
                type="button"
                class="btn"
                data-testid="refresh-system"
                aria-busy=move || refreshing.get().to_string()
                disabled=move || refreshing.get()
                on:click=move |_| system.refetch()
            >
                <Icon name=IconName::Refresh />
                {move || if refreshing.get() { "Refreshing…" } else { "Refresh" }}
            </button>
        </PageHeader>
        <AsyncView
            resource=system
            set_pending=refreshing.write_only()
            render=move |info| {
                let pipelines = info.pipelines.clone();
                view! {
                    <SystemCards info />
                    <section class="section" aria-labelledby="pipeline-health">
                        <h2 id="pipeline-health" class="section-title">
                            "Pipeline health"
                        </h2>
                        {health_body(pipelines, team.get_untracked())}
                    </section>
                }
            }
        />
    }
}

#[component]
fn SystemCards(info: SystemInfo) -> impl IntoView {
    let now = info.checked_at;
    let db = info.data_dir.database;
    let (sandbox_tone, sandbox_label) = match info.sandbox.state {
        SandboxState::Running => (Tone::Ok, "RUNNING"),
        SandboxState::Unavailable => (Tone::Muted, "NOT IN THIS BUILD"),
    };
    view! {
        <div class="card-grid">
            <section class="card" aria-labelledby="card-instance">
                <header class="card-header">
                    <Icon name=IconName::Instance />
                    <h2 id="card-instance">"Instance"</h2>
                    <Badge tone=Tone::Ok label="SERVING" />
                </header>
                <dl class="facts">
                    <dt>"Version"</dt>
                    <dd class="mono">{info.version}</dd>
                    <dt>"Started"</dt>
                    <dd>
                        <Timestamp at=info.started_at now />
                    </dd>
                    <dt>"Last checked"</dt>
                    <dd data-testid="checked-at">
                        <time datetime=now.to_rfc3339()>{format::clock(now)}</time>
                    </dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="card-storage">
                <header class="card-header">
                    <Icon name=IconName::Database />
                    <h2 id="card-storage">"Storage"</h2>
                    {if info.data_dir.writable {
                        view! { <Badge tone=Tone::Ok label="HEALTHY" /> }
                    } else {
                        view! { <Badge tone=Tone::Bad label="DEGRADED" /> }
                    }}
                </header>
                <dl class="facts">
                    <dt>"Data directory"</dt>
                    <dd class="mono truncate" title=info.data_dir.path.clone()>{info.data_dir.path.clone()}</dd>
                    <dt>"Writable"</dt>
                    <dd>{if info.data_dir.writable { "Yes" } else { "No: check permissions and free space" }}</dd>
                    <dt>"Free space"</dt>
                    <dd>{info.data_dir.free_bytes.map_or_else(|| "Unknown".to_owned(), format::bytes)}</dd>
                    <dt>"Database"</dt>
                    <dd>
                        {match &db.journal_mode {
                            Some(mode) => format!("{} · {} journal", format::bytes(db.size_bytes), mode.to_ascii_uppercase()),
                            None => format!("{} · {}", format::bytes(db.size_bytes), backend_name(&db.backend)),
                        }}
                    </dd>
                    <dt>"Schema"</dt>
                    <dd title=format!("newest migration {}", db.schema_version)>
                        {match db.migrations_applied {
                            1 => "1 migration applied".to_owned(),
                            n => format!("{n} migrations applied"),
                        }}
                    </dd>
                    <dt>"Initialised"</dt>
                    <dd>
                        <Timestamp at=db.initialized_at now />
                    </dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="card-sandbox">
                <header class="card-header">
                    <Icon name=IconName::Sandbox />
                    <h2 id="card-sandbox">"OCI sandbox"</h2>
                    <Badge tone=sandbox_tone label=sandbox_label />
                </header>
                {info
                    .sandbox
                    .url
                    .map(|url| {
                        view! {
                            <dl class="facts">
                                <dt>"Base URL"</dt>
                                <dd class="mono truncate" title=url.clone()>
                                    {url.clone()}
                                </dd>
                            </dl>
                        }
                    })}
                <p class="card-text card-note">{info.sandbox.message}</p>
            </section>
        </div>
    }
}

/// Counts of the team's pipelines by last checked status, and the ones that need attention.
fn health_body(counts: Option<PipelineCounts>, team: Option<i64>) -> impl IntoView {
    let Some(c) = counts.filter(|c| c.healthy + c.degraded + c.broken > 0) else {
        return view! {
            <EmptyState
                icon=IconName::Health
                title="No pipelines checked yet"
                body="Open Health and check a compartment: every rule shows one status (healthy, degraded or broken) with the reason, re-checked every 15 minutes."
            />
        }
        .into_any();
    };
    let health = team.map_or_else(|| "/health".to_owned(), |team| team_href(team, "/health"));
    let tile = |status: HealthStatus, count: i64, tone: Tone| {
        view! {
            <a class="stat" href=health.clone() data-status=status.as_str()>
                <span class="stat-value">{count}</span>
                <Badge tone label=status.as_str() />
            </a>
        }
    };
    let attention = c
        .attention
        .into_iter()
        .map(|(rule, status, reason)| {
            let tone = if status == HealthStatus::Broken { Tone::Bad } else { Tone::Warn };
            view! {
                <li>
                    <Badge tone label=status.as_str() />
                    " "
                    <strong>{rule}</strong>
                    " "
                    <span class="muted">{reason}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="stat-row">
            {tile(HealthStatus::Broken, c.broken, Tone::Bad)} {tile(HealthStatus::Degraded, c.degraded, Tone::Warn)}
            {tile(HealthStatus::Healthy, c.healthy, Tone::Ok)}
        </div>
        <ul class="plain-list attention">{attention}</ul>
    }
    .into_any()
}

/// How the dashboard names a database backend.
fn backend_name(backend: &str) -> &str {
    match backend {
        "postgresql" => "PostgreSQL (shared)",
        "sqlite" => "SQLite",
        other => other,
    }
}
