//! Planning on the server: the template version and values rendered, the compartment read
//! through the connection, the pure planner run, and the pre-flight checks of what applying it
//! needs ([`crate::preflight`]: permissions, the functions rule actions name, the Events
//! service's policy), read at the same time as the compartment. The digest fingerprints the
//! changes so an apply can insist on running exactly what was reviewed; the checks are made
//! again at apply, since IAM can change in between.

use super::live;
use crate::connections::{Reached, check_compartment, find, reach_row, tenancy, user_of};
use crate::db::{DbError, template_versions, templates};
use crate::error::AppError;
use crate::preflight::{self, Context};
use crate::state::AppState;
use app::api::deployments::PlanReview;
use app::template::plan::{Live, Owned, Plan, plan};
use app::template::{Desired, Problem, Template, render};
use aws_lc_rs::digest::{SHA256, digest};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a plan is made for.
#[derive(Debug, Clone)]
pub struct Target {
    /// Team applying.
    pub team_id: i64,
    /// The user asking (a private template is visible only to its creator).
    pub user_id: i64,
    /// Template.
    pub template_id: i64,
    /// Version.
    pub version: i64,
    /// Connection.
    pub connection_id: i64,
    /// Compartment.
    pub compartment_id: String,
    /// Parameter values.
    pub parameters: BTreeMap<String, Value>,
    /// Plan deleting everything instead.
    pub destroy: bool,
}

/// A plan and what applying it needs.
pub struct Planned {
    /// What the review shows.
    pub review: PlanReview,
    /// The rendered resources (empty for a destroy).
    pub desired: Desired,
    /// The connection's client.
    pub reached: Reached,
    /// The compartment, trimmed.
    pub compartment_id: String,
}

/// Whether a plan reads the compartment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Read the cloud: what exists, the topic limit, the functions actions name.
    Cloud,
    /// Plan without reading the compartment. Only right for a deployment that does not exist
    /// yet: nothing carries its fresh tag id and it owns nothing, so every resource is a create
    /// whatever the compartment holds, and the changes (and their digest) are the ones its review
    /// showed. Functions are still checked; the topic limit was checked at that review, and one
    /// reached since fails its step, which can be resumed once there is room.
    TemplateOnly,
}

/// Plans `target` for the deployment `uid` owning `owned`. Bad values are a 400 naming
/// `parameters.<name>`; problems the cloud would refuse are in the plan, blocking its apply.
pub async fn make(state: &AppState, target: &Target, uid: &str, owned: &[Owned]) -> Result<Planned, AppError> {
    make_reading(state, target, uid, owned, Reading::Cloud).await
}

/// [`make`], reading the cloud or not.
pub async fn make_reading(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
    reading: Reading,
) -> Result<Planned, AppError> {
    make_checked(state, target, uid, owned, reading, true).await
}

/// [`make`] without the pre-flight checks, for a drift check: it only compares the changes, and
/// runs on a schedule for every deployment, where the checks' reads would be spent for nothing.
pub async fn make_for_drift(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
) -> Result<Planned, AppError> {
    make_checked(state, target, uid, owned, Reading::Cloud, false).await
}

async fn make_checked(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
    reading: Reading,
    checked: bool,
) -> Result<Planned, AppError> {
    let compartment_id = check_compartment("compartment_id", &target.compartment_id)?;
    let row = templates::visible_by_id(&state.pool, target.team_id, target.user_id, target.template_id).await.map_err(
        |err| match err {
            DbError::NotFound => AppError::invalid(
                "template_id",
                format!("No template {} is visible to this team; pick one from the library.", target.template_id),
            ),
            other => other.into(),
        },
    )?;
    let version = template_versions::get(&state.pool, row.id, target.version).await.map_err(|err| match err {
        DbError::NotFound => AppError::invalid(
            "version",
            format!("{} has no version {}; its newest is version {}.", row.name, target.version, row.latest_version),
        ),
        other => other.into(),
    })?;
    let template: Template = serde_json::from_str(&version.document)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a stored template document does not parse: {e}")))?;
    let connection = find(state, target.team_id, target.connection_id).await?;
    let reached = reach_row(state, &connection).await?;
    let desired = if target.destroy {
        Desired::default()
    } else {
        render(&template, &target.parameters, reached.is_sandbox()).map_err(|problems| invalid_values(&problems))?
    };
    let (tenancy, user) = (tenancy(&connection), user_of(&connection));
    let ctx =
        Context { client: &reached.client, tenancy: &tenancy, user: user.as_deref(), sandbox: reached.is_sandbox() };
    let live = async {
        match reading {
            Reading::Cloud => live::read(&reached.client, &compartment_id, uid, owned).await.map_err(AppError::Oci),
            Reading::TemplateOnly => Ok(Live::default()),
        }
    };
    // Deleting needs no check: whatever stands in its way, OCI's answer says so step by step.
    // A drift check needs none either (see `make_for_drift`).
    let preflight = async {
        match checked && !target.destroy {
            false => None,
            true => Some(preflight::for_plan(&ctx, &compartment_id, &desired).await),
        }
    };
    let (live, preflight) = tokio::join!(live, preflight);
    let plan = plan(&desired, uid, owned, &live?);
    let digest = fingerprint(&plan);
    let review = PlanReview { plan, digest, template_name: row.name.clone(), version: target.version, preflight };
    Ok(Planned { review, desired, reached, compartment_id })
}

/// The first problem with the values, named as the request names them (`parameters.<name>`).
fn invalid_values(problems: &[Problem]) -> AppError {
    let Some(first) = problems.first() else {
        return AppError::invalid("parameters", "The parameter values are not valid.");
    };
    let field = match first.field.strip_prefix("values.") {
        Some(name) => format!("parameters.{name}"),
        None => format!("template.{}", first.field),
    };
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" ({} more problems)", n - 1),
    };
    AppError::invalid(&field, format!("{}{more}", first.message))
}

/// SHA-256 of the changes, hex.
pub fn fingerprint(plan: &Plan) -> String {
    let text = serde_json::to_string(&plan.changes).unwrap_or_default();
    hex::encode(digest(&SHA256, text.as_bytes()))
}
