//! Retry budgets: how many retries a client may send, as a share of its recent requests.
//!
//! # Finagle's token budget (`RetryBudget`)
//!
//! Source: Finagle `com.twitter.finagle.service.RetryBudget.apply(ttl, minRetriesPerSec,
//! percentCanRetry)`, a `TokenRetryBudget` over `TokenBucket.newLeakyBucket`, and the Finagle
//! blog post "Retry budgets" (finagle.github.io/blog/2016/02/08/retry-budgets). Finagle scales
//! tokens by 1000 so that a ratio above one needs no floating point, and so does this module:
//!
//! - `deposit` (once per request) adds 1000 tokens, or none when `ratio` is 0.
//! - `try_withdraw` (once per retry) succeeds when the bucket holds at least
//!   `cost = trunc(1000 / ratio)` tokens (1 when `ratio` is 0), and then removes `cost` tokens.
//! - The bucket holds `reserve + (deposits − withdrawals recorded within the ttl)`, with
//!   `reserve = retries_per_s_min × ttl_s × cost`. Withdrawals expire after the ttl just like
//!   deposits, so the reserve refills: on its own it allows `retries_per_s_min × ttl_s` retries
//!   per ttl.
//! - `balance` is the bucket divided by `cost`, truncated toward zero like Java's `/`. It can be
//!   negative when deposits expire before the withdrawals they paid for (Finagle's "sloppy"
//!   leaky bucket does the same; the debt expires in turn).
//! - `ratio` 0 with `retries_per_s_min` 0 is Finagle's `RetryBudget.Empty`: nothing is allowed.
//!
//! With ratio 0.1, 10 retries/s and a 10 s ttl, 1000 requests allow exactly 100 + 100 retries.
//! The truncated cost is Finagle's too: ratio 0.3 costs 3333 tokens, so 3333 requests allow
//! 1000 retries where an exact ratio would give 999.
//!
//! **Window.** Finagle's `WindowedAdder` splits the ttl into 10 slices timed from the last
//! rotation. Here the slices are buckets of one whole second of `SimTime`: at second `s` the
//! bucket holds what was recorded in seconds `s − ttl_s + 1 ..= s`, so a deposit counts for
//! between `ttl − 1 s` and `ttl`. `SecondWindow` implements these buckets for every module that
//! counts over a trailing window (this one, `adaptive_throttle`, `circuit_breaker`).
//!
//! # Envoy's concurrency budget (`EnvoyRetryBudget`)
//!
//! Source: Envoy `circuit_breakers.thresholds.retry_budget { budget_percent,
//! min_retry_concurrency }` (defaults 20 % and 3) and `ResourceManagerImpl::RetryBudgetImpl::max`.
//! It bounds *concurrent* retries, not a rate: a retry may start while retries in flight are
//! below `max(trunc(budget_percent / 100 × active), min_retry_concurrency)`, where `active` is
//! the cluster's active plus pending requests. It has no memory and no clock, so it is a pure
//! function of two gauges the caller keeps. Both budgets scale retries with load and keep a
//! floor for quiet clients; Finagle's limits the retry *rate* over the ttl, Envoy's the retry
//! *concurrency* at this instant.
//!
//! # Time
//!
//! `now` may come from a node's local clock, which can step back. An earlier `now` than one
//! already seen is treated as that latest instant (time stands still until the clock passes
//! it), so the window never moves backwards.

use crate::config::RetryBudgetConfig;
use sim_core::{SimDuration, SimTime};

/// A Finagle retry budget on virtual time (see the module doc for the exact semantics).
#[derive(Clone, Debug)]
pub struct RetryBudget {
    /// Tokens one request deposits.
    deposit_amount: i64,
    /// Tokens one retry withdraws.
    cost: i64,
    /// Tokens that are always there.
    reserve: i64,
    /// Deposits minus withdrawals, per second, over the ttl.
    window: SecondWindow<1>,
}

/// Envoy's retry budget: a cap on concurrent retries that scales with active requests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EnvoyRetryBudget {
    /// Share of active requests that may be retries, in percent, `0..=100` (`budget_percent`).
    pub budget_percent: f64,
    /// Concurrent retries always allowed, whatever the load (`min_retry_concurrency`).
    pub retry_concurrency_min: u32,
}

/// Finagle's `ScaleFactor`: tokens per deposit, so that ratios above one stay in integers.
const SCALE: f64 = 1000.0;

/// Finagle's bounds on the ttl, in seconds.
const TTL_SECONDS_RANGE: std::ops::RangeInclusive<u64> = 1..=60;

const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl RetryBudgetConfig {
    /// Finagle's `RetryBudget()`: ttl 10 s, `minRetriesPerSec` 10, `percentCanRetry` 0.2.
    pub const FINAGLE_DEFAULT: RetryBudgetConfig = RetryBudgetConfig {
        ttl: SimDuration::from_secs(10),
        retries_per_s_min: 10,
        ratio: 0.2,
    };

    /// Checks Finagle's preconditions; the error names the broken rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        let nanos = self.ttl.as_nanos();
        if nanos % NANOS_PER_SECOND != 0 || !TTL_SECONDS_RANGE.contains(&(nanos / NANOS_PER_SECOND))
        {
            return Err("ttl must be a whole number of seconds from 1s to 60s");
        }
        if !(0.0..=SCALE).contains(&self.ratio) {
            return Err("ratio must lie in 0..=1000");
        }
        Ok(())
    }
}

impl RetryBudget {
    /// A budget with an empty bucket (only the reserve); panics if `config` is invalid.
    ///
    /// ```
    /// use models::{RetryBudget, RetryBudgetConfig};
    /// use sim_core::SimTime;
    /// let mut budget = RetryBudget::new(RetryBudgetConfig::FINAGLE_DEFAULT);
    /// assert_eq!(budget.balance(SimTime::ZERO), 100); // 10 retries/s × 10 s of reserve.
    /// ```
    pub fn new(config: RetryBudgetConfig) -> RetryBudget {
        if let Err(rule) = config.validate() {
            panic!("invalid RetryBudgetConfig (scenarios validate first): {rule}");
        }
        let ttl_seconds = config.ttl.as_nanos() / NANOS_PER_SECOND;
        // Finagle: with no ratio, requests earn nothing and each retry costs one reserve token.
        let (deposit_amount, cost) = if config.ratio == 0.0 {
            (0, 1)
        } else {
            // `as` truncates toward zero like Scala's `toInt`; ratio <= 1000 keeps it >= 1.
            (SCALE as i64, (SCALE / config.ratio) as i64)
        };
        assert!(cost >= 1, "a retry costs at least one token");
        let reserve = i64::from(config.retries_per_s_min)
            .saturating_mul(ttl_seconds as i64)
            .saturating_mul(cost);
        RetryBudget {
            deposit_amount,
            cost,
            reserve,
            window: SecondWindow::new(ttl_seconds as u32),
        }
    }

    /// Credits one request (call it once per original request, not per retry).
    pub fn deposit(&mut self, now: SimTime) {
        self.window.add(now, [self.deposit_amount]);
    }

    /// Takes the cost of one retry if the bucket holds it; `false` leaves the bucket untouched.
    pub fn try_withdraw(&mut self, now: SimTime) -> bool {
        let ok = self.tokens(now) >= self.cost;
        if ok {
            self.window.add(now, [-self.cost]);
        }
        ok
    }

    /// Retries the bucket would allow now, truncated toward zero; negative while in debt.
    pub fn balance(&mut self, now: SimTime) -> i64 {
        self.tokens(now) / self.cost
    }

    fn tokens(&mut self, now: SimTime) -> i64 {
        let [recorded] = self.window.totals(now);
        recorded.saturating_add(self.reserve)
    }
}

impl EnvoyRetryBudget {
    /// Envoy's defaults: `budget_percent` 20, `min_retry_concurrency` 3.
    pub const ENVOY_DEFAULT: EnvoyRetryBudget = EnvoyRetryBudget {
        budget_percent: 20.0,
        retry_concurrency_min: 3,
    };

    /// Checks that the percentage lies in `0..=100`; the error names the broken rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        if (0.0..=100.0).contains(&self.budget_percent) {
            Ok(())
        } else {
            Err("budget_percent must lie in 0..=100")
        }
    }

    /// Most concurrent retries allowed with `active_requests` active plus pending requests.
    pub fn retries_max(&self, active_requests: u64) -> u64 {
        assert!(self.validate().is_ok(), "EnvoyRetryBudget is validated");
        // The same double operations as Envoy, in the same order, truncated by the cast.
        let share = (self.budget_percent / 100.0 * active_requests as f64) as u64;
        share.max(u64::from(self.retry_concurrency_min))
    }

    /// Whether one more retry may start while `active_retries` retries are in flight.
    pub fn can_retry(&self, active_requests: u64, active_retries: u64) -> bool {
        active_retries < self.retries_max(active_requests)
    }
}

/// Sums of `N` counters per whole second of virtual time, over a trailing window of seconds.
///
/// At second `s` the totals cover seconds `s − seconds + 1 ..= s` (Resilience4j's
/// `SlidingTimeWindowMetrics`: a ring of per-second buckets with subtract-on-evict, so reading
/// and adding are O(1) amortized). Time is clamped to the latest second seen.
#[derive(Clone, Debug)]
pub(crate) struct SecondWindow<const N: usize> {
    /// Bucket `s % len` holds second `s` for every `s` in the window.
    buckets: Vec<[i64; N]>,
    /// The newest second the window has moved to.
    head_second: u64,
    /// Sum of all buckets.
    total: [i64; N],
}

impl<const N: usize> SecondWindow<N> {
    /// An empty window of `seconds` (at least one) seconds, starting at second 0.
    pub(crate) fn new(seconds: u32) -> SecondWindow<N> {
        assert!(seconds >= 1, "a window spans at least one second");
        SecondWindow {
            buckets: vec![[0; N]; seconds as usize],
            head_second: 0,
            total: [0; N],
        }
    }

    /// Adds `values` to the counters of `now`'s second.
    pub(crate) fn add(&mut self, now: SimTime, values: [i64; N]) {
        self.advance(now);
        let index = self.index(self.head_second);
        let bucket = &mut self.buckets[index];
        for ((count, total), value) in bucket.iter_mut().zip(&mut self.total).zip(values) {
            *count = count.saturating_add(value);
            *total = total.saturating_add(value);
        }
    }

    /// The counters summed over the window ending at `now`'s second.
    pub(crate) fn totals(&mut self, now: SimTime) -> [i64; N] {
        self.advance(now);
        self.total
    }

    /// Evicts the buckets of seconds that left the window (at most one pass over the ring).
    fn advance(&mut self, now: SimTime) {
        let second = (now.as_nanos() / NANOS_PER_SECOND).max(self.head_second);
        let len = self.buckets.len() as u64;
        let steps = (second - self.head_second).min(len);
        for step in 1..=steps {
            // The slot of second `head + step` still holds second `head + step − len`, which
            // is now outside the window.
            let index = self.index(self.head_second + step);
            let evicted = std::mem::replace(&mut self.buckets[index], [0; N]);
            for (total, count) in self.total.iter_mut().zip(evicted) {
                *total = total.saturating_sub(count);
            }
        }
        self.head_second = second;
        debug_assert!(
            (0..N).all(|i| self.total[i] == self.buckets.iter().map(|b| b[i]).sum::<i64>()),
            "the running total equals the sum of the buckets"
        );
    }

    fn index(&self, second: u64) -> usize {
        (second % self.buckets.len() as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn budget(ratio: f64, retries_per_s_min: u32) -> RetryBudget {
        RetryBudget::new(RetryBudgetConfig {
            ttl: SimDuration::from_secs(10),
            retries_per_s_min,
            ratio,
        })
    }

    fn withdraw_all(budget: &mut RetryBudget, now: SimTime) -> u32 {
        // The bound keeps the loop finite; every test expects far fewer retries.
        (0..100_000)
            .take_while(|_| budget.try_withdraw(now))
            .count() as u32
    }

    /// Finagle `RetryBudget(10.seconds, 10, 0.1)`: 1000 deposits earn 100 retries on top of the
    /// reserve of 10/s × 10 s = 100.
    #[test]
    fn finagle_budget_allows_the_deposit_share_plus_the_reserve() {
        let mut b = budget(0.1, 10);
        for i in 0..1000 {
            b.deposit(at_ms(i));
        }
        assert_eq!(b.balance(at_ms(1000)), 200);
        assert_eq!(withdraw_all(&mut b, at_ms(1000)), 200);
        assert_eq!(b.balance(at_ms(1000)), 0);
    }

    /// Finagle's leaky bucket: deposits and withdrawals each expire one ttl after they were
    /// recorded, and the balance may go negative in between.
    #[test]
    fn deposits_and_withdrawals_expire_after_the_ttl() {
        let mut b = budget(0.1, 10);
        for _ in 0..1000 {
            b.deposit(at_ms(500));
        }
        assert_eq!(b.balance(at_ms(9_999)), 200);
        assert_eq!(b.balance(at_ms(10_000)), 100, "second 0 left the window");
        let mut b = budget(0.1, 10);
        for _ in 0..1000 {
            b.deposit(at_ms(500));
        }
        assert_eq!(withdraw_all(&mut b, at_ms(5_000)), 200);
        assert_eq!(
            b.balance(at_ms(10_000)),
            -100,
            "deposits gone, debits of second 5 remain"
        );
        assert!(!b.try_withdraw(at_ms(10_000)));
        assert_eq!(b.balance(at_ms(15_000)), 100, "the debt expired too");
    }

    /// Finagle with `percentCanRetry` 0: requests earn nothing, the reserve allows
    /// `minRetriesPerSec × ttl` retries per ttl, so 10/s on average.
    #[test]
    fn reserve_alone_allows_min_times_ttl_per_ttl() {
        let mut b = budget(0.0, 10);
        for i in 0..1000 {
            b.deposit(at_ms(i));
        }
        assert_eq!(withdraw_all(&mut b, at_ms(1000)), 100);
        assert_eq!(withdraw_all(&mut b, at_ms(9_999)), 0);
        assert_eq!(withdraw_all(&mut b, at_ms(11_000)), 100);
        let mut b = budget(0.0, 10);
        let allowed = (0..100_000).filter(|&ms| b.try_withdraw(at_ms(ms))).count();
        assert_eq!(allowed, 1000, "a retry every millisecond for 100 s");
    }

    /// Finagle's cost is `(1000 / percentCanRetry).toInt`: 0.3 costs 3333 tokens.
    #[test]
    fn finagle_truncates_the_withdrawal_cost() {
        let mut b = budget(0.3, 0);
        for _ in 0..3333 {
            b.deposit(at_ms(0));
        }
        assert_eq!(withdraw_all(&mut b, at_ms(0)), 1000);
    }

    /// Finagle `RetryBudget.Empty` (`minRetriesPerSec` 0 and `percentCanRetry` 0).
    #[test]
    fn empty_budget_never_allows_a_retry() {
        let mut b = budget(0.0, 0);
        for _ in 0..1000 {
            b.deposit(at_ms(0));
        }
        assert_eq!(b.balance(at_ms(0)), 0);
        assert!(!b.try_withdraw(at_ms(0)));
    }

    /// Finagle's `require`s: ttl in [1 s, 60 s], `percentCanRetry` in [0, 1000].
    #[test]
    fn validation_follows_finagle_bounds() {
        let ok = RetryBudgetConfig::FINAGLE_DEFAULT;
        assert_eq!(ok.validate(), Ok(()));
        let bad_ttl = RetryBudgetConfig {
            ttl: SimDuration::from_millis(1500),
            ..ok
        };
        assert!(bad_ttl.validate().is_err());
        let long_ttl = RetryBudgetConfig {
            ttl: SimDuration::from_secs(61),
            ..ok
        };
        assert!(long_ttl.validate().is_err());
        let bad_ratio = RetryBudgetConfig {
            ratio: 1000.5,
            ..ok
        };
        assert!(bad_ratio.validate().is_err());
        let nan = RetryBudgetConfig {
            ratio: f64::NAN,
            ..ok
        };
        assert!(nan.validate().is_err());
    }

    /// Envoy `RetryBudgetImpl::max`: `max(budget_percent / 100 × active, min_retry_concurrency)`,
    /// and a retry may start while retries in flight are below it.
    #[test]
    fn envoy_budget_scales_with_active_requests_above_a_floor() {
        let envoy = EnvoyRetryBudget::ENVOY_DEFAULT;
        assert_eq!(envoy.retries_max(100), 20);
        assert!(envoy.can_retry(100, 19));
        assert!(!envoy.can_retry(100, 20));
        assert_eq!(envoy.retries_max(10), 3, "the floor");
        assert_eq!(envoy.retries_max(0), 3);
        let no_floor = EnvoyRetryBudget {
            budget_percent: 20.0,
            retry_concurrency_min: 0,
        };
        assert_eq!(no_floor.retries_max(14), 2, "2.8 truncates to 2");
        assert!(!no_floor.can_retry(4, 0), "0.8 truncates to 0");
    }

    /// Resilience4j `SlidingTimeWindowMetrics.moveWindowToCurrentEpochSecond`: buckets of
    /// whole seconds, evicted as the window moves, all of them after a long gap.
    #[test]
    fn second_window_evicts_whole_seconds_and_survives_gaps() {
        let mut w: SecondWindow<2> = SecondWindow::new(3);
        w.add(at_ms(0), [1, 10]);
        w.add(at_ms(1_500), [2, 20]);
        w.add(at_ms(2_999), [4, 40]);
        assert_eq!(w.totals(at_ms(2_999)), [7, 70]);
        assert_eq!(w.totals(at_ms(3_000)), [6, 60], "second 0 left");
        assert_eq!(w.totals(at_ms(4_000)), [4, 40], "second 1 left");
        assert_eq!(
            w.totals(at_ms(1_000)),
            [4, 40],
            "an earlier now reads as the latest"
        );
        w.add(at_ms(1_000_000), [1, 1]);
        assert_eq!(w.totals(at_ms(1_000_000)), [1, 1], "a long gap clears all");
    }
}
