//! OCI security tokens: the JWTs the identity auth service issues for a session
//! (`oci session authenticate`), an instance principal and a resource principal.
//!
//! A request made with one is signed by the session key the token was issued for, with the keyId
//! `ST$<token>` (see `signer::ApiKey::session`); the token's `jwk` claim is that key's public half,
//! so OCI knows which key must have signed. The client never verifies a token (only OCI can); it
//! reads the claims to know who it is (`sub`, `tenant` or `res_tenant`) and when to renew (`exp`).
//!
//! The sandbox issues and verifies tokens of the same shape (`sandbox::auth_service`): RS256 with
//! the claims the SDKs read (`sub`, `tenant`, `res_tenant`, `res_compartment`, `ptype`, `exp`,
//! `iat`) and a `jwk` carrying `kty`, `n`, `e` and `kid`. Which further claims real tokens carry is
//! not documented (unconfirmed); these are the ones Oracle's SDKs and CLI read.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The public half of a session key, as a JSON Web Key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `RSA`.
    pub kty: String,
    /// Modulus, base64url.
    pub n: String,
    /// Public exponent, base64url.
    pub e: String,
    /// Key id.
    #[serde(default)]
    pub kid: String,
}

impl Jwk {
    /// The JWK of an RSA SubjectPublicKeyInfo (its `kid`: the first 8 bytes of the key's SHA-256,
    /// hex); `None` when it is not one.
    pub fn of_public_key_der(der: &[u8]) -> Option<Self> {
        use pkcs1::der::Decode;
        let spki = pkcs8::spki::SubjectPublicKeyInfoRef::from_der(der).ok()?;
        let rsa = pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes()).ok()?;
        let fingerprint = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        Some(Self {
            kty: "RSA".into(),
            n: BASE64URL.encode(rsa.modulus.as_bytes()),
            e: BASE64URL.encode(rsa.public_exponent.as_bytes()),
            kid: hex::encode(&fingerprint.as_ref()[..8]),
        })
    }

    /// Whether it names the same key as `other` (modulus and exponent; the `kid` is a label).
    pub fn same_key(&self, other: &Jwk) -> bool {
        self.kty == other.kty && self.n == other.n && self.e == other.e
    }
}

/// The claims Signalbox and the SDKs read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The principal: a user, instance or resource OCID.
    pub sub: String,
    /// The principal's tenancy (user and instance principals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The resource's tenancy (resource principals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub res_tenant: Option<String>,
    /// The resource's compartment (resource principals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub res_compartment: Option<String>,
    /// Principal type: `user`, `instance` or `resource`.
    #[serde(default)]
    pub ptype: String,
    /// Issued, seconds since the epoch.
    pub iat: i64,
    /// Expires, seconds since the epoch.
    pub exp: i64,
    /// Last moment a session may be refreshed to (user sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sess_exp: Option<i64>,
    /// The session key the token was issued for.
    pub jwk: Jwk,
    /// The token's unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl Claims {
    /// The tenancy the token acts in.
    pub fn tenancy(&self) -> Option<&str> {
        self.tenant.as_deref().or(self.res_tenant.as_deref()).filter(|t| !t.is_empty())
    }

    /// When the token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Whether it is still good at `now` with `margin` to spare.
    pub fn valid_at(&self, now: DateTime<Utc>, margin: TimeDelta) -> bool {
        now + margin < self.expires_at()
    }
}

/// A token that is not a JWT this client can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the security token is not a JWT with the claims OCI issues ({0})")]
pub struct TokenError(pub &'static str);

/// A security token and its claims, read without verifying (only OCI can verify it).
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityToken {
    text: String,
    claims: Claims,
}

impl std::fmt::Debug for SecurityToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token itself is a credential: only who it names and when it expires are shown.
        f.debug_struct("SecurityToken").field("sub", &self.claims.sub).field("exp", &self.claims.exp).finish()
    }
}

impl SecurityToken {
    /// Reads a token as `oci session authenticate` stores it (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let text = text.trim();
        let claims = decode_claims(text)?;
        Ok(Self { text: text.to_owned(), claims })
    }

    /// The token, as sent after `ST$`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Its claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
}

/// The header and claims segments of a compact JWT, decoded; the signature is left to the caller.
pub fn split(token: &str) -> Result<(&str, &str, &str), TokenError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(claims), Some(signature), None) if !header.is_empty() && !claims.is_empty() => {
            Ok((header, claims, signature))
        }
        _ => Err(TokenError("not three dot-separated parts")),
    }
}

/// The claims of a compact JWT, without checking its signature.
pub fn decode_claims(token: &str) -> Result<Claims, TokenError> {
    let (_, claims, _) = split(token)?;
    let bytes = BASE64URL.decode(claims.trim_end_matches('=')).map_err(|_| TokenError("claims are not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError("claims lack sub, iat, exp or jwk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: &serde_json::Value) -> String {
        let header = BASE64URL.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        format!("{header}.{}.c2ln", BASE64URL.encode(claims.to_string()))
    }

    #[test]
    fn reads_the_claims_the_sdks_read() {
        let text = token(&serde_json::json!({
            "sub": "ocid1.user.oc1..aaaa", "tenant": "ocid1.tenancy.oc1..aaaa", "ptype": "user",
            "iat": 1_700_000_000, "exp": 1_700_003_600, "jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "x"}
        }));
        let parsed = SecurityToken::parse(&format!("  {text}\n")).expect("a token");
        assert_eq!(parsed.as_str(), text, "surrounding whitespace is not part of it");
        assert_eq!(parsed.claims().tenancy(), Some("ocid1.tenancy.oc1..aaaa"));
        let exp = parsed.claims().expires_at();
        let minute = TimeDelta::seconds(60);
        assert!(parsed.claims().valid_at(exp - TimeDelta::seconds(61), minute));
        assert!(!parsed.claims().valid_at(exp - TimeDelta::seconds(59), minute), "a minute to spare is asked for");
        assert!(!format!("{parsed:?}").contains(&text), "Debug never shows the token");
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        for bad in ["", "abc", "a.b", "a.b.c.d", "x.!!!.y", &token(&serde_json::json!({"sub": "x"}))] {
            assert!(SecurityToken::parse(bad).is_err(), "{bad:?} is refused");
        }
    }
}
