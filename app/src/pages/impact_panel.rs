//! Impact analysis as the console shows it: the rule editor's panel (the draft replayed against
//! the compartment's recent events next to the condition as saved, a moment after the user stops
//! typing) and a plan review's section (what each rule change does to what reaches its targets).
//! The chart is inline SVG: two bars a day, before and after, drawn to one scale.

use crate::api::ApiError;
use crate::api::impact::{
    Check, DEFAULT_DAYS, DayCount, Example, ImpactReport, ImpactRequest, MAX_DAYS, PlanImpact, RuleImpact, impact,
};
use crate::api::rules::check_condition;
use crate::pages::preflight_panel::{PreflightPlace, dispatch_after_pause};
use leptos::prelude::*;
/// Windows offered, in days.
const WINDOWS: [u32; 4] = [1, 3, DEFAULT_DAYS, MAX_DAYS];

/// The panel: `condition` replayed in `place`, next to `saved` (none for a new rule).
#[component]
pub fn ImpactPanel(place: PreflightPlace, saved: Option<String>, condition: RwSignal<String>) -> impl IntoView {
    let place = StoredValue::new(place);
    let saved = StoredValue::new(saved);
    let days = RwSignal::new(DEFAULT_DAYS);
    let run = Action::new(move |request: &ImpactRequest| {
        let (request, place) = (request.clone(), place.get_value());
        async move { impact(place.team, place.connection, &request, &place.csrf).await }
    });
    let draft = Memo::new(move |_| {
        let condition = condition.get();
        check_condition(&condition).is_ok().then(|| ImpactRequest {
            compartment_id: place.with_value(|p| p.compartment.clone()),
            before: saved.get_value(),
            after: Some(condition),
            days: Some(days.get()),
        })
    });
    dispatch_after_pause(draft, run);
    let has_saved = saved.with_value(Option::is_some);
    view! {
        <details class="test-panel impact-panel" open>
            <summary>"Impact"</summary>
            <p class="section-hint">
                {if has_saved {
                    "What would this edit have done to the alerts? The compartment's recent events, replayed against the saved condition and the draft."
                } else {
                    "How often would this rule have fired? The compartment's recent events, replayed against the draft."
                }}
            </p>
            <label class="field field-inline impact-window">
                <span class="field-label">"Replay"</span>
                <select
                    aria-label="Days of events to replay"
                    on:change=move |e| {
                        if let Ok(n) = event_target_value(&e).parse::<u32>() {
                            days.set(n);
                        }
                    }
                >
                    {WINDOWS
                        .into_iter()
                        .map(|n| {
                            let label = if n == 1 { "the last day".to_owned() } else { format!("the last {n} days") };
                            view! {
                                <option value=n.to_string() selected=move || days.get() == n>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <div class="impact-status" role="status" aria-live="polite">
                {move || {
                    if draft.get().is_none() {
                        return view! { <p class="muted">"Fix the condition to replay it."</p> }.into_any();
                    }
                    match (run.pending().get(), run.value().get()) {
                        (true, None) => replaying(days.get_untracked()).into_any(),
                        (_, None) => view! { <p class="muted">"Waiting for a pause in typing…"</p> }.into_any(),
                        (pending, Some(result)) => {
                            view! {
                                {pending.then(|| replaying(days.get_untracked()))}
                                {report_view(result, pending, has_saved)}
                            }
                                .into_any()
                        }
                    }
                }}
            </div>
        </details>
    }
}

/// The progress shown while events are read and replayed.
fn replaying(days: u32) -> impl IntoView {
    view! {
        <div class="impact-progress">
            <progress aria-label="Replaying events"></progress>
            <span class="muted">{format!("Replaying the last {days} days of events…")}</span>
        </div>
    }
}

fn report_view(result: Result<ImpactReport, ApiError>, pending: bool, has_saved: bool) -> impl IntoView {
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            return view! { <p class="field-error">{format!("The events could not be replayed: {}", error.body.message)}</p> }
                .into_any();
        }
    };
    let window = window_words(report.days);
    let headline = if has_saved {
        format!("This edit would have matched {} in {window} (before: {}).", events(report.after), report.before)
    } else {
        format!("This rule would have matched {} in {window}.", events(report.after))
    };
    let sources = report
        .sources
        .iter()
        .map(|s| format!("{} from the {}", s.events, s.source.label()))
        .collect::<Vec<_>>()
        .join(", ");
    let looked = if report.looked_at == 0 {
        "No events in this compartment in the window yet.".to_owned()
    } else {
        format!(
            "Looked at {} ({sources}){}.",
            events(report.looked_at),
            if report.cached { ", read earlier" } else { "" }
        )
    };
    let by_type = (!report.by_type.is_empty()).then(|| {
        view! {
            <table class="table impact-types">
                <caption class="visually-hidden">"Matches by event type"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Event type"</th>
                        <th scope="col" class="num">"Before"</th>
                        <th scope="col" class="num">"After"</th>
                    </tr>
                </thead>
                <tbody>
                    {report
                        .by_type
                        .iter()
                        .map(|t| {
                            view! {
                                <tr>
                                    <td><code>{t.event_type.clone()}</code></td>
                                    <td class="num">{t.before}</td>
                                    <td class="num">{t.after}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
    });
    let unseen = (!report.unseen.is_empty()).then(|| {
        view! {
            <ul class="impact-unseen">
                {report.unseen.iter().map(|u| view! { <li>{u.clone()}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <div class="impact-report" class:stale=pending>
            <p class="verdict impact-headline">{headline}</p>
            {has_saved
                .then(|| {
                    view! {
                        <p class="impact-delta">
                            <span class="delta-gained">{format!("+{} gained", report.gained)}</span>
                            <span class="delta-lost">{format!("−{} lost", report.lost)}</span>
                        </p>
                    }
                })}
            <p class="muted impact-looked">{looked}</p>
            {chart(&report.daily, has_saved)}
            {by_type}
            {examples("Gained", "Matched only by the draft", report.gained_examples)}
            {examples("Lost", "Matched only by the saved condition", report.lost_examples)}
            {unseen}
        </div>
    }
    .into_any()
}

fn events(n: u64) -> String {
    if n == 1 { "1 event".to_owned() } else { format!("{n} events") }
}

fn window_words(days: u32) -> String {
    match days {
        1 => "the last day".to_owned(),
        7 => "the last 7 days".to_owned(),
        n => format!("the last {n} days"),
    }
}

/// The daily chart: for each day a bar of the saved condition's matches (when there is one)
/// and one of the draft's, to one scale, with the numbers in each bar's title.
fn chart(daily: &[DayCount], has_saved: bool) -> impl IntoView + use<> {
    const HEIGHT: f64 = 80.0;
    const SLOT: f64 = 44.0;
    // Headroom above the tallest bar for its number.
    let top = daily.iter().map(|d| d.before.max(d.after)).max().unwrap_or(0).max(1) as f64 * 1.15;
    let width = SLOT * daily.len() as f64;
    let bar = |value: u64| (value as f64 / top * HEIGHT).max(if value > 0 { 2.0 } else { 0.0 });
    let bars = daily
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let center = i as f64 * SLOT + SLOT / 2.0;
            let (before, after) = (bar(day.before), bar(day.after));
            let label = day.day.format("%a %-d").to_string();
            let title = format!("{}: {} before, {} after", day.day.format("%a %-d %b"), day.before, day.after);
            view! {
                <g>
                    <title>{title}</title>
                    {has_saved
                        .then(|| {
                            view! {
                                <rect class="bar-before" x=center - 13.0 y=HEIGHT - before width="12" height=before rx="2" />
                            }
                        })}
                    <rect
                        class="bar-after"
                        x=if has_saved { center + 1.0 } else { center - 6.0 }
                        y=HEIGHT - after
                        width="12"
                        height=after
                        rx="2"
                    />
                    {(day.after > 0)
                        .then(|| {
                            let x = if has_saved { center + 7.0 } else { center };
                            view! {
                                <text class="bar-value" x=x y=HEIGHT - after - 3.0 text-anchor="middle">
                                    {day.after}
                                </text>
                            }
                        })}
                    <text class="bar-label" x=center y=HEIGHT + 12.0 text-anchor="middle">
                        {label}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="impact-chart">
            <svg
                viewBox=format!("0 0 {width} {}", HEIGHT + 16.0)
                width=width
                height=HEIGHT + 16.0
                role="img"
                aria-label="Matches per day"
            >
                {bars}
            </svg>
            <figcaption class="chart-legend">
                {has_saved.then(|| view! { <span class="legend-before">"Saved condition"</span> })}
                <span class="legend-after">"Draft"</span>
            </figcaption>
        </figure>
    }
}

fn examples(title: &'static str, hint: &'static str, examples: Vec<Example>) -> impl IntoView {
    (!examples.is_empty()).then(|| {
        view! {
            <section class="impact-examples" aria-label=format!("{title} events")>
                <h4 class="subsection-title">{title} <span class="muted">{format!(" · {hint}")}</span></h4>
                <ul class="example-list">{examples.into_iter().map(example_row).collect_view()}</ul>
            </section>
        }
    })
}

fn example_row(example: Example) -> impl IntoView {
    let when = example.event_time.format("%a %-d %b %H:%M UTC").to_string();
    let what = [example.resource_name, example.compartment.map(|c| format!("in {c}"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <li class="example">
            <details>
                <summary>
                    <code>{example.event_type}</code>
                    " "
                    <span>{what}</span>
                    " "
                    <span class="muted">{format!("{when} · {}", example.source.label())}</span>
                </summary>
                <div class="example-why">
                    {checks("Saved condition", example.before)}
                    {checks("Draft", example.after)}
                </div>
            </details>
        </li>
    }
}

fn checks(title: &'static str, checks: Vec<Check>) -> impl IntoView {
    (!checks.is_empty()).then(|| {
        view! {
            <div class="check-list">
                <p class="check-title">{title}</p>
                <ul>
                    {checks
                        .into_iter()
                        .map(|c| {
                            let wanted = c.wanted.join(" or ");
                            view! {
                                <li class:check-ok=c.matched class:check-miss=!c.matched>
                                    <span aria-hidden="true">{if c.matched { "✓ " } else { "✗ " }}</span>
                                    <code>{c.path}</code>
                                    {if wanted.is_empty() {
                                        format!(": {}", c.found)
                                    } else {
                                        format!(": {} (wanted {wanted})", c.found)
                                    }}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// A plan's impact: for each rule it changes, what that does to what reaches its targets.
#[component]
pub fn PlanImpactReview(impact: PlanImpact) -> impl IntoView {
    let window = if impact.days == DEFAULT_DAYS { "a week".to_owned() } else { format!("{} days", impact.days) };
    let none = impact.rules.is_empty();
    // A plan that could not wait for the events has no counts, only the reason.
    let unread = !impact.replayed;
    let rows = impact.rules.into_iter().map(|rule| rule_row(rule, &window)).collect_view();
    view! {
        <section class="impact-review" aria-label="Impact">
            <h3 class="subsection-title">"Impact"</h3>
            <p class="section-hint">
                {if unread {
                    "The changed rules could not be replayed against the recent events:".to_owned()
                } else if impact.looked_at == 0 {
                    format!(
                        "No events in this compartment in the last {}: nothing to replay the changed rules against yet.",
                        window_words(impact.days).trim_start_matches("the last "),
                    )
                } else {
                    format!(
                        "Each changed rule replayed against the compartment's last {} ({} looked at).",
                        window_words(impact.days).trim_start_matches("the last "),
                        events(impact.looked_at),
                    )
                }}
            </p>
            {match (unread, none) {
                (true, _) => ().into_any(),
                (false, true) => view! { <p class="muted">"No rule's condition changes."</p> }.into_any(),
                (false, false) => view! { <ul class="impact-rules">{rows}</ul> }.into_any(),
            }}
            <ul class="impact-unseen">
                {impact.unseen.into_iter().map(|u| view! { <li>{u}</li> }).collect_view()}
            </ul>
        </section>
    }
}

fn rule_row(rule: RuleImpact, window: &str) -> impl IntoView {
    let reaches = if rule.reaches.is_empty() { "its targets".to_owned() } else { rule.reaches.join(", ") };
    view! {
        <li class="impact-rule">
            <strong>{rule.rule}</strong>
            <span class="muted">{format!(" ({})", rule.action)}</span>
            ": "
            {format!("changes what reaches {reaches} by ")}
            <span class="delta-gained">{format!("+{}", rule.gained)}</span>
            " / "
            <span class="delta-lost">{format!("−{}", rule.lost)}</span>
            {format!(" events {window} ({} → {}).", rule.before, rule.after)}
        </li>
    }
}
