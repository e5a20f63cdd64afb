//! `GET .../connections/{connection_id}/cloud-audit`: the cloud's own audit events (OCI Audit
//! ListEvents) for a compartment and time window, each paired with Signalbox's entry for the same
//! `opc-request-id`, so changes made outside Signalbox stand out.
//!
//! Changes only by default: OCI audits every read too, and the reads Signalbox makes to draw its
//! pages would bury the changes. Pairing is by request id only; a change without a Signalbox
//! entry is "out of band" even when a person made it on purpose (console, OCI CLI, scripts).

use super::ApiResult;
use super::audit::{entry, instant};
use super::extract::{Path, Query};
use crate::connections::{check_compartment, reach};
use crate::db::audit_events;
use crate::error::AppError;
use crate::oci::audit::{AuditEvent, AuditWindow};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::audit::{CloudAudit, CloudAuditEvent};
use axum::Json;
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// Most events one answer carries; a busier window is cut, newest kept, and says so.
pub const MAX_EVENTS: usize = 1000;
/// Longest window one request may ask OCI for.
const MAX_WINDOW_DAYS: i64 = 14;

/// Query of the cloud audit view.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CloudAuditQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Start (RFC 3339 or a date); `hours` before the end when omitted.
    pub from: Option<String>,
    /// Length of the window in hours when `from` is omitted (24 by default).
    pub hours: Option<u32>,
    /// End (RFC 3339 or a date, exclusive); now when omitted.
    pub to: Option<String>,
    /// Include reads (GET calls) too.
    #[serde(default)]
    pub reads: bool,
}

/// Handles `GET .../cloud-audit?compartment_id=&from=&to=&reads=`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/cloud-audit",
    tag = "audit",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        CloudAuditQuery
    ),
    responses((status = 200, body = CloudAudit), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_cloud_audit(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<CloudAuditQuery>,
) -> ApiResult<Json<CloudAudit>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let now = Utc::now();
    let to = query.to.as_deref().map(|to| instant("to", to, true)).transpose()?.unwrap_or(now);
    let from = query.from.as_deref().map(|from| instant("from", from, false)).transpose()?;
    let hours = query.hours.unwrap_or(24);
    if i64::from(hours) > MAX_WINDOW_DAYS * 24 {
        return Err(AppError::invalid("hours", format!("Ask for at most {} hours (14 days).", MAX_WINDOW_DAYS * 24)));
    }
    let from = from.unwrap_or(to - TimeDelta::hours(i64::from(hours)));
    if to - from > TimeDelta::days(MAX_WINDOW_DAYS) {
        return Err(AppError::invalid(
            "from",
            format!("The window is longer than {MAX_WINDOW_DAYS} days; narrow it (OCI answers long windows slowly)."),
        ));
    }
    let window = AuditWindow::covering(from, to).map_err(|err| AppError::invalid("to", format!("{err}.")))?;
    let client = reach(&state, team_id, connection_id).await?.client;

    let mut events: Vec<AuditEvent> = Vec::new();
    let mut page: Option<String> = None;
    let mut truncated = false;
    loop {
        let response = client.list_audit_events(&compartment, &window, page.as_deref()).await.map_err(AppError::Oci)?;
        events.extend(response.body.into_iter().filter(|e| query.reads || !is_read(e)));
        page = response.next_page;
        if events.len() > MAX_EVENTS {
            truncated = true;
            break;
        }
        if page.is_none() {
            break;
        }
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.event_time));
    events.truncate(MAX_EVENTS);

    let request_ids: Vec<String> = events.iter().filter_map(|e| e.data.request.id.clone()).collect();
    let mut ours = HashMap::new();
    for row in audit_events::by_request_ids(&state.pool, team_id, &request_ids).await? {
        if let Some(id) = row.opc_request_id.clone() {
            ours.insert(id, entry(&(&row).into())?);
        }
    }
    let events: Vec<CloudAuditEvent> = events.into_iter().map(|event| paired(event, &ours)).collect();
    let out_of_band = events.iter().filter(|e| e.signalbox.is_none()).count();
    Ok(Json(CloudAudit { from: window.start(), to: window.end(), events, out_of_band, truncated, as_of: now }))
}

/// Whether the call only read (OCI audits reads as well as changes).
fn is_read(event: &AuditEvent) -> bool {
    matches!(event.data.request.action.as_deref(), Some("GET" | "HEAD"))
}

fn paired(event: AuditEvent, ours: &HashMap<String, app::api::audit::AuditEntry>) -> CloudAuditEvent {
    let data = event.data;
    let identity = data.identity;
    let request_id = data.request.id;
    CloudAuditEvent {
        signalbox: request_id.as_ref().and_then(|id| ours.get(id).cloned()),
        event_id: event.event_id,
        at: event.event_time,
        operation: data
            .event_name
            .unwrap_or_else(|| event.event_type.rsplit('.').next().unwrap_or_default().to_owned()),
        service: event.source.unwrap_or_default(),
        method: data.request.action.unwrap_or_default(),
        status: data.response.status.unwrap_or_default(),
        resource_name: data.resource_name,
        resource_id: data.resource_id,
        principal: identity.principal_name.or(identity.principal_id).or(identity.credentials),
        request_id,
    }
}
