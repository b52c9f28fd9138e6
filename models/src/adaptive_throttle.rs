//! Client-side adaptive throttling: a client rejects requests locally when its backend has
//! been rejecting them.
//!
//! Source: Google, *Site Reliability Engineering* (2016), chapter 21 "Handling Overload",
//! section "Client-Side Throttling" (sre.google/sre-book/handling-overload). Each client keeps,
//! over a trailing window (the book uses the last two minutes):
//!
//! - `requests`: requests attempted by the application layer, on top of the throttle, so the
//!   requests the throttle itself rejects count too;
//! - `accepts`: requests the backend accepted.
//!
//! A new request is rejected locally with probability (the book's Equation 21-1)
//!
//! ```text
//! p = max(0, (requests − K · accepts) / (requests + 1))
//! ```
//!
//! with the multiplier K typically 2. While `requests ≤ K · accepts` nothing is rejected. The
//! book counts local rejections in `requests` on purpose: the faster the application attempts
//! requests relative to what the backend accepts, the higher `p` climbs. We follow the book.
//!
//! # Bookkeeping
//!
//! - `should_reject(now, stream)`: when it rejects, the request is counted in `requests` at
//!   once (it will never have an outcome). When it lets the request through it counts nothing.
//! - `record(now, accepted)`: the caller reports each request that was let through, once its
//!   outcome is known (a timeout counts as not accepted).
//!
//! # Draw rule (common random numbers)
//!
//! `should_reject` draws exactly one value, `stream.chance(p)` (one `unit()` draw, rejecting
//! when it is below `p`), when `p > 0`, and draws nothing when `p = 0`. A throttle in front of a
//! healthy backend therefore consumes no randomness, and the stream it is given should be its
//! own (for example `client/NAME/throttle`) so its draws never shift anyone else's.
//!
//! # Window and time
//!
//! Counts are kept in buckets of one whole second of `SimTime` (see `SecondWindow`): at second
//! `s` they cover seconds `s − window_s + 1 ..= s`. `now` may come from a node's local clock,
//! which can step back; an earlier `now` than one already seen is treated as that latest
//! instant, so counts never move backwards.

use sim_core::{Probability, SimDuration, SimTime, Stream};

use crate::config::AdaptiveThrottleConfig;
use crate::retry_budget::SecondWindow;

/// One client's adaptive throttle (see the module doc for the formula and the draw rule).
#[derive(Clone, Debug)]
pub struct AdaptiveThrottle {
    config: AdaptiveThrottleConfig,
    /// Per-second `[requests, accepts]`.
    window: SecondWindow<2>,
}

/// The two counts over the current window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleCounts {
    /// Requests attempted, local rejections included.
    pub requests: u64,
    /// Requests the backend accepted.
    pub accepts: u64,
}

const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl AdaptiveThrottleConfig {
    /// The book's example: a two-minute window and K = 2.
    pub const SRE_BOOK: AdaptiveThrottleConfig = AdaptiveThrottleConfig {
        window: SimDuration::from_secs(120),
        multiplier: 2.0,
    };

    /// Checks the window and the multiplier; the error names the broken rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        let nanos = self.window.as_nanos();
        if nanos == 0 || nanos % NANOS_PER_SECOND != 0 || nanos / NANOS_PER_SECOND > u32::MAX as u64
        {
            return Err("window must be a whole number of seconds, at least 1s");
        }
        if !(self.multiplier.is_finite() && self.multiplier > 0.0) {
            return Err("multiplier must be finite and positive");
        }
        Ok(())
    }
}

impl AdaptiveThrottle {
    /// A throttle with no history; panics if `config` is invalid.
    ///
    /// ```
    /// use models::{AdaptiveThrottle, AdaptiveThrottleConfig};
    /// use sim_core::SimTime;
    /// let mut throttle = AdaptiveThrottle::new(AdaptiveThrottleConfig::SRE_BOOK);
    /// assert_eq!(throttle.reject_probability(SimTime::ZERO), 0.0);
    /// ```
    pub fn new(config: AdaptiveThrottleConfig) -> AdaptiveThrottle {
        if let Err(rule) = config.validate() {
            panic!("invalid AdaptiveThrottleConfig (scenarios validate first): {rule}");
        }
        let seconds = (config.window.as_nanos() / NANOS_PER_SECOND) as u32;
        AdaptiveThrottle {
            config,
            window: SecondWindow::new(seconds),
        }
    }

    /// `max(0, (requests − K · accepts) / (requests + 1))` over the window ending at `now`.
    pub fn reject_probability(&mut self, now: SimTime) -> f64 {
        let counts = self.counts(now);
        let requests = counts.requests as f64;
        let excess = requests - self.config.multiplier * counts.accepts as f64;
        if excess <= 0.0 {
            return 0.0;
        }
        let p = excess / (requests + 1.0);
        assert!(p > 0.0 && p < 1.0, "Equation 21-1 stays below one: {p}");
        p
    }

    /// Whether to reject a new request locally; draws from `stream` only when `p > 0`, and
    /// counts a rejected request in `requests`.
    pub fn should_reject(&mut self, now: SimTime, stream: &mut Stream) -> bool {
        let p = self.reject_probability(now);
        if p == 0.0 {
            return false;
        }
        let p = Probability::new(p).expect("Equation 21-1 lies in 0..1");
        let reject = stream.chance(p);
        if reject {
            self.window.add(now, [1, 0]);
        }
        reject
    }

    /// Records the outcome of a request that was let through: accepted by the backend or not.
    pub fn record(&mut self, now: SimTime, accepted: bool) {
        self.window.add(now, [1, i64::from(accepted)]);
    }

    /// The counts over the window ending at `now`.
    pub fn counts(&mut self, now: SimTime) -> ThrottleCounts {
        let [requests, accepts] = self.window.totals(now);
        assert!(accepts >= 0, "counts only grow within a bucket");
        assert!(requests >= accepts, "every accepted request was a request");
        ThrottleCounts {
            requests: requests as u64,
            accepts: accepts as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn throttle(multiplier: f64) -> AdaptiveThrottle {
        AdaptiveThrottle::new(AdaptiveThrottleConfig {
            multiplier,
            ..AdaptiveThrottleConfig::SRE_BOOK
        })
    }

    fn feed(t: &mut AdaptiveThrottle, now: SimTime, requests: u64, accepts: u64) {
        for i in 0..requests {
            t.record(now, i < accepts);
        }
    }

    /// SRE book Equation 21-1 at fixed counts: requests 100, accepts 40, K 2 → 20/101.
    #[test]
    fn probability_matches_equation_21_1() {
        let mut t = throttle(2.0);
        feed(&mut t, at_ms(0), 100, 40);
        assert_eq!(t.reject_probability(at_ms(0)), 20.0 / 101.0);
        let mut t = throttle(1.1);
        feed(&mut t, at_ms(0), 100, 40);
        assert_eq!(t.reject_probability(at_ms(0)), (100.0 - 1.1 * 40.0) / 101.0);
        let mut t = throttle(2.0);
        feed(&mut t, at_ms(0), 10, 0);
        assert_eq!(
            t.reject_probability(at_ms(0)),
            10.0 / 11.0,
            "a dead backend: p → 1"
        );
    }

    /// SRE book: "clients can continue to issue requests ... until requests is K times as large
    /// as accepts"; p = 0 there, and by our draw rule the stream is not touched.
    #[test]
    fn no_rejection_and_no_draw_while_requests_within_k_accepts() {
        let mut t = throttle(2.0);
        feed(&mut t, at_ms(0), 200, 100);
        assert_eq!(t.reject_probability(at_ms(0)), 0.0);
        let mut stream = Stream::new(7, "client/web/throttle");
        for _ in 0..1000 {
            assert!(!t.should_reject(at_ms(0), &mut stream));
        }
        let mut fresh = Stream::new(7, "client/web/throttle");
        assert_eq!(stream.next_u64(), fresh.next_u64(), "no value was drawn");
        assert_eq!(
            t.counts(at_ms(0)),
            ThrottleCounts {
                requests: 200,
                accepts: 100
            }
        );
    }

    /// SRE book: locally rejected requests count in `requests` (not in `accepts`).
    #[test]
    fn local_rejections_count_as_requests() {
        let mut t = throttle(2.0);
        feed(&mut t, at_ms(0), 100, 0);
        let mut stream = Stream::new(1, "throttle");
        let rejected = (0..100)
            .filter(|_| t.should_reject(at_ms(0), &mut stream))
            .count() as u64;
        assert!(rejected > 90, "p ≈ 0.99: {rejected}");
        assert_eq!(
            t.counts(at_ms(0)),
            ThrottleCounts {
                requests: 100 + rejected,
                accepts: 0
            }
        );
    }

    /// SRE book: the counts cover a trailing window (two minutes), here whole seconds.
    #[test]
    fn counts_expire_after_the_window() {
        let mut t = throttle(2.0);
        feed(&mut t, at_ms(500), 100, 0);
        assert!(t.reject_probability(at_ms(119_999)) > 0.0);
        assert_eq!(t.reject_probability(at_ms(120_000)), 0.0);
        assert_eq!(
            t.counts(at_ms(120_000)),
            ThrottleCounts {
                requests: 0,
                accepts: 0
            }
        );
    }

    /// SRE book Equation 21-1 as a frequency: with requests 300 and accepts 100 (K 2) a request
    /// is rejected with p = 100/301 ≈ 0.3322. Over n = 200 000 independent decisions the
    /// standard error is sqrt(p(1 − p)/n) ≈ 0.00105; the tolerance 0.005 is about 4.7 of them.
    #[test]
    fn rejection_frequency_matches_the_probability() {
        let mut primed = AdaptiveThrottle::new(AdaptiveThrottleConfig {
            window: SimDuration::from_secs(1),
            multiplier: 2.0,
        });
        feed(&mut primed, at_ms(0), 300, 100);
        let p = primed.reject_probability(at_ms(0));
        assert_eq!(p, 100.0 / 301.0);
        let mut stream = Stream::new(11, "client/web/throttle");
        let n = 200_000;
        let rejected = (0..n)
            .filter(|_| primed.clone().should_reject(at_ms(0), &mut stream))
            .count();
        let frequency = rejected as f64 / n as f64;
        assert!((frequency - p).abs() < 0.005, "{frequency} vs {p}");
    }

    /// The module doc's rules: whole-second windows (our buckets) and a positive, finite K
    /// (the book's multiplier).
    #[test]
    fn validation_rejects_fractional_windows_and_bad_multipliers() {
        let ok = AdaptiveThrottleConfig::SRE_BOOK;
        assert_eq!(ok.validate(), Ok(()));
        let fractional = AdaptiveThrottleConfig {
            window: SimDuration::from_millis(1500),
            ..ok
        };
        assert!(fractional.validate().is_err());
        let zero = AdaptiveThrottleConfig {
            multiplier: 0.0,
            ..ok
        };
        assert!(zero.validate().is_err());
        let nan = AdaptiveThrottleConfig {
            multiplier: f64::NAN,
            ..ok
        };
        assert!(nan.validate().is_err());
    }
}
