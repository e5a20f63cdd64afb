//! The sandbox's own audit trail (the state half): one event per API call it served.
//!
//! Event types follow Audit's mixed-case form, `com.oraclecloud.<Service>Api.<Operation>` (the
//! exact service prefixes OCI uses for Events and Notifications are not documented; these are the
//! sandbox's choice). Reads are audited too, as in OCI.

use super::super::error::SandboxError;
use super::super::tracked::Journal;
use super::super::world::{World, paginate};
use crate::oci::audit::{AuditEvent, AuditEventData, AuditRequest, AuditResponse, Identity};
use chrono::{DateTime, Timelike, Utc};

/// Events kept; the oldest go first.
const KEPT: usize = 50_000;

/// The recorded calls (saved entry by entry, not with the rest of the state).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AuditState {
    #[serde(default, skip_serializing)]
    pub(in crate::sandbox) events: Journal<AuditEvent, KEPT>,
}

/// What the audit middleware saw of one call.
#[derive(Debug, Clone)]
pub struct AuditedCall {
    /// `EventsApi`, `NotificationApi`, ...
    pub source: &'static str,
    /// `CreateRule`, ...
    pub operation: &'static str,
    /// Compartment the call concerned.
    pub compartment_id: String,
    /// Resource OCID, when known.
    pub resource_id: Option<String>,
    /// Resource name, when known.
    pub resource_name: Option<String>,
    /// `tenancy/user/fingerprint` of the signer.
    pub key_id: Option<String>,
    /// `opc-request-id`.
    pub request_id: String,
    /// Path.
    pub path: String,
    /// Method.
    pub method: String,
    /// HTTP status answered.
    pub status: u16,
}

/// ListEvents query.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListEventsQuery {
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Inclusive start, a whole minute.
    pub start_time: Option<DateTime<Utc>>,
    /// Exclusive end, a whole minute.
    pub end_time: Option<DateTime<Utc>>,
    /// Page token.
    pub page: Option<String>,
}

impl World {
    /// Records one served call.
    pub fn record_call(&mut self, call: AuditedCall) {
        let compartment_name = self.compartments.get(&call.compartment_id).map(|c| c.name.clone());
        let now = Utc::now();
        let event = AuditEvent {
            event_type: format!("com.oraclecloud.{}.{}", call.source, call.operation),
            cloud_events_version: Some("0.1".into()),
            event_type_version: Some("2.0".into()),
            source: Some(call.source.into()),
            event_id: super::super::delivery::uuid_like(),
            event_time: now,
            data: AuditEventData {
                event_grouping_id: Some(call.request_id.clone()),
                event_name: Some(call.operation.into()),
                compartment_id: Some(call.compartment_id),
                compartment_name,
                resource_name: call.resource_name,
                resource_id: call.resource_id,
                availability_domain: None,
                freeform_tags: None,
                defined_tags: None,
                identity: Identity {
                    principal_id: call.key_id.as_ref().and_then(|k| match k.strip_prefix("ST$") {
                        Some(subject) => Some(subject.to_owned()),
                        None => k.split('/').nth(1).map(str::to_owned),
                    }),
                    auth_type: Some("natv".into()),
                    ip_address: Some("127.0.0.1".into()),
                    credentials: call.key_id,
                    ..Identity::default()
                },
                request: AuditRequest { id: Some(call.request_id), path: Some(call.path), action: Some(call.method) },
                response: AuditResponse {
                    status: Some(call.status.to_string()),
                    response_time: Some(now),
                    message: None,
                },
                state_change: None,
                additional_details: None,
            },
        };
        self.audit.events.push(event);
    }

    /// ListEvents: the compartment's events in `[startTime, endTime)`, oldest first.
    pub fn list_audit_events(
        &mut self,
        query: &ListEventsQuery,
    ) -> Result<(Vec<AuditEvent>, Option<String>), SandboxError> {
        let compartment =
            query.compartment_id.as_deref().ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
        self.ensure_compartment(compartment, "compartmentId")?;
        let start = query.start_time.ok_or_else(|| SandboxError::missing_parameter("startTime"))?;
        let end = query.end_time.ok_or_else(|| SandboxError::missing_parameter("endTime"))?;
        for (name, time) in [("startTime", start), ("endTime", end)] {
            if time.second() != 0 || time.nanosecond() != 0 {
                return Err(SandboxError::invalid_parameter(format!(
                    "{name} must be a whole minute (seconds and milliseconds 0)."
                )));
            }
        }
        if end < start {
            return Err(SandboxError::invalid_parameter("endTime must not be before startTime."));
        }
        let events: Vec<AuditEvent> = self
            .audit
            .events
            .iter()
            .filter(|e| e.data.compartment_id.as_deref() == Some(compartment))
            .filter(|e| e.event_time >= start && e.event_time < end)
            .cloned()
            .collect();
        paginate(&events, Some(100), query.page.as_deref(), 100)
    }
}
