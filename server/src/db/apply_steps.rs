//! The `apply_steps` table: one row per call of a run, written before the call starts (with the
//! create's retry token) and when it ends, so the table always says how far a run got.

use super::DbError;
use super::{Conn, Pool};
use app::model::deployment::StepState;
use app::template::plan::{PlannedStep, ResourceKind, StepOp};
use chrono::{DateTime, Utc};

/// A step.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    /// Position.
    pub position: i64,
    /// `create`, `update`, `delete`.
    pub op: String,
    /// `topic`, `subscription`, `rule`.
    pub kind: String,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Positions it waits for, JSON array text.
    pub after: String,
    /// State.
    pub state: String,
    /// A create's retry token.
    pub retry_token: Option<String>,
    /// The OCID it updates or deletes, or made.
    pub resource_id: Option<String>,
    /// Calls it took.
    pub attempts: i64,
    /// Start.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub started_at: Option<DateTime<Utc>>,
    /// End.
    #[sqlx(try_from = "super::types::MaybeStamp")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
}

impl StepRow {
    /// The call (the table's CHECK admits only known ops).
    pub fn step_op(&self) -> StepOp {
        StepOp::parse(&self.op).unwrap_or(StepOp::Update)
    }

    /// The kind.
    pub fn resource_kind(&self) -> ResourceKind {
        ResourceKind::parse(&self.kind).unwrap_or(ResourceKind::Topic)
    }

    /// The state.
    pub fn step_state(&self) -> StepState {
        StepState::parse(&self.state).unwrap_or(StepState::Failed)
    }

    /// The steps it waits for.
    pub fn waits_for(&self) -> Vec<i64> {
        serde_json::from_str(&self.after).unwrap_or_default()
    }
}

/// Writes a run's steps, all pending.
pub async fn insert_all(conn: &mut Conn, run_id: i64, steps: &[PlannedStep]) -> Result<(), DbError> {
    for (position, step) in steps.iter().enumerate() {
        let after = serde_json::to_string(&step.after).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO apply_steps (run_id, position, op, kind, key, name, after, resource_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(run_id)
        .bind(position as i64)
        .bind(step.op.as_str())
        .bind(step.kind.as_str())
        .bind(&step.key)
        .bind(&step.name)
        .bind(after)
        .bind(step.id.as_deref())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A run's steps, in order.
pub async fn of_run(pool: &Pool, run_id: i64) -> Result<Vec<StepRow>, DbError> {
    Ok(sqlx::query_as(
        "SELECT position, op, kind, key, name, after, state, retry_token, resource_id, attempts, started_at, \
         finished_at, error FROM apply_steps WHERE run_id = $1 ORDER BY position",
    )
    .bind(run_id)
    .fetch_all(pool)
    .await?)
}

/// Marks a step running, keeping the retry token of an earlier start (a resumed create must
/// repeat the same request) or storing `retry_token`. Returns the token to send.
pub async fn start(pool: &Pool, run_id: i64, position: i64, retry_token: &str) -> Result<String, DbError> {
    Ok(sqlx::query_scalar(
        "UPDATE apply_steps SET state = 'running', retry_token = coalesce(retry_token, $3), error = NULL, \
         started_at = coalesce(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
         WHERE run_id = $1 AND position = $2 RETURNING retry_token",
    )
    .bind(run_id)
    .bind(position)
    .bind(retry_token)
    .fetch_one(pool)
    .await?)
}

/// Records a step's end.
pub async fn finish(
    conn: &mut Conn,
    run_id: i64,
    position: i64,
    state: StepState,
    resource_id: Option<&str>,
    attempts: i64,
    error: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE apply_steps SET state = $3, resource_id = coalesce($4, resource_id), attempts = attempts + $5, \
         error = $6, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE run_id = $1 AND position = $2",
    )
    .bind(run_id)
    .bind(position)
    .bind(state.as_str())
    .bind(resource_id)
    .bind(attempts)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks steps skipped (a step they wait for failed).
pub async fn skip(pool: &Pool, run_id: i64, positions: &[i64]) -> Result<(), DbError> {
    for position in positions {
        sqlx::query(
            "UPDATE apply_steps SET state = 'skipped', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE run_id = $1 AND position = $2 AND state = 'pending'",
        )
        .bind(run_id)
        .bind(position)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Makes failed and skipped steps pending again, for a retry of a failed run.
pub async fn retry_unfinished(conn: &mut Conn, run_id: i64) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE apply_steps SET state = 'pending', finished_at = NULL WHERE run_id = $1 AND state IN ('failed', 'skipped')",
    )
    .bind(run_id)
    .execute(conn)
    .await?;
    Ok(())
}
