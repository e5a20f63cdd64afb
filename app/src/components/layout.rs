use super::header_scope::ScopeSlot;
use super::team::{TeamSwitcher, provide_working_team};
use super::{ErrorPanel, HeaderScope, LoadingPanel, SideNav, UserMenu};
use crate::api::auth::{Me, get_me};
use crate::api::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos_router::components::Outlet;
use leptos_router::hooks::use_location;

/// Who is visiting, resolved by the server before a page renders (`GET /api/v1/auth/me` with the
/// visitor's cookie) and put in the request's extensions.
///
/// Why not a resource read in a `Transition` around the frame: every page creates its own
/// resources, and a resource created inside a boundary's children can leave the server's
/// response unfinished (the boundary re-runs its children to find resources, creating them anew;
/// leptos-rs/leptos#4866, #4851). Known before rendering, the caller needs no boundary, and pages
/// create their resources outside any.
#[derive(Debug, Clone)]
pub struct Visitor(pub Result<Me, ApiError>);

/// The signed-in frame around every page: navigation on the left, context header and user menu
/// on top, the page below.
///
/// It needs the caller. On the server and while hydrating it has it already ([`Visitor`], sent
/// to the browser with the page); after a client-side navigation into the frame (from the login
/// page) it loads it. Without a session it sends the visitor to the login page (an HTTP redirect
/// when rendering on the server), and a user who must choose a new password is sent to the
/// password page. The caller is provided as context ([`Me`]) to every page inside.
#[component]
pub fn Layout() -> impl IntoView {
    let collapsed = RwSignal::new(false);
    // Effects run only in the browser, so this flips once the WebAssembly has taken over the page.
    // Browser tests wait for it instead of guessing when hydration is done.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let known = SharedValue::new(known_visitor).into_inner();
    let skip = view! {
        <a class="skip-link" href="#content">
            "Skip to content"
        </a>
    };
    match known {
        Some(me) => view! {
            {skip}
            {frame_for(me, collapsed, hydrated, reload)}
        }
        .into_any(),
        None => {
            let me = LocalResource::new(get_me);
            view! {
                {skip}
                <Suspense fallback=|| view! { <LoadingPanel /> }>
                    {move || me.get().map(|me_now| frame_for(me_now, collapsed, hydrated, move || me.refetch()))}
                </Suspense>
            }
            .into_any()
        }
    }
}

/// The caller the server resolved for this request; in the browser, the one it sent while
/// hydrating, else `None`.
pub(super) fn known_visitor() -> Option<Result<Me, ApiError>> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Visitor>().map(|v| v.0.clone()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// Reloads the page (the caller could not be loaded on the server).
pub(super) fn reload() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().reload();
    }
}

/// The frame for the caller, or where they must go instead.
fn frame_for(
    me: Result<Me, ApiError>,
    collapsed: RwSignal<bool>,
    hydrated: RwSignal<bool>,
    retry: impl Fn() + Send + Sync + 'static,
) -> AnyView {
    let path = use_location().pathname.get_untracked();
    match me {
        Ok(me) => {
            if me.must_change_password && path != "/account/password" {
                go_to("/account/password");
            }
            provide_context(me.clone());
            view! { <Frame me collapsed hydrated /> }.into_any()
        }
        Err(error) if error.code() == ErrorCode::Unauthenticated => {
            go_to(&login_path(&path));
            view! { <p class="redirecting">"Signing you in…"</p> }.into_any()
        }
        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
    }
}
/// Navigation, header with the user menu, and the page.
#[component]
fn Frame(me: Me, collapsed: RwSignal<bool>, hydrated: RwSignal<bool>) -> impl IntoView {
    let scope = ScopeSlot::new();
    provide_context(scope);
    let (working, chosen) = provide_working_team(&me);
    view! {
        <div class="app-frame" class:nav-collapsed=move || collapsed.get() data-hydrated=move || hydrated.get().to_string()>
            <SideNav collapsed />
            <div class="main-column">
                <header class="top-bar">
                    <TeamSwitcher me=me.clone() working chosen />
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
pub(super) fn login_path(path: &str) -> String {
    if path == "/" || path.is_empty() { "/login".to_owned() } else { format!("/login?next={path}") }
}

/// Sends the visitor to `path`: an HTTP redirect while rendering on the server, a client-side
/// navigation in the browser that replaces the current entry of the history (the back button
/// should not return to an address that only redirects).
pub(super) fn go_to(path: &str) {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    {
        let navigate = leptos_router::hooks::use_navigate();
        let path = path.to_owned();
        let options = leptos_router::NavigateOptions { replace: true, ..Default::default() };
        request_animation_frame(move || navigate(&path, options));
    }
}

/// The signed-in caller, for pages inside the frame.
pub fn use_me() -> Option<Me> {
    use_context::<Me>()
}
