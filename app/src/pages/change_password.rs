use crate::api::auth::{ChangePasswordRequest, change_password};
use crate::components::{PageHeader, use_me};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// Shortest password the server accepts (checked here too, to say so before sending).
const MIN_LENGTH: usize = 12;

/// The password page, loaded lazily: most visits never need it.
pub struct ChangePasswordRoute;

#[lazy_route]
impl LazyRoute for ChangePasswordRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ChangePassword /> }.into_any()
    }
}

/// Choosing a new password (required after a one-time or reset password).
#[component]
fn ChangePassword() -> impl IntoView {
    let me = use_me();
    let csrf = me.as_ref().and_then(|m| m.csrf_token.clone()).unwrap_or_default();
    let forced = me.as_ref().is_some_and(|m| m.must_change_password);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);
    let submit = Action::new(move |request: &ChangePasswordRequest| {
        let (request, csrf) = (request.clone(), csrf.clone());
        async move { change_password(&request, &csrf).await }
    });
    let done = move || submit.value().get().is_some_and(|r| r.is_ok());
    let server_error = move || submit.value().get().and_then(|r| r.err());
    let pending = submit.pending();

    view! {
        <PageHeader
            title="Change password"
            description="At least 12 characters. Your other sessions end when it changes; this one continues."
        />
        {forced.then(|| view! { <p class="notice">"Choose a new password before you continue: the current one was set for you."</p> })}
        <form
            class="panel form-panel"
            on:submit=move |event| {
                event.prevent_default();
                local_error.set(None);
                let (now, next, again) = (current.get_untracked(), new.get_untracked(), confirm.get_untracked());
                if next.chars().count() < MIN_LENGTH {
                    local_error.set(Some(format!("The new password must be at least {MIN_LENGTH} characters long.")));
                } else if next != again {
                    local_error.set(Some("The two new passwords differ.".into()));
                } else {
                    submit.dispatch(ChangePasswordRequest { current_password: now, new_password: next });
                }
            }
        >
            <label class="field">
                <span class="field-label">"Current password"</span>
                <input
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=move || current.get()
                    on:input=move |e| current.set(event_target_value(&e))
                />
                {move || {
                    server_error()
                        .filter(|e| e.body.field.as_deref() == Some("current_password"))
                        .map(|e| view! { <span class="field-error">{e.body.message}</span> })
                }}
            </label>
            <label class="field">
                <span class="field-label">"New password"</span>
                <input
                    type="password"
                    autocomplete="new-password"
                    required
                    minlength=MIN_LENGTH
                    prop:value=move || new.get()
                    on:input=move |e| new.set(event_target_value(&e))
                />
                {move || {
                    server_error()
                        .filter(|e| e.body.field.as_deref() == Some("new_password"))
                        .map(|e| view! { <span class="field-error">{e.body.message}</span> })
                }}
            </label>
            <label class="field">
                <span class="field-label">"New password again"</span>
                <input
                    type="password"
                    autocomplete="new-password"
                    required
                    prop:value=move || confirm.get()
                    on:input=move |e| confirm.set(event_target_value(&e))
                />
            </label>
            <div class="form-error" role="alert" aria-live="assertive">
                {move || local_error.get()}
                {move || server_error().filter(|e| e.body.field.is_none()).map(|e| e.body.message)}
            </div>
            <div class="form-status" role="status" aria-live="polite">
                {move || done().then_some("Your password was changed.")}
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Changing…" } else { "Change password" }}
                </button>
                {(!forced).then(|| view! { <a class="btn" href="/">"Cancel"</a> })}
            </div>
        </form>
    }
}
