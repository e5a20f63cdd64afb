//! The team a page works in, and the top bar's switcher between the caller's teams.
//!
//! A page that works in a team (rules, topics, pipelines, health, inboxes, the sandbox, OCI's
//! audit) lives under `/t/{team}/…`, so a link opens in the team it was copied from and the back
//! button returns to the team it left. Paths without a team (old bookmarks, `/rules`) are sent to
//! the caller's home team: the one they last chose with the switcher, else their first.
//!
//! Pages get their team from [`use_team`] and nowhere else: it checks the caller's membership and
//! role, and when there is no team to work in it says which page to show instead ([`NoTeam`]).
//! Going from `/t/1/rules` to `/t/2/rules` is, for the router, the same route with another
//! parameter: it would keep the first team's page, which read its team once. So nothing in the
//! console moves between teams inside one document: the switcher's links (and "Open in my team")
//! load a new page, and every history entry of another team belongs to another document, which the
//! back button loads anew.

use super::layout::{go_to, known_visitor, login_path, reload};
use super::{EmptyState, Icon, IconName, PageHeader, use_me};
use crate::api::ErrorCode;
use crate::api::auth::{Me, Role, TeamMembership, set_preferred_team};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The team the current page works in, and what the caller may do there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentTeam {
    /// Team id.
    pub id: i64,
    /// Team name.
    pub name: String,
    /// The caller's role in the team.
    pub role: Role,
    /// The session's CSRF token, for the page's changes.
    pub csrf: String,
    /// Every team of the caller's, this one included.
    teams: Vec<TeamMembership>,
}

impl CurrentTeam {
    /// Whether the caller may change what the team owns (operators and admins).
    pub fn can_change(&self) -> bool {
        self.role >= Role::Operator
    }

    /// The caller's other teams where they have at least `role` (say, to copy something into).
    pub fn others_where(&self, role: Role) -> Vec<TeamMembership> {
        self.teams.iter().filter(|t| t.team_id != self.id && t.role >= role).cloned().collect()
    }

    /// `path` (starting with `/`) inside this team: `/t/{id}{path}`.
    pub fn href(&self, path: &str) -> String {
        team_href(self.id, path)
    }
}

/// `path` (starting with `/`) inside team `team`: `/t/{team}{path}`.
pub fn team_href(team: i64, path: &str) -> String {
    format!("/t/{team}{path}")
}

/// Why a page has no team to work in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoTeam {
    /// Nobody is signed in (the frame is sending the visitor to the login page).
    SignedOut,
    /// The caller belongs to no team.
    NotInAnyTeam,
    /// The path names a team the caller is not (or no longer) a member of; the caller's home
    /// team, to offer instead.
    NotAMember { home: i64 },
}

impl NoTeam {
    /// The page to show instead: the page's own title and description over an empty state that
    /// says why and what to do.
    pub fn page(self, title: &'static str, description: &'static str, icon: IconName) -> AnyView {
        let body = match self {
            NoTeam::SignedOut => return ().into_any(),
            NoTeam::NotInAnyTeam => view! {
                <EmptyState
                    icon
                    title="You are not in a team yet"
                    body="Connections, pipelines and inboxes belong to teams. A site administrator adds you to a team."
                />
            }
            .into_any(),
            NoTeam::NotAMember { home } => {
                // Answered like a page that does not exist: a team's pages are not even
                // confirmed to outsiders.
                #[cfg(feature = "ssr")]
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(http::StatusCode::NOT_FOUND);
                }
                let section = use_location().pathname.get_untracked();
                let elsewhere = team_href(home, section_of(&section));
                view! {
                    <EmptyState
                        icon
                        title="You are not a member of this team"
                        body="This link belongs to a team you are not in, or no longer in. Ask one of its admins to add you, or open it in your own team."
                    >
                        <a class="btn btn-primary" href=elsewhere rel="external">
                            "Open in my team"
                        </a>
                    </EmptyState>
                }
                .into_any()
            }
        };
        view! {
            <PageHeader title description />
            {body}
        }
        .into_any()
    }
}

/// The team the current page works in: the one its path names (`/t/{team}/…`), else the caller's
/// home team.
pub fn use_team() -> Result<CurrentTeam, NoTeam> {
    let me = use_me().ok_or(NoTeam::SignedOut)?;
    // From the location, which the frame re-creates the page on, rather than the route's params.
    let path = use_location().pathname.get_untracked();
    let membership = match team_in_path(&path) {
        Some(named) => named.parse().ok().and_then(|id| me.membership(id)).ok_or_else(|| match me.home_team() {
            Some(home) => NoTeam::NotAMember { home: home.team_id },
            None => NoTeam::NotInAnyTeam,
        })?,
        None => me.home_team().ok_or(NoTeam::NotInAnyTeam)?,
    };
    Ok(CurrentTeam {
        id: membership.team_id,
        name: membership.team_name.clone(),
        role: membership.role,
        csrf: me.csrf_token.clone().unwrap_or_default(),
        teams: me.teams.clone(),
    })
}

/// Where an address without a team (`/rules?connection=2`, an old bookmark, a link from outside)
/// is sent: the same page and query in the caller's home team, replacing the address in the
/// history so that the back button skips it. `None` when the path is not a team page's; otherwise
/// the placeholder to show while the visitor is sent on.
///
/// These addresses have no routes of their own (twelve more routes cost the first page 20 KB of
/// WebAssembly): the router's fallback asks this first. The fallback renders outside the
/// signed-in frame, so it finds the caller the way the frame does; in the browser, where only the
/// frame knows the caller, it loads the address from the server, which answers the redirect.
pub fn to_team(path: &str) -> Option<AnyView> {
    team_section(path)?;
    let location = use_location();
    let search = location.search.get_untracked();
    let query = if search.is_empty() { String::new() } else { format!("?{search}") };
    match use_me().map(Ok).or_else(known_visitor) {
        Some(Ok(me)) => match me.home_team() {
            Some(home) => go_to(&format!("{}{query}", team_href(home.team_id, path))),
            None => go_to("/"),
        },
        Some(Err(error)) if error.code() == ErrorCode::Unauthenticated => {
            go_to(&login_path(path));
        }
        Some(Err(_)) => go_to("/"),
        None => reload(),
    }
    Some(view! { <p class="redirecting">"Opening your team…"</p> }.into_any())
}

/// The team section `path` belongs to when it is a team page's address without the team
/// (`/rules/…`, `/audit/cloud`).
fn team_section(path: &str) -> Option<&'static str> {
    if team_in_path(path).is_some() {
        return None;
    }
    SECTIONS.into_iter().find(|s| path == *s || path.starts_with(&format!("{s}/")))
}

/// `path`, a team page's address without the team, inside `me`'s home team; `None` for any other
/// address or a user in no team.
pub fn in_home_team(me: &Me, path: &str) -> Option<String> {
    team_section(path)?;
    me.home_team().map(|home| team_href(home.team_id, path))
}

/// The route `/audit/cloud` (which `/audit/:entry_id` would otherwise take): see [`to_team`].
#[component]
pub fn ToTeam() -> impl IntoView {
    to_team(&use_location().pathname.get_untracked())
}

/// The first part of every team page's address after `/t/{team}`.
const SECTIONS: [&str; 7] = ["/audit/cloud", "/pipelines", "/health", "/rules", "/topics", "/inboxes", "/sandbox"];

/// The team a path works in: `Some(id text)` for `/t/{id}/…`.
pub fn team_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/t/")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// The part of a path that names a page independently of the team: `/rules` for
/// `/t/2/rules/ocid1…` and for `/rules`; `/settings` for a team's settings. Deeper paths name one team's resources, which another
/// team does not have, so switching teams keeps only the section.
pub fn section_of(path: &str) -> &'static str {
    let inside = match team_in_path(path) {
        Some(team) => &path["/t/".len() + team.len()..],
        None => path,
    };
    SECTIONS
        .into_iter()
        .chain(["/settings"])
        .find(|s| inside == *s || inside.starts_with(&format!("{s}/")))
        .unwrap_or("/rules")
}

/// The team the console works in now, for links outside a team's pages (the navigation, the
/// dashboard): the path's team on a team page, else the one last chosen.
#[derive(Debug, Clone, Copy)]
pub struct WorkingTeam(pub Memo<Option<i64>>);

/// The team links outside a team's pages lead into (`None` outside any team).
pub fn use_working_team() -> Signal<Option<i64>> {
    let working = use_context::<WorkingTeam>();
    Signal::derive(move || working.and_then(|WorkingTeam(team)| team.get()))
}

/// The caller's membership of the working team (its id and name, their role there), for the
/// team-less pages that show one team's part (settings).
pub fn use_working_membership() -> Signal<Option<TeamMembership>> {
    let working = use_working_team();
    let me = StoredValue::new(use_me());
    Signal::derive(move || {
        let id = working.get()?;
        me.with_value(|me| me.as_ref()?.membership(id).cloned())
    })
}

/// Provides [`WorkingTeam`] for the signed-in frame and answers it with the signal the switcher
/// updates when the caller chooses another team.
pub fn provide_working_team(me: &Me) -> (WorkingTeam, RwSignal<Option<i64>>) {
    let chosen = RwSignal::new(me.home_team().map(|t| t.team_id));
    let location = use_location();
    let working = Memo::new(move |_| {
        let path = location.pathname.get();
        team_in_path(&path).and_then(|id| id.parse().ok()).or_else(|| chosen.get())
    });
    provide_context(WorkingTeam(working));
    (WorkingTeam(working), chosen)
}

/// The top bar's team switcher: the working team's name and the caller's role there; with more
/// than one team, a menu of them. Choosing one opens the same section in that team (on a team
/// page) and remembers it as the caller's home team.
#[component]
pub fn TeamSwitcher(me: Me, working: WorkingTeam, chosen: RwSignal<Option<i64>>) -> impl IntoView {
    let teams = StoredValue::new(me.teams.clone());
    let csrf = StoredValue::new(me.csrf_token.clone().unwrap_or_default());
    let current = move || {
        let id = working.0.get()?;
        teams.with_value(|teams| teams.iter().find(|t| t.team_id == id).cloned())
    };
    let menu = NodeRef::<leptos::html::Details>::new();
    let remember = Action::new(move |team: &i64| {
        let (team, csrf) = (*team, csrf.get_value());
        async move { set_preferred_team(team, &csrf).await }
    });
    let location = use_location();
    let on_team_page = move || team_in_path(&location.pathname.get()).is_some();
    // On a team's page, another team's is a new document: a page reads its team once, and the
    // router would keep it for the same route with another team in the address. The server
    // remembers the team when it serves the page. Elsewhere (dashboard, settings) the page stays
    // and follows the working team; the choice is remembered here.
    let href_for = move |team: i64| {
        let path = location.pathname.get();
        if team_in_path(&path).is_some() || path == "/settings" { team_href(team, section_of(&path)) } else { path }
    };
    let label = move |t: &TeamMembership| format!("{} · {}", t.team_name, t.role.as_str());
    if me.teams.len() < 2 {
        return view! {
            <div class="team-switcher single" data-testid="team-switcher">
                {move || current().map(|t| view! { <TeamLabel team=t /> })}
            </div>
        }
        .into_any();
    }
    view! {
        <details class="team-switcher" data-testid="team-switcher" node_ref=menu>
            <summary aria-label=move || current().map_or("Choose a team".to_owned(), |t| format!("Team: {}. Choose a team", label(&t)))>
                {move || current().map(|t| view! { <TeamLabel team=t /> })}
                <Icon name=IconName::ChevronDown />
            </summary>
            <div class="menu-panel team-menu">
                <p class="menu-caption">"Your teams"</p>
                <ul class="team-list">
                    {move || {
                        let working = working.0.get();
                        teams
                            .get_value()
                            .into_iter()
                            .map(|t| {
                                let id = t.team_id;
                                view! {
                                    <li>
                                        <a
                                            class="menu-item team-choice"
                                            href=move || href_for(id)
                                            rel=move || on_team_page().then_some("external")
                                            aria-current=(working == Some(id)).then_some("true")
                                            on:click=move |_| {
                                                if !on_team_page() {
                                                    chosen.set(Some(id));
                                                    remember.dispatch(id);
                                                }
                                                if let Some(menu) = menu.get_untracked() {
                                                    let _ = menu.remove_attribute("open");
                                                }
                                            }
                                        >
                                            <span class="team-choice-name">{t.team_name.clone()}</span>
                                            <span class="menu-role">{t.role.as_str()}</span>
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </details>
    }
    .into_any()
}

/// A team's name and the caller's role in it.
#[component]
fn TeamLabel(team: TeamMembership) -> impl IntoView {
    view! {
        <span class="team-current">
            <span class="picker-label">"Team"</span>
            <span class="team-name">{team.team_name}</span>
            <span class="menu-role">{team.role.as_str()}</span>
        </span>
    }
}
