//! Identity on the wire (the thin half): compartments, and users and policies, which emit
//! `com.oraclecloud.identitycontrolplane.*` events.

pub mod state;

use super::Sandbox;
use super::bus::Envelope;
use super::error::SandboxError;
use super::wire;
use crate::oci::identity::{CreatePolicyDetails, CreateUserDetails, UpdatePolicyDetails, UpdateUserDetails};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::json;

const PREFIX: &str = "com.oraclecloud.identitycontrolplane.";

/// Handles `GET /20160918/compartments` (ListCompartments).
pub async fn list_compartments(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListCompartmentsQuery = wire::query(&uri)?;
    Ok(wire::json(&sandbox.world().list_compartments(&query)?, None, None))
}

/// Handles `POST /20160918/users` (CreateUser).
pub async fn create_user(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateUserDetails = wire::body(&body)?;
    let user = sandbox.world().create_user(details, wire::retry_token(&headers))?;
    sandbox.emit_identity_event("createuser", &user.compartment_id, &user.name, &user.id)?;
    Ok(wire::json(&user, None, None))
}

/// Handles `PUT /20160918/users/{userId}` (UpdateUser).
pub async fn update_user(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: UpdateUserDetails = wire::body(&body)?;
    let user = sandbox.world().update_user(&id, details)?;
    sandbox.emit_identity_event("updateuser", &user.compartment_id, &user.name, &user.id)?;
    Ok(wire::json(&user, None, None))
}

/// Handles `DELETE /20160918/users/{userId}` (DeleteUser).
pub async fn delete_user(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    let user = sandbox.world().delete_user(&id)?;
    sandbox.emit_identity_event("deleteuser", &user.compartment_id, &user.name, &user.id)?;
    Ok(wire::no_content())
}

/// Handles `POST /20160918/policies` (CreatePolicy).
pub async fn create_policy(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreatePolicyDetails = wire::body(&body)?;
    let policy = sandbox.world().create_policy(details, wire::retry_token(&headers))?;
    sandbox.emit_identity_event("createpolicy", &policy.compartment_id, &policy.name, &policy.id)?;
    Ok(wire::json(&policy, None, None))
}

/// Handles `PUT /20160918/policies/{policyId}` (UpdatePolicy).
pub async fn update_policy(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: UpdatePolicyDetails = wire::body(&body)?;
    let policy = sandbox.world().update_policy(&id, details)?;
    sandbox.emit_identity_event("updatepolicy", &policy.compartment_id, &policy.name, &policy.id)?;
    Ok(wire::json(&policy, None, None))
}

/// Handles `DELETE /20160918/policies/{policyId}` (DeletePolicy).
pub async fn delete_policy(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    let policy = sandbox.world().delete_policy(&id)?;
    sandbox.emit_identity_event("deletepolicy", &policy.compartment_id, &policy.name, &policy.id)?;
    Ok(wire::no_content())
}

impl Sandbox {
    fn emit_identity_event(
        &self,
        suffix: &str,
        compartment_id: &str,
        name: &str,
        id: &str,
    ) -> Result<(), SandboxError> {
        let event = self.world().envelope(Envelope {
            event_type: format!("{PREFIX}{suffix}"),
            source: "IdentityControlPlane",
            compartment_id: compartment_id.to_owned(),
            resource_name: name.to_owned(),
            resource_id: id.to_owned(),
            availability_domain: None,
            freeform_tags: Default::default(),
            defined_tags: Default::default(),
            additional_details: json!({}),
        });
        self.emit(event).map(|_| ())
    }
}
