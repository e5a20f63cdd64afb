//! `…/connections/{connection_id}/sandbox/activity`: the built-in sandbox's delivery log and
//! outbox. Every team's sandbox connection reaches the same sandbox and can already read all of
//! its topics and subscriptions, so its log shows nothing the connection could not read otherwise.

use super::ApiResult;
use super::extract::Path;
use crate::connections::reach;
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::sandbox::{ACTIVITY_LIMIT, OutboxEntry, SandboxActivity, SandboxDelivery};
use app::api::subscriptions::redact_endpoint;
use axum::Json;
use std::collections::HashMap;

/// Handles `GET …/connections/{connection_id}/sandbox/activity`: newest first.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/sandbox/activity",
    tag = "connections",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id")),
    responses((status = 200, body = SandboxActivity), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn get_sandbox_activity(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
) -> ApiResult<Json<SandboxActivity>> {
    // The team's own tenancy: its log holds this team's deliveries and no one else's.
    let Some(sandbox) = reach(&state, team_id, connection_id).await?.sandbox else {
        return Err(AppError::invalid(
            "connection_id",
            "This connection is to OCI; only the built-in sandbox keeps a log of what it delivered. Pick the sandbox connection.",
        ));
    };
    let names: HashMap<String, String> = {
        let world = sandbox.world();
        world.ons.topic_names()
    };
    let deliveries = sandbox
        .deliveries()
        .into_iter()
        .rev()
        .take(ACTIVITY_LIMIT)
        .map(|d| SandboxDelivery {
            topic_name: names.get(&d.topic_id).cloned(),
            endpoint: redact_endpoint(&d.endpoint),
            kind: serde_json::to_value(d.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            status: serde_json::to_value(d.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            id: d.id,
            message_id: d.message_id,
            topic_id: d.topic_id,
            subscription_id: d.subscription_id,
            protocol: d.protocol,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
        .collect();
    let outbox = sandbox
        .outbox()
        .into_iter()
        .rev()
        .take(ACTIVITY_LIMIT)
        .map(|m| OutboxEntry {
            protocol: m.protocol,
            to: m.to,
            subject: m.subject,
            body: m.body,
            subscription_id: m.subscription_id,
            message_id: m.message_id,
            at: m.at,
        })
        .collect();
    Ok(Json(SandboxActivity { deliveries, outbox, as_of: chrono::Utc::now() }))
}
