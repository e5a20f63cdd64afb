//! The change feed: OCI's audit log of a compartment, read every few seconds for the calls that
//! changed something since the last read, so only what changed is read again, whoever changed it
//! (the OCI Console, Terraform, a script, another Signalbox).
//!
//! The audit log takes whole minutes, so each read asks for the minutes around the time since the
//! last one and keeps the events from [`SKEW`] before it: an event is at worst re-read twice,
//! which is harmless. A write is any call that is not a GET, plus the two GETs that change a
//! subscription, its confirmation and unsubscription links (`GetConfirmSubscription`,
//! `GetUnsubscription`; the sandbox audits them under those names, real OCI is unconfirmed).
//! Functions and applications are not re-read one by one: a change to them syncs the
//! compartment. Writes this process made are skipped: their answers are already stored
//! (`crate::oci::write_log`).

use super::write::{self, Seen};
use crate::db::Conn;
use crate::db::inventory_items::Kind;
use crate::oci::audit::{AuditEvent, AuditWindow};
use crate::oci::client::{OciClient, collect_pages};
use crate::oci::error::OciError;
use crate::oci::write_log::WriteLog;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// How far before the last read the next one looks again (clock skew between OCI and here, and
/// events recorded a little after the call).
pub const SKEW: TimeDelta = TimeDelta::seconds(10);

/// Allowance for the clocks of OCI and this server when telling whether a stored copy was read
/// after a change.
pub const CLOCKS: TimeDelta = TimeDelta::seconds(1);

/// Resources read again at once.
const READS_IN_FLIGHT: usize = 8;

/// What the feed found to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Rules, topics and subscriptions to read again, with the time of their latest change.
    pub resources: BTreeMap<String, DateTime<Utc>>,
    /// Whether something only a full sync reads (functions, applications) changed.
    pub needs_sync: bool,
}

/// The resources the audit events since `since` say were changed, other than by this process's
/// own writes through `connection` (noted in `own`), whose answers its inventory already holds.
pub fn changes(events: &[AuditEvent], since: DateTime<Utc>, own: &WriteLog, connection: i64) -> Found {
    let mut found = Found::default();
    for event in events.iter().filter(|e| e.event_time >= since - SKEW) {
        if event.data.request.id.as_deref().is_some_and(|id| own.made_through(connection, id)) {
            continue;
        }
        let name = event.data.event_name.as_deref().unwrap_or_default();
        let method = event.data.request.action.as_deref().unwrap_or("GET");
        let writes =
            !method.eq_ignore_ascii_case("GET") || matches!(name, "GetConfirmSubscription" | "GetUnsubscription");
        let failed = event.data.response.status.as_deref().is_some_and(|s| !s.starts_with('2'));
        if !writes || failed {
            continue;
        }
        let Some(id) = event.data.resource_id.as_deref() else { continue };
        match kind_of(id) {
            Some(Kind::Rule | Kind::Topic | Kind::Subscription) => {
                let latest = found.resources.entry(id.to_owned()).or_insert(event.event_time);
                *latest = (*latest).max(event.event_time);
            }
            Some(_) => found.needs_sync = true,
            None => {}
        }
    }
    found
}

/// The inventory kind of an OCID, by its resource type.
pub fn kind_of(id: &str) -> Option<Kind> {
    match id.split('.').nth(1)? {
        "eventrule" => Some(Kind::Rule),
        "onstopic" => Some(Kind::Topic),
        "onssubscription" => Some(Kind::Subscription),
        "fnfunc" | "fnapp" => Some(Kind::Function),
        _ => None,
    }
}

/// Reads the audit events of `compartment_id` from `since` to now.
pub async fn events(
    client: &OciClient,
    compartment_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<AuditEvent>, OciError> {
    let window = AuditWindow::covering(since - SKEW, Utc::now())
        .map_err(|err| OciError::Request { operation: "ListEvents", detail: err.to_string() })?;
    collect_pages(|page| {
        let client = client.clone();
        async move { client.list_audit_events(compartment_id, &window, page.as_deref()).await }
    })
    .await
}

/// Whether a change at `changed_at` is newer than the stored copy read at `read_at_ms` (Unix ms):
/// a copy read after the change (a write-through, a sync that started later) already has it.
pub fn newer_than_copy(changed_at: DateTime<Utc>, read_at_ms: Option<i64>) -> bool {
    read_at_ms.is_none_or(|read| changed_at + CLOCKS >= DateTime::from_timestamp_millis(read).unwrap_or_default())
}

/// Reads each resource again, a few at a time, and stores what OCI answers now (a 404 removes it);
/// answers the compartments the resources are in (or were, for those gone).
pub async fn read_again(
    client: &OciClient,
    conn: &mut Conn,
    connection_id: i64,
    resources: Vec<String>,
) -> Result<BTreeSet<String>, ReadAgainError> {
    let mut answers = futures_util::stream::iter(resources)
        .map(|id| async move {
            let answer = match kind_of(&id) {
                Some(Kind::Rule) => client.get_rule(&id).await.map(|r| Some(Seen::rule(r.body))),
                Some(Kind::Topic) => client.get_topic(&id).await.map(|r| Some(Seen::topic(r.body))),
                Some(Kind::Subscription) => {
                    client.get_subscription(&id).await.map(|r| Some(Seen::subscription(r.body)))
                }
                _ => Ok(None),
            };
            (id, answer)
        })
        .buffer_unordered(READS_IN_FLIGHT);
    let mut touched = BTreeSet::new();
    while let Some((id, answer)) = answers.next().await {
        let seen = match answer {
            Ok(Some(seen)) => seen,
            Ok(None) => continue,
            Err(err) if err.status() == Some(404) => Seen::Gone(kind_of(&id).unwrap_or(Kind::Rule), id),
            Err(err) => return Err(ReadAgainError::Oci(err)),
        };
        touched.extend(write::store(conn, connection_id, &seen).await.map_err(ReadAgainError::Db)?);
    }
    Ok(touched)
}

/// Why reading changed resources again stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadAgainError {
    /// OCI did not answer.
    #[error(transparent)]
    Oci(OciError),
    /// The inventory could not store it.
    #[error(transparent)]
    Db(crate::db::DbError),
}

impl From<ReadAgainError> for crate::error::AppError {
    fn from(err: ReadAgainError) -> Self {
        match err {
            ReadAgainError::Oci(err) => Self::Oci(err),
            ReadAgainError::Db(err) => err.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::audit::{AuditEventData, AuditRequest, AuditResponse};

    fn event(name: &str, method: &str, id: &str, status: &str, at: DateTime<Utc>) -> AuditEvent {
        AuditEvent {
            event_type: format!("com.oraclecloud.x.{name}"),
            cloud_events_version: None,
            event_type_version: None,
            source: None,
            event_id: format!("{name}-{id}"),
            event_time: at,
            data: AuditEventData {
                event_name: Some(name.into()),
                resource_id: Some(id.into()),
                request: AuditRequest { action: Some(method.into()), ..Default::default() },
                response: AuditResponse { status: Some(status.into()), ..Default::default() },
                ..Default::default()
            },
        }
    }

    #[test]
    fn only_successful_writes_since_the_last_read_count() {
        let now = Utc::now();
        let rule = "ocid1.eventrule.oc1.iad.a";
        let events = [
            event("GetRule", "GET", rule, "200", now),
            event("UpdateRule", "PUT", "ocid1.eventrule.oc1.iad.b", "200", now),
            event("DeleteRule", "DELETE", "ocid1.eventrule.oc1.iad.c", "409", now),
            event("CreateTopic", "POST", "ocid1.onstopic.oc1.iad.t", "200", now - TimeDelta::minutes(5)),
            event("GetConfirmSubscription", "GET", "ocid1.onssubscription.oc1.iad.s", "200", now),
            event("CreateFunction", "POST", "ocid1.fnfunc.oc1.iad.f", "200", now),
            event("LaunchInstance", "POST", "ocid1.instance.oc1.iad.i", "200", now),
        ];
        let found = changes(&events, now - TimeDelta::seconds(3), &WriteLog::default(), 1);
        let ids: Vec<&str> = found.resources.keys().map(String::as_str).collect();
        assert_eq!(ids, ["ocid1.eventrule.oc1.iad.b", "ocid1.onssubscription.oc1.iad.s"]);
        assert!(found.needs_sync, "a function changed");
        let skewed =
            changes(&events[3..4], now - TimeDelta::minutes(5) + TimeDelta::seconds(5), &WriteLog::default(), 1);
        assert_eq!(skewed.resources.len(), 1, "an event a little before the last read is read again");
    }

    #[test]
    fn this_processs_own_writes_are_not_read_again() {
        let now = Utc::now();
        let mut own = event("UpdateRule", "PUT", "ocid1.eventrule.oc1.iad.mine", "200", now);
        own.data.request.id = Some("MINE0001/SERVICEPART".into());
        let mut theirs = event("UpdateRule", "PUT", "ocid1.eventrule.oc1.iad.theirs", "200", now);
        theirs.data.request.id = Some("THEIRS01/SERVICEPART".into());
        let log = WriteLog::default();
        log.note(1, "MINE0001");
        let found = changes(&[own.clone(), theirs.clone()], now - TimeDelta::seconds(3), &log, 1);
        let ids: Vec<&str> = found.resources.keys().map(String::as_str).collect();
        assert_eq!(ids, ["ocid1.eventrule.oc1.iad.theirs"]);
        let elsewhere = changes(&[own, theirs], now - TimeDelta::seconds(3), &log, 2);
        assert_eq!(elsewhere.resources.len(), 2, "another connection's inventory reads both");
    }

    #[test]
    fn a_copy_read_after_the_change_is_not_read_again() {
        let changed = Utc::now();
        let ms = |t: DateTime<Utc>| Some(t.timestamp_millis());
        assert!(newer_than_copy(changed, None), "never stored");
        assert!(newer_than_copy(changed, ms(changed - TimeDelta::seconds(30))), "stored before the change");
        assert!(newer_than_copy(changed, ms(changed + TimeDelta::milliseconds(500))), "within the clocks' allowance");
        assert!(!newer_than_copy(changed, ms(changed + TimeDelta::seconds(5))), "written through after it");
    }
}
