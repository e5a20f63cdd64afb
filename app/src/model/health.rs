//! The one status of a pipeline.

use serde::{Deserialize, Serialize};

/// One status per pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Nothing reaches a human (or a function): the rule is off, or every path is dead.
    Broken,
    /// Something reaches a human, but part of the chain is off.
    Degraded,
    /// Every enabled part works.
    Healthy,
}

impl HealthStatus {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Broken => "broken",
            HealthStatus::Degraded => "degraded",
            HealthStatus::Healthy => "healthy",
        }
    }

    /// From its stored form.
    pub fn parse(text: &str) -> Option<Self> {
        [HealthStatus::Broken, HealthStatus::Degraded, HealthStatus::Healthy].into_iter().find(|s| s.as_str() == text)
    }
}
