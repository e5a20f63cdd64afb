//! One step of an apply: the OCI call, then, in one transaction, the step's end, what the
//! deployment owns, and the audit row.
//!
//! A create sends the retry token stored with the step before the call, so repeating a create
//! whose answer was lost (the process died while it was in flight) returns the same resource
//! instead of making a second one. A delete of something already gone is done, not failed.

use super::RunContext;
use crate::db::audit_events::{NewAuditEvent, Source};
use crate::db::inventory_items::Kind;
use crate::db::{DbError, apply_steps, deployment_resources};
use crate::inventory::write::Seen;
use crate::oci::error::OciError;
use crate::oci::events::{
    ActionDetails, ActionDetailsList, ActionTarget as OciTarget, CreateRuleDetails, UpdateRuleDetails,
};
use crate::oci::ons::{CreateSubscriptionDetails, CreateTopicDetails, TopicAttributesDetails};
use app::api::deployments::StepState;
use app::api::rules::ActionKind;
use app::api::subscriptions::redact_endpoint;
use app::template::plan::{ResourceKind, StepOp, TAG_DEPLOYMENT, TAG_KEY, Tags};
use app::template::{ActionTarget, DesiredAction};
use serde_json::{Value, json};

/// What a finished call leaves for the records.
struct Done {
    resource_id: String,
    name: String,
    attempts: usize,
    request_id: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
    /// What OCI answered, for the inventory.
    seen: Option<Seen>,
}

/// Why a step failed.
enum Failed {
    /// OCI refused (or could not be reached).
    Oci(OciError),
    /// Something Signalbox needed is missing (a topic the step depends on has no OCID).
    Missing(String),
}

impl From<OciError> for Failed {
    fn from(err: OciError) -> Self {
        Failed::Oci(err)
    }
}

/// Runs step `position` (already marked running with `retry_token`) and records its end.
/// Returns whether it is done.
pub(super) async fn run(
    ctx: &RunContext,
    position: i64,
    op: StepOp,
    kind: ResourceKind,
    key: &str,
    resource_id: Option<&str>,
    retry_token: &str,
) -> Result<bool, DbError> {
    let result = call(ctx, op, kind, key, resource_id, retry_token).await;
    let _turn = super::WRITES.lock().await;
    let mut tx = crate::db::begin(&ctx.pool).await?;
    let action = format!("{}.{}", kind.as_str(), op.as_str());
    let mut event = NewAuditEvent {
        actor_user_id: ctx.actor_id,
        actor_name: &ctx.actor_name,
        team_id: Some(ctx.team_id),
        source: Source::Engine,
        action: &action,
        target_kind: Some(kind.as_str()),
        connection_id: Some(ctx.connection_id),
        compartment_id: Some(&ctx.compartment_id),
        apply_run_id: Some(ctx.run_id),
        ..Default::default()
    };
    let done = match result {
        Ok(done) => {
            apply_steps::finish(
                &mut tx,
                ctx.run_id,
                position,
                StepState::Done,
                Some(&done.resource_id),
                done.attempts as i64,
                None,
            )
            .await?;
            match op {
                StepOp::Create | StepOp::Update => {
                    deployment_resources::put(&mut tx, ctx.deployment_id, kind, key, &done.resource_id, &done.name)
                        .await?
                }
                StepOp::Delete => deployment_resources::forget(&mut tx, ctx.deployment_id, &done.resource_id).await?,
            }
            let before = done.before.as_ref().map(Value::to_string);
            let after = done.after.as_ref().map(Value::to_string);
            event.target_id = Some(done.resource_id.clone());
            event.target_name = Some(&done.name);
            event.before_json = before.as_deref();
            event.after_json = after.as_deref();
            event.opc_request_id = done.request_id.as_deref();
            event.ok = true;
            event.append(&mut tx).await?;
            if let Some(seen) = &done.seen {
                crate::inventory::write::store(&mut tx, ctx.connection_id, seen).await?;
            }
            true
        }
        Err(failed) => {
            let (message, request_id, attempts) = match &failed {
                Failed::Oci(err) => (err.to_string(), err.opc_request_id().map(str::to_owned), 1),
                Failed::Missing(message) => (message.clone(), None, 0),
            };
            apply_steps::finish(&mut tx, ctx.run_id, position, StepState::Failed, None, attempts, Some(&message))
                .await?;
            event.target_id = resource_id.map(str::to_owned);
            event.target_name = Some(key);
            event.detail = Some(&message);
            event.opc_request_id = request_id.as_deref();
            event.ok = false;
            event.append(&mut tx).await?;
            false
        }
    };
    tx.commit().await?;
    metrics::counter!("signalbox_apply_steps_total", "result" => if done { "done" } else { "failed" }).increment(1);
    Ok(done)
}

/// The tags that make a resource findable as this deployment's after a crash.
fn tags(ctx: &RunContext, key: &str) -> Tags {
    Tags::from([(TAG_DEPLOYMENT.to_owned(), ctx.uid.clone()), (TAG_KEY.to_owned(), key.to_owned())])
}

async fn topic_id(ctx: &RunContext, key: &str) -> Result<String, Failed> {
    let mut conn = ctx.pool.acquire().await.map_err(|e| Failed::Missing(e.to_string()))?;
    deployment_resources::ocid_of(&mut conn, ctx.deployment_id, ResourceKind::Topic, key)
        .await
        .map_err(|e| Failed::Missing(e.to_string()))?
        .ok_or_else(|| {
            Failed::Missing(format!("Topic {key} has no OCID yet; the step that creates it did not finish."))
        })
}

async fn actions(ctx: &RunContext, actions: &[DesiredAction]) -> Result<ActionDetailsList, Failed> {
    let mut list = Vec::new();
    for action in actions {
        let id = match &action.target {
            ActionTarget::Topic(key) => topic_id(ctx, key).await?,
            ActionTarget::Id(id) => id.clone(),
        };
        let target = match action.kind {
            ActionKind::Notifications => OciTarget::Notifications { topic_id: Some(id) },
            ActionKind::Functions => OciTarget::Functions { function_id: Some(id) },
            ActionKind::Streaming => OciTarget::Streaming { stream_id: Some(id) },
        };
        let description = (!action.description.is_empty()).then(|| action.description.clone());
        list.push(ActionDetails { target, is_enabled: true, description });
    }
    Ok(ActionDetailsList { actions: list })
}

fn missing(kind: ResourceKind, key: &str) -> Failed {
    Failed::Missing(format!("The template has no {} {key}; plan again.", kind.as_str()))
}

/// A subscription as an audit row shows it: the endpoint without credentials.
fn subscription_json(value: &impl serde::Serialize) -> Value {
    let mut value = json!(value);
    if let Some(endpoint) = value.get("endpoint").and_then(Value::as_str).map(redact_endpoint) {
        value["endpoint"] = Value::String(endpoint);
    }
    value
}

fn inventory_kind(kind: ResourceKind) -> Kind {
    match kind {
        ResourceKind::Topic => Kind::Topic,
        ResourceKind::Subscription => Kind::Subscription,
        ResourceKind::Rule => Kind::Rule,
    }
}

/// OCI answers 404 for a resource deleted meanwhile; a delete step has nothing left to do then.
fn gone(err: &OciError) -> bool {
    err.status() == Some(404)
}

async fn call(
    ctx: &RunContext,
    op: StepOp,
    kind: ResourceKind,
    key: &str,
    resource_id: Option<&str>,
    token: &str,
) -> Result<Done, Failed> {
    let client = &ctx.client;
    let existing = || {
        resource_id
            .map(str::to_owned)
            .ok_or_else(|| Failed::Missing(format!("The {} {key} has no OCID to change.", kind.as_str())))
    };
    match (kind, op) {
        (ResourceKind::Topic, StepOp::Create) => {
            let topic = ctx.desired.topics.iter().find(|t| t.key == key).ok_or_else(|| missing(kind, key))?;
            let details = CreateTopicDetails {
                name: topic.name.clone(),
                compartment_id: ctx.compartment_id.clone(),
                description: (!topic.description.is_empty()).then(|| topic.description.clone()),
                freeform_tags: tags(ctx, key),
                defined_tags: Default::default(),
            };
            let response = client.create_topic_with_token(&details, Some(token)).await?;
            Ok(Done {
                resource_id: response.body.topic_id.clone(),
                name: response.body.name.clone(),
                attempts: response.attempts,
                request_id: response.opc_request_id,
                before: None,
                after: Some(json!(response.body)),
                seen: Some(Seen::topic(response.body)),
            })
        }
        (ResourceKind::Topic, StepOp::Update) => {
            let id = existing()?;
            let topic = ctx.desired.topics.iter().find(|t| t.key == key).ok_or_else(|| missing(kind, key))?;
            let before = client.get_topic(&id).await?;
            let details = TopicAttributesDetails {
                description: topic.description.clone(),
                freeform_tags: Some(tags(ctx, key)),
                defined_tags: None,
            };
            let response = client.update_topic(&id, &details, before.etag.as_deref()).await?;
            Ok(Done {
                resource_id: id,
                name: response.body.name.clone(),
                attempts: before.attempts + response.attempts,
                request_id: response.opc_request_id,
                before: Some(json!(before.body)),
                after: Some(json!(response.body)),
                seen: Some(Seen::topic(response.body)),
            })
        }
        (ResourceKind::Subscription, StepOp::Create) => {
            let sub = ctx.desired.subscriptions.iter().find(|s| s.key == key).ok_or_else(|| missing(kind, key))?;
            let details = CreateSubscriptionDetails {
                topic_id: topic_id(ctx, &sub.topic).await?,
                compartment_id: ctx.compartment_id.clone(),
                protocol: sub.protocol.as_str().to_owned().into(),
                endpoint: sub.endpoint.clone(),
                metadata: None,
                freeform_tags: tags(ctx, key),
                defined_tags: Default::default(),
            };
            let response = client.create_subscription_with_token(&details, Some(token)).await?;
            Ok(Done {
                resource_id: response.body.id.clone(),
                name: redact_endpoint(&response.body.endpoint),
                attempts: response.attempts,
                request_id: response.opc_request_id,
                before: None,
                after: Some(subscription_json(&response.body)),
                seen: Some(Seen::subscription(response.body)),
            })
        }
        (ResourceKind::Rule, StepOp::Create) => {
            let rule = ctx.desired.rules.iter().find(|r| r.key == key).ok_or_else(|| missing(kind, key))?;
            let details = CreateRuleDetails {
                display_name: rule.name.clone(),
                description: (!rule.description.is_empty()).then(|| rule.description.clone()),
                is_enabled: rule.is_enabled,
                condition: rule.condition.clone(),
                compartment_id: ctx.compartment_id.clone(),
                actions: actions(ctx, &rule.actions).await?,
                freeform_tags: tags(ctx, key),
                defined_tags: Default::default(),
            };
            let response = client.create_rule_with_token(&details, Some(token)).await?;
            Ok(Done {
                resource_id: response.body.id.clone(),
                name: response.body.display_name.clone(),
                attempts: response.attempts,
                request_id: response.opc_request_id,
                before: None,
                after: Some(json!(response.body)),
                seen: Some(Seen::rule(response.body)),
            })
        }
        (ResourceKind::Rule, StepOp::Update) => {
            let id = existing()?;
            let rule = ctx.desired.rules.iter().find(|r| r.key == key).ok_or_else(|| missing(kind, key))?;
            let before = client.get_rule(&id).await?;
            let details = UpdateRuleDetails {
                display_name: Some(rule.name.clone()),
                description: Some(rule.description.clone()),
                is_enabled: Some(rule.is_enabled),
                condition: Some(rule.condition.clone()),
                actions: Some(actions(ctx, &rule.actions).await?),
                freeform_tags: Some(tags(ctx, key)),
                defined_tags: None,
            };
            let response = client.update_rule(&id, &details, None).await?;
            Ok(Done {
                resource_id: id,
                name: response.body.display_name.clone(),
                attempts: before.attempts + response.attempts,
                request_id: response.opc_request_id,
                before: Some(json!(before.body)),
                after: Some(json!(response.body)),
                seen: Some(Seen::rule(response.body)),
            })
        }
        (ResourceKind::Subscription, StepOp::Update) => {
            Err(Failed::Missing("A subscription has nothing to update in place; plan again.".into()))
        }
        (_, StepOp::Delete) => {
            let id = existing()?;
            let read = match kind {
                ResourceKind::Topic => client.get_topic(&id).await.map(|r| (json!(r.body), r.body.name)),
                ResourceKind::Subscription => client
                    .get_subscription(&id)
                    .await
                    .map(|r| (subscription_json(&r.body), redact_endpoint(&r.body.endpoint))),
                ResourceKind::Rule => client.get_rule(&id).await.map(|r| (json!(r.body), r.body.display_name)),
            };
            let (before, name) = match read {
                Ok(found) => found,
                Err(err) if gone(&err) => {
                    return Ok(Done {
                        seen: Some(Seen::Gone(inventory_kind(kind), id.clone())),
                        resource_id: id,
                        name: key.to_owned(),
                        attempts: 1,
                        request_id: None,
                        before: None,
                        after: None,
                    });
                }
                Err(err) => return Err(err.into()),
            };
            let deleted = match kind {
                ResourceKind::Topic => client.delete_topic(&id, None).await,
                ResourceKind::Subscription => client.delete_subscription(&id, None).await,
                ResourceKind::Rule => client.delete_rule(&id, None).await,
            };
            let (attempts, request_id) = match deleted {
                Ok(response) => (response.attempts + 1, response.opc_request_id),
                Err(err) if gone(&err) => (2, None),
                Err(err) => return Err(err.into()),
            };
            let seen = Some(Seen::Gone(inventory_kind(kind), id.clone()));
            Ok(Done { resource_id: id, name, attempts, request_id, before: Some(before), after: None, seen })
        }
    }
}
