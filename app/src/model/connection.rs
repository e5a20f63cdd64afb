//! How a connection to OCI authenticates.

use serde::{Deserialize, Serialize};

/// How a connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    /// The embedded OCI sandbox, with its built-in key. Every team has one.
    Sandbox,
    /// An OCI user's API signing key.
    ApiKey,
}
