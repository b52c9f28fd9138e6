//! Timer lists: the queue's FIFOs for timers that are usually cancelled before they fire.
//!
//! A timeout is filed at `now + delay` with the same `delay` over and over, and `now` never
//! goes backwards, so the timers of one delay arrive in the order of their times; a FIFO per
//! delay holds them sorted with an O(1) push, and its head is its earliest (Varghese & Lauck
//! 1987, "Hashed and hierarchical timing wheels", scheme 2; Erlang's and Netty's timer lists
//! are the same idea). A cancel flags the entry where it stands, found from the position the
//! push returned; the entry leaves when it reaches the head. Most timeouts are cancelled by
//! their reply, so most entries never take part in an order at all, where in the radix heap
//! each would be filed, split and purged.
//!
//! The queue merges the lists' heads with the heap's minimum by `(time, sequence)`, the
//! sequence numbers being the queue's one counter, so the order of events is exactly the one
//! without lists. Not here: choosing a list and the merge (see `queue`).

use std::collections::VecDeque;

use super::CANCELLED;

/// `TimerList::first` of a list without live timers: after every real `(time, sequence)`.
pub(super) const NONE: (u64, u64) = (u64::MAX, u64::MAX);

/// Cancelled entries a list tolerates beyond its live ones before it is compacted (as the
/// heap's `STALE_SLACK`): a timer of a long delay cancelled at once would otherwise keep its
/// entry for the whole delay.
const STALE_SLACK: usize = 4096;

/// The timers of one delay, in time (and sequence) order. The first stored entry is always
/// live (cancelled ones are dropped as soon as they reach the front), so the list's earliest
/// live timer is `first`, read without a search.
#[derive(Debug)]
pub(super) struct TimerList<E> {
    /// The delay whose timers this list takes (in ns), while it holds any.
    pub(super) delay: u64,
    /// `(time, sequence)` of the earliest live timer (the first entry), `NONE` when empty.
    pub(super) first: (u64, u64),
    /// The time of the last entry (0 when empty): a timer joins only at or after it.
    last_time: u64,
    entries: VecDeque<Timer<E>>,
    /// The position of `entries[0]`: each push takes the next one, wrapping.
    head: u32,
    /// Entries of cancelled timers still stored.
    stale: usize,
}

/// One timer: its time, its sequence number (`| CANCELLED` once cancelled) and its event.
#[derive(Debug)]
struct Timer<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> TimerList<E> {
    /// An empty list for timers of `delay`.
    pub(super) fn new(delay: u64) -> TimerList<E> {
        TimerList {
            delay,
            first: NONE,
            last_time: 0,
            entries: VecDeque::new(),
            head: 0,
            stale: 0,
        }
    }

    /// True when the list stores no entry, live or cancelled.
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True if a timer at `time` may join the list without breaking its order.
    #[inline]
    pub(super) fn accepts(&self, time: u64) -> bool {
        self.last_time <= time
    }

    /// Appends a timer (after `accepts`); returns its position, for `cancel`.
    #[inline]
    pub(super) fn push(&mut self, time: u64, seq: u64, event: E) -> u32 {
        debug_assert!(self.accepts(time), "a list stays in time order");
        debug_assert!(
            self.entries
                .back()
                .is_none_or(|last| last.seq & !CANCELLED < seq),
            "a list stays in sequence order"
        );
        let position = self.head.wrapping_add(self.entries.len() as u32);
        if self.entries.is_empty() {
            self.first = (time, seq);
        }
        self.entries.push_back(Timer { time, seq, event });
        self.last_time = time;
        position
    }

    /// Flags the timer `seq` (pushed at `position`) as cancelled; false if it is not stored or
    /// already cancelled. A compaction moves entries, so the position is a hint, and a miss
    /// falls back to a binary search on the sequence numbers, which the list keeps in order.
    pub(super) fn cancel(&mut self, position: u32, seq: u64) -> bool {
        let hint = position.wrapping_sub(self.head) as usize;
        let index = match self.entries.get(hint) {
            Some(timer) if timer.seq & !CANCELLED == seq => hint,
            _ => match self
                .entries
                .binary_search_by_key(&seq, |timer| timer.seq & !CANCELLED)
            {
                Ok(index) => index,
                Err(_) => return false,
            },
        };
        let timer = &mut self.entries[index];
        if timer.seq & CANCELLED != 0 {
            return false;
        }
        timer.seq |= CANCELLED;
        self.stale += 1;
        if index == 0 {
            self.drop_cancelled_front();
        } else if self.stale > self.entries.len() - self.stale + STALE_SLACK {
            self.compact();
        }
        true
    }

    /// Drops the cancelled entries at the front, so that the first entry is live, and sets
    /// `first` to it.
    #[inline]
    fn drop_cancelled_front(&mut self) {
        loop {
            let Some(timer) = self.entries.front() else {
                self.first = NONE;
                self.last_time = 0;
                return;
            };
            if timer.seq & CANCELLED == 0 {
                self.first = (timer.time, timer.seq);
                return;
            }
            self.entries.pop_front();
            self.head = self.head.wrapping_add(1);
            self.stale -= 1;
        }
    }

    /// Removes the first entry, which is live (the list is not empty), and returns its time
    /// and event.
    #[inline]
    pub(super) fn pop(&mut self) -> (u64, E) {
        let timer = self.entries.pop_front().expect("a list with a live timer");
        debug_assert_eq!(timer.seq & CANCELLED, 0, "the first entry is live");
        self.head = self.head.wrapping_add(1);
        self.drop_cancelled_front();
        (timer.time, timer.event)
    }

    /// Entries stored, live and cancelled.
    #[cfg(test)]
    pub(super) fn stored(&self) -> usize {
        self.entries.len()
    }

    /// Drops every cancelled entry; the live ones keep their order (and handles find them by
    /// their sequence numbers).
    #[cold]
    #[inline(never)]
    fn compact(&mut self) {
        // The first entry is live, so it stays first and `first` holds.
        self.entries.retain(|timer| timer.seq & CANCELLED == 0);
        self.stale = 0;
    }
}
