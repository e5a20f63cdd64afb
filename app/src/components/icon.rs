use leptos::prelude::*;

/// The icons the console uses: simple 24×24 stroke drawings, inlined so nothing loads from a CDN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconName {
    Dashboard,
    Pipelines,
    Rules,
    Topics,
    Audit,
    Sandbox,
    Inbox,
    Health,
    Compliance,
    Settings,
    ChevronDown,
    Collapse,
    Alert,
    Refresh,
    Database,
    Instance,
    Key,
    Users,
}

impl IconName {
    fn path(self) -> &'static str {
        match self {
            IconName::Dashboard => "M3 3h7v9H3z M14 3h7v5h-7z M14 12h7v9h-7z M3 16h7v5H3z",
            IconName::Pipelines => {
                "M3 6a3 3 0 1 0 6 0a3 3 0 1 0-6 0 M15 18a3 3 0 1 0 6 0a3 3 0 1 0-6 0 M6 9v3a3 3 0 0 0 3 3h6 M9 6h6a3 3 0 0 1 3 3v6"
            }
            IconName::Rules => "M3 4h18l-7 8v6l-4 2v-8z",
            IconName::Compliance => "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10 M9 12l2 2 4-4",
            IconName::Topics => "M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9 M10.3 21a1.94 1.94 0 0 0 3.4 0",
            IconName::Audit => "M9 11l3 3L22 4 M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11",
            IconName::Sandbox => "M21 8l-9-5-9 5v8l9 5 9-5z M3 8l9 5 9-5 M12 13v8",
            IconName::Inbox => {
                "M22 12h-6l-2 3h-4l-2-3H2 M5.5 5.1L2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1z"
            }
            IconName::Health => "M22 12h-4l-3 9L9 3l-3 9H2",
            IconName::Settings => "M4 21v-7 M4 10V3 M12 21v-9 M12 8V3 M20 21v-5 M20 12V3 M1 14h6 M9 8h6 M17 16h6",
            IconName::ChevronDown => "M6 9l6 6 6-6",
            IconName::Collapse => "M11 17l-5-5 5-5 M18 17l-5-5 5-5",
            IconName::Alert => {
                "M12 9v4 M12 17h.01 M10.29 3.86L1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2 0 0 0-3.42 0z"
            }
            IconName::Refresh => {
                "M23 4v6h-6 M1 20v-6h6 M3.51 9a9 9 0 0 1 14.85-3.36L23 10 M1 14l4.64 4.36A9 9 0 0 0 20.49 15"
            }
            IconName::Database => "M3 5a9 3 0 1 0 18 0a9 3 0 1 0-18 0 M3 5v14a9 3 0 0 0 18 0V5 M3 12a9 3 0 0 0 18 0",
            IconName::Instance => "M2 3h20v7H2z M2 14h20v7H2z M6 6.5h.01 M6 17.5h.01",
            IconName::Key => {
                "M11.4 12.6a5.5 5.5 0 1 1-7.78 7.78 5.5 5.5 0 0 1 7.78-7.78z M11.4 12.6L21 3 M17 7l3 3 M14.5 9.5l2 2"
            }
            IconName::Users => {
                "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2 M13 7a4 4 0 1 1-8 0 4 4 0 0 1 8 0 M22 21v-2a4 4 0 0 0-3-3.87 M16 3.13a4 4 0 0 1 0 7.75"
            }
        }
    }
}

/// An inline SVG icon, hidden from assistive technology (the text next to it says the same).
#[component]
pub fn Icon(name: IconName) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            <path d=name.path() />
        </svg>
    }
}
