//! A fan-out plan as a review: one line per target (region, compartment, how it stands, how many
//! changes), then each target's changes under its own heading, open where something changes.

use super::plan_view::PlanView;
use crate::api::deployment_sets::{SetPlanReview, TargetPlan, TargetStatus};
use crate::api::preflight::Outcome;
use crate::components::{Badge, Tone};
use crate::pages::preflight_panel::PreflightReview;
use crate::template::plan::ChangeAction;
use leptos::prelude::*;

/// How many changes a target's plan makes.
pub fn changes_of(target: &TargetPlan) -> usize {
    target.review.as_ref().map_or(0, |r| r.plan.changes.iter().filter(|c| c.action != ChangeAction::NoOp).count())
}

/// Whether applying `review` needs a reason (a target's pre-flight checks block).
pub fn needs_reason(review: &SetPlanReview) -> bool {
    review.targets.iter().any(|t| t.review.as_ref().and_then(|r| r.preflight.as_ref()).is_some_and(|p| p.is_blocked()))
}

/// Whether a target's plan has problems that stop the apply.
pub fn has_problems(review: &SetPlanReview) -> bool {
    review.targets.iter().any(|t| t.review.as_ref().is_some_and(|r| !r.plan.problems.is_empty()))
}

/// Changes in every target.
pub fn total_changes(review: &SetPlanReview) -> usize {
    review.targets.iter().map(changes_of).sum()
}

fn status_badge(target: &TargetPlan) -> AnyView {
    match (target.status, &target.error) {
        (_, Some(_)) => view! { <Badge tone=Tone::Bad label="not planned" /> }.into_any(),
        (TargetStatus::New, _) => view! { <Badge tone=Tone::Ok label="new" /> }.into_any(),
        (TargetStatus::Existing, _) => view! { <Badge tone=Tone::Muted label="deployed" /> }.into_any(),
        (TargetStatus::OutOfScope, _) => view! { <Badge tone=Tone::Warn label="out of scope" /> }.into_any(),
    }
}

/// Every target's part of a fan-out plan, grouped by target.
#[component]
pub fn SetPlanView(review: SetPlanReview, reason: RwSignal<String>) -> impl IntoView {
    let changing = review.targets.iter().filter(|t| changes_of(t) > 0).count();
    let unplanned = review.targets.iter().filter(|t| t.error.is_some()).count();
    let lead = format!(
        "{} target{}: {changing} with changes, {} unchanged{}.",
        review.targets.len(),
        if review.targets.len() == 1 { "" } else { "s" },
        review.targets.len() - changing - unplanned,
        if unplanned > 0 {
            format!(", {unplanned} that could not be planned (left out; the others go ahead)")
        } else {
            String::new()
        },
    );
    let targets = review
        .targets
        .into_iter()
        .map(|target| {
            let changes = changes_of(&target);
            let heading = format!("{} · {}", target.region, target.compartment_name);
            let count = match (&target.error, target.status) {
                (Some(_), _) => String::new(),
                (None, TargetStatus::OutOfScope) => "left as it is".to_owned(),
                (None, _) if changes == 0 => "no changes".to_owned(),
                (None, _) => format!("{changes} change{}", if changes == 1 { "" } else { "s" }),
            };
            let badge = status_badge(&target);
            let body = match (target.error, target.review) {
                (Some(error), _) => view! { <p class="field-error">{error}</p> }.into_any(),
                (None, Some(review)) => {
                    let preflight = review
                        .preflight
                        .clone()
                        // Passing checks repeated per target say nothing; what needs a look does.
                        .filter(|p| p.findings.iter().any(|f| f.outcome != Outcome::Pass))
                        .map(|report| view! { <PreflightReview report reason /> });
                    view! { <PlanView plan=review.plan />{preflight} }.into_any()
                }
                (None, None) => view! {
                    <p class="section-hint">
                        "Its compartment is no longer in scope; it keeps what it has. Destroy it on its own page, or with the whole set."
                    </p>
                }
                .into_any(),
            };
            view! {
                <details class="target-plan" open=(changes > 0).then_some("")>
                    <summary>
                        <span class="target-name">{heading}</span>
                        {badge}
                        <span class="section-hint">{count}</span>
                    </summary>
                    {body}
                </details>
            }
        })
        .collect_view();
    view! {
        <p class="section-lead">{lead}</p>
        <div class="target-plans">{targets}</div>
    }
}
