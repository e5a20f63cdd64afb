//! Table tests of the condition language: what matches, what does not, and every invalid form.

use super::*;
use serde_json::{Value, json};

fn launch_event() -> Value {
    json!({
        "eventType": "com.oraclecloud.computeapi.launchinstance.end",
        "cloudEventsVersion": "0.1",
        "eventTypeVersion": "2.0",
        "source": "ComputeApi",
        "eventTime": "2024-05-06T14:03:22.118Z",
        "contentType": "application/json",
        "data": {
            "compartmentId": "ocid1.compartment.oc1..aaaaaaaaprodexample",
            "compartmentName": "prod",
            "resourceName": "web-01",
            "resourceId": "ocid1.instance.oc1.iad.anuwcljtexample",
            "availabilityDomain": "Uocm:US-ASHBURN-AD-1",
            "freeformTags": {"team": "web"},
            "definedTags": {"Operations": {"CostCenter": "42"}},
            "additionalDetails": {"shape": "VM.Standard.E4.Flex", "ocpus": 2, "isPreemptible": false, "subnetIds": ["s1", "s2"]}
        },
        "eventID": "3c1b8a92-7f0e-4f51-9d35-0f6a8c4d2e11",
        "extensions": {"compartmentId": "ocid1.compartment.oc1..aaaaaaaaprodexample"}
    })
}

#[test]
fn matching_semantics() {
    let cases: &[(&str, &str, bool)] = &[
        ("empty object matches everything", r#"{}"#, true),
        ("scalar equality", r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end"}"#, true),
        (
            "array is OR (one hits)",
            r#"{"eventType": ["com.oraclecloud.computeapi.terminateinstance.end", "com.oraclecloud.computeapi.launchinstance.end"]}"#,
            true,
        ),
        ("array is OR (none hits)", r#"{"eventType": ["com.oraclecloud.computeapi.terminateinstance.end"]}"#, false),
        (
            "siblings are AND (both hit)",
            r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end", "source": "ComputeApi"}"#,
            true,
        ),
        (
            "siblings are AND (one misses)",
            r#"{"eventType": "com.oraclecloud.computeapi.launchinstance.end", "source": "ObjectStorage"}"#,
            false,
        ),
        ("nested data field", r#"{"data": {"compartmentName": "prod"}}"#, true),
        ("nested data field misses", r#"{"data": {"compartmentName": "dev"}}"#, false),
        ("deeply nested", r#"{"data": {"additionalDetails": {"shape": ["VM.Standard.E4.Flex"]}}}"#, true),
        ("wildcard at the end", r#"{"eventType": "com.oraclecloud.computeapi.*"}"#, true),
        ("wildcard at the start", r#"{"eventType": "*.launchinstance.end"}"#, true),
        ("wildcard in the middle", r#"{"eventType": "com.oraclecloud.*instance.end"}"#, true),
        ("several wildcards", r#"{"data": {"resourceName": "*e*-0*"}}"#, true),
        ("wildcard matches an empty run", r#"{"data": {"resourceName": "web-*01"}}"#, true),
        ("wildcard still needs the rest", r#"{"eventType": "com.oraclecloud.objectstorage.*"}"#, false),
        ("lone wildcard matches any value", r#"{"data": {"resourceName": "*"}}"#, true),
        ("values are case-sensitive", r#"{"eventType": "com.oraclecloud.ComputeApi.launchinstance.end"}"#, false),
        ("freeform tag filter", r#"{"data": {"freeformTags": {"team": "web"}}}"#, true),
        ("freeform tag filter misses", r#"{"data": {"freeformTags": {"team": "db"}}}"#, false),
        ("freeFormTags spelling is the same field", r#"{"data": {"freeFormTags": {"team": "web"}}}"#, true),
        (
            "defined tag filter with alternatives",
            r#"{"data": {"definedTags": {"Operations": {"CostCenter": ["41", "42"]}}}}"#,
            true,
        ),
        ("defined tag filter misses", r#"{"data": {"definedTags": {"Operations": {"CostCenter": "43"}}}}"#, false),
        ("field missing from the event", r#"{"data": {"bucketName": "inbound"}}"#, false),
        ("object missing from the event", r#"{"data": {"stateChange": {}}}"#, false),
        ("empty nested object needs the object", r#"{"data": {}}"#, true),
        ("condition object against an event scalar", r#"{"source": {"name": "ComputeApi"}}"#, false),
        ("numbers compare as text", r#"{"data": {"additionalDetails": {"ocpus": "2"}}}"#, true),
        ("numbers in the condition", r#"{"data": {"additionalDetails": {"ocpus": 2}}}"#, true),
        ("booleans compare as text", r#"{"data": {"additionalDetails": {"isPreemptible": false}}}"#, true),
        ("event arrays match any element", r#"{"data": {"additionalDetails": {"subnetIds": "s2"}}}"#, true),
        ("event arrays miss when no element matches", r#"{"data": {"additionalDetails": {"subnetIds": "s3"}}}"#, false),
    ];
    let event = launch_event();
    for (label, text, expected) in cases {
        let condition = Condition::parse(text).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(condition.matches(&event), *expected, "{label}: {text}");
        let checks = condition.explain(&event);
        assert_eq!(checks.iter().all(FieldCheck::matched), *expected, "{label}: the explanation agrees: {checks:?}");
    }
    assert!(Condition::parse("{}").unwrap().is_match_all());
}

/// Text, expected kind, (line, column), path, and a phrase the message must contain.
type InvalidCase<'a> = (&'a str, ConditionErrorKind, (usize, usize), Option<&'a str>, &'a str);

#[test]
fn invalid_conditions_are_located() {
    let cases: &[InvalidCase] = &[
        ("", ConditionErrorKind::Syntax, (1, 1), None, "the condition is empty"),
        ("{\"eventType\": [\"a\",]}", ConditionErrorKind::Syntax, (1, 20), None, "not valid JSON"),
        ("{\n  \"eventType\" \"a\"\n}", ConditionErrorKind::Syntax, (2, 15), None, "not valid JSON"),
        (
            "eventType = [\"com.oraclecloud.computeapi.launchinstance.end\"]",
            ConditionErrorKind::LooksLikeHcl,
            (1, 1),
            None,
            "looks like HCL",
        ),
        ("condition {\n  eventType = \"x\"\n}", ConditionErrorKind::LooksLikeHcl, (1, 1), None, "quote every key"),
        (
            "[\"com.oraclecloud.computeapi.launchinstance.end\"]",
            ConditionErrorKind::NotAnObject,
            (1, 1),
            None,
            "JSON object",
        ),
        ("  \"eventType\"", ConditionErrorKind::NotAnObject, (1, 3), None, "JSON object"),
        ("{\n  \"eventType\": []\n}", ConditionErrorKind::EmptyList, (2, 16), Some("eventType"), "empty list"),
        ("{\"data\": {\"resourceName\": null}}", ConditionErrorKind::Null, (1, 27), Some("data.resourceName"), "null"),
        (
            "{\"eventType\": [\"a\", {\"b\": 1}]}",
            ConditionErrorKind::NestedInList,
            (1, 21),
            Some("eventType[1]"),
            "not objects or lists",
        ),
        (
            "{\"eventType\": [\"a\", [\"b\"]]}",
            ConditionErrorKind::NestedInList,
            (1, 21),
            Some("eventType[1]"),
            "not objects or lists",
        ),
        (
            "{\"data\": {\"x\\\"y\": 1, \"z\": []}}",
            ConditionErrorKind::EmptyList,
            (1, 27),
            Some("data.z"),
            "empty list",
        ),
    ];
    for (text, kind, (line, column), path, needle) in cases {
        let err = Condition::parse(text).expect_err(text);
        assert_eq!(err.kind, *kind, "{text}: {err}");
        assert_eq!((err.line, err.column), (*line, *column), "{text}: {err}");
        assert_eq!(err.path.as_deref(), *path, "{text}");
        assert!(err.message.contains(needle), "{text}: {err}");
    }
}

#[test]
fn overly_long_conditions_are_refused() {
    let text = format!("{{\"eventType\": \"{}\"}}", "a".repeat(MAX_CONDITION_LEN));
    let err = Condition::parse(&text).unwrap_err();
    assert_eq!(err.kind, ConditionErrorKind::TooLong);
    assert_eq!((err.line, err.column), (1, MAX_CONDITION_LEN + 1));
}

#[test]
fn wildcards() {
    use super::matcher::wildcard;
    for (pattern, text, expected) in [
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("*", "", true),
        ("a*", "a", true),
        ("*c", "abc", true),
        ("a*c", "ac", true),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "acb", false),
        ("**", "x", true),
        ("a*a", "a", false),
        ("é*ü", "éxü", true),
    ] {
        assert_eq!(wildcard(pattern, text), expected, "{pattern} ~ {text}");
    }
}

#[test]
fn explanations_name_each_field_and_what_the_event_held() {
    let condition = Condition::parse(
        r#"{"eventType": ["com.oraclecloud.computeapi.*"], "data": {"freeformTags": {"team": ["ops", "sre"]}, "resourceName": "web-*", "region": "iad", "additionalDetails": {"shape": {"name": "x"}}}}"#,
    )
    .unwrap();
    let checks = condition.explain(&launch_event());
    let summary: Vec<(&str, &Outcome)> = checks.iter().map(|c| (c.path.as_str(), &c.outcome)).collect();
    assert_eq!(
        summary,
        [
            ("eventType", &Outcome::Matched("\"com.oraclecloud.computeapi.launchinstance.end\"".to_owned())),
            ("data.freeformTags.team", &Outcome::Different("\"web\"".to_owned())),
            ("data.resourceName", &Outcome::Matched("\"web-01\"".to_owned())),
            ("data.region", &Outcome::Missing),
            ("data.additionalDetails.shape", &Outcome::NotAnObject("\"VM.Standard.E4.Flex\"".to_owned())),
        ]
    );
    assert_eq!(checks[1].wanted, ["ops", "sre"]);
    assert!(Condition::parse("{}").unwrap().explain(&launch_event()).is_empty());
    let not_an_event = Condition::parse(r#"{"eventType": "x"}"#).unwrap().explain(&json!([1]));
    assert_eq!(not_an_event[0].outcome, Outcome::NotAnObject("[1]".to_owned()));
}
