//! The audit trail: every change Signalbox makes, who made it, what it looked like before and
//! after, and whether OCI accepted it.
//!
//! Rows are written by [`crate::db::audit_events::NewAuditEvent::append`] in the same
//! transaction as the change they describe, and chained with SHA-256 ([`chain`]) so that editing,
//! removing or reordering a row is detected by `signalbox audit verify` and by the console's badge.

pub mod chain;

use crate::db::{DbError, audit_events};
use sqlx::SqlitePool;

/// Seals rows written before the chain existed and logs the chain's head, so the log holds a
/// checkpoint from every start.
pub async fn open_chain(pool: &SqlitePool) -> Result<(), DbError> {
    let sealed = audit_events::seal_unhashed(pool).await?;
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
