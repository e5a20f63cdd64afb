//! What a page asks of the inventory beside its data: `GET .../inventory/changes` tells an open
//! page that what the inventory holds for its compartment changed (a sync, the change feed,
//! someone's edit), so it reads its list again instead of waiting for a reload;
//! `GET .../inventory/freshness` says how fresh the compartment's copy is, for pages that show one
//! resource (a rule, a topic), and re-reads it from OCI when asked.

use super::ApiResult;
use super::extract::{Path, Query};
use super::topics::CompartmentQuery;
use crate::auth::Caller;
use crate::connections::check_compartment;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::inventory::Freshness;
use axum::Extension;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::time::Duration;

/// Handles `GET .../inventory/changes?compartment_id=`: a server-sent `changed` event (its data
/// the compartment's change count) each time the compartment's inventory changes.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/inventory/changes",
    tag = "inventory",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        CompartmentQuery
    ),
    responses((status = 200, description = "text/event-stream of `changed` events", content_type = "text/event-stream"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn inventory_changes(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<CompartmentQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    crate::connections::find(&state, team_id, connection_id).await?;
    let changes = state.inventory.subscribe();
    let seen = state.inventory.version(connection_id, &compartment);
    let start = (state.clone(), changes, seen);
    let stream = futures_util::stream::unfold(start, move |(state, mut changes, seen)| {
        let compartment = compartment.clone();
        async move {
            loop {
                let now = state.inventory.version(connection_id, &compartment);
                if now != seen {
                    let event = Event::default().event("changed").data(now.to_string());
                    return Some((Ok(event), (state, changes, now)));
                }
                // A missed wake-up only delays the event by the timeout; a closed channel means the
                // server is stopping.
                if let Ok(Err(_)) = tokio::time::timeout(Duration::from_secs(5), changes.changed()).await {
                    return None;
                }
            }
        }
    });
    let stream = super::live::guarded(state, caller, team_id, stream);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Query of `.../inventory/freshness`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FreshnessQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Re-read the compartment from OCI before answering.
    pub refresh: Option<bool>,
}

/// Handles `GET .../inventory/freshness?compartment_id=`: how fresh the inventory of the
/// compartment is (reading it first when it never was, or when `refresh=true`; a refresh that
/// fails is told in the answer, not as an error).
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/inventory/freshness",
    tag = "inventory",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        FreshnessQuery
    ),
    responses((status = 200, body = Freshness), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn get_freshness(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<FreshnessQuery>,
) -> ApiResult<axum::Json<Freshness>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let refresh = query.refresh == Some(true);
    Ok(axum::Json(crate::inventory::ensure(&state, team_id, connection_id, &compartment, refresh).await?))
}
