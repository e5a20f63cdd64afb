//! Verify: sends a probe through a rule's pipeline and reports each hop with its timing.
//!
//! The probe is watched arriving in a webhook inbox subscribed to each of the rule's topics (the
//! subscription is made on demand and, if asked, removed afterwards). Against the sandbox the
//! probe is an event the rule's condition matches ([`app::condition::probe`]), emitted into the
//! sandbox, so every hop is real: accepted → matched → action → topic → subscription → delivered.
//! OCI has no API to inject a custom event, so against a real connection the condition is checked
//! locally against the same event and a test message carrying it is published to each topic:
//! the hops from the topic on are real, the first ones are said to be checked locally.

use crate::audit::change::{Change, snapshot};
use crate::auth::Caller;
use crate::connections::Reached;
use crate::db::{DbError, deliveries, inboxes};
use crate::error::AppError;
use crate::oci::events::{ActionTarget, Rule};
use crate::oci::ons::{CreateSubscriptionDetails, MessageDetails, Protocol, SubscriptionState};
use crate::state::AppState;
use app::api::health::{Hop, HopKind, VerifyReport, VerifyRequest};
use app::condition::Condition;
use app::condition::probe::probe_event;
use std::time::{Duration, Instant};

/// How long a new inbox subscription may take to turn ACTIVE.
const CONFIRM_WITHIN: Duration = Duration::from_secs(20);
/// How long the probe may take to arrive.
const DELIVER_WITHIN: Duration = Duration::from_secs(30);
/// The inbox used when the request names none.
pub const DEFAULT_INBOX: &str = "verify";

/// Where a probe runs and who runs it.
pub struct ProbeContext<'a> {
    /// The application.
    pub state: &'a AppState,
    /// Who asked (audit rows are theirs).
    pub caller: &'a Caller,
    /// Team.
    pub team_id: i64,
    /// Connection.
    pub connection_id: i64,
    /// Its client.
    pub reached: &'a Reached,
}

/// Runs the probe for `rule` and writes one `rule.verify` audit row with its outcome (plus the
/// rows of any inbox or subscription it had to make or remove).
pub async fn verify(ctx: &ProbeContext<'_>, rule: &Rule, request: &VerifyRequest) -> Result<VerifyReport, AppError> {
    let ProbeContext { state, caller, team_id, connection_id, .. } = *ctx;
    let started = Instant::now();
    let topics: Vec<&str> = rule
        .actions
        .actions
        .iter()
        .filter(|a| a.is_enabled)
        .filter_map(|a| match &a.target {
            ActionTarget::Notifications { topic_id: Some(id) } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let inbox = match request.inbox_id {
        Some(id) => inboxes::get(&state.pool, team_id, id).await.map_err(|err| match err {
            DbError::NotFound => {
                AppError::invalid("inbox_id", format!("This team has no inbox {id}; pick one from the Inboxes page."))
            }
            other => other.into(),
        })?,
        None => match subscribed_inbox(ctx, &topics).await? {
            Some(inbox) => inbox,
            None => default_inbox(state, caller, team_id).await?,
        },
    };
    let url = state.inboxes.url(&inbox.token);
    let mut hops = Vec::new();
    let mut made = Vec::new();

    let probe_id = format!("signalbox-probe-{:016x}", rand::random::<u64>());
    let condition = Condition::parse(&rule.condition).ok();
    let event = condition.as_ref().and_then(|c| probe_event(c, &rule.compartment_id, &probe_id));
    let mut probe =
        Probe { topics: &topics, url: &url, made: &mut made, hops: &mut hops, started, probe_id: &probe_id };
    let delivery_id = probe.run(ctx, rule, event.as_ref()).await?;

    if request.remove_subscriptions {
        for id in &made {
            remove_subscription(ctx, id).await?;
        }
    }
    let ok = hops.iter().all(|h| h.ok) && delivery_id.is_some();
    let detail = match hops.iter().find(|h| !h.ok) {
        None => format!("every hop passed in {} ms", started.elapsed().as_millis()),
        Some(hop) => format!("failed at {}: {}", hop.kind.label(), hop.detail),
    };
    let change =
        Change { caller, team_id, connection_id, action: "rule.verify", kind: "rule", name: &rule.display_name };
    let after = serde_json::json!({"compartment_id": rule.compartment_id, "ok": ok, "hops": hops}).to_string();
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        compartment_id: Some(&rule.compartment_id),
        target_id: Some(rule.id.clone()),
        detail: Some(&detail),
        after_json: Some(&after),
        connection_id: Some(connection_id),
        ..caller.audit(change.action, change.kind, String::new(), change.name)
    }
    .append(&mut conn)
    .await?;
    let probe = event.unwrap_or_else(|| serde_json::json!({"signalboxProbe": probe_id}));
    Ok(VerifyReport { ok, hops, inbox_id: inbox.id, delivery_id, probe })
}

/// One probe's progress.
struct Probe<'a> {
    topics: &'a [&'a str],
    url: &'a str,
    made: &'a mut Vec<String>,
    hops: &'a mut Vec<Hop>,
    started: Instant,
    probe_id: &'a str,
}

impl Probe<'_> {
    /// Sends the probe and watches it; the id of the delivery when it arrived.
    async fn run(
        &mut self,
        ctx: &ProbeContext<'_>,
        rule: &Rule,
        event: Option<&serde_json::Value>,
    ) -> Result<Option<i64>, AppError> {
        let (state, reached) = (ctx.state, ctx.reached);
        let (topics, url, started, probe_id) = (self.topics, self.url, self.started, self.probe_id);
        let hops = &mut *self.hops;
        let at = |started: Instant| Some(started.elapsed().as_millis() as u64);
        let fail = |hops: &mut Vec<Hop>, kind, detail: String| {
            hops.push(Hop { kind, ok: false, at_ms: None, detail });
            Ok(None)
        };
        let Some(event) = event else {
            return fail(
            hops,
            HopKind::EventAccepted,
            "No event can satisfy this rule's condition (its alternatives contradict each other); fix the condition in the rule editor.".into(),
        );
        };
        if topics.is_empty() {
            return fail(
            hops,
            HopKind::Action,
            "The rule has no enabled action that sends to a Notifications topic, so nothing can reach an inbox; enable or add one.".into(),
        );
        }

        // The inbox's subscriptions come first: a probe sent before they are ACTIVE would be lost.
        let mut subscribed = Vec::new();
        for topic_id in topics {
            match subscribe(ctx, topic_id, url, self.made).await? {
                Ok(state_note) => subscribed.push(state_note),
                Err(reason) => return fail(hops, HopKind::Subscription, reason),
            }
        }
        let subscription_ready = at(started);
        let watermark = deliveries::newest_id(&state.pool, inbox_id(state, url).await?).await?;

        let client = &reached.client;
        if let Some(sandbox) = &reached.sandbox {
            let report = match sandbox.emit(event.clone()) {
                Ok(report) => report,
                Err(err) => {
                    return fail(
                        hops,
                        HopKind::EventAccepted,
                        format!("The sandbox refused the event: {}", err.message),
                    );
                }
            };
            hops.push(Hop {
                kind: HopKind::EventAccepted,
                ok: true,
                at_ms: at(started),
                detail: format!("{} {}", event["eventType"].as_str().unwrap_or_default(), report.event_id),
            });
            if !report.matched_rules.contains(&rule.id) {
                let why = if rule.is_enabled {
                    "The rule did not match the probe event (another rule may have replaced its condition meanwhile); open the rule and test the condition.".to_owned()
                } else {
                    "The rule is disabled, so it matches nothing; enable it.".to_owned()
                };
                return fail(hops, HopKind::RuleMatched, why);
            }
            hops.push(Hop {
                kind: HopKind::RuleMatched,
                ok: true,
                at_ms: at(started),
                detail: rule.display_name.clone(),
            });
            let lines: Vec<&String> = report
                .actions
                .iter()
                .filter(|line| topics.iter().any(|t| line.starts_with(&format!("ONS {t} "))))
                .collect();
            if lines.is_empty() {
                return fail(hops, HopKind::Action, "No action of the rule ran for the probe.".into());
            }
            hops.push(Hop {
                kind: HopKind::Action,
                ok: true,
                at_ms: at(started),
                detail: format!("{} ONS action(s) ran", lines.len()),
            });
            if let Some(failed) = lines.iter().find(|l| l.contains(" failed: ")) {
                return fail(hops, HopKind::Topic, format!("The topic refused the message: {failed}"));
            }
            hops.push(Hop {
                kind: HopKind::Topic,
                ok: true,
                at_ms: at(started),
                detail: lines.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("; "),
            });
        } else {
            let matches = Condition::parse(&rule.condition).is_ok_and(|c| c.matches(event));
            hops.push(Hop {
            kind: HopKind::EventAccepted,
            ok: true,
            at_ms: at(started),
            detail: "OCI cannot be sent a custom event: the probe event was built here and the topics get it as a test message".into(),
        });
            if !rule.is_enabled {
                return fail(
                    hops,
                    HopKind::RuleMatched,
                    "The rule is disabled, so it matches nothing in OCI; enable it.".into(),
                );
            }
            if !matches {
                return fail(hops, HopKind::RuleMatched, "The rule's condition does not match the probe event.".into());
            }
            hops.push(Hop {
                kind: HopKind::RuleMatched,
                ok: true,
                at_ms: at(started),
                detail: "checked here against the rule's condition".into(),
            });
            hops.push(Hop {
                kind: HopKind::Action,
                ok: true,
                at_ms: at(started),
                detail: format!("{} enabled ONS action(s)", topics.len()),
            });
            let message = MessageDetails {
                title: Some(format!("Signalbox verify: {}", rule.display_name)),
                body: event.to_string(),
            };
            let mut ids = Vec::new();
            for topic_id in topics {
                match client.publish_message(topic_id, &message).await {
                    Ok(published) => ids.push(published.body.message_id),
                    Err(err) => return fail(hops, HopKind::Topic, format!("Publishing to {topic_id} failed: {err}")),
                }
            }
            hops.push(Hop {
                kind: HopKind::Topic,
                ok: true,
                at_ms: at(started),
                detail: format!("published message {}", ids.join(", ")),
            });
        }
        hops.push(Hop {
            kind: HopKind::Subscription,
            ok: true,
            at_ms: subscription_ready,
            detail: subscribed.join("; "),
        });

        let inbox = inbox_id(state, url).await?;
        let deadline = Instant::now() + DELIVER_WITHIN;
        while Instant::now() < deadline {
            for row in deliveries::since(&state.pool, inbox, watermark).await? {
                if row.kind == "notification" && row.body.contains(probe_id) {
                    hops.push(Hop {
                        kind: HopKind::Delivered,
                        ok: true,
                        at_ms: at(started),
                        detail: format!("message {} in the inbox", row.message_id.unwrap_or_default()),
                    });
                    return Ok(Some(row.id));
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        fail(
            hops,
            HopKind::Delivered,
            format!(
                "Nothing arrived in the inbox within {} s; the sandbox's Deliveries view shows each attempt.",
                DELIVER_WITHIN.as_secs()
            ),
        )
    }
}

/// The team's inbox that is an ACTIVE subscriber of the first topic, when one is.
async fn subscribed_inbox(ctx: &ProbeContext<'_>, topics: &[&str]) -> Result<Option<inboxes::InboxRow>, AppError> {
    let Some(topic_id) = topics.first() else { return Ok(None) };
    let team = inboxes::of_team(&ctx.state.pool, ctx.team_id).await?;
    if team.is_empty() {
        return Ok(None);
    }
    let client = &ctx.reached.client;
    let Ok(topic) = client.get_topic(topic_id).await else { return Ok(None) };
    let subscriptions =
        client.list_all_subscriptions(&topic.body.compartment_id, Some(topic_id)).await.map_err(AppError::Oci)?;
    Ok(team.into_iter().find(|inbox| {
        let url = ctx.state.inboxes.url(&inbox.token);
        subscriptions.iter().any(|s| s.endpoint == url && s.lifecycle_state == SubscriptionState::Active)
    }))
}

/// The team's "verify" inbox, made when missing.
async fn default_inbox(state: &AppState, caller: &Caller, team_id: i64) -> Result<inboxes::InboxRow, AppError> {
    if let Some(found) = inboxes::of_team(&state.pool, team_id).await?.into_iter().find(|i| i.name == DEFAULT_INBOX) {
        return Ok(found);
    }
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let row =
        inboxes::insert(&mut tx, team_id, DEFAULT_INBOX, &crate::inbox::new_token(), Some(caller.user.id)).await?;
    crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        ..caller.audit("inbox.create", "inbox", row.id.to_string(), &row.name)
    }
    .append(&mut tx)
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(row)
}

async fn inbox_id(state: &AppState, url: &str) -> Result<i64, AppError> {
    let token = url.rsplit('/').next().unwrap_or_default();
    match inboxes::by_token(&state.pool, token).await? {
        Some((id, _)) => Ok(id),
        None => Err(AppError::NotFound("The inbox was deleted while the probe ran.".into())),
    }
}

/// Makes sure the inbox is an ACTIVE subscriber of the topic: `Ok(Ok(note))` when it is,
/// `Ok(Err(reason))` when it cannot be made so.
async fn subscribe(
    ctx: &ProbeContext<'_>,
    topic_id: &str,
    url: &str,
    made: &mut Vec<String>,
) -> Result<Result<String, String>, AppError> {
    let ProbeContext { state, caller, team_id, connection_id, reached } = *ctx;
    let client = &reached.client;
    let topic = match client.get_topic(topic_id).await {
        Ok(topic) => topic.body,
        Err(err) => return Ok(Err(format!("The topic {topic_id} cannot be read: {err}"))),
    };
    let existing = client
        .list_all_subscriptions(&topic.compartment_id, Some(topic_id))
        .await
        .map_err(AppError::Oci)?
        .into_iter()
        .find(|s| {
            s.endpoint == url && matches!(s.lifecycle_state, SubscriptionState::Active | SubscriptionState::Pending)
        });
    let id = match existing {
        Some(s) if s.lifecycle_state == SubscriptionState::Active => {
            return Ok(Ok(format!("{}: the inbox is subscribed (ACTIVE)", topic.name)));
        }
        Some(s) => s.id,
        None => {
            let change = Change {
                caller,
                team_id,
                connection_id,
                action: "subscription.create",
                kind: "subscription",
                name: url,
            };
            let details = CreateSubscriptionDetails {
                topic_id: topic_id.to_owned(),
                compartment_id: topic.compartment_id.clone(),
                protocol: Protocol::CustomHttps,
                endpoint: url.to_owned(),
                metadata: None,
                freeform_tags: Default::default(),
                defined_tags: Default::default(),
            };
            match client.create_subscription(&details).await {
                Ok(response) => {
                    let created = response.body;
                    let after = snapshot(&serde_json::json!({
                        "id": created.id, "topic_id": topic_id, "protocol": "CUSTOM_HTTPS", "endpoint": url,
                        "compartment_id": topic.compartment_id,
                    }));
                    change
                        .record(state, Some(&created.id), None, Some(&after), Ok(response.opc_request_id.as_deref()))
                        .await?;
                    made.push(created.id.clone());
                    created.id
                }
                Err(err) => {
                    change.record(state, Some(topic_id), None, None, Err(&err)).await?;
                    return Ok(Err(format!("Subscribing the inbox to {} failed: {err}", topic.name)));
                }
            }
        }
    };
    let deadline = Instant::now() + CONFIRM_WITHIN;
    while Instant::now() < deadline {
        if let Ok(found) = client.get_subscription(&id).await
            && found.body.lifecycle_state == SubscriptionState::Active
        {
            return Ok(Ok(format!("{}: the inbox subscription is ACTIVE", topic.name)));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let hint = if reached.is_sandbox() {
        "see the inbox's confirmation entry".to_owned()
    } else {
        format!("OCI must reach {url}; start Signalbox with --public-url set to an address OCI can reach")
    };
    Ok(Err(format!(
        "The inbox's subscription to {} stayed PENDING for {} s: {hint}.",
        topic.name,
        CONFIRM_WITHIN.as_secs()
    )))
}

async fn remove_subscription(ctx: &ProbeContext<'_>, id: &str) -> Result<(), AppError> {
    let ProbeContext { state, caller, team_id, connection_id, reached } = *ctx;
    let change =
        Change { caller, team_id, connection_id, action: "subscription.delete", kind: "subscription", name: id };
    let outcome = reached.client.delete_subscription(id, None).await;
    match &outcome {
        Ok(response) => change.record(state, Some(id), None, None, Ok(response.opc_request_id.as_deref())).await,
        Err(err) => change.record(state, Some(id), None, None, Err(err)).await,
    }
}
