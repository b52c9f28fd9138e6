//! Timer lists: the queue's FIFOs for timers that are usually cancelled before they fire.
//!
//! A timeout is filed at `now + delay` with the same `delay` over and over, and `now` never
//! goes backwards, so the timers of one delay arrive in the order of their times; a FIFO per
//! delay holds them sorted with an O(1) push, and its head is its earliest (Varghese & Lauck
//! 1987, "Hashed and hierarchical timing wheels", scheme 2; Erlang's and Netty's timer lists
//! are the same idea). Most timeouts are cancelled by their reply, so most entries never take
//! part in an order at all, where in the radix heap each would be filed, split and purged.
//!
//! A cancel sets the timer's bit in a bitmap beside the entries, found from the position the
//! push returned; the entry itself, written long ago and out of the cache by then, is not
//! touched. Cancelled entries leave when they reach the front, a run of set bits at a time.
//! Positions count a list's pushes (64 bits, never reused), so a handle names one timer for
//! good; only a compaction, which renumbers the entries it keeps, sends the handles made
//! before it to a binary search on the sequence numbers.
//!
//! The queue merges the lists' heads with the heap's minimum by `(time, sequence)`, the
//! sequence numbers being the queue's one counter, so the order of events is exactly the one
//! without lists. Not here: choosing a list and the merge (see `queue`).

use std::collections::VecDeque;

/// `TimerList::first` of a list without live timers: after every real `(time, sequence)`.
pub(super) const NONE: (u64, u64) = (u64::MAX, u64::MAX);

/// Cancelled entries a list tolerates beyond its live ones before it is compacted (as the
/// heap's `STALE_SLACK`): a timer of a long delay cancelled at once would otherwise keep its
/// entry for the whole delay.
/// (Under test, a few: the proptests then compact over and over, and handles made before a
/// compaction are cancelled after it.)
const STALE_SLACK: usize = if cfg!(test) { 8 } else { 4096 };

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
    /// The position of `entries[0]`: each push takes the next one.
    head: u64,
    /// One bit per stored entry, set once its timer is cancelled: bit `p % 64` of word
    /// `(p - word_base) / 64` for the entry at position `p`.
    cancelled: VecDeque<u64>,
    /// The position of bit 0 of `cancelled[0]` (a multiple of 64, at most `head`).
    word_base: u64,
    /// Handles with a position before this one were made before the last compaction, which
    /// renumbered the entries: they are found by sequence number.
    renumbered_before: u64,
    /// Entries of cancelled timers still stored.
    stale: usize,
}

/// One timer: its time, its sequence number and its event.
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
            cancelled: VecDeque::new(),
            word_base: 0,
            renumbered_before: 0,
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
    pub(super) fn push(&mut self, time: u64, seq: u64, event: E) -> u64 {
        debug_assert!(self.accepts(time), "a list stays in time order");
        debug_assert!(
            self.entries.back().is_none_or(|last| last.seq < seq),
            "a list stays in sequence order"
        );
        let position = self.head + self.entries.len() as u64;
        if self.entries.is_empty() {
            self.first = (time, seq);
        }
        if position % 64 == 0 {
            // The bitmap covers the stored positions up to the next multiple of 64.
            self.cancelled.push_back(0);
        }
        self.entries.push_back(Timer { time, seq, event });
        self.last_time = time;
        position
    }

    /// Flags the timer `seq` (pushed at `position`) as cancelled; false if it is not stored or
    /// already cancelled.
    pub(super) fn cancel(&mut self, position: u64, seq: u64) -> bool {
        let index = if position >= self.renumbered_before {
            match position.checked_sub(self.head) {
                Some(index) if index < self.entries.len() as u64 => index,
                // Before the head: it ran, or was dropped as cancelled.
                _ => return false,
            }
        } else {
            // Made before the last compaction: its position is off, its number is not.
            match self.entries.binary_search_by_key(&seq, |timer| timer.seq) {
                Ok(index) => index as u64,
                Err(_) => return false,
            }
        };
        debug_assert_eq!(
            self.entries[index as usize].seq, seq,
            "a handle names its timer"
        );
        let (word, bit) = self.bit_of(self.head + index);
        if self.cancelled[word] & bit != 0 {
            return false;
        }
        self.cancelled[word] |= bit;
        self.stale += 1;
        if index == 0 {
            self.drop_cancelled_front();
        } else if self.stale > self.entries.len() - self.stale + STALE_SLACK {
            self.compact();
        }
        true
    }

    /// The word of `cancelled` and the mask of the bit of the entry at `position`.
    #[inline]
    fn bit_of(&self, position: u64) -> (usize, u64) {
        bit_of(self.word_base, position)
    }

    /// Moves the head on by `count` entries (already removed from `entries`), dropping the
    /// bitmap's words it leaves behind.
    #[inline]
    fn advance(&mut self, count: u64) {
        self.head += count;
        let words = (self.head - self.word_base) / 64;
        if words > 0 {
            self.cancelled.drain(..words as usize);
            self.word_base += 64 * words;
        }
    }

    /// Drops the cancelled entries at the front, so that the first entry is live, and sets
    /// `first` to it.
    #[inline]
    fn drop_cancelled_front(&mut self) {
        loop {
            if self.entries.is_empty() {
                self.first = NONE;
                self.last_time = 0;
                return;
            }
            // The run of set bits from the head, within the head's word.
            let (word, _) = self.bit_of(self.head);
            let run = (self.cancelled[word] >> (self.head % 64)).trailing_ones() as usize;
            if run == 0 {
                let timer = self.entries.front().expect("the list is not empty");
                self.first = (timer.time, timer.seq);
                return;
            }
            let run = run.min(self.entries.len());
            self.entries.drain(..run);
            self.stale -= run;
            self.advance(run as u64);
        }
    }

    /// Removes the first entry, which is live (the list is not empty), and returns its time
    /// and event.
    #[inline]
    pub(super) fn pop(&mut self) -> (u64, E) {
        let timer = self.entries.pop_front().expect("a list with a live timer");
        self.advance(1);
        if self.stale > 0 {
            self.drop_cancelled_front();
        } else {
            // Nothing cancelled is stored (a list of messages): the next entry is live.
            self.first = match self.entries.front() {
                Some(next) => (next.time, next.seq),
                None => {
                    self.last_time = 0;
                    NONE
                }
            };
        }
        (timer.time, timer.event)
    }

    /// Entries stored, live and cancelled.
    #[cfg(test)]
    pub(super) fn stored(&self) -> usize {
        self.entries.len()
    }

    /// Drops every cancelled entry; the live ones keep their order and take the positions just
    /// before the next push's, so no handle made before can name a later timer (those handles
    /// find their timers by sequence number).
    #[cold]
    #[inline(never)]
    fn compact(&mut self) {
        // The first entry is live, so it stays first and `first` holds.
        let end = self.head + self.entries.len() as u64;
        let mut position = self.head;
        let (cancelled, word_base) = (&self.cancelled, self.word_base);
        self.entries.retain(|_| {
            let (word, bit) = bit_of(word_base, position);
            position += 1;
            cancelled[word] & bit == 0
        });
        self.stale = 0;
        self.head = end - self.entries.len() as u64;
        self.word_base = self.head - self.head % 64;
        self.cancelled.clear();
        let words = (end - self.word_base).div_ceil(64);
        self.cancelled.resize(words as usize, 0);
        self.renumbered_before = end;
    }
}

/// The word and the mask of the bit of `position` in a bitmap whose first word starts at
/// `word_base`.
#[inline]
fn bit_of(word_base: u64, position: u64) -> (usize, u64) {
    (((position - word_base) / 64) as usize, 1 << (position % 64))
}
