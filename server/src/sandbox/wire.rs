//! Helpers every wire half uses: reading queries and bodies into the client's structs with OCI's
//! errors, the request headers OCI operations take, and responses with OCI's headers.

use super::error::SandboxError;
use axum::Json;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads the query string into `T`, refusing bad values with 400 InvalidParameter.
pub fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, SandboxError> {
    Query::<T>::try_from_uri(uri)
        .map(|Query(value)| value)
        .map_err(|err| SandboxError::invalid_parameter(err.body_text()))
}

/// Reads a JSON body into `T`, refusing bad bodies with 400 and serde's explanation.
pub fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SandboxError> {
    if bytes.is_empty() {
        return Err(SandboxError::cannot_parse("The request has no body; this operation takes a JSON body."));
    }
    serde_json::from_slice(bytes).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => SandboxError::invalid_parameter(format!("Invalid request body: {err}.")),
        _ => SandboxError::cannot_parse(format!("The request body is not valid JSON: {err}.")),
    })
}

/// The `opc-retry-token` header.
pub fn retry_token(headers: &HeaderMap) -> Option<&str> {
    headers.get("opc-retry-token").and_then(|v| v.to_str().ok())
}

/// The `if-match` header.
pub fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(http::header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// 200 with a JSON body, an `etag` and an `opc-next-page` when given.
pub fn json<T: Serialize>(body: &T, etag: Option<&str>, next_page: Option<String>) -> Response {
    let mut response = (StatusCode::OK, Json(body)).into_response();
    let headers = response.headers_mut();
    if let Some(etag) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
        headers.insert(http::header::ETAG, etag);
    }
    if let Some(next) = next_page.and_then(|n| HeaderValue::from_str(&n).ok()) {
        headers.insert("opc-next-page", next);
    }
    response
}

/// 204 without a body (deletes).
pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// 200 without a body (compartment moves).
pub fn accepted() -> Response {
    StatusCode::OK.into_response()
}
