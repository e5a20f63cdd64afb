//! Prometheus metrics: what an operator alerts on.
//!
//! Counters and histograms are recorded where things happen, through the `metrics` facade
//! (`metrics::counter!`), into one process-wide recorder ([`install`]): HTTP requests by route
//! template, OCI calls per attempt, apply runs and steps, audit rows, inbox deliveries. Figures
//! that are a state rather than an event (pipelines by health status, how old each connection's
//! inventory is, the process's memory and CPU) are read when Prometheus scrapes, so they are never
//! older than the scrape.
//!
//! `/metrics` has its own listener (`--metrics-listen`) and is never answered on the console's
//! address: the console faces users (and perhaps the internet), a metrics port faces the
//! monitoring network. Whoever reaches the metrics address may read it, as with Prometheus's own
//! exporters; nothing in it is a secret (no names of users, resources or teams, no URLs with
//! tokens: route templates, OCI operation names, numeric connection ids).

use crate::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Latency buckets in seconds, from a cached page (a few ms) to an OCI call that retried (tens
/// of seconds).
const LATENCY_BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

/// The process-wide recorder, and the collector of process figures.
struct Recorder {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

static RECORDER: OnceLock<Option<Recorder>> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls do nothing). Servers call it at start;
/// until it runs, recording is a no-op, which is what client commands want.
pub fn install() {
    RECORDER.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), &LATENCY_BUCKETS)
            .ok()?
            .build_recorder();
        let handle = recorder.handle();
        if let Err(err) = metrics::set_global_recorder(recorder) {
            // Another recorder (an embedder's) took the slot: theirs gets the figures.
            tracing::warn!(%err, "metrics recorder not installed");
            return None;
        }
        // Prometheus's standard names (`process_resident_memory_bytes`), which dashboards expect.
        let process = metrics_process::Collector::default();
        process.describe();
        describe();
        Some(Recorder { handle, process })
    });
}

/// What each series means, shown as `# HELP` lines.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!("signalbox_http_requests_total", "HTTP requests answered, by route template, method and status.");
    describe_histogram!(
        "signalbox_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to answer an HTTP request (until the response headers), by route template and method."
    );
    describe_counter!(
        "signalbox_oci_requests_total",
        "OCI API calls, one per attempt, by service, operation and HTTP status (`error` when no answer came)."
    );
    describe_histogram!(
        "signalbox_oci_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time of one attempt of an OCI API call, by service and operation."
    );
    describe_counter!("signalbox_oci_retries_total", "OCI API calls attempted again after a retryable failure.");
    describe_counter!("signalbox_oci_throttles_total", "OCI answers of 429 Too Many Requests.");
    describe_counter!("signalbox_apply_runs_total", "Apply and destroy runs finished, by kind and result.");
    describe_counter!("signalbox_apply_steps_total", "Apply steps finished, by result (done, failed, skipped).");
    describe_counter!("signalbox_audit_rows_total", "Rows appended to the audit trail.");
    describe_counter!("signalbox_backups_total", "Scheduled backups, by result (ok, failed).");
    describe_counter!(
        "signalbox_inbox_deliveries_total",
        "Requests to webhook inboxes, by result: accepted, or why they were rejected."
    );
    describe_gauge!("signalbox_pipelines", "Pipelines (a rule and what it delivers to) by last checked health.");
    describe_gauge!(
        "signalbox_inventory_sync_age_seconds",
        metrics::Unit::Seconds,
        "Age of the oldest successful inventory sync among a connection's watched compartments."
    );
    describe_gauge!(
        "signalbox_inventory_sync_failing",
        "Watched compartments of a connection whose last inventory sync failed."
    );
}

/// The route template an HTTP request matched, filled in by [`note_route`] inside the router so
/// that [`record_request`], outside it, can label by template instead of by path (a path holds
/// ids and tokens, and would give every team and inbox its own series).
#[derive(Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<String>>>);

/// Outermost middleware: counts and times every HTTP request.
pub async fn record_request(mut request: Request, next: Next) -> Response {
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        // Invented methods would otherwise each get a series.
        _ => "other",
    };
    let sandbox = request.uri().path().starts_with(crate::builtin::SANDBOX_PATH);
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let route = slot.0.lock().ok().and_then(|mut route| route.take()).unwrap_or_else(|| {
        if sandbox { format!("{}/*", crate::builtin::SANDBOX_PATH) } else { "unmatched".to_owned() }
    });
    let status = response.status().as_u16().to_string();
    metrics::counter!("signalbox_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("signalbox_http_request_duration_seconds", "route" => route, "method" => method)
        .record(elapsed);
    response
}

/// Route-level middleware: tells [`record_request`] and the request's span which route template
/// matched. Only requests from outside carry the slot: the API calls a page makes in-process while
/// it renders pass through here too, and must not rename the page's request.
pub async fn note_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(matched)) =
        (request.extensions().get::<RouteSlot>(), request.extensions().get::<MatchedPath>())
        && let Ok(mut route) = slot.0.lock()
    {
        *route = Some(matched.as_str().to_owned());
        crate::telemetry::note_route(request.method(), matched.as_str());
    }
    next.run(request).await
}

/// The metrics listener's router: `GET /metrics` (and HEAD) only.
pub fn router(state: AppState) -> Router {
    Router::new().route("/metrics", get(get_metrics)).with_state(state)
}

/// Handles `GET /metrics` on the metrics listener: the Prometheus text format.
async fn get_metrics(State(state): State<AppState>) -> Response {
    let Some(Some(recorder)) = RECORDER.get() else {
        return (http::StatusCode::SERVICE_UNAVAILABLE, "metrics are not being recorded in this process\n")
            .into_response();
    };
    recorder.process.collect();
    scrape_state(&state).await;
    recorder.handle.run_upkeep();
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], recorder.handle.render())
        .into_response()
}

/// Sets the gauges that describe a state, from the database, at scrape time.
async fn scrape_state(state: &AppState) {
    match crate::db::pipeline_health::count_by_status(&state.pool).await {
        Ok(counts) => {
            for status in ["healthy", "degraded", "broken"] {
                let n = counts.iter().find(|(s, _)| s == status).map_or(0, |(_, n)| *n);
                metrics::gauge!("signalbox_pipelines", "status" => status).set(n as f64);
            }
        }
        Err(err) => tracing::warn!(%err, "cannot count pipelines by health for /metrics"),
    }
    let now = chrono::Utc::now();
    let since = now - chrono::Duration::from_std(crate::inventory::WATCH_FOR).unwrap_or_default();
    match crate::db::inventory_syncs::freshness(&state.pool, since).await {
        Ok(connections) => {
            for fresh in connections {
                let connection = fresh.connection_id.to_string();
                if let Some(oldest) = fresh.oldest_synced_at {
                    let age = (now - oldest).num_milliseconds().max(0) as f64 / 1000.0;
                    metrics::gauge!("signalbox_inventory_sync_age_seconds", "connection" => connection.clone())
                        .set(age);
                }
                metrics::gauge!("signalbox_inventory_sync_failing", "connection" => connection)
                    .set(fresh.failing as f64);
            }
        }
        Err(err) => tracing::warn!(%err, "cannot read inventory freshness for /metrics"),
    }
}
