//! `/api/v1/teams/{team_id}/compliance/…`: compliance checks, their cells and their evidence.
//! The judging is [`crate::compliance`]; creating and removing a check takes an operator, looking
//! and checking again (a read of the cloud whose status changes are audited) a viewer.

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::auth::Caller;
use crate::connections::{check_target, find as find_connection};
use crate::db::compliance::{self, CheckRow, NewCheck, ResultRow};
use crate::db::{DbError, deployment_sets};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::compliance::{
    Cell, CellStatus, CheckDetail, CheckSummary, CreateCheckRequest, MAX_DELIVERY_DAYS, MAX_NAME, RecommendationView,
};
use app::compliance::{BENCHMARK, RECOMMENDATIONS, Requirement};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde::Deserialize;
use std::collections::HashMap;

/// Handles `GET /api/v1/teams/{team_id}/compliance`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/compliance",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<CheckSummary>), (status = 403, body = ErrorBody))
)]
pub async fn list_checks(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<CheckSummary>>> {
    let checks = compliance::of_team(&state.pool, team_id).await?;
    let mut counts: HashMap<(i64, String), i64> = HashMap::new();
    for (check, status, n) in compliance::counts(&state.pool, team_id).await? {
        counts.insert((check, status), n);
    }
    let count = |id: i64, status: CellStatus| counts.get(&(id, status.as_str().to_owned())).copied().unwrap_or(0);
    Ok(Json(
        checks
            .iter()
            .map(|c| {
                summary(c, count(c.id, CellStatus::Pass), count(c.id, CellStatus::Fail), count(c.id, CellStatus::Error))
            })
            .collect(),
    ))
}

/// Handles `POST /api/v1/teams/{team_id}/compliance`: creates a check (run it with `…/check`).
#[utoipa::path(
    post,
    path = "/teams/{team_id}/compliance",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateCheckRequest,
    responses((status = 200, body = CheckDetail), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn create_check(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateCheckRequest>,
) -> ApiResult<Json<CheckDetail>> {
    let name = request.name.trim().to_owned();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME {
        return Err(AppError::invalid("name", format!("Name the check in 1 to {MAX_NAME} characters.")));
    }
    app::model::text::check_one_line(&name).map_err(|m| AppError::invalid("name", m))?;
    let connection = find_connection(&state, team_id, request.connection_id).await.map_err(|_| {
        AppError::invalid("connection_id", format!("This team has no connection {}.", request.connection_id))
    })?;
    if let Some(set_id) = request.set_id {
        deployment_sets::get(&state.pool, team_id, set_id).await.map_err(|err| match err {
            DbError::NotFound => AppError::invalid(
                "set_id",
                format!("This team has no fan-out deployment {set_id}; pick one from the list."),
            ),
            other => other.into(),
        })?;
    }
    let topic = request.notify_topic_id.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(topic) = topic {
        check_target("notify_topic_id", topic, "onstopic")?;
    }
    if let Some(days) = request.delivery_days
        && !(1..=MAX_DELIVERY_DAYS).contains(&days)
    {
        return Err(AppError::invalid("delivery_days", format!("Give 1 to {MAX_DELIVERY_DAYS} days, or none.")));
    }
    // The scope is resolved now, so a mistake in it is a 400 naming its field, not a failing check.
    let home = crate::connections::reach_row(&state, &connection).await?;
    let names = crate::apply::fanout::compartment_names(&home, &crate::connections::tenancy(&connection)).await?;
    crate::apply::fanout::resolve(&request.scope, home.client.region().id(), &names)?;
    let scope = serde_json::to_string(&request.scope).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let new = NewCheck {
        team_id,
        name: &name,
        connection_id: connection.id,
        scope: &scope,
        set_id: request.set_id,
        notify_topic_id: topic,
        delivery_days: request.delivery_days.map(i64::from),
        created_by: caller.user.id,
    };
    let id = compliance::insert(&mut tx, &new).await.map_err(|err| match err {
        DbError::Conflict => AppError::Conflict {
            field: "name".into(),
            message: format!("This team has a compliance check named {name} already; choose another name."),
        },
        other => other.into(),
    })?;
    let after = serde_json::json!({
        "connection_id": connection.id,
        "scope": request.scope,
        "set_id": request.set_id,
        "notify_topic_id": topic,
        "delivery_days": request.delivery_days,
    })
    .to_string();
    crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        connection_id: Some(connection.id),
        after_json: Some(&after),
        ..caller.audit("compliance.create", "compliance_check", id.to_string(), &name)
    }
    .append(&mut tx)
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    detail(&state, team_id, id).await.map(Json)
}

/// Handles `GET /api/v1/teams/{team_id}/compliance/{check_id}`: every cell as last checked.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/compliance/{check_id}",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id"), ("check_id" = i64, Path, description = "Check id")),
    responses((status = 200, body = CheckDetail), (status = 404, body = ErrorBody))
)]
pub async fn get_check(state: AppState, Path((team_id, check_id)): Path<(i64, i64)>) -> ApiResult<Json<CheckDetail>> {
    detail(&state, team_id, check_id).await.map(Json)
}

/// Handles `POST /api/v1/teams/{team_id}/compliance/{check_id}/check`: judges every cell now.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/compliance/{check_id}/check",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id"), ("check_id" = i64, Path, description = "Check id")),
    responses((status = 200, body = CheckDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn run_check(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, check_id)): Path<(i64, i64)>,
) -> ApiResult<Json<CheckDetail>> {
    let check = find(&state, team_id, check_id).await?;
    crate::compliance::run(&state, &check, caller.audit("", "compliance_check", check.id.to_string(), &check.name))
        .await?;
    detail(&state, team_id, check_id).await.map(Json)
}

/// `?format=` of the evidence.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EvidenceQuery {
    /// `csv` or `json`.
    #[serde(default = "default_format")]
    pub format: String,
}

fn default_format() -> String {
    "csv".into()
}

/// Handles `GET /api/v1/teams/{team_id}/compliance/{check_id}/evidence`: every cell with its
/// reason, deciding rule and topic, OCI's request ids and when it was checked, as CSV or JSON.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/compliance/{check_id}/evidence",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id"), ("check_id" = i64, Path, description = "Check id"), EvidenceQuery),
    responses((status = 200, description = "text/csv or application/json, as an attachment"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn export_evidence(
    state: AppState,
    Path((team_id, check_id)): Path<(i64, i64)>,
    Query(query): Query<EvidenceQuery>,
) -> ApiResult<Response> {
    let csv = match query.format.as_str() {
        "csv" => true,
        "json" => false,
        other => {
            return Err(AppError::invalid(
                "format",
                format!("\"{other}\" is not an evidence format; use csv or json."),
            ));
        }
    };
    let detail = detail(&state, team_id, check_id).await?;
    let stamp = Utc::now().format("%Y%m%d-%H%M%S");
    let (body, content_type, extension) = if csv {
        (evidence_csv(&detail)?, "text/csv; charset=utf-8", "csv")
    } else {
        let body = serde_json::to_vec_pretty(&serde_json::json!({
            "check": detail.summary.name,
            "benchmark": detail.benchmark,
            "exported_at": Utc::now(),
            "checked_at": detail.summary.checked_at,
            "recommendations": detail.recommendations,
            "cells": detail.cells,
        }))
        .map_err(|e| AppError::Internal(e.into()))?;
        (body, "application/json", "json")
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"signalbox-compliance-{check_id}-{stamp}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn evidence_csv(detail: &CheckDetail) -> ApiResult<Vec<u8>> {
    let titles: HashMap<&str, &str> =
        detail.recommendations.iter().map(|r| (r.id.as_str(), r.title.as_str())).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
    writer
        .write_record([
            "check",
            "recommendation",
            "title",
            "region",
            "compartment_id",
            "compartment_name",
            "status",
            "reason",
            "rule_id",
            "rule_name",
            "topic_id",
            "opc_request_ids",
            "checked_at",
            "status_since",
        ])
        .map_err(fail)?;
    for cell in &detail.cells {
        let record = [
            detail.summary.name.clone(),
            cell.recommendation.clone(),
            titles.get(cell.recommendation.as_str()).copied().unwrap_or_default().to_owned(),
            cell.region.clone(),
            cell.compartment_id.clone(),
            cell.compartment_name.clone(),
            cell.status.as_str().to_owned(),
            cell.reason.clone(),
            cell.rule_id.clone().unwrap_or_default(),
            cell.rule_name.clone().unwrap_or_default(),
            cell.topic_id.clone().unwrap_or_default(),
            cell.request_ids.join(" "),
            cell.checked_at.to_rfc3339(),
            cell.since.to_rfc3339(),
        ];
        writer.write_record(record.into_iter().map(super::audit::spreadsheet_safe)).map_err(fail)?;
    }
    writer.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))
}

/// Handles `DELETE /api/v1/teams/{team_id}/compliance/{check_id}`: forgets a check and its cells
/// (the cloud is not touched; the audit trail keeps its history).
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/compliance/{check_id}",
    tag = "compliance",
    params(("team_id" = i64, Path, description = "Team id"), ("check_id" = i64, Path, description = "Check id")),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn delete_check(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, check_id)): Path<(i64, i64)>,
) -> ApiResult<axum::http::StatusCode> {
    let check = find(&state, team_id, check_id).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    compliance::delete(&mut tx, check.id).await?;
    crate::db::audit_events::NewAuditEvent {
        team_id: Some(team_id),
        connection_id: Some(check.connection_id),
        ..caller.audit("compliance.delete", "compliance_check", check.id.to_string(), &check.name)
    }
    .append(&mut tx)
    .await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

async fn find(state: &AppState, team_id: i64, check_id: i64) -> ApiResult<CheckRow> {
    compliance::get(&state.pool, team_id, check_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("This team has no compliance check {check_id}.")),
        other => other.into(),
    })
}

fn summary(row: &CheckRow, passing: i64, failing: i64, errors: i64) -> CheckSummary {
    CheckSummary {
        id: row.id,
        name: row.name.clone(),
        connection_id: row.connection_id,
        connection_name: row.connection_name.clone(),
        scope: row.scope(),
        set_id: row.set_id,
        notify_topic_id: row.notify_topic_id.clone(),
        delivery_days: row.delivery_days.and_then(|d| u32::try_from(d).ok()),
        checked_at: row.checked_at,
        passing,
        failing,
        errors,
    }
}

/// The view's rows, in the benchmark's order.
pub fn recommendations() -> Vec<RecommendationView> {
    RECOMMENDATIONS
        .iter()
        .map(|r| RecommendationView {
            id: r.id.to_owned(),
            title: r.title.to_owned(),
            event_types: match r.requirement {
                Requirement::Rule(types) => types.iter().map(|t| (*t).to_owned()).collect(),
                Requirement::TopicWithSubscription => Vec::new(),
            },
        })
        .collect()
}

fn cell(row: ResultRow) -> Cell {
    Cell {
        status: CellStatus::parse(&row.status).unwrap_or(CellStatus::Error),
        request_ids: serde_json::from_str(&row.request_ids).unwrap_or_default(),
        recommendation: row.recommendation,
        region: row.region,
        compartment_id: row.compartment_id,
        compartment_name: row.compartment_name,
        reason: row.reason,
        rule_id: row.rule_id,
        rule_name: row.rule_name,
        topic_id: row.topic_id,
        checked_at: row.checked_at,
        since: row.since,
    }
}

async fn detail(state: &AppState, team_id: i64, check_id: i64) -> ApiResult<CheckDetail> {
    let row = find(state, team_id, check_id).await?;
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    let order: HashMap<&str, usize> = RECOMMENDATIONS.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut cells: Vec<Cell> = compliance::results(&mut conn, row.id).await?.into_iter().map(cell).collect();
    cells.sort_by(|a, b| {
        let rank = |c: &Cell| order.get(c.recommendation.as_str()).copied().unwrap_or(usize::MAX);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.compartment_name.to_lowercase().cmp(&b.compartment_name.to_lowercase()))
    });
    let count = |status: CellStatus| cells.iter().filter(|c| c.status == status).count() as i64;
    Ok(CheckDetail {
        summary: summary(&row, count(CellStatus::Pass), count(CellStatus::Fail), count(CellStatus::Error)),
        benchmark: BENCHMARK.to_owned(),
        recommendations: recommendations(),
        cells,
    })
}
