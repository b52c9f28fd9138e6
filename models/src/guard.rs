//! A caller's guards: the resilience state one caller keeps in front of one dependency.
//!
//! A caller is a client, or one replica's call edge to a downstream service. Its guards are
//! a retry budget (Finagle), a circuit breaker (Resilience4j) and client-side adaptive
//! throttling (Google SRE book), each optional and each a pure state machine from its own
//! module; this module only decides when each is consulted:
//!
//! 1. a new request deposits into the budget;
//! 2. every attempt (first or retry) asks the breaker for a permit, then the throttle; a
//!    refusal fails the attempt locally, without touching the network, and is not retried
//!    (fail fast: that is what both patterns are for);
//! 3. every attempt's outcome is reported to the breaker (success or failure, with its
//!    duration) and to the throttle (accepted unless rejected for overload, refused or timed
//!    out);
//! 4. a retry must withdraw from the budget; without budget the request fails;
//! 5. an attempt the breaker and throttle let through then asks the bulkhead (Resilience4j
//!    `SemaphoreBulkhead`) for a slot: it holds the slot until its caller stops waiting for
//!    it. With no slot free it waits (up to `max_wait`, if the bulkhead has a wait queue) or is
//!    rejected locally, and not retried. Resilience4j decorates the bulkhead inside the
//!    breaker, so the breaker records a `BulkheadFullException` as a failed call; the
//!    throttle, which counts what the backend accepts, never hears of it. A hedge copy takes
//!    a free slot or is not sent; it never waits.
//!
//! Hedging (Dean & Barroso, "The Tail at Scale", CACM 2013) is a caller policy too: when an
//! attempt has not answered after a fixed delay, or after the caller's running percentile of
//! successful attempt latencies, one more copy is sent and the first success wins; the loser
//! is cancelled (dropped if still queued at its server, abandoned if already running). A hedge
//! counts as an attempt, and a request is hedged at most once.
//!
//! The patterns read true time (`now`); their windows and TTLs are not skewed by node clocks.

use sim_core::{Histogram, SimDuration, SimTime, Stream};

use crate::adaptive_throttle::AdaptiveThrottle;
use crate::bulkhead::{Admission, Bulkhead};
use crate::circuit_breaker::{CallOutcome, CircuitBreaker};
use crate::config::{Guards, Hedge};
use crate::key::RequestKey;
use crate::retry_budget::RetryBudget;

/// Successful attempts a percentile hedge needs before it trusts its estimate.
pub const HEDGE_SAMPLES_MIN: u64 = 100;

/// How often (in successes) a percentile hedge refreshes its delay: quantiles scan the
/// histogram, so they are recomputed every so many samples, not per request.
const HEDGE_REFRESH_EVERY: u64 = 64;

/// Why a caller refused to send an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalRejection {
    /// The circuit breaker is open (or half-open and out of permits).
    BreakerOpen,
    /// Adaptive throttling rejected it.
    Throttled,
    /// The bulkhead had no free slot (and no room to wait, or the wait timed out).
    BulkheadFull,
}

/// What the bulkhead said to an attempt asking for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// The caller has no bulkhead: send at once.
    NoBulkhead,
    /// The attempt holds a slot until its caller stops waiting for it.
    Entered,
    /// The attempt waits for a slot until this instant (then it is rejected).
    Queued(SimTime),
    /// No slot and no room to wait.
    Rejected,
}

/// How an attempt ended, as the guards see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A reply that the caller uses (including garbage, which it cannot tell apart).
    Success,
    /// The backend answered with an error (it accepted the request).
    Error,
    /// Overload: rejected by a full queue, refused, or timed out.
    Overload,
}

/// The live state of one caller's guards.
#[derive(Debug)]
pub struct GuardState {
    budget: Option<RetryBudget>,
    breaker: Option<CircuitBreaker>,
    throttle: Option<(AdaptiveThrottle, Stream)>,
    hedge: Option<HedgeState>,
    bulkhead: Option<Bulkhead<RequestKey>>,
    /// Counters of what the guards did.
    pub counts: GuardCounts,
}

/// What a caller's guards did for the requests measured (arrived after the warm-up): the
/// same requests a client's `requests` counts, so the two share one denominator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardCounts {
    /// Retries the budget refused.
    pub retries_denied: u64,
    /// Attempts the circuit breaker refused.
    pub breaker_rejections: u64,
    /// Attempts adaptive throttling refused.
    pub throttled: u64,
    /// Times the breaker opened.
    pub breaker_opened: u64,
    /// Hedges sent.
    pub hedges: u64,
    /// Requests whose hedge answered first.
    pub hedge_wins: u64,
    /// Attempts the bulkhead refused (no slot and no room to wait, or the wait timed out).
    pub bulkhead_rejections: u64,
}

impl GuardCounts {
    /// Adds another caller's counts (to sum an edge over its calling replicas).
    pub fn add(&mut self, other: &GuardCounts) {
        self.retries_denied += other.retries_denied;
        self.breaker_rejections += other.breaker_rejections;
        self.throttled += other.throttled;
        self.breaker_opened += other.breaker_opened;
        self.hedges += other.hedges;
        self.hedge_wins += other.hedge_wins;
        self.bulkhead_rejections += other.bulkhead_rejections;
    }
}

#[derive(Debug)]
struct HedgeState {
    policy: Hedge,
    latencies: Histogram,
    delay: Option<SimDuration>,
    since_refresh: u64,
}

impl GuardState {
    /// Fresh guards; `stream_name` names the throttle's random stream under `seed`.
    pub fn new(guards: &Guards, seed: u64, stream_name: &str) -> GuardState {
        GuardState {
            budget: guards.budget.map(RetryBudget::new),
            breaker: guards.breaker.map(CircuitBreaker::new),
            throttle: guards.throttle.map(|config| {
                (
                    AdaptiveThrottle::new(config),
                    Stream::new(seed, stream_name),
                )
            }),
            hedge: guards.hedge.map(|policy| HedgeState {
                policy,
                latencies: Histogram::new(),
                delay: match policy {
                    Hedge::After(delay) => Some(delay),
                    Hedge::Percentile(_) | Hedge::Tied => None,
                },
                since_refresh: 0,
            }),
            bulkhead: guards.bulkhead.map(Bulkhead::new),
            counts: GuardCounts::default(),
        }
    }

    /// Asks the bulkhead (if any) for a slot for `request`'s attempt at `now`; a call that
    /// `may_wait` joins the wait queue when no slot is free and the bulkhead has one.
    pub fn enter_bulkhead(&mut self, now: SimTime, request: RequestKey, may_wait: bool) -> Entry {
        let Some(bulkhead) = &mut self.bulkhead else {
            return Entry::NoBulkhead;
        };
        if !may_wait && bulkhead.inside() >= bulkhead.config().calls_concurrent_max {
            return Entry::Rejected;
        }
        match bulkhead.try_enter(now, request) {
            Admission::Entered => Entry::Entered,
            Admission::Queued { deadline } => Entry::Queued(deadline),
            Admission::Rejected => Entry::Rejected,
        }
    }

    /// An attempt holding a bulkhead slot ended at `now`; returns the waiting request that
    /// takes the slot over, if any.
    pub fn exit_bulkhead(&mut self, now: SimTime) -> Option<RequestKey> {
        self.bulkhead
            .as_mut()
            .expect("only a caller with a bulkhead holds a slot")
            .exit(now)
    }

    /// The requests whose wait for a bulkhead slot timed out by `now`, oldest first.
    pub fn expire_bulkhead_waiters(&mut self, now: SimTime) -> Vec<RequestKey> {
        self.bulkhead
            .as_mut()
            .map_or_else(Vec::new, |b| b.expire_waiters(now))
    }

    /// The bulkhead refused an attempt at `now` after it waited `waited`: counted (if its
    /// request is `measured`), and recorded by the breaker as a failed call (see the module
    /// doc).
    pub fn on_bulkhead_full(&mut self, now: SimTime, waited: SimDuration, measured: bool) {
        self.counts.bulkhead_rejections += u64::from(measured);
        // Only the breaker hears of it; the throttle counts what the backend accepted.
        self.report_to_breaker(
            now,
            CallOutcome {
                succeeded: false,
                duration: waited,
            },
            measured,
        );
    }

    /// Attempts holding a bulkhead slot and waiting for one, if there is a bulkhead.
    pub fn bulkhead_load(&self) -> Option<(u32, usize)> {
        self.bulkhead.as_ref().map(|b| (b.inside(), b.waiting()))
    }

    /// How long to wait for an attempt before hedging it, if this caller hedges (and, for a
    /// percentile, once it has seen enough successes).
    pub fn hedge_delay(&self) -> Option<SimDuration> {
        self.hedge.as_ref().and_then(|h| h.delay)
    }

    /// An attempt succeeded after `latency` (feeds a percentile hedge).
    #[inline]
    pub fn on_success_latency(&mut self, latency: SimDuration) {
        let Some(h) = &mut self.hedge else { return };
        let Hedge::Percentile(q) = h.policy else {
            return;
        };
        h.latencies.record(latency);
        h.since_refresh += 1;
        let n = h.latencies.count();
        if n >= HEDGE_SAMPLES_MIN && (h.delay.is_none() || h.since_refresh >= HEDGE_REFRESH_EVERY) {
            h.delay = Some(SimDuration::from_nanos_f64(h.latencies.quantile_nanos(q)));
            h.since_refresh = 0;
        }
    }

    /// Whether this caller sends tied requests (`Hedge::Tied`).
    pub fn is_tied(&self) -> bool {
        self.hedge.as_ref().is_some_and(|h| h.policy == Hedge::Tied)
    }

    /// A new request starts.
    pub fn on_request(&mut self, now: SimTime) {
        if let Some(budget) = &mut self.budget {
            budget.deposit(now);
        }
    }

    /// Asks for permission to send an attempt now; a refusal counts if the attempt's request
    /// is `measured`.
    #[inline]
    pub fn admit(&mut self, now: SimTime, measured: bool) -> Result<(), LocalRejection> {
        // Most callers have neither guard: let the attempt through without a call.
        if self.breaker.is_none() && self.throttle.is_none() {
            return Ok(());
        }
        self.admit_guarded(now, measured)
    }

    /// `admit` for a caller with a breaker or a throttle.
    fn admit_guarded(&mut self, now: SimTime, measured: bool) -> Result<(), LocalRejection> {
        let mut permit = None;
        if let Some(breaker) = &mut self.breaker {
            match breaker.try_acquire(now) {
                Ok(granted) => permit = Some(granted),
                Err(_) => {
                    self.counts.breaker_rejections += u64::from(measured);
                    return Err(LocalRejection::BreakerOpen);
                }
            }
        }
        if let Some((throttle, stream)) = &mut self.throttle {
            if throttle.should_reject(now, stream) {
                self.counts.throttled += u64::from(measured);
                // The call is not made: its breaker permit goes back.
                if let (Some(breaker), Some(permit)) = (&mut self.breaker, permit) {
                    breaker.release(permit);
                }
                return Err(LocalRejection::Throttled);
            }
        }
        Ok(())
    }

    /// Reports how an admitted attempt ended, `duration` after it was sent; the breaker's
    /// openings count if the attempt's request is `measured`.
    pub fn on_outcome(
        &mut self,
        now: SimTime,
        outcome: AttemptOutcome,
        duration: SimDuration,
        measured: bool,
    ) {
        let call = CallOutcome {
            succeeded: outcome == AttemptOutcome::Success,
            duration,
        };
        self.report_to_breaker(now, call, measured);
        if let Some((throttle, _)) = &mut self.throttle {
            throttle.record(now, outcome != AttemptOutcome::Overload);
        }
    }

    /// Tells the breaker (if any) how a call ended, counting the times it opens (when the
    /// call's request is `measured`).
    fn report_to_breaker(&mut self, now: SimTime, call: CallOutcome, measured: bool) {
        if let Some(breaker) = &mut self.breaker {
            let opened_before = breaker.transition_counts().closed_to_open
                + breaker.transition_counts().half_open_to_open;
            breaker.on_result(now, call);
            let opened_after = breaker.transition_counts().closed_to_open
                + breaker.transition_counts().half_open_to_open;
            if measured {
                self.counts.breaker_opened += opened_after - opened_before;
            }
        }
    }

    /// Asks the budget for one retry; a refusal counts if the request is `measured`.
    pub fn allow_retry(&mut self, now: SimTime, measured: bool) -> bool {
        let Some(budget) = &mut self.budget else {
            return true;
        };
        let allowed = budget.try_withdraw(now);
        if !allowed && measured {
            self.counts.retries_denied += 1;
        }
        allowed
    }

    /// The fraction of each second of `0..end` the breaker spent open (empty without one).
    pub fn breaker_open_per_s(&self, end: SimTime) -> Vec<f64> {
        self.breaker
            .as_ref()
            .map_or_else(Vec::new, |b| b.open_per_s(end))
    }

    /// The retry budget's token balance at `now`, if there is a budget.
    pub fn budget_balance(&mut self, now: SimTime) -> Option<i64> {
        self.budget.as_mut().map(|b| b.balance(now))
    }

    /// The breaker's state code at `now` (0 closed, 1 half-open, 2 open), if there is one.
    pub fn breaker_state(&mut self, now: SimTime) -> Option<u8> {
        self.breaker.as_mut().map(|b| b.state_code(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SlidingWindow;
    use crate::config::*;
    use sim_core::Probability;

    fn breaker() -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            failure_rate_threshold: Probability::new(0.5).unwrap(),
            slow_call_rate_threshold: Probability::ONE,
            slow_call_duration_threshold: SimDuration::from_secs(60),
            sliding_window: SlidingWindow::Count { calls: 10 },
            calls_min: 10,
            wait_duration_in_open_state: SimDuration::from_secs(5),
            half_open_calls_permitted: 2,
            automatic_transition: false,
        }
    }

    #[test]
    fn an_open_breaker_refuses_attempts_and_counts_them() {
        let guards = Guards {
            budget: None,
            breaker: Some(breaker()),
            throttle: None,
            hedge: None,
            bulkhead: None,
        };
        let mut state = GuardState::new(&guards, 1, "test/throttle");
        let now = SimTime::from_nanos(1);
        for _ in 0..10 {
            state.admit(now, true).unwrap();
            let duration = SimDuration::from_millis(1);
            state.on_outcome(now, AttemptOutcome::Overload, duration, true);
        }
        assert_eq!(state.counts.breaker_opened, 1);
        assert_eq!(state.admit(now, true), Err(LocalRejection::BreakerOpen));
        assert_eq!(state.counts.breaker_rejections, 1);
        // A request of the warm-up is refused alike, and not counted.
        assert_eq!(state.admit(now, false), Err(LocalRejection::BreakerOpen));
        assert_eq!(state.counts.breaker_rejections, 1);
        assert_eq!(state.breaker_state(now), Some(2));
    }

    #[test]
    fn a_budget_denies_retries_beyond_its_ratio() {
        let budget = RetryBudgetConfig {
            ttl: SimDuration::from_secs(10),
            retries_per_s_min: 0,
            ratio: 0.1,
        };
        let guards = Guards {
            budget: Some(budget),
            breaker: None,
            throttle: None,
            hedge: None,
            bulkhead: None,
        };
        let mut state = GuardState::new(&guards, 1, "test/throttle");
        let now = SimTime::from_nanos(1);
        for _ in 0..100 {
            state.on_request(now);
        }
        let allowed = (0..50).filter(|_| state.allow_retry(now, true)).count();
        assert_eq!(allowed, 10, "10% of 100 requests");
        assert_eq!(state.counts.retries_denied, 40);
    }

    #[test]
    fn no_guards_admit_everything() {
        let mut state = GuardState::new(&Guards::NONE, 1, "test/throttle");
        assert_eq!(state.admit(SimTime::ZERO, true), Ok(()));
        assert!(state.allow_retry(SimTime::ZERO, true));
    }
}
