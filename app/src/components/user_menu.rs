use super::{Icon, IconName};
use crate::api::auth::{Me, logout, logout_everywhere};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The signed-in user's menu: who, password, and logging out (teams are the switcher's).
///
/// A `<details>` element: it opens and closes with the keyboard and without JavaScript.
#[component]
pub fn UserMenu(me: Me) -> impl IntoView {
    let csrf = me.csrf_token.clone().unwrap_or_default();
    let navigate = use_navigate();
    let leave = Action::new(move |everywhere: &bool| {
        let csrf = csrf.clone();
        let everywhere = *everywhere;
        async move { if everywhere { logout_everywhere(&csrf).await } else { logout(&csrf).await } }
    });
    Effect::new(move |_| {
        if leave.value().get().is_some_and(|result| result.is_ok()) {
            navigate("/login", Default::default());
        }
    });
    let initial = me.username.chars().next().map(|c| c.to_ascii_uppercase()).unwrap_or('?');
    view! {
        <details class="user-menu">
            <summary aria-label=format!("Account menu for {}", me.username)>
                <span class="avatar" aria-hidden="true">
                    {initial.to_string()}
                </span>
                <span class="user-name">{me.username.clone()}</span>
                <Icon name=IconName::ChevronDown />
            </summary>
            <div class="menu-panel">
                <div class="menu-header">
                    <strong>{if me.display_name.is_empty() { me.username.clone() } else { me.display_name.clone() }}</strong>
                    <span class="menu-caption">{me.username.clone()}</span>
                </div>
                <a class="menu-item" href="/account/password">
                    "Change password"
                </a>
                <button type="button" class="menu-item" on:click=move |_| { leave.dispatch(true); }>
                    "Log out everywhere"
                </button>
                <button type="button" class="menu-item" on:click=move |_| { leave.dispatch(false); }>
                    "Log out"
                </button>
                {move || {
                    leave
                        .value()
                        .get()
                        .and_then(|result| result.err())
                        .map(|error| view! { <p class="menu-error" role="alert">{error.body.message}</p> })
                }}
            </div>
        </details>
    }
}
