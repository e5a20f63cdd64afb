//! Reading an instance's identity certificate: the tenancy and instance it names and its
//! fingerprint, as the SDK's `X509FederationClient` reads them.
//!
//! OCI puts the principal in the subject's organisational units: `opc-tenant:<tenancy>` (or
//! `opc-identity:<tenancy>` on some certificate types; the SDK accepts both) and
//! `opc-instance:<instance>`.

use aws_lc_rs::digest::{Algorithm, digest};
use chrono::{DateTime, Utc};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

/// What a certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedIdentity {
    /// The tenancy (`opc-tenant:` or `opc-identity:`).
    pub tenancy: String,
    /// The instance (`opc-instance:`), or the common name when there is none.
    pub instance: String,
    /// The certified public key, DER SubjectPublicKeyInfo.
    pub public_key_der: Vec<u8>,
    /// Valid from.
    pub not_before: DateTime<Utc>,
    /// Valid until.
    pub not_after: DateTime<Utc>,
}

/// A certificate that cannot be read as an instance identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// Not DER X.509.
    #[error("not an X.509 certificate")]
    NotX509,
    /// No tenancy in the subject.
    #[error("the certificate does not name a tenancy (no OU=opc-tenant:...)")]
    NoTenancy,
}

/// The parsed certificate, for callers that also check signatures.
pub fn parse(der: &[u8]) -> Result<Certificate, CertificateError> {
    Certificate::from_der(der).map_err(|_| CertificateError::NotX509)
}

/// Reads the identity a DER certificate carries.
pub fn identity(der: &[u8]) -> Result<CertifiedIdentity, CertificateError> {
    let cert = parse(der)?;
    let tbs = &cert.tbs_certificate;
    let (mut tenancy, mut instance, mut common_name) = (None, None, None);
    for rdn in tbs.subject.0.iter() {
        for attribute in rdn.0.iter() {
            let Ok(value) = std::str::from_utf8(attribute.value.value()) else { continue };
            if let Some(t) = value.strip_prefix("opc-tenant:").or_else(|| value.strip_prefix("opc-identity:")) {
                tenancy = Some(t.to_owned());
            } else if let Some(i) = value.strip_prefix("opc-instance:") {
                instance = Some(i.to_owned());
            } else if attribute.oid == x509_cert::der::oid::db::rfc4519::CN {
                common_name = Some(value.to_owned());
            }
        }
    }
    let public_key_der = tbs.subject_public_key_info.to_der().map_err(|_| CertificateError::NotX509)?;
    let time = |t: &x509_cert::time::Time| {
        DateTime::from_timestamp(i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX), 0)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    Ok(CertifiedIdentity {
        tenancy: tenancy.ok_or(CertificateError::NoTenancy)?,
        instance: instance.or(common_name).unwrap_or_default(),
        public_key_der,
        not_before: time(&tbs.validity.not_before),
        not_after: time(&tbs.validity.not_after),
    })
}

/// The certificate's fingerprint as the SDK writes it in a key id: uppercase hex pairs joined by
/// colons.
pub fn fingerprint(der: &[u8], algorithm: &'static Algorithm) -> String {
    digest(algorithm, der).as_ref().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}
