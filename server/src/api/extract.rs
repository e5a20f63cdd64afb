//! The path and query extractors of `/api/v1`: like axum's, but a refusal is the API's own error
//! shape naming the parameter (`team_id`, `limit`), never axum's plain-text rejection. With
//! [`super::json::Json`] for bodies, every input a handler takes is refused the same way.

use crate::error::AppError;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use http::request::Parts;
use serde::de::DeserializeOwned;

/// Path parameters of type `T` (a tuple in route order, or one value).
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        if let Ok(params) = RawPathParams::from_request_parts(parts, state).await {
            for (name, value) in &params {
                refuse_controls(name, value)?;
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(err)) => {
                let names =
                    parts.extensions.get::<MatchedPath>().map(|p| parameter_names(p.as_str())).unwrap_or_default();
                let (field, value, expected) = match err.into_kind() {
                    ErrorKind::ParseErrorAtKey { key, value, expected_type } => (key, value, expected_type),
                    ErrorKind::ParseErrorAtIndex { index, value, expected_type } => {
                        (names.get(index).cloned().unwrap_or_else(|| "path".into()), value, expected_type)
                    }
                    ErrorKind::ParseError { value, expected_type } => {
                        (names.first().cloned().unwrap_or_else(|| "path".into()), value, expected_type)
                    }
                    ErrorKind::InvalidUtf8InPathParam { key } => (key, String::new(), "UTF-8 text"),
                    other => ("path".into(), String::new(), expected_of(&other)),
                };
                let what = if expected.starts_with('i') || expected.starts_with('u') { "a number" } else { expected };
                let shown: String = value.chars().take(64).collect();
                Err(AppError::invalid(
                    &field,
                    format!("{field} must be {what}; \"{shown}\" is not. Copy the id from the list."),
                ))
            }
            Err(_) => Err(AppError::invalid("path", "The path could not be read; copy the URL from the console.")),
        }
    }
}

/// Refuses a parameter holding a control character. No parameter of the API is meant to hold
/// one, and some cannot be stored or searched with one: PostgreSQL refuses NUL in text, and a NUL
/// ends an FTS5 phrase early, so letting them through turned a typo into a 500.
fn refuse_controls(name: &str, value: &str) -> Result<(), AppError> {
    match value.chars().enumerate().find(|(_, c)| c.is_control()) {
        None => Ok(()),
        Some((index, c)) => Err(AppError::invalid(
            name,
            format!(
                "{name}: character {} is an invisible control character (U+{:04X}); remove it.",
                index + 1,
                c as u32
            ),
        )),
    }
}

/// A short description of an unexpected path error (without the value, which may be long).
fn expected_of(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::WrongNumberOfParameters { .. } => "the right number of parameters",
        _ => "a valid value",
    }
}

/// The `{name}` parameters of a route template, in order.
fn parameter_names(route: &str) -> Vec<String> {
    route
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.trim_start_matches('*').to_owned())
        .collect()
}

/// Query parameters of type `T`; a bad one is refused naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            refuse_controls(&name, &value)?;
        }
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer).map(Query).map_err(|err| {
            let inner = err.inner().to_string();
            let field = super::json::field_of(&err.path().to_string(), &inner, "query");
            AppError::invalid(&field, format!("{field}: {inner}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_parameters_are_named_in_order() {
        assert_eq!(
            parameter_names("/api/v1/teams/{team_id}/connections/{connection_id}/topics/{topic_id}"),
            ["team_id", "connection_id", "topic_id"]
        );
        assert_eq!(parameter_names("/api/{*rest}"), ["rest"]);
    }
}
