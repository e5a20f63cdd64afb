//! The two ways into the library besides a starter: importing a template file (one downloaded
//! from a template's page, or kept in git), and capturing what a compartment holds now.

use crate::api::ApiError;
use crate::api::templates::{CreateTemplateRequest, TemplateDetail, TemplateSource, Visibility};
use crate::components::FormAlert;
use crate::pages::scope::Scope;
use crate::template::Template;
use leptos::prelude::*;

/// The import and capture forms; `create` adds the template, `scope` offers the targets.
#[component]
pub fn NewTemplate(
    scope: Scope,
    create: Action<CreateTemplateRequest, Result<TemplateDetail, ApiError>>,
) -> impl IntoView {
    let document = RwSignal::new(None::<Template>);
    let problem = RwSignal::new(None::<String>);
    let import_name = RwSignal::new(String::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let on_file = move |_| {
        #[cfg(feature = "hydrate")]
        read_file(file_input, document, problem);
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = file_input;
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match document.get_untracked() {
            Some(document) => {
                create.dispatch(CreateTemplateRequest {
                    name: import_name.get_untracked(),
                    visibility: Visibility::Team,
                    source: TemplateSource::Document(document),
                });
            }
            None => problem.set(Some("Choose a template file (JSON) first.".into())),
        }
    };

    let connection = RwSignal::new(scope.connection.unwrap_or_default());
    let compartment = RwSignal::new(scope.compartment.clone().unwrap_or_default());
    let capture_name = RwSignal::new(String::new());
    let connections = scope
        .connections
        .iter()
        .map(|c| view! { <option value=c.id.to_string() selected=scope.connection == Some(c.id)>{c.name.clone()}</option> })
        .collect_view();
    let compartments = scope
        .compartments
        .iter()
        .map(|c| {
            let selected = scope.compartment.as_deref() == Some(c.id.as_str());
            view! { <option value=c.id.clone() selected=selected>{c.path.clone()}</option> }
        })
        .collect_view();
    let capture = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateTemplateRequest {
            name: capture_name.get_untracked(),
            visibility: Visibility::Team,
            source: TemplateSource::Capture {
                connection_id: connection.get_untracked(),
                compartment_id: compartment.get_untracked(),
            },
        });
    };
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <section class="section" aria-labelledby="new-template-title">
            <h2 id="new-template-title" class="section-title">"Add a template"</h2>
            <div class="new-template">
                <form class="form" aria-label="Import a template file" on:submit=import novalidate>
                    <h3>"Import a file"</h3>
                    <div class="field">
                        <label for="import-file">"Template file (JSON)"</label>
                        <input id="import-file" type="file" accept="application/json,.json" node_ref=file_input on:change=on_file />
                        <p class="field-hint">
                            {move || match document.get() {
                                Some(t) => format!("{}: {} topics, {} subscriptions, {} rules.", if t.name.is_empty() { "Unnamed".to_owned() } else { t.name.clone() }, t.topics.len(), t.subscriptions.len(), t.rules.len()),
                                None => "A template downloaded from its page, or kept in a repository.".to_owned(),
                            }}
                        </p>
                    </div>
                    <div class="field">
                        <label for="import-name">"Name in the library"</label>
                        <input id="import-name" type="text" placeholder="The file's name" prop:value=move || import_name.get() on:input=move |e| import_name.set(event_target_value(&e)) />
                    </div>
                    <FormAlert error=Signal::derive(|| None) local=Signal::derive(move || problem.get()) />
                    <button type="submit" class="btn" disabled=move || create.pending().get()>"Import"</button>
                </form>
                <form class="form" aria-label="Capture a compartment" on:submit=capture novalidate>
                    <h3>"Capture a compartment"</h3>
                    <div class="field">
                        <label for="capture-connection">"Connection"</label>
                        <select id="capture-connection" on:change=move |e| {
                            if let Ok(id) = event_target_value(&e).parse() {
                                connection.set(id);
                            }
                        }>{connections}</select>
                    </div>
                    <div class="field">
                        <label for="capture-compartment">"Compartment"</label>
                        <select id="capture-compartment" on:change=move |e| compartment.set(event_target_value(&e))>{compartments}</select>
                        <p class="field-hint">"Its topics, subscriptions and rules become version 1 of a new template."</p>
                    </div>
                    <div class="field">
                        <label for="capture-name">"Name in the library"</label>
                        <input id="capture-name" type="text" placeholder="Captured pipeline" prop:value=move || capture_name.get() on:input=move |e| capture_name.set(event_target_value(&e)) />
                    </div>
                    <button type="submit" class="btn" disabled=move || create.pending().get()>"Capture"</button>
                </form>
            </div>
            <FormAlert error />
            <p class="form-status" role="status">
                {move || create.value().get().and_then(Result::ok).map(|t| format!("Added {} to the library.", t.template.name))}
            </p>
        </section>
    }
}

/// Reads the chosen file and checks it as a template, so a wrong file is named before upload.
#[cfg(feature = "hydrate")]
fn read_file(
    input: NodeRef<leptos::html::Input>,
    document: RwSignal<Option<Template>>,
    problem: RwSignal<Option<String>>,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(file) = input.get().and_then(|i| i.files()).and_then(|files| files.get(0)) else { return };
    let Ok(reader) = web_sys::FileReader::new() else { return };
    let result = reader.clone();
    let loaded = Closure::<dyn FnMut()>::new(move || {
        let text = result.result().ok().and_then(|r| r.as_string()).unwrap_or_default();
        match Template::parse(&text) {
            Ok(template) => {
                problem.set(None);
                document.set(Some(template));
            }
            Err(problems) => {
                document.set(None);
                let first = problems.first().map(|p| format!("{}: {}", p.field, p.message)).unwrap_or_default();
                problem.set(Some(format!("This file is not a template ({first}).")));
            }
        }
    });
    reader.set_onload(Some(loaded.as_ref().unchecked_ref()));
    loaded.forget();
    let _ = reader.read_as_text(&file);
}
