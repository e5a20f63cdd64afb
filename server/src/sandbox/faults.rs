//! Fault injection, set at runtime per service: added latency, a fraction of 429s, of 5xx, of
//! dropped connections, and a token bucket per tenancy and operation that answers 429 with
//! `Retry-After` once a client calls faster than the rate allows (OCI throttles by tenancy and
//! operation; whether its 429s carry `Retry-After` is unconfirmed, the sandbox sends it).
//!
//! Throttling and server errors are decided before the operation runs (OCI refuses a throttled
//! request before doing anything). A dropped connection happens after the operation ran, so the
//! client never learns the result: exactly the case `opc-retry-token` exists for.

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::RETRY_AFTER;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Faults for one service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultSpec {
    /// Milliseconds added to every call.
    pub latency_ms: u64,
    /// Fraction of calls answered 429 TooManyRequests.
    pub throttle_rate: f64,
    /// Fraction of calls answered 500 InternalError.
    pub error_rate: f64,
    /// Fraction of calls whose connection breaks after the operation ran.
    pub drop_rate: f64,
    /// Calls per second each operation of the tenancy may make (a token bucket per tenancy and
    /// operation, as OCI limits); past it, 429 with `Retry-After`. 0 turns it off.
    pub rate_per_second: u32,
    /// Calls a bucket holds when full (the burst); the rate itself when 0.
    pub burst: u32,
}

/// Most calls per second or burst a bucket may be set to.
const MAX_RATE: u32 = 100_000;

/// The token buckets of one service, by operation (`POST /20181201/rules`).
pub(super) type Buckets = DefaultKeyedRateLimiter<String>;

/// Faults by service name (`events`, `notifications`, `functions`, `audit`, `compute`, `identity`,
/// `objectstorage`, `auth`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// The settings.
    pub services: BTreeMap<String, FaultSpec>,
    /// How many faults were injected so far.
    #[serde(default)]
    pub injected: u64,
}

/// Counter of injected faults.
#[derive(Debug, Default)]
pub(super) struct Injected(AtomicU64);

const SERVICES: [&str; 8] =
    ["events", "notifications", "functions", "audit", "compute", "identity", "objectstorage", "auth"];

/// The service a sandbox path belongs to.
fn service_of(path: &str) -> Option<&'static str> {
    let mut parts = path.trim_start_matches('/').split('/');
    let version = parts.next()?;
    let collection = parts.next()?;
    match (version, collection) {
        ("20181201", "rules") => Some("events"),
        ("20181201", "topics" | "subscriptions") => Some("notifications"),
        ("20181201" | "20260325", "applications" | "functions") => Some("functions"),
        ("20190901", _) => Some("audit"),
        ("20160918", "instances") => Some("compute"),
        ("20160918", "compartments" | "users" | "policies") => Some("identity"),
        ("n", _) => Some("objectstorage"),
        ("v1", _) => Some("auth"),
        _ => None,
    }
}

impl Sandbox {
    /// Replaces the fault settings.
    pub fn set_faults(&self, services: BTreeMap<String, FaultSpec>) -> Result<(), SandboxError> {
        for (name, spec) in &services {
            if !SERVICES.contains(&name.as_str()) {
                return Err(SandboxError::invalid_parameter(format!(
                    "service \"{name}\" is not one of {}.",
                    SERVICES.join(", ")
                )));
            }
            for (field, rate) in
                [("throttleRate", spec.throttle_rate), ("errorRate", spec.error_rate), ("dropRate", spec.drop_rate)]
            {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(SandboxError::invalid_parameter(format!("{name}.{field} must be between 0 and 1.")));
                }
            }
            for (field, value) in [("ratePerSecond", spec.rate_per_second), ("burst", spec.burst)] {
                if value > MAX_RATE {
                    return Err(SandboxError::invalid_parameter(format!(
                        "{name}.{field} must be at most {MAX_RATE} (0 turns the token bucket off)."
                    )));
                }
            }
        }
        let buckets = services
            .iter()
            .filter_map(|(name, spec)| {
                let rate = NonZeroU32::new(spec.rate_per_second)?;
                let burst = NonZeroU32::new(spec.burst).unwrap_or(rate);
                Some((name.clone(), Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))))
            })
            .collect();
        if let Ok(mut faults) = self.inner.faults.write() {
            *faults = services;
        }
        if let Ok(mut current) = self.inner.buckets.write() {
            *current = buckets;
        }
        Ok(())
    }

    fn buckets_of(&self, service: &str) -> Option<Arc<Buckets>> {
        self.inner.buckets.read().ok().and_then(|b| b.get(service).cloned())
    }

    /// The fault settings and how many faults were injected.
    pub fn faults(&self) -> Faults {
        let services = self.inner.faults.read().map(|f| f.clone()).unwrap_or_default();
        Faults { services, injected: self.inner.injected.0.load(Ordering::Relaxed) }
    }

    fn count_fault(&self) {
        self.inner.injected.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// The middleware that applies the faults of the request's service.
pub(super) async fn inject(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    sandbox.inner.served.fetch_add(1, Ordering::Relaxed);
    let service = service_of(request.uri().path());
    let spec = service.and_then(|service| sandbox.inner.faults.read().ok().and_then(|f| f.get(service).copied()));
    let Some(spec) = spec else {
        return next.run(request).await;
    };
    if spec.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(spec.latency_ms)).await;
    }
    if let Some(buckets) = service.and_then(|service| sandbox.buckets_of(service)) {
        let route = request.extensions().get::<MatchedPath>().map_or(request.uri().path(), MatchedPath::as_str);
        let operation = format!("{} {route}", request.method());
        if let Err(empty) = buckets.check_key(&operation) {
            sandbox.count_fault();
            let wait = empty.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up: HTTP has no finer Retry-After.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut response = SandboxError::too_many_requests().into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            return response;
        }
    }
    let roll: f64 = rand::random();
    if roll < spec.throttle_rate {
        sandbox.count_fault();
        return SandboxError::too_many_requests().into_response();
    }
    if roll < spec.throttle_rate + spec.error_rate {
        sandbox.count_fault();
        return SandboxError::internal("Injected fault: the sandbox failed this request on purpose.").into_response();
    }
    let response = next.run(request).await;
    if rand::random::<f64>() < spec.drop_rate {
        sandbox.count_fault();
        // Headers go out, then the body breaks: the client sees the connection fail mid-answer.
        let broken = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected drop"))
        });
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::from_stream(broken));
    }
    response
}

/// Handles `GET /sandbox/v1/faults`.
pub async fn get_faults(State(sandbox): State<Sandbox>) -> Response {
    wire::json(&sandbox.faults(), None, None)
}

/// Handles `PUT /sandbox/v1/faults` with `{"services": {"notifications": {"throttleRate": 0.2}}}`.
pub async fn put_faults(State(sandbox): State<Sandbox>, body: Bytes) -> Result<Response, SandboxError> {
    let faults: Faults = wire::body(&body)?;
    sandbox.set_faults(faults.services)?;
    Ok(wire::json(&sandbox.faults(), None, None))
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_map_to_services() {
        for (path, service) in [
            ("/20181201/rules/ocid1.eventrule.x", Some("events")),
            ("/20181201/topics", Some("notifications")),
            ("/20181201/subscriptions/x/confirmation", Some("notifications")),
            ("/20190901/auditEvents", Some("audit")),
            ("/20160918/instances", Some("compute")),
            ("/sandbox/v1/faults", None),
        ] {
            assert_eq!(super::service_of(path), service, "{path}");
        }
    }
}
