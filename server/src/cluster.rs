//! Several instances on one PostgreSQL database: who runs the background jobs, and how a change
//! one instance makes reaches the live pages of another.
//!
//! **Leadership.** Background jobs (drift and health checks, inventory sync, upkeep, taking over
//! apply runs whose instance died) run on one instance at a time: the one holding PostgreSQL's
//! session advisory lock [`LEADER_LOCK`] on a connection of its own. The lock lives as long as
//! that connection, so an instance that dies (even by SIGKILL) frees it the moment PostgreSQL sees
//! its socket close, and another instance takes it within [`CAMPAIGN_EVERY`]. An instance that
//! loses its connection stops its jobs before anyone else can start them again. On SQLite there
//! is one instance, always the leader.
//!
//! **Change bus.** Live pages wait on in-process counters (run progress, inventory changes,
//! inbox deliveries). On PostgreSQL each local change is also sent with `NOTIFY` on
//! [`CHANNEL`], and every instance `LISTEN`s and bumps its own counters, so a browser connected
//! to any instance sees a change made on any other. A notification lost while an instance
//! reconnects costs a page its next update, never data: the pages read the database.

use crate::db::{Backend, Pool};
use crate::state::AppState;
use secrecy::ExposeSecret;
use sqlx::Executor;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The advisory lock whose holder leads ("sbxlead" in ASCII).
pub const LEADER_LOCK: i64 = 0x73_6278_6c65_6164;

/// How often an instance that does not lead tries to, and a leader checks its connection.
pub const CAMPAIGN_EVERY: Duration = Duration::from_secs(2);

/// The `NOTIFY` channel of the change bus.
pub const CHANNEL: &str = "signalbox_changes";

/// Whether this instance leads, as it changes.
#[derive(Clone, Debug)]
pub struct Leadership(watch::Receiver<bool>);

impl Leadership {
    /// Leadership that never changes (SQLite: the only instance leads; tests of followers).
    pub fn fixed(leading: bool) -> Self {
        Leadership(watch::channel(leading).1)
    }

    /// Whether this instance leads now.
    pub fn leading(&self) -> bool {
        *self.0.borrow()
    }

    /// Campaigns for leadership on `pool` until the task is dropped (PostgreSQL), or leads at once
    /// (SQLite).
    pub fn campaign(pool: &Pool) -> (Self, Option<tokio::task::JoinHandle<()>>) {
        if Backend::of(pool) == Backend::Sqlite {
            return (Self::fixed(true), None);
        }
        let (tell, leadership) = watch::channel(false);
        let pool = pool.clone();
        let task = tokio::spawn(async move {
            loop {
                hold_while_leading(&pool, &tell).await;
                tell.send_replace(false);
                tokio::time::sleep(CAMPAIGN_EVERY).await;
            }
        });
        (Leadership(leadership), Some(task))
    }

    /// Runs `job()` while this instance leads: started when it becomes leader, dropped (cancelled
    /// at its next await) when it stops leading, started afresh when it leads again.
    pub async fn run_while_leading<F, Fut>(mut self, name: &'static str, job: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        loop {
            if self.0.wait_for(|leading| *leading).await.is_err() {
                return;
            }
            tracing::info!(job = name, "leading: background job started");
            let lost = async {
                // A leadership nobody changes any more (fixed, or its campaign ended) stays.
                if self.0.wait_for(|leading| !*leading).await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = job() => return,
                () = lost => tracing::warn!(job = name, "no longer leading: background job stopped"),
            }
        }
    }
}

/// Takes the leader lock on a connection of its own and holds it, checking the connection every
/// [`CAMPAIGN_EVERY`]; returns when the lock is not free or the connection fails.
async fn hold_while_leading(pool: &Pool, tell: &watch::Sender<bool>) {
    // Detached: the lock belongs to this connection, which must never serve anything else.
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn.detach(),
        Err(err) => {
            tracing::warn!(error = %err, "cannot reach the database to campaign for leadership");
            return;
        }
    };
    let won: Result<bool, sqlx::Error> =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(LEADER_LOCK).fetch_one(&mut conn).await;
    match won {
        Ok(true) => {}
        Ok(false) => return,
        Err(err) => {
            tracing::warn!(error = %err, "campaigning for leadership failed");
            return;
        }
    }
    tracing::info!("this instance now leads the cluster's background jobs");
    tell.send_replace(true);
    loop {
        tokio::time::sleep(CAMPAIGN_EVERY).await;
        if let Err(err) = conn.execute("SELECT 1").await {
            tracing::warn!(error = %err, "lost the leader's connection; background jobs stop here");
            return;
        }
    }
}

/// What changed, as sent between instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An apply run's steps.
    Progress,
    /// What the inventory holds for a compartment.
    Inventory { connection_id: i64, compartment_id: String },
    /// An inbox received something.
    Inbox,
}

impl Change {
    fn encode(&self) -> String {
        match self {
            Change::Progress => "progress".to_owned(),
            Change::Inventory { connection_id, compartment_id } => {
                format!("inventory {connection_id} {compartment_id}")
            }
            Change::Inbox => "inbox".to_owned(),
        }
    }

    fn decode(text: &str) -> Option<Change> {
        let mut parts = text.splitn(3, ' ');
        match (parts.next()?, parts.next(), parts.next()) {
            ("progress", None, None) => Some(Change::Progress),
            ("inbox", None, None) => Some(Change::Inbox),
            ("inventory", Some(id), Some(compartment)) => {
                Some(Change::Inventory { connection_id: id.parse().ok()?, compartment_id: compartment.to_owned() })
            }
            _ => None,
        }
    }
}

/// Sends local changes to the other instances (PostgreSQL); does nothing on SQLite.
#[derive(Debug, Clone, Default)]
pub struct Bus(Option<mpsc::UnboundedSender<Change>>);

impl Bus {
    /// Tells the other instances about `change`, without waiting.
    pub fn publish(&self, change: Change) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(change);
        }
    }

    /// A bus on `pool` and the task that sends its notifications; none on SQLite.
    pub fn start(pool: &Pool) -> (Self, Option<tokio::task::JoinHandle<()>>) {
        if Backend::of(pool) == Backend::Sqlite {
            return (Bus(None), None);
        }
        let (sender, mut changes) = mpsc::unbounded_channel::<Change>();
        let pool = pool.clone();
        let task = tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                // Changes that queued meanwhile go in one round trip, repeats once.
                let mut batch = vec![change];
                while let Ok(more) = changes.try_recv() {
                    if !batch.contains(&more) {
                        batch.push(more);
                    }
                }
                for change in batch {
                    let sent = sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(CHANNEL)
                        .bind(change.encode())
                        .execute(&pool)
                        .await;
                    if let Err(err) = sent {
                        tracing::warn!(error = %err, "cannot tell the other instances about a change");
                    }
                }
            }
        });
        (Bus(Some(sender)), Some(task))
    }
}

/// Listens for the other instances' changes and applies them to this one's live pages, until the
/// task is dropped (PostgreSQL only).
pub async fn listen(state: AppState, url: secrecy::SecretString) {
    loop {
        match sqlx::postgres::PgListener::connect(url.expose_secret()).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %err, "cannot listen for the other instances' changes");
                } else {
                    loop {
                        match listener.recv().await {
                            Ok(note) => match Change::decode(note.payload()) {
                                Some(change) => apply_remote(&state, change),
                                None => tracing::debug!(payload = note.payload(), "unknown change notification"),
                            },
                            Err(err) => {
                                tracing::warn!(error = %err, "listening for the other instances' changes failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot connect to listen for the other instances' changes"),
        }
        tokio::time::sleep(CAMPAIGN_EVERY).await;
    }
}

fn apply_remote(state: &AppState, change: Change) {
    match change {
        Change::Progress => state.progress.bump_local(),
        Change::Inventory { connection_id, compartment_id } => {
            state.inventory.changed_local(connection_id, &compartment_id);
        }
        Change::Inbox => state.inboxes.announce_local(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_survive_their_wire_form() {
        for change in [
            Change::Progress,
            Change::Inbox,
            Change::Inventory { connection_id: 7, compartment_id: "ocid1.compartment.oc1..a b".into() },
        ] {
            assert_eq!(Change::decode(&change.encode()), Some(change));
        }
        assert_eq!(Change::decode("inventory x y"), None);
        assert_eq!(Change::decode("progress extra"), None);
        assert_eq!(Change::decode(""), None);
    }

    /// A job under a leadership that cannot change runs once, to its end, and is not restarted.
    #[tokio::test]
    async fn a_fixed_leader_runs_each_job_once() {
        let starts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = starts.clone();
        let job = move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let ran =
            tokio::time::timeout(Duration::from_secs(5), Leadership::fixed(true).run_while_leading("test", job)).await;
        assert!(ran.is_ok(), "the job ran to its end and was not started again");
        assert_eq!(starts.load(std::sync::atomic::Ordering::SeqCst), 1);
        let never = tokio::time::timeout(
            Duration::from_millis(100),
            Leadership::fixed(false).run_while_leading("test", || async { panic!("a follower ran a job") }),
        )
        .await;
        assert!(never.is_ok(), "a fixed follower returns at once: nobody can make it lead");
    }
}
