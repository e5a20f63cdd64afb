//! Upkeep of the audit trail's two full-text indexes (`audit_search` and `audit_words`).
//!
//! FTS5 adds a small segment per write and merges them in the background of later writes, which
//! leaves a large index spread over many segments; every search then looks in each. Merging
//! them into one made the full text + filter search twice as fast at a million rows (see
//! BENCHMARKS.md). A one-shot `'optimize'` would hold the write lock for seconds at that size,
//! stalling every audited change, so the merge goes in small steps, each its own transaction, as
//! FTS5 documents for an incremental optimize: the first `'merge'` with a negative page count
//! (all segments, whatever their level), the rest positive until a step changes nothing. It runs
//! once enough rows arrived since the last one, never for a handful (merging a small index over
//! and over only adds levels).

use super::DbError;
use crate::db::Pool;

/// Pages of index written per step: about 2 MB, a few tens of milliseconds.
const STEP_PAGES: i64 = 500;
/// Rows written since the last merge that make another worth it.
pub const MERGE_AFTER_ROWS: i64 = 10_000;

/// Merges both indexes when at least [`MERGE_AFTER_ROWS`] rows arrived since the last merge (or
/// always, with `force`); returns how many steps it took (0 when it did nothing).
///
/// On PostgreSQL there is nothing to merge: a GIN index keeps one tree, its pending list folded
/// in by autovacuum.
pub async fn merge_if_grown(pool: &Pool, force: bool) -> Result<u64, DbError> {
    if super::Backend::of(pool) == super::Backend::Postgres {
        return Ok(0);
    }
    let (last_id, merged_through): (i64, i64) =
        sqlx::query_as("SELECT last_id, search_merged_through FROM audit_chain WHERE id = 1").fetch_one(pool).await?;
    if !force && last_id - merged_through < MERGE_AFTER_ROWS {
        return Ok(0);
    }
    let mut steps = 0;
    for table in ["audit_search", "audit_words"] {
        steps += merge(pool, table).await?;
    }
    sqlx::query("UPDATE audit_chain SET search_merged_through = $1 WHERE id = 1").bind(last_id).execute(pool).await?;
    Ok(steps)
}

/// Merges every segment of `table` into one, a step per transaction.
async fn merge(pool: &Pool, table: &str) -> Result<u64, DbError> {
    let sql = format!("INSERT INTO {table} ({table}, rank) VALUES ('merge', $1)");
    let mut conn = pool.acquire().await?;
    let mut steps = 0;
    loop {
        let pages = if steps == 0 { -STEP_PAGES } else { STEP_PAGES };
        let before: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *conn).await?;
        sqlx::query(&sql).bind(pages).execute(&mut *conn).await?;
        let after: i64 = sqlx::query_scalar("SELECT total_changes()").fetch_one(&mut *conn).await?;
        steps += 1;
        // FTS5's own signal: a step that did any work changed at least two rows.
        if after - before < 2 {
            return Ok(steps);
        }
        tokio::task::yield_now().await;
    }
}
