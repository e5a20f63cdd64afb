//! Logging and traces.
//!
//! Log lines go to standard output, filtered by `SIGNALBOX_LOG` (default `info`). Traces are off
//! unless an OTLP endpoint is configured ([`TraceExport`]); then every span of Signalbox's own
//! code at `info` (one per HTTP request, one per OCI call carrying OCI's `opc-request-id`, and
//! whatever runs inside them) is also sent to that collector over OTLP/HTTP in protobuf, batched.
//!
//! The SDK's batch processor exports from a thread of its own, where reqwest's async client would
//! find no runtime, so [`RuntimeClient`] runs each export on the server's runtime instead of
//! bringing in a second, blocking HTTP client.

use crate::config::LogFormat;
use crate::netaddr::Cidr;
use async_trait::async_trait;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer as _, fmt};

/// Where traces go: an OTLP/HTTP traces URL (`…/v1/traces`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceExport {
    /// The full URL spans are posted to.
    pub traces_url: String,
}

impl TraceExport {
    /// The export the OpenTelemetry variables and `--otlp-endpoint` ask for, as every
    /// OpenTelemetry SDK reads them: `OTEL_SDK_DISABLED=true` turns it off;
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is the traces URL as written; otherwise the base
    /// endpoint (the flag, or `OTEL_EXPORTER_OTLP_ENDPOINT`) gets `/v1/traces` appended.
    pub fn from_settings(base_endpoint: Option<&str>) -> Result<Option<Self>, String> {
        let variable = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if variable("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        if let Some(url) = variable("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            return http_url(&url)
                .map(|traces_url| Some(Self { traces_url }))
                .map_err(|problem| format!("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {problem}"));
        }
        let Some(base) = base_endpoint else { return Ok(None) };
        let base = http_url(base).map_err(|problem| format!("--otlp-endpoint: {problem}"))?;
        Ok(Some(Self { traces_url: format!("{}/v1/traces", base.trim_end_matches('/')) }))
    }
}

/// An http(s) URL with a host and no query, as written.
fn http_url(text: &str) -> Result<String, String> {
    let remedy = "use an http(s) URL such as http://127.0.0.1:4318";
    let url = url::Url::parse(text).map_err(|err| format!("{text:?} is not a URL ({err}); {remedy}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.query().is_some() {
        return Err(format!("{text:?} is not an http(s) URL without a query; {remedy}"));
    }
    // The URL is logged at start; a collector's credentials belong in OTEL_EXPORTER_OTLP_HEADERS.
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL holds credentials; put them in OTEL_EXPORTER_OTLP_HEADERS (such as \
             Authorization=Basic …) and use an http(s) URL such as http://127.0.0.1:4318"
            .to_owned());
    }
    Ok(text.to_owned())
}

/// Whether spans are being exported: span names and kinds for the collector are recorded only
/// then, so they do not clutter every log line otherwise.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether traces are being exported in this process.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Names `span` for the collector (`otel.name`, `otel.kind`) when traces are exported. The span
/// must declare both fields (as `tracing::field::Empty`).
pub fn name_span(span: &tracing::Span, name: impl FnOnce() -> String, kind: &'static str) {
    if exporting() {
        span.record("otel.name", name());
        span.record("otel.kind", kind);
    }
}

/// Marks `span` failed for the collector (`otel.status_code`, declared as for [`name_span`]).
pub fn fail_span(span: &tracing::Span) {
    record_for_collector(span, "otel.status_code", "error");
}

/// Field values recorded on a span only for the collector (see [`name_span`]).
fn record_for_collector(span: &tracing::Span, field: &str, value: &str) {
    if exporting() {
        span.record(field, value);
    }
}

/// The span of one HTTP request, named `METHOD route` for the collector once the route is known
/// ([`note_route`]).
///
/// A `traceparent` header continues the caller's trace only when the connection comes from a
/// trusted proxy (`--trusted-proxy`): from anyone else it is ignored and the request starts a
/// trace of its own, or any caller could choose which trace its requests join, or mark them
/// unsampled to keep them out of traces altogether.
pub fn request_span<B>(request: &http::Request<B>, trusted_proxies: &[Cidr]) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    // An inbox's token is its credential: it stays out of the log and the traces.
    let path = request.uri().path();
    let path = if path.starts_with("/hooks/") { "/hooks/{token}" } else { path };
    let span = tracing::info_span!(
        "request",
        http.request.method = %request.method(),
        url.path = %path,
        request_id = id,
        http.route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    if exporting() {
        span.record("otel.kind", "server");
        // Until the route is known; the embedded sandbox (a service of its own) has no routes.
        let sandbox = path.starts_with(crate::builtin::SANDBOX_PATH);
        let method = request.method();
        span.record(
            "otel.name",
            if sandbox { format!("{method} {}/*", crate::builtin::SANDBOX_PATH) } else { method.to_string() },
        );
        let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        if peer.is_some_and(|peer| trusted_proxies.iter().any(|range| range.contains(peer.0.ip()))) {
            let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
                propagator.extract(&opentelemetry_http::HeaderExtractor(request.headers()))
            });
            // Fails only when the span is not sampled or already started; it then stays a root.
            let _ = tracing_opentelemetry::OpenTelemetrySpanExt::set_parent(&span, parent);
        }
    }
    span
}

/// Records the route template a request matched on its span (see [`request_span`]).
pub fn note_route(method: &http::Method, route: &str) {
    let span = tracing::Span::current();
    span.record("http.route", route);
    if exporting() {
        // The middleware before the route has usually started the span already (its queries are
        // children), and a started span's `otel.name` is no longer read: rename it directly.
        let context = tracing_opentelemetry::OpenTelemetrySpanExt::context(&span);
        opentelemetry::trace::TraceContextExt::span(&context).update_name(format!("{method} {route}"));
    }
}

/// Records the answer's status on a request's span; a 5xx marks it failed for the collector.
pub fn note_response<B>(response: &http::Response<B>, latency: Duration, span: &tracing::Span) {
    // As i64: the exporter sends unsigned values as text.
    span.record("http.response.status_code", i64::from(response.status().as_u16()));
    if response.status().is_server_error() {
        record_for_collector(span, "otel.status_code", "error");
    }
    tracing::debug!(parent: span, ?latency, status = response.status().as_u16(), "finished processing request");
}

/// What [`init`] installed, to be flushed before the process ends.
#[must_use = "call shutdown() before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still queued (waiting up to five seconds for the collector) and stops
    /// exporting. Called off the runtime: the export itself runs on it.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(err) = provider.shutdown_with_timeout(Duration::from_secs(5))
        {
            tracing::warn!(error = %err, "the last traces may not have reached the collector");
        }
    }
}

/// Installs the global subscriber for log lines only (client commands, the standalone sandbox).
pub fn init_logs(format: LogFormat) {
    if let Ok(telemetry) = init(format, None) {
        telemetry.shutdown();
    }
}

/// Installs the global subscriber (log lines, and the trace exporter when `traces` is set, its
/// exports run on that runtime). Calling it twice keeps the first one. Fails only when the
/// exporter cannot be built.
pub fn init(format: LogFormat, traces: Option<(&TraceExport, &tokio::runtime::Handle)>) -> Result<Telemetry, String> {
    let filter = EnvFilter::try_from_env("SIGNALBOX_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let lines = match format {
        LogFormat::Text => fmt::layer().with_writer(std::io::stdout).boxed(),
        LogFormat::Json => fmt::layer().json().flatten_event(true).with_writer(std::io::stdout).boxed(),
    };
    let provider = traces.map(|(export, runtime)| tracer_provider(export, runtime)).transpose()?;
    // Only Signalbox's own spans, whatever the log filter says: the collector wants the request
    // and OCI call tree, not every dependency's internals.
    let spans = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("signalbox"))
            .with_threads(false)
            .with_filter(Targets::new().with_target("server", LevelFilter::INFO).with_target("app", LevelFilter::INFO))
    });
    // `try_init` fails only when a subscriber is already installed, which is fine to ignore.
    let installed = tracing_subscriber::registry().with(lines.with_filter(filter)).with(spans).try_init().is_ok();
    if installed && provider.is_some() {
        opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
        EXPORTING.store(true, Ordering::Relaxed);
    }
    Ok(Telemetry { provider: provider.filter(|_| installed) })
}

fn tracer_provider(export: &TraceExport, runtime: &tokio::runtime::Handle) -> Result<SdkTracerProvider, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|err| format!("cannot make the trace exporter's HTTP client: {err}"))?;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(RuntimeClient { client, runtime: runtime.clone() })
        .with_endpoint(export.traces_url.clone())
        .build()
        .map_err(|err| format!("cannot export traces to {}: {err}", export.traces_url))?;
    let mut resource = opentelemetry_sdk::Resource::builder()
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("signalbox");
    }
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build())
}

/// Largest answer read from a collector; OTLP answers are a few bytes.
const MAX_COLLECTOR_ANSWER: usize = 1024 * 1024;

/// reqwest's async client, each request run on the server's runtime (see the module docs).
#[derive(Debug)]
struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime.spawn(async move { send(client, request).await }).await?
    }
}

async fn send(client: reqwest::Client, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
    let mut response = client.execute(reqwest::Request::try_from(request)?).await?;
    let mut answer = Response::builder().status(response.status());
    if let Some(headers) = answer.headers_mut() {
        *headers = std::mem::take(response.headers_mut());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_COLLECTOR_ANSWER {
            return Err(format!("the collector's answer is over {MAX_COLLECTOR_ANSWER} bytes").into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(answer.body(Bytes::from(body))?)
}
