//! The `templates` table: a team's library entries. Their documents live in
//! [`template_versions`](super::template_versions).

use super::DbError;
use super::{Conn, Pool};
use app::model::visibility::Visibility;
use chrono::{DateTime, Utc};

/// A template with what its list entry shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    /// Id.
    pub id: i64,
    /// Owning team.
    pub team_id: i64,
    /// That team's name.
    pub team_name: String,
    /// Name.
    pub name: String,
    /// The newest version's description.
    pub description: String,
    /// `private`, `team` or `everyone`.
    pub visibility: String,
    /// Creator.
    pub created_by: Option<i64>,
    /// Creator's username.
    pub created_by_name: Option<String>,
    /// Newest version.
    pub latest_version: i64,
    /// When it was published.
    #[sqlx(try_from = "super::types::Stamp")]
    pub updated_at: DateTime<Utc>,
    /// The newest version's document, as JSON text.
    pub document: String,
}

const SELECT: &str = "SELECT t.id, t.team_id, teams.name AS team_name, t.name, \
     coalesce(json_extract(v.document, '$.description'), '') AS description, t.visibility, t.created_by, \
     users.username AS created_by_name, v.version AS latest_version, v.created_at AS updated_at, v.document \
     FROM templates t JOIN teams ON teams.id = t.team_id \
     JOIN template_versions v ON v.template_id = t.id \
       AND v.version = (SELECT max(version) FROM template_versions WHERE template_id = t.id) \
     LEFT JOIN users ON users.id = t.created_by";

/// Which templates a caller sees from a team: the team's own (its private ones only to their
/// creator) and every template shared with everyone.
const VISIBLE: &str =
    "((t.team_id = $1 AND (t.visibility != 'private' OR t.created_by = $2)) OR t.visibility = 'everyone')";

/// The templates `user_id` sees from `team_id`, by name.
pub async fn visible(pool: &Pool, team_id: i64, user_id: i64) -> Result<Vec<TemplateRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE {VISIBLE} ORDER BY lower(t.name), t.id"))
        .bind(team_id)
        .bind(user_id)
        .fetch_all(pool)
        .await?)
}

/// One template, if `user_id` sees it from `team_id`.
pub async fn visible_by_id(pool: &Pool, team_id: i64, user_id: i64, id: i64) -> Result<TemplateRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE {VISIBLE} AND t.id = $3"))
        .bind(team_id)
        .bind(user_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// Creates the library entry; its first version is written by the caller in the same transaction.
pub async fn insert(
    conn: &mut Conn,
    team_id: i64,
    name: &str,
    visibility: Visibility,
    created_by: i64,
) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO templates (team_id, name, visibility, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(team_id)
    .bind(name)
    .bind(visibility.as_str())
    .bind(created_by)
    .fetch_one(conn)
    .await?)
}

/// Changes who sees a template.
pub async fn set_visibility(conn: &mut Conn, id: i64, visibility: Visibility) -> Result<(), DbError> {
    sqlx::query("UPDATE templates SET visibility = $2 WHERE id = $1")
        .bind(id)
        .bind(visibility.as_str())
        .execute(conn)
        .await?;
    Ok(())
}
