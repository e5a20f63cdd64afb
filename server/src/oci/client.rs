//! The one path every OCI call takes: build, sign, send, read, retry.
//!
//! Service modules describe an operation as a [`Call`] (method, path, query, body, headers) and
//! hand it to [`OciClient::send`]. That signs a fresh request per attempt (the `date` must be
//! current), sends it, maps the answer, and retries with the Python SDK's default rules: at most 8
//! attempts within 600 s, on 429, on 5xx except 501, on 409 `IncorrectState`/`LockConflict`, and on
//! timeouts and connection failures; never on other 4xx. Delays are exponential with full jitter
//! (`uniform(0, min(30 s, 1 s * 2^n))`), scheduled by [`FullJitter`] and driven by `backon`.
//!
//! Creates carry an `opc-retry-token`, generated once per call and reused by every attempt, so a
//! create whose answer was lost cannot make a second resource. A POST without a token (publishing
//! a message) is retried only on 429, which OCI returns before doing anything.
//!
//! Endpoints come from the region and realm, or from a per-service override URL: the sandbox, or
//! a test server on loopback. The code path is the same either way.

use super::error::{OciError, Operation, TransportKind, remedy};
use super::key::PrivateKey;
use super::pace::Pace;
use super::principal::Credentials;
use super::region::{Region, Service};
use super::signer::{ApiKey, sign, sign_federation};
use super::wire::escape;
use backon::{BackoffBuilder, Retryable};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use http::{Method, StatusCode};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Response header with Oracle's id of the request, for support.
pub const OPC_REQUEST_ID: HeaderName = HeaderName::from_static("opc-request-id");
/// Request header making a create idempotent.
pub const OPC_RETRY_TOKEN: HeaderName = HeaderName::from_static("opc-retry-token");
/// Response header with the next page's token.
pub const OPC_NEXT_PAGE: HeaderName = HeaderName::from_static("opc-next-page");
/// Optimistic-concurrency request header.
pub const IF_MATCH: HeaderName = http::header::IF_MATCH;
/// Version tag of a resource in responses.
pub const ETAG: HeaderName = http::header::ETAG;

/// Longest error body kept in an error message.
const MAX_ERROR_MESSAGE: usize = 2048;

/// When to give up retrying and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: usize,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// Ceiling of the first delay; it doubles per retry.
    pub base_delay: Duration,
    /// Largest ceiling.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// The Python SDK's default strategy.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            max_elapsed: Duration::from_secs(600),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// A few quick retries, for reads someone is waiting for across many places (an inventory
    /// sync, a fan-out set's health): a place that still fails is reported as failed, and the
    /// others are not held up for minutes behind it.
    pub fn interactive() -> Self {
        Self {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(10),
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
        }
    }
}

/// The delay schedule of [`RetryPolicy`]: delay n is `uniform(0, min(max, base * 2^n))`, stopping
/// after `max_attempts - 1` delays or when the next delay would end past `max_elapsed`.
#[derive(Debug, Clone)]
pub struct FullJitter {
    policy: RetryPolicy,
    started: Instant,
    retries: usize,
}

impl BackoffBuilder for RetryPolicy {
    type Backoff = FullJitter;

    fn build(self) -> FullJitter {
        FullJitter { policy: self, started: Instant::now(), retries: 0 }
    }
}

impl Iterator for FullJitter {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.retries + 1 >= self.policy.max_attempts {
            return None;
        }
        let exponent = u32::try_from(self.retries).unwrap_or(u32::MAX).min(20);
        let ceiling = self.policy.base_delay.saturating_mul(1 << exponent).min(self.policy.max_delay);
        let delay = ceiling.mul_f64(rand::rng().random::<f64>());
        if self.started.elapsed() + delay > self.policy.max_elapsed {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }
}

/// One operation, as a service module describes it.
#[derive(Debug, Clone)]
pub struct Call {
    /// Which operation, for errors and policy remedies.
    pub operation: &'static Operation,
    /// HTTP method.
    pub method: Method,
    /// Path below the service's version prefix, segments already safe (`/rules/ocid1...`).
    pub path: String,
    /// Query parameters (skipped when `None`).
    pub query: Vec<(&'static str, Option<String>)>,
    /// JSON body.
    pub body: Option<Vec<u8>>,
    /// `if-match` value.
    pub if_match: Option<String>,
    /// Whether the call is a create that takes an `opc-retry-token`.
    pub retry_token: bool,
    /// The token to send instead of a fresh one: a caller that records it before the call can
    /// repeat the call after a crash and get the same resource back.
    pub given_retry_token: Option<String>,
    /// Base URL instead of the service's (Functions invoke goes to each function's endpoint).
    pub base_url: Option<String>,
    /// Content type of a non-JSON body.
    pub content_type: Option<String>,
    /// Further request headers.
    pub headers: Vec<(HeaderName, String)>,
}

impl Call {
    /// A call without query, body or headers.
    pub fn new(operation: &'static Operation, method: Method, path: String) -> Self {
        Self {
            operation,
            method,
            path,
            query: Vec::new(),
            body: None,
            if_match: None,
            retry_token: false,
            given_retry_token: None,
            base_url: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// Adds a query parameter when `value` is present.
    pub fn query(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        self.query.push((name, value.map(|v| v.to_string())));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self, OciError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|err| OciError::Request { operation: self.operation.name, detail: err.to_string() })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Sets a body that is not JSON.
    pub fn raw(mut self, body: Vec<u8>, content_type: &str) -> Self {
        self.body = Some(body);
        self.content_type = Some(content_type.to_owned());
        self
    }

    /// Adds a request header.
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends to `base_url` (scheme, host and version prefix) instead of the service endpoint.
    pub fn at(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Sets `if-match`.
    pub fn if_match(mut self, etag: Option<&str>) -> Self {
        self.if_match = etag.map(str::to_owned);
        self
    }

    /// Marks the call as a create that must carry an `opc-retry-token`.
    pub fn idempotent_create(mut self) -> Self {
        self.retry_token = true;
        self
    }

    /// Marks the call as a create carrying `token` (a fresh one when `None`).
    pub fn idempotent_create_with(mut self, token: Option<&str>) -> Self {
        self.retry_token = true;
        self.given_retry_token = token.map(str::to_owned);
        self
    }
}

/// A successful answer and the headers callers need.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The decoded body.
    pub body: T,
    /// `opc-request-id`.
    pub opc_request_id: Option<String>,
    /// `etag`.
    pub etag: Option<String>,
    /// `opc-next-page`.
    pub next_page: Option<String>,
    /// How many attempts it took.
    pub attempts: usize,
}

/// What a call is signed with.
#[derive(Clone, Copy)]
pub enum SignWith<'a> {
    /// The client's credentials (renewed when due).
    Credentials,
    /// This key instead (a session refreshing itself).
    Key(&'a ApiKey),
    /// An instance certificate's key, as a certificate exchange is signed.
    Federation {
        /// `<tenancy>/fed-x509/<fingerprint>`.
        key_id: &'a str,
        /// The certificate's private key.
        key: &'a PrivateKey,
    },
}

/// The signing client for one connection (credentials + region).
#[derive(Clone)]
pub struct OciClient {
    http: reqwest::Client,
    credentials: Credentials,
    region: Region,
    overrides: HashMap<Service, String>,
    retry: RetryPolicy,
    pace: Arc<Pace>,
    /// Where successful writes are noted, and the connection they go through.
    writes: Option<(Arc<super::write_log::WriteLog>, i64)>,
}

impl std::fmt::Debug for OciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciClient")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("overrides", &self.overrides)
            .field("retry", &self.retry)
            .finish()
    }
}

impl OciClient {
    /// A client for `region`, signing with `key`, sending through `http` (which owns timeouts,
    /// proxies and TLS settings).
    pub fn new(http: reqwest::Client, key: Arc<ApiKey>, region: Region) -> Self {
        Self::with_credentials(http, Credentials::Key(key), region)
    }

    /// A client for `region` signing with `credentials` (a key, or a token it renews).
    pub fn with_credentials(http: reqwest::Client, credentials: Credentials, region: Region) -> Self {
        Self {
            http,
            credentials,
            region,
            overrides: HashMap::new(),
            retry: RetryPolicy::default(),
            pace: Arc::new(Pace::default()),
            writes: None,
        }
    }

    /// Notes every write OCI answers with success in `log`, as made through `connection` (see
    /// [`super::write_log`]).
    pub fn with_write_log(mut self, log: Arc<super::write_log::WriteLog>, connection: i64) -> Self {
        self.writes = Some((log, connection));
        self
    }

    /// Paces calls with `pace`, shared with other clients of the same connection.
    pub fn with_pace(mut self, pace: Arc<Pace>) -> Self {
        self.pace = pace;
        self
    }

    /// The learned pace of each service (see [`Pace`]).
    pub fn pace(&self) -> &Arc<Pace> {
        &self.pace
    }

    /// Sends every service's calls (the auth service's included) to `base_url`: an OCI-compatible
    /// endpoint such as the sandbox.
    pub fn with_endpoint_for_all(self, base_url: &str) -> Self {
        Service::ALL.into_iter().fold(self, |client, service| client.with_endpoint(service, base_url))
    }

    /// What it signs with.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Sends `service` calls to `base_url` instead of the regional endpoint.
    pub fn with_endpoint(mut self, service: Service, base_url: impl Into<String>) -> Self {
        self.overrides.insert(service, base_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The region calls go to.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The same client for `region`: same credentials, pace and write log. An overridden
    /// endpoint (the sandbox) answers another region under `/regions/{region}` (the sandbox's
    /// convention, `crate::sandbox::host`); OCI's own endpoints come from the region table.
    /// The pace stays shared: a tenancy's limits are learnt once, which at worst paces a second
    /// region more gently than it needs (design choice).
    pub fn in_region(&self, region: &Region) -> Self {
        if *region == self.region {
            return self.clone();
        }
        let home = self.region.id().to_owned();
        let overrides = self
            .overrides
            .iter()
            .map(|(service, url)| {
                let base = url.strip_suffix(&format!("/regions/{home}")).unwrap_or(url);
                (*service, format!("{base}/regions/{}", region.id()))
            })
            .collect();
        Self { region: region.clone(), overrides, ..self.clone() }
    }

    /// `https://host` (or the override) plus the service's API version prefix.
    pub fn base_url(&self, service: Service) -> String {
        match self.overrides.get(&service) {
            Some(host) => format!("{host}{}", service.api_version()),
            None => self.region.base_url(service),
        }
    }

    /// Sends `call` and decodes a JSON body.
    pub async fn send<T: DeserializeOwned>(&self, call: Call) -> Result<Response<T>, OciError> {
        self.send_with(call, SignWith::Credentials).await
    }

    /// Sends `call` signed as `sign_with` says, and decodes a JSON body.
    pub async fn send_with<T: DeserializeOwned>(
        &self,
        call: Call,
        sign_with: SignWith<'_>,
    ) -> Result<Response<T>, OciError> {
        let operation = call.operation.name;
        let raw = self.send_raw_with(call, sign_with).await?;
        let body = serde_json::from_slice(&raw.body).map_err(|err| OciError::Decode {
            operation,
            status: 200,
            detail: err.to_string(),
            opc_request_id: raw.opc_request_id.clone(),
        })?;
        Ok(Response {
            body,
            opc_request_id: raw.opc_request_id,
            etag: raw.etag,
            next_page: raw.next_page,
            attempts: raw.attempts,
        })
    }

    /// Sends `call`, for operations that answer without a body (deletes, moves).
    pub async fn send_empty(&self, call: Call) -> Result<Response<()>, OciError> {
        let raw = self.send_raw(call).await?;
        Ok(Response {
            body: (),
            opc_request_id: raw.opc_request_id,
            etag: raw.etag,
            next_page: raw.next_page,
            attempts: raw.attempts,
        })
    }

    /// Sends `call` with retries and returns the raw body.
    pub async fn send_raw(&self, call: Call) -> Result<Response<Bytes>, OciError> {
        self.send_raw_with(call, SignWith::Credentials).await
    }

    async fn send_raw_with(&self, call: Call, sign_with: SignWith<'_>) -> Result<Response<Bytes>, OciError> {
        let url = self.url(&call);
        let retry_token = call.retry_token.then(|| call.given_retry_token.clone().unwrap_or_else(new_retry_token));
        let request_id = new_request_id();
        let mut attempts = 0usize;
        let may_retry = |err: &OciError| {
            let repeat_safe = call.method != Method::POST || call.retry_token || err.status() == Some(429);
            repeat_safe && err.is_retryable()
        };
        // One span per call (its attempts inside), carrying the request id OCI answered with, so a
        // slow page can be followed into OCI's own logs.
        let span = tracing::info_span!(
            "oci_call",
            service = call.operation.service.name(),
            operation = call.operation.name,
            request_id = %request_id,
            opc_request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        crate::telemetry::name_span(
            &span,
            || format!("{} {}", call.operation.service.name(), call.operation.name),
            "client",
        );
        let result = (|| {
            attempts += 1;
            self.attempt(&call, &url, retry_token.as_deref(), &request_id, sign_with)
        })
        .retry(self.retry)
        .sleep(tokio::time::sleep)
        .when(may_retry)
        .adjust(|err: &OciError, delay: Option<Duration>| delay.map(|delay| honoured(delay, err.retry_after())))
        .notify(|err: &OciError, delay: Duration| {
            metrics::counter!(
                "signalbox_oci_retries_total",
                "service" => call.operation.service.name(),
                "operation" => call.operation.name,
            )
            .increment(1);
            tracing::warn!(operation = call.operation.name, error = %err, ?delay, "OCI call failed, retrying");
        })
        .instrument(span.clone())
        .await;
        span.record("attempts", attempts);
        if let Err(err) = &result {
            if let Some(status) = err.status() {
                span.record("http.response.status_code", i64::from(status));
            }
            crate::telemetry::fail_span(&span);
        }
        result.map(|mut response| {
            response.attempts = attempts;
            if let Some((log, connection)) = self.writes.as_ref().filter(|_| call.method != Method::GET) {
                log.note(*connection, &request_id);
            }
            response
        })
    }

    fn url(&self, call: &Call) -> String {
        let base = call.base_url.clone().unwrap_or_else(|| self.base_url(call.operation.service));
        let mut url = format!("{base}{}", call.path);
        let mut separator = '?';
        for (name, value) in &call.query {
            if let Some(value) = value {
                url.push(separator);
                url.push_str(name);
                url.push('=');
                url.push_str(&escape(value));
                separator = '&';
            }
        }
        url
    }

    async fn attempt(
        &self,
        call: &Call,
        url: &str,
        retry_token: Option<&str>,
        request_id: &str,
        sign_with: SignWith<'_>,
    ) -> Result<Response<Bytes>, OciError> {
        let operation = call.operation.name;
        // Waits for its turn before signing, so a paced call's signature is as fresh as any.
        let service = call.operation.service;
        self.pace.wait_turn(service).await;
        let prepare = |detail: String| OciError::Request { operation, detail };
        let mut builder = http::Request::builder()
            .method(call.method.clone())
            .uri(url)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, concat!("Signalbox/", env!("CARGO_PKG_VERSION")))
            .header(OPC_REQUEST_ID, request_id);
        if call.body.is_some() {
            builder = builder.header(CONTENT_TYPE, call.content_type.as_deref().unwrap_or("application/json"));
        }
        for (name, value) in &call.headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| prepare(format!("{name} {value:?} is not a valid header value")))?;
            builder = builder.header(name, value);
        }
        if let Some(token) = retry_token {
            builder = builder.header(OPC_RETRY_TOKEN, token);
        }
        if let Some(etag) = &call.if_match {
            let value = HeaderValue::from_str(etag)
                .map_err(|_| prepare(format!("etag {etag:?} is not a valid header value")))?;
            builder = builder.header(IF_MATCH, value);
        }
        let mut request =
            builder.body(Bytes::from(call.body.clone().unwrap_or_default())).map_err(|err| prepare(err.to_string()))?;
        let now = chrono::Utc::now();
        let signed = match sign_with {
            SignWith::Credentials => {
                let key = self.credentials.signing_key(self, operation).await?;
                sign(&mut request, &key, now)
            }
            SignWith::Key(key) => sign(&mut request, key, now),
            SignWith::Federation { key_id, key } => sign_federation(&mut request, key_id, key, now),
        };
        signed.map_err(|err| prepare(err.to_string()))?;
        let request = reqwest::Request::try_from(request).map_err(|err| prepare(err.to_string()))?;

        let started = Instant::now();
        let answered = self.http.execute(request).await;
        let status_label = answered.as_ref().map_or_else(|_| "error".to_owned(), |r| r.status().as_u16().to_string());
        metrics::counter!(
            "signalbox_oci_requests_total",
            "service" => service.name(),
            "operation" => operation,
            "status" => status_label,
        )
        .increment(1);
        metrics::histogram!("signalbox_oci_request_duration_seconds", "service" => service.name(), "operation" => operation)
            .record(started.elapsed().as_secs_f64());
        let response = answered.map_err(|err| transport(operation, &err))?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            metrics::counter!("signalbox_oci_throttles_total", "service" => service.name(), "operation" => operation)
                .increment(1);
            self.pace.throttled(service);
        } else {
            self.pace.answered(service);
        }
        let header = |name: &HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let opc_request_id = header(&OPC_REQUEST_ID);
        if let Some(id) = &opc_request_id {
            tracing::Span::current().record("opc_request_id", id.as_str());
        }
        let etag = header(&ETAG);
        let next_page = header(&OPC_NEXT_PAGE);
        let retry_after = header(&http::header::RETRY_AFTER).and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.bytes().await.map_err(|err| transport(operation, &err))?;
        if status.is_success() {
            return Ok(Response { body, opc_request_id, etag, next_page, attempts: 1 });
        }
        Err(api_error(call.operation, status, &body, opc_request_id, retry_after))
    }
}

/// Longest `Retry-After` honoured: an answer asking for hours (a proxy's, or a broken one) must not
/// park a call that long; past this the policy's own back-off and attempts decide.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// The wait before a retry: the policy's `delay`, or longer when a throttled answer asked for it.
fn honoured(delay: Duration, retry_after: Option<Duration>) -> Duration {
    delay.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
}

/// Follows `opc-next-page` until the last page and returns every item.
pub async fn collect_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, OciError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<T>>, OciError>>,
{
    let mut items = Vec::new();
    let mut page = None;
    loop {
        let response = fetch(page).await?;
        items.extend(response.body);
        match response.next_page {
            Some(next) if !next.is_empty() => page = Some(next),
            _ => return Ok(items),
        }
    }
}

fn api_error(
    operation: &Operation,
    status: StatusCode,
    body: &[u8],
    opc_request_id: Option<String>,
    retry_after: Option<u64>,
) -> OciError {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        code: Option<String>,
        message: Option<String>,
    }
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => (parsed.code.unwrap_or_else(|| status_code_name(status)), parsed.message.unwrap_or_default()),
        // Proxies and load balancers answer HTML; the SDKs surface the text as the message.
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            (status_code_name(status), text.chars().take(MAX_ERROR_MESSAGE).collect())
        }
    };
    let remedy = remedy(operation, status.as_u16(), &code, &message);
    let retry_after_secs = retry_after.map(|s| u16::try_from(s).unwrap_or(u16::MAX));
    OciError::Api {
        operation: operation.name,
        status: status.as_u16(),
        code,
        message,
        opc_request_id,
        remedy,
        retry_after_secs,
    }
}

fn status_code_name(status: StatusCode) -> String {
    status.canonical_reason().map_or_else(|| format!("HTTP{}", status.as_u16()), |r| r.replace(' ', ""))
}

fn transport(operation: &'static str, err: &reqwest::Error) -> OciError {
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = source {
        chain.push_str(&current.to_string());
        chain.push_str(": ");
        source = current.source();
    }
    let lower = chain.to_ascii_lowercase();
    let kind = if err.is_timeout() {
        TransportKind::Timeout
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        TransportKind::Dns
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        TransportKind::Tls
    } else if err.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    OciError::Transport { operation, kind, detail: chain.trim_end_matches(": ").to_owned() }
}

/// A fresh `opc-retry-token` (30 random alphanumerics, like the Python SDK's).
pub fn new_retry_token() -> String {
    rand::rng().sample_iter(&Alphanumeric).take(30).map(char::from).collect()
}

/// 32 uppercase hex digits, like the Python SDK's request ids.
fn new_request_id() -> String {
    let value: u128 = rand::rng().random();
    format!("{value:032X}")
}

#[cfg(test)]
mod tests;
