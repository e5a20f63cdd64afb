//! API signing keys: reading every PEM form OCI users have, and their fingerprints.
//!
//! OCI users hold RSA keys in four forms: PKCS#1 (`RSA PRIVATE KEY`, what older `openssl genrsa`
//! writes), PKCS#8 (`PRIVATE KEY`, the console's download), encrypted PKCS#8 (`ENCRYPTED PRIVATE
//! KEY`) and the legacy OpenSSL encrypted PEM (`Proc-Type: 4,ENCRYPTED` headers, what
//! `openssl genrsa -aes128` or `openssl rsa -traditional -aes128` writes). The PEM framing comes
//! from the `pem` crate, PKCS#8 decryption from RustCrypto's `pkcs8`, and the legacy form is
//! OpenSSL's `EVP_BytesToKey` (MD5, one round) plus CBC from RustCrypto's `aes`/`des`/`cbc`; the
//! parsed key is handed to aws-lc-rs, which does the signing (see `signer.rs` for why).
//!
//! Key material never appears in `Debug` output or error messages.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use md5::{Digest, Md5};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// Why a private key could not be used. Messages name the problem and the fix, never key bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No `-----BEGIN ...-----` block.
    #[error("it is not a PEM file (no -----BEGIN ...----- line); OCI API keys are PEM files")]
    NotPem,
    /// A public key where the private key belongs.
    #[error(
        "it holds a public key; key_file must point at the private key (the public half is what you upload to OCI)"
    )]
    PublicKey,
    /// A PEM block of another kind.
    #[error(
        "it holds a \"{0}\" block; expected an RSA private key (RSA PRIVATE KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY)"
    )]
    UnsupportedBlock(String),
    /// The key is encrypted and no pass phrase was given.
    #[error("the key is encrypted; set pass_phrase for this profile")]
    PassphraseRequired,
    /// Decryption failed: almost always a wrong pass phrase.
    #[error("the key could not be decrypted; check pass_phrase")]
    WrongPassphrase,
    /// A legacy PEM cipher this reader does not implement.
    #[error(
        "the key is encrypted with {0}, which is not supported; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
    )]
    UnsupportedCipher(String),
    /// The DER inside the PEM is not an RSA private key.
    #[error("the key is not a valid RSA private key ({0})")]
    Malformed(String),
    /// The key's encryption asks for more work than any real key needs (an attacker's choice).
    #[error(
        "the key's encryption asks for {0}, more than Signalbox spends on a key; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
    )]
    TooCostly(String),
    /// Too short for OCI.
    #[error(
        "the key is shorter than 2048 bits, which OCI does not accept; generate one with `openssl genrsa -out oci_api_key.pem 2048`"
    )]
    TooSmall,
}

/// An RSA private key ready to sign, with the fingerprint of its public half.
pub struct PrivateKey {
    pair: KeyPair,
    fingerprint: Fingerprint,
    public_key_der: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").field("fingerprint", &self.fingerprint).field("key", &"******").finish()
    }
}

impl PrivateKey {
    /// Reads a PEM private key in any of the supported forms. Text around the PEM block (such as
    /// the `OCI_API_KEY` label Oracle suggests appending) is ignored.
    pub fn from_pem(pem_text: &[u8], pass_phrase: Option<&SecretString>) -> Result<Self, KeyError> {
        let block = pem::parse(pem_text).map_err(|_| KeyError::NotPem)?;
        let pair = match block.tag() {
            "RSA PRIVATE KEY" => {
                let der = match block.headers().get("Proc-Type") {
                    Some(proc_type) if proc_type.contains("ENCRYPTED") => {
                        let dek_info = block
                            .headers()
                            .get("DEK-Info")
                            .ok_or_else(|| KeyError::Malformed("encrypted PEM without a DEK-Info header".into()))?;
                        let pass = pass_phrase.ok_or(KeyError::PassphraseRequired)?;
                        decrypt_legacy(dek_info, pass.expose_secret().as_bytes(), block.contents())?
                    }
                    _ => block.contents().to_vec(),
                };
                KeyPair::from_der(&der).map_err(|err| rejected(&err, pass_phrase.is_some()))?
            }
            "PRIVATE KEY" => KeyPair::from_pkcs8(block.contents()).map_err(|err| rejected(&err, false))?,
            "ENCRYPTED PRIVATE KEY" => {
                let pass = pass_phrase.ok_or(KeyError::PassphraseRequired)?;
                let info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.contents())
                    .map_err(|err| KeyError::Malformed(err.to_string()))?;
                check_cost(&info.encryption_algorithm)?;
                let document = info.decrypt(pass.expose_secret().as_bytes()).map_err(|_| KeyError::WrongPassphrase)?;
                KeyPair::from_pkcs8(document.as_bytes()).map_err(|err| rejected(&err, true))?
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => return Err(KeyError::PublicKey),
            other => return Err(KeyError::UnsupportedBlock(other.to_owned())),
        };
        let spki = pair.public_key().as_der().map_err(|_| KeyError::Malformed("no public key".into()))?;
        let fingerprint = Fingerprint::of_public_key_der(spki.as_ref());
        Ok(Self { pair, fingerprint, public_key_der: spki.as_ref().to_vec() })
    }

    /// Generates a new RSA-2048 key and returns it with its PKCS#8 PEM, for keys Signalbox owns
    /// (the built-in sandbox connection).
    pub fn generate() -> Result<(Self, String), KeyError> {
        let pair = KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| KeyError::Malformed("key generation failed".into()))?;
        let der = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair)
            .map_err(|_| KeyError::Malformed("the new key could not be encoded".into()))?;
        let pem_text = pem::encode(&pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec()));
        let key = Self::from_pem(pem_text.as_bytes(), None)?;
        Ok((key, pem_text))
    }

    /// The public half as a PEM `PUBLIC KEY` block, the form OCI's console takes.
    pub fn public_key_pem(&self) -> String {
        pem::encode(&pem::Pem::new("PUBLIC KEY", self.public_key_der.clone()))
    }

    /// MD5 fingerprint of the public key, as OCI shows it next to an uploaded API key.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The public half as DER SubjectPublicKeyInfo (what is uploaded to OCI, PEM-wrapped).
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, aws_lc_rs::error::Unspecified> {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        // aws-lc-rs ignores the RNG for PKCS#1 v1.5, which is deterministic.
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)?;
        Ok(signature)
    }
}

/// Most PBKDF2 iterations derived for a key (OpenSSL writes 2,048; OWASP's advice for new
/// password hashes is 600,000): a key file is text a team admin pastes, and its KDF parameters
/// decide how long a worker spends on it.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// Most memory scrypt may use for a key (`128 * r * N * p` bytes; OpenSSL's `-scrypt` uses 16 MiB).
pub const MAX_SCRYPT_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses PKCS#8 encryption parameters that would pin a core or exhaust memory, before any
/// derivation starts.
fn check_cost(scheme: &pkcs8::pkcs5::EncryptionScheme<'_>) -> Result<(), KeyError> {
    use pkcs8::pkcs5::{EncryptionScheme, pbes2::Kdf};
    let EncryptionScheme::Pbes2(params) = scheme else {
        return Ok(());
    };
    match &params.kdf {
        Kdf::Pbkdf2(pbkdf2) if pbkdf2.iteration_count > MAX_PBKDF2_ITERATIONS => Err(KeyError::TooCostly(format!(
            "{} PBKDF2 iterations (at most {MAX_PBKDF2_ITERATIONS})",
            pbkdf2.iteration_count
        ))),
        Kdf::Scrypt(scrypt) => {
            let bytes = 128u64
                .saturating_mul(u64::from(scrypt.block_size))
                .saturating_mul(scrypt.cost_parameter)
                .saturating_mul(u64::from(scrypt.parallelization));
            if bytes > MAX_SCRYPT_BYTES {
                Err(KeyError::TooCostly(format!(
                    "{} MiB of scrypt memory (at most {} MiB)",
                    bytes / (1024 * 1024),
                    MAX_SCRYPT_BYTES / (1024 * 1024)
                )))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// Maps aws-lc-rs's refusal (it accepts 2048 to 8192 bits, like OCI) to a reason.
fn rejected(err: &aws_lc_rs::error::KeyRejected, after_decryption: bool) -> KeyError {
    match err.description_() {
        "TooSmall" => KeyError::TooSmall,
        // Garbage after decryption means the pass phrase produced the wrong key stream.
        _ if after_decryption => KeyError::WrongPassphrase,
        other => KeyError::Malformed(other.to_owned()),
    }
}

/// Decrypts the body of a legacy OpenSSL encrypted PEM (`DEK-Info: <cipher>,<iv hex>`).
///
/// The key is OpenSSL's `EVP_BytesToKey` with MD5 and one iteration, salted with the first eight
/// bytes of the IV: `D1 = MD5(pass || salt)`, `Di = MD5(Di-1 || pass || salt)`, concatenated.
fn decrypt_legacy(dek_info: &str, pass: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, KeyError> {
    let (cipher, iv_hex) =
        dek_info.split_once(',').ok_or_else(|| KeyError::Malformed(format!("DEK-Info \"{dek_info}\"")))?;
    let iv = decode_hex(iv_hex.trim()).ok_or_else(|| KeyError::Malformed(format!("DEK-Info IV \"{iv_hex}\"")))?;
    let salt = iv.get(..8).ok_or_else(|| KeyError::Malformed("DEK-Info IV shorter than 8 bytes".into()))?;
    let key_len = match cipher.trim() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        "DES-EDE3-CBC" => 24,
        other => return Err(KeyError::UnsupportedCipher(other.to_owned())),
    };
    let key = bytes_to_key(pass, salt, key_len);
    let wrong = |_| KeyError::WrongPassphrase;
    let bad_iv = |_| KeyError::Malformed("DEK-Info IV has the wrong length".into());
    match cipher.trim() {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(wrong),
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(wrong),
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(wrong),
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
            .map_err(wrong),
    }
}

fn bytes_to_key(pass: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut previous: Option<[u8; 16]> = None;
    while key.len() < len {
        let mut md5 = Md5::new();
        if let Some(block) = previous {
            md5.update(block);
        }
        md5.update(pass);
        md5.update(salt);
        let block: [u8; 16] = md5.finalize().into();
        key.extend_from_slice(&block);
        previous = Some(block);
    }
    key.truncate(len);
    key
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// An API key fingerprint: 16 lowercase hex bytes joined by `:` (MD5 of the DER public key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

/// A fingerprint string that is not 16 colon-separated lowercase hex bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a key fingerprint; expected 16 lowercase hex pairs joined by colons, like 12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0"
)]
pub struct FingerprintError(String);

impl Fingerprint {
    /// Parses the form OCI prints (and the config file holds). Like the SDKs, uppercase is refused
    /// rather than normalised, so the value always matches what the console shows.
    pub fn parse(text: &str) -> Result<Self, FingerprintError> {
        let parts: Vec<&str> = text.split(':').collect();
        let valid = parts.len() == 16
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        if valid { Ok(Self(text.to_owned())) } else { Err(FingerprintError(text.to_owned())) }
    }

    /// The fingerprint of a DER-encoded SubjectPublicKeyInfo.
    pub fn of_public_key_der(der: &[u8]) -> Self {
        let digest = Md5::digest(der);
        Self(digest.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"))
    }

    /// The fingerprint text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_FINGERPRINT: &str = "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8e";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/src/oci/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn pass(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn every_supported_form_gives_the_same_key() {
        for name in ["vector_pkcs1.pem", "vector_pkcs8.pem", "vector_with_label.pem"] {
            let key = PrivateKey::from_pem(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(key.fingerprint().as_str(), VECTOR_FINGERPRINT, "{name}");
        }
        for name in ["vector_pkcs8_encrypted.pem", "vector_legacy_aes128.pem", "vector_legacy_des3.pem"] {
            let key = PrivateKey::from_pem(&fixture(name), Some(&pass("correct-horse")))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(key.fingerprint().as_str(), VECTOR_FINGERPRINT, "{name}");
        }
    }

    #[test]
    fn encrypted_keys_need_the_right_pass_phrase() {
        for name in ["vector_pkcs8_encrypted.pem", "vector_legacy_aes128.pem", "vector_legacy_des3.pem"] {
            assert_eq!(PrivateKey::from_pem(&fixture(name), None).unwrap_err(), KeyError::PassphraseRequired, "{name}");
            assert_eq!(
                PrivateKey::from_pem(&fixture(name), Some(&pass("wrong"))).unwrap_err(),
                KeyError::WrongPassphrase,
                "{name}"
            );
        }
    }

    /// The encrypted fixture re-encoded with its KDF parameters changed by `change`.
    fn with_kdf(change: impl FnOnce(&mut pkcs8::pkcs5::pbes2::Kdf<'_>)) -> Vec<u8> {
        use pkcs8::der::Encode;
        let fixture = fixture("vector_pkcs8_encrypted.pem");
        let block = pem::parse(&fixture).unwrap();
        let mut info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.contents()).unwrap();
        let pkcs8::pkcs5::EncryptionScheme::Pbes2(params) = &mut info.encryption_algorithm else {
            panic!("the fixture uses PBES2");
        };
        change(&mut params.kdf);
        pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", info.to_der().unwrap())).into_bytes()
    }

    /// Defect 18.8: an encrypted key's attacker-chosen KDF cost could pin a worker or exhaust
    /// memory. The cost is refused before any derivation (so this test takes no time).
    #[test]
    fn keys_asking_for_too_much_kdf_work_are_refused_before_deriving() {
        use pkcs8::pkcs5::pbes2::{Kdf, ScryptParams};
        let iterations = with_kdf(|kdf| {
            if let Kdf::Pbkdf2(params) = kdf {
                params.iteration_count = u32::MAX;
            }
        });
        let started = std::time::Instant::now();
        let err = PrivateKey::from_pem(&iterations, Some(&pass("correct-horse"))).unwrap_err();
        assert!(matches!(&err, KeyError::TooCostly(what) if what.contains("PBKDF2")), "{err}");
        const SALT: &[u8] = &[7; 16];
        let scrypt = with_kdf(|kdf| {
            *kdf = Kdf::Scrypt(ScryptParams {
                salt: SALT,
                cost_parameter: 1 << 30,
                block_size: 8,
                parallelization: 1,
                key_length: Some(16),
            });
        });
        let err = PrivateKey::from_pem(&scrypt, Some(&pass("correct-horse"))).unwrap_err();
        assert!(matches!(&err, KeyError::TooCostly(what) if what.contains("scrypt")), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused without deriving");
    }

    #[test]
    fn public_keys_and_other_blocks_are_refused_with_a_reason() {
        assert_eq!(PrivateKey::from_pem(&fixture("vector_public.pem"), None).unwrap_err(), KeyError::PublicKey);
        assert_eq!(PrivateKey::from_pem(b"ssh-rsa AAAAB3Nza user@host", None).unwrap_err(), KeyError::NotPem);
        let cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(PrivateKey::from_pem(cert, None).unwrap_err(), KeyError::UnsupportedBlock("CERTIFICATE".into()));
        let garbage = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(matches!(PrivateKey::from_pem(garbage, None).unwrap_err(), KeyError::Malformed(_)));
    }

    #[test]
    fn keys_below_2048_bits_are_refused() {
        let small = include_str!("testdata/oracle_test_1024.pem");
        assert_eq!(PrivateKey::from_pem(small.as_bytes(), None).unwrap_err(), KeyError::TooSmall);
    }

    #[test]
    fn generated_keys_round_trip_through_pem() {
        let (key, pem_text) = PrivateKey::generate().unwrap();
        let again = PrivateKey::from_pem(pem_text.as_bytes(), None).unwrap();
        assert_eq!(key.fingerprint(), again.fingerprint());
        assert!(key.public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(Fingerprint::of_public_key_der(key.public_key_der()), *key.fingerprint());
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key = PrivateKey::from_pem(&fixture("vector_pkcs1.pem"), None).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains("******") && debug.contains(VECTOR_FINGERPRINT), "{debug}");
        assert!(!debug.contains("MII"), "{debug}");
    }

    #[test]
    fn fingerprints_parse_only_in_the_canonical_form() {
        assert!(Fingerprint::parse(VECTOR_FINGERPRINT).is_ok());
        for bad in [
            "4D:D6:32:4B:FB:9D:E0:46:D0:76:07:37:67:A6:73:8E",
            "4d:d6:32",
            "4dd6324bfb9de046d076073767a6738e",
            "4d:d6:32:4b:fb:9d:e0:46:d0:76:07:37:67:a6:73:8g",
            "",
        ] {
            assert!(Fingerprint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -P -md md5 -pass pass:correct-horse -S 0001020304050607`
        let salt = [0, 1, 2, 3, 4, 5, 6, 7];
        let expected = decode_hex("8E8CE1855E1C0A2E42D0022D1E7DAF0D6A38F28FABE40D598B2629F6AD5EF0DC").unwrap();
        assert_eq!(bytes_to_key(b"correct-horse", &salt, 32), expected);
        assert_eq!(bytes_to_key(b"correct-horse", &salt, 16), expected[..16]);
    }
}
