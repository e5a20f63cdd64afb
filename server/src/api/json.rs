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
            let inner_text = err.inner().to_string();
            let field = field_of(&err.path().to_string(), &inner_text, "body");
            let inner = err.into_inner();
            let message = match inner.classify() {
                serde_json::error::Category::Data => format!("{field}: {inner}"),
                _ => format!("The body is not valid JSON: {inner}."),
            };
            AppError::invalid(&field, message)
        })
    }
}

/// The field an input error is about: the path serde reached, or for a field that is missing or
/// given twice (serde reports those at the enclosing object), the field named in the message;
/// `whole` when nothing narrower is known.
pub(super) fn field_of(path: &str, message: &str, whole: &str) -> String {
    let named = ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.split(prefix).nth(1).and_then(|rest| rest.split('`').next()));
    let parent = match path {
        "." | "?" | "" => None,
        other => Some(other),
    };
    match (parent, named) {
        (Some(parent), Some(name)) => format!("{parent}.{name}"),
        (None, Some(name)) => name.to_owned(),
        (Some(parent), None) => parent.to_owned(),
        (None, None) => whole.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::field_of;

    #[test]
    fn errors_name_the_narrowest_field() {
        assert_eq!(field_of(".", "missing field `name` at line 1 column 2", "body"), "name");
        assert_eq!(field_of("source", "duplicate field `name`", "body"), "source.name");
        assert_eq!(field_of("actions[0].kind", "unknown variant `SHELL`", "body"), "actions[0].kind");
        assert_eq!(field_of("?", "key must be a string", "body"), "body");
        assert_eq!(field_of(".", "invalid type: sequence", "query"), "query");
    }
}
