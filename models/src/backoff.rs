//! Backoff and jitter: how long a client waits before retrying.
//!
//! The formulas are those of Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture
//! Blog, 2015, with `attempt` counting failed attempts so far (the first retry has attempt 1,
//! so its un-jittered exponential delay is `base`):
//!
//! | jitter | delay |
//! |---|---|
//! | none | `d = min(cap, base · 2^(attempt-1))` |
//! | full | `uniform(0, d)` |
//! | equal | `d/2 + uniform(0, d/2)` |
//! | decorrelated | `min(cap, uniform(base, 3 · previous))`, with `previous = base` at first |
//!
//! For constant backoff `d` is the constant delay, and decorrelated jitter uses the constant
//! delay as both base and cap. All arithmetic is in integer nanoseconds.

use crate::config::{Backoff, Jitter};
use sim_core::{SimDuration, Stream};

impl Backoff {
    /// The un-jittered delay before retry number `attempt` (1 for the first retry).
    pub fn delay(self, attempt: u32) -> SimDuration {
        assert!(attempt >= 1, "retries are numbered from 1");
        match self {
            Backoff::None => SimDuration::ZERO,
            Backoff::Constant { delay } => delay,
            Backoff::Exponential { base, cap } => {
                // 2^(attempt-1) saturates at 2^63; `min` with cap keeps it bounded.
                let factor = 1u64.checked_shl(attempt - 1).unwrap_or(u64::MAX);
                base.saturating_mul(factor).min(cap)
            }
        }
    }

    fn base_and_cap(self) -> (SimDuration, SimDuration) {
        match self {
            Backoff::None => (SimDuration::ZERO, SimDuration::ZERO),
            Backoff::Constant { delay } => (delay, delay),
            Backoff::Exponential { base, cap } => (base, cap),
        }
    }
}

/// Computes the jittered delay before retry `attempt`, given the previous jittered delay
/// (`None` before the first retry; only decorrelated jitter uses it).
pub fn retry_delay(
    backoff: Backoff,
    jitter: Jitter,
    attempt: u32,
    previous: Option<SimDuration>,
    stream: &mut Stream,
) -> SimDuration {
    let d = backoff.delay(attempt).as_nanos();
    let nanos = match jitter {
        Jitter::None => d,
        Jitter::Full => stream.between(0, d),
        Jitter::Equal => d / 2 + stream.between(0, d - d / 2),
        Jitter::Decorrelated => {
            let (base, cap) = backoff.base_and_cap();
            let previous = previous.unwrap_or(base).as_nanos();
            let high = previous.saturating_mul(3).max(base.as_nanos());
            stream.between(base.as_nanos(), high).min(cap.as_nanos())
        }
    };
    SimDuration::from_nanos(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> SimDuration = SimDuration::from_millis;

    fn exp() -> Backoff {
        Backoff::Exponential {
            base: MS(10),
            cap: MS(1000),
        }
    }

    #[test]
    fn exponential_doubles_then_caps() {
        // Brooker (2015): sleep = min(cap, base * 2 ** attempt), first retry sleeps `base`.
        let delays: Vec<u64> = (1..=9)
            .map(|a| exp().delay(a).as_nanos() / 1_000_000)
            .collect();
        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        assert_eq!(
            exp().delay(200),
            MS(1000),
            "huge attempt numbers saturate, not overflow"
        );
    }

    #[test]
    fn jitter_stays_within_its_definition() {
        let mut s = Stream::new(1, "jitter");
        for attempt in 1..=8 {
            let d = exp().delay(attempt);
            for _ in 0..2_000 {
                let full = retry_delay(exp(), Jitter::Full, attempt, None, &mut s);
                assert!(full <= d);
                let equal = retry_delay(exp(), Jitter::Equal, attempt, None, &mut s);
                assert!(equal.as_nanos() >= d.as_nanos() / 2 && equal <= d);
                let previous = MS(40);
                let dec = retry_delay(exp(), Jitter::Decorrelated, attempt, Some(previous), &mut s);
                assert!(dec >= MS(10) && dec <= MS(120).min(MS(1000)));
                assert_eq!(retry_delay(exp(), Jitter::None, attempt, None, &mut s), d);
            }
        }
    }

    #[test]
    fn full_jitter_is_uniform_over_the_whole_delay() {
        // Full jitter = uniform(0, d): mean d/2.
        let mut s = Stream::new(2, "full");
        let n = 200_000;
        let d = exp().delay(4).as_nanos() as f64; // 80 ms
        let mean = (0..n)
            .map(|_| retry_delay(exp(), Jitter::Full, 4, None, &mut s).as_nanos() as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - d / 2.0).abs() / (d / 2.0) < 0.01, "{mean}");
    }

    #[test]
    fn equal_jitter_mean_is_three_quarters() {
        // Equal jitter = d/2 + uniform(0, d/2): mean 3d/4.
        let mut s = Stream::new(3, "equal");
        let n = 200_000;
        let d = exp().delay(4).as_nanos() as f64;
        let mean = (0..n)
            .map(|_| retry_delay(exp(), Jitter::Equal, 4, None, &mut s).as_nanos() as f64)
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.75 * d).abs() / (0.75 * d) < 0.01, "{mean}");
    }

    #[test]
    fn decorrelated_starts_from_base_and_respects_cap() {
        let mut s = Stream::new(4, "dec");
        let mut previous = None;
        for attempt in 1..=50 {
            let d = retry_delay(exp(), Jitter::Decorrelated, attempt, previous, &mut s);
            let bound = previous.unwrap_or(MS(10)).as_nanos() * 3;
            assert!(d >= MS(10) && d.as_nanos() <= bound.max(MS(10).as_nanos()) && d <= MS(1000));
            previous = Some(d);
        }
    }
}
