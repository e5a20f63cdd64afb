use crate::api::{ApiError, CloudFailure};
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
        error.get().filter(|e| e.body.field.as_deref().is_none_or(|f| !fields.contains(&f))).map(|e| {
            match e.body.cloud {
                Some(cloud) => view! { <CloudDetail cloud=*cloud /> }.into_any(),
                None => e.body.message.into_any(),
            }
        })
    };
    view! {
        <div class="form-error" role="alert" aria-live="assertive">
            {move || local.get()}
            {server}
        </div>
    }
}

/// An OCI call that failed, each part on its own: the call and OCI's code, OCI's words, what to
/// do, and the request id to give Oracle support (one click selects it whole, for copying).
#[component]
pub fn CloudDetail(cloud: CloudFailure) -> impl IntoView {
    let answer = match (cloud.status, &cloud.oci_code) {
        (Some(status), Some(code)) => format!("{}: OCI answered {status} {code}", cloud.operation),
        (Some(status), None) => format!("{}: OCI answered {status}", cloud.operation),
        _ => format!("{}: OCI did not answer", cloud.operation),
    };
    view! {
        <span class="cloud-failure">
            <strong class="cloud-answer">{answer}</strong>
            <span class="cloud-message">{cloud.message}</span>
            {cloud.remedy.map(|remedy| view! { <span class="cloud-remedy">"What to do: " {remedy}</span> })}
            {cloud
                .opc_request_id
                .map(|id| {
                    view! {
                        <span class="cloud-request">
                            "Request id " <code class="mono request-id" title="Click to select it for copying">{id}</code>
                        </span>
                    }
                })}
        </span>
    }
}
