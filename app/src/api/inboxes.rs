//! Webhook inboxes: URLs (`/hooks/{token}`) that accept ONS deliveries, confirm subscriptions by
//! themselves, and keep what arrived for review. The types of `/api/v1/teams/{team_id}/inboxes/…`
//! and the client calls.

use super::ApiError;
pub use crate::model::inbox::{DeliveryKind, KEPT_DAYS, KEPT_DELIVERIES, MAX_BODY_BYTES};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest inbox name.
pub const MAX_NAME: usize = 100;

/// An inbox as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Inbox {
    /// Id.
    pub id: i64,
    /// Team.
    pub team_id: i64,
    /// Name, unique in the team.
    pub name: String,
    /// The URL to give OCI as an HTTPS subscription's endpoint.
    pub url: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Deliveries kept.
    pub deliveries: i64,
    /// When the newest arrived.
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// Creates an inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateInboxRequest {
    /// Name, unique in the team (such as "verify" or "on-call test").
    pub name: String,
}

/// One request an inbox received. Everything in it came from outside: the console shows it as
/// text, never as HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboxDelivery {
    /// Id, growing with arrival.
    pub id: i64,
    /// Inbox.
    pub inbox_id: i64,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// Confirmation, notification or other.
    pub kind: DeliveryKind,
    /// `X-OCI-NS-MessageId`.
    pub message_id: Option<String>,
    /// `X-OCI-NS-TopicOcid`.
    pub topic_id: Option<String>,
    /// `X-OCI-NS-TopicName`.
    pub topic_name: Option<String>,
    /// `X-OCI-NS-SubscriptionId` (confirmations carry it).
    pub subscription_id: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Request headers, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// The body's size as received.
    pub body_bytes: i64,
    /// For a confirmation: what following its URL gave ("confirmed (HTTP 200)", or why not).
    pub confirmation: Option<String>,
}

/// A page of an inbox's deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryPage {
    /// The deliveries.
    pub deliveries: Vec<InboxDelivery>,
    /// Pass as `before` for the next page, when there is one.
    pub next: Option<i64>,
    /// The server's time of the answer (what "3 min ago" is relative to).
    pub as_of: DateTime<Utc>,
}

/// The reason a name cannot name an inbox.
pub fn check_name(name: &str) -> Result<(), String> {
    let length = name.trim().chars().count();
    if length == 0 {
        return Err("Name the inbox, such as \"verify\" or \"on-call test\".".into());
    }
    if length > MAX_NAME {
        return Err(format!("The name is {length} characters long; shorten it to at most {MAX_NAME}."));
    }
    crate::model::text::check_one_line(name)
}

fn base(team_id: i64) -> String {
    format!("/teams/{team_id}/inboxes")
}

/// The team's inboxes.
pub async fn list_inboxes(team_id: i64) -> Result<Vec<Inbox>, ApiError> {
    super::get_json(&base(team_id)).await
}

/// One inbox.
pub async fn get_inbox(team_id: i64, inbox_id: i64) -> Result<Inbox, ApiError> {
    super::get_json(&format!("{}/{inbox_id}", base(team_id))).await
}

/// Creates an inbox.
pub async fn create_inbox(team_id: i64, request: &CreateInboxRequest, csrf: &str) -> Result<Inbox, ApiError> {
    super::send_json(http::Method::POST, &base(team_id), request, Some(csrf)).await
}

/// Deletes an inbox and what it received; its URL answers 404 from then on.
pub async fn delete_inbox(team_id: i64, inbox_id: i64, csrf: &str) -> Result<(), ApiError> {
    super::send_empty(http::Method::DELETE, &format!("{}/{inbox_id}", base(team_id)), Some(csrf)).await
}

/// A page of an inbox's deliveries, newest first.
pub async fn list_deliveries(team_id: i64, inbox_id: i64, before: Option<i64>) -> Result<DeliveryPage, ApiError> {
    let cursor = before.map(|b| format!("?before={b}")).unwrap_or_default();
    super::get_json(&format!("{}/{inbox_id}/deliveries{cursor}", base(team_id))).await
}

/// The URL of an inbox's live stream: server-sent `deliveries` events, each a JSON array of
/// [`InboxDelivery`] (new ones, and confirmations again once their outcome is known).
pub fn events_url(team_id: i64, inbox_id: i64) -> String {
    format!("{}{}/{inbox_id}/events", super::API_PREFIX, base(team_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("verify").is_ok());
        assert!(check_name("  ").is_err());
        assert!(check_name(&"a".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for kind in [DeliveryKind::Confirmation, DeliveryKind::Notification, DeliveryKind::Other] {
            assert_eq!(DeliveryKind::parse(kind.as_str()), kind);
        }
    }
}
