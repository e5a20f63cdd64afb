//! `signalbox plan`: what applying a template to a compartment would change, as the console's
//! review shows it, with Terraform's `-detailed-exitcode`: 0 when nothing would change, 2 when
//! something would, 1 on an error or a plan that cannot be applied. A template file is pushed to
//! the library first (a new version only when it changed); a deployment of the same template on
//! the same connection and compartment is planned as an update of it, anything else as a new one.
//! `--out` saves the plan with its digest, so what is applied later is exactly what was reviewed.

use super::{Failure, Output, Session, print_json, ui};
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
    #[command(flatten)]
    pub target: TargetArgs,
    /// Save the plan to FILE, to apply exactly it later.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Where a template is planned and with which values (shared by `plan` and `apply TEMPLATE`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// The team's connection, by name or id (may be left out when the team has only one).
    #[arg(long, env = "SIGNALBOX_CONNECTION")]
    pub connection: Option<String>,
    /// The compartment: its OCID, or its name or path (`ops/alerts`) in the connection's tree.
    #[arg(long, env = "SIGNALBOX_COMPARTMENT")]
    pub compartment: Option<String>,
    /// A parameter value, `NAME=VALUE`; VALUE is read as JSON when it is JSON (`["a","b"]`,
    /// `42`, `true`) and as text otherwise. Repeat for each parameter.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// A JSON file of parameter values by name; `--param` overrides it.
    #[arg(long, value_name = "FILE")]
    pub params_file: Option<PathBuf>,
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

/// A plan made and what it was made in.
pub struct Planned {
    /// The plan, as `--out` saves it.
    pub saved: SavedPlan,
    /// The name of the deployment it changes, when it exists.
    pub deployment: Option<String>,
    /// The connection's name.
    pub connection: String,
}

impl Planned {
    /// Whether applying it would change something.
    pub fn changes(&self) -> bool {
        self.saved.review.plan.changes.iter().any(|c| c.action != ChangeAction::NoOp)
    }

    /// Refuses a plan the server says cannot be applied, naming its problems.
    pub fn check(&self) -> Result<(), Failure> {
        let problems = &self.saved.review.plan.problems;
        if problems.is_empty() {
            return Ok(());
        }
        Err(Failure(format!(
            "the plan cannot be applied: {}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        )))
    }

    /// Prints it for people or for scripts; `out` is where it was saved.
    pub fn print(&self, output: Output, out: Option<&Path>) -> Result<(), Failure> {
        match output {
            Output::Json => print_json(&self.saved),
            Output::Text => {
                print_plan(&self.saved, self.deployment.as_deref(), &self.connection, out);
                Ok(())
            }
        }
    }
}

/// Plans `args`, saves and prints the plan.
pub async fn plan(session: &Session, args: &PlanArgs, output: Output) -> Result<Verdict, Failure> {
    let planned = make(session, &args.template, &args.target).await?;
    if let Some(out) = &args.out {
        let text = serde_json::to_string_pretty(&planned.saved)
            .map_err(|err| Failure(format!("cannot write the plan: {err}")))?;
        std::fs::write(out, text).map_err(|err| Failure(format!("cannot write {}: {err}", out.display())))?;
    }
    planned.print(output, args.out.as_deref())?;
    planned.check()?;
    Ok(if planned.changes() { Verdict::Changes } else { Verdict::NoChanges })
}

/// Plans `template` (a file, pushed first, or a library template) in `target`.
pub async fn make(session: &Session, template: &str, target: &TargetArgs) -> Result<Planned, Failure> {
    let team = session.team.team_id;
    let compartment = target.compartment.as_deref().ok_or_else(|| {
        Failure("--compartment: say which compartment to plan in (its OCID, name or path such as ops/alerts)".into())
    })?;
    let (template_id, version) = template_of(session, template, &target.notes).await?;
    let connection = session.connection(target.connection.as_deref()).await?;
    let compartment = session.compartment(&connection, compartment).await?;
    let parameters = parameters(target)?;
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
    Ok(Planned { saved, deployment: existing.map(|d| d.name.clone()), connection: connection.name })
}

/// The template and version `template` names, pushing a file first (with `notes`).
async fn template_of(session: &Session, template: &str, notes: &str) -> Result<(i64, i64), Failure> {
    let path = Path::new(template);
    if path.is_file() {
        let pushed = super::template::push(session, path, notes).await?;
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
    let (name, version) = match template.rsplit_once('@') {
        Some((name, version)) => {
            let version = version.parse::<i64>().map_err(|_| {
                Failure(format!("TEMPLATE: \"{version}\" after @ is not a version number; write name@3"))
            })?;
            (name, Some(version))
        }
        None => (template, None),
    };
    let library = session.call(app::api::templates::list_templates(session.team.team_id)).await?;
    let found = library
        .iter()
        .find(|t| t.name == name || t.id.to_string() == name)
        .ok_or_else(|| Failure(format!("TEMPLATE: no file and no template in the library is called \"{name}\"")))?;
    Ok((found.id, version.unwrap_or(found.latest_version)))
}

/// The parameter values of `--params-file` and `--param`.
fn parameters(args: &TargetArgs) -> Result<BTreeMap<String, Value>, Failure> {
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
    ui::line(&ui::paint(
        ui::STRONG,
        &format!(
            "Plan: template \"{}\" version {} as {into}, {} through {connection}",
            review.template_name, review.version, saved.target.compartment_id
        ),
    ));
    ui::line("");
    for change in &review.plan.changes {
        print_change(change);
    }
    let count = |action| review.plan.changes.iter().filter(|c| c.action == action).count();
    ui::line("");
    ui::line(&ui::paint(
        ui::STRONG,
        &format!(
            "{} to create, {} to update, {} to replace, {} to delete, {} unchanged.",
            count(ChangeAction::Create),
            count(ChangeAction::Update),
            count(ChangeAction::Replace),
            count(ChangeAction::Delete),
            count(ChangeAction::NoOp)
        ),
    ));
    for warning in &review.plan.warnings {
        ui::line(&format!("{}: {warning}", ui::paint(ui::CHANGED, "warning")));
    }
    for problem in &review.plan.problems {
        ui::line(&format!("{}: {problem}", ui::paint(ui::REMOVED, "problem")));
    }
    if let Some(report) = &review.preflight {
        print_preflight(report);
    }
    if let Some(impact) = &review.impact {
        print_impact(impact);
    }
    if let Some(out) = out {
        ui::line(&format!("Saved to {} (digest {}).", out.display(), review.digest));
    }
}

/// The pre-flight findings that need attention, with what to do, and how many checks passed.
fn print_preflight(report: &app::api::preflight::PreflightReport) {
    use app::api::preflight::Outcome;
    ui::line("");
    let passed = report.count(Outcome::Pass);
    ui::line(&ui::paint(ui::STRONG, &format!("Pre-flight checks: {passed} passed.")));
    for finding in report.findings.iter().filter(|f| f.outcome != Outcome::Pass) {
        let style = match finding.outcome {
            Outcome::Blocking => ui::REMOVED,
            Outcome::Warning => ui::CHANGED,
            _ => ui::QUIET,
        };
        let label = finding.outcome.label().to_lowercase();
        ui::line(&format!("{}: {} — {}", ui::paint(style, &label), finding.subject, finding.message));
        if let Some(remedy) = &finding.remedy {
            for (what, text) in [("add", &remedy.statement), ("console", &remedy.console), ("cli", &remedy.cli)] {
                if let Some(text) = text {
                    ui::line(&format!("    {what}: {text}"));
                }
            }
        }
    }
    if report.is_blocked() {
        ui::line(
            "OCI is expected to refuse this plan; the apply is refused unless overridden with a reason (audited): \
             signalbox apply --override-preflight \"<reason>\".",
        );
    }
}

/// What each rule change would have done to the recent events: "+12 / −340 events a week".
fn print_impact(impact: &app::api::impact::PlanImpact) {
    ui::line("");
    let window = if impact.days == 7 { "a week".to_owned() } else { format!("{} days", impact.days) };
    ui::line(&ui::paint(
        ui::STRONG,
        &format!("Impact, replayed over {window} ({} events looked at):", impact.looked_at),
    ));
    for rule in &impact.rules {
        let reaches = if rule.reaches.is_empty() { String::new() } else { format!(" to {}", rule.reaches.join(", ")) };
        ui::line(&format!(
            "  {} ({}): what reaches{reaches} changes by +{} / −{} events ({} → {})",
            rule.rule, rule.action, rule.gained, rule.lost, rule.before, rule.after
        ));
    }
    if impact.replayed && impact.rules.is_empty() {
        ui::line("  No rule's condition changes.");
    }
    for unseen in &impact.unseen {
        ui::line(&format!("  {}: {unseen}", ui::paint(ui::QUIET, "not seen")));
    }
}

/// One resource's line of a plan, with the fields that change beneath an update or a replace.
pub(super) fn print_change(change: &Change) {
    let (mark, style) = match change.action {
        ChangeAction::Create => ("+", ui::ADDED),
        ChangeAction::Update => ("~", ui::CHANGED),
        ChangeAction::Replace => ("-/+", ui::REPLACED),
        ChangeAction::Delete => ("-", ui::REMOVED),
        ChangeAction::NoOp => ("=", ui::QUIET),
    };
    let reason = change.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    let text = format!("  {mark} {} {} {}{reason}", change.kind.as_str(), change.name, change.action.label());
    ui::line(&ui::paint(style, &text));
    if matches!(change.action, ChangeAction::Update | ChangeAction::Replace) {
        for field in &change.diff {
            ui::line(&format!("      {}: {} → {}", field.field, one_line(&field.before), one_line(&field.after)));
        }
    }
}

/// A field's value on one line (conditions come as formatted JSON).
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() { "(none)".to_owned() } else { joined }
}
