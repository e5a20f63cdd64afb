use super::{failure, role_options};
use crate::api::auth::{
    CreateTokenRequest, CreatedToken, Me, Role, TokenSummary, create_token, list_tokens, revoke_token,
};
use crate::components::{
    AsyncView, Badge, ConfirmButton, DataTable, EmptyState, FieldError, FormAlert, IconName, Tone, use_working_team,
};
use crate::format;
use leptos::prelude::*;

/// The caller's API tokens: create (the secret is shown once), list, revoke.
#[component]
pub fn ApiTokens(me: Me) -> impl IntoView {
    let csrf = StoredValue::new(me.csrf_token.clone().unwrap_or_default());
    let teams = StoredValue::new(me.teams.clone());
    let tokens = Resource::new(|| (), |_| list_tokens());
    let create = Action::new(move |request: &CreateTokenRequest| {
        let (request, csrf) = (request.clone(), csrf.get_value());
        async move { create_token(&request, &csrf).await }
    });
    let revoke = Action::new(move |token: &i64| {
        let (token, csrf) = (*token, csrf.get_value());
        async move { revoke_token(token, &csrf).await }
    });
    Effect::new(move |_| {
        let created = create.value().get().is_some_and(|r| r.is_ok());
        let revoked = revoke.value().get().is_some_and(|r| r.is_ok());
        if created || revoked {
            tokens.refetch();
        }
    });
    let fresh = Signal::derive(move || create.value().get().and_then(Result::ok));

    let render = move |list: Vec<TokenSummary>| {
        if list.is_empty() {
            return view! {
                <EmptyState
                    icon=IconName::Key
                    title="No API tokens"
                    body="A token lets a script or CI job call the API as you, in one team, with a role no higher than yours there. Send it as Authorization: Bearer <token>."
                />
            }
            .into_any();
        }
        let rows = list.into_iter().map(|token| token_row(token, teams, revoke)).collect_view();
        view! {
            <DataTable label="Your API tokens" columns=&["Name", "Token", "Team and role", "Created", "Last used", "Status"] actions=true>
                {rows}
            </DataTable>
        }
        .into_any()
    };

    view! {
        <section class="section" aria-labelledby="api-tokens">
            <h2 id="api-tokens" class="section-title">
                "API tokens"
            </h2>
            {move || fresh.get().map(|created| view! { <NewSecret created /> })}
            <AsyncView resource=tokens render />
            <FormAlert error=failure(revoke) />
            {(!me.teams.is_empty()).then(|| view! { <CreateToken me=me.clone() create /> })}
        </section>
    }
}

fn token_row(
    token: TokenSummary,
    teams: StoredValue<Vec<crate::api::auth::TeamMembership>>,
    revoke: Action<i64, Result<(), crate::api::ApiError>>,
) -> impl IntoView {
    let team = teams
        .with_value(|all| all.iter().find(|t| t.team_id == token.team_id).map(|t| t.team_name.clone()))
        .unwrap_or_else(|| format!("team {}", token.team_id));
    let id = token.id;
    let status = match token.revoked_at {
        Some(at) => view! {
            <span title=format::utc(at)>
                <Badge tone=Tone::Muted label="REVOKED" />
            </span>
        }
        .into_any(),
        None => view! {
            <ConfirmButton
                label="Revoke"
                question=format!("Revoke {}? Scripts using it stop working.", token.name)
                confirm="Yes, revoke"
                on_confirm=Callback::new(move |_| {
                    revoke.dispatch(id);
                })
            />
        }
        .into_any(),
    };
    view! {
        <tr>
            <td>{token.name.clone()}</td>
            <td class="mono">{format!("{}_…", token.prefix)}</td>
            <td>{team} " · " {token.role.as_str()}</td>
            <td>
                <time datetime=token.created_at.to_rfc3339()>{format::utc(token.created_at)}</time>
            </td>
            <td>
                {match token.last_used_at {
                    Some(at) => view! { <time datetime=at.to_rfc3339()>{format::utc(at)}</time> }.into_any(),
                    None => view! { <span class="muted">"never"</span> }.into_any(),
                }}
            </td>
            <td class="actions-col">{status}</td>
        </tr>
    }
}

/// The secret of a token just created: shown once, selected on focus for copying.
#[component]
fn NewSecret(created: CreatedToken) -> impl IntoView {
    view! {
        <div class="secret-callout" role="status">
            <strong>{format!("Token {} created.", created.token.name)}</strong>
            " Copy it now: Signalbox stores only a hash and cannot show it again."
            <input
                class="secret-value mono"
                type="text"
                readonly
                aria-label="New API token"
                value=created.secret
                on:focus=select_all
            />
        </div>
    }
}

/// Selects the whole secret when the field gets focus, ready to copy.
fn select_all(event: leptos::ev::FocusEvent) {
    event_target::<leptos::web_sys::HtmlInputElement>(&event).select();
}

/// Creates a token in one of the caller's teams, with a role up to theirs there.
#[component]
fn CreateToken(
    me: Me,
    create: Action<CreateTokenRequest, Result<CreatedToken, crate::api::ApiError>>,
) -> impl IntoView {
    let teams = StoredValue::new(me.teams.clone());
    let name = RwSignal::new(String::new());
    let initial = use_working_team().get_untracked().unwrap_or_default();
    let team = RwSignal::new(initial);
    let role = RwSignal::new(Role::Viewer);
    let highest = Signal::derive(move || {
        let id = team.get();
        teams.with_value(|all| all.iter().find(|t| t.team_id == id).map_or(Role::Viewer, |t| t.role))
    });
    let error = failure(create);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            name.set(String::new());
        }
    });
    let team_options = me
        .teams
        .iter()
        .map(|t| {
            view! {
                <option value=t.team_id.to_string() selected=t.team_id == initial>
                    {format!("{} ({})", t.team_name, t.role.as_str())}
                </option>
            }
        })
        .collect_view();
    view! {
        <form
            class="inline-form"
            aria-label="Create an API token"
            on:submit=move |event| {
                event.prevent_default();
                create
                    .dispatch(CreateTokenRequest {
                        name: name.get_untracked(),
                        team_id: team.get_untracked(),
                        role: role.get_untracked().min(highest.get_untracked()),
                    });
            }
        >
            <label class="field">
                <span class="field-label">"Token name"</span>
                <input
                    type="text"
                    required
                    maxlength=100
                    placeholder="ci-deploy"
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e))
                />
                <FieldError error field="name" />
            </label>
            <label class="field">
                <span class="field-label">"Team"</span>
                <select on:change=move |e| {
                    if let Ok(id) = event_target_value(&e).parse() {
                        team.set(id);
                        role.set(Role::Viewer);
                    }
                }>{team_options}</select>
                <FieldError error field="team_id" />
            </label>
            <label class="field">
                <span class="field-label">"Role"</span>
                <select on:change=move |e| role.set(Role::parse(&event_target_value(&e)).unwrap_or(Role::Viewer))>
                    {move || role_options(highest.get(), role.get_untracked())}
                </select>
                <FieldError error field="role" />
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                "Create token"
            </button>
            <FormAlert error fields=&["name", "team_id", "role"] />
        </form>
    }
}
