//! The one shape of "this field is wrong, and here is what to do".

use serde::{Deserialize, Serialize};

/// Something wrong with input: the field (`actions[2].target_id`, `rules[0].actions[1].topic`,
/// `values.alert_url`) and what to do about it. Every check that names a field answers one, and
/// the server turns it into a 400 naming that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Where, as a path into the document (or `values.<name>` for a parameter value).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
