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
        "inbox_url": "https://signalbox.example.com/hooks/abc",
        "function_id": "ocid1.fnfunc.oc1.iad.aaaaexample",
        "emails": ["sec@example.com", "oncall@example.com"],
    });
    for starter in STARTERS {
        let template = starter.template().unwrap_or_else(|p| panic!("{}: {p:?}", starter.slug));
        assert!(!template.name.is_empty(), "{} has a name", starter.slug);
        let mut given = values(samples.clone());
        given.retain(|name, _| template.parameters.iter().any(|p| &p.name == name));
        let place = Place { region: "eu-frankfurt-1".into(), compartment: "payments.eu".into() };
        let desired =
            render_at(&template, &given, false, Some(&place)).unwrap_or_else(|p| panic!("{}: {p:?}", starter.slug));
        assert!(!desired.rules.is_empty(), "{} has a rule", starter.slug);
        assert!(desired.rules.iter().all(|r| r.name.starts_with("prod-")), "{}", starter.slug);
    }
}

#[test]
fn the_place_is_named_by_target_values_and_required_where_used() {
    let template = Starter::find("cis-oci-monitoring").unwrap().template().unwrap();
    let given = values(json!({"prefix": "sec", "emails": ["sec@example.com"]}));
    let problems = render(&template, &given, false).unwrap_err();
    assert_eq!(fields(&problems), ["topics[0].name", "topics[0].description"]);
    let place = Place { region: "eu-frankfurt-1".into(), compartment: "payments.eu (old)".into() };
    let desired = render_at(&template, &given, false, Some(&place)).unwrap();
    assert_eq!(desired.topics[0].name, "sec-payments-eu--old--cis", "characters a topic name refuses become -");
    assert_eq!(desired.topics[0].description, "CIS monitoring notifications (eu-frankfurt-1)");
    assert_eq!(desired.rules.len(), 12);
    assert_eq!(desired.subscriptions.len(), 1, "one per address, none for no webhooks");
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

mod planning {
    use super::*;
    use crate::model::rule::ActionKind;
    use crate::model::subscription::SubscriptionProtocol;
    use crate::template::plan::*;

    const UID: &str = "sbx-test";
    const TOPIC: &str = "ocid1.onstopic.oc1.iad.aaaatopic";

    fn infra(prefix: &str) -> Desired {
        let template = Starter::find("infra-alerts").expect("starter").template().expect("parses");
        let values = values(json!({"prefix": prefix, "webhook_url": "https://hooks.example.com/oci"}));
        render(&template, &values, false).expect("renders")
    }

    fn tags(key: &str) -> Tags {
        Tags::from([(TAG_DEPLOYMENT.to_owned(), UID.to_owned()), (TAG_KEY.to_owned(), key.to_owned())])
    }

    /// The cloud after `desired` was applied, and what the deployment recorded.
    fn applied(desired: &Desired) -> (Vec<Owned>, Live) {
        let topic = &desired.topics[0];
        let sub = &desired.subscriptions[0];
        let rule = &desired.rules[0];
        let live = Live {
            topics: vec![LiveTopic {
                id: TOPIC.into(),
                name: topic.name.clone(),
                description: topic.description.clone(),
                tags: tags(&topic.key),
            }],
            subscriptions: vec![LiveSubscription {
                id: "ocid1.onssubscription.oc1.iad.aaaasub".into(),
                topic_id: TOPIC.into(),
                protocol: sub.protocol,
                endpoint: sub.endpoint.clone(),
                tags: tags(&sub.key),
            }],
            rules: vec![LiveRule {
                id: "ocid1.eventrule.oc1.iad.aaaarule".into(),
                name: rule.name.clone(),
                description: rule.description.clone(),
                is_enabled: true,
                condition: rule.condition.clone(),
                actions: vec![LiveAction {
                    kind: ActionKind::Notifications,
                    target_id: TOPIC.into(),
                    description: rule.actions[0].description.clone(),
                }],
                tags: tags(&rule.key),
            }],
        };
        let owned = vec![
            Owned { kind: ResourceKind::Topic, key: topic.key.clone(), id: TOPIC.into() },
            Owned { kind: ResourceKind::Subscription, key: sub.key.clone(), id: live.subscriptions[0].id.clone() },
            Owned { kind: ResourceKind::Rule, key: rule.key.clone(), id: live.rules[0].id.clone() },
        ];
        (owned, live)
    }

    fn actions(plan: &Plan) -> Vec<(ResourceKind, ChangeAction)> {
        plan.changes.iter().map(|c| (c.kind, c.action)).collect()
    }

    fn ops(steps: &[PlannedStep]) -> Vec<(StepOp, ResourceKind, Vec<usize>)> {
        steps.iter().map(|s| (s.op, s.kind, s.after.clone())).collect()
    }

    #[test]
    fn a_first_plan_creates_topics_before_what_points_at_them() {
        let desired = infra("prod");
        let plan = plan(&desired, UID, &[], &Live::default());
        use ChangeAction::Create;
        use ResourceKind::*;
        assert_eq!(actions(&plan), [(Topic, Create), (Subscription, Create), (Rule, Create)]);
        assert!(plan.problems.is_empty() && plan.warnings.is_empty(), "{plan:?}");
        let name = plan.changes[0].diff.iter().find(|d| d.field == "name").expect("a name field");
        assert_eq!((name.before.as_str(), name.after.as_str()), ("", "prod-infra-alerts"));
        assert_eq!(
            ops(&plan.steps(&desired)),
            [(StepOp::Create, Topic, vec![]), (StepOp::Create, Subscription, vec![0]), (StepOp::Create, Rule, vec![0])]
        );
    }

    #[test]
    fn an_applied_deployment_plans_no_change() {
        let desired = infra("prod");
        let (owned, live) = applied(&desired);
        let plan = plan(&desired, UID, &owned, &live);
        assert!(!plan.changes_anything(), "{plan:#?}");
        assert_eq!(plan.count(ChangeAction::NoOp), 3);
        assert!(plan.steps(&desired).is_empty());
    }

    #[test]
    fn a_condition_changed_behind_signalboxs_back_is_an_update_showing_the_lines() {
        let desired = infra("prod");
        let (owned, mut live) = applied(&desired);
        live.rules[0].condition = json!({"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]}).to_string();
        let plan = plan(&desired, UID, &owned, &live);
        let rule = plan.changes.iter().find(|c| c.kind == ResourceKind::Rule).expect("the rule");
        assert_eq!(rule.action, ChangeAction::Update);
        assert_eq!(rule.diff.len(), 1, "{:?}", rule.diff);
        assert_eq!(rule.diff[0].field, "condition");
        assert!(rule.diff[0].after.contains("terminateinstance.end"), "formatted JSON: {}", rule.diff[0].after);
        assert!(rule.diff[0].after.lines().count() > 3, "one value per line: {}", rule.diff[0].after);
        assert_eq!(plan.count(ChangeAction::NoOp), 2);
    }

    #[test]
    fn a_renamed_topic_is_replaced_and_what_points_at_it_follows() {
        let (owned, live) = applied(&infra("prod"));
        let desired = infra("production");
        let plan = plan(&desired, UID, &owned, &live);
        use ChangeAction::*;
        use ResourceKind::*;
        assert_eq!(actions(&plan), [(Topic, Replace), (Subscription, Replace), (Rule, Update)]);
        assert!(
            plan.changes[0].reason.as_deref().is_some_and(|r| r.contains("cannot change")),
            "{:?}",
            plan.changes[0]
        );
        let steps = plan.steps(&desired);
        assert_eq!(
            ops(&steps),
            [
                (StepOp::Create, Topic, vec![]),
                (StepOp::Create, Subscription, vec![0]),
                (StepOp::Update, Rule, vec![0]),
                (StepOp::Delete, Subscription, vec![1]),
                (StepOp::Delete, Topic, vec![1, 2, 3]),
            ]
        );
        assert_eq!(steps[4].id.as_deref(), Some(TOPIC), "the old topic is the one deleted");
        assert_eq!(steps[0].id, None, "the new one is created");
    }

    #[test]
    fn tagged_resources_are_adopted_and_leftovers_deleted() {
        let desired = infra("prod");
        let (_, mut live) = applied(&desired);
        let mut extra = live.rules[0].clone();
        extra.id = "ocid1.eventrule.oc1.iad.aaaaold".into();
        extra.name = "prod-old-rule".into();
        extra.tags = tags("old-rule");
        live.rules.push(extra);
        let mut stranger = live.topics[0].clone();
        stranger.id = "ocid1.onstopic.oc1.iad.aaaaother".into();
        stranger.name = "someone-elses".into();
        stranger.tags = Tags::new();
        live.topics.push(stranger);
        // Nothing recorded: an apply was interrupted before it could write the OCIDs down.
        let plan = plan(&desired, UID, &[], &live);
        use ChangeAction::*;
        use ResourceKind::*;
        assert_eq!(actions(&plan), [(Topic, NoOp), (Subscription, NoOp), (Rule, NoOp), (Rule, Delete)]);
        assert!(plan.changes[0].reason.as_deref().is_some_and(|r| r.contains("tags")));
        assert_eq!(plan.changes[3].key, "old-rule");
    }

    #[test]
    fn destroy_deletes_rules_and_subscriptions_before_topics() {
        let desired = infra("prod");
        let (owned, live) = applied(&desired);
        let empty = Desired::default();
        let plan = plan(&empty, UID, &owned, &live);
        assert_eq!(plan.count(ChangeAction::Delete), 3);
        let steps = plan.steps(&empty);
        let topic = steps.iter().find(|s| s.kind == ResourceKind::Topic).expect("the topic");
        assert_eq!(topic.after.len(), 2, "after the rule and the subscription: {steps:?}");
        assert!(steps.iter().all(|s| s.op == StepOp::Delete && s.id.is_some()));
    }

    #[test]
    fn a_full_compartment_blocks_and_unknown_event_types_warn() {
        let mut desired = infra("prod");
        desired.rules[0].condition =
            json!({"eventType": ["com.oraclecloud.computeapi.launchinstance.ennd"]}).to_string();
        let full = Live {
            topics: (0..TOPICS_PER_COMPARTMENT)
                .map(|i| LiveTopic {
                    id: format!("ocid1.onstopic.oc1.iad.t{i}"),
                    name: format!("t{i}"),
                    description: String::new(),
                    tags: Tags::new(),
                })
                .collect(),
            ..Live::default()
        };
        let plan = plan(&desired, UID, &[], &full);
        assert_eq!(fields(&plan.problems), ["topics"]);
        assert!(plan.problems[0].message.contains("limit is 100"), "{}", plan.problems[0].message);
        assert_eq!(fields(&plan.warnings), ["rules[0].condition"]);
        assert!(plan.warnings[0].message.contains("launchinstance.ennd"));
    }

    #[test]
    fn endpoint_passwords_never_reach_a_plan() {
        let mut desired = infra("prod");
        desired.subscriptions[0].endpoint = "https://ops:hunter2@hooks.example.com/oci".into();
        desired.subscriptions[0].protocol = SubscriptionProtocol::CustomHttps;
        let plan = plan(&desired, UID, &[], &Live::default());
        let text = serde_json::to_string(&plan).expect("serialises");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("ops:****@hooks.example.com"), "{text}");
    }
}

// hcl-rs is a native-only dev-dependency (the wasm32 check of the tests has no use for it).
#[cfg(not(target_arch = "wasm32"))]
mod exporting {
    use super::*;
    use crate::template::export::{cli, terraform};

    fn infra() -> Desired {
        let template = Starter::find("infra-alerts").expect("starter").template().expect("parses");
        let values = values(json!({"prefix": "prod", "webhook_url": "https://hooks.example.com/oci"}));
        let mut desired = render(&template, &values, false).expect("renders");
        // As the server hands it over: Basic credentials with the password redacted.
        desired.subscriptions[0].endpoint = "https://ops:****@hooks.example.com/oci".into();
        desired
    }

    #[test]
    fn the_starter_exports_as_terraform_that_parses_with_references_between_resources() {
        let text = terraform("infra prod", "ocid1.compartment.oc1..aaaaexample", &infra());
        let body: hcl::Body = hcl::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let resources: Vec<(String, String)> = body
            .blocks()
            .filter(|b| b.identifier() == "resource")
            .map(|b| (b.labels()[0].as_str().to_owned(), b.labels()[1].as_str().to_owned()))
            .collect();
        assert_eq!(
            resources,
            [
                ("oci_ons_notification_topic".to_owned(), "alerts".to_owned()),
                ("oci_ons_subscription".to_owned(), "webhook".to_owned()),
                ("oci_events_rule".to_owned(), "instance_state_changes".to_owned()),
            ]
        );
        assert!(
            text.contains("  topic_id       = oci_ons_notification_topic.alerts.id\n"),
            "aligned as fmt does:\n{text}"
        );
        assert!(text.contains("      topic_id    = oci_ons_notification_topic.alerts.id\n"), "{text}");
        assert!(text.contains("# Replace **** in the endpoint"), "{text}");
        // The condition is one JSON string that OCI reads back as the template's condition.
        let rule =
            body.blocks().find(|b| b.labels().first().is_some_and(|l| l.as_str() == "oci_events_rule")).expect("rule");
        let condition = rule.body().attributes().find(|a| a.key() == "condition").expect("condition");
        let hcl::Expression::String(condition) = condition.expr() else { panic!("a string: {:?}", condition.expr()) };
        let parsed: Value = serde_json::from_str(condition).expect("JSON");
        assert_eq!(parsed["eventType"][0], "com.oraclecloud.computeapi.launchinstance.end");
    }

    #[test]
    fn the_starter_exports_as_cli_commands_in_dependency_order() {
        let text = cli("infra prod", "ocid1.compartment.oc1..aaaaexample", &infra());
        let topic = text.find("oci ons topic create").expect("topic");
        let subscription = text.find("oci ons subscription create").expect("subscription");
        let rule = text.find("oci events rule create").expect("rule");
        assert!(topic < subscription && subscription < rule, "{text}");
        assert!(text.contains("--topic-id \"$topic_alerts\""), "{text}");
        assert!(text.contains(r#"\"topicId\":\"$topic_alerts\""#), "{text}");
        assert!(text.contains("--condition '{\"eventType\":"), "{text}");
    }
}

#[test]
fn a_template_holds_at_most_1500_of_a_kind() {
    let rules = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| {
                json!({
                    "key": format!("r{i}"), "name": format!("{{{{prefix}}}}-rule-{i}"),
                    "condition": {"eventType": ["com.oraclecloud.computeapi.launchinstance.end"]},
                    "actions": [{"kind": "ONS", "topic": "alerts"}]
                })
            })
            .collect()
    };
    let mut doc = minimal();
    doc["rules"] = json!(rules(MAX_RESOURCES));
    assert!(template(doc.clone()).is_ok(), "1,500 rules fit");
    doc["rules"] = json!(rules(MAX_RESOURCES + 1));
    let problems = template(doc).unwrap_err();
    assert_eq!(fields(&problems), ["rules"]);
    assert!(problems[0].message.contains("split it into two templates"), "{}", problems[0].message);
}
