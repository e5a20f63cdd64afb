//! Reading what a compartment holds, in the shape the planner compares: every topic,
//! subscription and rule, with the actions of the rules a plan may touch.

use crate::oci::client::{OciClient, collect_pages};
use crate::oci::error::OciError;
use crate::oci::events::{ActionTarget as OciTarget, LifecycleState, ListRulesRequest, Rule, RuleSummary};
use crate::oci::ons::{NotificationTopicSummary, SubscriptionState, SubscriptionSummary, TopicState};
use app::api::rules::ActionKind;
use app::api::subscriptions::SubscriptionProtocol;
use app::template::plan::{
    Live, LiveAction, LiveRule, LiveSubscription, LiveTopic, Owned, ResourceKind, TAG_DEPLOYMENT,
};
use futures_util::future::try_join_all;

/// Every topic, subscription and rule (summaries) of a compartment: three listings made together.
pub async fn list(
    client: &OciClient,
    compartment_id: &str,
) -> Result<(Vec<NotificationTopicSummary>, Vec<SubscriptionSummary>, Vec<RuleSummary>), OciError> {
    let rules = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment_id.to_owned(), limit: Some(50), page, ..Default::default() };
        async move { client.list_rules(&request).await }
    });
    tokio::try_join!(client.list_all_topics(compartment_id), client.list_all_subscriptions(compartment_id, None), rules)
}

/// Reads the compartment. Rules are read whole only when the deployment `uid` owns them or
/// tagged them, since only those can be planned.
pub async fn read(client: &OciClient, compartment_id: &str, uid: &str, owned: &[Owned]) -> Result<Live, OciError> {
    let (topics, subscriptions, rules) = list(client, compartment_id).await?;
    let topics = topics
        .into_iter()
        .filter(|t| t.lifecycle_state != TopicState::Deleting)
        .map(|t| LiveTopic {
            id: t.topic_id,
            name: t.name,
            description: t.description.unwrap_or_default(),
            tags: t.freeform_tags,
        })
        .collect();
    let subscriptions = subscriptions
        .into_iter()
        .filter(|s| s.lifecycle_state != SubscriptionState::Deleted)
        .filter_map(|s| {
            Some(LiveSubscription {
                protocol: SubscriptionProtocol::parse(s.protocol.as_str())?,
                id: s.id,
                topic_id: s.topic_id,
                endpoint: s.endpoint,
                tags: s.freeform_tags,
            })
        })
        .collect();
    let ours = |id: &str, tags: &app::template::plan::Tags| {
        tags.get(TAG_DEPLOYMENT).map(String::as_str) == Some(uid)
            || owned.iter().any(|o| o.kind == ResourceKind::Rule && o.id == id)
    };
    let wanted: Vec<&str> = rules
        .iter()
        .filter(|r| !matches!(r.lifecycle_state, LifecycleState::Deleting | LifecycleState::Deleted))
        .filter(|r| ours(&r.id, &r.freeform_tags))
        .map(|r| r.id.as_str())
        .collect();
    let whole = try_join_all(wanted.into_iter().map(|id| async move { client.get_rule(id).await })).await?;
    let rules = whole.into_iter().map(|response| live_rule(response.body)).collect();
    Ok(Live { topics, subscriptions, rules })
}

/// A rule as the planner compares it.
pub fn live_rule(rule: Rule) -> LiveRule {
    let actions = rule
        .actions
        .actions
        .into_iter()
        .filter_map(|action| {
            let (kind, target) = match action.target {
                OciTarget::Notifications { topic_id } => (ActionKind::Notifications, topic_id),
                OciTarget::Functions { function_id } => (ActionKind::Functions, function_id),
                OciTarget::Streaming { stream_id } => (ActionKind::Streaming, stream_id),
                OciTarget::Unknown => return None,
            };
            Some(LiveAction {
                kind,
                target_id: target.unwrap_or_default(),
                description: action.description.unwrap_or_default(),
            })
        })
        .collect();
    LiveRule {
        id: rule.id,
        name: rule.display_name,
        description: rule.description.unwrap_or_default(),
        is_enabled: rule.is_enabled,
        condition: rule.condition,
        actions,
        tags: rule.freeform_tags,
    }
}
