//! A sandbox on loopback standing in for OCI, trusting one API key of a user in its default
//! tenancy: the cloud tests point Signalbox at, and a client of its own to see what it holds.

use server::oci::client::OciClient;
use server::oci::key::PrivateKey;
use server::oci::region::Region;
use server::oci::signer::ApiKey;
use server::sandbox::host::SandboxHost;
use server::sandbox::{Sandbox, SandboxConfig};
use std::sync::Arc;

/// The sandbox and the user's key.
#[allow(dead_code, reason = "each test binary uses the parts it needs")]
pub struct Cloud {
    /// Its base URL.
    pub url: String,
    /// Its default tenancy.
    pub tenancy: Sandbox,
    /// The user's key, which the tenancy trusts.
    pub api_key: Arc<ApiKey>,
    /// The same key's private half, PEM, as a connection form takes it.
    pub private_pem: String,
    /// A client signing with the key, to see what the cloud holds.
    pub client: OciClient,
}

/// Serves a sandbox configured by `config` on a free loopback port, trusting a new key of `user`.
pub async fn start(config: SandboxConfig, user: &str) -> Cloud {
    let host = SandboxHost::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    host.set_base_url(&url);
    let router = host.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let tenancy = host.default_tenant();
    let (key, private_pem) = PrivateKey::generate().expect("a key");
    let api_key = Arc::new(ApiKey::new(tenancy.tenancy(), user, key));
    tenancy.trust_user_key(api_key.key_id(), api_key.public_key_pem().as_bytes()).expect("the key is trusted");
    let http = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let client =
        OciClient::new(http, api_key.clone(), Region::parse("iad").expect("a region")).with_endpoint_for_all(&url);
    Cloud { url, tenancy, api_key, private_pem, client }
}

#[allow(dead_code, reason = "each test binary uses the parts it needs")]
impl Cloud {
    /// The key's fingerprint, the last part of its key id.
    pub fn fingerprint(&self) -> &str {
        self.api_key.key_id().rsplit('/').next().unwrap_or_default()
    }
}
