//! Adaptive pacing of a client's calls, per service: additive increase, multiplicative decrease.
//!
//! OCI limits request rates per tenancy and operation and answers 429 past them. Retrying alone
//! keeps a busy client at the limit, where most calls fail once, wait a second and try again; an
//! apply of thousands of resources then spends its time in back-off and its retries run out. So the
//! client learns each service's rate instead: a service that has not throttled lately is not
//! paced at all; the first 429 sets its pace to 70% of the rate calls were being sent at, each
//! later 429 (at most one a second counts, since the calls already in flight were sent at the old
//! rate) cuts it again, and every successful answer raises it back by a tenth of the rate it was
//! cut to per second, until it is high enough to stop pacing. Calls then start evenly spaced at
//! the pace, each attempt waiting its turn.
//!
//! A 429's `Retry-After` (up to a minute) is honoured for the call that got it: its next attempt
//! waits at least that long (see `client.rs`). It does not stop the service's other calls, which
//! the lowered pace already slows: OCI sends it per request, and pausing a whole service for every
//! 429 would halve an apply's speed at any limit.
//!
//! Pacing is per client state, which clones share: the sandbox's client per team, and a stored
//! connection's for the life of the process (kept with its credentials). Two connections to one
//! tenancy learn separately.

use super::region::Service;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A cut keeps this share of the rate calls were sent at.
const CUT: f64 = 0.7;
/// Lowest pace, calls per second.
const MIN_RATE: f64 = 1.0;
/// Above this pace, calls are not paced at all.
const UNPACED_ABOVE: f64 = 2_000.0;
/// 429s within this long of a cut are from calls sent before it, and do not cut again.
const CUT_GAP: Duration = Duration::from_secs(1);
/// The send rate is measured over this window.
const WINDOW: Duration = Duration::from_secs(1);
/// A burst's rate is measured over at least this long (32 calls sent at once are not 32,000/s).
const SHORTEST_WINDOW: Duration = Duration::from_millis(100);

/// The learned pace of each service.
#[derive(Debug, Default)]
pub struct Pace {
    lanes: Mutex<HashMap<Service, Lane>>,
}

#[derive(Debug)]
struct Lane {
    /// Calls per second, when paced.
    rate: Option<f64>,
    /// When the next call may start.
    next: Instant,
    /// Starts within the last [`WINDOW`].
    sent: VecDeque<Instant>,
    /// The last cut.
    cut_at: Option<Instant>,
    /// Calls per second regained per second.
    recovery: f64,
    /// The last raise.
    raised_at: Instant,
}

impl Lane {
    fn new(now: Instant) -> Self {
        Self { rate: None, next: now, sent: VecDeque::new(), cut_at: None, recovery: 0.0, raised_at: now }
    }

    /// Calls per second sent lately.
    fn sent_rate(&mut self, now: Instant) -> f64 {
        while self.sent.front().is_some_and(|&t| now.saturating_duration_since(t) > WINDOW) {
            self.sent.pop_front();
        }
        let Some(&oldest) = self.sent.front() else { return MIN_RATE };
        let span = now.saturating_duration_since(oldest).max(SHORTEST_WINDOW);
        self.sent.len() as f64 / span.as_secs_f64()
    }
}

/// What a lane looks like now, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaneState {
    /// Calls per second, or `None` when not paced.
    pub rate: Option<f64>,
}

impl Pace {
    /// Waits until a call to `service` may start, and counts it.
    pub async fn wait_turn(&self, service: Service) {
        let start = self.turn(service, Instant::now());
        tokio::time::sleep_until(start.into()).await;
    }

    /// `service` answered 429: lower its pace (once per [`CUT_GAP`]).
    pub fn throttled(&self, service: Service) {
        self.throttled_at(service, Instant::now());
    }

    /// `service` answered without throttling: raise its pace additively.
    pub fn answered(&self, service: Service) {
        self.answered_at(service, Instant::now());
    }

    /// When a call to `service` asked for at `now` may start (counted as sent then).
    fn turn(&self, service: Service, now: Instant) -> Instant {
        let mut lanes = self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lane = lanes.entry(service).or_insert_with(|| Lane::new(now));
        let start = match lane.rate {
            None => now,
            Some(rate) => {
                let start = lane.next.max(now);
                lane.next = start + Duration::from_secs_f64(1.0 / rate);
                start
            }
        };
        lane.sent.push_back(start);
        start
    }

    fn throttled_at(&self, service: Service, now: Instant) {
        let mut lanes = self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lane = lanes.entry(service).or_insert_with(|| Lane::new(now));
        if lane.cut_at.is_some_and(|at| now.saturating_duration_since(at) < CUT_GAP) {
            return;
        }
        let sent = lane.sent_rate(now);
        let from = lane.rate.map_or(sent, |rate| rate.min(sent.max(MIN_RATE)));
        let rate = (from * CUT).max(MIN_RATE);
        tracing::info!(?service, rate = format!("{rate:.1}"), "OCI throttled: calls to this service are paced");
        lane.rate = Some(rate);
        lane.cut_at = Some(now);
        lane.raised_at = now;
        lane.recovery = (rate / 10.0).max(MIN_RATE);
    }

    fn answered_at(&self, service: Service, now: Instant) {
        let mut lanes = self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(lane) = lanes.get_mut(&service) else { return };
        let Some(rate) = lane.rate else { return };
        let raised = rate + lane.recovery * now.saturating_duration_since(lane.raised_at).as_secs_f64();
        lane.raised_at = now;
        lane.rate = (raised <= UNPACED_ABOVE).then_some(raised);
    }

    /// The lane of `service` now.
    pub fn state(&self, service: Service) -> LaneState {
        let lanes = self.lanes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        LaneState { rate: lanes.get(&service).and_then(|lane| lane.rate) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn an_unthrottled_service_is_not_paced() {
        let pace = Pace::default();
        let now = Instant::now();
        for _ in 0..100 {
            assert_eq!(pace.turn(Service::Events, now), now, "no wait");
            pace.answered_at(Service::Events, now);
        }
        assert_eq!(pace.state(Service::Events).rate, None);
    }

    #[test]
    fn a_429_paces_below_the_sent_rate_only_that_service_and_once_per_gap() {
        let pace = Pace::default();
        let t0 = Instant::now();
        // 50 calls over half a second: 100 a second.
        for n in 0..50 {
            pace.turn(Service::Notifications, t0 + MS * (10 * n));
        }
        let mut now = t0 + MS * 500;
        pace.throttled_at(Service::Notifications, now);
        let rate = pace.state(Service::Notifications).rate.expect("paced");
        assert!((69.0..=71.0).contains(&rate), "70% of 100/s: {rate}");
        pace.throttled_at(Service::Notifications, now + MS * 100);
        assert_eq!(pace.state(Service::Notifications).rate, Some(rate), "in-flight 429s do not cut twice");
        assert_eq!(pace.state(Service::Events).rate, None, "other services are untouched");

        // Paced: ten calls asked for at once start evenly spaced at the rate.
        let starts: Vec<Instant> = (0..10).map(|_| pace.turn(Service::Notifications, now)).collect();
        let last = starts[9].duration_since(starts[0]).as_secs_f64();
        assert!((last - 9.0 / rate).abs() < 1e-6, "{last} s between the first and the tenth at {rate}/s");
        assert_eq!(starts[0], now);

        // A later 429 cuts again; successes then raise it back a tenth of the cut rate per second.
        now += CUT_GAP;
        pace.throttled_at(Service::Notifications, now);
        let cut = pace.state(Service::Notifications).rate.expect("paced");
        assert!(cut < rate, "{cut} < {rate}");
        pace.answered_at(Service::Notifications, now + Duration::from_secs(2));
        let raised = pace.state(Service::Notifications).rate.expect("paced");
        let recovery = (cut / 10.0).max(MIN_RATE);
        assert!(
            (raised - (cut + 2.0 * recovery)).abs() < 1e-6,
            "two seconds raise it by 2 × {recovery}: {cut} → {raised}"
        );
    }

    #[test]
    fn pacing_ends_once_the_pace_is_high_again() {
        let pace = Pace::default();
        let now = Instant::now();
        pace.turn(Service::Events, now);
        pace.throttled_at(Service::Events, now);
        // One call is measured over the shortest window: 10/s, cut to 7/s.
        assert!(pace.state(Service::Events).rate.is_some_and(|rate| (rate - 7.0).abs() < 1e-9));
        pace.answered_at(Service::Events, now + Duration::from_secs(3_000));
        assert_eq!(pace.state(Service::Events).rate, None);
    }
}
