//! Notifications topics through a connection: the types of
//! `/api/v1/teams/{team_id}/connections/{connection_id}/topics`, the checks the browser and the
//! server share, and the client calls.

use super::ApiError;
use super::inventory::{MAX_PAGE, Page, PageRequest};
pub use crate::model::topic::{MAX_DESCRIPTION, check_description, check_topic_name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A topic with the state of its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Topic {
    /// Topic OCID.
    pub id: String,
    /// Name, unique in the tenancy.
    pub name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Lifecycle state (`ACTIVE`, `CREATING`, `DELETING`).
    pub state: String,
    /// Description.
    pub description: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Subscriptions by state.
    pub subscriptions: SubscriptionCounts,
}

/// How many subscriptions a topic has, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionCounts {
    /// Confirmed and delivering.
    pub active: u32,
    /// Waiting for the endpoint to confirm.
    pub pending: u32,
    /// Any other state (deleted, failed).
    pub other: u32,
}

/// Body of `POST .../topics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateTopicRequest {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Name: 1 to 256 letters, digits, hyphens or underscores, unique in the tenancy.
    pub name: String,
    /// Description, at most [`MAX_DESCRIPTION`] characters.
    #[serde(default)]
    pub description: String,
}

/// Body of `PATCH .../topics/{topic_id}` (a topic's name cannot change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UpdateTopicRequest {
    /// New description.
    pub description: String,
}

/// Body of `POST .../topics/{topic_id}/publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PublishRequest {
    /// Title (e-mail subject).
    #[serde(default)]
    pub title: String,
    /// Body.
    pub body: String,
}

/// What publishing answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Published {
    /// OCI's message id.
    pub message_id: String,
    /// `opc-request-id` of the call.
    pub opc_request_id: Option<String>,
}

fn base(team_id: i64, connection_id: i64) -> String {
    format!("/teams/{team_id}/connections/{connection_id}/topics")
}

/// Filters of the topic list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicFilter {
    /// Lifecycle state.
    pub state: Option<String>,
    /// Text in the name, description or OCID.
    pub text: Option<String>,
}

/// A page of a compartment's topics with their subscription counts.
pub async fn list_topics(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    filter: &TopicFilter,
    page: &PageRequest,
) -> Result<Page<Topic>, ApiError> {
    let mut query = format!("compartment_id={}", super::urlencoding(compartment_id));
    if let Some(state) = &filter.state {
        query.push_str(&format!("&state={}", super::urlencoding(state)));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        query.push_str(&format!("&q={}", super::urlencoding(text)));
    }
    super::get_json(&format!("{}?{query}{}", base(team_id, connection_id), page.query())).await
}

/// Every topic of a compartment (for pickers), page after page.
pub async fn list_every_topic(team_id: i64, connection_id: i64, compartment_id: &str) -> Result<Vec<Topic>, ApiError> {
    let mut all = Vec::new();
    let mut page = PageRequest { limit: Some(MAX_PAGE), ..PageRequest::default() };
    loop {
        let found = list_topics(team_id, connection_id, compartment_id, &TopicFilter::default(), &page).await?;
        all.extend(found.items);
        match found.next {
            Some(next) => page.after = Some(next),
            None => return Ok(all),
        }
    }
}

/// One topic with its subscription counts.
pub async fn get_topic(team_id: i64, connection_id: i64, topic_id: &str) -> Result<Topic, ApiError> {
    super::get_json(&format!("{}/{}", base(team_id, connection_id), super::urlencoding(topic_id))).await
}

/// Creates a topic.
pub async fn create_topic(
    team_id: i64,
    connection_id: i64,
    request: &CreateTopicRequest,
    csrf: &str,
) -> Result<Topic, ApiError> {
    super::send_json(http::Method::POST, &base(team_id, connection_id), request, Some(csrf)).await
}

/// Deletes a topic and its subscriptions.
pub async fn delete_topic(team_id: i64, connection_id: i64, topic_id: &str, csrf: &str) -> Result<(), ApiError> {
    let path = format!("{}/{}", base(team_id, connection_id), super::urlencoding(topic_id));
    super::send_empty(http::Method::DELETE, &path, Some(csrf)).await
}

/// Publishes a message to a topic.
pub async fn publish(
    team_id: i64,
    connection_id: i64,
    topic_id: &str,
    request: &PublishRequest,
    csrf: &str,
) -> Result<Published, ApiError> {
    let path = format!("{}/{}/publish", base(team_id, connection_id), super::urlencoding(topic_id));
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_and_descriptions() {
        assert!(check_topic_name("infra-alerts").is_ok());
        assert!(check_topic_name("infra alerts").is_err());
        assert!(check_topic_name("").is_err());
        assert!(check_topic_name(&"a".repeat(257)).is_err());
        assert!(check_description(&"x".repeat(MAX_DESCRIPTION)).is_ok());
        assert!(check_description(&"x".repeat(MAX_DESCRIPTION + 1)).unwrap_err().contains("at most 1024"));
    }
}
