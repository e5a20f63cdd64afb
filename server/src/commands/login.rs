//! `signalbox login`: signs in once with a username and password, makes an API token for one of
//! the user's teams (with the user's role in it, named after this machine), signs out, and keeps
//! the server and the token in the user's configuration directory (`credentials.json`, mode 0600,
//! in a 0700 directory) for the commands that follow. The password is read without echo on a
//! terminal, or from standard input with `--password-stdin`; it is never stored.

use super::Failure;
use crate::remote;
use app::api::auth::{CreateTokenRequest, LoginRequest};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

/// What `login` keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// The server's URL.
    pub server: String,
    /// The API token.
    pub token: String,
    /// The team it acts in.
    pub team: String,
}

/// Who signs in.
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// The username; asked on the terminal when absent.
    #[arg(long)]
    pub username: Option<String>,
    /// Read the password from standard input (its first line), for scripts.
    #[arg(long)]
    pub password_stdin: bool,
    /// The team the token acts in, by name or id; the one the console opens in when absent.
    #[arg(long)]
    pub team: Option<String>,
}

/// Where the credentials are kept: `$XDG_CONFIG_HOME/signalbox/credentials.json`, else
/// `~/.config/signalbox/credentials.json`.
pub fn path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|home| PathBuf::from(home).join(".config"))
    })?;
    Some(base.join("signalbox").join("credentials.json"))
}

/// The kept credentials, when there are some.
pub fn load() -> Result<Option<Stored>, Failure> {
    let Some(path) = path() else { return Ok(None) };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Failure(format!("cannot read {}: {err}", path.display()))),
    };
    serde_json::from_str(&text).map(Some).map_err(|err| {
        Failure(format!("{} is not what signalbox login writes ({err}); run signalbox login again", path.display()))
    })
}

fn save(stored: &Stored) -> Result<PathBuf, Failure> {
    let path =
        path().ok_or_else(|| Failure("neither XDG_CONFIG_HOME nor HOME is set: nowhere to keep the token".into()))?;
    let cannot = |err: std::io::Error| Failure(format!("cannot write {}: {err}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(cannot)?;
    }
    let text = serde_json::to_string_pretty(stored).map_err(|err| Failure(format!("cannot write the token: {err}")))?;
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path).map_err(cannot)?;
    // A file that existed keeps its mode through `open`: make sure it is the owner's only.
    file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(cannot)?;
    file.write_all(text.as_bytes()).map_err(cannot)?;
    Ok(path)
}

/// Signs in at `server`, makes the token and keeps it; answers where.
pub async fn login(server: &str, args: &LoginArgs) -> Result<(Stored, PathBuf), Failure> {
    let username = match &args.username {
        Some(name) => name.clone(),
        None => ask("Username: ")?,
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|err| Failure(format!("cannot read the password: {err}")))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").map_err(|err| Failure(format!("cannot read the password: {err}")))?
    } else {
        return Err(Failure(
            "no terminal to ask the password on: pass --password-stdin and give it on standard input".into(),
        ));
    };
    let api = remote::session_api(server)?;
    let credentials = LoginRequest { username, password };
    let me = app::api::as_visitor(api.clone(), None, app::api::auth::login(&credentials)).await.map_err(|err| {
        if err.code() == app::api::ErrorCode::InvalidCredentials {
            Failure("the username or password is wrong".into())
        } else {
            err.into()
        }
    })?;
    let csrf = me.csrf_token.clone().unwrap_or_default();
    let team = match &args.team {
        Some(wanted) => me.teams.iter().find(|t| &t.team_name == wanted || &t.team_id.to_string() == wanted),
        None => me.home_team(),
    }
    .cloned()
    .ok_or_else(|| Failure(format!("--team: you are in no team \"{}\"", args.team.as_deref().unwrap_or_default())))?;
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "a terminal".into());
    let name = format!("signalbox CLI on {host}, {}", chrono::Utc::now().format("%Y-%m-%d"));
    let request = CreateTokenRequest { name, team_id: team.team_id, role: team.role };
    let created = app::api::as_visitor(api.clone(), None, app::api::auth::create_token(&request, &csrf)).await?;
    // The session was only the way to the token.
    let _ = app::api::as_visitor(api.clone(), None, app::api::auth::logout(&csrf)).await;
    let stored =
        Stored { server: server.trim().trim_end_matches('/').to_owned(), token: created.secret, team: team.team_name };
    let path = save(&stored)?;
    Ok((stored, path))
}

/// Asks a question on the terminal.
fn ask(question: &str) -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure("no terminal to ask on: pass --username".into()));
    }
    print!("{question}");
    std::io::stdout().flush().map_err(|err| Failure(format!("cannot ask: {err}")))?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|err| Failure(format!("cannot read the answer: {err}")))?;
    Ok(answer.trim().to_owned())
}
