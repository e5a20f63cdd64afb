//! Live changes: the Events and Notifications services' own events about rules, topics and
//! subscriptions ([`app::catalogue::is_inventory_change`]), delivered to one of a team's inboxes
//! through a rule, a topic and an HTTPS subscription (the `live-inventory` starter sets them up),
//! bring a change made anywhere into the inventory within a second of OCI making it, where the
//! audit feed ([`super::feed`]) takes a few seconds and the sync a minute.
//!
//! An event is only a hint. The resource it names is read again from OCI through each of the
//! inbox team's connections that holds the resource or has its compartment in the inventory, and
//! what OCI answers is stored, as the feed does. Anyone who learns an inbox's URL can post events,
//! so a forged one can cost a read (bounded by the inbox's rate limit, by hints waiting at most
//! [`MAX_WAITING`], and [`READS_IN_FLIGHT`] at a time) but can never put in the inventory what OCI
//! does not say. A hint older than the stored copy (Signalbox's own write-through, an event
//! retried late) is not read again.

use super::feed;
use crate::db::inventory_items::{self, Kind};
use crate::db::inventory_syncs;
use crate::error::AppError;
use crate::state::AppState;
use app::model::ocid::Ocid;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

/// Hints waiting for a read; past this, a hint is dropped (the feed and the sync still bring the
/// change).
pub const MAX_WAITING: usize = 1_000;
/// Resources read again at once for hints.
pub const READS_IN_FLIGHT: usize = 8;

/// What a change event says, as far as the inventory cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The rule, topic or subscription that changed.
    pub resource_id: String,
    /// Its compartment, as the event says.
    pub compartment_id: String,
    /// When it changed, as the event says (now, when it does not say).
    pub at: DateTime<Utc>,
}

/// The change an inbox delivery announces, when it is one: ONS delivers an Events message to an
/// HTTPS endpoint as the event's JSON. Anything else (a message published by hand, an event of
/// another type, a resource id that is not an OCID of a kind the inventory holds) is none.
pub fn hint(body: &[u8]) -> Option<Hint> {
    let event: Value = serde_json::from_slice(body).ok()?;
    let event_type = event.get("eventType")?.as_str()?;
    if !app::catalogue::is_inventory_change(event_type) {
        return None;
    }
    let data = event.get("data")?;
    let resource_id = data.get("resourceId")?.as_str()?;
    let compartment_id = data.get("compartmentId")?.as_str()?;
    Ocid::parse(resource_id)?;
    Ocid::parse(compartment_id)?;
    if !matches!(feed::kind_of(resource_id), Some(Kind::Rule | Kind::Topic | Kind::Subscription)) {
        return None;
    }
    let at = event
        .get("eventTime")
        .and_then(Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map_or_else(Utc::now, |at| at.with_timezone(&Utc));
    Some(Hint { resource_id: resource_id.to_owned(), compartment_id: compartment_id.to_owned(), at })
}

/// The hints waiting for a read and the reads running, shared by every inbox.
pub struct Followed {
    waiting: Mutex<HashSet<(i64, String)>>,
    reads: tokio::sync::Semaphore,
}

impl Default for Followed {
    fn default() -> Self {
        Self { waiting: Mutex::default(), reads: tokio::sync::Semaphore::new(READS_IN_FLIGHT) }
    }
}

impl Followed {
    /// Takes a hint in; false when the same one already waits (its read will see this change
    /// too) or too many do.
    fn admit(&self, team_id: i64, hint: &Hint) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.len() < MAX_WAITING && waiting.insert((team_id, hint.resource_id.clone()))
    }

    /// The read starts: a hint arriving from now on is a change this read may not see.
    fn started(&self, team_id: i64, hint: &Hint) {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.remove(&(team_id, hint.resource_id.clone()));
    }
}

/// Follows a hint delivered to one of team `team_id`'s inboxes, beside the delivery's answer.
pub fn follow(state: &AppState, team_id: i64, hint: Hint) {
    if !state.inventory.followed.admit(team_id, &hint) {
        tracing::debug!(team_id, resource_id = %hint.resource_id, "change event not followed: already waiting or too many");
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(_permit) = state.inventory.followed.reads.acquire().await else { return };
        state.inventory.followed.started(team_id, &hint);
        if let Err(err) = read_again(&state, team_id, &hint).await {
            tracing::warn!(error = %err, team_id, resource_id = %hint.resource_id, "cannot follow a change event");
        }
    });
}

/// Reads the hinted resource again through each of the team's connections that keeps it.
async fn read_again(state: &AppState, team_id: i64, hint: &Hint) -> Result<(), AppError> {
    for row in crate::db::connections::of_team(&state.pool, team_id).await? {
        let mut conn = state.pool.acquire().await.map_err(crate::db::DbError::from)?;
        let read_at = inventory_items::read_at(&mut conn, row.id, &hint.resource_id).await?;
        let kept = read_at.is_some()
            || inventory_syncs::find(&state.pool, row.id, &hint.compartment_id)
                .await?
                .is_some_and(|sync| sync.synced_at.is_some());
        if !kept {
            continue;
        }
        // Open pages learn that the compartment is live, even when this change is already in.
        let news = state.inventory.heard(row.id, &hint.compartment_id);
        if !feed::newer_than_copy(hint.at, read_at) {
            if news {
                state.inventory.changed(row.id, &hint.compartment_id);
            }
            continue;
        }
        let client = crate::connections::client(state, &state.master_key, &row).await?.with_retry(super::sync_retry());
        let mut touched = feed::read_again(&client, &mut conn, row.id, vec![hint.resource_id.clone()]).await?;
        drop(conn);
        touched.insert(hint.compartment_id.clone());
        for compartment in &touched {
            state.inventory.changed(row.id, compartment);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event_type: &str, resource_id: &str) -> Vec<u8> {
        serde_json::json!({
            "eventType": event_type,
            "eventTime": "2026-12-04T09:00:00.000Z",
            "data": {"compartmentId": "ocid1.compartment.oc1..dev", "resourceId": resource_id},
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn only_changes_to_what_the_inventory_holds_are_hints() {
        let rule = "ocid1.eventrule.oc1.iad.aaaa";
        let found = hint(&event("com.oraclecloud.eventsservice.updaterule", rule)).expect("a hint");
        assert_eq!(found.resource_id, rule);
        assert_eq!(found.compartment_id, "ocid1.compartment.oc1..dev");
        assert_eq!(found.at, DateTime::parse_from_rfc3339("2026-12-04T09:00:00Z").unwrap().with_timezone(&Utc));
        let subscription = "ocid1.onssubscription.oc1.iad.aaaa";
        assert!(hint(&event("com.oraclecloud.notification.deletesubscription", subscription)).is_some());

        assert!(hint(&event("com.oraclecloud.objectstorage.createbucket", rule)).is_none(), "another type");
        let instance = "ocid1.instance.oc1.iad.aaaa";
        assert!(hint(&event("com.oraclecloud.eventsservice.updaterule", instance)).is_none(), "not a kind kept");
        assert!(hint(&event("com.oraclecloud.eventsservice.updaterule", "../../etc")).is_none(), "not an OCID");
        assert!(hint(b"plain text published by hand").is_none());
        assert!(hint(br#"{"eventType": "com.oraclecloud.eventsservice.createrule"}"#).is_none(), "no data");
        let no_time = serde_json::json!({
            "eventType": "com.oraclecloud.notification.createtopic",
            "data": {"compartmentId": "ocid1.compartment.oc1..dev", "resourceId": "ocid1.onstopic.oc1.iad.t"},
        });
        let undated = hint(no_time.to_string().as_bytes()).expect("a hint");
        assert!(Utc::now() - undated.at < chrono::TimeDelta::seconds(5), "undated changes count as now");
    }

    #[test]
    fn the_same_hint_waits_once_and_the_queue_is_bounded() {
        let followed = Followed::default();
        let hint = |id: &str| Hint { resource_id: id.into(), compartment_id: "c".into(), at: Utc::now() };
        assert!(followed.admit(1, &hint("a")));
        assert!(!followed.admit(1, &hint("a")), "already waiting");
        assert!(followed.admit(2, &hint("a")), "another team's inbox");
        followed.started(1, &hint("a"));
        assert!(followed.admit(1, &hint("a")), "a change after the read started is read again");
        for n in 0..MAX_WAITING {
            followed.admit(3, &hint(&format!("r{n}")));
        }
        assert!(!followed.admit(4, &hint("late")), "bounded");
    }
}
