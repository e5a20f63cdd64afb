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
    fields.iter().all(|(name, node)| {
        let value = object.get(name).or_else(|| {
            if TAG_SPELLINGS.contains(&name.as_str()) {
                TAG_SPELLINGS.iter().find(|other| *other != name).and_then(|other| object.get(*other))
            } else {
                None
            }
        });
        value.is_some_and(|value| matches_node(node, value))
    })
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
