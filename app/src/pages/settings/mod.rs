//! Settings: the members of your teams, your API tokens, and (for site administrators) accounts
//! and teams.
//!
//! What a section offers follows the caller's role: a viewer sees the members of their teams but
//! no control that changes them; the server refuses those calls anyway (the access policy), so
//! hiding them is about clarity, not protection.

mod connections;
mod members;
mod tokens;
mod users;

use crate::api::ApiError;
use crate::api::auth::Role;
use crate::components::{IconName, PageHeader, team_in_path, use_me, use_team, use_working_membership};
use leptos::prelude::*;
use leptos_router::hooks::use_location;
use leptos_router::{LazyRoute, lazy_route};

/// The settings page as a lazily loaded route: its code is a separate WASM chunk, fetched when the
/// page is first visited, so it does not weigh on the first page.
pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <Settings /> }.into_any()
    }
}

/// The settings page.
const DESCRIPTION: &str =
    "Who is in your teams and with which role, how the team reaches OCI, and the API tokens you use for automation.";

#[component]
fn Settings() -> impl IntoView {
    let Some(me) = use_me() else {
        return ().into_any();
    };
    // `/t/{team}/settings` is that team's (a link to share); `/settings`, the working team's.
    if team_in_path(&use_location().pathname.get_untracked()).is_some()
        && let Err(missing) = use_team()
    {
        return missing.page("Settings", DESCRIPTION, IconName::Settings);
    }
    let site_admin = me.is_site_admin;
    let csrf = me.csrf_token.clone().unwrap_or_default();
    // The team the page shows, shared by its sections: the one chosen with the top bar's switcher.
    let working = use_working_membership();
    let selected = Signal::derive(move || working.get().map(|t| t.team_id));
    let role = Signal::derive(move || working.get().map(|t| t.role));
    view! {
        <PageHeader
            title="Settings"
            description=DESCRIPTION
        />
        <members::TeamMembers me=me.clone() working />
        <connections::Connections team=selected role csrf=StoredValue::new(csrf.clone()) />
        <tokens::ApiTokens me=me.clone() />
        {site_admin
            .then(|| {
                view! {
                    <users::Accounts me />
                    <members::CreateTeam csrf />
                }
            })}
    }
    .into_any()
}

/// `<option>`s for the roles up to `highest`, with `selected` preselected.
fn role_options(highest: Role, selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .filter(move |role| *role <= highest)
        .map(move |role| view! { <option value=role.as_str() selected=role == selected>{role.as_str()}</option> })
        .collect_view()
}

/// The error of an action's last run, if it failed.
fn failure<I: 'static, T: Send + Sync + Clone + 'static>(
    action: Action<I, Result<T, ApiError>>,
) -> Signal<Option<ApiError>> {
    Signal::derive(move || action.value().get().and_then(Result::err))
}
