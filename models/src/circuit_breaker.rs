//! Circuit breaker: Resilience4j's `CircuitBreaker` state machine on virtual time.
//!
//! Source: Resilience4j, "CircuitBreaker" (resilience4j.readme.io/docs/circuitbreaker), and its
//! implementation (`CircuitBreakerStateMachine`, `CircuitBreakerMetrics`,
//! `FixedSizeSlidingWindowMetrics`, `SlidingTimeWindowMetrics`), which this module follows call
//! for call:
//!
//! ```text
//!            failure or slow-call rate >= threshold
//!   CLOSED ─────────────────────────────────────────▶ OPEN ◀─────────────┐
//!     ▲                                                 │ wait elapsed    │ rates >= threshold
//!     │ both rates below their thresholds               ▼                 │
//!     └──────────────────────────────────────────── HALF_OPEN ────────────┘
//! ```
//!
//! # Semantics
//!
//! - **Recording.** Every result goes into the current state's sliding window. A call is slow
//!   when its duration is strictly longer than `slow_call_duration_threshold`; a slow call
//!   counts as slow and also as a success or a failure.
//! - **Evaluation.** After each recorded result: if the window holds fewer results than its
//!   minimum, nothing happens. Otherwise the breaker trips when the failure rate (failures ÷
//!   results) or the slow-call rate (slow ÷ results) is at or above its threshold. The minimum
//!   is `calls_min`, capped at the window size when the window is count-based.
//! - **CLOSED** permits every call; a trip moves it to OPEN.
//! - **OPEN** rejects every call until `wait_duration_in_open_state` has elapsed. The first
//!   call attempt *strictly after* `opened_at + wait` moves it to HALF_OPEN and is then judged
//!   as a HALF_OPEN call (Resilience4j `OpenState.tryAcquirePermission` uses `isAfter`). With
//!   `automatic_transition` the move happens at exactly `opened_at + wait`, call or no call
//!   (Resilience4j schedules it). Results that arrive while OPEN, from calls permitted
//!   earlier, are recorded but cannot trip it.
//! - **HALF_OPEN** starts a fresh count-based window of `half_open_calls_permitted` results and
//!   permits that many calls; further attempts are rejected. Once its minimum
//!   (`min(calls_min, half_open_calls_permitted)`) is recorded, a trip sends it back to OPEN
//!   (with a new wait) and anything else to CLOSED, with a fresh, empty window.
//! - Results are not tied to the state their call was permitted in: as in Resilience4j, a
//!   result that arrives during HALF_OPEN from a call permitted while CLOSED counts toward the
//!   half-open decision.
//! - **Windows.** Count-based: the last `calls` results. Time-based: Resilience4j aggregates
//!   per epoch second; here per whole second of `SimTime`, so at second `s` the window holds
//!   the results recorded in seconds `s − seconds + 1 ..= s` (see `SecondWindow`).
//!
//! # Differences from Resilience4j
//!
//! Thresholds are fractions (`Probability`: Resilience4j's percent ÷ 100) and rates are
//! compared as `f64` ratios, which is exact for thresholds written with a few decimals, where
//! Resilience4j compares 32-bit float percentages. Not modelled: the DISABLED, FORCED_OPEN and
//! METRICS_ONLY states, `maxWaitDurationInHalfOpenState`, ignored exceptions and the
//! wait-interval function.
//!
//! # Time and bounds
//!
//! `now` may come from a node's local clock, which can step back; an earlier `now` than one
//! already seen is treated as that latest instant. The breaker schedules nothing: a caller that
//! samples its state over time can ask `half_open_at` when the wait ends. Every transition is
//! counted, and the first `TRANSITIONS_LOGGED_MAX` are kept with their instants.

use std::collections::VecDeque;

use sim_core::{LevelSeries, Probability, SimDuration, SimTime};

use crate::config::{CircuitBreakerConfig, SlidingWindow};
use crate::retry_budget::SecondWindow;
use BreakerState::{Closed, HalfOpen, Open};

/// Transitions kept in the log. Later ones are only counted, so that a breaker flapping for a
/// long run cannot exhaust memory.
pub const TRANSITIONS_LOGGED_MAX: usize = 1024;

/// The states of the published state diagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BreakerState {
    /// Calls flow; results are watched.
    Closed,
    /// A few probe calls decide between CLOSED and OPEN.
    HalfOpen,
    /// Calls are rejected until the wait ends.
    Open,
}

/// The result of one protected call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// Whether the call succeeded (a failure is whatever the caller counts as one).
    pub succeeded: bool,
    /// How long the call took.
    pub duration: SimDuration,
}

/// Permission to make a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permit {
    /// The state that granted it (HALF_OPEN permits are probes).
    pub state: BreakerState,
}

/// A call refused without being made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected {
    /// The state that refused it.
    pub state: BreakerState,
}

/// One change of state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// When it happened.
    pub at: SimTime,
    /// The state left.
    pub from: BreakerState,
    /// The state entered.
    pub to: BreakerState,
}

/// How often each edge of the state diagram was taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransitionCounts {
    /// CLOSED → OPEN.
    pub closed_to_open: u64,
    /// OPEN → HALF_OPEN.
    pub open_to_half_open: u64,
    /// HALF_OPEN → CLOSED.
    pub half_open_to_closed: u64,
    /// HALF_OPEN → OPEN.
    pub half_open_to_open: u64,
}

/// A Resilience4j circuit breaker (see the module doc for the exact semantics).
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    config: CircuitBreakerConfig,
    state: BreakerState,
    /// End of the current or last wait in OPEN.
    open_until: SimTime,
    /// Calls HALF_OPEN may still permit.
    permits_left: u32,
    /// The current state's results (OPEN keeps the window of the state that tripped).
    window: Window,
    now_latest: SimTime,
    calls_rejected: u64,
    counts: TransitionCounts,
    last_transition: Option<Transition>,
    log: Vec<Transition>,
    /// 1 while OPEN, 0 otherwise, per second: the state's time series.
    open_levels: LevelSeries,
}

impl CircuitBreakerConfig {
    /// Resilience4j's defaults: failure and slow-call thresholds 50 % and 100 %, slow calls
    /// over 60 s, a count window of 100 with minimum 100, 60 s in OPEN, 10 half-open calls,
    /// no automatic transition.
    pub fn resilience4j_defaults() -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            failure_rate_threshold: Probability::new(0.5).expect("0.5 is a probability"),
            slow_call_rate_threshold: Probability::ONE,
            slow_call_duration_threshold: SimDuration::from_secs(60),
            sliding_window: SlidingWindow::Count { calls: 100 },
            calls_min: 100,
            wait_duration_in_open_state: SimDuration::from_secs(60),
            half_open_calls_permitted: 10,
            automatic_transition: false,
        }
    }

    /// Checks Resilience4j's preconditions; the error names the broken rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        let window_len = match self.sliding_window {
            SlidingWindow::Count { calls } => calls,
            SlidingWindow::Time { seconds } => seconds,
        };
        let rule = if self.failure_rate_threshold.get() <= 0.0 {
            "failure_rate_threshold must be above zero"
        } else if self.slow_call_rate_threshold.get() <= 0.0 {
            "slow_call_rate_threshold must be above zero"
        } else if window_len == 0 {
            "the sliding window must hold at least one call or second"
        } else if self.calls_min == 0 {
            "calls_min must be at least 1"
        } else if self.half_open_calls_permitted == 0 {
            "half_open_calls_permitted must be at least 1"
        } else {
            return Ok(());
        };
        Err(rule)
    }
}

impl BreakerState {
    /// The value plotted in time series: 0 closed, 1 half-open, 2 open.
    pub fn code(self) -> u8 {
        match self {
            Closed => 0,
            HalfOpen => 1,
            Open => 2,
        }
    }
}

impl CircuitBreaker {
    /// A CLOSED breaker with an empty window; panics if `config` is invalid.
    ///
    /// ```
    /// use models::{BreakerState, CircuitBreaker, CircuitBreakerConfig};
    /// use sim_core::SimTime;
    /// let mut breaker = CircuitBreaker::new(CircuitBreakerConfig::resilience4j_defaults());
    /// assert!(breaker.try_acquire(SimTime::ZERO).is_ok());
    /// assert_eq!(breaker.state(SimTime::ZERO), BreakerState::Closed);
    /// ```
    pub fn new(config: CircuitBreakerConfig) -> CircuitBreaker {
        if let Err(rule) = config.validate() {
            panic!("invalid CircuitBreakerConfig (scenarios validate first): {rule}");
        }
        CircuitBreaker {
            config,
            state: Closed,
            open_until: SimTime::ZERO,
            permits_left: 0,
            window: Window::closed(&config),
            now_latest: SimTime::ZERO,
            calls_rejected: 0,
            counts: TransitionCounts::default(),
            last_transition: None,
            log: Vec::new(),
            open_levels: LevelSeries::new(SimDuration::from_secs(1)),
        }
    }

    /// Asks to make a call at `now`; OPEN may move to HALF_OPEN first.
    pub fn try_acquire(&mut self, now: SimTime) -> Result<Permit, Rejected> {
        let now = self.advance(now);
        if self.state == Open && now > self.open_until {
            self.transition(now, HalfOpen);
        }
        let granted = match self.state {
            Closed => true,
            Open => false,
            HalfOpen => {
                let granted = self.permits_left > 0;
                self.permits_left = self.permits_left.saturating_sub(1);
                granted
            }
        };
        if granted {
            Ok(Permit { state: self.state })
        } else {
            self.calls_rejected += 1;
            Err(Rejected { state: self.state })
        }
    }

    /// Gives back a permit whose call was never made (Resilience4j's `releasePermission`): a
    /// HALF_OPEN trial call refused after the breaker let it through (by adaptive throttling)
    /// must not use up a trial, or the breaker would wait forever for outcomes that never
    /// come.
    pub fn release(&mut self, permit: Permit) {
        if permit.state == HalfOpen && self.state == HalfOpen {
            self.permits_left = (self.permits_left + 1).min(self.config.half_open_calls_permitted);
        }
    }

    /// Records the outcome of a permitted call and applies the transition it causes.
    pub fn on_result(&mut self, now: SimTime, outcome: CallOutcome) {
        let now = self.advance(now);
        let failed = !outcome.succeeded;
        let slow = outcome.duration > self.config.slow_call_duration_threshold;
        let result = [1, i64::from(failed), i64::from(slow)];
        match (self.state, self.window.record(now, result, &self.config)) {
            (Closed | HalfOpen, Verdict::Above) => self.transition(now, Open),
            (HalfOpen, Verdict::Below) => self.transition(now, Closed),
            _ => {}
        }
    }

    /// The state at `now` (with `automatic_transition`, OPEN has ended once the wait is over).
    pub fn state(&mut self, now: SimTime) -> BreakerState {
        self.advance(now);
        self.state
    }

    /// The state at `now` as a time-series value: 0 closed, 1 half-open, 2 open.
    pub fn state_code(&mut self, now: SimTime) -> u8 {
        self.state(now).code()
    }

    /// While OPEN, the end of the wait: the automatic transition's instant, or the instant
    /// after which the next call attempt moves the breaker to HALF_OPEN.
    pub fn half_open_at(&self) -> Option<SimTime> {
        (self.state == Open).then_some(self.open_until)
    }

    /// The first `TRANSITIONS_LOGGED_MAX` transitions, in order.
    pub fn transitions(&self) -> &[Transition] {
        &self.log
    }

    /// How often each transition happened, all of them counted.
    pub fn transition_counts(&self) -> TransitionCounts {
        self.counts
    }

    /// The fraction of each second of `0..end` spent OPEN (the last second may be partial).
    pub fn open_per_s(&self, end: SimTime) -> Vec<f64> {
        let mut copy = self.clone();
        copy.advance(end);
        copy.open_levels.means(end)
    }

    /// Calls refused so far (Resilience4j `numberOfNotPermittedCalls`).
    pub fn calls_rejected(&self) -> u64 {
        self.calls_rejected
    }

    /// Clamps `now` and applies a due automatic transition at its exact instant.
    fn advance(&mut self, now: SimTime) -> SimTime {
        let now = now.max(self.now_latest);
        self.now_latest = now;
        let due = self.state == Open && now >= self.open_until;
        if due && self.config.automatic_transition {
            self.transition(self.open_until, HalfOpen);
        }
        now
    }

    fn transition(&mut self, at: SimTime, to: BreakerState) {
        let from = self.state;
        let counter = match (from, to) {
            (Closed, Open) => &mut self.counts.closed_to_open,
            (Open, HalfOpen) => &mut self.counts.open_to_half_open,
            (HalfOpen, Closed) => &mut self.counts.half_open_to_closed,
            (HalfOpen, Open) => &mut self.counts.half_open_to_open,
            _ => panic!("{from:?} → {to:?} is not an edge of the Resilience4j state diagram"),
        };
        *counter += 1;
        match to {
            Open => self.open_until = at.add(self.config.wait_duration_in_open_state),
            HalfOpen => {
                self.window = Window::half_open(&self.config);
                self.permits_left = self.config.half_open_calls_permitted;
            }
            Closed => self.window = Window::closed(&self.config),
        }
        self.state = to;
        // The record is checked too: it chains, and it is in time order.
        if let Some(previous) = self.last_transition {
            assert_eq!(
                previous.to, from,
                "each transition starts where the last ended"
            );
            assert!(previous.at <= at, "transitions are recorded in time order");
        }
        self.last_transition = Some(Transition { at, from, to });
        self.open_levels.set(at, u64::from(to == Open));
        if self.log.len() < TRANSITIONS_LOGGED_MAX {
            self.log.push(Transition { at, from, to });
        }
    }
}

/// A sliding window of `[calls, failures, slow]` counts, and the results it needs before its
/// rates are evaluated.
#[derive(Clone, Debug)]
struct Window {
    kind: WindowKind,
    calls_min: i64,
}

#[derive(Clone, Debug)]
enum WindowKind {
    /// The last `size` results, oldest first, and their sum.
    Count {
        results: VecDeque<[i64; 3]>,
        size: usize,
        sum: [i64; 3],
    },
    /// Per-second sums.
    Time(SecondWindow<3>),
}

/// Resilience4j `CircuitBreakerMetrics.Result`, with the three "above" cases merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    TooFewCalls,
    Below,
    Above,
}

impl Window {
    /// CLOSED's window (Resilience4j `CircuitBreakerMetrics.forClosed`).
    fn closed(config: &CircuitBreakerConfig) -> Window {
        match config.sliding_window {
            SlidingWindow::Count { calls } => Window::count(calls, config.calls_min),
            SlidingWindow::Time { seconds } => Window {
                kind: WindowKind::Time(SecondWindow::new(seconds)),
                calls_min: i64::from(config.calls_min),
            },
        }
    }

    /// HALF_OPEN's window (Resilience4j `CircuitBreakerMetrics.forHalfOpen`).
    fn half_open(config: &CircuitBreakerConfig) -> Window {
        Window::count(config.half_open_calls_permitted, config.calls_min)
    }

    /// A count-based window, whose minimum is capped at its size as in Resilience4j.
    fn count(calls: u32, calls_min: u32) -> Window {
        let (results, size, sum) = (VecDeque::new(), calls as usize, [0; 3]);
        let kind = WindowKind::Count { results, size, sum };
        let calls_min = i64::from(calls_min.min(calls));
        Window { kind, calls_min }
    }

    /// Records one result and evaluates the window (Resilience4j `checkIfThresholdsExceeded`,
    /// with exact ratios).
    fn record(&mut self, now: SimTime, result: [i64; 3], config: &CircuitBreakerConfig) -> Verdict {
        let [calls, failures, slow] = match &mut self.kind {
            WindowKind::Count { results, size, sum } => {
                if results.len() == *size {
                    let oldest = results.pop_front().expect("a full window has an oldest");
                    sum.iter_mut().zip(oldest).for_each(|(s, old)| *s -= old);
                }
                results.push_back(result);
                sum.iter_mut().zip(result).for_each(|(s, new)| *s += new);
                assert_eq!(sum[0], results.len() as i64, "the sum counts every result");
                *sum
            }
            WindowKind::Time(window) => {
                window.add(now, result);
                window.totals(now)
            }
        };
        assert!(failures <= calls, "every failure is a call");
        assert!(slow <= calls, "every slow call is a call");
        if calls == 0 || calls < self.calls_min {
            return Verdict::TooFewCalls;
        }
        let failure_rate = failures as f64 / calls as f64;
        let slow_rate = slow as f64 / calls as f64;
        let above = failure_rate >= config.failure_rate_threshold.get()
            || slow_rate >= config.slow_call_rate_threshold.get();
        if above {
            Verdict::Above
        } else {
            Verdict::Below
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROBE: Result<Permit, Rejected> = Ok(Permit { state: HalfOpen });

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    /// Threshold 50 %, slow calls off, 5 s in OPEN, 3 half-open calls.
    fn config(sliding_window: SlidingWindow, calls_min: u32) -> CircuitBreakerConfig {
        CircuitBreakerConfig {
            failure_rate_threshold: Probability::new(0.5).unwrap(),
            slow_call_rate_threshold: Probability::ONE,
            slow_call_duration_threshold: SimDuration::from_secs(60),
            sliding_window,
            calls_min,
            wait_duration_in_open_state: SimDuration::from_secs(5),
            half_open_calls_permitted: 3,
            automatic_transition: false,
        }
    }

    fn breaker(calls: u32, calls_min: u32) -> CircuitBreaker {
        CircuitBreaker::new(config(SlidingWindow::Count { calls }, calls_min))
    }

    /// `o` succeeds and `f` fails, in 1 ms.
    fn outcome(letter: char) -> CallOutcome {
        let duration = SimDuration::from_millis(1);
        let succeeded = letter == 'o';
        CallOutcome {
            succeeded,
            duration,
        }
    }

    /// One permitted call per letter of `pattern`, at `now`.
    fn calls(b: &mut CircuitBreaker, now: SimTime, pattern: &str) {
        for letter in pattern.chars() {
            b.try_acquire(now).expect("the call is permitted");
            b.on_result(now, outcome(letter));
        }
    }

    fn edges(b: &CircuitBreaker) -> Vec<(SimTime, BreakerState, BreakerState)> {
        let edge = |t: &Transition| (t.at, t.from, t.to);
        b.transitions().iter().map(edge).collect()
    }

    /// A count(4)/min(4) breaker opened by four failures at 1 s; its wait ends at 6 s.
    fn opened_at_1s() -> CircuitBreaker {
        let mut b = breaker(4, 4);
        calls(&mut b, at_ms(1_000), "ffff");
        assert_eq!(b.state(at_ms(1_000)), Open);
        b
    }

    /// Resilience4j: CLOSED → OPEN "when the failure rate is equal or greater than the
    /// configured threshold", over the last N calls of a count-based window.
    #[test]
    fn closed_trips_when_the_failure_rate_reaches_the_threshold() {
        let mut b = breaker(10, 10);
        calls(&mut b, at_ms(0), "oooooffff");
        assert_eq!(b.state(at_ms(0)), Closed, "9 calls: below the minimum");
        calls(&mut b, at_ms(7), "f");
        assert_eq!(b.state(at_ms(7)), Open, "5 of 10 is 50 %");
        assert_eq!(edges(&b), [(at_ms(7), Closed, Open)]);
        let mut sliding = breaker(10, 10);
        calls(&mut sliding, at_ms(0), "ooooooffff");
        assert_eq!(sliding.state(at_ms(0)), Closed, "4 of 10 is 40 %");
        calls(&mut sliding, at_ms(0), "f");
        assert_eq!(sliding.state(at_ms(0)), Open, "a success slid out: 5 of 10");
    }

    /// Resilience4j `minimumNumberOfCalls`: no evaluation below it; for a count-based window
    /// it is capped at the window size (`CircuitBreakerMetrics`), for a time-based one it is not.
    #[test]
    fn the_minimum_number_of_calls_defers_evaluation() {
        let mut b = breaker(10, 5);
        calls(&mut b, at_ms(0), "ffff");
        assert_eq!(b.state(at_ms(0)), Closed, "100 % failures, but 4 < 5 calls");
        calls(&mut b, at_ms(0), "f");
        assert_eq!(b.state(at_ms(0)), Open);
        let mut capped = breaker(4, 100);
        calls(&mut capped, at_ms(0), "ffff");
        assert_eq!(capped.state(at_ms(0)), Open, "min(100, 4) = 4");
        let mut timed = CircuitBreaker::new(config(SlidingWindow::Time { seconds: 10 }, 20));
        calls(&mut timed, at_ms(0), &"f".repeat(19));
        assert_eq!(timed.state(at_ms(0)), Closed, "19 < 20 calls");
    }

    /// Resilience4j: a call is slow when its duration is greater than
    /// `slowCallDurationThreshold`, and the slow-call rate alone can open the breaker.
    #[test]
    fn the_slow_call_rate_alone_opens_the_breaker() {
        let mut config = config(SlidingWindow::Count { calls: 4 }, 4);
        config.slow_call_rate_threshold = Probability::new(0.5).unwrap();
        config.slow_call_duration_threshold = SimDuration::from_millis(100);
        let mut b = CircuitBreaker::new(config);
        for ms in [100, 100, 101, 101] {
            assert_eq!(b.state(at_ms(0)), Closed);
            b.try_acquire(at_ms(0)).expect("closed");
            let duration = SimDuration::from_millis(ms);
            b.on_result(
                at_ms(0),
                CallOutcome {
                    succeeded: true,
                    duration,
                },
            );
        }
        assert_eq!(
            b.state(at_ms(0)),
            Open,
            "2 of 4 slower than 100 ms, no failures"
        );
    }

    /// Resilience4j `OpenState.tryAcquirePermission`: rejected until `now.isAfter(openedAt +
    /// waitDurationInOpenState)`, then HALF_OPEN on that call, which is a permitted probe.
    #[test]
    fn open_rejects_until_a_call_strictly_after_the_wait() {
        let mut b = opened_at_1s();
        assert_eq!(b.half_open_at(), Some(at_ms(6_000)));
        assert_eq!(b.try_acquire(at_ms(6_000)), Err(Rejected { state: Open }));
        let just_after = at_ms(6_000).add(SimDuration::from_nanos(1));
        assert_eq!(b.state(just_after), Open, "no call, no transition");
        assert_eq!(b.try_acquire(just_after), PROBE);
        assert_eq!(edges(&b)[1], (just_after, Open, HalfOpen));
        assert_eq!(b.calls_rejected(), 1);
        assert_eq!(b.half_open_at(), None);
    }

    /// Resilience4j `automaticTransitionFromOpenToHalfOpenEnabled`: the move happens at
    /// `openedAt + waitDurationInOpenState`, whether or not a call arrives.
    #[test]
    fn automatic_transition_happens_at_the_end_of_the_wait() {
        let mut b = opened_at_1s();
        b.config.automatic_transition = true;
        assert_eq!(b.state_code(at_ms(5_999)), 2);
        assert_eq!(b.state_code(at_ms(7_500)), 1);
        assert_eq!(edges(&b)[1], (at_ms(6_000), Open, HalfOpen));
        let mut on_time = opened_at_1s();
        on_time.config.automatic_transition = true;
        assert_eq!(on_time.try_acquire(at_ms(6_000)), PROBE);
    }

    /// Resilience4j `HalfOpenState`: `permittedNumberOfCallsInHalfOpenState` calls pass, the
    /// rest are rejected until the probes decide.
    #[test]
    fn half_open_permits_only_the_permitted_calls() {
        let mut b = opened_at_1s();
        let now = at_ms(7_000);
        for _ in 0..3 {
            assert_eq!(b.try_acquire(now), PROBE);
        }
        assert_eq!(b.try_acquire(now), Err(Rejected { state: HalfOpen }));
        b.on_result(now, outcome('o'));
        b.on_result(now, outcome('o'));
        assert!(b.try_acquire(now).is_err(), "permits do not come back");
        assert_eq!(b.calls_rejected(), 2);
    }

    /// Resilience4j `releasePermission`: a probe whose call is never made (adaptive throttling
    /// refused it after the breaker let it through) is given back, so the trials still come.
    // See: #13. With a throttle behind it, a half-open breaker leaked every permit and
    // refused all calls for the rest of the run.
    #[test]
    fn a_released_probe_permit_can_be_used_again() {
        let mut b = opened_at_1s();
        let now = at_ms(7_000);
        let mut permits = Vec::new();
        for _ in 0..3 {
            permits.push(b.try_acquire(now).expect("a probe"));
        }
        assert!(b.try_acquire(now).is_err());
        b.release(permits[0]);
        assert_eq!(
            b.try_acquire(now),
            PROBE,
            "the released trial is available again"
        );
        assert!(b.try_acquire(now).is_err());
        // A permit of CLOSED (no trials to count) gives nothing back.
        let mut closed = CircuitBreaker::new(b.config);
        let permit = closed.try_acquire(now).unwrap();
        closed.release(permit);
        assert_eq!(closed.state(now), Closed);
    }

    /// Resilience4j: HALF_OPEN → CLOSED when the probes' rates are below the thresholds, with
    /// a fresh window (`CircuitBreakerMetrics.forClosed`).
    #[test]
    fn half_open_closes_below_the_thresholds_with_a_fresh_window() {
        let mut b = opened_at_1s();
        let now = at_ms(7_000);
        calls(&mut b, now, "of");
        assert_eq!(b.state(now), HalfOpen, "2 of 3 probes recorded");
        calls(&mut b, now, "o");
        assert_eq!(b.state(now), Closed, "1 of 3 failed: 33 % < 50 %");
        calls(&mut b, now, "fff");
        assert_eq!(b.state(now), Closed, "the window restarted empty");
        calls(&mut b, now, "f");
        assert_eq!(b.state(now), Open);
    }

    /// Resilience4j: HALF_OPEN → OPEN when the probes' failure rate reaches the threshold,
    /// with a new wait; the decision comes after `min(minimumNumberOfCalls, permitted)`.
    #[test]
    fn half_open_reopens_at_or_above_the_threshold() {
        let mut b = opened_at_1s();
        calls(&mut b, at_ms(7_000), "fo");
        calls(&mut b, at_ms(7_500), "f");
        assert_eq!(b.state(at_ms(7_500)), Open, "2 of 3 failed");
        assert_eq!(b.half_open_at(), Some(at_ms(12_500)));
        assert!(b.try_acquire(at_ms(12_500)).is_err());
        let mut early = breaker(4, 2);
        calls(&mut early, at_ms(0), "ff");
        calls(&mut early, at_ms(5_001), "oo");
        assert_eq!(
            early.state(at_ms(5_001)),
            Closed,
            "decided after min(2, 3) probes"
        );
    }

    /// Resilience4j records results in the state they arrive in: late results from calls
    /// permitted while CLOSED cannot trip OPEN, but do count in HALF_OPEN.
    #[test]
    fn late_results_count_in_the_state_they_arrive_in() {
        let mut b = opened_at_1s();
        for _ in 0..10 {
            b.on_result(at_ms(2_000), outcome('o'));
        }
        assert_eq!(b.state(at_ms(2_000)), Open);
        b.try_acquire(at_ms(7_000)).expect("the first probe");
        for _ in 0..3 {
            b.on_result(at_ms(7_000), outcome('f'));
        }
        assert_eq!(
            b.state(at_ms(7_000)),
            Open,
            "three late failures decided it"
        );
    }

    /// Resilience4j `SlidingTimeWindowMetrics`: per-second buckets; at second s the window
    /// holds seconds s − N + 1 ..= s.
    #[test]
    fn the_time_based_window_forgets_results_older_than_the_window() {
        let timed = || CircuitBreaker::new(config(SlidingWindow::Time { seconds: 10 }, 4));
        let (mut inside, mut outside) = (timed(), timed());
        calls(&mut inside, at_ms(500), "fff");
        calls(&mut outside, at_ms(500), "fff");
        calls(&mut inside, at_ms(9_999), "f");
        assert_eq!(
            inside.state(at_ms(9_999)),
            Open,
            "4 failures within seconds 0..=9"
        );
        calls(&mut outside, at_ms(10_000), "f");
        assert_eq!(
            outside.state(at_ms(10_000)),
            Closed,
            "second 0 left: 1 call < 4"
        );
    }

    /// The published state diagram walked edge by edge, with the time-series codes.
    #[test]
    fn every_edge_is_recorded_and_counted() {
        let mut b = opened_at_1s();
        let mut codes = vec![b.state_code(at_ms(1_000))];
        for (ms, pattern) in [(7_000, "f"), (7_000, "ff"), (13_000, "ooo")] {
            calls(&mut b, at_ms(ms), pattern);
            codes.push(b.state_code(at_ms(ms)));
        }
        assert_eq!(codes, [2, 1, 2, 0]);
        let (t1, t7, t13) = (at_ms(1_000), at_ms(7_000), at_ms(13_000));
        let expected = [
            (t1, Closed, Open),
            (t7, Open, HalfOpen),
            (t7, HalfOpen, Open),
            (t13, Open, HalfOpen),
            (t13, HalfOpen, Closed),
        ];
        assert_eq!(edges(&b), expected);
        let counts = b.transition_counts();
        assert_eq!(counts.closed_to_open, 1);
        assert_eq!(counts.open_to_half_open, 2);
        assert_eq!(counts.half_open_to_open, 1);
        assert_eq!(counts.half_open_to_closed, 1);
    }

    /// Resilience4j `CircuitBreakerConfig.Builder` rejects zero thresholds and windows.
    #[test]
    fn validation_follows_resilience4j() {
        let ok = CircuitBreakerConfig::resilience4j_defaults();
        assert_eq!(ok.validate(), Ok(()));
        let breaks: [fn(&mut CircuitBreakerConfig); 5] = [
            |c| c.failure_rate_threshold = Probability::ZERO,
            |c| c.slow_call_rate_threshold = Probability::ZERO,
            |c| c.sliding_window = SlidingWindow::Time { seconds: 0 },
            |c| c.calls_min = 0,
            |c| c.half_open_calls_permitted = 0,
        ];
        for break_rule in breaks {
            let mut bad = ok;
            break_rule(&mut bad);
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
