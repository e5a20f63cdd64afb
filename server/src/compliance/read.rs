//! What a compliance check reads of one region: every rule (with its actions) of the compartments
//! in scope and of each compartment above them (a rule covers the compartments below its own),
//! every topic those rules notify and every topic in a scope compartment, each topic's
//! subscriptions, and what Signalbox saw delivered. OCI's request id of each rule and topic read
//! is kept as evidence.

use crate::connections::Reached;
use crate::oci::client::collect_pages;
use crate::oci::events::{ActionTarget, LifecycleState, ListRulesRequest};
use crate::pipelines::health::{Delivered, last_deliveries};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use std::collections::{BTreeSet, HashMap};

/// Calls in flight while reading a region.
const READS_IN_FLIGHT: usize = 8;

/// A rule as the judgement needs it.
#[derive(Debug, Clone)]
pub struct RuleFact {
    /// OCID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Its compartment.
    pub compartment_id: String,
    /// Whether it is enabled.
    pub enabled: bool,
    /// The condition text.
    pub condition: String,
    /// Its notification actions: (enabled, topic OCID).
    pub notifies: Vec<(bool, String)>,
    /// OCI's id of the request that read it.
    pub request_id: Option<String>,
}

/// A subscription as the judgement needs it.
#[derive(Debug, Clone)]
pub struct SubscriptionFact {
    /// OCID.
    pub id: String,
    /// `ACTIVE`, `PENDING`, …
    pub state: String,
    /// Whether its endpoint is one of the team's inboxes.
    pub inbox: bool,
    /// The last delivery Signalbox saw reach it.
    pub last_delivery: Option<DateTime<Utc>>,
}

/// A topic as the judgement needs it.
#[derive(Debug, Clone)]
pub struct TopicFact {
    /// Name.
    pub name: String,
    /// Lifecycle state.
    pub state: String,
    /// Its subscriptions.
    pub subscriptions: Vec<SubscriptionFact>,
    /// OCI's id of the request that read it.
    pub request_id: Option<String>,
}

/// One region's facts.
#[derive(Debug, Default)]
pub struct Facts {
    /// Rules by compartment.
    pub rules: HashMap<String, Vec<RuleFact>>,
    /// Topics by OCID; a topic a rule names that does not exist is absent.
    pub topics: HashMap<String, TopicFact>,
    /// The topics in each scope compartment.
    pub compartment_topics: HashMap<String, Vec<String>>,
    /// Compartments that could not be read, with why.
    pub errors: HashMap<String, String>,
}

/// Reads the rules of `rule_compartments` and the topics of `topic_compartments` in the region
/// `reached` is in.
pub async fn region(
    state: &AppState,
    team_id: i64,
    reached: &Reached,
    rule_compartments: &BTreeSet<String>,
    topic_compartments: &BTreeSet<String>,
) -> Facts {
    let client = &reached.client;
    let mut facts = Facts::default();
    let read_rules: Vec<(String, Result<Vec<RuleFact>, String>)> = stream::iter(rule_compartments.iter().cloned())
        .map(|compartment| async move {
            let rules = rules_of(reached, &compartment).await.map_err(|err| err.to_string());
            (compartment, rules)
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect()
        .await;
    for (compartment, rules) in read_rules {
        match rules {
            Ok(rules) => {
                facts.rules.insert(compartment, rules);
            }
            Err(err) => {
                facts.errors.insert(compartment, err);
            }
        }
    }
    let listed: Vec<(String, Result<Vec<String>, String>)> = stream::iter(topic_compartments.iter().cloned())
        .map(|compartment| async move {
            let topics = client.list_all_topics(&compartment).await.map_err(|err| err.to_string());
            (compartment, topics.map(|all| all.into_iter().map(|t| t.topic_id).collect()))
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect()
        .await;
    for (compartment, topics) in listed {
        match topics {
            Ok(ids) => {
                facts.compartment_topics.insert(compartment, ids);
            }
            Err(err) => {
                facts.errors.entry(compartment).or_insert(err);
            }
        }
    }
    let mut wanted: BTreeSet<String> = facts.compartment_topics.values().flatten().cloned().collect();
    wanted.extend(facts.rules.values().flatten().flat_map(|r| r.notifies.iter().map(|(_, id)| id.clone())));
    let delivered = last_deliveries(state, team_id, reached).await;
    let delivered = &delivered;
    let topics: Vec<(String, Result<Option<TopicFact>, String>)> = stream::iter(wanted)
        .map(|id| async move {
            let topic = topic(reached, &id, delivered).await;
            (id, topic)
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect()
        .await;
    for (id, topic) in topics {
        match topic {
            Ok(Some(topic)) => {
                facts.topics.insert(id, topic);
            }
            Ok(None) => {}
            // A topic that cannot be read is judged as missing, with the reason kept beside it.
            Err(err) => {
                facts.errors.entry(format!("topic {id}")).or_insert(err);
            }
        }
    }
    facts
}

async fn rules_of(reached: &Reached, compartment: &str) -> Result<Vec<RuleFact>, crate::oci::error::OciError> {
    let client = &reached.client;
    let summaries = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment.to_owned(), limit: Some(50), page, ..Default::default() };
        async move { client.list_rules(&request).await }
    })
    .await?;
    let live = summaries
        .into_iter()
        .filter(|r| !matches!(r.lifecycle_state, LifecycleState::Deleted | LifecycleState::Deleting));
    let read: Vec<Result<RuleFact, crate::oci::error::OciError>> = stream::iter(live)
        .map(|summary| async move {
            let answer = client.get_rule(&summary.id).await?;
            let rule = answer.body;
            let notifies = rule
                .actions
                .actions
                .iter()
                .filter_map(|action| match &action.target {
                    ActionTarget::Notifications { topic_id: Some(id) } => Some((action.is_enabled, id.clone())),
                    _ => None,
                })
                .collect();
            Ok(RuleFact {
                id: rule.id,
                name: rule.display_name,
                compartment_id: rule.compartment_id,
                enabled: rule.is_enabled && rule.lifecycle_state == LifecycleState::Active,
                condition: rule.condition,
                notifies,
                request_id: answer.opc_request_id,
            })
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .collect()
        .await;
    read.into_iter().filter(|r| !matches!(r, Err(e) if e.status() == Some(404))).collect()
}

async fn topic(reached: &Reached, id: &str, delivered: &Delivered) -> Result<Option<TopicFact>, String> {
    let client = &reached.client;
    let answer = match client.get_topic(id).await {
        Ok(answer) => answer,
        Err(err) if err.status() == Some(404) => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let topic = answer.body;
    let subscriptions = client
        .list_all_subscriptions(&topic.compartment_id, Some(id))
        .await
        .map_err(|err| err.to_string())?
        .into_iter()
        .map(|s| SubscriptionFact {
            inbox: delivered.is_inbox(&s.endpoint),
            last_delivery: delivered.last(&s.id, &s.endpoint, id),
            state: s.lifecycle_state.as_str().to_owned(),
            id: s.id,
        })
        .collect();
    Ok(Some(TopicFact {
        name: topic.name,
        state: topic.lifecycle_state.as_str().to_owned(),
        subscriptions,
        request_id: answer.opc_request_id,
    }))
}
