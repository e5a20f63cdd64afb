//! Compliance checks: the recommendations of [`crate::compliance`] judged for every region and
//! compartment of a scope, from what the cloud holds (whoever made it), re-checked on a schedule.
//! The types of `/api/v1/teams/{team_id}/compliance/…` and the client calls.

use super::ApiError;
use super::deployment_sets::Scope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest check name.
pub const MAX_NAME: usize = 100;
/// Most days a delivery may be old and still prove an inbox subscription works.
pub const MAX_DELIVERY_DAYS: u32 = 90;

/// Creates a compliance check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateCheckRequest {
    /// Name, unique in the team.
    pub name: String,
    /// The connection to read through.
    pub connection_id: i64,
    /// The regions and compartments judged.
    pub scope: Scope,
    /// The fan-out deployment of the pack that fixes failing cells (its plan is the fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<i64>,
    /// A topic told of every change of status (its OCID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_topic_id: Option<String>,
    /// When set, a notification chain whose subscriptions are all the team's inboxes passes only
    /// if one of them received a delivery in this many days (proof that it works end to end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_days: Option<u32>,
}

/// How a cell stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// The recommendation is not met; the reason says what is missing.
    Fail,
    /// The cloud could not be read; the reason says why.
    Error,
    /// Met.
    Pass,
}

impl CellStatus {
    /// As stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Fail => "fail",
            CellStatus::Error => "error",
            CellStatus::Pass => "pass",
        }
    }

    /// From its stored form.
    pub fn parse(text: &str) -> Option<Self> {
        [CellStatus::Fail, CellStatus::Error, CellStatus::Pass].into_iter().find(|s| s.as_str() == text)
    }
}

/// One recommendation in one region and compartment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Cell {
    /// The recommendation's number (`4.3`).
    pub recommendation: String,
    /// Region id.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Compartment name.
    pub compartment_name: String,
    /// Pass, fail or error.
    pub status: CellStatus,
    /// Why it fails, or what satisfies it.
    pub reason: String,
    /// The rule that satisfies it (or came closest).
    pub rule_id: Option<String>,
    /// Its name.
    pub rule_name: Option<String>,
    /// The topic its notifications go to.
    pub topic_id: Option<String>,
    /// OCI's request ids of the reads that decided it, for auditors.
    pub request_ids: Vec<String>,
    /// When it was checked.
    pub checked_at: DateTime<Utc>,
    /// Since when it has had this status.
    pub since: DateTime<Utc>,
}

/// A recommendation as the view heads its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RecommendationView {
    /// Number.
    pub id: String,
    /// Title.
    pub title: String,
    /// The event types a rule must match; empty for the topic-and-subscription one.
    pub event_types: Vec<String>,
}

/// A check in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckSummary {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Connection id.
    pub connection_id: i64,
    /// Connection name.
    pub connection_name: String,
    /// Scope.
    pub scope: Scope,
    /// The fan-out deployment that fixes it.
    pub set_id: Option<i64>,
    /// Topic told of changes.
    pub notify_topic_id: Option<String>,
    /// Inbox delivery window, days.
    pub delivery_days: Option<u32>,
    /// When it was last checked.
    pub checked_at: Option<DateTime<Utc>>,
    /// Cells passing.
    pub passing: i64,
    /// Cells failing.
    pub failing: i64,
    /// Cells that could not be read.
    pub errors: i64,
}

/// A check with every cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckDetail {
    /// The list entry.
    pub summary: CheckSummary,
    /// The benchmark and section.
    pub benchmark: String,
    /// The recommendations, rows of the view.
    pub recommendations: Vec<RecommendationView>,
    /// Every cell, by recommendation, region and compartment name.
    pub cells: Vec<Cell>,
}

/// The team's compliance checks.
pub async fn list_checks(team_id: i64) -> Result<Vec<CheckSummary>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/compliance")).await
}

/// One check with its cells.
pub async fn get_check(team_id: i64, check_id: i64) -> Result<CheckDetail, ApiError> {
    super::get_json(&format!("/teams/{team_id}/compliance/{check_id}")).await
}

/// Creates a check and runs it once (operators).
pub async fn create_check(team_id: i64, request: &CreateCheckRequest, csrf: &str) -> Result<CheckDetail, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/compliance"), request, Some(csrf)).await
}

/// Checks again now (viewers may).
pub async fn run_check(team_id: i64, check_id: i64, csrf: &str) -> Result<CheckDetail, ApiError> {
    let path = format!("/teams/{team_id}/compliance/{check_id}/check");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// Where the evidence of a check downloads from.
pub fn export_path(team_id: i64, check_id: i64, format: &str) -> String {
    format!("/api/v1/teams/{team_id}/compliance/{check_id}/evidence?format={format}")
}
