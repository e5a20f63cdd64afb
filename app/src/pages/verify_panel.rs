//! Verify, on a rule's page and for each rule of a deployment: sends a probe through the rule's
//! pipeline into a webhook inbox and shows each hop (event accepted → rule matched → action →
//! topic → subscription → delivered) green or red, with the time it took and, for a failed hop,
//! why.

use crate::api::health::{Hop, VerifyReport, VerifyRequest, verify_rule};
use crate::components::{Badge, FormAlert, Tone, team_href};
use leptos::prelude::*;

/// The Verify section of a rule. `rule_name` is for a page with several (a deployment's): it goes
/// into the heading, and the section is labelled apart from the others. `region` is the rule's,
/// when not the connection's own (a fan-out target elsewhere).
#[component]
pub fn VerifyPanel(
    team: i64,
    connection: i64,
    rule_id: String,
    csrf: StoredValue<String>,
    #[prop(optional)] rule_name: Option<String>,
    #[prop(default = None)] region: Option<String>,
) -> impl IntoView {
    let remove_after = RwSignal::new(false);
    let heading_id = format!("verify-{}", rule_id.rsplit('.').next().unwrap_or_default());
    let labelled_by = heading_id.clone();
    let title = rule_name.map_or_else(|| "Verify".to_owned(), |name| format!("Verify {name}"));
    let rule = StoredValue::new(rule_id);
    let region = StoredValue::new(region);
    let verify = Action::new(move |remove: &bool| {
        let request = VerifyRequest { inbox_id: None, remove_subscriptions: *remove };
        let (rule, region, csrf) = (rule.get_value(), region.get_value(), csrf.get_value());
        async move { verify_rule(team, connection, &rule, region.as_deref(), &request, &csrf).await }
    });
    let error = Signal::derive(move || verify.value().get().and_then(Result::err));
    view! {
        <section class="section verify-section" aria-labelledby=labelled_by>
            <h2 id=heading_id class="section-title">
                {title}
            </h2>
            <p class="section-hint">
                "Sends an event this rule matches through its actions and topics into a webhook inbox (one already subscribed to its topic, else the team's \"verify\" inbox, subscribed on demand) and reports every hop."
            </p>
            <div class="form-actions">
                <button
                    type="button"
                    class="btn btn-primary"
                    disabled=move || verify.pending().get()
                    on:click=move |_| {
                        verify.dispatch(remove_after.get_untracked());
                    }
                >
                    {move || if verify.pending().get() { "Verifying…" } else { "Verify" }}
                </button>
                <label class="checkbox">
                    <input
                        type="checkbox"
                        prop:checked=move || remove_after.get()
                        on:change=move |e| remove_after.set(event_target_checked(&e))
                    />
                    "Remove the inbox subscription afterwards"
                </label>
            </div>
            <FormAlert error />
            {move || verify.value().get().and_then(Result::ok).map(move |r| report(r, team))}
        </section>
    }
}

fn report(report: VerifyReport, team: i64) -> impl IntoView {
    let verdict = if report.ok {
        view! { <Badge tone=Tone::Ok label="every hop passed" /> }
    } else {
        view! { <Badge tone=Tone::Bad label="failed" /> }
    };
    let hops = report.hops.into_iter().map(hop).collect_view();
    let inbox = team_href(team, &format!("/inboxes?inbox={}", report.inbox_id));
    let probe = serde_json::to_string_pretty(&report.probe).unwrap_or_default();
    view! {
        <div class="verify-report" role="status">
            <p>{verdict}</p>
            <ol class="hops">{hops}</ol>
            <p>
                <a href=inbox>"Open the inbox"</a>
                {report.delivery_id.map(|_| " to see the delivered event with its headers.")}
            </p>
            <details>
                <summary>"The probe that was sent"</summary>
                <pre class="delivery-body">{probe}</pre>
            </details>
        </div>
    }
}

fn hop(hop: Hop) -> impl IntoView {
    let (tone, mark) = if hop.ok { (Tone::Ok, "passed") } else { (Tone::Bad, "failed") };
    let timing = hop.at_ms.map(|ms| format!("{ms} ms"));
    view! {
        <li class="hop" data-ok=hop.ok.to_string()>
            <Badge tone label=mark />
            <strong>{hop.kind.label()}</strong>
            <span class="mono hop-time">{timing}</span>
            <span class="hop-detail">{hop.detail}</span>
        </li>
    }
}
