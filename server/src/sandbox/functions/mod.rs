//! Functions on the wire (the thin half): applications, functions and invoke.
//! Mirrors `crate::oci::functions` and reuses its structs.
//!
//! Both API versions are answered at their own paths: `/20181201`, which older SDKs and CLIs
//! call, and `/20260325`, which the current ones call (oci 2.189, oci-cli 3.95). For what the
//! sandbox models they differ only in where a function's image is: top-level `image` and
//! `imageDigest` in 20181201, `sourceDetails` in 20260325. A function is kept in 20181201's shape
//! and answered in the caller's ([`Version::shape`]); a create takes either.

pub mod state;

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use crate::oci::functions::{CreateApplicationDetails, CreateFunctionDetails, Function, FunctionSourceDetails};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// A Functions API version the sandbox answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `/20181201`.
    V20181201,
    /// `/20260325`.
    V20260325,
}

impl Version {
    /// The version a request's path names.
    fn of(uri: &Uri) -> Self {
        if uri.path().starts_with("/20260325/") { Self::V20260325 } else { Self::V20181201 }
    }

    /// A stored function as this version answers it.
    pub fn shape(self, function: Function) -> Function {
        match self {
            Self::V20181201 => function,
            Self::V20260325 => Function {
                source_details: function
                    .image
                    .clone()
                    .map(|image| FunctionSourceDetails::container_image(image, function.image_digest.clone())),
                image: None,
                image_digest: None,
                ..function
            },
        }
    }
}

/// Handles `GET /{version}/applications` (ListApplications).
pub async fn list_applications(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListQuery = wire::query(&uri)?;
    let (items, next) = sandbox.world().list_applications(&query)?;
    Ok(wire::json(&items, None, next))
}

/// Handles `POST /{version}/applications` (CreateApplication).
pub async fn create_application(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateApplicationDetails = wire::body(&body)?;
    let application = sandbox.world().create_application(details, wire::retry_token(&headers))?;
    Ok(wire::json(&application, None, None))
}

/// Handles `GET /{version}/applications/{applicationId}` (GetApplication).
pub async fn get_application(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    Ok(wire::json(&sandbox.world().get_application(&id)?, None, None))
}

/// Handles `GET /{version}/functions` (ListFunctions).
pub async fn list_functions(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListQuery = wire::query(&uri)?;
    let (items, next) = sandbox.world().list_functions(&query)?;
    let version = Version::of(&uri);
    let items: Vec<Function> = items.into_iter().map(|f| version.shape(f)).collect();
    Ok(wire::json(&items, None, next))
}

/// Handles `POST /{version}/functions` (CreateFunction).
pub async fn create_function(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateFunctionDetails = wire::body(&body)?;
    let endpoint = sandbox.base_url();
    let function = sandbox.world().create_function(details, wire::retry_token(&headers), &endpoint)?;
    Ok(wire::json(&Version::of(&uri).shape(function), None, None))
}

/// Handles `GET /{version}/functions/{functionId}` (GetFunction).
pub async fn get_function(
    State(sandbox): State<Sandbox>,
    uri: Uri,
    Path(id): Path<String>,
) -> Result<Response, SandboxError> {
    let function = sandbox.world().get_function(&id)?;
    Ok(wire::json(&Version::of(&uri).shape(function), None, None))
}

/// Handles `POST /{version}/functions/{functionId}/actions/invoke` (InvokeFunction).
pub async fn invoke_function(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    sandbox.world().get_function(&id)?;
    match sandbox.invoke(&id, "api".into(), &body).await {
        Some((status, answer)) => {
            Ok((StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), answer).into_response())
        }
        None => Ok(StatusCode::OK.into_response()),
    }
}

impl Sandbox {
    /// Records an invocation and, when the function names a local URL, calls it and returns its
    /// status and body.
    pub(super) async fn invoke(&self, function_id: &str, origin: String, body: &[u8]) -> Option<(u16, Bytes)> {
        let url = self.world().functions.record_invocation(function_id, origin, body)?;
        match self.inner.http.post(&url).body(body.to_vec()).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                Some((status, response.bytes().await.unwrap_or_default()))
            }
            Err(err) => Some((
                502,
                Bytes::from(format!("the function's {} could not be reached: {err}", state::INVOKE_URL_KEY)),
            )),
        }
    }
}
