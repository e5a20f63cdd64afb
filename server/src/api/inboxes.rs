//! `/api/v1/teams/{team_id}/inboxes`: webhook inboxes and what they received. The receiver itself
//! (`POST /hooks/{token}`) is [`crate::inbox`].

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::auth::Caller;
use crate::db::audit_events::NewAuditEvent;
use crate::db::inboxes::InboxRow;
use crate::db::{DbError, deliveries, inboxes};
use crate::error::AppError;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::inboxes::{CreateInboxRequest, DeliveryKind, DeliveryPage, Inbox, InboxDelivery, check_name};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::{Extension, Json};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// Deliveries per page.
const PAGE: i64 = 50;

/// Handles `GET /api/v1/teams/{team_id}/inboxes`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/inboxes",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id")),
    responses((status = 200, body = Vec<Inbox>), (status = 403, body = ErrorBody))
)]
pub async fn list_inboxes(state: AppState, Path(team_id): Path<i64>) -> ApiResult<Json<Vec<Inbox>>> {
    let rows = inboxes::of_team(&state.pool, team_id).await?;
    Ok(Json(rows.iter().map(|row| view(&state, row)).collect()))
}

/// Handles `POST /api/v1/teams/{team_id}/inboxes`: a new inbox with a fresh unguessable URL.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/inboxes",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id")),
    request_body = CreateInboxRequest,
    responses((status = 200, body = Inbox), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody))
)]
pub async fn create_inbox(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path(team_id): Path<i64>,
    JsonBody(request): JsonBody<CreateInboxRequest>,
) -> ApiResult<Json<Inbox>> {
    check_name(&request.name).map_err(|message| AppError::invalid("name", message))?;
    let name = request.name.trim();
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    let row = inboxes::insert(&mut tx, team_id, name, &crate::inbox::new_token(), Some(caller.user.id)).await.map_err(
        |err| match err {
            DbError::Conflict => AppError::Conflict {
                field: "name".into(),
                message: format!("This team has an inbox named \"{name}\"; choose another name."),
            },
            other => other.into(),
        },
    )?;
    audit(&caller, "inbox.create", &row).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(Json(view(&state, &row)))
}

/// Handles `GET /api/v1/teams/{team_id}/inboxes/{inbox_id}`.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/inboxes/{inbox_id}",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id"), ("inbox_id" = i64, Path, description = "Inbox id")),
    responses((status = 200, body = Inbox), (status = 404, body = ErrorBody))
)]
pub async fn get_inbox(state: AppState, Path((team_id, inbox_id)): Path<(i64, i64)>) -> ApiResult<Json<Inbox>> {
    let row = find(&state, team_id, inbox_id).await?;
    Ok(Json(view(&state, &row)))
}

/// Handles `DELETE /api/v1/teams/{team_id}/inboxes/{inbox_id}`: the inbox and what it received;
/// its URL answers 404 from then on.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/inboxes/{inbox_id}",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id"), ("inbox_id" = i64, Path, description = "Inbox id")),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn delete_inbox(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, inbox_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    let row = find(&state, team_id, inbox_id).await?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(DbError::from)?;
    inboxes::delete(&mut tx, team_id, inbox_id).await?;
    audit(&caller, "inbox.delete", &row).append(&mut tx).await?;
    tx.commit().await.map_err(DbError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of an inbox's deliveries.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    /// Continue below this id (the `next` of the previous page).
    pub before: Option<i64>,
}

/// Handles `GET /api/v1/teams/{team_id}/inboxes/{inbox_id}/deliveries`: newest first.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/inboxes/{inbox_id}/deliveries",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id"), ("inbox_id" = i64, Path, description = "Inbox id"), DeliveryQuery),
    responses((status = 200, body = DeliveryPage), (status = 404, body = ErrorBody))
)]
pub async fn list_deliveries(
    state: AppState,
    Path((team_id, inbox_id)): Path<(i64, i64)>,
    Query(query): Query<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    find(&state, team_id, inbox_id).await?;
    let mut rows = deliveries::page(&state.pool, inbox_id, query.before, PAGE + 1).await?;
    let next = if rows.len() as i64 > PAGE {
        rows.truncate(PAGE as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let deliveries = rows.iter().map(delivery).collect();
    Ok(Json(DeliveryPage { deliveries, next, as_of: chrono::Utc::now() }))
}

/// Handles `GET /api/v1/teams/{team_id}/inboxes/{inbox_id}/events`: server-sent `delivery` events
/// (each a JSON array of `InboxDelivery`) for what arrives from now on, and again when a
/// confirmation's outcome is known.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/inboxes/{inbox_id}/events",
    tag = "inboxes",
    params(("team_id" = i64, Path, description = "Team id"), ("inbox_id" = i64, Path, description = "Inbox id")),
    responses((status = 200, description = "text/event-stream of `delivery` events", content_type = "text/event-stream"), (status = 404, body = ErrorBody))
)]
pub async fn inbox_events(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, inbox_id)): Path<(i64, i64)>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    find(&state, team_id, inbox_id).await?;
    let changes = state.inboxes.subscribe();
    let after = deliveries::newest_id(&state.pool, inbox_id).await?;
    let start = (state.clone(), changes, after, Vec::<i64>::new());
    let stream = futures_util::stream::unfold(start, move |(state, mut changes, mut after, mut waiting)| async move {
        loop {
            // Confirmations sent before their outcome was known are sent again once it is.
            let mut fresh = Vec::new();
            let mut pending = Vec::new();
            for id in std::mem::take(&mut waiting) {
                match deliveries::get(&state.pool, inbox_id, id).await.ok()? {
                    Some(row) if row.confirmation.is_some() => fresh.push(delivery(&row)),
                    Some(_) => pending.push(id),
                    None => {}
                }
            }
            for row in deliveries::since(&state.pool, inbox_id, after).await.ok()? {
                after = row.id;
                if row.kind == DeliveryKind::Confirmation.as_str() && row.confirmation.is_none() {
                    pending.push(row.id);
                }
                fresh.push(delivery(&row));
            }
            waiting = pending;
            if !fresh.is_empty() {
                let event = Event::default().event("deliveries").data(serde_json::to_string(&fresh).ok()?);
                return Some((Ok(event), (state, changes, after, waiting)));
            }
            // A missed wake-up only delays the next event by the timeout; a closed channel means
            // the server is stopping.
            if let Ok(Err(_)) = tokio::time::timeout(Duration::from_secs(5), changes.changed()).await {
                return None;
            }
        }
    });
    let stream = super::live::guarded(state, caller, team_id, stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn find(state: &AppState, team_id: i64, inbox_id: i64) -> ApiResult<InboxRow> {
    inboxes::get(&state.pool, team_id, inbox_id).await.map_err(|err| match err {
        DbError::NotFound => AppError::NotFound(format!("This team has no inbox {inbox_id}.")),
        other => other.into(),
    })
}

fn view(state: &AppState, row: &InboxRow) -> Inbox {
    Inbox {
        id: row.id,
        team_id: row.team_id,
        name: row.name.clone(),
        url: state.inboxes.url(&row.token),
        created_at: row.created_at,
        deliveries: row.deliveries,
        last_delivery_at: row.last_delivery_at,
    }
}

fn audit<'a>(caller: &'a Caller, action: &'a str, row: &'a InboxRow) -> NewAuditEvent<'a> {
    NewAuditEvent { team_id: Some(row.team_id), ..caller.audit(action, "inbox", row.id.to_string(), &row.name) }
}

/// A delivery as the API answers it.
fn delivery(row: &deliveries::DeliveryRow) -> InboxDelivery {
    InboxDelivery {
        id: row.id,
        inbox_id: row.inbox_id,
        received_at: row.received_at,
        kind: DeliveryKind::parse(&row.kind),
        message_id: row.message_id.clone(),
        topic_id: row.topic_id.clone(),
        topic_name: row.topic_name.clone(),
        subscription_id: row.subscription_id.clone(),
        content_type: row.content_type.clone(),
        // Written by `deliveries::insert` from a list of pairs; anything else reads as no headers.
        headers: serde_json::from_str(&row.headers).unwrap_or_default(),
        body: row.body.clone(),
        body_bytes: row.body_bytes,
        confirmation: row.confirmation.clone(),
    }
}
