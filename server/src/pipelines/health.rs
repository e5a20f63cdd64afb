//! Pipeline health: the facts of every rule in a compartment read through the connection, judged
//! by [`PipelineHealth::assess`] (shared with the UI), stored, and a change of status written to
//! the audit trail.
//!
//! OCI stops listing a deleted subscription, so each check remembers the subscriptions it saw
//! (with the stored status) and the next one names any that disappeared while its topic has no
//! ACTIVE subscription left: "deleted or unsubscribed", rather than only "no ACTIVE subscription".
//!
//! "Last delivery seen" comes from what Signalbox can see: the built-in sandbox's delivery log,
//! and the team's webhook inboxes (for subscriptions whose endpoint is an inbox). Real OCI does not
//! report deliveries to an API, so other subscriptions show none.

use crate::connections::Reached;
use crate::db::audit_events::{NewAuditEvent, Source};
use crate::db::pipeline_health::{HealthRow, NewHealthRow};
use crate::db::{DbError, deliveries, inboxes, pipeline_health};
use crate::oci::client::{OciClient, collect_pages};
use crate::oci::error::OciError;
use crate::oci::events::{ActionTarget, LifecycleState, ListRulesRequest};
use crate::state::AppState;
use app::api::health::{ActionHealth, HealthReport, HealthStatus, PipelineHealth, PipelineStatus, SubscriptionHealth};
use app::api::rules::ActionKind;
use app::api::subscriptions::redact_endpoint;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// Calls in flight while reading a compartment.
const READS_IN_FLIGHT: usize = 8;
/// How often the schedule re-checks every compartment checked before.
pub const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);

/// Who asked for a check, for the audit rows of status changes.
pub struct Checker<'a> {
    /// Audit row fields of the caller (or the schedule).
    pub audit: NewAuditEvent<'a>,
}

/// Where a check looks: a compartment of a connection, in the connection's own region (`None`) or
/// in another (a fan-out target there).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// Connection.
    pub connection_id: i64,
    /// Region id, when not the connection's own.
    pub region: Option<&'a str>,
    /// Compartment OCID.
    pub compartment_id: &'a str,
}

/// A subscription a check saw, remembered for the next one.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seen {
    topic_id: String,
    id: String,
    protocol: String,
    /// Redacted, as [`SubscriptionHealth::endpoint`].
    endpoint: String,
}

/// Topic OCID → the subscriptions the last check of the compartment saw on it.
type Remembered = HashMap<String, Vec<Seen>>;

/// Reads and judges the pipelines of `compartment_id`.
async fn read(
    state: &AppState,
    team_id: i64,
    reached: &Reached,
    compartment_id: &str,
    remembered: &Remembered,
) -> Result<Vec<PipelineHealth>, OciError> {
    let client = &reached.client;
    let summaries = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment_id.to_owned(), limit: Some(50), page, ..Default::default() };
        async move { client.list_rules(&request).await }
    })
    .await?;
    let rules: Vec<_> = futures_util::stream::iter(
        summaries
            .into_iter()
            .filter(|r| !matches!(r.lifecycle_state, LifecycleState::Deleted | LifecycleState::Deleting)),
    )
    .map(|summary| async move { client.get_rule(&summary.id).await.map(|r| r.body) })
    .buffer_unordered(READS_IN_FLIGHT)
    .try_collect()
    .await?;

    let mut targets: HashMap<String, Target> = HashMap::new();
    for rule in &rules {
        for action in &rule.actions.actions {
            if let Some((kind, id)) = target_of(&action.target) {
                targets.entry(id.to_owned()).or_insert(Target {
                    kind,
                    name: None,
                    state: None,
                    subscriptions: Vec::new(),
                });
            }
        }
    }
    let delivered = last_deliveries(state, team_id, reached).await;
    let read: Vec<(String, Target)> = futures_util::stream::iter(targets)
        .map(|(id, target)| read_target(client, id, target, &delivered, remembered))
        .buffer_unordered(READS_IN_FLIGHT)
        .try_collect()
        .await?;
    let targets: HashMap<String, Target> = read.into_iter().collect();

    let mut pipelines: Vec<PipelineHealth> = rules
        .iter()
        .map(|rule| {
            let actions = rule
                .actions
                .actions
                .iter()
                .filter_map(|action| {
                    let (kind, id) = target_of(&action.target)?;
                    let target = targets.get(id);
                    Some(ActionHealth {
                        kind,
                        enabled: action.is_enabled,
                        target_id: id.to_owned(),
                        target_name: target.and_then(|t| t.name.clone()),
                        target_state: target.and_then(|t| t.state.clone()),
                        subscriptions: target.map(|t| t.subscriptions.clone()).unwrap_or_default(),
                    })
                })
                .collect();
            let mut pipeline = PipelineHealth {
                rule_id: rule.id.clone(),
                rule_name: rule.display_name.clone(),
                compartment_id: rule.compartment_id.clone(),
                rule_enabled: rule.is_enabled,
                actions,
                status: HealthStatus::Healthy,
                reasons: Vec::new(),
            };
            pipeline.assess();
            pipeline
        })
        .collect();
    pipelines.sort_by(|a, b| {
        a.status.cmp(&b.status).then_with(|| a.rule_name.to_lowercase().cmp(&b.rule_name.to_lowercase()))
    });
    Ok(pipelines)
}

/// Checks a compartment now: reads it, stores the statuses, and writes one audit row per pipeline
/// whose status changed (or that is seen for the first time not healthy), in one transaction.
pub async fn check(
    state: &AppState,
    team_id: i64,
    place: Place<'_>,
    reached: &Reached,
    checker: Checker<'_>,
) -> Result<Result<HealthReport, OciError>, DbError> {
    let Place { connection_id, region, compartment_id } = place;
    let stored_region = region.unwrap_or_default();
    let remembered = {
        let mut conn = state.pool.acquire().await?;
        remembered(pipeline_health::of_compartment(&mut conn, connection_id, stored_region, compartment_id).await?)
    };
    let pipelines = match read(state, team_id, reached, compartment_id, &remembered).await {
        Ok(pipelines) => pipelines,
        Err(err) => return Ok(Err(err)),
    };
    let checked_at = Utc::now();
    let statuses: Vec<PipelineStatus> = pipelines
        .iter()
        .map(|p| PipelineStatus {
            connection_id,
            rule_id: p.rule_id.clone(),
            rule_name: p.rule_name.clone(),
            compartment_id: compartment_id.to_owned(),
            region: region.map(str::to_owned),
            status: p.status,
            reasons: p.reasons.clone(),
            checked_at,
        })
        .collect();
    let mut tx = crate::db::begin(&state.pool).await?;
    let before: HashMap<String, PipelineStatus> =
        pipeline_health::of_compartment(&mut tx, connection_id, stored_region, compartment_id)
            .await?
            .iter()
            .map(|row| (row.rule_id.clone(), stored_status(row)))
            .collect();
    for status in &statuses {
        let old = before.get(&status.rule_id);
        let changed = match old {
            Some(old) => old.status != status.status,
            None => status.status != HealthStatus::Healthy,
        };
        if !changed {
            continue;
        }
        let from = old.map_or("unchecked", |o| o.status.as_str());
        let detail = format!("{from} → {}", status.status.as_str());
        let snapshot = |s: &PipelineStatus| serde_json::json!({"status": s.status, "reasons": s.reasons}).to_string();
        let before_json = old.map(snapshot);
        let after_json = snapshot(status);
        NewAuditEvent {
            team_id: Some(team_id),
            action: "pipeline.health_change",
            target_kind: Some("rule"),
            target_id: Some(status.rule_id.clone()),
            target_name: Some(&status.rule_name),
            connection_id: Some(connection_id),
            compartment_id: Some(compartment_id),
            detail: Some(&detail),
            before_json: before_json.as_deref(),
            after_json: Some(&after_json),
            ok: true,
            ..checker.audit.clone()
        }
        .append(&mut tx)
        .await?;
    }
    let rows: Vec<NewHealthRow> = statuses
        .iter()
        .zip(&pipelines)
        .map(|(status, pipeline)| NewHealthRow {
            rule_id: &status.rule_id,
            rule_name: &status.rule_name,
            status: status.status,
            reasons: &status.reasons,
            checked_at: status.checked_at,
            subscriptions: seen_json(pipeline),
        })
        .collect();
    pipeline_health::replace_compartment(&mut tx, connection_id, stored_region, compartment_id, &rows).await?;
    tx.commit().await?;
    Ok(Ok(HealthReport { pipelines, checked_at }))
}

/// Re-checks, every [`CHECK_EVERY`], each compartment whose pipelines were checked before. Runs
/// until the task is dropped.
pub async fn check_periodically(state: AppState) {
    let mut every = tokio::time::interval(CHECK_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        let compartments = match pipeline_health::checked_compartments(&state.pool).await {
            Ok(list) => list,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the compartments to check");
                continue;
            }
        };
        for (team_id, connection_id, region, compartment_id) in compartments {
            let region = (!region.is_empty()).then_some(region.as_str());
            let reached = match crate::connections::reach_region(&state, team_id, connection_id, region).await {
                Ok((reached, _)) => reached,
                Err(err) => {
                    tracing::warn!(error = %err, connection_id, "cannot reach a connection for its health check");
                    continue;
                }
            };
            let checker = Checker { audit: scheduled() };
            let place = Place { connection_id, region, compartment_id: &compartment_id };
            match check(&state, team_id, place, &reached, checker).await {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, connection_id, "a scheduled health check failed in OCI"),
                Err(err) => tracing::warn!(error = %err, connection_id, "a scheduled health check failed to store"),
            }
        }
    }
}

/// What the stored rows remember, by topic, each subscription once.
fn remembered(rows: Vec<pipeline_health::HealthRow>) -> Remembered {
    let mut by_topic = Remembered::new();
    for row in rows {
        // Unreadable memory is forgotten: the check then reports what OCI lists, as a first one.
        for seen in serde_json::from_str::<Vec<Seen>>(&row.subscriptions).unwrap_or_default() {
            let known = by_topic.entry(seen.topic_id.clone()).or_default();
            if !known.iter().any(|k| k.id == seen.id) {
                known.push(seen);
            }
        }
    }
    by_topic
}

/// The subscriptions of the pipeline's topics as this check judged them (a disappeared one
/// included, so it stays named while its topic has no ACTIVE subscription), as stored JSON.
fn seen_json(pipeline: &PipelineHealth) -> String {
    let seen: Vec<Seen> = pipeline
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Notifications)
        .flat_map(|a| {
            a.subscriptions.iter().map(|s| Seen {
                topic_id: a.target_id.clone(),
                id: s.id.clone(),
                protocol: s.protocol.clone(),
                endpoint: s.endpoint.clone(),
            })
        })
        .collect();
    serde_json::to_string(&seen).unwrap_or_else(|_| "[]".to_owned())
}

/// Audit fields of the schedule's checks.
pub fn scheduled() -> NewAuditEvent<'static> {
    NewAuditEvent { actor_name: "signalbox", source: Source::System, ..Default::default() }
}

/// What the check learned about one target.
struct Target {
    kind: ActionKind,
    name: Option<String>,
    state: Option<String>,
    subscriptions: Vec<SubscriptionHealth>,
}

fn target_of(target: &ActionTarget) -> Option<(ActionKind, &str)> {
    match target {
        ActionTarget::Notifications { topic_id: Some(id) } => Some((ActionKind::Notifications, id)),
        ActionTarget::Functions { function_id: Some(id) } => Some((ActionKind::Functions, id)),
        ActionTarget::Streaming { stream_id: Some(id) } => Some((ActionKind::Streaming, id)),
        _ => None,
    }
}

/// Reads a topic with its subscriptions, or a function. Not found leaves the state `None`;
/// streams are not read (Signalbox has no Streaming client).
async fn read_target(
    client: &OciClient,
    id: String,
    mut target: Target,
    delivered: &Delivered,
    remembered: &Remembered,
) -> Result<(String, Target), OciError> {
    match target.kind {
        ActionKind::Notifications => match client.get_topic(&id).await {
            Ok(topic) => {
                let topic = topic.body;
                target.name = Some(topic.name.clone());
                target.state = Some(topic.lifecycle_state.as_str().to_owned());
                let subscriptions = client.list_all_subscriptions(&topic.compartment_id, Some(&id)).await?;
                target.subscriptions = subscriptions
                    .into_iter()
                    .map(|s| SubscriptionHealth {
                        last_delivery_at: delivered.last(&s.id, &s.endpoint, &id),
                        id: s.id,
                        protocol: s.protocol.as_str().to_owned(),
                        endpoint: redact_endpoint(&s.endpoint),
                        state: s.lifecycle_state.as_str().to_owned(),
                        age_seconds: s.created_time.map(|ms| (Utc::now().timestamp_millis() - ms).max(0) / 1000),
                    })
                    .collect();
                if !target.subscriptions.iter().any(|s| s.state == "ACTIVE") {
                    let gone: Vec<SubscriptionHealth> = remembered
                        .get(&id)
                        .into_iter()
                        .flatten()
                        .filter(|seen| !target.subscriptions.iter().any(|s| s.id == seen.id))
                        .map(|seen| SubscriptionHealth {
                            id: seen.id.clone(),
                            protocol: seen.protocol.clone(),
                            endpoint: seen.endpoint.clone(),
                            state: "DELETED".to_owned(),
                            age_seconds: None,
                            last_delivery_at: None,
                        })
                        .collect();
                    target.subscriptions.extend(gone);
                }
            }
            Err(err) if err.status() == Some(404) => {}
            Err(err) => return Err(err),
        },
        ActionKind::Functions => match client.get_function(&id).await {
            Ok(function) => {
                target.name = Some(function.body.display_name.clone());
                target.state = Some(function.body.lifecycle_state.as_str().to_owned());
            }
            Err(err) if err.status() == Some(404) => {}
            Err(err) => return Err(err),
        },
        ActionKind::Streaming => {}
    }
    Ok((id, target))
}

/// The last deliveries Signalbox saw, by subscription and by inbox.
pub(crate) struct Delivered {
    by_subscription: HashMap<String, DateTime<Utc>>,
    /// Inbox URL → its newest notification time per topic.
    inboxes: HashMap<String, HashMap<String, DateTime<Utc>>>,
}

impl Delivered {
    /// Whether `endpoint` is one of the team's inboxes.
    pub(crate) fn is_inbox(&self, endpoint: &str) -> bool {
        self.inboxes.contains_key(endpoint)
    }

    /// The last delivery seen reach a subscription (by the sandbox's log, or at its inbox).
    pub(crate) fn last(&self, subscription_id: &str, endpoint: &str, topic_id: &str) -> Option<DateTime<Utc>> {
        let from_log = self.by_subscription.get(subscription_id).copied();
        let from_inbox = self.inboxes.get(endpoint).and_then(|topics| topics.get(topic_id)).copied();
        from_log.max(from_inbox)
    }
}

/// What the sandbox's log and the team's inboxes say was last delivered.
pub(crate) async fn last_deliveries(state: &AppState, team_id: i64, reached: &Reached) -> Delivered {
    let mut by_subscription = HashMap::new();
    if let Some(sandbox) = &reached.sandbox {
        for delivery in sandbox.deliveries() {
            if delivery.status == crate::sandbox::DeliveryStatus::Delivered
                && delivery.kind == crate::sandbox::DeliveryKind::Message
            {
                let at = by_subscription.entry(delivery.subscription_id.clone()).or_insert(delivery.updated_at);
                *at = (*at).max(delivery.updated_at);
            }
        }
    }
    let mut by_inbox = HashMap::new();
    // Missing inbox facts only leave "last delivery" empty; the verdict does not depend on them.
    if let Ok(rows) = inboxes::of_team(&state.pool, team_id).await {
        for inbox in rows {
            let topics = deliveries::last_by_topic(&state.pool, inbox.id).await.unwrap_or_default();
            by_inbox.insert(state.inboxes.url(&inbox.token), topics.into_iter().collect());
        }
    }
    Delivered { by_subscription, inboxes: by_inbox }
}

/// A stored status as the dashboard lists it.
pub fn stored_status(row: &HealthRow) -> PipelineStatus {
    PipelineStatus {
        connection_id: row.connection_id,
        rule_id: row.rule_id.clone(),
        rule_name: row.rule_name.clone(),
        compartment_id: row.compartment_id.clone(),
        region: (!row.region.is_empty()).then(|| row.region.clone()),
        status: HealthStatus::parse(&row.status).unwrap_or(HealthStatus::Broken),
        // Written by `pipeline_health::replace_compartment` from a list of strings.
        reasons: serde_json::from_str(&row.reasons).unwrap_or_default(),
        checked_at: row.checked_at,
    }
}
