//! A deployment's life after the apply: `signalbox drift DEPLOYMENT` checks the cloud against it
//! now (exit 2 on drift, with what differs), `signalbox destroy DEPLOYMENT` plans deleting what it
//! owns, asks for its name (or takes `--auto-approve`), and applies that plan step by step.

use super::apply::{Ended, follow, print_finished};
use super::plan::print_change;
use super::{Failure, Output, Session, print_json};
use app::api::deployments::{ApplyDeploymentRequest, DeploymentPlanRequest, DeploymentSummary};
use app::model::deployment::DriftStatus;

/// How a drift check ended: the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// The cloud matches the deployment (exit 0).
    InSync,
    /// Something changed behind Signalbox's back (exit 2).
    Drifted,
}

/// The team's deployment named `wanted` (its name or id).
async fn find(session: &Session, wanted: &str) -> Result<DeploymentSummary, Failure> {
    let all = session.call(app::api::deployments::list_deployments(session.team.team_id)).await?;
    all.into_iter()
        .find(|d| d.name == wanted || d.id.to_string() == wanted)
        .ok_or_else(|| Failure(format!("DEPLOYMENT: team {} has no deployment \"{wanted}\"", session.team.team_name)))
}

/// `signalbox drift DEPLOYMENT`.
pub async fn drift(session: &Session, wanted: &str, output: Output) -> Result<Drift, Failure> {
    let deployment = find(session, wanted).await?;
    let team = session.team.team_id;
    let detail = session.call(app::api::deployments::check_drift(team, deployment.id, "")).await?;
    if output == Output::Json {
        print_json(&detail)?;
    } else {
        match detail.summary.drift {
            DriftStatus::InSync => println!("Deployment \"{}\" is in sync with the cloud.", deployment.name),
            DriftStatus::Drifted => {
                println!("Deployment \"{}\" has drifted; applying it again would:", deployment.name);
                let changes = detail.drift.iter().flat_map(|plan| &plan.changes);
                for change in changes.filter(|c| c.action != app::template::plan::ChangeAction::NoOp) {
                    print_change(change);
                }
            }
            _ => {}
        }
    }
    match detail.summary.drift {
        DriftStatus::InSync => Ok(Drift::InSync),
        DriftStatus::Drifted => Ok(Drift::Drifted),
        DriftStatus::Failed | DriftStatus::Unknown => Err(Failure(format!(
            "the drift of \"{}\" could not be checked: the cloud could not be read",
            deployment.name
        ))),
    }
}

/// `signalbox destroy DEPLOYMENT`.
pub async fn destroy(session: &Session, wanted: &str, auto_approve: bool, output: Output) -> Result<Ended, Failure> {
    let deployment = find(session, wanted).await?;
    let team = session.team.team_id;
    let plan = DeploymentPlanRequest { destroy: true, ..DeploymentPlanRequest::default() };
    let review = session.call(app::api::deployments::plan_deployment(team, deployment.id, &plan, "")).await?;
    if output == Output::Text || !auto_approve {
        println!("Destroying deployment \"{}\" would:", deployment.name);
        for change in &review.plan.changes {
            print_change(change);
        }
    }
    let refusal = "destroy asks for the deployment's name on a terminal; pass --auto-approve in scripts";
    if !auto_approve && !super::confirm("Type the deployment's name to destroy it: ", &deployment.name, refusal)? {
        return Err(Failure(format!("not destroyed: the name typed was not \"{}\"", deployment.name)));
    }
    let request = ApplyDeploymentRequest { plan, digest: review.digest, override_preflight: None };
    let started = session.call(app::api::deployments::apply_deployment(team, deployment.id, &request, "")).await?;
    let finished = tokio::select! {
        finished = follow(session, started.clone(), output) => finished?,
        _ = tokio::signal::ctrl_c() => return Ok(super::apply::detached(team, &started)),
    };
    print_finished(&finished, output)
}
