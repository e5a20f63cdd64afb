//! The audit trail: who changed what, when, through which connection, and whether OCI accepted
//! it. Lists are newest first and paged with a cursor (the id to continue below), so a page
//! stays fast however long the trail grows.

use super::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One entry of the trail, as the timeline lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Position in the chain.
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who: a username, or what a failed login claimed to be.
    pub actor_name: String,
    /// Whether an API token acted (rather than a browser session).
    pub by_token: bool,
    /// The team it belongs to.
    pub team_id: Option<i64>,
    /// `ui`, `api`, `cli`, `engine` or `system`.
    pub source: String,
    /// `rule.update`, `topic.create`, `auth.login`, …
    pub action: String,
    /// `rule`, `topic`, `subscription`, `user`, …
    pub target_kind: Option<String>,
    /// OCID or id of the target.
    pub target_id: Option<String>,
    /// Name of the target.
    pub target_name: Option<String>,
    /// Compartment of the target.
    pub compartment_id: Option<String>,
    /// Connection the change went through.
    pub connection_id: Option<i64>,
    /// Whether it succeeded.
    pub ok: bool,
    /// Why it failed (with OCI's code), or other detail.
    pub detail: Option<String>,
    /// OCI's `opc-request-id` of the call.
    pub opc_request_id: Option<String>,
    /// The apply run it belongs to.
    pub apply_run_id: Option<i64>,
    /// Whether before/after snapshots are stored.
    pub has_diff: bool,
}

/// One entry with everything stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditDetail {
    /// The entry.
    pub entry: AuditEntry,
    /// The target before the change (secrets left out).
    pub before: Option<Value>,
    /// The target after the change (secrets left out).
    pub after: Option<Value>,
    /// Client address.
    pub client_ip: Option<String>,
    /// The row's hash.
    pub hash: Option<String>,
    /// The previous row's hash.
    pub prev_hash: Option<String>,
}

/// A page of entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next: Option<i64>,
    /// The server's time when the page was read, for relative times ("4 min ago").
    pub as_of: DateTime<Utc>,
}

/// Entries on one day, for the activity chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ActivityDay {
    /// The day (UTC), `YYYY-MM-DD`.
    pub day: String,
    /// Entries that succeeded.
    pub ok: i64,
    /// Entries that failed.
    pub failed: i64,
}

/// Whether the hash chain is intact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChainStatus {
    /// No row was changed, removed or moved.
    pub intact: bool,
    /// Rows checked (up to the first break).
    pub rows: i64,
    /// Hash of the last intact row.
    pub head: String,
    /// The first broken row, when one can be named.
    pub broken_row: Option<i64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
}

/// Filters of the timeline; `None` means any. The same filters select what an export contains.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams))]
pub struct AuditFilter {
    /// Only this team's entries.
    pub team: Option<i64>,
    /// From this time on (RFC 3339, or a date `YYYY-MM-DD`).
    pub from: Option<String>,
    /// Before this time (RFC 3339, or a date `YYYY-MM-DD`, meaning the end of that day).
    pub to: Option<String>,
    /// Exactly this actor.
    pub actor: Option<String>,
    /// This action (`rule.update`), or every action on a kind (`rule.`).
    pub action: Option<String>,
    /// This kind of target.
    pub target_kind: Option<String>,
    /// This target (OCID or id): the history of one resource.
    pub target: Option<String>,
    /// `ok` or `failed`.
    pub result: Option<String>,
    /// Through this connection.
    pub connection: Option<i64>,
    /// Words to find in names, OCIDs, details and the before/after JSON.
    pub q: Option<String>,
}

impl AuditFilter {
    /// The query string of these filters (without `?`).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut text = |key, value: &Option<String>| {
            if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                pairs.push((key, v.to_owned()));
            }
        };
        text("from", &self.from);
        text("to", &self.to);
        text("actor", &self.actor);
        text("action", &self.action);
        text("target_kind", &self.target_kind);
        text("target", &self.target);
        text("result", &self.result);
        text("q", &self.q);
        if let Some(team) = self.team {
            pairs.push(("team", team.to_string()));
        }
        if let Some(connection) = self.connection {
            pairs.push(("connection", connection.to_string()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", super::urlencoding(v))).collect::<Vec<_>>().join("&")
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        self == &AuditFilter::default()
    }
}

fn with_query(path: &str, filter: &AuditFilter, extra: Option<String>) -> String {
    let query = [Some(filter.query()), extra].into_iter().flatten().filter(|q| !q.is_empty()).collect::<Vec<_>>();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{}", query.join("&")) }
}

/// A page of entries the caller may see, newest first, below the id `before` when given.
pub async fn list_audit(filter: &AuditFilter, before: Option<i64>) -> Result<AuditPage, ApiError> {
    super::get_json(&with_query("/audit", filter, before.map(|b| format!("before={b}")))).await
}

/// One entry with its before/after snapshots.
pub async fn get_audit_entry(id: i64) -> Result<AuditDetail, ApiError> {
    super::get_json(&format!("/audit/{id}")).await
}

/// Entries per day for the filtered trail (the last 30 days when no range is given).
pub async fn audit_activity(filter: &AuditFilter) -> Result<Vec<ActivityDay>, ApiError> {
    super::get_json(&with_query("/audit/activity", filter, None)).await
}

/// Checks the whole hash chain.
pub async fn verify_audit() -> Result<ChainStatus, ApiError> {
    super::get_json("/audit/verify").await
}

/// The URL that downloads the filtered trail as `csv` or `jsonl`.
pub fn export_url(filter: &AuditFilter, format: &str) -> String {
    format!("/api/v1{}", with_query("/audit/export", filter, Some(format!("format={format}"))))
}

/// One of the cloud's own audit events (OCI Audit), with Signalbox's entry for the same request
/// when Signalbox made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CloudAuditEvent {
    /// OCI's event id.
    pub event_id: String,
    /// When OCI recorded it.
    pub at: DateTime<Utc>,
    /// The API operation (`CreateRule`, `DeleteTopic`, …).
    pub operation: String,
    /// The service that served it (`EventsApi`, `NotificationApi`, …).
    pub service: String,
    /// HTTP method of the call.
    pub method: String,
    /// HTTP status OCI answered, as OCI reports it.
    pub status: String,
    /// Name of the resource, when OCI recorded one.
    pub resource_name: Option<String>,
    /// OCID of the resource, when OCI recorded one.
    pub resource_id: Option<String>,
    /// Who called: the principal's name, else its OCID, else the signing key id.
    pub principal: Option<String>,
    /// The call's `opc-request-id`.
    pub request_id: Option<String>,
    /// Signalbox's own entry for this request; `None` means the change was made outside
    /// Signalbox (console, CLI, SDK scripts) or by a request Signalbox did not record.
    pub signalbox: Option<AuditEntry>,
}

/// The cloud's audit events of a compartment and time window, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CloudAudit {
    /// Start of the window OCI was asked for (whole minutes, as OCI requires).
    pub from: DateTime<Utc>,
    /// End of the window (exclusive).
    pub to: DateTime<Utc>,
    /// The events (changes only unless reads were asked for).
    pub events: Vec<CloudAuditEvent>,
    /// How many of them Signalbox has no entry for.
    pub out_of_band: usize,
    /// Whether OCI had more events than one answer shows; narrow the window to see them all.
    pub truncated: bool,
    /// The server's time when it answered.
    pub as_of: DateTime<Utc>,
}

/// Fetches the cloud's audit events of a compartment over the last `hours` hours.
pub async fn list_cloud_audit(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    hours: u32,
    reads: bool,
) -> Result<CloudAudit, ApiError> {
    super::get_json(&format!(
        "/teams/{team_id}/connections/{connection_id}/cloud-audit?compartment_id={}&hours={hours}&reads={reads}",
        super::urlencoding(compartment_id),
    ))
    .await
}
