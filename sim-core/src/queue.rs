//! The event queue: a total order on `(time, insertion sequence)` with O(1) cancellation.
//!
//! # Structure
//!
//! A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) over the 64-bit time, which is valid
//! because a discrete-event engine only ever inserts at or after the last time it removed.
//! The entries whose time equals `last` live apart in `front`, kept in sequence order, so
//! equal times pop first-in first-out. Every other entry lives in the bucket named by the
//! highest base-64 digit in which its time differs from `last` (the level) and its time's
//! value of that digit. When `front` runs dry, the lowest non-empty bucket is emptied and
//! `last` moves to its minimum (which each bucket keeps beside its entries). A lone entry, the
//! common case with few pending events, goes straight to the pop that asked for it, without a
//! detour through `front`; a larger bucket is split around the minimum: every entry moves to
//! a strictly lower level each time it is touched, so it moves at most 11 times, in practice
//! two to four, and each move is an append to a `Vec`. The cost per event therefore stays nearly flat from a handful
//! to tens of millions of pending events, where a binary heap's cache misses grow with
//! `log n`. (Base 2, the textbook radix heap, moved each entry about ten times at a million
//! pending; base 64 keeps a level's occupancy in one `u64`.)
//!
//! An entry carries its event, so a pop reads only the bucket it streams from. With millions
//! pending, any per-event record indexed at random is a cache miss that costs more than the
//! rest of the pop, so the only one (`holders`, below) is never written on a pop, read on a
//! pop only while a cancelled entry is still stored, and written on a push only at a cursor
//! that sweeps it in order.
//!
//! # Cancellation
//!
//! Every stored entry holds a slot; `holders[slot]` is the time and sequence number of the
//! event that holds it, with a flag bit once that event is cancelled. `cancel` sets the flag
//! if the slot still holds the handle's number and its event has not run; the entry stays
//! stored ("stale") until it surfaces, and is then skipped. Whether an event has run follows
//! from its time and number alone: its time is before `last`, or equals `last` and its number
//! is before the first entry still in `front` (every stored entry at `last` is in `front`, in
//! sequence order, and leaves it only from the head). So a pop vacates its slot without
//! touching it, and a push takes the next slot after the cursor whose event has run. There
//! are always at least twice as many slots as stored entries, so that search is short. A
//! reused slot holds a newer number, so an old handle never matches it. Stale entries are
//! purged in one pass whenever they outnumber live ones by `STALE_SLACK` (their slots are
//! marked vacant), so memory stays proportional to live events.
//!
//! # Timers
//!
//! A timeout that its reply usually cancels, or a message over a link of constant latency,
//! goes through `push_timer`, into a FIFO per delay from the horizon (`queue/timers.rs`)
//! instead of the heap: timers of one delay are pushed in time order, so the list stays sorted
//! at O(1) a push, and a cancel sets the timer's bit in its list's bitmap, without touching
//! the entry (a cancelled entry that reaches a list's front is dropped at once, so each list's
//! first entry is live). The queue
//! keeps the earliest of the lists' first entries, updated when one of them changes, and a pop
//! takes the least of it and the heap's minimum by `(time, sequence)`, with sequence numbers
//! from the one counter, so the order is exactly the one the heap alone gives. A delay earns a list
//! when it repeats among the last `DELAYS_MISSED` that found none; a timer of a delay that
//! has not, or when all `TIMER_LISTS_MAX` lists hold other delays, or whose time would break
//! its list's order, goes to the heap like any event.
//!
//! Not here: the notion of "now" and the trace hash (see `simulation`).

mod timers;

use std::collections::VecDeque;
use std::num::NonZeroU64;

use crate::time::SimTime;
use timers::TimerList;

/// A handle to a scheduled event, used to cancel it.
///
/// Two `u64`s, so that a push returns it in two registers: as three fields it came back
/// through memory in narrow stores that the caller reloaded 16 bytes wide, a store-forwarding
/// stall on every timer a request files (issue #19). The number is kept with its top bit set
/// (numbers stay below it) in a `NonZeroU64`, so that an `Option<EventId>` (a request's or
/// attempt's pending timer) takes 16 bytes, not 24.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    /// The heap's slot, or the position in a timer list (above the low 8 bits); 0 for the
    /// heap, else the timer list's index plus one (the low 8 bits).
    place: u64,
    /// The event's sequence number with bit 63 (`CANCELLED`, never part of a number) set.
    seq_flagged: NonZeroU64,
}

/// Bits of `EventId::place` that name the lane (the heap or a timer list).
const LANE_BITS: u32 = 8;
const _: () = assert!(TIMER_LISTS_MAX < 1 << LANE_BITS, "a lane names every list");

impl EventId {
    /// The handle of event `seq` stored at `place` (a heap slot, or a timer list's position,
    /// below 2^56) of `lane` (0 for the heap, else a timer list's index plus one).
    #[inline(always)]
    fn new(place: u64, lane: u32, seq: u64) -> EventId {
        debug_assert!(lane < 1 << LANE_BITS && place < 1 << (64 - LANE_BITS));
        EventId {
            place: (place << LANE_BITS) | u64::from(lane),
            seq_flagged: NonZeroU64::new(seq | CANCELLED).expect("the flag bit is set"),
        }
    }

    /// The heap's slot.
    #[inline(always)]
    fn slot(self) -> u32 {
        (self.place >> LANE_BITS) as u32
    }

    /// The position in a timer list.
    #[inline(always)]
    fn position(self) -> u64 {
        self.place >> LANE_BITS
    }

    /// 0 for the heap, else the timer list's index plus one.
    #[inline(always)]
    fn lane(self) -> u32 {
        (self.place & ((1 << LANE_BITS) - 1)) as u32
    }

    /// The event's sequence number.
    #[inline(always)]
    fn seq(self) -> u64 {
        self.seq_flagged.get() & !CANCELLED
    }
}

/// A monotone priority queue of events ordered by `(time, insertion sequence)`.
#[derive(Debug)]
pub struct EventQueue<E> {
    /// Entries whose time equals `last`, in sequence order.
    front: VecDeque<Entry<E>>,
    /// `buckets[level * DIGITS + digit]`: see `bucket_of`.
    buckets: Vec<Bucket<E>>,
    /// Bit `digit` of `occupied[level]` is set when that bucket is non-empty.
    occupied: [u64; LEVELS],
    /// Bit `level` is set when `occupied[level]` is non-zero.
    levels: u16,
    /// Empty vectors with room, from drained buckets, for buckets without room
    /// (`BUCKET_ROOM_KEPT`).
    spares: Vec<Vec<Entry<E>>>,
    /// The minimum of the bucket emptied last (into `front`, or straight into a pop); no
    /// stored entry is earlier.
    last: u64,
    /// Per slot, the event that holds or last held it.
    holders: Vec<Holder>,
    /// The slot where the search for a vacant one starts.
    cursor: usize,
    seq_next: u64,
    /// Events pushed and neither popped nor cancelled.
    live: usize,
    /// Cancelled events whose entries are still stored.
    stale: usize,
    /// The timer lists (`push_timer`), at most `TIMER_LISTS_MAX`.
    timers: Vec<TimerList<E>>,
    /// Timers pushed to the lists and neither popped nor cancelled.
    timers_live: usize,
    /// The time of the latest timer popped from a list (the heap's `last` does not see it).
    timer_last: u64,
    /// `(time, sequence)` of the earliest live timer in the lists (`timers::NONE` if none),
    /// kept as the lists' `first` change, so that a pop compares one pair instead of every
    /// list's head.
    timer_first: (u64, u64),
    /// The list that holds `timer_first`.
    timer_first_list: usize,
    /// The delays of the latest timers that found no list (`DELAYS_MISSED`), oldest
    /// overwritten first: a delay seen again earns a list.
    delays_missed: [u64; DELAYS_MISSED],
    /// Where the next missed delay is written in `delays_missed`.
    delays_missed_next: usize,
}

/// Bits per digit of a time; a level's buckets are one per digit value.
const DIGIT_BITS: u32 = 6;
/// Buckets per level.
const DIGITS: usize = 1 << DIGIT_BITS;
/// Levels needed to cover 64-bit times (the top level uses 4 of its 6 bits).
const LEVELS: usize = 64usize.div_ceil(DIGIT_BITS as usize);

/// The flag bit in `Holder::seq`; sequence numbers stay below it.
const CANCELLED: u64 = 1 << 63;

/// `Holder::seq` of a slot whose entry was purged (never a real number, flag or not).
const VACANT: u64 = u64::MAX;

/// `Entry::slot` of an event pushed without a handle (`push_uncancellable`): it holds no slot.
const NO_SLOT: u32 = u32::MAX;

/// Stale entries tolerated beyond the number of live ones before a purge. A purge costs a pass
/// over every stored entry, so it must free at least as many entries as remain: then its cost
/// is paid for by the cancels that made the entries stale. The slack keeps small queues from
/// purging over and over.
const STALE_SLACK: usize = 4096;

/// Slots kept beyond twice the stored entries, so that even a nearly empty queue has a few
/// dozen to search rather than one or two.
const SLOTS_SPARE: usize = 64;

/// Room for entries a bucket keeps once a split has drained it. Over a long run every bucket
/// of the levels in use fills at some time, and one that kept the room of its largest filling
/// would hold memory that grows with simulated time (issue #19: 12 MB of a 14 MB heap after
/// 10 simulated minutes of 1,000 clients, 39 MB of RSS after 10 hours against 18 MB after 6
/// minutes). A larger drained bucket hands its room to `spares`, and an empty bucket without
/// room takes a spare when an entry is filed in it, so the room circulates among the buckets in
/// use instead of staying with the buckets used once. Empty buckets keep at most
/// `LEVELS × DIGITS × BUCKET_ROOM_KEPT` entries of room, and the spares at most `SPARES_MAX`
/// vectors, none larger than the most entries ever stored at once.
const BUCKET_ROOM_KEPT: usize = 64;

/// Drained vectors kept for reuse (`BUCKET_ROOM_KEPT`): enough for the few buckets that fill at
/// once (the refilled one's lower neighbours), not so many that their room adds up.
const SPARES_MAX: usize = 8;

/// Timer lists at most: a change of a list's first entry compares every list's, and a world
/// files timeouts of a few distinct delays; a timer of yet another delay goes to the heap.
const TIMER_LISTS_MAX: usize = 8;

/// Missed delays remembered (`EventQueue::delays_missed`). A delay drawn from a continuous
/// distribution (exponential latency, in ns) almost never repeats among the last few, so its
/// timers stay in the heap and cost a pop nothing; a fixed delay repeats at once.
const DELAYS_MISSED: usize = 4;

/// The event that holds (or last held) a slot.
#[derive(Clone, Copy, Debug)]
struct Holder {
    /// Its sequence number, `| CANCELLED` once cancelled; `VACANT` after a purge.
    seq: u64,
    /// Its time.
    time: u64,
}

/// The entries of one bucket and their earliest time, side by side so that filing an entry
/// touches one place.
#[derive(Debug)]
struct Bucket<E> {
    /// The earliest time in `entries` (`u64::MAX` when empty).
    minimum: u64,
    entries: Vec<Entry<E>>,
}

#[derive(Debug)]
struct Entry<E> {
    time: u64,
    seq: u64,
    slot: u32,
    event: E,
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
            buckets: (0..LEVELS * DIGITS)
                .map(|_| Bucket {
                    minimum: u64::MAX,
                    entries: Vec::new(),
                })
                .collect(),
            occupied: [0; LEVELS],
            levels: 0,
            spares: Vec::new(),
            last: 0,
            holders: Vec::new(),
            cursor: 0,
            seq_next: 0,
            live: 0,
            stale: 0,
            timers: Vec::new(),
            timers_live: 0,
            timer_last: 0,
            timer_first: timers::NONE,
            timer_first_list: 0,
            delays_missed: [u64::MAX; DELAYS_MISSED],
            delays_missed_next: 0,
        }
    }

    /// The most memory one live event takes in the queue, for the memory guard: its entry,
    /// and as much again for a cancelled one still stored (stale entries are purged once they
    /// outnumber live ones by `STALE_SLACK`), each with the two slots' holders kept per
    /// stored entry. A timer in a list takes less: its entry, and at most one cancelled one
    /// beside it (plus a constant slack per list).
    pub const BYTES_PER_EVENT: u64 =
        (2 * (std::mem::size_of::<Entry<E>>() + 2 * std::mem::size_of::<Holder>())) as u64;

    /// Number of scheduled events that have not been popped or cancelled.
    pub fn len(&self) -> usize {
        self.live + self.timers_live
    }

    /// True when no live event is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The earliest time that may still be pushed (the time of the latest pop or peek).
    pub fn horizon(&self) -> SimTime {
        SimTime::from_nanos(self.last.max(self.timer_last))
    }

    /// Schedules `event` at `time`, which must not precede `horizon()`.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let time = time.as_nanos();
        let seq = self.next_seq(time);
        self.push_heap(time, seq, event)
    }

    /// Schedules `event` at `time` like `push`, for an event that is never cancelled: it takes
    /// no slot, which spares the push the search for a vacant one. The order of pops is the
    /// same as with `push`.
    #[inline]
    pub fn push_uncancellable(&mut self, time: SimTime, event: E) {
        let time = time.as_nanos();
        let seq = self.next_seq(time);
        self.live += 1;
        self.place(Entry {
            time,
            seq,
            slot: NO_SLOT,
            event,
        });
    }

    /// Schedules `event` at `time` like `push`, as a timer whose delay from `horizon()` is
    /// likely to repeat (a timeout that a reply overtakes, a message over a link of constant
    /// latency): it joins the FIFO of timers of the same delay, where pushing and cancelling
    /// cost O(1), once that delay has been seen twice. The order of pops is the same as with
    /// `push`.
    #[inline]
    pub fn push_timer(&mut self, time: SimTime, event: E) -> EventId {
        let time = time.as_nanos();
        let seq = self.next_seq(time);
        let delay = time - self.last.max(self.timer_last);
        match self.timers.iter().position(|list| list.delay == delay) {
            Some(index) if self.timers[index].accepts(time) => {
                self.push_to_list(index, time, seq, event)
            }
            found => self.push_timer_elsewhere(found.is_some(), delay, time, seq, event),
        }
    }

    /// Files timer `seq` at `time` in list `index`, which accepts it.
    #[inline(always)]
    fn push_to_list(&mut self, index: usize, time: u64, seq: u64, event: E) -> EventId {
        let position = self.timers[index].push(time, seq, event);
        self.timers_live += 1;
        // A list's new timer is its earliest only if it was empty; either way it is the
        // earliest of all lists only if it comes before their earliest.
        if (time, seq) < self.timer_first {
            self.timer_first = (time, seq);
            self.timer_first_list = index;
        }
        EventId::new(position, index as u32 + 1, seq)
    }

    /// Files a timer that no list of its delay takes: in a new list if its delay missed
    /// lately (`DELAYS_MISSED`), else in the heap. Out of line, so that the common push into
    /// a list does not carry the heap's push and the registers it needs.
    #[inline(never)]
    fn push_timer_elsewhere(
        &mut self,
        has_list: bool,
        delay: u64,
        time: u64,
        seq: u64,
        event: E,
    ) -> EventId {
        if !has_list {
            if let Some(index) = self.list_for_missed(delay) {
                return self.push_to_list(index, time, seq, event);
            }
        }
        self.push_heap(time, seq, event)
    }

    /// Cancels a scheduled event; returns false if it already ran or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        if id.lane() != 0 {
            let index = id.lane() as usize - 1;
            let cancelled = self.timers[index].cancel(id.position(), id.seq());
            self.timers_live -= usize::from(cancelled);
            if cancelled && index == self.timer_first_list {
                self.find_timer_first();
            }
            return cancelled;
        }
        let Some(&holder) = self.holders.get(id.slot() as usize) else {
            return false;
        };
        // A cancelled event's slot carries the flag, and a reused or purged one holds another
        // number; a slot whose event ran still holds its number until it is reused.
        if holder.seq != id.seq() || self.has_run(holder) {
            return false;
        }
        self.holders[id.slot() as usize].seq |= CANCELLED;
        self.live -= 1;
        self.stale += 1;
        if self.stale > self.live + STALE_SLACK {
            self.purge_stale();
        }
        true
    }

    /// The time of the earliest live event, without removing it.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        if self.timers_live == 0 {
            return self.heap_peek_time();
        }
        let (time, seq) = self.timer_first;
        let heap = self.heap_peek_before(time, seq);
        Some(SimTime::from_nanos(heap.unwrap_or(time)))
    }

    /// Removes and returns the earliest live event; ties come out in insertion order.
    // Not inlined, by measurement: inlined into the large event loop of `models::World`, a pop
    // cost about 4 ns more per event (a whole M/M/1 run, 330 against 345 ns per customer),
    // while a bare hold loop gains only 1-2 ns from inlining it.
    #[inline(never)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.timers_live == 0 {
            return self.heap_pop();
        }
        self.pop_merged()
    }

    /// `pop` while some timer list holds a live timer. Out of line, so that the heap's own
    /// path keeps its registers (a whole M/M/1 run, without timers, cost 5% more with it
    /// inline).
    #[inline(never)]
    fn pop_merged(&mut self) -> Option<(SimTime, E)> {
        let (time, seq) = self.timer_first;
        Some(
            self.heap_pop_before(time, seq)
                .unwrap_or_else(|| self.pop_timer()),
        )
    }

    /// Removes and returns the earliest live event if its time is at most `end`, else `None`.
    ///
    /// Unlike `peek_time` followed by `pop`, this never moves `horizon()` past `end`, so
    /// events may still be pushed at any time from `end` on after it returns `None`. (A peek
    /// at an event after `end` moves the horizon to that event's time.)
    #[inline(never)]
    pub fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        if self.timers_live == 0 {
            return self.heap_pop_until(end);
        }
        self.pop_until_merged(end)
    }

    /// `pop_until` while some timer list holds a live timer. Inlined into `pop_until` since the
    /// lists keep their earliest timer (one call fewer a pop: 2.2% of the instructions of a
    /// run of 1,000 clients), while the heap-only path's code stays the same.
    #[inline(always)]
    fn pop_until_merged(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        let (time, seq) = self.timer_first;
        if time > end.as_nanos() {
            return self.heap_pop_until(end);
        }
        Some(
            self.heap_pop_before(time, seq)
                .unwrap_or_else(|| self.pop_timer()),
        )
    }

    /// The next sequence number, for an event at `time` (checked against the horizon).
    #[inline(always)]
    fn next_seq(&mut self, time: u64) -> u64 {
        assert!(
            time >= self.last && time >= self.timer_last,
            "event queue is monotone: pushed {time}ns before horizon {}ns",
            self.last.max(self.timer_last)
        );
        assert!(
            self.seq_next < CANCELLED,
            "sequence numbers stay below the flag bit"
        );
        let seq = self.seq_next;
        self.seq_next += 1;
        seq
    }

    /// Files event `seq` at `time` in the heap. Always inlined, as `push` was before the timer
    /// lists: out of line, a whole M/M/1 run cost about 9% more.
    #[inline(always)]
    fn push_heap(&mut self, time: u64, seq: u64, event: E) -> EventId {
        let slot = self.occupy_slot(Holder { seq, time });
        self.live += 1;
        self.place(Entry {
            time,
            seq,
            slot,
            event,
        });
        EventId::new(u64::from(slot), 0, seq)
    }

    /// A list for a timer of `delay`, which no list has: a new or emptied one if the delay
    /// missed lately, else `None` (the timer goes to the heap) and the delay is noted.
    #[inline]
    fn list_for_missed(&mut self, delay: u64) -> Option<usize> {
        if !self.delays_missed.contains(&delay) {
            self.delays_missed[self.delays_missed_next] = delay;
            self.delays_missed_next = (self.delays_missed_next + 1) % DELAYS_MISSED;
            return None;
        }
        self.new_timer_list(delay)
    }

    /// A list for timers of `delay` (none has it): a new one, or an empty one of another delay.
    #[cold]
    #[inline(never)]
    fn new_timer_list(&mut self, delay: u64) -> Option<usize> {
        if self.timers.len() < TIMER_LISTS_MAX {
            self.timers.push(TimerList::new(delay));
            return Some(self.timers.len() - 1);
        }
        let index = self.timers.iter().position(TimerList::is_empty)?;
        self.timers[index].delay = delay;
        Some(index)
    }

    /// Sets `timer_first` to the earliest of the lists' first live timers (after one of them
    /// changed).
    #[inline]
    fn find_timer_first(&mut self) {
        let mut first = timers::NONE;
        let mut index = 0;
        for (i, list) in self.timers.iter().enumerate() {
            if list.first < first {
                first = list.first;
                index = i;
            }
        }
        self.timer_first = first;
        self.timer_first_list = index;
    }

    /// Removes the earliest live timer of the lists (`timer_first`; there is one).
    #[inline]
    fn pop_timer(&mut self) -> (SimTime, E) {
        let (time, event) = self.timers[self.timer_first_list].pop();
        debug_assert!(
            time >= self.last,
            "a timer pops at or after the heap's last"
        );
        self.timers_live -= 1;
        self.timer_last = time;
        self.find_timer_first();
        (SimTime::from_nanos(time), event)
    }

    /// Removes and returns the heap's earliest live event if it comes before `(time, seq)`,
    /// moving `last` at most to `time`.
    #[inline]
    fn heap_pop_before(&mut self, time: u64, seq: u64) -> Option<(SimTime, E)> {
        loop {
            let entry = match self.front.front() {
                Some(head) => {
                    if (head.time, head.seq) > (time, seq) {
                        return None;
                    }
                    self.front.pop_front().expect("the front is not empty")
                }
                None => {
                    if self.levels == 0 || self.lowest_minimum() > time {
                        return None;
                    }
                    match self.take_lowest() {
                        Some(entry) if (entry.time, entry.seq) > (time, seq) => {
                            // A lone entry at `time` after the timer: it waits in the front,
                            // where `has_run` counts it as pending.
                            self.front.push_back(entry);
                            return None;
                        }
                        Some(entry) => entry,
                        None => continue,
                    }
                }
            };
            if self.is_stale(entry.slot, entry.seq) {
                self.drop_stale();
                continue;
            }
            self.live -= 1;
            return Some((SimTime::from_nanos(entry.time), entry.event));
        }
    }

    /// The time of the heap's earliest live event if it comes before `(time, seq)`, moving
    /// `last` at most to `time`; the event stays first in the front.
    fn heap_peek_before(&mut self, time: u64, seq: u64) -> Option<u64> {
        loop {
            if let Some(head) = self.front.front() {
                if self.is_stale(head.slot, head.seq) {
                    self.front.pop_front();
                    self.drop_stale();
                    continue;
                }
                return ((head.time, head.seq) < (time, seq)).then_some(head.time);
            }
            if self.levels == 0 || self.lowest_minimum() > time {
                return None;
            }
            if let Some(entry) = self.take_lowest() {
                self.front.push_back(entry);
            }
        }
    }

    /// The time of the heap's earliest live event, without removing it.
    #[inline]
    fn heap_peek_time(&mut self) -> Option<SimTime> {
        loop {
            let Some(entry) = self.front.front() else {
                if !self.refill() {
                    return None;
                }
                continue;
            };
            if !self.is_stale(entry.slot, entry.seq) {
                return Some(SimTime::from_nanos(entry.time));
            }
            self.front.pop_front();
            self.drop_stale();
        }
    }

    /// Removes and returns the heap's earliest live event.
    #[inline]
    fn heap_pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let entry = match self.front.pop_front() {
                Some(entry) => entry,
                None => {
                    if self.levels == 0 {
                        return None;
                    }
                    match self.take_lowest() {
                        Some(entry) => entry,
                        None => continue,
                    }
                }
            };
            if self.is_stale(entry.slot, entry.seq) {
                self.drop_stale();
                continue;
            }
            // The slot is vacant from now on, as `has_run` can tell; it is not touched here.
            self.live -= 1;
            debug_assert_eq!(entry.time, self.last, "popped time equals the horizon");
            return Some((SimTime::from_nanos(entry.time), entry.event));
        }
    }

    /// Removes and returns the heap's earliest live event if its time is at most `end`,
    /// moving `last` at most to `end`. Always inlined into `pop_until`, as it was before the
    /// timer lists (see `push_heap`).
    #[inline(always)]
    fn heap_pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        let end = end.as_nanos();
        loop {
            let entry = if self.front.is_empty() {
                // The lowest bucket's minimum is a lower bound on every stored time, so if it
                // lies after `end` nothing is due, and the horizon stays where it is.
                if self.levels == 0 || self.lowest_minimum() > end {
                    return None;
                }
                match self.take_lowest() {
                    Some(entry) => entry,
                    None => continue,
                }
            } else {
                if self.last > end {
                    // Only a `peek_time` can have moved the front past `end`.
                    return None;
                }
                self.front.pop_front().expect("the front is not empty")
            };
            if self.is_stale(entry.slot, entry.seq) {
                self.drop_stale();
                continue;
            }
            self.live -= 1;
            return Some((SimTime::from_nanos(entry.time), entry.event));
        }
    }

    /// The earliest time stored in any bucket (not the front); `levels` must be non-zero.
    #[inline]
    fn lowest_minimum(&self) -> u64 {
        let level = self.levels.trailing_zeros() as usize;
        let digit = self.occupied[level].trailing_zeros() as usize;
        self.buckets[level * DIGITS + digit].minimum
    }

    /// A vacant slot for `holder`: a new one while there are fewer than twice as many slots
    /// as stored entries, else the first vacant one from the cursor on.
    #[inline]
    fn occupy_slot(&mut self, holder: Holder) -> u32 {
        let stored = self.live + self.stale;
        let len = self.holders.len();
        if len < 2 * stored + SLOTS_SPARE {
            return self.new_slot(holder);
        }
        // At least half the slots are vacant, so one sweep finds one; over a whole sweep the
        // cursor skips at most as many slots as it takes, so a push skips one on average.
        // Locals and disjoint borrows keep the loop's state in registers.
        let (last, front) = (self.last, &self.front);
        let holders = &mut self.holders[..];
        let mut slot = self.cursor;
        for _ in 0..len {
            let next = if slot + 1 == len { 0 } else { slot + 1 };
            let old = &mut holders[slot];
            if old.seq == VACANT || has_run(*old, last, front) {
                *old = holder;
                self.cursor = next;
                return slot as u32;
            }
            slot = next;
        }
        unreachable!("at least half of the slots are vacant")
    }

    /// A slot added for `holder`. Out of line: slots are added only while the queue grows.
    #[cold]
    #[inline(never)]
    fn new_slot(&mut self, holder: Holder) -> u32 {
        let slot = u32::try_from(self.holders.len()).expect("fewer than 2^32 stored events");
        self.holders.push(holder);
        slot
    }

    /// True if the event that holds (or held) a slot has been popped or skipped as stale.
    #[inline]
    fn has_run(&self, holder: Holder) -> bool {
        has_run(holder, self.last, &self.front)
    }

    /// True if the stored entry `(slot, seq)` belongs to a cancelled event. Reads `holders`
    /// only when some stored entry is stale, which keeps the common pop free of a random
    /// memory access.
    #[inline]
    fn is_stale(&self, slot: u32, seq: u64) -> bool {
        if self.stale == 0 || slot == NO_SLOT {
            return false;
        }
        let holder = self.holders[slot as usize];
        debug_assert_eq!(
            holder.seq & !CANCELLED,
            seq,
            "a stored entry still holds its slot"
        );
        holder.seq & CANCELLED != 0
    }

    /// Counts a stale entry that left `front`; its slot is vacant from now on.
    fn drop_stale(&mut self) {
        assert!(
            self.stale > 0,
            "a stale entry was counted when it was cancelled"
        );
        self.stale -= 1;
    }

    /// Puts `entry` in the front or its bucket. Always inlined (see `push_heap`).
    #[inline(always)]
    fn place(&mut self, entry: Entry<E>) {
        if entry.time == self.last {
            // Every entry already in `front` has a smaller sequence number (pushes are in
            // sequence order, and refills only happen when `front` is empty).
            self.front.push_back(entry);
        } else {
            let (level, digit) = bucket_of(entry.time, self.last);
            self.file(level, digit, entry);
        }
    }

    /// Appends `entry` to bucket `(level, digit)`.
    #[inline]
    fn file(&mut self, level: usize, digit: usize, entry: Entry<E>) {
        let bucket = &mut self.buckets[level * DIGITS + digit];
        bucket.minimum = bucket.minimum.min(entry.time);
        if bucket.entries.capacity() == 0 {
            take_spare(&mut bucket.entries, &mut self.spares);
        }
        bucket.entries.push(entry);
        self.occupied[level] |= 1 << digit;
        self.levels |= 1 << level;
    }

    /// Moves the entries of the lowest non-empty bucket around its minimum; false if empty.
    #[inline]
    fn refill(&mut self) -> bool {
        if self.levels == 0 {
            return false;
        }
        if let Some(entry) = self.take_lowest() {
            self.front.push_back(entry);
        }
        true
    }

    /// Empties the lowest non-empty bucket (there must be one) and moves `last` to its
    /// minimum. A lone entry is returned rather than put in the front: it is the only entry at
    /// the new `last`, so with the front left empty `has_run` counts it as run, which it is
    /// about to be (or, if stale, to be skipped). Several entries are split around the minimum
    /// (`split`), and `None` says the front now holds the earliest of them. Always inlined: it
    /// is the lone entry's whole path (see `push_heap`).
    #[inline(always)]
    fn take_lowest(&mut self) -> Option<Entry<E>> {
        debug_assert!(self.front.is_empty(), "refill only when the front is empty");
        let level = self.levels.trailing_zeros() as usize;
        let digit = self.occupied[level].trailing_zeros() as usize;
        let index = level * DIGITS + digit;
        self.occupied[level] &= !(1 << digit);
        if self.occupied[level] == 0 {
            self.levels &= !(1 << level);
        }
        let bucket = &mut self.buckets[index];
        let minimum = std::mem::replace(&mut bucket.minimum, u64::MAX);
        assert!(minimum > self.last, "refilled time moves forward");
        assert_ne!(minimum, u64::MAX, "an occupied bucket has a minimum");
        self.last = minimum;
        if bucket.entries.len() == 1 {
            // The common case with few pending events: this path is inlined, the split not.
            let entry = bucket.entries.pop();
            if bucket.entries.capacity() > BUCKET_ROOM_KEPT {
                give_spare(&mut bucket.entries, &mut self.spares);
            }
            entry
        } else {
            self.split(level, index);
            None
        }
    }

    /// Moves the entries of bucket `index` (at `level`, and at least two) to the front if
    /// their time is `last`, else to lower levels.
    #[inline(never)]
    fn split(&mut self, level: usize, index: usize) {
        let minimum = self.last;
        // Entries only move to lower levels, so the source can be drained in place.
        let (lower, upper) = self.buckets.split_at_mut(index);
        let bucket = &mut upper[0].entries;
        if level == 0 {
            // A level-0 bucket holds a single time: it all goes to the front.
            debug_assert!(
                bucket.iter().all(|e| e.time == minimum),
                "level 0 is one time"
            );
            // `extend` would go through a generic path several times longer than this loop.
            for entry in bucket.drain(..) {
                self.front.push_back(entry);
            }
        } else {
            for entry in bucket.drain(..) {
                if entry.time == minimum {
                    self.front.push_back(entry);
                    continue;
                }
                let (target_level, target_digit) = bucket_of(entry.time, minimum);
                debug_assert!(target_level < level, "entries only move to lower levels");
                let target = &mut lower[target_level * DIGITS + target_digit];
                target.minimum = target.minimum.min(entry.time);
                if target.entries.capacity() == 0 {
                    take_spare(&mut target.entries, &mut self.spares);
                }
                target.entries.push(entry);
                self.occupied[target_level] |= 1 << target_digit;
                self.levels |= 1 << target_level;
            }
        }
        if bucket.capacity() > BUCKET_ROOM_KEPT {
            give_spare(bucket, &mut self.spares);
        }
        // Equal times are always in the same bucket (the bucket depends only on the time and
        // `last`, and a split keeps every other bucket valid), and entries reach it in sequence
        // order, by pushes or by splits that keep their order. So no sort is needed.
        debug_assert!(
            self.front
                .iter()
                .zip(self.front.iter().skip(1))
                .all(|(a, b)| a.seq < b.seq),
            "the front is in sequence order"
        );
    }

    fn purge_stale(&mut self) {
        let holders = &mut self.holders;
        let mut keep = |e: &Entry<E>| {
            if e.slot == NO_SLOT {
                return true;
            }
            let holder = &mut holders[e.slot as usize];
            if holder.seq & CANCELLED == 0 {
                return true;
            }
            // The entry may lie after `last`, where `has_run` would call its slot occupied.
            holder.seq = VACANT;
            false
        };
        self.front.retain(&mut keep);
        let mut stored = self.front.len();
        self.occupied = [0; LEVELS];
        self.levels = 0;
        for (index, bucket) in self.buckets.iter_mut().enumerate() {
            bucket.entries.retain(&mut keep);
            bucket.minimum = bucket
                .entries
                .iter()
                .map(|e| e.time)
                .min()
                .unwrap_or(u64::MAX);
            if !bucket.entries.is_empty() {
                let (level, digit) = (index / DIGITS, index % DIGITS);
                self.occupied[level] |= 1 << digit;
                self.levels |= 1 << level;
            }
            stored += bucket.entries.len();
        }
        assert_eq!(
            stored, self.live,
            "after a purge every stored entry is live"
        );
        self.stale = 0;
    }
}

/// Moves the room of `entries` (empty) to `spares`, or frees it if there are enough spares.
#[cold]
#[inline(never)]
fn give_spare<T>(entries: &mut Vec<T>, spares: &mut Vec<Vec<T>>) {
    debug_assert!(entries.is_empty(), "only an empty bucket gives its room");
    let room = std::mem::take(entries);
    if spares.len() < SPARES_MAX {
        spares.push(room);
    }
}

/// Gives `entries` (without room) a spare's room, if there is one.
#[cold]
#[inline(never)]
fn take_spare<T>(entries: &mut Vec<T>, spares: &mut Vec<Vec<T>>) {
    if let Some(room) = spares.pop() {
        debug_assert!(room.is_empty(), "a spare holds no entries");
        *entries = room;
    }
}

/// `EventQueue::has_run` on the queue's `last` and `front`, apart so that a push's search for
/// a slot can borrow them beside `holders`.
#[inline]
fn has_run<E>(holder: Holder, last: u64, front: &VecDeque<Entry<E>>) -> bool {
    if holder.time != last {
        return holder.time < last;
    }
    has_run_at_last(holder.seq & !CANCELLED, front)
}

/// `has_run` for an event at `last`. Out of line because it is rare in a push's search for a
/// slot, which would otherwise locate the front's head on every push.
#[cold]
#[inline(never)]
fn has_run_at_last<E>(seq: u64, front: &VecDeque<Entry<E>>) -> bool {
    // Every stored entry at `last` is in `front`, in sequence order, and entries leave `front`
    // only from its head (or in a purge, which marks their slots `VACANT`).
    match front.front() {
        Some(head) => seq < head.seq,
        None => true,
    }
}

/// The bucket `(level, digit)` of an entry at `time` (after `last`) when the front is at
/// `last`: the level is the highest base-64 digit in which the two differ, and the digit is
/// `time`'s value of it. Every time in a bucket of level 0 is therefore the same.
#[inline]
fn bucket_of(time: u64, last: u64) -> (usize, usize) {
    debug_assert!(time > last, "only the front holds entries at `last`");
    let highest_bit = 63 - (time ^ last).leading_zeros();
    // A table rather than a division by `DIGIT_BITS` and a multiplication back: a push and
    // every move of a split ask, and the table (64 bytes) stays in the cache.
    let level = LEVEL_OF_BIT[highest_bit as usize];
    let digit = (time >> (u32::from(level) * DIGIT_BITS)) as usize % DIGITS;
    (usize::from(level), digit)
}

/// `LEVEL_OF_BIT[bit]` is `bit / DIGIT_BITS`: the level whose digit holds that bit.
const LEVEL_OF_BIT: [u8; 64] = {
    let mut table = [0; 64];
    let mut bit = 0;
    while bit < 64 {
        table[bit] = (bit / DIGIT_BITS as usize) as u8;
        bit += 1;
    }
    table
};

#[cfg(test)]
mod tests;
