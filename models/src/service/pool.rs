//! A service's worker pools per caller class (`caller_class`): each replica's busy workers
//! and queue per pool, and what each pool measured; the default pool is the replica's own
//! `busy` and `queue`.

use sim_core::{SimTime, TimeAverage};

use super::{Replica, Service};
use crate::caller_class::{AttemptClass, CallerLimits, ClassResult, PoolResult};
use crate::shedding::ReplicaQueue;

/// One worker pool's measurements, summed over replicas.
#[derive(Clone, Debug)]
pub(super) struct PoolStats {
    pub(super) arrivals: u64,
    pub(super) completed: u64,
    pub(super) rejected: u64,
    pub(super) busy_total: u64,
    pub(super) busy: TimeAverage,
}

/// A configured pool's busy workers and queue on one replica.
#[derive(Debug)]
pub(super) struct Lane<K> {
    pub(super) busy: u32,
    pub(super) queue: ReplicaQueue<K>,
}

impl<K: Copy> Replica<K> {
    /// The busy-worker count and queue of `pool` (0: the default pool).
    pub(super) fn lane(&mut self, pool: u32) -> (&mut u32, &mut ReplicaQueue<K>) {
        match pool {
            0 => (&mut self.busy, &mut self.queue),
            p => {
                let lane = &mut self.pools[p as usize - 1];
                (&mut lane.busy, &mut lane.queue)
            }
        }
    }
}

impl<K: Copy> Service<K> {
    /// Workers per replica over all pools.
    pub fn workers_total(&self) -> u32 {
        self.config.workers
            + self
                .config
                .classes
                .pools
                .iter()
                .map(|p| p.workers)
                .sum::<u32>()
    }

    /// Queue places per replica over all pools.
    pub fn queue_capacity_total(&self) -> u32 {
        let pools = self.config.classes.pools.iter().map(|p| p.queue_capacity);
        self.config
            .queue_capacity
            .saturating_add(pools.sum::<u32>())
    }

    /// The pool an attempt of `class` runs in (0: the default pool).
    #[inline]
    pub fn pool_of(&self, class: AttemptClass) -> u32 {
        // Without pools (the common case) there is nothing to look up, and the callers'
        // per-pool bookkeeping (`pools`, `lane`) folds away once the pool is known to be 0.
        if self.pools.is_empty() {
            return 0;
        }
        self.config.classes.pool_of(class.caller)
    }

    pub(super) fn pool_workers(&self, pool: u32) -> u32 {
        match pool {
            0 => self.config.workers,
            p => self.config.classes.pools[p as usize - 1].workers,
        }
    }

    pub(super) fn pool_capacity(&self, pool: u32) -> u32 {
        match pool {
            0 => self.config.queue_capacity,
            p => self.config.classes.pools[p as usize - 1].queue_capacity,
        }
    }

    /// Adds `delta` busy workers to `pool`'s measurements at `now` (nothing without pools).
    pub(super) fn pool_busy(&mut self, pool: u32, now: SimTime, delta: i64) {
        if let Some(stats) = self.pools.get_mut(pool as usize) {
            stats.busy_total = stats
                .busy_total
                .checked_add_signed(delta)
                .expect("busy ≥ 0");
            stats.busy.set(now, stats.busy_total);
        }
    }

    /// Pools, priorities and per-caller rate limits, as far as the service has them.
    pub(super) fn class_result(&self, end: SimTime) -> ClassResult {
        let replicas = self.config.replicas;
        let pools = self
            .pools
            .iter()
            .enumerate()
            .map(|(pool, stats)| PoolResult {
                name: match pool {
                    0 => "default".to_string(),
                    p => self.config.classes.pools[p - 1].name.clone(),
                },
                capacity: self.pool_workers(pool as u32) * replicas,
                arrivals: stats.arrivals,
                completed: stats.completed,
                rejected: stats.rejected,
                busy_mean: stats.busy.mean(end),
            })
            .collect();
        ClassResult {
            pools,
            priorities: self.priorities_reported.then_some(self.priorities),
            rate_limited_by_caller: self
                .caller_limits
                .as_ref()
                .map(CallerLimits::limited)
                .unwrap_or_default(),
        }
    }
}
