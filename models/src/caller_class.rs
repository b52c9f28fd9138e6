//! Caller classes at a service: who is calling (`CallerId`), worker pools per caller class,
//! per-caller rate limits, and the service's class settings (`ServiceClasses`).
//!
//! - **Pools** (the "separate worker pools per caller class inside a service"; the
//!   bulkhead pattern as Nygard's "Release It!", 2nd ed., ch. 5 "Bulkheads" describes it:
//!   partition the threads so that one caller's flood exhausts only its own partition): each
//!   replica's workers are split into the configured pools plus the default pool (the
//!   service's `workers`), each with its own queue. An attempt goes to the pool that lists its
//!   caller (a client, or the service whose job made the call), else to the default pool.
//! - **Per-caller rate limits** (Envoy's local rate limit with descriptors; Stripe's
//!   "Scaling your API with rate limiters", 2017: a token bucket per user): one token bucket
//!   per caller, each with the service's `rate_limit` settings, instead of one shared bucket.
//!
//! Whether an attempt is critical or sheddable, and how a queue sheds by priority, is
//! `priority`'s; the overload penalty is `overload`'s. `Service` holds the state and `world`
//! tells it who the caller is.

use std::collections::BTreeMap;

use sim_core::SimTime;

use crate::config::{CallerId, Priority, RateLimiterConfig};
use crate::priority::PriorityResult;
use crate::rate_limiter::RateLimiter;

/// Who sent an attempt and how critical it is: what a replica needs to place it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptClass {
    /// The caller (its pool, its rate-limit bucket).
    pub caller: CallerId,
    /// Its criticality (priority shedding).
    pub priority: Priority,
    /// The request class of the client request it serves (its own work at each service).
    pub request: crate::config::ClassId,
}

/// What a service measured per caller class; empty parts are absent from reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassResult {
    /// Per pool, the default pool first; empty without pools.
    pub pools: Vec<PoolResult>,
    /// Counts per priority, when the world has sheddable callers or the service sheds by
    /// priority.
    pub priorities: Option<PriorityResult>,
    /// Attempts each caller's own bucket turned away (a per-caller rate limit only), in
    /// caller order.
    pub rate_limited_by_caller: Vec<(CallerId, u64)>,
}

/// One worker pool's measurements, summed over replicas, after the warm-up.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolResult {
    /// `"default"`, or the pool's callers joined with `+`.
    pub name: String,
    /// Its workers across all replicas.
    pub capacity: u32,
    /// Attempts that reached it (past the service's rate limit and any fast error).
    pub arrivals: u64,
    /// Attempts its workers finished.
    pub completed: u64,
    /// Attempts turned away because its queue was full.
    pub rejected: u64,
    /// Mean number of its workers busy.
    pub busy_mean: f64,
}

/// One token bucket per caller, created full when the caller is first seen.
#[derive(Clone, Debug)]
pub struct CallerLimits {
    config: RateLimiterConfig,
    /// Each caller's bucket and the attempts it turned away after the warm-up.
    buckets: BTreeMap<CallerId, (RateLimiter, u64)>,
}

impl CallerLimits {
    /// Empty: every caller's bucket is made, full, on its first attempt.
    pub fn new(config: RateLimiterConfig) -> CallerLimits {
        CallerLimits {
            config,
            buckets: BTreeMap::new(),
        }
    }

    /// Whether `caller`'s bucket lets an attempt arriving at `now` through; a refusal is
    /// counted if `measured`.
    pub fn try_acquire(&mut self, caller: CallerId, now: SimTime, measured: bool) -> bool {
        let config = self.config;
        let (bucket, limited) = self
            .buckets
            .entry(caller)
            .or_insert_with(|| (RateLimiter::new(config), 0));
        if bucket.try_acquire(now) {
            return true;
        }
        if measured {
            *limited += 1;
        }
        false
    }

    /// Attempts turned away per caller seen, in caller order.
    pub fn limited(&self) -> Vec<(CallerId, u64)> {
        self.buckets
            .iter()
            .map(|(caller, (_, limited))| (*caller, *limited))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;

    /// Unlisted callers use the default pool; listed ones their own, in configuration order.
    #[test]
    fn callers_map_to_their_pool_or_the_default() {
        let pool = |name: &str, callers: Vec<CallerId>| PoolConfig {
            name: name.to_string(),
            callers,
            workers: 1,
            queue_capacity: 1,
        };
        let classes = ServiceClasses {
            pools: vec![
                pool("checkout", vec![CallerId::Client(ClientId(0))]),
                pool(
                    "batch+api",
                    vec![
                        CallerId::Client(ClientId(1)),
                        CallerId::Service(ServiceId(0)),
                    ],
                ),
            ],
            ..ServiceClasses::NONE
        };
        assert_eq!(classes.pool_of(CallerId::Client(ClientId(0))), 1);
        assert_eq!(classes.pool_of(CallerId::Client(ClientId(1))), 2);
        assert_eq!(classes.pool_of(CallerId::Service(ServiceId(0))), 2);
        assert_eq!(classes.pool_of(CallerId::Client(ClientId(2))), 0);
        assert_eq!(classes.pool_of(CallerId::Service(ServiceId(1))), 0);
    }

    /// Stripe's per-user bucket: a noisy caller drains only its own bucket. Each bucket starts
    /// full (Go's `rate.Limiter`), so with 10 per second and a burst of 10, a caller offering
    /// 100 per second for one second gets exactly 10 + 10 through.
    #[test]
    fn each_caller_has_its_own_bucket() {
        let mut limits = CallerLimits::new(RateLimiterConfig::per_second(10, 10));
        let noisy = CallerId::Client(ClientId(0));
        let quiet = CallerId::Client(ClientId(1));
        let mut passed = [0u64; 2];
        for i in 0..100u64 {
            let now = SimTime::from_nanos(i * 10_000_000);
            passed[0] += u64::from(limits.try_acquire(noisy, now, true));
            if i % 20 == 0 {
                passed[1] += u64::from(limits.try_acquire(quiet, now, true));
            }
        }
        // The noisy caller: 10 from the full bucket, then one per 100 ms over 990 ms.
        assert_eq!(passed, [10 + 9, 5]);
        assert_eq!(limits.limited(), [(noisy, 100 - 19), (quiet, 0)]);
    }
}
