//! The form that subscribes an endpoint to a topic: its fields follow the protocol, the endpoint
//! is checked as it is typed with the server's rules, and the team's inboxes subscribe in one click.

use crate::api::ApiError;
use crate::api::functions::FunctionSummary;
use crate::api::inboxes::Inbox;
use crate::api::subscriptions::{
    BasicAuth, CreateSubscriptionRequest, Subscription, SubscriptionProtocol, check_endpoint,
};
use crate::components::{FieldError, FormAlert, team_href};
use leptos::prelude::*;

/// One button per inbox that subscribes it at once (it confirms by itself), or where to make one.
fn inbox_choices(
    inboxes: Vec<Inbox>,
    team: i64,
    subscribe: impl Fn(String) + Copy + Send + Sync + 'static,
    busy: Signal<bool>,
) -> impl IntoView {
    if inboxes.is_empty() {
        return view! {
            <p class="field-hint">
                "Testing? " <a href=team_href(team, "/inboxes")>"Create a webhook inbox"</a>
                " and subscribe it here in one click: it confirms by itself and shows what arrives."
            </p>
        }
        .into_any();
    }
    let buttons = inboxes
        .into_iter()
        .map(|inbox| {
            let url = inbox.url.clone();
            view! {
                <button type="button" class="btn btn-small" disabled=move || busy.get() on:click=move |_| subscribe(url.clone())>
                    {format!("Subscribe inbox \"{}\"", inbox.name)}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="inbox-choices" role="group" aria-label="Subscribe a webhook inbox">
            <span class="field-hint">"Or use a webhook inbox (it confirms by itself):"</span>
            {buttons}
        </div>
    }
    .into_any()
}

/// A subscription form whose fields follow the protocol: an address, a URL with optional Basic
/// credentials, a phone number, or a function from the compartment. The endpoint is checked as it
/// is typed with the server's rules.
#[component]
pub(super) fn AddSubscription(
    team: i64,
    connection: i64,
    topic_id: String,
    /// The built-in sandbox also reaches `http://` on this machine.
    is_sandbox: bool,
    functions: Vec<FunctionSummary>,
    /// The team's inboxes: each can be subscribed in one click.
    inboxes: Vec<Inbox>,
    create: Action<(i64, String, CreateSubscriptionRequest), Result<Subscription, ApiError>>,
) -> impl IntoView {
    let protocol = RwSignal::new(SubscriptionProtocol::CustomHttps);
    let endpoint = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let function = RwSignal::new(functions.first().map(|f| f.id.clone()).unwrap_or_default());
    let topic = StoredValue::new(topic_id);
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let target = move || {
        if protocol.get() == SubscriptionProtocol::OracleFunctions { function.get() } else { endpoint.get() }
    };
    let problem = Signal::derive(move || {
        let value = target();
        if value.is_empty() {
            return None;
        }
        check_endpoint(protocol.get(), value.trim(), is_sandbox).err()
    });
    let half_credentials = Signal::derive(move || {
        let (user, pass) = (username.get(), password.get());
        (user.is_empty() != pass.is_empty())
            .then(|| "Fill in both the user name and the password, or neither.".to_owned())
    });
    Effect::new(move |_| {
        if create.value().get().is_some_and(|r| r.is_ok()) {
            endpoint.set(String::new());
            username.set(String::new());
            password.set(String::new());
        }
    });
    let protocol_options = SubscriptionProtocol::ALL
        .into_iter()
        .map(
            |p| view! { <option value=p.as_str() selected=p == SubscriptionProtocol::CustomHttps>{p.label()}</option> },
        )
        .collect_view();
    let has_functions = !functions.is_empty();
    let functions = StoredValue::new(functions);
    let function_options = move || {
        functions.with_value(|list| {
            list.iter()
                .map(|f| view! { <option value=f.id.clone()>{format!("{} / {}", f.application, f.name)}</option> })
                .collect_view()
        })
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let chosen = protocol.get_untracked();
        let basic_auth = (chosen == SubscriptionProtocol::CustomHttps && !username.get_untracked().is_empty())
            .then(|| BasicAuth { username: username.get_untracked(), password: password.get_untracked() });
        let endpoint = if chosen == SubscriptionProtocol::OracleFunctions {
            function.get_untracked()
        } else {
            endpoint.get_untracked().trim().to_owned()
        };
        create.dispatch((
            connection,
            topic.get_value(),
            CreateSubscriptionRequest { protocol: chosen, endpoint, basic_auth },
        ));
    };
    view! {
        <form class="stack-form" aria-label="Add a subscription" on:submit=submit>
            <h3 class="form-title">"Add a subscription"</h3>
            <label class="field">
                <span class="field-label">"Protocol"</span>
                <select on:change=move |e| {
                    if let Some(p) = SubscriptionProtocol::parse(&event_target_value(&e)) {
                        protocol.set(p);
                    }
                }>{protocol_options}</select>
                <FieldError error field="protocol" />
            </label>
            <Show
                when=move || protocol.get() == SubscriptionProtocol::OracleFunctions
                fallback=move || {
                    view! {
                        <label class="field field-wide">
                            <span class="field-label">{move || protocol.get().endpoint_label()}</span>
                            <input
                                type="text"
                                autocomplete="off"
                                spellcheck="false"
                                placeholder=move || protocol.get().example()
                                prop:value=move || endpoint.get()
                                on:input=move |e| endpoint.set(event_target_value(&e))
                            />
                            {move || problem.get().map(|p| view! { <span class="field-error">{p}</span> })}
                            <FieldError error field="endpoint" />
                        </label>
                    }
                }
            >
                <label class="field field-wide">
                    <span class="field-label">"Function"</span>
                    <select disabled=!has_functions on:change=move |e| function.set(event_target_value(&e))>
                        {function_options()}
                    </select>
                    {(!has_functions)
                        .then(|| {
                            view! { <span class="field-hint">"This compartment has no functions. Deploy one, then come back."</span> }
                        })}
                    <FieldError error field="endpoint" />
                </label>
            </Show>
            <Show when=move || protocol.get() == SubscriptionProtocol::CustomHttps>
                {inbox_choices(inboxes.clone(), team, move |url| {
                    create.dispatch((
                        connection,
                        topic.get_value(),
                        CreateSubscriptionRequest {
                            protocol: SubscriptionProtocol::CustomHttps,
                            endpoint: url,
                            basic_auth: None,
                        },
                    ));
                }, Signal::derive(move || create.pending().get()))}
                <fieldset class="field-group">
                    <legend>"Basic authentication (optional)"</legend>
                    <label class="field">
                        <span class="field-label">"User name"</span>
                        <input
                            type="text"
                            autocomplete="off"
                            prop:value=move || username.get()
                            on:input=move |e| username.set(event_target_value(&e))
                        />
                        <FieldError error field="basic_auth.username" />
                    </label>
                    <label class="field">
                        <span class="field-label">"Password"</span>
                        <input
                            type="password"
                            autocomplete="new-password"
                            prop:value=move || password.get()
                            on:input=move |e| password.set(event_target_value(&e))
                        />
                        <FieldError error field="basic_auth.password" />
                    </label>
                    <p class="field-hint">"Signalbox passes these to OCI and never shows the password again."</p>
                </fieldset>
            </Show>
            <div class="form-actions">
                <button
                    type="submit"
                    class="btn btn-primary"
                    disabled=move || {
                        create.pending().get() || target().trim().is_empty() || problem.get().is_some()
                            || half_credentials.get().is_some()
                    }
                >
                    "Add subscription"
                </button>
                <span class="form-status" role="status">
                    {move || {
                        create
                            .value()
                            .get()
                            .and_then(Result::ok)
                            .map(|s| {
                                if s.state == "PENDING" {
                                    "Added. OCI sent a confirmation request; the subscription stays PENDING until the endpoint confirms."
                                } else {
                                    "Added and active."
                                }
                            })
                    }}
                </span>
            </div>
            <FormAlert
                error
                local=half_credentials
                fields=&["protocol", "endpoint", "basic_auth.username", "basic_auth.password"]
            />
        </form>
    }
}
