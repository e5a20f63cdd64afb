//! The audit trail: every change Signalbox makes, who made it, what it looked like before and
//! after, and whether OCI accepted it.
//!
//! Rows are written by [`crate::db::audit_events::NewAuditEvent::append`] in the same
//! transaction as the change they describe, and chained with SHA-256 ([`chain`]) so that editing,
//! removing or reordering a row is detected by `signalbox audit verify` and by the console's badge.

pub mod chain;
pub mod change;

use crate::db::Pool;
use crate::db::{DbError, audit_events};
use chain::Verification;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a full check of the chain is trusted before the next one reads every row again.
pub const FULL_CHECK_EVERY: Duration = Duration::from_secs(600);

/// The chain check behind the console's badge. A full check reads every row (seconds at a
/// million rows) and the badge asks on every visit of the audit page, so an intact result is
/// kept and only rows written since are checked, with a full check again every
/// [`FULL_CHECK_EVERY`]. `signalbox audit verify` always checks everything.
#[derive(Debug, Default)]
pub struct ChainCheck(Mutex<Option<(Instant, Verification)>>);

impl ChainCheck {
    /// The state of the chain now.
    pub async fn check(&self, pool: &Pool) -> Result<Verification, DbError> {
        // One check at a time: visitors arriving meanwhile wait for it and share it.
        let mut last = self.0.lock().await;
        let outcome = match last.as_ref() {
            Some((full_at, intact)) if intact.broken.is_none() && full_at.elapsed() < FULL_CHECK_EVERY => {
                let outcome = audit_events::verify_since(pool, intact).await?;
                *last = Some((*full_at, outcome.clone()));
                outcome
            }
            _ => {
                let outcome = audit_events::verify(pool, Vec::new()).await?;
                *last = Some((Instant::now(), outcome.clone()));
                outcome
            }
        };
        Ok(outcome)
    }
}

/// Seals rows written before the chain existed, indexes the words of rows written before the
/// compound-word index existed, and logs the chain's head, so the log holds a
/// checkpoint from every start.
pub async fn open_chain(pool: &Pool) -> Result<(), DbError> {
    let sealed = audit_events::seal_unhashed(pool).await?;
    let worded = crate::db::audit_words::index_backlog(pool).await?;
    if worded > 0 {
        tracing::info!(rows = worded, "older audit rows added to the compound-word search index");
    }
    let head = audit_events::head(pool).await?;
    tracing::info!(
        sealed,
        rows = head.rows,
        head = %head.last_hash,
        checkpoint = %format!("{}:{}", head.rows, head.last_hash),
        "audit chain opened"
    );
    Ok(())
}

/// How often the server looks whether the audit search indexes need merging.
const SEARCH_UPKEEP_EVERY: Duration = Duration::from_secs(3600);

/// Keeps the audit trail's full-text indexes merged: a look at start and every hour, a merge
/// when enough rows arrived (see [`crate::db::audit_search`]). Runs until the task is dropped.
pub async fn keep_search_merged(pool: Pool) {
    let mut every = tokio::time::interval(SEARCH_UPKEEP_EVERY);
    loop {
        every.tick().await;
        let started = Instant::now();
        match crate::db::audit_search::merge_if_grown(&pool, false).await {
            Ok(0) => {}
            Ok(steps) => {
                tracing::info!(steps, took_ms = started.elapsed().as_millis() as u64, "audit search indexes merged")
            }
            // Searches stay correct without it, only slower; the next hour tries again.
            Err(err) => tracing::warn!(error = %err, "merging the audit search indexes failed"),
        }
    }
}
