//! The writes this process made in OCI, by the `opc-request-id` it sent and the connection it
//! sent it through, so a connection's change feed can tell the changes its own inventory already
//! holds (stored from OCI's answers as they were made) from changes made elsewhere. Without it,
//! every resource an apply of thousands made would be read again once its audit events arrived:
//! thousands of reads against the tenancy's rate limits for nothing.
//!
//! The connection matters: only the inventory of the connection that made a write was written
//! through. Another connection that keeps the same compartment (the team's sandbox connection and
//! an instance principal reaching the same tenancy) must read the change like any other.
//!
//! Only writes OCI answered with success are noted: a write whose answer was lost (a dropped
//! connection after the operation ran) has no copy in the inventory, so the feed must read it.
//! Audit keeps the client's id as the first part of the id it records (`client/service…`, as the
//! sandbox does; that real OCI keeps it so is unconfirmed): an id recorded otherwise is simply
//! not recognised, and its resource is read again as before.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a write is remembered: longer than the feed takes to see it (seconds) and any gap a
/// failed feed read leaves before the full sync reads everything anyway (a minute).
pub const KEPT_FOR: Duration = Duration::from_secs(15 * 60);
/// Most writes remembered; the oldest are forgotten first (and then only cost a read).
pub const MAX_KEPT: usize = 100_000;

/// Request ids of successful writes with the connection each went through, newest last.
#[derive(Debug, Default)]
pub struct WriteLog {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    ids: HashMap<String, i64>,
    order: VecDeque<(Instant, String)>,
}

impl WriteLog {
    /// Notes a write OCI answered with success, made through `connection`.
    pub fn note(&self, connection: i64, request_id: &str) {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        while inner.order.front().is_some_and(|(at, _)| now.duration_since(*at) > KEPT_FOR)
            || inner.order.len() >= MAX_KEPT
        {
            if let Some((_, old)) = inner.order.pop_front() {
                inner.ids.remove(&old);
            }
        }
        // A retried request keeps its id; the first note stands.
        if let Entry::Vacant(slot) = inner.ids.entry(request_id.to_owned()) {
            slot.insert(connection);
            inner.order.push_back((now, request_id.to_owned()));
        }
    }

    /// Whether the id an audit event recorded is one of this process's writes through
    /// `connection`.
    pub fn made_through(&self, connection: i64, recorded_id: &str) -> bool {
        let client_part = recorded_id.split('/').next().unwrap_or_default();
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).ids.get(client_part) == Some(&connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_writes_are_known_by_the_clients_part_of_the_id() {
        let log = WriteLog::default();
        log.note(7, "ABC123");
        assert!(log.made_through(7, "ABC123/SANDBOXPART"));
        assert!(log.made_through(7, "ABC123"));
        assert!(!log.made_through(7, "XYZ/ABC123"), "only the client's part counts");
        assert!(!log.made_through(7, ""));
    }

    #[test]
    fn a_write_is_only_its_own_connections() {
        let log = WriteLog::default();
        log.note(7, "ABC123");
        assert!(!log.made_through(8, "ABC123/SANDBOXPART"), "connection 8's inventory was not written through");
        log.note(8, "ABC123");
        assert!(log.made_through(7, "ABC123"), "an id seen again keeps its first connection");
    }

    #[test]
    fn the_log_is_bounded() {
        let log = WriteLog::default();
        for n in 0..MAX_KEPT + 10 {
            log.note(1, &format!("id-{n}"));
        }
        assert!(!log.made_through(1, "id-0"), "the oldest are forgotten");
        assert!(log.made_through(1, &format!("id-{}", MAX_KEPT + 9)));
        let inner = log.inner.lock().unwrap();
        assert_eq!((inner.ids.len(), inner.order.len()), (MAX_KEPT, MAX_KEPT));
    }
}
