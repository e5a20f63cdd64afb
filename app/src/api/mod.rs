//! The typed client for `/api/v1`, and the request and response types it shares with the server.
//!
//! Every screen loads and changes data through these functions, so the UI can do exactly what
//! automation can do. The transport depends on where the code runs: during server rendering the
//! request goes to the API router in-process ([`InProcessApi`], provided by the server as context)
//! carrying the visitor's cookies; in the browser it is a `fetch` to the same URL. Both return the
//! same [`ApiError`] on failure.

pub mod audit;
pub mod auth;
pub mod compliance;
pub mod connections;
pub mod deployment_sets;
pub mod deployments;
mod error;
pub mod functions;
pub mod health;
pub mod impact;
pub mod inboxes;
pub mod inventory;
pub mod preflight;
pub mod rules;
pub mod sandbox;
pub mod subscriptions;
pub mod system;
pub mod templates;
pub mod topics;

#[cfg(feature = "hydrate")]
mod browser;
#[cfg(feature = "ssr")]
mod in_process;

pub use error::{ApiError, CloudFailure, ErrorBody, ErrorCode};
#[cfg(feature = "ssr")]
pub use in_process::{InProcessApi, RenderCache, RenderSpan, as_visitor};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Path prefix of the versioned REST API.
pub const API_PREFIX: &str = "/api/v1";

/// One request to the API: method, path below [`API_PREFIX`], optional JSON body, and the
/// session's CSRF token for requests that change state.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub method: http::Method,
    pub url: String,
    pub body: Option<String>,
    pub csrf: Option<String>,
}

/// Sends `GET {API_PREFIX}{path}` and decodes the JSON answer.
pub(crate) async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let request = Outgoing { method: http::Method::GET, url: format!("{API_PREFIX}{path}"), body: None, csrf: None };
    let (status, body) = send(request).await?;
    decode(status, &body)
}

/// Sends a state-changing request with a JSON body and decodes the JSON answer.
pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: http::Method,
    path: &str,
    body: &B,
    csrf: Option<&str>,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|err| ApiError::unexpected(0, err))?;
    let request =
        Outgoing { method, url: format!("{API_PREFIX}{path}"), body: Some(body), csrf: csrf.map(str::to_owned) };
    let (status, body) = send(request).await?;
    decode(status, &body)
}

/// Sends a state-changing request without a body whose answer has none either (204).
pub(crate) async fn send_empty(method: http::Method, path: &str, csrf: Option<&str>) -> Result<(), ApiError> {
    let request = Outgoing { method, url: format!("{API_PREFIX}{path}"), body: None, csrf: csrf.map(str::to_owned) };
    expect_success(send(request).await?)
}

/// Sends a state-changing request with a JSON body whose answer has no body (204).
pub(crate) async fn send_body<B: Serialize>(
    method: http::Method,
    path: &str,
    body: &B,
    csrf: Option<&str>,
) -> Result<(), ApiError> {
    let body = serde_json::to_string(body).map_err(|err| ApiError::unexpected(0, err))?;
    let request =
        Outgoing { method, url: format!("{API_PREFIX}{path}"), body: Some(body), csrf: csrf.map(str::to_owned) };
    expect_success(send(request).await?)
}

/// Percent-encodes a path segment or query value. OCIDs are `[a-z0-9.]` and pass unchanged.
pub(crate) fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn expect_success((status, body): (u16, Vec<u8>)) -> Result<(), ApiError> {
    if (200..300).contains(&status) { Ok(()) } else { Err(ApiError::from_response(status, &body)) }
}

fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, body));
    }
    serde_json::from_slice(body).map_err(|err| ApiError::unexpected(status, err))
}

/// Runs a loader that makes several calls with the caller fixed when it starts (see
/// `in_process::bind_caller`); wrap any resource fetcher that awaits one call before the next. In
/// the browser there is nothing to fix and the future runs as it is.
pub fn bind_caller<F: Future>(future: F) -> impl Future<Output = F::Output> {
    #[cfg(feature = "ssr")]
    {
        in_process::bind_caller(future)
    }
    #[cfg(not(feature = "ssr"))]
    {
        future
    }
}

#[cfg(feature = "ssr")]
async fn send(request: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    in_process::send(request).await
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
async fn send(request: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    browser::send(request).await
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
async fn send(_request: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    Err(ApiError::network("this build has neither the `ssr` nor the `hydrate` transport"))
}
