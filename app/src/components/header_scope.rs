//! The header's "where am I working": the connection (with its region) and the compartment the
//! current page works in.
//!
//! Pages that work in one connection and compartment (topics, rules, a topic, a rule) choose them
//! with their own pickers, kept in the URL; they report the choice with [`show_scope`] and the
//! header repeats it, so it stays in view while scrolling. Pages that work across everything show
//! nothing there. A report is tied to the path it was made on, so a page that reports nothing
//! never shows the previous page's choice. The last report also outlives its page: the side
//! navigation's links to the other scoped pages carry it ([`ScopeSlot::query`]), so going from
//! Topics to Rules keeps the connection and compartment instead of falling back to the first.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// Where one page works.
#[derive(Debug, Clone, PartialEq)]
struct WorkingScope {
    path: String,
    place: Place,
    connection: String,
    compartment: String,
}

/// A connection and a compartment, as the scoped pages' URLs name them.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The connection's id.
    pub connection: i64,
    /// The compartment's OCID.
    pub compartment: String,
}

/// The header's slot for the current page's scope, provided by the signed-in frame.
#[derive(Debug, Clone, Copy)]
pub struct ScopeSlot(RwSignal<Option<WorkingScope>>);

impl ScopeSlot {
    /// A new, empty slot, to provide as context.
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    /// The query (`?connection=..&compartment=..`) that opens a scoped page where the last one
    /// worked; empty before any page has reported.
    pub fn query(&self) -> String {
        self.0.with(|scope| {
            scope.as_ref().map_or_else(String::new, |s| {
                format!(
                    "?connection={}&compartment={}",
                    s.place.connection,
                    crate::api::urlencoding(&s.place.compartment)
                )
            })
        })
    }
}

impl Default for ScopeSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// Tells the header where the current page works: the place, and how to name it (the
/// connection as `name (region)` and the compartment's path).
pub fn show_scope(place: Place, connection: String, compartment: String) {
    if let Some(ScopeSlot(slot)) = use_context::<ScopeSlot>() {
        let path = use_location().pathname.get_untracked();
        slot.set(Some(WorkingScope { path, place, connection, compartment }));
    }
}

/// The header's display of the current page's connection and compartment; hidden on pages that
/// work across everything.
#[component]
pub fn HeaderScope(scope: ScopeSlot) -> impl IntoView {
    let location = use_location();
    let here = move || scope.0.get().filter(|s| s.path == location.pathname.get());
    let hidden = move || here().is_none();
    view! {
        <div class="picker" class:hidden=hidden title="Chosen with the pickers on this page">
            <span class="picker-label">"Connection"</span>
            <span class="picker-value">{move || here().map(|s| s.connection)}</span>
        </div>
        <div class="picker" class:hidden=hidden title="Chosen with the pickers on this page">
            <span class="picker-label">"Compartment"</span>
            <span class="picker-value">{move || here().map(|s| s.compartment)}</span>
        </div>
    }
}
