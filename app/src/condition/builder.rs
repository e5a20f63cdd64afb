//! The condition as the editor's builder shows it: the event types, then one filter per field
//! path with its accepted values. Every valid condition has exactly one such form, so the
//! builder and the JSON view can share one source of truth (the text): the builder reads the
//! text, and each change it makes writes the whole text back.

use super::{Condition, Node};

/// A condition split into what the builder edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// Values of the top-level `eventType` (types or wildcard patterns), in order.
    pub event_types: Vec<String>,
    /// Every other field the condition names, in order.
    pub filters: Vec<Filter>,
}

/// One field the condition names, with the values it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Field names from the top of the event (`["data", "freeformTags", "team"]`).
    pub path: Vec<String>,
    /// Accepted values (any of them); empty when the field only has to be an object.
    pub values: Vec<String>,
}

/// What a filter is about, for the builder's three sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// A free-form tag (`data.freeformTags.<key>`).
    FreeformTag,
    /// A defined tag (`data.definedTags.<namespace>.<key>`).
    DefinedTag,
    /// Any other field.
    Attribute,
}

impl Filter {
    /// Which section shows it.
    pub fn kind(&self) -> FilterKind {
        match self.path.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["data", "freeformTags" | "freeFormTags", _] => FilterKind::FreeformTag,
            ["data", "definedTags", _, _] => FilterKind::DefinedTag,
            _ => FilterKind::Attribute,
        }
    }

    /// The path as people write it (`data.resourceName`).
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// Field paths the attribute picker suggests: the envelope's data fields every event carries,
/// and the Object Storage details the reference's examples filter on.
pub const SUGGESTED_PATHS: &[&str] = &[
    "data.resourceName",
    "data.resourceId",
    "data.compartmentName",
    "data.compartmentId",
    "data.availabilityDomain",
    "data.additionalDetails.bucketName",
    "data.additionalDetails.namespace",
    "source",
];

impl Draft {
    /// The builder's form of a valid condition.
    pub fn of(condition: &Condition) -> Self {
        let mut draft = Self::default();
        for (name, node) in &condition.root {
            match node {
                Node::AnyOf(values) if name == "eventType" => draft.event_types.extend(values.iter().cloned()),
                _ => flatten(vec![name.clone()], node, &mut draft.filters),
            }
        }
        draft
    }

    /// Condition text for this draft: `eventType` first as a list, then the filters nested as
    /// the event nests them, one value as a string, several as a list; two-space indents.
    pub fn to_text(&self) -> String {
        let mut tree: Vec<(String, Tree)> = Vec::new();
        if !self.event_types.is_empty() {
            tree.push(("eventType".to_owned(), Tree::List(self.event_types.clone())));
        }
        for filter in &self.filters {
            insert(&mut tree, &filter.path, &filter.values);
        }
        let mut out = String::new();
        write_object(&tree, 0, &mut out);
        out
    }

    /// Adds `values` at `path`, merging with a filter already there.
    pub fn add(&mut self, path: Vec<String>, values: Vec<String>) {
        if path.as_slice() == ["eventType"] {
            for value in values {
                if !self.event_types.contains(&value) {
                    self.event_types.push(value);
                }
            }
            return;
        }
        // A filter on a path inside or above another would change what that one means.
        self.filters.retain(|f| !(f.path.starts_with(&path) || path.starts_with(&f.path)) || f.path == path);
        match self.filters.iter_mut().find(|f| f.path == path) {
            Some(existing) => {
                for value in values {
                    if !existing.values.contains(&value) {
                        existing.values.push(value);
                    }
                }
            }
            None => self.filters.push(Filter { path, values }),
        }
    }

    /// Adds or removes one event type.
    pub fn toggle_type(&mut self, name: &str) {
        if let Some(at) = self.event_types.iter().position(|t| t == name) {
            self.event_types.remove(at);
        } else {
            self.event_types.push(name.to_owned());
        }
    }
}

/// Splits `a, b` into trimmed, non-empty values.
pub fn split_values(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// Splits `data.resourceName` into field names; `None` when a name is empty.
pub fn split_path(text: &str) -> Option<Vec<String>> {
    let parts: Vec<String> = text.trim().split('.').map(|p| p.trim().to_owned()).collect();
    (!parts.iter().any(String::is_empty)).then_some(parts)
}

fn flatten(path: Vec<String>, node: &Node, out: &mut Vec<Filter>) {
    match node {
        Node::AnyOf(values) => out.push(Filter { path, values: values.clone() }),
        Node::Object(fields) if fields.is_empty() => out.push(Filter { path, values: Vec::new() }),
        Node::Object(fields) => {
            for (name, child) in fields {
                let mut deeper = path.clone();
                deeper.push(name.clone());
                flatten(deeper, child, out);
            }
        }
    }
}

enum Tree {
    List(Vec<String>),
    Object(Vec<(String, Tree)>),
}

fn insert(tree: &mut Vec<(String, Tree)>, path: &[String], values: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let at = match tree.iter().position(|(name, _)| name == first) {
        Some(at) => at,
        None => {
            let node =
                if rest.is_empty() && !values.is_empty() { Tree::List(Vec::new()) } else { Tree::Object(Vec::new()) };
            tree.push((first.clone(), node));
            tree.len() - 1
        }
    };
    match (&mut tree[at].1, rest.is_empty()) {
        (Tree::List(list), true) => list.extend(values.iter().cloned()),
        (Tree::Object(children), false) => insert(children, rest, values),
        // An empty object stays empty; a path through a value cannot happen (`Draft::add`).
        _ => {}
    }
}

fn write_object(fields: &[(String, Tree)], depth: usize, out: &mut String) {
    if fields.is_empty() {
        out.push_str("{}");
        return;
    }
    let indent = "  ".repeat(depth + 1);
    out.push_str("{\n");
    for (i, (name, node)) in fields.iter().enumerate() {
        out.push_str(&indent);
        out.push_str(&quote(name));
        out.push_str(": ");
        match node {
            Tree::Object(children) => write_object(children, depth + 1, out),
            Tree::List(values) if name == "eventType" && depth == 0 => {
                out.push_str("[\n");
                for (j, value) in values.iter().enumerate() {
                    out.push_str(&format!("{indent}  {}", quote(value)));
                    out.push_str(if j + 1 < values.len() { ",\n" } else { "\n" });
                }
                out.push_str(&indent);
                out.push(']');
            }
            Tree::List(values) if values.len() == 1 => out.push_str(&quote(&values[0])),
            Tree::List(values) => {
                out.push('[');
                out.push_str(&values.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", "));
                out.push(']');
            }
        }
        out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
    }
    out.push_str(&"  ".repeat(depth));
    out.push('}');
}

fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_round_trips_through_the_builder() {
        let text = r#"{"eventType": ["com.oraclecloud.objectstorage.createobject", "com.oraclecloud.objectstorage.deleteobject"],
            "data": {"additionalDetails": {"bucketName": ["inbound", "archive"]}, "freeformTags": {"team": "web"},
                     "definedTags": {"Operations": {"CostCenter": ["42", "43"]}}}}"#;
        let condition = Condition::parse(text).unwrap();
        let draft = Draft::of(&condition);
        assert_eq!(draft.event_types.len(), 2);
        let kinds: Vec<(String, FilterKind)> = draft.filters.iter().map(|f| (f.dotted(), f.kind())).collect();
        assert!(kinds.contains(&("data.freeformTags.team".to_owned(), FilterKind::FreeformTag)));
        assert!(kinds.contains(&("data.definedTags.Operations.CostCenter".to_owned(), FilterKind::DefinedTag)));
        assert!(kinds.contains(&("data.additionalDetails.bucketName".to_owned(), FilterKind::Attribute)));
        let written = draft.to_text();
        let reparsed = Condition::parse(&written).unwrap();
        assert_eq!(Draft::of(&reparsed), draft, "{written}");
        assert!(
            written.starts_with("{\n  \"eventType\": [\n    \"com.oraclecloud.objectstorage.createobject\",\n"),
            "{written}"
        );
        assert!(written.contains(r#""bucketName": ["inbound", "archive"]"#), "{written}");
        assert!(written.contains(r#""team": "web""#), "{written}");
    }

    #[test]
    fn builder_changes_write_valid_conditions() {
        let mut draft = Draft::default();
        assert_eq!(draft.to_text(), "{}");
        draft.toggle_type("com.oraclecloud.computeapi.launchinstance.end");
        draft.add(split_path("data.resourceName").unwrap(), split_values(" web-*, api-* ,"));
        draft.add(split_path("data.resourceName").unwrap(), split_values("web-*, db-*"));
        draft.add(vec!["data".into(), "freeformTags".into(), "team".into()], vec!["ops".into()]);
        assert_eq!(draft.filters[0].values, ["web-*", "api-*", "db-*"]);
        let condition = Condition::parse(&draft.to_text()).unwrap();
        let event = serde_json::json!({
            "eventType": "com.oraclecloud.computeapi.launchinstance.end",
            "data": {"resourceName": "api-7", "freeformTags": {"team": "ops"}}
        });
        assert!(condition.matches(&event));
        draft.toggle_type("com.oraclecloud.computeapi.launchinstance.end");
        assert!(draft.event_types.is_empty());
        // A filter on `data` as a whole would contradict the ones inside it: it replaces them.
        draft.add(vec!["data".into()], vec!["x".into()]);
        assert_eq!(draft.filters.len(), 1);
        assert!(Condition::parse(&draft.to_text()).is_ok());
        assert_eq!(split_path("data..x"), None);
        assert_eq!(split_path(""), None);
    }
}
