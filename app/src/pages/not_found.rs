use crate::components::{EmptyState, IconName, PageHeader, to_team};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// Shown for any path no page claims; answers HTTP 404. A team page's address without the team
/// (`/rules`) is sent to the caller's team instead.
#[component]
pub fn NotFound() -> impl IntoView {
    if let Some(redirecting) = to_team(&use_location().pathname.get_untracked()) {
        return redirecting;
    }
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageHeader title="Page not found" description="The address does not match any page of this console." />
        <EmptyState
            icon=IconName::Alert
            title="Nothing lives here"
            body="The link may be out of date, or the page may have moved. Everything in Signalbox is reachable from the navigation on the left."
        >
            <A href="/" attr:class="btn btn-primary">
                "Go to the dashboard"
            </A>
        </EmptyState>
    }
    .into_any()
}
