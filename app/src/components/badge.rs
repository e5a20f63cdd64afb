use leptos::prelude::*;

/// Colour family of a [`Badge`]; the text always carries the meaning too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Healthy, active, enabled.
    Ok,
    /// Pending, creating, needs attention soon.
    Warn,
    /// Failed, deleted, broken.
    Bad,
    /// Disabled or not applicable.
    Muted,
    /// Drifted from its template.
    Drift,
}

impl Tone {
    /// The tone of an OCI lifecycle state, following the console's conventions.
    pub fn of_state(state: &str) -> Self {
        match state {
            "ACTIVE" | "ENABLED" | "SUCCEEDED" => Tone::Ok,
            "PENDING" | "CREATING" | "UPDATING" | "IN_PROGRESS" => Tone::Warn,
            "FAILED" | "DELETED" | "DELETING" => Tone::Bad,
            "DRIFTED" => Tone::Drift,
            _ => Tone::Muted,
        }
    }

    fn class(self) -> &'static str {
        match self {
            Tone::Ok => "badge badge-ok",
            Tone::Warn => "badge badge-warn",
            Tone::Bad => "badge badge-bad",
            Tone::Muted => "badge badge-muted",
            Tone::Drift => "badge badge-drift",
        }
    }
}

/// A state label: text plus colour, never colour alone.
#[component]
pub fn Badge(tone: Tone, #[prop(into)] label: String) -> impl IntoView {
    view! { <span class=tone.class()>{label}</span> }
}
