//! Templates as files: `signalbox template validate FILE` runs the checks the console runs, offline,
//! each problem with its path in the document (`rules[0].actions[1].topic`), so a pull request can
//! be checked before anyone plans it; `signalbox template push FILE` puts the file in the team's
//! library: a new template, a new version when the content changed, nothing when it did not.

use super::{Failure, Output, Session, print_json};
use app::api::templates::{CreateTemplateRequest, PublishVersionRequest, TemplateDetail, TemplateSource};
use app::template::{Problem, Template};
use serde::Serialize;
use std::path::Path;

/// What `validate --output json` prints.
#[derive(Debug, Serialize)]
struct Verdict<'a> {
    file: String,
    valid: bool,
    problems: &'a [Problem],
}

/// A template file read and checked: the template, or its problems.
fn read(file: &Path) -> Result<Result<Template, Vec<Problem>>, Failure> {
    let text =
        std::fs::read_to_string(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    Ok(Template::parse(&text))
}

/// Prints each problem on its own line, prefixed with the file, and their count on standard error.
fn print_problems(file: &Path, problems: &[Problem]) {
    let shown = file.display();
    for problem in problems {
        println!("{shown}: {}: {}", problem.field, problem.message);
    }
    let plural = if problems.len() == 1 { "" } else { "s" };
    eprintln!("signalbox: {shown} has {} problem{plural}", problems.len());
}

/// Checks the template in `file`; `Ok(false)` when it has problems (exit code 1).
pub fn validate(file: &Path, output: Output) -> Result<bool, Failure> {
    let read = read(file)?;
    let problems = read.as_ref().err().cloned().unwrap_or_default();
    match (output, &read) {
        (Output::Json, _) => {
            let file = file.display().to_string();
            print_json(&Verdict { file, valid: problems.is_empty(), problems: &problems })?;
        }
        (Output::Text, Ok(t)) => println!(
            "{}: a valid template, \"{}\": {} parameters, {} topics, {} subscriptions, {} rules",
            file.display(),
            t.name,
            t.parameters.len(),
            t.topics.len(),
            t.subscriptions.len(),
            t.rules.len()
        ),
        (Output::Text, Err(problems)) => print_problems(file, problems),
    }
    Ok(problems.is_empty())
}

/// What `push` did to the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A new template, version 1.
    Created,
    /// A new version of the team's template of that name.
    Published,
    /// The newest version already had this document.
    Unchanged,
}

/// What `push` did.
#[derive(Debug, Serialize)]
pub struct Pushed {
    /// What happened.
    pub outcome: Outcome,
    /// The template and its versions as the library has them now.
    pub detail: TemplateDetail,
}

/// Puts the template in `file` in the team's library, found by its name: creates it, publishes a
/// new version with `notes` when the document differs from the newest one, or changes nothing.
pub async fn push(session: &Session, file: &Path, notes: &str) -> Result<Pushed, Failure> {
    let template = match read(file)? {
        Ok(template) => template,
        Err(problems) => {
            print_problems(file, &problems);
            return Err(Failure(format!("{} was not pushed: fix its problems first", file.display())));
        }
    };
    let team = session.team.team_id;
    let library = session.call(app::api::templates::list_templates(team)).await?;
    let own = library.iter().find(|t| t.team_id == team && t.name == template.name);
    let Some(own) = own else {
        let request = CreateTemplateRequest {
            name: template.name.clone(),
            visibility: Default::default(),
            source: TemplateSource::Document(template),
        };
        let detail = session.call(app::api::templates::create_template(team, &request, "")).await?;
        return Ok(Pushed { outcome: Outcome::Created, detail });
    };
    let current = session.call(app::api::templates::get_template(team, own.id)).await?;
    if current.document == template {
        return Ok(Pushed { outcome: Outcome::Unchanged, detail: current });
    }
    let request = PublishVersionRequest { document: template, notes: notes.to_owned() };
    let detail = session.call(app::api::templates::publish_version(team, own.id, &request, "")).await?;
    Ok(Pushed { outcome: Outcome::Published, detail })
}

/// Prints what `push` did.
pub fn print_pushed(pushed: &Pushed, output: Output) -> Result<(), Failure> {
    if output == Output::Json {
        return print_json(pushed);
    }
    let t = &pushed.detail.template;
    let what = match pushed.outcome {
        Outcome::Created => "created",
        Outcome::Published => "published a new version of",
        Outcome::Unchanged => "no change to",
    };
    println!("{what} template \"{}\" (id {}): version {}", t.name, t.id, t.latest_version);
    Ok(())
}
