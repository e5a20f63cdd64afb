//! Planning: what applying a rendered template to a compartment would change.
//!
//! A plan pairs each [`Desired`] resource with what exists now: first the resource the
//! deployment owns (its stored OCID), else a live resource carrying the deployment's freeform
//! tags (one an interrupted apply created before it could record it), else nothing. Each pair is
//! a create, an update with the fields that differ, a replace when OCI cannot change the field in
//! place (a topic's name, a subscription's endpoint), or a no-op; what the deployment has and the
//! template no longer describes is deleted. Planning against an empty [`Desired`] is a destroy,
//! and planning a deployment's own version again is its drift check.
//!
//! [`Plan::steps`] ([`steps`]) turns the changes into the calls an apply makes and what each waits for:
//! topics first, then the subscriptions and rules that point at new topics, deletions of topics
//! last. The planner is pure, so the same code explains a plan in the browser and drives the
//! server's apply engine.

mod steps;

pub use steps::{PlannedStep, StepOp};

use super::Problem;
use super::render::{ActionTarget, Desired, DesiredRule, DesiredSubscription, DesiredTopic};
use crate::model::rule::ActionKind;
use crate::model::subscription::{SubscriptionProtocol, redact_endpoint};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Freeform tag naming the deployment that created a resource (its `uid`).
pub const TAG_DEPLOYMENT: &str = "signalbox-deployment";
/// Freeform tag naming the resource's key in the template.
pub const TAG_KEY: &str = "signalbox-key";
/// Freeform tags of a resource.
pub type Tags = BTreeMap<String, String>;

/// Topics one compartment may hold. OCI's topic quota is regional and not documented as a number
/// (`oci-api.md` §3.6 marks it unconfirmed); 100 is the sandbox's, a design choice.
pub const TOPICS_PER_COMPARTMENT: usize = 100;

/// The kind of a planned resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A Notifications topic.
    Topic,
    /// A subscription to a topic.
    Subscription,
    /// An Events rule.
    Rule,
}

impl ResourceKind {
    /// The stored name (`topic`, `subscription`, `rule`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Subscription => "subscription",
            Self::Rule => "rule",
        }
    }

    /// The kind with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Topic, Self::Subscription, Self::Rule].into_iter().find(|k| k.as_str() == name)
    }
}

/// What a plan does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// Nothing exists yet.
    Create,
    /// Exists; some fields change in place.
    Update,
    /// Exists, but a field that cannot change in place differs: a new one is made and the old
    /// one deleted.
    Replace,
    /// The deployment has it and the template no longer describes it.
    Delete,
    /// Exists as described.
    NoOp,
}

impl ChangeAction {
    /// The word the plan view shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Delete => "delete",
            Self::NoOp => "no change",
        }
    }
}

/// One field that differs, as text (conditions as formatted JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// The field.
    pub field: String,
    /// What it is now (empty for a create).
    pub before: String,
    /// What it becomes (empty for a delete).
    pub after: String,
}

/// What the plan does to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Change {
    /// Kind.
    pub kind: ResourceKind,
    /// The template's key.
    pub key: String,
    /// The name it has (topic or rule name; a subscription's endpoint).
    pub name: String,
    /// What happens.
    pub action: ChangeAction,
    /// The existing resource's OCID, when there is one.
    pub id: Option<String>,
    /// Why: a replace's cause, a resource found by its tags, one deleted outside Signalbox.
    pub reason: Option<String>,
    /// The fields that differ (every field for a create or a delete).
    pub diff: Vec<FieldChange>,
}

/// A reviewed list of changes and what stands in the way of applying them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Plan {
    /// Every resource, in apply order (topics, subscriptions, rules).
    pub changes: Vec<Change>,
    /// What makes the apply fail if it ran: the plan cannot be applied until they are fixed.
    pub problems: Vec<Problem>,
    /// What is worth a look but does not block (an event type the catalogue does not know).
    pub warnings: Vec<Problem>,
}

/// A topic as it is in the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTopic {
    /// OCID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Freeform tags.
    pub tags: Tags,
}

/// A subscription as it is in the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSubscription {
    /// OCID.
    pub id: String,
    /// Its topic's OCID.
    pub topic_id: String,
    /// Protocol.
    pub protocol: SubscriptionProtocol,
    /// Endpoint.
    pub endpoint: String,
    /// Freeform tags.
    pub tags: Tags,
}

/// A rule as it is in the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRule {
    /// OCID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Whether it is enabled.
    pub is_enabled: bool,
    /// Condition text.
    pub condition: String,
    /// Actions, when known (a rule summary has none; rules a plan may touch are read whole).
    pub actions: Vec<LiveAction>,
    /// Freeform tags.
    pub tags: Tags,
}

/// A rule action as it is in the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAction {
    /// Kind.
    pub kind: ActionKind,
    /// Target OCID.
    pub target_id: String,
    /// Description.
    pub description: String,
}

/// What the compartment holds now: every live topic, subscription and rule in it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Live {
    /// Topics (not deleting).
    pub topics: Vec<LiveTopic>,
    /// Subscriptions (not deleted).
    pub subscriptions: Vec<LiveSubscription>,
    /// Rules (not deleting).
    pub rules: Vec<LiveRule>,
}

/// A resource a deployment owns: its key and the OCID an apply recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owned {
    /// Kind.
    pub kind: ResourceKind,
    /// Key.
    pub key: String,
    /// OCID.
    pub id: String,
}

/// Where a topic key points once the plan has run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum TopicRef {
    /// This topic stays.
    Existing(String),
    /// The plan creates it (or a replacement).
    New,
}

/// Plans `desired` for the deployment `uid` that owns `owned`, against `live`.
pub fn plan(desired: &Desired, uid: &str, owned: &[Owned], live: &Live) -> Plan {
    let finder = Finder { uid, owned, live };
    let mut plan = Plan::default();
    let mut topic_refs: BTreeMap<&str, TopicRef> = BTreeMap::new();

    for topic in &desired.topics {
        let found =
            finder.find(ResourceKind::Topic, &topic.key, |id| live.topics.iter().find(|t| t.id == id), |t| &t.tags);
        let change = plan_topic(topic, found);
        let reference = match (&change.action, &change.id) {
            (ChangeAction::Update | ChangeAction::NoOp, Some(id)) => TopicRef::Existing(id.clone()),
            _ => TopicRef::New,
        };
        topic_refs.insert(topic.key.as_str(), reference);
        plan.changes.push(change);
    }
    for sub in &desired.subscriptions {
        let found = finder.find(
            ResourceKind::Subscription,
            &sub.key,
            |id| live.subscriptions.iter().find(|s| s.id == id),
            |s| &s.tags,
        );
        let topic = topic_refs.get(sub.topic.as_str()).cloned().unwrap_or(TopicRef::New);
        plan.changes.push(plan_subscription(sub, &topic, &desired.topics, found));
    }
    for rule in &desired.rules {
        let found =
            finder.find(ResourceKind::Rule, &rule.key, |id| live.rules.iter().find(|r| r.id == id), |r| &r.tags);
        plan.changes.push(plan_rule(rule, &topic_refs, &desired.topics, found));
    }
    plan.changes.extend(finder.leftovers(desired));
    plan.changes.sort_by_key(|c| (c.action == ChangeAction::Delete, c.kind));
    check_limits(&mut plan, live);
    for (i, rule) in desired.rules.iter().enumerate() {
        for name in crate::catalogue::unknown_types(&rule.condition) {
            plan.warnings.push(Problem::new(
                format!("rules[{i}].condition"),
                format!(
                    "Rule {} matches the event type \"{name}\", which is not in the event catalogue; check its spelling, or it may never fire.",
                    rule.name
                ),
            ));
        }
    }
    plan
}

/// Finds the live resource for a key.
struct Finder<'a> {
    uid: &'a str,
    owned: &'a [Owned],
    live: &'a Live,
}

/// A live resource paired with a desired one, and how it was found.
struct Found<'a, T> {
    live: Option<&'a T>,
    note: Option<String>,
}

impl<'a> Finder<'a> {
    fn owned_id(&self, kind: ResourceKind, key: &str) -> Option<&'a str> {
        self.owned.iter().find(|o| o.kind == kind && o.key == key).map(|o| o.id.as_str())
    }

    fn tagged(&self, tags: &BTreeMap<String, String>, key: Option<&str>) -> bool {
        tags.get(TAG_DEPLOYMENT).map(String::as_str) == Some(self.uid)
            && key.is_none_or(|key| tags.get(TAG_KEY).map(String::as_str) == Some(key))
    }

    fn find<T: 'a>(
        &self,
        kind: ResourceKind,
        key: &str,
        by_id: impl Fn(&str) -> Option<&'a T>,
        tags: impl Fn(&T) -> &BTreeMap<String, String>,
    ) -> Found<'a, T>
    where
        Live: Items<T>,
    {
        let owned = self.owned_id(kind, key);
        if let Some(live) = owned.and_then(&by_id) {
            return Found { live: Some(live), note: None };
        }
        if let Some(live) = <Live as Items<T>>::items(self.live).iter().find(|item| self.tagged(tags(item), Some(key)))
        {
            return Found {
                live: Some(live),
                note: Some("found by its Signalbox tags (an earlier apply created it but did not record it)".into()),
            };
        }
        let note = owned.map(|id| format!("{id} was deleted outside Signalbox; it is created again"));
        Found { live: None, note }
    }

    /// What the deployment has (owned or tagged) and `desired` no longer names: deleted.
    fn leftovers(&self, desired: &Desired) -> Vec<Change> {
        let wanted: BTreeSet<(ResourceKind, &str)> = desired
            .topics
            .iter()
            .map(|t| (ResourceKind::Topic, t.key.as_str()))
            .chain(desired.subscriptions.iter().map(|s| (ResourceKind::Subscription, s.key.as_str())))
            .chain(desired.rules.iter().map(|r| (ResourceKind::Rule, r.key.as_str())))
            .collect();
        let mut changes = Vec::new();
        let mut seen = BTreeSet::new();
        let mut leftover =
            |kind: ResourceKind, id: &str, tags: &BTreeMap<String, String>, name: &str, diff: Vec<FieldChange>| {
                let owned_key = self.owned.iter().find(|o| o.kind == kind && o.id == id).map(|o| o.key.clone());
                let key = match owned_key {
                    Some(key) => key,
                    None if self.tagged(tags, None) => tags.get(TAG_KEY).cloned().unwrap_or_default(),
                    None => return,
                };
                if wanted.contains(&(kind, key.as_str())) || !seen.insert(id.to_owned()) {
                    return;
                }
                changes.push(Change {
                    kind,
                    key,
                    name: name.to_owned(),
                    action: ChangeAction::Delete,
                    id: Some(id.to_owned()),
                    reason: None,
                    diff,
                });
            };
        for rule in &self.live.rules {
            leftover(
                ResourceKind::Rule,
                &rule.id,
                &rule.tags,
                &rule.name,
                rule_fields(rule).into_iter().map(removed).collect(),
            );
        }
        for sub in &self.live.subscriptions {
            let endpoint = redact_endpoint(&sub.endpoint);
            let fields =
                vec![removed(("endpoint", endpoint.clone())), removed(("protocol", sub.protocol.as_str().into()))];
            leftover(ResourceKind::Subscription, &sub.id, &sub.tags, &endpoint, fields);
        }
        for topic in &self.live.topics {
            let fields =
                vec![removed(("name", topic.name.clone())), removed(("description", topic.description.clone()))];
            leftover(ResourceKind::Topic, &topic.id, &topic.tags, &topic.name, fields);
        }
        changes
    }
}

/// Access to one kind of live resource, so [`Finder::find`] is written once.
trait Items<T> {
    fn items(&self) -> &[T];
}

impl Items<LiveTopic> for Live {
    fn items(&self) -> &[LiveTopic] {
        &self.topics
    }
}

impl Items<LiveSubscription> for Live {
    fn items(&self) -> &[LiveSubscription] {
        &self.subscriptions
    }
}

impl Items<LiveRule> for Live {
    fn items(&self) -> &[LiveRule] {
        &self.rules
    }
}

fn added((field, after): (&str, String)) -> FieldChange {
    FieldChange { field: field.to_owned(), before: String::new(), after }
}

fn removed((field, before): (&str, String)) -> FieldChange {
    FieldChange { field: field.to_owned(), before, after: String::new() }
}

/// The fields of `before` and `after` that differ.
fn differences(before: &[(&str, String)], after: &[(&str, String)]) -> Vec<FieldChange> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| FieldChange { field: b.0.to_owned(), before: b.1.clone(), after: a.1.clone() })
        .collect()
}

fn plan_topic(topic: &DesiredTopic, found: Found<'_, LiveTopic>) -> Change {
    let wanted = [("name", topic.name.clone()), ("description", topic.description.clone())];
    let mut change = Change {
        kind: ResourceKind::Topic,
        key: topic.key.clone(),
        name: topic.name.clone(),
        action: ChangeAction::Create,
        id: None,
        reason: found.note,
        diff: wanted.iter().cloned().map(added).collect(),
    };
    let Some(live) = found.live else { return change };
    let now = [("name", live.name.clone()), ("description", live.description.clone())];
    change.id = Some(live.id.clone());
    change.diff = differences(&now, &wanted);
    change.action = if live.name != topic.name {
        change.reason = Some(format!(
            "a topic's name cannot change in OCI: topic {} is created, subscriptions and rules move to it, then {} is deleted",
            topic.name, live.name
        ));
        ChangeAction::Replace
    } else if change.diff.is_empty() {
        ChangeAction::NoOp
    } else {
        ChangeAction::Update
    };
    change
}

fn topic_name<'a>(topics: &'a [DesiredTopic], key: &'a str) -> &'a str {
    topics.iter().find(|t| t.key == key).map_or(key, |t| t.name.as_str())
}

fn plan_subscription(
    sub: &DesiredSubscription,
    topic: &TopicRef,
    topics: &[DesiredTopic],
    found: Found<'_, LiveSubscription>,
) -> Change {
    let topic_text = |id: &str| match topic {
        TopicRef::Existing(existing) if existing == id => topic_name(topics, &sub.topic).to_owned(),
        TopicRef::Existing(_) | TopicRef::New => id.to_owned(),
    };
    let wanted_topic = match topic {
        TopicRef::Existing(_) => topic_name(topics, &sub.topic).to_owned(),
        TopicRef::New => format!("{} (new)", topic_name(topics, &sub.topic)),
    };
    let wanted = [
        ("topic", wanted_topic),
        ("protocol", sub.protocol.as_str().to_owned()),
        ("endpoint", redact_endpoint(&sub.endpoint)),
    ];
    let mut change = Change {
        kind: ResourceKind::Subscription,
        key: sub.key.clone(),
        name: redact_endpoint(&sub.endpoint),
        action: ChangeAction::Create,
        id: None,
        reason: found.note,
        diff: wanted.iter().cloned().map(added).collect(),
    };
    let Some(live) = found.live else { return change };
    let now = [
        ("topic", topic_text(&live.topic_id)),
        ("protocol", live.protocol.as_str().to_owned()),
        ("endpoint", redact_endpoint(&live.endpoint)),
    ];
    change.id = Some(live.id.clone());
    change.diff = differences(&now, &wanted);
    let same_topic = matches!(topic, TopicRef::Existing(id) if *id == live.topic_id);
    change.action = if change.diff.is_empty() && same_topic {
        ChangeAction::NoOp
    } else {
        change.reason = Some(if !same_topic {
            "its topic is replaced: a subscription cannot move to another topic".into()
        } else if matches!(sub.protocol, SubscriptionProtocol::Email | SubscriptionProtocol::CustomHttps) {
            "a subscription's endpoint cannot change in OCI: the new one must be confirmed again".into()
        } else {
            "a subscription's endpoint cannot change in OCI: a new subscription is made".into()
        });
        ChangeAction::Replace
    };
    change
}

/// A condition as the plan shows it: formatted JSON, so a diff reads line by line.
fn pretty_condition(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

fn action_text(kind: ActionKind, target: &str, description: &str) -> String {
    if description.is_empty() {
        format!("{} → {target}", kind.as_str())
    } else {
        format!("{} → {target} ({description})", kind.as_str())
    }
}

fn rule_fields(rule: &LiveRule) -> Vec<(&'static str, String)> {
    let actions: Vec<String> = rule.actions.iter().map(|a| action_text(a.kind, &a.target_id, &a.description)).collect();
    vec![
        ("name", rule.name.clone()),
        ("description", rule.description.clone()),
        ("enabled", rule.is_enabled.to_string()),
        ("condition", pretty_condition(&rule.condition)),
        ("actions", actions.join("\n")),
    ]
}

fn plan_rule(
    rule: &DesiredRule,
    topic_refs: &BTreeMap<&str, TopicRef>,
    topics: &[DesiredTopic],
    found: Found<'_, LiveRule>,
) -> Change {
    let live_rule = found.live;
    // A topic that stays shows by name when the live action already points at it, so an
    // unchanged action compares equal; otherwise the OCID it will point at.
    let actions: Vec<String> = rule
        .actions
        .iter()
        .map(|action| {
            let target = match &action.target {
                ActionTarget::Id(id) => id.clone(),
                ActionTarget::Topic(key) => match topic_refs.get(key.as_str()) {
                    Some(TopicRef::Existing(id)) => id.clone(),
                    _ => format!("topic {} (new)", topic_name(topics, key)),
                },
            };
            action_text(action.kind, &target, &action.description)
        })
        .collect();
    let wanted = vec![
        ("name", rule.name.clone()),
        ("description", rule.description.clone()),
        ("enabled", rule.is_enabled.to_string()),
        ("condition", pretty_condition(&rule.condition)),
        ("actions", actions.join("\n")),
    ];
    let mut change = Change {
        kind: ResourceKind::Rule,
        key: rule.key.clone(),
        name: rule.name.clone(),
        action: ChangeAction::Create,
        id: None,
        reason: found.note,
        diff: wanted.iter().cloned().map(added).collect(),
    };
    let Some(live) = live_rule else { return change };
    change.id = Some(live.id.clone());
    change.diff = differences(&rule_fields(live), &wanted);
    change.action = if change.diff.is_empty() { ChangeAction::NoOp } else { ChangeAction::Update };
    change
}

fn check_limits(plan: &mut Plan, live: &Live) {
    let created = plan.changes.iter().filter(|c| c.kind == ResourceKind::Topic && c.action == ChangeAction::Create);
    let replaced = plan.changes.iter().filter(|c| c.kind == ResourceKind::Topic && c.action == ChangeAction::Replace);
    // A replacement exists beside the topic it replaces until the end of the apply.
    let peak = live.topics.len() + created.count() + replaced.count();
    if peak > TOPICS_PER_COMPARTMENT {
        plan.problems.push(Problem::new(
            "topics",
            format!(
                "The compartment holds {} topics and this plan adds {}; the limit is {TOPICS_PER_COMPARTMENT}. Delete unused topics first, or apply to another compartment.",
                live.topics.len(),
                peak - live.topics.len()
            ),
        ));
    }
}

impl Plan {
    /// Whether applying it would change anything.
    pub fn changes_anything(&self) -> bool {
        self.changes.iter().any(|c| c.action != ChangeAction::NoOp)
    }

    /// How many changes of `action` there are.
    pub fn count(&self, action: ChangeAction) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}
