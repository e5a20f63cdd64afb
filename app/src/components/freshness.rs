use super::{Icon, IconName, Timestamp};
use crate::api::inventory::Freshness;
use crate::format;
use leptos::prelude::*;

/// How fresh a list read from the inventory is ("Synced 12 s ago"), "Live" when changes made
/// elsewhere arrive through Events, what went wrong when the last sync failed, and a Refresh
/// button that re-reads OCI now.
#[component]
pub fn FreshnessBar(
    /// What the list said about itself.
    freshness: Freshness,
    /// Re-reads now.
    on_refresh: Callback<()>,
    /// Whether a refresh is running.
    #[prop(into)]
    pending: Signal<bool>,
    /// What is shown ("list", "rule", "topic"), for the warning when the last sync failed.
    #[prop(default = "list")]
    what: &'static str,
) -> impl IntoView {
    let now = freshness.answered_at;
    let synced = match freshness.synced_at {
        Some(at) => view! { "Synced " <Timestamp at now /> }.into_any(),
        None => view! { "Not synced yet" }.into_any(),
    };
    let failure = freshness.error.clone().map(|error| {
        let when = freshness.failed_at.map(|at| format::relative(at, now)).unwrap_or_default();
        view! {
            <p class="freshness-failed" role="alert">
                <Icon name=IconName::Alert />
                <span>
                    <strong>{format!("The last sync failed {when}; this {what} may be out of date. ")}</strong>
                    {error}
                </span>
            </p>
        }
    });
    let refreshing = freshness.refreshing;
    let live = freshness.heard_at.map(|at| {
        let title = format!(
            "Changes made elsewhere arrive here through OCI Events, delivered to an inbox; the last one {}.",
            format::relative(at, now)
        );
        view! { <span class="badge badge-ok freshness-live" title=title>"Live"</span> }
    });
    view! {
        <div class="freshness" class:freshness-stale=freshness.failed()>
            {live}
            <span class="freshness-age">
                {synced}
                {refreshing.then_some(" · refreshing in the background")}
            </span>
            <button
                type="button"
                class="btn btn-small"
                title="Read this compartment from OCI again now"
                disabled=move || pending.get()
                on:click=move |_| on_refresh.run(())
            >
                {move || if pending.get() { "Refreshing…" } else { "Refresh" }}
            </button>
        </div>
        {failure}
    }
}
