//! The Test panel: runs the draft condition against a sample event from the catalogue or a
//! pasted one, in the browser, with the matcher the sandbox uses, and says field by field why it
//! matches or not.

use crate::catalogue::{EVENT_TYPES, find, named_types, sample_event};
use crate::condition::{Condition, FieldCheck, Outcome};
use leptos::prelude::*;

/// Value of the event picker that switches to a pasted event.
const PASTED: &str = "pasted";

/// What was tested and how it went.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// The condition does not parse; the JSON view already says why.
    NoCondition,
    /// The pasted text is not JSON.
    BadEvent(String),
    /// Every field check, and whether the event matches.
    Checked { matches: bool, checks: Vec<FieldCheck> },
}

/// The panel, testing `condition`.
#[component]
pub fn TestPanel(condition: RwSignal<String>) -> impl IntoView {
    // `None` follows the condition: the sample of the first known type it names.
    let chosen = RwSignal::new(None::<String>);
    let pasted = RwSignal::new(String::new());
    let picked = Memo::new(move |_| {
        chosen.get().unwrap_or_else(|| {
            named_types(&condition.get())
                .into_iter()
                .find(|t| find(t).is_some())
                .unwrap_or_else(|| EVENT_TYPES[0].name.to_owned())
        })
    });
    let event = Memo::new(move |_| {
        let picked = picked.get();
        if picked == PASTED {
            pasted.with(|text| serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string()))
        } else {
            Ok(find(&picked).map(sample_event).unwrap_or_default())
        }
    });
    let verdict = Memo::new(move |_| {
        let Ok(parsed) = condition.with(|text| Condition::parse(text)) else {
            return Verdict::NoCondition;
        };
        match event.get() {
            Err(problem) => Verdict::BadEvent(problem),
            Ok(event) => {
                let mut checks = parsed.explain(&event);
                // The type first, as people read a condition; the rest in the condition's order.
                checks.sort_by_key(|c| c.path != "eventType");
                Verdict::Checked { matches: parsed.matches(&event), checks }
            }
        }
    });
    let sample_text = move || event.get().ok().and_then(|e| serde_json::to_string_pretty(&e).ok()).unwrap_or_default();

    view! {
        <details class="test-panel" open>
            <summary>"Test against an event"</summary>
            <div class="test-controls">
                <label class="inline-label">
                    <span>"Event"</span>
                    <select
                        aria-label="Event to test"
                        on:change=move |e| {
                            let value = event_target_value(&e);
                            chosen.set(Some(value));
                        }
                    >
                        <option value=PASTED selected=move || picked.get() == PASTED>
                            "An event I paste…"
                        </option>
                        {EVENT_TYPES
                            .iter()
                            .map(|t| {
                                let name = t.name;
                                view! {
                                    <option value=name selected=move || picked.get() == name>
                                        {format!("Sample: {} ({})", t.description, t.service)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {move || {
                (picked.get() == PASTED)
                    .then(|| {
                        view! {
                            <textarea
                                class="code-input test-event-input"
                                rows="8"
                                spellcheck="false"
                                aria-label="Event JSON"
                                placeholder="Paste an event (the JSON a rule's action receives)"
                                prop:value=move || pasted.get()
                                on:input=move |e| pasted.set(event_target_value(&e))
                            />
                        }
                    })
            }}
            <div class="test-result" role="status" aria-live="polite">{move || result(verdict.get())}</div>
            {move || {
                (picked.get() != PASTED)
                    .then(|| {
                        view! {
                            <details class="sample-event">
                                <summary>"The sample event"</summary>
                                <pre class="code-block">{sample_text()}</pre>
                            </details>
                        }
                    })
            }}
        </details>
    }
}

fn result(verdict: Verdict) -> AnyView {
    match verdict {
        Verdict::NoCondition => view! { <p class="muted">"Fix the condition to test it."</p> }.into_any(),
        Verdict::BadEvent(problem) => {
            view! { <p class="field-error">{format!("The pasted event is not JSON: {problem}")}</p> }.into_any()
        }
        Verdict::Checked { matches, checks } => {
            let headline = if matches {
                view! { <p class="verdict verdict-match">"Matches: the rule's actions would receive this event."</p> }
            } else {
                view! { <p class="verdict verdict-miss">"Does not match: the rule ignores this event."</p> }
            };
            let rows = if checks.is_empty() {
                view! { <li class="muted">"The condition is {}: every event matches."</li> }.into_any()
            } else {
                checks.into_iter().map(check_row).collect_view().into_any()
            };
            view! {
                {headline}
                <ul class="check-list">{rows}</ul>
            }
            .into_any()
        }
    }
}

fn check_row(check: FieldCheck) -> impl IntoView {
    let wanted = if check.wanted.is_empty() {
        "an object".to_owned()
    } else {
        check.wanted.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" or ")
    };
    let matched = check.matched();
    let reason = match &check.outcome {
        Outcome::Matched(value) => format!("is {value}, which matches {wanted}"),
        Outcome::Different(value) => format!("is {value}; the condition wants {wanted}"),
        Outcome::Missing => "is not in the event; every field the condition names must be there".to_owned(),
        Outcome::NotAnObject(value) => format!("is {value}, but the condition looks for fields inside it"),
    };
    view! {
        <li class=if matched { "field-check field-check-ok" } else { "field-check field-check-miss" }>
            <span class="check-mark" aria-hidden="true">
                {if matched { "✓" } else { "✗" }}
            </span>
            <span class="visually-hidden">{if matched { "matches: " } else { "does not match: " }}</span>
            <code>{check.path.clone()}</code>
            " "
            <span>{reason}</span>
        </li>
    }
}
