//! Semaphore bulkhead: a cap on concurrent calls, with an optional bounded, timed wait queue.
//!
//! Source: Resilience4j `SemaphoreBulkhead` (resilience4j.readme.io/docs/bulkhead), which
//! guards calls with a fair `java.util.concurrent.Semaphore` of `maxConcurrentCalls` permits and
//! acquires with `tryAcquire(maxWaitDuration)`. Defaults: `maxConcurrentCalls` 25,
//! `maxWaitDuration` 0.
//!
//! # Semantics
//!
//! - `try_enter(now, key)`: a free slot admits the call (`Entered`). Otherwise, if waiting is
//!   allowed (`waiters_max > 0` and `wait_max > 0`) and fewer than `waiters_max` calls are
//!   waiting, the call joins the back of the queue (`Queued`, with its deadline); else it is
//!   `Rejected`. The semaphore is fair, so a new call never overtakes a waiting one.
//! - `exit(now)`: a call leaves. Its slot goes straight to the oldest waiter still within its
//!   deadline, whose key is returned; the number of calls inside is then unchanged.
//! - A waiter times out at `queued_at + wait_max`: at that instant it is no longer eligible
//!   (Java's timed acquire gives up once the remaining wait is `<= 0`). Timed-out waiters leave
//!   the queue at the next call that takes `now` and are handed to the caller by
//!   `expire_waiters(now)`, so none is lost even when `exit` or `try_enter` removed it first.
//! - `leave(key)`: a waiter gives up on its own (for example, its caller's deadline fired).
//!
//! Resilience4j has no cap on waiting threads beyond the thread pool; `waiters_max` is ours,
//! because every queue here has a capacity.
//!
//! # Time
//!
//! `now` may come from a node's local clock, which can step back; an earlier `now` than one
//! already seen is treated as that latest instant, so deadlines never move backwards.

use std::collections::VecDeque;

use crate::config::BulkheadConfig;
use sim_core::{SimDuration, SimTime};

/// What happened to a call that asked to enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The call holds a slot; it must `exit` when done.
    Entered,
    /// The call waits; `exit` hands it a slot, or it times out at `deadline`.
    Queued {
        /// The instant at which the wait times out.
        deadline: SimTime,
    },
    /// No slot and no room to wait.
    Rejected,
}

/// A semaphore bulkhead whose waiting calls are named by a `Copy` key.
#[derive(Clone, Debug)]
pub struct Bulkhead<K> {
    config: BulkheadConfig,
    /// Calls holding a slot.
    inside: u32,
    /// Waiting calls and their deadlines, oldest first (so deadlines are non-decreasing).
    waiters: VecDeque<(K, SimTime)>,
    /// Waiters that timed out and have not been reported by `expire_waiters` yet.
    timed_out: Vec<K>,
    /// The latest `now` seen.
    now_latest: SimTime,
}

impl BulkheadConfig {
    /// Resilience4j's defaults: 25 concurrent calls and no waiting.
    pub const RESILIENCE4J_DEFAULT: BulkheadConfig = BulkheadConfig {
        calls_concurrent_max: 25,
        waiters_max: 0,
        wait_max: SimDuration::ZERO,
    };

    /// Checks that at least one call fits; the error names the broken rule.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.calls_concurrent_max == 0 {
            return Err("calls_concurrent_max must be at least 1");
        }
        Ok(())
    }

    fn may_wait(&self) -> bool {
        self.waiters_max > 0 && self.wait_max > SimDuration::ZERO
    }
}

impl<K: Copy> Bulkhead<K> {
    /// An empty bulkhead; panics if `config` is invalid.
    ///
    /// ```
    /// use models::{Admission, Bulkhead, BulkheadConfig};
    /// use sim_core::SimTime;
    /// let mut bulkhead: Bulkhead<u32> = Bulkhead::new(BulkheadConfig::RESILIENCE4J_DEFAULT);
    /// assert_eq!(bulkhead.try_enter(SimTime::ZERO, 7), Admission::Entered);
    /// ```
    pub fn new(config: BulkheadConfig) -> Bulkhead<K> {
        if let Err(rule) = config.validate() {
            panic!("invalid BulkheadConfig (scenarios validate first): {rule}");
        }
        Bulkhead {
            config,
            inside: 0,
            waiters: VecDeque::new(),
            timed_out: Vec::new(),
            now_latest: SimTime::ZERO,
        }
    }

    /// Asks for a slot for the call `key`.
    pub fn try_enter(&mut self, now: SimTime, key: K) -> Admission {
        let now = self.advance(now);
        if self.inside < self.config.calls_concurrent_max {
            assert!(self.waiters.is_empty(), "nobody waits while a slot is free");
            self.inside += 1;
            return Admission::Entered;
        }
        if self.config.may_wait() && self.waiters.len() < self.config.waiters_max as usize {
            let deadline = now.add(self.config.wait_max);
            self.waiters.push_back((key, deadline));
            return Admission::Queued { deadline };
        }
        Admission::Rejected
    }

    /// A call inside leaves; returns the waiter that takes its slot, if any.
    pub fn exit(&mut self, now: SimTime) -> Option<K> {
        self.advance(now);
        assert!(self.inside > 0, "exit without a matching entry");
        match self.waiters.pop_front() {
            Some((key, _)) => Some(key),
            None => {
                self.inside -= 1;
                None
            }
        }
    }

    /// The waiters that timed out by `now`, oldest first; each is reported once.
    pub fn expire_waiters(&mut self, now: SimTime) -> Vec<K> {
        self.advance(now);
        std::mem::take(&mut self.timed_out)
    }

    /// Its configuration.
    pub fn config(&self) -> &BulkheadConfig {
        &self.config
    }

    /// Calls holding a slot.
    pub fn inside(&self) -> u32 {
        self.inside
    }

    /// Calls waiting for a slot (those already timed out excluded).
    pub fn waiting(&self) -> usize {
        self.waiters.len()
    }

    /// Clamps `now` and moves the waiters whose deadline has come to `timed_out`.
    fn advance(&mut self, now: SimTime) -> SimTime {
        let now = now.max(self.now_latest);
        self.now_latest = now;
        // Deadlines are queue time plus one constant, and queue times never decrease, so the
        // timed-out waiters are a prefix of the queue.
        while let Some(&(key, deadline)) = self.waiters.front() {
            if deadline > now {
                break;
            }
            self.waiters.pop_front();
            self.timed_out.push(key);
        }
        assert!(
            self.waiters.len() <= self.config.waiters_max as usize,
            "the wait queue stays within its capacity"
        );
        assert!(
            self.waiters.is_empty() || self.inside == self.config.calls_concurrent_max,
            "calls wait only while every slot is taken"
        );
        now
    }
}

impl<K: Copy + PartialEq> Bulkhead<K> {
    /// Removes the waiting call `key` (it gave up); `false` if it was not waiting.
    pub fn leave(&mut self, key: K) -> bool {
        match self.waiters.iter().position(|&(k, _)| k == key) {
            Some(index) => {
                self.waiters.remove(index);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn bulkhead(calls: u32, waiters: u32, wait_ms: u64) -> Bulkhead<char> {
        Bulkhead::new(BulkheadConfig {
            calls_concurrent_max: calls,
            waiters_max: waiters,
            wait_max: SimDuration::from_millis(wait_ms),
        })
    }

    /// Resilience4j `maxConcurrentCalls` with the default `maxWaitDuration` 0: calls beyond the
    /// limit are refused at once.
    #[test]
    fn admits_up_to_the_limit_then_rejects() {
        let mut b = bulkhead(2, 0, 0);
        assert_eq!(b.try_enter(at_ms(0), 'a'), Admission::Entered);
        assert_eq!(b.try_enter(at_ms(0), 'b'), Admission::Entered);
        assert_eq!(b.try_enter(at_ms(0), 'c'), Admission::Rejected);
        assert_eq!(b.exit(at_ms(1)), None);
        assert_eq!(b.try_enter(at_ms(1), 'd'), Admission::Entered);
        assert_eq!(b.inside(), 2);
        let mut no_wait = bulkhead(1, 5, 0);
        no_wait.try_enter(at_ms(0), 'a');
        assert_eq!(
            no_wait.try_enter(at_ms(0), 'b'),
            Admission::Rejected,
            "zero wait: no queue"
        );
    }

    /// Resilience4j's fair semaphore: permits go to waiters in arrival order.
    #[test]
    fn exit_hands_the_slot_to_the_oldest_waiter() {
        let mut b = bulkhead(1, 3, 1_000);
        assert_eq!(b.try_enter(at_ms(0), 'a'), Admission::Entered);
        assert_eq!(
            b.try_enter(at_ms(10), 'b'),
            Admission::Queued {
                deadline: at_ms(1_010)
            }
        );
        assert_eq!(
            b.try_enter(at_ms(20), 'c'),
            Admission::Queued {
                deadline: at_ms(1_020)
            }
        );
        assert_eq!(b.exit(at_ms(30)), Some('b'));
        assert_eq!(b.inside(), 1, "the slot passed on, never freed");
        assert_eq!(b.exit(at_ms(40)), Some('c'));
        assert_eq!(b.exit(at_ms(50)), None);
        assert_eq!(b.inside(), 0);
    }

    /// Resilience4j `maxWaitDuration`: a timed acquire gives up once its wait has elapsed.
    #[test]
    fn waiters_time_out_at_their_deadline() {
        let mut b = bulkhead(1, 3, 100);
        b.try_enter(at_ms(0), 'a');
        b.try_enter(at_ms(10), 'b');
        assert_eq!(b.expire_waiters(at_ms(109)), Vec::<char>::new());
        assert_eq!(b.expire_waiters(at_ms(110)), vec!['b']);
        assert_eq!(
            b.expire_waiters(at_ms(110)),
            Vec::<char>::new(),
            "reported once"
        );
        assert_eq!(b.exit(at_ms(120)), None);
    }

    /// A slot freed at a waiter's deadline goes to the next waiter; the timed-out one is still
    /// reported by `expire_waiters`.
    #[test]
    fn exit_skips_timed_out_waiters_and_reports_them_later() {
        let mut b = bulkhead(1, 3, 100);
        b.try_enter(at_ms(0), 'a');
        b.try_enter(at_ms(0), 'b');
        b.try_enter(at_ms(50), 'c');
        assert_eq!(b.exit(at_ms(100)), Some('c'));
        assert_eq!(b.expire_waiters(at_ms(100)), vec!['b']);
    }

    /// `waiters_max` bounds the queue; a full queue rejects.
    #[test]
    fn rejects_when_the_wait_queue_is_full() {
        let mut b = bulkhead(1, 1, 1_000);
        assert_eq!(b.try_enter(at_ms(0), 'a'), Admission::Entered);
        assert!(matches!(
            b.try_enter(at_ms(0), 'b'),
            Admission::Queued { .. }
        ));
        assert_eq!(b.try_enter(at_ms(0), 'c'), Admission::Rejected);
        assert!(b.leave('b'));
        assert!(!b.leave('b'));
        assert!(matches!(
            b.try_enter(at_ms(0), 'd'),
            Admission::Queued { .. }
        ));
        assert_eq!(b.waiting(), 1);
    }
}
