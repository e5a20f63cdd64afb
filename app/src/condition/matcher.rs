//! Matching a validated condition against an event.

use super::Node;
use serde_json::Value;

/// The two spellings of the free-form tag field in Oracle's documentation.
const TAG_SPELLINGS: [&str; 2] = ["freeformTags", "freeFormTags"];

/// Every named field exists in `event` and matches.
pub(super) fn matches_fields(fields: &[(String, Node)], event: &Value) -> bool {
    let Value::Object(object) = event else {
        return false;
    };
    fields.iter().all(|(name, node)| field(object, name).is_some_and(|value| matches_node(node, value)))
}

/// The field `name` of an event object, either spelling for free-form tags.
fn field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        if TAG_SPELLINGS.contains(&name) {
            TAG_SPELLINGS.iter().find(|other| **other != name).and_then(|other| object.get(*other))
        } else {
            None
        }
    })
}

/// How one field the condition names fared against an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCheck {
    /// Dotted path of the field (`data.freeformTags.team`).
    pub path: String,
    /// The alternatives the condition accepts there; empty where it only asks for an object.
    pub wanted: Vec<String>,
    /// What the event holds there, and whether that was accepted.
    pub outcome: Outcome,
}

/// The result of one [`FieldCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The event's value (shown) is accepted.
    Matched(String),
    /// The event holds this value, which no alternative accepts.
    Different(String),
    /// The event has no such field.
    Missing,
    /// The condition nests fields here, but the event holds this value, not an object.
    NotAnObject(String),
}

impl FieldCheck {
    /// Whether this field matched.
    pub fn matched(&self) -> bool {
        matches!(self.outcome, Outcome::Matched(_))
    }
}

/// Every field the condition names, checked against `event`, in the condition's order; fields
/// under a missing or non-object field are not listed. The event matches exactly when every
/// check matched (the tests hold this against [`matches_fields`]).
pub(super) fn explain_fields(fields: &[(String, Node)], event: &Value, prefix: &str, out: &mut Vec<FieldCheck>) {
    let Value::Object(object) = event else {
        let path = if prefix.is_empty() { "(the event)".to_owned() } else { prefix.trim_end_matches('.').to_owned() };
        out.push(FieldCheck { path, wanted: Vec::new(), outcome: Outcome::NotAnObject(describe(event)) });
        return;
    };
    for (name, node) in fields {
        let path = format!("{prefix}{name}");
        let wanted = match node {
            Node::AnyOf(patterns) => patterns.clone(),
            Node::Object(_) => Vec::new(),
        };
        let outcome = match (node, field(object, name)) {
            (_, None) => Outcome::Missing,
            (Node::Object(_), Some(value)) if !value.is_object() => Outcome::NotAnObject(describe(value)),
            (Node::Object(children), Some(value)) if !children.is_empty() => {
                explain_fields(children, value, &format!("{path}."), out);
                continue;
            }
            (Node::Object(_), Some(_)) => Outcome::Matched("an object".to_owned()),
            (Node::AnyOf(patterns), Some(value)) if matches_value(patterns, value) => Outcome::Matched(describe(value)),
            (Node::AnyOf(_), Some(value)) => Outcome::Different(describe(value)),
        };
        out.push(FieldCheck { path, wanted, outcome });
    }
}

/// An event value as the Test panel shows it: strings quoted, long text shortened.
fn describe(value: &Value) -> String {
    const LONGEST: usize = 80;
    let text = match value {
        Value::Object(_) => return "an object".to_owned(),
        other => other.to_string(),
    };
    if text.chars().count() > LONGEST { format!("{}…", text.chars().take(LONGEST).collect::<String>()) } else { text }
}

fn matches_node(node: &Node, value: &Value) -> bool {
    match node {
        Node::Object(fields) => matches_fields(fields, value),
        Node::AnyOf(patterns) => matches_value(patterns, value),
    }
}

fn matches_value(patterns: &[String], value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| matches_value(patterns, item)),
        Value::Object(_) | Value::Null => false,
        Value::String(text) => patterns.iter().any(|p| wildcard(p, text)),
        Value::Number(number) => patterns.iter().any(|p| wildcard(p, &number.to_string())),
        Value::Bool(flag) => patterns.iter().any(|p| wildcard(p, if *flag { "true" } else { "false" })),
    }
}

/// `*` matches any run of characters (including none); everything else matches itself.
pub(super) fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let middle: Vec<&str> = parts.collect();
    let Some((last, middle)) = middle.split_last() else {
        // No `*` at all: exact match.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}
