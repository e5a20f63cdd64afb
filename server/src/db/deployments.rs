//! The `deployments` table: a template version applied to a connection and compartment. What
//! each owns is [`deployment_resources`](super::deployment_resources); its applies are
//! [`apply_runs`](super::apply_runs).

use super::DbError;
use super::{Conn, Pool};
use app::model::deployment::DriftStatus;
use chrono::{DateTime, Utc};

/// A deployment with what its list entry shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeploymentRow {
    /// Id.
    pub id: i64,
    /// The id in its resources' freeform tags.
    pub uid: String,
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
    /// Compartment OCID.
    pub compartment_id: String,
    /// The region it applies in; the connection's own when `None`.
    pub region: Option<String>,
    /// The fan-out deployment it is a target of.
    pub set_id: Option<i64>,
    /// Parameter values, JSON object text.
    pub parameters: String,
    /// `active` or `destroyed`.
    pub state: String,
    /// `unknown`, `in_sync`, `drifted`, `failed`.
    pub drift: String,
    /// The last drift check's plan, JSON text.
    pub drift_plan: Option<String>,
    /// When drift was checked.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub drift_checked_at: Option<DateTime<Utc>>,
    /// Resources owned.
    pub resources: i64,
    /// Who created it.
    pub created_by: Option<i64>,
}

const SELECT: &str = "SELECT d.id, d.uid, d.team_id, d.name, d.template_id, t.name AS template_name, d.version, \
     (SELECT max(version) FROM template_versions WHERE template_id = d.template_id) AS latest_version, \
     d.connection_id, c.name AS connection_name, d.compartment_id, d.region, d.set_id, d.parameters, d.state, d.drift, d.drift_plan, \
     d.drift_checked_at, (SELECT count(*) FROM deployment_resources r WHERE r.deployment_id = d.id) AS resources, \
     d.created_by FROM deployments d JOIN templates t ON t.id = d.template_id JOIN connections c ON c.id = d.connection_id";

impl DeploymentRow {
    /// The parameter values of the last apply.
    pub fn parameter_values(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        serde_json::from_str(&self.parameters).unwrap_or_default()
    }
}

/// A team's deployments, by name.
pub async fn of_team(pool: &Pool, team_id: i64) -> Result<Vec<DeploymentRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE d.team_id = $1 ORDER BY lower(d.name), d.id"))
        .bind(team_id)
        .fetch_all(pool)
        .await?)
}

/// The targets of a fan-out deployment, by region and compartment.
pub async fn of_set(pool: &Pool, team_id: i64, set_id: i64) -> Result<Vec<DeploymentRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE d.team_id = $1 AND d.set_id = $2 ORDER BY coalesce(d.region, ''), d.compartment_id, d.id"
    ))
    .bind(team_id)
    .bind(set_id)
    .fetch_all(pool)
    .await?)
}

/// One of a team's deployments.
pub async fn get(pool: &Pool, team_id: i64, id: i64) -> Result<DeploymentRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE d.team_id = $1 AND d.id = $2"))
        .bind(team_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// Every active deployment (for the scheduled drift check), as (team, id).
pub async fn active(pool: &Pool) -> Result<Vec<(i64, i64)>, DbError> {
    Ok(sqlx::query_as("SELECT team_id, id FROM deployments WHERE state = 'active' ORDER BY id").fetch_all(pool).await?)
}

/// A new deployment's row.
pub struct NewDeployment<'a> {
    /// Tag id.
    pub uid: &'a str,
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
    /// Compartment.
    pub compartment_id: &'a str,
    /// Region, when not the connection's.
    pub region: Option<&'a str>,
    /// The fan-out deployment it is a target of.
    pub set_id: Option<i64>,
    /// Parameter values, JSON text.
    pub parameters: &'a str,
    /// Creator.
    pub created_by: i64,
}

/// Inserts a deployment; a taken name is [`DbError::Conflict`].
pub async fn insert(conn: &mut Conn, new: &NewDeployment<'_>) -> Result<i64, DbError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO deployments (uid, team_id, name, template_id, version, connection_id, compartment_id, parameters, \
         created_by, region, set_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(new.uid)
    .bind(new.team_id)
    .bind(new.name)
    .bind(new.template_id)
    .bind(new.version)
    .bind(new.connection_id)
    .bind(new.compartment_id)
    .bind(new.parameters)
    .bind(new.created_by)
    .bind(new.region)
    .bind(new.set_id)
    .fetch_one(conn)
    .await?)
}

/// Records what a finished run applied: its version and values, and whether anything is left.
pub async fn set_applied(
    conn: &mut Conn,
    id: i64,
    version: i64,
    parameters: &str,
    destroyed: bool,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE deployments SET version = $2, parameters = $3, state = $4, drift = 'in_sync', drift_plan = NULL, \
         drift_checked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = $1",
    )
    .bind(id)
    .bind(version)
    .bind(parameters)
    .bind(if destroyed { "destroyed" } else { "active" })
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a drift check's finding.
pub async fn set_drift(pool: &Pool, id: i64, drift: DriftStatus, plan: Option<&str>) -> Result<(), DbError> {
    let drift = match drift {
        DriftStatus::Unknown => "unknown",
        DriftStatus::InSync => "in_sync",
        DriftStatus::Drifted => "drifted",
        DriftStatus::Failed => "failed",
    };
    sqlx::query(
        "UPDATE deployments SET drift = $2, drift_plan = $3, drift_checked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE id = $1",
    )
    .bind(id)
    .bind(drift)
    .bind(plan)
    .execute(pool)
    .await?;
    Ok(())
}
