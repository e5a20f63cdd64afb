//! Who is calling, and what they may do.
//!
//! A caller is a user with a browser session (cookie, HttpOnly, SameSite=Strict) or an API token
//! (`Authorization: Bearer sbx_...`) scoped to one team and one role. Every `/api/v1` route has an
//! explicit entry in [`access::policy`]; the middleware there resolves the caller, enforces the
//! entry, checks the CSRF token of session requests that change state, and refuses routes without
//! an entry. Nothing else decides access, so the authorization matrix test covers all of it.
//!
//! Sessions are stored server-side (tower-sessions, SQLite). The browser cookie ends with the
//! browser session; Signalbox also ends a session after 12 idle hours, 7 days after login, when
//! the user logs out everywhere (`users.sessions_valid_after`), or when the account is disabled.

pub mod access;
pub mod bootstrap;
pub mod password;
pub mod throttle;
pub mod token;

use crate::db::users::User;
use app::api::auth::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Key of the session record holding [`SessionData`].
pub const SESSION_KEY: &str = "signalbox.auth";

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "signalbox_session";

/// Header carrying the session's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The client's address, when the server knows it (calls made in-process while rendering a page
/// have none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}

impl ClientIp {
    /// Reads the address axum recorded for the connection.
    pub fn of(extensions: &http::Extensions) -> Self {
        Self(extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip().to_string()))
    }
}

/// What a session remembers about its login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    /// The user.
    pub user_id: i64,
    /// When the user logged in (for the absolute lifetime and "log out everywhere").
    pub authenticated_at: DateTime<Utc>,
    /// Last request (for the idle timeout).
    pub last_seen_at: DateTime<Utc>,
    /// The CSRF token of this session.
    pub csrf_token: String,
}

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session.
    Session {
        /// Its CSRF token.
        csrf_token: String,
    },
    /// An API token, which acts in one team with one role.
    Token {
        /// Token id.
        token_id: i64,
        /// Team it acts in.
        team_id: i64,
        /// Role it acts with.
        role: Role,
    },
}

/// The authenticated caller of a request, placed in its extensions by the access middleware.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user (for a token: its owner).
    pub user: User,
    /// How they authenticated.
    pub credential: Credential,
    /// Client address, when known.
    pub client_ip: Option<String>,
}

impl Caller {
    /// The caller's role in `team_id`: a token's own role in its team (none elsewhere); a
    /// session's membership role.
    pub async fn role_in(&self, pool: &sqlx::SqlitePool, team_id: i64) -> Result<Option<Role>, crate::db::DbError> {
        match &self.credential {
            Credential::Token { team_id: token_team, role, .. } => Ok((*token_team == team_id).then_some(*role)),
            Credential::Session { .. } => crate::db::teams::role_of(pool, team_id, self.user.id).await,
        }
    }

    /// Whether this is a browser session.
    pub fn is_session(&self) -> bool {
        matches!(self.credential, Credential::Session { .. })
    }

    /// The token id, for audit rows.
    pub fn token_id(&self) -> Option<i64> {
        match self.credential {
            Credential::Token { token_id, .. } => Some(token_id),
            Credential::Session { .. } => None,
        }
    }

    /// An audit row of a change this caller makes to a target, ready for the fields that differ
    /// (team, detail, before and after).
    pub fn audit<'a>(
        &'a self,
        action: &'a str,
        target_kind: &'a str,
        target_id: String,
        target_name: &'a str,
    ) -> crate::db::audit_events::NewAuditEvent<'a> {
        crate::db::audit_events::NewAuditEvent {
            actor_user_id: Some(self.user.id),
            actor_token_id: self.token_id(),
            actor_name: &self.user.username,
            source: self.source(),
            action,
            target_kind: Some(target_kind),
            target_id: Some(target_id),
            target_name: Some(target_name),
            ok: true,
            client_ip: self.client_ip.clone(),
            ..Default::default()
        }
    }

    /// Where the change comes from, for audit rows.
    pub fn source(&self) -> crate::db::audit_events::Source {
        if self.is_session() { crate::db::audit_events::Source::Ui } else { crate::db::audit_events::Source::Api }
    }
}
