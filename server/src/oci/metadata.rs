//! The instance metadata service, as an instance principal reads it: the identity certificate,
//! its private key and the intermediate, and the instance's region.
//!
//! The base URL is `http://169.254.169.254/opc/v2` unless `OCI_METADATA_BASE_URL` says otherwise,
//! the SDK's own override (the sandbox's metadata service, in tests); `signalbox serve` reads it
//! at startup (`Config::metadata_url`). Every request carries
//! `Authorization: Bearer Oracle`, which version 2 of the service requires.

use super::error::OciError;
use std::time::Duration;

/// The metadata service's address on every OCI instance.
pub const DEFAULT_BASE_URL: &str = "http://169.254.169.254/opc/v2";

/// How long to wait for the metadata service: it answers in milliseconds on an instance, and off
/// one nothing answers at all, which must not hold a page for a minute.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the metadata service gives an instance principal.
#[derive(Clone)]
pub struct InstanceCredentials {
    /// The leaf certificate, PEM.
    pub cert_pem: String,
    /// Its private key, PEM.
    pub key_pem: zeroize::Zeroizing<String>,
    /// The intermediate certificate, PEM.
    pub intermediate_pem: String,
}

/// A client of one metadata service.
#[derive(Debug, Clone)]
pub struct MetadataClient {
    http: reqwest::Client,
    base_url: String,
}

impl MetadataClient {
    /// The metadata service at `base_url`.
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        Self { http, base_url: base_url.trim_end_matches('/').to_owned() }
    }

    /// One item as text.
    pub async fn get(&self, item: &str) -> Result<String, OciError> {
        let url = format!("{}/{item}", self.base_url);
        let fail = |detail: String| {
            OciError::Credentials {
            operation: "GetInstanceMetadata",
            detail: format!("the instance metadata service at {url} {detail}"),
            remedy: "Instance principals work only on an OCI compute instance; run Signalbox on one, or use another connection kind".to_owned(),
        }
        };
        let response = self
            .http
            .get(&url)
            .header(http::header::AUTHORIZATION, "Bearer Oracle")
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|err| fail(format!("did not answer ({err})")))?;
        let status = response.status();
        let text = response.text().await.map_err(|err| fail(format!("answered unreadably ({err})")))?;
        if !status.is_success() {
            return Err(fail(format!("answered {status}")));
        }
        Ok(text)
    }

    /// The instance's identity certificate, key and intermediate.
    pub async fn credentials(&self) -> Result<InstanceCredentials, OciError> {
        Ok(InstanceCredentials {
            cert_pem: self.get("identity/cert.pem").await?,
            key_pem: zeroize::Zeroizing::new(self.get("identity/key.pem").await?),
            intermediate_pem: self.get("identity/intermediate.pem").await?,
        })
    }

    /// The instance's region, as an id or short code.
    pub async fn region(&self) -> Result<String, OciError> {
        Ok(self.get("instance/region").await?.trim().to_ascii_lowercase())
    }
}
