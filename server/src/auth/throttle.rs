//! Login throttling per account and per client address, without revealing whether an account
//! exists: every failed attempt counts, known user or not.
//!
//! Up to five failures in a minute cost nothing; each failure beyond that delays the next attempt
//! of the same account or address exponentially (1 s, 2 s, 4 s, ... up to 30 s). State is in
//! memory: a restart forgets it, which only ever shortens a delay.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed in the window before attempts are delayed.
const FREE_FAILURES: usize = 5;
/// The window failures are counted over.
const WINDOW: Duration = Duration::from_secs(60);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(30);
/// Above this many keys, keys without a failure in the window are dropped, so guessing many
/// usernames cannot grow the table without bound.
const PRUNE_ABOVE: usize = 10_000;

/// Recent failures by key (`user:<name>`, `ip:<address>`).
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    /// How long the next attempt for these keys must wait.
    pub fn delay(&self, keys: &[String]) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.iter()
            .map(|key| {
                let recent = failures.get_mut(key).map_or(0, |times| {
                    times.retain(|t| t.elapsed() < WINDOW);
                    times.len()
                });
                match recent.checked_sub(FREE_FAILURES) {
                    None => Duration::ZERO,
                    Some(over) => Duration::from_secs(1u64 << over.min(5)).min(MAX_DELAY),
                }
            })
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Records a failed attempt.
    pub fn fail(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| times.back().is_some_and(|t| t.elapsed() < WINDOW));
        }
        for key in keys {
            let times = failures.entry(key.clone()).or_default();
            times.retain(|t| t.elapsed() < WINDOW);
            times.push_back(Instant::now());
        }
    }

    /// Forgets an account's failures after a successful login (the address keeps its count).
    pub fn succeed(&self, user_key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(user_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_minute_is_delayed_and_grows() {
        let throttle = Throttle::default();
        let keys = vec!["user:alice".to_owned()];
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.delay(&keys), Duration::ZERO);
            throttle.fail(&keys);
        }
        assert_eq!(throttle.delay(&keys), Duration::from_secs(1));
        throttle.fail(&keys);
        assert_eq!(throttle.delay(&keys), Duration::from_secs(2));
        throttle.succeed("user:alice");
        assert_eq!(throttle.delay(&keys), Duration::ZERO);
    }
}
