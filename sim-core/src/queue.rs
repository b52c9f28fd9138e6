//! The event queue: a total order on `(time, insertion sequence)` with O(1) cancellation.
//!
//! # Structure
//!
//! A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) over the 64-bit time, which is valid
//! because a discrete-event engine only ever inserts at or after the last time it removed.
//! Entry `t` lives in bucket `64 - leading_zeros(t ^ last)`: bucket 0 holds the entries whose
//! time equals `last`, kept in sequence order, so equal times pop first-in first-out. When
//! bucket 0 runs dry, the lowest non-empty bucket is split around its minimum. Every entry moves
//! to a strictly lower bucket each time it is touched, so it is moved at most 64 times, and
//! each move is an append to a `Vec`: the cost per event stays nearly flat from a handful to
//! tens of millions of pending events, where a binary heap's cache misses grow with `log n`.
//!
//! # Cancellation
//!
//! Payloads live in a slab; an entry names its slot and its sequence number. `cancel` drops
//! the payload and frees the slot at once; the entry becomes stale and is skipped when it
//! surfaces. Stale entries are purged in one pass whenever they outnumber live ones, so memory
//! stays proportional to live events.
//!
//! Not here: the notion of "now" and the trace hash (see `simulation`).

use std::collections::VecDeque;

use crate::time::SimTime;

/// A handle to a scheduled event, used to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    slot: u32,
    seq: u64,
}

/// A monotone priority queue of events ordered by `(time, insertion sequence)`.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Entries whose time equals `last`, in sequence order.
    front: VecDeque<Entry>,
    /// `buckets[i]` (for i in 1..=64) holds entries whose `time ^ last` has bit length `i`.
    buckets: Vec<Vec<Entry>>,
    /// Bit `i` is set when `buckets[i]` is non-empty.
    occupied: u128,
    /// The time of the last refill of `front`; no entry is earlier.
    last: u64,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    seq_next: u64,
    live: usize,
    stored: usize,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    time: u64,
    seq: u64,
    slot: u32,
}

#[derive(Debug)]
struct Slot<E> {
    seq: u64,
    event: Option<E>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue whose earliest permitted time is zero.
    pub fn new() -> EventQueue<E> {
        EventQueue {
            front: VecDeque::new(),
            buckets: (0..=64).map(|_| Vec::new()).collect(),
            occupied: 0,
            last: 0,
            slots: Vec::new(),
            free: Vec::new(),
            seq_next: 0,
            live: 0,
            stored: 0,
        }
    }

    /// Number of scheduled events that have not been popped or cancelled.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no live event is scheduled.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The earliest time that may still be pushed (the time of the latest pop or peek).
    pub fn horizon(&self) -> SimTime {
        SimTime::from_nanos(self.last)
    }

    /// Schedules `event` at `time`, which must not precede `horizon()`.
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let time = time.as_nanos();
        assert!(
            time >= self.last,
            "event queue is monotone: pushed {time}ns before horizon {}ns",
            self.last
        );
        assert_ne!(self.seq_next, u64::MAX, "event sequence numbers never wrap");
        let seq = self.seq_next;
        self.seq_next += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                assert!(s.event.is_none(), "a free slot holds no event");
                s.seq = seq;
                s.event = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 live events");
                self.slots.push(Slot { seq, event: Some(event) });
                slot
            }
        };
        self.live += 1;
        self.stored += 1;
        self.place(Entry { time, seq, slot });
        EventId { slot, seq }
    }

    /// Cancels a scheduled event; returns false if it already ran or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        let Some(slot) = self.slots.get_mut(id.slot as usize) else {
            return false;
        };
        if slot.seq != id.seq || slot.event.is_none() {
            return false;
        }
        slot.event = None;
        self.free.push(id.slot);
        self.live -= 1;
        if self.stored > 2 * self.live + 4096 {
            self.purge_stale();
        }
        true
    }

    /// The time of the earliest live event, without removing it.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        loop {
            let entry = match self.front.front() {
                Some(entry) => *entry,
                None => {
                    if !self.refill() {
                        return None;
                    }
                    continue;
                }
            };
            if self.is_live(entry) {
                return Some(SimTime::from_nanos(entry.time));
            }
            self.front.pop_front();
            self.stored -= 1;
        }
    }

    /// Removes and returns the earliest live event; ties come out in insertion order.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let entry = match self.front.pop_front() {
                Some(entry) => entry,
                None => {
                    if !self.refill() {
                        return None;
                    }
                    continue;
                }
            };
            self.stored -= 1;
            let slot = &mut self.slots[entry.slot as usize];
            if slot.seq != entry.seq {
                continue;
            }
            let Some(event) = slot.event.take() else {
                continue;
            };
            self.free.push(entry.slot);
            self.live -= 1;
            debug_assert_eq!(entry.time, self.last, "popped time equals the horizon");
            return Some((SimTime::from_nanos(entry.time), event));
        }
    }

    fn is_live(&self, entry: Entry) -> bool {
        let slot = &self.slots[entry.slot as usize];
        slot.seq == entry.seq && slot.event.is_some()
    }

    fn place(&mut self, entry: Entry) {
        if entry.time == self.last {
            // Every entry already in `front` has a smaller sequence number (pushes are in
            // sequence order, and refills only happen when `front` is empty).
            self.front.push_back(entry);
        } else {
            let index = 64 - (entry.time ^ self.last).leading_zeros() as usize;
            self.buckets[index].push(entry);
            self.occupied |= 1u128 << index;
        }
    }

    /// Moves the entries of the lowest non-empty bucket around its minimum; false if empty.
    fn refill(&mut self) -> bool {
        debug_assert!(self.front.is_empty(), "refill only when the front is empty");
        if self.occupied == 0 {
            return false;
        }
        let index = self.occupied.trailing_zeros() as usize;
        let mut bucket = std::mem::take(&mut self.buckets[index]);
        self.occupied &= !(1u128 << index);
        let minimum = bucket.iter().map(|e| e.time).min().expect("occupied bucket is non-empty");
        assert!(minimum > self.last, "refilled time moves forward");
        self.last = minimum;
        let mut ties = 0usize;
        for entry in bucket.drain(..) {
            if entry.time == minimum {
                self.front.push_back(entry);
                ties += 1;
            } else {
                let target = 64 - (entry.time ^ minimum).leading_zeros() as usize;
                debug_assert!(target < index, "entries only move to lower buckets");
                self.buckets[target].push(entry);
                self.occupied |= 1u128 << target;
            }
        }
        if ties > 1 {
            self.front.make_contiguous().sort_unstable_by_key(|e| e.seq);
        }
        // Keep the bucket's allocation for reuse.
        self.buckets[index] = bucket;
        true
    }

    fn purge_stale(&mut self) {
        let slots = &self.slots;
        let live = |e: &Entry| {
            let slot = &slots[e.slot as usize];
            slot.seq == e.seq && slot.event.is_some()
        };
        self.front.retain(live);
        let mut stored = self.front.len();
        self.occupied = 0;
        for (index, bucket) in self.buckets.iter_mut().enumerate() {
            bucket.retain(live);
            if !bucket.is_empty() {
                self.occupied |= 1u128 << index;
            }
            stored += bucket.len();
        }
        assert_eq!(stored, self.live, "after a purge every stored entry is live");
        self.stored = stored;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn t(n: u64) -> SimTime {
        SimTime::from_nanos(n)
    }

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        for i in 0..10 {
            q.push(t(5), i);
        }
        q.push(t(3), 100);
        assert_eq!(q.pop(), Some((t(3), 100)));
        for i in 0..10 {
            assert_eq!(q.pop(), Some((t(5), i)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn cancelled_events_never_pop() {
        let mut q = EventQueue::new();
        let a = q.push(t(1), 'a');
        let _b = q.push(t(2), 'b');
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "a second cancel is a no-op");
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((t(2), 'b')));
        assert!(q.is_empty());
    }

    #[test]
    fn a_reused_slot_does_not_resurrect_a_cancelled_event() {
        let mut q = EventQueue::new();
        let a = q.push(t(10), 1);
        q.cancel(a);
        let b = q.push(t(20), 2);
        assert!(!q.cancel(a), "the old handle no longer matches the reused slot");
        assert_eq!(q.pop(), Some((t(20), 2)));
        assert!(!q.cancel(b));
    }

    #[test]
    fn purge_keeps_every_live_event() {
        let mut q = EventQueue::new();
        let ids: Vec<_> = (0..20_000u64).map(|i| q.push(t(i * 7 % 1000 + 1), i)).collect();
        for id in ids.iter().step_by(2) {
            q.cancel(*id);
        }
        assert_eq!(q.len(), 10_000);
        let mut popped = 0;
        let mut last = (t(0), 0);
        while let Some((time, value)) = q.pop() {
            assert!(value % 2 == 1);
            assert!(time >= last.0);
            last = (time, value);
            popped += 1;
        }
        assert_eq!(popped, 10_000);
    }

    #[test]
    fn pushing_before_the_horizon_is_refused() {
        let result = std::panic::catch_unwind(|| {
            let mut q = EventQueue::new();
            q.push(t(10), ());
            q.pop();
            q.push(t(5), ());
        });
        assert!(result.is_err(), "a push before the horizon must be refused");
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u64),
        Pop,
        Cancel(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..50).prop_map(Op::Push),
            1 => (0u64..3).prop_map(|_| Op::Pop),
            1 => any::<usize>().prop_map(Op::Cancel),
        ]
    }

    proptest! {
        /// The queue behaves exactly like a sorted map keyed on (time, sequence).
        #[test]
        fn matches_a_sorted_reference(ops in proptest::collection::vec(op(), 1..400)) {
            let mut q = EventQueue::new();
            let mut reference: BTreeMap<(u64, u64), u64> = BTreeMap::new();
            let mut handles = Vec::new();
            let mut now = 0u64;
            let mut seq = 0u64;
            for op in ops {
                match op {
                    Op::Push(delta) => {
                        // Pops that skip cancelled entries may move the horizon on.
                        now = q.horizon().as_nanos();
                        let id = q.push(t(now + delta), seq);
                        reference.insert((now + delta, seq), seq);
                        handles.push((id, (now + delta, seq)));
                        seq += 1;
                    }
                    Op::Pop => {
                        let expected = reference.pop_first();
                        let got = q.pop();
                        prop_assert_eq!(got.map(|(tm, v)| (tm.as_nanos(), v)), expected.map(|((tm, _), v)| (tm, v)));
                        if let Some((tm, _)) = got { now = tm.as_nanos(); }
                    }
                    Op::Cancel(i) => {
                        if !handles.is_empty() {
                            let (id, key) = handles[i % handles.len()];
                            let was = reference.remove(&key).is_some();
                            prop_assert_eq!(q.cancel(id), was);
                        }
                    }
                }
                prop_assert_eq!(q.len(), reference.len());
            }
            while let Some((key, v)) = reference.pop_first() {
                prop_assert_eq!(q.pop(), Some((t(key.0), v)));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }
}
