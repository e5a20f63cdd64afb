//! The Export section of the rule and topic pages: the resource as OCI CLI commands or as a
//! Python SDK script, with a Copy button.

use crate::export::Export;
use leptos::prelude::*;

/// Which form is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Cli,
    Python,
}

/// The export of one resource; `subject` names it in the hint ("this rule").
#[component]
pub fn ExportPanel(export: Export, subject: &'static str) -> impl IntoView {
    let form = RwSignal::new(Form::Cli);
    let copy_label = RwSignal::new("Copy");
    let export = StoredValue::new(export);
    let text = move || export.with_value(|e| if form.get() == Form::Cli { e.cli.clone() } else { e.python.clone() });
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let window = leptos::prelude::window();
            // Browsers offer the clipboard only to secure pages (HTTPS or localhost); elsewhere
            // `navigator.clipboard` is undefined and calling it would throw.
            if window.is_secure_context() {
                drop(window.navigator().clipboard().write_text(&text()));
                copy_label.set("Copied");
            } else {
                copy_label.set("Copying needs HTTPS: select the text");
            }
        }
    };
    let tab = move |which: Form, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                aria-selected=move || (form.get() == which).to_string()
                on:click=move |_| {
                    form.set(which);
                    copy_label.set("Copy");
                }
            >
                {label}
            </button>
        }
    };
    view! {
        <section class="section export-panel" aria-labelledby="export-title">
            <h2 id="export-title" class="section-title">
                "Export"
            </h2>
            <p class="section-hint">
                {format!(
                    "Recreate {subject} elsewhere, or keep it in a repository: the OCI CLI with its --from-json document, or a Python script for the official SDK.",
                )}
            </p>
            <div class="export-bar">
                <div class="tabs" role="tablist" aria-label="Export as">
                    {tab(Form::Cli, "OCI CLI")}
                    {tab(Form::Python, "Python SDK")}
                </div>
                <button type="button" class="btn btn-small" on:click=copy>
                    {move || copy_label.get()}
                </button>
            </div>
            <pre class="code-block export-text" role="tabpanel" tabindex="0">
                {text}
            </pre>
        </section>
    }
}
