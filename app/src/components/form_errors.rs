use crate::api::ApiError;
use leptos::prelude::*;

/// The server's message about one field, shown under that field.
#[component]
pub fn FieldError(
    /// The last answer's error, if any.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// The field this slot shows errors for (the `field` of the error body).
    field: &'static str,
) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.body.field.as_deref() == Some(field))
            .map(|e| view! { <span class="field-error">{e.body.message}</span> })
    }
}

/// A form's alert line: a message found before sending, or the server's error unless it is about
/// one of the fields that show their own (`fields`).
#[component]
pub fn FormAlert(
    /// The last answer's error, if any.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
    /// Fields with a [`FieldError`] slot in the form.
    #[prop(optional)]
    fields: &'static [&'static str],
    /// A problem found in the browser before sending.
    #[prop(optional, into)]
    local: Signal<Option<String>>,
) -> impl IntoView {
    let server = move || {
        error.get().filter(|e| e.body.field.as_deref().is_none_or(|f| !fields.contains(&f))).map(|e| e.body.message)
    };
    view! {
        <div class="form-error" role="alert" aria-live="assertive">
            {move || local.get()}
            {server}
        </div>
    }
}
