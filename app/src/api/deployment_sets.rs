//! Fan-out deployments: one template version applied to every region and compartment of a
//! scope, as one reviewed plan. Each target (a region and a compartment) is an ordinary
//! deployment of the set, with its own runs, resources and drift, so a failing target fails alone
//! and is retried alone. The types of `/api/v1/teams/{team_id}/deployment-sets/…` and the client
//! calls.

use super::ApiError;
use super::deployments::{DeploymentSummary, PlanReview, RunState};
use super::health::{HealthStatus, PipelineStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Most regions in one scope.
pub const MAX_REGIONS: usize = 20;
/// Most compartments named one by one.
pub const MAX_COMPARTMENTS: usize = 500;
/// Most targets (regions × compartments) in one set.
pub const MAX_TARGETS: usize = 1_000;
/// Longest compartment name pattern.
pub const MAX_PATTERN: usize = 100;

/// Where a fan-out deployment applies: every region listed × every compartment named or matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Scope {
    /// Region ids (`eu-frankfurt-1`); the connection's own region when empty.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Compartments named one by one (OCIDs).
    #[serde(default)]
    pub compartments: Vec<String>,
    /// Every compartment below this one (its whole subtree, not itself) whose name matches
    /// `pattern`, looked up again at every plan, so compartments made since become targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under: Option<String>,
    /// Compartment name pattern for `under`: `*` any run of characters, `?` one, case ignored.
    /// Every compartment when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// What to plan for a new fan-out deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewSetPlanRequest {
    /// The template.
    pub template_id: i64,
    /// Which of its versions.
    pub version: i64,
    /// The connection to apply through.
    pub connection_id: i64,
    /// Where.
    pub scope: Scope,
    /// Parameter values by name, the same for every target.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub parameters: BTreeMap<String, Value>,
}

/// Creates a fan-out deployment and applies its reviewed plan to every target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateSetRequest {
    /// Name, unique in the team; each target's deployment is named after it.
    pub name: String,
    /// What was planned.
    #[serde(flatten)]
    pub plan: NewSetPlanRequest,
    /// The [`SetPlanReview::digest`] that was reviewed.
    pub digest: String,
    /// Why to apply despite blocking pre-flight findings (recorded in the audit trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<String>,
}

/// What to plan for an existing fan-out deployment: an upgrade, new values, a new scope, the
/// same again (new compartments in scope become targets), or destroying every target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPlanRequest {
    /// Template version; the set's own when absent.
    #[serde(default)]
    pub version: Option<i64>,
    /// Parameter values; the set's own when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub parameters: Option<BTreeMap<String, Value>>,
    /// Scope; the set's own when absent.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Plan deleting everything every target has.
    #[serde(default)]
    pub destroy: bool,
}

/// Applies a reviewed plan of an existing fan-out deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplySetRequest {
    /// What was planned.
    #[serde(flatten)]
    pub plan: SetPlanRequest,
    /// The [`SetPlanReview::digest`] that was reviewed.
    pub digest: String,
    /// Why to apply despite blocking pre-flight findings (recorded in the audit trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<String>,
}

/// How a target stands in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// In scope, not deployed yet: applying creates its deployment.
    New,
    /// Deployed and in scope.
    Existing,
    /// Deployed, but no longer in scope (its compartment was renamed, moved or deleted, or the
    /// scope changed): left as it is; destroy it on its own page or with the whole set.
    OutOfScope,
}

/// One target's part of a fan-out plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TargetPlan {
    /// Region id.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// Compartment name (its OCID when the tenancy did not list it).
    pub compartment_name: String,
    /// The target's deployment, once it exists.
    pub deployment_id: Option<i64>,
    /// New, existing or out of scope.
    pub status: TargetStatus,
    /// Its plan; none when out of scope or when it could not be planned.
    pub review: Option<PlanReview>,
    /// Why it could not be planned (its region or compartment could not be read): applying
    /// leaves it out, and the other targets go ahead.
    pub error: Option<String>,
}

/// A fan-out plan as the review screen shows it: every target's changes, grouped by target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPlanReview {
    /// The template's name.
    pub template_name: String,
    /// The version planned.
    pub version: i64,
    /// Every target, by region then compartment name.
    pub targets: Vec<TargetPlan>,
    /// Fingerprint of every target's changes; an apply names it.
    pub digest: String,
}

/// A fan-out deployment in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetSummary {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Template id.
    pub template_id: i64,
    /// Template name.
    pub template_name: String,
    /// Version of the last apply.
    pub version: i64,
    /// The template's newest version.
    pub latest_version: i64,
    /// Connection id.
    pub connection_id: i64,
    /// Connection name.
    pub connection_name: String,
    /// Where it applies.
    pub scope: Scope,
    /// Targets deployed (active or destroyed).
    pub targets: i64,
    /// Targets by the state of their newest run.
    pub runs: BTreeMap<String, i64>,
    /// Targets whose last drift check found changes.
    pub drifted: i64,
    /// Targets the scope holds now that the set has not been applied to (compartments made
    /// since), as `region · compartment`, when last looked for; planning again adds them.
    #[serde(default)]
    pub unapplied: Vec<String>,
    /// When they were last looked for (hourly, with the drift checks).
    #[serde(default)]
    pub unapplied_checked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A fan-out deployment with its targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetDetail {
    /// The list entry.
    pub summary: SetSummary,
    /// Parameter values (passwords as `****`).
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub parameters: BTreeMap<String, Value>,
    /// Every target's deployment, by region then compartment.
    pub targets: Vec<DeploymentSummary>,
}

/// One target's run started by a fan-out apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TargetRun {
    /// Region id.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// The target's deployment.
    pub deployment_id: i64,
    /// The run applying it; none when its plan changed nothing.
    pub run_id: Option<i64>,
    /// The run's state when answered.
    pub state: Option<RunState>,
}

/// What a fan-out apply started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetRun {
    /// The set.
    pub set_id: i64,
    /// One entry per target applied.
    pub runs: Vec<TargetRun>,
    /// Targets left out because they could not be planned, with why.
    pub skipped: Vec<TargetPlan>,
}

/// One target's pipelines (the rules its deployment made) as last checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TargetHealth {
    /// The target's deployment.
    pub deployment_id: i64,
    /// Region id.
    pub region: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// The worst status of its pipelines; `None` until every one has been checked.
    pub status: Option<HealthStatus>,
    /// Its rules' last known statuses, broken first.
    pub pipelines: Vec<PipelineStatus>,
    /// Rules of the deployment with no stored status yet.
    pub unchecked: i64,
    /// Why checking it now failed (the others were checked); its last stored statuses stay.
    pub error: Option<String>,
}

/// The health of every target of a fan-out deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetHealth {
    /// Targets whose pipelines are all healthy.
    pub healthy: i64,
    /// Targets with a degraded pipeline and none broken.
    pub degraded: i64,
    /// Targets with a broken pipeline.
    pub broken: i64,
    /// Targets with a pipeline not checked yet.
    pub unchecked: i64,
    /// Active targets, broken first, then degraded, unchecked, healthy; by region and compartment
    /// within each.
    pub targets: Vec<TargetHealth>,
    /// The oldest of the statuses shown: everything is at least this fresh.
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl SetHealth {
    /// The summary of `targets`, sorted.
    pub fn of(mut targets: Vec<TargetHealth>) -> SetHealth {
        let rank = |t: &TargetHealth| match t.status {
            Some(HealthStatus::Broken) => 0,
            Some(HealthStatus::Degraded) => 1,
            None => 2,
            Some(HealthStatus::Healthy) => 3,
        };
        targets.sort_by(|a, b| {
            rank(a).cmp(&rank(b)).then_with(|| (&a.region, &a.compartment_id).cmp(&(&b.region, &b.compartment_id)))
        });
        let count = |status| targets.iter().filter(|t| t.status == status).count() as i64;
        SetHealth {
            healthy: count(Some(HealthStatus::Healthy)),
            degraded: count(Some(HealthStatus::Degraded)),
            broken: count(Some(HealthStatus::Broken)),
            unchecked: count(None),
            checked_at: targets.iter().flat_map(|t| t.pipelines.iter().map(|p| p.checked_at)).min(),
            targets,
        }
    }
}

/// The team's fan-out deployments.
pub async fn list_sets(team_id: i64) -> Result<Vec<SetSummary>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployment-sets")).await
}

/// One fan-out deployment.
pub async fn get_set(team_id: i64, set_id: i64) -> Result<SetDetail, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployment-sets/{set_id}")).await
}

/// Plans a new fan-out deployment (viewers may).
pub async fn plan_new_set(team_id: i64, request: &NewSetPlanRequest, csrf: &str) -> Result<SetPlanReview, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/deployment-sets/plan"), request, Some(csrf)).await
}

/// Creates a fan-out deployment and starts applying every target (operators).
pub async fn create_set(team_id: i64, request: &CreateSetRequest, csrf: &str) -> Result<SetRun, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/deployment-sets"), request, Some(csrf)).await
}

/// Plans a change of a fan-out deployment.
pub async fn plan_set(
    team_id: i64,
    set_id: i64,
    request: &SetPlanRequest,
    csrf: &str,
) -> Result<SetPlanReview, ApiError> {
    let path = format!("/teams/{team_id}/deployment-sets/{set_id}/plan");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// Applies a reviewed plan of a fan-out deployment (operators).
pub async fn apply_set(team_id: i64, set_id: i64, request: &ApplySetRequest, csrf: &str) -> Result<SetRun, ApiError> {
    let path = format!("/teams/{team_id}/deployment-sets/{set_id}/apply");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// Checks every target's drift and looks for new targets in scope, now.
pub async fn check_set_drift(team_id: i64, set_id: i64, csrf: &str) -> Result<SetDetail, ApiError> {
    let path = format!("/teams/{team_id}/deployment-sets/{set_id}/drift");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// Resumes every target whose newest run failed or was interrupted (operators).
pub async fn retry_set(team_id: i64, set_id: i64, csrf: &str) -> Result<SetRun, ApiError> {
    let path = format!("/teams/{team_id}/deployment-sets/{set_id}/retry");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// Every target's last known pipeline health.
pub async fn set_health(team_id: i64, set_id: i64) -> Result<SetHealth, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployment-sets/{set_id}/health")).await
}

/// Checks the pipelines of every target now.
pub async fn check_set_health(team_id: i64, set_id: i64, csrf: &str) -> Result<SetHealth, ApiError> {
    let path = format!("/teams/{team_id}/deployment-sets/{set_id}/health");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}
