//! The rule form the rules page (create) and the rule page (edit) share: name, description, the
//! condition in two synchronised views (a builder and the JSON, checked on every keystroke by the
//! same parser the API and the sandbox use), a Test panel that runs the draft against sample
//! events, its impact on the compartment's recent events, pre-flight checks of the draft
//! against the cloud, and up to ten actions with topic and function pickers.

mod condition_builder;
mod test_panel;

use crate::api::ApiError;
use crate::api::functions::FunctionSummary;
use crate::api::rules::{
    ActionKind, MAX_ACTIONS, RuleAction, check_actions, check_condition, check_description, check_name,
};
use crate::api::topics::Topic;
use crate::catalogue::unknown_types;
use crate::components::{FieldError, FormAlert};
use crate::pages::impact_panel::ImpactPanel;
use crate::pages::preflight_panel::{PreflightPanel, PreflightPlace};
use condition_builder::ConditionBuilder;
use leptos::prelude::*;
use test_panel::TestPanel;

/// What the form submits.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleForm {
    /// Display name, trimmed.
    pub name: String,
    /// Description.
    pub description: String,
    /// Condition text.
    pub condition: String,
    /// Actions, targets trimmed.
    pub actions: Vec<RuleAction>,
}

/// The condition a new rule starts with.
pub const NEW_CONDITION: &str = "{\n  \"eventType\": [\n    \"com.oraclecloud.computeapi.launchinstance.end\"\n  ]\n}";

/// One row of the actions editor. An edited rule's actions keep their description and enabled
/// flag, which the form does not change.
#[derive(Debug, Clone, PartialEq)]
struct DraftAction {
    key: usize,
    kind: RwSignal<ActionKind>,
    target: RwSignal<String>,
    is_enabled: bool,
    description: String,
}

impl DraftAction {
    fn action(&self) -> RuleAction {
        RuleAction {
            kind: self.kind.get(),
            target_id: self.target.get().trim().to_owned(),
            is_enabled: self.is_enabled,
            description: self.description.clone(),
            state: None,
        }
    }
}

/// The rule form. `initial` fills it (a new rule: [`NEW_CONDITION`] and one topic action);
/// `clear_on_save` empties name and description after a successful save, for creating several.
#[component]
pub fn RuleEditor(
    /// Heading and accessible name of the form.
    title: &'static str,
    /// Text of the submit button.
    submit_label: &'static str,
    /// Starting values.
    initial: RuleForm,
    /// Topics the actions editor offers; when the list changes the form keeps what was typed.
    #[prop(into)]
    topics: Signal<Vec<Topic>>,
    /// Functions the actions editor offers.
    #[prop(into)]
    functions: Signal<Vec<FunctionSummary>>,
    /// Saves the form; its value reports the outcome.
    save: Action<RuleForm, Result<String, ApiError>>,
    /// Empty name and description after a save.
    #[prop(optional)]
    clear_on_save: bool,
    /// Where the rule is, for the pre-flight checks; none hides them.
    #[prop(optional)]
    preflight: Option<PreflightPlace>,
    /// The rule is saved already: its condition is what the Impact panel compares the draft with.
    #[prop(optional)]
    saved: bool,
    /// The form was opened on demand: it takes the focus (its name first) and offers Cancel.
    #[prop(optional)]
    cancel: Option<Callback<()>>,
) -> impl IntoView {
    let name_input = NodeRef::<leptos::html::Input>::new();
    if cancel.is_some() {
        Effect::new(move |_| {
            if let Some(input) = name_input.get() {
                let _ = input.focus();
            }
        });
    }
    let name = RwSignal::new(initial.name);
    let description = RwSignal::new(initial.description);
    let saved_condition = saved.then(|| initial.condition.clone());
    let condition = RwSignal::new(initial.condition);
    let first_target = move |kind: ActionKind| match kind {
        ActionKind::Notifications => topics.with_untracked(|t| t.first().map(|t| t.id.clone())).unwrap_or_default(),
        ActionKind::Functions => functions.with_untracked(|f| f.first().map(|f| f.id.clone())).unwrap_or_default(),
        ActionKind::Streaming => String::new(),
    };
    let next_key = StoredValue::new(0usize);
    let draft = move |action: RuleAction| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        DraftAction {
            key,
            kind: RwSignal::new(action.kind),
            target: RwSignal::new(action.target_id),
            is_enabled: action.is_enabled,
            description: action.description,
        }
    };
    let new_action = move |kind: ActionKind| draft(RuleAction::new(kind, first_target(kind)));
    // A new rule starts with a topic action, or a function action when there is no topic yet.
    let first_kind = if topics.with_untracked(Vec::is_empty) && !functions.with_untracked(Vec::is_empty) {
        ActionKind::Functions
    } else {
        ActionKind::Notifications
    };
    let starting: Vec<DraftAction> = if initial.actions.is_empty() {
        vec![new_action(first_kind)]
    } else {
        initial.actions.into_iter().map(draft).collect()
    };
    let actions = RwSignal::new(starting);
    let error = Signal::derive(move || save.value().get().and_then(Result::err));

    let drafted = move || actions.get().iter().map(DraftAction::action).collect::<Vec<_>>();
    let name_problem = Signal::derive(move || {
        let text = name.get();
        (!text.is_empty()).then(|| check_name(&text).err()).flatten()
    });
    let description_problem = Signal::derive(move || check_description(&description.get()).err());
    let condition_problem = Signal::derive(move || check_condition(&condition.get()).err());
    let actions_problem = Signal::derive(move || check_actions(&drafted()).err().map(|problem| problem.message));
    let blocked = move || {
        save.pending().get()
            || name.get().trim().is_empty()
            || name_problem.get().is_some()
            || description_problem.get().is_some()
            || condition_problem.get().is_some()
            || actions_problem.get().is_some()
    };
    Effect::new(move |_| {
        if clear_on_save && save.value().get().is_some_and(|r| r.is_ok()) {
            name.set(String::new());
            description.set(String::new());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(RuleForm {
            name: name.get_untracked().trim().to_owned(),
            description: description.get_untracked(),
            condition: condition.get_untracked(),
            actions: actions.with_untracked(|list| list.iter().map(DraftAction::action).collect()),
        });
    };
    let line_count = move || condition.with(|c| c.lines().count().max(1));

    view! {
        <form class="stack-form stack-form-wide rule-editor" aria-label=title on:submit=submit>
            <h3 class="form-title">{title}</h3>
            <label class="field">
                <span class="field-label">"Name"</span>
                <input
                    type="text"
                    autocomplete="off"
                    placeholder="instance-state-changes"
                    node_ref=name_input
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                {move || name_problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <FieldError error field="name" />
            </label>
            <label class="field">
                <span class="field-label">"Description"</span>
                <input
                    type="text"
                    autocomplete="off"
                    prop:value=move || description.get()
                    on:input=move |e| description.set(event_target_value(&e))
                />
                {move || description_problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <FieldError error field="description" />
            </label>
            <fieldset class="field-group condition-editor">
                <legend>"Condition"</legend>
                <p class="field-hint">
                    "Build it on the left or write the JSON on the right; each follows the other. Arrays list alternatives; * is a wildcard."
                </p>
                <div class="condition-views">
                    <ConditionBuilder condition />
                    <label class="field condition-json">
                        <span class="field-label">"Condition (JSON)"</span>
                        <div class="code-editor">
                            <pre class="line-numbers" aria-hidden="true">
                                {move || (1..=line_count()).map(|n| n.to_string()).collect::<Vec<_>>().join("\n")}
                            </pre>
                            <textarea
                                class="code-input"
                                rows=move || line_count().max(7) + 1
                                spellcheck="false"
                                autocomplete="off"
                                aria-invalid=move || condition_problem.get().is_some().to_string()
                                prop:value=move || condition.get()
                                on:input=move |e| condition.set(event_target_value(&e))
                            />
                        </div>
                        <span class="condition-status" role="status" aria-live="polite">
                            {move || match condition_problem.get() {
                                Some(problem) => view! { <span class="field-error">{problem}</span> }.into_any(),
                                None => {
                                    let unknown = unknown_types(&condition.get());
                                    if unknown.is_empty() {
                                        view! { <span class="field-ok">"Valid condition."</span> }.into_any()
                                    } else {
                                        view! {
                                            <span class="field-warning">
                                                {format!(
                                                    "Valid JSON, but not a known event type: {}. Check the spelling; event types are lowercase.",
                                                    unknown.join(", "),
                                                )}
                                            </span>
                                        }
                                            .into_any()
                                    }
                                }
                            }}
                        </span>
                        <FieldError error field="condition" />
                    </label>
                </div>
                <TestPanel condition />
                {preflight.clone().map(|place| view! { <ImpactPanel place saved=saved_condition condition /> })}
                {preflight.map(|place| view! { <PreflightPanel place name condition actions=Signal::derive(drafted) /> })}
            </fieldset>
            <fieldset class="field-group actions-editor">
                <legend>{move || format!("Actions ({} of at most {MAX_ACTIONS})", actions.with(Vec::len))}</legend>
                <For each=move || actions.get() key=|a| a.key let:draft>
                    <ActionRow draft topics functions actions first_target />
                </For>
                {move || actions_problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                <button
                    type="button"
                    class="btn btn-small"
                    disabled=move || { actions.with(Vec::len) >= MAX_ACTIONS }
                    on:click=move |_| actions.update(|list| list.push(new_action(first_kind)))
                >
                    "Add an action"
                </button>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=blocked>
                    {submit_label}
                </button>
                {cancel.map(|cancel| view! { <button type="button" class="btn" on:click=move |_| cancel.run(())>"Cancel"</button> })}
                <span class="form-status" role="status">
                    {move || save.value().get().and_then(Result::ok)}
                </span>
            </div>
            <FormAlert error fields=&["name", "description", "condition"] />
        </form>
    }
}

/// One action: its kind and a target picked from the compartment (a stream is typed).
#[component]
fn ActionRow(
    draft: DraftAction,
    topics: Signal<Vec<Topic>>,
    functions: Signal<Vec<FunctionSummary>>,
    actions: RwSignal<Vec<DraftAction>>,
    first_target: impl Fn(ActionKind) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let DraftAction { key, kind, target, .. } = draft;
    let position = move || actions.with(|list| list.iter().position(|a| a.key == key).map_or(0, |i| i + 1));
    let picker = move || match kind.get() {
        ActionKind::Notifications => {
            let options = topics.with(|list| {
                list.iter()
                    .map(|t| view! { <option value=t.id.clone() selected=target.get_untracked() == t.id>{t.name.clone()}</option> })
                    .collect_view()
            });
            let none = topics.with(Vec::is_empty).then(|| {
                view! { <option value="" selected>"No topic in this compartment: create one on the Topics page"</option> }
            });
            view! {
                <select aria-label=move || format!("Topic of action {}", position()) on:change=move |e| target.set(event_target_value(&e))>
                    {none}
                    {options}
                </select>
            }
            .into_any()
        }
        ActionKind::Functions => {
            let options = functions.with(|list| {
                list.iter()
                    .map(|f| {
                        view! {
                            <option value=f.id.clone() selected=target.get_untracked() == f.id>
                                {format!("{} / {}", f.application, f.name)}
                            </option>
                        }
                    })
                    .collect_view()
            });
            let none = functions.with(Vec::is_empty).then(|| {
                view! { <option value="" selected>"No function in this compartment"</option> }
            });
            view! {
                <select aria-label=move || format!("Function of action {}", position()) on:change=move |e| target.set(event_target_value(&e))>
                    {none}
                    {options}
                </select>
            }
            .into_any()
        }
        ActionKind::Streaming => view! {
            <input
                type="text"
                placeholder="ocid1.stream.oc1.iad.…"
                aria-label=move || format!("Stream OCID of action {}", position())
                prop:value=move || target.get()
                on:input=move |e| target.set(event_target_value(&e))
            />
        }
        .into_any(),
    };
    view! {
        <div class="action-row">
            <select
                aria-label=move || format!("Kind of action {}", position())
                on:change=move |e| {
                    if let Some(k) = ActionKind::parse(&event_target_value(&e)) {
                        kind.set(k);
                        target.set(first_target(k));
                    }
                }
            >
                {ActionKind::ALL
                    .into_iter()
                    .map(|k| view! { <option value=k.as_str() selected=kind.get_untracked() == k>{k.label()}</option> })
                    .collect_view()}
            </select>
            {picker}
            <button
                type="button"
                class="btn btn-small btn-danger-quiet"
                aria-label=move || format!("Remove action {}", position())
                disabled=move || { actions.with(Vec::len) <= 1 }
                on:click=move |_| actions.update(|list| list.retain(|a| a.key != key))
            >
                "Remove"
            </button>
        </div>
    }
}
