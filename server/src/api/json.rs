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
        if let Some(field) = field_with_nul(&bytes) {
            return Err(AppError::invalid(
                &field,
                format!("{field} holds a NUL character (\\u0000), which no text field can store; remove it."),
            ));
        }
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

/// The first field whose text (or name) holds a NUL, for a body that escapes one. PostgreSQL
/// refuses NUL in text outright, so one reaching a query would be a 500 (it did, at sign-in); no
/// field has a use for it, so it is refused here for every body at once. Bodies without the
/// escape, nearly all, are not parsed twice.
fn field_with_nul(bytes: &[u8]) -> Option<String> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    nul_path(&value, String::new())
}

fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    let child = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    match value {
        serde_json::Value::String(text) if text.contains('\0') => {
            Some(if path.is_empty() { "body".into() } else { path })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{}[{i}]", if path.is_empty() { "body" } else { &path }))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            if name.contains('\0') { Some(child(&name.replace('\0', "\\u0000"))) } else { nul_path(item, child(name)) }
        }),
        _ => None,
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
    fn a_nul_anywhere_is_found_and_named() {
        use super::field_with_nul;
        let found = |body: &str| field_with_nul(body.as_bytes());
        assert_eq!(found(r#"{"username": "ad\u0000min"}"#).as_deref(), Some("username"));
        assert_eq!(found(r#"{"a": {"b": [1, "x", "\u0000"]}}"#).as_deref(), Some("a.b[2]"));
        assert_eq!(found(r#"["ok", "\u0000"]"#).as_deref(), Some("body[1]"));
        assert_eq!(found(r#"{"k\u0000": 1}"#).as_deref(), Some("k\\u0000"));
        assert_eq!(found(r#"{"literal": "\\u0000 is six characters"}"#), None, "an escaped backslash, not a NUL");
        assert_eq!(found(r#"{"plain": "text"}"#), None);
        assert_eq!(found(r#"{"broken": "\u0000"#), None, "left to the parser to refuse");
    }

    #[test]
    fn errors_name_the_narrowest_field() {
        assert_eq!(field_of(".", "missing field `name` at line 1 column 2", "body"), "name");
        assert_eq!(field_of("source", "duplicate field `name`", "body"), "source.name");
        assert_eq!(field_of("actions[0].kind", "unknown variant `SHELL`", "body"), "actions[0].kind");
        assert_eq!(field_of("?", "key must be a string", "body"), "body");
        assert_eq!(field_of(".", "invalid type: sequence", "query"), "query");
    }
}
