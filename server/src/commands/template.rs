//! `signalbox template validate FILE`: the checks the console runs on a template, offline, each
//! problem with its path in the document (`rules[0].actions[1].topic`), so a pull request can be
//! checked before anyone plans it.

use super::{Failure, Output, print_json};
use app::template::{Problem, Template};
use serde::Serialize;
use std::path::Path;

/// What `--output json` prints.
#[derive(Debug, Serialize)]
struct Verdict<'a> {
    file: String,
    valid: bool,
    problems: &'a [Problem],
}

/// Checks the template in `file`; `Ok(false)` when it has problems (exit code 1).
pub fn validate(file: &Path, output: Output) -> Result<bool, Failure> {
    let text =
        std::fs::read_to_string(file).map_err(|err| Failure(format!("cannot read {}: {err}", file.display())))?;
    let shown = file.display().to_string();
    let (template, problems) = match Template::parse(&text) {
        Ok(template) => (Some(template), Vec::new()),
        Err(problems) => (None, problems),
    };
    match output {
        Output::Json => print_json(&Verdict { file: shown, valid: problems.is_empty(), problems: &problems })?,
        Output::Text => match &template {
            Some(t) => println!(
                "{shown}: a valid template, \"{}\": {} parameters, {} topics, {} subscriptions, {} rules",
                t.name,
                t.parameters.len(),
                t.topics.len(),
                t.subscriptions.len(),
                t.rules.len()
            ),
            None => {
                for problem in &problems {
                    println!("{shown}: {}: {}", problem.field, problem.message);
                }
                let plural = if problems.len() == 1 { "" } else { "s" };
                eprintln!("signalbox: {shown} has {} problem{plural}", problems.len());
            }
        },
    }
    Ok(problems.is_empty())
}
