//! The sandbox's own administration API under `/sandbox/v1` (signed like every other call): what
//! it delivered, its outbox, function invocations, and trusting more keys. Emitting events and
//! fault injection live with the bus and the fault middleware.

use super::Sandbox;
use super::error::SandboxError;
use super::wire;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

/// Handles `GET /sandbox/v1/deliveries`: every delivery with its attempts, newest last.
pub async fn list_deliveries(State(sandbox): State<Sandbox>) -> Response {
    wire::json(&sandbox.deliveries(), None, None)
}

/// Handles `GET /sandbox/v1/outbox`: e-mails and SMS the sandbox sent instead of sending them.
pub async fn list_outbox(State(sandbox): State<Sandbox>) -> Response {
    wire::json(&sandbox.outbox(), None, None)
}

/// Handles `GET /sandbox/v1/invocations`: every function invocation, oldest first.
pub async fn list_invocations(State(sandbox): State<Sandbox>) -> Response {
    let invocations = sandbox.world().functions.invocations();
    wire::json(&invocations, None, None)
}

/// Handles `GET /sandbox/v1/stream-messages`: what rules' OSS actions wrote, oldest first.
pub async fn list_stream_messages(State(sandbox): State<Sandbox>) -> Response {
    let messages: Vec<_> = sandbox.world().stream_messages.iter().cloned().collect();
    wire::json(&messages, None, None)
}

/// Body of `POST /sandbox/v1/keys`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustKey {
    /// `tenancy/user/fingerprint`.
    pub key_id: String,
    /// PEM public key.
    pub public_key_pem: String,
}

/// Handles `POST /sandbox/v1/keys`: trusts another public key of this tenancy. A key of another
/// tenancy is refused: requests are routed by the tenancy their key names, so trusting it here
/// would let this tenancy's key holder add keys to nothing but confusion.
pub async fn trust_key(State(sandbox): State<Sandbox>, body: Bytes) -> Result<Response, SandboxError> {
    let key: TrustKey = wire::body(&body)?;
    if key.key_id.split('/').next() != Some(sandbox.tenancy()) {
        return Err(SandboxError::invalid_parameter(format!(
            "keyId must name this tenancy ({}/USER/FINGERPRINT).",
            sandbox.tenancy()
        )));
    }
    sandbox
        .trust_user_key(&key.key_id, key.public_key_pem.as_bytes())
        .map_err(|err| SandboxError::invalid_parameter(format!("publicKeyPem: {err}")))?;
    Ok(wire::json(&serde_json::json!({"keyId": key.key_id}), None, None))
}
