//! Signalbox's user interface and everything the browser and the server share.
//!
//! The crate compiles twice: natively with `ssr` (linked into the server, which renders pages) and
//! to WebAssembly with `hydrate` (the browser takes over the server-rendered HTML). Code here does
//! no I/O of its own except through the typed API client in [`api`], which calls `/api/v1`
//! in-process during server rendering and over `fetch` in the browser.

// Leptos view types nest deeply; the release (non-erased) build of the frame needs more room.
#![recursion_limit = "256"]

pub mod api;
pub mod catalogue;
pub mod components;
pub mod condition;
pub mod export;
pub mod format;
pub mod pages;
mod shell;

pub use shell::{App, shell};

/// Entry point of the WebAssembly build: attaches the UI to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // hydrate_lazy waits for the lazy routes' chunks before hydrating them.
    leptos::mount::hydrate_lazy(App);
}
