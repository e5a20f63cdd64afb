//! Side-by-side line diff of an audit entry's before and after snapshots.
//!
//! Both snapshots are pretty-printed JSON with keys in a stable order; a rule's condition, stored
//! as a JSON string, is expanded into the JSON it holds so a changed attribute shows as one
//! changed line rather than one long string.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

/// How a row of the diff differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The same on both sides.
    Same,
    /// Only before (removed).
    Removed,
    /// Only after (added).
    Added,
    /// Before and after differ on this line.
    Changed,
}

/// One row: a line number and text on each side, when the side has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Before.
    pub left: Option<Line>,
    /// After.
    pub right: Option<Line>,
    /// How they differ.
    pub change: Change,
}

/// The snapshot as the diff shows it.
pub fn pretty(value: Option<&Value>) -> String {
    value.map(|v| serde_json::to_string_pretty(&expand(v.clone())).unwrap_or_default()).unwrap_or_default()
}

/// Replaces string fields named `condition` that hold JSON with that JSON.
fn expand(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| {
                    let v = match (key.as_str(), v) {
                        ("condition", Value::String(text)) => {
                            serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text))
                        }
                        (_, other) => expand(other),
                    };
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

/// A numbered line of one side.
type Line = (usize, String);

/// The rows of the diff. Removed and added lines next to each other are paired as changed lines.
pub fn side_by_side(before: &str, after: &str) -> Vec<Row> {
    let diff = TextDiff::from_lines(before, after);
    let mut rows = Vec::new();
    let (mut removed, mut added): (Vec<Line>, Vec<Line>) = (Vec::new(), Vec::new());
    let flush = |rows: &mut Vec<Row>, removed: &mut Vec<Line>, added: &mut Vec<Line>| {
        let pairs = removed.len().max(added.len());
        let (mut left, mut right) = (removed.drain(..), added.drain(..));
        for _ in 0..pairs {
            let (l, r) = (left.next(), right.next());
            let change = match (&l, &r) {
                (Some(_), Some(_)) => Change::Changed,
                (Some(_), None) => Change::Removed,
                _ => Change::Added,
            };
            rows.push(Row { left: l, right: r, change });
        }
    };
    for change in diff.iter_all_changes() {
        let text = change.value().trim_end_matches('\n').to_owned();
        match change.tag() {
            ChangeTag::Equal => {
                flush(&mut rows, &mut removed, &mut added);
                let (old, new) = (change.old_index().unwrap_or_default(), change.new_index().unwrap_or_default());
                rows.push(Row {
                    left: Some((old + 1, text.clone())),
                    right: Some((new + 1, text)),
                    change: Change::Same,
                });
            }
            ChangeTag::Delete => removed.push((change.old_index().unwrap_or_default() + 1, text)),
            ChangeTag::Insert => added.push((change.new_index().unwrap_or_default() + 1, text)),
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_changed_condition_attribute_is_one_changed_line() {
        let before = json!({"name": "r", "condition": "{\"eventType\":[\"a\"],\"data\":{\"x\":\"1\"}}"});
        let after = json!({"name": "r", "condition": "{\"eventType\":[\"a\"],\"data\":{\"x\":\"2\"}}"});
        let rows = side_by_side(&pretty(Some(&before)), &pretty(Some(&after)));
        let changed: Vec<&Row> = rows.iter().filter(|r| r.change != Change::Same).collect();
        assert_eq!(changed.len(), 1, "{rows:#?}");
        assert_eq!(changed[0].change, Change::Changed);
        assert!(changed[0].left.as_ref().is_some_and(|(_, t)| t.contains("\"1\"")));
        assert!(changed[0].right.as_ref().is_some_and(|(_, t)| t.contains("\"2\"")));
    }

    #[test]
    fn creation_is_all_added_and_deletion_all_removed() {
        let value = json!({"name": "t"});
        let created = side_by_side("", &pretty(Some(&value)));
        assert!(created.iter().all(|r| r.change == Change::Added && r.left.is_none()));
        let deleted = side_by_side(&pretty(Some(&value)), "");
        assert!(deleted.iter().all(|r| r.change == Change::Removed && r.right.is_none()));
        assert_eq!(created.len(), 3);
    }
}
