//! The instance metadata service (`http://169.254.169.254/opc/v2`), the mirror of
//! `oci::metadata`: what an instance principal starts from.
//!
//! It answers as the metadata service of one instance of the tenancy serving it (the sandbox's
//! default tenancy, since its requests are not signed): its identity certificate, that
//! certificate's private key and the intermediate (`/identity/cert.pem`, `/identity/key.pem`,
//! `/identity/intermediate.pem`), its region (`/instance/region`, `/instance/regionInfo`) and its
//! OCID (`/instance/id`). Like OCI's version 2 endpoints it wants `Authorization: Bearer Oracle`
//! and answers 401 without it.
//!
//! Whoever can reach it can act as that instance, as on a real VM; so it is off unless the
//! sandbox was started with it (`--sandbox-metadata-service`), which is for tests and trials.

use super::Sandbox;
use super::error::SandboxError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Handles `GET /opc/v2/{*item}`.
pub async fn get_metadata(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Path(item): Path<String>,
) -> Result<Response, SandboxError> {
    if !sandbox.config().metadata_service {
        return Err(SandboxError::not_implemented("GET", &format!("/opc/v2/{item}")));
    }
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some("Bearer Oracle") {
        return Ok((StatusCode::UNAUTHORIZED, "The metadata service wants the header Authorization: Bearer Oracle.")
            .into_response());
    }
    let config = sandbox.config();
    let text = |body: String| ([(header::CONTENT_TYPE, "text/plain")], body).into_response();
    let identity = || sandbox.authority().instance_identity(sandbox.tenancy(), &config.region_code);
    Ok(match item.as_str() {
        "identity/cert.pem" => text(identity()?.cert_pem),
        "identity/key.pem" => text(identity()?.key_pem),
        "identity/intermediate.pem" => text(identity()?.intermediate_pem),
        "instance/region" => text(config.region.clone()),
        "instance/id" => text(identity()?.instance),
        "instance/regionInfo" => {
            let region = crate::oci::region::Region::parse(&config.region).unwrap_or_default();
            let realm = region.realm();
            axum::Json(serde_json::json!({
                "realmKey": realm.id,
                "realmDomainComponent": realm.domain,
                "regionKey": config.region_code.to_ascii_uppercase(),
                "regionIdentifier": config.region,
            }))
            .into_response()
        }
        _ => return Err(SandboxError::not_found("metadata item", &item)),
    })
}
