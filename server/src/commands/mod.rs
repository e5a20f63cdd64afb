//! The `signalbox` commands that work on a running server through its API (pipelines as code:
//! push, plan, apply, drift, destroy; quick looks; the audit trail; connections) and the ones
//! that need no server at all (checking a template file). Each prints for people (`--output
//! text`: aligned columns, colours and progress bars only on a terminal, see [`ui`]) or for
//! scripts (`--output json`, the API's own shapes, stable across releases), and ends with a
//! documented exit code:
//!
//! - 0: done (`plan`: nothing would change);
//! - 1: failed (the server refused, could not be reached, the input has problems, or the command
//!   line cannot be read); one line on standard error says what and what to do;
//! - 2: `plan`: something would change (Terraform's `-detailed-exitcode`); `drift`: the cloud
//!   differs from the deployment;
//! - 130: `apply` and `destroy`: Ctrl-C stopped watching (the run goes on on the server).

pub mod apply;
pub mod audit;
pub mod connections;
pub mod deployment;
pub mod login;
pub mod look;
pub mod plan;
pub mod template;
pub mod ui;

use crate::remote;
use app::api::ApiError;
use app::api::auth::TeamMembership;
use app::api::connections::Connection;
use app::model::ocid::Ocid;
use serde::Serialize;
use std::process::ExitCode;

/// How results are printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    #[default]
    Text,
    /// JSON for scripts: the API's own shapes.
    Json,
}

/// Why a command failed: printed as one line on standard error, exit code 1.
#[derive(Debug)]
pub struct Failure(pub String);

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        let mut text = err.body.message;
        if let Some(field) = err.body.field {
            text = format!("{field}: {text}");
        }
        Self(text)
    }
}

impl From<remote::RemoteError> for Failure {
    fn from(err: remote::RemoteError) -> Self {
        Self(err.to_string())
    }
}

impl From<remote::DownloadError> for Failure {
    fn from(err: remote::DownloadError) -> Self {
        match err {
            remote::DownloadError::Api(err) => err.into(),
            other => Self(other.to_string()),
        }
    }
}

impl Failure {
    /// Prints the failure and answers exit code 1.
    pub fn exit(self) -> ExitCode {
        eprintln!("signalbox: error: {}", self.0);
        ExitCode::FAILURE
    }
}

/// Where a command works: the server's API, as the team the token acts in.
pub struct Session {
    api: app::api::InProcessApi,
    server: String,
    token: String,
    /// The team the token acts in.
    pub team: TeamMembership,
}

impl Session {
    /// Reaches the server at `server` with `token` and learns the token's team.
    pub async fn open(server: &str, token: &str) -> Result<Self, Failure> {
        if token.trim().is_empty() {
            return Err(Failure(
                "no API token: pass --token, set SIGNALBOX_TOKEN, or run signalbox login (Settings → API tokens \
                 makes one too)"
                    .into(),
            ));
        }
        let api = remote::api(server, token)?;
        let me = app::api::as_visitor(api.clone(), None, app::api::auth::get_me()).await.map_err(|err| {
            if err.code() == app::api::ErrorCode::Unauthenticated {
                Failure(format!(
                    "the server at {server} does not accept this API token (revoked, expired, or its owner's account \
                     changed); make a new one in Settings → API tokens"
                ))
            } else {
                err.into()
            }
        })?;
        let team = me.teams.into_iter().next().ok_or_else(|| Failure("the token acts in no team".into()))?;
        Ok(Self { api, server: server.to_owned(), token: token.to_owned(), team })
    }

    /// Streams the answer to `GET {path}` (`/api/v1/...`) into `sink`, for answers too large for
    /// the typed client.
    pub async fn download(&self, path: &str, sink: &mut impl std::io::Write) -> Result<u64, Failure> {
        Ok(remote::download(&self.server, &self.token, path, sink).await?)
    }

    /// Runs calls of the typed client against the server.
    pub async fn call<F: Future>(&self, calls: F) -> F::Output {
        app::api::as_visitor(self.api.clone(), None, calls).await
    }

    /// The team's connection named `wanted` (its name or id), or its only one when none is named.
    pub async fn connection(&self, wanted: Option<&str>) -> Result<Connection, Failure> {
        let all = self.call(app::api::connections::list_connections(self.team.team_id)).await?;
        let names = || all.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        match wanted.map(str::trim) {
            Some(wanted) => {
                all.iter().find(|c| c.name == wanted || c.id.to_string() == wanted).cloned().ok_or_else(|| {
                    Failure(format!(
                        "--connection: team {} has no connection \"{wanted}\"; it has {}",
                        self.team.team_name,
                        names()
                    ))
                })
            }
            None if all.len() == 1 => Ok(all[0].clone()),
            None => Err(Failure(format!("--connection: say which connection: {}", names()))),
        }
    }

    /// The compartment `wanted` names on `connection`: an OCID as it is, else a name or path
    /// (`ops/alerts`) looked up in its compartment tree.
    pub async fn compartment(&self, connection: &Connection, wanted: &str) -> Result<String, Failure> {
        let wanted = wanted.trim();
        if Ocid::parse_of(wanted, &["compartment", "tenancy"]).is_some() {
            return Ok(wanted.to_owned());
        }
        let tree = self.call(app::api::connections::list_compartments(self.team.team_id, connection.id)).await?;
        let found: Vec<_> = tree.iter().filter(|c| c.path == wanted || c.name == wanted).collect();
        match found.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => Err(Failure(format!(
                "--compartment: connection {} has no compartment \"{wanted}\"; give its OCID or its path (such as ops/alerts)",
                connection.name
            ))),
            many => Err(Failure(format!(
                "--compartment: \"{wanted}\" names {} compartments ({}); give the path or the OCID",
                many.len(),
                many.iter().map(|c| c.path.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }
}

/// Asks `question` on the terminal and answers whether the reply was `expected`; without a
/// terminal to ask on, fails with `refusal` (which names the flag scripts pass instead).
pub fn confirm(question: &str, expected: &str, refusal: &str) -> Result<bool, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return Err(Failure(refusal.to_owned()));
    }
    print!("{question}");
    std::io::stdout().flush().map_err(|err| Failure(format!("cannot ask: {err}")))?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|err| Failure(format!("cannot read the answer: {err}")))?;
    Ok(answer.trim() == expected)
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|err| Failure(format!("cannot write JSON: {err}")))?;
    println!("{text}");
    Ok(())
}

/// Prints rows under a header, each column as wide as its widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}
