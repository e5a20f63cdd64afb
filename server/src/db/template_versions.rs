//! The `template_versions` table: numbered, immutable documents of a template (a trigger refuses
//! any update).

use super::DbError;
use super::{Conn, Pool};
use chrono::{DateTime, Utc};

/// A version row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    /// 1, 2, 3…
    pub version: i64,
    /// The document, as JSON text.
    pub document: String,
    /// What changed.
    pub notes: String,
    /// Publisher's username.
    pub created_by_name: Option<String>,
    /// When.
    #[sqlx(try_from = "super::types::Stamp")]
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT v.version, v.document, v.notes, users.username AS created_by_name, v.created_at \
     FROM template_versions v LEFT JOIN users ON users.id = v.created_by";

/// Every version of a template, newest first, without their documents (`document` is empty).
pub async fn of_template(pool: &Pool, template_id: i64) -> Result<Vec<VersionRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT v.version, '' AS document, v.notes, users.username AS created_by_name, v.created_at \
         FROM template_versions v LEFT JOIN users ON users.id = v.created_by WHERE v.template_id = $1 \
         ORDER BY v.version DESC",
    )
    .bind(template_id)
    .fetch_all(pool)
    .await?)
}

/// One version.
pub async fn get(pool: &Pool, template_id: i64, version: i64) -> Result<VersionRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE v.template_id = $1 AND v.version = $2"))
        .bind(template_id)
        .bind(version)
        .fetch_one(pool)
        .await?)
}

/// Appends the next version (1 for a new template) and answers its number. Two publishers at
/// once cannot take the same number: the insert computes it under SQLite's write lock, and the
/// unique key refuses a duplicate.
pub async fn append(
    conn: &mut Conn,
    template_id: i64,
    document: &str,
    notes: &str,
    created_by: i64,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO template_versions (template_id, version, document, notes, created_by) \
         VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM template_versions WHERE template_id = $1), $2, $3, $4) \
         RETURNING version",
    )
    .bind(template_id)
    .bind(document)
    .bind(notes)
    .bind(created_by)
    .fetch_one(conn)
    .await?)
}
