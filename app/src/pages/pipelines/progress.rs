//! A run's progress: its steps in order with state and timing, live while it runs. In the
//! browser the page follows the run's server-sent events; the server renders the state it read.

use super::plan_view::kind_label;
use crate::api::deployments::{ApplyRun, ApplyStep, RunState, StepState};
use crate::components::{Badge, Tone};
use crate::template::plan::StepOp;
use leptos::prelude::*;

/// The badge of a run's state.
pub fn run_badge(state: RunState) -> impl IntoView {
    let (tone, label) = match state {
        RunState::Running => (Tone::Warn, "running"),
        RunState::Succeeded => (Tone::Ok, "succeeded"),
        RunState::Failed => (Tone::Bad, "failed"),
        RunState::Interrupted => (Tone::Drift, "interrupted"),
    };
    view! { <Badge tone label /> }
}

fn step_badge(state: StepState) -> impl IntoView {
    let tone = match state {
        StepState::Pending => Tone::Muted,
        StepState::Running => Tone::Warn,
        StepState::Done => Tone::Ok,
        StepState::Failed => Tone::Bad,
        StepState::Skipped => Tone::Muted,
    };
    view! { <Badge tone label=state.as_str() /> }
}

fn op_label(op: StepOp) -> &'static str {
    match op {
        StepOp::Create => "Create",
        StepOp::Update => "Update",
        StepOp::Delete => "Delete",
    }
}

/// Follows `run` (a signal the page owns) until it ends; `team` scopes the event stream's URL.
#[component]
pub fn RunProgress(team: i64, run: RwSignal<ApplyRun>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let (deployment, id, state) = run.with_untracked(|r| (r.deployment_id, r.run.id, r.run.state));
        if state == RunState::Running {
            follow(format!("/api/v1/teams/{team}/deployments/{deployment}/runs/{id}/events"), run);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = team;
    let header = move || {
        run.with(|r| {
            let done = r.steps.iter().filter(|s| s.state == StepState::Done).count();
            let total = r.steps.len();
            let state = r.run.state;
            let interrupted_at =
                r.steps.iter().find(|s| s.state == StepState::Running).filter(|_| state == RunState::Interrupted).map(
                    |s| {
                        format!("stopped during step {} ({} {})", s.position + 1, op_label(s.op).to_lowercase(), s.name)
                    },
                );
            // Several instances on one database: the instance running it died and another
            // resumed it from its stored steps.
            let taken_over = r.run.taken_over_at.map(|at| {
                format!("resumed on another instance at {} after the one running it stopped", crate::format::utc(at))
            });
            view! {
                <p class="run-header" data-state=state.as_str()>
                    {run_badge(state)}
                    <span>{format!("{done} of {total} steps done")}</span>
                    {interrupted_at.map(|text| view! { <span class="run-note">{text}</span> })}
                    {taken_over.map(|text| view! { <span class="run-note" data-note="takeover">{text}</span> })}
                </p>
            }
        })
    };
    let steps = move || run.with(|r| r.steps.iter().cloned().map(step_row).collect_view());
    let empty = move || {
        run.with(|r| r.steps.is_empty() && r.run.state == RunState::Succeeded).then(
            || view! { <p class="section-hint">"Nothing needed changing: the cloud already matched the plan."</p> },
        )
    };
    view! {
        <div class="run-progress" aria-live="polite">
            {header}
            {empty}
            <Show when=move || run.with(|r| !r.steps.is_empty())>
                <ol class="run-steps">{steps}</ol>
            </Show>
        </div>
    }
}

fn step_row(step: ApplyStep) -> impl IntoView {
    let took = match (step.started_at, step.finished_at) {
        (Some(start), Some(end)) => format!("{:.2} s", (end - start).num_milliseconds().max(0) as f64 / 1000.0),
        (Some(_), None) if step.state == StepState::Running => "…".to_owned(),
        _ => String::new(),
    };
    let attempts = (step.attempts > 1).then(|| format!("{} calls", step.attempts));
    view! {
        <li class="run-step" data-state=step.state.as_str() data-key=step.key.clone()>
            {step_badge(step.state)}
            <span class="run-step-what">
                {format!("{} {} ", op_label(step.op), kind_label(step.kind).to_lowercase())}
                <strong>{step.name.clone()}</strong>
            </span>
            <span class="run-step-time mono">{took}</span>
            {attempts.map(|a| view! { <span class="run-step-attempts">{a}</span> })}
            {step.error.clone().map(|e| view! { <p class="run-step-error">{e}</p> })}
        </li>
    }
}

/// Opens the run's event stream and copies each `run` event into `run`; closes when it ends.
#[cfg(feature = "hydrate")]
fn follow(url: String, run: RwSignal<ApplyRun>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Ok(source) = web_sys::EventSource::new(&url) else { return };
    let stream = source.clone();
    let on_run = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let Ok(next) = serde_json::from_str::<ApplyRun>(&text) else { return };
        let over = next.run.state.is_final();
        run.set(next);
        if over {
            // The server ends the stream after the last event; without this the browser reconnects.
            stream.close();
        }
    });
    let _ = source.add_event_listener_with_callback("run", on_run.as_ref().unchecked_ref());
    on_run.forget();
    let source = send_wrapper::SendWrapper::new(source);
    on_cleanup(move || source.close());
}
