//! Pipeline templates: the document teams write once and apply to many compartments.
//!
//! A template is a JSON document (so it can live in git and be reviewed as text) holding typed
//! [parameters](Parameter), Notifications topics, their subscriptions and Events rules. Resources
//! are named by a local `key` that stays the same across versions, which is how a plan pairs a
//! resource of a new version with what an earlier apply created. Actions reach the template's own
//! topics by key; string fields, and string values inside a rule's condition, may use parameters
//! as `{{name}}`.
//!
//! This module is pure and compiles to the browser too, so the template editor shows the same
//! errors as the server: [`Template::parse`] checks the document's structure (names, keys,
//! references, limits), [`render`] turns a template and parameter values into the concrete
//! [`Desired`] state or a list of problems, each naming its field.

pub mod export;
mod params;
pub mod plan;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
mod render;
#[cfg(any(test, feature = "ssr"))]
pub mod starters;
#[cfg(test)]
mod tests;

pub use params::{ParamKind, Parameter, Resolved, ScalarKind, resolve};
pub use render::{
    ActionTarget, Desired, DesiredAction, DesiredRule, DesiredSubscription, DesiredTopic, Place, render, render_at,
    uses_compartment_name,
};

pub use crate::model::problem::Problem;
use crate::model::rule::{ActionKind, MAX_ACTIONS};
use crate::model::subscription::SubscriptionProtocol;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The format this module reads and writes.
pub const FORMAT: &str = "signalbox.template/v1";
/// Most resources of any one kind in a template (a design choice). A compartment's 100 topics
/// with a fan-out of 15 subscriptions and rules each fit; the apply engine schedules such a plan
/// without rescans and paces itself to OCI's limits, and the whole template stays well inside a
/// request body (1 MiB by default).
pub const MAX_RESOURCES: usize = 1_500;
/// Most parameters a template declares.
pub const MAX_PARAMETERS: usize = 50;
/// Longest resource key.
pub const MAX_KEY: usize = 64;

/// A template document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Always `signalbox.template/v1`.
    pub format: String,
    /// The template's name in a library (a file carries it so an import can suggest it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// What the pipeline does, in a sentence.
    #[serde(default)]
    pub description: String,
    /// What the person applying the template fills in.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// Notifications topics.
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    /// Subscriptions to the template's topics.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Events rules.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// A topic the template creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Stable local name, used by subscriptions and actions.
    pub key: String,
    /// The topic's name in OCI; may use parameters.
    pub name: String,
    /// May use parameters.
    #[serde(default)]
    pub description: String,
}

/// A subscription the template creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// Stable local name.
    pub key: String,
    /// Key of the template's topic it subscribes to.
    pub topic: String,
    /// Delivery protocol.
    pub protocol: SubscriptionProtocol,
    /// Address, URL or OCID; may use parameters. With `for_each`, `{{item}}` is the list's item.
    pub endpoint: String,
    /// A list parameter: one subscription per item (`key[item]`), such as one per e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each: Option<String>,
}

/// An Events rule the template creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable local name.
    pub key: String,
    /// The rule's display name in OCI; may use parameters.
    pub name: String,
    /// May use parameters.
    #[serde(default)]
    pub description: String,
    /// Whether the rule starts enabled.
    #[serde(default = "enabled")]
    pub is_enabled: bool,
    /// The condition as a JSON object. A string value may use parameters; a value that is
    /// exactly `"{{name}}"` of a list parameter becomes the list (alternatives).
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub condition: serde_json::Value,
    /// Where matched events go (1 to 10).
    pub actions: Vec<ActionSpec>,
}

fn enabled() -> bool {
    true
}

/// One action of a rule: the template's own topic, or a function or stream given by OCID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "kind", deny_unknown_fields)]
pub enum ActionSpec {
    /// A topic of this template, by key.
    #[serde(rename = "ONS")]
    Topic {
        /// The topic's key.
        topic: String,
        /// Free text.
        #[serde(default)]
        description: String,
    },
    /// A function, by OCID (usually a parameter).
    #[serde(rename = "FAAS")]
    Function {
        /// The function's OCID; may use parameters.
        function_id: String,
        /// Free text.
        #[serde(default)]
        description: String,
    },
    /// A stream, by OCID (usually a parameter).
    #[serde(rename = "OSS")]
    Stream {
        /// The stream's OCID; may use parameters.
        stream_id: String,
        /// Free text.
        #[serde(default)]
        description: String,
    },
}

impl ActionSpec {
    /// OCI's kind of the action.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Topic { .. } => ActionKind::Notifications,
            Self::Function { .. } => ActionKind::Functions,
            Self::Stream { .. } => ActionKind::Streaming,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Template {
    /// Reads a template from its JSON text and checks its structure.
    pub fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let template: Self = serde_json::from_str(text).map_err(|e| {
            let message = format!("line {}, column {}: {e}", e.line(), e.column());
            // serde's own wording names the field; the position finds it in a long file.
            vec![Problem::new("template", message)]
        })?;
        template.check()?;
        Ok(template)
    }

    /// The template as the JSON text it is stored and exported as (pretty, stable field order).
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Structural problems: the format, keys, references between resources and to parameters,
    /// limits. Values are checked by [`render`].
    pub fn check(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        if self.format != FORMAT {
            problems.push(Problem::new(
                "format",
                format!("\"{}\" is not a format Signalbox reads; write \"{FORMAT}\".", self.format),
            ));
        }
        if let Err(m) = crate::model::text::check_one_line(&self.name) {
            problems.push(Problem::new("name", m));
        }
        if let Err(m) = crate::model::text::check_multi_line(&self.description) {
            problems.push(Problem::new("description", m));
        }
        if self.topics.is_empty() && self.subscriptions.is_empty() && self.rules.is_empty() {
            problems.push(Problem::new("rules", "The template creates nothing; add a topic or a rule."));
        }
        params::check_declarations(&self.parameters, &mut problems);
        for (field, count) in
            [("topics", self.topics.len()), ("subscriptions", self.subscriptions.len()), ("rules", self.rules.len())]
        {
            if count > MAX_RESOURCES {
                problems.push(Problem::new(
                    field,
                    format!("{count} {field} is more than one template holds ({MAX_RESOURCES}); split it into two templates."),
                ));
            }
        }
        let topics = keys(self.topics.iter().map(|t| t.key.as_str()), "topics", &mut problems);
        keys(self.subscriptions.iter().map(|s| s.key.as_str()), "subscriptions", &mut problems);
        keys(self.rules.iter().map(|r| r.key.as_str()), "rules", &mut problems);
        // A parameter wrongly called `item` (reported above) must not stand in for the for_each item.
        let declared = |name: &str| self.parameters.iter().find(|p| p.name == name && p.name != params::ITEM);
        let refs = |text: &str, field: String, problems: &mut Vec<Problem>| {
            render::check_references(text, &field, &declared, false, problems);
        };

        for (i, topic) in self.topics.iter().enumerate() {
            refs(&topic.name, format!("topics[{i}].name"), &mut problems);
            refs(&topic.description, format!("topics[{i}].description"), &mut problems);
        }
        for (i, sub) in self.subscriptions.iter().enumerate() {
            if !topics.contains(sub.topic.as_str()) {
                problems.push(unknown_topic(format!("subscriptions[{i}].topic"), &sub.topic, &topics));
            }
            match &sub.for_each {
                Some(list) => match declared(list) {
                    Some(p) if p.kind == ParamKind::List => {
                        render::check_references(&sub.endpoint, &format!("subscriptions[{i}].endpoint"), &declared, true, &mut problems);
                    }
                    Some(_) => problems.push(Problem::new(
                        format!("subscriptions[{i}].for_each"),
                        format!("\"{list}\" is not a list parameter; for_each takes a list, such as a list of e-mail addresses."),
                    )),
                    None => problems.push(Problem::new(
                        format!("subscriptions[{i}].for_each"),
                        format!("No parameter is called \"{list}\"; declare it under parameters as a list."),
                    )),
                },
                None => refs(&sub.endpoint, format!("subscriptions[{i}].endpoint"), &mut problems),
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            refs(&rule.name, format!("rules[{i}].name"), &mut problems);
            refs(&rule.description, format!("rules[{i}].description"), &mut problems);
            if !rule.condition.is_object() {
                problems.push(Problem::new(
                    format!("rules[{i}].condition"),
                    "Write the condition as a JSON object, such as {\"eventType\": [\"com.oraclecloud.computeapi.launchinstance.end\"]}.",
                ));
            }
            render::check_condition_references(
                &rule.condition,
                &format!("rules[{i}].condition"),
                &declared,
                &mut problems,
            );
            if rule.actions.is_empty() || rule.actions.len() > MAX_ACTIONS {
                problems.push(Problem::new(
                    format!("rules[{i}].actions"),
                    format!(
                        "A rule has 1 to {MAX_ACTIONS} actions (OCI's limit); this one has {}.",
                        rule.actions.len()
                    ),
                ));
            }
            for (j, action) in rule.actions.iter().enumerate() {
                let field = format!("rules[{i}].actions[{j}]");
                match action {
                    ActionSpec::Topic { topic, description } => {
                        if !topics.contains(topic.as_str()) {
                            problems.push(unknown_topic(format!("{field}.topic"), topic, &topics));
                        }
                        refs(description, format!("{field}.description"), &mut problems);
                    }
                    ActionSpec::Function { function_id: id, description }
                    | ActionSpec::Stream { stream_id: id, description } => {
                        let name =
                            if matches!(action, ActionSpec::Function { .. }) { "function_id" } else { "stream_id" };
                        refs(id, format!("{field}.{name}"), &mut problems);
                        refs(description, format!("{field}.description"), &mut problems);
                    }
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}

/// The set of keys of one kind of resource, with a problem for each bad or repeated one.
fn keys<'a>(keys: impl Iterator<Item = &'a str>, kind: &str, problems: &mut Vec<Problem>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    for (i, key) in keys.enumerate() {
        let field = format!("{kind}[{i}].key");
        let valid = !key.is_empty()
            && key.len() <= MAX_KEY
            && key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && key.as_bytes()[0].is_ascii_lowercase();
        if !valid {
            problems.push(Problem::new(
                field,
                format!("\"{key}\" is not a key: start with a letter and use up to {MAX_KEY} lowercase letters, digits, - or _, such as alerts."),
            ));
        } else if !seen.insert(key) {
            problems.push(Problem::new(
                field,
                format!("Another of the {kind} is already keyed \"{key}\"; keys name one resource each."),
            ));
        }
    }
    seen
}

fn unknown_topic(field: String, topic: &str, topics: &BTreeSet<&str>) -> Problem {
    let known = if topics.is_empty() {
        "the template has no topics; add one under topics".to_owned()
    } else {
        format!("the template's topics are {}", topics.iter().copied().collect::<Vec<_>>().join(", "))
    };
    Problem::new(field, format!("No topic is keyed \"{topic}\": {known}."))
}
