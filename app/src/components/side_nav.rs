use super::{Icon, IconName, ScopeSlot, team_href, use_working_team};
use leptos::prelude::*;
use leptos_router::components::A;

/// Where a link leads.
#[derive(Clone, Copy, PartialEq)]
enum Reach {
    /// The same page for every team.
    Everywhere,
    /// The working team's page.
    Team,
    /// The working team's page, in the connection and compartment the last scoped page worked in.
    TeamPlace,
}

/// Path, label, icon, and where the link leads.
const ITEMS: [(&str, &str, IconName, Reach); 10] = [
    ("/", "Dashboard", IconName::Dashboard, Reach::Everywhere),
    ("/pipelines", "Pipelines", IconName::Pipelines, Reach::Team),
    ("/health", "Health", IconName::Health, Reach::Team),
    ("/compliance", "Compliance", IconName::Compliance, Reach::Team),
    ("/rules", "Rules", IconName::Rules, Reach::TeamPlace),
    ("/topics", "Topics", IconName::Topics, Reach::TeamPlace),
    ("/inboxes", "Inboxes", IconName::Inbox, Reach::Team),
    ("/audit", "Audit", IconName::Audit, Reach::Everywhere),
    ("/sandbox", "Sandbox", IconName::Sandbox, Reach::Team),
    ("/settings", "Settings", IconName::Settings, Reach::Everywhere),
];

/// The left navigation; collapses to icons only (the labels stay available to screen readers and
/// as tooltips).
#[component]
pub fn SideNav(collapsed: RwSignal<bool>) -> impl IntoView {
    let working = use_working_team();
    let place = use_context::<ScopeSlot>();
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
                        .map(|(path, label, icon, reach)| {
                            let href = move || match working.get() {
                                Some(team) if reach == Reach::TeamPlace => {
                                    let query = place.map(|p| p.query()).unwrap_or_default();
                                    team_href(team, &format!("{path}{query}"))
                                }
                                Some(team) if reach == Reach::Team => team_href(team, path),
                                _ => path.to_owned(),
                            };
                            view! {
                                <li>
                                    <A href=href exact=path == "/" attr:title=label>
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
