//! Where a deployment, its runs and their steps are: the states the database stores and the API
//! shows.

use serde::{Deserialize, Serialize};

/// Whether a deployment's resources exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    /// Applied (or being applied).
    Active,
    /// Destroyed: it owns nothing any more.
    Destroyed,
}

/// What the last drift check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DriftStatus {
    /// Not checked since the last apply.
    Unknown,
    /// The cloud matches the deployment.
    InSync,
    /// Something changed behind Signalbox's back.
    Drifted,
    /// The check could not read the cloud.
    Failed,
}

/// Whether a run applies a plan or destroys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Creates and updates.
    Apply,
    /// Deletes everything.
    Destroy,
}

impl RunKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apply => "apply",
            Self::Destroy => "destroy",
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Steps are running.
    Running,
    /// Every step finished.
    Succeeded,
    /// A step failed; the steps after it did not run.
    Failed,
    /// The server stopped while it ran; it can be resumed.
    Interrupted,
}

impl RunState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    /// The state with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Running, Self::Succeeded, Self::Failed, Self::Interrupted].into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the run is over.
    pub fn is_final(self) -> bool {
        self != Self::Running
    }
}

/// Where a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Waiting for the steps before it.
    Pending,
    /// Its call is in flight (or was, when the server stopped).
    Running,
    /// Done.
    Done,
    /// OCI refused it.
    Failed,
    /// Not run because a step it waits for failed.
    Skipped,
}

impl StepState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    /// The state with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Pending, Self::Running, Self::Done, Self::Failed, Self::Skipped].into_iter().find(|s| s.as_str() == name)
    }
}
