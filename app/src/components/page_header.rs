use leptos::prelude::*;
use leptos_meta::Title;

/// Page title, its one-line description, and the page's primary actions on the right.
#[component]
pub fn PageHeader(
    /// The page title; also the document title.
    #[prop(into)]
    title: String,
    /// One line saying what the page is for.
    #[prop(into)]
    description: String,
    /// Primary actions.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <Title text=title.clone() />
        <header class="page-header">
            <div>
                <h1>{title}</h1>
                <p class="page-description">{description}</p>
            </div>
            {children.map(|c| view! { <div class="page-actions">{c()}</div> })}
        </header>
    }
}
