//! Who is calling, and what they may do.
//!
//! A caller is a user with a browser session (cookie, HttpOnly, SameSite=Strict) or an API token
//! (`Authorization: Bearer sbx_...`) scoped to one team and one role. Every `/api/v1` route has an
//! explicit entry in [`access::policy`]; the middleware there resolves the caller, enforces the
//! entry, checks the CSRF token of session requests that change state, and refuses routes without
//! an entry. Nothing else decides access, so the authorization matrix test covers all of it.
//!
//! Sessions are stored server-side (tower-sessions, in the database: [`sessions`]). The browser cookie ends with the
//! browser session; Signalbox also ends a session after 12 idle hours, 7 days after login, when
//! the user logs out everywhere (`users.sessions_valid_after`), or when the account is disabled.

pub mod access;
pub mod bootstrap;
pub mod password;
pub mod sessions;
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
/// have none). Set once per request by [`identify_client`]; see [`client_address`] for where it
/// comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.extensions))
    }
}

impl ClientIp {
    /// The address [`identify_client`] recorded for the request.
    pub fn of(extensions: &http::Extensions) -> Self {
        extensions.get::<ClientIp>().cloned().unwrap_or_default()
    }
}

/// Where a request comes from. The connection's peer, unless the peer is one of the operator's
/// trusted proxies (`--trusted-proxy`): then `X-Forwarded-For` is read from the right, skipping
/// trusted proxies, and the first address that is not one is the client. Without trusted proxies
/// the header is ignored, so a client cannot choose its own address (and escape the login limit,
/// or pin it on someone else). An entry that is not an address ends the walk at the last proxy.
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &http::HeaderMap,
    trusted: &[crate::netaddr::Cidr],
) -> std::net::IpAddr {
    let is_trusted = |ip: std::net::IpAddr| trusted.iter().any(|range| range.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.iter().rev() {
        let Ok(ip) = entry.trim().parse::<std::net::IpAddr>() else { return client };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// Records the request's [`ClientIp`] from the connection and, behind trusted proxies, their
/// `X-Forwarded-For`.
pub async fn identify_client(
    axum::extract::State(trusted): axum::extract::State<std::sync::Arc<Vec<crate::netaddr::Cidr>>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|info| info.0.ip());
    if let Some(peer) = peer {
        let client = client_address(peer, request.headers(), &trusted);
        request.extensions_mut().insert(ClientIp(Some(client.to_string())));
    }
    next.run(request).await
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
        /// Its id in the session store (for re-checking it while a live stream is open).
        session_id: Option<tower_sessions::session::Id>,
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
    pub async fn role_in(&self, pool: &crate::db::Pool, team_id: i64) -> Result<Option<Role>, crate::db::DbError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn forwarded(values: &[&str]) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().expect("header"));
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies: Vec<crate::netaddr::Cidr> = vec!["10.0.0.0/8".parse().expect("range")];
        let spoofed = forwarded(&["203.0.113.9"]);
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &proxies), ip("198.51.100.7"), "untrusted peer");
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &[]), ip("198.51.100.7"), "no proxies configured");
        assert_eq!(client_address(ip("10.0.0.2"), &spoofed, &proxies), ip("203.0.113.9"));
        // The client may prepend anything; only what the trusted proxies appended counts.
        let chain = forwarded(&["1.1.1.1, 198.51.100.7", "10.0.0.3"]);
        assert_eq!(client_address(ip("10.0.0.2"), &chain, &proxies), ip("198.51.100.7"));
        let garbage = forwarded(&["not-an-address"]);
        assert_eq!(client_address(ip("10.0.0.2"), &garbage, &proxies), ip("10.0.0.2"), "unreadable: the proxy");
        assert_eq!(client_address(ip("10.0.0.2"), &http::HeaderMap::new(), &proxies), ip("10.0.0.2"));
    }
}
