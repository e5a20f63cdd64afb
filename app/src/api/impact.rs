//! Impact analysis: "what will this change do to the alerts we get?" asked before a rule's
//! condition changes. The types of `POST /api/v1/teams/{team_id}/connections/{connection_id}/impact`
//! and the client call; the replay itself is the server's (`server/src/impact`).
//!
//! The compartment's recent events are replayed against the condition as it is (`before`) and as
//! drafted (`after`); the answer counts both, by event type and by day, and shows examples of the
//! events the change gains and loses, each explained field by field as the Test panel explains.

use super::ApiError;
use crate::condition::{Condition, FieldCheck, Outcome};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest window replayed, in days.
pub const MAX_DAYS: u32 = 14;
/// The window when none is asked for: a week, the period on-call rotations think in.
pub const DEFAULT_DAYS: u32 = 7;
/// Examples of gained and of lost events, each.
pub const EXAMPLES: usize = 5;

/// What to replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImpactRequest {
    /// The compartment the rule is (or will be) in: it sees this compartment's events and its
    /// children's.
    pub compartment_id: String,
    /// The condition as it is; none for a rule not created yet.
    #[serde(default)]
    pub before: Option<String>,
    /// The condition as drafted; none for a rule about to be deleted.
    #[serde(default)]
    pub after: Option<String>,
    /// Days to replay, 1 to [`MAX_DAYS`]; [`DEFAULT_DAYS`] when not given.
    #[serde(default)]
    pub days: Option<u32>,
}

/// Matches of one event type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TypeCount {
    /// The Events type (`com.oraclecloud.computeapi.launchinstance.begin`).
    pub event_type: String,
    /// Events of this type the condition as it is matched.
    pub before: u64,
    /// Events of this type the draft matched.
    pub after: u64,
}

/// Matches on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// The day.
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    /// Events that day the condition as it is matched.
    pub before: u64,
    /// Events that day the draft matched.
    pub after: u64,
}

/// One field a condition names, checked against an example event (the Test panel's explanation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Check {
    /// Dotted path (`data.additionalDetails.bucketName`).
    pub path: String,
    /// What the condition accepts there.
    pub wanted: Vec<String>,
    /// What the event holds there, in words (`"logs"`, `missing`).
    pub found: String,
    /// Whether it was accepted.
    pub matched: bool,
}

impl Check {
    /// The explanation of `condition` against `event`, one check per field it names.
    pub fn explain(condition: &Condition, event: &serde_json::Value) -> Vec<Check> {
        condition.explain(event).into_iter().map(Check::from).collect()
    }
}

impl From<FieldCheck> for Check {
    fn from(check: FieldCheck) -> Self {
        let matched = check.matched();
        let found = match check.outcome {
            Outcome::Matched(value) | Outcome::Different(value) => value,
            Outcome::Missing => "missing".to_owned(),
            Outcome::NotAnObject(value) => format!("{value}, not an object"),
        };
        Check { path: check.path, wanted: check.wanted, found, matched }
    }
}

/// An event the change gains or loses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Example {
    /// Its type.
    pub event_type: String,
    /// When it happened.
    pub event_time: DateTime<Utc>,
    /// `data.resourceName`, when it has one.
    pub resource_name: Option<String>,
    /// `data.compartmentName` (or the OCID when the name is not in the event).
    pub compartment: Option<String>,
    /// Where the history came from ([`HistorySource::label`]).
    pub source: HistorySource,
    /// Why the condition as it is matched it or not (empty for a rule not created yet).
    pub before: Vec<Check>,
    /// Why the draft matches it or not (empty for a rule about to be deleted).
    pub after: Vec<Check>,
    /// The event as replayed.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub event: serde_json::Value,
}

/// Where replayed events came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HistorySource {
    /// The built-in sandbox's log of every event it emitted.
    SandboxLog,
    /// OCI's Audit API, each audited write turned into the Events type it corresponds to.
    Audit,
    /// Event envelopes the team's webhook inboxes received.
    Inbox,
}

impl HistorySource {
    /// How the page names it.
    pub fn label(self) -> &'static str {
        match self {
            HistorySource::SandboxLog => "sandbox event log",
            HistorySource::Audit => "OCI Audit",
            HistorySource::Inbox => "inbox deliveries",
        }
    }
}

/// What one source gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceCount {
    /// The source.
    pub source: HistorySource,
    /// Events it gave in the window (after duplicates were dropped).
    pub events: u64,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ImpactReport {
    /// The compartment replayed (and its children).
    pub compartment_id: String,
    /// Start of the window.
    pub since: DateTime<Utc>,
    /// End of the window.
    pub until: DateTime<Utc>,
    /// Its length in days.
    pub days: u32,
    /// Events looked at.
    pub looked_at: u64,
    /// Events the condition as it is matched.
    pub before: u64,
    /// Events the draft matched.
    pub after: u64,
    /// Matched by the draft only.
    pub gained: u64,
    /// Matched by the condition as it is only.
    pub lost: u64,
    /// Per event type, most matches first; types neither condition matched are left out.
    pub by_type: Vec<TypeCount>,
    /// Every day of the window, oldest first.
    pub daily: Vec<DayCount>,
    /// Up to [`EXAMPLES`] events gained, newest first.
    pub gained_examples: Vec<Example>,
    /// Up to [`EXAMPLES`] events lost, newest first.
    pub lost_examples: Vec<Example>,
    /// What each source gave.
    pub sources: Vec<SourceCount>,
    /// What the replay could not see, one sentence each (event types Audit does not record, a
    /// compartment that could not be read, a cap reached).
    pub unseen: Vec<String>,
    /// Whether the history was read earlier and reused.
    pub cached: bool,
}

impl ImpactReport {
    /// "+12 / −340": what the change gains and loses.
    pub fn delta(&self) -> String {
        format!("+{} / −{}", self.gained, self.lost)
    }
}

/// What applying a plan changes about what one rule delivers, replayed over recent events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleImpact {
    /// The rule's name.
    pub rule: String,
    /// What the plan does to it (`create`, `update`, `delete`).
    pub action: String,
    /// Where its events go (topic, function or stream names).
    pub reaches: Vec<String>,
    /// Events its condition as it is matched.
    pub before: u64,
    /// Events its planned condition matches.
    pub after: u64,
    /// Gained.
    pub gained: u64,
    /// Lost.
    pub lost: u64,
}

/// The impact section of a plan's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanImpact {
    /// Whether the events were read in time to replay the changes; when not, `unseen` says why
    /// and `rules` is empty.
    pub replayed: bool,
    /// Days replayed.
    pub days: u32,
    /// Events looked at.
    pub looked_at: u64,
    /// One entry per rule whose condition the plan creates, changes or deletes.
    pub rules: Vec<RuleImpact>,
    /// What the replay could not see.
    pub unseen: Vec<String>,
}

/// Replays the compartment's recent events against a condition as it is and as drafted.
pub async fn impact(
    team_id: i64,
    connection_id: i64,
    request: &ImpactRequest,
    csrf: &str,
) -> Result<ImpactReport, ApiError> {
    let path = format!("/teams/{team_id}/connections/{connection_id}/impact");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}
