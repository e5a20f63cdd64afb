//! The Export section of the rule, topic and deployment pages: the resource in each of its
//! export forms (OCI CLI commands, a Python SDK script, Terraform), one tab each, with a Copy
//! button.

use crate::export::Export;
use leptos::prelude::*;

impl Export {
    /// The forms a rule or topic exports as, with their tab labels.
    pub fn forms(self) -> Vec<(&'static str, String)> {
        vec![("OCI CLI", self.cli), ("Python SDK", self.python)]
    }
}

/// The hint of a rule's or topic's export; `subject` names it ("this rule").
pub fn export_hint(subject: &str) -> String {
    format!(
        "Recreate {subject} elsewhere, or keep it in a repository: the OCI CLI with its --from-json document, or a Python script for the official SDK."
    )
}

/// The export of one resource: `forms` are (tab label, text); `hint` says what they are for.
#[component]
pub fn ExportPanel(forms: Vec<(&'static str, String)>, #[prop(into)] hint: String) -> impl IntoView {
    let form = RwSignal::new(0usize);
    let copy_label = RwSignal::new("Copy");
    let forms = StoredValue::new(forms);
    let text = move || forms.with_value(|f| f.get(form.get()).map(|(_, text)| text.clone()).unwrap_or_default());
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
    let tab = move |which: usize, label: &'static str| {
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
            <p class="section-hint">{hint}</p>
            <div class="export-bar">
                <div class="tabs" role="tablist" aria-label="Export as">
                    {forms
                        .with_value(|f| f.iter().map(|(label, _)| *label).collect::<Vec<_>>())
                        .into_iter()
                        .enumerate()
                        .map(|(i, label)| tab(i, label))
                        .collect_view()}
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
