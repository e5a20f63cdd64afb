//! Subscriptions through a connection: a topic's list and new subscriptions under
//! `.../topics/{topic_id}/subscriptions`, and the compartment-wide list (the pending view),
//! deletion and resending a confirmation under `.../subscriptions`. Each change is audited as
//! `super::cloud` describes.
//!
//! Endpoints can carry a Basic password in their URL: every endpoint answered or audited goes
//! through `redact_endpoint` first, so the password reaches OCI and nothing else.

use super::ApiResult;
use super::extract::{Path, Query};
use super::json::Json as JsonBody;
use crate::audit::change::{Change, snapshot};
use crate::auth::Caller;
use crate::connections::{check_compartment, check_target, reach};
use crate::db::inventory_items::{self, Filter, Kind};
use crate::error::AppError;
use crate::inventory;
use crate::inventory::write::Seen;
use crate::oci::ons::{
    CreateSubscriptionDetails, Protocol, Subscription as OciSubscription, SubscriptionState, SubscriptionSummary,
};
use crate::state::AppState;
use app::api::ErrorBody;
use app::api::inventory::{Page, PageRequest, Sort};
use app::api::subscriptions::{
    CreateSubscriptionRequest, Subscription, check_basic_auth, check_endpoint, endpoint_with_credentials,
    redact_endpoint,
};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// Query of the compartment-wide list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SubscriptionsQuery {
    /// Compartment OCID.
    pub compartment_id: String,
    /// Only subscriptions in this state (`PENDING`, `ACTIVE`).
    pub state: Option<String>,
    /// Only the subscriptions of this topic (an OCID).
    pub topic_id: Option<String>,
    /// Text to find in the endpoint or protocol (case-insensitive).
    pub q: Option<String>,
    /// `oldest` (what has waited longest first, the default), `newest` or `name` (by endpoint).
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

/// Handles `GET .../topics/{topic_id}/subscriptions`: from the inventory when the topic's
/// compartment is synced, else from OCI.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions",
    tag = "subscriptions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    responses((status = 200, body = Vec<Subscription>), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_topic_subscriptions(
    state: AppState,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
) -> ApiResult<Json<Vec<Subscription>>> {
    check_target("topic_id", &topic_id, "onstopic")?;
    if let Some((_, list)) = inventory::stored_topic(&state, team_id, connection_id, &topic_id).await? {
        return Ok(Json(list));
    }
    let client = reach(&state, team_id, connection_id).await?.client;
    let topic = client.get_topic(&topic_id).await.map_err(AppError::Oci)?.body;
    let list = client.list_all_subscriptions(&topic.compartment_id, Some(&topic_id)).await.map_err(AppError::Oci)?;
    let mut list: Vec<Subscription> = list.into_iter().map(|s| from_summary(s, Some(&topic.name))).collect();
    list.sort_by(|a, b| (&a.protocol, &a.endpoint).cmp(&(&b.protocol, &b.endpoint)));
    Ok(Json(list))
}

/// Handles `GET .../subscriptions?compartment_id=`: a page of a compartment's subscriptions from
/// the inventory, each with its topic's name, filtered by state, topic and text, oldest first
/// unless `sort` says (what waits longest for confirmation comes first), with how fresh it is.
#[utoipa::path(
    get,
    path = "/teams/{team_id}/connections/{connection_id}/subscriptions",
    tag = "subscriptions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        SubscriptionsQuery
    ),
    responses((status = 200, body = Page<Subscription>), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn list_subscriptions(
    state: AppState,
    Path((team_id, connection_id)): Path<(i64, i64)>,
    Query(query): Query<SubscriptionsQuery>,
) -> ApiResult<Json<Page<Subscription>>> {
    let compartment = check_compartment("compartment_id", &query.compartment_id)?;
    let wanted = match query.state.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("PENDING" | "ACTIVE" | "DELETED")) => Some(s.to_owned()),
        Some(other) => {
            return Err(AppError::invalid(
                "state",
                format!("\"{other}\" is not a state; use PENDING, ACTIVE or DELETED."),
            ));
        }
    };
    let topic_id = query.topic_id.as_deref().map(str::trim).filter(|t| !t.is_empty());
    if let Some(topic_id) = topic_id {
        check_target("topic_id", topic_id, "onstopic")?;
    }
    let request = PageRequest {
        sort: super::rules::sort_or(query.sort.as_deref(), Sort::Oldest)?,
        after: query.after,
        before: query.before,
        limit: query.limit,
        refresh: false,
    };
    let freshness =
        inventory::ensure(&state, team_id, connection_id, &compartment, query.refresh == Some(true)).await?;
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    let in_compartment = Filter { compartment_id: Some(&compartment), ..Filter::default() };
    let topics = inventory_items::all(&mut conn, connection_id, Kind::Topic, &in_compartment).await?;
    let names = topics
        .iter()
        .map(|row| inventory::items::decode::<app::api::topics::Topic>(row).map(|t| (t.id, t.name)))
        .collect::<Result<HashMap<_, _>, _>>()
        .map_err(anyhow::Error::from)?;
    let filter = Filter {
        state: wanted.as_deref(),
        parent_id: topic_id,
        text: query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()),
        ..in_compartment
    };
    let page = inventory::list::page(&mut conn, connection_id, Kind::Subscription, &filter, &request).await?;
    let now = Utc::now();
    let items = page
        .rows
        .iter()
        .map(|row| {
            let s: Subscription = inventory::items::decode(row)?;
            Ok(Subscription {
                topic_name: names.get(&s.topic_id).cloned(),
                age_seconds: s.created_at.map(|at| (now - at).num_seconds().max(0)),
                ..s
            })
        })
        .collect::<Result<Vec<_>, inventory::items::Unreadable>>()
        .map_err(anyhow::Error::from)?;
    Ok(Json(Page { items, total: page.total, next: page.next, previous: page.previous, freshness }))
}

/// Handles `POST .../topics/{topic_id}/subscriptions`: the endpoint is checked for its protocol
/// first (plain `http://` only to this machine, and only on the built-in sandbox).
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/topics/{topic_id}/subscriptions",
    tag = "subscriptions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("topic_id" = String, Path, description = "Topic OCID")
    ),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 200, body = Subscription),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody)
    )
)]
pub async fn create_subscription(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, topic_id)): Path<(i64, i64, String)>,
    JsonBody(request): JsonBody<CreateSubscriptionRequest>,
) -> ApiResult<Json<Subscription>> {
    check_target("topic_id", &topic_id, "onstopic")?;
    let reached = reach(&state, team_id, connection_id).await?;
    let endpoint = request.endpoint.trim();
    check_endpoint(request.protocol, endpoint, reached.is_sandbox()).map_err(|m| AppError::invalid("endpoint", m))?;
    if let Some(auth) = &request.basic_auth {
        check_basic_auth(request.protocol, auth)?;
    }
    // Last: the only check that may need the network (a name lookup).
    check_reachable(request.protocol, endpoint, reached.sandbox.as_ref()).await?;
    let client = reached.client;
    let full_endpoint = endpoint_with_credentials(endpoint, request.basic_auth.as_ref());
    let name = redact_endpoint(&full_endpoint);
    let change = Change {
        caller: &caller,
        team_id,
        connection_id,
        action: "subscription.create",
        kind: "subscription",
        name: &name,
    };
    let topic = change.read(&state, Some(&topic_id), client.get_topic(&topic_id).await).await?.body;
    let details = CreateSubscriptionDetails {
        topic_id: topic_id.clone(),
        compartment_id: topic.compartment_id.clone(),
        protocol: request.protocol.as_str().to_owned().into(),
        endpoint: full_endpoint,
        metadata: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    };
    match client.create_subscription(&details).await {
        Ok(response) => {
            let created = from_full(response.body, Some(&topic.name));
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&created.id), None, Some(&snapshot(&created)), Ok(request_id)).await?;
            let seen = Seen::Subscription(created.clone(), topic.compartment_id.clone());
            inventory::write::record(&state, connection_id, seen).await;
            Ok(Json(created))
        }
        Err(err) => Err(change.refused(&state, Some(&topic_id), err).await),
    }
}

/// Refuses a URL endpoint the egress policy would never deliver to. The built-in sandbox delivers
/// from this server, so the name is resolved and every address checked now (and again at each
/// delivery); OCI delivers from its own network, where only a literal address can be judged from
/// here (a private, loopback, link-local or metadata address is never a webhook OCI can reach).
async fn check_reachable(
    protocol: app::api::subscriptions::SubscriptionProtocol,
    endpoint: &str,
    sandbox: Option<&crate::sandbox::Sandbox>,
) -> ApiResult<()> {
    use app::api::subscriptions::SubscriptionProtocol::{CustomHttps, Pagerduty, Slack};
    if !matches!(protocol, CustomHttps | Slack | Pagerduty) {
        return Ok(());
    }
    let verdict = match sandbox {
        Some(sandbox) => sandbox.egress().policy().check_url(endpoint).await.map(drop),
        None => crate::egress::EgressPolicy::default().check_form(endpoint).map(drop),
    };
    verdict.map_err(|refused| AppError::invalid("endpoint", format!("Deliveries cannot go there: {refused}.")))
}

/// Handles `DELETE .../subscriptions/{subscription_id}`.
#[utoipa::path(
    delete,
    path = "/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}",
    tag = "subscriptions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("subscription_id" = String, Path, description = "Subscription OCID")
    ),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn delete_subscription(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, subscription_id)): Path<(i64, i64, String)>,
) -> ApiResult<StatusCode> {
    check_target("subscription_id", &subscription_id, "onssubscription")?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt = Change {
        caller: &caller,
        team_id,
        connection_id,
        action: "subscription.delete",
        kind: "subscription",
        name: &subscription_id,
    };
    let before =
        attempt.read(&state, Some(&subscription_id), client.get_subscription(&subscription_id).await).await?.body;
    let etag = before.etag.clone();
    let before = from_full(before, None);
    let change = Change { name: &before.endpoint, ..attempt };
    match client.delete_subscription(&subscription_id, etag.as_deref()).await {
        Ok(response) => {
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&subscription_id), Some(&snapshot(&before)), None, Ok(request_id)).await?;
            let seen = Seen::Gone(Kind::Subscription, subscription_id.clone());
            inventory::write::record(&state, connection_id, seen).await;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(change.refused(&state, Some(&subscription_id), err).await),
    }
}

/// Handles `POST .../subscriptions/{subscription_id}/resend_confirmation`.
#[utoipa::path(
    post,
    path = "/teams/{team_id}/connections/{connection_id}/subscriptions/{subscription_id}/resend_confirmation",
    tag = "subscriptions",
    params(
        ("team_id" = i64, Path, description = "Team id"),
        ("connection_id" = i64, Path, description = "Connection id"),
        ("subscription_id" = String, Path, description = "Subscription OCID")
    ),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody))
)]
pub async fn resend_confirmation(
    state: AppState,
    Extension(caller): Extension<Caller>,
    Path((team_id, connection_id, subscription_id)): Path<(i64, i64, String)>,
) -> ApiResult<StatusCode> {
    check_target("subscription_id", &subscription_id, "onssubscription")?;
    let client = reach(&state, team_id, connection_id).await?.client;
    let attempt = Change {
        caller: &caller,
        team_id,
        connection_id,
        action: "subscription.resend_confirmation",
        kind: "subscription",
        name: &subscription_id,
    };
    let found = attempt.read(&state, Some(&subscription_id), client.get_subscription(&subscription_id).await).await?;
    let current = from_full(found.body, None);
    if current.state != "PENDING" {
        return Err(AppError::Conflict {
            field: "subscription_id".into(),
            message: format!(
                "The subscription to {} is {}, not PENDING; only pending subscriptions wait for a confirmation.",
                current.endpoint, current.state
            ),
        });
    }
    let change = Change { name: &current.endpoint, ..attempt };
    match client.resend_subscription_confirmation(&subscription_id).await {
        Ok(response) => {
            let request_id = response.opc_request_id.as_deref();
            change.record(&state, Some(&subscription_id), None, None, Ok(request_id)).await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Err(err) => Err(change.refused(&state, Some(&subscription_id), err).await),
    }
}

pub(crate) fn from_summary(s: SubscriptionSummary, topic_name: Option<&str>) -> Subscription {
    answer(s.id, s.topic_id, s.protocol, &s.endpoint, s.lifecycle_state, s.created_time, topic_name)
}

pub(crate) fn from_full(s: OciSubscription, topic_name: Option<&str>) -> Subscription {
    answer(s.id, s.topic_id, s.protocol, &s.endpoint, s.lifecycle_state, s.created_time, topic_name)
}

/// What Signalbox answers for a subscription (OCI's list and get shapes differ in other fields).
fn answer(
    id: String,
    topic_id: String,
    protocol: Protocol,
    endpoint: &str,
    state: SubscriptionState,
    created_ms: Option<i64>,
    topic_name: Option<&str>,
) -> Subscription {
    Subscription {
        id,
        topic_id,
        topic_name: topic_name.map(str::to_owned),
        protocol: protocol.as_str().to_owned(),
        endpoint: redact_endpoint(endpoint),
        state: state.as_str().to_owned(),
        created_at: created_ms.and_then(DateTime::from_timestamp_millis),
        age_seconds: created_ms.map(age_seconds),
    }
}

/// Seconds from an OCI `createdTime` (epoch milliseconds) to now.
fn age_seconds(created_ms: i64) -> i64 {
    (Utc::now().timestamp_millis() - created_ms).max(0) / 1000
}
