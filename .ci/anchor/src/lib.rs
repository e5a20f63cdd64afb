//! The Leptos runtime and router with one page and one button: the size every Leptos app pays.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[component]
fn Home() -> impl IntoView {
    let count = RwSignal::new(0);
    view! {
        <Title text="Anchor" />
        <button on:click=move |_| count.update(|n| *n += 1)>{move || count.get()}</button>
    }
}

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| "not found">
                <Route path=path!("/") view=Home />
            </Routes>
        </Router>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
