//! Rendering: a template and parameter values become the concrete resources to create, or the
//! list of what is wrong, each problem naming its field.
//!
//! `{{name}}` in a string is replaced by the parameter's value. Two values need no declaration:
//! where the template is applied, `{{target.region}}` (the region id) and `{{target.compartment}}`
//! (the compartment's name, with every character a topic name refuses turned into `-`), so one
//! template applied to many compartments of a region (a fan-out deployment) can give each its
//! own topic names, which OCI wants unique in a tenancy's region. In a condition, a string that is
//! exactly `"{{name}}"` of a list parameter becomes the list itself, because a list in a condition
//! means "any of these" (a list of compartments, of event types); anywhere else a list has no single
//! text, so using one there is a structural problem [`Template::check`](super::Template::check)
//! reports before any value is known.

use super::params::{self, ITEM, Resolved};
use super::{ActionSpec, ParamKind, Parameter, Problem, Template};
use crate::model::ocid::Ocid;
use crate::model::rule::{ActionKind, check_condition, check_description as check_rule_description, check_name};
use crate::model::subscription::{SubscriptionProtocol, check_endpoint};
use crate::model::topic::{check_description as check_topic_description, check_topic_name};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The concrete resources a template and its values describe, in the order they are created.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Desired {
    /// Topics.
    pub topics: Vec<DesiredTopic>,
    /// Subscriptions.
    pub subscriptions: Vec<DesiredSubscription>,
    /// Rules.
    pub rules: Vec<DesiredRule>,
}

/// A topic to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DesiredTopic {
    /// The template's key.
    pub key: String,
    /// Name in OCI.
    pub name: String,
    /// Description.
    pub description: String,
}

/// A subscription to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DesiredSubscription {
    /// The template's key, with `[item]` for one made by `for_each`.
    pub key: String,
    /// Key of the topic.
    pub topic: String,
    /// Protocol.
    pub protocol: SubscriptionProtocol,
    /// Endpoint.
    pub endpoint: String,
}

/// A rule to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DesiredRule {
    /// The template's key.
    pub key: String,
    /// Display name in OCI.
    pub name: String,
    /// Description.
    pub description: String,
    /// Whether it is enabled.
    pub is_enabled: bool,
    /// The condition text, compact JSON.
    pub condition: String,
    /// Actions.
    pub actions: Vec<DesiredAction>,
}

/// An action to have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DesiredAction {
    /// Kind.
    pub kind: ActionKind,
    /// Where it sends events.
    pub target: ActionTarget,
    /// Description.
    pub description: String,
}

/// What an action points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionTarget {
    /// A topic of the same deployment, by key (its OCID is known once it exists).
    Topic(String),
    /// A resource outside the deployment, by OCID.
    Id(String),
}

/// `{{target.region}}`: the region a template is applied in.
pub const TARGET_REGION: &str = "target.region";
/// `{{target.compartment}}`: the name of the compartment a template is applied to.
pub const TARGET_COMPARTMENT: &str = "target.compartment";

/// Where a template is applied: what `{{target.region}}` and `{{target.compartment}}` become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Region id.
    pub region: String,
    /// The compartment's name.
    pub compartment: String,
}

impl Place {
    /// The values as the template's text sees them.
    fn values(&self) -> [(&'static str, String); 2] {
        let safe: String = self
            .compartment
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect();
        [(TARGET_REGION, self.region.clone()), (TARGET_COMPARTMENT, safe)]
    }
}

/// Whether `text` uses `{{target.compartment}}` (whose value may need a look-up to know).
pub fn uses_compartment_name(template: &Template) -> bool {
    serde_json::to_string(template).is_ok_and(|text| text.contains(TARGET_COMPARTMENT))
}

/// Renders `template` with `values`. `allow_loopback_http` admits `http://127.0.0.1…`
/// endpoints, which only the built-in sandbox can reach.
pub fn render(
    template: &Template,
    values: &BTreeMap<String, Value>,
    allow_loopback_http: bool,
) -> Result<Desired, Vec<Problem>> {
    render_at(template, values, allow_loopback_http, None)
}

/// [`render`] for a place, which `{{target.…}}` values name; without one they are problems.
pub fn render_at(
    template: &Template,
    values: &BTreeMap<String, Value>,
    allow_loopback_http: bool,
    place: Option<&Place>,
) -> Result<Desired, Vec<Problem>> {
    template.check()?;
    let mut resolved = params::resolve(&template.parameters, values)?;
    for (name, value) in place.map(Place::values).into_iter().flatten() {
        resolved.insert(name.to_owned(), Resolved::Text(value));
    }
    let mut problems = Vec::new();
    let mut condition_problems = Vec::new();
    let mut text = |input: &str, field: String, item: Option<&str>| -> String {
        interpolate(input, &resolved, item).unwrap_or_else(|message| {
            problems.push(Problem::new(field, message));
            String::new()
        })
    };
    let mut desired = Desired::default();

    for (i, topic) in template.topics.iter().enumerate() {
        let name = text(&topic.name, format!("topics[{i}].name"), None);
        let description = text(&topic.description, format!("topics[{i}].description"), None);
        desired.topics.push(DesiredTopic { key: topic.key.clone(), name, description });
    }
    for (i, sub) in template.subscriptions.iter().enumerate() {
        let field = format!("subscriptions[{i}].endpoint");
        match &sub.for_each {
            Some(list) => {
                let items = match resolved.get(list) {
                    Some(Resolved::List(items)) => items.clone(),
                    _ => Vec::new(),
                };
                for item in items {
                    let endpoint = text(&sub.endpoint, field.clone(), Some(&item));
                    desired.subscriptions.push(DesiredSubscription {
                        key: format!("{}[{item}]", sub.key),
                        topic: sub.topic.clone(),
                        protocol: sub.protocol,
                        endpoint,
                    });
                }
            }
            None => {
                let endpoint = text(&sub.endpoint, field, None);
                desired.subscriptions.push(DesiredSubscription {
                    key: sub.key.clone(),
                    topic: sub.topic.clone(),
                    protocol: sub.protocol,
                    endpoint,
                });
            }
        }
    }
    for (i, rule) in template.rules.iter().enumerate() {
        let name = text(&rule.name, format!("rules[{i}].name"), None);
        let description = text(&rule.description, format!("rules[{i}].description"), None);
        let mut actions = Vec::new();
        for (j, action) in rule.actions.iter().enumerate() {
            let field = format!("rules[{i}].actions[{j}]");
            let (target, description) = match action {
                ActionSpec::Topic { topic, description } => (ActionTarget::Topic(topic.clone()), description),
                ActionSpec::Function { function_id, description } => {
                    (ActionTarget::Id(text(function_id, format!("{field}.function_id"), None)), description)
                }
                ActionSpec::Stream { stream_id, description } => {
                    (ActionTarget::Id(text(stream_id, format!("{field}.stream_id"), None)), description)
                }
            };
            let description = text(description, format!("{field}.description"), None);
            actions.push(DesiredAction { kind: action.kind(), target, description });
        }
        let condition = match substitute(&rule.condition, &resolved) {
            Ok(condition) => condition.unwrap_or_else(|| Value::Object(Default::default())).to_string(),
            Err(message) => {
                condition_problems.push(Problem::new(format!("rules[{i}].condition"), message));
                String::new()
            }
        };
        desired.rules.push(DesiredRule {
            key: rule.key.clone(),
            name,
            description,
            is_enabled: rule.is_enabled,
            condition,
            actions,
        });
    }
    problems.extend(condition_problems);
    if problems.is_empty() {
        check_rendered(template, &desired, allow_loopback_http, &mut problems);
    }
    if problems.is_empty() { Ok(desired) } else { Err(problems) }
}

/// The checks OCI (and Signalbox's own forms) apply, on the rendered values, so a bad value
/// is named by the template field that produced it.
fn check_rendered(template: &Template, desired: &Desired, allow_loopback_http: bool, problems: &mut Vec<Problem>) {
    let mut names = BTreeSet::new();
    for (i, topic) in desired.topics.iter().enumerate() {
        if let Err(m) = check_topic_name(&topic.name) {
            problems.push(Problem::new(format!("topics[{i}].name"), m));
        } else if !names.insert(topic.name.as_str()) {
            problems.push(Problem::new(
                format!("topics[{i}].name"),
                format!("Two topics would be called \"{}\"; OCI topic names are unique.", topic.name),
            ));
        }
        if let Err(m) = check_topic_description(&topic.description) {
            problems.push(Problem::new(format!("topics[{i}].description"), m));
        }
    }
    let mut endpoints = BTreeSet::new();
    for sub in &desired.subscriptions {
        let base = sub.key.split('[').next().unwrap_or(&sub.key);
        let i = template.subscriptions.iter().position(|s| s.key == base).unwrap_or_default();
        let field = format!("subscriptions[{i}].endpoint");
        if let Err(m) = check_endpoint(sub.protocol, &sub.endpoint, allow_loopback_http) {
            problems.push(Problem::new(field, m));
        } else if !endpoints.insert((sub.topic.as_str(), sub.protocol.as_str(), sub.endpoint.as_str())) {
            problems.push(Problem::new(
                field,
                format!("The topic \"{}\" would have two subscriptions to {}; remove one.", sub.topic, sub.endpoint),
            ));
        }
    }
    for (i, rule) in desired.rules.iter().enumerate() {
        if let Err(m) = check_name(&rule.name) {
            problems.push(Problem::new(format!("rules[{i}].name"), m));
        }
        if let Err(m) = check_rule_description(&rule.description) {
            problems.push(Problem::new(format!("rules[{i}].description"), m));
        }
        if let Err(m) = check_condition(&rule.condition) {
            problems.push(Problem::new(format!("rules[{i}].condition"), m));
        }
        for (j, action) in rule.actions.iter().enumerate() {
            if let ActionTarget::Id(id) = &action.target {
                let (field, what) = match action.kind {
                    ActionKind::Functions => ("function_id", "function"),
                    _ => ("stream_id", "stream"),
                };
                let kind = action.kind.target_type();
                if Ocid::parse_of(id, &[kind]).is_none() {
                    problems.push(Problem::new(
                        format!("rules[{i}].actions[{j}].{field}"),
                        format!("\"{id}\" is not a {what} OCID (ocid1.{kind}.oc1…)."),
                    ));
                }
            }
            if let Err(m) = check_rule_description(&action.description) {
                problems.push(Problem::new(format!("rules[{i}].actions[{j}].description"), m));
            }
        }
    }
}

/// The parameter names `text` uses, in order, or why it cannot be read.
fn references(text: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err("A {{ is not closed; write a parameter as {{name}}.".into());
        };
        names.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("A }} has no {{ before it; write a parameter as {{name}}.".into());
    }
    Ok(names)
}

/// Problems with the parameters `text` uses: unknown names, and lists where text is needed.
/// `item_allowed` admits `{{item}}` (an endpoint of a `for_each` subscription).
pub(super) fn check_references<'a>(
    text: &str,
    field: &str,
    declared: &impl Fn(&str) -> Option<&'a Parameter>,
    item_allowed: bool,
    problems: &mut Vec<Problem>,
) {
    let names = match references(text) {
        Ok(names) => names,
        Err(message) => return problems.push(Problem::new(field, message)),
    };
    for name in names {
        if (name == ITEM && item_allowed) || name == TARGET_REGION || name == TARGET_COMPARTMENT {
            continue;
        }
        match declared(name) {
            None if name == ITEM => problems.push(Problem::new(
                field,
                "{{item}} is the current item of for_each, and this field has none; use a parameter's name.",
            )),
            None => problems.push(Problem::new(
                field,
                format!("No parameter is called \"{name}\"; declare it under parameters or fix the name."),
            )),
            Some(p) if p.kind == ParamKind::List => problems.push(Problem::new(
                field,
                format!("\"{name}\" is a list and this field takes text; use it with for_each, or as a whole condition value."),
            )),
            Some(_) => {}
        }
    }
}

/// Problems with the parameters a condition's string values use; a value that is exactly one
/// list parameter is allowed (it becomes the list).
pub(super) fn check_condition_references<'a>(
    condition: &Value,
    field: &str,
    declared: &impl Fn(&str) -> Option<&'a Parameter>,
    problems: &mut Vec<Problem>,
) {
    match condition {
        Value::String(s) => {
            let whole_list = whole_reference(s).and_then(declared).is_some_and(|p| p.kind == ParamKind::List);
            if !whole_list {
                check_references(s, field, declared, false, problems);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_condition_references(v, field, declared, problems)),
        Value::Object(fields) => {
            fields.values().for_each(|v| check_condition_references(v, field, declared, problems));
        }
        _ => {}
    }
}

/// The name, when `text` is exactly one `{{name}}`.
fn whole_reference(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then_some(inner.trim())
}

/// `text` with every `{{name}}` replaced by its value (and `{{item}}` by `item`).
fn interpolate(text: &str, values: &BTreeMap<String, Resolved>, item: Option<&str>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("A {{ is not closed; write a parameter as {{name}}.")?;
        let name = after[..end].trim();
        match (name, item, values.get(name)) {
            (ITEM, Some(item), _) => out.push_str(item),
            (_, _, Some(Resolved::Text(value))) => out.push_str(value),
            (TARGET_REGION | TARGET_COMPARTMENT, _, None) => {
                return Err(format!("{{{{{name}}}}} is known once the template is applied to a compartment."));
            }
            _ => return Err(format!("\"{name}\" has no text value here.")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out.trim().to_owned())
}

/// The condition with parameters replaced in its string values; a whole-value list parameter
/// becomes the list (spliced into an enclosing array). An empty list means "no filter here": its
/// field is left out, and so is an object left with no fields, because a field the condition
/// does not name is not checked (an empty list would otherwise match nothing, and OCI refuses it).
fn substitute(condition: &Value, values: &BTreeMap<String, Resolved>) -> Result<Option<Value>, String> {
    Ok(match condition {
        Value::String(s) => match whole_reference(s).and_then(|name| values.get(name)) {
            Some(Resolved::List(items)) if items.is_empty() => None,
            Some(Resolved::List(items)) => Some(Value::Array(items.iter().cloned().map(Value::String).collect())),
            _ => Some(Value::String(interpolate(s, values, None)?)),
        },
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                match substitute(item, values)? {
                    Some(Value::Array(inner)) if item.is_string() => out.extend(inner),
                    Some(other) => out.push(other),
                    None => {}
                }
            }
            (!out.is_empty() || items.is_empty()).then_some(Value::Array(out))
        }
        Value::Object(fields) => {
            let mut out = serde_json::Map::new();
            for (name, value) in fields {
                if let Some(value) = substitute(value, values)? {
                    out.insert(name.clone(), value);
                }
            }
            (!out.is_empty() || fields.is_empty()).then_some(Value::Object(out))
        }
        other => Some(other.clone()),
    })
}
