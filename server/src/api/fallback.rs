//! JSON answers for requests under `/api` that no handler takes: clients parse every `/api`
//! response as JSON, so a 404 or 405 must not be an HTML page or an empty body.

use crate::error::AppError;
use axum::http::{Method, Uri};

/// Handles any unmatched path under `/api`.
pub async fn route_not_found(uri: Uri) -> AppError {
    AppError::RouteNotFound { path: uri.path().to_owned() }
}

/// Handles a known `/api` path requested with a method it does not support. The access
/// middleware answers such requests first (with the `Allow` header from the access policy); this
/// is the router's own answer should a request ever reach it.
pub async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::MethodNotAllowed { method: method.to_string(), path: uri.path().to_owned(), allow: Vec::new() }
}
