use super::{failure, role_options};
use crate::api::auth::{
    AddMemberRequest, CreateTeamRequest, Me, Member, Role, TeamMembership, add_member, create_team, list_members,
    remove_member, set_member,
};
use crate::components::{AsyncView, Badge, ConfirmButton, EmptyState, FieldError, FormAlert, IconName, Tone};
use leptos::prelude::*;

/// The members of one of the caller's teams; team admins add, re-role and remove them.
#[component]
pub fn TeamMembers(me: Me, working: Signal<Option<TeamMembership>>) -> impl IntoView {
    let selected = Signal::derive(move || working.get().map(|t| t.team_id));
    let csrf = StoredValue::new(me.csrf_token.clone().unwrap_or_default());
    let my_id = me.user_id;
    let members = Resource::new(
        move || selected.get(),
        |team| async move {
            match team {
                Some(id) => list_members(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let my_role = Signal::derive(move || working.get().map(|t| t.role));
    let team_name = Signal::derive(move || working.get().map(|t| t.team_name));
    let can_manage = Signal::derive(move || my_role.get() == Some(Role::Admin));

    let change = Action::new(move |(team, user, role): &(i64, i64, Role)| {
        let (team, user, role, csrf) = (*team, *user, *role, csrf.get_value());
        async move { set_member(team, user, role, &csrf).await }
    });
    let remove = Action::new(move |(team, user): &(i64, i64)| {
        let (team, user, csrf) = (*team, *user, csrf.get_value());
        async move { remove_member(team, user, &csrf).await }
    });
    let add = Action::new(move |(team, request): &(i64, AddMemberRequest)| {
        let (team, request, csrf) = (*team, request.clone(), csrf.get_value());
        async move { add_member(team, &request, &csrf).await }
    });
    Effect::new(move |_| {
        let changed = change.value().get().is_some_and(|r| r.is_ok());
        let removed = remove.value().get().is_some_and(|r| r.is_ok());
        let added = add.value().get().is_some_and(|r| r.is_ok());
        if changed || removed || added {
            members.refetch();
        }
    });
    let list_error = Signal::derive(move || failure(change).get().or_else(|| failure(remove).get()));

    let render = move |list: Vec<Member>| {
        let Some(team) = selected.get_untracked() else {
            return view! {
                <EmptyState
                    icon=IconName::Users
                    title="You are not in a team yet"
                    body="Connections, templates and deployments belong to teams. A site administrator adds you to one."
                />
            }
            .into_any();
        };
        let manage = can_manage.get_untracked();
        let name = team_name.get_untracked().unwrap_or_default();
        let rows = list
            .into_iter()
            .map(|member| member_row(member, team, &name, my_id, manage, change, remove))
            .collect_view();
        view! {
            <table class="table" aria-label=format!("Members of {name}")>
                <thead>
                    <tr>
                        <th scope="col">"User"</th>
                        <th scope="col">"Role"</th>
                        {manage.then(|| view! { <th scope="col" class="actions-col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };

    view! {
        <section class="section" aria-labelledby="team-members">
            <h2 id="team-members" class="section-title">
                "Team members"
            </h2>
            <p class="section-lead">
                "Viewers read what the team owns; operators also change rules, topics and subscriptions and apply templates; admins also manage connections and members."
            </p>
            <AsyncView resource=members render />
            <FormAlert error=list_error />
            <Show when=move || can_manage.get()>
                <AddMember selected add />
            </Show>
        </section>
    }
}

fn member_row(
    member: Member,
    team: i64,
    team_name: &str,
    my_id: i64,
    manage: bool,
    change: Action<(i64, i64, Role), Result<Member, crate::api::ApiError>>,
    remove: Action<(i64, i64), Result<(), crate::api::ApiError>>,
) -> impl IntoView {
    let is_me = member.user_id == my_id;
    let user = member.user_id;
    let role_cell = if manage && !is_me {
        view! {
            <select
                class="select-inline"
                aria-label=format!("Role of {}", member.username)
                on:change=move |event| {
                    if let Some(role) = Role::parse(&event_target_value(&event)) {
                        change.dispatch((team, user, role));
                    }
                }
            >
                {role_options(Role::Admin, member.role)}
            </select>
        }
        .into_any()
    } else {
        view! { <Badge tone=Tone::Muted label=member.role.as_str() /> }.into_any()
    };
    let actions = manage.then(|| {
        let remove_control = (!is_me).then(|| {
            view! {
                <ConfirmButton
                    label="Remove"
                    question=format!("Remove {} from {team_name}?", member.username)
                    confirm="Yes, remove"
                    on_confirm=Callback::new(move |_| {
                        remove.dispatch((team, user));
                    })
                />
            }
        });
        view! { <td class="actions-col">{remove_control}</td> }
    });
    view! {
        <tr>
            <td>
                {member.username.clone()} {is_me.then(|| view! { <span class="muted">" (you)"</span> })}
            </td>
            <td>{role_cell}</td>
            {actions}
        </tr>
    }
}

/// Adds an existing account to the team (team admins).
#[component]
fn AddMember(
    selected: Signal<Option<i64>>,
    add: Action<(i64, AddMemberRequest), Result<Member, crate::api::ApiError>>,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let error = failure(add);
    Effect::new(move |_| {
        if add.value().get().is_some_and(|r| r.is_ok()) {
            username.set(String::new());
        }
    });
    view! {
        <form
            class="inline-form"
            aria-label="Add a member"
            on:submit=move |event| {
                event.prevent_default();
                if let Some(team) = selected.get_untracked() {
                    add.dispatch((team, AddMemberRequest { username: username.get_untracked(), role: role.get_untracked() }));
                }
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
                <span class="field-label">"Role"</span>
                <select on:change=move |e| role.set(Role::parse(&event_target_value(&e)).unwrap_or(Role::Viewer))>
                    {role_options(Role::Admin, Role::Viewer)}
                </select>
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || add.pending().get()>
                "Add member"
            </button>
            <FormAlert error fields=&["username"] />
        </form>
    }
}

/// Creates a team (site administrators); the page reloads so the new team is in every picker.
#[component]
pub fn CreateTeam(csrf: String) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let create = Action::new(move |request: &CreateTeamRequest| {
        let (request, csrf) = (request.clone(), csrf.clone());
        async move { create_team(&request, &csrf).await }
    });
    let error = failure(create);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            let _ = window().location().reload();
        }
    });
    view! {
        <section class="section" aria-labelledby="new-team">
            <h2 id="new-team" class="section-title">
                "New team"
            </h2>
            <form
                class="inline-form"
                aria-label="Create a team"
                on:submit=move |event| {
                    event.prevent_default();
                    create.dispatch(CreateTeamRequest { name: name.get_untracked() });
                }
            >
                <label class="field">
                    <span class="field-label">"Team name"</span>
                    <input
                        type="text"
                        required
                        minlength=2
                        maxlength=64
                        prop:value=move || name.get()
                        on:input=move |e| name.set(event_target_value(&e))
                    />
                    <FieldError error field="name" />
                </label>
                <button type="submit" class="btn" disabled=move || create.pending().get()>
                    "Create team"
                </button>
                <FormAlert error fields=&["name"] />
            </form>
        </section>
    }
}
