use super::{CloudDetail, Icon, IconName};
use crate::api::{ApiError, ErrorCode};
use leptos::prelude::*;

/// A failed API call: what happened, the code for support, and a way to try again.
#[component]
pub fn ErrorPanel<R>(
    /// The failure.
    error: ApiError,
    /// Called by the "Try again" button.
    retry: R,
) -> impl IntoView
where
    R: Fn() + Send + Sync + 'static,
{
    let title = match error.code() {
        ErrorCode::Network => "Signalbox is not reachable",
        ErrorCode::NotFound => "Not found",
        ErrorCode::Unavailable => "Temporarily unavailable",
        _ => "Something went wrong",
    };
    let code = serde_json::to_value(error.code()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let status = (error.status != 0).then(|| format!("HTTP {} · ", error.status));
    view! {
        <div class="panel error-panel" role="alert">
            <div class="error-icon">
                <Icon name=IconName::Alert />
            </div>
            <div class="error-text">
                <h2>{title}</h2>
                {match error.body.cloud.clone() {
                    Some(cloud) => view! { <p><CloudDetail cloud=*cloud /></p> }.into_any(),
                    None => view! { <p>{error.body.message.clone()}</p> }.into_any(),
                }}
                <p class="error-meta mono">{status}{code}</p>
            </div>
            <button type="button" class="btn" on:click=move |_| retry()>
                "Try again"
            </button>
        </div>
    }
}
