//! The `signalbox` command line: parses flags (and their `SIGNALBOX_*` environment twins) into a
//! typed [`Config`] and runs the chosen subcommand.

use crate::Application;
use crate::audit::chain::Checkpoint;
use crate::config::{Config, DEFAULT_MAX_BODY_BYTES, LogFormat};
use crate::netaddr::Cidr;
use crate::sandbox::standalone::{self, TrustedKey};
use crate::telemetry;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// What `signalbox --help` says about exit codes, for scripts and CI.
const EXIT_CODES: &str = "Exit codes:
  0    done (plan: nothing would change; apply, destroy: every step succeeded; drift: in sync)
  1    failed; one line on standard error says what and what to do
  2    plan: something would change; drift: the cloud differs from the deployment;
       migrate --check: migrations would run
  130  apply, destroy: Ctrl-C stopped watching (the run goes on on the server)

Commands that work through a server take --server/SIGNALBOX_URL and --token/SIGNALBOX_TOKEN, or
what `signalbox login` kept.";

/// The command line: `serve` (the default) and the other commands.
#[derive(Debug, Parser)]
#[command(
    name = "signalbox",
    version,
    about = "Signalbox: a console for event-driven pipelines on Oracle Cloud Infrastructure.",
    args_conflicts_with_subcommands = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Log format on standard output.
    #[arg(long, global = true, env = "SIGNALBOX_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// What to run; `serve` when omitted.
    #[command(subcommand)]
    command: Option<Command>,
    /// `serve` options, accepted without the subcommand name too.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web console and its API (the default).
    Serve(ServeArgs),
    /// Run only the OCI sandbox, for OCI SDKs, the OCI CLI and scripts; prints its base URL.
    Sandbox(SandboxArgs),
    /// Inspect the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Look at a compartment's rules, through a server's API.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Look at a compartment's topics, through a server's API.
    #[command(subcommand)]
    Topics(LookCommand),
    /// Work with template files.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Work with the team's OCI connections.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Look at the compartments a connection reaches, with the paths --compartment takes.
    #[command(subcommand)]
    Compartments(CompartmentsCommand),
    /// Show what applying a template to a compartment would change; exit code 0 when nothing
    /// would, 2 when something would, 1 on an error.
    Plan {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        plan: crate::commands::plan::PlanArgs,
    },
    /// Apply exactly a plan saved by `signalbox plan --out`, or plan a template and apply it
    /// (after a "yes", or with --auto-approve), printing each step as it ends; exit code 0 only
    /// when every step succeeded. Ctrl-C stops watching, not the run.
    Apply {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        apply: crate::commands::apply::ApplyArgs,
    },
    /// Check a deployment against the cloud now; exit code 0 when in sync, 2 when it drifted
    /// (with what applying it again would change), 1 when it cannot be checked.
    Drift {
        #[command(flatten)]
        client: ClientArgs,
        /// The deployment, by name or id.
        deployment: String,
    },
    /// Delete everything a deployment owns: shows the plan, asks for the deployment's name
    /// (unless --auto-approve), then applies it step by step.
    Destroy {
        #[command(flatten)]
        client: ClientArgs,
        /// The deployment, by name or id.
        deployment: String,
        /// Do not ask (for scripts and CI).
        #[arg(long)]
        auto_approve: bool,
    },
    /// Sign in with a username and password once, make an API token for one of your teams and
    /// keep it (with the server) in your configuration directory, mode 0600, for the commands
    /// that follow.
    Login {
        /// The Signalbox server's URL.
        #[arg(long, env = "SIGNALBOX_URL", default_value = DEFAULT_SERVER)]
        server: String,
        #[command(flatten)]
        login: crate::commands::login::LoginArgs,
    },
    /// Take a consistent copy of every database of a data directory into one file, while the
    /// server runs. The master key is left out (keep it apart); the command names it.
    Backup(BackupArgs),
    /// Restore a backup into a data directory after checking it (integrity, schema version, audit
    /// chain); refuses while a server runs on the directory.
    Restore(RestoreArgs),
    /// Bring a data directory's database to this version's schema (the server does it on start),
    /// keeping a copy of it from before; --check only says what would run (exit code 0 when
    /// nothing would, 2 when something would).
    Migrate(MigrateArgs),
    /// Ask a server on this machine whether it is up (GET /healthz), for container health checks;
    /// exit code 0 when it answers, 1 otherwise.
    Healthcheck {
        /// The server's --listen address (an unspecified address is asked on loopback).
        #[arg(long, env = "SIGNALBOX_LISTEN", default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
    },
    /// Print the shell completion script, for example `signalbox completions bash >
    /// /etc/bash_completion.d/signalbox`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List a compartment's rules as the console shows them (every page), with how fresh the
    /// list is.
    Ls {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        list: crate::commands::look::ListArgs,
    },
    /// Show one rule: its condition, actions and state.
    Show {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        show: crate::commands::look::ShowArgs,
    },
}

#[derive(Debug, Subcommand)]
enum CompartmentsCommand {
    /// List the compartments a connection reaches, in tree order, with their paths and OCIDs.
    Ls {
        #[command(flatten)]
        client: ClientArgs,
        /// The team's connection, by name or id (may be left out when the team has only one).
        #[arg(long, env = "SIGNALBOX_CONNECTION")]
        connection: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum LookCommand {
    /// List a compartment's rules or topics as the console shows them (every page), with how
    /// fresh the list is.
    Ls {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        list: crate::commands::look::ListArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ConnectionsCommand {
    /// List the team's connections: kind, region, the last test's result and the tenancy.
    Ls {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Make a connection from a profile of an OCI config file (its key, and a session profile's
    /// token, are uploaded with it; the server checks them as the console does).
    Import {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        import: crate::commands::connections::ImportArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TemplateCommand {
    /// Check a template file offline, as the console does; every problem with its path in the
    /// document. Exit code 0 when it is valid, 1 when it has problems.
    Validate {
        /// The template's JSON file.
        file: PathBuf,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t = crate::commands::Output::Text)]
        output: crate::commands::Output,
    },
    /// Put a template file in the team's library: a new template, a new version when its content
    /// changed, or nothing when it did not; prints the version.
    Push {
        #[command(flatten)]
        client: ClientArgs,
        /// The template's JSON file.
        file: PathBuf,
        /// What changed, kept with the new version.
        #[arg(long, default_value = "")]
        notes: String,
    },
}

/// Where a command that works through the API finds the server, and how it prints.
#[derive(Debug, Args)]
struct ClientArgs {
    /// The Signalbox server's URL; the one `signalbox login` kept when absent, else
    /// http://127.0.0.1:3000.
    #[arg(long, env = "SIGNALBOX_URL")]
    server: Option<String>,
    /// An API token (Settings → API tokens in the console; or `signalbox login` keeps one); it
    /// acts in its team with its role.
    #[arg(long, env = "SIGNALBOX_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// How to print: text for people, json for scripts (the API's own shapes).
    #[arg(long, value_enum, default_value_t = crate::commands::Output::Text)]
    output: crate::commands::Output,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit trail's hash chain; exit code 0 only when it is intact, 1 when it is
    /// broken (the first broken row is named), 2 when it cannot be checked.
    Verify(VerifyArgs),
    /// Remove the rows written before a date (retention). The removal is itself a row of the
    /// chain, which stays verifiable from the first row kept; prints the checkpoint to keep.
    Prune(PruneArgs),
    /// Print the team's newest audit entries through a server's API, oldest first; --follow
    /// keeps printing new ones.
    Tail {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        tail: crate::commands::audit::TailArgs,
    },
    /// Export the team's audit entries through a server's API as CSV or JSON Lines (newest
    /// first), to a file or standard output.
    Export {
        #[command(flatten)]
        client: ClientArgs,
        #[command(flatten)]
        export: crate::commands::audit::ExportArgs,
    },
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// Directory holding the databases (the server's --data-dir). The server may run.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// The backup file to write (a gzipped tar); written whole or not at all.
    #[arg(long, value_name = "FILE")]
    to: PathBuf,
}

#[derive(Debug, Args)]
struct RestoreArgs {
    /// The backup file (from `signalbox backup` or --backup-every).
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Directory to restore into (the server's --data-dir); the server must be stopped.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Restore over a database already there (its files are moved to a replaced-<time>
    /// directory beside them, not deleted).
    #[arg(long)]
    replace: bool,
}

#[derive(Debug, Args)]
struct MigrateArgs {
    /// Directory holding the database (the server's --data-dir); the server must be stopped.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Only say which migrations would run; change nothing.
    #[arg(long)]
    check: bool,
}

#[derive(Debug, Args)]
struct PruneArgs {
    /// Directory holding the database (the server's --data-dir). The server may run.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// The database, when not in the data directory: sqlite://PATH or postgres://… (the
    /// servers' --database-url). Servers may run; it is migrated as a server's start would.
    #[arg(long, env = "SIGNALBOX_DATABASE_URL", value_name = "URL", value_parser = DatabaseUrl, hide_env_values = true)]
    database_url: Option<crate::config::Database>,
    /// Remove rows written before this day (`2026-01-01`, midnight UTC) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    before: Cutoff,
}

/// A `--before` value: a day (midnight UTC) or an RFC 3339 instant, not in the future.
#[derive(Debug, Clone, Copy)]
struct Cutoff(chrono::DateTime<chrono::Utc>);

impl std::str::FromStr for Cutoff {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let at = match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(day) => day.and_time(chrono::NaiveTime::MIN).and_utc(),
            Err(_) => chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| {
                    format!("\"{s}\" is neither a day (2026-01-01) nor an RFC 3339 time (2026-01-01T00:00:00Z)")
                })?
                .to_utc(),
        };
        if at > chrono::Utc::now() {
            return Err(format!("{s} is in the future: pruning would remove the whole trail; pick a past date"));
        }
        Ok(Cutoff(at))
    }
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Directory holding the database (the server's --data-dir). Read only; the server may run.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// The database, when not in the data directory: sqlite://PATH or postgres://… (the
    /// servers' --database-url). Read only, nothing migrated; servers may run.
    #[arg(long, env = "SIGNALBOX_DATABASE_URL", value_name = "URL", value_parser = DatabaseUrl, hide_env_values = true)]
    database_url: Option<crate::config::Database>,
    /// A checkpoint from the server's log (`ROWS:HASH`, printed as `checkpoint=` on start and
    /// every 1000 rows) that the chain must still contain. Repeatable.
    #[arg(long = "checkpoint", value_name = "ROWS:HASH")]
    checkpoints: Vec<Checkpoint>,
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "SIGNALBOX_SANDBOX_LISTEN", default_value = "127.0.0.1:9443")]
    listen: SocketAddr,
    /// Trust a public key: KEY_ID=PUBLIC_KEY_PEM_FILE, KEY_ID being tenancy/user/fingerprint.
    /// Repeatable.
    #[arg(long = "trust-key", value_name = "KEY_ID=PEM_FILE")]
    trust_keys: Vec<TrustedKey>,
    /// A private range (CIDR) that deliveries may reach; loopback and public addresses always
    /// may, link-local and metadata addresses never. Repeatable, or comma-separated.
    #[arg(long = "allow-egress", env = "SIGNALBOX_ALLOW_EGRESS", value_name = "CIDR", value_delimiter = ',')]
    allow_egress: Vec<Cidr>,
    /// Also answer as an instance's metadata service (/opc/v2) for instance principals; whoever
    /// can reach the sandbox can then act as that instance.
    #[arg(long)]
    metadata_service: bool,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "SIGNALBOX_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Directory holding the database and other state; created if missing.
    #[arg(long, env = "SIGNALBOX_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// Directory with the built UI assets (the `site-root` cargo-leptos writes).
    #[arg(long, env = "SIGNALBOX_SITE_ROOT", default_value = "target/site")]
    site_root: PathBuf,
    /// Keep the embedded sandbox's resources in memory only (they are lost on restart).
    #[arg(long, env = "SIGNALBOX_SANDBOX_MEMORY")]
    sandbox_memory: bool,
    /// Mark cookies Secure: set when serving over TLS or behind a TLS-terminating proxy.
    #[arg(long, env = "SIGNALBOX_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The URL OCI Notifications reaches this server at, such as https://signalbox.example.com;
    /// webhook inbox URLs start with it. Without it they use the listening address.
    #[arg(long, env = "SIGNALBOX_PUBLIC_URL")]
    public_url: Option<String>,
    /// A proxy (address or CIDR range) in front of Signalbox whose X-Forwarded-For header names
    /// the client; without one the header is ignored. Repeatable, or comma-separated.
    #[arg(long = "trusted-proxy", env = "SIGNALBOX_TRUSTED_PROXIES", value_name = "CIDR", value_delimiter = ',')]
    trusted_proxies: Vec<Cidr>,
    /// A private range (CIDR) that webhook deliveries and inbox confirmations may reach; private
    /// addresses are refused otherwise. Link-local and metadata addresses are always refused.
    /// Repeatable, or comma-separated.
    #[arg(long = "allow-egress", env = "SIGNALBOX_ALLOW_EGRESS", value_name = "CIDR", value_delimiter = ',')]
    allow_egress: Vec<Cidr>,
    /// Send every connection's OCI calls (not the built-in sandbox connection's) to this
    /// OCI-compatible base URL instead of OCI's regional endpoints, such as the embedded sandbox
    /// (http://127.0.0.1:3000/oci-sandbox), to try connection kinds without a tenancy.
    #[arg(long, env = "SIGNALBOX_OCI_ENDPOINT", value_parser = parse_endpoint)]
    oci_endpoint: Option<String>,
    /// Allow instance- and resource-principal connections: they act as the host Signalbox runs on
    /// (its dynamic group's policies), so only site administrators may make them, and only with
    /// this set.
    #[arg(long, env = "SIGNALBOX_HOST_PRINCIPALS")]
    host_principals: bool,
    /// Let the embedded sandbox answer as an instance's metadata service (/oci-sandbox/opc/v2),
    /// to try instance principals; whoever can reach it can act as that instance, so only for
    /// trials and tests.
    #[arg(long, env = "SIGNALBOX_SANDBOX_METADATA_SERVICE")]
    sandbox_metadata_service: bool,
    /// Serve Prometheus metrics at /metrics on this address (and only there: the console's
    /// address never answers it), such as 127.0.0.1:9464. Whoever reaches it may read them.
    #[arg(long, env = "SIGNALBOX_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Take a backup this often (such as 6h or 1d) into --backup-dir.
    #[arg(long, env = "SIGNALBOX_BACKUP_EVERY", value_parser = parse_interval, requires = "backup_dir")]
    backup_every: Option<std::time::Duration>,
    /// Where scheduled backups go (signalbox-<time>.tar.gz).
    #[arg(long, env = "SIGNALBOX_BACKUP_DIR", requires = "backup_every")]
    backup_dir: Option<PathBuf>,
    /// How many scheduled backups to keep; older ones are removed.
    #[arg(long, env = "SIGNALBOX_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..))]
    backup_keep: u16,
    /// Send traces (a span per request and per OCI call, with OCI's opc-request-id) to this
    /// OpenTelemetry collector over OTLP/HTTP, such as http://127.0.0.1:4318 (/v1/traces is
    /// added). Off when unset. OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
    /// OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER and OTEL_SDK_DISABLED work as in every
    /// OpenTelemetry SDK.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT", value_name = "URL")]
    otlp_endpoint: Option<String>,
    /// The database: sqlite://PATH, or postgres://USER@HOST:PORT/DATABASE to share one database
    /// among several instances (which then need the same SIGNALBOX_MASTER_KEY). Default: the
    /// SQLite file in --data-dir. Give a password through PGPASSWORD or this variable, not the
    /// command line, which every user can read.
    #[arg(long, env = "SIGNALBOX_DATABASE_URL", value_name = "URL", value_parser = DatabaseUrl, hide_env_values = true)]
    database_url: Option<crate::config::Database>,
}

/// A `--backup-every`: a duration of at least a minute, such as `6h`, `90m` or `1d`.
/// Parses `--database-url` / `SIGNALBOX_DATABASE_URL`. Unlike a plain value parser, whose
/// refusal clap prints with the value, it never repeats the value: the URL may hold a password.
#[derive(Debug, Clone, Copy)]
struct DatabaseUrl;

impl clap::builder::TypedValueParser for DatabaseUrl {
    type Value = crate::config::Database;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let name = arg.and_then(clap::Arg::get_long).unwrap_or("database-url");
        let refuse = |kind, reason: String| clap::Error::raw(kind, format!("--{name}: {reason}\n")).with_cmd(cmd);
        let text = value
            .to_str()
            .ok_or_else(|| refuse(clap::error::ErrorKind::InvalidUtf8, "the URL is not UTF-8".to_owned()))?;
        crate::config::Database::parse(text).map_err(|reason| refuse(clap::error::ErrorKind::ValueValidation, reason))
    }
}

fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let every =
        humantime::parse_duration(text.trim()).map_err(|err| format!("{err}; use a duration such as 6h, 90m or 1d"))?;
    if every < std::time::Duration::from_secs(60) {
        return Err("backups more often than once a minute would do little but wear the disk; use 1m or more".into());
    }
    Ok(every)
}

/// An `--oci-endpoint`: an http or https URL without a query.
fn parse_endpoint(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim()).map_err(|err| format!("not a URL ({err})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || url.query().is_some() {
        return Err("use an http(s) base URL such as http://127.0.0.1:3000/oci-sandbox".to_owned());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl ServeArgs {
    fn into_config(self, log_format: LogFormat) -> Config {
        Config {
            listen: self.listen,
            data_dir: self.data_dir,
            site_root: self.site_root,
            log_format,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            sandbox_persist: !self.sandbox_memory,
            // Read from the environment only, so it never shows in a process list.
            admin_password: std::env::var("SIGNALBOX_ADMIN_PASSWORD").ok().map(secrecy::SecretString::from),
            // Secrets come from the environment only: command lines are visible to every user.
            master_key: master_key_from_env(),
            secure_cookies: self.secure_cookies,
            public_url: self.public_url,
            trusted_proxies: self.trusted_proxies,
            allow_egress: self.allow_egress,
            oci_endpoint: self.oci_endpoint,
            host_principals: self.host_principals,
            // The SDK's own variables, so one environment serves Signalbox and the OCI CLI alike.
            metadata_url: std::env::var("OCI_METADATA_BASE_URL")
                .ok()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty())
                .unwrap_or_else(|| crate::oci::metadata::DEFAULT_BASE_URL.to_owned()),
            resource_principal: crate::oci::principal::ResourceEnvironment::from_environment(),
            sandbox_metadata_service: self.sandbox_metadata_service,
            metrics_listen: self.metrics_listen,
            backups: self.backup_every.zip(self.backup_dir).map(|(every, dir)| crate::backup::Schedule {
                every,
                dir,
                keep: usize::from(self.backup_keep),
            }),
            database: self.database_url.unwrap_or(crate::config::Database::DataDir),
        }
    }
}

/// Runs the command line and returns the process exit code.
///
/// A failure to start prints exactly one line to standard error naming the problem, so it reads
/// well in a terminal, a systemd journal and a CI log alike.
pub fn run(cli: Cli) -> ExitCode {
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    // A client command whose output is cut short (`signalbox rules ls | head`) ends quietly, as
    // Unix tools do, instead of panicking on the closed pipe. Not the servers: a peer closing a
    // socket must be an error to handle there, not a signal that ends the process.
    if !matches!(command, Command::Serve(_) | Command::Sandbox(_)) {
        sigpipe::reset();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return fail(format!("cannot start the async runtime: {err}")),
    };
    match command {
        Command::Serve(args) => {
            let traces = match telemetry::TraceExport::from_settings(args.otlp_endpoint.as_deref()) {
                Ok(traces) => traces,
                Err(problem) => return fail(problem),
            };
            let config = args.into_config(cli.log_format);
            let installed = match telemetry::init(config.log_format, traces.as_ref().zip(Some(runtime.handle()))) {
                Ok(installed) => installed,
                Err(problem) => return fail(problem),
            };
            if let Some(traces) = &traces {
                tracing::info!(url = %traces.traces_url, "exporting traces over OTLP/HTTP");
            }
            for problem in crate::oci::region::learn_from_environment() {
                tracing::warn!(%problem, "region metadata ignored");
            }
            let code = runtime.block_on(async move {
                let app = match Application::build(config).await {
                    Ok(app) => app,
                    Err(err) => return fail(err.to_string()),
                };
                match app.run_until_stopped().await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => fail(format!("server stopped with an error: {err}")),
                }
            });
            installed.shutdown();
            code
        }
        Command::Rules(RulesCommand::Ls { client, list }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::look::list_rules(&session, &list, client.output).await
        })),
        Command::Rules(RulesCommand::Show { client, show }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::look::show_rule(&session, &show, client.output).await
        })),
        Command::Compartments(CompartmentsCommand::Ls { client, connection }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::look::list_compartments(&session, connection.as_deref(), client.output).await
        })),
        Command::Connections(ConnectionsCommand::Ls { client }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::look::list_connections(&session, client.output).await
        })),
        Command::Topics(LookCommand::Ls { client, list }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::look::list_topics(&session, &list, client.output).await
        })),
        Command::Template(TemplateCommand::Push { client, file, notes }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            let pushed = crate::commands::template::push(&session, &file, &notes).await?;
            crate::commands::template::print_pushed(&pushed, client.output)
        })),
        Command::Apply { client, apply } => ended(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::apply::apply(&session, &apply, client.output).await
        })),
        Command::Drift { client, deployment } => {
            let drift = runtime.block_on(async move {
                let session = open(&client).await?;
                crate::commands::deployment::drift(&session, &deployment, client.output).await
            });
            match drift {
                Ok(crate::commands::deployment::Drift::InSync) => ExitCode::SUCCESS,
                Ok(crate::commands::deployment::Drift::Drifted) => ExitCode::from(2),
                Err(failure) => failure.exit(),
            }
        }
        Command::Destroy { client, deployment, auto_approve } => ended(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::deployment::destroy(&session, &deployment, auto_approve, client.output).await
        })),
        Command::Connections(ConnectionsCommand::Import { client, import }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::connections::import(&session, &import, client.output).await
        })),
        Command::Login { server, login } => finish(runtime.block_on(async move {
            let (stored, path) = crate::commands::login::login(&server, &login).await?;
            println!(
                "Logged in to {} as team {}; the token is kept in {}.",
                stored.server,
                stored.team,
                path.display()
            );
            Ok(())
        })),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "signalbox", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Plan { client, plan } => {
            let verdict = runtime.block_on(async move {
                let session = open(&client).await?;
                crate::commands::plan::plan(&session, &plan, client.output).await
            });
            match verdict {
                Ok(crate::commands::plan::Verdict::NoChanges) => ExitCode::SUCCESS,
                Ok(crate::commands::plan::Verdict::Changes) => ExitCode::from(2),
                Err(failure) => failure.exit(),
            }
        }
        Command::Template(TemplateCommand::Validate { file, output }) => {
            match crate::commands::template::validate(&file, output) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(failure) => failure.exit(),
            }
        }
        Command::Audit(AuditCommand::Tail { client, tail }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::audit::tail(&session, &tail, client.output).await
        })),
        Command::Audit(AuditCommand::Export { client, export }) => finish(runtime.block_on(async move {
            let session = open(&client).await?;
            crate::commands::audit::export(&session, &export).await
        })),
        Command::Healthcheck { listen } => runtime.block_on(healthcheck(listen)),
        Command::Backup(args) => runtime.block_on(take_backup(args)),
        Command::Restore(args) => runtime.block_on(restore_backup(args)),
        Command::Migrate(args) => runtime.block_on(migrate(args)),
        Command::Audit(AuditCommand::Verify(args)) => runtime.block_on(verify_audit(args)),
        Command::Audit(AuditCommand::Prune(args)) => runtime.block_on(prune_audit(args)),
        Command::Sandbox(args) => {
            telemetry::init_logs(cli.log_format);
            runtime.block_on(async move {
                let egress = crate::egress::EgressPolicy::with_loopback(args.allow_egress);
                match standalone::serve(
                    args.listen,
                    &args.trust_keys,
                    egress,
                    args.metadata_service,
                    crate::shutdown_signal(),
                )
                .await
                {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(err) => fail(err.to_string()),
                }
            })
        }
    }
}

/// The exit code of a run that was followed: 0 succeeded, 1 failed, 130 detached by Ctrl-C.
fn ended(result: Result<crate::commands::apply::Ended, crate::commands::Failure>) -> ExitCode {
    match result {
        Ok(crate::commands::apply::Ended::Succeeded) => ExitCode::SUCCESS,
        Ok(crate::commands::apply::Ended::Failed) => ExitCode::FAILURE,
        Ok(crate::commands::apply::Ended::Detached) => ExitCode::from(130),
        Err(failure) => failure.exit(),
    }
}

/// Exit code 0, or the failure printed and 1.
fn finish(result: Result<(), crate::commands::Failure>) -> ExitCode {
    result.map_or_else(crate::commands::Failure::exit, |()| ExitCode::SUCCESS)
}

/// Where the client commands go when nothing says.
const DEFAULT_SERVER: &str = "http://127.0.0.1:3000";

/// Reaches the server `client` names, with its token, or the ones `signalbox login` kept (its
/// token only ever goes to the server it was made on).
async fn open(client: &ClientArgs) -> Result<crate::commands::Session, crate::commands::Failure> {
    let stored = crate::commands::login::load()?;
    let same =
        |server: &str, stored: &crate::commands::login::Stored| stored.server == server.trim().trim_end_matches('/');
    let (server, token) = match (&client.server, &client.token, stored) {
        (Some(server), Some(token), _) => (server.clone(), token.clone()),
        (Some(server), None, Some(stored)) if same(server, &stored) => (server.clone(), stored.token),
        (Some(server), None, _) => (server.clone(), String::new()),
        (None, Some(token), _) => (DEFAULT_SERVER.to_owned(), token.clone()),
        (None, None, Some(stored)) => (stored.server, stored.token),
        (None, None, None) => (DEFAULT_SERVER.to_owned(), String::new()),
    };
    crate::commands::Session::open(&server, &token).await
}

fn fail(message: String) -> ExitCode {
    eprintln!("signalbox: error: {message}");
    ExitCode::FAILURE
}

/// `signalbox audit verify`: one line on standard output when intact, one on standard error
/// naming the first broken row otherwise.
async fn verify_audit(args: VerifyArgs) -> ExitCode {
    let database = args.database_url.unwrap_or(crate::config::Database::DataDir);
    let pool = match crate::db::open_to_inspect(&database, &args.data_dir).await {
        Ok(pool) => pool,
        Err(err) => return cannot_check(err.to_string()),
    };
    match crate::db::audit_events::verify(&pool, args.checkpoints).await {
        Ok(outcome) => match outcome.broken {
            None => {
                println!("audit trail intact: {} rows, head {}", outcome.rows, outcome.head);
                ExitCode::SUCCESS
            }
            Some(broken) => {
                eprintln!("audit trail broken: {broken}");
                ExitCode::from(1)
            }
        },
        Err(err) => {
            cannot_check(format!("cannot read the audit trail in {}: {err}", database.describe(&args.data_dir)))
        }
    }
}

/// `signalbox audit prune`: removes the old rows and prints the checkpoint the chain now starts
/// from, to keep with the other checkpoints.
async fn prune_audit(args: PruneArgs) -> ExitCode {
    let database = args.database_url.unwrap_or(crate::config::Database::DataDir);
    let pool = match crate::db::open_existing(&database, &args.data_dir).await {
        Ok(pool) => pool,
        Err(err) => return fail(err.to_string()),
    };
    let actor = std::env::var("USER").unwrap_or_else(|_| "signalbox".to_owned());
    match crate::db::audit_events::prune(&pool, args.before.0, &actor).await {
        Ok(Some(pruned)) => {
            println!(
                "removed {} rows written before {}; the chain now starts after checkpoint {}:{}",
                pruned.removed,
                args.before.0.to_rfc3339(),
                pruned.start.rows,
                pruned.start.hash
            );
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("no row was written before {}; nothing removed", args.before.0.to_rfc3339());
            ExitCode::SUCCESS
        }
        Err(err) => fail(format!("cannot prune the audit trail in {}: {err}", database.describe(&args.data_dir))),
    }
}

/// Exit code 2: the chain could not be checked (as opposed to 1, checked and broken).
fn cannot_check(message: String) -> ExitCode {
    eprintln!("signalbox: error: {message}");
    ExitCode::from(2)
}

/// The master key from the environment, as the server reads it.
fn master_key_from_env() -> Option<secrecy::SecretString> {
    std::env::var("SIGNALBOX_MASTER_KEY").ok().map(secrecy::SecretString::from)
}

/// `signalbox backup`: the file, what it holds, and the master key warning on standard error.
async fn take_backup(args: BackupArgs) -> ExitCode {
    match crate::backup::take(&args.data_dir, &args.to, master_key_from_env().as_ref()).await {
        Ok(taken) => {
            println!(
                "backup written to {} ({} bytes): {}, schema {}, audit trail {} rows (head {})",
                args.to.display(),
                taken.bytes,
                taken.manifest.databases.join(" and "),
                taken.manifest.schema_version,
                taken.manifest.audit_rows,
                taken.manifest.audit_head
            );
            for warning in taken.warnings {
                eprintln!("signalbox: warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(format!("no backup taken: {err}")),
    }
}

/// `signalbox restore`: what was restored and where the replaced files went.
async fn restore_backup(args: RestoreArgs) -> ExitCode {
    match crate::backup::restore(&args.from, &args.data_dir, args.replace, master_key_from_env().as_ref()).await {
        Ok(restored) => {
            println!(
                "restored {} (taken {} by Signalbox {}) into {}: schema {}, audit trail intact, {} rows",
                args.from.display(),
                restored.manifest.created_at.to_rfc3339(),
                restored.manifest.signalbox_version,
                args.data_dir.display(),
                restored.manifest.schema_version,
                restored.manifest.audit_rows
            );
            if let Some(aside) = restored.replaced {
                println!("the files it replaced are in {}", aside.display());
            }
            for warning in restored.warnings {
                eprintln!("signalbox: warning: {warning}");
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(format!("nothing restored: {err}")),
    }
}

/// `signalbox migrate [--check]`.
async fn migrate(args: MigrateArgs) -> ExitCode {
    let dir = match crate::data_dir::DataDir::prepare(&args.data_dir) {
        Ok(dir) => dir,
        Err(err) => return fail(err.to_string()),
    };
    let path = dir.database_path();
    if !path.exists() {
        return fail(format!("no database at {}; check --data-dir (it holds signalbox.db)", path.display()));
    }
    let _lock = match dir.lock() {
        Ok(lock) => lock,
        Err(err) => return fail(err.to_string()),
    };
    let pending = match crate::db::upgrade::pending_at(&path, &crate::db::MIGRATOR).await {
        Ok(pending) => pending,
        Err(err) => return fail(err.to_string()),
    };
    if pending.migrations.is_empty() {
        println!("{} is up to date (schema {}); nothing to run", path.display(), pending.current);
        return ExitCode::SUCCESS;
    }
    println!("{} is at schema {}; {} migrations to run:", path.display(), pending.current, pending.migrations.len());
    for migration in &pending.migrations {
        println!("  {} {}", migration.version, migration.description);
    }
    if args.check {
        return ExitCode::from(2);
    }
    let upgraded = match crate::db::upgrade::upgrade(&path, &crate::db::MIGRATOR).await {
        // A database with nothing worth a copy yet (no migration applied) is migrated in place.
        Ok(None) => match crate::db::open(&path).await {
            Ok(pool) => {
                pool.close().await;
                Ok(None)
            }
            Err(err) => Err(err),
        },
        other => other,
    };
    match upgraded {
        Ok(backup) => {
            if let Some(backup) = backup {
                println!("done; the database as it was is kept in {}", backup.display());
            } else {
                println!("done");
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(err.to_string()),
    }
}

/// `signalbox healthcheck`: one GET of /healthz, within a few seconds.
async fn healthcheck(listen: SocketAddr) -> ExitCode {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let url = format!("http://{addr}/healthz");
    let client = match reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(4)).build() {
        Ok(client) => client,
        Err(err) => return fail(format!("cannot make an HTTP client: {err}")),
    };
    match client.get(&url).send().await {
        Ok(response) if response.status().is_success() => {
            println!("{url}: {}", response.status());
            ExitCode::SUCCESS
        }
        Ok(response) => fail(format!("{url} answered {}", response.status())),
        Err(err) => fail(format!("{url} did not answer: {err}")),
    }
}
