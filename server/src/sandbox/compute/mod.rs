//! Compute instances on the wire (the thin half); each change emits OCI's events.

pub mod state;

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use crate::oci::compute::{Instance, InstanceActionType, InstanceState, LaunchInstanceDetails};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde_json::json;

const PREFIX: &str = "com.oraclecloud.computeapi.";

/// Handles `POST /20160918/instances` (LaunchInstance): emits `launchinstance.begin`, then
/// `launchinstance.end` once RUNNING.
pub async fn launch_instance(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, SandboxError> {
    let details: LaunchInstanceDetails = wire::body(&body)?;
    let instance = sandbox.world().launch_instance(details, wire::retry_token(&headers))?;
    sandbox.emit_instance_event("launchinstance.begin", &instance, json!({"shape": instance.shape}))?;
    let running = sandbox.world().set_instance_state(&instance.id, InstanceState::Running)?;
    sandbox.emit_instance_event("launchinstance.end", &running, json!({"shape": running.shape}))?;
    Ok(wire::json(&instance, None, None))
}

/// Handles `GET /20160918/instances/{instanceId}` (GetInstance).
pub async fn get_instance(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> Result<Response, SandboxError> {
    Ok(wire::json(&sandbox.world().get_instance(&id)?, None, None))
}

/// Query of ListInstances.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    compartment_id: Option<String>,
}

/// Handles `GET /20160918/instances` (ListInstances).
pub async fn list_instances(State(sandbox): State<Sandbox>, uri: Uri) -> Result<Response, SandboxError> {
    let query: ListQuery = wire::query(&uri)?;
    let compartment = query.compartment_id.ok_or_else(|| SandboxError::missing_parameter("compartmentId"))?;
    Ok(wire::json(&sandbox.world().list_instances(&compartment)?, None, None))
}

/// Query of InstanceAction.
#[derive(Debug, serde::Deserialize)]
pub struct ActionQuery {
    action: Option<InstanceActionType>,
}

/// Handles `POST /20160918/instances/{instanceId}?action=...` (InstanceAction): emits
/// `instanceaction.begin` and `instanceaction.end`.
pub async fn instance_action(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, SandboxError> {
    let query: ActionQuery = wire::query(&uri)?;
    let action = query.action.ok_or_else(|| SandboxError::missing_parameter("action"))?;
    let (transitional, done) = sandbox.world().plan_instance_action(&id, &action)?;
    let details = json!({"instanceActionType": action.as_str().to_ascii_lowercase()});
    let moving = sandbox.world().set_instance_state(&id, transitional)?;
    sandbox.emit_instance_event("instanceaction.begin", &moving, details.clone())?;
    let finished = sandbox.world().set_instance_state(&id, done)?;
    sandbox.emit_instance_event("instanceaction.end", &finished, details)?;
    Ok(wire::json(&moving, None, None))
}

/// Handles `DELETE /20160918/instances/{instanceId}` (TerminateInstance): emits
/// `terminateinstance.begin` and `terminateinstance.end`.
pub async fn terminate_instance(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
) -> Result<Response, SandboxError> {
    let terminating = sandbox.world().set_instance_state(&id, InstanceState::Terminating)?;
    sandbox.emit_instance_event("terminateinstance.begin", &terminating, json!({}))?;
    let terminated = sandbox.world().terminate_instance(&id)?;
    sandbox.emit_instance_event("terminateinstance.end", &terminated, json!({}))?;
    Ok(wire::no_content())
}

impl Sandbox {
    fn emit_instance_event(
        &self,
        suffix: &str,
        instance: &Instance,
        additional: serde_json::Value,
    ) -> Result<(), SandboxError> {
        let event = self.world().envelope(super::bus::Envelope {
            event_type: format!("{PREFIX}{suffix}"),
            source: "ComputeApi",
            compartment_id: instance.compartment_id.clone(),
            resource_name: instance.display_name.clone(),
            resource_id: instance.id.clone(),
            availability_domain: Some(instance.availability_domain.clone()),
            freeform_tags: instance.freeform_tags.clone(),
            defined_tags: instance.defined_tags.clone(),
            additional_details: additional,
        });
        self.emit(event).map(|_| ())
    }
}
