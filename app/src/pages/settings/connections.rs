use super::failure;
use crate::api::ApiError;
use crate::api::auth::Role;
use crate::api::connections::{
    Connection, ConnectionKind, ConnectionTest, CreateConnectionRequest, CredentialSource, create_connection,
    delete_connection, list_connections, test_connection,
};
use crate::components::{AsyncView, Badge, ConfirmButton, DataTable, FieldError, FormAlert, Tone};
use crate::format;
use leptos::prelude::*;

/// The selected team's connections: the built-in sandbox and real tenancies. Operators test them;
/// admins add and delete them.
#[component]
pub fn Connections(
    /// The team shown.
    team: Signal<Option<i64>>,
    /// The caller's role there.
    role: Signal<Option<Role>>,
    /// The session's CSRF token.
    csrf: StoredValue<String>,
) -> impl IntoView {
    let connections = Resource::new(
        move || team.get(),
        |team| async move {
            match team {
                Some(id) => list_connections(id).await,
                None => Ok(Vec::new()),
            }
        },
    );
    let test = Action::new(move |(team, id): &(i64, i64)| {
        let (team, id, csrf) = (*team, *id, csrf.get_value());
        async move { test_connection(team, id, &csrf).await }
    });
    let delete = Action::new(move |(team, id): &(i64, i64)| {
        let (team, id, csrf) = (*team, *id, csrf.get_value());
        async move { delete_connection(team, id, &csrf).await }
    });
    let create = Action::new(move |(team, request): &(i64, CreateConnectionRequest)| {
        let (team, request, csrf) = (*team, request.clone(), csrf.get_value());
        async move { create_connection(team, &request, &csrf).await }
    });
    Effect::new(move |_| {
        let tested = test.value().get().is_some_and(|r| r.is_ok());
        let deleted = delete.value().get().is_some_and(|r| r.is_ok());
        let created = create.value().get().is_some_and(|r| r.is_ok());
        if tested || deleted || created {
            connections.refetch();
        }
    });
    let can_test = Signal::derive(move || role.get().is_some_and(|r| r >= Role::Operator));
    let is_admin = Signal::derive(move || role.get() == Some(Role::Admin));
    let errors = Signal::derive(move || failure(test).get().or_else(|| failure(delete).get()));

    let render = move |list: Vec<Connection>| {
        let Some(team_id) = team.get_untracked() else {
            return ().into_any();
        };
        let rows = list
            .into_iter()
            .map(|c| connection_row(c, team_id, can_test.get_untracked(), is_admin.get_untracked(), test, delete))
            .collect_view();
        view! {
            <DataTable label="Connections" columns=&["Name", "Tenancy and user", "Region", "Last test", "Actions"] actions=true>
                {rows}
            </DataTable>
        }
        .into_any()
    };

    view! {
        <section class="section" aria-labelledby="connections">
            <h2 id="connections" class="section-title">
                "Connections"
            </h2>
            <p class="section-lead">
                "How Signalbox reaches OCI. Every team has the built-in sandbox; add a tenancy with an API signing key. Keys are encrypted at rest and never shown again."
            </p>
            <AsyncView resource=connections render />
            {move || test.value().get().and_then(Result::ok).map(|result| view! { <TestOutcome result /> })}
            <FormAlert error=errors />
            <Show when=move || is_admin.get()>
                <AddConnection team create />
            </Show>
        </section>
    }
}

fn connection_row(
    connection: Connection,
    team: i64,
    can_test: bool,
    is_admin: bool,
    test: Action<(i64, i64), Result<ConnectionTest, ApiError>>,
    delete: Action<(i64, i64), Result<(), ApiError>>,
) -> impl IntoView {
    let id = connection.id;
    let sandbox = connection.kind == ConnectionKind::Sandbox;
    let kind = if sandbox {
        view! { <span class="tag">"sandbox"</span> }.into_any()
    } else {
        view! { <span class="tag">"API key"</span> }.into_any()
    };
    let identity = if sandbox {
        view! { <span class="muted">"Built in: the embedded OCI sandbox"</span> }.into_any()
    } else {
        view! {
            <span class="mono truncate" title=connection.tenancy.clone()>
                {connection.tenancy.clone()}
            </span>
            <br />
            <span class="mono truncate muted" title=format!("{} · {}", connection.user, connection.fingerprint)>
                {connection.fingerprint.clone()}
            </span>
        }
        .into_any()
    };
    let last = match connection.last_test.clone() {
        Some(t) if t.ok => view! {
            <span title=t.message.clone()>
                <Badge tone=Tone::Ok label="OK" />
                " "
                <time datetime=t.at.to_rfc3339()>{format::utc(t.at)}</time>
            </span>
        }
        .into_any(),
        Some(t) => view! {
            <span title=t.message.clone()>
                <Badge tone=Tone::Bad label="FAILED" />
                " "
                <time datetime=t.at.to_rfc3339()>{format::utc(t.at)}</time>
            </span>
        }
        .into_any(),
        None => view! { <span class="muted">"not tested"</span> }.into_any(),
    };
    let testing = test.pending();
    view! {
        <tr>
            <td>{connection.name.clone()} " " {kind}</td>
            <td>{identity}</td>
            <td>{if sandbox { "sandbox".to_owned() } else { connection.region.clone() }}</td>
            <td>{last}</td>
            <td class="actions-col">
                {can_test
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-small"
                                aria-label=format!("Test {}", connection.name)
                                disabled=move || testing.get()
                                on:click=move |_| {
                                    test.dispatch((team, id));
                                }
                            >
                                "Test"
                            </button>
                        }
                    })}
                {(is_admin && !sandbox)
                    .then(|| {
                        view! {
                            <ConfirmButton
                                label="Delete"
                                question=format!("Delete {}? Its key is destroyed.", connection.name)
                                confirm="Yes, delete"
                                on_confirm=Callback::new(move |_| {
                                    delete.dispatch((team, id));
                                })
                            />
                        }
                    })}
            </td>
        </tr>
    }
}

/// What the last test call said.
#[component]
fn TestOutcome(result: ConnectionTest) -> impl IntoView {
    let class = if result.ok { "test-outcome test-ok" } else { "test-outcome test-failed" };
    view! {
        <div class=class role="status">
            <strong>{if result.ok { "Connection works." } else { "Connection failed." }}</strong>
            " "
            {result.message}
            <span class="muted">
                {format!(" {} ms", result.took_ms)}
                {result.opc_request_id.map(|id| format!(" · opc-request-id {id}"))}
            </span>
        </div>
    }
}

/// Fields with their own error slot when the identity is typed in.
const TYPED_FIELDS: &[&str] =
    &["name", "source.tenancy", "source.user", "source.fingerprint", "source.region", "private_key", "pass_phrase"];
/// Fields with their own error slot when the identity comes from a config file.
const CONFIG_FIELDS: &[&str] = &["name", "source.config", "source.profile", "private_key", "pass_phrase"];

/// Adds a tenancy: typed fields or a pasted `~/.oci/config`, plus the private key.
#[component]
fn AddConnection(
    team: Signal<Option<i64>>,
    create: Action<(i64, CreateConnectionRequest), Result<Connection, ApiError>>,
) -> impl IntoView {
    let from_file = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let tenancy = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let fingerprint = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let config = RwSignal::new(String::new());
    let profile = RwSignal::new("DEFAULT".to_owned());
    let key = RwSignal::new(String::new());
    let pass_phrase = RwSignal::new(String::new());
    let error = failure(create);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            for field in [name, tenancy, user, fingerprint, region, config, key, pass_phrase] {
                field.set(String::new());
            }
        }
    });
    let text = move |label: &'static str, field: &'static str, value: RwSignal<String>, placeholder: &'static str| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=placeholder
                    prop:value=move || value.get()
                    on:input=move |e| value.set(event_target_value(&e))
                />
                <FieldError error field />
            </label>
        }
    };
    view! {
        <form
            class="stack-form"
            aria-label="Add a connection"
            on:submit=move |event| {
                event.prevent_default();
                let Some(team) = team.get_untracked() else {
                    return;
                };
                let source = if from_file.get_untracked() {
                    CredentialSource::ConfigFile { config: config.get_untracked(), profile: profile.get_untracked() }
                } else {
                    CredentialSource::Fields {
                        tenancy: tenancy.get_untracked(),
                        user: user.get_untracked(),
                        fingerprint: fingerprint.get_untracked(),
                        region: region.get_untracked(),
                    }
                };
                let pass = pass_phrase.get_untracked();
                create
                    .dispatch((
                        team,
                        CreateConnectionRequest {
                            name: name.get_untracked(),
                            source,
                            private_key: key.get_untracked(),
                            pass_phrase: (!pass.is_empty()).then_some(pass),
                        },
                    ));
            }
        >
            <h3 class="form-title">"Add a connection"</h3>
            {text("Name", "name", name, "prod-frankfurt")}
            <fieldset class="segmented">
                <legend class="field-label">"Identity from"</legend>
                <label>
                    <input
                        type="radio"
                        name="identity-source"
                        prop:checked=move || !from_file.get()
                        on:change=move |_| from_file.set(false)
                    />
                    "Fields"
                </label>
                <label>
                    <input
                        type="radio"
                        name="identity-source"
                        prop:checked=move || from_file.get()
                        on:change=move |_| from_file.set(true)
                    />
                    "~/.oci/config file"
                </label>
            </fieldset>
            <Show
                when=move || from_file.get()
                fallback=move || {
                    view! {
                        {text("Tenancy OCID", "source.tenancy", tenancy, "ocid1.tenancy.oc1..aaaa…")}
                        {text("User OCID", "source.user", user, "ocid1.user.oc1..aaaa…")}
                        {text("Fingerprint", "source.fingerprint", fingerprint, "aa:bb:cc:…")}
                        {text("Region", "source.region", region, "eu-frankfurt-1")}
                    }
                }
            >
                <label class="field">
                    <span class="field-label">"Config file"</span>
                    <textarea
                        class="mono"
                        rows="7"
                        spellcheck="false"
                        placeholder="[DEFAULT]\nuser=ocid1.user…\nfingerprint=…\ntenancy=ocid1.tenancy…\nregion=eu-frankfurt-1"
                        prop:value=move || config.get()
                        on:input=move |e| config.set(event_target_value(&e))
                    ></textarea>
                    <FieldError error field="source.config" />
                </label>
                {text("Profile", "source.profile", profile, "DEFAULT")}
            </Show>
            <label class="field">
                <span class="field-label">"Private key (PEM)"</span>
                <textarea
                    class="mono"
                    rows="6"
                    spellcheck="false"
                    placeholder="-----BEGIN PRIVATE KEY-----"
                    prop:value=move || key.get()
                    on:input=move |e| key.set(event_target_value(&e))
                ></textarea>
                <FieldError error field="private_key" />
            </label>
            <label class="field">
                <span class="field-label">"Pass phrase (if the key is encrypted)"</span>
                <input
                    type="password"
                    autocomplete="off"
                    prop:value=move || pass_phrase.get()
                    on:input=move |e| pass_phrase.set(event_target_value(&e))
                />
                <FieldError error field="pass_phrase" />
            </label>
            // An error about a field the current mode does not show goes to the alert line.
            <Show when=move || from_file.get() fallback=move || view! { <FormAlert error fields=TYPED_FIELDS /> }>
                <FormAlert error fields=CONFIG_FIELDS />
            </Show>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Checking…" } else { "Add connection" }}
                </button>
            </div>
        </form>
    }
}
