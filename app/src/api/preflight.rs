//! Pre-flight checks: "will this actually deliver?" asked before a rule is saved or a plan is
//! applied. The types of `POST /api/v1/teams/{team_id}/connections/{connection_id}/preflight`
//! and the client call; the checks themselves are the server's (`server/src/preflight`).

use super::ApiError;
use super::rules::RuleAction;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What to check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreflightRequest {
    /// The compartment the rules are (or will be) in.
    pub compartment_id: String,
    /// Rules as drafted (the editor's); none checks the compartment's rules as they are in OCI.
    #[serde(default)]
    pub rules: Vec<DraftRule>,
}

/// A rule as drafted, before it is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DraftRule {
    /// Display name (to say which rule a finding is about).
    pub name: String,
    /// The condition, as typed.
    pub condition: String,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<RuleAction>,
}

/// Which question a finding answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// May the connection's own user make these changes?
    UserPolicy,
    /// May the Events service deliver to a function or stream?
    EventsPolicy,
    /// Do the buckets a rule watches emit object events?
    BucketEvents,
    /// Does the action's target exist and is it ready?
    Target,
    /// Will a topic's messages reach a subscriber?
    Subscription,
    /// Can OCI reach a subscription's endpoint?
    Endpoint,
}

impl CheckKind {
    /// A short heading.
    pub fn label(self) -> &'static str {
        match self {
            CheckKind::UserPolicy => "Connection's permissions",
            CheckKind::EventsPolicy => "Events service policy",
            CheckKind::BucketEvents => "Bucket object events",
            CheckKind::Target => "Action target",
            CheckKind::Subscription => "Subscriptions",
            CheckKind::Endpoint => "Endpoint reachability",
        }
    }
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The change would fail (OCI refuses it): a plan with one is not applied without an override.
    Blocking,
    /// OCI would accept the change, but it would not deliver.
    Warning,
    /// Signalbox cannot tell; the message says why.
    Unknown,
    /// Checked and fine.
    Pass,
}

impl Outcome {
    /// A one-word label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Blocking => "Blocking",
            Outcome::Warning => "Warning",
            Outcome::Unknown => "Can't tell",
            Outcome::Pass => "Pass",
        }
    }
}

/// What to do about a finding, in the three forms people use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Remedy {
    /// A policy statement to add, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// Where in the OCI Console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
    /// An OCI CLI command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cli: Option<String>,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The question.
    pub kind: CheckKind,
    /// The answer.
    pub outcome: Outcome,
    /// The rules it is about (by name).
    pub rules: Vec<String>,
    /// What was checked (`manage cloudevents-rules in prod`, a topic's name).
    pub subject: String,
    /// What was found, in a sentence.
    pub message: String,
    /// What to do, when something is wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

/// Every finding, worst first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreflightReport {
    /// The compartment checked.
    pub compartment_id: String,
    /// The findings, blocking first, passes last.
    pub findings: Vec<Finding>,
    /// When.
    pub checked_at: DateTime<Utc>,
}

impl PreflightReport {
    /// How many findings came out `outcome`.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.findings.iter().filter(|f| f.outcome == outcome).count()
    }

    /// Whether anything would make the change fail.
    pub fn is_blocked(&self) -> bool {
        self.count(Outcome::Blocking) > 0
    }
}

/// Runs the pre-flight checks for drafted rules, or for a compartment's rules.
pub async fn preflight(
    team_id: i64,
    connection_id: i64,
    request: &PreflightRequest,
    csrf: &str,
) -> Result<PreflightReport, ApiError> {
    let path = format!("/teams/{team_id}/connections/{connection_id}/preflight");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}
