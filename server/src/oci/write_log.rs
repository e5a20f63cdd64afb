//! The writes this process made in OCI, by the `opc-request-id` it sent, so the change feed can
//! tell its own changes (stored from OCI's answers as they were made) from changes made elsewhere.
//! Without it, every resource an apply of thousands made would be read again once its audit
//! events arrived: thousands of reads against the tenancy's rate limits for nothing.
//!
//! Only writes OCI answered with success are noted: a write whose answer was lost (a dropped
//! connection after the operation ran) has no copy in the inventory, so the feed must read it.
//! Audit keeps the client's id as the first part of the id it records (`client/service…`, as the
//! sandbox does; that real OCI keeps it so is unconfirmed): an id recorded otherwise is simply
//! not recognised, and its resource is read again as before.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a write is remembered: longer than the feed takes to see it (seconds) and any gap a
/// failed feed read leaves before the full sync reads everything anyway (a minute).
pub const KEPT_FOR: Duration = Duration::from_secs(15 * 60);
/// Most writes remembered; the oldest are forgotten first (and then only cost a read).
pub const MAX_KEPT: usize = 100_000;

/// Request ids of successful writes, newest last.
#[derive(Debug, Default)]
pub struct WriteLog {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    ids: HashSet<String>,
    order: VecDeque<(Instant, String)>,
}

impl WriteLog {
    /// Notes a write OCI answered with success.
    pub fn note(&self, request_id: &str) {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        while inner.order.front().is_some_and(|(at, _)| now.duration_since(*at) > KEPT_FOR)
            || inner.order.len() >= MAX_KEPT
        {
            if let Some((_, old)) = inner.order.pop_front() {
                inner.ids.remove(&old);
            }
        }
        if inner.ids.insert(request_id.to_owned()) {
            inner.order.push_back((now, request_id.to_owned()));
        }
    }

    /// Whether the id an audit event recorded is one of this process's writes.
    pub fn made_here(&self, recorded_id: &str) -> bool {
        let client_part = recorded_id.split('/').next().unwrap_or_default();
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).ids.contains(client_part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_writes_are_known_by_the_clients_part_of_the_id() {
        let log = WriteLog::default();
        log.note("ABC123");
        assert!(log.made_here("ABC123/SANDBOXPART"));
        assert!(log.made_here("ABC123"));
        assert!(!log.made_here("XYZ/ABC123"), "only the client's part counts");
        assert!(!log.made_here(""));
    }

    #[test]
    fn the_log_is_bounded() {
        let log = WriteLog::default();
        for n in 0..MAX_KEPT + 10 {
            log.note(&format!("id-{n}"));
        }
        assert!(!log.made_here("id-0"), "the oldest are forgotten");
        assert!(log.made_here(&format!("id-{}", MAX_KEPT + 9)));
        let inner = log.inner.lock().unwrap();
        assert_eq!((inner.ids.len(), inner.order.len()), (MAX_KEPT, MAX_KEPT));
    }
}
