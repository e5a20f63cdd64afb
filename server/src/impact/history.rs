//! Where the events replayed come from, read once per window and kept a short while.
//!
//! - The built-in sandbox: its log of every event it emitted, exactly as routed.
//! - OCI: the Audit API, one compartment at a time (Audit lists one compartment per call, not
//!   its children), a day of each at a time, several at once, each audited change turned into
//!   its Events envelope ([`super::audit`]); then the team's inbox deliveries, only for the types Audit cannot show
//!   (`.end` types, Cloud Guard problems), since the rest Audit already has under another id.
//!
//! Events are deduplicated by `eventID` and sorted oldest first. Reading stops at
//! [`MAX_EVENTS`] or [`MAX_PAGES`] pages per compartment and day, and what was not read is said,
//! never passed over. A history is kept for [`KEPT_FOR`], so an editor replaying drafts as the user
//! types, and a plan reviewed right after, read OCI once.

use super::audit;
use crate::connections::{Reached, tenancy};
use crate::db::Pool;
use crate::db::connections::ConnectionRow;
use crate::oci::audit::AuditWindow;
use crate::oci::client::OciClient;
use crate::preflight::policy::Tree;
use app::api::impact::{HistorySource, SourceCount};
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most events one history holds.
pub const MAX_EVENTS: usize = 200_000;
/// Most Audit pages read per compartment and day.
pub const MAX_PAGES: usize = 200;
/// Audit reads (a compartment's day each) in flight at once.
const IN_FLIGHT: usize = 8;
/// How long a history is reused.
pub const KEPT_FOR: Duration = Duration::from_secs(120);
/// Histories kept at once (the oldest is dropped).
const KEPT: usize = 16;
/// Inbox deliveries read at most.
const MAX_DELIVERIES: i64 = 20_000;

/// One event replayed.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// Its `eventTime`.
    pub time: DateTime<Utc>,
    /// Where it came from.
    pub source: HistorySource,
    /// The envelope.
    pub event: Value,
}

/// A compartment's events in a window.
#[derive(Debug, Clone)]
pub struct History {
    /// Start of the window.
    pub since: DateTime<Utc>,
    /// End of the window.
    pub until: DateTime<Utc>,
    /// Its length in days.
    pub days: u32,
    /// The events, oldest first.
    pub events: Vec<Replayed>,
    /// How many each source gave.
    pub sources: Vec<SourceCount>,
    /// What could not be read, one sentence each.
    pub unseen: Vec<String>,
    /// Whether every event type can be seen (the sandbox's log) or only what Audit records.
    pub complete: bool,
}

type Key = (i64, DateTime<Utc>, String, u32);

/// Histories read recently, per connection (with its creation time, so a reused id never finds
/// another connection's), compartment and window length.
#[derive(Default)]
pub struct Cache {
    kept: Mutex<BTreeMap<Key, (Instant, Arc<History>)>>,
}

impl Cache {
    fn get(&self, key: &Key) -> Option<Arc<History>> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(key).filter(|(at, _)| at.elapsed() < KEPT_FOR).map(|(_, history)| history.clone())
    }

    fn put(&self, key: Key, history: Arc<History>) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|_, (at, _)| at.elapsed() < KEPT_FOR);
        if kept.len() >= KEPT
            && let Some(oldest) = kept.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone())
        {
            kept.remove(&oldest);
        }
        kept.insert(key, (Instant::now(), history));
    }
}

/// The connection's history of `compartment` over the last `days`, and whether it was reused.
pub async fn gather(
    pool: &Pool,
    cache: &Cache,
    row: &ConnectionRow,
    reached: &Reached,
    compartment: &str,
    days: u32,
) -> (Arc<History>, bool) {
    let key = (row.id, row.created_at, compartment.to_owned(), days);
    if let Some(history) = cache.get(&key) {
        return (history, true);
    }
    let until = Utc::now();
    let since = until - TimeDelta::days(i64::from(days));
    let mut collected = Collected::default();
    // The sandbox's log holds every event it routed, its inbox deliveries included: the inboxes
    // are read only beside Audit, for what Audit cannot show.
    let complete = match &reached.sandbox {
        Some(sandbox) => {
            let logged = sandbox.world().emitted_within(compartment, since);
            for entry in logged {
                if let Ok(event) = serde_json::from_str::<Value>(&entry.event) {
                    collected.add(entry.at, HistorySource::SandboxLog, event);
                }
            }
            true
        }
        None => {
            match crate::preflight::facts::tree(&reached.client, &tenancy(row)).await {
                Ok(tree) => {
                    read_audit(&reached.client, &tree, compartment, since, until, &mut collected).await;
                    let inside = |place: &str| tree.lineage(place).iter().any(|c| c == compartment);
                    read_inboxes(pool, row.team_id, since, &inside, &mut collected).await;
                }
                Err(reason) => {
                    collected.unseen.push(format!("Audit was not read: {reason}."));
                    read_inboxes(pool, row.team_id, since, &|place: &str| place == compartment, &mut collected).await;
                }
            }
            false
        }
    };
    let history = Arc::new(collected.finish(since, until, days, complete));
    cache.put(key, history.clone());
    (history, false)
}

#[derive(Default)]
struct Collected {
    events: Vec<Replayed>,
    ids: HashSet<String>,
    counts: BTreeMap<HistorySource, u64>,
    unseen: Vec<String>,
    capped: bool,
}

impl Collected {
    fn add(&mut self, time: DateTime<Utc>, source: HistorySource, event: Value) {
        if self.events.len() >= MAX_EVENTS {
            self.capped = true;
            return;
        }
        if let Some(id) = event.get("eventID").and_then(Value::as_str)
            && !self.ids.insert(id.to_owned())
        {
            return;
        }
        *self.counts.entry(source).or_default() += 1;
        self.events.push(Replayed { time, source, event });
    }

    fn finish(mut self, since: DateTime<Utc>, until: DateTime<Utc>, days: u32, complete: bool) -> History {
        self.events.sort_by_key(|e| e.time);
        if self.capped {
            self.unseen.push(format!(
                "Only the first {MAX_EVENTS} events were replayed; replay fewer days to see the whole window."
            ));
        }
        if !complete {
            self.unseen.push(
                "Events no API call causes (.end types, Cloud Guard problems, instance maintenance) are not in \
                 Audit: only those the team's inboxes received are replayed."
                    .to_owned(),
            );
        }
        let sources = self.counts.into_iter().map(|(source, events)| SourceCount { source, events }).collect();
        History { since, until, days, events: self.events, sources, unseen: self.unseen, complete }
    }
}

/// Audit's changes in `compartment` and every compartment below it. Audit lists one
/// compartment per call and pages through a window in order, so the window is cut into days and
/// each compartment's days are read side by side, [`IN_FLIGHT`] at a time: a week costs a few
/// round trips more than its busiest day, not the sum of its pages. Days widened to whole
/// minutes overlap by a minute at most; the duplicates are dropped by `eventId`.
async fn read_audit(
    client: &OciClient,
    tree: &Tree,
    compartment: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    collected: &mut Collected,
) {
    let mut places: Vec<(String, String)> = tree
        .compartments
        .iter()
        .filter(|(id, _)| tree.lineage(id).iter().any(|c| c == compartment))
        .map(|(id, (_, name))| (id.clone(), name.clone()))
        .collect();
    if !places.iter().any(|(id, _)| id == compartment) {
        let name = tree.compartments.get(compartment).map_or_else(|| compartment.to_owned(), |(_, n)| n.clone());
        places.push((compartment.to_owned(), name));
    }
    let mut days = Vec::new();
    let mut start = since;
    while start < until {
        let end = (start + TimeDelta::days(1)).min(until);
        if let Ok(window) = AuditWindow::covering(start, end) {
            days.push(window);
        }
        start = end;
    }
    let mut slices = Vec::new();
    for (id, name) in &places {
        slices.extend(days.iter().map(|day| (id.clone(), name.clone(), *day)));
    }
    let mut pages = futures_util::stream::iter(slices)
        .map(|(id, name, day)| async move { (name, read_compartment(client, id, day).await) })
        .buffer_unordered(IN_FLIGHT);
    let mut problems = BTreeMap::<String, String>::new();
    while let Some((name, (events, problem))) = pages.next().await {
        for audited in events {
            if let Some(event) = audit::envelope(&audited) {
                collected.add(audited.event_time, HistorySource::Audit, event);
            }
        }
        if let Some(problem) = problem {
            problems.entry(name).or_insert(problem);
        }
    }
    collected.unseen.extend(problems.into_iter().map(|(name, problem)| format!("Compartment {name}: {problem}.")));
}

/// One compartment's audit events in a window, and what stopped the reading early.
async fn read_compartment(
    client: &OciClient,
    compartment: String,
    window: AuditWindow,
) -> (Vec<crate::oci::audit::AuditEvent>, Option<String>) {
    let mut events = Vec::new();
    let mut page = None;
    for _ in 0..MAX_PAGES {
        match client.list_audit_events(&compartment, &window, page.as_deref()).await {
            Ok(response) => {
                events.extend(response.body);
                match response.next_page {
                    Some(next) if !next.is_empty() => page = Some(next),
                    _ => return (events, None),
                }
            }
            Err(err) => return (events, Some(format!("Audit could not be read ({err}); its events are missing"))),
        }
    }
    (events, Some(format!("only the first {MAX_PAGES} pages of a day's Audit were read; later events are missing")))
}

/// Event envelopes the team's inboxes received in the window in a compartment `inside` accepts,
/// of the types Audit cannot show (the rest Audit has, under other ids).
async fn read_inboxes(
    pool: &Pool,
    team_id: i64,
    since: DateTime<Utc>,
    inside: &(dyn Fn(&str) -> bool + Sync),
    collected: &mut Collected,
) {
    let bodies = match crate::db::deliveries::notifications_of_team(pool, team_id, since, MAX_DELIVERIES).await {
        Ok(bodies) => bodies,
        Err(err) => {
            collected.unseen.push(format!("The inboxes' deliveries could not be read ({err})."));
            return;
        }
    };
    let mut within = std::collections::HashMap::<String, bool>::new();
    for (received_at, body) in bodies {
        let Ok(event) = serde_json::from_str::<Value>(&body) else { continue };
        let Some(event_type) = event.get("eventType").and_then(Value::as_str) else { continue };
        if audit::from_audit(event_type) {
            continue;
        }
        let Some(place) = event.get("data").and_then(|d| d.get("compartmentId")).and_then(Value::as_str) else {
            continue;
        };
        if !*within.entry(place.to_owned()).or_insert_with(|| inside(place)) {
            continue;
        }
        let time = event
            .get("eventTime")
            .and_then(Value::as_str)
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(received_at, |t| t.to_utc());
        collected.add(time, HistorySource::Inbox, event);
    }
}
