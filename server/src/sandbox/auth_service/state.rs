//! The sandbox's identity authority: the key its security tokens are signed with, and the
//! certificate authority behind its instances' identity certificates.
//!
//! One authority serves every tenancy of a sandbox host (a token names its tenancy, and each
//! tenancy's router checks that it is its own). Keys are made on first use: RSA key generation
//! takes a noticeable moment, and most sandboxes never issue a token. The certificate chain is
//! root → intermediate → one leaf per tenancy, the leaf's subject carrying `OU=opc-tenant:<tenancy>`
//! and `OU=opc-instance:<instance>` as OCI's instance certificates do (the SDK reads the tenancy
//! from it).

use crate::oci::key::PrivateKey;
use crate::oci::token::{self, Claims, Jwk};
use crate::sandbox::error::SandboxError;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use chrono::{DateTime, TimeDelta, Utc};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, RwLock};

/// How long an instance or resource principal token lives (OCI's are valid for about 20 minutes;
/// unconfirmed, the SDKs only rely on `exp`).
pub const PRINCIPAL_TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(20);
/// How long a user session may be refreshed for (`oci session refresh` works for 24 hours).
pub const SESSION_MAX_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// The identity certificate of the sandbox's instance in one tenancy, as its metadata service
/// serves it.
#[derive(Clone)]
pub struct InstanceIdentity {
    /// The instance's OCID.
    pub instance: String,
    /// The leaf certificate, PEM.
    pub cert_pem: String,
    /// The leaf's private key, PEM (PKCS#8).
    pub key_pem: String,
    /// The intermediate certificate, PEM.
    pub intermediate_pem: String,
}

struct Keys {
    token_key: PrivateKey,
    kid: String,
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
}

/// Issues and verifies the sandbox's security tokens and identity certificates.
#[derive(Default)]
pub struct Authority {
    keys: OnceLock<Result<Keys, String>>,
    leaves: Mutex<HashMap<String, InstanceIdentity>>,
    lifetime: RwLock<Option<TimeDelta>>,
    exchanges: AtomicU64,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").field("exchanges", &self.exchanges()).finish_non_exhaustive()
    }
}

/// Whose token is being issued.
#[derive(Debug, Clone)]
pub struct Principal {
    /// `user`, `instance` or `resource`.
    pub ptype: &'static str,
    /// The principal's OCID.
    pub subject: String,
    /// Its tenancy.
    pub tenancy: String,
    /// A resource principal's compartment.
    pub compartment: Option<String>,
}

impl Authority {
    fn keys(&self) -> Result<&Keys, SandboxError> {
        self.keys
            .get_or_init(make_keys)
            .as_ref()
            .map_err(|err| SandboxError::internal(format!("The sandbox's identity authority is unusable: {err}.")))
    }

    /// Shortens every token issued from now on to `lifetime` (tests of expiry and refresh).
    pub fn set_lifetime(&self, lifetime: Option<TimeDelta>) {
        if let Ok(mut slot) = self.lifetime.write() {
            *slot = lifetime;
        }
    }

    fn lifetime_or(&self, default: TimeDelta) -> TimeDelta {
        self.lifetime.read().ok().and_then(|l| *l).unwrap_or(default)
    }

    /// How many tokens were issued by exchanging a certificate or refreshing a session.
    pub fn exchanges(&self) -> u64 {
        self.exchanges.load(Ordering::Relaxed)
    }

    /// A token for `principal`, bound to the session key `public_key_der` (SubjectPublicKeyInfo),
    /// valid for `lifetime` (unless shortened by [`Authority::set_lifetime`]).
    pub fn issue(
        &self,
        principal: &Principal,
        public_key_der: &[u8],
        lifetime: TimeDelta,
        session_until: Option<DateTime<Utc>>,
    ) -> Result<String, SandboxError> {
        let jwk = jwk_of(public_key_der)?;
        let now = Utc::now();
        let lifetime = self.lifetime_or(lifetime);
        let claims = Claims {
            sub: principal.subject.clone(),
            tenant: (principal.ptype != "resource").then(|| principal.tenancy.clone()),
            res_tenant: (principal.ptype == "resource").then(|| principal.tenancy.clone()),
            res_compartment: principal.compartment.clone(),
            ptype: principal.ptype.to_owned(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
            sess_exp: session_until.map(|t| t.timestamp()),
            jwk,
            jti: Some(crate::sandbox::world::random_lowercase(24)),
        };
        self.sign(&claims)
    }

    /// The same session with a new expiry: what `POST /v1/authentication/refresh` answers.
    pub fn refresh(&self, current: &Claims) -> Result<String, SandboxError> {
        let now = Utc::now();
        if let Some(until) = current.sess_exp
            && now.timestamp() >= until
        {
            return Err(SandboxError::not_authenticated(
                "The session has reached its maximum lifetime and cannot be refreshed; authenticate again.",
            ));
        }
        let lifetime = TimeDelta::seconds((current.exp - current.iat).max(60));
        let mut claims = current.clone();
        claims.iat = now.timestamp();
        claims.exp = (now + self.lifetime_or(lifetime)).timestamp();
        claims.jti = Some(crate::sandbox::world::random_lowercase(24));
        if let Some(until) = claims.sess_exp {
            claims.exp = claims.exp.min(until);
        }
        self.exchanges.fetch_add(1, Ordering::Relaxed);
        self.sign(&claims)
    }

    /// Counts a certificate exchange (the token itself comes from [`Authority::issue`]).
    pub fn count_exchange(&self) {
        self.exchanges.fetch_add(1, Ordering::Relaxed);
    }

    fn sign(&self, claims: &Claims) -> Result<String, SandboxError> {
        let keys = self.keys()?;
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": keys.kid});
        let body = serde_json::to_vec(claims).map_err(|err| SandboxError::internal(err.to_string()))?;
        let signing_input = format!("{}.{}", BASE64URL.encode(header.to_string()), BASE64URL.encode(body));
        let signature = keys
            .token_key
            .sign_sha256(signing_input.as_bytes())
            .map_err(|_| SandboxError::internal("The token could not be signed."))?;
        Ok(format!("{signing_input}.{}", BASE64URL.encode(signature)))
    }

    /// The claims of a token this authority issued, refused with 401 when it was not issued here,
    /// was changed, or has expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, SandboxError> {
        let refuse = |why: &str| SandboxError::not_authenticated(format!("The security token is not valid: {why}."));
        let keys = self.keys()?;
        let (header, body, signature) = token::split(token).map_err(|err| refuse(&err.to_string()))?;
        let signature = BASE64URL.decode(signature).map_err(|_| refuse("its signature is not base64url"))?;
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, keys.token_key.public_key_der())
            .verify(format!("{header}.{body}").as_bytes(), &signature)
            .map_err(|_| refuse("it was not issued by this sandbox, or was changed"))?;
        let claims = token::decode_claims(token).map_err(|err| refuse(&err.to_string()))?;
        if now.timestamp() >= claims.exp {
            return Err(SandboxError::not_authenticated(format!(
                "The security token expired at {}; refresh it or authenticate again.",
                claims.expires_at().to_rfc3339()
            )));
        }
        Ok(claims)
    }

    /// The identity of the sandbox's instance in `tenancy`, made on first use.
    pub fn instance_identity(&self, tenancy: &str, region_code: &str) -> Result<InstanceIdentity, SandboxError> {
        let mut leaves = self.leaves.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = leaves.get(tenancy) {
            return Ok(found.clone());
        }
        let keys = self.keys()?;
        let instance = format!("ocid1.instance.oc1.{region_code}.signalboxsandboxhost");
        let made = leaf(keys, tenancy, &instance).map_err(|err| SandboxError::internal(err.to_string()))?;
        leaves.insert(tenancy.to_owned(), made.clone());
        Ok(made)
    }

    /// The DER of the intermediate certificate, the only issuer of leaf certificates.
    pub fn intermediate_der(&self) -> Result<Vec<u8>, SandboxError> {
        Ok(self.keys()?.intermediate.der().to_vec())
    }

    /// The DER of the root certificate, the intermediate's issuer.
    pub fn root_der(&self) -> Result<Vec<u8>, SandboxError> {
        Ok(self.keys()?.root.der().to_vec())
    }
}

/// The JWK of an RSA SubjectPublicKeyInfo of 2048 bits or more.
fn jwk_of(public_key_der: &[u8]) -> Result<Jwk, SandboxError> {
    let jwk = Jwk::of_public_key_der(public_key_der).ok_or_else(|| {
        SandboxError::invalid_parameter("The public key is not an RSA public key (SubjectPublicKeyInfo).")
    })?;
    if BASE64URL.decode(&jwk.n).map_or(0, |n| n.len()) < 256 {
        return Err(SandboxError::invalid_parameter("The public key must be RSA of 2048 bits or more."));
    }
    Ok(jwk)
}

/// Verifies `signature` over `message` with the session key a token's `jwk` names.
pub fn verify_with_jwk(jwk: &Jwk, message: &[u8], signature: &[u8]) -> Result<(), SandboxError> {
    let refuse = || SandboxError::not_authenticated("The security token's key (jwk) is not an RSA key.");
    let n = BASE64URL.decode(&jwk.n).map_err(|_| refuse())?;
    let e = BASE64URL.decode(&jwk.e).map_err(|_| refuse())?;
    RsaPublicKeyComponents { n: &n, e: &e }.verify(&RSA_PKCS1_2048_8192_SHA256, message, signature).map_err(|_| {
        SandboxError::not_authenticated(
            "The signature does not verify with the security token's session key: sign with the key the token was issued for.",
        )
    })
}

fn make_keys() -> Result<Keys, String> {
    let (token_key, _) = PrivateKey::generate().map_err(|err| err.to_string())?;
    let kid =
        hex::encode(&aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token_key.public_key_der()).as_ref()[..8]);
    let root_key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(|err| err.to_string())?;
    let root = CertifiedIssuer::self_signed(ca_params("Signalbox sandbox identity root", None), root_key)
        .map_err(|err| err.to_string())?;
    let intermediate_key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).map_err(|err| err.to_string())?;
    let intermediate = CertifiedIssuer::signed_by(
        ca_params("Signalbox sandbox identity intermediate", Some(0)),
        intermediate_key,
        &root,
    )
    .map_err(|err| err.to_string())?;
    Ok(Keys { token_key, kid, root, intermediate })
}

fn ca_params(name: &str, path_length: Option<u8>) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(path_length.map_or(BasicConstraints::Unconstrained, BasicConstraints::Constrained));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(3650);
    params
}

fn leaf(keys: &Keys, tenancy: &str, instance: &str) -> Result<InstanceIdentity, rcgen::Error> {
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, instance);
    // rcgen keeps one value per attribute type; the second OU goes under the same OID (2.5.4.11).
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 11]), format!("opc-instance:{instance}"));
    dn.push(DnType::OrganizationalUnitName, format!("opc-tenant:{tenancy}"));
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    // OCI rotates instance certificates every few hours; the SDK re-reads them on each exchange.
    params.not_after = now + time::Duration::days(30);
    let cert = params.signed_by(&key, &keys.intermediate)?;
    Ok(InstanceIdentity {
        instance: instance.to_owned(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        intermediate_pem: keys.intermediate.pem(),
    })
}
