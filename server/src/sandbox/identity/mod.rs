//! Identity on the wire (the thin half): compartments; users, groups, memberships and policies,
//! whose changes emit `com.oraclecloud.identitycontrolplane.*` events.

pub mod state;

use super::Sandbox;
use super::bus::Envelope;
use super::error::SandboxError;
use super::wire;
use crate::oci::identity::{
    AddUserToGroupDetails, CreateCompartmentDetails, CreateGroupDetails, CreatePolicyDetails, CreateUserDetails,
    UpdatePolicyDetails, UpdateUserDetails,
};
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

/// Handles `POST /20160918/compartments` (CreateCompartment).
pub async fn create_compartment(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateCompartmentDetails = wire::body(&body)?;
    let compartment = sandbox.world().create_compartment(details, wire::retry_token(&headers))?;
    sandbox.emit_identity_event(
        "createcompartment",
        &compartment.compartment_id,
        &compartment.name,
        &compartment.id,
    )?;
    Ok(wire::json(&compartment, None, None))
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

/// Handles `GET /20160918/policies` (ListPolicies).
pub async fn list_policies(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListPoliciesQuery = wire::query(&uri)?;
    let (policies, next) = sandbox.world().list_policies(&query)?;
    Ok(wire::json(&policies, None, next))
}

/// Handles `GET /20160918/groups` (ListGroups).
pub async fn list_groups(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListGroupsQuery = wire::query(&uri)?;
    let (groups, next) = sandbox.world().list_groups(&query)?;
    Ok(wire::json(&groups, None, next))
}

/// Handles `POST /20160918/groups` (CreateGroup).
pub async fn create_group(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateGroupDetails = wire::body(&body)?;
    let group = sandbox.world().create_group(details, wire::retry_token(&headers))?;
    sandbox.emit_identity_event("creategroup", &group.compartment_id, &group.name, &group.id)?;
    Ok(wire::json(&group, None, None))
}

/// Handles `GET /20160918/userGroupMemberships` (ListUserGroupMemberships).
pub async fn list_memberships(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListGroupsQuery = wire::query(&uri)?;
    let (memberships, next) = sandbox.world().list_memberships(&query)?;
    Ok(wire::json(&memberships, None, next))
}

/// Handles `POST /20160918/userGroupMemberships` (AddUserToGroup).
pub async fn add_user_to_group(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: AddUserToGroupDetails = wire::body(&body)?;
    let membership = sandbox.world().add_user_to_group(details, wire::retry_token(&headers))?;
    let name = sandbox.world().group(&membership.group_id).map(|g| g.name.clone()).unwrap_or_default();
    sandbox.emit_identity_event("addusertogroup", &membership.compartment_id, &name, &membership.group_id)?;
    Ok(wire::json(&membership, None, None))
}

/// Handles `DELETE /20160918/userGroupMemberships/{id}` (RemoveUserFromGroup).
pub async fn remove_user_from_group(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Response, SandboxError> {
    let membership = sandbox.world().remove_user_from_group(&id)?;
    let name = sandbox.world().group(&membership.group_id).map(|g| g.name.clone()).unwrap_or_default();
    sandbox.emit_identity_event("removeuserfromgroup", &membership.compartment_id, &name, &membership.group_id)?;
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
