//! The inventory: what Signalbox last read from OCI, per connection and compartment, so pages
//! render from SQLite in milliseconds whatever OCI's latency. It is a cache with honest
//! freshness, never a second source of truth:
//!
//! - a compartment nobody has looked at is read on the first look (the only look that waits on
//!   OCI); after that, a look at a list older than [`STALE_AFTER`] answers at once from the
//!   inventory and starts a sync beside it, and [`keep_synced`] re-reads every compartment looked
//!   at in the last [`WATCH_FOR`] every [`SYNC_EVERY`];
//! - a sync reads every kind's complete list and removes what the lists no longer hold, so a
//!   resource deleted out of band disappears; rows are stamped with the time of their read, so a
//!   sync never overwrites a newer write-through ([`write`]);
//! - every answer carries [`Freshness`]: when the last sync started, and whether the last attempt
//!   failed and why, so no page shows stale data as fresh;
//! - "Refresh" waits for a sync that starts now.
//!
//! Syncs of one compartment are serialised, and a caller that waited for another's sync does not
//! start a second one. Plans, drift checks and health checks still read OCI directly: they decide
//! what to change, and must not decide from a copy.

pub mod feed;
pub mod items;
pub mod list;
pub mod live;
pub mod read;
pub mod write;

use crate::db::inventory_items::{self, Kind};
use crate::db::inventory_syncs::{self, TREE};
use crate::error::AppError;
use crate::oci::client::RetryPolicy;
use crate::state::AppState;
use app::api::inventory::Freshness;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A look at a list synced longer ago than this starts a sync beside the answer.
pub const STALE_AFTER: Duration = Duration::from_secs(30);
/// How often the background sync re-reads a watched compartment.
pub const SYNC_EVERY: Duration = Duration::from_secs(60);
/// How often the change feed of a watched compartment is read between syncs.
pub const FEED_EVERY: Duration = Duration::from_secs(3);
/// How long after the last look a compartment stays watched.
pub const WATCH_FOR: Duration = Duration::from_secs(60 * 60);
/// Looks at a compartment are written down at most this often: the watch lasts [`WATCH_FOR`], so
/// a minute's precision costs nothing, and a page view then writes nothing to the database.
const NOTE_LOOKS_EVERY: Duration = Duration::from_secs(60);
/// Compartments the background sync reads at once.
const SYNCS_IN_FLIGHT: usize = 4;
/// Rules whose actions are read at once after a sync found them.
const DETAILS_IN_FLIGHT: usize = 8;

/// Retries of a sync's reads: a few quick ones, since someone may be waiting for the page; a sync
/// that still fails is reported as failed and tried again by the next look or the next round.
fn sync_retry() -> RetryPolicy {
    RetryPolicy::interactive()
}

type Key = (i64, String);

/// Which syncs are running, so each compartment has one at a time, and which compartments
/// changed, so open pages can show it.
pub struct Inventory {
    locks: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    running: Mutex<HashSet<Key>>,
    versions: Mutex<HashMap<Key, u64>>,
    bumped: tokio::sync::watch::Sender<u64>,
    looks_noted: Mutex<HashMap<Key, std::time::Instant>>,
    heard: Mutex<HashMap<Key, DateTime<Utc>>>,
    /// The change events being followed ([`live`]).
    pub followed: live::Followed,
    /// The writes this process made, which the change feed does not read again.
    pub own_writes: Arc<crate::oci::write_log::WriteLog>,
    bus: crate::cluster::Bus,
}

impl Inventory {
    /// An inventory whose changes are told to the other instances through `bus`.
    pub fn new(bus: crate::cluster::Bus) -> Self {
        Self {
            locks: Mutex::default(),
            running: Mutex::default(),
            versions: Mutex::default(),
            bumped: tokio::sync::watch::channel(0).0,
            looks_noted: Mutex::default(),
            heard: Mutex::default(),
            followed: live::Followed::default(),
            own_writes: Arc::default(),
            bus,
        }
    }

    /// Notes that what the inventory holds for a compartment changed, here.
    pub fn changed(&self, connection_id: i64, compartment_id: &str) {
        self.changed_local(connection_id, compartment_id);
        self.bus
            .publish(crate::cluster::Change::Inventory { connection_id, compartment_id: compartment_id.to_owned() });
    }

    /// Notes that another instance changed what the inventory holds for a compartment.
    pub fn changed_local(&self, connection_id: i64, compartment_id: &str) {
        let mut versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        *versions.entry((connection_id, compartment_id.to_owned())).or_default() += 1;
        drop(versions);
        self.bumped.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// How many changes a compartment has seen since the server started.
    pub fn version(&self, connection_id: i64, compartment_id: &str) -> u64 {
        let versions = self.versions.lock().unwrap_or_else(PoisonError::into_inner);
        versions.get(&(connection_id, compartment_id.to_owned())).copied().unwrap_or(0)
    }

    /// Notes that a change event about a compartment arrived ([`live`]); answers whether that is
    /// news: none arrived for [`SYNC_EVERY`] before (so a page still showing it as not live
    /// should look again).
    pub fn heard(&self, connection_id: i64, compartment_id: &str) -> bool {
        let mut heard = self.heard.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Utc::now();
        let before = heard.insert((connection_id, compartment_id.to_owned()), now);
        before.is_none_or(|at| (now - at).to_std().unwrap_or_default() >= SYNC_EVERY)
    }

    /// When the last change event about a compartment arrived, since the server started.
    fn heard_at(&self, key: &Key) -> Option<DateTime<Utc>> {
        self.heard.lock().unwrap_or_else(PoisonError::into_inner).get(key).copied()
    }

    /// Wakes on every change anywhere (check [`Inventory::version`] for the one that matters).
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.bumped.subscribe()
    }

    /// Whether a look at `key` is due to be written down ([`NOTE_LOOKS_EVERY`]).
    fn look_due(&self, key: &Key) -> bool {
        let noted = self.looks_noted.lock().unwrap_or_else(PoisonError::into_inner);
        noted.get(key).is_none_or(|at| at.elapsed() >= NOTE_LOOKS_EVERY)
    }

    fn look_noted(&self, key: &Key) {
        let mut noted = self.looks_noted.lock().unwrap_or_else(PoisonError::into_inner);
        noted.insert(key.clone(), std::time::Instant::now());
    }

    fn lock_of(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        locks.entry(key.clone()).or_default().clone()
    }

    fn is_running(&self, key: &Key) -> bool {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).contains(key)
    }

    /// Marks `key` running; false when it already was.
    fn start(&self, key: &Key) -> bool {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone())
    }

    fn finish(&self, key: &Key) {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
    }
}

/// Makes sure the inventory has `compartment_id` (or the compartment tree, [`TREE`]) of a team's
/// connection, syncing now when it never was or when `refresh` asks, and says how fresh it is.
///
/// A first sync that fails is the caller's error (there is nothing to show); a refresh that fails
/// is told in the answer's freshness, beside what the inventory still has.
pub async fn ensure(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    refresh: bool,
) -> Result<Freshness, AppError> {
    // The team must have the connection: the inventory answers without asking OCI, so this is
    // where a look at another team's connection is refused.
    crate::connections::find(state, team_id, connection_id).await?;
    let key = (connection_id, compartment_id.to_owned());
    if state.inventory.look_due(&key) {
        inventory_syncs::viewed(&state.pool, connection_id, compartment_id).await?;
        state.inventory.look_noted(&key);
    }
    let known = inventory_syncs::find(&state.pool, connection_id, compartment_id).await?.unwrap_or_default();
    match known.synced_at {
        None => sync(state, team_id, connection_id, compartment_id, Utc::now()).await?,
        Some(_) if refresh => {
            // The failure is recorded and shown in the freshness.
            let _ = sync(state, team_id, connection_id, compartment_id, Utc::now()).await;
        }
        Some(at) if age(at) > STALE_AFTER && !state.inventory.is_running(&key) => {
            let (state, compartment) = (state.clone(), compartment_id.to_owned());
            tokio::spawn(async move {
                let _ = sync(&state, team_id, connection_id, &compartment, Utc::now()).await;
            });
        }
        Some(_) => {}
    }
    freshness(state, connection_id, compartment_id).await
}

/// A topic as the inventory has it, with its subscriptions, when its compartment's last sync
/// worked (else `None`: read OCI). Keeps the compartment watched, so the change feed keeps it
/// fresh while its page is open.
pub async fn stored_topic(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    topic_id: &str,
) -> Result<Option<(app::api::topics::Topic, Vec<app::api::subscriptions::Subscription>)>, AppError> {
    crate::connections::find(state, team_id, connection_id).await?;
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    let Some(row) = inventory_items::find(&mut conn, connection_id, Kind::Topic, topic_id).await? else {
        return Ok(None);
    };
    let topic: app::api::topics::Topic = items::decode(&row).map_err(anyhow::Error::from)?;
    drop(conn);
    let freshness = ensure(state, team_id, connection_id, &topic.compartment_id, false).await?;
    if freshness.failed() {
        return Ok(None);
    }
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    let filter = inventory_items::Filter { parent_id: Some(topic_id), ..Default::default() };
    let rows = inventory_items::all(&mut conn, connection_id, Kind::Subscription, &filter).await?;
    let now = Utc::now();
    let mut subscriptions = Vec::with_capacity(rows.len());
    let mut counts = app::api::topics::SubscriptionCounts::default();
    for row in &rows {
        let s: app::api::subscriptions::Subscription = items::decode(row).map_err(anyhow::Error::from)?;
        match s.state.as_str() {
            "ACTIVE" => counts.active += 1,
            "PENDING" => counts.pending += 1,
            _ => counts.other += 1,
        }
        subscriptions.push(app::api::subscriptions::Subscription {
            topic_name: Some(topic.name.clone()),
            age_seconds: s.created_at.map(|at| (now - at).num_seconds().max(0)),
            ..s
        });
    }
    subscriptions.sort_by(|a, b| (&a.protocol, &a.endpoint).cmp(&(&b.protocol, &b.endpoint)));
    Ok(Some((app::api::topics::Topic { subscriptions: counts, ..topic }, subscriptions)))
}

/// A rule as the inventory has it, when its actions have been read, it is `ACTIVE` (a rule in
/// another state is read from OCI for the message that says why) and its compartment's last sync
/// worked; else `None`: read OCI. Keeps the compartment watched, like [`stored_topic`].
pub async fn stored_rule(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    rule_id: &str,
) -> Result<Option<app::api::rules::Rule>, AppError> {
    crate::connections::find(state, team_id, connection_id).await?;
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    let Some(row) = inventory_items::find(&mut conn, connection_id, Kind::Rule, rule_id).await? else {
        return Ok(None);
    };
    drop(conn);
    let rule = items::decode_rule(&row).map_err(anyhow::Error::from)?;
    let Some(actions) = rule.actions.filter(|_| rule.state == "ACTIVE") else {
        return Ok(None);
    };
    let freshness = ensure(state, team_id, connection_id, &rule.compartment_id, false).await?;
    if freshness.failed() {
        return Ok(None);
    }
    Ok(Some(app::api::rules::Rule {
        id: rule.id,
        name: rule.name,
        description: rule.description,
        state: rule.state,
        state_message: None,
        is_enabled: rule.is_enabled,
        condition: rule.condition,
        compartment_id: rule.compartment_id,
        created_at: rule.created_at,
        actions,
    }))
}

/// How fresh the inventory of a compartment is now.
pub async fn freshness(state: &AppState, connection_id: i64, compartment_id: &str) -> Result<Freshness, AppError> {
    let row = inventory_syncs::find(&state.pool, connection_id, compartment_id).await?.unwrap_or_default();
    let key = (connection_id, compartment_id.to_owned());
    Ok(Freshness {
        synced_at: row.synced_at,
        failed_at: row.failed_at,
        error: row.error,
        refreshing: state.inventory.is_running(&key),
        heard_at: state.inventory.heard_at(&key),
        answered_at: Utc::now(),
    })
}

fn age(at: DateTime<Utc>) -> Duration {
    (Utc::now() - at).to_std().unwrap_or_default()
}

/// Syncs a compartment unless a sync that started after `asked` has finished meanwhile.
pub async fn sync(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    asked: DateTime<Utc>,
) -> Result<(), AppError> {
    let key = (connection_id, compartment_id.to_owned());
    let lock = state.inventory.lock_of(&key);
    let _one_at_a_time = lock.lock().await;
    let known = inventory_syncs::find(&state.pool, connection_id, compartment_id).await?.unwrap_or_default();
    if known.synced_at.is_some_and(|at| at >= asked) {
        return Ok(());
    }
    state.inventory.start(&key);
    let started = Utc::now();
    let result = read_and_store(state, team_id, connection_id, compartment_id, started).await;
    state.inventory.finish(&key);
    match result {
        Ok(new_rules) => {
            if new_rules {
                let state = state.clone();
                let compartment = compartment_id.to_owned();
                tokio::spawn(async move { read_actions(&state, team_id, connection_id, &compartment).await });
            }
            Ok(())
        }
        Err(err) => {
            tracing::warn!(error = %err, connection_id, compartment_id, "inventory sync failed");
            inventory_syncs::failed(&state.pool, connection_id, compartment_id, Utc::now(), &err.to_string()).await?;
            Err(err)
        }
    }
}

/// Reads and stores a compartment (or the tree); answers whether rules without actions are left.
async fn read_and_store(
    state: &AppState,
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    started: DateTime<Utc>,
) -> Result<bool, AppError> {
    let row = crate::connections::find(state, team_id, connection_id).await?;
    let client = crate::connections::client(state, &state.master_key, &row).await?.with_retry(sync_retry());
    let read_at = started.timestamp_millis();
    if compartment_id == TREE {
        let tenancy = crate::connections::tenancy(&row);
        let tree = read::tree(&client, &tenancy).await.map_err(AppError::Oci)?;
        let mut tx = crate::db::begin(&state.pool).await.map_err(crate::db::DbError::from)?;
        for item in &tree {
            inventory_items::upsert(&mut tx, connection_id, item, None, read_at).await?;
        }
        inventory_items::remove_unseen(&mut tx, connection_id, Kind::Compartment, None, read_at).await?;
        inventory_syncs::succeeded(&mut tx, connection_id, compartment_id, started).await?;
        tx.commit().await.map_err(crate::db::DbError::from)?;
        state.inventory.changed(connection_id, compartment_id);
        return Ok(false);
    }
    let read = read::compartment(&client, compartment_id).await.map_err(AppError::Oci)?;
    let mut tx = crate::db::begin(&state.pool).await.map_err(crate::db::DbError::from)?;
    let before = inventory_items::bodies(&mut tx, connection_id, compartment_id).await?;
    let after: HashMap<(&str, &str), &str> =
        read.items.iter().map(|(item, _)| ((item.kind.as_str(), item.id.as_str()), item.body.as_str())).collect();
    let differs = before.len() != after.len()
        || before.iter().any(|(kind, id, body)| after.get(&(kind.as_str(), id.as_str())) != Some(&body.as_str()));
    for (item, actions) in &read.items {
        inventory_items::upsert(&mut tx, connection_id, item, actions.as_deref(), read_at).await?;
    }
    for kind in [Kind::Rule, Kind::Topic, Kind::Subscription, Kind::Function] {
        inventory_items::remove_unseen(&mut tx, connection_id, kind, Some(compartment_id), read_at).await?;
    }
    inventory_syncs::succeeded(&mut tx, connection_id, compartment_id, started).await?;
    let pending = inventory_items::rules_without_actions(&mut tx, connection_id, compartment_id).await?;
    tx.commit().await.map_err(crate::db::DbError::from)?;
    if differs {
        state.inventory.changed(connection_id, compartment_id);
    }
    Ok(!pending.is_empty())
}

/// Reads the actions of the compartment's rules that have none stored, a few at a time, each
/// stored as it arrives. Runs beside the page that asked: the list shows at once, and the
/// action filter and the topic page's rules fill in as the details arrive.
async fn read_actions(state: &AppState, team_id: i64, connection_id: i64, compartment_id: &str) {
    let key = (connection_id, compartment_id.to_owned());
    if !state.inventory.start(&key) {
        return;
    }
    let result = async {
        let row = crate::connections::find(state, team_id, connection_id).await?;
        let client = crate::connections::client(state, &state.master_key, &row).await?.with_retry(sync_retry());
        let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
        let pending = inventory_items::rules_without_actions(&mut conn, connection_id, compartment_id).await?;
        drop(conn);
        let mut reads = futures_util::stream::iter(pending)
            .map(|id| {
                let client = client.clone();
                async move { (client.get_rule(&id).await, id) }
            })
            .buffer_unordered(DETAILS_IN_FLIGHT);
        while let Some((answer, id)) = reads.next().await {
            let seen = match answer {
                Ok(response) => write::Seen::rule(response.body),
                Err(err) if err.status() == Some(404) => write::Seen::Gone(Kind::Rule, id),
                Err(err) => return Err(AppError::Oci(err)),
            };
            let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
            write::store(&mut conn, connection_id, &seen).await?;
        }
        state.inventory.changed(connection_id, compartment_id);
        Ok::<_, AppError>(())
    }
    .await;
    state.inventory.finish(&key);
    if let Err(err) = result {
        tracing::warn!(error = %err, connection_id, compartment_id, "cannot read the actions of new rules");
    }
}

/// Keeps every watched compartment fresh until the server stops: a full sync every
/// [`SYNC_EVERY`] (and the compartment tree with it), the change feed every [`FEED_EVERY`] in
/// between; a few compartments at a time.
pub async fn keep_synced(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = Utc::now();
        let since = now - chrono::Duration::from_std(WATCH_FOR).unwrap_or_default();
        let watched = match inventory_syncs::watched(&state.pool, since).await {
            Ok(watched) => watched,
            Err(err) => {
                tracing::warn!(error = %err, "cannot list the compartments to keep fresh");
                continue;
            }
        };
        futures_util::stream::iter(watched)
            .for_each_concurrent(SYNCS_IN_FLIGHT, |w| {
                let state = state.clone();
                async move { keep_fresh(&state, &w, now).await }
            })
            .await;
    }
}

async fn keep_fresh(state: &AppState, w: &inventory_syncs::Watched, now: DateTime<Utc>) {
    let last_try = w.synced_at.max(w.failed_at);
    let sync_due = last_try.is_none_or(|at| age(at) >= SYNC_EVERY);
    let feed_from = w.fed_at.or(w.synced_at);
    match feed_from {
        Some(from) if !sync_due && w.compartment_id != TREE => {
            if age(from) < FEED_EVERY {
                return;
            }
            match read_feed(state, w, from, now).await {
                Ok(false) => {}
                Ok(true) => {
                    let _ = sync(state, w.team_id, w.connection_id, &w.compartment_id, now).await;
                }
                Err(err) => {
                    tracing::warn!(error = %err, connection_id = w.connection_id, "cannot read the change feed");
                }
            }
        }
        _ if sync_due => {
            let _ = sync(state, w.team_id, w.connection_id, &w.compartment_id, now).await;
        }
        _ => {}
    }
}

/// Reads the change feed of a compartment from `from` and what it names again; answers whether a
/// full sync is needed.
async fn read_feed(
    state: &AppState,
    w: &inventory_syncs::Watched,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let key = (w.connection_id, w.compartment_id.clone());
    let lock = state.inventory.lock_of(&key);
    let _one_at_a_time = lock.lock().await;
    let row = crate::connections::find(state, w.team_id, w.connection_id).await?;
    let client = crate::connections::client(state, &state.master_key, &row).await?.with_retry(sync_retry());
    let events = feed::events(&client, &w.compartment_id, from).await.map_err(AppError::Oci)?;
    let found = feed::changes(&events, from, &state.inventory.own_writes, w.connection_id);
    tracing::debug!(
        connection_id = w.connection_id,
        compartment_id = %w.compartment_id,
        %from,
        events = events.len(),
        changed = found.resources.len(),
        "read the change feed"
    );
    let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
    let mut stale = Vec::new();
    for (id, changed_at) in found.resources {
        let read_at = inventory_items::read_at(&mut conn, w.connection_id, &id).await?;
        if feed::newer_than_copy(changed_at, read_at) {
            stale.push(id);
        }
    }
    if !stale.is_empty() {
        let mut touched = feed::read_again(&client, &mut conn, w.connection_id, stale).await?;
        touched.insert(w.compartment_id.clone());
        for compartment in &touched {
            state.inventory.changed(w.connection_id, compartment);
        }
    }
    drop(conn);
    inventory_syncs::fed(&state.pool, w.connection_id, &w.compartment_id, now).await?;
    Ok(found.needs_sync)
}
