//! The state every handler can reach.

use crate::auth::throttle::Throttle;
use crate::builtin::Builtin;
use crate::config::Config;
use crate::data_dir::DataDir;
use crate::db::Pool;
use crate::master_key::MasterKey;
use axum::extract::{FromRef, FromRequestParts, State};
use chrono::{DateTime, Utc};
use leptos::config::LeptosOptions;
use std::ops::Deref;
use std::sync::Arc;

/// Cheap-to-clone handle on [`App`]; handlers take it as an extractor.
#[derive(Clone, FromRequestParts)]
#[from_request(via(State))]
pub struct AppState(pub Arc<App>);

/// The application's shared, long-lived parts.
pub struct App {
    /// Configuration as loaded at startup.
    pub config: Config,
    /// The data directory, already proven writable.
    pub data_dir: DataDir,
    /// The SQLite connection pool.
    pub pool: Pool,
    /// Options the Leptos renderer needs (site root, output name).
    pub leptos_options: LeptosOptions,
    /// The embedded OCI sandbox and the built-in connection's client.
    pub builtin: Builtin,
    /// When this process started serving.
    pub started_at: DateTime<Utc>,
    /// Failed logins, for throttling.
    pub throttle: Throttle,
    /// Seals and opens the secrets stored at rest.
    pub master_key: MasterKey,
    /// The audit chain's last check, for the console's badge.
    pub chain_check: crate::audit::ChainCheck,
    /// Announces apply progress to the runs' event streams.
    pub progress: Arc<crate::apply::Progress>,
    /// This process among the instances sharing a database: random, new at every start. It holds
    /// the leases of the apply runs it runs.
    pub instance_id: String,
    /// The webhook inboxes' receiver: rate limits, live announcements, confirmations.
    pub inboxes: crate::inbox::Inboxes,
    /// The session store, for re-checking a session that holds a live stream open.
    pub sessions: crate::auth::sessions::Store,
    /// Turns true when the server starts stopping: live streams end, so the drain is not held up.
    pub stopping: tokio::sync::watch::Sender<bool>,
    /// Which inventory syncs are running.
    pub inventory: crate::inventory::Inventory,
    /// The credentials and learned pace of each stored connection, by connection id (with its
    /// creation time, so a reused id never finds another connection's), kept between requests so
    /// a token is exchanged once, not per request, and OCI's throttling is remembered.
    pub credentials: std::sync::Mutex<std::collections::HashMap<i64, (DateTime<Utc>, crate::connections::Kept)>>,
    /// Event histories impact analysis read recently, reused for a short while.
    pub impact: crate::impact::history::Cache,
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
