//! Starting a run of a reviewed plan: the run, its steps and its audit row are written in the
//! caller's transaction (so a refused run leaves nothing behind, and a new deployment and its
//! first run are one write), and the run is launched only after that transaction commits.

use super::planning::{Planned, Target};
use super::{RunContext, spawn};
use crate::auth::Caller;
use crate::db::audit_events::NewAuditEvent;
use crate::db::{DbError, apply_runs, apply_steps};
use crate::error::AppError;
use crate::state::AppState;
use app::api::deployments::RunKind;
use app::api::preflight::Outcome;
use app::model::subscription::redact_endpoint;
use app::template::plan::{ChangeAction, Plan};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A run about to start: who starts it, of which deployment, and what it is.
pub struct Starting<'a> {
    /// Who starts it.
    pub caller: &'a Caller,
    /// The deployment's team.
    pub team_id: i64,
    /// Deployment.
    pub deployment_id: i64,
    /// Its name, for messages and the audit row.
    pub deployment_name: &'a str,
    /// The deployment's tag id.
    pub uid: &'a str,
    /// Apply or destroy.
    pub kind: RunKind,
    /// The audit action (`deployment.create`, `deployment.apply`, `deployment.destroy`).
    pub action: &'a str,
    /// The instance that will run it ([`crate::state::App::instance_id`]), which holds its lease
    /// from the start.
    pub holder: &'a str,
}

impl Starting<'_> {
    /// Writes the run, its steps and its audit row in `tx`; answers the run's id.
    pub async fn record(&self, tx: &mut crate::db::Conn, target: &Target, planned: &Planned) -> Result<i64, AppError> {
        let run_id = self.record_run(tx, target, planned).await?;
        let after = self.audit_after(target, planned);
        let event = NewAuditEvent {
            team_id: Some(self.team_id),
            after_json: Some(&after),
            connection_id: Some(target.connection_id),
            compartment_id: Some(&planned.compartment_id),
            apply_run_id: Some(run_id),
            ..self.caller.audit(self.action, "deployment", self.deployment_id.to_string(), self.deployment_name)
        };
        event.append(tx).await?;
        Ok(run_id)
    }

    /// What the audit row of a run says it applies: template, version, where, values, changes.
    pub fn audit_after(&self, target: &Target, planned: &Planned) -> String {
        json!({
            "template": planned.review.template_name,
            "version": target.version,
            "connection_id": target.connection_id,
            "compartment_id": planned.compartment_id,
            "region": target.region,
            "parameters": redacted(&target.parameters),
            "changes": counts(&planned.review.plan),
        })
        .to_string()
    }

    /// Writes the run and its steps in `tx`, without an audit row (a fan-out apply writes one row
    /// for all its runs); answers the run's id.
    pub async fn record_run(
        &self,
        tx: &mut crate::db::Conn,
        target: &Target,
        planned: &Planned,
    ) -> Result<i64, AppError> {
        let desired = serde_json::to_string(&planned.desired).map_err(|e| AppError::Internal(e.into()))?;
        let plan = serde_json::to_string(&planned.review.plan).map_err(|e| AppError::Internal(e.into()))?;
        let parameters = parameters_json(&target.parameters);
        let run = apply_runs::NewRun {
            deployment_id: self.deployment_id,
            kind: self.kind,
            version: target.version,
            parameters: &parameters,
            desired: &desired,
            plan: &plan,
            started_by: self.caller.user.id,
            holder: self.holder,
        };
        // The database holds one unfinished run per deployment (a partial unique index): of two
        // applies sent at once, the second is refused here, inside its transaction, whatever
        // checks passed.
        let run_id = apply_runs::insert(tx, &run).await.map_err(|err| match err {
            DbError::Conflict => AppError::Conflict {
                field: String::new(),
                message: format!(
                    "Another run of {} started a moment ago and has not finished; follow its progress, or wait and plan again.",
                    self.deployment_name
                ),
            },
            other => other.into(),
        })?;
        apply_steps::insert_all(tx, run_id, &planned.review.plan.steps(&planned.desired)).await?;
        Ok(run_id)
    }

    /// Audits applying run `run_id` despite blocking pre-flight findings: who, why, and each
    /// finding overridden.
    pub async fn record_override(
        &self,
        tx: &mut crate::db::Conn,
        run_id: i64,
        target: &Target,
        planned: &Planned,
        reason: &str,
    ) -> Result<(), AppError> {
        let after = json!({"reason": reason, "overridden": overridden(&planned.review)}).to_string();
        let event = NewAuditEvent {
            team_id: Some(self.team_id),
            detail: Some(reason),
            after_json: Some(&after),
            connection_id: Some(target.connection_id),
            compartment_id: Some(&planned.compartment_id),
            apply_run_id: Some(run_id),
            ..self.caller.audit(
                "deployment.preflight_override",
                "deployment",
                self.deployment_id.to_string(),
                self.deployment_name,
            )
        };
        event.append(tx).await?;
        Ok(())
    }

    /// Runs the recorded run `run_id` in the background; call after its transaction commits.
    pub fn launch(&self, state: &AppState, run_id: i64, target: &Target, planned: Planned) {
        spawn(
            state.progress.clone(),
            RunContext {
                pool: state.pool.clone(),
                client: planned.reached.client,
                run_id,
                kind: self.kind,
                version: target.version,
                parameters: parameters_json(&target.parameters),
                deployment_id: self.deployment_id,
                uid: self.uid.to_owned(),
                team_id: self.team_id,
                connection_id: target.connection_id,
                compartment_id: planned.compartment_id,
                desired: planned.desired,
                actor_id: Some(self.caller.user.id),
                actor_name: self.caller.user.username.clone(),
                holder: state.instance_id.clone(),
            },
        );
    }
}

/// A new deployment's tag id, written into the freeform tags of everything it creates.
pub fn new_uid() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    let random: String = rand::rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect();
    format!("sbx-{}", random.to_lowercase())
}

/// Parameter values as stored with a deployment and its runs.
pub fn parameters_json(parameters: &BTreeMap<String, Value>) -> String {
    Value::Object(parameters.clone().into_iter().collect()).to_string()
}

/// Parameter values as responses and audit rows show them: URLs without their passwords.
pub fn redacted(parameters: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    fn redact(value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(redact_endpoint(text)),
            Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
            other => other.clone(),
        }
    }
    parameters.iter().map(|(name, value)| (name.clone(), redact(value))).collect()
}

/// The blocking pre-flight findings of a plan, as an audit row lists those overridden.
pub fn overridden(review: &app::api::deployments::PlanReview) -> Vec<Value> {
    review
        .preflight
        .iter()
        .flat_map(|report| &report.findings)
        .filter(|f| f.outcome == Outcome::Blocking)
        .map(|f| json!({"check": f.kind, "subject": f.subject, "message": f.message, "rules": f.rules}))
        .collect()
}

/// Changes by action, for the audit row.
fn counts(plan: &Plan) -> Value {
    json!({
        "create": plan.count(ChangeAction::Create),
        "update": plan.count(ChangeAction::Update),
        "replace": plan.count(ChangeAction::Replace),
        "delete": plan.count(ChangeAction::Delete),
        "no_op": plan.count(ChangeAction::NoOp),
    })
}
