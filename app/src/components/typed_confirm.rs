use leptos::prelude::*;

/// A destructive action on something that holds other things (a topic with subscriptions): the
/// button opens a panel that says what will be affected and asks for the name to be typed before
/// the confirming button works. Esc or Cancel closes it.
#[component]
pub fn TypedConfirm(
    /// The button's text, such as "Delete topic".
    #[prop(into)]
    label: String,
    /// The name to type.
    #[prop(into)]
    name: String,
    /// What will be affected, in a sentence or two.
    #[prop(into)]
    consequences: String,
    /// Runs once confirmed.
    on_confirm: Callback<()>,
    /// Greys the buttons out (while a request is in flight).
    #[prop(optional, into)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let state = super::kept_confirmations::confirmation_state(&format!("{label}\u{1f}{name}"));
    let (open, typed) = (state.open, state.typed);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(field) = input.get() {
            let _ = field.focus();
        }
    });
    let name = StoredValue::new(name);
    let label = StoredValue::new(label);
    let matches = move || name.with_value(|n| typed.get().trim() == n);
    let close = move || {
        open.set(false);
        typed.set(String::new());
    };
    view! {
        <Show
            when=move || open.get()
            fallback=move || {
                view! {
                    <button type="button" class="btn btn-danger-quiet" disabled=move || disabled.get() on:click=move |_| open.set(true)>
                        {label.get_value()}
                    </button>
                }
            }
        >
            <div
                class="typed-confirm"
                role="group"
                aria-label=move || label.get_value()
                on:keydown=move |e| {
                    if e.key() == "Escape" {
                        close();
                    }
                }
            >
                <p>{consequences.clone()}</p>
                <label class="field">
                    <span class="field-label">{move || format!("Type {} to confirm", name.get_value())}</span>
                    <input
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        node_ref=input
                        prop:value=move || typed.get()
                        on:input=move |e| typed.set(event_target_value(&e))
                    />
                </label>
                <div class="form-actions">
                    <button
                        type="button"
                        class="btn btn-danger"
                        disabled=move || !matches() || disabled.get()
                        on:click=move |_| {
                            on_confirm.run(());
                            close();
                        }
                    >
                        {move || label.get_value()}
                    </button>
                    <button type="button" class="btn" on:click=move |_| close()>
                        "Cancel"
                    </button>
                </div>
            </div>
        </Show>
    }
}
