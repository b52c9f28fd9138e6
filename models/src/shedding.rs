//! Load shedding on a replica's queue: which waiting attempt a freed worker takes next, and
//! which it drops undone instead.
//!
//! A `ReplicaQueue` holds the attempts waiting for a worker, in arrival order. When a worker
//! frees up it asks `next`, which applies, in order:
//!
//! 1. **the discipline**: `Fifo` takes the oldest; `AdaptiveLifo` takes the newest once the
//!    queue has not been empty for `after` (Facebook's adaptive LIFO: "during normal operating
//!    conditions, requests are processed in FIFO order, but when a queue is starting to form,
//!    the server switches to LIFO mode"; Maurer, "Fail at Scale", ACM Queue 13(8), 2015);
//! 2. **nobody wants it**: its propagated deadline has passed, or its caller cancelled it
//!    (a lost hedge race): dropped as `Drop::Expired`;
//! 3. **a queue-time limit** (`max_wait`): it waited longer than this, so its caller has most
//!    likely given up: dropped as `Drop::Shed`;
//! 4. **CoDel** (Nichols & Jacobson, "Controlling Queue Delay", ACM Queue 10(5), 2012; the
//!    algorithm of RFC 8289, with a request for a packet): once every attempt taken for a
//!    whole `interval` has waited at least `target`, attempts are dropped as `Drop::Shed` at
//!    times spaced `interval / sqrt(count)` apart, until one waits less than `target`. RFC
//!    8289's "at most one MTU queued" exemption becomes "nothing queued behind it".
//!
//! In LIFO mode the oldest entries can wait forever; with a `max_wait`, those past it are also
//! dropped from the front, so that they stop taking queue room. The queue draws nothing and
//! schedules nothing; `Service` counts what it drops and `world` answers the callers.

use std::collections::VecDeque;

use sim_core::{SimDuration, SimTime};

use crate::caller_class::AttemptClass;
use crate::config::{ClassId, CodelConfig, Discipline, Priority, QueuePolicy};

/// Why a queued attempt was dropped undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drop {
    /// Nobody wants it: its propagated deadline passed, or its caller cancelled it.
    Expired,
    /// Load shedding: it waited too long (`max_wait`), or CoDel dropped it.
    Shed,
}

/// An attempt waiting in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queued<K> {
    /// The job.
    pub key: K,
    /// When it joined the queue.
    pub at: SimTime,
    /// The propagated deadline after which nobody wants it, if any.
    pub deadline: Option<SimTime>,
    /// Its criticality (`priority`): a full queue may displace a sheddable entry.
    pub priority: Priority,
    /// The request class it serves (its own work when a worker takes it).
    pub class: ClassId,
}

/// One replica's waiting line and its shedding state.
#[derive(Clone, Debug)]
pub struct ReplicaQueue<K> {
    entries: VecDeque<Queued<K>>,
    /// Since when the queue has been non-empty without a break (`None` while empty).
    standing_since: Option<SimTime>,
    codel: CodelState,
}

/// RFC 8289's per-queue variables.
#[derive(Clone, Copy, Debug, Default)]
struct CodelState {
    /// When the sojourn time first stayed above target for a whole interval (`None`: below).
    first_above_time: Option<SimTime>,
    /// In the dropping state.
    dropping: bool,
    /// When the next drop is due while dropping.
    drop_next: SimTime,
    /// Drops since entering the dropping state.
    count: u32,
    /// `count` when the dropping state was last left.
    lastcount: u32,
}

impl<K: Copy> Default for ReplicaQueue<K> {
    fn default() -> ReplicaQueue<K> {
        ReplicaQueue {
            entries: VecDeque::new(),
            standing_since: None,
            codel: CodelState::default(),
        }
    }
}

impl<K: Copy> ReplicaQueue<K> {
    /// Attempts waiting.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The waiting attempts, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued<K>> {
        self.entries.iter()
    }

    /// `key` joins the back of the queue at `now`.
    pub fn push(&mut self, key: K, now: SimTime, deadline: Option<SimTime>) {
        self.push_prioritized(key, now, deadline, Priority::Critical);
    }

    /// `key`, of criticality `priority`, joins the back of the queue at `now`.
    pub fn push_prioritized(
        &mut self,
        key: K,
        now: SimTime,
        deadline: Option<SimTime>,
        priority: Priority,
    ) {
        let class = AttemptClass {
            caller: crate::config::CallerId::Client(crate::config::ClientId(0)),
            priority,
            request: ClassId::NONE,
        };
        self.push_classed(key, now, deadline, class);
    }

    /// `key`, of `class` (its priority and request class), joins the back of the queue at
    /// `now`.
    pub fn push_classed(
        &mut self,
        key: K,
        now: SimTime,
        deadline: Option<SimTime>,
        class: AttemptClass,
    ) {
        if self.entries.is_empty() {
            self.standing_since = Some(now);
        }
        self.entries.push_back(Queued {
            key,
            at: now,
            deadline,
            priority: class.priority,
            class: class.request,
        });
    }

    /// Removes and returns the most recently queued sheddable entry, if any (a critical
    /// arrival takes its place; see `priority`).
    pub fn displace_sheddable(&mut self) -> Option<Queued<K>> {
        let index = self
            .entries
            .iter()
            .rposition(|e| e.priority == Priority::Sheddable)?;
        let entry = self.entries.remove(index);
        if self.entries.is_empty() {
            self.standing_since = None;
        }
        entry
    }

    /// Empties the queue (a crash) and forgets its history.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.standing_since = None;
        self.codel = CodelState::default();
    }

    /// The attempt a worker freed at `now` takes, if any; every attempt dropped on the way
    /// is appended to `dropped` with the reason (see the module doc). `unwanted` says which
    /// keys their callers cancelled.
    pub fn next(
        &mut self,
        policy: &QueuePolicy,
        now: SimTime,
        unwanted: impl Fn(K) -> bool,
        dropped: &mut Vec<(Queued<K>, Drop)>,
    ) -> Option<Queued<K>> {
        let Some(codel) = policy.codel else {
            return self.take(policy, now, &unwanted, dropped);
        };
        // RFC 8289 `dequeue`, over the attempts the discipline and the limits let through.
        let (mut taken, mut ok_to_drop) = self.codel_take(policy, codel, now, &unwanted, dropped);
        let Some(first) = taken else {
            self.codel.dropping = false;
            return None;
        };
        if self.codel.dropping {
            if !ok_to_drop {
                self.codel.dropping = false;
            }
            while self.codel.dropping && now >= self.codel.drop_next {
                dropped.push((taken.expect("dropping holds a candidate"), Drop::Shed));
                self.codel.count += 1;
                (taken, ok_to_drop) = self.codel_take(policy, codel, now, &unwanted, dropped);
                if !ok_to_drop || taken.is_none() {
                    self.codel.dropping = false;
                } else {
                    self.codel.drop_next =
                        control_law(self.codel.drop_next, codel.interval, self.codel.count);
                }
            }
        } else if ok_to_drop {
            dropped.push((first, Drop::Shed));
            (taken, _) = self.codel_take(policy, codel, now, &unwanted, dropped);
            self.codel.dropping = true;
            // Restart near the drop rate that last controlled the queue, if that was recent.
            let delta = self.codel.count.saturating_sub(self.codel.lastcount);
            let recent = now.since(self.codel.drop_next) < codel.interval.saturating_mul(16);
            self.codel.count = if delta > 1 && recent { delta } else { 1 };
            self.codel.drop_next = control_law(now, codel.interval, self.codel.count);
            self.codel.lastcount = self.codel.count;
        }
        taken
    }

    /// RFC 8289 `dodequeue`: the next candidate, and whether CoDel may drop it.
    fn codel_take(
        &mut self,
        policy: &QueuePolicy,
        codel: CodelConfig,
        now: SimTime,
        unwanted: &impl Fn(K) -> bool,
        dropped: &mut Vec<(Queued<K>, Drop)>,
    ) -> (Option<Queued<K>>, bool) {
        let Some(entry) = self.take(policy, now, unwanted, dropped) else {
            self.codel.first_above_time = None;
            return (None, false);
        };
        let sojourn = now.since(entry.at);
        if sojourn < codel.target || self.entries.is_empty() {
            self.codel.first_above_time = None;
            return (Some(entry), false);
        }
        match self.codel.first_above_time {
            None => {
                self.codel.first_above_time = Some(now.add(codel.interval));
                (Some(entry), false)
            }
            Some(first_above) => (Some(entry), now >= first_above),
        }
    }

    /// `next` under `QueuePolicy::FIFO` (the common case, on every completion; a service
    /// decides once which of the two it calls): the oldest attempt somebody still wants;
    /// nothing is stale without a `max_wait`.
    #[inline]
    pub fn next_fifo(
        &mut self,
        now: SimTime,
        unwanted: impl Fn(K) -> bool,
        dropped: &mut Vec<(Queued<K>, Drop)>,
    ) -> Option<Queued<K>> {
        // Bounded by the queue's length: each pass removes one entry.
        while let Some(entry) = self.entries.pop_front() {
            if entry.deadline.is_some_and(|d| d <= now) || unwanted(entry.key) {
                dropped.push((entry, Drop::Expired));
            } else {
                if self.entries.is_empty() {
                    self.standing_since = None;
                }
                return Some(entry);
            }
        }
        self.standing_since = None;
        None
    }

    /// The next attempt by the discipline that somebody still wants and that has not waited
    /// past `max_wait`; the others are dropped on the way.
    fn take(
        &mut self,
        policy: &QueuePolicy,
        now: SimTime,
        unwanted: &impl Fn(K) -> bool,
        dropped: &mut Vec<(Queued<K>, Drop)>,
    ) -> Option<Queued<K>> {
        let lifo = match policy.discipline {
            Discipline::Fifo => false,
            Discipline::AdaptiveLifo { after } => self
                .standing_since
                .is_some_and(|since| now.since(since) >= after),
        };
        let stale = |e: &Queued<K>| policy.max_wait.is_some_and(|m| now.since(e.at) > m);
        if lifo && policy.max_wait.is_some() {
            // Newest first leaves the oldest behind: drop those past the limit from the front.
            while let Some(front) = self.entries.front().copied() {
                if !stale(&front) {
                    break;
                }
                self.entries.pop_front();
                dropped.push((front, Drop::Shed));
            }
        }
        // Bounded by the queue's length: each pass removes one entry.
        loop {
            let entry = if lifo {
                self.entries.pop_back()
            } else {
                self.entries.pop_front()
            };
            if self.entries.is_empty() {
                self.standing_since = None;
            }
            let entry = entry?;
            if entry.deadline.is_some_and(|d| d <= now) || unwanted(entry.key) {
                dropped.push((entry, Drop::Expired));
            } else if stale(&entry) {
                dropped.push((entry, Drop::Shed));
            } else {
                return Some(entry);
            }
        }
    }
}

/// RFC 8289's control law: the next drop `interval / sqrt(count)` after `t`.
fn control_law(t: SimTime, interval: SimDuration, count: u32) -> SimTime {
    assert!(count > 0, "the control law runs after at least one drop");
    let spacing = interval.as_nanos() as f64 / libm::sqrt(f64::from(count));
    t.add(SimDuration::from_nanos_f64(spacing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn next(
        q: &mut ReplicaQueue<u32>,
        policy: &QueuePolicy,
        now: SimTime,
    ) -> (Option<u32>, Vec<(u32, Drop)>) {
        let mut dropped = Vec::new();
        let taken = q.next(policy, now, |_| false, &mut dropped);
        (
            taken.map(|e| e.key),
            dropped.iter().map(|(e, why)| (e.key, *why)).collect(),
        )
    }

    #[test]
    fn fifo_serves_the_oldest_and_drops_what_nobody_wants() {
        let mut q = ReplicaQueue::default();
        q.push(1, at_ms(0), Some(at_ms(5)));
        q.push(2, at_ms(1), None);
        q.push(3, at_ms(2), None);
        let mut dropped = Vec::new();
        let taken = q.next(&QueuePolicy::FIFO, at_ms(10), |k| k == 2, &mut dropped);
        assert_eq!(taken.map(|e| e.key), Some(3));
        let reasons: Vec<(u32, Drop)> = dropped.iter().map(|(e, w)| (e.key, *w)).collect();
        assert_eq!(reasons, [(1, Drop::Expired), (2, Drop::Expired)]);
        assert!(q.is_empty());
    }

    /// `next_fifo` agrees with the general `take`, forced down its path by an adaptive LIFO
    /// that never turns: same attempts taken, same drops, same standing time.
    #[test]
    fn the_fifo_fast_path_agrees_with_the_general_path() {
        let general = QueuePolicy {
            discipline: Discipline::AdaptiveLifo {
                after: SimDuration::MAX,
            },
            ..QueuePolicy::FIFO
        };
        let mut stream = sim_core::Stream::new(3, "test/fifo");
        let (mut fast, mut slow) = (ReplicaQueue::default(), ReplicaQueue::default());
        for step in 0..2_000u32 {
            let now = at_ms(u64::from(step));
            if stream.below(2) == 0 {
                let deadline = (stream.below(4) == 0).then(|| at_ms(u64::from(step) + 3));
                fast.push(step, now, deadline);
                slow.push(step, now, deadline);
                continue;
            }
            let unwanted = |k: u32| k % 7 == 0;
            let (mut fast_dropped, mut slow_dropped) = (Vec::new(), Vec::new());
            let taken = fast.next_fifo(now, unwanted, &mut fast_dropped);
            let expected = slow.next(&general, now, unwanted, &mut slow_dropped);
            assert_eq!(taken, expected);
            assert_eq!(fast_dropped, slow_dropped);
            assert_eq!(fast.standing_since, slow.standing_since);
            assert_eq!(fast.len(), slow.len());
        }
    }

    /// The queue-time limit: an attempt that waited longer than `max_wait` is dropped when a
    /// worker would take it.
    #[test]
    fn max_wait_drops_attempts_that_waited_too_long() {
        let policy = QueuePolicy {
            max_wait: Some(ms(50)),
            ..QueuePolicy::FIFO
        };
        let mut q = ReplicaQueue::default();
        q.push(1, at_ms(0), None);
        q.push(2, at_ms(20), None);
        q.push(3, at_ms(60), None);
        assert_eq!(
            next(&mut q, &policy, at_ms(50)),
            (Some(1), vec![]),
            "50 ms is not over"
        );
        assert_eq!(
            next(&mut q, &policy, at_ms(80)),
            (Some(3), vec![(2, Drop::Shed)])
        );
    }

    /// "Fail at Scale": FIFO normally, LIFO once a queue has formed.
    #[test]
    fn adaptive_lifo_turns_lifo_once_the_queue_stands() {
        let policy = QueuePolicy {
            discipline: Discipline::AdaptiveLifo { after: ms(100) },
            ..QueuePolicy::FIFO
        };
        let mut q = ReplicaQueue::default();
        for (key, at) in [(1, 0), (2, 10), (3, 20), (4, 30)] {
            q.push(key, at_ms(at), None);
        }
        assert_eq!(next(&mut q, &policy, at_ms(50)).0, Some(1), "FIFO at first");
        assert_eq!(
            next(&mut q, &policy, at_ms(100)).0,
            Some(4),
            "LIFO after 100 ms"
        );
        assert_eq!(next(&mut q, &policy, at_ms(110)).0, Some(3));
        assert_eq!(next(&mut q, &policy, at_ms(120)).0, Some(2));
        q.push(5, at_ms(130), None);
        q.push(6, at_ms(131), None);
        assert_eq!(
            next(&mut q, &policy, at_ms(140)).0,
            Some(5),
            "the queue emptied: FIFO again"
        );
    }

    /// In LIFO mode with a queue-time limit, the old entries stuck at the front are dropped.
    #[test]
    fn lifo_with_a_limit_purges_the_old_front() {
        let policy = QueuePolicy {
            discipline: Discipline::AdaptiveLifo { after: ms(10) },
            max_wait: Some(ms(50)),
            codel: None,
        };
        let mut q = ReplicaQueue::default();
        for key in 0..5 {
            q.push(key, at_ms(u64::from(key) * 10), None);
        }
        let (taken, dropped) = next(&mut q, &policy, at_ms(75));
        assert_eq!(taken, Some(4));
        assert_eq!(dropped, [(0, Drop::Shed), (1, Drop::Shed), (2, Drop::Shed)]);
        assert_eq!(q.len(), 1);
    }

    /// RFC 8289: no drop until the sojourn time has stayed above `target` for `interval`; then
    /// one drop, and the next ones `interval / sqrt(count)` apart while it stays above.
    #[test]
    fn codel_drops_only_after_a_whole_interval_above_target() {
        let policy = QueuePolicy {
            codel: Some(CodelConfig::RFC_8289),
            ..QueuePolicy::FIFO
        };
        let mut q = ReplicaQueue::default();
        // A standing queue: 100 attempts queued 1 ms apart, served every 2 ms from t = 50 ms,
        // so every sojourn is well above 5 ms.
        for key in 0..100 {
            q.push(key, at_ms(u64::from(key)), None);
        }
        let mut drops = Vec::new();
        for step in 0..95 {
            let now = at_ms(50 + 2 * step);
            let (_, dropped) = next(&mut q, &policy, now);
            drops.extend(dropped.iter().map(|_| now));
        }
        // Above target from the first service at 50 ms, so the first drop is at 150 ms; the
        // next is due at 150 + 100 / sqrt(1) = 250 ms, after this window (50 ms to 238 ms).
        assert_eq!(drops, [at_ms(150)]);
    }

    /// The SRE book's criticality: a critical arrival at a full queue displaces the newest
    /// sheddable entry, whatever the discipline.
    #[test]
    fn displacement_takes_the_newest_sheddable_entry() {
        let mut q = ReplicaQueue::default();
        q.push_prioritized(1, at_ms(0), None, Priority::Sheddable);
        q.push_prioritized(2, at_ms(1), None, Priority::Critical);
        q.push_prioritized(3, at_ms(2), None, Priority::Sheddable);
        q.push_prioritized(4, at_ms(3), None, Priority::Critical);
        assert_eq!(q.displace_sheddable().map(|e| e.key), Some(3));
        assert_eq!(q.displace_sheddable().map(|e| e.key), Some(1));
        assert_eq!(q.displace_sheddable().map(|e| e.key), None);
        let keys: Vec<u32> = q.iter().map(|e| e.key).collect();
        assert_eq!(keys, [2, 4]);
    }

    /// RFC 8289's control law: while the sojourn time stays above target, drops come
    /// `interval / sqrt(count)` apart, ever closer; once the queue is gone, dropping stops.
    #[test]
    fn codel_drops_faster_and_faster_then_stops() {
        let policy = QueuePolicy {
            codel: Some(CodelConfig::RFC_8289),
            ..QueuePolicy::FIFO
        };
        let mut q = ReplicaQueue::default();
        for key in 0..400 {
            q.push(key, at_ms(u64::from(key)), None);
        }
        let mut drops = Vec::new();
        let mut now = at_ms(100);
        while !q.is_empty() {
            let (_, dropped) = next(&mut q, &policy, now);
            drops.extend(dropped.iter().map(|_| now.as_nanos() / 1_000_000));
            now = now.add(ms(1));
        }
        // Above target from 100 ms: the first drop at 200 ms, then 100 ms later, then
        // 100/√2, 100/√3 and 100/√4 ms after each due time (370.7, 428.4, 478.4 ms), each at the
        // first service at or after it.
        assert_eq!(drops, [200, 300, 371, 429, 479]);
        for key in 0..3 {
            q.push(key, now, None);
        }
        let (_, dropped) = next(&mut q, &policy, now.add(ms(1)));
        assert!(
            dropped.is_empty(),
            "a fresh queue below target is not dropped"
        );
    }
}
