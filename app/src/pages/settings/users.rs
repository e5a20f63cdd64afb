use super::failure;
use crate::api::ApiError;
use crate::api::auth::{CreateUserRequest, Me, UpdateUserRequest, UserSummary, create_user, list_users, update_user};
use crate::components::{AsyncView, Badge, ConfirmButton, DataTable, FieldError, FormAlert, Tone};
use crate::format;
use leptos::prelude::*;

/// Shortest password the server accepts, checked here too so the form says so before sending.
const MIN_PASSWORD: usize = 12;

/// Every account (site administrators): create, disable or enable, reset a password.
#[component]
pub fn Accounts(me: Me) -> impl IntoView {
    let csrf = StoredValue::new(me.csrf_token.clone().unwrap_or_default());
    let my_id = me.user_id;
    let users = Resource::new(|| (), |_| list_users());
    let update = Action::new(move |(user, request): &(i64, UpdateUserRequest)| {
        let (user, request, csrf) = (*user, request.clone(), csrf.get_value());
        async move { update_user(user, &request, &csrf).await }
    });
    let create = Action::new(move |request: &CreateUserRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { create_user(&request, &csrf).await }
    });
    Effect::new(move |_| {
        let updated = update.value().get().is_some_and(|r| r.is_ok());
        let created = create.value().get().is_some_and(|r| r.is_ok());
        if updated || created {
            users.refetch();
        }
    });
    // The account whose password is being reset, if any.
    let resetting = RwSignal::new(None::<i64>);
    let update_error = failure(update);

    let render = move |list: Vec<UserSummary>| {
        let rows = list.into_iter().map(|user| user_row(user, my_id, update, resetting)).collect_view();
        view! {
            <DataTable label="Accounts" columns=&["Username", "Name", "Status", "Created", "Actions"] actions=true>
                {rows}
            </DataTable>
        }
    };

    view! {
        <section class="section" aria-labelledby="accounts">
            <h2 id="accounts" class="section-title">
                "Accounts"
            </h2>
            <p class="section-lead">
                "Site administrators create accounts with a first password that the user changes at first sign-in. Disabling an account ends its sessions and stops its tokens."
            </p>
            <AsyncView resource=users render />
            <FormAlert error=update_error fields=&["reset_password"] />
            <Show when=move || resetting.get().is_some()>
                <ResetPassword resetting update />
            </Show>
            <CreateUser create />
        </section>
    }
}

fn user_row(
    user: UserSummary,
    my_id: i64,
    update: Action<(i64, UpdateUserRequest), Result<UserSummary, ApiError>>,
    resetting: RwSignal<Option<i64>>,
) -> impl IntoView {
    let id = user.id;
    let status = if user.disabled {
        view! { <Badge tone=Tone::Muted label="DISABLED" /> }
    } else {
        view! { <Badge tone=Tone::Ok label="ACTIVE" /> }
    };
    let toggle = (id != my_id).then(|| {
        if user.disabled {
            view! {
                <button
                    type="button"
                    class="btn btn-small"
                    on:click=move |_| {
                        update.dispatch((id, UpdateUserRequest { disabled: Some(false), reset_password: None }));
                    }
                >
                    "Enable"
                </button>
            }
            .into_any()
        } else {
            view! {
                <ConfirmButton
                    label="Disable"
                    question=format!("Disable {}? Their sessions end and their tokens stop working.", user.username)
                    confirm="Yes, disable"
                    on_confirm=Callback::new(move |_| {
                        update.dispatch((id, UpdateUserRequest { disabled: Some(true), reset_password: None }));
                    })
                />
            }
            .into_any()
        }
    });
    view! {
        <tr>
            <td>
                {user.username.clone()}
                {user.is_site_admin.then(|| view! { <span class="tag">"site admin"</span> })}
            </td>
            <td>{user.display_name.clone()}</td>
            <td>{status}</td>
            <td>
                <time datetime=user.created_at.to_rfc3339()>{format::utc(user.created_at)}</time>
            </td>
            <td class="actions-col">
                <button
                    type="button"
                    class="btn btn-small"
                    aria-label=format!("Reset the password of {}", user.username)
                    on:click=move |_| resetting.set(Some(id))
                >
                    "Reset password"
                </button>
                {toggle}
            </td>
        </tr>
    }
}

/// Sets a new first password for an account; the user must change it at next sign-in.
#[component]
fn ResetPassword(
    resetting: RwSignal<Option<i64>>,
    update: Action<(i64, UpdateUserRequest), Result<UserSummary, ApiError>>,
) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let local = RwSignal::new(None::<String>);
    let error = failure(update);
    Effect::new(move |_| {
        if update.value().get().is_some_and(|r| r.is_ok()) {
            resetting.set(None);
        }
    });
    view! {
        <form
            class="inline-form"
            aria-label="Reset password"
            on:submit=move |event| {
                event.prevent_default();
                let new = password.get_untracked();
                if new.chars().count() < MIN_PASSWORD {
                    local.set(Some(format!("The password must be at least {MIN_PASSWORD} characters long.")));
                } else if let Some(user) = resetting.get_untracked() {
                    local.set(None);
                    update.dispatch((user, UpdateUserRequest { disabled: None, reset_password: Some(new) }));
                }
            }
        >
            <label class="field">
                <span class="field-label">"New first password"</span>
                <input
                    type="password"
                    autocomplete="new-password"
                    required
                    minlength=MIN_PASSWORD
                    prop:value=move || password.get()
                    on:input=move |e| password.set(event_target_value(&e))
                />
                <FieldError error field="reset_password" />
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || update.pending().get()>
                "Set password"
            </button>
            <button type="button" class="btn" on:click=move |_| resetting.set(None)>
                "Cancel"
            </button>
            <FormAlert error=Signal::derive(|| None) local />
        </form>
    }
}

/// Creates an account.
#[component]
fn CreateUser(create: Action<CreateUserRequest, Result<UserSummary, ApiError>>) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let site_admin = RwSignal::new(false);
    let local = RwSignal::new(None::<String>);
    let error = failure(create);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            username.set(String::new());
            display_name.set(String::new());
            password.set(String::new());
            site_admin.set(false);
        }
    });
    view! {
        <form
            class="inline-form"
            aria-label="Create an account"
            on:submit=move |event| {
                event.prevent_default();
                let first = password.get_untracked();
                if first.chars().count() < MIN_PASSWORD {
                    local.set(Some(format!("The first password must be at least {MIN_PASSWORD} characters long.")));
                    return;
                }
                local.set(None);
                create
                    .dispatch(CreateUserRequest {
                        username: username.get_untracked(),
                        display_name: display_name.get_untracked(),
                        password: first,
                        is_site_admin: site_admin.get_untracked(),
                    });
            }
        >
            <label class="field">
                <span class="field-label">"Username"</span>
                <input
                    type="text"
                    required
                    autocomplete="off"
                    prop:value=move || username.get()
                    on:input=move |e| username.set(event_target_value(&e))
                />
                <FieldError error field="username" />
            </label>
            <label class="field">
                <span class="field-label">"Display name"</span>
                <input
                    type="text"
                    autocomplete="off"
                    prop:value=move || display_name.get()
                    on:input=move |e| display_name.set(event_target_value(&e))
                />
            </label>
            <label class="field">
                <span class="field-label">"First password"</span>
                <input
                    type="password"
                    autocomplete="new-password"
                    required
                    minlength=MIN_PASSWORD
                    prop:value=move || password.get()
                    on:input=move |e| password.set(event_target_value(&e))
                />
                <FieldError error field="password" />
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    prop:checked=move || site_admin.get()
                    on:change=move |e| site_admin.set(event_target_checked(&e))
                />
                "Site administrator"
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                "Create account"
            </button>
            <FormAlert error fields=&["username", "password"] local />
        </form>
    }
}
