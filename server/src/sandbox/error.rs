//! OCI's error answers, one constructor per code, with OCI's statuses.
//!
//! Every sandbox failure goes out as OCI's `{"code","message"}` body with an `opc-request-id`, so
//! clients (ours, the SDKs, the CLI) see exactly what the real service would send.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error in OCI's shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct SandboxError {
    /// HTTP status.
    pub status: StatusCode,
    /// OCI error code.
    pub code: &'static str,
    /// Text for people.
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

impl SandboxError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// 400 InvalidParameter.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
    }

    /// 400 MissingParameter.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MissingParameter", format!("Missing required parameter '{name}'."))
    }

    /// 400 CannotParseRequest.
    pub fn cannot_parse(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "CannotParseRequest", message)
    }

    /// 400 LimitExceeded.
    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "LimitExceeded", message)
    }

    /// 400 TopicLimitReached (the code of the seed workflow's error table).
    pub fn topic_limit_reached(limit: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "TopicLimitReached",
            format!("The compartment already has {limit} topics, the most it can hold."),
        )
    }

    /// 400 RelatedResourceNotAuthorizedOrNotFound.
    pub fn related_not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "RelatedResourceNotAuthorizedOrNotFound", message)
    }

    /// 401 NotAuthenticated.
    pub fn not_authenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "NotAuthenticated", message)
    }

    /// 404 NotAuthorizedOrNotFound.
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotAuthorizedOrNotFound",
            format!("Authorization failed or requested resource not found: {kind} {id}."),
        )
    }

    /// 404 NotFound, for paths no operation serves.
    pub fn no_such_operation(method: &str, path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", format!("There is no operation for {method} {path}."))
    }

    /// 409 Conflict.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", message)
    }

    /// 409 IncorrectState.
    pub fn incorrect_state(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "IncorrectState", message)
    }

    /// 409 NotAuthorizedOrResourceAlreadyExists.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "NotAuthorizedOrResourceAlreadyExists", message)
    }

    /// 409 InvalidatedRetryToken.
    pub fn invalidated_retry_token() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "InvalidatedRetryToken",
            "The retry token was used for a resource that has since been deleted; use a new token.",
        )
    }

    /// 412 NoEtagMatch.
    pub fn no_etag_match(id: &str) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "NoEtagMatch",
            format!("The if-match etag does not match the current etag of {id}."),
        )
    }

    /// 413 for bodies over a limit.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge", message)
    }

    /// 429 TooManyRequests.
    pub fn too_many_requests() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Too many requests for the tenancy.")
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    /// 501 for operations the sandbox does not model.
    pub fn not_implemented(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The Signalbox sandbox does not emulate {method} {path}."),
        )
    }
}

impl IntoResponse for SandboxError {
    fn into_response(self) -> Response {
        (self.status, Json(Body { code: self.code, message: &self.message })).into_response()
    }
}
