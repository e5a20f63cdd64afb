//! Capture: the topics, subscriptions and rules a compartment holds now, written as a template
//! (the inverse of an apply), so a pipeline built by hand or by script becomes a versioned,
//! shareable template without retyping it.
//!
//! Keys come from the resources' names (lowercased, anything else replaced by `-`, made unique);
//! a rule action that sends to a topic of the same compartment refers to that topic by key, any
//! other target keeps its OCID (a rule whose every action sends to another compartment's topic is
//! left out, and the description says so). Deleted subscriptions are left out. A password in an
//! endpoint is never copied into a template: it shows as `****`, to be replaced (by a parameter,
//! say) before the template is applied.

use super::live::{self, live_rule};
use crate::oci::client::OciClient;
use crate::oci::error::OciError;
use crate::oci::events::LifecycleState;
use crate::oci::ons::{SubscriptionState, TopicState};
use app::api::rules::ActionKind;
use app::api::subscriptions::{SubscriptionProtocol, redact_endpoint};
use app::template::{ActionSpec, FORMAT, MAX_KEY, RuleSpec, SubscriptionSpec, Template, TopicSpec};
use futures_util::future::try_join_all;
use std::collections::{BTreeMap, BTreeSet};

/// Reads `compartment_id` and writes what it holds as a template named `name`.
pub async fn capture(client: &OciClient, compartment_id: &str, name: &str) -> Result<Template, OciError> {
    let (topics, subscriptions, rules) = live::list(client, compartment_id).await?;
    let rules =
        rules.into_iter().filter(|r| !matches!(r.lifecycle_state, LifecycleState::Deleting | LifecycleState::Deleted));
    let rules = try_join_all(rules.map(|r| async move { client.get_rule(&r.id).await })).await?;

    let mut keys = Keys::default();
    let mut template = Template {
        format: FORMAT.to_owned(),
        name: name.to_owned(),
        description: format!("Captured from {compartment_id}."),
        parameters: Vec::new(),
        topics: Vec::new(),
        subscriptions: Vec::new(),
        rules: Vec::new(),
    };
    let mut topic_keys: BTreeMap<String, String> = BTreeMap::new();
    let mut left_out = Vec::new();
    for topic in topics.into_iter().filter(|t| t.lifecycle_state != TopicState::Deleting) {
        let key = keys.take("topics", &topic.name);
        topic_keys.insert(topic.topic_id.clone(), key.clone());
        template.topics.push(TopicSpec { key, name: topic.name, description: topic.description.unwrap_or_default() });
    }
    for sub in subscriptions.into_iter().filter(|s| s.lifecycle_state != SubscriptionState::Deleted) {
        let (Some(topic), Some(protocol)) =
            (topic_keys.get(&sub.topic_id), SubscriptionProtocol::parse(sub.protocol.as_str()))
        else {
            continue;
        };
        let key = keys.take("subscriptions", &format!("{topic}-{}", protocol.as_str().to_lowercase()));
        template.subscriptions.push(SubscriptionSpec {
            key,
            topic: topic.clone(),
            protocol,
            endpoint: redact_endpoint(&sub.endpoint),
            for_each: None,
        });
    }
    for rule in rules {
        let rule = live_rule(rule.body);
        let actions: Vec<ActionSpec> = rule
            .actions
            .into_iter()
            .filter_map(|action| {
                let description = action.description;
                match (action.kind, topic_keys.get(&action.target_id)) {
                    (ActionKind::Notifications, Some(key)) => {
                        Some(ActionSpec::Topic { topic: key.clone(), description })
                    }
                    // A topic of another compartment has no key in this template.
                    (ActionKind::Notifications, None) => None,
                    (ActionKind::Functions, _) => {
                        Some(ActionSpec::Function { function_id: action.target_id, description })
                    }
                    (ActionKind::Streaming, _) => Some(ActionSpec::Stream { stream_id: action.target_id, description }),
                }
            })
            .collect();
        if actions.is_empty() {
            left_out.push(rule.name);
            continue;
        }
        let condition = serde_json::from_str(&rule.condition).unwrap_or_else(|_| serde_json::json!({}));
        template.rules.push(RuleSpec {
            key: keys.take("rules", &rule.name),
            name: rule.name,
            description: rule.description,
            is_enabled: rule.is_enabled,
            condition,
            actions,
        });
    }
    if !left_out.is_empty() {
        template.description.push_str(&format!(
            " Left out, as every action sends to a topic of another compartment: {}.",
            left_out.join(", ")
        ));
    }
    Ok(template)
}

/// Keys made from names, unique per kind.
#[derive(Default)]
struct Keys(BTreeSet<(&'static str, String)>);

impl Keys {
    fn take(&mut self, kind: &'static str, name: &str) -> String {
        let mut base: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' { c } else { '-' })
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_lowercase()) {
            base.insert(0, 'r');
        }
        base.truncate(MAX_KEY - 4);
        let mut key = base.clone();
        let mut n = 2;
        while !self.0.insert((kind, key.clone())) {
            key = format!("{base}-{n}");
            n += 1;
        }
        key
    }
}
