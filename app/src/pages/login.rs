use crate::api::auth::{LoginRequest, login};
use crate::components::in_home_team;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The sign-in page, part of the main module: it is the first page of every new visitor, and
/// loading it as a lazy chunk cost more (a chunk and its shared chunks, compressed apart) than it
/// saved the dashboard. After signing in it returns to the page the visitor wanted (`?next=`, only
/// paths on this site), or to the password page when a new password must be chosen first.
#[component]
pub fn Login() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let query = use_query_map();
    let navigate = use_navigate();
    let submit = Action::new(|request: &LoginRequest| {
        let request = request.clone();
        async move { login(&request).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(me)) = submit.value().get() {
            let next = query
                .get_untracked()
                .get("next")
                .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'));
            let target = if me.must_change_password {
                "/account/password".to_owned()
            } else {
                // A team page named without its team opens in the user's home team at once,
                // rather than through the redirect (a second full page load).
                next.map(|next| in_home_team(&me, &next).unwrap_or(next)).unwrap_or_else(|| "/".into())
            };
            navigate(&target, Default::default());
        }
    });
    let error = move || submit.value().get().and_then(|result| result.err()).map(|e| e.body.message);
    let pending = submit.pending();
    // Turns true once this page's code runs in the browser (see `PageHeader`).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title text="Sign in · Signalbox" />
        <main class="login-page">
            <form
                class="login-card"
                data-hydrated=move || hydrated.get().to_string()
                on:submit=move |event| {
                    event.prevent_default();
                    submit.dispatch(LoginRequest { username: username.get_untracked(), password: password.get_untracked() });
                }
            >
                <div class="login-brand">
                    <svg class="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <rect x="2" y="2" width="20" height="20" rx="5" />
                        <path d="M7 15.5a5 5 0 0 1 10 0 M9.75 15.5a2.25 2.25 0 0 1 4.5 0" />
                        <circle cx="12" cy="15.5" r="1" />
                    </svg>
                    <span>"Signalbox"</span>
                </div>
                <h1>"Sign in"</h1>
                <p class="login-lead">"Event pipelines on Oracle Cloud Infrastructure, reviewed and audited."</p>
                <label class="field">
                    <span class="field-label">"Username"</span>
                    <input
                        type="text"
                        name="username"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        required
                        autofocus
                        prop:value=move || username.get()
                        on:input=move |event| username.set(event_target_value(&event))
                    />
                </label>
                <label class="field">
                    <span class="field-label">"Password"</span>
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        prop:value=move || password.get()
                        on:input=move |event| password.set(event_target_value(&event))
                    />
                </label>
                <div class="form-error" role="alert" aria-live="assertive">
                    {error}
                </div>
                <button type="submit" class="btn btn-primary btn-block" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
