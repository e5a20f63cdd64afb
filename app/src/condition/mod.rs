//! The Events rule condition language: parsing, validation with positions, and matching.
//!
//! One implementation serves the browser (live validation and "test against sample events" as the
//! user types) and the sandbox (which rules an emitted event triggers), so both always agree.
//!
//! A condition is a string holding a JSON object shaped like the event it filters. Confirmed OCI
//! semantics (`oci-api.md` §6.2): fields not named are ignored, `{}` matches every event, every
//! named field must exist in the event at the same path, `*` is a wildcard, and siblings must all
//! match. Semantics chosen here where Oracle documents nothing (the sandbox enforces exactly these):
//!
//! - An array is a list of alternatives (OR); a scalar is a one-element list.
//! - Values compare as text, case-sensitively: `42`, `"42"` and `true`/`"true"` are equal, event
//!   types are lowercase and must be written so.
//! - `*` matches any run of characters, including none, anywhere in a value and any number of
//!   times; there is no escape for a literal `*`. Wildcards never apply to field names.
//! - When the event holds an array, the condition matches if any element matches.
//! - A nested object in the condition needs an object at that path in the event; `{"data": {}}`
//!   therefore requires `data` to exist.
//! - `freeformTags` and `freeFormTags` name the same field (Oracle's docs use both spellings).
//! - Invalid, reported with line, column and path: text that is not JSON (with a hint when it looks
//!   like Terraform's HCL), a top level that is not an object, `null`, empty arrays (they would
//!   match nothing), objects or arrays inside arrays, and conditions over 4,000 characters.

pub mod builder;
mod locate;
mod matcher;
mod parse;
pub mod probe;

pub use matcher::{FieldCheck, Outcome};
pub use parse::{ConditionError, ConditionErrorKind};

/// Longest condition accepted (a design choice; OCI's own limit is not documented).
pub const MAX_CONDITION_LEN: usize = 4000;

/// A validated condition, ready to match events.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    root: Vec<(String, Node)>,
}

/// One level of a condition.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// Named fields that must all match.
    Object(Vec<(String, Node)>),
    /// Alternatives, any of which may match.
    AnyOf(Vec<String>),
}

impl Condition {
    /// Parses and validates condition text.
    pub fn parse(text: &str) -> Result<Self, ConditionError> {
        parse::parse(text)
    }

    /// Whether `event` (an event envelope as JSON) satisfies the condition.
    pub fn matches(&self, event: &serde_json::Value) -> bool {
        matcher::matches_fields(&self.root, event)
    }

    /// Why `event` matches or not, field by field (empty for `{}`, which matches every event).
    pub fn explain(&self, event: &serde_json::Value) -> Vec<FieldCheck> {
        let mut checks = Vec::new();
        matcher::explain_fields(&self.root, event, "", &mut checks);
        checks
    }

    /// Whether the condition is `{}`, matching every event.
    pub fn is_match_all(&self) -> bool {
        self.root.is_empty()
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) mod properties;
#[cfg(test)]
mod tests;
