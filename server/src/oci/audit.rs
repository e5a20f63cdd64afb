//! Audit (`/20190901`): the cloud's own record of API calls, for a compartment and time window.
//!
//! Reference: <https://docs.oracle.com/iaas/api/#/en/audit/20190901/AuditEvent/ListEvents>. The API
//! takes whole minutes only (`startTime` inclusive, `endTime` exclusive, seconds and milliseconds
//! zero), so [`AuditWindow`] widens any window outward to minute boundaries instead of letting OCI
//! refuse it. Note `eventId` (lowercase d), unlike the Events envelope's `eventID`.

use super::client::{Call, OciClient, Response};
use super::error::{OciError, Operation, Verb};
use super::region::Service;
use chrono::{DateTime, DurationRound, SecondsFormat, TimeDelta, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

/// Who made an audited call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Identity {
    /// User or service name.
    pub principal_name: Option<String>,
    /// User or service OCID.
    pub principal_id: Option<String>,
    /// `natv` (API key), `instance`, ...
    pub auth_type: Option<String>,
    /// Caller's IP address.
    pub ip_address: Option<String>,
    /// The signing key id used (`tenancy/user/fingerprint`).
    pub credentials: Option<String>,
    /// Caller's user agent.
    pub user_agent: Option<String>,
}

/// The audited request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditRequest {
    /// `opc-request-id`.
    pub id: Option<String>,
    /// URL path.
    pub path: Option<String>,
    /// HTTP method.
    pub action: Option<String>,
}

/// The audited response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditResponse {
    /// HTTP status, as a string.
    pub status: Option<String>,
    /// When it was answered.
    pub response_time: Option<DateTime<Utc>>,
    /// Error or status text.
    pub message: Option<String>,
}

/// What an audit event is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditEventData {
    /// Groups the events of one operation.
    pub event_grouping_id: Option<String>,
    /// Operation name (`CreateRule`).
    pub event_name: Option<String>,
    /// Compartment OCID.
    pub compartment_id: Option<String>,
    /// Compartment name.
    pub compartment_name: Option<String>,
    /// Resource name.
    pub resource_name: Option<String>,
    /// Resource OCID.
    pub resource_id: Option<String>,
    /// Availability domain, for resources that live in one.
    pub availability_domain: Option<String>,
    /// The resource's free-form tags.
    pub freeform_tags: Option<serde_json::Value>,
    /// The resource's defined tags.
    pub defined_tags: Option<serde_json::Value>,
    /// Caller.
    pub identity: Identity,
    /// Request.
    pub request: AuditRequest,
    /// Response.
    pub response: AuditResponse,
    /// Before and after, when the service records them.
    pub state_change: Option<serde_json::Value>,
    /// Service-specific details.
    pub additional_details: Option<serde_json::Value>,
}

/// One audit event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `com.oraclecloud.ComputeApi.GetInstance` (mixed case, unlike Events types).
    pub event_type: String,
    /// `0.1`.
    #[serde(default)]
    pub cloud_events_version: Option<String>,
    /// `2.0`.
    #[serde(default)]
    pub event_type_version: Option<String>,
    /// Service (`ComputeApi`).
    #[serde(default)]
    pub source: Option<String>,
    /// Event id.
    pub event_id: String,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// The event.
    #[serde(default)]
    pub data: AuditEventData,
}

/// A time window in whole minutes, as ListEvents requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// A window that ends before it starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit window ends ({end}) before it starts ({start}); swap the two times")]
pub struct WindowError {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl AuditWindow {
    /// The smallest whole-minute window containing `[start, end)`.
    pub fn covering(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, WindowError> {
        if end < start {
            return Err(WindowError { start, end });
        }
        let minute = TimeDelta::minutes(1);
        let floor = |t: DateTime<Utc>| t.duration_trunc(minute).unwrap_or(t);
        let start = floor(start);
        let end_floor = floor(end);
        let end = if end_floor == end && end > start { end } else { end_floor + minute };
        Ok(Self { start, end })
    }

    /// Inclusive start.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// Exclusive end.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

/// ListEvents.
pub static LIST_EVENTS: Operation =
    Operation { name: "ListEvents", service: Service::Audit, resource: "audit-events", verb: Verb::Read };

impl OciClient {
    /// [ListEvents](https://docs.oracle.com/iaas/api/#/en/audit/20190901/AuditEvent/ListEvents):
    /// one page of audit events of `compartment_id` in `window`.
    pub async fn list_audit_events(
        &self,
        compartment_id: &str,
        window: &AuditWindow,
        page: Option<&str>,
    ) -> Result<Response<Vec<AuditEvent>>, OciError> {
        let call = Call::new(&LIST_EVENTS, Method::GET, "/auditEvents".into())
            .query("compartmentId", Some(compartment_id))
            .query("startTime", Some(window.start.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .query("endTime", Some(window.end.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .query("page", page);
        self.send(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn windows_widen_to_whole_minutes() {
        let window = AuditWindow::covering(at("2026-11-30T08:00:30.5Z"), at("2026-11-30T08:05:01Z")).unwrap();
        assert_eq!((window.start(), window.end()), (at("2026-11-30T08:00:00Z"), at("2026-11-30T08:06:00Z")));
        let exact = AuditWindow::covering(at("2026-11-30T08:00:00Z"), at("2026-11-30T08:05:00Z")).unwrap();
        assert_eq!((exact.start(), exact.end()), (at("2026-11-30T08:00:00Z"), at("2026-11-30T08:05:00Z")));
        let instant = AuditWindow::covering(at("2026-11-30T08:00:00Z"), at("2026-11-30T08:00:00Z")).unwrap();
        assert_eq!(instant.end(), at("2026-11-30T08:01:00Z"), "never empty");
        assert!(AuditWindow::covering(at("2026-11-30T09:00:00Z"), at("2026-11-30T08:00:00Z")).is_err());
    }

    #[test]
    fn audit_events_parse_with_lowercase_event_id() {
        let event: AuditEvent = serde_json::from_value(serde_json::json!({
            "eventType": "com.oraclecloud.eventsapi.createrule",
            "cloudEventsVersion": "0.1",
            "eventTypeVersion": "2.0",
            "source": "EventsApi",
            "eventId": "e-1",
            "eventTime": "2026-11-30T08:00:00.123Z",
            "contentType": "application/json",
            "data": {
                "eventName": "CreateRule",
                "resourceId": "ocid1.eventrule.oc1.iad.x",
                "identity": {"principalName": "alice", "credentials": "t/u/f", "unknownField": 1},
                "request": {"id": "REQ", "path": "/20181201/rules", "action": "POST"},
                "response": {"status": "200", "responseTime": "2026-11-30T08:00:00.200Z"}
            }
        }))
        .unwrap();
        assert_eq!(event.event_id, "e-1");
        assert_eq!(event.data.identity.principal_name.as_deref(), Some("alice"));
        assert_eq!(event.data.response.status.as_deref(), Some("200"));
    }
}
