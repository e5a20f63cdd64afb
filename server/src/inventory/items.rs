//! The API's resources as inventory rows, and back: what each kind is filtered, sorted and found
//! by, beside the JSON the API answers with.

use crate::db::inventory_items::{ItemRow, Kind, NewItem};
use app::api::connections::CompartmentSummary;
use app::api::functions::FunctionSummary;
use app::api::rules::{Rule, RuleAction, RuleSummary};
use app::api::subscriptions::Subscription;
use app::api::topics::Topic;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;

/// A time as the inventory sorts it (fixed width, so text order is time order).
pub fn sortable(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // The API's own types always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

/// The `targets` column: each action's kind and target, space-separated and padded.
fn targets(actions: &[RuleAction]) -> String {
    let mut out = String::from(" ");
    for action in actions {
        out.push_str(action.kind.as_str());
        out.push(' ');
        out.push_str(action.target_id.trim());
        out.push(' ');
    }
    out
}

/// A rule from the list (its actions unknown, unless the summary carries them).
pub fn rule_summary(rule: &RuleSummary) -> (NewItem, Option<String>) {
    let actions = rule.actions.as_deref();
    let item = NewItem {
        kind: Kind::Rule,
        id: rule.id.clone(),
        compartment_id: rule.compartment_id.clone(),
        name: rule.name.clone(),
        created_at: sortable(rule.created_at),
        state: rule.state.clone(),
        enabled: Some(rule.is_enabled),
        parent_id: None,
        search: format!("{}\n{}\n{}", rule.name, rule.description, rule.condition),
        targets: actions.map(targets),
        body: json(&RuleSummary { actions: None, ..rule.clone() }),
    };
    (item, actions.map(json))
}

/// A rule as read with its actions.
pub fn rule(rule: &Rule) -> (NewItem, Option<String>) {
    rule_summary(&RuleSummary {
        id: rule.id.clone(),
        name: rule.name.clone(),
        description: rule.description.clone(),
        state: rule.state.clone(),
        is_enabled: rule.is_enabled,
        condition: rule.condition.clone(),
        compartment_id: rule.compartment_id.clone(),
        created_at: rule.created_at,
        actions: Some(rule.actions.clone()),
    })
}

/// A topic (its subscription counts are worked out from the stored subscriptions).
pub fn topic(topic: &Topic) -> NewItem {
    NewItem {
        kind: Kind::Topic,
        id: topic.id.clone(),
        compartment_id: topic.compartment_id.clone(),
        name: topic.name.clone(),
        created_at: sortable(topic.created_at),
        state: topic.state.clone(),
        enabled: None,
        parent_id: None,
        search: format!("{}\n{}\n{}", topic.name, topic.description, topic.id),
        targets: None,
        body: json(&Topic { subscriptions: Default::default(), ..topic.clone() }),
    }
}

/// A subscription (endpoint already redacted by the API's shape) in `compartment_id`.
pub fn subscription(subscription: &Subscription, compartment_id: &str) -> NewItem {
    NewItem {
        kind: Kind::Subscription,
        id: subscription.id.clone(),
        compartment_id: compartment_id.to_owned(),
        name: format!("{} {}", subscription.protocol, subscription.endpoint),
        created_at: subscription.created_at.map(sortable).unwrap_or_default(),
        state: subscription.state.clone(),
        enabled: None,
        parent_id: Some(subscription.topic_id.clone()),
        search: format!("{}\n{}", subscription.protocol, subscription.endpoint),
        targets: None,
        body: json(&Subscription { topic_name: None, age_seconds: None, ..subscription.clone() }),
    }
}

/// A function of an application in `compartment_id`.
pub fn function(function: &FunctionSummary, compartment_id: &str) -> NewItem {
    NewItem {
        kind: Kind::Function,
        id: function.id.clone(),
        compartment_id: compartment_id.to_owned(),
        // Sorted by application, then name, as the pickers show them.
        name: format!("{}\u{1f}{}", function.application, function.name),
        created_at: String::new(),
        state: function.state.clone(),
        enabled: None,
        parent_id: None,
        search: format!("{}\n{}", function.application, function.name),
        targets: None,
        body: json(function),
    }
}

/// A compartment of the tree (stored under its parent).
pub fn compartment(compartment: &crate::oci::identity::Compartment) -> NewItem {
    NewItem {
        kind: Kind::Compartment,
        id: compartment.id.clone(),
        compartment_id: compartment.compartment_id.clone(),
        name: compartment.name.clone(),
        created_at: sortable(compartment.time_created),
        state: compartment.lifecycle_state.as_str().to_owned(),
        enabled: None,
        parent_id: None,
        search: compartment.name.clone(),
        targets: None,
        body: json(compartment),
    }
}

/// Why a stored row could not be read back (a row written by another version).
#[derive(Debug, thiserror::Error)]
#[error("inventory row {id} cannot be read: {source}")]
pub struct Unreadable {
    id: String,
    source: serde_json::Error,
}

/// A stored row as the API's type.
pub fn decode<T: DeserializeOwned>(row: &ItemRow) -> Result<T, Unreadable> {
    serde_json::from_str(&row.body).map_err(|source| Unreadable { id: row.id.clone(), source })
}

/// A stored rule with its actions, when they have been read.
pub fn decode_rule(row: &ItemRow) -> Result<RuleSummary, Unreadable> {
    let mut rule: RuleSummary = decode(row)?;
    if let Some(actions) = &row.actions {
        rule.actions = Some(serde_json::from_str(actions).map_err(|source| Unreadable { id: row.id.clone(), source })?);
    }
    Ok(rule)
}

/// Compartments in tree order with their paths, from the stored tree.
pub fn tree(tenancy: &str, rows: &[ItemRow]) -> Result<Vec<CompartmentSummary>, Unreadable> {
    let all = rows.iter().map(decode).collect::<Result<Vec<crate::oci::identity::Compartment>, _>>()?;
    Ok(crate::api::connections::tree_order(tenancy, all))
}
