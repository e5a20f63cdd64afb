//! A probe event: an event a rule's condition matches, to send through a pipeline end to end
//! ("Verify"). It starts from the catalogue's sample of the first event type the condition names
//! (a wildcard picks the first catalogue type it matches), then writes each filtered field with
//! the first value the condition accepts (a `*` stands for `probe`), so the event looks like what
//! the rule was written for and carries the target's compartment.

use super::Condition;
use super::builder::Draft;
use crate::catalogue::{self, EVENT_TYPES};
use serde_json::{Map, Value, json};

/// Used when the condition names no event type.
const DEFAULT_TYPE: &str = "com.oraclecloud.objectstorage.createobject";

/// An event in `compartment_id` that `condition` matches, with `event_id` as its `eventID`;
/// `None` when no such event can be made (alternatives that contradict each other).
pub fn probe_event(condition: &Condition, compartment_id: &str, event_id: &str) -> Option<Value> {
    let draft = Draft::of(condition);
    let mut event = match draft.event_types.first() {
        None => sample(DEFAULT_TYPE),
        Some(pattern) if pattern.contains('*') => EVENT_TYPES
            .iter()
            .find(|t| wildcard_matches(pattern, t.name))
            .map_or_else(|| sample(&pattern.replace('*', "probe")), catalogue::sample_event),
        Some(name) => sample(name),
    };
    set(&mut event, &["data", "compartmentId"], Value::String(compartment_id.to_owned()));
    set(&mut event, &["extensions", "compartmentId"], Value::String(compartment_id.to_owned()));
    set(&mut event, &["eventID"], Value::String(event_id.to_owned()));
    // The sample's fixed time and compartment name go: whoever emits the probe stamps the time,
    // and the name of the target's compartment is not known here.
    if let Some(fields) = event.as_object_mut() {
        fields.remove("eventTime");
    }
    if let Some(data) = event.get_mut("data").and_then(Value::as_object_mut) {
        data.remove("compartmentName");
    }
    for filter in &draft.filters {
        let path: Vec<&str> = filter.path.iter().map(String::as_str).collect();
        let value = match filter.values.first() {
            Some(first) => Value::String(first.replace('*', "probe")),
            None => Value::Object(Map::new()),
        };
        set(&mut event, &path, value);
    }
    condition.matches(&event).then_some(event)
}

fn sample(name: &str) -> Value {
    match catalogue::find(name) {
        Some(known) => catalogue::sample_event(known),
        None => json!({
            "eventType": name,
            "cloudEventsVersion": "0.1",
            "eventTypeVersion": "2.0",
            "source": "Signalbox",
            "contentType": "application/json",
            "data": {"resourceName": "signalbox-probe", "additionalDetails": {}},
        }),
    }
}

/// Writes `value` at `path`, making objects on the way (replacing whatever is not one).
fn set(event: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut at = event;
    for name in parents {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Some(fields) = at.as_object_mut() else { return };
        at = fields.entry((*name).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Some(fields) = at.as_object_mut() {
        fields.insert((*last).to_owned(), value);
    }
}

/// `*` matches any run of characters, as in conditions.
fn wildcard_matches(pattern: &str, text: &str) -> bool {
    Condition::parse(&json!({ "v": pattern }).to_string()).is_ok_and(|c| c.matches(&json!({ "v": text })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(condition: &str) -> Option<Value> {
        probe_event(&Condition::parse(condition).unwrap(), "ocid1.compartment.oc1..target", "probe-1")
    }

    #[test]
    fn a_probe_matches_its_condition_and_names_the_compartment() {
        let event = probe(
            r#"{"eventType": ["com.oraclecloud.computeapi.terminateinstance.begin"],
                "data": {"resourceName": "prod-*", "freeformTags": {"env": ["prod", "staging"]}}}"#,
        )
        .unwrap();
        assert_eq!(event["eventType"], "com.oraclecloud.computeapi.terminateinstance.begin");
        assert_eq!(event["data"]["resourceName"], "prod-probe");
        assert_eq!(event["data"]["freeformTags"]["env"], "prod");
        assert_eq!(event["data"]["compartmentId"], "ocid1.compartment.oc1..target");
        assert_eq!(event["eventID"], "probe-1");
    }

    #[test]
    fn wildcard_types_and_empty_conditions() {
        let event = probe(r#"{"eventType": "com.oraclecloud.objectstorage.*"}"#).unwrap();
        assert!(event["eventType"].as_str().unwrap().starts_with("com.oraclecloud.objectstorage."));
        assert_eq!(probe("{}").unwrap()["eventType"], DEFAULT_TYPE);
        let unknown = probe(r#"{"eventType": "com.example.thing.happened"}"#).unwrap();
        assert_eq!(unknown["eventType"], "com.example.thing.happened");
    }
}
