//! Typed configuration, built once at startup (from the command line in production, from
//! [`Config::for_tests`] in tests) and never re-read.

use crate::netaddr::Cidr;
use secrecy::SecretString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Everything the server needs to know to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address and port to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Directory holding the SQLite database (unless `database` is elsewhere) and other state.
    pub data_dir: PathBuf,
    /// Directory with the built UI (`pkg/` with the WASM, JS and CSS, plus the public assets).
    pub site_root: PathBuf,
    /// How log lines are written.
    pub log_format: LogFormat,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whether the embedded sandbox keeps its state in `sandbox.db` across restarts.
    pub sandbox_persist: bool,
    /// Password of the first administrator, used only when the instance has no users yet.
    pub admin_password: Option<SecretString>,
    /// Mark cookies `Secure` (serving over TLS, or behind a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// The master key (base64 of 32 bytes) from `SIGNALBOX_MASTER_KEY`; without it the key is
    /// kept in `DATA_DIR/master.key`.
    pub master_key: Option<SecretString>,
    /// The URL OCI Notifications reaches this server at (`https://signalbox.example.com`), for the
    /// webhook inboxes' URLs; the listening address when unset, which only the sandbox can reach.
    pub public_url: Option<String>,
    /// Proxies in front of the server whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<Cidr>,
    /// Private ranges outbound deliveries may reach (`--allow-egress`); link-local and metadata
    /// addresses are never reachable, whatever is listed.
    pub allow_egress: Vec<Cidr>,
    /// Sends every non-built-in connection's calls to this OCI-compatible base URL instead of
    /// OCI's regional endpoints (`--oci-endpoint`): the sandbox, for trying connection kinds
    /// without a tenancy.
    pub oci_endpoint: Option<String>,
    /// Whether instance- and resource-principal connections may be made (`--host-principals`):
    /// they act as the host Signalbox runs on, so the operator opts in.
    pub host_principals: bool,
    /// The instance metadata service instance principals read (`OCI_METADATA_BASE_URL`, the
    /// SDK's own override, or OCI's address).
    pub metadata_url: String,
    /// The resource principal this process runs as, from `OCI_RESOURCE_PRINCIPAL_*`.
    pub resource_principal: Option<crate::oci::principal::ResourceEnvironment>,
    /// Whether the embedded sandbox answers as an instance's metadata service
    /// (`--sandbox-metadata-service`), for trying instance principals.
    pub sandbox_metadata_service: bool,
    /// Where `/metrics` is served (`--metrics-listen`); nowhere when unset.
    pub metrics_listen: Option<SocketAddr>,
    /// Scheduled backups (`--backup-every`), when configured.
    pub backups: Option<crate::backup::Schedule>,
    /// Where the database is (`--database-url`).
    pub database: Database,
}

/// Where the database is.
#[derive(Debug, Clone)]
pub enum Database {
    /// `signalbox.db` in the data directory: the default.
    DataDir,
    /// A SQLite file elsewhere (`sqlite://PATH`).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://…`), which several instances may share. Secret: the
    /// URL may carry a password.
    Postgres(SecretString),
}

impl Database {
    /// Reads a `--database-url`: `sqlite://PATH` (or `sqlite:PATH`), or `postgres://…` /
    /// `postgresql://…`. The error names the accepted forms; it never repeats the URL, which
    /// may hold a password.
    pub fn parse(text: &str) -> Result<Database, String> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")) {
            if path.is_empty() || path.contains('?') {
                return Err(
                    "a SQLite URL names a file and nothing else, such as sqlite:///var/lib/signalbox/signalbox.db"
                        .into(),
                );
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            const FORM: &str =
                "a PostgreSQL URL names a host and a database, such as postgres://signalbox@db.internal:5432/signalbox";
            let url = url::Url::parse(text).map_err(|err| format!("not a valid PostgreSQL URL ({err}); {FORM}"))?;
            // A Unix socket is named by a `host` parameter, as libpq takes it: postgres:///db?host=/run/postgresql
            let host = url.host_str().is_some_and(|host| !host.is_empty())
                || url.query_pairs().any(|(key, value)| key == "host" && !value.is_empty());
            if !host || url.path().trim_start_matches('/').is_empty() {
                return Err(FORM.into());
            }
            return Ok(Database::Postgres(SecretString::from(text.to_owned())));
        }
        Err("use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE (the password in PGPASSWORD or the URL)".into())
    }

    /// The database as messages name it: the SQLite file, or the PostgreSQL URL without its
    /// password.
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Database::DataDir => data_dir.join(crate::data_dir::DATABASE_FILE).display().to_string(),
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => crate::db::redacted(secrecy::ExposeSecret::expose_secret(url)),
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The administrator password of [`Config::for_tests`].
pub const TEST_ADMIN_PASSWORD: &str = "test admin password 1";

/// Request bodies above this size are refused with 413; no API request needs more.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

impl Config {
    /// A configuration for tests: loopback on a free port, the given data directory.
    pub fn for_tests(data_dir: &Path) -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: data_dir.to_path_buf(),
            site_root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site")),
            log_format: LogFormat::Text,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            sandbox_persist: false,
            admin_password: Some(SecretString::from(TEST_ADMIN_PASSWORD.to_owned())),
            secure_cookies: false,
            master_key: None,
            public_url: None,
            trusted_proxies: Vec::new(),
            allow_egress: Vec::new(),
            oci_endpoint: None,
            host_principals: false,
            metadata_url: crate::oci::metadata::DEFAULT_BASE_URL.to_owned(),
            resource_principal: None,
            sandbox_metadata_service: false,
            metrics_listen: None,
            backups: None,
            database: Database::DataDir,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Database;
    use secrecy::ExposeSecret;
    use std::path::Path;

    #[test]
    fn sqlite_urls_name_a_file() {
        for (text, path) in [
            ("sqlite:///var/lib/signalbox/signalbox.db", "/var/lib/signalbox/signalbox.db"),
            ("sqlite://relative/signalbox.db", "relative/signalbox.db"),
            ("sqlite:signalbox.db", "signalbox.db"),
            ("  sqlite:///tmp/a.db\n", "/tmp/a.db"),
        ] {
            match Database::parse(text) {
                Ok(Database::Sqlite(got)) => assert_eq!(got, Path::new(path), "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in ["sqlite://", "sqlite:", "sqlite:///tmp/a.db?mode=ro", "sqlite:a.db?cache=shared"] {
            let err = Database::parse(text).expect_err(text);
            assert!(err.contains("sqlite:///"), "{text}: the remedy shows the form: {err}");
        }
    }

    #[test]
    fn postgres_urls_name_a_host_and_a_database() {
        for text in [
            "postgres://signalbox:secret@db.internal:5432/signalbox",
            "postgresql://db.internal/signalbox?sslmode=verify-full",
            "postgres://[::1]:5432/signalbox",
            "postgres:///signalbox?host=/run/postgresql",
        ] {
            match Database::parse(text) {
                Ok(Database::Postgres(url)) => assert_eq!(url.expose_secret(), text),
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in [
            "postgres://signalbox:secret@db.internal:5432",
            "postgres://signalbox:secret@db.internal:5432/",
            "postgres:///signalbox",
            "postgres:///signalbox?host=",
            "postgresql://signalbox:secret@/signalbox",
        ] {
            let err = Database::parse(text).expect_err(text);
            assert!(err.contains("names a host and a database"), "{text}: {err}");
            assert!(!err.contains("secret"), "the password is never repeated: {err}");
        }
    }

    #[test]
    fn other_databases_and_broken_urls_are_refused_without_echoing_them() {
        for text in [
            "mysql://root:secret@db/signalbox",
            "postgres:/db",
            "data/signalbox.db",
            "",
            "http://u:secret@db/signalbox",
        ] {
            let err = Database::parse(text).expect_err(text);
            assert!(err.contains("sqlite://PATH or postgres://"), "{text:?}: {err}");
            assert!(!err.contains("secret"), "{text:?}: {err}");
        }
        for text in ["postgres://u:secret@[::1/db", "postgres://u:secret@db:99999/signalbox"] {
            let err = Database::parse(text).expect_err(text);
            assert!(err.starts_with("not a valid PostgreSQL URL"), "{text}: {err}");
            assert!(!err.contains("secret"), "{text}: {err}");
        }
    }
}
