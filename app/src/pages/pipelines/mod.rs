//! Pipelines: the team's deployments (template, version, target, drift, last run) and its
//! template library with the built-in starters. Deploying and a deployment's own page are in
//! [`deploy`] and [`deployment`].

mod deploy;
mod deployment;
mod new_template;
mod plan_view;
mod progress;
mod set;
pub(crate) mod set_plan;
mod template;

pub use deploy::DeployRoute;
pub use deployment::DeploymentRoute;
pub use set::{SetRoute, running as set_running};
pub use template::TemplateRoute;

use super::PageStyles;
use crate::api::deployment_sets::{SetSummary, list_sets};
use crate::api::deployments::{DeploymentState, DeploymentSummary, DriftStatus, list_deployments};
use crate::api::templates::{
    CreateTemplateRequest, StarterTemplate, TemplateSource, TemplateSummary, Visibility, create_template,
    list_starters, list_templates,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, Badge, DataTable, EmptyState, IconName, PageHeader, Tone, team_href, use_team};
use crate::format;
use crate::pages::scope::Scope;
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};
use new_template::NewTemplate;
use progress::run_badge;
use serde::{Deserialize, Serialize};

/// The pipelines page, loaded lazily.
pub struct PipelinesRoute;

#[lazy_route]
impl LazyRoute for PipelinesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Pipelines /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PipelinesView {
    deployments: Vec<DeploymentSummary>,
    sets: Vec<SetSummary>,
    templates: Vec<TemplateSummary>,
    starters: Vec<StarterTemplate>,
    /// Where a capture can read from.
    scope: Scope,
}

async fn load(team: i64) -> Result<PipelinesView, ApiError> {
    Ok(PipelinesView {
        deployments: list_deployments(team).await?,
        sets: list_sets(team).await?,
        templates: list_templates(team).await?,
        starters: list_starters().await?,
        scope: Scope::resolve(team, None, None).await?,
    })
}

/// The badge of a deployment's drift.
pub(crate) fn drift_badge(drift: DriftStatus) -> impl IntoView {
    let (tone, label) = match drift {
        DriftStatus::Unknown => (Tone::Muted, "not checked"),
        DriftStatus::InSync => (Tone::Ok, "in sync"),
        DriftStatus::Drifted => (Tone::Drift, "drifted"),
        DriftStatus::Failed => (Tone::Bad, "check failed"),
    };
    view! { <Badge tone label /> }
}

/// The last path segment of a compartment OCID is unreadable; the page shows the OCID's tail.
pub(crate) fn short_ocid(id: &str) -> String {
    let tail = id.rsplit('.').next().unwrap_or(id);
    if tail.len() > 14 { format!("…{}", &tail[tail.len() - 12..]) } else { tail.to_owned() }
}

#[component]
fn Pipelines() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page(
                "Pipelines",
                "Templates of topics, subscriptions and rules, applied with a reviewed plan.",
                IconName::Pipelines,
            );
        }
    };
    let team = current.id;
    let can_change = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let data = Resource::new(|| (), move |()| bind_caller(load(team)));
    let add = Action::new(move |request: &CreateTemplateRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { create_template(team, &request, &csrf).await }
    });
    Effect::new(move |_| {
        if add.value().get().is_some_and(|r| r.is_ok()) {
            data.refetch();
        }
    });

    let render = move |loaded: PipelinesView| {
        let sets = sets_section(loaded.sets, team);
        let deployments = deployments_section(loaded.deployments, team);
        let library = library_section(loaded.templates, team, can_change);
        let starters = starters_section(loaded.starters, can_change, add);
        let new_template = can_change.then(|| view! { <NewTemplate scope=loaded.scope create=add /> });
        view! {
            <div class="page-body">
                {sets}
                {deployments}
                {library}
                {starters}
                {new_template}
            </div>
        }
    };
    view! {
        <PageStyles />
        <PageHeader
            title="Pipelines"
            description="Templates of topics, subscriptions and rules, applied to a compartment with a reviewed plan."
        >
            {can_change.then(|| view! { <a class="btn btn-primary" href=team_href(team, "/pipelines/deploy")>"Deploy a template"</a> })}
        </PageHeader>
        <AsyncView resource=data render />
    }
    .into_any()
}

/// The team's fan-out deployments, when it has any (their targets are listed as deployments too).
fn sets_section(sets: Vec<SetSummary>, team: i64) -> Option<impl IntoView> {
    if sets.is_empty() {
        return None;
    }
    let rows = sets
        .into_iter()
        .map(|s| {
            let runs = s.runs.iter().map(|(state, n)| format!("{n} {state}")).collect::<Vec<_>>().join(", ");
            let regions = if s.scope.regions.is_empty() { "home".to_owned() } else { s.scope.regions.join(", ") };
            view! {
                <tr>
                    <td><a class="row-link" href=team_href(team, &format!("/pipelines/sets/{}", s.id))>{s.name}</a></td>
                    <td>{format!("{} v{}", s.template_name, s.version)}</td>
                    <td>{regions}</td>
                    <td>{s.targets}</td>
                    <td>{runs}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <section class="section" aria-labelledby="sets-title">
            <h2 id="sets-title" class="section-title">"Fan-out deployments"</h2>
            <DataTable label="Fan-out deployments" columns=&["Name", "Template", "Regions", "Targets", "Last runs"]>
                {rows}
            </DataTable>
        </section>
    })
}

fn deployments_section(deployments: Vec<DeploymentSummary>, team: i64) -> impl IntoView {
    let body = if deployments.is_empty() {
        view! {
            <EmptyState
                icon=IconName::Pipelines
                title="Nothing deployed yet"
                body="Deploy a template from the library below: fill in its parameters, review the plan, apply. Signalbox then keeps track of what it made and tells you when the cloud drifts."
            />
        }
        .into_any()
    } else {
        let rows = deployments.into_iter().map(|d| deployment_row(d, team)).collect_view();
        view! {
            <DataTable label="Deployments" columns=&["Name", "Template", "Target", "Resources", "Drift", "Last run"]>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="section" aria-labelledby="deployments-title">
            <h2 id="deployments-title" class="section-title">"Deployments"</h2>
            {body}
        </section>
    }
}

fn deployment_row(d: DeploymentSummary, team: i64) -> impl IntoView {
    let parameters = d.parameters.iter().map(|(name, text)| format!("{name}={text}")).collect::<Vec<_>>().join("  ");
    let upgrade = (d.latest_version > d.version && d.state == DeploymentState::Active)
        .then(|| view! { <Badge tone=Tone::Warn label=format!("v{} available", d.latest_version) /> });
    let last = d.last_run.clone().map(|run| {
        view! {
            {run_badge(run.state)}
            <span class="cell-sub">{format::utc(run.started_at)}</span>
        }
    });
    let drift = match d.state {
        DeploymentState::Destroyed => view! { <Badge tone=Tone::Muted label="destroyed" /> }.into_any(),
        DeploymentState::Active => drift_badge(d.drift).into_any(),
    };
    view! {
        <tr data-deployment=d.name.clone()>
            <td>
                <a class="row-link" href=team_href(team, &format!("/pipelines/deployments/{}", d.id))>
                    <strong>{d.name.clone()}</strong>
                </a>
            </td>
            <td>
                {format!("{} v{}", d.template_name, d.version)}
                " "
                {upgrade}
                <span class="cell-sub mono">{parameters}</span>
            </td>
            <td>
                {d.connection_name.clone()}
                <span class="cell-sub mono" title=d.compartment_id.clone()>{short_ocid(&d.compartment_id)}</span>
            </td>
            <td>{d.resources}</td>
            <td>{drift}</td>
            <td>{last}</td>
        </tr>
    }
}

fn library_section(templates: Vec<TemplateSummary>, team: i64, can_change: bool) -> impl IntoView {
    let body = if templates.is_empty() {
        view! {
            <EmptyState
                icon=IconName::Pipelines
                title="The library is empty"
                body="Add a starter below, or import a template file through the API. Templates are versioned: each change is published as a new version."
            />
        }
        .into_any()
    } else {
        let rows = templates
            .into_iter()
            .map(|t| {
                // Viewers may review what a deployment would change; applying takes an operator.
                let deploy = view! {
                    <a class="btn btn-small" href=team_href(team, &format!("/pipelines/deploy?template={}", t.id))>
                        {if can_change { "Deploy" } else { "Plan" }}
                    </a>
                };
                view! {
                    <tr data-template=t.name.clone()>
                        <td>
                            <a class="row-link" href=team_href(team, &format!("/pipelines/templates/{}", t.id))>
                                <strong>{t.name.clone()}</strong>
                            </a>
                            <span class="cell-sub">{t.description.clone()}</span>
                        </td>
                        <td>{format!("v{}", t.latest_version)}</td>
                        <td>{t.visibility.as_str()}</td>
                        <td>{t.team_name.clone()}</td>
                        <td class="actions-col">{deploy}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <DataTable label="Templates" columns=&["Template", "Version", "Shared with", "Team", "Actions"] actions=true>
                {rows}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="section" aria-labelledby="library-title">
            <h2 id="library-title" class="section-title">"Template library"</h2>
            {body}
        </section>
    }
}

fn starters_section(
    starters: Vec<StarterTemplate>,
    can_change: bool,
    add: Action<CreateTemplateRequest, Result<crate::api::templates::TemplateDetail, ApiError>>,
) -> impl IntoView {
    let cards = starters
        .into_iter()
        .map(|s| {
            let slug = s.slug.clone();
            let counts = format!(
                "{} topic{}, {} subscription{}, {} rule{}",
                s.document.topics.len(),
                if s.document.topics.len() == 1 { "" } else { "s" },
                s.document.subscriptions.len(),
                if s.document.subscriptions.len() == 1 { "" } else { "s" },
                s.document.rules.len(),
                if s.document.rules.len() == 1 { "" } else { "s" },
            );
            let button = can_change.then(|| {
                view! {
                    <button
                        type="button"
                        class="btn btn-small"
                        disabled=move || add.pending().get()
                        on:click=move |_| {
                            add.dispatch(CreateTemplateRequest {
                                name: String::new(),
                                visibility: Visibility::Team,
                                source: TemplateSource::Starter(slug.clone()),
                            });
                        }
                    >
                        "Add to library"
                    </button>
                }
            });
            view! {
                <li class="starter-card" data-starter=s.slug.clone()>
                    <h3>{s.document.name.clone()}</h3>
                    <p>{s.document.description.clone()}</p>
                    <p class="cell-sub">{counts}</p>
                    {button}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="section" aria-labelledby="starters-title">
            <h2 id="starters-title" class="section-title">"Starters"</h2>
            <p class="section-lead">"Pipelines from the seed workflow, ready to add to the library and deploy."</p>
            <ul class="starter-grid">{cards}</ul>
        </section>
    }
}
