//! Deployments: a template version applied to a connection and compartment. The types of
//! `/api/v1/teams/{team_id}/deployments/…` (plans, applies and their live progress, drift) and
//! the client calls. The planner itself is [`crate::template::plan`].

use super::ApiError;
use super::preflight::PreflightReport;
pub use crate::model::deployment::{DeploymentState, DriftStatus, RunKind, RunState, StepState};
use crate::template::Desired;
use crate::template::plan::{Plan, ResourceKind, StepOp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest deployment name.
pub const MAX_NAME: usize = 100;

/// What to plan for a new deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewDeploymentPlanRequest {
    /// The template.
    pub template_id: i64,
    /// Which of its versions.
    pub version: i64,
    /// The connection to apply through.
    pub connection_id: i64,
    /// The compartment to apply into.
    pub compartment_id: String,
    /// Parameter values by name.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub parameters: BTreeMap<String, Value>,
}

/// Creates a deployment and applies its reviewed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateDeploymentRequest {
    /// Name, unique in the team (such as "infra-alerts prod").
    pub name: String,
    /// What was planned.
    #[serde(flatten)]
    pub target: NewDeploymentPlanRequest,
    /// The [`PlanReview::digest`] that was reviewed; a different plan now is refused.
    pub digest: String,
    /// Why to apply despite blocking pre-flight findings (recorded in the audit trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<String>,
}

/// What to plan for an existing deployment: an upgrade or new parameters, the same again (a
/// drift check), or its destruction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeploymentPlanRequest {
    /// Template version; the deployment's own when absent.
    #[serde(default)]
    pub version: Option<i64>,
    /// Parameter values; the deployment's own when absent.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub parameters: Option<BTreeMap<String, Value>>,
    /// Plan deleting everything the deployment has.
    #[serde(default)]
    pub destroy: bool,
}

/// Applies a reviewed plan of an existing deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplyDeploymentRequest {
    /// What was planned.
    #[serde(flatten)]
    pub plan: DeploymentPlanRequest,
    /// The [`PlanReview::digest`] that was reviewed.
    pub digest: String,
    /// Why to apply despite blocking pre-flight findings (recorded in the audit trail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_preflight: Option<String>,
}

/// A plan as the review screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PlanReview {
    /// The changes, problems and warnings.
    pub plan: Plan,
    /// Fingerprint of the changes; an apply names it, so what runs is what was reviewed.
    pub digest: String,
    /// The template's name.
    pub template_name: String,
    /// The version planned.
    pub version: i64,
    /// What applying it needs, checked against the cloud (none for a destroy). A blocking
    /// finding stops the apply unless it is overridden with a reason, which is audited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<PreflightReport>,
    /// What the rule changes would have done to the last week's events (a review's; none at
    /// apply or in a drift check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<crate::api::impact::PlanImpact>,
}

/// A deployment in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeploymentSummary {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Template id.
    pub template_id: i64,
    /// Template name.
    pub template_name: String,
    /// Version applied.
    pub version: i64,
    /// The template's newest version (an upgrade is available when it is higher).
    pub latest_version: i64,
    /// Connection id.
    pub connection_id: i64,
    /// Connection name.
    pub connection_name: String,
    /// Compartment OCID.
    pub compartment_id: String,
    /// The region it applies in, when not its connection's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The fan-out deployment it is a target of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_id: Option<i64>,
    /// Parameter values as text: a list's items joined by commas, a URL's password as `****`.
    pub parameters: BTreeMap<String, String>,
    /// State.
    pub state: DeploymentState,
    /// How many resources it owns.
    pub resources: i64,
    /// Drift.
    pub drift: DriftStatus,
    /// When drift was last checked.
    pub drift_checked_at: Option<DateTime<Utc>>,
    /// The newest apply or destroy.
    pub last_run: Option<RunSummary>,
}

/// A resource a deployment owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeploymentResource {
    /// Kind.
    pub kind: ResourceKind,
    /// The template's key.
    pub key: String,
    /// Name (endpoint of a subscription).
    pub name: String,
    /// OCID.
    pub id: String,
}

/// A deployment with its parameters, resources, runs and drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeploymentDetail {
    /// The list entry.
    pub summary: DeploymentSummary,
    /// Parameter values.
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub parameters: BTreeMap<String, Value>,
    /// What it owns.
    pub resources: Vec<DeploymentResource>,
    /// Applies and destroys, newest first.
    pub runs: Vec<RunSummary>,
    /// The changes the last drift check found (empty when in sync).
    pub drift: Option<Plan>,
    /// What the last successful apply rendered (endpoint passwords as `****`), for the export.
    pub desired: Option<Desired>,
}

/// A run in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunSummary {
    /// Id.
    pub id: i64,
    /// Apply or destroy.
    pub kind: RunKind,
    /// Template version applied.
    pub version: i64,
    /// State.
    pub state: RunState,
    /// Who started it.
    pub started_by: Option<String>,
    /// When.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Steps in all.
    pub steps: i64,
    /// Steps done.
    pub steps_done: i64,
    /// When another instance last took the run over because the one running it stopped
    /// renewing its lease (several instances on one PostgreSQL database); null when none did.
    #[serde(default)]
    pub taken_over_at: Option<DateTime<Utc>>,
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplyStep {
    /// Position in the run, from 0.
    pub position: i64,
    /// The call.
    pub op: StepOp,
    /// Kind.
    pub kind: ResourceKind,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// State.
    pub state: StepState,
    /// The resource it made or changed.
    pub resource_id: Option<String>,
    /// Calls it took (retries included).
    pub attempts: i64,
    /// When it started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A run with its steps: what the progress view shows and the event stream sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplyRun {
    /// The run.
    pub run: RunSummary,
    /// Its deployment.
    pub deployment_id: i64,
    /// Steps in order.
    pub steps: Vec<ApplyStep>,
}

/// Why a deployment name is not acceptable, if it is not.
pub fn check_name(name: &str) -> Result<(), String> {
    let length = name.trim().chars().count();
    if length == 0 {
        return Err("Name the deployment, such as infra-alerts prod.".into());
    }
    if length > MAX_NAME {
        return Err(format!("The name is {length} characters long; shorten it to at most {MAX_NAME}."));
    }
    crate::model::text::check_one_line(name)
}

/// The team's deployments.
pub async fn list_deployments(team_id: i64) -> Result<Vec<DeploymentSummary>, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployments")).await
}

/// One deployment.
pub async fn get_deployment(team_id: i64, deployment_id: i64) -> Result<DeploymentDetail, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployments/{deployment_id}")).await
}

/// Plans a new deployment (viewers may).
pub async fn plan_new_deployment(
    team_id: i64,
    request: &NewDeploymentPlanRequest,
    csrf: &str,
) -> Result<PlanReview, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/deployments/plan"), request, Some(csrf)).await
}

/// Creates a deployment and starts applying it (operators).
pub async fn create_deployment(
    team_id: i64,
    request: &CreateDeploymentRequest,
    csrf: &str,
) -> Result<ApplyRun, ApiError> {
    super::send_json(http::Method::POST, &format!("/teams/{team_id}/deployments"), request, Some(csrf)).await
}

/// Plans a change of an existing deployment.
pub async fn plan_deployment(
    team_id: i64,
    deployment_id: i64,
    request: &DeploymentPlanRequest,
    csrf: &str,
) -> Result<PlanReview, ApiError> {
    let path = format!("/teams/{team_id}/deployments/{deployment_id}/plan");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// Applies a reviewed plan of an existing deployment (operators).
pub async fn apply_deployment(
    team_id: i64,
    deployment_id: i64,
    request: &ApplyDeploymentRequest,
    csrf: &str,
) -> Result<ApplyRun, ApiError> {
    let path = format!("/teams/{team_id}/deployments/{deployment_id}/apply");
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// One run with its steps.
pub async fn get_run(team_id: i64, deployment_id: i64, run_id: i64) -> Result<ApplyRun, ApiError> {
    super::get_json(&format!("/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}")).await
}

/// Resumes an interrupted run (operators).
pub async fn resume_run(team_id: i64, deployment_id: i64, run_id: i64, csrf: &str) -> Result<ApplyRun, ApiError> {
    let path = format!("/teams/{team_id}/deployments/{deployment_id}/runs/{run_id}/resume");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}

/// Checks drift now.
pub async fn check_drift(team_id: i64, deployment_id: i64, csrf: &str) -> Result<DeploymentDetail, ApiError> {
    let path = format!("/teams/{team_id}/deployments/{deployment_id}/drift");
    super::send_json(http::Method::POST, &path, &serde_json::json!({}), Some(csrf)).await
}
