//! `AppError`: the one error type of the HTTP boundary, mapped to a status and a JSON body once.
//!
//! The match in `into_response` is exhaustive on purpose: a new variant must choose its status and
//! code, it cannot silently become a 500. Causes of server-side failures are logged (inside the
//! request's tracing span, so the log line carries the method, path and request id) and never sent
//! to the client.

use crate::db::DbError;
use app::api::{ErrorBody, ErrorCode};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A record the request names does not exist; the message says which.
    #[error("{0}")]
    NotFound(String),
    /// No API route has this path.
    #[error("No API route matches {path}. The routes are listed in /api/v1/openapi.json.")]
    RouteNotFound {
        /// The requested path.
        path: String,
    },
    /// The path exists, but not for this method.
    #[error(
        "{method} is not supported on {path}. The methods it accepts are in the Allow header and /api/v1/openapi.json."
    )]
    MethodNotAllowed {
        /// The requested method.
        method: String,
        /// The requested path.
        path: String,
        /// The methods the path accepts (HEAD included where GET is), for the `Allow` header.
        allow: Vec<&'static str>,
    },
    /// A value in the request is not acceptable.
    #[error("{message}")]
    InvalidInput {
        /// Which field, as a dotted path.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No valid session or token.
    #[error("Log in first, or send an API token as Authorization: Bearer <token>.")]
    Unauthenticated,
    /// The username or password is wrong.
    #[error("Wrong username or password.")]
    InvalidCredentials,
    /// The caller's role does not allow this; the message says what would.
    #[error("{0}")]
    Forbidden(String),
    /// A state-changing session request without the CSRF token.
    #[error("This request needs the x-csrf-token header of your session; reload the page and try again.")]
    CsrfFailed,
    /// The user must change their password first.
    #[error("Change your password first: POST /api/v1/auth/password.")]
    PasswordChangeRequired,
    /// An OCI call failed; its message carries OCI's code, the remedy and the request id.
    #[error("{}{}", .0, .0.opc_request_id().map(|id| format!(" (opc-request-id {id})")).unwrap_or_default())]
    Oci(crate::oci::error::OciError),
    /// A stored connection cannot sign requests; the message says why and what to do.
    #[error("{0}")]
    ConnectionUnusable(String),
    /// A name or key is taken.
    #[error("{message}")]
    Conflict {
        /// Which field.
        field: String,
        /// What is taken and what to do.
        message: String,
    },
    /// The body is over the configured limit.
    #[error("The request body is larger than the limit of {limit} bytes. Send less data per request.")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Over a rate limit; the answer carries `Retry-After`.
    #[error("{message} Try again in {} s.", retry_after_secs(*.retry_after))]
    TooManyRequests {
        /// What was limited.
        message: String,
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// The session store (in the database) did not answer.
    #[error("Sessions are not available right now. Try again in a moment.")]
    SessionStore(String),
    /// The database did not answer.
    #[error("The database is not available right now. Try again in a moment.")]
    Unavailable(#[source] DbError),
    /// Any other database failure.
    #[error("Signalbox could not complete this request. The cause is in the server log.")]
    Database(#[source] DbError),
    /// A bug or an unexpected condition.
    #[error("Signalbox could not complete this request. The cause is in the server log.")]
    Internal(#[from] anyhow::Error),
}

/// Whole seconds to wait, rounded up (never 0: `Retry-After: 0` invites an immediate retry).
fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0 || wait.is_zero())
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        AppError::SessionStore(err.to_string())
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => AppError::NotFound("The requested record does not exist.".into()),
            DbError::Conflict => {
                AppError::Conflict { field: String::new(), message: "A record with this name exists already.".into() }
            }
            DbError::Other(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => {
                AppError::Unavailable(err)
            }
            other => AppError::Database(other),
        }
    }
}

impl AppError {
    /// A value that is not acceptable, naming the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::InvalidInput { field: field.to_owned(), message: message.into() }
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            AppError::NotFound(_) | AppError::RouteNotFound { .. } => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            AppError::MethodNotAllowed { .. } => (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed),
            AppError::InvalidInput { .. } => (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            AppError::CsrfFailed => (StatusCode::FORBIDDEN, ErrorCode::CsrfFailed),
            AppError::PasswordChangeRequired => (StatusCode::FORBIDDEN, ErrorCode::PasswordChangeRequired),
            AppError::Conflict { .. } => (StatusCode::CONFLICT, ErrorCode::Conflict),
            AppError::ConnectionUnusable(_) => (StatusCode::CONFLICT, ErrorCode::ConnectionUnusable),
            // OCI's answers about the request itself (bad value, no such resource, conflict,
            // throttling) keep their status; anything else is the upstream failing.
            AppError::Oci(err) => match err.status() {
                Some(status @ (400 | 404 | 409 | 412 | 429)) => {
                    (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), ErrorCode::CloudError)
                }
                _ => (StatusCode::BAD_GATEWAY, ErrorCode::CloudError),
            },
            AppError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests),
            AppError::Unavailable(_) | AppError::SessionStore(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable)
            }
            AppError::Database(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl From<app::model::problem::Problem> for AppError {
    fn from(problem: app::model::problem::Problem) -> Self {
        AppError::invalid(&problem.field, problem.message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            let cause = match &self {
                AppError::SessionStore(detail) => detail.clone(),
                _ => std::error::Error::source(&self).map(|s| format!("{s:#}")).unwrap_or_else(|| format!("{self:#}")),
            };
            tracing::error!(error.cause = %cause, "request failed");
        }
        let field = match &self {
            AppError::InvalidInput { field, .. } | AppError::Conflict { field, .. } => Some(field.clone()),
            _ => None,
        };
        let header = match &self {
            AppError::MethodNotAllowed { allow, .. } if !allow.is_empty() => {
                Some((http::header::ALLOW, allow.join(", ")))
            }
            AppError::TooManyRequests { retry_after, .. } => {
                Some((http::header::RETRY_AFTER, retry_after_secs(*retry_after).to_string()))
            }
            _ => None,
        };
        let cloud = match &self {
            AppError::Oci(err) => Some(Box::new(err.failure())),
            _ => None,
        };
        let mut response = (status, Json(ErrorBody { code, message: self.to_string(), field, cloud })).into_response();
        if let Some((name, value)) = header
            && let Ok(value) = http::HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
