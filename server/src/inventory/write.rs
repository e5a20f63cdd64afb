//! Write-through: after OCI answers a change made through Signalbox (a console or API edit, an
//! apply step), the inventory takes OCI's answer, so the next page shows the change without
//! waiting for a sync. The row is stamped with the time of the answer, so a sync that read the
//! compartment before the change cannot overwrite it.

use super::items;
use crate::db::Conn;
use crate::db::DbError;
use crate::db::inventory_items::{self, Kind};
use app::api::rules::Rule;
use app::api::subscriptions::Subscription;
use app::api::topics::Topic;
use chrono::Utc;

/// What OCI answered about a resource after a change.
#[derive(Debug, Clone)]
pub enum Seen {
    /// A rule with its actions.
    Rule(Rule),
    /// A topic.
    Topic(Topic),
    /// A subscription, in the compartment it was created in.
    Subscription(Subscription, String),
    /// Deleted.
    Gone(Kind, String),
}

impl Seen {
    /// A rule as OCI answered it.
    pub fn rule(rule: crate::oci::events::Rule) -> Self {
        Self::Rule(crate::api::rules::rule(rule))
    }

    /// A topic as OCI answered it.
    pub fn topic(topic: crate::oci::ons::NotificationTopic) -> Self {
        Self::Topic(crate::api::topics::topic(topic, Default::default()))
    }

    /// A subscription as OCI answered it.
    pub fn subscription(subscription: crate::oci::ons::Subscription) -> Self {
        let compartment = subscription.compartment_id.clone();
        Self::Subscription(crate::api::subscriptions::from_full(subscription, None), compartment)
    }
}

/// Stores what OCI answered, as of now; answers the compartment it is in (when known).
pub async fn store(conn: &mut Conn, connection_id: i64, seen: &Seen) -> Result<Option<String>, DbError> {
    let now = Utc::now().timestamp_millis();
    let item = match seen {
        Seen::Rule(rule) => {
            let (item, actions) = items::rule(rule);
            inventory_items::upsert(conn, connection_id, &item, actions.as_deref(), now).await?;
            item
        }
        Seen::Topic(topic) => {
            let item = items::topic(topic);
            inventory_items::upsert(conn, connection_id, &item, None, now).await?;
            item
        }
        Seen::Subscription(subscription, compartment) => {
            let item = items::subscription(subscription, compartment);
            inventory_items::upsert(conn, connection_id, &item, None, now).await?;
            item
        }
        Seen::Gone(kind, id) => {
            let compartment = inventory_items::compartment_of(conn, connection_id, *kind, id).await?;
            inventory_items::mark_gone(conn, connection_id, *kind, id, now).await?;
            return Ok(compartment);
        }
    };
    Ok(Some(item.compartment_id))
}

/// Stores what OCI answered after a change made by a request. The change is already made and
/// audited; a database that cannot take the copy leaves the inventory to the next sync, and the
/// failure in the log.
pub async fn record(state: &crate::state::AppState, connection_id: i64, seen: Seen) {
    let stored = async {
        let mut conn = state.pool.acquire().await?;
        store(&mut conn, connection_id, &seen).await
    };
    match stored.await {
        Ok(Some(compartment)) => state.inventory.changed(connection_id, &compartment),
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(error = %err, connection_id, "cannot store a change in the inventory; the next sync will");
        }
    }
}
