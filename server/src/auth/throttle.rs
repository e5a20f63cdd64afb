//! Login throttling per account and per client address, without revealing whether an account
//! exists: every attempt counts, known user or not.
//!
//! A limit, not a delay: an attempt over the limit is refused at once (429 with `Retry-After`)
//! before anything is hashed, so a flood of guesses costs the server a map lookup each instead of
//! an Argon2 hash and a sleeping task. An attempt is counted when it starts, not when it fails, so
//! a hundred guesses sent at once cannot all slip in before the first one is recorded; a
//! successful login takes its own attempt back (and clears the account's count).
//!
//! Per account: five attempts in a minute are free; after that each further attempt must wait 1 s
//! after the one before, then 2, 4, ... up to 30 s. Per address the free allowance is larger
//! ([`FREE_PER_ADDRESS`]), because one address may be a whole office behind NAT; with
//! `--trusted-proxy` the address is the client's, not the proxy's (see `crate::auth::client_address`).
//!
//! State is in memory and bounded: at most [`MAX_KEYS`] keys, expired ones dropped first, then the
//! least recently used. A restart forgets it, which only ever shortens a wait.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts per account allowed in the window before attempts are spaced out.
const FREE_PER_ACCOUNT: usize = 5;
/// Attempts per client address allowed in the window before attempts are spaced out.
pub const FREE_PER_ADDRESS: usize = 20;
/// The window attempts are counted over.
const WINDOW: Duration = Duration::from_secs(60);
/// The longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// Most keys kept, so guessing many usernames from many addresses cannot grow the table.
pub const MAX_KEYS: usize = 10_000;

/// What is counted: an account name or a client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// An account, by its lower-cased name.
    Account(String),
    /// A client address.
    Address(String),
}

impl Key {
    fn free(&self) -> usize {
        match self {
            Key::Account(_) => FREE_PER_ACCOUNT,
            Key::Address(_) => FREE_PER_ADDRESS,
        }
    }
}

/// Recent attempts by key.
#[derive(Debug, Default)]
pub struct Throttle {
    attempts: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

/// An attempt that was let through; [`Throttle::succeeded`] takes it back.
#[derive(Debug)]
#[must_use = "a successful login must take its attempt back"]
pub struct Attempt {
    keys: Vec<Key>,
    at: Instant,
}

impl Throttle {
    /// Counts an attempt for `keys`, or answers how long to wait when any of them is over its
    /// limit (nothing is counted then).
    pub fn begin(&self, keys: Vec<Key>) -> Result<Attempt, Duration> {
        self.begin_at(keys, Instant::now())
    }

    fn begin_at(&self, keys: Vec<Key>, now: Instant) -> Result<Attempt, Duration> {
        let mut attempts = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let wait = keys
            .iter()
            .filter_map(|key| {
                let times = attempts.get_mut(key)?;
                times.retain(|t| now.duration_since(*t) < WINDOW);
                let over = times.len().checked_sub(key.free())?;
                let spacing = Duration::from_secs(1u64 << over.min(5)).min(MAX_WAIT);
                let last = *times.back()?;
                spacing.checked_sub(now.duration_since(last)).filter(|w| !w.is_zero())
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if attempts.len() + keys.len() > MAX_KEYS {
            attempts.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
            while attempts.len() + keys.len() > MAX_KEYS {
                let Some(oldest) =
                    attempts.iter().min_by_key(|(_, times)| times.back().copied()).map(|(k, _)| k.clone())
                else {
                    break;
                };
                attempts.remove(&oldest);
            }
        }
        for key in &keys {
            attempts.entry(key.clone()).or_default().push_back(now);
        }
        Ok(Attempt { keys, at: now })
    }

    /// Takes a successful attempt back: the account starts afresh, the address loses this one.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut attempts = self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in attempt.keys {
            match key {
                Key::Account(_) => {
                    attempts.remove(&key);
                }
                Key::Address(_) => {
                    if let Some(times) = attempts.get_mut(&key)
                        && let Some(at) = times.iter().rposition(|t| *t == attempt.at)
                    {
                        times.remove(at);
                    }
                }
            }
        }
    }

    /// Keys currently kept (for tests and the memory bound).
    pub fn len(&self) -> usize {
        self.attempts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Vec<Key> {
        vec![Key::Account(name.to_owned())]
    }

    #[test]
    fn the_sixth_attempt_in_a_minute_is_refused_with_a_growing_wait() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for i in 0..FREE_PER_ACCOUNT {
            let _ = throttle.begin_at(account("alice"), start + Duration::from_millis(i as u64)).expect("free");
        }
        let last = start + Duration::from_millis(FREE_PER_ACCOUNT as u64 - 1);
        // The sixth counts (the first over the allowance waits for the one before + 1 s).
        let _ = throttle.begin_at(account("alice"), last + Duration::from_secs(1)).expect("spaced by 1 s");
        let refused = throttle.begin_at(account("alice"), last + Duration::from_secs(2)).expect_err("too soon");
        assert_eq!(refused, Duration::from_secs(1), "the seventh must wait 2 s after the sixth");
        let _ = throttle.begin_at(account("alice"), last + Duration::from_secs(3)).expect("waited 2 s");
        let refused = throttle.begin_at(account("alice"), last + Duration::from_secs(4)).expect_err("too soon");
        assert_eq!(refused, Duration::from_secs(3));
    }

    #[test]
    fn simultaneous_attempts_are_counted_as_they_start() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let admitted = (0..100).filter(|_| throttle.begin_at(account("admin"), now).is_ok()).count();
        assert_eq!(admitted, FREE_PER_ACCOUNT, "only the free allowance gets through a burst");
    }

    #[test]
    fn success_clears_the_account_and_returns_the_address_attempt() {
        let throttle = Throttle::default();
        let now = Instant::now();
        let keys = || vec![Key::Account("bob".into()), Key::Address("192.0.2.1".into())];
        for _ in 0..FREE_PER_ACCOUNT - 1 {
            let _ = throttle.begin_at(keys(), now).expect("free");
        }
        let attempt = throttle.begin_at(keys(), now).expect("free");
        throttle.succeeded(attempt);
        for _ in 0..FREE_PER_ACCOUNT {
            let _ = throttle.begin_at(account("bob"), now).expect("the account starts afresh");
        }
        let address = vec![Key::Address("192.0.2.1".into())];
        for _ in 0..FREE_PER_ADDRESS - (FREE_PER_ACCOUNT - 1) - FREE_PER_ACCOUNT {
            let _ = throttle.begin_at(address.clone(), now).expect("the address kept the failures only");
        }
    }

    #[test]
    fn the_table_never_holds_more_than_its_bound() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..MAX_KEYS + 500 {
            let _ = throttle.begin_at(account(&format!("guess{i}")), now + Duration::from_micros(i as u64));
        }
        assert_eq!(throttle.len(), MAX_KEYS);
        assert!(!throttle.is_empty());
    }
}
