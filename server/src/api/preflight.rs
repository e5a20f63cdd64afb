//! `POST …/connections/{connection_id}/preflight`: the pre-flight checks of drafted rules (the
//! editor's, as the user types) or of a compartment's rules as they are. The checks are
//! [`crate::preflight`]'s; they only read, so a viewer may run them.

use super::ApiResult;
use super::extract::Path;
use super::json::Json as JsonBody;
use crate::connections::{check_compartment, find, reach_row, tenancy};
use crate::error::AppError;
use crate::oci::client::collect_pages;
use crate::oci::events::{LifecycleState, ListRulesRequest};
use crate::preflight::{self, Context};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::preflight::{DraftRule, PreflightReport, PreflightRequest};
use axum::Json;
use futures_util::{StreamExt, TryStreamExt};

/// Most drafted rules one request may check.
const MAX_DRAFTS: usize = 50;

/// Handles `POST …/connections/{connection_id}/preflight`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/preflight",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id")
    ),
    request_body = PreflightRequest,
    responses((status = 200, body = PreflightReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn run_preflight(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<PreflightRequest>,
) -> ApiResult<Json<PreflightReport>> {
    let compartment = check_compartment("compartment_id", &request.compartment_id)?;
    if request.rules.len() > MAX_DRAFTS {
        return Err(AppError::invalid("rules", format!("Check at most {MAX_DRAFTS} rules at a time.")));
    }
    for (i, rule) in request.rules.iter().enumerate() {
        // An editor's draft may have no action yet: the other checks still apply.
        if !rule.actions.is_empty() {
            app::api::rules::check_actions(&rule.actions)
                .map_err(|problem| AppError::invalid(&format!("rules[{i}].{}", problem.field), problem.message))?;
        }
        if rule.name.chars().count() > app::api::rules::MAX_NAME {
            let message = format!("A rule name is at most {} characters.", app::api::rules::MAX_NAME);
            return Err(AppError::invalid(&format!("rules[{i}].name"), message));
        }
        app::model::text::check_one_line(&rule.name).map_err(|m| AppError::invalid(&format!("rules[{i}].name"), m))?;
        if rule.condition.len() > app::condition::MAX_CONDITION_LEN {
            let message = format!("A condition is at most {} characters.", app::condition::MAX_CONDITION_LEN);
            return Err(AppError::invalid(&format!("rules[{i}].condition"), message));
        }
    }
    let row = find(&state, team_id, connection_id).await?;
    let reached = reach_row(&state, &row).await?;
    let rules = match request.rules {
        drafts if !drafts.is_empty() => drafts,
        _ => rules_of(&reached.client, &compartment).await.map_err(AppError::Oci)?,
    };
    let tenancy = tenancy(&row);
    let user = crate::connections::user_of(&row);
    let ctx = Context {
        client: &reached.client,
        tenancy: &tenancy,
        user: user.as_deref(),
        sandbox: reached.is_sandbox(),
        shared: None,
    };
    Ok(Json(preflight::check(&ctx, &compartment, &rules).await))
}

/// The compartment's rules as OCI has them, as drafts.
async fn rules_of(
    client: &crate::oci::client::OciClient,
    compartment: &str,
) -> Result<Vec<DraftRule>, crate::oci::error::OciError> {
    let summaries = collect_pages(|page| {
        let request =
            ListRulesRequest { compartment_id: compartment.to_owned(), limit: Some(50), page, ..Default::default() };
        async move { client.list_rules(&request).await }
    })
    .await?;
    futures_util::stream::iter(
        summaries
            .into_iter()
            .filter(|r| !matches!(r.lifecycle_state, LifecycleState::Deleted | LifecycleState::Deleting)),
    )
    .map(|summary| async move { client.get_rule(&summary.id).await.map(|r| r.body) })
    .buffer_unordered(8)
    .map_ok(|rule| {
        let rule = super::rules::rule(rule);
        DraftRule { name: rule.name, condition: rule.condition, actions: rule.actions }
    })
    .try_collect()
    .await
}
