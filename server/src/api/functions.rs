//! `GET .../connections/{connection_id}/functions`: the functions of a compartment, for the
//! pickers of function subscriptions and FAAS rule actions.

use super::ApiResult;
use super::extract::{Path, Query};
use super::topics::CompartmentQuery;
use crate::connections::{check_compartment, reach};
use crate::error::AppError;
use crate::oci::client::collect_pages;
use crate::oci::functions::{ListApplicationsRequest, ListFunctionsRequest};
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
    let client = reach(&state, team_id, connection_id).await?.client;
    let applications = collect_pages(|page| {
        let client = client.clone();
        let request = ListApplicationsRequest { compartment_id: compartment.clone(), page, ..Default::default() };
        async move { client.list_applications(&request).await }
    })
    .await
    .map_err(AppError::Oci)?;
    let mut list = Vec::new();
    for application in applications {
        let functions = collect_pages(|page| {
            let client = client.clone();
            let request = ListFunctionsRequest { application_id: application.id.clone(), page, ..Default::default() };
            async move { client.list_functions(&request).await }
        })
        .await
        .map_err(AppError::Oci)?;
        list.extend(functions.into_iter().map(|f| FunctionSummary {
            id: f.id,
            name: f.display_name,
            application: application.display_name.clone(),
            state: f.lifecycle_state.as_str().to_owned(),
        }));
    }
    list.sort_by(|a, b| (&a.application, &a.name).cmp(&(&b.application, &b.name)));
    Ok(Json(list))
}
