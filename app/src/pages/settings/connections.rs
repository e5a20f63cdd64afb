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
                "How Signalbox reaches OCI. Every team has the built-in sandbox; add a tenancy with an API key or a session token, or (site administrators) as the host's instance or resource principal. Keys and tokens are encrypted at rest and never shown again."
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
    let kind = view! { <span class="tag">{if sandbox { "sandbox" } else { connection.kind.label() }}</span> };
    let expiry = connection.session_expires_at.map(|at| {
        view! {
            <br />
            <span class="muted">"session until " <time datetime=at.to_rfc3339()>{format::utc(at)}</time></span>
        }
    });
    let identity = if sandbox {
        view! { <span class="muted">"Built in: the embedded OCI sandbox"</span> }.into_any()
    } else {
        view! {
            <span class="mono truncate" title=connection.tenancy.clone()>
                {connection.tenancy.clone()}
            </span>
            <br />
            <span class="mono truncate muted" title=format!("{} · {}", connection.user, connection.fingerprint)>
                {if connection.fingerprint.is_empty() { connection.user.clone() } else { connection.fingerprint.clone() }}
            </span>
            {expiry}
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

/// How a new connection signs in, as the form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// An API key, typed in.
    Fields,
    /// A `~/.oci/config` profile: an API key, or a session with its token.
    ConfigFile,
    /// A session token and its key.
    Session,
    /// The instance Signalbox runs on.
    Instance,
    /// The resource Signalbox runs as.
    Resource,
}

impl Mode {
    const ALL: [Mode; 5] = [Mode::Fields, Mode::ConfigFile, Mode::Session, Mode::Instance, Mode::Resource];

    fn label(self) -> &'static str {
        match self {
            Mode::Fields => "API key",
            Mode::ConfigFile => "~/.oci/config file",
            Mode::Session => "Session token",
            Mode::Instance => "Instance principal",
            Mode::Resource => "Resource principal",
        }
    }

    /// The fields with their own error slot in this mode; errors about others go to the alert.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Mode::Fields => &[
                "name",
                "source.tenancy",
                "source.user",
                "source.fingerprint",
                "source.region",
                "private_key",
                "pass_phrase",
            ],
            Mode::ConfigFile => {
                &["name", "source.config", "source.profile", "private_key", "pass_phrase", "security_token"]
            }
            Mode::Session => &["name", "source.region", "security_token", "private_key", "pass_phrase"],
            Mode::Instance | Mode::Resource => &["name"],
        }
    }

    fn takes_key(self) -> bool {
        matches!(self, Mode::Fields | Mode::ConfigFile | Mode::Session)
    }
}

/// Adds a tenancy: an API key (typed fields or a pasted `~/.oci/config`), a session token, or
/// the host's own identity (instance or resource principal).
#[component]
fn AddConnection(
    team: Signal<Option<i64>>,
    create: Action<(i64, CreateConnectionRequest), Result<Connection, ApiError>>,
) -> impl IntoView {
    let mode = RwSignal::new(Mode::Fields);
    let name = RwSignal::new(String::new());
    let tenancy = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let fingerprint = RwSignal::new(String::new());
    let region = RwSignal::new(String::new());
    let config = RwSignal::new(String::new());
    let profile = RwSignal::new("DEFAULT".to_owned());
    let key = RwSignal::new(String::new());
    let pass_phrase = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let error = failure(create);
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            for field in [name, tenancy, user, fingerprint, region, config, key, pass_phrase, token] {
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
                let chosen = mode.get_untracked();
                let source = match chosen {
                    Mode::Fields => CredentialSource::Fields {
                        tenancy: tenancy.get_untracked(),
                        user: user.get_untracked(),
                        fingerprint: fingerprint.get_untracked(),
                        region: region.get_untracked(),
                    },
                    Mode::ConfigFile => {
                        CredentialSource::ConfigFile { config: config.get_untracked(), profile: profile.get_untracked() }
                    }
                    Mode::Session => CredentialSource::SessionToken { region: region.get_untracked() },
                    Mode::Instance => CredentialSource::InstancePrincipal,
                    Mode::Resource => CredentialSource::ResourcePrincipal,
                };
                let pass = pass_phrase.get_untracked();
                let token_text = token.get_untracked();
                let takes_key = chosen.takes_key();
                create
                    .dispatch((
                        team,
                        CreateConnectionRequest {
                            name: name.get_untracked(),
                            source,
                            private_key: if takes_key { key.get_untracked() } else { String::new() },
                            pass_phrase: (takes_key && !pass.is_empty()).then_some(pass),
                            security_token: (matches!(chosen, Mode::ConfigFile | Mode::Session)
                                && !token_text.trim().is_empty())
                                .then_some(token_text),
                        },
                    ));
            }
        >
            <h3 class="form-title">"Add a connection"</h3>
            {text("Name", "name", name, "prod-frankfurt")}
            <fieldset class="segmented">
                <legend class="field-label">"Sign in with"</legend>
                {Mode::ALL
                    .into_iter()
                    .map(|choice| {
                        view! {
                            <label>
                                <input
                                    type="radio"
                                    name="identity-source"
                                    prop:checked=move || mode.get() == choice
                                    on:change=move |_| mode.set(choice)
                                />
                                {choice.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            {move || match mode.get() {
                Mode::Fields => {
                    view! {
                        {text("Tenancy OCID", "source.tenancy", tenancy, "ocid1.tenancy.oc1..aaaa…")}
                        {text("User OCID", "source.user", user, "ocid1.user.oc1..aaaa…")}
                        {text("Fingerprint", "source.fingerprint", fingerprint, "aa:bb:cc:…")}
                        {text("Region", "source.region", region, "eu-frankfurt-1")}
                    }
                        .into_any()
                }
                Mode::ConfigFile => {
                    view! {
                        {text_area(
                            "Config file",
                            "source.config",
                            config,
                            7,
                            "[DEFAULT]\nuser=ocid1.user…\nfingerprint=…\ntenancy=ocid1.tenancy…\nregion=eu-frankfurt-1",
                            error,
                        )}
                        {text("Profile", "source.profile", profile, "DEFAULT")}
                        {text_area(
                            "Security token, for sessions (security_token_file)",
                            "security_token",
                            token,
                            4,
                            "eyJraWQiOi…",
                            error,
                        )}
                    }
                        .into_any()
                }
                Mode::Session => {
                    view! {
                        {text("Region", "source.region", region, "eu-frankfurt-1")}
                        {text_area(
                            "Security token (~/.oci/sessions/<profile>/token)",
                            "security_token",
                            token,
                            4,
                            "eyJraWQiOi…",
                            error,
                        )}
                    }
                        .into_any()
                }
                Mode::Instance => {
                    view! {
                        <p class="hint">
                            "Signs in as the OCI compute instance Signalbox runs on: tenancy and region come from its metadata service, and the policies of a dynamic group matching the instance apply. Site administrators only, on servers started with --host-principals."
                        </p>
                    }
                        .into_any()
                }
                Mode::Resource => {
                    view! {
                        <p class="hint">
                            "Signs in as the OCI Function or container instance Signalbox runs as (OCI_RESOURCE_PRINCIPAL_* in its environment). Site administrators only, on servers started with --host-principals."
                        </p>
                    }
                        .into_any()
                }
            }}
            <Show when=move || mode.get().takes_key()>
                {text_area(
                    move || if mode.get() == Mode::Session { "Session key (PEM)" } else { "Private key (PEM)" },
                    "private_key",
                    key,
                    6,
                    "-----BEGIN PRIVATE KEY-----",
                    error,
                )}
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
            </Show>
            // An error about a field the current mode does not show goes to the alert line.
            {move || view! { <FormAlert error fields=mode.get().fields() /> }}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Checking…" } else { "Add connection" }}
                </button>
            </div>
        </form>
    }
}

/// A monospaced text area with its label and its field's error slot.
fn text_area(
    label: impl IntoView + 'static,
    field: &'static str,
    value: RwSignal<String>,
    rows: u32,
    placeholder: &'static str,
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <textarea
                class="mono"
                rows=rows
                spellcheck="false"
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |e| value.set(event_target_value(&e))
            ></textarea>
            <FieldError error field />
        </label>
    }
}
