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
pub mod compliance;
pub mod components;
pub mod condition;
pub mod export;
pub mod format;
pub mod model;
pub mod pages;
mod shell;
pub mod template;

pub use shell::{App, AssetRoot, shell};

/// Entry point of the WebAssembly build: attaches the UI to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // hydrate_lazy waits for the lazy routes' chunks before hydrating them.
    leptos::mount::hydrate_lazy(App);
}

/// Spare room in the WebAssembly's read-only data, for the code splitter.
///
/// `cargo leptos build --split` (wasm_split_cli_support 0.2) re-lays the data segment out module
/// by module: each lazily loaded module's constants move into that module, aligned and padded per
/// module. When the new layout is longer than the linker's segment, even by a few bytes, the
/// splitter gives up and leaves *all* constants in the main module, which last cost the first page
/// 44 KB gzip (the audit pages brought the module count to 130 and the overflow to 437 bytes).
/// Nothing refers to this array, so the splitter places it in no module and it never ships; the
/// linker keeps it (`#[used]`), so the segment it measures against is this much longer. The size
/// report (`.ci/size-report`) fails if the constants fall back into the main module again.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_DATA_SLACK: [u8; 16 * 1024] = [0xA5; 16 * 1024];
