//! Notifications (`/20181201`): topics (control plane), subscriptions and publishing (data plane).
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/notification/20181201/>. Both planes share the
//! `notification.{region}` host. Note two SDK quirks kept on purpose: `Subscription` carries
//! `deliverPolicy` as a JSON string while `SubscriptionSummary` carries `deliveryPolicy` as an
//! object, and `createdTime` is an integer (epoch milliseconds, unit unconfirmed upstream).

use super::client::{Call, OciClient, Response, collect_pages};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use super::wire::{ChangeCompartmentDetails, DefinedTags, FreeformTags, SortOrder, escape, oci_enum};
use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

oci_enum! {
    /// Lifecycle of a topic.
    TopicState { Creating = "CREATING", Active = "ACTIVE", Deleting = "DELETING" }
}

oci_enum! {
    /// Lifecycle of a subscription: PENDING until the endpoint confirms.
    SubscriptionState { Pending = "PENDING", Active = "ACTIVE", Deleted = "DELETED" }
}

oci_enum! {
    /// Delivery protocols.
    Protocol {
        Email = "EMAIL",
        CustomHttps = "CUSTOM_HTTPS",
        /// Deprecated; PagerDuty URLs only.
        Https = "HTTPS",
        PagerDuty = "PAGERDUTY",
        Slack = "SLACK",
        Sms = "SMS",
        OracleFunctions = "ORACLE_FUNCTIONS",
    }
}

impl Protocol {
    /// Whether the endpoint is a URL that an HTTP request is sent to.
    pub fn is_url(&self) -> bool {
        matches!(self, Protocol::CustomHttps | Protocol::Https | Protocol::PagerDuty | Protocol::Slack)
    }
}

oci_enum! {
    /// Sort keys of ListTopics.
    TopicSortBy { TimeCreated = "TIMECREATED", LifecycleState = "LIFECYCLESTATE" }
}

/// A topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationTopic {
    /// Name, unique in the tenancy.
    pub name: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Short id used by SMS confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_topic_id: Option<String>,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Lifecycle.
    pub lifecycle_state: TopicState,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Creation time.
    pub time_created: DateTime<Utc>,
    /// Version tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
    /// Endpoint for subscriptions and publishing.
    pub api_endpoint: String,
}

/// A topic in a list (same fields as [`NotificationTopic`]).
pub type NotificationTopicSummary = NotificationTopic;

/// Body of CreateTopic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTopicDetails {
    /// Name, unique in the tenancy.
    pub name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "FreeformTags::is_empty")]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default, skip_serializing_if = "DefinedTags::is_empty")]
    pub defined_tags: DefinedTags,
}

/// Body of UpdateTopic (the name cannot change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicAttributesDetails {
    /// New description.
    pub description: String,
    /// New free-form tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    /// New defined tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// How long and how OCI retries a failed delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackoffRetryPolicy {
    /// Milliseconds; OCI's default is 7,200,000 (2 h).
    pub max_retry_duration: u64,
    /// `EXPONENTIAL`.
    pub policy_type: String,
}

/// Delivery settings of a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPolicy {
    /// Retry settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_retry_policy: Option<BackoffRetryPolicy>,
}

/// A subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription OCID.
    pub id: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Address, URL, phone number or function OCID.
    pub endpoint: String,
    /// Lifecycle.
    pub lifecycle_state: SubscriptionState,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Creation time (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<i64>,
    /// Delivery policy as a JSON string (sic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_policy: Option<String>,
    /// Version tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// A subscription in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionSummary {
    /// Subscription OCID.
    pub id: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Address, URL, phone number or function OCID.
    pub endpoint: String,
    /// Lifecycle.
    pub lifecycle_state: SubscriptionState,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Creation time (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_time: Option<i64>,
    /// Delivery policy as an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_policy: Option<DeliveryPolicy>,
    /// Version tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Free-form tags.
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// Body of CreateSubscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSubscriptionDetails {
    /// Topic OCID.
    pub topic_id: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Address, URL (at most 512 characters), phone number or function OCID.
    pub endpoint: String,
    /// Protocol-specific metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "FreeformTags::is_empty")]
    pub freeform_tags: FreeformTags,
    /// Defined tags.
    #[serde(default, skip_serializing_if = "DefinedTags::is_empty")]
    pub defined_tags: DefinedTags,
}

/// Body of UpdateSubscription (also its declared response type).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubscriptionDetails {
    /// New delivery policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_policy: Option<DeliveryPolicy>,
    /// New free-form tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    /// New defined tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// What GetConfirmSubscription answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmationResult {
    /// Topic name.
    pub topic_name: String,
    /// Topic OCID.
    pub topic_id: String,
    /// The confirmed endpoint.
    pub endpoint: String,
    /// URL that unsubscribes it.
    pub unsubscribe_url: String,
    /// Text for people.
    pub message: String,
    /// Subscription OCID.
    pub subscription_id: String,
}

/// Body of PublishMessage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDetails {
    /// Subject for e-mail; ignored by Slack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The message, at most 64 KB.
    pub body: String,
}

/// What PublishMessage answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishResult {
    /// Message UUID.
    pub message_id: String,
    /// When OCI accepted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_stamp: Option<DateTime<Utc>>,
}

/// Parameters of ListTopics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTopicsRequest {
    /// Compartment OCID (required).
    pub compartment_id: String,
    /// Only this topic.
    pub id: Option<String>,
    /// Only the topic with this exact name.
    pub name: Option<String>,
    /// Page token.
    pub page: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Sort key.
    pub sort_by: Option<TopicSortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
    /// Only topics in this state.
    pub lifecycle_state: Option<TopicState>,
}

/// Parameters of ListSubscriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSubscriptionsRequest {
    /// Compartment OCID (required).
    pub compartment_id: String,
    /// Only subscriptions of this topic.
    pub topic_id: Option<String>,
    /// Page token.
    pub page: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

/// Page size of the "every topic / subscription" listings: the API's largest (the default, 10,
/// would make a compartment of 100 topics ten round trips).
pub const LIST_PAGE: u32 = 50;

const fn topic_op(name: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Notifications, resource: "ons-topics", verb }
}

const fn subscription_op(name: &'static str, verb: Verb) -> Operation {
    Operation { name, service: Service::Notifications, resource: "ons-subscriptions", verb }
}

/// ListTopics.
pub static LIST_TOPICS: Operation = topic_op("ListTopics", Verb::Inspect);
/// GetTopic.
pub static GET_TOPIC: Operation = topic_op("GetTopic", Verb::Read);
/// CreateTopic.
pub static CREATE_TOPIC: Operation = topic_op("CreateTopic", Verb::Manage);
/// UpdateTopic.
pub static UPDATE_TOPIC: Operation = topic_op("UpdateTopic", Verb::Manage);
/// DeleteTopic.
pub static DELETE_TOPIC: Operation = topic_op("DeleteTopic", Verb::Manage);
/// ChangeTopicCompartment.
pub static CHANGE_TOPIC_COMPARTMENT: Operation = topic_op("ChangeTopicCompartment", Verb::Manage);
/// PublishMessage.
pub static PUBLISH_MESSAGE: Operation = topic_op("PublishMessage", Verb::Use);
/// ListSubscriptions.
pub static LIST_SUBSCRIPTIONS: Operation = subscription_op("ListSubscriptions", Verb::Inspect);
/// GetSubscription.
pub static GET_SUBSCRIPTION: Operation = subscription_op("GetSubscription", Verb::Read);
/// CreateSubscription.
pub static CREATE_SUBSCRIPTION: Operation = subscription_op("CreateSubscription", Verb::Manage);
/// UpdateSubscription.
pub static UPDATE_SUBSCRIPTION: Operation = subscription_op("UpdateSubscription", Verb::Manage);
/// DeleteSubscription.
pub static DELETE_SUBSCRIPTION: Operation = subscription_op("DeleteSubscription", Verb::Manage);
/// GetConfirmSubscription.
pub static GET_CONFIRM_SUBSCRIPTION: Operation = subscription_op("GetConfirmSubscription", Verb::Read);
/// ResendSubscriptionConfirmation.
pub static RESEND_SUBSCRIPTION_CONFIRMATION: Operation =
    subscription_op("ResendSubscriptionConfirmation", Verb::Manage);

impl OciClient {
    /// [ListTopics](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopicSummary/ListTopics)
    pub async fn list_topics(
        &self,
        request: &ListTopicsRequest,
    ) -> Result<Response<Vec<NotificationTopicSummary>>, OciError> {
        let call = Call::new(&LIST_TOPICS, Method::GET, "/topics".into())
            .query("compartmentId", Some(&request.compartment_id))
            .query("id", request.id.as_ref())
            .query("name", request.name.as_ref())
            .query("page", request.page.as_ref())
            .query("limit", request.limit)
            .query("sortBy", request.sort_by.as_ref())
            .query("sortOrder", request.sort_order.as_ref())
            .query("lifecycleState", request.lifecycle_state.as_ref());
        self.send(call).await
    }

    /// [GetTopic](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/GetTopic)
    pub async fn get_topic(&self, topic_id: &str) -> Result<Response<NotificationTopic>, OciError> {
        self.send(Call::new(&GET_TOPIC, Method::GET, format!("/topics/{}", escape(topic_id)))).await
    }

    /// [CreateTopic](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/CreateTopic)
    pub async fn create_topic(&self, details: &CreateTopicDetails) -> Result<Response<NotificationTopic>, OciError> {
        self.create_topic_with_token(details, None).await
    }

    /// CreateTopic with the caller's `opc-retry-token`.
    pub async fn create_topic_with_token(
        &self,
        details: &CreateTopicDetails,
        retry_token: Option<&str>,
    ) -> Result<Response<NotificationTopic>, OciError> {
        let call = Call::new(&CREATE_TOPIC, Method::POST, "/topics".into()).json(details)?;
        self.send(call.idempotent_create_with(retry_token)).await
    }

    /// [UpdateTopic](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/UpdateTopic)
    pub async fn update_topic(
        &self,
        topic_id: &str,
        details: &TopicAttributesDetails,
        if_match: Option<&str>,
    ) -> Result<Response<NotificationTopic>, OciError> {
        let call = Call::new(&UPDATE_TOPIC, Method::PUT, format!("/topics/{}", escape(topic_id))).json(details)?;
        self.send(call.if_match(if_match)).await
    }

    /// [DeleteTopic](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/DeleteTopic)
    pub async fn delete_topic(&self, topic_id: &str, if_match: Option<&str>) -> Result<Response<()>, OciError> {
        let call = Call::new(&DELETE_TOPIC, Method::DELETE, format!("/topics/{}", escape(topic_id)));
        self.send_empty(call.if_match(if_match)).await
    }

    /// [ChangeTopicCompartment](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/ChangeTopicCompartment)
    pub async fn change_topic_compartment(
        &self,
        topic_id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>, OciError> {
        let path = format!("/topics/{}/actions/changeCompartment", escape(topic_id));
        let details = ChangeCompartmentDetails { compartment_id: compartment_id.to_owned() };
        let call = Call::new(&CHANGE_TOPIC_COMPARTMENT, Method::POST, path).json(&details)?.idempotent_create();
        self.send_empty(call.if_match(if_match)).await
    }

    /// [PublishMessage](https://docs.oracle.com/iaas/api/#/en/notification/20181201/NotificationTopic/PublishMessage)
    pub async fn publish_message(
        &self,
        topic_id: &str,
        message: &MessageDetails,
    ) -> Result<Response<PublishResult>, OciError> {
        let path = format!("/topics/{}/messages", escape(topic_id));
        self.send(Call::new(&PUBLISH_MESSAGE, Method::POST, path).json(message)?).await
    }

    /// [ListSubscriptions](https://docs.oracle.com/iaas/api/#/en/notification/20181201/SubscriptionSummary/ListSubscriptions)
    pub async fn list_subscriptions(
        &self,
        request: &ListSubscriptionsRequest,
    ) -> Result<Response<Vec<SubscriptionSummary>>, OciError> {
        let call = Call::new(&LIST_SUBSCRIPTIONS, Method::GET, "/subscriptions".into())
            .query("compartmentId", Some(&request.compartment_id))
            .query("topicId", request.topic_id.as_ref())
            .query("page", request.page.as_ref())
            .query("limit", request.limit);
        self.send(call).await
    }

    /// Every topic of a compartment, following `opc-next-page` ([`LIST_PAGE`] per page).
    pub async fn list_all_topics(&self, compartment_id: &str) -> Result<Vec<NotificationTopicSummary>, OciError> {
        collect_pages(|page| {
            let request = ListTopicsRequest {
                compartment_id: compartment_id.to_owned(),
                page,
                limit: Some(LIST_PAGE),
                ..Default::default()
            };
            async move { self.list_topics(&request).await }
        })
        .await
    }

    /// Every subscription of a compartment (of one topic, if given), following `opc-next-page`.
    pub async fn list_all_subscriptions(
        &self,
        compartment_id: &str,
        topic_id: Option<&str>,
    ) -> Result<Vec<SubscriptionSummary>, OciError> {
        collect_pages(|page| {
            let request = ListSubscriptionsRequest {
                compartment_id: compartment_id.to_owned(),
                topic_id: topic_id.map(str::to_owned),
                page,
                limit: Some(LIST_PAGE),
            };
            async move { self.list_subscriptions(&request).await }
        })
        .await
    }

    /// [GetSubscription](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/GetSubscription)
    pub async fn get_subscription(&self, subscription_id: &str) -> Result<Response<Subscription>, OciError> {
        let path = format!("/subscriptions/{}", escape(subscription_id));
        self.send(Call::new(&GET_SUBSCRIPTION, Method::GET, path)).await
    }

    /// [CreateSubscription](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/CreateSubscription)
    pub async fn create_subscription(
        &self,
        details: &CreateSubscriptionDetails,
    ) -> Result<Response<Subscription>, OciError> {
        self.create_subscription_with_token(details, None).await
    }

    /// CreateSubscription with the caller's `opc-retry-token`.
    pub async fn create_subscription_with_token(
        &self,
        details: &CreateSubscriptionDetails,
        retry_token: Option<&str>,
    ) -> Result<Response<Subscription>, OciError> {
        let call = Call::new(&CREATE_SUBSCRIPTION, Method::POST, "/subscriptions".into()).json(details)?;
        self.send(call.idempotent_create_with(retry_token)).await
    }

    /// [UpdateSubscription](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/UpdateSubscription)
    pub async fn update_subscription(
        &self,
        subscription_id: &str,
        details: &UpdateSubscriptionDetails,
        if_match: Option<&str>,
    ) -> Result<Response<UpdateSubscriptionDetails>, OciError> {
        let path = format!("/subscriptions/{}", escape(subscription_id));
        let call = Call::new(&UPDATE_SUBSCRIPTION, Method::PUT, path).json(details)?;
        self.send(call.if_match(if_match)).await
    }

    /// [DeleteSubscription](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/DeleteSubscription)
    pub async fn delete_subscription(
        &self,
        subscription_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>, OciError> {
        let path = format!("/subscriptions/{}", escape(subscription_id));
        self.send_empty(Call::new(&DELETE_SUBSCRIPTION, Method::DELETE, path).if_match(if_match)).await
    }

    /// [GetConfirmSubscription](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/GetConfirmSubscription)
    pub async fn get_confirm_subscription(
        &self,
        subscription_id: &str,
        token: &str,
        protocol: &Protocol,
    ) -> Result<Response<ConfirmationResult>, OciError> {
        let path = format!("/subscriptions/{}/confirmation", escape(subscription_id));
        let call = Call::new(&GET_CONFIRM_SUBSCRIPTION, Method::GET, path)
            .query("token", Some(token))
            .query("protocol", Some(protocol));
        self.send(call).await
    }

    /// [ResendSubscriptionConfirmation](https://docs.oracle.com/iaas/api/#/en/notification/20181201/Subscription/ResendSubscriptionConfirmation)
    pub async fn resend_subscription_confirmation(
        &self,
        subscription_id: &str,
    ) -> Result<Response<Subscription>, OciError> {
        let path = format!("/subscriptions/{}/resendConfirmation", escape(subscription_id));
        self.send(Call::new(&RESEND_SUBSCRIPTION_CONFIRMATION, Method::POST, path)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_and_summary_keep_their_different_policy_fields() {
        let full: Subscription = serde_json::from_value(serde_json::json!({
            "id": "s", "topicId": "t", "protocol": "CUSTOM_HTTPS", "endpoint": "https://example.test/hook",
            "lifecycleState": "PENDING", "compartmentId": "c", "createdTime": 1764489600000i64,
            "deliverPolicy": "{\"backoffRetryPolicy\":{\"maxRetryDuration\":7200000,\"policyType\":\"EXPONENTIAL\"}}"
        }))
        .unwrap();
        assert_eq!(full.lifecycle_state, SubscriptionState::Pending);
        assert!(full.deliver_policy.unwrap().contains("7200000"));
        let summary: SubscriptionSummary = serde_json::from_value(serde_json::json!({
            "id": "s", "topicId": "t", "protocol": "CARRIER_PIGEON", "endpoint": "roof",
            "lifecycleState": "ACTIVE", "compartmentId": "c",
            "deliveryPolicy": {"backoffRetryPolicy": {"maxRetryDuration": 7200000, "policyType": "EXPONENTIAL"}}
        }))
        .unwrap();
        assert_eq!(summary.protocol, Protocol::Unknown("CARRIER_PIGEON".into()));
        assert_eq!(summary.delivery_policy.unwrap().backoff_retry_policy.unwrap().max_retry_duration, 7_200_000);
    }

    #[test]
    fn publish_bodies_omit_a_missing_title() {
        let message = MessageDetails { title: None, body: "world".into() };
        assert_eq!(serde_json::to_string(&message).unwrap(), r#"{"body":"world"}"#);
    }
}
