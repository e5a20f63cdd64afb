//! Pipeline health and verification: "will this alert reach a human?" for every rule, and the
//! end-to-end probe that proves it. The types of `/api/v1/teams/{team_id}/…/health` and
//! `…/rules/{rule_id}/verify`, the client calls, and [`PipelineHealth::assess`], the pure
//! judgement of a pipeline from the facts the server gathered.

use super::ApiError;
use super::rules::ActionKind;
pub use crate::model::health::HealthStatus;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A subscription waiting this long for its confirmation is named as stale.
pub const STALE_PENDING_SECONDS: i64 = 24 * 3600;

/// A subscription of an action's topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubscriptionHealth {
    /// Subscription OCID.
    pub id: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint (passwords replaced by `****`).
    pub endpoint: String,
    /// `ACTIVE`, `PENDING`, `DELETED`, …
    pub state: String,
    /// Seconds since it was created (how long a pending one has waited).
    pub age_seconds: Option<i64>,
    /// The last delivery Signalbox saw reach it (the sandbox's log, or an inbox).
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// One action of the rule and what is behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActionHealth {
    /// Kind.
    pub kind: ActionKind,
    /// Whether the action runs.
    pub enabled: bool,
    /// Topic, function or stream OCID.
    pub target_id: String,
    /// Its name, when it exists.
    pub target_name: Option<String>,
    /// Its lifecycle state (`ACTIVE`, …); `None` when it does not exist (or cannot be read).
    pub target_state: Option<String>,
    /// A topic's subscriptions.
    pub subscriptions: Vec<SubscriptionHealth>,
}

/// One pipeline: a rule, its actions, their targets, the topics' subscriptions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineHealth {
    /// Rule OCID.
    pub rule_id: String,
    /// Rule name.
    pub rule_name: String,
    /// The rule's compartment.
    pub compartment_id: String,
    /// Whether the rule is enabled.
    pub rule_enabled: bool,
    /// The rule's actions.
    pub actions: Vec<ActionHealth>,
    /// The verdict ([`PipelineHealth::assess`]).
    pub status: HealthStatus,
    /// Why, worst first; empty when healthy.
    pub reasons: Vec<String>,
}

impl PipelineHealth {
    /// Judges the pipeline from its facts: `status` and `reasons`.
    ///
    /// Broken when the rule is disabled, or no enabled action reaches a live end (an ACTIVE
    /// subscription of an ACTIVE topic, or an existing function or stream). Degraded when one
    /// does but something else is off: a disabled action, a missing or inactive target, a
    /// pending, deleted or unsubscribed subscription. A pending subscription's age is named.
    pub fn assess(&mut self) {
        let mut broken = Vec::new();
        let mut degraded = Vec::new();
        if !self.rule_enabled {
            broken.push(format!("The rule {} is disabled: no event reaches its actions.", self.rule_name));
        }
        if self.actions.is_empty() {
            broken.push("The rule has no actions: matched events go nowhere.".to_owned());
        }
        let mut live_ends = 0;
        for action in &self.actions {
            let target = action.target_name.clone().unwrap_or_else(|| short(&action.target_id));
            let what = action.kind.label().to_lowercase();
            if !action.enabled {
                degraded.push(format!("The action to {what} {target} is disabled."));
                continue;
            }
            match action.target_state.as_deref() {
                None => {
                    degraded
                        .push(format!("The {what} {target} does not exist (deleted?): its action delivers nothing."));
                    continue;
                }
                Some("ACTIVE") => {}
                Some(state) => {
                    degraded.push(format!("The {what} {target} is {state}, not ACTIVE."));
                    continue;
                }
            }
            if action.kind != ActionKind::Notifications {
                live_ends += 1;
                continue;
            }
            let mut active = 0;
            for subscription in &action.subscriptions {
                let who = format!("{} subscription {}", subscription.protocol, subscription.endpoint);
                match subscription.state.as_str() {
                    "ACTIVE" => active += 1,
                    "PENDING" => degraded.push(match subscription.age_seconds {
                        Some(age) if age >= STALE_PENDING_SECONDS => format!(
                            "The {who} of topic {target} has been PENDING for {}: it gets nothing until confirmed.",
                            duration(age)
                        ),
                        Some(age) => format!(
                            "The {who} of topic {target} is PENDING ({} old): it gets nothing until confirmed.",
                            duration(age)
                        ),
                        None => format!("The {who} of topic {target} is PENDING: it gets nothing until confirmed."),
                    }),
                    "DELETED" | "DELETING" => degraded
                        .push(format!("The {who} of topic {target} was deleted or unsubscribed: it gets nothing.")),
                    state => degraded.push(format!("The {who} of topic {target} is {state}.")),
                }
            }
            if active == 0 {
                degraded.push(format!("Topic {target} has no ACTIVE subscription: its messages reach no one."));
            } else {
                live_ends += 1;
            }
        }
        if self.rule_enabled && !self.actions.is_empty() && live_ends == 0 {
            broken.push("No enabled action reaches an ACTIVE subscription, function or stream.".to_owned());
        }
        self.status = if !broken.is_empty() {
            HealthStatus::Broken
        } else if !degraded.is_empty() {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        broken.extend(degraded);
        self.reasons = broken;
    }
}

fn short(ocid: &str) -> String {
    match ocid.rsplit_once('.') {
        Some((_, tail)) if tail.len() > 8 => format!("…{}", &tail[tail.len() - 8..]),
        _ => ocid.to_owned(),
    }
}

/// `3 days`, `5 hours`, `12 minutes`, `40 seconds`.
fn duration(seconds: i64) -> String {
    let (value, unit) = match seconds {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3600 => (s / 3600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s.max(0), "second"),
    };
    format!("{value} {unit}{}", if value == 1 { "" } else { "s" })
}

/// The pipelines of a compartment, checked now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthReport {
    /// Broken first, then degraded, then healthy; by rule name within each.
    pub pipelines: Vec<PipelineHealth>,
    /// When the check ran.
    pub checked_at: DateTime<Utc>,
}

/// A pipeline's last known status, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineStatus {
    /// Connection.
    pub connection_id: i64,
    /// Rule OCID.
    pub rule_id: String,
    /// Rule name.
    pub rule_name: String,
    /// Compartment.
    pub compartment_id: String,
    /// The region, when not the connection's own (a fan-out target elsewhere).
    #[serde(default)]
    pub region: Option<String>,
    /// Status.
    pub status: HealthStatus,
    /// Why.
    pub reasons: Vec<String>,
    /// When it was checked.
    pub checked_at: DateTime<Utc>,
}

/// Every pipeline's last known status in a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthOverview {
    /// Healthy pipelines.
    pub healthy: i64,
    /// Degraded pipelines.
    pub degraded: i64,
    /// Broken pipelines.
    pub broken: i64,
    /// Broken first, then degraded, then healthy.
    pub pipelines: Vec<PipelineStatus>,
    /// The server's time of the answer.
    pub as_of: DateTime<Utc>,
}

/// One hop of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HopKind {
    /// The probe event was accepted (or, against OCI, the test message published).
    EventAccepted,
    /// The rule's condition matched it.
    RuleMatched,
    /// The rule's action ran.
    Action,
    /// The topic took the message.
    Topic,
    /// The inbox's subscription is ACTIVE.
    Subscription,
    /// The inbox received it.
    Delivered,
}

impl HopKind {
    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            HopKind::EventAccepted => "Event accepted",
            HopKind::RuleMatched => "Rule matched",
            HopKind::Action => "Action",
            HopKind::Topic => "Topic",
            HopKind::Subscription => "Subscription",
            HopKind::Delivered => "Delivered",
        }
    }
}

/// One hop's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Hop {
    /// Which hop.
    pub kind: HopKind,
    /// Whether it passed.
    pub ok: bool,
    /// Milliseconds from the start of the probe until it passed.
    pub at_ms: Option<u64>,
    /// What happened, or why it failed and what to do.
    pub detail: String,
}

/// Runs a verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    /// The inbox to watch. By default a team inbox already subscribed (ACTIVE) to the rule's first
    /// topic, else the team's inbox named "verify" (made when missing).
    #[serde(default)]
    pub inbox_id: Option<i64>,
    /// Remove the inbox subscriptions the probe made once it is done.
    #[serde(default)]
    pub remove_subscriptions: bool,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VerifyReport {
    /// Whether every hop passed.
    pub ok: bool,
    /// The hops, in order; the first failed one ends the list.
    pub hops: Vec<Hop>,
    /// The inbox watched.
    pub inbox_id: i64,
    /// What the inbox received (its delivery id), when it did.
    pub delivery_id: Option<i64>,
    /// The probe sent: the event (sandbox) or the message body (OCI).
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub probe: serde_json::Value,
}

/// `&region=…` for a region other than the connection's own, else nothing.
fn region_param(region: Option<&str>) -> String {
    region.map(|r| format!("&region={}", super::urlencoding(r))).unwrap_or_default()
}

/// Checks the pipelines of a compartment now, in `region` when not the connection's own.
pub async fn check_health(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    region: Option<&str>,
    csrf: &str,
) -> Result<HealthReport, ApiError> {
    let path = format!(
        "/teams/{team_id}/connections/{connection_id}/health?compartment_id={}{}",
        super::urlencoding(compartment_id),
        region_param(region)
    );
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// Every pipeline's last known status in the team.
pub async fn health_overview(team_id: i64) -> Result<HealthOverview, ApiError> {
    super::get_json(&format!("/teams/{team_id}/health")).await
}

/// Sends a probe through a rule's pipeline (in `region` when not the connection's own) and reports
/// each hop.
pub async fn verify_rule(
    team_id: i64,
    connection_id: i64,
    rule_id: &str,
    region: Option<&str>,
    request: &VerifyRequest,
    csrf: &str,
) -> Result<VerifyReport, ApiError> {
    let path = format!(
        "/teams/{team_id}/connections/{connection_id}/rules/{}/verify?{}",
        super::urlencoding(rule_id),
        region_param(region).trim_start_matches('&')
    );
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(state: &str, age: i64) -> SubscriptionHealth {
        SubscriptionHealth {
            id: format!("ocid1.onssubscription.oc1..{state}"),
            protocol: "EMAIL".into(),
            endpoint: "oncall@example.com".into(),
            state: state.into(),
            age_seconds: Some(age),
            last_delivery_at: None,
        }
    }

    fn pipeline(subscriptions: Vec<SubscriptionHealth>) -> PipelineHealth {
        PipelineHealth {
            rule_id: "ocid1.eventrule.oc1..r".into(),
            rule_name: "terminations".into(),
            compartment_id: "ocid1.compartment.oc1..c".into(),
            rule_enabled: true,
            actions: vec![ActionHealth {
                kind: ActionKind::Notifications,
                enabled: true,
                target_id: "ocid1.onstopic.oc1..t".into(),
                target_name: Some("alerts".into()),
                target_state: Some("ACTIVE".into()),
                subscriptions,
            }],
            status: HealthStatus::Healthy,
            reasons: Vec::new(),
        }
    }

    fn assessed(mut p: PipelineHealth) -> (HealthStatus, Vec<String>) {
        p.assess();
        (p.status, p.reasons)
    }

    #[test]
    fn an_active_subscription_is_healthy() {
        assert_eq!(assessed(pipeline(vec![subscription("ACTIVE", 10)])), (HealthStatus::Healthy, vec![]));
    }

    #[test]
    fn a_disabled_rule_or_action_breaks_it() {
        let mut p = pipeline(vec![subscription("ACTIVE", 10)]);
        p.rule_enabled = false;
        let (status, reasons) = assessed(p);
        assert_eq!(status, HealthStatus::Broken);
        assert!(reasons[0].contains("disabled"), "{reasons:?}");

        let mut p = pipeline(vec![subscription("ACTIVE", 10)]);
        p.actions[0].enabled = false;
        let (status, reasons) = assessed(p);
        assert_eq!(status, HealthStatus::Broken);
        assert!(reasons.iter().any(|r| r.contains("action to notifications topic alerts is disabled")), "{reasons:?}");
    }

    #[test]
    fn pending_and_deleted_subscriptions() {
        let (status, reasons) = assessed(pipeline(vec![subscription("PENDING", 3 * 86_400)]));
        assert_eq!(status, HealthStatus::Broken);
        assert!(reasons.iter().any(|r| r.contains("PENDING for 3 days")), "{reasons:?}");

        let (status, reasons) = assessed(pipeline(vec![subscription("ACTIVE", 10), subscription("PENDING", 120)]));
        assert_eq!(status, HealthStatus::Degraded);
        assert!(reasons[0].contains("PENDING (2 minutes old)"), "{reasons:?}");

        let (status, reasons) = assessed(pipeline(vec![subscription("DELETED", 10)]));
        assert_eq!(status, HealthStatus::Broken);
        assert!(reasons.iter().any(|r| r.contains("deleted or unsubscribed")), "{reasons:?}");
    }

    #[test]
    fn a_missing_topic_among_others_degrades() {
        let mut p = pipeline(vec![subscription("ACTIVE", 10)]);
        let mut gone = p.actions[0].clone();
        gone.target_state = None;
        gone.target_name = None;
        p.actions.push(gone);
        let (status, reasons) = assessed(p);
        assert_eq!(status, HealthStatus::Degraded);
        assert!(reasons[0].contains("does not exist"), "{reasons:?}");
    }
}
