//! `/api/v1/teams/{team_id}/connections/{connection_id}/rules`: Events rules through a
//! connection. The condition, name and actions are checked with the same functions the editor
//! uses before anything reaches OCI; each change is audited as `super::cloud` describes.

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::audit::change::{Change, snapshot};
use crate::auth::Caller;
use crate::connections::{check_compartment, check_target, reach};
use crate::db::DbError;
use crate::db::inventory_items::{Filter, Kind};
use crate::error::AppError;
use crate::inventory;
use crate::inventory::write::Seen;
use crate::oci::client::OciClient;
use crate::oci::events::{
    Action, ActionDetails, ActionDetailsList, ActionTarget, CreateRuleDetails, LifecycleState, Rule as OciRule,
    RuleSummary as OciRuleSummary, UpdateRuleDetails,
};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::inventory::{Page, PageRequest, Sort};
use app::api::rules::{
    ActionKind, CreateRuleRequest, MoveRuleRequest, Rule, RuleAction, RuleSummary, UpdateRuleRequest, check_actions,
    check_condition, check_description, check_name,
};
use app::model::ocid::Ocid;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

/// Query of the rule list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RulesQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Only rules in this lifecycle state (`ACTIVE`, `INACTIVE`, …).
    pub state: Option<String>,
    /// Only enabled (`true`) or disabled (`false`) rules.
    pub enabled: Option<bool>,
    /// Only rules with an action of this type (`ONS`, `FAAS`, `OSS`).
    pub action_type: Option<String>,
    /// Only rules with an action sending to this topic, function or stream (an OCID).
    pub target_id: Option<String>,
    /// Text to find in the name, description or condition (case-insensitive).
    pub q: Option<String>,
    /// `name` (A to Z, the default), `newest` or `oldest`.
    pub sort: Option<String>,
    /// The `next` cursor of the page before.
    pub after: Option<String>,
    /// The `previous` cursor of the page after.
    pub before: Option<String>,
    /// Rows per page, 1 to 200 (50 when absent).
    pub limit: Option<u32>,
    /// `true` re-reads the compartment from OCI before answering.
    pub refresh: Option<bool>,
}

/// Handles `GET .../rules`: a page of the compartment's rules from the inventory, filtered and
/// sorted, with how fresh it is. Rules whose actions are still being read (just after the first
/// sync) do not match `action_type` or `target_id` until they are; `freshness.refreshing` says so.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/rules",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        RulesQuery
    ),
    responses((status = 200, body = Page<RuleSummary>), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_rules(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<RulesQuery>,
) -> ApiResult<Json<Page<RuleSummary>>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let lifecycle = match query.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match LifecycleState::from(s.to_owned()) {
            LifecycleState::Unknown(_) => {
                return Err(AppError::invalid(
                    "state",
                    format!(
                        "\"{s}\" is not a rule state; use ACTIVE, INACTIVE, CREATING, UPDATING, DELETING, DELETED or FAILED."
                    ),
                ));
            }
            known => Some(known),
        },
    };
    let mut targets = Vec::new();
    if let Some(s) = query.action_type.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let kind = ActionKind::parse(s).ok_or_else(|| {
            AppError::invalid("action_type", format!("\"{s}\" is not an action type; use ONS, FAAS or OSS."))
        })?;
        targets.push(kind.as_str().to_owned());
    }
    if let Some(id) = query.target_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let kinds =
            [ActionKind::Notifications, ActionKind::Functions, ActionKind::Streaming].map(ActionKind::target_type);
        if Ocid::parse_of(id, &kinds).is_none() {
            return Err(AppError::invalid(
                "target_id",
                format!("\"{id}\" is not a topic, function or stream OCID; copy it from the topic or function page."),
            ));
        }
        targets.push(id.to_owned());
    }
    let request = PageRequest {
        sort: sort_of(query.sort.as_deref())?,
        after: query.after,
        before: query.before,
        limit: query.limit,
        refresh: false,
    };
    let text = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let freshness =
        inventory::ensure(&state, team_id, connection_id, &compartment, query.refresh == Some(true)).await?;
    let filter = Filter {
        compartment_id: Some(&compartment),
        state: lifecycle.as_ref().map(LifecycleState::as_str),
        enabled: query.enabled,
        targets: &targets,
        text,
        parent_id: None,
    };
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    let rows = inventory::list::page(&mut conn, connection_id, Kind::Rule, &filter, &request).await?;
    let items =
        rows.rows.iter().map(inventory::items::decode_rule).collect::<Result<_, _>>().map_err(anyhow::Error::from)?;
    Ok(Json(Page { items, total: rows.total, next: rows.next, previous: rows.previous, freshness }))
}

/// The `sort` query value (by name when absent), or a 400 naming it.
pub(crate) fn sort_of(sort: Option<&str>) -> ApiResult<Sort> {
    sort_or(sort, Sort::Name)
}

/// The `sort` query value, `default` when absent, or a 400 naming it.
pub(crate) fn sort_or(sort: Option<&str>, default: Sort) -> ApiResult<Sort> {
    match sort.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => Sort::parse(s)
            .ok_or_else(|| AppError::invalid("sort", format!("\"{s}\" is not an order; use name, newest or oldest."))),
    }
}

/// Handles `GET .../rules/{rule_id}`: from the inventory when its copy is complete and its
/// compartment synced, else from OCI (and the copy updated).
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/rules/{rule_id}",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("rule_id" = String, Path, description = "Rule OCID")
    ),
    responses((status = 200, body = Rule), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn get_rule(
    state: AppState,
    Path((team_id, connection_id, rule_id)): Path<(i64, i64, String)>,
) -> ApiResult<Json<Rule>> {
    check_target("rule_id", &rule_id, "eventrule")?;
    if let Some(stored) = inventory::stored_rule(&state, team_id, connection_id, &rule_id).await? {
        return Ok(Json(stored));
    }
    let client = reach(&state, team_id, connection_id).await?.client;
    // What OCI answers is the inventory's freshest copy: it fills in the actions the rule list
    // does not carry, and a rule OCI no longer has leaves the lists at once.
    let found = match client.get_rule(&rule_id).await {
        Ok(found) => rule(found.body),
        Err(err) => {
            if err.status() == Some(404) {
                inventory::write::record(&state, connection_id, Seen::Gone(Kind::Rule, rule_id)).await;
            }
            return Err(AppError::Oci(err));
        }
    };
    inventory::write::record(&state, connection_id, Seen::Rule(found.clone())).await;
    Ok(Json(found))
}

/// Handles `POST .../rules`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/rules",
    tag = "rules",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id")),
    request_body = CreateRuleRequest,
    responses((status = 200, body = Rule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn create_rule(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<CreateRuleRequest>,
) -> ApiResult<Json<Rule>> {
    let compartment = check_compartment("compartment_id", &request.compartment_id)?;
    let name = request.name.trim().to_owned();
    check_name(&name).map_err(|m| AppError::invalid("name", m))?;
    check_description(&request.description).map_err(|m| AppError::invalid("description", m))?;
    check_condition(&request.condition).map_err(|m| AppError::invalid("condition", m))?;
    check_actions(&request.actions)?;
    let client = reach(&state, team_id, connection_id).await?.client;
    check_targets_exist(&client, &request.actions).await?;
    let details = CreateRuleDetails {
        display_name: name.clone(),
        description: (!request.description.is_empty()).then(|| request.description.clone()),
        is_enabled: request.is_enabled,
        condition: request.condition.clone(),
        compartment_id: compartment,
        actions: action_details(&request.actions),
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let change = Change { caller: &caller, team_id, connection_id, action: "rule.create", kind: "rule", name: &name };
    match client.create_rule(&details).await {
        Ok(response) => {
            let created = rule(response.body);
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&created.id), None, Some(&snapshot(&created)), Ok(request_id)).await?;
            inventory::write::record(&state, connection_id, Seen::Rule(created.clone())).await;
            Ok(Json(created))
        }
        Err(err) => Err(change.refused(&state, None, err).await),
    }
}

/// Handles `PATCH .../rules/{rule_id}`: the fields present change (enable and disable are
/// `{"is_enabled": …}`); `actions` replaces the whole set.
#[utoipa::path(
    patch,
    path = "/teams/{team_id}/connections/{connection_id}/rules/{rule_id}",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("rule_id" = String, Path, description = "Rule OCID")
    ),
    request_body = UpdateRuleRequest,
    responses((status = 200, body = Rule), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn update_rule(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, rule_id)): Path<(i64, i64, String)>,
    JsonBody(request): JsonBody<UpdateRuleRequest>,
) -> ApiResult<Json<Rule>> {
    check_target("rule_id", &rule_id, "eventrule")?;
    let name = request.name.as_deref().map(str::trim);
    if let Some(name) = name {
        check_name(name).map_err(|m| AppError::invalid("name", m))?;
    }
    if let Some(description) = &request.description {
        check_description(description).map_err(|m| AppError::invalid("description", m))?;
    }
    if let Some(condition) = &request.condition {
        check_condition(condition).map_err(|m| AppError::invalid("condition", m))?;
    }
    if let Some(actions) = &request.actions {
        check_actions(actions)?;
    }
    let client = reach(&state, team_id, connection_id).await?.client;
    if let Some(actions) = &request.actions {
        check_targets_exist(&client, actions).await?;
    }
    let action = match (request.is_enabled, &request) {
        (Some(true), UpdateRuleRequest { name: None, description: None, condition: None, actions: None, .. }) => {
            "rule.enable"
        }
        (Some(false), UpdateRuleRequest { name: None, description: None, condition: None, actions: None, .. }) => {
            "rule.disable"
        }
        _ => "rule.update",
    };
    let attempt = Change { caller: &caller, team_id, connection_id, action, kind: "rule", name: &rule_id };
    let response = attempt.read(&state, Some(&rule_id), client.get_rule(&rule_id).await).await?;
    let etag = response.etag.clone();
    let before = rule(response.body);
    let details = UpdateRuleDetails {
        display_name: name.map(str::to_owned),
        description: request.description.clone(),
        is_enabled: request.is_enabled,
        condition: request.condition.clone(),
        actions: request.actions.as_deref().map(action_details),
        freeform_tags: None,
        defined_tags: None,
    };
    let change = Change { name: &before.name, ..attempt };
    match client.update_rule(&rule_id, &details, etag.as_deref()).await {
        Ok(response) => {
            let updated = rule(response.body);
            let request_id = response.opc_request_id.as_deref();
            change
                .record(&state, Some(&rule_id), Some(&snapshot(&before)), Some(&snapshot(&updated)), Ok(request_id))
                .await?;
            inventory::write::record(&state, connection_id, Seen::Rule(updated.clone())).await;
            Ok(Json(updated))
        }
        Err(err) => Err(change.refused(&state, Some(&rule_id), err).await),
    }
}

/// Handles `DELETE .../rules/{rule_id}`.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/connections/{connection_id}/rules/{rule_id}",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("rule_id" = String, Path, description = "Rule OCID")
    ),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn delete_rule(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, rule_id)): Path<(i64, i64, String)>,
) -> ApiResult<StatusCode> {
    check_target("rule_id", &rule_id, "eventrule")?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt =
        Change { caller: &caller, team_id, connection_id, action: "rule.delete", kind: "rule", name: &rule_id };
    let response = attempt.read(&state, Some(&rule_id), client.get_rule(&rule_id).await).await?;
    let etag = response.etag.clone();
    let before = rule(response.body);
    let change = Change { name: &before.name, ..attempt };
    match client.delete_rule(&rule_id, etag.as_deref()).await {
        Ok(response) => {
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&rule_id), Some(&snapshot(&before)), None, Ok(request_id)).await?;
            inventory::write::record(&state, connection_id, Seen::Gone(Kind::Rule, rule_id.clone())).await;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(change.refused(&state, Some(&rule_id), err).await),
    }
}

/// Handles `POST .../rules/{rule_id}/move`: to another compartment of the same tenancy.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/rules/{rule_id}/move",
    tag = "rules",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("rule_id" = String, Path, description = "Rule OCID")
    ),
    request_body = MoveRuleRequest,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn move_rule(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, rule_id)): Path<(i64, i64, String)>,
    JsonBody(request): JsonBody<MoveRuleRequest>,
) -> ApiResult<StatusCode> {
    check_target("rule_id", &rule_id, "eventrule")?;
    let compartment = check_compartment("compartment_id", &request.compartment_id)?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt = Change { caller: &caller, team_id, connection_id, action: "rule.move", kind: "rule", name: &rule_id };
    let response = attempt.read(&state, Some(&rule_id), client.get_rule(&rule_id).await).await?;
    let etag = response.etag.clone();
    let before = rule(response.body);
    if before.compartment_id == compartment {
        return Err(AppError::invalid("compartment_id", "The rule is in that compartment already; pick another."));
    }
    let change = Change { name: &before.name, ..attempt };
    match client.change_rule_compartment(&rule_id, &compartment, etag.as_deref()).await {
        Ok(response) => {
            let after = Rule { compartment_id: compartment, ..before.clone() };
            let request_id = response.opc_request_id.as_deref();
            change
                .record(&state, Some(&rule_id), Some(&snapshot(&before)), Some(&snapshot(&after)), Ok(request_id))
                .await?;
            inventory::write::record(&state, connection_id, Seen::Rule(after)).await;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(change.refused(&state, Some(&rule_id), err).await),
    }
}

/// Refuses, naming the field, an action whose topic or function is not there: asking first turns
/// OCI's generic "related resource not found" into the field to fix, and writes nothing. Streams
/// are not checked (Signalbox has no Streaming client).
async fn check_targets_exist(client: &OciClient, actions: &[RuleAction]) -> ApiResult<()> {
    for (index, action) in actions.iter().enumerate() {
        let id = action.target_id.trim();
        let found = match action.kind {
            ActionKind::Notifications => client.get_topic(id).await.map(|_| ()),
            ActionKind::Functions => client.get_function(id).await.map(|_| ()),
            ActionKind::Streaming => Ok(()),
        };
        match found {
            Ok(()) => {}
            Err(err) if err.status() == Some(404) => {
                return Err(AppError::invalid(
                    &format!("actions[{index}].target_id"),
                    format!(
                        "Action {}: no {} {id} is visible through this connection; pick one from the list.",
                        index + 1,
                        action.kind.label().to_lowercase()
                    ),
                ));
            }
            Err(err) => return Err(AppError::Oci(err)),
        }
    }
    Ok(())
}

pub(crate) fn summary(r: OciRuleSummary) -> RuleSummary {
    RuleSummary {
        id: r.id,
        name: r.display_name,
        description: r.description.unwrap_or_default(),
        state: r.lifecycle_state.as_str().to_owned(),
        is_enabled: r.is_enabled,
        condition: r.condition,
        compartment_id: r.compartment_id,
        created_at: r.time_created,
        actions: None,
    }
}

pub(crate) fn rule(r: OciRule) -> Rule {
    Rule {
        id: r.id,
        name: r.display_name,
        description: r.description.unwrap_or_default(),
        state: r.lifecycle_state.as_str().to_owned(),
        state_message: r.lifecycle_message,
        is_enabled: r.is_enabled,
        condition: r.condition,
        compartment_id: r.compartment_id,
        created_at: r.time_created,
        actions: r.actions.actions.into_iter().map(action).collect(),
    }
}

fn action(a: Action) -> RuleAction {
    let (kind, target) = match a.target {
        ActionTarget::Notifications { topic_id } => (ActionKind::Notifications, topic_id),
        ActionTarget::Functions { function_id } => (ActionKind::Functions, function_id),
        ActionTarget::Streaming { stream_id } => (ActionKind::Streaming, stream_id),
        // An action type this version does not know is shown as a stream with no target
        // rather than dropped, so that saving the rule does not silently remove it.
        ActionTarget::Unknown => (ActionKind::Streaming, None),
    };
    RuleAction {
        kind,
        target_id: target.unwrap_or_default(),
        is_enabled: a.is_enabled,
        description: a.description.unwrap_or_default(),
        state: Some(a.lifecycle_state.as_str().to_owned()),
    }
}

fn action_details(actions: &[RuleAction]) -> ActionDetailsList {
    let actions = actions
        .iter()
        .map(|a| {
            let id = Some(a.target_id.trim().to_owned());
            let target = match a.kind {
                ActionKind::Notifications => ActionTarget::Notifications { topic_id: id },
                ActionKind::Functions => ActionTarget::Functions { function_id: id },
                ActionKind::Streaming => ActionTarget::Streaming { stream_id: id },
            };
            ActionDetails {
                target,
                is_enabled: a.is_enabled,
                description: (!a.description.is_empty()).then(|| a.description.clone()),
            }
        })
        .collect();
    ActionDetailsList { actions }
}
