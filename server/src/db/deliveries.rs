//! The `deliveries` table: what webhook inboxes received. Each inbox keeps its newest
//! [`KEPT_DELIVERIES`] for [`KEPT_DAYS`] days; older ones are removed as new ones arrive, so
//! a flood of requests cannot grow the database without bound.

use super::DbError;
use crate::db::Pool;
use app::model::inbox::{DeliveryKind, KEPT_DAYS, KEPT_DELIVERIES};
use chrono::{DateTime, TimeDelta, Utc};

/// A stored delivery.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    /// Id.
    pub id: i64,
    /// Inbox.
    pub inbox_id: i64,
    /// Arrival.
    #[sqlx(try_from = "super::types::Stamp")]
    pub received_at: DateTime<Utc>,
    /// `confirmation`, `notification` or `other`.
    pub kind: String,
    /// `X-OCI-NS-MessageId`.
    pub message_id: Option<String>,
    /// `X-OCI-NS-TopicOcid`.
    pub topic_id: Option<String>,
    /// `X-OCI-NS-TopicName`.
    pub topic_name: Option<String>,
    /// `X-OCI-NS-SubscriptionId`.
    pub subscription_id: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// Headers, a JSON array of `[name, value]` pairs.
    pub headers: String,
    /// Body as text.
    pub body: String,
    /// Body size as received.
    pub body_bytes: i64,
    /// What following a confirmation URL gave.
    pub confirmation: Option<String>,
}

const COLUMNS: &str = "id, inbox_id, received_at, kind, message_id, topic_id, topic_name, subscription_id, \
     content_type, headers, body, body_bytes, confirmation";

/// A delivery to store.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    /// Inbox.
    pub inbox_id: i64,
    /// What kind of request.
    pub kind: DeliveryKind,
    /// `X-OCI-NS-MessageId`.
    pub message_id: Option<&'a str>,
    /// `X-OCI-NS-TopicOcid`.
    pub topic_id: Option<&'a str>,
    /// `X-OCI-NS-TopicName`.
    pub topic_name: Option<&'a str>,
    /// `X-OCI-NS-SubscriptionId`.
    pub subscription_id: Option<&'a str>,
    /// `Content-Type`.
    pub content_type: Option<&'a str>,
    /// Headers in arrival order.
    pub headers: &'a [(String, String)],
    /// The body as received.
    pub body: &'a [u8],
}

/// A body as stored text: bytes that are not UTF-8, and NUL (which PostgreSQL cannot hold in
/// text), become U+FFFD, on both backends so a delivery reads the same on either;
/// `body_bytes` keeps the size as received.
fn stored_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).replace('\0', "\u{fffd}")
}

/// Stores a delivery and drops what its inbox no longer keeps, in one transaction.
pub async fn insert(pool: &Pool, new: &NewDelivery<'_>) -> Result<i64, DbError> {
    let headers = serde_json::to_string(new.headers).map_err(|err| DbError::Other(sqlx::Error::Encode(err.into())))?;
    let mut tx = crate::db::begin(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO deliveries (inbox_id, kind, message_id, topic_id, topic_name, subscription_id, content_type, headers, body, body_bytes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(new.inbox_id)
    .bind(new.kind.as_str())
    .bind(new.message_id)
    .bind(new.topic_id)
    .bind(new.topic_name)
    .bind(new.subscription_id)
    .bind(new.content_type)
    .bind(headers)
    .bind(stored_text(new.body))
    .bind(new.body.len() as i64)
    .fetch_one(&mut *tx)
    .await?;
    let oldest_kept = (Utc::now() - TimeDelta::days(KEPT_DAYS)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    sqlx::query(
        "DELETE FROM deliveries WHERE inbox_id = $1 AND (received_at < $2 OR id <= \
         (SELECT id FROM deliveries WHERE inbox_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $3))",
    )
    .bind(new.inbox_id)
    .bind(oldest_kept)
    .bind(KEPT_DELIVERIES)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Records what following a confirmation's URL gave.
pub async fn set_confirmation(pool: &Pool, id: i64, outcome: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE deliveries SET confirmation = $2 WHERE id = $1").bind(id).bind(outcome).execute(pool).await?;
    Ok(())
}

/// Up to `limit` of an inbox's deliveries below `before`, newest first.
pub async fn page(pool: &Pool, inbox_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<DeliveryRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE inbox_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(inbox_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// One of an inbox's deliveries.
pub async fn get(pool: &Pool, inbox_id: i64, id: i64) -> Result<Option<DeliveryRow>, DbError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM deliveries WHERE inbox_id = $1 AND id = $2"))
        .bind(inbox_id)
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// An inbox's deliveries after `after`, oldest first (what a live stream has not sent yet).
pub async fn since(pool: &Pool, inbox_id: i64, after: i64) -> Result<Vec<DeliveryRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE inbox_id = $1 AND id > $2 ORDER BY id LIMIT 100"
    ))
    .bind(inbox_id)
    .bind(after)
    .fetch_all(pool)
    .await?)
}

/// The newest id of an inbox's deliveries (0 when none).
pub async fn newest_id(pool: &Pool, inbox_id: i64) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM deliveries WHERE inbox_id = $1")
        .bind(inbox_id)
        .fetch_one(pool)
        .await?)
}

/// For each topic an inbox received notifications from, the newest one's time.
pub async fn last_by_topic(pool: &Pool, inbox_id: i64) -> Result<Vec<(String, DateTime<Utc>)>, DbError> {
    let rows: Vec<(String, super::types::Stamp)> = sqlx::query_as(
        "SELECT topic_id, max(received_at) FROM deliveries \
         WHERE inbox_id = $1 AND kind = 'notification' AND topic_id IS NOT NULL GROUP BY topic_id",
    )
    .bind(inbox_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(topic, at)| Ok((topic, DateTime::try_from(at)?))).collect()
}

/// The bodies of the notifications the team's inboxes received since `since`, newest first, at
/// most `limit` (the history impact analysis replays).
pub async fn notifications_of_team(
    pool: &Pool,
    team_id: i64,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(DateTime<Utc>, String)>, DbError> {
    let rows: Vec<(super::types::Stamp, String)> = sqlx::query_as(
        "SELECT d.received_at, d.body FROM deliveries d JOIN inboxes i ON i.id = d.inbox_id \
         WHERE i.team_id = $1 AND d.kind = 'notification' AND d.received_at >= $2 ORDER BY d.id DESC LIMIT $3",
    )
    .bind(team_id)
    .bind(super::types::stamp(since))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(|(at, body)| Ok((DateTime::try_from(at)?, body))).collect()
}
