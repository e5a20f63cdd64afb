//! Notifications delivery: the confirmation handshake and message fan-out, over real HTTP.
//!
//! CUSTOM_HTTPS (and legacy HTTPS) endpoints get OCI's POST with the `X-OCI-NS-*` headers
//! (`oci-api.md` §7.1-7.2): a `SubscriptionConfirmation` carrying `X-OCI-NS-ConfirmationURL` (and
//! `ConfirmationURL` in the JSON body), then `Notification` messages whose body is the published
//! body. Slack gets `{"text": ...}`; PagerDuty an Events API v2 `trigger` (OCI's exact PagerDuty
//! format is unconfirmed; v2 is what PagerDuty documents today). E-mail and SMS go to an outbox
//! readable over the API; ORACLE_FUNCTIONS deliveries invoke the function.
//!
//! HTTP deliveries go through the egress policy (`crate::egress`): never to link-local or metadata
//! addresses, never following a redirect (a 307 would re-post the message wherever it points).
//! A failed HTTP delivery is retried at once, then 1, 2, 4, 8, 16 and 32 units apart (OCI's unit
//! is a minute, `SandboxConfig::delivery_unit`), then every 32 units, until the subscription's
//! `maxRetryDuration` runs out. Every attempt is recorded with its status code.

use super::Sandbox;
use super::error::SandboxError;
use super::ons::state::StoredSubscription;
use super::tracked::Journal;
use super::world::random_lowercase;
use crate::oci::ons::{MessageDetails, NotificationTopic, Protocol, SubscriptionState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Records kept; older ones are dropped first.
const LOG_CAPACITY: usize = 10_000;

/// Why something was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// The subscription confirmation request.
    Confirmation,
    /// A published message.
    Message,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Still being attempted.
    Pending,
    /// The endpoint acknowledged it (2xx), or it went to the outbox.
    Delivered,
    /// Retries ran out.
    Failed,
}

/// One message to one subscription, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Delivery id.
    pub id: String,
    /// Confirmation or message.
    pub kind: DeliveryKind,
    /// Message id (`X-OCI-NS-MessageId`).
    pub message_id: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Subscription OCID.
    pub subscription_id: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint.
    pub endpoint: String,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// HTTP status of the last attempt.
    pub last_status: Option<u16>,
    /// Transport error of the last attempt.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// An e-mail or SMS the sandbox "sent".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    /// EMAIL or SMS.
    pub protocol: String,
    /// Address or phone number.
    pub to: String,
    /// Subject (e-mail).
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

/// Deliveries and the outbox (saved entry by entry, not with the rest of the state).
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Log {
    #[serde(default, skip_serializing)]
    pub(super) deliveries: Journal<Delivery, LOG_CAPACITY>,
    #[serde(default, skip_serializing)]
    pub(super) outbox: Journal<OutboxMessage, LOG_CAPACITY>,
}

impl Log {
    pub(super) fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.iter().cloned().collect()
    }

    pub(super) fn outbox(&self) -> Vec<OutboxMessage> {
        self.outbox.iter().cloned().collect()
    }

    fn push(&mut self, delivery: Delivery) {
        self.deliveries.push(delivery);
    }

    fn update(&mut self, id: &str, change: impl FnOnce(&mut Delivery)) {
        if let Some(delivery) = self.deliveries.newest_mut(|d| d.id == id) {
            change(delivery);
            delivery.updated_at = Utc::now();
        }
    }
}

/// An HTTP request to make for a delivery.
struct HttpJob {
    delivery_id: String,
    url: String,
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    body: Vec<u8>,
    give_up_after: Duration,
}

impl Sandbox {
    /// Sends the confirmation request of a PENDING subscription (no-op for confirmed ones).
    pub(super) fn send_confirmation(&self, subscription_id: &str) {
        let (stored, topic) = {
            let world = self.world();
            let Some(stored) = world.ons.stored_subscription(subscription_id).cloned() else { return };
            let Some(topic) = world.ons.topic(&stored.subscription.topic_id).cloned() else { return };
            (stored, topic)
        };
        if stored.subscription.lifecycle_state != SubscriptionState::Pending {
            return;
        }
        let protocol = stored.subscription.protocol.as_str().to_owned();
        let url = self.confirmation_url(subscription_id, &stored.token, &protocol);
        let text = format!(
            "You have chosen to subscribe to the topic {}. To confirm the subscription, open: {url}",
            topic.name
        );
        let body = serde_json::json!({
            "ConfirmationURL": url,
            "Message": text,
            "Type": "SubscriptionConfirmation",
            "TopicOcid": topic.topic_id,
            "SubscriptionOcid": subscription_id,
            "Timestamp": timestamp(),
        });
        let extra = vec![
            ("X-OCI-NS-ConfirmationURL", url.clone()),
            ("X-OCI-NS-SubscriptionId", subscription_id.to_owned()),
            ("X-OCI-NS-State", "Pending".to_owned()),
        ];
        let message = MessageDetails { title: Some("Subscription confirmation".into()), body: body.to_string() };
        self.deliver(&stored, &topic, DeliveryKind::Confirmation, &message, &text, extra);
    }

    /// PublishMessage: fans the message out to every ACTIVE subscription of the topic.
    pub(super) fn publish(&self, topic_id: &str, message: &MessageDetails) -> Result<String, SandboxError> {
        let (topic, subscriptions) = {
            let world = self.world();
            let (topic, _) = world.get_topic(topic_id)?;
            (topic, world.ons.active_subscriptions(topic_id))
        };
        let message_id = uuid_like();
        for stored in subscriptions {
            self.deliver_with_id(
                &stored,
                &topic,
                DeliveryKind::Message,
                message,
                &message.body,
                Vec::new(),
                &message_id,
            );
        }
        Ok(message_id)
    }

    fn deliver(
        &self,
        stored: &StoredSubscription,
        topic: &NotificationTopic,
        kind: DeliveryKind,
        message: &MessageDetails,
        text: &str,
        extra: Vec<(&'static str, String)>,
    ) {
        self.deliver_with_id(stored, topic, kind, message, text, extra, &uuid_like());
    }

    #[allow(clippy::too_many_arguments)]
    fn deliver_with_id(
        &self,
        stored: &StoredSubscription,
        topic: &NotificationTopic,
        kind: DeliveryKind,
        message: &MessageDetails,
        text: &str,
        extra: Vec<(&'static str, String)>,
        message_id: &str,
    ) {
        let subscription = &stored.subscription;
        let now = Utc::now();
        let delivery = Delivery {
            id: random_lowercase(20),
            kind,
            message_id: message_id.to_owned(),
            topic_id: topic.topic_id.clone(),
            subscription_id: subscription.id.clone(),
            protocol: subscription.protocol.as_str().to_owned(),
            endpoint: subscription.endpoint.clone(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        };
        let delivery_id = delivery.id.clone();
        self.log().push(delivery);

        let unsubscribe = self.unsubscribe_url(&subscription.id, &stored.token, subscription.protocol.as_str());
        match &subscription.protocol {
            Protocol::Email | Protocol::Sms => {
                let mail = OutboxMessage {
                    protocol: subscription.protocol.as_str().to_owned(),
                    to: subscription.endpoint.clone(),
                    subject: message.title.clone().unwrap_or_else(|| topic.name.clone()),
                    body: format!("{text}\n\nTo stop receiving these messages: {unsubscribe}"),
                    subscription_id: subscription.id.clone(),
                    message_id: message_id.to_owned(),
                    at: now,
                };
                let mut log = self.log();
                log.outbox.push(mail);
                log.update(&delivery_id, |d| {
                    d.status = DeliveryStatus::Delivered;
                    d.attempts = 1;
                });
            }
            Protocol::OracleFunctions => {
                let (sandbox, function_id, origin) =
                    (self.clone(), subscription.endpoint.clone(), format!("subscription {}", subscription.id));
                let body = message.body.clone();
                tokio::spawn(async move {
                    let answer = sandbox.invoke(&function_id, origin, body.as_bytes()).await;
                    let status = answer.as_ref().map_or(200, |(status, _)| *status);
                    sandbox.log().update(&delivery_id, |d| {
                        d.attempts = 1;
                        d.last_status = Some(status);
                        d.status = if (200..300).contains(&status) {
                            DeliveryStatus::Delivered
                        } else {
                            DeliveryStatus::Failed
                        };
                    });
                });
            }
            Protocol::Unknown(_) => {
                self.log().update(&delivery_id, |d| d.status = DeliveryStatus::Failed);
            }
            Protocol::CustomHttps | Protocol::Https | Protocol::Slack | Protocol::PagerDuty => {
                let (content_type, body, headers) = match &subscription.protocol {
                    Protocol::Slack => {
                        ("application/json", serde_json::json!({ "text": text }).to_string(), Vec::new())
                    }
                    Protocol::PagerDuty => {
                        let routing_key = subscription.endpoint.rsplit('/').nth(1).unwrap_or_default().to_owned();
                        let summary = message.title.clone().unwrap_or_else(|| topic.name.clone());
                        let payload = serde_json::json!({
                            "routing_key": routing_key,
                            "event_action": "trigger",
                            "payload": {"summary": summary, "source": topic.name, "severity": "info", "custom_details": text},
                        });
                        ("application/json", payload.to_string(), Vec::new())
                    }
                    _ => {
                        let is_json =
                            serde_json::from_str::<serde_json::Value>(&message.body).is_ok_and(|v| v.is_object());
                        let content_type = if is_json { "application/json" } else { "text/plain; charset=UTF-8" };
                        let message_type = match kind {
                            DeliveryKind::Confirmation => "SubscriptionConfirmation",
                            DeliveryKind::Message => "Notification",
                        };
                        let mut headers = vec![
                            ("X-OCI-NS-MessageId", message_id.to_owned()),
                            ("X-OCI-NS-TopicOcid", topic.topic_id.clone()),
                            ("X-OCI-NS-TopicName", topic.name.clone()),
                            ("X-OCI-NS-MessageType", message_type.to_owned()),
                            ("X-OCI-NS-UnsubscribeURL", unsubscribe),
                            ("X-OCI-NS-Timestamp", timestamp()),
                        ];
                        headers.extend(extra);
                        (content_type, message.body.clone(), headers)
                    }
                };
                let max_retry_ms = stored
                    .policy
                    .backoff_retry_policy
                    .as_ref()
                    .map_or(super::ons::state::DEFAULT_MAX_RETRY_MS, |p| p.max_retry_duration);
                let give_up_after = self
                    .inner
                    .config
                    .retry_duration_unit
                    .saturating_mul(u32::try_from(max_retry_ms).unwrap_or(u32::MAX));
                let job = HttpJob {
                    delivery_id,
                    url: subscription.endpoint.clone(),
                    headers,
                    content_type,
                    body: body.into_bytes(),
                    give_up_after,
                };
                let sandbox = self.clone();
                tokio::spawn(async move { sandbox.run(job).await });
            }
        }
    }

    async fn run(&self, job: HttpJob) {
        let started = Instant::now();
        let unit = self.inner.config.delivery_unit;
        // Attempt 1, an immediate retry, then 1, 2, 4, 8, 16, 32, 32, ... units apart.
        let mut waits = [Duration::ZERO, unit, unit * 2, unit * 4, unit * 8, unit * 16]
            .into_iter()
            .chain(std::iter::repeat(unit * 32));
        loop {
            let http = &self.inner.http;
            let mut request = http.post(&job.url).header("content-type", job.content_type).body(job.body.clone());
            for (name, value) in &job.headers {
                request = request.header(*name, value);
            }
            // Checked again at every attempt (a name may point elsewhere by now); redirects are
            // answers, never followed.
            let (delivered, status, error) = match http.send(request).await {
                Ok(answer) => (answer.status.is_success(), Some(answer.status.as_u16()), None),
                Err(err) => (false, None, Some(err.to_string())),
            };
            self.log().update(&job.delivery_id, |d| {
                d.attempts += 1;
                d.last_status = status;
                d.last_error = error;
                if delivered {
                    d.status = DeliveryStatus::Delivered;
                }
            });
            if delivered {
                self.changed();
                return;
            }
            let wait = waits.next().unwrap_or(unit * 32);
            if started.elapsed() + wait > job.give_up_after {
                self.log().update(&job.delivery_id, |d| d.status = DeliveryStatus::Failed);
                self.changed();
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.inner.deliveries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `X-OCI-NS-Timestamp` format: `2019-04-19T21:26:00.310+0000`.
fn timestamp() -> String {
    Utc::now().format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// A random UUID-shaped id (version 4 layout), as OCI's message ids are.
pub(super) fn uuid_like() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}
