//! The built-in sandbox connection: the embedded sandbox, and for each team a tenancy of its own
//! with a signing key Signalbox generates the first time the team uses it and keeps in the data
//! directory.
//!
//! Every team's built-in connection is its own tenancy (see `sandbox::host`): a team created a
//! minute ago sees an empty sandbox, not another team's topics, and its sandbox log holds its own
//! deliveries only. The first team (id 1, the `Platform` team made at first start) keeps the
//! tenancy and key every team shared before tenancies were separate, so what it made is still
//! there after an upgrade.
//!
//! The key files (`sandbox/api_key.pem` for the first team, `sandbox/team-{id}.pem` for the others,
//! mode 0600) only ever sign requests to the sandbox, but they are still private keys and are
//! treated like them: never logged, never sent anywhere.

use crate::data_dir::DataDir;
use crate::egress::EgressPolicy;
use crate::oci::client::OciClient;
use crate::oci::functions::{CreateApplicationDetails, CreateFunctionDetails, FunctionSourceDetails};
use crate::oci::key::PrivateKey;
use crate::oci::region::Region;
use crate::oci::signer::ApiKey;
use crate::sandbox::host::SandboxHost;
use crate::sandbox::{Sandbox, SandboxConfig};
use std::collections::HashMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the sandbox is mounted in `signalbox serve`.
pub const SANDBOX_PATH: &str = "/oci-sandbox";

/// The user the built-in connection signs as.
pub const BUILTIN_USER: &str = "ocid1.user.oc1..aaaaaaaasignalboxbuiltin";

/// Why the built-in connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum BuiltinError {
    /// The key file could not be read or written.
    #[error("the built-in sandbox key {path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// The team whose built-in connection keeps the tenancy every team shared before each had its
/// own: the first team, made at first start.
pub const FIRST_TEAM_ID: i64 = 1;

/// The sandbox tenancy of a team's built-in connection.
pub fn tenancy_of(team_id: i64) -> String {
    if team_id == FIRST_TEAM_ID {
        SandboxConfig::default().tenancy
    } else {
        format!("ocid1.tenancy.oc1..aaaaaaaasignalboxteam{team_id}")
    }
}

/// A team's tenancy in the embedded sandbox and the client its built-in connection signs with.
#[derive(Clone)]
pub struct TeamSandbox {
    /// The team's tenancy.
    pub sandbox: Sandbox,
    /// A client signed with the team's key, pointed at the sandbox.
    pub client: OciClient,
}

/// The embedded sandbox and the clients of the built-in connections.
#[derive(Clone)]
pub struct Builtin {
    /// Every tenancy of the embedded sandbox.
    pub host: SandboxHost,
    /// The first team's tenancy.
    pub sandbox: Sandbox,
    /// A client signed with the first team's key (tools and tests reach the sandbox's own API
    /// through it).
    pub client: OciClient,
    base_url: String,
    keys_dir: PathBuf,
    teams: Arc<std::sync::Mutex<HashMap<i64, TeamSandbox>>>,
}

impl Builtin {
    /// Loads (or creates) the first team's key, trusts it in a new sandbox reachable at
    /// `base_url` that delivers where `egress` allows (and answers as a metadata service when
    /// `metadata_service`), and builds its client. Other teams' keys
    /// are made or loaded when they are first used ([`Builtin::for_team`]).
    pub fn start(
        data_dir: &DataDir,
        base_url: &str,
        egress: EgressPolicy,
        metadata_service: bool,
    ) -> Result<Self, BuiltinError> {
        let host = SandboxHost::new(SandboxConfig { egress, metadata_service, ..SandboxConfig::default() });
        host.set_base_url(base_url);
        let keys_dir = data_dir.path().join("sandbox");
        let first = team_sandbox(&host, &keys_dir, FIRST_TEAM_ID, base_url)?;
        let teams = HashMap::from([(FIRST_TEAM_ID, first.clone())]);
        Ok(Self {
            host,
            sandbox: first.sandbox,
            client: first.client,
            base_url: base_url.to_owned(),
            keys_dir,
            teams: Arc::new(std::sync::Mutex::new(teams)),
        })
    }

    /// The team's tenancy and client, its key made (or loaded) and trusted on first use, with the
    /// sample functions in its `dev` compartment.
    pub async fn for_team(&self, team_id: i64) -> Result<TeamSandbox, BuiltinError> {
        if let Some(found) = self.teams.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&team_id) {
            return Ok(found.clone());
        }
        let (host, keys_dir, base_url) = (self.host.clone(), self.keys_dir.clone(), self.base_url.clone());
        let made = tokio::task::spawn_blocking(move || team_sandbox(&host, &keys_dir, team_id, &base_url))
            .await
            .map_err(|err| BuiltinError::Key { path: self.keys_dir.clone(), reason: err.to_string() })??;
        let made = {
            let mut teams = self.teams.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            teams.entry(team_id).or_insert(made).clone()
        };
        if add_samples_to_world(&made.sandbox) {
            made.sandbox.save_now().await;
        }
        Ok(made)
    }

    /// A client signed with the built-in key kept in `data_dir`, for the embedded sandbox of the
    /// instance using that directory, served at `base_url`. Tools and tests reach the sandbox's
    /// own API (fault injection, deliveries) through it.
    pub fn client_at(data_dir: &Path, base_url: &str) -> Result<OciClient, BuiltinError> {
        let key = load_or_create_key(&data_dir.join("sandbox").join("api_key.pem"))?;
        let api_key = ApiKey::new(&SandboxConfig::default().tenancy, BUILTIN_USER, key);
        Ok(signed_client(api_key, base_url))
    }

    /// Gives the first team's `dev` compartment an application with two sample functions, unless
    /// it has one already, so that a rule or subscription can target a function from the first
    /// minute (the real service needs an image pushed first; the sandbox records invocations).
    pub async fn add_sample_functions(&self) {
        if add_samples_to_world(&self.sandbox) {
            self.sandbox.save_now().await;
        }
    }
}

/// The tenancy of `team_id` in `host` with its key (from `keys_dir`, made if missing) trusted.
fn team_sandbox(
    host: &SandboxHost,
    keys_dir: &Path,
    team_id: i64,
    base_url: &str,
) -> Result<TeamSandbox, BuiltinError> {
    let file = if team_id == FIRST_TEAM_ID { "api_key.pem".to_owned() } else { format!("team-{team_id}.pem") };
    let key = load_or_create_key(&keys_dir.join(file))?;
    let sandbox = host.tenant(&tenancy_of(team_id));
    let api_key = ApiKey::new(sandbox.tenancy(), BUILTIN_USER, key);
    let key_id = api_key.key_id().to_owned();
    sandbox
        .trust_user_key(&key_id, api_key.public_key_pem().as_bytes())
        .map_err(|err| BuiltinError::Key { path: PathBuf::from(&key_id), reason: err.to_string() })?;
    Ok(TeamSandbox { sandbox, client: signed_client(api_key, base_url) })
}

/// Adds the sample application and functions to a tenancy's `dev` compartment; whether it did.
fn add_samples_to_world(sandbox: &Sandbox) -> bool {
    let base_url = sandbox.base_url();
    let mut world = sandbox.world();
    let details = CreateApplicationDetails {
        compartment_id: SAMPLE_COMPARTMENT.to_owned(),
        display_name: SAMPLE_APPLICATION.to_owned(),
        subnet_ids: Vec::new(),
        config: Default::default(),
    };
    let Ok(application) = world.create_application(details, None) else {
        return false;
    };
    for name in ["bucket-change-processor", "event-logger"] {
        let function = CreateFunctionDetails {
            application_id: application.id.clone(),
            display_name: name.to_owned(),
            source_details: Some(FunctionSourceDetails::container_image(
                format!("iad.ocir.io/signalbox/samples/{name}:1.0"),
                None,
            )),
            image: None,
            memory_in_mbs: 256,
            timeout_in_seconds: Some(30),
            config: Default::default(),
        };
        if let Err(err) = world.create_function(function, None, &base_url) {
            tracing::warn!(%err, name, "could not add a sample function to the sandbox");
        }
    }
    true
}

/// A client for every service at `base_url`, signed with `api_key`.
fn signed_client(api_key: ApiKey, base_url: &str) -> OciClient {
    // Loopback only: the client of the built-in connection never uses a proxy.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    OciClient::new(http, Arc::new(api_key), Region::default()).with_endpoint_for_all(base_url)
}

/// Compartment of the sample functions (`dev`).
const SAMPLE_COMPARTMENT: &str = "ocid1.compartment.oc1..sandboxdev";
/// Application of the sample functions; its name is unique in the compartment, which makes
/// adding them idempotent.
const SAMPLE_APPLICATION: &str = "signalbox-samples";

fn load_or_create_key(path: &Path) -> Result<PrivateKey, BuiltinError> {
    let fail = |reason: String| BuiltinError::Key { path: path.to_path_buf(), reason };
    if path.exists() {
        let pem = std::fs::read(path).map_err(|err| fail(format!("cannot read it ({err})")))?;
        return PrivateKey::from_pem(&pem, None)
            .map_err(|err| fail(format!("{err}; delete it to have a new one generated")));
    }
    let (key, pem) = PrivateKey::generate().map_err(|err| fail(err.to_string()))?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|err| fail(format!("cannot create its directory ({err})")))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| fail(format!("cannot create it ({err})")))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| fail(format!("cannot write it ({err})")))?;
    Ok(key)
}
