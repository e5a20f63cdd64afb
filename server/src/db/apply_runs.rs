//! The `apply_runs` table: each apply or destroy of a deployment, with the desired state and
//! plan it runs, so a run interrupted by a crash can be shown and resumed as it was reviewed.

use super::DbError;
use super::{Conn, Pool};
use app::model::deployment::{RunKind, RunState};
use chrono::{DateTime, Utc};

/// A run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// Deployment.
    pub deployment_id: i64,
    /// `apply` or `destroy`.
    pub kind: String,
    /// Template version applied.
    pub version: i64,
    /// Parameter values, JSON text.
    pub parameters: String,
    /// The rendered desired state, JSON text.
    pub desired: String,
    /// The reviewed plan, JSON text.
    pub plan: String,
    /// State.
    pub state: String,
    /// Who started it.
    pub started_by: Option<i64>,
    /// Their username.
    pub started_by_name: Option<String>,
    /// When.
    #[sqlx(try_from = "super::types::Stamp")]
    pub started_at: DateTime<Utc>,
    /// When it ended.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Steps in all.
    pub steps: i64,
    /// Steps done.
    pub steps_done: i64,
    /// When another instance last took it over.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub taken_over_at: Option<DateTime<Utc>>,
}

const SELECT: &str = "SELECT r.id, r.deployment_id, r.kind, r.version, r.parameters, r.desired, r.plan, r.state, \
     r.started_by, users.username AS started_by_name, r.started_at, r.finished_at, r.taken_over_at, \
     (SELECT count(*) FROM apply_steps s WHERE s.run_id = r.id) AS steps, \
     (SELECT count(*) FROM apply_steps s WHERE s.run_id = r.id AND s.state = 'done') AS steps_done \
     FROM apply_runs r LEFT JOIN users ON users.id = r.started_by";

impl RunRow {
    /// The state, parsed (the table's CHECK admits only known states).
    pub fn run_state(&self) -> RunState {
        RunState::parse(&self.state).unwrap_or(RunState::Failed)
    }
}

/// One run of a deployment.
pub async fn get(pool: &Pool, deployment_id: i64, id: i64) -> Result<RunRow, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.deployment_id = $1 AND r.id = $2"))
        .bind(deployment_id)
        .bind(id)
        .fetch_one(pool)
        .await?)
}

/// A deployment's runs, newest first.
pub async fn of_deployment(pool: &Pool, deployment_id: i64, limit: i64) -> Result<Vec<RunRow>, DbError> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE r.deployment_id = $1 ORDER BY r.id DESC LIMIT $2"))
        .bind(deployment_id)
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

/// The newest run of each of a team's deployments.
pub async fn newest_of_team(pool: &Pool, team_id: i64) -> Result<Vec<RunRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE r.id IN (SELECT max(runs.id) FROM apply_runs runs \
         JOIN deployments d ON d.id = runs.deployment_id WHERE d.team_id = $1 GROUP BY runs.deployment_id)"
    ))
    .bind(team_id)
    .fetch_all(pool)
    .await?)
}

/// The desired state of the deployment's last successful apply (not destroy), JSON text.
pub async fn last_applied(pool: &Pool, deployment_id: i64) -> Result<Option<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT desired FROM apply_runs WHERE deployment_id = $1 AND kind = 'apply' AND state = 'succeeded' \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(deployment_id)
    .fetch_optional(pool)
    .await?)
}

/// The run of a deployment that is running or interrupted, if any: a second one may not start
/// while it is unfinished.
pub async fn unfinished(pool: &Pool, deployment_id: i64) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM apply_runs WHERE deployment_id = $1 AND state IN ('running', 'interrupted') ORDER BY id LIMIT 1",
    )
    .bind(deployment_id)
    .fetch_optional(pool)
    .await?)
}

/// A new run's row.
pub struct NewRun<'a> {
    /// Deployment.
    pub deployment_id: i64,
    /// Apply or destroy.
    pub kind: RunKind,
    /// Version.
    pub version: i64,
    /// Parameter values, JSON text.
    pub parameters: &'a str,
    /// Desired state, JSON text.
    pub desired: &'a str,
    /// Plan, JSON text.
    pub plan: &'a str,
    /// Who.
    pub started_by: i64,
    /// The instance that runs it, which holds its lease from the start.
    pub holder: &'a str,
}

/// Inserts a running run.
pub async fn insert(conn: &mut Conn, new: &NewRun<'_>) -> Result<i64, DbError> {
    let kind = new.kind.as_str();
    Ok(sqlx::query_scalar(
        "INSERT INTO apply_runs (deployment_id, kind, version, parameters, desired, plan, started_by, \
         lease_holder, lease_expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', $9)) RETURNING id",
    )
    .bind(new.deployment_id)
    .bind(kind)
    .bind(new.version)
    .bind(new.parameters)
    .bind(new.desired)
    .bind(new.plan)
    .bind(new.started_by)
    .bind(new.holder)
    .bind(LEASE)
    .fetch_one(conn)
    .await?)
}

/// Marks a run finished (or running again, for a resume).
pub async fn set_state(conn: &mut Conn, id: i64, state: RunState) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE apply_runs SET state = $2, \
         finished_at = CASE WHEN $2 = 'running' THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END WHERE id = $1",
    )
    .bind(id)
    .bind(state.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// At start: every run left running by a process that stopped is interrupted. Returns how many.
pub async fn interrupt_running(pool: &Pool) -> Result<u64, DbError> {
    let done = sqlx::query(
        "UPDATE apply_runs SET state = 'interrupted', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE state = 'running'",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// How long a run's lease lasts unless renewed, in the form both backends' `strftime` modifier
/// reads. Times are the database's, so the instances' clocks need not agree.
pub const LEASE: &str = "+15 seconds";

/// Holds a run being resumed here for `holder`, in the transaction that resumes it.
pub async fn hold(conn: &mut Conn, id: i64, holder: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE apply_runs SET lease_holder = $2, lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', $3) WHERE id = $1",
    )
    .bind(id)
    .bind(holder)
    .bind(LEASE)
    .execute(conn)
    .await?;
    Ok(())
}

/// Renews `holder`'s lease on a running run; false when it holds it no longer (another instance
/// took the run over after the lease expired) or the run ended.
pub async fn renew(pool: &Pool, id: i64, holder: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE apply_runs SET lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', $3) \
         WHERE id = $1 AND lease_holder = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(holder)
    .bind(LEASE)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A running run nobody holds: its lease expired (or it never had one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Orphan {
    /// Run.
    pub id: i64,
    /// Its deployment.
    pub deployment_id: i64,
    /// The deployment's team.
    pub team_id: i64,
}

/// The running runs whose lease expired.
pub async fn orphaned(pool: &Pool) -> Result<Vec<Orphan>, DbError> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.deployment_id, d.team_id FROM apply_runs r JOIN deployments d ON d.id = r.deployment_id \
         WHERE r.state = 'running' AND (r.lease_expires_at IS NULL OR r.lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
         ORDER BY r.id",
    )
    .fetch_all(pool)
    .await?)
}

/// Takes an orphaned run over for `holder`; false when it is no longer orphaned (another
/// instance took it first, or its holder renewed in time).
pub async fn take_over(conn: &mut Conn, id: i64, holder: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE apply_runs SET lease_holder = $2, lease_expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', $3), \
         taken_over_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE id = $1 AND state = 'running' \
         AND (lease_expires_at IS NULL OR lease_expires_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
    )
    .bind(id)
    .bind(holder)
    .bind(LEASE)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
