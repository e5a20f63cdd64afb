use super::{Icon, IconName};
use leptos::prelude::*;
use leptos_router::components::A;

const ITEMS: [(&str, &str, IconName); 9] = [
    ("/", "Dashboard", IconName::Dashboard),
    ("/pipelines", "Pipelines", IconName::Pipelines),
    ("/health", "Health", IconName::Health),
    ("/rules", "Rules", IconName::Rules),
    ("/topics", "Topics", IconName::Topics),
    ("/inboxes", "Inboxes", IconName::Inbox),
    ("/audit", "Audit", IconName::Audit),
    ("/sandbox", "Sandbox", IconName::Sandbox),
    ("/settings", "Settings", IconName::Settings),
];

/// The left navigation; collapses to icons only (the labels stay available to screen readers and
/// as tooltips).
#[component]
pub fn SideNav(collapsed: RwSignal<bool>) -> impl IntoView {
    view! {
        <aside class="side-nav">
            <a class="brand" href="/" aria-label="Signalbox home">
                <svg class="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <rect x="2" y="2" width="20" height="20" rx="5" />
                    <path d="M7 15.5a5 5 0 0 1 10 0 M9.75 15.5a2.25 2.25 0 0 1 4.5 0" />
                    <circle cx="12" cy="15.5" r="1" />
                </svg>
                <span class="brand-name nav-label">"Signalbox"</span>
            </a>
            <nav aria-label="Main">
                <ul>
                    {ITEMS
                        .into_iter()
                        .map(|(href, label, icon)| {
                            view! {
                                <li>
                                    <A href=href exact=href == "/" attr:title=label>
                                        <Icon name=icon />
                                        <span class="nav-label">{label}</span>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <button
                type="button"
                class="nav-toggle"
                aria-expanded=move || (!collapsed.get()).to_string()
                aria-label=move || if collapsed.get() { "Expand navigation" } else { "Collapse navigation" }
                on:click=move |_| collapsed.update(|c| *c = !*c)
            >
                <Icon name=IconName::Collapse />
                <span class="nav-label">"Collapse"</span>
            </button>
        </aside>
    }
}
