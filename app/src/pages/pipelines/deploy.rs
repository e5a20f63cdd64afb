//! Deploying a template: pick the template, version and target, fill in its parameters, review
//! the plan, apply. The template, connection and compartment live in the URL
//! (`?template=..&connection=..&compartment=..`); the parameter form is built from the
//! template's typed parameters.

use super::PageStyles;
use super::plan_view::PlanView;
use super::set_plan::{SetPlanView, has_problems, needs_reason, total_changes};
use crate::api::connections::CompartmentSummary;
use crate::api::deployment_sets::{CreateSetRequest, NewSetPlanRequest, Scope as SetScope, create_set, plan_new_set};
use crate::api::deployments::{
    CreateDeploymentRequest, NewDeploymentPlanRequest, check_name, create_deployment, plan_new_deployment,
};
use crate::api::templates::{TemplateDetail, TemplateSummary, get_template, list_templates};
use crate::api::{ApiError, bind_caller};
use crate::components::{AsyncView, EmptyState, FormAlert, IconName, PageHeader, team_href, use_team};
use crate::pages::impact_panel::PlanImpactReview;
use crate::pages::preflight_panel::PreflightReview;
use crate::pages::scope::Scope;
use crate::template::{ParamKind, Parameter};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::{LazyRoute, lazy_route};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The deploy page, loaded lazily.
pub struct DeployRoute;

#[lazy_route]
impl LazyRoute for DeployRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Deploy /> }.into_any()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DeployView {
    templates: Vec<TemplateSummary>,
    template: Option<TemplateDetail>,
    scope: Scope,
}

async fn load(
    team: i64,
    template: Option<String>,
    connection: Option<String>,
    compartment: Option<String>,
) -> Result<DeployView, ApiError> {
    let templates = list_templates(team).await?;
    let wanted = template.and_then(|t| t.parse::<i64>().ok()).or(templates.first().map(|t| t.id));
    let template = match wanted {
        Some(id) => Some(get_template(team, id).await?),
        None => None,
    };
    let scope = Scope::resolve(team, connection, compartment).await?;
    Ok(DeployView { templates, template, scope })
}

/// The text a parameter's field starts with: its default, a list one item per line.
fn initial_text(parameter: &Parameter) -> String {
    match &parameter.default {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// What the form holds, as the API takes it: a list is one item per line (or comma-separated),
/// and an empty optional field is left out so its default applies.
fn values(parameters: &[Parameter], texts: &BTreeMap<String, String>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for p in parameters {
        let text = texts.get(&p.name).map(|t| t.trim()).unwrap_or_default();
        let value = match p.kind {
            ParamKind::List => Value::Array(
                text.split(['\n', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| Value::String(t.to_owned()))
                    .collect(),
            ),
            _ if text.is_empty() => continue,
            _ => Value::String(text.to_owned()),
        };
        out.insert(p.name.clone(), value);
    }
    out
}

#[component]
fn Deploy() -> impl IntoView {
    let current = match use_team() {
        Ok(current) => current,
        Err(missing) => {
            return missing.page("Deploy a template", "Apply a template to a compartment.", IconName::Pipelines);
        }
    };
    let team = current.id;
    let can_apply = current.can_change();
    let csrf = StoredValue::new(current.csrf.clone());
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let data = Resource::new(
        move || (query.read().get("template"), query.read().get("connection"), query.read().get("compartment")),
        move |(template, connection, compartment)| bind_caller(load(team, template, connection, compartment)),
    );
    let go = move |connection: Option<i64>, compartment: Option<String>| {
        let template = query.read_untracked().get("template").unwrap_or_default();
        let mut to = team_href(
            team,
            &format!("/pipelines/deploy?template={template}&connection={}", connection.unwrap_or_default()),
        );
        if let Some(compartment) = compartment {
            to.push_str(&format!("&compartment={compartment}"));
        }
        navigate.with_value(|nav| nav(&to, Default::default()));
    };
    let pick_template = move |id: String| {
        navigate
            .with_value(|nav| nav(&team_href(team, &format!("/pipelines/deploy?template={id}")), Default::default()));
    };

    let render = move |loaded: DeployView| {
        loaded.scope.show();
        let options = loaded
            .templates
            .iter()
            .map(|t| {
                let selected = loaded.template.as_ref().is_some_and(|d| d.template.id == t.id);
                view! { <option value=t.id.to_string() selected=selected>{format!("{} (v{})", t.name, t.latest_version)}</option> }
            })
            .collect_view();
        let pickers = loaded.scope.pickers(go);
        let target = loaded.scope.chosen().map(|(c, k)| (c, k.to_owned()));
        let compartment_path = loaded
            .scope
            .compartments
            .iter()
            .find(|c| Some(c.id.as_str()) == loaded.scope.compartment.as_deref())
            .map(|c| c.path.clone())
            .unwrap_or_default();
        let form = match (loaded.template, target) {
            (None, _) => view! {
                <EmptyState
                    icon=IconName::Pipelines
                    title="No template to deploy"
                    body="The library is empty. Add a starter on the Pipelines page first."
                />
            }
            .into_any(),
            (Some(_), None) => view! {
                <EmptyState icon=IconName::Pipelines title="No connection" body="This team has no connection to deploy through." />
            }
            .into_any(),
            (Some(detail), Some((connection, compartment))) => {
                let region = loaded
                    .scope
                    .connections
                    .iter()
                    .find(|c| c.id == connection)
                    .map(|c| c.region.clone())
                    .unwrap_or_default();
                let compartments = loaded.scope.compartments.clone();
                view! {
                    <DeployForm team detail connection compartment compartment_path region compartments can_apply csrf />
                }
                .into_any()
            }
        };
        view! {
            <div class="page-body">
                <div class="toolbar">
                    <label class="inline-label">
                        <span>"Template"</span>
                        <select on:change=move |e| pick_template(event_target_value(&e))>{options}</select>
                    </label>
                </div>
                {pickers}
                {form}
            </div>
        }
    };
    view! {
        <PageStyles />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=team_href(team, "/pipelines")>"Pipelines"</a>
            <span aria-hidden="true">"/"</span>
            <span aria-current="page">"Deploy"</span>
        </nav>
        <PageHeader
            title="Deploy a template"
            description="Fill in the parameters, review what will change, then apply."
        />
        <AsyncView resource=data render />
    }
    .into_any()
}

#[component]
#[allow(clippy::too_many_arguments)]
fn DeployForm(
    team: i64,
    detail: TemplateDetail,
    connection: i64,
    compartment: String,
    compartment_path: String,
    region: String,
    compartments: Vec<CompartmentSummary>,
    can_apply: bool,
    csrf: StoredValue<String>,
) -> impl IntoView {
    let navigate = StoredValue::new(use_navigate());
    let fan = FanOut::new(&region, &compartment);
    let parameters = StoredValue::new(detail.document.parameters.clone());
    let texts = RwSignal::new(
        detail.document.parameters.iter().map(|p| (p.name.clone(), initial_text(p))).collect::<BTreeMap<_, _>>(),
    );
    let name = RwSignal::new(format!("{} {}", detail.template.name, compartment_path).trim().to_owned());
    let version = RwSignal::new(detail.template.latest_version);
    let template_id = detail.template.id;
    let request = move || NewDeploymentPlanRequest {
        template_id,
        version: version.get_untracked(),
        connection_id: connection,
        compartment_id: compartment.clone(),
        parameters: parameters.with_value(|p| values(p, &texts.get_untracked())),
    };
    let request = StoredValue::new(request);
    let set_request = move || NewSetPlanRequest {
        template_id,
        version: version.get_untracked(),
        connection_id: connection,
        scope: fan.scope(),
        parameters: parameters.with_value(|p| values(p, &texts.get_untracked())),
    };
    let set_plan = Action::new(move |request: &NewSetPlanRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { plan_new_set(team, &request, &csrf).await.map(|review| (request, review)) }
    });
    let set_apply = Action::new(move |request: &CreateSetRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { create_set(team, &request, &csrf).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(run)) = set_apply.value().get() {
            let to = team_href(team, &format!("/pipelines/sets/{}", run.set_id));
            navigate.with_value(|nav| nav(&to, Default::default()));
        }
    });
    let plan = Action::new(move |request: &NewDeploymentPlanRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { plan_new_deployment(team, &request, &csrf).await }
    });
    let apply = Action::new(move |request: &CreateDeploymentRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { create_deployment(team, &request, &csrf).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(run)) = apply.value().get() {
            let to = team_href(team, &format!("/pipelines/deployments/{}?run={}", run.deployment_id, run.run.id));
            navigate.with_value(|nav| nav(&to, Default::default()));
        }
    });
    // Any edit makes the reviewed plan stale.
    let edited = move || {
        plan.value().set(None);
        apply.value().set(None);
        set_plan.value().set(None);
        set_apply.value().set(None);
    };
    fan.on_edit(edited);
    let name_problem = RwSignal::new(None::<String>);
    let error = Signal::derive(move || {
        apply
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| plan.value().get().and_then(Result::err))
            .or_else(|| set_plan.value().get().and_then(Result::err))
            .or_else(|| set_apply.value().get().and_then(Result::err))
    });
    // Errors about a field show under it; the alert line shows the rest.
    let general_error = Signal::derive(move || {
        error.get().filter(|e| e.body.field.as_deref().is_none_or(|f| f != "name" && !f.starts_with("parameters.")))
    });
    let field_error = move |field: String| {
        move || {
            error
                .get()
                .filter(|e| e.body.field.as_deref() == Some(field.as_str()))
                .map(|e| view! { <p class="field-error" role="alert">{e.body.message}</p> })
        }
    };
    let versions = detail
        .versions
        .iter()
        .map(|v| {
            let label = if v.notes.is_empty() { format!("v{}", v.version) } else { format!("v{} — {}", v.version, v.notes) };
            view! { <option value=v.version.to_string() selected=v.version == detail.template.latest_version>{label}</option> }
        })
        .collect_view();
    let fields = detail
        .document
        .parameters
        .iter()
        .map(|p| {
            let id = format!("param-{}", p.name);
            let key = p.name.clone();
            let read = {
                let key = key.clone();
                move || texts.with(|t| t.get(&key).cloned().unwrap_or_default())
            };
            let write = {
                let key = key.clone();
                move |value: String| {
                    texts.update(|t| {
                        t.insert(key.clone(), value);
                    });
                    edited();
                }
            };
            let input = match p.kind {
                ParamKind::Enum => {
                    let options = p
                        .values
                        .iter()
                        .map(|v| view! { <option value=v.clone()>{v.clone()}</option> })
                        .collect_view();
                    view! {
                        <select id=id.clone() prop:value=read on:change=move |e| write(event_target_value(&e))>
                            <option value="">"(choose)"</option>
                            {options}
                        </select>
                    }
                    .into_any()
                }
                ParamKind::List => view! {
                    <textarea id=id.clone() rows="3" prop:value=read on:input=move |e| write(event_target_value(&e))></textarea>
                }
                .into_any(),
                kind => {
                    let input_type = match kind {
                        ParamKind::Email => "email",
                        ParamKind::Url => "url",
                        _ => "text",
                    };
                    view! {
                        <input id=id.clone() type=input_type prop:value=read on:input=move |e| write(event_target_value(&e)) />
                    }
                    .into_any()
                }
            };
            let hint = match p.kind {
                ParamKind::List => format!("{} One per line.", p.description),
                _ => p.description.clone(),
            };
            view! {
                <div class="field">
                    <label for=id>
                        {p.label().to_owned()}
                        {p.required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                    </label>
                    {input}
                    {(!hint.trim().is_empty()).then(|| view! { <p class="field-hint">{hint}</p> })}
                    {field_error(format!("parameters.{key}"))}
                </div>
            }
        })
        .collect_view();
    let submit_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        apply.value().set(None);
        set_apply.value().set(None);
        if fan.on.get_untracked() {
            plan.value().set(None);
            set_plan.dispatch(set_request());
        } else {
            set_plan.value().set(None);
            plan.dispatch(request.with_value(|r| r()));
        }
    };
    let override_reason = RwSignal::new(String::new());
    let submit_apply = move |_| {
        let Some(Ok(review)) = plan.value().get_untracked() else { return };
        let wanted = name.get_untracked().trim().to_owned();
        if let Err(message) = check_name(&wanted) {
            name_problem.set(Some(message));
            return;
        }
        name_problem.set(None);
        let blocked = review.preflight.as_ref().is_some_and(|r| r.is_blocked());
        apply.dispatch(CreateDeploymentRequest {
            name: wanted,
            target: request.with_value(|r| r()),
            digest: review.digest.clone(),
            override_preflight: blocked.then(|| override_reason.get_untracked()),
        });
    };
    let set_reason = RwSignal::new(String::new());
    let submit_set = move |_| {
        let Some(Ok((request, review))) = set_plan.value().get_untracked() else { return };
        let wanted = name.get_untracked().trim().to_owned();
        if let Err(message) = check_name(&wanted) {
            name_problem.set(Some(message));
            return;
        }
        name_problem.set(None);
        set_apply.dispatch(CreateSetRequest {
            name: wanted,
            plan: request,
            digest: review.digest.clone(),
            override_preflight: needs_reason(&review).then(|| set_reason.get_untracked()),
        });
    };
    let set_review = move || {
        set_plan.value().get().and_then(Result::ok).map(|(_, review)| {
            let blocked = has_problems(&review);
            let reason_needed = needs_reason(&review);
            let changes = total_changes(&review);
            view! {
                <section class="section plan-review" aria-labelledby="set-plan-title">
                    <h2 id="set-plan-title" class="section-title">
                        {format!("Plan: {} v{} in {} targets", review.template_name, review.version, review.targets.len())}
                    </h2>
                    <SetPlanView review=review.clone() reason=set_reason />
                    {can_apply.then(|| view! {
                        <div class="form-actions">
                            <button
                                type="button"
                                class="btn btn-primary"
                                disabled=move || blocked || changes == 0 || set_apply.pending().get()
                                    || (reason_needed && set_reason.with(|r| r.trim().is_empty()))
                                on:click=submit_set
                            >
                                {move || if set_apply.pending().get() { "Starting…".to_owned() } else { format!("Apply {changes} changes everywhere") }}
                            </button>
                        </div>
                    })}
                </section>
            }
        })
    };
    let review = move || {
        plan.value().get().and_then(Result::ok).map(|review| {
            let blocked = !review.plan.problems.is_empty();
            let needs_reason = review.preflight.as_ref().is_some_and(|r| r.is_blocked());
            let changes = review.plan.changes.iter().filter(|c| c.action != crate::template::plan::ChangeAction::NoOp).count();
            let preflight = review.preflight.clone().map(|report| view! { <PreflightReview report reason=override_reason /> });
            let impact = review.impact.clone().map(|impact| view! { <PlanImpactReview impact /> });
            view! {
                <section class="section plan-review" aria-labelledby="plan-title">
                    <h2 id="plan-title" class="section-title">
                        {format!("Plan: {} v{}", review.template_name, review.version)}
                    </h2>
                    <PlanView plan=review.plan.clone() />
                    {impact}
                    {preflight}
                    {can_apply.then(|| view! {
                        <div class="form-actions">
                            <button
                                type="button"
                                class="btn btn-primary"
                                disabled=move || blocked || apply.pending().get() || (needs_reason && override_reason.with(|r| r.trim().is_empty()))
                                on:click=submit_apply
                            >
                                {move || if apply.pending().get() { "Starting…".to_owned() } else { format!("Apply {changes} change{}{}", if changes == 1 { "" } else { "s" }, if needs_reason { " anyway" } else { "" }) }}
                            </button>
                        </div>
                    })}
                    {(!can_apply).then(|| view! { <p class="section-hint">"Viewers can review plans; an operator applies them."</p> })}
                </section>
            }
        })
    };
    view! {
        <form class="form deploy-form" on:submit=submit_plan novalidate>
            <div class="field">
                <label for="deployment-name">"Deployment name"</label>
                <input
                    id="deployment-name"
                    type="text"
                    maxlength="100"
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                <p class="field-hint">"How this deployment is listed, such as infra-alerts prod."</p>
                {move || name_problem.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                {field_error("name".to_owned())}
            </div>
            <div class="field">
                <label for="deployment-version">"Version"</label>
                <select
                    id="deployment-version"
                    on:change=move |e| {
                        if let Ok(v) = event_target_value(&e).parse() {
                            version.set(v);
                            edited();
                        }
                    }
                >
                    {versions}
                </select>
            </div>
            <fieldset class="fieldset">
                <legend>"Parameters"</legend>
                {fields}
            </fieldset>
            <FanOutFields fan compartments field_error=Callback::new(move |field: String| field_error(field)().into_any()) />
            <FormAlert error=general_error />
            <div class="form-actions">
                <button type="submit" class="btn" disabled=move || plan.pending().get() || set_plan.pending().get()>
                    {move || if plan.pending().get() || set_plan.pending().get() { "Planning…" } else { "Review plan" }}
                </button>
            </div>
        </form>
        {review}
        {set_review}
    }
}

/// The fan-out choices of the deploy form: several regions, compartments named one by one, or
/// every compartment under one whose name matches a pattern.
#[derive(Debug, Clone, Copy)]
struct FanOut {
    on: RwSignal<bool>,
    regions: RwSignal<String>,
    picked: RwSignal<Vec<String>>,
    under: RwSignal<String>,
    pattern: RwSignal<String>,
    edited: StoredValue<Option<Callback<()>>>,
}

impl FanOut {
    fn new(region: &str, compartment: &str) -> Self {
        Self {
            on: RwSignal::new(false),
            regions: RwSignal::new(region.to_owned()),
            picked: RwSignal::new(vec![compartment.to_owned()]),
            under: RwSignal::new(String::new()),
            pattern: RwSignal::new(String::new()),
            edited: StoredValue::new(None),
        }
    }

    fn on_edit(&self, edited: impl Fn() + Send + Sync + 'static) {
        self.edited.set_value(Some(Callback::new(move |()| edited())));
    }

    fn changed(&self) {
        if let Some(edited) = self.edited.get_value() {
            edited.run(());
        }
    }

    /// The scope as the API takes it.
    fn scope(&self) -> SetScope {
        let regions = self
            .regions
            .get_untracked()
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        let under = Some(self.under.get_untracked()).filter(|u| !u.is_empty());
        let pattern = Some(self.pattern.get_untracked().trim().to_owned()).filter(|p| !p.is_empty() && under.is_some());
        SetScope { regions, compartments: self.picked.get_untracked(), under, pattern }
    }
}

#[component]
fn FanOutFields(
    fan: FanOut,
    compartments: Vec<CompartmentSummary>,
    field_error: Callback<String, AnyView>,
) -> impl IntoView {
    let boxes = compartments
        .iter()
        .map(|c| {
            let id = c.id.clone();
            let checked = {
                let id = id.clone();
                move || fan.picked.with(|p| p.contains(&id))
            };
            view! {
                <label class="check-option">
                    <input
                        type="checkbox"
                        prop:checked=checked
                        on:change=move |e| {
                            let on = event_target_checked(&e);
                            fan.picked.update(|p| {
                                p.retain(|x| *x != id);
                                if on {
                                    p.push(id.clone());
                                }
                            });
                            fan.changed();
                        }
                    />
                    <span>{c.path.clone()}</span>
                </label>
            }
        })
        .collect_view();
    let parents =
        compartments.iter().map(|c| view! { <option value=c.id.clone()>{c.path.clone()}</option> }).collect_view();
    view! {
        <fieldset class="fieldset fan-out">
            <legend>"Where"</legend>
            <label class="check-option">
                <input
                    id="fan-out"
                    type="checkbox"
                    prop:checked=move || fan.on.get()
                    on:change=move |e| {
                        fan.on.set(event_target_checked(&e));
                        fan.changed();
                    }
                />
                <span>"Fan out: apply to several regions and compartments as one plan"</span>
            </label>
            <div class="fan-out-fields" class:hidden=move || !fan.on.get()>
                <div class="field">
                    <label for="fan-regions">"Regions"</label>
                    <input
                        id="fan-regions"
                        type="text"
                        placeholder="us-ashburn-1, eu-frankfurt-1"
                        prop:value=move || fan.regions.get()
                        on:input=move |e| {
                            fan.regions.set(event_target_value(&e));
                            fan.changed();
                        }
                    />
                    <p class="field-hint">"Region ids, separated by commas. Each region gets its own copy."</p>
                    {move || field_error.run("scope.regions[0]".to_owned())}
                </div>
                <div class="field">
                    <span class="field-label">"Compartments"</span>
                    <div class="check-list" role="group" aria-label="Compartments">{boxes}</div>
                    {move || field_error.run("scope.compartments".to_owned())}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="fan-under">"And every compartment under"</label>
                        <select
                            id="fan-under"
                            on:change=move |e| {
                                fan.under.set(event_target_value(&e));
                                fan.changed();
                            }
                        >
                            <option value="">"(none)"</option>
                            {parents}
                        </select>
                    </div>
                    <div class="field">
                        <label for="fan-pattern">"Named like"</label>
                        <input
                            id="fan-pattern"
                            type="text"
                            placeholder="proj-*"
                            prop:value=move || fan.pattern.get()
                            on:input=move |e| {
                                fan.pattern.set(event_target_value(&e));
                                fan.changed();
                            }
                        />
                        <p class="field-hint">"* for any run of characters, ? for one; read again at every plan, so new compartments join."</p>
                        {move || field_error.run("scope.pattern".to_owned())}
                    </div>
                </div>
            </div>
        </fieldset>
    }
}
