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
    /// A session from `oci session authenticate`: a security token and its session key, refreshed
    /// while in use, up to OCI's 24-hour limit.
    SessionToken,
    /// The OCI compute instance Signalbox runs on (its dynamic group's policies apply).
    InstancePrincipal,
    /// The OCI Function or container instance Signalbox runs as (`OCI_RESOURCE_PRINCIPAL_*`).
    ResourcePrincipal,
}

impl ConnectionKind {
    /// The database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionKind::Sandbox => "sandbox",
            ConnectionKind::ApiKey => "api_key",
            ConnectionKind::SessionToken => "session_token",
            ConnectionKind::InstancePrincipal => "instance_principal",
            ConnectionKind::ResourcePrincipal => "resource_principal",
        }
    }

    /// Parses the database name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            ConnectionKind::Sandbox,
            ConnectionKind::ApiKey,
            ConnectionKind::SessionToken,
            ConnectionKind::InstancePrincipal,
            ConnectionKind::ResourcePrincipal,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::Sandbox => "Built-in sandbox",
            ConnectionKind::ApiKey => "API key",
            ConnectionKind::SessionToken => "Session token",
            ConnectionKind::InstancePrincipal => "Instance principal",
            ConnectionKind::ResourcePrincipal => "Resource principal",
        }
    }

    /// Whether it is the identity of the host Signalbox runs on, shared by every team that uses
    /// it: only site administrators may create one, and only where the operator allowed it.
    pub fn is_host_principal(self) -> bool {
        matches!(self, ConnectionKind::InstancePrincipal | ConnectionKind::ResourcePrincipal)
    }
}
