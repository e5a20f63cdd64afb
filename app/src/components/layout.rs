use super::{ContextPicker, SideNav};
use leptos::prelude::*;

/// The frame around every page: navigation on the left, context header on top, content below.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let collapsed = RwSignal::new(false);
    // Effects run only in the browser, so this flips once the WebAssembly has taken over the page.
    // Browser tests wait for it instead of guessing when hydration is done.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <a class="skip-link" href="#content">
            "Skip to content"
        </a>
        <div
            class="app-frame"
            class:nav-collapsed=move || collapsed.get()
            data-hydrated=move || hydrated.get().to_string()
        >
            <SideNav collapsed />
            <div class="main-column">
                <header class="top-bar">
                    <ContextPicker
                        label="Connection"
                        value="Built-in sandbox"
                        reason="Only the built-in sandbox connection exists until connections can be added in Settings."
                    />
                    <ContextPicker
                        label="Compartment"
                        value="All compartments"
                        reason="Compartments are listed once a connection is active."
                    />
                </header>
                <main id="content" class="content" tabindex="-1">
                    {children()}
                </main>
            </div>
        </div>
    }
}
