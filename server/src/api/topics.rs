//! `/api/v1/teams/{team_id}/connections/{connection_id}/topics`: Notifications topics through a
//! connection. Each change is audited as `super::cloud` describes.

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::audit::change::{Change, snapshot};
use crate::auth::Caller;
use crate::connections::{check_compartment, check_target, reach};
use crate::db::DbError;
use crate::db::inventory_items::{self, Filter, Kind};
use crate::error::AppError;
use crate::inventory;
use crate::inventory::write::Seen;
use crate::oci::ons::{
    CreateTopicDetails, MessageDetails, NotificationTopic, SubscriptionState, TopicAttributesDetails,
};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::inventory::{Page, PageRequest};
use app::api::topics::{
    CreateTopicRequest, PublishRequest, Published, SubscriptionCounts, Topic, UpdateTopicRequest, check_description,
    check_topic_name,
};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use std::collections::HashMap;

/// Query of the topic list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CompartmentQuery {
    /// Compartment OCID.
    pub compartment_id: String,
}

/// Query of the topic list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TopicsQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Only topics in this lifecycle state (`ACTIVE`, `CREATING`, `DELETING`).
    pub state: Option<String>,
    /// Text to find in the name, description or OCID (case-insensitive).
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

/// Handles `GET .../topics?compartment_id=`: a page of the compartment's topics from the
/// inventory, with subscription counts, and how fresh it is.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/topics",
    tag = "topics",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        TopicsQuery
    ),
    responses((status = 200, body = Page<Topic>), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_topics(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<TopicsQuery>,
) -> ApiResult<Json<Page<Topic>>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let wanted = match query.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s @ ("ACTIVE" | "CREATING" | "DELETING")) => Some(s.to_owned()),
        Some(other) => {
            return Err(AppError::invalid(
                "state",
                format!("\"{other}\" is not a topic state; use ACTIVE, CREATING or DELETING."),
            ));
        }
    };
    let request = PageRequest {
        sort: super::rules::sort_of(query.sort.as_deref())?,
        after: query.after,
        before: query.before,
        limit: query.limit,
        refresh: false,
    };
    let freshness =
        inventory::ensure(&state, team_id, connection_id, &compartment, query.refresh == Some(true)).await?;
    let filter = Filter {
        compartment_id: Some(&compartment),
        state: wanted.as_deref(),
        text: query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        ..Filter::default()
    };
    let mut conn = state.pool.acquire().await.map_err(DbError::from)?;
    let rows = inventory::list::page(&mut conn, connection_id, Kind::Topic, &filter, &request).await?;
    let mut counts: HashMap<String, SubscriptionCounts> = HashMap::new();
    for (topic_id, state, n) in inventory_items::subscription_states(&mut conn, connection_id, &compartment).await? {
        let c = counts.entry(topic_id).or_default();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        match SubscriptionState::from(state) {
            SubscriptionState::Active => c.active += n,
            SubscriptionState::Pending => c.pending += n,
            _ => c.other += n,
        }
    }
    let items = rows
        .rows
        .iter()
        .map(|row| {
            let topic: Topic = inventory::items::decode(row)?;
            Ok(Topic { subscriptions: counts.get(&topic.id).copied().unwrap_or_default(), ..topic })
        })
        .collect::<Result<Vec<_>, inventory::items::Unreadable>>()
        .map_err(anyhow::Error::from)?;
    Ok(Json(Page { items, total: rows.total, next: rows.next, previous: rows.previous, freshness }))
}

/// Handles `POST .../topics`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/topics",
    tag = "topics",
    params(("team_id" = i64, Path, description = "Team id"), ("connection_id" = i64, Path, description = "Connection id")),
    request_body = CreateTopicRequest,
    responses((status = 200, body = Topic), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn create_topic(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    JsonBody(request): JsonBody<CreateTopicRequest>,
) -> ApiResult<Json<Topic>> {
    let compartment = check_compartment("compartment_id", &request.compartment_id)?;
    let name = request.name.trim().to_owned();
    check_topic_name(&name).map_err(|m| AppError::invalid("name", m))?;
    check_description(&request.description).map_err(|m| AppError::invalid("description", m))?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let details = CreateTopicDetails {
        name: name.clone(),
        compartment_id: compartment,
        description: (!request.description.is_empty()).then(|| request.description.clone()),
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    let result = client.create_topic(&details).await;
    let change = Change { caller: &caller, team_id, connection_id, action: "topic.create", kind: "topic", name: &name };
    match result {
        Ok(response) => {
            let created = topic(response.body, SubscriptionCounts::default());
            let after = snapshot(&created);
            change
                .record(&state, Some(&created.id), None, Some(&after), Ok(response.opc_request_id.as_deref()))
                .await?;
            inventory::write::record(&state, connection_id, Seen::Topic(created.clone())).await;
            Ok(Json(created))
        }
        Err(err) => Err(change.refused(&state, None, err).await),
    }
}

/// Handles `GET .../topics/{topic_id}`: one topic with its subscription counts, from the
/// inventory when its compartment is synced, else from OCI.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}",
    tag = "topics",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    responses((status = 200, body = Topic), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn get_topic(
    state: AppState,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
) -> ApiResult<Json<Topic>> {
    check_target("topic_id", &topic_id, "onstopic")?;
    if let Some((topic, _)) = inventory::stored_topic(&state, team_id, connection_id, &topic_id).await? {
        return Ok(Json(topic));
    }
    let client = reach(&state, team_id, connection_id).await?.client;
    let found = client.get_topic(&topic_id).await.map_err(AppError::Oci)?.body;
    let subscriptions =
        client.list_all_subscriptions(&found.compartment_id, Some(&topic_id)).await.map_err(AppError::Oci)?;
    let mut counts = SubscriptionCounts::default();
    for subscription in subscriptions {
        count(&mut counts, &subscription.lifecycle_state);
    }
    Ok(Json(topic(found, counts)))
}

/// Handles `PATCH .../topics/{topic_id}`: a new description.
#[utoipa::path(
    patch,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}",
    tag = "topics",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    request_body = UpdateTopicRequest,
    responses((status = 200, body = Topic), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn update_topic(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
    JsonBody(request): JsonBody<UpdateTopicRequest>,
) -> ApiResult<Json<Topic>> {
    check_target("topic_id", &topic_id, "onstopic")?;
    check_description(&request.description).map_err(|m| AppError::invalid("description", m))?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt =
        Change { caller: &caller, team_id, connection_id, action: "topic.update", kind: "topic", name: &topic_id };
    let before = attempt.read(&state, Some(&topic_id), client.get_topic(&topic_id).await).await?.body;
    let before_json = snapshot(&topic(before.clone(), SubscriptionCounts::default()));
    let details =
        TopicAttributesDetails { description: request.description.clone(), freeform_tags: None, defined_tags: None };
    let change = Change { name: &before.name, ..attempt };
    match client.update_topic(&topic_id, &details, before.etag.as_deref()).await {
        Ok(response) => {
            let updated = topic(response.body, SubscriptionCounts::default());
            let after = snapshot(&updated);
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&topic_id), Some(&before_json), Some(&after), Ok(request_id)).await?;
            inventory::write::record(&state, connection_id, Seen::Topic(updated.clone())).await;
            Ok(Json(updated))
        }
        Err(err) => Err(change.refused(&state, Some(&topic_id), err).await),
    }
}

/// Handles `DELETE .../topics/{topic_id}`.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}",
    tag = "topics",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    responses((status = 204), (status = 502, body = ErrorBody))
)]
pub async fn delete_topic(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
) -> ApiResult<StatusCode> {
    check_target("topic_id", &topic_id, "onstopic")?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt =
        Change { caller: &caller, team_id, connection_id, action: "topic.delete", kind: "topic", name: &topic_id };
    let before = attempt.read(&state, Some(&topic_id), client.get_topic(&topic_id).await).await?.body;
    let before_json = snapshot(&topic(before.clone(), SubscriptionCounts::default()));
    let change = Change { name: &before.name, ..attempt };
    match client.delete_topic(&topic_id, before.etag.as_deref()).await {
        Ok(response) => {
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&topic_id), Some(&before_json), None, Ok(request_id)).await?;
            inventory::write::record(&state, connection_id, Seen::Gone(Kind::Topic, topic_id.clone())).await;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(change.refused(&state, Some(&topic_id), err).await),
    }
}

/// Handles `POST .../topics/{topic_id}/publish`: a test message to every subscription.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/publish",
    tag = "topics",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    request_body = PublishRequest,
    responses((status = 200, body = Published), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn publish_message(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
    JsonBody(request): JsonBody<PublishRequest>,
) -> ApiResult<Json<Published>> {
    check_target("topic_id", &topic_id, "onstopic")?;
    if request.body.trim().is_empty() {
        return Err(AppError::invalid("body", "Write the message to publish."));
    }
    if request.body.len() > 64 * 1024 {
        return Err(AppError::invalid("body", "Messages are at most 64 KB (OCI's limit); shorten it."));
    }
    let client = reach(&state, team_id, connection_id).await?.client;
    let message =
        MessageDetails { title: (!request.title.is_empty()).then(|| request.title.clone()), body: request.body };
    let change =
        Change { caller: &caller, team_id, connection_id, action: "topic.publish", kind: "topic", name: &topic_id };
    match client.publish_message(&topic_id, &message).await {
        Ok(response) => {
            let request_id = response.opc_request_id.clone();
            change.record(&state, Some(&topic_id), None, None, Ok(request_id.as_deref())).await?;
            Ok(Json(Published { message_id: response.body.message_id, opc_request_id: request_id }))
        }
        Err(err) => Err(change.refused(&state, Some(&topic_id), err).await),
    }
}

fn count(counts: &mut SubscriptionCounts, state: &SubscriptionState) {
    match state {
        SubscriptionState::Active => counts.active += 1,
        SubscriptionState::Pending => counts.pending += 1,
        _ => counts.other += 1,
    }
}

pub(crate) fn topic(t: NotificationTopic, subscriptions: SubscriptionCounts) -> Topic {
    Topic {
        id: t.topic_id,
        name: t.name,
        compartment_id: t.compartment_id,
        state: t.lifecycle_state.as_str().to_owned(),
        description: t.description.unwrap_or_default(),
        created_at: t.time_created,
        subscriptions,
    }
}
