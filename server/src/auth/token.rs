//! API tokens: `sbx_<prefix>_<secret>`. The prefix (8 characters) finds the row and is shown in
//! lists; only the SHA-256 of the secret (32 random characters) is stored, so the database never
//! holds a usable token. SHA-256 is enough here: the secret is random, not a password.

use aws_lc_rs::digest::{SHA256, digest};
use rand::Rng;
use rand::distr::Alphanumeric;

const SCHEME: &str = "sbx";

/// A freshly generated token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// `sbx_<prefix>` as listed.
    pub prefix: String,
    /// Hex SHA-256 of the secret, for the database.
    pub secret_hash: String,
    /// The whole token, shown once.
    pub full: String,
}

/// Generates a token.
pub fn generate() -> NewToken {
    let prefix: String = random(8);
    let secret: String = random(32);
    NewToken {
        prefix: format!("{SCHEME}_{prefix}"),
        secret_hash: hash_secret(&secret),
        full: format!("{SCHEME}_{prefix}_{secret}"),
    }
}

/// Splits a presented token into its listed prefix and the hash of its secret.
pub fn parse(presented: &str) -> Option<(String, String)> {
    let mut parts = presented.splitn(3, '_');
    let (scheme, prefix, secret) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = scheme == SCHEME
        && prefix.len() == 8
        && secret.len() == 32
        && prefix.bytes().chain(secret.bytes()).all(|b| b.is_ascii_alphanumeric());
    well_formed.then(|| (format!("{SCHEME}_{prefix}"), hash_secret(secret)))
}

/// Constant-time comparison of two hex hashes.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hash_secret(secret: &str) -> String {
    digest(&SHA256, secret.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn random(len: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_hide_their_secret() {
        let token = generate();
        assert!(token.full.starts_with(&format!("{}_", token.prefix)));
        assert!(!token.full.contains(&token.secret_hash));
        let (prefix, hash) = parse(&token.full).unwrap();
        assert_eq!(prefix, token.prefix);
        assert!(hashes_match(&hash, &token.secret_hash));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        for bad in [
            "",
            "sbx_",
            "sbx_short_secret",
            "xyz_abcdefgh_0123456789abcdef0123456789abcdef",
            "sbx_abcdefgh_0123456789abcdef0123456789abcde!",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
