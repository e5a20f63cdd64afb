//! Verifying OCI request signatures: the mirror of `oci::signer`.
//!
//! Checks, in order, each failing with 401 NotAuthenticated and a message naming the check: an
//! `Authorization: Signature ...` header with `version="1"`, `algorithm="rsa-sha256"`, `keyId`,
//! `headers` and `signature`; the method's minimum header set (`date (request-target) host`, plus
//! `content-length content-type x-content-sha256` for POST, PUT and PATCH, except Object Storage
//! PutObject); every signed header present; the signed `date` (or a signed `x-date`, which wins)
//! within 5 minutes; the `keyId` registered; the RSA PKCS#1 v1.5 SHA-256 signature over the
//! signing string rebuilt from the raw request line and header values in the order `headers`
//! gives; and only then, once the body is read, `content-length` and `x-content-sha256` equal to
//! the body received ([`verify_head`], then [`SignedBody::check_body`]).

use super::auth_service::state::{Authority, verify_with_jwk};
use super::error::SandboxError;
use crate::oci::token::Claims;
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, TimeDelta, Utc};
use http::Method;
use http::request::Parts;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Largest clock difference OCI tolerates.
const MAX_SKEW: TimeDelta = TimeDelta::minutes(5);

/// Public keys the sandbox trusts, by `keyId` (`tenancy/user/fingerprint`), and the authority
/// whose security tokens (`ST$<token>` key ids) it accepts for its tenancy.
#[derive(Debug, Default)]
pub struct KeyStore {
    keys: RwLock<HashMap<String, Vec<u8>>>,
    tokens: Option<(Arc<Authority>, String)>,
}

/// Who signed a verified request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// The `keyId`, with a security token replaced by `ST$<principal>` (tokens are credentials:
    /// they are never recorded).
    pub key_id: String,
    /// The principal: the user of an API key, or the token's subject.
    pub principal: String,
    /// The security token's claims, for token-signed requests.
    pub claims: Option<Claims>,
    /// The security token itself, for token-signed requests (to compare with a refresh body).
    pub token: Option<String>,
}

/// The public key a request must verify with.
enum PublicKey {
    /// DER, as registered.
    Der(Vec<u8>),
    /// A security token's session key.
    Jwk(crate::oci::token::Jwk),
}

/// A public key that could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// Not a PEM public key.
    #[error("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)")]
    NotPem,
    /// The key id is not `tenancy/user/fingerprint`.
    #[error("key id \"{0}\" is not tenancy/user/fingerprint")]
    KeyId(String),
}

impl KeyStore {
    /// A store that also accepts the security tokens `authority` issues for `tenancy`.
    pub fn with_tokens(authority: Arc<Authority>, tenancy: &str) -> Self {
        Self { keys: RwLock::default(), tokens: Some((authority, tenancy.to_owned())) }
    }

    /// Trusts the DER public key (SubjectPublicKeyInfo or PKCS#1) for `key_id`.
    pub fn trust_der(&self, key_id: &str, der: Vec<u8>) -> Result<(), TrustError> {
        if key_id.split('/').count() != 3 || key_id.split('/').any(str::is_empty) {
            return Err(TrustError::KeyId(key_id.to_owned()));
        }
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(key_id.to_owned(), der);
        }
        Ok(())
    }

    /// Trusts a PEM public key for `key_id`.
    pub fn trust_pem(&self, key_id: &str, pem_text: &[u8]) -> Result<(), TrustError> {
        let block = pem::parse(pem_text).map_err(|_| TrustError::NotPem)?;
        if !matches!(block.tag(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(TrustError::NotPem);
        }
        self.trust_der(key_id, block.into_contents())
    }

    fn get(&self, key_id: &str) -> Option<Vec<u8>> {
        self.keys.read().ok().and_then(|keys| keys.get(key_id).cloned())
    }

    /// The key `key_id` names and who it belongs to: a registered key, or a security token this
    /// tenancy's authority issued, unexpired at `now`.
    fn resolve(&self, key_id: &str, now: DateTime<Utc>) -> Result<(PublicKey, Caller), SandboxError> {
        if let Some(token) = key_id.strip_prefix("ST$") {
            let Some((authority, tenancy)) = &self.tokens else {
                return Err(SandboxError::not_authenticated("This sandbox does not accept security tokens."));
            };
            let claims = authority.verify(token, now)?;
            if claims.tenancy() != Some(tenancy.as_str()) {
                return Err(SandboxError::not_authenticated(
                    "The security token was issued for another tenancy than the one it is used in.",
                ));
            }
            let caller = Caller {
                key_id: format!("ST${}", claims.sub),
                principal: claims.sub.clone(),
                claims: Some(claims.clone()),
                token: Some(token.to_owned()),
            };
            return Ok((PublicKey::Jwk(claims.jwk), caller));
        }
        let der = self.get(key_id).ok_or_else(|| {
            SandboxError::not_authenticated(format!(
                "The keyId {key_id} is not registered with this sandbox; trust its public key first."
            ))
        })?;
        let principal = key_id.split('/').nth(1).unwrap_or_default().to_owned();
        Ok((PublicKey::Der(der), Caller { key_id: key_id.to_owned(), principal, claims: None, token: None }))
    }
}

/// The parameters of an `Authorization: Signature ...` header.
#[derive(Debug, Default)]
struct SignatureParams {
    version: Option<String>,
    algorithm: Option<String>,
    key_id: Option<String>,
    headers: Option<String>,
    signature: Option<String>,
}

fn parse_params(value: &str) -> Result<SignatureParams, SandboxError> {
    let rest = value.strip_prefix("Signature ").ok_or_else(|| {
        SandboxError::not_authenticated("The Authorization header does not use the Signature scheme.")
    })?;
    let mut params = SignatureParams::default();
    let mut remaining = rest.trim();
    while !remaining.is_empty() {
        let (name, after) = remaining
            .split_once('=')
            .ok_or_else(|| SandboxError::not_authenticated("The Authorization header is malformed."))?;
        let after = after
            .strip_prefix('"')
            .ok_or_else(|| SandboxError::not_authenticated(format!("Authorization parameter {name} is not quoted.")))?;
        let (value, tail) = after.split_once('"').ok_or_else(|| {
            SandboxError::not_authenticated(format!("Authorization parameter {name} is not terminated."))
        })?;
        let slot = match name.trim() {
            "version" => &mut params.version,
            "algorithm" => &mut params.algorithm,
            "keyId" => &mut params.key_id,
            "headers" => &mut params.headers,
            "signature" => &mut params.signature,
            _ => &mut None,
        };
        *slot = Some(value.to_owned());
        remaining = tail.trim_start_matches(',').trim();
    }
    Ok(params)
}

/// Verifies the signature of a request whose raw body is `body`, at time `now`.
pub fn verify(parts: &Parts, body: &[u8], keys: &KeyStore, now: DateTime<Utc>) -> Result<(), SandboxError> {
    verify_head(parts, keys, now)?.0.check_body(body)
}

/// What a verified signature says the body must be: checked once the body is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedBody {
    /// The signed `content-length`, when it was signed.
    pub length: Option<usize>,
    /// The signed `x-content-sha256`, when it was signed.
    pub sha256: Option<String>,
}

impl SignedBody {
    /// Checks the body received against the signed length and hash.
    pub fn check_body(&self, body: &[u8]) -> Result<(), SandboxError> {
        if let Some(length) = self.length
            && length != body.len()
        {
            return Err(SandboxError::not_authenticated(format!(
                "The content-length header says {length} but the body has {} bytes.",
                body.len()
            )));
        }
        if let Some(declared) = &self.sha256
            && BASE64.encode(digest(&SHA256, body)) != *declared
        {
            return Err(SandboxError::not_authenticated(
                "The x-content-sha256 header does not match the body: it was changed or hashed wrongly.",
            ));
        }
        Ok(())
    }
}

/// Verifies everything about a request's signature that does not need its body: the header set,
/// the signed date's skew and the RSA signature over the signed headers (which include the body's
/// length and hash). Done before the body is read, so an unsigned or forged request costs no more
/// than its headers, whatever body it announces.
pub fn verify_head(parts: &Parts, keys: &KeyStore, now: DateTime<Utc>) -> Result<(SignedBody, Caller), SandboxError> {
    let mut caller = Caller::default();
    let body = verify_head_with(parts, now, &required_headers(parts), |key_id| {
        let (key, found) = keys.resolve(key_id, now)?;
        caller = found;
        Ok(key)
    })?;
    Ok((body, caller))
}

/// Verifies a request signed by the private half of `public_key_der` (SubjectPublicKeyInfo or
/// PKCS#1) under a key id `accept` approves, with `required` signed: how the auth service checks a
/// certificate exchange, whose key comes in the body. Returns the key id with what the body must be.
pub fn verify_head_with_key(
    parts: &Parts,
    now: DateTime<Utc>,
    required: &[&'static str],
    public_key_der: &[u8],
    accept: impl FnOnce(&str) -> Result<(), SandboxError>,
) -> Result<SignedBody, SandboxError> {
    verify_head_with(parts, now, required, |key_id| {
        accept(key_id)?;
        Ok(PublicKey::Der(public_key_der.to_vec()))
    })
}

fn verify_head_with(
    parts: &Parts,
    now: DateTime<Utc>,
    required: &[&'static str],
    resolve: impl FnOnce(&str) -> Result<PublicKey, SandboxError>,
) -> Result<SignedBody, SandboxError> {
    fn fail(message: impl Into<String>) -> SandboxError {
        SandboxError::not_authenticated(message)
    }
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| fail("The request is not signed: there is no Authorization header."))?
        .to_str()
        .map_err(|_| fail("The Authorization header is not text."))?;
    let params = parse_params(authorization)?;
    if params.version.as_deref() != Some("1") {
        return Err(fail("The signature version must be \"1\"."));
    }
    if params.algorithm.as_deref() != Some("rsa-sha256") {
        return Err(fail("The signature algorithm must be \"rsa-sha256\"."));
    }
    let key_id = params.key_id.ok_or_else(|| fail("The Authorization header has no keyId."))?;
    let signed = params.headers.ok_or_else(|| fail("The Authorization header has no headers list."))?;
    let signature = params.signature.ok_or_else(|| fail("The Authorization header has no signature."))?;
    let signed: Vec<String> = signed.split_whitespace().map(str::to_ascii_lowercase).collect();

    for &required in required {
        let present = if required == "date" {
            signed.iter().any(|h| h == "date" || h == "x-date")
        } else {
            signed.iter().any(|h| h == required)
        };
        if !present {
            return Err(fail(format!("The signed headers must include {required} for {} requests.", parts.method)));
        }
    }

    let header_text = |name: &str| -> Result<String, SandboxError> {
        let value = if name == "host" {
            parts
                .headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
        } else {
            parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        value.ok_or_else(|| fail(format!("The signed header {name} is missing from the request.")))
    };

    // The date whose skew counts is the signed one: an unsigned x-date added to a captured
    // request must not make it look fresh. When both are signed, x-date wins (as in OCI).
    let date_header = if signed.iter().any(|h| h == "x-date") { "x-date" } else { "date" };
    let date_text = header_text(date_header)?;
    let date: DateTime<Utc> = httpdate::parse_http_date(&date_text)
        .map_err(|_| fail(format!("The {date_header} header \"{date_text}\" is not an HTTP date.")))?
        .into();
    if (now - date).abs() > MAX_SKEW {
        return Err(fail(format!(
            "The {date_header} header {date_text} is more than 5 minutes from the sandbox's clock ({}); check the client's clock.",
            httpdate::fmt_http_date(now.into())
        )));
    }

    let mut body = SignedBody::default();
    if signed.iter().any(|h| h == "content-length") {
        let declared = header_text("content-length")?;
        body.length = Some(
            declared
                .parse::<usize>()
                .map_err(|_| fail(format!("The content-length header \"{declared}\" is not a number.")))?,
        );
    }
    if signed.iter().any(|h| h == "x-content-sha256") {
        body.sha256 = Some(header_text("x-content-sha256")?);
    }

    let target = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |original| &original.0)
        .path_and_query()
        .map_or("/", |p| p.as_str());
    let mut lines = Vec::with_capacity(signed.len());
    for name in &signed {
        let value = if name == "(request-target)" {
            format!("{} {target}", parts.method.as_str().to_ascii_lowercase())
        } else {
            header_text(name)?
        };
        lines.push(format!("{name}: {value}"));
    }
    let signing_string = lines.join("\n");

    let public_key = resolve(&key_id)?;
    let signature = BASE64.decode(signature).map_err(|_| fail("The signature is not base64."))?;
    match public_key {
        PublicKey::Der(der) => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
            .verify(signing_string.as_bytes(), &signature)
            .map_err(|_| {
                let shown = if key_id.starts_with("ST$") { "of the security token" } else { key_id.as_str() };
                fail(format!(
                    "The signature does not verify with the key {shown}: the request was changed after signing, or signed with another key."
                ))
            })?,
        PublicKey::Jwk(jwk) => verify_with_jwk(&jwk, signing_string.as_bytes(), &signature)?,
    }
    Ok(body)
}

/// The minimum signed header set for the request's method.
pub fn required_headers(parts: &Parts) -> Vec<&'static str> {
    let mut required = vec!["date", "(request-target)", "host"];
    let body_method = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    // Object Storage PutObject and UploadPart are signed without the body headers (SDK behaviour).
    let object_upload = parts.method == Method::PUT && parts.uri.path().contains("/o/");
    if body_method && !object_upload {
        required.extend(["content-length", "content-type", "x-content-sha256"]);
    }
    required
}

#[cfg(test)]
mod tests;
