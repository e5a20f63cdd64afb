use super::starters::{STARTERS, Starter};
use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn values(pairs: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(pairs).expect("an object of values")
}

fn template(doc: Value) -> Result<Template, Vec<Problem>> {
    Template::parse(&doc.to_string())
}

fn fields(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

fn minimal() -> Value {
    json!({
        "format": FORMAT,
        "parameters": [{"name": "prefix", "type": "string", "required": true}],
        "topics": [{"key": "alerts", "name": "{{prefix}}-alerts"}],
        "rules": [{
            "key": "r", "name": "{{prefix}}-rule",
            "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
            "actions": [{"kind": "ONS", "topic": "alerts"}]
        }]
    })
}

#[test]
fn every_starter_parses_and_renders_with_sample_values() {
    let samples = json!({
        "prefix": "prod",
        "webhook_url": "https://hooks.example.com/oci",
        "collector_url": "https://siem.example.com/in",
        "function_id": "ocid1.fnfunc.oc1.iad.aaaaexample",
        "emails": ["sec@example.com", "oncall@example.com"],
    });
    for starter in STARTERS {
        let template = starter.template().unwrap_or_else(|p| panic!("{}: {p:?}", starter.slug));
        assert!(!template.name.is_empty(), "{} has a name", starter.slug);
        let mut given = values(samples.clone());
        given.retain(|name, _| template.parameters.iter().any(|p| &p.name == name));
        let desired = render(&template, &given, false).unwrap_or_else(|p| panic!("{}: {p:?}", starter.slug));
        assert!(!desired.rules.is_empty(), "{} has a rule", starter.slug);
        assert!(desired.rules.iter().all(|r| r.name.starts_with("prod-")), "{}", starter.slug);
    }
}

#[test]
fn infra_alerts_renders_the_seeds_pipeline() {
    let template = Starter::find("infra-alerts").unwrap().template().unwrap();
    let desired =
        render(&template, &values(json!({"prefix": "prod", "webhook_url": "https://hooks.example.com/x"})), false)
            .unwrap();
    assert_eq!(
        desired.topics,
        vec![DesiredTopic {
            key: "alerts".into(),
            name: "prod-infra-alerts".into(),
            description: "Infrastructure lifecycle alerts".into(),
        }]
    );
    assert_eq!(desired.subscriptions[0].endpoint, "https://hooks.example.com/x");
    assert_eq!(desired.subscriptions[0].topic, "alerts");
    let rule = &desired.rules[0];
    assert_eq!(rule.name, "prod-instance-state-changes");
    assert_eq!(
        rule.condition,
        r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end","com.oraclecloud.computeapi.terminateinstance.end","com.oraclecloud.computeapi.instanceaction.end"]}"#
    );
    assert_eq!(rule.actions[0].target, ActionTarget::Topic("alerts".into()));
}

#[test]
fn missing_and_invalid_values_name_their_parameter() {
    let template = Starter::find("infra-alerts").unwrap().template().unwrap();
    let problems = render(&template, &values(json!({"webhook_url": "ftp://x", "colour": "red"})), false).unwrap_err();
    assert_eq!(fields(&problems), ["values.colour", "values.prefix", "values.webhook_url"]);
    assert!(problems[1].message.contains("Fill in Name prefix"), "{}", problems[1].message);
    assert!(problems[2].message.contains("is not a URL"), "{}", problems[2].message);
}

#[test]
fn rendered_values_are_checked_as_oci_would() {
    let template = Starter::find("infra-alerts").unwrap().template().unwrap();
    // A prefix with a space makes a topic name OCI refuses; the field is the template's.
    let problems =
        render(&template, &values(json!({"prefix": "my team", "webhook_url": "https://h.example.com/x"})), false)
            .unwrap_err();
    assert_eq!(fields(&problems), ["topics[0].name"]);
    // Loopback HTTP is only for the sandbox.
    let local = values(json!({"prefix": "p", "webhook_url": "http://127.0.0.1:9/hook"}));
    assert_eq!(fields(&render(&template, &local, false).unwrap_err()), ["subscriptions[0].endpoint"]);
    assert!(render(&template, &local, true).is_ok());
}

#[test]
fn for_each_makes_one_subscription_per_item() {
    let template = Starter::find("iam-change-alerts").unwrap().template().unwrap();
    let desired = render(
        &template,
        &values(json!({"prefix": "sec", "emails": "a@example.com, b@example.com\nc@example.com"})),
        false,
    )
    .unwrap();
    let keys: Vec<_> = desired.subscriptions.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["email[a@example.com]", "email[b@example.com]", "email[c@example.com]"]);
    assert_eq!(desired.subscriptions[2].endpoint, "c@example.com");
    let problems =
        render(&template, &values(json!({"prefix": "sec", "emails": ["a@example.com", "nope"]})), false).unwrap_err();
    assert_eq!(fields(&problems), ["values.emails"]);
    assert!(problems[0].message.contains("Item 2"), "{}", problems[0].message);
    let problems = render(&template, &values(json!({"prefix": "sec", "emails": []})), false).unwrap_err();
    assert_eq!(fields(&problems), ["values.emails"]);
}

#[test]
fn a_list_in_a_condition_is_alternatives_and_an_empty_one_no_filter() {
    let template = Starter::find("bucket-change-processor").unwrap().template().unwrap();
    let base = json!({"prefix": "p", "function_id": "ocid1.fnfunc.oc1.iad.aaaaexample"});
    let desired = render(&template, &values(base.clone()), false).unwrap();
    assert!(!desired.rules[0].condition.contains("data"), "{}", desired.rules[0].condition);
    let mut with_buckets = base;
    with_buckets["buckets"] = json!(["inbound", "archive"]);
    let desired = render(&template, &values(with_buckets), false).unwrap();
    let condition: Value = serde_json::from_str(&desired.rules[0].condition).unwrap();
    assert_eq!(condition["data"]["additionalDetails"]["bucketName"], json!(["inbound", "archive"]));
    assert_eq!(desired.rules[0].actions[0].target, ActionTarget::Id("ocid1.fnfunc.oc1.iad.aaaaexample".into()));
}

#[test]
fn interpolation_in_condition_strings_and_splicing_into_arrays() {
    let mut doc = minimal();
    doc["parameters"] = json!([
        {"name": "prefix", "type": "string", "required": true},
        {"name": "extra", "type": "list", "default": ["com.oraclecloud.computeapi.terminateinstance.end"]},
        {"name": "env", "type": "enum", "values": ["dev", "prod"], "default": "dev"},
    ]);
    doc["rules"][0]["condition"] = json!({
        "eventType": ["com.oraclecloud.computeapi.launchinstance.end", "{{extra}}"],
        "data": {"freeformTags": {"env": "{{env}}-*"}}
    });
    let desired = render(&template(doc).unwrap(), &values(json!({"prefix": "p"})), false).unwrap();
    let condition: Value = serde_json::from_str(&desired.rules[0].condition).unwrap();
    assert_eq!(
        condition["eventType"],
        json!(["com.oraclecloud.computeapi.launchinstance.end", "com.oraclecloud.computeapi.terminateinstance.end"])
    );
    assert_eq!(condition["data"]["freeformTags"]["env"], "dev-*");
}

#[test]
fn structural_problems_name_every_field() {
    let doc = json!({
        "format": "other/v9",
        "parameters": [
            {"name": "Prefix", "type": "string"},
            {"name": "env", "type": "enum"},
            {"name": "env", "type": "string", "values": ["a"]},
            {"name": "fn", "type": "ocid", "resource_type": "fnfunc", "default": "ocid1.stream.oc1..x"},
            {"name": "item", "type": "string"},
            {"name": "targets", "type": "list"},
        ],
        "topics": [{"key": "alerts", "name": "{{nope}}"}, {"key": "alerts", "name": "x"}],
        "subscriptions": [
            {"key": "s", "topic": "missing", "protocol": "EMAIL", "endpoint": "{{item}}"},
            {"key": "t", "topic": "alerts", "protocol": "EMAIL", "endpoint": "x", "for_each": "env"},
        ],
        "rules": [{
            "key": "Bad Key", "name": "{{targets}}", "condition": ["not an object"],
            "actions": [{"kind": "ONS", "topic": "elsewhere"}, {"kind": "FAAS", "function_id": "{{fn"}]
        }]
    });
    let problems = template(doc).unwrap_err();
    assert_eq!(
        fields(&problems),
        [
            "format",
            "parameters[0].name",
            "parameters[1].values",
            "parameters[2].name",
            "parameters[2].values",
            "parameters[3].default",
            "parameters[4].name",
            "topics[1].key",
            "rules[0].key",
            "topics[0].name",
            "subscriptions[0].topic",
            "subscriptions[0].endpoint",
            "subscriptions[1].for_each",
            "rules[0].name",
            "rules[0].condition",
            "rules[0].actions[0].topic",
            "rules[0].actions[1].function_id",
        ]
    );
    let message = |field: &str| &problems.iter().find(|p| p.field == field).unwrap().message;
    assert!(message("rules[0].actions[0].topic").contains("the template's topics are alerts"));
    assert!(message("rules[0].name").contains("is a list"));
    assert!(message("subscriptions[0].endpoint").contains("for_each"));
}

#[test]
fn syntax_errors_and_unknown_fields_give_a_position() {
    let problems = Template::parse("{\"format\": ").unwrap_err();
    assert_eq!(fields(&problems), ["template"]);
    assert!(problems[0].message.starts_with("line 1, column"), "{}", problems[0].message);
    let mut doc = minimal();
    doc["topics"][0]["colour"] = json!("red");
    let problems = template(doc).unwrap_err();
    assert!(problems[0].message.contains("unknown field `colour`"), "{}", problems[0].message);
}

#[test]
fn limits_are_checked_before_any_value() {
    let mut doc = minimal();
    doc["rules"][0]["actions"] = json!((0..11).map(|_| json!({"kind": "ONS", "topic": "alerts"})).collect::<Vec<_>>());
    assert_eq!(fields(&template(doc).unwrap_err()), ["rules[0].actions"]);
    let mut doc = minimal();
    doc["topics"] = json!([]);
    doc["rules"] = json!([]);
    assert_eq!(fields(&template(doc).unwrap_err()), ["rules"]);
}

#[test]
fn rendered_duplicates_are_refused() {
    let mut doc = minimal();
    doc["topics"] = json!([{"key": "a", "name": "{{prefix}}"}, {"key": "b", "name": "{{prefix}}"}]);
    doc["rules"][0]["actions"] = json!([{"kind": "ONS", "topic": "a"}]);
    let problems = render(&template(doc).unwrap(), &values(json!({"prefix": "same"})), false).unwrap_err();
    assert_eq!(fields(&problems), ["topics[1].name"]);
}

#[test]
fn text_round_trips() {
    for starter in STARTERS {
        let template = starter.template().unwrap();
        assert_eq!(Template::parse(&template.to_text()).unwrap(), template, "{}", starter.slug);
    }
}
