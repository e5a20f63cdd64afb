//! One template of the library: its versions and what each changed (a line diff against the
//! version before), its document as a file to download, and for the owning team's operators:
//! publishing a new version, who sees it, and forking it into another team.

use super::PageStyles;
use crate::api::auth::Role;
use crate::api::templates::{
    CreateTemplateRequest, PublishVersionRequest, TemplateDetail, TemplateSource, UpdateTemplateRequest, Visibility,
    create_template, get_template, get_template_version, publish_version, update_template,
};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, DataTable, FormAlert, IconName, PageHeader, team_href, use_team};
use crate::format;
use crate::pages::audit::diff::side_by_side;
use crate::pages::audit::entry::DiffTable;
use crate::template::Template;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};

/// The template page, loaded lazily.
pub struct TemplateRoute;

#[lazy_route]
impl LazyRoute for TemplateRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <TemplatePage /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TemplateView {
    detail: TemplateDetail,
    /// The version shown and its document.
    version: i64,
    document: Template,
    /// The version before it, when there is one.
    previous: Option<Template>,
}

async fn load(team: i64, id: Option<i64>, version: Option<i64>) -> Result<TemplateView, ApiError> {
    let Some(id) = id else {
        return Err(ApiError::not_found("This template does not exist."));
    };
    let detail = get_template(team, id).await?;
    let version = version.unwrap_or(detail.template.latest_version);
    let document = get_template_version(team, id, version).await?.document;
    let previous = match version {
        1 => None,
        v => Some(get_template_version(team, id, v - 1).await?.document),
    };
    Ok(TemplateView { detail, version, document, previous })
}

#[component]
fn TemplatePage() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => return missing.page("Template", "A pipeline template and its versions.", IconName::Pipelines),
    };
    let team = current.id;
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("template_id").and_then(|id| id.parse::<i64>().ok()),
                query.read().get("version").and_then(|v| v.parse::<i64>().ok()),
            )
        },
        move |(id, version)| bind_caller(load(team, id, version)),
    );
    let current = StoredValue::new(current);
    view! {
        <PageStyles />
        <AsyncView resource=data render=move |loaded: TemplateView| {
            let current = current.get_value();
            let owner = loaded.detail.template.team_id;
            let can_change = current.can_change() && owner == team;
            let other_teams: Vec<(i64, String)> = current
                .others_where(Role::Operator)
                .into_iter()
                .filter(|t| t.team_id != owner)
                .map(|t| (t.team_id, t.team_name))
                .collect();
            let csrf = StoredValue::new(current.csrf);
            view! { <TemplateBody team loaded can_change other_teams csrf data /> }
        } />
    }
    .into_any()
}

#[component]
fn TemplateBody(
    team: i64,
    loaded: TemplateView,
    can_change: bool,
    other_teams: Vec<(i64, String)>,
    csrf: StoredValue<String>,
    data: Resource<Result<TemplateView, ApiError>>,
) -> impl IntoView {
    let TemplateView { detail, version, document, previous } = loaded;
    let summary = detail.template.clone();
    let id = summary.id;
    let text = serde_json::to_string_pretty(&document).unwrap_or_default();
    let download = format!("data:application/json;charset=utf-8,{}", crate::api::urlencoding(&text));
    let file_name = format!("{}-v{version}.json", summary.name.to_lowercase().replace(' ', "-"));

    let publish = Action::new(move |request: &PublishVersionRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { publish_version(team, id, &request, &csrf).await }
    });
    let share = Action::new(move |visibility: &Visibility| {
        let (request, csrf) = (UpdateTemplateRequest { visibility: *visibility }, csrf.get_value());
        async move { update_template(team, id, &request, &csrf).await }
    });
    let fork = Action::new(move |(to, name): &(i64, String)| {
        let request = CreateTemplateRequest {
            name: name.clone(),
            visibility: Visibility::Team,
            source: TemplateSource::Fork { team_id: team, template_id: id },
        };
        let (to, csrf) = (*to, csrf.get_value());
        async move { create_template(to, &request, &csrf).await }
    });
    let navigate = StoredValue::new(use_navigate());
    Effect::new(move |_| {
        if let Some(Ok(published)) = publish.value().get() {
            let to =
                team_href(team, &format!("/pipelines/templates/{id}?version={}", published.template.latest_version));
            navigate.with_value(|nav| nav(&to, Default::default()));
            data.refetch();
        }
        if share.value().get().is_some_and(|r| r.is_ok()) {
            data.refetch();
        }
    });
    let error = Signal::derive(move || {
        share.value().get().and_then(Result::err).or_else(|| fork.value().get().and_then(Result::err))
    });
    let publish_error = Signal::derive(move || publish.value().get().and_then(Result::err));

    let versions = detail
        .versions
        .iter()
        .map(|v| {
            let shown = v.version == version;
            view! {
                <tr aria-current=shown.then_some("true")>
                    <td>
                        <a class="row-link" href=team_href(team, &format!("/pipelines/templates/{id}?version={}", v.version))>
                            {format!("v{}", v.version)}
                        </a>
                    </td>
                    <td>{v.notes.clone()}</td>
                    <td>{v.created_by.clone().unwrap_or_default()}</td>
                    <td class="nowrap">{format::utc(v.created_at)}</td>
                </tr>
            }
        })
        .collect_view();
    let changes = previous.map(|before| {
        let before = serde_json::to_string_pretty(&before).unwrap_or_default();
        let rows = side_by_side(&format!("{before}\n"), &format!("{text}\n"));
        let changed = rows.iter().filter(|r| r.change != crate::pages::audit::diff::Change::Same).count();
        view! {
            <section class="section" aria-labelledby="changes-title">
                <h2 id="changes-title" class="section-title">{format!("What v{version} changed")}</h2>
                <p class="section-hint">{format!("{changed} line{} differ from v{}.", if changed == 1 { "" } else { "s" }, version - 1)}</p>
                <DiffTable rows />
            </section>
        }
    });

    let edited = RwSignal::new(serde_json::to_string_pretty(&detail.document).unwrap_or_default());
    let notes = RwSignal::new(String::new());
    let local = RwSignal::new(None::<String>);
    let submit_publish = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match Template::parse(&edited.get_untracked()) {
            Ok(document) => {
                local.set(None);
                publish.dispatch(PublishVersionRequest { document, notes: notes.get_untracked() });
            }
            Err(problems) => {
                let first = problems.first().map(|p| format!("{}: {}", p.field, p.message)).unwrap_or_default();
                local.set(Some(first));
            }
        }
    };
    let publish_form = can_change.then(|| {
        view! {
            <section class="section" aria-labelledby="publish-title">
                <h2 id="publish-title" class="section-title">"Publish a new version"</h2>
                <p class="section-hint">"Versions never change once published; deployments keep the version they applied until upgraded."</p>
                <form class="form" aria-label="Publish a new version" on:submit=submit_publish novalidate>
                    <div class="field">
                        <label for="template-document">"Document (JSON)"</label>
                        <textarea
                            id="template-document"
                            rows="18"
                            spellcheck="false"
                            prop:value=move || edited.get()
                            on:input=move |e| edited.set(event_target_value(&e))
                        ></textarea>
                    </div>
                    <div class="field">
                        <label for="template-notes">"What changed"</label>
                        <input id="template-notes" type="text" maxlength="2000" prop:value=move || notes.get() on:input=move |e| notes.set(event_target_value(&e)) />
                    </div>
                    <FormAlert error=publish_error local />
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" disabled=move || publish.pending().get()>"Publish"</button>
                    </div>
                </form>
            </section>
        }
    });
    let current = summary.visibility;
    let sharing = can_change.then(|| {
        let options = [Visibility::Private, Visibility::Team, Visibility::Everyone]
            .into_iter()
            .map(|v| {
                let label = match v {
                    Visibility::Private => "Only its author",
                    Visibility::Team => "The team",
                    Visibility::Everyone => "Everyone on this Signalbox",
                };
                view! { <option value=v.as_str() selected=v == current>{label}</option> }
            })
            .collect_view();
        view! {
            <label class="inline-label">
                <span>"Shared with"</span>
                <select
                    disabled=move || share.pending().get()
                    on:change=move |e| {
                        if let Some(v) = Visibility::parse(&event_target_value(&e)) {
                            share.dispatch(v);
                        }
                    }
                >
                    {options}
                </select>
            </label>
        }
    });
    let fork_form = (!other_teams.is_empty()).then(|| {
        let target = RwSignal::new(other_teams[0].0);
        let name = RwSignal::new(summary.name.clone());
        let options = other_teams
            .iter()
            .map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> })
            .collect_view();
        view! {
            <section class="section" aria-labelledby="fork-title">
                <h2 id="fork-title" class="section-title">"Fork into another team"</h2>
                <form
                    class="form inline-form"
                    aria-label="Fork"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        fork.dispatch((target.get_untracked(), name.get_untracked()));
                    }
                >
                    <label class="field">
                        <span class="field-label">"Team"</span>
                        <select on:change=move |e| {
                            if let Ok(id) = event_target_value(&e).parse() {
                                target.set(id);
                            }
                        }>{options}</select>
                    </label>
                    <label class="field">
                        <span class="field-label">"Name there"</span>
                        <input type="text" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                    </label>
                    <button type="submit" class="btn" disabled=move || fork.pending().get()>"Fork"</button>
                </form>
                <p class="form-status" role="status">
                    {move || fork.value().get().and_then(Result::ok).map(|f| format!("Forked as {} in {}.", f.template.name, f.template.team_name))}
                </p>
            </section>
        }
    });
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=team_href(team, "/pipelines")>"Pipelines"</a>
            <span aria-hidden="true">"/"</span>
            <span aria-current="page">{summary.name.clone()}</span>
        </nav>
        <PageHeader title=summary.name.clone() description=summary.description.clone()>
            {sharing}
            <a class="btn" href=download download=file_name>"Download v"{version}</a>
            <a class="btn btn-primary" href=team_href(team, &format!("/pipelines/deploy?template={id}"))>"Deploy"</a>
        </PageHeader>
        <div class="page-body">
            <FormAlert error />
            <section class="section" aria-labelledby="versions-title">
                <h2 id="versions-title" class="section-title">"Versions"</h2>
                <DataTable label="Versions" columns=&["Version", "Notes", "By", "Published"]>{versions}</DataTable>
            </section>
            {changes}
            {publish_form}
            {fork_form}
        </div>
    }
}
