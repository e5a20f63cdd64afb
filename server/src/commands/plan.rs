//! `signalbox plan`: what applying a template to a compartment would change, as the console's
//! review shows it, with Terraform's `-detailed-exitcode`: 0 when nothing would change, 2 when
//! something would, 1 on an error or a plan that cannot be applied. A template file is pushed to
//! the library first (a new version only when it changed); a deployment of the same template on
//! the same connection and compartment is planned as an update of it, anything else as a new one.
//! `--out` saves the plan with its digest, so what is applied later is exactly what was reviewed.

use super::{Failure, Output, Session, print_json};
use app::api::deployments::{DeploymentPlanRequest, NewDeploymentPlanRequest, PlanReview};
use app::template::plan::{Change, ChangeAction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format of a saved plan.
pub const PLAN_FORMAT: &str = "signalbox.plan/v1";

/// What to plan.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// A template file (pushed to the library first, as a new version when it changed), or a
    /// library template by name or id, with `@VERSION` for one version (the newest otherwise).
    pub template: String,
    /// The team's connection, by name or id (may be left out when the team has only one).
    #[arg(long, env = "SIGNALBOX_CONNECTION")]
    pub connection: Option<String>,
    /// The compartment: its OCID, or its name or path (`ops/alerts`) in the connection's tree.
    #[arg(long, env = "SIGNALBOX_COMPARTMENT")]
    pub compartment: String,
    /// A parameter value, `NAME=VALUE`; VALUE is read as JSON when it is JSON (`["a","b"]`,
    /// `42`, `true`) and as text otherwise. Repeat for each parameter.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// A JSON file of parameter values by name; `--param` overrides it.
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
    /// Save the plan to FILE, to apply exactly it later.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Notes for the new version, when a changed file is published.
    #[arg(long, default_value = "")]
    pub notes: String,
}

/// A saved plan: what was planned, the review, and its digest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    /// [`PLAN_FORMAT`].
    pub format: String,
    /// The team it was planned in.
    pub team_id: i64,
    /// The deployment it changes, when it exists.
    pub deployment_id: Option<i64>,
    /// What was planned.
    pub target: NewDeploymentPlanRequest,
    /// The review, with the digest an apply must name.
    pub review: PlanReview,
}

/// How a plan ends: the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing would change (exit 0).
    NoChanges,
    /// Something would change (exit 2).
    Changes,
}

/// Plans `args` and prints the plan.
pub async fn plan(session: &Session, args: &PlanArgs, output: Output) -> Result<Verdict, Failure> {
    let team = session.team.team_id;
    let (template_id, version) = template_of(session, args).await?;
    let connection = session.connection(args.connection.as_deref()).await?;
    let compartment = session.compartment(&connection, &args.compartment).await?;
    let parameters = parameters(args)?;
    let target = NewDeploymentPlanRequest {
        template_id,
        version,
        connection_id: connection.id,
        compartment_id: compartment.clone(),
        parameters: parameters.clone(),
    };
    let deployments = session.call(app::api::deployments::list_deployments(team)).await?;
    let existing = deployments
        .iter()
        .find(|d| d.template_id == template_id && d.connection_id == connection.id && d.compartment_id == compartment);
    let review = match existing {
        Some(deployment) => {
            let request =
                DeploymentPlanRequest { version: Some(version), parameters: Some(parameters), destroy: false };
            session.call(app::api::deployments::plan_deployment(team, deployment.id, &request, "")).await?
        }
        None => session.call(app::api::deployments::plan_new_deployment(team, &target, "")).await?,
    };
    let saved = SavedPlan {
        format: PLAN_FORMAT.to_owned(),
        team_id: team,
        deployment_id: existing.map(|d| d.id),
        target,
        review,
    };
    if let Some(out) = &args.out {
        let text =
            serde_json::to_string_pretty(&saved).map_err(|err| Failure(format!("cannot write the plan: {err}")))?;
        std::fs::write(out, text).map_err(|err| Failure(format!("cannot write {}: {err}", out.display())))?;
    }
    match output {
        Output::Json => print_json(&saved)?,
        Output::Text => print_plan(&saved, existing.map(|d| d.name.as_str()), &connection.name, args.out.as_deref()),
    }
    let plan = &saved.review.plan;
    if !plan.problems.is_empty() {
        return Err(Failure(format!(
            "the plan cannot be applied: {}",
            plan.problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        )));
    }
    let changes = plan.changes.iter().any(|c| c.action != ChangeAction::NoOp);
    Ok(if changes { Verdict::Changes } else { Verdict::NoChanges })
}

/// The template and version `args.template` names, pushing a file first.
async fn template_of(session: &Session, args: &PlanArgs) -> Result<(i64, i64), Failure> {
    let path = Path::new(&args.template);
    if path.is_file() {
        let pushed = super::template::push(session, path, &args.notes).await?;
        let verb = match pushed.outcome {
            super::template::Outcome::Created => Some("created"),
            super::template::Outcome::Published => Some("published"),
            super::template::Outcome::Unchanged => None,
        };
        if let Some(verb) = verb {
            eprintln!(
                "signalbox: {verb} template \"{}\" version {}",
                pushed.detail.template.name, pushed.detail.template.latest_version
            );
        }
        return Ok((pushed.detail.template.id, pushed.detail.template.latest_version));
    }
    let (name, version) = match args.template.rsplit_once('@') {
        Some((name, version)) => {
            let version = version.parse::<i64>().map_err(|_| {
                Failure(format!("TEMPLATE: \"{version}\" after @ is not a version number; write name@3"))
            })?;
            (name, Some(version))
        }
        None => (args.template.as_str(), None),
    };
    let library = session.call(app::api::templates::list_templates(session.team.team_id)).await?;
    let found = library
        .iter()
        .find(|t| t.name == name || t.id.to_string() == name)
        .ok_or_else(|| Failure(format!("TEMPLATE: no file and no template in the library is called \"{name}\"")))?;
    Ok((found.id, version.unwrap_or(found.latest_version)))
}

/// The parameter values of `--params-file` and `--param`.
fn parameters(args: &PlanArgs) -> Result<BTreeMap<String, Value>, Failure> {
    let mut values = BTreeMap::new();
    if let Some(file) = &args.params_file {
        let text =
            std::fs::read_to_string(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
        values = serde_json::from_str(&text).map_err(|err| {
            Failure(format!("--params-file {}: not a JSON object of values by name: {err}", file.display()))
        })?;
    }
    for given in &args.params {
        let (name, value) = given
            .split_once('=')
            .ok_or_else(|| Failure(format!("--param \"{given}\": write NAME=VALUE, such as prefix=prod")))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        values.insert(name.trim().to_owned(), value);
    }
    Ok(values)
}

/// The plan for people: one line per resource, the fields that change beneath, then the totals.
fn print_plan(saved: &SavedPlan, deployment: Option<&str>, connection: &str, out: Option<&Path>) {
    let review = &saved.review;
    let into = match deployment {
        Some(name) => format!("deployment \"{name}\""),
        None => "a new deployment".to_owned(),
    };
    println!(
        "Plan: template \"{}\" version {} as {into}, {} through {connection}",
        review.template_name, review.version, saved.target.compartment_id
    );
    println!();
    for change in &review.plan.changes {
        print_change(change);
    }
    let count = |action| review.plan.changes.iter().filter(|c| c.action == action).count();
    println!();
    println!(
        "{} to create, {} to update, {} to replace, {} to delete, {} unchanged.",
        count(ChangeAction::Create),
        count(ChangeAction::Update),
        count(ChangeAction::Replace),
        count(ChangeAction::Delete),
        count(ChangeAction::NoOp)
    );
    for warning in &review.plan.warnings {
        println!("warning: {warning}");
    }
    for problem in &review.plan.problems {
        println!("problem: {problem}");
    }
    if let Some(out) = out {
        println!("Saved to {} (digest {}).", out.display(), review.digest);
    }
}

/// One resource's line of a plan, with the fields that change beneath an update or a replace.
pub(super) fn print_change(change: &Change) {
    let mark = match change.action {
        ChangeAction::Create => "+",
        ChangeAction::Update => "~",
        ChangeAction::Replace => "-/+",
        ChangeAction::Delete => "-",
        ChangeAction::NoOp => "=",
    };
    let reason = change.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    println!("  {mark} {} {} {}{reason}", change.kind.as_str(), change.name, change.action.label());
    if matches!(change.action, ChangeAction::Update | ChangeAction::Replace) {
        for field in &change.diff {
            println!("      {}: {} → {}", field.field, one_line(&field.before), one_line(&field.after));
        }
    }
}

/// A field's value on one line (conditions come as formatted JSON).
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() { "(none)".to_owned() } else { joined }
}
