//! Events rules: the kinds of action, OCI's limits, and the checks of a rule's name, description
//! and condition that the editor, the template renderer and the server share (so they refuse the
//! same input with the same words).

use crate::condition::Condition;
use serde::{Deserialize, Serialize};

/// OCI's limit of actions per rule.
pub const MAX_ACTIONS: usize = 10;
/// Longest rule name (the sandbox's choice; OCI documents none).
pub const MAX_NAME: usize = 255;
/// Longest rule description (the sandbox's choice; OCI documents none).
pub const MAX_DESCRIPTION: usize = 1000;

/// Where an action sends the events a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ActionKind {
    /// A Notifications topic.
    #[serde(rename = "ONS")]
    Notifications,
    /// A function.
    #[serde(rename = "FAAS")]
    Functions,
    /// A Streaming stream.
    #[serde(rename = "OSS")]
    Streaming,
}

impl ActionKind {
    /// Every kind, in the order the editor offers them.
    pub const ALL: [Self; 3] = [Self::Notifications, Self::Functions, Self::Streaming];

    /// OCI's name (`ONS`, `FAAS`, `OSS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notifications => "ONS",
            Self::Functions => "FAAS",
            Self::Streaming => "OSS",
        }
    }

    /// OCI's name parsed back.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Notifications => "Notifications topic",
            Self::Functions => "Function",
            Self::Streaming => "Stream",
        }
    }

    /// The resource type of its target's OCID.
    pub fn target_type(self) -> &'static str {
        match self {
            Self::Notifications => "onstopic",
            Self::Functions => "fnfunc",
            Self::Streaming => "stream",
        }
    }
}

/// Why a rule name is not acceptable, if it is not.
pub fn check_name(name: &str) -> Result<(), String> {
    let length = name.trim().chars().count();
    if length == 0 {
        return Err("Give the rule a name, such as instance-state-changes.".into());
    }
    if length > MAX_NAME {
        return Err(format!("The name is {length} characters long; shorten it to at most {MAX_NAME}."));
    }
    crate::model::text::check_one_line(name)
}

/// Why a description is not acceptable, if it is not.
pub fn check_description(description: &str) -> Result<(), String> {
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        return Err(format!("The description is {length} characters long; shorten it to at most {MAX_DESCRIPTION}."));
    }
    crate::model::text::check_multi_line(description)
}

/// Why a condition is not acceptable, if it is not, with line and column.
pub fn check_condition(condition: &str) -> Result<(), String> {
    Condition::parse(condition).map(|_| ()).map_err(|err| match &err.path {
        Some(path) => format!("line {}, column {}, at {path}: {}", err.line, err.column, err.message),
        None => err.to_string(),
    })
}
