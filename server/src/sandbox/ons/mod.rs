//! Notifications on the wire (the thin half): topics, subscriptions, confirmation, publishing.
//! Mirrors `crate::oci::ons` and reuses its structs.

pub mod state;

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use crate::oci::ons::{
    ConfirmationResult, CreateSubscriptionDetails, CreateTopicDetails, MessageDetails, PublishResult,
    TopicAttributesDetails, UpdateSubscriptionDetails,
};
use crate::oci::wire::ChangeCompartmentDetails;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::Utc;

/// Largest message body PublishMessage accepts.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Handles `GET /20181201/topics` (ListTopics).
pub async fn list_topics(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListTopicsQuery = wire::query(&uri)?;
    let (topics, next) = sandbox.world().list_topics(&query)?;
    Ok(wire::json(&topics, None, next))
}

/// Handles `POST /20181201/topics` (CreateTopic).
pub async fn create_topic(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateTopicDetails = wire::body(&body)?;
    let endpoint = sandbox.base_url();
    let (topic, etag) = sandbox.world().create_topic(details, wire::retry_token(&headers), &endpoint)?;
    Ok(wire::json(&topic, Some(&etag), None))
}

/// Handles `GET /20181201/topics/{topicId}` (GetTopic).
pub async fn get_topic(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    let (topic, etag) = sandbox.world().get_topic(&id)?;
    Ok(wire::json(&topic, Some(&etag), None))
}

/// Handles `PUT /20181201/topics/{topicId}` (UpdateTopic).
pub async fn update_topic(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: TopicAttributesDetails = wire::body(&body)?;
    let (topic, etag) = sandbox.world().update_topic(&id, details, wire::if_match(&headers))?;
    Ok(wire::json(&topic, Some(&etag), None))
}

/// Handles `DELETE /20181201/topics/{topicId}` (DeleteTopic).
pub async fn delete_topic(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, SandboxError> {
    sandbox.world().delete_topic(&id, wire::if_match(&headers))?;
    Ok(wire::no_content())
}

/// Handles `POST /20181201/topics/{topicId}/actions/changeCompartment` (ChangeTopicCompartment).
pub async fn change_topic_compartment(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: ChangeCompartmentDetails = wire::body(&body)?;
    sandbox.world().change_topic_compartment(&id, &details.compartment_id, wire::if_match(&headers))?;
    Ok(wire::accepted())
}

/// Handles `POST /20181201/topics/{topicId}/messages` (PublishMessage).
pub async fn publish_message(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let message: MessageDetails = wire::body(&body)?;
    if message.body.len() > MAX_MESSAGE_BYTES {
        return Err(SandboxError::too_large(format!("The message body is over {MAX_MESSAGE_BYTES} bytes.")));
    }
    let message_id = sandbox.publish(&id, &message)?;
    Ok(wire::json(&PublishResult { message_id, time_stamp: Some(Utc::now()) }, None, None))
}

/// Handles `GET /20181201/subscriptions` (ListSubscriptions).
pub async fn list_subscriptions(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListSubscriptionsQuery = wire::query(&uri)?;
    let (subscriptions, next) = sandbox.world().list_subscriptions(&query)?;
    Ok(wire::json(&subscriptions, None, next))
}

/// Handles `POST /20181201/subscriptions` (CreateSubscription); starts the confirmation handshake.
pub async fn create_subscription(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateSubscriptionDetails = wire::body(&body)?;
    if details.protocol.is_url() {
        sandbox.egress().policy().check_url(&details.endpoint).await.map_err(|refused| {
            SandboxError::invalid_parameter(format!("endpoint cannot be delivered to: {refused}."))
        })?;
    }
    let stored = sandbox.world().create_subscription(details, wire::retry_token(&headers))?;
    sandbox.send_confirmation(&stored.subscription.id);
    let etag = stored.subscription.etag.clone();
    Ok(wire::json(&stored.subscription, etag.as_deref(), None))
}

/// Handles `GET /20181201/subscriptions/{subscriptionId}` (GetSubscription).
pub async fn get_subscription(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Response, SandboxError> {
    let subscription = sandbox.world().get_subscription(&id)?;
    let etag = subscription.etag.clone();
    Ok(wire::json(&subscription, etag.as_deref(), None))
}

/// Handles `PUT /20181201/subscriptions/{subscriptionId}` (UpdateSubscription).
pub async fn update_subscription(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: UpdateSubscriptionDetails = wire::body(&body)?;
    let updated = sandbox.world().update_subscription(&id, details, wire::if_match(&headers))?;
    Ok(wire::json(&updated, None, None))
}

/// Handles `DELETE /20181201/subscriptions/{subscriptionId}` (DeleteSubscription).
pub async fn delete_subscription(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, SandboxError> {
    sandbox.world().delete_subscription(&id, wire::if_match(&headers))?;
    Ok(wire::no_content())
}

/// Handles `POST /20181201/subscriptions/{subscriptionId}/resendConfirmation`.
pub async fn resend_confirmation(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Response, SandboxError> {
    let stored = sandbox.world().renew_confirmation(&id)?;
    sandbox.send_confirmation(&id);
    let etag = stored.subscription.etag.clone();
    Ok(wire::json(&stored.subscription, etag.as_deref(), None))
}

/// Query of the confirmation and unsubscribe links.
#[derive(Debug, serde::Deserialize)]
pub struct TokenQuery {
    /// The subscription's token.
    pub token: Option<String>,
    /// The subscription's protocol.
    pub protocol: Option<String>,
}

/// Handles `GET /20181201/subscriptions/{subscriptionId}/confirmation` (GetConfirmSubscription):
/// the link OCI sends to subscribers; it needs no signature, like OCI's.
pub async fn confirm_subscription(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, SandboxError> {
    let query: TokenQuery = wire::query(&uri)?;
    let token = query.token.ok_or_else(|| SandboxError::missing_parameter("token"))?;
    query.protocol.ok_or_else(|| SandboxError::missing_parameter("protocol"))?;
    let (topic, subscription) = sandbox.world().confirm_subscription(&id, &token)?;
    let result = ConfirmationResult {
        topic_name: topic.name.clone(),
        topic_id: topic.topic_id.clone(),
        endpoint: subscription.endpoint.clone(),
        unsubscribe_url: sandbox.unsubscribe_url(&id, &token, subscription.protocol.as_str()),
        message: format!("You have subscribed {} to the topic {}.", subscription.endpoint, topic.name),
        subscription_id: subscription.id,
    };
    Ok(wire::json(&result, None, None))
}

/// Handles `GET /20181201/subscriptions/{subscriptionId}/unsubscription` (GetUnsubscription).
pub async fn unsubscribe(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, SandboxError> {
    let query: TokenQuery = wire::query(&uri)?;
    let token = query.token.ok_or_else(|| SandboxError::missing_parameter("token"))?;
    let subscription = sandbox.world().unsubscribe(&id, &token)?;
    let message = format!("{} will no longer receive messages from this topic.", subscription.endpoint);
    Ok(wire::json(&message, None, None))
}
