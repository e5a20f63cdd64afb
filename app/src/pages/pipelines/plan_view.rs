//! A plan as the review shows it: counts by action, what blocks the apply, warnings, and one
//! row per resource with its action and reason; a row opens to the fields that change (several
//! lines, such as a condition, as a side-by-side diff).

use crate::components::{Badge, Tone};
use crate::pages::audit::diff::side_by_side;
use crate::pages::audit::entry::DiffTable;
use crate::template::plan::{Change, ChangeAction, FieldChange, Plan, ResourceKind};
use leptos::prelude::*;

/// The badge of an action.
pub fn action_badge(action: ChangeAction) -> impl IntoView {
    let tone = match action {
        ChangeAction::Create => Tone::Ok,
        ChangeAction::Update => Tone::Warn,
        ChangeAction::Replace => Tone::Drift,
        ChangeAction::Delete => Tone::Bad,
        ChangeAction::NoOp => Tone::Muted,
    };
    view! { <Badge tone label=action.label() /> }
}

/// A kind as people say it.
pub fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Topic => "Topic",
        ResourceKind::Subscription => "Subscription",
        ResourceKind::Rule => "Rule",
    }
}

/// The review of `plan`.
#[component]
pub fn PlanView(plan: Plan) -> impl IntoView {
    let counts =
        [ChangeAction::Create, ChangeAction::Update, ChangeAction::Replace, ChangeAction::Delete, ChangeAction::NoOp]
            .into_iter()
            .filter(|a| plan.count(*a) > 0)
            .map(|a| {
                let n = plan.count(a);
                view! {
                    <span class="plan-count" data-action=a.label()>
                        {action_badge(a)}
                        <span>{n}</span>
                    </span>
                }
            })
            .collect_view();
    let problems = (!plan.problems.is_empty()).then(|| {
        let items = plan
            .problems
            .iter()
            .map(|p| view! { <li><code>{p.field.clone()}</code>" "{p.message.clone()}</li> })
            .collect_view();
        view! {
            <div class="alert alert-error" role="alert">
                <strong>"This plan cannot be applied:"</strong>
                <ul>{items}</ul>
            </div>
        }
    });
    let warnings = (!plan.warnings.is_empty()).then(|| {
        let items = plan
            .warnings
            .iter()
            .map(|p| view! { <li><code>{p.field.clone()}</code>" "{p.message.clone()}</li> })
            .collect_view();
        view! {
            <div class="alert alert-warn" role="status">
                <strong>"Worth a look:"</strong>
                <ul>{items}</ul>
            </div>
        }
    });
    let summary = if plan.changes_anything() {
        "Review each change; nothing happens until you apply."
    } else {
        "Everything already matches: applying changes nothing."
    };
    let rows = plan.changes.into_iter().map(change_row).collect_view();
    view! {
        <div class="plan" aria-label="Plan">
            <p class="plan-summary">
                <span class="plan-counts">{counts}</span>
                <span class="section-hint">{summary}</span>
            </p>
            {problems}
            {warnings}
            <ul class="plan-changes">{rows}</ul>
        </div>
    }
}

fn change_row(change: Change) -> impl IntoView {
    let Change { kind, key, name, action, id, reason, diff } = change;
    let shown = action != ChangeAction::NoOp && !diff.is_empty();
    let fields = diff.into_iter().map(field_change).collect_view();
    let summary = view! {
        {action_badge(action)}
        <span class="plan-kind">{kind_label(kind)}</span>
        <strong class="plan-name">{name}</strong>
        <span class="plan-key mono">{key.clone()}</span>
    };
    let details = move || {
        view! {
            {reason.clone().map(|r| view! { <p class="plan-reason">{r}</p> })}
            {id.clone().map(|id| view! { <p class="plan-id mono">{id}</p> })}
        }
    };
    view! {
        <li class="plan-change" data-action=action.label() data-key=key>
            {if shown {
                view! {
                    <details open=action == ChangeAction::Update || action == ChangeAction::Replace>
                        <summary>{summary}</summary>
                        {details()}
                        <div class="plan-fields">{fields}</div>
                    </details>
                }
                    .into_any()
            } else {
                view! {
                    <div class="plan-line">{summary}</div>
                    {details()}
                }
                    .into_any()
            }}
        </li>
    }
}

fn field_change(change: FieldChange) -> impl IntoView {
    let multiline = change.before.contains('\n') || change.after.contains('\n');
    let body = if multiline {
        view! { <DiffTable rows=side_by_side(&with_newline(&change.before), &with_newline(&change.after)) /> }
            .into_any()
    } else {
        view! {
            <p class="plan-field-values">
                {(!change.before.is_empty()).then(|| view! { <del class="mono">{change.before.clone()}</del> })}
                {(!change.before.is_empty() && !change.after.is_empty()).then(|| view! { <span aria-hidden="true">" → "</span> })}
                {(!change.after.is_empty()).then(|| view! { <ins class="mono">{change.after.clone()}</ins> })}
            </p>
        }
        .into_any()
    };
    view! {
        <div class="plan-field" data-field=change.field.clone()>
            <span class="plan-field-name">{change.field.clone()}</span>
            {body}
        </div>
    }
}

/// Text with a final newline, so the last line diffs like the others.
fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') { text.to_owned() } else { format!("{text}\n") }
}
