//! `signalbox audit tail`: the newest entries of the team's audit trail through the server's API,
//! oldest first, one line each; `--follow` keeps printing new ones as they are written.
//! `signalbox audit export`: the filtered trail as CSV or JSON Lines (the console's export), to a
//! file or standard output, streamed as it comes.

use super::{Failure, Output, Session};
use app::api::audit::{AuditEntry, AuditFilter};
use std::path::PathBuf;
use std::time::Duration;

/// How often `--follow` looks for new entries.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Which entries.
#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// How many of the newest entries to print first (at most one page, 50).
    #[arg(long, short = 'n', default_value_t = 20)]
    pub lines: usize,
    /// Keep printing entries as they are written, until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Which entries, for `tail` and `export` alike.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only this action (`rule.update`), or every action on a kind (`rule.`).
    #[arg(long)]
    pub action: Option<String>,
    /// Only this actor (a username).
    #[arg(long)]
    pub actor: Option<String>,
    /// Only `ok` or `failed` entries.
    #[arg(long)]
    pub result: Option<String>,
    /// Words to find in names, OCIDs, details and the before/after JSON.
    #[arg(long, short = 'q')]
    pub query: Option<String>,
}

impl FilterArgs {
    /// The API's filter of the team's entries.
    fn of_team(&self, team: i64) -> AuditFilter {
        AuditFilter {
            team: Some(team),
            action: self.action.clone(),
            actor: self.actor.clone(),
            result: self.result.clone(),
            q: self.query.clone(),
            ..AuditFilter::default()
        }
    }
}

/// What to export, and where.
#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// `csv` (for spreadsheets; cells that would run as formulas are quoted) or `jsonl`.
    #[arg(long, value_parser = ["csv", "jsonl"], default_value = "csv")]
    pub format: String,
    /// Write to FILE (standard output when absent).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub to: Option<PathBuf>,
    /// From this time on (RFC 3339, or a day `2026-11-01`).
    #[arg(long)]
    pub from: Option<String>,
    /// Before this time (RFC 3339, or a day: up to its end).
    #[arg(long)]
    pub until: Option<String>,
    /// Only the history of this target (an OCID or id).
    #[arg(long)]
    pub target: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `signalbox audit export`: the team's entries (newest first, up to the server's export limit).
pub async fn export(session: &Session, args: &ExportArgs) -> Result<(), Failure> {
    let filter = AuditFilter {
        from: args.from.clone(),
        to: args.until.clone(),
        target: args.target.clone(),
        ..args.filter.of_team(session.team.team_id)
    };
    let url = app::api::audit::export_url(&filter, &args.format);
    match &args.to {
        None => session.download(&url, &mut std::io::stdout().lock()).await.map(drop),
        Some(path) => {
            // Written next to the target and renamed over it once whole, so a failed export never
            // leaves a truncated file where the last good one was.
            let partial = path.with_extension(format!("{}.partial", args.format));
            let file = std::fs::File::create(&partial)
                .map_err(|err| Failure(format!("--to {}: cannot create it: {err}", path.display())))?;
            let mut sink = std::io::BufWriter::new(file);
            let written = match session.download(&url, &mut sink).await {
                Ok(written) => written,
                Err(failure) => {
                    drop(sink);
                    let _ = std::fs::remove_file(&partial);
                    return Err(failure);
                }
            };
            drop(sink);
            std::fs::rename(&partial, path)
                .map_err(|err| Failure(format!("--to {}: cannot write it: {err}", path.display())))?;
            eprintln!("signalbox: wrote {written} bytes to {}", path.display());
            Ok(())
        }
    }
}

/// `signalbox audit tail`.
pub async fn tail(session: &Session, args: &TailArgs, output: Output) -> Result<(), Failure> {
    let filter = args.filter.of_team(session.team.team_id);
    let page = session.call(app::api::audit::list_audit(&filter, None)).await?;
    let mut newest = page.entries.first().map_or(0, |e| e.id);
    let mut first: Vec<&AuditEntry> = page.entries.iter().take(args.lines).collect();
    first.reverse();
    for entry in first {
        print(entry, output)?;
    }
    if !args.follow {
        return Ok(());
    }
    // One listener for the whole follow: a Ctrl-C that came while a look was on its way would be
    // lost to a listener made anew for each wait, and the follow would never end.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let look = async {
            tokio::time::sleep(FOLLOW_EVERY).await;
            session.call(app::api::audit::list_audit(&filter, None)).await
        };
        let page = tokio::select! {
            page = look => page?,
            _ = &mut interrupted => return Ok(()),
        };
        let mut fresh: Vec<&AuditEntry> = page.entries.iter().filter(|e| e.id > newest).collect();
        fresh.reverse();
        for entry in fresh {
            print(entry, output)?;
            newest = newest.max(entry.id);
        }
    }
}

/// One entry: a JSON line for scripts, or time, result, actor, action and target for people.
fn print(entry: &AuditEntry, output: Output) -> Result<(), Failure> {
    if output == Output::Json {
        let line = serde_json::to_string(entry).map_err(|err| Failure(format!("cannot write JSON: {err}")))?;
        println!("{line}");
        return Ok(());
    }
    let target = entry.target_name.as_deref().or(entry.target_id.as_deref()).unwrap_or("");
    let result = if entry.ok { "ok" } else { "FAILED" };
    let detail = entry.detail.as_deref().filter(|_| !entry.ok).map(|d| format!(": {d}")).unwrap_or_default();
    println!(
        "{}  {result:<6}  {:<12}  {:<22}  {target}{detail}",
        entry.at.format("%Y-%m-%d %H:%M:%S"),
        entry.actor_name,
        entry.action
    );
    Ok(())
}
