//! `/api/v1/audit`: the audit trail, read-only.
//!
//! Access: any authenticated caller, scoped here rather than by route: site administrators (in a
//! browser session) see every row, including sign-ins and account changes that belong to no
//! team; everyone else sees the rows of the teams they are in (a token: its own team).

use super::ApiResult;
use super::extract::{Path, Query};
use crate::auth::{Caller, Credential};
use crate::db::audit_events::{self, AuditRow, AuditSummary};
use crate::db::audit_query::{self, Selection};
use crate::db::{DbError, teams};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::audit::{ActivityDay, AuditDetail, AuditEntry, AuditFilter, AuditPage, ChainStatus};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::Deserialize;

/// Entries per page unless `limit` says otherwise.
const PAGE: i64 = 50;
/// Most entries an export holds; narrow the filters for more.
pub const EXPORT_LIMIT: usize = 100_000;
/// Days the activity chart covers when the filter gives no start.
const ACTIVITY_DAYS: i64 = 30;

/// Paging of the timeline.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Continue below this id (the `next` of the previous page).
    pub before: Option<i64>,
    /// Entries per page, 1 to 200 (50 by default).
    pub limit: Option<i64>,
}

/// Format of an export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// `csv` or `jsonl`.
    pub format: String,
}

/// Handles `GET /api/v1/audit`: a page of the trail, newest first.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(AuditFilter, PageQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub async fn list_audit(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Query(filter): Query<AuditFilter>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = match page.limit {
        None => PAGE,
        Some(limit @ 1..=200) => limit,
        Some(_) => return Err(AppError::invalid("limit", "limit must be between 1 and 200.")),
    };
    let Some(mut selection) = selection(&state, &caller, &filter).await? else {
        return Ok(Json(AuditPage { entries: Vec::new(), next: None, as_of: Utc::now() }));
    };
    if let Some(before) = page.before {
        selection.below_id = Some(selection.below_id.map_or(before, |end| end.min(before)));
    }
    let mut rows = audit_query::list_summaries(&state.pool, &selection, limit + 1).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let entries = rows.iter().map(entry).collect::<Result<_, _>>()?;
    Ok(Json(AuditPage { entries, next, as_of: Utc::now() }))
}

/// Handles `GET /api/v1/audit/{id}`: one entry with its before/after snapshots.
#[utoipa::path(
    get,
    path = "/audit/{id}",
    tag = "audit",
    params(("id" = i64, Path, description = "Entry id")),
    responses((status = 200, body = AuditDetail), (status = 404, body = ErrorBody))
)]
pub async fn get_audit_entry(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> ApiResult<Json<AuditDetail>> {
    let missing = || AppError::NotFound(format!("There is no audit entry {id} that you can see."));
    let row = match audit_events::by_id(&state.pool, id).await {
        Ok(row) => row,
        Err(DbError::NotFound) => return Err(missing()),
        Err(err) => return Err(err.into()),
    };
    if let Some(teams) = visible_teams(&state, &caller).await?
        && !row.team_id.is_some_and(|t| teams.contains(&t))
    {
        return Err(missing());
    }
    let snapshot = |json: &Option<String>| json.as_deref().and_then(|j| serde_json::from_str(j).ok());
    Ok(Json(AuditDetail {
        before: snapshot(&row.before_json),
        after: snapshot(&row.after_json),
        client_ip: row.client_ip.clone(),
        hash: row.hash.clone(),
        prev_hash: row.prev_hash.clone(),
        entry: entry(&(&row).into())?,
    }))
}

/// Handles `GET /api/v1/audit/activity`: entries per day (the last 30 days without `from`).
#[utoipa::path(
    get,
    path = "/audit/activity",
    tag = "audit",
    params(AuditFilter),
    responses((status = 200, body = Vec<ActivityDay>), (status = 400, body = ErrorBody))
)]
pub async fn audit_activity(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Query(mut filter): Query<AuditFilter>,
) -> ApiResult<Json<Vec<ActivityDay>>> {
    if filter.from.is_none() {
        let start = (Utc::now() - TimeDelta::days(ACTIVITY_DAYS - 1)).date_naive();
        filter.from = Some(start.to_string());
    }
    let Some(selection) = selection(&state, &caller, &filter).await? else {
        return Ok(Json(Vec::new()));
    };
    let from = filter.from.as_deref().map(|f| instant("from", f, false)).transpose()?;
    let to = filter.to.as_deref().map(|t| instant("to", t, true)).transpose()?;
    let from = stamp(from.unwrap_or_default());
    let days = audit_query::activity(&state.pool, &selection, &from, to.map(stamp).as_deref()).await?;
    Ok(Json(days.into_iter().map(|(day, ok, failed)| ActivityDay { day, ok, failed }).collect()))
}

/// Handles `GET /api/v1/audit/verify`: the state of the hash chain (rows written since the last
/// full check are checked now; a full check runs at most every ten minutes).
#[utoipa::path(
    get,
    path = "/audit/verify",
    tag = "audit",
    responses((status = 200, body = ChainStatus))
)]
pub async fn verify_audit(state: AppState) -> ApiResult<Json<ChainStatus>> {
    let outcome = state.chain_check.check(&state.pool).await?;
    Ok(Json(ChainStatus {
        intact: outcome.broken.is_none(),
        rows: outcome.rows,
        head: outcome.head,
        broken_row: outcome.broken.as_ref().and_then(|b| b.row()),
        problem: outcome.broken.map(|b| b.to_string()),
    }))
}

/// Handles `GET /api/v1/audit/export`: the filtered trail as CSV or JSON Lines, newest first.
#[utoipa::path(
    get,
    path = "/audit/export",
    tag = "audit",
    params(AuditFilter, ExportQuery),
    responses(
        (status = 200, description = "text/csv or application/x-ndjson, as an attachment"),
        (status = 400, body = ErrorBody)
    )
)]
pub async fn export_audit(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Query(filter): Query<AuditFilter>,
    Query(export): Query<ExportQuery>,
) -> ApiResult<Response> {
    let csv = match export.format.as_str() {
        "csv" => true,
        "jsonl" => false,
        other => {
            return Err(AppError::invalid("format", format!("\"{other}\" is not an export format; use csv or jsonl.")));
        }
    };
    let mut rows = Vec::new();
    if let Some(mut selection) = selection(&state, &caller, &filter).await? {
        // Page through with the cursor so memory per query stays bounded.
        while rows.len() < EXPORT_LIMIT {
            let page = audit_query::list(&state.pool, &selection, 1000).await?;
            let Some(last) = page.last().map(|r| r.id) else { break };
            rows.extend(page);
            selection.below_id = Some(last);
        }
        rows.truncate(EXPORT_LIMIT);
    }
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let (body, content_type, extension) = if csv {
        (to_csv(&rows)?, "text/csv; charset=utf-8", "csv")
    } else {
        (to_json_lines(&rows)?, "application/x-ndjson", "jsonl")
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"signalbox-audit-{stamp}.{extension}\"")),
        ],
        body,
    )
        .into_response())
}

/// The columns of an export, in order.
const EXPORT_COLUMNS: [&str; 18] = [
    "id",
    "at",
    "actor",
    "by_token",
    "team_id",
    "source",
    "action",
    "target_kind",
    "target_id",
    "target_name",
    "compartment_id",
    "connection_id",
    "result",
    "detail",
    "opc_request_id",
    "apply_run_id",
    "before",
    "after",
];

/// A cell as a spreadsheet will not run it: text that starts like a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) gets a leading `'`, OWASP's guard against CSV
/// injection. Names, details and JSON come from users and from OCI; opened in a spreadsheet,
/// `=HYPERLINK(...)` must stay text.
pub(crate) fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell }
}

fn to_csv(rows: &[AuditRow]) -> ApiResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let write = |writer: &mut csv::Writer<Vec<u8>>, record: Vec<String>| {
        writer
            .write_record(record.into_iter().map(spreadsheet_safe))
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
    };
    write(&mut writer, EXPORT_COLUMNS.iter().map(|c| (*c).to_owned()).collect())?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for row in rows {
        write(
            &mut writer,
            vec![
                row.id.to_string(),
                row.at.clone(),
                row.actor_name.clone(),
                row.actor_token_id.is_some().to_string(),
                number(row.team_id),
                row.source.clone(),
                row.action.clone(),
                text(&row.target_kind),
                text(&row.target_id),
                text(&row.target_name),
                text(&row.compartment_id),
                number(row.connection_id),
                row.result.clone(),
                text(&row.detail),
                text(&row.opc_request_id),
                number(row.apply_run_id),
                text(&row.before_json),
                text(&row.after_json),
            ],
        )?;
    }
    writer.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

fn to_json_lines(rows: &[AuditRow]) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    for row in rows {
        let snapshot =
            |json: &Option<String>| json.as_deref().and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok());
        let line = serde_json::json!({
            "id": row.id,
            "at": row.at,
            "actor": row.actor_name,
            "by_token": row.actor_token_id.is_some(),
            "team_id": row.team_id,
            "source": row.source,
            "action": row.action,
            "target_kind": row.target_kind,
            "target_id": row.target_id,
            "target_name": row.target_name,
            "compartment_id": row.compartment_id,
            "connection_id": row.connection_id,
            "result": row.result,
            "detail": row.detail,
            "opc_request_id": row.opc_request_id,
            "apply_run_id": row.apply_run_id,
            "before": snapshot(&row.before_json),
            "after": snapshot(&row.after_json),
        });
        serde_json::to_writer(&mut out, &line).map_err(|e| AppError::Internal(anyhow::anyhow!("writing JSON: {e}")))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// The teams whose rows the caller sees; `None` for all rows.
async fn visible_teams(state: &AppState, caller: &Caller) -> ApiResult<Option<Vec<i64>>> {
    match &caller.credential {
        Credential::Token { team_id, .. } => Ok(Some(vec![*team_id])),
        Credential::Session { .. } if caller.user.is_site_admin => Ok(None),
        Credential::Session { .. } => {
            let memberships = teams::memberships_of(&state.pool, caller.user.id).await?;
            Ok(Some(memberships.into_iter().map(|m| m.team_id).collect()))
        }
    }
}

/// The query for `filter` as the caller may see it; `None` when it can match nothing (a time
/// range after the last row).
async fn selection(state: &AppState, caller: &Caller, filter: &AuditFilter) -> ApiResult<Option<Selection>> {
    let mut teams = visible_teams(state, caller).await?;
    if let Some(team) = filter.team {
        match &teams {
            Some(mine) if !mine.contains(&team) => {
                return Err(AppError::Forbidden(format!(
                    "You are not in team {team}; choose one of your teams in the team filter."
                )));
            }
            _ => teams = Some(vec![team]),
        }
    }
    let text = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let result = text(&filter.result);
    if let Some(result) = &result
        && result != "ok"
        && result != "failed"
    {
        return Err(AppError::invalid("result", format!("\"{result}\" is not a result; use ok or failed.")));
    }
    let from = text(&filter.from).map(|t| instant("from", &t, false)).transpose()?;
    let to = text(&filter.to).map(|t| instant("to", &t, true)).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(AppError::invalid("to", "The end of the time range must be after its start."));
    }
    let mut selection = Selection {
        teams,
        actor: text(&filter.actor),
        action: text(&filter.action),
        target_kind: text(&filter.target_kind),
        target: text(&filter.target),
        result,
        connection: filter.connection,
        search: text(&filter.q).and_then(|q| audit_query::search_query(&q)),
        ..Selection::default()
    };
    if let Some(from) = from {
        match audit_events::first_id_since(&state.pool, &stamp(from)).await? {
            Some(id) => selection.from_id = Some(id),
            None => return Ok(None),
        }
    }
    if let Some(to) = to {
        selection.below_id = audit_events::first_id_since(&state.pool, &stamp(to)).await?;
    }
    Ok(Some(selection))
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time, or a date: its start, or for the end of a range (`end`) the next day's.
pub(super) fn instant(field: &str, value: &str, end: bool) -> ApiResult<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        AppError::invalid(field, format!("\"{value}\" is not a date (2026-11-30) or a time (2026-11-30T14:00:00Z)."))
    })?;
    let date = if end { date.succ_opt().unwrap_or(date) } else { date };
    Ok(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

pub(super) fn entry(row: &AuditSummary) -> ApiResult<AuditEntry> {
    let at = DateTime::parse_from_rfc3339(&row.at)
        .map_err(|e| {
            AppError::Internal(anyhow::anyhow!("audit row {} has an unreadable time {:?}: {e}", row.id, row.at))
        })?
        .with_timezone(&Utc);
    Ok(AuditEntry {
        id: row.id,
        at,
        actor_name: row.actor_name.clone(),
        by_token: row.actor_token_id.is_some(),
        team_id: row.team_id,
        source: row.source.clone(),
        action: row.action.clone(),
        target_kind: row.target_kind.clone(),
        target_id: row.target_id.clone().filter(|t| !t.is_empty()),
        target_name: row.target_name.clone(),
        compartment_id: row.compartment_id.clone(),
        connection_id: row.connection_id,
        ok: row.result == "ok",
        detail: row.detail.clone(),
        opc_request_id: row.opc_request_id.clone(),
        apply_run_id: row.apply_run_id,
        has_diff: row.has_diff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cover_whole_days() {
        let start = instant("from", "2026-11-30", false).expect("date");
        let end = instant("to", "2026-11-30", true).expect("date");
        assert_eq!(end - start, TimeDelta::days(1));
        assert!(instant("from", "yesterday", false).is_err());
    }

    /// Defect 18.6: the CSV export wrote `=HYPERLINK(...)` cells unchanged.
    #[test]
    fn formula_cells_are_kept_as_text() {
        for (cell, expected) in [
            ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("orders-alerts", "orders-alerts"),
            ("", ""),
            ("42", "42"),
        ] {
            assert_eq!(spreadsheet_safe(cell.to_owned()), expected, "{cell:?}");
        }
    }
}
