//! Pre-flight findings as the console shows them: the rule editor's panel (the draft checked
//! against the cloud a moment after the user stops typing, and on demand) and a plan review's
//! section (with the reason an operator must give to apply despite a blocking finding). Findings
//! come worst first, each with what to do about it.

use crate::api::ApiError;
use crate::api::preflight::{DraftRule, Finding, Outcome, PreflightReport, PreflightRequest, preflight};
use crate::api::rules::{RuleAction, check_condition};
use crate::components::{Badge, Tone};
use leptos::prelude::*;
use std::time::Duration;

/// How long after the last keystroke the draft is checked.
const PAUSE: Duration = Duration::from_millis(800);

/// Where the rule is (or will be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightPlace {
    /// Team.
    pub team: i64,
    /// Connection.
    pub connection: i64,
    /// Compartment.
    pub compartment: String,
    /// The caller's CSRF token.
    pub csrf: String,
}

/// The panel, checking the draft of `name`, `condition` and `actions` in `place`.
#[component]
pub fn PreflightPanel(
    place: PreflightPlace,
    name: RwSignal<String>,
    condition: RwSignal<String>,
    #[prop(into)] actions: Signal<Vec<RuleAction>>,
) -> impl IntoView {
    let place = StoredValue::new(place);
    let run = Action::new(move |request: &PreflightRequest| {
        let (request, place) = (request.clone(), place.get_value());
        async move { preflight(place.team, place.connection, &request, &place.csrf).await }
    });
    let draft = Memo::new(move |_| {
        let condition = condition.get();
        check_condition(&condition).is_ok().then(|| PreflightRequest {
            compartment_id: place.with_value(|p| p.compartment.clone()),
            rules: vec![DraftRule {
                name: Some(name.get().trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "this rule".into()),
                condition,
                actions: actions.get().into_iter().filter(|a| !a.target_id.is_empty()).collect(),
            }],
        })
    });
    dispatch_after_pause(draft, run);
    let check_now = move |_| {
        if let Some(request) = draft.get_untracked() {
            run.dispatch(request);
        }
    };
    view! {
        <details class="test-panel preflight-panel" open>
            <summary>"Pre-flight checks"</summary>
            <p class="section-hint">
                "Will this deliver? Checked against the cloud as you edit: permissions, targets, subscribers and buckets."
            </p>
            <div class="preflight-status" role="status" aria-live="polite">
                {move || {
                    if draft.get().is_none() {
                        return view! { <p class="muted">"Fix the condition to check the rule."</p> }.into_any();
                    }
                    match (run.pending().get(), run.value().get()) {
                        (true, None) => view! { <p class="muted">"Checking…"</p> }.into_any(),
                        (_, None) => view! { <p class="muted">"Waiting for a pause in typing…"</p> }.into_any(),
                        (pending, Some(result)) => report_view(result, pending, "rule").into_any(),
                    }
                }}
            </div>
            <button type="button" class="btn btn-small" on:click=check_now disabled=move || run.pending().get()>
                "Check again"
            </button>
        </details>
    }
}

/// Dispatches `run` with the draft a moment after it last changed, so typing does not send a
/// request per keystroke; a later change makes an earlier timer's request stale, and it is
/// skipped. A draft of `None` (a condition that does not parse) sends nothing.
pub(super) fn dispatch_after_pause<R, O>(draft: Memo<Option<R>>, run: Action<R, O>)
where
    R: Clone + PartialEq + Send + Sync + 'static,
    O: Send + Sync + 'static,
{
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        let Some(request) = draft.get() else { return };
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    run.dispatch(request);
                }
            },
            PAUSE,
        );
    });
}

/// A plan's pre-flight findings; when one blocks, the field for the reason to apply anyway.
#[component]
pub fn PreflightReview(report: PreflightReport, reason: RwSignal<String>) -> impl IntoView {
    let blocked = report.is_blocked();
    let override_field = blocked.then(|| {
        view! {
            <label class="field override-field">
                <span class="field-label">"Why apply anyway?"</span>
                <textarea
                    rows="2"
                    maxlength="500"
                    placeholder="The function ships in today's release, before the first event."
                    prop:value=move || reason.get()
                    on:input=move |e| reason.set(event_target_value(&e))
                />
                <span class="field-hint">
                    "OCI is expected to refuse part of this plan. Applying anyway records your reason and these findings in the audit trail."
                </span>
            </label>
        }
    });
    view! {
        <section class="preflight-review" aria-label="Pre-flight checks">
            <h3 class="subsection-title">"Pre-flight checks"</h3>
            {report_view(Ok(report), false, "plan")}
            {override_field}
        </section>
    }
}

/// The findings of a check of a `what` ("rule", "plan").
fn report_view(result: Result<PreflightReport, ApiError>, pending: bool, what: &'static str) -> impl IntoView {
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            return view! { <p class="field-error">{format!("The checks could not run: {}", error.body.message)}</p> }
                .into_any();
        }
    };
    let counts = [Outcome::Blocking, Outcome::Warning, Outcome::Unknown, Outcome::Pass]
        .into_iter()
        .map(|outcome| (outcome, report.count(outcome)))
        .filter(|(_, n)| *n > 0)
        .map(|(outcome, n)| format!("{n} {}", outcome.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    let headline = if report.is_blocked() {
        view! { <p class="verdict verdict-miss">{format!("OCI would refuse this {what}: {counts}.")}</p> }.into_any()
    } else if report.count(Outcome::Warning) > 0 {
        view! { <p class="verdict verdict-warn">{format!("OCI would accept it, but it may not deliver: {counts}.")}</p> }
            .into_any()
    } else {
        view! { <p class="verdict verdict-match">{format!("Ready to deliver: {counts}.")}</p> }.into_any()
    };
    view! {
        <div class:stale=pending>
            {headline}
            <ul class="finding-list">{report.findings.into_iter().map(finding_row).collect_view()}</ul>
        </div>
    }
    .into_any()
}

fn tone(outcome: Outcome) -> Tone {
    match outcome {
        Outcome::Blocking => Tone::Bad,
        Outcome::Warning => Tone::Warn,
        Outcome::Unknown => Tone::Muted,
        Outcome::Pass => Tone::Ok,
    }
}

fn finding_row(finding: Finding) -> impl IntoView {
    let remedy = finding.remedy.map(|remedy| {
        view! {
            <div class="remedy">
                {remedy
                    .statement
                    .map(|s| {
                        view! {
                            <p class="remedy-line">
                                <span class="remedy-label">"Add the statement"</span>
                                <code class="remedy-code">{s}</code>
                            </p>
                        }
                    })}
                {remedy
                    .console
                    .map(|c| {
                        view! {
                            <p class="remedy-line">
                                <span class="remedy-label">"In the console"</span>
                                <span>{c}</span>
                            </p>
                        }
                    })}
                {remedy
                    .cli
                    .map(|c| {
                        view! {
                            <p class="remedy-line">
                                <span class="remedy-label">"With the CLI"</span>
                                <code class="remedy-code">{c}</code>
                            </p>
                        }
                    })}
            </div>
        }
    });
    let outcome = finding.outcome;
    view! {
        <li class="finding" data-outcome=format!("{outcome:?}").to_lowercase() data-kind=format!("{:?}", finding.kind)>
            <div class="finding-head">
                <Badge tone=tone(outcome) label=outcome.label() />
                <span class="finding-kind">{finding.kind.label()}</span>
                <span class="finding-subject">{finding.subject}</span>
            </div>
            <p class="finding-message">{finding.message}</p>
            {remedy}
        </li>
    }
}
