use leptos::prelude::*;
use leptos_meta::Title;

/// Page title, its one-line description, and the page's primary actions on the right.
///
/// Its `data-hydrated` attribute turns `true` once the page's own code runs in the browser. Pages
/// loaded lazily hydrate after the frame around them, so this, not the frame's flag, says that a
/// page's controls respond.
///
/// The document title is written out in full here rather than by a formatter in the frame: the
/// frame hydrates before a lazy page does, and a formatter with no page title yet would blank the
/// document's title until the page's chunk arrives.
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
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title text=format!("{title} · Signalbox") />
        <header class="page-header" data-hydrated=move || hydrated.get().to_string()>
            <div>
                <h1>{title}</h1>
                <p class="page-description">{description}</p>
            </div>
            {children.map(|c| view! { <div class="page-actions">{c()}</div> })}
        </header>
    }
}
