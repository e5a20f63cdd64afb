//! The server master key, which encrypts secrets at rest: connection private keys and their pass
//! phrases.
//!
//! It is 32 random bytes, given as base64 by `SIGNALBOX_MASTER_KEY` or kept in
//! `DATA_DIR/master.key` (created on first run with mode 0600). Losing it makes stored private
//! keys unreadable, nothing else. Values are sealed with AES-256-GCM (aws-lc-rs, the signer's
//! crypto library already) under a fresh random nonce, and each is bound to what it is and where
//! it lives (the associated data, such as `connection/7/private_key`), so a ciphertext copied into
//! another row or column does not open.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::{ExposeSecret, SecretString};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Length of the key in bytes.
const KEY_LEN: usize = 32;
/// First byte of every sealed value, so the format can change later.
const FORMAT: u8 = 1;

/// Why the master key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// `SIGNALBOX_MASTER_KEY` is not 32 bytes of base64.
    #[error("SIGNALBOX_MASTER_KEY must be 32 random bytes in base64 (such as the output of `openssl rand -base64 32`)")]
    BadVariable,
    /// The key file is unreadable or malformed.
    #[error("the master key file {path} {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// A sealed value did not open: wrong master key, wrong context, or damaged.
#[derive(Debug, thiserror::Error)]
#[error("a stored secret cannot be decrypted: it was encrypted under another master key, or damaged")]
pub struct OpenError;

/// The key, ready to seal and open.
pub struct MasterKey {
    key: LessSafeKey,
    random: SystemRandom,
    fingerprint: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// The key from the variable's value when given, otherwise from `DATA_DIR/master.key`,
    /// creating that file on first run.
    pub fn load(data_dir: &Path, from_env: Option<&SecretString>) -> Result<Self, MasterKeyError> {
        let bytes = match from_env {
            Some(value) => decode(value.expose_secret()).ok_or(MasterKeyError::BadVariable)?,
            None => load_or_create_file(&data_dir.join("master.key"))?,
        };
        Self::from_bytes(&bytes).ok_or(MasterKeyError::BadVariable)
    }

    /// The key the server would use, without creating a key file when there is none (for
    /// backups and restores, which must not mint a key of their own).
    pub fn existing(data_dir: &Path, from_env: Option<&SecretString>) -> Result<Option<Self>, MasterKeyError> {
        let path = data_dir.join("master.key");
        if from_env.is_none() && !path.exists() {
            return Ok(None);
        }
        Self::load(data_dir, from_env).map(Some)
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let key = UnboundKey::new(&AES_256_GCM, bytes).ok()?;
        // A hash of 32 random bytes reveals nothing of them; its start tells two keys apart.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
        let fingerprint = hex::encode(&digest.as_ref()[..8]);
        Some(Self { key: LessSafeKey::new(key), random: SystemRandom::new(), fingerprint })
    }

    /// The first 8 bytes of the key's SHA-256, in hex: names the key in backups and warnings
    /// without revealing it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Encrypts `plaintext` for `context` (what it is and where it is stored).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        // The system random source failing is not recoverable; aws-lc aborts on it internally too.
        self.random.fill(&mut nonce).unwrap_or_else(|_| std::process::abort());
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
        sealed.push(FORMAT);
        sealed.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        // Sealing in place only fails for inputs over GCM's 64 GB limit.
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut body)
            .unwrap_or_else(|_| std::process::abort());
        sealed.extend_from_slice(&body);
        sealed
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same `context`.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        let (format, rest) = sealed.split_first().ok_or(OpenError)?;
        if *format != FORMAT || rest.len() < NONCE_LEN {
            return Err(OpenError);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError)?;
        let mut body = Zeroizing::new(body.to_vec());
        let plain = self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut body).map_err(|_| OpenError)?;
        Ok(Zeroizing::new(plain.to_vec()))
    }
}

fn decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let bytes = Zeroizing::new(STANDARD.decode(text.trim()).ok()?);
    (bytes.len() == KEY_LEN).then_some(bytes)
}

fn load_or_create_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, MasterKeyError> {
    let fail = |reason: String| MasterKeyError::File { path: path.to_path_buf(), reason };
    if path.exists() {
        let text =
            Zeroizing::new(std::fs::read_to_string(path).map_err(|err| fail(format!("cannot be read ({err})")))?);
        return decode(&text).ok_or_else(|| fail("is not 32 bytes of base64; restore it from a backup".into()));
    }
    let mut bytes = Zeroizing::new(vec![0u8; KEY_LEN]);
    SystemRandom::new().fill(&mut bytes).map_err(|_| fail("cannot be generated: no system randomness".into()))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|err| fail(format!("cannot be created ({err})")))?;
    let text = Zeroizing::new(STANDARD.encode(&*bytes));
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|err| fail(format!("cannot be written ({err})")))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = MasterKey::load(dir.path(), None).expect("a new key");
        let sealed = key.seal(b"-----BEGIN PRIVATE KEY-----", "connection/1/private_key");
        assert!(!sealed.windows(5).any(|w| w == b"BEGIN"), "the plaintext is not visible");
        let opened = key.open(&sealed, "connection/1/private_key").expect("opens");
        assert_eq!(opened.as_slice(), b"-----BEGIN PRIVATE KEY-----");
        assert!(key.open(&sealed, "connection/2/private_key").is_err(), "another row");
        let mut damaged = sealed.clone();
        if let Some(last) = damaged.last_mut() {
            *last ^= 1;
        }
        assert!(key.open(&damaged, "connection/1/private_key").is_err(), "damaged");

        // The file was created 0600 and is read back on the next start.
        let mode = std::fs::metadata(dir.path().join("master.key")).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = MasterKey::load(dir.path(), None).expect("the same key");
        assert!(again.open(&sealed, "connection/1/private_key").is_ok());

        let other = SecretString::from(STANDARD.encode([7u8; 32]));
        let from_env = MasterKey::load(dir.path(), Some(&other)).expect("the variable's key");
        assert!(from_env.open(&sealed, "connection/1/private_key").is_err(), "another key");
    }

    #[test]
    fn a_malformed_variable_or_file_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let short = SecretString::from(STANDARD.encode([1u8; 16]));
        assert!(matches!(MasterKey::load(dir.path(), Some(&short)), Err(MasterKeyError::BadVariable)));
        std::fs::write(dir.path().join("master.key"), "not base64!").expect("write");
        let err = MasterKey::load(dir.path(), None).expect_err("refused");
        assert!(err.to_string().contains("restore it from a backup"), "{err}");
    }
}
