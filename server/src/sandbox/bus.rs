//! The event bus: emitted events meet enabled rules, and matching rules run their actions.
//!
//! An event belongs to the compartment in `data.compartmentId` (or `extensions.compartmentId`);
//! rules in that compartment and its ancestors see it, as in OCI. Conditions are matched with
//! `app::condition`, the code the UI uses to test drafts. ONS actions publish the whole envelope
//! as the message body with the event type as its title; FAAS actions invoke the function with the
//! envelope as its body; OSS actions append the envelope to the stream's recorded messages (the
//! sandbox has no Streaming service to read them from; `/sandbox/v1/stream-messages` lists them).

use super::Sandbox;
use super::delivery::uuid_like as uuid;
use super::error::SandboxError;
use super::wire;
use super::world::World;
use crate::oci::events::ActionTarget;
use crate::oci::ons::MessageDetails;
use crate::oci::wire::{DefinedTags, FreeformTags};
use app::condition::Condition;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use serde::Serialize;
use serde_json::{Value, json};

/// What one emitted event caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmitReport {
    /// The event's `eventID`.
    pub event_id: String,
    /// OCIDs of the rules whose condition matched.
    pub matched_rules: Vec<String>,
    /// One line per action run: `ONS ocid1.onstopic... message <id>`.
    pub actions: Vec<String>,
}

/// The facts of an event the sandbox's resources emit.
pub(super) struct Envelope {
    pub event_type: String,
    pub source: &'static str,
    pub compartment_id: String,
    pub resource_name: String,
    pub resource_id: String,
    pub availability_domain: Option<String>,
    pub freeform_tags: FreeformTags,
    pub defined_tags: DefinedTags,
    pub additional_details: Value,
}

impl World {
    /// The event JSON exactly as OCI shapes it (`oci-api.md` §6.1).
    pub(super) fn envelope(&self, facts: Envelope) -> Value {
        let compartment_name = self.compartments.get(&facts.compartment_id).map(|c| c.name.clone()).unwrap_or_default();
        json!({
            "eventType": facts.event_type,
            "cloudEventsVersion": "0.1",
            "eventTypeVersion": "2.0",
            "source": facts.source,
            "eventTime": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "contentType": "application/json",
            "data": {
                "compartmentId": facts.compartment_id,
                "compartmentName": compartment_name,
                "resourceName": facts.resource_name,
                "resourceId": facts.resource_id,
                "availabilityDomain": facts.availability_domain,
                "freeformTags": facts.freeform_tags,
                "definedTags": facts.defined_tags,
                "additionalDetails": facts.additional_details,
            },
            "eventID": uuid(),
            "extensions": {"compartmentId": facts.compartment_id},
        })
    }
}

/// A change to a rule, topic or subscription, which the service that owns it announces as an
/// event (types in `app::catalogue`, [`app::catalogue::is_inventory_change`]). The world notes
/// it where the change is made, so a create repeated with its retry token, which changes
/// nothing, announces nothing; [`Sandbox::emit_announced`] emits it once the call is served,
/// outside the world's lock.
#[derive(Debug, Clone)]
pub(super) struct Announcement {
    event_type: String,
    source: &'static str,
    compartment_id: String,
    resource_name: String,
    resource_id: String,
    additional_details: Value,
}

impl World {
    /// Notes a change for [`Sandbox::emit_announced`]: `action` is the type's last part
    /// (`createrule`), `prefix` the owning service's ([`app::catalogue::EVENTS_SERVICE_PREFIX`]).
    pub(super) fn announce(
        &mut self,
        prefix: &str,
        action: &str,
        compartment_id: &str,
        (name, id): (&str, &str),
        additional_details: Value,
    ) {
        let source =
            if prefix == app::catalogue::EVENTS_SERVICE_PREFIX { "EventsService" } else { "NotificationService" };
        self.announcements.push(Announcement {
            event_type: format!("{prefix}{action}"),
            source,
            compartment_id: compartment_id.to_owned(),
            resource_name: name.to_owned(),
            resource_id: id.to_owned(),
            additional_details,
        });
    }
}

/// A message an OSS action wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamMessage {
    /// Stream OCID.
    pub stream_id: String,
    /// The event envelope.
    pub value: String,
    /// When.
    pub at: chrono::DateTime<Utc>,
}

/// Stream messages kept.
const STREAM_MESSAGES_KEPT: usize = 10_000;

impl World {
    fn record_stream_message(&mut self, stream_id: &str, value: &str) {
        if self.stream_messages.len() == STREAM_MESSAGES_KEPT {
            self.stream_messages.pop_front();
        }
        self.stream_messages.push_back(StreamMessage {
            stream_id: stream_id.to_owned(),
            value: value.to_owned(),
            at: Utc::now(),
        });
    }
}

impl Sandbox {
    /// Emits the changes the calls served so far announced. Routing an event can fail only on a
    /// compartment that no longer exists; the change itself is made, so that is logged.
    pub(super) fn emit_announced(&self) {
        let pending = std::mem::take(&mut self.world().announcements);
        for change in pending {
            let event = self.world().envelope(Envelope {
                event_type: change.event_type,
                source: change.source,
                compartment_id: change.compartment_id,
                resource_name: change.resource_name,
                resource_id: change.resource_id,
                availability_domain: None,
                freeform_tags: FreeformTags::default(),
                defined_tags: DefinedTags::default(),
                additional_details: change.additional_details,
            });
            if let Err(err) = self.emit(event) {
                tracing::warn!(error = %err.message, "cannot route a change event");
            }
        }
    }

    /// Routes one event: finds the enabled rules that see and match it, and runs their enabled
    /// actions.
    pub fn emit(&self, mut event: Value) -> Result<EmitReport, SandboxError> {
        let Value::Object(fields) = &mut event else {
            return Err(SandboxError::invalid_parameter("An event is a JSON object with eventType and data."));
        };
        if !fields.get("eventType").is_some_and(Value::is_string) {
            return Err(SandboxError::missing_parameter("eventType"));
        }
        let compartment = fields
            .get("data")
            .and_then(|d| d.get("compartmentId"))
            .or_else(|| fields.get("extensions").and_then(|e| e.get("compartmentId")))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| SandboxError::missing_parameter("data.compartmentId"))?;
        fields.entry("eventID").or_insert_with(|| Value::String(uuid()));
        fields.entry("cloudEventsVersion").or_insert_with(|| Value::String("0.1".into()));
        fields.entry("contentType").or_insert_with(|| Value::String("application/json".into()));
        fields
            .entry("eventTime")
            .or_insert_with(|| Value::String(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
        fields.entry("extensions").or_insert_with(|| json!({"compartmentId": compartment}));
        let event_id = fields.get("eventID").and_then(Value::as_str).unwrap_or_default().to_owned();
        let event_type = fields.get("eventType").and_then(Value::as_str).unwrap_or_default().to_owned();

        // A time that does not parse is logged as now: the event is routed all the same.
        let at = fields
            .get("eventTime")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or_else(Utc::now, |t| t.to_utc());
        let body = event.to_string();
        let rules = {
            let mut world = self.world();
            world.ensure_compartment(&compartment, "data.compartmentId")?;
            world.log_emitted(at, &compartment, body.clone());
            let lineage = world.lineage(&compartment);
            world.events.enabled_rules_in(&lineage)
        };
        let mut report = EmitReport { event_id, matched_rules: Vec::new(), actions: Vec::new() };
        for rule in rules {
            let Ok(condition) = Condition::parse(&rule.condition) else { continue };
            if !condition.matches(&event) {
                continue;
            }
            report.matched_rules.push(rule.id.clone());
            for action in rule.actions.actions.iter().filter(|a| a.is_enabled) {
                let line = match &action.target {
                    ActionTarget::Notifications { topic_id: Some(topic_id) } => {
                        let message = MessageDetails { title: Some(event_type.clone()), body: body.clone() };
                        match self.publish(topic_id, &message) {
                            Ok(message_id) => format!("ONS {topic_id} message {message_id}"),
                            Err(err) => format!("ONS {topic_id} failed: {}", err.message),
                        }
                    }
                    ActionTarget::Functions { function_id: Some(id) } => {
                        let (sandbox, id, origin, body) =
                            (self.clone(), id.clone(), format!("rule {}", rule.id), body.clone());
                        let line = format!("FAAS {id} invoked");
                        tokio::spawn(async move { sandbox.invoke(&id, origin, body.as_bytes()).await });
                        line
                    }
                    ActionTarget::Streaming { stream_id: Some(id) } => {
                        self.world().record_stream_message(id, &body);
                        format!("OSS {id} message recorded")
                    }
                    _ => continue,
                };
                report.actions.push(line);
            }
        }
        tracing::debug!(event_type, matched = report.matched_rules.len(), "sandbox event routed");
        Ok(report)
    }
}

/// Handles `POST /sandbox/v1/events`: emits the event JSON in the body, as tests and the UI's
/// sample events do.
pub async fn emit_event(State(sandbox): State<Sandbox>, body: Bytes) -> Result<Response, SandboxError> {
    let event: Value = wire::body(&body)?;
    let report = sandbox.emit(event)?;
    Ok(wire::json(&report, None, None))
}
