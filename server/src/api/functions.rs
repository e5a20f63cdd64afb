//! `GET .../connections/{connection_id}/functions`: the functions of a compartment, for the
//! pickers of function subscriptions and FAAS rule actions, from the inventory.

use super::ApiResult;
use super::extract::{Path, Query};
use super::topics::CompartmentQuery;
use crate::connections::check_compartment;
use crate::db::DbError;
use crate::db::inventory_items::{self, Filter, Kind};
use crate::inventory;
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::functions::FunctionSummary;
use axum::Json;

/// Handles `GET .../functions?compartment_id=`: every application's functions, sorted by
/// application and name.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/functions",
    tag = "functions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        CompartmentQuery
    ),
    responses((status = 200, body = Vec<FunctionSummary>), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_functions(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<CompartmentQuery>,
) -> ApiResult<Json<Vec<FunctionSummary>>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    inventory::ensure(&state, team_id, connection_id, &compartment, false).await?;
    let filter = Filter { compartment_id: Some(&compartment), ..Filter::default() };
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    let rows = inventory_items::all(&mut conn, connection_id, Kind::Function, &filter).await?;
    let list = rows.iter().map(inventory::items::decode).collect::<Result<_, _>>().map_err(anyhow::Error::from)?;
    Ok(Json(list))
}
