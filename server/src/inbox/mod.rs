//! Webhook inboxes: the receiver behind `/hooks/{token}`.
//!
//! The URL's token is the only credential, so the receiver is public and defends itself: a
//! request to an unknown token is answered 404 and stores nothing, and each client address may
//! make only a few such requests a second (then 429) so tokens cannot be guessed by brute force;
//! each inbox accepts a bounded rate (then 429 with `Retry-After`, which ONS honours by retrying);
//! a body over [`app::api::inboxes::MAX_BODY_BYTES`] is refused with 413 before it is read. Whatever arrives is kept
//! as text and shown as text.
//!
//! A `SubscriptionConfirmation` is confirmed by following its `X-OCI-NS-ConfirmationURL`, but only
//! a confirmation link (`/20181201/subscriptions/{id}/confirmation`) of an OCI endpoint (https on a
//! realm's domain) or of the built-in sandbox, judged on the parsed URL that is then requested, and
//! through the egress policy (`crate::egress`): following any URL a stranger names would let
//! anyone make this server issue requests inside its network.

pub mod confirm;
pub mod receive;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use tokio::sync::watch;

/// Requests to unknown tokens a client address may make per second, and in a burst.
const UNKNOWN_PER_SECOND: u32 = 2;
const UNKNOWN_BURST: u32 = 20;
/// Requests one inbox accepts per second, and in a burst.
const INBOX_PER_SECOND: u32 = 50;
const INBOX_BURST: u32 = 200;
/// Above this many tracked keys, limiter state of keys that are back to full is dropped, so the
/// limiters' memory stays bounded however many addresses call.
const LIMITER_KEYS: usize = 10_000;

/// The receiver's shared state.
#[derive(Debug)]
pub struct Inboxes {
    /// Where `/hooks/...` is reached from outside (no trailing slash).
    public_base: String,
    /// The built-in sandbox's URL: confirmations from it may be followed.
    sandbox_base: String,
    unknown: DefaultKeyedRateLimiter<IpAddr>,
    per_inbox: DefaultKeyedRateLimiter<i64>,
    changes: watch::Sender<u64>,
    http: crate::egress::EgressClient,
    bus: crate::cluster::Bus,
}

impl Inboxes {
    /// Receiver state for a server reached at `public_base` whose sandbox is at `sandbox_base`;
    /// confirmations are followed through `http`.
    pub fn new(
        public_base: &str,
        sandbox_base: &str,
        http: crate::egress::EgressClient,
        bus: crate::cluster::Bus,
    ) -> Self {
        let quota = |per_second: u32, burst: u32| {
            Quota::per_second(NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
        };
        Self {
            public_base: public_base.trim_end_matches('/').to_owned(),
            sandbox_base: sandbox_base.trim_end_matches('/').to_owned(),
            unknown: RateLimiter::keyed(quota(UNKNOWN_PER_SECOND, UNKNOWN_BURST)),
            per_inbox: RateLimiter::keyed(quota(INBOX_PER_SECOND, INBOX_BURST)),
            changes: watch::channel(0).0,
            http,
            bus,
        }
    }

    /// The URL of the inbox whose token is `token`.
    pub fn url(&self, token: &str) -> String {
        format!("{}/hooks/{token}", self.public_base)
    }

    /// A receiver that wakes when any inbox receives something.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    fn announce(&self) {
        self.announce_local();
        self.bus.publish(crate::cluster::Change::Inbox);
    }

    /// Wakes this instance's pages for a delivery another instance received.
    pub fn announce_local(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Whether `ip` may make another request to an unknown token now.
    fn allow_unknown(&self, ip: IpAddr) -> bool {
        if self.unknown.len() > LIMITER_KEYS {
            self.unknown.retain_recent();
        }
        self.unknown.check_key(&ip).is_ok()
    }

    /// Whether inbox `id` may accept another request now.
    fn allow_inbox(&self, id: i64) -> bool {
        if self.per_inbox.len() > LIMITER_KEYS {
            self.per_inbox.retain_recent();
        }
        self.per_inbox.check_key(&id).is_ok()
    }
}

/// A fresh token for an inbox URL: 32 random bytes, base64url (43 characters).
pub fn new_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Whether `token` has the shape [`new_token`] makes (anything else is unknown without a lookup).
fn well_formed(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_well_formed_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(!well_formed("short"));
        assert!(!well_formed(&format!("{}/", &a[..42])));
    }

    #[test]
    fn unknown_tokens_are_limited_per_address() {
        let http = crate::egress::EgressClient::new(crate::egress::EgressPolicy::with_loopback(Vec::new()));
        let inboxes =
            Inboxes::new("http://127.0.0.1:1", "http://127.0.0.1:1/oci-sandbox", http, crate::cluster::Bus::default());
        let ip: IpAddr = [127, 0, 0, 1].into();
        let allowed = (0..100).filter(|_| inboxes.allow_unknown(ip)).count();
        assert!((UNKNOWN_BURST as usize..UNKNOWN_BURST as usize + 5).contains(&allowed), "{allowed}");
        assert!(inboxes.allow_unknown([127, 0, 0, 2].into()), "another address has its own budget");
    }
}
