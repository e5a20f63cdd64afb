//! The JSON body extractor of `/api/v1`: like `axum::Json`, but every refusal is the API's own
//! error shape with the offending field named (`teams[0].role`), via serde_path_to_error.

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

/// A JSON request body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.split(';').next().is_some_and(|mime| mime.trim() == "application/json"));
        if !is_json {
            return Err(AppError::invalid("body", "Send the body as JSON with Content-Type: application/json."));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge { limit: crate::config::DEFAULT_MAX_BODY_BYTES })?;
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(deserializer).map(Json).map_err(|err| {
            let path = err.path().to_string();
            let field = if path == "." { "body".to_owned() } else { path };
            let inner = err.into_inner();
            let message = match inner.classify() {
                serde_json::error::Category::Data => format!("{field}: {inner}"),
                _ => format!("The body is not valid JSON: {inner}."),
            };
            AppError::invalid(&field, message)
        })
    }
}
