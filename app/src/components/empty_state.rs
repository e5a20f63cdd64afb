use super::{Icon, IconName};
use leptos::prelude::*;

/// What a page shows when it has nothing to list: what the page is for and what to do first.
#[component]
pub fn EmptyState(
    /// Icon above the title.
    icon: IconName,
    /// One short line.
    #[prop(into)]
    title: String,
    /// Two or three sentences at most.
    #[prop(into)]
    body: String,
    /// Optional first action (a link or button).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty-state">
            <div class="empty-icon">
                <Icon name=icon />
            </div>
            <h2>{title}</h2>
            <p>{body}</p>
            {children.map(|c| view! { <div class="empty-actions">{c()}</div> })}
        </div>
    }
}
