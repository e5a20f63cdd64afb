//! Connections to OCI tenancies: the types of `/api/v1/teams/{team_id}/connections` and the
//! client calls the UI makes. Private keys go in (once, when a connection is created) and never
//! come back out.

use super::ApiError;
pub use crate::model::connection::ConnectionKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A connection as listed: never with its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Connection {
    /// Id.
    pub id: i64,
    /// Owning team.
    pub team_id: i64,
    /// Name, unique in the team.
    pub name: String,
    /// How it authenticates.
    pub kind: ConnectionKind,
    /// Tenancy OCID.
    pub tenancy: String,
    /// The principal: the user OCID (API keys, sessions), the instance's or the resource's OCID.
    pub user: String,
    /// Fingerprint of the API key or session key (empty for instance and resource principals).
    pub fingerprint: String,
    /// Region identifier, such as `eu-frankfurt-1`.
    pub region: String,
    /// Whether the key is protected by a pass phrase (stored sealed too).
    pub has_pass_phrase: bool,
    /// When a session-token connection's token expires (as last stored; it is refreshed in use).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_expires_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The last "Test connection", if any.
    pub last_test: Option<ConnectionTest>,
}

/// The outcome of a signed test call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionTest {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// Whether OCI accepted the signed call.
    pub ok: bool,
    /// What happened, with the remedy when it failed.
    pub message: String,
    /// `opc-request-id` of OCI's answer, for Oracle support.
    pub opc_request_id: Option<String>,
    /// How long the call took, in milliseconds.
    pub took_ms: u64,
}

/// Where the tenancy, user, fingerprint and region come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum CredentialSource {
    /// Typed in.
    Fields {
        /// Tenancy OCID.
        tenancy: String,
        /// User OCID.
        user: String,
        /// Fingerprint of the API key (`aa:bb:...`, 16 pairs).
        fingerprint: String,
        /// Region identifier or key, such as `eu-frankfurt-1` or `FRA`.
        region: String,
    },
    /// A `~/.oci/config` file's text and the profile to use (its `key_file` is ignored: the key
    /// is uploaded beside it). A profile with `security_token_file` makes a session-token
    /// connection, whose token is uploaded beside it too (`security_token`).
    ConfigFile {
        /// The file's text.
        config: String,
        /// Profile name, such as `DEFAULT`.
        profile: String,
    },
    /// A session from `oci session authenticate`: its token (`security_token`) and session key
    /// (`private_key`); the tenancy and user are read from the token.
    SessionToken {
        /// Region identifier or key, such as `eu-frankfurt-1` or `FRA`.
        region: String,
    },
    /// The OCI compute instance Signalbox runs on: tenancy and region come from its metadata
    /// service. Site administrators only, where the operator allows host principals.
    InstancePrincipal,
    /// The OCI Function or container instance Signalbox runs as: from its
    /// `OCI_RESOURCE_PRINCIPAL_*` environment. Site administrators only, where the operator
    /// allows host principals.
    ResourcePrincipal,
}

impl CredentialSource {
    /// Whether it is the identity of the host Signalbox runs on (instance or resource principal).
    pub fn is_host_principal(&self) -> bool {
        matches!(self, CredentialSource::InstancePrincipal | CredentialSource::ResourcePrincipal)
    }
}

/// Body of `POST /api/v1/teams/{team_id}/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateConnectionRequest {
    /// Name, unique in the team.
    pub name: String,
    /// How it signs in, and where its tenancy, user and region come from.
    pub source: CredentialSource,
    /// The private key, PEM (PKCS#1 or PKCS#8, encrypted or not): the API key, or a session's
    /// key. Empty for instance and resource principals.
    #[serde(default)]
    pub private_key: String,
    /// Pass phrase of an encrypted key (for a config file: overrides its `pass_phrase`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_phrase: Option<String>,
    /// A session's security token: the content of the profile's `security_token_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_token: Option<String>,
}

/// A compartment a connection can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompartmentSummary {
    /// OCID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Parent OCID (the tenancy for top-level compartments).
    pub parent_id: String,
    /// Path from the tenancy, such as `ops/alerts`.
    pub path: String,
}

/// Lists a team's connections.
pub async fn list_connections(team_id: i64) -> Result<Vec<Connection>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/connections")).await
}

/// Creates a connection (team admins).
pub async fn create_connection(
    team_id: i64,
    request: &CreateConnectionRequest,
    csrf: &str,
) -> Result<Connection, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/connections"), request, Some(csrf)).await
}

/// Deletes a connection (team admins).
pub async fn delete_connection(team_id: i64, connection_id: i64, csrf: &str) -> Result<(), ApiError> {
    let path = format!("/teams/{team_id}/connections/{connection_id}");
    super::send_empty(http::Method::DELETE, &path, Some(csrf)).await
}

/// Makes a cheap signed call with the connection and records the outcome.
pub async fn test_connection(team_id: i64, connection_id: i64, csrf: &str) -> Result<ConnectionTest, ApiError> {
    let path = format!("/teams/{team_id}/connections/{connection_id}/test");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// The compartments the connection can see, as a flat list in tree order.
pub async fn list_compartments(team_id: i64, connection_id: i64) -> Result<Vec<CompartmentSummary>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/connections/{connection_id}/compartments")).await
}
