//! A rendered deployment as Terraform (the OCI provider's `oci_ons_notification_topic`,
//! `oci_ons_subscription` and `oci_events_rule`) and as OCI CLI commands, so a pipeline can
//! leave Signalbox for a repository or a runbook.
//!
//! The Terraform is laid out as `terraform fmt` writes it (two-space indents, the `=` of
//! consecutive attributes aligned), references between resources are Terraform references,
//! and the compartment is a variable. Resource names are the template keys with anything
//! Terraform does not allow in a name replaced by `_`. Endpoints arrive with any password
//! already replaced by `****`, as are the secret parts of Slack and PagerDuty webhook URLs (they
//! never leave Signalbox); a comment says to put them back.

use super::render::{ActionTarget, Desired};
use crate::export::literal;
use crate::model::rule::ActionKind;
use std::fmt::Write;

/// A template key as a Terraform resource name or shell variable: letters, digits and `_`,
/// not starting with a digit.
fn identifier(key: &str) -> String {
    let mut out: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// A quoted HCL string: JSON escapes (and every control character escaped, see
/// [`crate::export::literal`]), plus `$${` and `%%{` so nothing is read as a template.
fn hcl(text: &str) -> String {
    literal(text).replace("${", "$${").replace("%{", "%%{")
}

/// Attribute lines with their `=` aligned, at `indent` spaces, as `terraform fmt` writes them.
fn attributes(out: &mut String, indent: usize, pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, value) in pairs {
        let _ = writeln!(out, "{:indent$}{name:<width$} = {value}", "");
    }
}

fn password_note(endpoint: &str) -> bool {
    endpoint.contains("****")
}

/// The deployment as Terraform.
pub fn terraform(title: &str, compartment_id: &str, desired: &Desired) -> String {
    let mut out = format!("# {}, exported by Signalbox.\n\n", literal(title));
    out.push_str("variable \"compartment_id\" {\n");
    attributes(&mut out, 2, &[("type", "string".into()), ("default", hcl(compartment_id))]);
    out.push_str("}\n");
    for topic in &desired.topics {
        let _ = write!(out, "\nresource \"oci_ons_notification_topic\" \"{}\" {{\n", identifier(&topic.key));
        let mut pairs = vec![("compartment_id", "var.compartment_id".to_owned()), ("name", hcl(&topic.name))];
        if !topic.description.is_empty() {
            pairs.push(("description", hcl(&topic.description)));
        }
        attributes(&mut out, 2, &pairs);
        out.push_str("}\n");
    }
    for sub in &desired.subscriptions {
        out.push('\n');
        if password_note(&sub.endpoint) {
            out.push_str("# Replace **** in the endpoint with the secret before applying.\n");
        }
        let _ = writeln!(out, "resource \"oci_ons_subscription\" \"{}\" {{", identifier(&sub.key));
        attributes(
            &mut out,
            2,
            &[
                ("compartment_id", "var.compartment_id".to_owned()),
                ("topic_id", format!("oci_ons_notification_topic.{}.id", identifier(&sub.topic))),
                ("protocol", hcl(sub.protocol.as_str())),
                ("endpoint", hcl(&sub.endpoint)),
            ],
        );
        out.push_str("}\n");
    }
    for rule in &desired.rules {
        let _ = write!(out, "\nresource \"oci_events_rule\" \"{}\" {{\n", identifier(&rule.key));
        let mut pairs = vec![
            ("compartment_id", "var.compartment_id".to_owned()),
            ("display_name", hcl(&rule.name)),
            ("is_enabled", rule.is_enabled.to_string()),
            ("condition", hcl(&rule.condition)),
        ];
        if !rule.description.is_empty() {
            pairs.insert(2, ("description", hcl(&rule.description)));
        }
        attributes(&mut out, 2, &pairs);
        out.push_str("\n  actions {\n");
        for (i, action) in rule.actions.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str("    actions {\n");
            let (field, target) = target(action.kind, &action.target);
            let mut pairs =
                vec![("action_type", hcl(action.kind.as_str())), ("is_enabled", "true".to_owned()), (field, target)];
            if !action.description.is_empty() {
                pairs.push(("description", hcl(&action.description)));
            }
            attributes(&mut out, 6, &pairs);
            out.push_str("    }\n");
        }
        out.push_str("  }\n}\n");
    }
    out
}

fn target(kind: ActionKind, target: &ActionTarget) -> (&'static str, String) {
    let field = match kind {
        ActionKind::Notifications => "topic_id",
        ActionKind::Functions => "function_id",
        ActionKind::Streaming => "stream_id",
    };
    let value = match target {
        ActionTarget::Topic(key) => format!("oci_ons_notification_topic.{}.id", identifier(key)),
        ActionTarget::Id(id) => hcl(id),
    };
    (field, value)
}

/// Text escaped for the inside of a double-quoted shell word.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A single-quoted shell word.
fn sh(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The deployment as OCI CLI commands: each topic's OCID kept in a shell variable that the
/// subscriptions and rules after it use.
pub fn cli(title: &str, compartment_id: &str, desired: &Desired) -> String {
    let mut out = format!(
        "#!/usr/bin/env bash\n# {} as OCI CLI commands, exported by Signalbox.\nset -euo pipefail\n",
        literal(title)
    );
    let _ = writeln!(out, "compartment={}", sh(compartment_id));
    for topic in &desired.topics {
        let _ = write!(
            out,
            "\ntopic_{var}=$(oci ons topic create --compartment-id \"$compartment\" --name {name}{description} \\\n  --query 'data.\"topic-id\"' --raw-output)\n",
            var = identifier(&topic.key),
            name = sh(&topic.name),
            description = if topic.description.is_empty() {
                String::new()
            } else {
                format!(" --description {}", sh(&topic.description))
            },
        );
    }
    for sub in &desired.subscriptions {
        out.push('\n');
        if password_note(&sub.endpoint) {
            out.push_str("# Replace **** in the endpoint with the secret before running.\n");
        }
        let _ = writeln!(
            out,
            "oci ons subscription create --compartment-id \"$compartment\" --topic-id \"$topic_{}\" \\\n  --protocol {} --subscription-endpoint {}",
            identifier(&sub.topic),
            sub.protocol.as_str(),
            sh(&sub.endpoint)
        );
    }
    for rule in &desired.rules {
        // The actions are JSON holding topic OCIDs from the variables above, so they are built in
        // a double-quoted word.
        let actions: Vec<String> = rule
            .actions
            .iter()
            .map(|action| {
                let (field, _) = target(action.kind, &action.target);
                // Inside the double-quoted word, an OCID from the template is escaped for the shell
                // as well as for JSON: `$`, backticks and quotes stay characters.
                let id = match &action.target {
                    ActionTarget::Topic(key) => format!("$topic_{}", identifier(key)),
                    ActionTarget::Id(id) => double_quoted(&literal(id)[1..literal(id).len() - 1]),
                };
                let camel = match field {
                    "topic_id" => "topicId",
                    "function_id" => "functionId",
                    _ => "streamId",
                };
                format!(
                    "{{\\\"actionType\\\":\\\"{}\\\",\\\"isEnabled\\\":true,\\\"{camel}\\\":\\\"{id}\\\"}}",
                    action.kind.as_str()
                )
            })
            .collect();
        let _ = write!(
            out,
            "\noci events rule create --compartment-id \"$compartment\" --display-name {name} --is-enabled {enabled} \\\n  --condition {condition}{description} \\\n  --actions \"{{\\\"actions\\\":[{actions}]}}\"\n",
            name = sh(&rule.name),
            enabled = rule.is_enabled,
            condition = sh(&rule.condition),
            description = if rule.description.is_empty() {
                String::new()
            } else {
                format!(" --description {}", sh(&rule.description))
            },
            actions = actions.join(","),
        );
    }
    out
}
