//! `signalbox sandbox`: the emulator alone on its own port, for OCI SDKs, the CLI and scripts.

use super::SandboxConfig;
use super::host::SandboxHost;
use crate::egress::EgressPolicy;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

/// Why the standalone sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What the OS said.
        source: io::Error,
    },
    /// A `--trust-key` value is unusable.
    #[error("--trust-key {spec}: {reason}")]
    TrustKey {
        /// The argument as given.
        spec: String,
        /// What is wrong.
        reason: String,
    },
    /// Serving failed.
    #[error("the sandbox stopped with an error: {0}")]
    Serve(io::Error),
}

/// A `--trust-key KEY_ID=PUBLIC_KEY_PEM_FILE` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// `tenancy/user/fingerprint`.
    pub key_id: String,
    /// PEM file of the public key.
    pub pem_file: PathBuf,
}

impl std::str::FromStr for TrustedKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (key_id, file) = text.rsplit_once('=').ok_or_else(|| {
            "expected KEY_ID=PUBLIC_KEY_PEM_FILE, where KEY_ID is tenancy/user/fingerprint".to_owned()
        })?;
        Ok(Self { key_id: key_id.to_owned(), pem_file: PathBuf::from(file) })
    }
}

/// Binds `listen`, trusts `keys`, prints the base URL on standard output and serves until
/// `shutdown` completes, delivering where `egress` allows.
pub async fn serve(
    listen: SocketAddr,
    keys: &[TrustedKey],
    egress: EgressPolicy,
    metadata_service: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StandaloneError> {
    // Each trusted key's tenancy is a tenancy of its own (its root compartment is that tenancy),
    // so a client lists its own tenancy's compartments, as in OCI.
    let host = SandboxHost::new(SandboxConfig { egress, metadata_service, ..SandboxConfig::default() });
    for key in keys {
        let spec = format!("{}={}", key.key_id, key.pem_file.display());
        let pem = std::fs::read(&key.pem_file).map_err(|err| StandaloneError::TrustKey {
            spec: spec.clone(),
            reason: format!("cannot read the file ({err})"),
        })?;
        let tenancy = key.key_id.split('/').next().unwrap_or_default();
        host.tenant(tenancy)
            .trust_user_key(&key.key_id, &pem)
            .map_err(|err| StandaloneError::TrustKey { spec, reason: err.to_string() })?;
    }
    let listener =
        TcpListener::bind(listen).await.map_err(|source| StandaloneError::Listen { addr: listen, source })?;
    let addr = listener.local_addr().map_err(StandaloneError::Serve)?;
    let base_url = format!("http://{addr}");
    host.set_base_url(&base_url);
    // The first line of output, for scripts: where to point an SDK's service endpoint.
    println!("{base_url}");
    tracing::info!(%base_url, trusted_keys = keys.len(), "OCI sandbox is serving");
    axum::serve(listener, host.router()).with_graceful_shutdown(shutdown).await.map_err(StandaloneError::Serve)
}
