use super::header_scope::ScopeSlot;
use super::{ErrorPanel, HeaderScope, LoadingPanel, SideNav, UserMenu};
use crate::api::ErrorCode;
use crate::api::auth::{Me, get_me};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

/// The signed-in frame around every page: navigation on the left, context header and user menu
/// on top, the page below.
///
/// It loads the caller first. Without a session it sends the visitor to the login page (an HTTP
/// redirect when rendering on the server), and a user who must choose a new password is sent to
/// the password page. The caller is provided as context ([`Me`]) to every page inside.
#[component]
pub fn Layout() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    let location = use_location();
    let collapsed = RwSignal::new(false);
    // Effects run only in the browser, so this flips once the WebAssembly has taken over the page.
    // Browser tests wait for it instead of guessing when hydration is done.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <a class="skip-link" href="#content">
            "Skip to content"
        </a>
        <Transition fallback=|| view! { <LoadingPanel /> }>
            {move || {
                me.get()
                    .map(|result| match result {
                        Ok(me) => {
                            let path = location.pathname.get_untracked();
                            if me.must_change_password && path != "/account/password" {
                                go_to("/account/password");
                            }
                            provide_context(me.clone());
                            view! { <Frame me collapsed hydrated /> }.into_any()
                        }
                        Err(error) if error.code() == ErrorCode::Unauthenticated => {
                            let path = location.pathname.get_untracked();
                            go_to(&login_path(&path));
                            view! { <p class="redirecting">"Signing you in…"</p> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error retry=move || me.refetch() /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

/// Navigation, header with the user menu, and the page.
#[component]
fn Frame(me: Me, collapsed: RwSignal<bool>, hydrated: RwSignal<bool>) -> impl IntoView {
    let scope = ScopeSlot::new();
    provide_context(scope);
    view! {
        <div class="app-frame" class:nav-collapsed=move || collapsed.get() data-hydrated=move || hydrated.get().to_string()>
            <SideNav collapsed />
            <div class="main-column">
                <header class="top-bar">
                    <HeaderScope scope />
                    <div class="top-bar-spacer"></div>
                    {view! { <UserMenu me /> }.into_any()}
                </header>
                <main id="content" class="content" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

/// `/login`, remembering where the visitor was going.
fn login_path(path: &str) -> String {
    if path == "/" || path.is_empty() { "/login".to_owned() } else { format!("/login?next={path}") }
}

/// Sends the visitor to `path`: an HTTP redirect while rendering on the server, a client-side
/// navigation in the browser.
fn go_to(path: &str) {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    {
        let navigate = leptos_router::hooks::use_navigate();
        let path = path.to_owned();
        request_animation_frame(move || navigate(&path, Default::default()));
    }
}

/// The signed-in caller, for pages inside the frame.
pub fn use_me() -> Option<Me> {
    use_context::<Me>()
}
