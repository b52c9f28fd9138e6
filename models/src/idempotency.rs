//! Idempotency keys: a store that answers a repeated request with the first one's result, and
//! the ledger that counts side effects executed more than once.
//!
//! Every request carries a key, its logical identity: all its attempts (retries and hedge or
//! tied copies) share it. A service with `side_effect` performs a non-idempotent write each
//! time a job finishes its own work; executing the same key twice is a duplicate side effect
//! (a double charge). An idempotency-key store (Stripe, "Idempotent requests", API reference)
//! sits in front of such a service, shared by its replicas:
//!
//! - a key seen for the first time is locked (`Executing`) and its attempt is served;
//! - a key whose first execution finished is answered with the stored result, without
//!   executing again (a replay), until the entry expires `ttl` after it was stored;
//! - a key that is executing right now is answered at once with a retryable conflict, as
//!   Stripe answers `409 Conflict` to a concurrent request with the same key (the caller
//!   retries after its backoff, and then gets the replay);
//! - a lock whose job is gone (dropped from a queue undone, lost in a crash) no longer holds:
//!   the next attempt executes, as Stripe retries a request that never started executing.
//!
//! Stripe saves the result "regardless of whether it succeeded or failed", so a stored error
//! is replayed too. The store keeps time by true time (it has no node clock of its own).
//! It is a pure state machine: `world` tells it who asked and what happened.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::config::IdempotencyConfig;
use sim_core::SimTime;

/// What the store says about an arriving attempt's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<R> {
    /// Never seen (or expired, or its lock's job is gone): execute it.
    Execute,
    /// Executed before: answer with this stored result, without executing.
    Replay(R),
    /// Executing right now: answer with a retryable conflict.
    Conflict,
}

/// Counts of what the store and the side-effect ledger saw (attempts that reached a replica
/// after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdempotencyCounts {
    /// Jobs that completed their own work, i.e. executed the side effect.
    pub executions: u64,
    /// Executions of a key that had already been executed (executions beyond the first).
    pub duplicate_side_effects: u64,
    /// Attempts answered with a stored result instead of executing.
    pub idempotent_replays: u64,
    /// Attempts answered with a conflict because their key was executing.
    pub conflicts: u64,
}

/// The shared store: key → lock or stored result, with expiry in insertion order.
#[derive(Clone, Debug)]
pub struct IdempotencyStore<J, R> {
    config: IdempotencyConfig,
    entries: BTreeMap<u64, Entry<J, R>>,
    /// Stored results in the order they expire (every entry lives `ttl`, so this is the order
    /// they were stored); an entry replaced since is skipped.
    expiry: VecDeque<(SimTime, u64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry<J, R> {
    Executing(J),
    Done { result: R, expires: SimTime },
}

impl<J, R> IdempotencyStore<J, R> {
    /// An empty store.
    pub fn new(config: IdempotencyConfig) -> IdempotencyStore<J, R> {
        IdempotencyStore {
            config,
            entries: BTreeMap::new(),
            expiry: VecDeque::new(),
        }
    }
}

impl<J: Copy + PartialEq, R: Copy> IdempotencyStore<J, R> {
    /// An attempt with `key` arrives at `now`; `alive(j)` says whether the job holding a
    /// lock still exists. On `Execute` the caller locks the key with `begin`.
    pub fn check(&mut self, now: SimTime, key: u64, alive: impl Fn(J) -> bool) -> Lookup<R> {
        self.expire(now);
        match self.entries.get(&key) {
            Some(Entry::Done { result, .. }) => Lookup::Replay(*result),
            Some(Entry::Executing(holder)) if alive(*holder) => Lookup::Conflict,
            _ => Lookup::Execute,
        }
    }

    /// `job` executes `key` (after `check` said `Execute`): the key is locked by it.
    pub fn begin(&mut self, key: u64, job: J) {
        self.entries.insert(key, Entry::Executing(job));
    }

    /// `job`, which holds `key`'s lock, finished at `now` with `result`: it is stored for
    /// `ttl`. A job that does not hold the lock (it lost it while queued) changes nothing.
    pub fn finish(&mut self, now: SimTime, key: u64, job: J, result: R) {
        if !matches!(self.entries.get(&key), Some(Entry::Executing(j)) if *j == job) {
            return;
        }
        let expires = now.add(self.config.ttl);
        self.entries.insert(key, Entry::Done { result, expires });
        self.expiry.push_back((expires, key));
    }

    /// Keys held (locked or stored).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn expire(&mut self, now: SimTime) {
        while let Some(&(at, key)) = self.expiry.front() {
            if at > now {
                break;
            }
            self.expiry.pop_front();
            if matches!(self.entries.get(&key), Some(Entry::Done { expires, .. }) if *expires == at)
            {
                self.entries.remove(&key);
            }
        }
    }
}

/// Which keys a side-effecting service has executed, to count duplicates exactly.
///
/// It remembers every executed key for the whole run (one `u64` each): duplicates are
/// defined over the run, not over a window.
#[derive(Clone, Debug, Default)]
pub struct SideEffectLedger {
    executed: BTreeSet<u64>,
}

impl SideEffectLedger {
    /// A job with `key` executed the side effect; counts it if `measured`. Returns whether
    /// it was a duplicate.
    pub fn execute(&mut self, key: u64, measured: bool, counts: &mut IdempotencyCounts) -> bool {
        let duplicate = !self.executed.insert(key);
        if measured {
            counts.executions += 1;
            if duplicate {
                counts.duplicate_side_effects += 1;
            }
        }
        duplicate
    }

    /// Distinct keys executed so far.
    pub fn distinct(&self) -> u64 {
        self.executed.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::*;
    use sim_core::SimDuration;

    fn store(ttl_ms: u64) -> IdempotencyStore<u32, &'static str> {
        IdempotencyStore::new(IdempotencyConfig {
            ttl: SimDuration::from_millis(ttl_ms),
        })
    }

    /// `check`, then `begin` on `Execute`, as the world does.
    fn arrive(
        s: &mut IdempotencyStore<u32, &'static str>,
        now: SimTime,
        key: u64,
        job: u32,
        alive: impl Fn(u32) -> bool,
    ) -> Lookup<&'static str> {
        let lookup = s.check(now, key, alive);
        if lookup == Lookup::Execute {
            s.begin(key, job);
        }
        lookup
    }

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO.add(SimDuration::from_millis(ms))
    }

    /// Stripe, "Idempotent requests": the first request with a key executes, a concurrent
    /// one gets 409 Conflict, and later ones get the saved result.
    #[test]
    fn first_executes_concurrent_conflicts_later_replays() {
        let mut s = store(1000);
        assert_eq!(arrive(&mut s, at(0), 7, 1, |_| true), Lookup::Execute);
        assert_eq!(arrive(&mut s, at(1), 7, 2, |_| true), Lookup::Conflict);
        s.finish(at(5), 7, 1, "ok");
        assert_eq!(arrive(&mut s, at(6), 7, 3, |_| true), Lookup::Replay("ok"));
        assert_eq!(arrive(&mut s, at(6), 8, 4, |_| true), Lookup::Execute);
    }

    /// Stripe saves the result "regardless of whether it succeeded or failed": an error is
    /// replayed like a success.
    #[test]
    fn a_stored_error_is_replayed() {
        let mut s = store(1000);
        arrive(&mut s, at(0), 1, 1, |_| true);
        s.finish(at(1), 1, 1, "error");
        assert_eq!(
            arrive(&mut s, at(2), 1, 2, |_| true),
            Lookup::Replay("error")
        );
    }

    /// An entry lives exactly `ttl` after it was stored; then the key executes afresh.
    #[test]
    fn entries_expire_after_ttl() {
        let mut s = store(100);
        arrive(&mut s, at(0), 1, 1, |_| true);
        s.finish(at(10), 1, 1, "ok");
        assert_eq!(
            arrive(&mut s, at(109), 1, 2, |_| true),
            Lookup::Replay("ok")
        );
        assert_eq!(arrive(&mut s, at(110), 1, 3, |_| true), Lookup::Execute);
        assert_eq!(s.len(), 1, "the expired result is gone, the new lock held");
    }

    /// A lock whose job is gone (dropped undone, lost in a crash) does not hold; the job that
    /// lost the lock cannot store a result over the new holder's.
    #[test]
    fn a_dead_lock_is_taken_over() {
        let mut s = store(100);
        arrive(&mut s, at(0), 1, 1, |_| true);
        assert_eq!(arrive(&mut s, at(1), 1, 2, |j| j != 1), Lookup::Execute);
        s.finish(at(2), 1, 1, "stale");
        assert_eq!(arrive(&mut s, at(3), 1, 3, |_| true), Lookup::Conflict);
        s.finish(at(4), 1, 2, "fresh");
        assert_eq!(
            arrive(&mut s, at(5), 1, 4, |_| true),
            Lookup::Replay("fresh")
        );
    }

    /// Duplicates are executions beyond the first per key: executions − distinct keys.
    #[test]
    fn ledger_counts_executions_beyond_the_first() {
        let mut ledger = SideEffectLedger::default();
        let mut counts = IdempotencyCounts::default();
        for key in [1, 2, 1, 1, 3, 2] {
            ledger.execute(key, true, &mut counts);
        }
        assert_eq!(counts.executions, 6);
        assert_eq!(counts.duplicate_side_effects, 3);
        assert_eq!(
            counts.duplicate_side_effects,
            counts.executions - ledger.distinct()
        );
    }
}
