//! Password hashing with Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
//!
//! Hashing runs on the blocking pool: at these settings one hash is tens of milliseconds of CPU,
//! which must not stall the async workers. At most [`CONCURRENT_HASHES`] run at once (each holds
//! 19 MiB): a burst of logins queues for a slot instead of holding a gigabyte of hash memory.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::LazyLock;

/// Shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted, in bytes: long enough for any passphrase or generated password,
/// short enough that hashing one is never the expensive part of a request.
pub const MAX_BYTES: usize = 1024;

/// Hashes computed at the same time; more would not finish sooner on a small machine, only hold
/// more memory.
pub const CONCURRENT_HASHES: usize = 4;
static SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_HASHES);

/// A hash of a random password, verified against when the username does not exist, so a failed
/// login takes as long whether or not the account exists.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| hash_blocking("no such user, no such password").ok());

fn hasher() -> Argon2<'static> {
    // 19,456 KiB, 2 iterations, 1 degree of parallelism: OWASP's Argon2id baseline.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    hasher().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
}

/// Why a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Too short.
    #[error("the password must be at least {MIN_LENGTH} characters long")]
    TooShort,
    /// Too long.
    #[error("the password must be at most {MAX_BYTES} bytes long")]
    TooLong,
    /// Same as the username.
    #[error("the password must not be the username")]
    SameAsUsername,
}

/// Checks a new password against the (deliberately simple, NIST-style) policy.
pub fn check_policy(username: &str, password: &str) -> Result<(), PolicyError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PolicyError::TooShort);
    }
    if password.len() > MAX_BYTES {
        return Err(PolicyError::TooLong);
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(PolicyError::SameAsUsername);
    }
    Ok(())
}

/// Hashes a password into a PHC string.
pub async fn hash(password: &SecretString) -> anyhow::Result<String> {
    let password = password.expose_secret().to_owned();
    let _slot = SLOTS.acquire().await?;
    let hashed = tokio::task::spawn_blocking(move || hash_blocking(&password)).await?;
    hashed.map_err(|err| anyhow::anyhow!("password hashing failed: {err}"))
}

/// Verifies a password against a PHC string (or against a dummy when `hash` is `None`).
pub async fn verify(password: &SecretString, hash: Option<String>) -> anyhow::Result<bool> {
    let password = password.expose_secret().to_owned();
    let exists = hash.is_some();
    let hash = hash.or_else(|| DUMMY_HASH.clone());
    let _slot = SLOTS.acquire().await?;
    let matched = tokio::task::spawn_blocking(move || {
        let Some(hash) = hash else { return false };
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        hasher().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await?;
    Ok(exists && matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id() {
        let password = SecretString::from("correct horse battery staple".to_owned());
        let hashed = hash(&password).await.unwrap();
        assert!(hashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hashed}");
        assert!(verify(&password, Some(hashed.clone())).await.unwrap());
        assert!(!verify(&SecretString::from("wrong".to_owned()), Some(hashed)).await.unwrap());
        assert!(!verify(&password, None).await.unwrap(), "no account never verifies");
    }

    #[test]
    fn the_policy_wants_length_not_the_username() {
        assert_eq!(check_policy("admin", "short"), Err(PolicyError::TooShort));
        assert_eq!(check_policy("administrator", "ADMINISTRATOR"), Err(PolicyError::SameAsUsername));
        assert_eq!(check_policy("admin", "a long enough passphrase"), Ok(()));
    }
}
