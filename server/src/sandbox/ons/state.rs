//! Notifications topics and subscriptions: validation and storage (the state half).
//!
//! Choices where OCI documents nothing: topic names are 1 to 256 of `[A-Za-z0-9_-]` and unique in
//! the tenancy (409 Conflict otherwise); a compartment holds at most 100 topics (400
//! TopicLimitReached); deleting a topic deletes its subscriptions; a topic's `apiEndpoint` is the
//! sandbox's own base URL. Subscriptions start PENDING (ORACLE_FUNCTIONS: ACTIVE at once) and carry
//! a confirmation token; unlike OCI, `http://` endpoints on loopback are accepted so local
//! receivers need no certificate.

use super::super::error::SandboxError;
use super::super::tracked::Tracked;
use super::super::world::{Replay, World, check_etag, new_etag, paginate, random_lowercase};
use crate::oci::ons::{
    BackoffRetryPolicy, CreateSubscriptionDetails, CreateTopicDetails, DeliveryPolicy, NotificationTopic, Protocol,
    Subscription, SubscriptionState, SubscriptionSummary, TopicAttributesDetails, TopicSortBy, TopicState,
    UpdateSubscriptionDetails,
};
use crate::oci::wire::SortOrder;
use app::model::ocid::Ocid;
use chrono::Utc;

/// Topics a compartment may hold.
pub const TOPIC_LIMIT: usize = 100;

/// OCI's default: retry a failed delivery for 2 hours.
pub const DEFAULT_MAX_RETRY_MS: u64 = 7_200_000;

/// Topics and subscriptions by OCID (saved row by row, not with the rest of the state).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct OnsState {
    #[serde(default, skip_serializing)]
    pub(in crate::sandbox) topics: Tracked<(NotificationTopic, String)>,
    #[serde(default, skip_serializing)]
    pub(in crate::sandbox) subscriptions: Tracked<StoredSubscription>,
}

/// A subscription with what only the sandbox knows.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredSubscription {
    /// As OCI shows it.
    pub subscription: Subscription,
    /// The current confirmation token.
    pub token: String,
    /// Retry settings.
    pub policy: DeliveryPolicy,
}

/// ListTopics query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTopicsQuery {
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Only this topic.
    pub id: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    /// Page token.
    pub page: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Sort key.
    pub sort_by: Option<TopicSortBy>,
    /// Sort direction.
    pub sort_order: Option<SortOrder>,
    /// State filter (case-insensitive in OCI).
    pub lifecycle_state: Option<String>,
}

/// ListSubscriptions query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSubscriptionsQuery {
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Only this topic's.
    pub topic_id: Option<String>,
    /// Page token.
    pub page: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

impl OnsState {
    /// Whether the topic exists.
    pub fn has_topic(&self, id: &str) -> bool {
        self.topics.contains_key(id)
    }

    /// Every topic's name by OCID.
    pub fn topic_names(&self) -> std::collections::HashMap<String, String> {
        self.topics.iter().map(|(id, (topic, _))| (id.clone(), topic.name.clone())).collect()
    }

    /// The topic, if it exists.
    pub fn topic(&self, id: &str) -> Option<&NotificationTopic> {
        self.topics.get(id).map(|(topic, _)| topic)
    }

    /// The topic's ACTIVE subscriptions (the ones that receive messages).
    pub fn active_subscriptions(&self, topic_id: &str) -> Vec<StoredSubscription> {
        self.subscriptions
            .values()
            .filter(|s| {
                s.subscription.topic_id == topic_id && s.subscription.lifecycle_state == SubscriptionState::Active
            })
            .cloned()
            .collect()
    }

    /// A subscription with its token.
    pub fn stored_subscription(&self, id: &str) -> Option<&StoredSubscription> {
        self.subscriptions.get(id)
    }
}

impl World {
    /// CreateTopic.
    pub fn create_topic(
        &mut self,
        details: CreateTopicDetails,
        retry_token: Option<&str>,
        api_endpoint: &str,
    ) -> Result<(NotificationTopic, String), SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateTopic", retry_token, &request)? {
            return self.get_topic(&id).map_err(|_| SandboxError::invalidated_retry_token());
        }
        check_topic_name(&details.name)?;
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        if self.ons.topics.values().any(|(topic, _)| topic.name == details.name) {
            return Err(SandboxError::conflict(format!(
                "A topic named {} already exists in this tenancy; topic names are unique.",
                details.name
            )));
        }
        let in_compartment =
            self.ons.topics.values().filter(|(t, _)| t.compartment_id == details.compartment_id).count();
        if in_compartment >= TOPIC_LIMIT {
            return Err(SandboxError::topic_limit_reached(TOPIC_LIMIT));
        }
        let etag = new_etag();
        let topic = NotificationTopic {
            name: details.name,
            topic_id: self.new_ocid("onstopic"),
            short_topic_id: Some(random_lowercase(10)),
            compartment_id: details.compartment_id,
            lifecycle_state: TopicState::Active,
            description: details.description,
            time_created: Utc::now(),
            etag: Some(etag.clone()),
            freeform_tags: details.freeform_tags,
            defined_tags: details.defined_tags,
            api_endpoint: api_endpoint.to_owned(),
        };
        self.remember("CreateTopic", retry_token, &request, &topic.topic_id);
        self.ons.topics.insert(topic.topic_id.clone(), (topic.clone(), etag.clone()));
        self.announce_topic("createtopic", &topic);
        Ok((topic, etag))
    }

    /// GetTopic.
    pub fn get_topic(&self, id: &str) -> Result<(NotificationTopic, String), SandboxError> {
        self.ons.topics.get(id).cloned().ok_or_else(|| SandboxError::not_found("topic", id))
    }

    /// ListTopics.
    pub fn list_topics(
        &mut self,
        query: &ListTopicsQuery,
    ) -> Result<(Vec<NotificationTopic>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let state = query.lifecycle_state.as_deref().map(|text| TopicState::from(text.to_ascii_uppercase()));
        let mut topics: Vec<NotificationTopic> = self
            .ons
            .topics
            .values()
            .map(|(topic, _)| topic)
            .filter(|t| t.compartment_id == compartment)
            .filter(|t| query.id.as_ref().is_none_or(|id| &t.topic_id == id))
            .filter(|t| query.name.as_ref().is_none_or(|name| &t.name == name))
            .filter(|t| state.as_ref().is_none_or(|s| &t.lifecycle_state == s))
            .cloned()
            .collect();
        match query.sort_by.clone().unwrap_or(TopicSortBy::TimeCreated) {
            TopicSortBy::TimeCreated => {
                topics.sort_by(|a, b| a.time_created.cmp(&b.time_created).then(a.topic_id.cmp(&b.topic_id)))
            }
            TopicSortBy::LifecycleState => {
                topics.sort_by(|a, b| a.lifecycle_state.as_str().cmp(b.lifecycle_state.as_str()))
            }
            TopicSortBy::Unknown(other) => {
                return Err(SandboxError::invalid_parameter(format!(
                    "sortBy \"{other}\" is not TIMECREATED or LIFECYCLESTATE."
                )));
            }
        }
        if !matches!(query.sort_order, Some(SortOrder::Asc)) {
            topics.reverse();
        }
        paginate(&topics, query.limit, query.page.as_deref(), 1000)
    }

    /// UpdateTopic.
    pub fn update_topic(
        &mut self,
        id: &str,
        details: TopicAttributesDetails,
        if_match: Option<&str>,
    ) -> Result<(NotificationTopic, String), SandboxError> {
        let (mut topic, etag) = self.get_topic(id)?;
        check_etag(if_match, &etag, id)?;
        topic.description = Some(details.description);
        if let Some(tags) = details.freeform_tags {
            topic.freeform_tags = tags;
        }
        if let Some(tags) = details.defined_tags {
            topic.defined_tags = tags;
        }
        let etag = new_etag();
        topic.etag = Some(etag.clone());
        self.ons.topics.insert(id.to_owned(), (topic.clone(), etag.clone()));
        self.announce_topic("updatetopic", &topic);
        Ok((topic, etag))
    }

    /// DeleteTopic, with its subscriptions.
    pub fn delete_topic(&mut self, id: &str, if_match: Option<&str>) -> Result<(), SandboxError> {
        let (topic, etag) = self.get_topic(id)?;
        check_etag(if_match, &etag, id)?;
        self.ons.topics.remove(id);
        let gone: Vec<Subscription> = self
            .ons
            .subscriptions
            .values()
            .filter(|s| s.subscription.topic_id == id)
            .map(|s| s.subscription.clone())
            .collect();
        self.ons.subscriptions.retain(|_, s| s.subscription.topic_id != id);
        for subscription in &gone {
            self.announce_subscription("deletesubscription", subscription);
        }
        self.announce_topic("deletetopic", &topic);
        Ok(())
    }

    /// ChangeTopicCompartment.
    pub fn change_topic_compartment(
        &mut self,
        id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<(), SandboxError> {
        let (mut topic, etag) = self.get_topic(id)?;
        check_etag(if_match, &etag, id)?;
        self.ensure_compartment(compartment_id, "compartmentId")?;
        topic.compartment_id = compartment_id.to_owned();
        let etag = new_etag();
        topic.etag = Some(etag.clone());
        self.announce_topic("changetopiccompartment", &topic);
        self.ons.topics.insert(id.to_owned(), (topic, etag));
        Ok(())
    }

    /// CreateSubscription. The caller starts the confirmation handshake for PENDING ones.
    pub fn create_subscription(
        &mut self,
        details: CreateSubscriptionDetails,
        retry_token: Option<&str>,
    ) -> Result<StoredSubscription, SandboxError> {
        let request = serde_json::to_value(&details).map_err(|e| SandboxError::internal(e.to_string()))?;
        if let Replay::Existing(id) = self.replay("CreateSubscription", retry_token, &request)? {
            return self.ons.subscriptions.get(&id).cloned().ok_or_else(SandboxError::invalidated_retry_token);
        }
        if !self.ons.has_topic(&details.topic_id) {
            return Err(SandboxError::related_not_found(format!(
                "topicId {} does not exist or is not authorized.",
                details.topic_id
            )));
        }
        self.ensure_compartment(&details.compartment_id, "compartmentId")?;
        check_endpoint(&details.protocol, &details.endpoint)?;
        if details.protocol == Protocol::OracleFunctions && !self.functions.has_function(&details.endpoint) {
            return Err(SandboxError::related_not_found(format!(
                "endpoint function {} does not exist.",
                details.endpoint
            )));
        }
        let state = if details.protocol == Protocol::OracleFunctions {
            SubscriptionState::Active
        } else {
            SubscriptionState::Pending
        };
        let policy = DeliveryPolicy {
            backoff_retry_policy: Some(BackoffRetryPolicy {
                max_retry_duration: DEFAULT_MAX_RETRY_MS,
                policy_type: "EXPONENTIAL".into(),
            }),
        };
        let etag = new_etag();
        let subscription = Subscription {
            id: self.new_ocid("onssubscription"),
            topic_id: details.topic_id,
            protocol: details.protocol,
            endpoint: details.endpoint,
            lifecycle_state: state,
            compartment_id: details.compartment_id,
            created_time: Some(Utc::now().timestamp_millis()),
            deliver_policy: serde_json::to_string(&policy).ok(),
            etag: Some(etag),
            freeform_tags: details.freeform_tags,
            defined_tags: details.defined_tags,
        };
        let stored = StoredSubscription { subscription, token: random_lowercase(48), policy };
        self.remember("CreateSubscription", retry_token, &request, &stored.subscription.id);
        self.ons.subscriptions.insert(stored.subscription.id.clone(), stored.clone());
        self.announce_subscription("createsubscription", &stored.subscription);
        Ok(stored)
    }

    /// GetSubscription.
    pub fn get_subscription(&self, id: &str) -> Result<Subscription, SandboxError> {
        self.ons
            .subscriptions
            .get(id)
            .map(|s| s.subscription.clone())
            .ok_or_else(|| SandboxError::not_found("subscription", id))
    }

    /// ListSubscriptions.
    pub fn list_subscriptions(
        &mut self,
        query: &ListSubscriptionsQuery,
    ) -> Result<(Vec<SubscriptionSummary>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let summaries: Vec<SubscriptionSummary> = self
            .ons
            .subscriptions
            .values()
            .filter(|s| s.subscription.compartment_id == compartment)
            .filter(|s| query.topic_id.as_ref().is_none_or(|t| &s.subscription.topic_id == t))
            .map(|s| SubscriptionSummary {
                id: s.subscription.id.clone(),
                topic_id: s.subscription.topic_id.clone(),
                protocol: s.subscription.protocol.clone(),
                endpoint: s.subscription.endpoint.clone(),
                lifecycle_state: s.subscription.lifecycle_state.clone(),
                compartment_id: s.subscription.compartment_id.clone(),
                created_time: s.subscription.created_time,
                delivery_policy: Some(s.policy.clone()),
                etag: s.subscription.etag.clone(),
                freeform_tags: s.subscription.freeform_tags.clone(),
                defined_tags: s.subscription.defined_tags.clone(),
            })
            .collect();
        paginate(&summaries, query.limit, query.page.as_deref(), 1000)
    }

    /// UpdateSubscription.
    pub fn update_subscription(
        &mut self,
        id: &str,
        details: UpdateSubscriptionDetails,
        if_match: Option<&str>,
    ) -> Result<UpdateSubscriptionDetails, SandboxError> {
        let stored = self.ons.subscriptions.get_mut(id).ok_or_else(|| SandboxError::not_found("subscription", id))?;
        check_etag(if_match, stored.subscription.etag.as_deref().unwrap_or_default(), id)?;
        if let Some(policy) = &details.delivery_policy {
            stored.policy = policy.clone();
            stored.subscription.deliver_policy = serde_json::to_string(policy).ok();
        }
        if let Some(tags) = &details.freeform_tags {
            stored.subscription.freeform_tags = tags.clone();
        }
        if let Some(tags) = &details.defined_tags {
            stored.subscription.defined_tags = tags.clone();
        }
        stored.subscription.etag = Some(new_etag());
        let subscription = stored.subscription.clone();
        self.announce_subscription("updatesubscription", &subscription);
        Ok(details)
    }

    /// DeleteSubscription.
    pub fn delete_subscription(&mut self, id: &str, if_match: Option<&str>) -> Result<(), SandboxError> {
        let current = self.get_subscription(id)?;
        check_etag(if_match, current.etag.as_deref().unwrap_or_default(), id)?;
        self.ons.subscriptions.remove(id);
        self.announce_subscription("deletesubscription", &current);
        Ok(())
    }

    /// The confirmation link was followed: PENDING becomes ACTIVE.
    pub fn confirm_subscription(
        &mut self,
        id: &str,
        token: &str,
    ) -> Result<(NotificationTopic, Subscription), SandboxError> {
        let stored = self.ons.subscriptions.get_mut(id).ok_or_else(|| SandboxError::not_found("subscription", id))?;
        if stored.token != token {
            return Err(SandboxError::invalid_parameter(
                "The confirmation token is not valid for this subscription; resend the confirmation.",
            ));
        }
        stored.subscription.lifecycle_state = SubscriptionState::Active;
        let subscription = stored.subscription.clone();
        self.announce_subscription("updatesubscription", &subscription);
        let (topic, _) = self.get_topic(&subscription.topic_id)?;
        Ok((topic, subscription))
    }

    /// The unsubscribe link was followed: the subscription is deleted.
    pub fn unsubscribe(&mut self, id: &str, token: &str) -> Result<Subscription, SandboxError> {
        let stored = self.ons.subscriptions.get(id).ok_or_else(|| SandboxError::not_found("subscription", id))?;
        if stored.token != token {
            return Err(SandboxError::invalid_parameter("The unsubscribe token is not valid for this subscription."));
        }
        let subscription = stored.subscription.clone();
        self.ons.subscriptions.remove(id);
        self.announce_subscription("deletesubscription", &subscription);
        Ok(subscription)
    }

    /// Notes a change to a topic, to be emitted as Notifications' event about it.
    fn announce_topic(&mut self, action: &str, topic: &NotificationTopic) {
        let prefix = app::catalogue::NOTIFICATION_PREFIX;
        let names = (topic.name.as_str(), topic.topic_id.as_str());
        self.announce(prefix, action, &topic.compartment_id, names, serde_json::json!({}));
    }

    /// Notes a change to a subscription, to be emitted as Notifications' event about it.
    fn announce_subscription(&mut self, action: &str, subscription: &Subscription) {
        let details = serde_json::json!({
            "topicId": subscription.topic_id,
            "protocol": subscription.protocol.as_str(),
            "lifecycleState": subscription.lifecycle_state.as_str(),
        });
        // A subscription has no name; its endpoint may carry credentials (`https://user:pass@…`),
        // so the event names it by its OCID.
        let names = (subscription.id.as_str(), subscription.id.as_str());
        self.announce(app::catalogue::NOTIFICATION_PREFIX, action, &subscription.compartment_id, names, details);
    }

    /// ResendSubscriptionConfirmation: a new token, still PENDING.
    pub fn renew_confirmation(&mut self, id: &str) -> Result<StoredSubscription, SandboxError> {
        let stored = self.ons.subscriptions.get_mut(id).ok_or_else(|| SandboxError::not_found("subscription", id))?;
        if stored.subscription.lifecycle_state != SubscriptionState::Pending {
            return Err(SandboxError::incorrect_state("The subscription is already confirmed."));
        }
        stored.token = random_lowercase(48);
        Ok(stored.clone())
    }
}

fn check_topic_name(name: &str) -> Result<(), SandboxError> {
    let valid =
        (1..=256).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(SandboxError::invalid_parameter(format!(
            "name \"{name}\" must be 1 to 256 letters, digits, hyphens or underscores."
        )))
    }
}

/// Validates a subscription endpoint for its protocol.
pub fn check_endpoint(protocol: &Protocol, endpoint: &str) -> Result<(), SandboxError> {
    let fail = |what: &str| Err(SandboxError::invalid_parameter(format!("endpoint \"{endpoint}\" is not {what}.")));
    if endpoint.len() > 512 {
        return Err(SandboxError::invalid_parameter("endpoint must be at most 512 characters."));
    }
    match protocol {
        Protocol::Email => {
            let ok = endpoint.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
            if ok { Ok(()) } else { fail("an e-mail address") }
        }
        Protocol::CustomHttps | Protocol::Https | Protocol::Slack | Protocol::PagerDuty => {
            if endpoint.contains('?') && *protocol == Protocol::CustomHttps {
                return fail("a URL without a query string");
            }
            if is_https_url(endpoint) || is_loopback_http(endpoint) {
                Ok(())
            } else {
                fail("an https:// URL (the sandbox also accepts http:// on loopback)")
            }
        }
        Protocol::Sms => {
            let digits = endpoint.strip_prefix('+').unwrap_or("");
            if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                fail("a phone number with its country code, such as +14155550100")
            }
        }
        Protocol::OracleFunctions => {
            if Ocid::parse_of(endpoint, &["fnfunc"]).is_some() {
                Ok(())
            } else {
                fail("a function OCID")
            }
        }
        Protocol::Unknown(other) => Err(SandboxError::invalid_parameter(format!(
            "protocol {other} is not one of EMAIL, CUSTOM_HTTPS, HTTPS, PAGERDUTY, SLACK, SMS, ORACLE_FUNCTIONS."
        ))),
    }
}

fn is_https_url(url: &str) -> bool {
    url.strip_prefix("https://").is_some_and(|rest| rest.split('/').next().is_some_and(|host| !host.is_empty()))
}

fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}
