//! The `deployment_sets` table: fan-out deployments. Their targets are rows of
//! [`deployments`](super::deployments) naming the set (`set_id`) and their region.

use super::DbError;
use super::{Conn, Pool};

/// A fan-out deployment with what its list entry shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SetRow {
    /// Id.
    pub id: i64,
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: String,
    /// Template.
    pub template_id: i64,
    /// Template name.
    pub template_name: String,
    /// Version of the last apply.
    pub version: i64,
    /// The template's newest version.
    pub latest_version: i64,
    /// Connection.
    pub connection_id: i64,
    /// Connection name.
    pub connection_name: String,
    /// Parameter values, JSON object text.
    pub parameters: String,
    /// Scope, JSON text.
    pub scope: String,
    /// Who created it.
    pub created_by: Option<i64>,
    /// Targets in scope not applied to, as last checked (JSON array of labels).
    pub unapplied: String,
    /// When they were last looked for.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub unapplied_checked_at: Option<chrono::DateTime<chrono::Utc>>,
}

const SELECT: &str = "SELECT s.id, s.team_id, s.name, s.template_id, t.name AS template_name, s.version, \
     (SELECT max(version) FROM template_versions WHERE template_id = s.template_id) AS latest_version, \
     s.connection_id, c.name AS connection_name, s.parameters, s.scope, s.created_by, s.unapplied, s.unapplied_checked_at \
     FROM deployment_sets s JOIN templates t ON t.id = s.template_id JOIN connections c ON c.id = s.connection_id";

impl SetRow {
    /// The parameter values of the last apply.
    pub fn parameter_values(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        serde_json::from_str(&self.parameters).unwrap_or_default()
    }

    /// The scope of the last apply.
    pub fn scope(&self) -> app::api::deployment_sets::Scope {
        serde_json::from_str(&self.scope).unwrap_or_default()
    }
}

/// A team's fan-out deployments, by name.
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<SetRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE s.team_id = $1 ORDER BY lower(s.name), s.id"))
        .bind(team_id)
        .fetch_all(pool)
        .await?)
}

/// One of a team's fan-out deployments.
pub async fn get(pool: &Pool, team_id: i64, id: i64) -> Result<SetRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE s.team_id = $1 AND s.id = $2"))
        .bind(team_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// Every fan-out deployment (for the schedule), as (team, id).
pub async fn all(pool: &Pool) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(sqlx::query_as("SELECT team_id, id FROM deployment_sets ORDER BY id").fetch_all(pool).await?)
}

/// Records the targets in scope that were not applied to (labels).
pub async fn set_unapplied(pool: &Pool, id: i64, labels: &[String]) -> Result<(), DbError> {
    let text = serde_json::to_string(labels).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "UPDATE deployment_sets SET unapplied = $2, unapplied_checked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1",
    )
    .bind(id)
    .bind(text)
    .execute(pool)
    .await?;
    Ok(())
}

/// A new fan-out deployment's row.
pub struct NewSet<'a> {
    /// Team.
    pub team_id: i64,
    /// Name.
    pub name: &'a str,
    /// Template.
    pub template_id: i64,
    /// Version.
    pub version: i64,
    /// Connection.
    pub connection_id: i64,
    /// Parameter values, JSON text.
    pub parameters: &'a str,
    /// Scope, JSON text.
    pub scope: &'a str,
    /// Creator.
    pub created_by: i64,
}

/// Inserts a fan-out deployment; a taken name is [`DbError::Conflict`].
pub async fn insert(conn: &mut Conn, new: &NewSet<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO deployment_sets (team_id, name, template_id, version, connection_id, parameters, scope, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.team_id)
    .bind(new.name)
    .bind(new.template_id)
    .bind(new.version)
    .bind(new.connection_id)
    .bind(new.parameters)
    .bind(new.scope)
    .bind(new.created_by)
    .fetch_one(conn)
    .await?)
}

/// Records what an apply of the set asked for: version, values and scope (so nothing in scope is
/// left unapplied).
pub async fn set_applied(conn: &mut Conn, id: i64, version: i64, parameters: &str, scope: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE deployment_sets SET version = $2, parameters = $3, scope = $4, unapplied = '[]' WHERE id = $1")
        .bind(id)
        .bind(version)
        .bind(parameters)
        .bind(scope)
        .execute(conn)
        .await?;
    Ok(())
}
