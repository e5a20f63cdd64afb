use leptos::prelude::*;

/// A button for a destructive action that asks first: pressing it puts the question, a
/// confirming button (focused, so Enter confirms and Tab reaches Cancel) and Cancel in its place.
#[component]
pub fn ConfirmButton(
    /// The button's text, such as "Remove".
    #[prop(into)]
    label: String,
    /// What is asked, such as "Remove ada from Platform?".
    #[prop(into)]
    question: String,
    /// The confirming button's text, such as "Yes, remove".
    #[prop(into)]
    confirm: String,
    /// Runs once confirmed.
    on_confirm: Callback<()>,
    /// Greys the button out (while a request is in flight).
    #[prop(optional, into)]
    disabled: Signal<bool>,
    /// What it acts on (an OCID), where two rows could ask the same question: a page that keeps
    /// its confirmations across reloads tells them apart by it.
    #[prop(optional, into)]
    target: Option<String>,
) -> impl IntoView {
    let key = format!("{label}\u{1f}{}", target.unwrap_or_else(|| question.clone()));
    let asking = super::kept_confirmations::confirmation_state(&key).open;
    let label = StoredValue::new(label);
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    // Move focus to the confirming button when it appears, so the keyboard follows the question.
    Effect::new(move |_| {
        if let Some(button) = confirm_button.get() {
            let _ = button.focus();
        }
    });
    view! {
        <Show
            when=move || asking.get()
            fallback=move || {
                view! {
                    <button
                        type="button"
                        class="btn btn-small btn-danger-quiet"
                        disabled=move || disabled.get()
                        on:click=move |_| asking.set(true)
                    >
                        {label.get_value()}
                    </button>
                }
            }
        >
            <span class="confirm" role="group" aria-label=question.clone()>
                <span class="confirm-question">{question.clone()}</span>
                <button
                    type="button"
                    class="btn btn-small btn-danger"
                    node_ref=confirm_button
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm.clone()}
                </button>
                <button type="button" class="btn btn-small" on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}
