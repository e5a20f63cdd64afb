//! Planning on the server: the template version and values rendered, the compartment read
//! through the connection, the pure planner run, and the pre-flight checks of what applying it
//! needs ([`crate::preflight`]: permissions, the functions rule actions name, the Events
//! service's policy), read at the same time as the compartment, and for a review the impact of
//! its rule changes on the last week's events ([`crate::impact`]). The digest fingerprints the
//! changes so an apply can insist on running exactly what was reviewed; the checks are made
//! again at apply, since IAM can change in between.

use super::live;
use crate::connections::{Reached, check_compartment, find, reach_row, tenancy, user_of};
use crate::db::{DbError, template_versions, templates};
use crate::error::AppError;
use crate::impact::{self, history, history::History};
use crate::preflight::{self, Context};
use crate::state::AppState;
use app::api::deployments::PlanReview;
use app::api::impact::{DEFAULT_DAYS, PlanImpact, RuleImpact};
use app::condition::Condition;
use app::template::ActionTarget as DesiredTarget;
use app::template::plan::{ChangeAction, Live, Owned, Plan, ResourceKind, plan};
use app::template::{Desired, Place, Problem, Template, render_at, uses_compartment_name};
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
    /// Region, when not the connection's own (a fan-out target's).
    pub region: Option<String>,
    /// The compartment's name, when known (`{{target.compartment}}`); looked up when the
    /// template uses it and it is not.
    pub compartment_name: Option<String>,
    /// Parameter values.
    pub parameters: BTreeMap<String, Value>,
    /// Plan deleting everything instead.
    pub destroy: bool,
    /// Pre-flight facts shared with the other targets of a fan-out plan.
    pub shared: Option<std::sync::Arc<crate::preflight::facts::Shared>>,
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

/// What a plan is checked for, beyond the changes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Checks {
    /// The pre-flight checks of what applying needs.
    preflight: bool,
    /// What the rules' changes would have done to the recent events (a review's, not an apply's:
    /// the apply runs what was reviewed).
    impact: bool,
}

/// Plans `target` for the deployment `uid` owning `owned`, for review: with the pre-flight
/// checks and the impact of its rule changes. Bad values are a 400 naming `parameters.<name>`;
/// problems the cloud would refuse are in the plan, blocking its apply.
pub async fn make(state: &AppState, target: &Target, uid: &str, owned: &[Owned]) -> Result<Planned, AppError> {
    make_checked(state, target, uid, owned, Reading::Cloud, Checks { preflight: true, impact: true }).await
}

/// [`make`] at apply, reading the cloud or not: the pre-flight checks are made again (IAM may
/// have changed since the review), the impact is not.
pub async fn make_for_apply(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
    reading: Reading,
) -> Result<Planned, AppError> {
    make_checked(state, target, uid, owned, reading, Checks { preflight: true, impact: false }).await
}

/// [`make`] without the pre-flight checks or the impact, for a drift check: it only compares the
/// changes, and runs on a schedule for every deployment, where their reads would be spent for
/// nothing.
pub async fn make_for_drift(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
) -> Result<Planned, AppError> {
    make_checked(state, target, uid, owned, Reading::Cloud, Checks { preflight: false, impact: false }).await
}

async fn make_checked(
    state: &AppState,
    target: &Target,
    uid: &str,
    owned: &[Owned],
    reading: Reading,
    checks: Checks,
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
    let reached = match &target.region {
        Some(region) => reach_row(state, &connection).await?.in_region(state, region)?,
        None => reach_row(state, &connection).await?,
    };
    let (tenancy, user) = (tenancy(&connection), user_of(&connection));
    let desired = if target.destroy {
        Desired::default()
    } else {
        let compartment = match (&target.compartment_name, uses_compartment_name(&template)) {
            (Some(name), _) => name.clone(),
            (None, true) => compartment_name(&reached, &tenancy, &compartment_id).await?,
            (None, false) => String::new(),
        };
        let place = Place { region: reached.client.region().id().to_owned(), compartment };
        render_at(&template, &target.parameters, reached.is_sandbox(), Some(&place))
            .map_err(|problems| invalid_values(&problems))?
    };
    let ctx = Context {
        client: &reached.client,
        tenancy: &tenancy,
        user: user.as_deref(),
        sandbox: reached.is_sandbox(),
        shared: target.shared.as_deref(),
    };
    let live = async {
        match reading {
            Reading::Cloud => live::read(&reached.client, &compartment_id, uid, owned).await.map_err(AppError::Oci),
            Reading::TemplateOnly => Ok(Live::default()),
        }
    };
    // Deleting needs no check: whatever stands in its way, OCI's answer says so step by step.
    let preflight = async {
        match checks.preflight && !target.destroy {
            false => None,
            true => Some(preflight::for_plan(&ctx, &compartment_id, &desired).await),
        }
    };
    // The history is read beside the compartment, by a task of its own: the plan waits for it at
    // most [`IMPACT_GRACE`] past its own reads, and a history still being read then is finished
    // and kept for the next plan (or the Impact panel) instead of thrown away.
    let history = checks.impact.then(|| {
        let (state, row, reached, compartment) =
            (state.clone(), connection.clone(), reached.clone(), compartment_id.clone());
        tokio::spawn(async move {
            history::gather(&state.pool, &state.impact, &row, &reached, &compartment, DEFAULT_DAYS).await
        })
    });
    let (live, preflight) = tokio::join!(live, preflight);
    let plan = plan(&desired, uid, owned, &live?);
    let digest = fingerprint(&plan);
    let impact = match history {
        None => None,
        Some(task) => Some(match tokio::time::timeout(IMPACT_GRACE, task).await {
            Ok(Ok((history, _))) => rule_impacts(&plan, &desired, &history),
            _ => PlanImpact {
                replayed: false,
                days: DEFAULT_DAYS,
                looked_at: 0,
                rules: Vec::new(),
                unseen: vec![
                    "The last week's events were still being read when the plan was ready; plan again in a moment \
                     (they are kept), or open a rule's Impact panel."
                        .to_owned(),
                ],
            },
        }),
    };
    let review =
        PlanReview { plan, digest, template_name: row.name.clone(), version: target.version, preflight, impact };
    Ok(Planned { review, desired, reached, compartment_id })
}

/// The name of compartment `id` of `tenancy` (`root` for the tenancy itself), or a 400 naming
/// `compartment_id` when the tenancy has no such compartment.
async fn compartment_name(reached: &Reached, tenancy: &str, id: &str) -> Result<String, AppError> {
    let names = super::fanout::compartment_names(reached, tenancy).await?;
    names.get(id).map(|(name, _)| name.clone()).ok_or_else(|| {
        AppError::invalid("compartment_id", format!("{id} is not a compartment of this connection's tenancy."))
    })
}

/// How long past its own reads a plan waits for the recent events before it is shown without
/// their impact: against the sandbox the history is read long before; against OCI, Audit's days
/// usually come back with the compartment's lists, and a plan is never held seconds for them.
const IMPACT_GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// For each rule the plan creates, changes or deletes, what its condition as it is and as
/// planned match of the history. A disabled rule matches nothing.
fn rule_impacts(plan: &Plan, desired: &Desired, history: &History) -> PlanImpact {
    let mut rules = Vec::new();
    for change in plan.changes.iter().filter(|c| c.kind == ResourceKind::Rule && c.action != ChangeAction::NoOp) {
        let field = |name: &str| change.diff.iter().find(|f| f.field == name);
        let wanted = desired.rules.iter().find(|r| r.key == change.key);
        let after = wanted.filter(|r| r.is_enabled).map(|r| r.condition.clone());
        let before = match change.action {
            ChangeAction::Create => None,
            _ => {
                let enabled =
                    field("enabled").map_or_else(|| wanted.is_some_and(|r| r.is_enabled), |f| f.before == "true");
                let condition =
                    field("condition").map(|f| f.before.clone()).or_else(|| wanted.map(|r| r.condition.clone()));
                condition.filter(|_| enabled)
            }
        };
        if before == after {
            continue;
        }
        let parse = |text: Option<String>| text.and_then(|t| Condition::parse(&t).ok());
        let (before, after) = (parse(before), parse(after));
        let counts = impact::count(history, before.as_ref(), after.as_ref());
        let reaches = match wanted {
            Some(rule) => rule.actions.iter().map(|a| target_name(desired, &a.target)).collect(),
            None => field("actions").map(|f| f.before.lines().map(str::to_owned).collect()).unwrap_or_default(),
        };
        rules.push(RuleImpact {
            rule: change.name.clone(),
            action: change.action.label().to_owned(),
            reaches,
            before: counts.before,
            after: counts.after,
            gained: counts.gained,
            lost: counts.lost,
        });
    }
    PlanImpact {
        replayed: true,
        days: history.days,
        looked_at: history.events.len() as u64,
        rules,
        unseen: history.unseen.clone(),
    }
}

/// A rule action's target as the plan names it: the topic's name, or the OCID.
fn target_name(desired: &Desired, target: &DesiredTarget) -> String {
    match target {
        DesiredTarget::Topic(key) => {
            desired.topics.iter().find(|t| &t.key == key).map_or_else(|| key.clone(), |t| t.name.clone())
        }
        DesiredTarget::Id(id) => id.clone(),
    }
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
