//! From a plan's changes to the calls an apply makes, in the order their dependencies need:
//! topics first, then the subscriptions and rules that point at new topics, deletions of topics
//! last.

use super::{Change, ChangeAction, Plan, ResourceKind};
use crate::template::render::{ActionTarget, Desired};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One call an apply makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepOp {
    /// Create the resource.
    Create,
    /// Update it in place.
    Update,
    /// Delete it (a removed resource, or the one a replace replaced).
    Delete,
}

impl StepOp {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
        }
    }

    /// The op with this stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Create, Self::Update, Self::Delete].into_iter().find(|op| op.as_str() == name)
    }
}

/// A step of an apply: one call, and the steps it waits for (indexes into the same list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// The call.
    pub op: StepOp,
    /// Kind.
    pub kind: ResourceKind,
    /// Key.
    pub key: String,
    /// Name, for the progress list.
    pub name: String,
    /// The resource it updates or deletes.
    pub id: Option<String>,
    /// Steps that must finish first.
    pub after: Vec<usize>,
}

impl Plan {
    /// The calls an apply makes, in an order that respects every dependency: creates and
    /// updates of topics first; subscriptions after the creation of their topic; rules after the
    /// creation of the topics their actions name; the old half of a replace after its new half;
    /// topic deletions after every subscription and rule step (nothing may still point at them).
    pub fn steps(&self, desired: &Desired) -> Vec<PlannedStep> {
        let mut steps: Vec<PlannedStep> = Vec::new();
        let mut created_topic: BTreeMap<&str, usize> = BTreeMap::new();
        let mut step = |change: &Change, op: StepOp, after: Vec<usize>| {
            let id = if op == StepOp::Create { None } else { change.id.clone() };
            steps.push(PlannedStep {
                op,
                kind: change.kind,
                key: change.key.clone(),
                name: change.name.clone(),
                id,
                after,
            });
            steps.len() - 1
        };
        let mut old_halves: Vec<(&Change, usize)> = Vec::new();
        for change in self.changes.iter().filter(|c| c.kind == ResourceKind::Topic) {
            match change.action {
                ChangeAction::Create | ChangeAction::Replace => {
                    let at = step(change, StepOp::Create, Vec::new());
                    created_topic.insert(change.key.as_str(), at);
                    if change.action == ChangeAction::Replace {
                        old_halves.push((change, at));
                    }
                }
                ChangeAction::Update => {
                    step(change, StepOp::Update, Vec::new());
                }
                ChangeAction::Delete | ChangeAction::NoOp => {}
            }
        }
        let topic_steps = |keys: &mut dyn Iterator<Item = &str>| -> Vec<usize> {
            keys.filter_map(|k| created_topic.get(k).copied()).collect()
        };
        let mut dependents = Vec::new();
        for change in self.changes.iter().filter(|c| c.kind != ResourceKind::Topic && c.action != ChangeAction::Delete)
        {
            let after = match change.kind {
                ResourceKind::Subscription => desired
                    .subscriptions
                    .iter()
                    .find(|s| s.key == change.key)
                    .map(|s| topic_steps(&mut std::iter::once(s.topic.as_str())))
                    .unwrap_or_default(),
                _ => desired
                    .rules
                    .iter()
                    .find(|r| r.key == change.key)
                    .map(|r| {
                        let mut keys = r.actions.iter().filter_map(|a| match &a.target {
                            ActionTarget::Topic(key) => Some(key.as_str()),
                            ActionTarget::Id(_) => None,
                        });
                        topic_steps(&mut keys)
                    })
                    .unwrap_or_default(),
            };
            let op = match change.action {
                ChangeAction::Create | ChangeAction::Replace => StepOp::Create,
                ChangeAction::Update => StepOp::Update,
                ChangeAction::Delete | ChangeAction::NoOp => continue,
            };
            let at = step(change, op, after);
            dependents.push(at);
            if change.action == ChangeAction::Replace {
                old_halves.push((change, at));
            }
        }
        for (change, new_half) in old_halves.iter().filter(|(c, _)| c.kind != ResourceKind::Topic) {
            dependents.push(step(change, StepOp::Delete, vec![*new_half]));
        }
        for change in self.changes.iter().filter(|c| c.kind != ResourceKind::Topic && c.action == ChangeAction::Delete)
        {
            dependents.push(step(change, StepOp::Delete, Vec::new()));
        }
        for (change, _) in old_halves.iter().filter(|(c, _)| c.kind == ResourceKind::Topic) {
            step(change, StepOp::Delete, dependents.clone());
        }
        for change in self.changes.iter().filter(|c| c.kind == ResourceKind::Topic && c.action == ChangeAction::Delete)
        {
            step(change, StepOp::Delete, dependents.clone());
        }
        steps
    }
}
