//! The identity auth service (`https://auth.<region>.<domain>/v1`): where security tokens come
//! from. The sandbox mirrors it in `sandbox::auth_service`.
//!
//! - [`OciClient::generate_user_security_token`]: a user session for a session key, signed with
//!   the user's API key (what `oci session authenticate --no-browser` does);
//! - [`OciClient::refresh_session`]: the same session with a new expiry, signed with the session
//!   itself (what `oci session refresh` does);
//! - [`OciClient::exchange_certificate`]: an instance principal token for a session key, signed
//!   with the instance's identity certificate (the SDK's `X509FederationClient`).

use super::client::{Call, OciClient, SignWith};
use super::error::{OciError, Operation, Verb};
use super::key::PrivateKey;
use super::region::Service;
use super::signer::ApiKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::Method;
use serde::{Deserialize, Serialize};

const fn op(name: &'static str) -> Operation {
    Operation { name, service: Service::Auth, resource: "security-tokens", verb: Verb::Use }
}

/// GenerateUserSecurityToken.
pub static GENERATE_UPST: Operation = op("GenerateUserSecurityToken");
/// RefreshSecurityToken.
pub static REFRESH: Operation = op("RefreshSecurityToken");
/// X509 federation.
pub static X509: Operation = op("RequestInstancePrincipalToken");

/// What every token request answers.
#[derive(Debug, Deserialize)]
struct Token {
    token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerateUpst<'a> {
    public_key: &'a str,
    session_expiration_in_minutes: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Refresh<'a> {
    current_token: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct X509Request<'a> {
    certificate: &'a str,
    public_key: &'a str,
    intermediate_certificates: Vec<&'a str>,
}

/// The base64 body of a PEM block, without armour or line breaks (how the SDK sends
/// certificates and keys).
pub fn bare_base64(der: &[u8]) -> String {
    BASE64.encode(der)
}

impl OciClient {
    /// [GenerateUserSecurityToken](https://docs.oracle.com/iaas/api/#/en/identity-dp/v1/SecurityToken/GenerateUserSecurityToken):
    /// a session token for `public_key_pem`, lasting `minutes` (5 to 60).
    pub async fn generate_user_security_token(&self, public_key_pem: &str, minutes: i64) -> Result<String, OciError> {
        let body = GenerateUpst { public_key: public_key_pem, session_expiration_in_minutes: minutes };
        let call = Call::new(&GENERATE_UPST, Method::POST, "/token/upst/actions/GenerateUpst".into()).json(&body)?;
        Ok(self.send::<Token>(call).await?.body.token)
    }

    /// Refreshes the session `session` signs for (its token goes in the body too).
    pub async fn refresh_session(&self, token: &str, session: &ApiKey) -> Result<String, OciError> {
        let call = Call::new(&REFRESH, Method::POST, "/authentication/refresh".into())
            .json(&Refresh { current_token: token })?;
        Ok(self.send_with::<Token>(call, SignWith::Key(session)).await?.body.token)
    }

    /// Exchanges an instance's identity certificate (DER, with its key and the intermediates) for
    /// an instance principal token bound to `session_public_key_der`.
    pub async fn exchange_certificate(
        &self,
        tenancy: &str,
        leaf_der: &[u8],
        leaf_key: &PrivateKey,
        intermediates_der: &[Vec<u8>],
        session_public_key_der: &[u8],
    ) -> Result<String, OciError> {
        let leaf = bare_base64(leaf_der);
        let public_key = bare_base64(session_public_key_der);
        let intermediates: Vec<String> = intermediates_der.iter().map(|d| bare_base64(d)).collect();
        let body = X509Request {
            certificate: &leaf,
            public_key: &public_key,
            intermediate_certificates: intermediates.iter().map(String::as_str).collect(),
        };
        // The SDK's AuthTokenRequestSigner names the certificate by its SHA-1 fingerprint.
        let fingerprint = super::certificate::fingerprint(leaf_der, &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY);
        let key_id = format!("{tenancy}/fed-x509/{fingerprint}");
        let call = Call::new(&X509, Method::POST, "/x509".into()).json(&body)?;
        Ok(self.send_with::<Token>(call, SignWith::Federation { key_id: &key_id, key: leaf_key }).await?.body.token)
    }
}
