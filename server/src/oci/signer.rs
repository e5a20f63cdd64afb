//! OCI HTTP request signatures (signature version 1, `rsa-sha256`), exactly as Oracle's SDKs make
//! them.
//!
//! Every request signs `date (request-target) host`; POST, PUT and PATCH also sign
//! `content-length content-type x-content-sha256`, where `x-content-sha256` is the base64 SHA-256 of
//! the exact body bytes (an empty body included). The `(request-target)` is the lowercase method
//! and the path and query exactly as sent, already percent-encoded; `host` is the URL authority,
//! with the port when the URL names one (the sandbox on loopback). The `Authorization` parameters
//! follow the Python SDK's order, so headers compare byte for byte with its output. The date is a
//! parameter, so tests pin it.
//!
//! The RSA operation uses aws-lc-rs. Measured on this machine (`../shared/TOOLCHAIN.md`, RSA-2048
//! PKCS#1 v1.5 + SHA-256, one core): aws-lc-rs ~4,650 signatures/s, ring ~2,300, the `rsa` crate
//! 0.10 ~660 (0.9: ~970, with an unfixed timing side channel), the Python SDK's whole signer on
//! OpenSSL ~3,550. Only aws-lc-rs clears the target of 1.2x the Python SDK, it is constant-time,
//! and it is already the TLS provider of our HTTP stack. `BENCHMARKS.md` has the figures for this
//! signer.

use super::key::PrivateKey;
use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, DATE, HOST, HeaderName, HeaderValue};
use http::{Method, Request};
use std::fmt;
use std::fmt::Write as _;
use std::sync::Arc;

/// The body hash header OCI requires on requests with a body.
pub const X_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-content-sha256");

/// Pseudo-header of the signing string: lowercase method and the path with query.
const REQUEST_TARGET: &str = "(request-target)";

/// Header list of requests without a signed body, in signing order.
const HEADERS_WITHOUT_BODY: &str = "date (request-target) host";

/// Header list of POST, PUT and PATCH, in signing order.
const HEADERS_WITH_BODY: &str = "date (request-target) host content-length content-type x-content-sha256";

/// Header list of a certificate exchange with a body (the SDK's `AuthTokenRequestSigner`).
const FEDERATION_HEADERS_WITH_BODY: &str = "date (request-target) content-length content-type x-content-sha256";

/// Header list of a certificate exchange without a body.
const FEDERATION_HEADERS_WITHOUT_BODY: &str = "date (request-target)";

/// Content type the SDKs assume for bodies that do not name one.
const DEFAULT_CONTENT_TYPE: &str = "application/json";

/// The key a request is signed with and the `keyId` that names it: a user's API key
/// (`<tenancy>/<user>/<fingerprint>`), or a session key with its security token (`ST$<token>`, as
/// the SDK's `SecurityTokenSigner` writes it for a profile with `security_token_file`).
pub struct ApiKey {
    key_id: String,
    key: Arc<PrivateKey>,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A security token is a bearer credential: it never reaches a log line.
        let key_id = if self.key_id.starts_with("ST$") { "ST$(token)" } else { &self.key_id };
        f.debug_struct("ApiKey").field("key_id", &key_id).field("key", &self.key).finish()
    }
}

impl ApiKey {
    /// The key of `user` in `tenancy`; the fingerprint in the key id is the key's own.
    pub fn new(tenancy: &str, user: &str, key: PrivateKey) -> Self {
        Self { key_id: format!("{tenancy}/{user}/{}", key.fingerprint()), key: Arc::new(key) }
    }

    /// A session key with the security token OCI issued for it (`oci session authenticate`); the
    /// token is opaque here, and OCI checks it and its expiry.
    pub fn session(token: &str, key: PrivateKey) -> Self {
        Self::session_shared(token, Arc::new(key))
    }

    /// [`ApiKey::session`] with a key shared by the tokens a session is renewed with.
    pub fn session_shared(token: &str, key: Arc<PrivateKey>) -> Self {
        Self { key_id: format!("ST${}", token.trim()), key }
    }

    /// The key a request is signed with.
    pub fn private_key(&self) -> &Arc<PrivateKey> {
        &self.key
    }

    /// The public key as PEM, for registering it (with OCI, or with the sandbox).
    pub fn public_key_pem(&self) -> String {
        self.key.public_key_pem()
    }

    /// `<tenancy>/<user>/<fingerprint>` or `ST$<token>`, as sent in the `keyId` parameter.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

/// Why a request could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The URL has no host.
    #[error("the request URL {0} has no host to sign")]
    NoHost(String),
    /// A header to be signed holds bytes that cannot be signed as text.
    #[error("the {0} header is not printable ASCII and cannot be signed")]
    HeaderValue(&'static str),
    /// The cryptographic library refused to sign.
    #[error("the RSA signature could not be computed")]
    Rsa,
}

/// Adds `date`, `host`, the body headers where the method signs them, and `authorization`.
pub fn sign(request: &mut Request<Bytes>, key: &ApiKey, now: DateTime<Utc>) -> Result<(), SignError> {
    let date = httpdate::fmt_http_date(now.into());
    authorize(request, &key.key_id, &date, true, |message| key.key.sign_sha256(message).map_err(|_| SignError::Rsa))
}

/// Signs a certificate exchange with the identity auth service as the SDK's
/// `AuthTokenRequestSigner` does: key id `<tenancy>/fed-x509/<fingerprint>`, and `host` left out
/// of the signed headers.
pub fn sign_federation(
    request: &mut Request<Bytes>,
    key_id: &str,
    key: &PrivateKey,
    now: DateTime<Utc>,
) -> Result<(), SignError> {
    let date = httpdate::fmt_http_date(now.into());
    authorize(request, key_id, &date, false, |message| key.sign_sha256(message).map_err(|_| SignError::Rsa))
}

/// The signing procedure with the date as text and the RSA step passed in, so tests can also
/// reproduce Oracle's published vectors: they sign a date whose weekday is wrong (5 January 2014
/// was a Sunday, the vector says Thursday) with a 1024-bit key that aws-lc-rs, like OCI, refuses.
pub(crate) fn authorize(
    request: &mut Request<Bytes>,
    key_id: &str,
    date: &str,
    with_host: bool,
    rsa: impl FnOnce(&[u8]) -> Result<Vec<u8>, SignError>,
) -> Result<(), SignError> {
    let uri = request.uri();
    let authority = uri.authority().ok_or_else(|| SignError::NoHost(uri.to_string()))?;
    let host = authority.as_str().rsplit('@').next().unwrap_or(authority.as_str()).to_owned();
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let method = request.method().as_str().to_ascii_lowercase();

    let mut signing = String::with_capacity(320 + target.len());
    // Writing to a String cannot fail.
    let _ = write!(signing, "date: {date}\n{REQUEST_TARGET}: {method} {target}");
    if with_host {
        let _ = write!(signing, "\nhost: {host}");
    }
    let signs_body = matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH);
    let body_headers = if signs_body {
        let body_hash = BASE64.encode(digest(&SHA256, request.body()));
        let length = request.body().len().to_string();
        let content_type = match request.headers().get(CONTENT_TYPE) {
            Some(value) => value.to_str().map_err(|_| SignError::HeaderValue("content-type"))?.to_owned(),
            None => DEFAULT_CONTENT_TYPE.to_owned(),
        };
        let _ =
            write!(signing, "\ncontent-length: {length}\ncontent-type: {content_type}\nx-content-sha256: {body_hash}");
        Some((length, content_type, body_hash))
    } else {
        None
    };

    let signature = BASE64.encode(rsa(signing.as_bytes())?);
    let signed = match (signs_body, with_host) {
        (true, true) => HEADERS_WITH_BODY,
        (false, true) => HEADERS_WITHOUT_BODY,
        (true, false) => FEDERATION_HEADERS_WITH_BODY,
        (false, false) => FEDERATION_HEADERS_WITHOUT_BODY,
    };
    let authorization = format!(
        "Signature algorithm=\"rsa-sha256\",headers=\"{signed}\",keyId=\"{key_id}\",signature=\"{signature}\",version=\"1\""
    );

    let headers = request.headers_mut();
    headers.insert(DATE, header_value(date, "date")?);
    headers.insert(HOST, header_value(&host, "host")?);
    if let Some((length, content_type, body_hash)) = body_headers {
        headers.insert(CONTENT_LENGTH, header_value(&length, "content-length")?);
        headers.insert(CONTENT_TYPE, header_value(&content_type, "content-type")?);
        headers.insert(X_CONTENT_SHA256, header_value(&body_hash, "x-content-sha256")?);
    }
    headers.insert(AUTHORIZATION, header_value(&authorization, "authorization")?);
    Ok(())
}

fn header_value(text: &str, name: &'static str) -> Result<HeaderValue, SignError> {
    HeaderValue::from_str(text).map_err(|_| SignError::HeaderValue(name))
}

#[cfg(test)]
mod tests;
