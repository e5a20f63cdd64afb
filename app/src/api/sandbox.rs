//! The built-in sandbox's own log: every delivery it attempted (all protocols, with attempts and
//! HTTP statuses) and its e-mail/SMS outbox, so a user can see what their pipeline would have
//! sent. The types of `/api/v1/teams/{team_id}/connections/{connection_id}/sandbox/activity`.

use super::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most deliveries and outbox messages an answer holds (newest first).
pub const ACTIVITY_LIMIT: usize = 500;

/// One message (or confirmation request) to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxDelivery {
    /// Delivery id.
    pub id: String,
    /// `confirmation` or `message`.
    pub kind: String,
    /// Message id.
    pub message_id: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Topic name, when the topic still exists.
    pub topic_name: Option<String>,
    /// Subscription OCID.
    pub subscription_id: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint (passwords replaced by `****`).
    pub endpoint: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Transport error of the last attempt.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An e-mail or SMS the sandbox captured instead of sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OutboxEntry {
    /// `EMAIL` or `SMS`.
    pub protocol: String,
    /// Address or number.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// Subscription OCID.
    pub subscription_id: String,
    /// Message id.
    pub message_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The sandbox's log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SandboxActivity {
    /// Deliveries over every protocol.
    pub deliveries: Vec<SandboxDelivery>,
    /// E-mails and SMS.
    pub outbox: Vec<OutboxEntry>,
    /// The server's time of the answer.
    pub as_of: DateTime<Utc>,
}

/// The sandbox's log, through the team's sandbox connection.
pub async fn sandbox_activity(team_id: i64, connection_id: i64) -> Result<SandboxActivity, ApiError> {
    super::get_json(&format!("/teams/{team_id}/connections/{connection_id}/sandbox/activity")).await
}
