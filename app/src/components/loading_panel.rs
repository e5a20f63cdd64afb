use leptos::prelude::*;

/// Skeleton shown while data loads for the first time (rare: pages render with their data).
#[component]
pub fn LoadingPanel() -> impl IntoView {
    view! {
        <div class="panel loading-panel" aria-busy="true" aria-live="polite">
            <span class="visually-hidden">"Loading…"</span>
            <div class="skeleton skeleton-title"></div>
            <div class="skeleton"></div>
            <div class="skeleton skeleton-short"></div>
        </div>
    }
}
