//! The identity auth service (`https://auth.<region>.<domain>/v1`), the mirror of
//! `oci::auth_service`: where security tokens come from.
//!
//! - `POST /v1/token/upst/actions/GenerateUpst` (identity data plane `GenerateUserSecurityToken`,
//!   what `oci session authenticate --no-browser` calls): signed with a user's API key, answers a
//!   user session token for the public key in the body, 5 to 60 minutes long.
//! - `POST /v1/authentication/refresh` (what `oci session refresh` calls): signed with the session
//!   (`ST$<token>`), whose token must also be the body's `currentToken`; answers the same session
//!   with a new expiry, until its maximum lifetime.
//! - `POST /v1/x509` (the SDK's `X509FederationClient`): an instance proves who it is with its
//!   identity certificate: the request is signed with the certificate's key under the key id
//!   `<tenancy>/fed-x509/<SHA-1 fingerprint>` (or `fed-x509-sha256`), signing `date
//!   (request-target)` and the body headers but not `host`, as the SDK does. The certificate must
//!   chain through the intermediates given to the sandbox's root and name the tenancy; the answer
//!   is an instance principal token for the session key in `publicKey`.
//! - `POST /sandbox/v1/resource-principal-tokens` (sandbox administration, no OCI counterpart):
//!   what the Functions or container-instance platform hands a resource through
//!   `OCI_RESOURCE_PRINCIPAL_RPST` (version 2.2), for a resource and session key the caller names.

pub mod state;

use super::Sandbox;
use super::auth::Caller;
use super::error::SandboxError;
use super::wire;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use state::{PRINCIPAL_TOKEN_LIFETIME, Principal, SESSION_MAX_LIFETIME};

/// Largest body of a token request (a certificate chain is a few KB).
const MAX_TOKEN_REQUEST: usize = 64 * 1024;

/// Body of `GenerateUpst`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateUpst {
    public_key: String,
    /// A number, or a number in a string: the OCI CLI sends its option's text as it was typed
    /// (`"sessionExpirationInMinutes": "15"`), and OCI accepts it.
    session_expiration_in_minutes: Option<serde_json::Value>,
}

/// Body of `refresh`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Refresh {
    current_token: String,
}

/// Body of the certificate exchange.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct X509Request {
    certificate: String,
    public_key: String,
    #[serde(default)]
    intermediate_certificates: Vec<String>,
}

/// Body of `POST /sandbox/v1/resource-principal-tokens`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceToken {
    resource_id: String,
    compartment_id: String,
    public_key: String,
}

fn token(token: String) -> Response {
    wire::json(&serde_json::json!({ "token": token }), None, None)
}

/// A public key given as PEM or as the bare base64 of its DER (how the SDKs send it).
fn public_key_der(text: &str, field: &str) -> Result<Vec<u8>, SandboxError> {
    let text = text.trim();
    let der = if text.starts_with("-----") {
        pem::parse(text).ok().filter(|p| p.tag() == "PUBLIC KEY").map(pem::Pem::into_contents)
    } else {
        BASE64.decode(text.replace(['\n', '\r'], "")).ok()
    };
    der.ok_or_else(|| {
        SandboxError::invalid_parameter(format!(
            "{field} must be an RSA public key (PEM, or base64 DER SubjectPublicKeyInfo)."
        ))
    })
}

/// Handles `POST /v1/token/upst/actions/GenerateUpst`.
pub async fn generate_upst(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let request: GenerateUpst = wire::body(&body)?;
    if caller.claims.is_some() {
        return Err(SandboxError::not_authenticated(
            "A user security token is generated with an API key, not with a token.",
        ));
    }
    let minutes = match request.session_expiration_in_minutes {
        None => Some(60),
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
        Some(_) => None,
    };
    let Some(minutes) = minutes.filter(|m| (5..=60).contains(m)) else {
        return Err(SandboxError::invalid_parameter("sessionExpirationInMinutes must be between 5 and 60."));
    };
    let der = public_key_der(&request.public_key, "publicKey")?;
    let principal = Principal {
        ptype: "user",
        subject: caller.principal,
        tenancy: sandbox.tenancy().to_owned(),
        compartment: None,
    };
    let issued = sandbox.authority().issue(
        &principal,
        &der,
        TimeDelta::minutes(minutes),
        Some(Utc::now() + SESSION_MAX_LIFETIME),
    )?;
    Ok(token(issued))
}

/// Handles `POST /v1/authentication/refresh`.
pub async fn refresh(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let request: Refresh = wire::body(&body)?;
    let (Some(claims), Some(signed_with)) = (caller.claims, caller.token) else {
        return Err(SandboxError::not_authenticated("A refresh is signed with the session it refreshes (ST$<token>)."));
    };
    if request.current_token.trim() != signed_with {
        return Err(SandboxError::not_authenticated("currentToken is not the token the request is signed with."));
    }
    Ok(token(sandbox.authority().refresh(&claims)?))
}

/// Handles `POST /sandbox/v1/resource-principal-tokens`.
pub async fn mint_resource_token(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let request: ResourceToken = wire::body(&body)?;
    if caller.claims.is_some() {
        return Err(SandboxError::not_authenticated("Resource principal tokens are minted with an API key."));
    }
    let resource = request.resource_id.trim();
    if app::model::ocid::Ocid::parse(resource).is_none() {
        return Err(SandboxError::invalid_parameter("resourceId must be an OCID, such as a function's."));
    }
    let compartment = request.compartment_id.trim();
    sandbox.world().ensure_compartment(compartment, "compartmentId")?;
    let der = public_key_der(&request.public_key, "publicKey")?;
    let principal = Principal {
        ptype: "resource",
        subject: resource.to_owned(),
        tenancy: sandbox.tenancy().to_owned(),
        compartment: Some(compartment.to_owned()),
    };
    Ok(token(sandbox.authority().issue(&principal, &der, PRINCIPAL_TOKEN_LIFETIME, None)?))
}

/// Handles `POST /v1/x509`: verifies the certificate chain and the request's signature with the
/// leaf's key, then answers an instance principal token.
pub async fn federate(State(sandbox): State<Sandbox>, request: Request) -> Response {
    match exchange(&sandbox, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn exchange(sandbox: &Sandbox, request: Request) -> Result<Response, SandboxError> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_TOKEN_REQUEST)
        .await
        .map_err(|_| SandboxError::too_large(format!("The request body is over {MAX_TOKEN_REQUEST} bytes.")))?;
    let request: X509Request = wire::body(&bytes)?;
    let leaf = decode_certificate(&request.certificate, "certificate")?;
    let intermediates = request
        .intermediate_certificates
        .iter()
        .map(|c| decode_certificate(c, "intermediateCertificates"))
        .collect::<Result<Vec<_>, _>>()?;
    let identity = certificates::check_chain(sandbox.authority(), &leaf, &intermediates, Utc::now())?;
    if identity.tenancy != sandbox.tenancy() {
        return Err(SandboxError::not_authenticated("The certificate names another tenancy."));
    }
    let sha1 = certificates::fingerprint(&leaf, &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY);
    let sha256 = certificates::fingerprint(&leaf, &aws_lc_rs::digest::SHA256);
    let required = ["date", "(request-target)", "content-length", "content-type", "x-content-sha256"];
    let signed =
        super::auth::verify_head_with_key(&parts, Utc::now(), &required, &identity.public_key_der, |key_id| {
            let expected = [
                format!("{}/fed-x509/{sha1}", identity.tenancy),
                format!("{}/fed-x509-sha256/{sha256}", identity.tenancy),
            ];
            if expected.iter().any(|e| e.eq_ignore_ascii_case(key_id)) {
                Ok(())
            } else {
                Err(SandboxError::not_authenticated(
                    "The keyId must be <tenancy>/fed-x509/<the certificate's SHA-1 fingerprint> (or fed-x509-sha256).",
                ))
            }
        })?;
    signed.check_body(&bytes)?;
    let session_key = public_key_der(&request.public_key, "publicKey")?;
    let principal =
        Principal { ptype: "instance", subject: identity.instance, tenancy: identity.tenancy, compartment: None };
    sandbox.authority().count_exchange();
    Ok(token(sandbox.authority().issue(&principal, &session_key, PRINCIPAL_TOKEN_LIFETIME, None)?))
}

fn decode_certificate(text: &str, field: &str) -> Result<Vec<u8>, SandboxError> {
    let text = text.trim();
    let der = if text.starts_with("-----") {
        pem::parse(text).ok().map(pem::Pem::into_contents)
    } else {
        BASE64.decode(text.replace(['\n', '\r'], "")).ok()
    };
    der.ok_or_else(|| SandboxError::invalid_parameter(format!("{field} must be a base64 DER certificate.")))
}

pub mod certificates;
