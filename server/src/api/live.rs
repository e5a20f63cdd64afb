//! What every live stream (`text/event-stream`) shares: it ends when the caller's access does, and
//! when the server stops.
//!
//! Access is decided once per request by `auth::access`, but a stream is one request that lasts.
//! So an open stream re-asks, every [`RECHECK`], whether the credential it was opened with still
//! grants it ([`access::still_allowed`]): a logout, "log out everywhere", a password change, a
//! disabled account, a removal from the team or a revoked token ends it within that period. And
//! it ends as soon as the server starts stopping, so a browser tab left open cannot hold up a
//! graceful shutdown.

use crate::auth::{Caller, access};
use crate::state::AppState;
use app::api::auth::Role;
use futures_util::{Stream, StreamExt};
use std::time::Duration;

/// How often an open stream re-checks its caller's access.
pub const RECHECK: Duration = Duration::from_secs(5);

/// `stream`, ending when `caller` may no longer read `team_id` or the server stops.
pub fn guarded<S: Stream>(state: AppState, caller: Caller, team_id: i64, stream: S) -> impl Stream<Item = S::Item> {
    let stopping = state.stopping.subscribe();
    let watchdog = async move {
        let stopped = until_stopping(stopping);
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                () = &mut stopped => return,
                () = tokio::time::sleep(RECHECK) => {
                    if !access::still_allowed(&state, &caller, team_id, Role::Viewer).await {
                        tracing::info!(user = %caller.user.username, team_id, "live stream ended: access ended");
                        return;
                    }
                }
            }
        }
    };
    stream.take_until(Box::pin(watchdog))
}

/// Completes when the server starts stopping.
async fn until_stopping(mut stopping: tokio::sync::watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stopping| *stopping).await.is_ok();
}
