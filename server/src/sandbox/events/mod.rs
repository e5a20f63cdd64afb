//! Events rules on the wire (the thin half): path, query and body in, JSON or OCI error out.
//! Mirrors `crate::oci::events` and reuses its structs.

pub mod log;
pub mod state;

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use crate::oci::events::{CreateRuleDetails, UpdateRuleDetails};
use crate::oci::wire::ChangeCompartmentDetails;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

/// Handles `GET /20181201/rules` (ListRules).
pub async fn list_rules(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: state::ListRulesQuery = wire::query(&uri)?;
    let (rules, next) = sandbox.world().list_rules(&query)?;
    Ok(wire::json(&rules, None, next))
}

/// Handles `POST /20181201/rules` (CreateRule).
pub async fn create_rule(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: CreateRuleDetails = wire::body(&body)?;
    let (rule, etag) = sandbox.world().create_rule(details, wire::retry_token(&headers))?;
    Ok(wire::json(&rule, Some(&etag), None))
}

/// Handles `GET /20181201/rules/{ruleId}` (GetRule).
pub async fn get_rule(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    let (rule, etag) = sandbox.world().get_rule(&id)?;
    Ok(wire::json(&rule, Some(&etag), None))
}

/// Handles `PUT /20181201/rules/{ruleId}` (UpdateRule).
pub async fn update_rule(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: UpdateRuleDetails = wire::body(&body)?;
    let (rule, etag) = sandbox.world().update_rule(&id, details, wire::if_match(&headers))?;
    Ok(wire::json(&rule, Some(&etag), None))
}

/// Handles `DELETE /20181201/rules/{ruleId}` (DeleteRule).
pub async fn delete_rule(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, SandboxError> {
    sandbox.world().delete_rule(&id, wire::if_match(&headers))?;
    Ok(wire::no_content())
}

/// Handles `POST /20181201/rules/{ruleId}/actions/changeCompartment` (ChangeRuleCompartment).
pub async fn change_rule_compartment(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: ChangeCompartmentDetails = wire::body(&body)?;
    sandbox.world().change_rule_compartment(&id, &details.compartment_id, wire::if_match(&headers))?;
    Ok(wire::accepted())
}
