//! The `audit_events` table: append-only and hash-chained (see [`crate::audit::chain`]). No
//! function here updates or deletes a sealed row.

use super::builder::Builder;
use super::{Conn, Pool};
use super::{DbError, audit_words};
use crate::audit::chain::{Content, Start, Verification, Verifier};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::TryStreamExt;
use sqlx::Connection;

/// A checkpoint row is appended after every this many rows.
pub const CHECKPOINT_EVERY: i64 = 1000;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The web UI (a session).
    Ui,
    /// An API token.
    Api,
    /// The signalbox command.
    Cli,
    /// The apply engine.
    Engine,
    /// Signalbox itself (bootstrap, schedules).
    #[default]
    System,
}

impl Source {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ui => "ui",
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Engine => "engine",
            Source::System => "system",
        }
    }
}

/// One audit row to append.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent<'a> {
    /// Acting user.
    pub actor_user_id: Option<i64>,
    /// Acting token.
    pub actor_token_id: Option<i64>,
    /// Name of the actor as it was then (a username, or what a failed login claimed to be).
    pub actor_name: &'a str,
    /// Team the change belongs to.
    pub team_id: Option<i64>,
    /// Where it came from.
    pub source: Source,
    /// `auth.login`, `user.create`, ...
    pub action: &'a str,
    /// `user`, `team`, `token`, ...
    pub target_kind: Option<&'a str>,
    /// Target id.
    pub target_id: Option<String>,
    /// Target name.
    pub target_name: Option<&'a str>,
    /// Whether it succeeded.
    pub ok: bool,
    /// Why it failed, or other detail (never a secret).
    pub detail: Option<&'a str>,
    /// Client address.
    pub client_ip: Option<String>,
    /// The target before the change, as JSON with secrets left out.
    pub before_json: Option<&'a str>,
    /// The target after the change, as JSON with secrets left out.
    pub after_json: Option<&'a str>,
    /// The connection the change went through.
    pub connection_id: Option<i64>,
    /// OCI's `opc-request-id` of the call that made the change.
    pub opc_request_id: Option<&'a str>,
    /// The compartment of the target.
    pub compartment_id: Option<&'a str>,
    /// The apply run the change belongs to.
    pub apply_run_id: Option<i64>,
}

impl NewAuditEvent<'_> {
    /// Appends the row to the chain, in the caller's transaction when it has one (as a
    /// savepoint), else in one of its own. Every [`CHECKPOINT_EVERY`] rows a checkpoint row
    /// follows, and its row count and head hash go to the log.
    #[tracing::instrument(skip_all, fields(action = self.action))]
    pub async fn append(&self, conn: &mut Conn) -> Result<i64, DbError> {
        let mut tx = conn.begin().await?;
        let (id, rows, hash) = self.insert_chained(&mut tx).await?;
        if rows % CHECKPOINT_EVERY == 0 {
            let detail = format!("{rows} rows; head {hash}");
            let checkpoint = NewAuditEvent {
                actor_name: "signalbox",
                source: Source::System,
                action: "audit.checkpoint",
                target_kind: Some("audit"),
                detail: Some(&detail),
                ok: true,
                ..NewAuditEvent::default()
            };
            checkpoint.insert_chained(&mut tx).await?;
            tracing::info!(rows, head = %hash, checkpoint = %format!("{rows}:{hash}"), "audit chain checkpoint");
            metrics::counter!("signalbox_audit_rows_total").increment(1);
        }
        tx.commit().await?;
        // Counted once the savepoint is released: a caller's transaction that rolls back later
        // still counts it, which only makes the figure an upper bound on rare failures.
        metrics::counter!("signalbox_audit_rows_total").increment(1);
        Ok(id)
    }

    /// Inserts the row after the current last one; returns its id, the chain's row count and its
    /// hash.
    async fn insert_chained(&self, conn: &mut Conn) -> Result<(i64, i64, String), DbError> {
        // Writing the head first takes SQLite's write lock before the last row is read.
        let rows: i64 = sqlx::query_scalar("UPDATE audit_chain SET rows = rows + 1 WHERE id = 1 RETURNING rows")
            .fetch_one(&mut *conn)
            .await?;
        let last: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?;
        let (last_id, prev_hash) = match last {
            Some((id, hash)) => (id, hash.unwrap_or_default()),
            None => {
                let pruned: (i64, String) =
                    sqlx::query_as("SELECT pruned_through_id, pruned_hash FROM audit_chain WHERE id = 1")
                        .fetch_one(&mut *conn)
                        .await?;
                pruned
            }
        };
        let id = last_id + 1;
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let client_ip = self.client_ip.as_deref();
        let target_id = self.target_id.as_deref();
        let content = Content {
            id,
            at: &at,
            actor_user_id: self.actor_user_id,
            actor_token_id: self.actor_token_id,
            actor_name: self.actor_name,
            team_id: self.team_id,
            source: self.source.as_str(),
            action: self.action,
            target_kind: self.target_kind,
            target_id,
            target_name: self.target_name,
            compartment_id: self.compartment_id,
            connection_id: self.connection_id,
            result: if self.ok { "ok" } else { "failed" },
            detail: self.detail,
            client_ip,
            before_json: self.before_json,
            after_json: self.after_json,
            opc_request_id: self.opc_request_id,
            apply_run_id: self.apply_run_id,
        };
        let hash = content.hash(&prev_hash);
        insert(&mut *conn, &content, &prev_hash, &hash).await?;
        sqlx::query("UPDATE audit_chain SET last_id = $1, last_hash = $2 WHERE id = 1")
            .bind(id)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
        Ok((id, rows, hash))
    }
}

/// Inserts a row already sealed with `hash`. Appends go through [`NewAuditEvent::append`]; this
/// is for seeding a chain with rows of the past (benchmarks, imports).
pub async fn insert(conn: &mut Conn, row: &Content<'_>, prev_hash: &str, hash: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO audit_events (id, at, actor_user_id, actor_token_id, actor_name, team_id, source, action, target_kind, target_id, target_name, compartment_id, connection_id, result, detail, client_ip, before_json, after_json, opc_request_id, apply_run_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(row.id)
    .bind(row.at)
    .bind(row.actor_user_id)
    .bind(row.actor_token_id)
    .bind(row.actor_name)
    .bind(row.team_id)
    .bind(row.source)
    .bind(row.action)
    .bind(row.target_kind)
    .bind(row.target_id)
    .bind(row.target_name)
    .bind(row.compartment_id)
    .bind(row.connection_id)
    .bind(row.result)
    .bind(row.detail)
    .bind(row.client_ip)
    .bind(row.before_json)
    .bind(row.after_json)
    .bind(row.opc_request_id)
    .bind(row.apply_run_id)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    audit_words::insert(conn, row).await
}

/// Every column of a stored row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_name: String,
    pub team_id: Option<i64>,
    pub source: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub compartment_id: Option<String>,
    pub connection_id: Option<i64>,
    pub result: String,
    pub detail: Option<String>,
    pub client_ip: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub opc_request_id: Option<String>,
    pub apply_run_id: Option<i64>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

/// The columns of [`AuditRow`], for `SELECT`.
pub const COLUMNS: &str = "id, at, actor_user_id, actor_token_id, actor_name, team_id, source, action, target_kind, target_id, target_name, compartment_id, connection_id, result, detail, client_ip, before_json, after_json, opc_request_id, apply_run_id, prev_hash, hash";

/// A row without its snapshots and hashes, and whether it has a snapshot. A page of the timeline
/// reads these: handing 50 rows' before/after JSON from SQLite to the application costs more than
/// finding them (measured in BENCHMARKS.md, issue 7).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditSummary {
    pub id: i64,
    pub at: String,
    pub actor_token_id: Option<i64>,
    pub actor_name: String,
    pub team_id: Option<i64>,
    pub source: String,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub compartment_id: Option<String>,
    pub connection_id: Option<i64>,
    pub result: String,
    pub detail: Option<String>,
    pub opc_request_id: Option<String>,
    pub apply_run_id: Option<i64>,
    #[sqlx(try_from = "super::types::Flag")]
    pub has_diff: bool,
}

/// The stored columns of [`AuditSummary`], for `SELECT`.
pub(super) const SUMMARY_COLUMNS: &str = "id, at, actor_token_id, actor_name, team_id, source, action, target_kind, target_id, target_name, compartment_id, connection_id, result, detail, opc_request_id, apply_run_id";

impl From<&AuditRow> for AuditSummary {
    fn from(row: &AuditRow) -> Self {
        AuditSummary {
            id: row.id,
            at: row.at.clone(),
            actor_token_id: row.actor_token_id,
            actor_name: row.actor_name.clone(),
            team_id: row.team_id,
            source: row.source.clone(),
            action: row.action.clone(),
            target_kind: row.target_kind.clone(),
            target_id: row.target_id.clone(),
            target_name: row.target_name.clone(),
            compartment_id: row.compartment_id.clone(),
            connection_id: row.connection_id,
            result: row.result.clone(),
            detail: row.detail.clone(),
            opc_request_id: row.opc_request_id.clone(),
            apply_run_id: row.apply_run_id,
            has_diff: row.before_json.is_some() || row.after_json.is_some(),
        }
    }
}

impl AuditRow {
    /// What the row's hash covers.
    pub fn content(&self) -> Content<'_> {
        Content {
            id: self.id,
            at: &self.at,
            actor_user_id: self.actor_user_id,
            actor_token_id: self.actor_token_id,
            actor_name: &self.actor_name,
            team_id: self.team_id,
            source: &self.source,
            action: &self.action,
            target_kind: self.target_kind.as_deref(),
            target_id: self.target_id.as_deref(),
            target_name: self.target_name.as_deref(),
            compartment_id: self.compartment_id.as_deref(),
            connection_id: self.connection_id,
            result: &self.result,
            detail: self.detail.as_deref(),
            client_ip: self.client_ip.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            opc_request_id: self.opc_request_id.as_deref(),
            apply_run_id: self.apply_run_id,
        }
    }
}

/// The head of the chain as the database records it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Head {
    pub rows: i64,
    pub last_id: i64,
    pub last_hash: String,
    pub pruned_through_id: i64,
    pub pruned_hash: String,
    pub pruned_rows: i64,
}

impl Head {
    /// Where the chain starts, after the pruned rows.
    pub fn start(&self) -> Start {
        Start { rows: self.pruned_rows, id: self.pruned_through_id, hash: self.pruned_hash.clone() }
    }
}

/// The recorded head.
pub async fn head(pool: &Pool) -> Result<Head, DbError> {
    Ok(sqlx::query_as(
        "SELECT rows, last_id, last_hash, pruned_through_id, pruned_hash, pruned_rows FROM audit_chain WHERE id = 1",
    )
    .fetch_one(pool)
    .await?)
}

/// Hashes rows written before the chain existed, in id order, and sets the head. Returns how
/// many rows it sealed.
pub async fn seal_unhashed(pool: &Pool) -> Result<u64, DbError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let unsealed: Vec<AuditRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_events WHERE hash IS NULL ORDER BY id"))
            .fetch_all(&mut *tx)
            .await?;
    let Some(first) = unsealed.first() else {
        return Ok(0);
    };
    let mut prev: String = sqlx::query_scalar(
        "SELECT coalesce((SELECT hash FROM audit_events WHERE id < $1 ORDER BY id DESC LIMIT 1), '')",
    )
    .bind(first.id)
    .fetch_one(&mut *tx)
    .await?;
    for row in &unsealed {
        let hash = row.content().hash(&prev);
        sqlx::query("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        prev = hash;
    }
    sqlx::query(
        "UPDATE audit_chain SET rows = (SELECT count(*) FROM audit_events), last_id = (SELECT max(id) FROM audit_events), last_hash = $1 WHERE id = 1",
    )
    .bind(&prev)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(unsealed.len() as u64)
}

/// Checks the whole chain against its head and `checkpoints`, reading rows in id order as a
/// stream (memory stays flat at any size).
pub async fn verify(pool: &Pool, checkpoints: Vec<crate::audit::chain::Checkpoint>) -> Result<Verification, DbError> {
    let head = head(pool).await?;
    let verifier = Verifier::new(&head.start(), checkpoints);
    check_rows(pool, verifier, head.pruned_through_id, &head).await
}

/// Checks only the rows written after `intact`, an earlier check that found no break.
pub async fn verify_since(pool: &Pool, intact: &Verification) -> Result<Verification, DbError> {
    let head = head(pool).await?;
    let verifier = Verifier::resume(intact.last_id, &intact.head, intact.rows);
    check_rows(pool, verifier, intact.last_id, &head).await
}

/// What retention pruning removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// Rows removed by this pruning.
    pub removed: i64,
    /// Where the chain now starts: rows removed so far, last removed id and hash. As a
    /// checkpoint (`rows:hash`) it is what `signalbox audit verify` can still check.
    pub start: Start,
}

/// Retention: removes every row written before `before`, the one exception to the trail being
/// append-only. The chain stays verifiable: the head keeps the last removed row's id and hash (the
/// first row kept chains onto it) and how many rows were removed, and the pruning is itself a
/// row of the chain, written in the same transaction by `actor`. `None` when no row is that old.
pub async fn prune(pool: &Pool, before: DateTime<Utc>, actor: &str) -> Result<Option<Pruned>, DbError> {
    seal_unhashed(pool).await?;
    let cutoff = before.to_rfc3339_opts(SecondsFormat::Millis, true);
    // The write lock first (on PostgreSQL, every instance's), so no row is appended while the cut
    // is chosen.
    let mut tx = super::begin(pool).await?;
    let rows_before: i64 = sqlx::query_scalar("UPDATE audit_chain SET rows = rows WHERE id = 1 RETURNING rows")
        .fetch_one(&mut *tx)
        .await?;
    let last: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, hash FROM audit_events WHERE id = (SELECT max(id) FROM audit_events WHERE at < $1)")
            .bind(&cutoff)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((through_id, Some(through_hash))) = last else {
        return Ok(None);
    };
    let removed = sqlx::query("DELETE FROM audit_events WHERE id <= $1").bind(through_id).execute(&mut *tx).await?;
    audit_words::delete_through(&mut tx, through_id).await?;
    let removed = i64::try_from(removed.rows_affected()).unwrap_or(i64::MAX);
    let pruned_rows: i64 = sqlx::query_scalar(
        "UPDATE audit_chain SET pruned_through_id = $1, pruned_hash = $2, pruned_rows = pruned_rows + $3 \
         WHERE id = 1 RETURNING pruned_rows",
    )
    .bind(through_id)
    .bind(&through_hash)
    .bind(removed)
    .fetch_one(&mut *tx)
    .await?;
    let start = Start { rows: pruned_rows, id: through_id, hash: through_hash };
    let detail = format!(
        "removed {removed} rows written before {cutoff} (through row {through_id}); the chain of {rows_before} rows now starts after checkpoint {}:{}",
        start.rows, start.hash
    );
    NewAuditEvent {
        actor_name: actor,
        source: Source::Cli,
        action: "audit.prune",
        target_kind: Some("audit"),
        detail: Some(&detail),
        ok: true,
        ..NewAuditEvent::default()
    }
    .insert_chained(&mut tx)
    .await?;
    tx.commit().await?;
    tracing::info!(removed, checkpoint = %format!("{}:{}", start.rows, start.hash), "audit trail pruned");
    Ok(Some(Pruned { removed, start }))
}

async fn check_rows(pool: &Pool, mut verifier: Verifier, after_id: i64, head: &Head) -> Result<Verification, DbError> {
    let query = format!("SELECT {COLUMNS} FROM audit_events WHERE id > $1 ORDER BY id");
    let mut rows = sqlx::query_as::<_, AuditRow>(&query).bind(after_id).fetch(pool);
    while let Some(row) = rows.try_next().await? {
        if !verifier.push(&row.content(), row.prev_hash.as_deref(), row.hash.as_deref()) {
            break;
        }
    }
    Ok(verifier.finish(head.rows, head.last_id))
}

/// The first row written at or after `at` (RFC 3339); `None` when there is none. Ordered by
/// time so SQLite seeks the time index; `min(id)` would scan the table from its oldest row.
pub async fn first_id_since(pool: &Pool, at: &str) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar("SELECT id FROM audit_events WHERE at >= $1 ORDER BY at, id LIMIT 1")
        .bind(at)
        .fetch_optional(pool)
        .await?)
}

/// One row.
pub async fn by_id(pool: &Pool, id: i64) -> Result<AuditRow, DbError> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_events WHERE id = $1")).bind(id).fetch_one(pool).await?)
}

/// The rows of `team_id` carrying one of OCI's `request_ids`, to pair the cloud's own audit
/// events with Signalbox's.
pub async fn by_request_ids(pool: &Pool, team_id: i64, request_ids: &[String]) -> Result<Vec<AuditRow>, DbError> {
    if request_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = Builder::new(format!("SELECT {COLUMNS} FROM audit_events WHERE team_id = "));
    query.push_bind(team_id).push(" AND opc_request_id IN ").push_list(request_ids.iter().map(String::as_str));
    Ok(query.build_query_as()?.fetch_all(pool).await?)
}
