//! The sandbox's log of every event it emitted, the history impact analysis replays
//! (`crate::impact`). OCI keeps no such log; for a real tenancy the history comes from Audit and
//! from the inboxes. Events are kept as emitted (their JSON text, which costs a third of the
//! memory a parsed value would), newest [`KEPT`] only, and saved entry by entry.

use super::super::world::World;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Events kept; the oldest go first. Enough for a busy sandbox's fortnight and for the impact
/// benchmark's 100,000 events.
pub const KEPT: usize = 100_000;

/// One emitted event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmittedEvent {
    /// Its `eventTime` (the time given by whoever emitted it, so tests can emit a past week).
    pub at: DateTime<Utc>,
    /// The compartment it belongs to.
    pub compartment_id: String,
    /// The envelope as routed, JSON.
    pub event: String,
}

impl World {
    /// Notes an event as routed.
    pub(in crate::sandbox) fn log_emitted(&mut self, at: DateTime<Utc>, compartment_id: &str, event: String) {
        self.events.emitted.push(EmittedEvent { at, compartment_id: compartment_id.to_owned(), event });
    }

    /// The events emitted at or after `since` in `compartment_id` or any compartment below it,
    /// oldest first.
    pub fn emitted_within(&self, compartment_id: &str, since: DateTime<Utc>) -> Vec<EmittedEvent> {
        let mut within = std::collections::HashMap::<&str, bool>::new();
        self.events
            .emitted
            .iter()
            .filter(|e| e.at >= since)
            .filter(|e| {
                *within
                    .entry(e.compartment_id.as_str())
                    .or_insert_with(|| self.lineage(&e.compartment_id).iter().any(|c| c == compartment_id))
            })
            .cloned()
            .collect()
    }
}
