//! The built-in sandbox connection: the embedded sandbox, and a signing client for it whose key
//! Signalbox generates on first start and keeps in the data directory.
//!
//! The key file (`sandbox/api_key.pem`, mode 0600) only ever signs requests to the sandbox, but it
//! is still a private key and is treated like one: never logged, never sent anywhere.

use crate::data_dir::DataDir;
use crate::oci::client::OciClient;
use crate::oci::functions::{CreateApplicationDetails, CreateFunctionDetails};
use crate::oci::key::PrivateKey;
use crate::oci::region::{Region, Service};
use crate::oci::signer::ApiKey;
use crate::sandbox::{Sandbox, SandboxConfig};
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

/// The embedded sandbox and the client of the built-in connection.
#[derive(Clone)]
pub struct Builtin {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// A client signed with the built-in key, pointed at the sandbox.
    pub client: OciClient,
}

impl Builtin {
    /// Loads (or creates) the built-in key, trusts it in a new sandbox reachable at `base_url`,
    /// and builds the client.
    pub fn start(data_dir: &DataDir, base_url: &str) -> Result<Self, BuiltinError> {
        let key = load_or_create_key(&data_dir.path().join("sandbox").join("api_key.pem"))?;
        let sandbox = Sandbox::new(SandboxConfig::default());
        sandbox.set_base_url(base_url);
        let api_key = ApiKey::new(sandbox.tenancy(), BUILTIN_USER, key);
        let key_id = api_key.key_id().to_owned();
        sandbox
            .keys()
            .trust_pem(&key_id, api_key.public_key_pem().as_bytes())
            .map_err(|err| BuiltinError::Key { path: PathBuf::from(&key_id), reason: err.to_string() })?;
        let client = signed_client(api_key, base_url);
        Ok(Self { sandbox, client })
    }

    /// A client signed with the built-in key kept in `data_dir`, for the embedded sandbox of the
    /// instance using that directory, served at `base_url`. Tools and tests reach the sandbox's
    /// own API (fault injection, deliveries) through it.
    pub fn client_at(data_dir: &Path, base_url: &str) -> Result<OciClient, BuiltinError> {
        let key = load_or_create_key(&data_dir.join("sandbox").join("api_key.pem"))?;
        let api_key = ApiKey::new(&SandboxConfig::default().tenancy, BUILTIN_USER, key);
        Ok(signed_client(api_key, base_url))
    }

    /// Gives the sandbox's `dev` compartment an application with two sample functions, unless
    /// it has one already, so that a rule or subscription can target a function from the first
    /// minute (the real service needs an image pushed first; the sandbox records invocations).
    pub async fn add_sample_functions(&self) {
        if self.add_samples_to_world() {
            self.sandbox.save_now().await;
        }
    }

    /// Adds the samples; whether it did.
    fn add_samples_to_world(&self) -> bool {
        let base_url = self.sandbox.base_url();
        let mut world = self.sandbox.world();
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
                image: Some(format!("iad.ocir.io/signalbox/samples/{name}:1.0")),
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
}

/// A client for every service at `base_url`, signed with `api_key`.
fn signed_client(api_key: ApiKey, base_url: &str) -> OciClient {
    // Loopback only: the client of the built-in connection never uses a proxy.
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new());
    let mut client = OciClient::new(http, Arc::new(api_key), Region::default());
    for service in [
        Service::Events,
        Service::Notifications,
        Service::Functions,
        Service::Audit,
        Service::Compute,
        Service::Identity,
        Service::ObjectStorage,
    ] {
        client = client.with_endpoint(service, base_url);
    }
    client
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
