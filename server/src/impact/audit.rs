//! Audit events as the Events envelopes they correspond to, so a condition can be replayed
//! against what OCI's Audit API recorded.
//!
//! Audit records API calls under mixed-case types (`com.oraclecloud.ComputeApi.LaunchInstance`);
//! Events emits lowercase types per service (`com.oraclecloud.computeapi.launchinstance.begin`).
//! Oracle documents no mapping between the two; these choices are Signalbox's (unconfirmed):
//!
//! - Only calls that succeeded (2xx) and change something are mapped: reads (`Get`, `List`,
//!   `Head`, `Summarize`, `Search`) emit no event.
//! - The service is the audit `source` (or the type's middle part) lowercased, with the aliases
//!   in [`SERVICES`] where the two names differ (`EventsApi` announces as `eventsservice`).
//! - The operation is lowercased; a long-running one (the catalogue knows only its `.begin` and
//!   `.end` types) maps to `.begin`, the event the call itself starts. Object Storage's
//!   `PutObject` maps to `createobject` (Audit does not say whether it replaced an object).
//! - `.end` types, and events no API call causes (Cloud Guard problems, instance maintenance,
//!   database backups), are never in Audit: [`from_audit`] says so, and the replay says which
//!   of the condition's types it could only see in the inboxes.
//! - The envelope's `data` carries Audit's `compartmentId`, `compartmentName`, `resourceName`,
//!   `resourceId`, `availabilityDomain`, tags and `additionalDetails`; for Object Storage the
//!   bucket, namespace and object come from the request path, as Events names them.

use crate::oci::audit::AuditEvent;
use serde_json::{Map, Value, json};

/// Audit service names that differ from the Events service part of a type.
const SERVICES: &[(&str, &str)] = &[
    ("eventsapi", "eventsservice"),
    ("notificationapi", "notification"),
    ("functionsapi", "functions"),
    ("virtualnetworkapi", "virtualnetwork"),
    ("blockstorage", "blockvolumes"),
];

/// Operation name prefixes of calls that change nothing.
const READS: &[&str] = &["get", "list", "head", "summarize", "search"];

/// Types whose events no API call causes, so Audit never has them.
const NOT_CALLS: &[&str] = &[
    "com.oraclecloud.cloudguard.",
    "com.oraclecloud.databaseservice.autonomous.database.backup",
    "com.oraclecloud.computeapi.instancemaintenance",
];

/// Whether events of `event_type` can be replayed from Audit.
pub fn from_audit(event_type: &str) -> bool {
    !event_type.ends_with(".end") && !NOT_CALLS.iter().any(|prefix| event_type.starts_with(prefix))
}

/// The Events type an audited call corresponds to, if it is a successful change.
pub fn events_type(audit: &AuditEvent) -> Option<String> {
    let status = audit.data.response.status.as_deref().and_then(|s| s.parse::<u16>().ok());
    if !status.is_some_and(|s| (200..300).contains(&s)) {
        return None;
    }
    let mut parts = audit.event_type.strip_prefix("com.oraclecloud.")?.rsplitn(2, '.');
    let operation = parts.next()?.to_lowercase();
    let service = audit.source.clone().or_else(|| parts.next().map(str::to_owned))?.to_lowercase();
    if READS.iter().any(|read| operation.starts_with(read)) {
        return None;
    }
    let service = SERVICES.iter().find(|(audit, _)| *audit == service).map_or(service.as_str(), |(_, events)| events);
    let operation = match (service, operation.as_str()) {
        ("objectstorage", "putobject") => "createobject".to_owned(),
        _ => operation,
    };
    let exact = format!("com.oraclecloud.{service}.{operation}");
    let begin = format!("{exact}.begin");
    if app::catalogue::find(&exact).is_none() && app::catalogue::find(&begin).is_some() {
        Some(begin)
    } else {
        Some(exact)
    }
}

/// The Events envelope of an audited change, or `None` when it is not one.
pub fn envelope(audit: &AuditEvent) -> Option<Value> {
    let event_type = events_type(audit)?;
    let d = &audit.data;
    let mut data = Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            data.insert(name.to_owned(), value);
        }
    };
    put("compartmentId", d.compartment_id.clone().map(Value::String));
    put("compartmentName", d.compartment_name.clone().map(Value::String));
    put("resourceName", d.resource_name.clone().map(Value::String));
    put("resourceId", d.resource_id.clone().map(Value::String));
    put("availabilityDomain", d.availability_domain.clone().map(Value::String));
    put("freeformTags", d.freeform_tags.clone());
    put("definedTags", d.defined_tags.clone());
    put("additionalDetails", d.additional_details.clone());
    if event_type.starts_with("com.oraclecloud.objectstorage.") {
        object_storage_details(d.request.path.as_deref().unwrap_or_default(), &mut data);
    }
    let compartment = d.compartment_id.clone().unwrap_or_default();
    Some(json!({
        "eventType": event_type,
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": audit.source,
        "eventTime": audit.event_time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "contentType": "application/json",
        "data": data,
        "eventID": audit.event_id,
        "extensions": {"compartmentId": compartment},
    }))
}

/// Bucket, namespace and object from an Object Storage path (`/n/{ns}/b/{bucket}/o/{object}`),
/// as Events puts them: the object (or the bucket) is the resource name.
fn object_storage_details(path: &str, data: &mut Map<String, Value>) {
    let mut segments = path.trim_start_matches('/').splitn(5, '/');
    let (Some("n"), Some(namespace), Some("b"), Some(bucket)) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return;
    };
    let object = segments.next().and_then(|rest| rest.strip_prefix("o/")).filter(|o| !o.is_empty());
    let details = data.entry("additionalDetails").or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(details) = details {
        details.entry("namespace").or_insert_with(|| Value::String(namespace.to_owned()));
        details.entry("bucketName").or_insert_with(|| Value::String(bucket.to_owned()));
    }
    let name = object.unwrap_or(bucket);
    data.entry("resourceName").or_insert_with(|| Value::String(name.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::audit::{AuditEventData, AuditRequest, AuditResponse};

    fn audited(event_type: &str, source: &str, status: &str, path: &str) -> AuditEvent {
        AuditEvent {
            event_type: event_type.into(),
            cloud_events_version: Some("0.1".into()),
            event_type_version: Some("2.0".into()),
            source: Some(source.into()),
            event_id: "a-1".into(),
            event_time: chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").unwrap().to_utc(),
            data: AuditEventData {
                compartment_id: Some("ocid1.compartment.oc1..prod".into()),
                compartment_name: Some("prod".into()),
                resource_name: Some("web-1".into()),
                request: AuditRequest { path: Some(path.into()), ..AuditRequest::default() },
                response: AuditResponse { status: Some(status.into()), ..AuditResponse::default() },
                ..AuditEventData::default()
            },
        }
    }

    #[test]
    fn writes_map_to_their_events_types_and_reads_and_failures_to_none() {
        let launch = audited("com.oraclecloud.ComputeApi.LaunchInstance", "ComputeApi", "200", "/20160918/instances");
        assert_eq!(events_type(&launch).as_deref(), Some("com.oraclecloud.computeapi.launchinstance.begin"));
        let update = audited("com.oraclecloud.ComputeApi.UpdateInstance", "ComputeApi", "200", "/x");
        assert_eq!(events_type(&update).as_deref(), Some("com.oraclecloud.computeapi.updateinstance"));
        let user = audited("com.oraclecloud.identityControlPlane.CreateUser", "identityControlPlane", "200", "/x");
        assert_eq!(events_type(&user).as_deref(), Some("com.oraclecloud.identitycontrolplane.createuser"));
        let rule = audited("com.oraclecloud.EventsApi.CreateRule", "EventsApi", "200", "/x");
        assert_eq!(events_type(&rule).as_deref(), Some("com.oraclecloud.eventsservice.createrule"));
        let read = audited("com.oraclecloud.ComputeApi.GetInstance", "ComputeApi", "200", "/x");
        assert_eq!(events_type(&read), None, "reads emit nothing");
        let refused = audited("com.oraclecloud.ComputeApi.LaunchInstance", "ComputeApi", "404", "/x");
        assert_eq!(events_type(&refused), None, "a refused call changed nothing");
        let unanswered = AuditEvent { data: AuditEventData::default(), ..launch };
        assert_eq!(events_type(&unanswered), None);
    }

    #[test]
    fn object_writes_carry_bucket_namespace_and_object_as_events_names_them() {
        let put =
            audited("com.oraclecloud.ObjectStorage.PutObject", "ObjectStorage", "200", "/n/acme/b/logs/o/2026/a.gz");
        let event = envelope(&put).unwrap();
        assert_eq!(event["eventType"], "com.oraclecloud.objectstorage.createobject");
        assert_eq!(event["data"]["additionalDetails"], json!({"namespace": "acme", "bucketName": "logs"}));
        assert_eq!(event["data"]["resourceName"], "web-1", "Audit's own name is kept");
        let mut unnamed = put.clone();
        unnamed.data.resource_name = None;
        assert_eq!(envelope(&unnamed).unwrap()["data"]["resourceName"], "2026/a.gz");
        assert_eq!(event["data"]["compartmentId"], "ocid1.compartment.oc1..prod");
        assert_eq!(event["eventID"], "a-1");
        let condition = app::condition::Condition::parse(
            r#"{"eventType": "com.oraclecloud.objectstorage.createobject", "data": {"additionalDetails": {"bucketName": "logs"}}}"#,
        )
        .unwrap();
        assert!(condition.matches(&event));
    }

    #[test]
    fn end_types_and_events_no_call_causes_are_not_in_audit() {
        assert!(from_audit("com.oraclecloud.computeapi.launchinstance.begin"));
        assert!(from_audit("com.oraclecloud.objectstorage.createobject"));
        assert!(!from_audit("com.oraclecloud.computeapi.launchinstance.end"));
        assert!(!from_audit("com.oraclecloud.cloudguard.problemdetected"));
        assert!(!from_audit("com.oraclecloud.computeapi.instancemaintenance"));
    }
}
