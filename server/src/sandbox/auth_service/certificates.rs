//! Checking the certificate chain an instance presents: its leaf must be signed by the sandbox's
//! intermediate, which must be among the intermediates sent and signed by the sandbox's root, and
//! be valid now.

use super::state::Authority;
use crate::oci::certificate::{self, CertifiedIdentity};
use crate::sandbox::error::SandboxError;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use chrono::{DateTime, Utc};
use x509_cert::der::Encode;

pub use crate::oci::certificate::fingerprint;

/// The identity of a leaf certificate whose chain leads to the sandbox's root.
pub fn check_chain(
    authority: &Authority,
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    now: DateTime<Utc>,
) -> Result<CertifiedIdentity, SandboxError> {
    let refuse = |why: &str| SandboxError::not_authenticated(format!("The certificate is not accepted: {why}."));
    let ours = authority.intermediate_der()?;
    if !intermediates.contains(&ours) {
        return Err(refuse(
            "the intermediate certificate of the sandbox's identity authority is not among intermediateCertificates",
        ));
    }
    signed_by(&ours, &authority.root_der()?).map_err(|_| refuse("the intermediate is not signed by the root"))?;
    signed_by(leaf, &ours).map_err(|_| refuse("it is not signed by the sandbox's intermediate"))?;
    let identity = certificate::identity(leaf).map_err(|err| refuse(&err.to_string()))?;
    if now < identity.not_before || now > identity.not_after {
        return Err(refuse("it is not valid at this time"));
    }
    Ok(identity)
}

/// Whether `der`'s signature verifies with `issuer`'s key (sha256WithRSAEncryption only).
fn signed_by(der: &[u8], issuer: &[u8]) -> Result<(), ()> {
    let cert = certificate::parse(der).map_err(|_| ())?;
    let issuer = certificate::parse(issuer).map_err(|_| ())?;
    const SHA256_WITH_RSA: x509_cert::der::oid::ObjectIdentifier =
        x509_cert::der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    if cert.signature_algorithm.oid != SHA256_WITH_RSA || cert.tbs_certificate.issuer != issuer.tbs_certificate.subject
    {
        return Err(());
    }
    let tbs = cert.tbs_certificate.to_der().map_err(|_| ())?;
    let key = issuer.tbs_certificate.subject_public_key_info.to_der().map_err(|_| ())?;
    let signature = cert.signature.as_bytes().ok_or(())?;
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key).verify(&tbs, signature).map_err(|_| ())
}
