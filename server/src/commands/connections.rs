//! `signalbox connections import`: makes a team connection from a profile of an OCI config file,
//! as the console's upload does, with the same checks (made by the server): the file's text and
//! the profile name, the profile's key beside it (and a session profile's token). The key of an
//! encrypted file needs its pass phrase: from `--passphrase-env VAR`, else the profile's
//! `pass_phrase`, else asked without echo on a terminal. The pass phrase and the key go to the
//! server only, which keeps them sealed; nothing is printed of them.

use super::{Failure, Output, Session, print_json};
use crate::oci::config::ConfigFile;
use app::api::connections::{CreateConnectionRequest, CredentialSource};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Which profile of which file.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The OCI config file; `~/.oci/config` when absent.
    #[arg(long, value_name = "FILE")]
    pub oci_config: Option<PathBuf>,
    /// The profile.
    #[arg(long, default_value = "DEFAULT")]
    pub profile: String,
    /// The connection's name in the team; the profile's name when absent.
    #[arg(long)]
    pub name: Option<String>,
    /// The environment variable holding the key's pass phrase.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// Imports the profile and prints the connection made.
pub async fn import(session: &Session, args: &ImportArgs, output: Output) -> Result<(), Failure> {
    let path = match &args.oci_config {
        Some(path) => path.clone(),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".oci").join("config"))
            .ok_or_else(|| Failure("--oci-config: HOME is not set; name the file".into()))?,
    };
    let config = ConfigFile::load(&path).map_err(|err| Failure(err.to_string()))?;
    let profile = config.profile(&args.profile).map_err(|err| Failure(err.to_string()))?;
    let text =
        std::fs::read_to_string(&path).map_err(|err| Failure(format!("cannot read {}: {err}", path.display())))?;
    let key = std::fs::read_to_string(&profile.key_file)
        .map_err(|err| Failure(format!("cannot read the profile's key_file {}: {err}", profile.key_file.display())))?;
    let security_token = match &profile.security_token_file {
        Some(file) => {
            let file = expand_home(file);
            let token = std::fs::read_to_string(&file).map_err(|err| {
                Failure(format!("cannot read the profile's security_token_file {}: {err}", file.display()))
            })?;
            Some(token.trim().to_owned())
        }
        None => None,
    };
    let pass_phrase = match &args.passphrase_env {
        Some(var) => Some(std::env::var(var).map_err(|_| Failure(format!("--passphrase-env: {var} is not set")))?),
        None if key.contains("ENCRYPTED") && profile.pass_phrase.is_none() => {
            if !std::io::stdin().is_terminal() {
                return Err(Failure(
                    "the key is encrypted: pass --passphrase-env VAR, or run on a terminal to be asked".into(),
                ));
            }
            let prompt = format!("Pass phrase of {}: ", profile.key_file.display());
            Some(
                rpassword::prompt_password(prompt)
                    .map_err(|err| Failure(format!("cannot read the pass phrase: {err}")))?,
            )
        }
        None => None,
    };
    let request = CreateConnectionRequest {
        name: args.name.clone().unwrap_or_else(|| args.profile.clone()),
        source: CredentialSource::ConfigFile { config: text, profile: args.profile.clone() },
        private_key: key,
        pass_phrase,
        security_token,
    };
    let team = session.team.team_id;
    let created = session.call(app::api::connections::create_connection(team, &request, "")).await?;
    if output == Output::Json {
        return print_json(&created);
    }
    println!(
        "Imported connection \"{}\" (id {}) into team {}: tenancy {}, region {}.",
        created.name, created.id, session.team.team_name, created.tenancy, created.region
    );
    Ok(())
}

/// `~/x` as a path under the home directory.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
