//! Turning condition text into a [`Condition`], with errors that say where and why.

use super::locate::{Segment, line_column, locate};
use super::{Condition, MAX_CONDITION_LEN, Node};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of mistake a condition has, for the UI to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionErrorKind {
    /// Not JSON.
    Syntax,
    /// Not JSON, and shaped like Terraform's HCL.
    LooksLikeHcl,
    /// JSON, but not an object at the top.
    NotAnObject,
    /// A `null` value.
    Null,
    /// An empty array, which would match nothing.
    EmptyList,
    /// An object or array inside an array.
    NestedInList,
    /// Longer than [`MAX_CONDITION_LEN`].
    TooLong,
}

/// A condition that cannot be used, located in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ConditionError {
    /// What kind of mistake.
    pub kind: ConditionErrorKind,
    /// What is wrong and what to write instead.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Where in the JSON (`data.freeformTags.team`), for errors about a value.
    pub path: Option<String>,
}

const EXAMPLE: &str = r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}"#;

pub(super) fn parse(text: &str) -> Result<Condition, ConditionError> {
    if let Some((offset, _)) = text.char_indices().nth(MAX_CONDITION_LEN) {
        let (line, column) = line_column(text, offset);
        return Err(ConditionError {
            kind: ConditionErrorKind::TooLong,
            message: format!(
                "the condition is longer than {MAX_CONDITION_LEN} characters; split it into several rules"
            ),
            line,
            column,
            path: None,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|err| syntax_error(text, &err))?;
    let Value::Object(fields) = value else {
        let start = text.len() - text.trim_start().len();
        let (line, column) = line_column(text, start);
        return Err(ConditionError {
            kind: ConditionErrorKind::NotAnObject,
            message: format!("a condition is a JSON object shaped like the event, such as {EXAMPLE}"),
            line,
            column,
            path: None,
        });
    };
    let mut path = Vec::new();
    let root = object_fields(text, fields, &mut path)?;
    Ok(Condition { root })
}

fn object_fields(
    text: &str,
    fields: Map<String, Value>,
    path: &mut Vec<Segment>,
) -> Result<Vec<(String, Node)>, ConditionError> {
    let mut out = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        path.push(Segment::Key(name.clone()));
        let node = node(text, value, path)?;
        path.pop();
        out.push((name, node));
    }
    Ok(out)
}

fn node(text: &str, value: Value, path: &mut Vec<Segment>) -> Result<Node, ConditionError> {
    match value {
        Value::Object(fields) => Ok(Node::Object(object_fields(text, fields, path)?)),
        Value::Array(items) if items.is_empty() => Err(value_error(
            text,
            path,
            ConditionErrorKind::EmptyList,
            "an empty list matches nothing; list at least one value or remove the field",
        )),
        Value::Array(items) => {
            let mut patterns = Vec::with_capacity(items.len());
            for (index, item) in items.into_iter().enumerate() {
                path.push(Segment::Index(index));
                let pattern = match item {
                    Value::Object(_) | Value::Array(_) => Err(value_error(
                        text,
                        path,
                        ConditionErrorKind::NestedInList,
                        "a list holds alternative values (strings, numbers, booleans), not objects or lists",
                    )),
                    Value::Null => Err(null_error(text, path)),
                    scalar => Ok(scalar_text(scalar)),
                };
                path.pop();
                patterns.push(pattern?);
            }
            Ok(Node::AnyOf(patterns))
        }
        Value::Null => Err(null_error(text, path)),
        scalar => Ok(Node::AnyOf(vec![scalar_text(scalar)])),
    }
}

fn scalar_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

fn null_error(text: &str, path: &[Segment]) -> ConditionError {
    value_error(
        text,
        path,
        ConditionErrorKind::Null,
        "null matches nothing; write the value to match, or remove the field",
    )
}

fn value_error(text: &str, path: &[Segment], kind: ConditionErrorKind, message: &str) -> ConditionError {
    let (line, column) = line_column(text, locate(text, path).unwrap_or(0));
    ConditionError { kind, message: message.to_owned(), line, column, path: Some(render_path(path)) }
}

fn render_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn syntax_error(text: &str, err: &serde_json::Error) -> ConditionError {
    let (line, column) = (err.line().max(1), err.column().max(1));
    let detail = err.to_string();
    let detail = detail.split(" at line ").next().unwrap_or(&detail).to_owned();
    if looks_like_hcl(text) {
        return ConditionError {
            kind: ConditionErrorKind::LooksLikeHcl,
            message: format!(
                "this looks like HCL (Terraform syntax), not JSON: quote every key and use a colon, such as {EXAMPLE}"
            ),
            line,
            column,
            path: None,
        };
    }
    let message = if text.trim().is_empty() {
        format!("the condition is empty; write a JSON object such as {EXAMPLE}, or {{}} to match every event")
    } else {
        format!("not valid JSON ({detail})")
    };
    ConditionError { kind: ConditionErrorKind::Syntax, message, line, column, path: None }
}

/// A line that starts with a bare identifier followed by `=` or `{` (`eventType = [...]`,
/// `condition {`), which JSON never has and HCL always does.
fn looks_like_hcl(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        let ident_len = line.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.').count();
        ident_len > 0
            && line.as_bytes()[0].is_ascii_alphabetic()
            && matches!(line[ident_len..].trim_start().bytes().next(), Some(b'=' | b'{'))
    })
}
