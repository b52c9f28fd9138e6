//! Token-bucket rate limiter in exact integer arithmetic.
//!
//! Source: the token bucket as Go's `golang.org/x/time/rate.Limiter` documents it ("a token
//! bucket of size b, initially full and refilled at rate r tokens per second"; `Allow` takes
//! one token or refuses), without its floating-point token count.
//!
//! # Semantics
//!
//! - The bucket holds at most `burst` tokens and is full when created.
//! - It refills continuously at `tokens_per_period` tokens per `period`, never above `burst`.
//! - `try_acquire` takes one whole token if there is one, else refuses and takes nothing.
//!
//! # Exactness
//!
//! The bucket is kept in units of `1 / period_ns` token (a `u128`), and every nanosecond adds
//! `tokens_per_period` units, so the refill is exact to the nanosecond and rates like 10 per
//! 3 s never drift. Starting full at `t0`, a limiter offered a request whenever it holds a token
//! admits exactly `burst + floor(tokens_per_period × (t − t0) / period)` requests by `t`.
//!
//! Whether one limiter is per client or shared is the caller's choice: it is just a value.
//! `now` may come from a node's local clock, which can step back; an earlier `now` than one
//! already seen is treated as that latest instant (no refill until the clock passes it).

use crate::config::RateLimiterConfig;
use sim_core::{SimDuration, SimTime};

/// A token bucket on virtual time.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    config: RateLimiterConfig,
    /// Content in units of `1 / period_ns` token.
    units: u128,
    /// The instant `units` was last brought up to date.
    updated_at: SimTime,
}

impl RateLimiterConfig {
    /// `rate` tokens per second with a bucket of `burst` tokens.
    pub const fn per_second(rate: u64, burst: u64) -> RateLimiterConfig {
        RateLimiterConfig {
            tokens_per_period: rate,
            period: SimDuration::from_secs(1),
            burst,
        }
    }

    /// Checks that the rate, the period and the burst are positive; the error names the rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.tokens_per_period == 0 {
            return Err("tokens_per_period must be at least 1");
        }
        if self.period == SimDuration::ZERO {
            return Err("period must be longer than zero");
        }
        if self.burst == 0 {
            return Err("burst must be at least 1, or no request could ever pass");
        }
        Ok(())
    }

    fn units_per_token(&self) -> u128 {
        u128::from(self.period.as_nanos())
    }

    fn capacity(&self) -> u128 {
        // Both factors are below 2^64, so the product fits in a u128.
        u128::from(self.burst) * self.units_per_token()
    }
}

impl RateLimiter {
    /// A full bucket at `SimTime::ZERO`; panics if `config` is invalid.
    ///
    /// ```
    /// use models::{RateLimiter, RateLimiterConfig};
    /// use sim_core::SimTime;
    /// let limiter = RateLimiter::new(RateLimiterConfig::per_second(100, 10));
    /// assert_eq!(limiter.tokens(SimTime::ZERO), 10);
    /// ```
    pub fn new(config: RateLimiterConfig) -> RateLimiter {
        if let Err(rule) = config.validate() {
            panic!("invalid RateLimiterConfig (scenarios validate first): {rule}");
        }
        RateLimiter {
            config,
            units: config.capacity(),
            updated_at: SimTime::ZERO,
        }
    }

    /// Takes one token if the bucket holds one at `now`.
    pub fn try_acquire(&mut self, now: SimTime) -> bool {
        self.units = self.units_at(now);
        self.updated_at = self.updated_at.max(now);
        let token = self.config.units_per_token();
        if self.units >= token {
            self.units -= token;
            true
        } else {
            false
        }
    }

    /// Whole tokens in the bucket at `now`.
    pub fn tokens(&self, now: SimTime) -> u64 {
        let tokens = self.units_at(now) / self.config.units_per_token();
        assert!(
            tokens <= u128::from(self.config.burst),
            "the bucket never exceeds its burst"
        );
        tokens as u64
    }

    /// The earliest instant, at or after `now`, at which `try_acquire` would succeed.
    pub fn next_token_at(&self, now: SimTime) -> SimTime {
        let now = now.max(self.updated_at);
        let token = self.config.units_per_token();
        let units = self.units_at(now);
        if units >= token {
            return now;
        }
        let rate = u128::from(self.config.tokens_per_period);
        let wait = (token - units).div_ceil(rate);
        assert!(wait <= token, "one token takes at most one period");
        now.add(SimDuration::from_nanos(wait as u64))
    }

    /// The content at `now` (clamped to the last update), in units.
    fn units_at(&self, now: SimTime) -> u128 {
        let elapsed = u128::from(now.since(self.updated_at).as_nanos());
        let refill = elapsed * u128::from(self.config.tokens_per_period);
        let units = self
            .units
            .saturating_add(refill)
            .min(self.config.capacity());
        assert!(units >= self.units, "refill never removes tokens");
        units
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    /// x/time/rate: "initially full and refilled at rate r tokens per second".
    #[test]
    fn burst_first_then_the_steady_rate() {
        let mut limiter = RateLimiter::new(RateLimiterConfig::per_second(10, 5));
        let first: Vec<bool> = (0..6).map(|_| limiter.try_acquire(at_ms(0))).collect();
        assert_eq!(first, [true, true, true, true, true, false]);
        assert!(!limiter.try_acquire(at_ms(99)));
        assert_eq!(limiter.next_token_at(at_ms(99)), at_ms(100));
        assert!(limiter.try_acquire(at_ms(100)));
        assert!(!limiter.try_acquire(at_ms(100)));
        assert_eq!(limiter.tokens(at_ms(350)), 2);
        assert_eq!(limiter.tokens(at_ms(3_600_000)), 5, "capped at the burst");
    }

    /// Token bucket: over [0, T] a saturating stream gets `burst + rate × T` admissions.
    #[test]
    fn saturating_stream_admits_burst_plus_rate_times_duration() {
        let mut limiter = RateLimiter::new(RateLimiterConfig::per_second(100, 10));
        let admitted = (0..=10_000)
            .filter(|&ms| limiter.try_acquire(at_ms(ms)))
            .count();
        assert_eq!(admitted, 10 + 100 * 10);
    }

    /// Exact refill: 10 tokens per 3 s (3.333…/s, not a binary fraction) offered ten requests a
    /// second for a million seconds admits exactly `burst + floor(10 × 10^6 / 3)`.
    #[test]
    fn no_drift_over_a_long_run() {
        let mut limiter = RateLimiter::new(RateLimiterConfig {
            tokens_per_period: 10,
            period: SimDuration::from_secs(3),
            burst: 4,
        });
        let admitted = (0..=10_000_000u64)
            .filter(|&tenth| limiter.try_acquire(at_ms(tenth * 100)))
            .count() as u64;
        assert_eq!(admitted, 4 + 10_000_000 / 3);
    }

    /// Refill is exact to the nanosecond: 3 tokens/s puts a token every 333 333 333.3 ns.
    #[test]
    fn next_token_at_rounds_up_to_the_nanosecond() {
        let mut limiter = RateLimiter::new(RateLimiterConfig::per_second(3, 1));
        assert!(limiter.try_acquire(SimTime::ZERO));
        let next = limiter.next_token_at(SimTime::ZERO);
        assert_eq!(next, SimTime::from_nanos(333_333_334));
        assert!(!limiter.try_acquire(SimTime::from_nanos(333_333_333)));
        assert!(limiter.try_acquire(next));
    }

    /// The module doc's time rule: a clock stepping back refills nothing until it catches up.
    #[test]
    fn an_earlier_now_is_read_as_the_latest() {
        let mut limiter = RateLimiter::new(RateLimiterConfig::per_second(1, 1));
        assert!(limiter.try_acquire(at_ms(5_000)));
        assert!(
            !limiter.try_acquire(at_ms(4_500)),
            "the clock stepped back: no refill"
        );
        assert_eq!(limiter.next_token_at(at_ms(4_500)), at_ms(6_000));
        assert!(limiter.try_acquire(at_ms(6_000)));
    }

    /// x/time/rate: "A zero Burst allows no events, unless limit == Inf", so we refuse a zero
    /// burst, along with a zero rate or period.
    #[test]
    fn validation_requires_positive_values() {
        assert_eq!(RateLimiterConfig::per_second(1, 1).validate(), Ok(()));
        assert!(RateLimiterConfig::per_second(0, 1).validate().is_err());
        assert!(RateLimiterConfig::per_second(1, 0).validate().is_err());
        let no_period = RateLimiterConfig {
            period: SimDuration::ZERO,
            ..RateLimiterConfig::per_second(1, 1)
        };
        assert!(no_period.validate().is_err());
    }
}
