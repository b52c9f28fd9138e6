//! Tests of the event queue: order, cancellation, slots, memory and timer lists, with
//! proptests against a sorted reference.

use super::*;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn t(n: u64) -> SimTime {
    SimTime::from_nanos(n)
}

/// A handle packed in two words gives back the slot, lane and number it was made of, at the
/// ends of their ranges too, and orders as the three fields did, in that order.
#[test]
fn a_handle_keeps_its_slot_lane_and_number() {
    for (slot, lane, seq) in [(0, 0, 0), (7, 3, 42), (u32::MAX, 255, CANCELLED - 1)] {
        let id = EventId::new(u64::from(slot), lane, seq);
        assert_eq!((id.slot(), id.lane(), id.seq()), (slot, lane, seq));
    }
    // A timer list's position takes the 56 bits above the lane.
    let id = EventId::new((1 << 56) - 1, 9, 5);
    assert_eq!((id.position(), id.lane(), id.seq()), ((1 << 56) - 1, 9, 5));
    assert!(EventId::new(1, 0, 9) < EventId::new(1, 1, 0));
    assert!(EventId::new(1, 9, 9) < EventId::new(2, 0, 0));
    assert!(EventId::new(1, 1, 1) < EventId::new(1, 1, 2));
    // The number's niche makes an optional handle no larger than a handle.
    assert_eq!(std::mem::size_of::<Option<EventId>>(), 16);
}

/// The level table names the base-64 digit of every bit, so an entry's bucket is its highest
/// differing digit and that digit's value in its time (the radix heap's definition, Ahuja et
/// al. 1990, in base 64).
#[test]
fn a_bucket_is_the_highest_differing_digit() {
    for bit in 0..64u32 {
        assert_eq!(u32::from(LEVEL_OF_BIT[bit as usize]), bit / DIGIT_BITS);
    }
    for (time, last) in [
        (1, 0),
        (64, 63),
        (4_095, 4_032),
        (u64::MAX, 0),
        (1 << 62, 5),
    ] {
        let highest = 63 - (time ^ last).leading_zeros();
        let level = highest / DIGIT_BITS;
        let digit = (time >> (level * DIGIT_BITS)) % 64;
        assert_eq!(bucket_of(time, last), (level as usize, digit as usize));
    }
    assert_eq!(
        bucket_of(u64::MAX, 0),
        (10, 15),
        "the top level uses 4 of its 6 bits"
    );
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

/// Issue #19: buckets drained by a split give back their room, so that a long run does not
/// keep the largest filling of every bucket it ever used.
#[test]
fn drained_buckets_keep_little_room() {
    let mut q = EventQueue::new();
    let mut now = 0u64;
    // Bursts of 10,000 events spread over ever later stretches, so that many buckets of
    // the upper levels fill in turn and are split.
    for burst in 0..40u64 {
        let base = now + (burst + 1) * 1_000_000_007;
        for i in 0..10_000u64 {
            q.push(t(base + i * 997), i);
        }
        while let Some((at, _)) = q.pop() {
            now = at.as_nanos();
        }
    }
    let room: usize = q.buckets.iter().map(|b| b.entries.capacity()).sum();
    assert!(
        room <= LEVELS * DIGITS * BUCKET_ROOM_KEPT,
        "{room} entries of room kept by empty buckets"
    );
    assert!(q.spares.len() <= SPARES_MAX);
    let spare: usize = q.spares.iter().map(Vec::capacity).sum();
    assert!(
        spare <= SPARES_MAX * 16_384,
        "{spare} entries of room kept as spares"
    );
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
    assert!(
        !q.cancel(a),
        "the old handle no longer matches the reused slot"
    );
    assert_eq!(q.pop(), Some((t(20), 2)));
    assert!(!q.cancel(b));
}

#[test]
fn purge_keeps_every_live_event_and_forgets_no_cancel() {
    let mut q = EventQueue::new();
    let ids: Vec<_> = (0..20_000u64)
        .map(|i| q.push(t(i * 7 % 1000 + 1), i))
        .collect();
    // Cancelling three in four leaves 5,000 live and up to 15,000 stale: more than
    // `STALE_SLACK` beyond the live ones, so a purge runs part-way.
    for (i, id) in ids.iter().enumerate() {
        if i % 4 != 0 {
            assert!(q.cancel(*id));
        }
    }
    assert!(q.stale < 15_000, "a purge ran (stale {})", q.stale);
    assert_eq!(q.len(), 5_000);
    for (i, id) in ids.iter().enumerate() {
        if i % 4 != 0 {
            assert!(!q.cancel(*id), "a purged or stale event stays cancelled");
        }
    }
    // New events reuse the purged slots; the old handles must not reach them.
    let fresh: Vec<_> = (0..10_000u64)
        .map(|i| q.push(t(2_000 + i), 1_000_000 + i))
        .collect();
    for (i, id) in ids.iter().enumerate() {
        if i % 4 != 0 {
            assert!(!q.cancel(*id), "an old handle does not match a reused slot");
        }
    }
    assert_eq!(q.len(), 15_000);
    let mut popped = 0;
    let mut last = t(0);
    while let Some((time, value)) = q.pop() {
        assert!(
            value >= 1_000_000 || value % 4 == 0,
            "{value} was cancelled"
        );
        assert!(time >= last);
        last = time;
        popped += 1;
    }
    assert_eq!(popped, 15_000);
    assert!(
        fresh.iter().all(|id| !q.cancel(*id)),
        "every fresh event ran"
    );
}

#[test]
fn slots_are_reused_after_a_sweep_without_confusing_handles() {
    let mut q = EventQueue::new();
    // Fill and drain a few times, so that later pushes take slots from the cursor's
    // search rather than new ones.
    let mut old = Vec::new();
    for round in 0..5u64 {
        for i in 0..300 {
            old.push(q.push(t(round * 1_000 + i + 1), i));
        }
        while q.pop().is_some() {}
    }
    assert!(
        q.holders.len() < 1_000,
        "slots are reused ({})",
        q.holders.len()
    );
    let a = q.push(t(10_000), 1);
    let b = q.push(t(10_000), 2);
    assert!(
        old.iter().all(|id| !q.cancel(*id)),
        "handles of events that ran"
    );
    assert!(q.cancel(a));
    assert_eq!(q.pop(), Some((t(10_000), 2)));
    assert!(!q.cancel(b), "b ran");
    assert_eq!(q.pop(), None);
}

#[test]
fn a_lone_entry_popped_straight_from_its_bucket_has_run() {
    // Each of these pops takes a bucket's only entry without passing through the front,
    // which must still count as run for `cancel` and for the slot search.
    let mut q = EventQueue::new();
    let a = q.push(t(10), 'a');
    assert_eq!(q.pop(), Some((t(10), 'a')));
    assert!(!q.cancel(a), "a ran");
    let b = q.push(t(10), 'b');
    let c = q.push(t(20), 'c');
    assert_eq!(q.pop_until(t(15)), Some((t(10), 'b')));
    assert!(!q.cancel(b), "b ran");
    assert_eq!(q.pop_until(t(15)), None);
    assert!(q.cancel(c), "c is still pending");
    assert_eq!(q.pop(), None);
    // Many rounds reuse slots whose events were popped this way.
    for i in 0..1_000 {
        let id = q.push(t(100 + i), 'r');
        assert_eq!(q.pop(), Some((t(100 + i), 'r')));
        assert!(!q.cancel(id));
    }
    assert!(q.holders.len() < 100, "slots are reused");
}

#[test]
fn pop_until_leaves_the_horizon_at_or_before_the_end() {
    let mut q = EventQueue::new();
    q.push(t(100), 'b');
    assert_eq!(q.pop_until(t(50)), None);
    assert!(q.horizon() <= t(50), "horizon {}", q.horizon());
    // A peek-then-pop loop would have moved the horizon to 100 and refused this push.
    q.push(t(60), 'a');
    assert_eq!(q.pop_until(t(100)), Some((t(60), 'a')));
    assert_eq!(q.pop_until(t(99)), None);
    assert_eq!(q.pop_until(t(100)), Some((t(100), 'b')));
    assert_eq!(q.pop_until(SimTime::MAX), None);
}

#[test]
fn equal_times_stay_in_order_across_levels() {
    // `a` is filed when the horizon is far from its time, `b` (same time) after the
    // horizon moved close, `c` and `d` in between; they must still pop a, b, c, d.
    let mut q = EventQueue::new();
    let far = (1 << 40) + 12_345;
    q.push(t(far), 'a');
    q.push(t(far - 100), 'x');
    q.push(t(1), 'y');
    assert_eq!(q.pop(), Some((t(1), 'y')));
    q.push(t(far), 'b');
    assert_eq!(q.pop(), Some((t(far - 100), 'x')));
    q.push(t(far), 'c');
    q.push(t(far - 1), 'z');
    q.push(t(far), 'd');
    let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(
        order,
        [
            (t(far - 1), 'z'),
            (t(far), 'a'),
            (t(far), 'b'),
            (t(far), 'c'),
            (t(far), 'd')
        ]
    );
}

#[test]
fn timers_and_events_at_one_time_pop_in_insertion_order() {
    let mut q = EventQueue::new();
    q.push(t(10), 0);
    q.push_timer(t(10), 1);
    q.push(t(10), 2);
    q.push_timer(t(5), 3);
    q.push_timer(t(10), 4);
    q.push(t(10), 5);
    let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, v)| v).collect();
    assert_eq!(order, [3, 0, 1, 2, 4, 5]);
}

#[test]
fn cancelled_timers_are_compacted_and_live_ones_stay_cancellable() {
    let mut q = EventQueue::new();
    let ids: Vec<_> = (0..20_000u64)
        .map(|i| q.push_timer(t(1_000_000), i))
        .collect();
    assert!(q.timers.len() == 1, "one delay, one list");
    for (i, id) in ids.iter().enumerate() {
        if i % 5 != 0 {
            assert!(q.cancel(*id));
        }
    }
    assert!(q.timers[0].stored() < 20_000, "a compaction ran");
    assert_eq!(q.len(), 4_000);
    // After the compaction the positions are off; the handles still find their timers.
    for (i, id) in ids.iter().enumerate() {
        if i % 10 != 0 {
            assert_eq!(q.cancel(*id), i % 10 == 5, "handle {i}");
        }
    }
    let popped: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, v)| v).collect();
    assert_eq!(popped, (0..20_000).step_by(10).collect::<Vec<_>>());
    assert!(
        ids.iter().all(|id| !q.cancel(*id)),
        "every timer ran or was cancelled"
    );
}

#[test]
fn a_list_s_first_entry_stays_live_and_the_queue_knows_the_earliest_of_all() {
    let mut q = EventQueue::new();
    // The first timer of each delay misses (it goes to the heap); the second earns a list.
    let a: Vec<_> = (0..4u64).map(|i| q.push_timer(t(100), i)).collect();
    let b: Vec<_> = (4..8u64).map(|i| q.push_timer(t(1_000), i)).collect();
    assert_eq!(q.timers.len(), 2, "two delays, two lists");
    let list_a = a[1].lane() as usize - 1;
    assert_eq!(
        q.timer_first,
        (100, 1),
        "the earliest live timer of both lists"
    );
    assert!(q.cancel(a[3]));
    assert_eq!(
        q.timer_first,
        (100, 1),
        "a later cancel leaves the first alone"
    );
    assert!(q.cancel(a[1]));
    assert_eq!(
        q.timer_first,
        (100, 2),
        "a cancelled first gives way to the next"
    );
    assert!(q.cancel(a[2]));
    assert_eq!(
        q.timers[list_a].first,
        timers::NONE,
        "no live timer in the 100 ns list"
    );
    assert_eq!(
        q.timers[list_a].stored(),
        0,
        "cancelled entries at the front are dropped"
    );
    assert_eq!(q.timer_first, (1_000, 5), "now the other list's first");
    assert!(q.cancel(b[2]));
    assert!(q.cancel(b[1]));
    assert_eq!(
        q.timer_first,
        (1_000, 7),
        "both cancelled entries at the front dropped"
    );
    let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, v)| v).collect();
    assert_eq!(order, [0, 4, 7]);
    assert_eq!(q.timer_first, timers::NONE);
}

#[test]
fn a_timer_may_not_be_pushed_before_a_popped_timer() {
    let result = std::panic::catch_unwind(|| {
        let mut q = EventQueue::new();
        q.push_timer(t(10), ());
        q.pop();
        q.push(t(5), ());
    });
    assert!(result.is_err(), "the horizon covers timers too");
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
    /// `push_timer` after this delay.
    PushTimer(u64),
    /// `push_uncancellable` after this delay.
    PushUncancellable(u64),
    Pop,
    PopUntil(u64),
    Peek,
    Cancel(usize),
    /// Cancels one of the last eight handles, as a reply cancels its timeout.
    CancelRecent(usize),
    Purge,
}

fn op() -> impl Strategy<Value = Op> {
    // Small delays give equal times and level-0 buckets; large ones exercise splits.
    prop_oneof![
        3 => (0u64..50).prop_map(Op::Push),
        1 => (0u64..1 << 20).prop_map(Op::Push),
        1 => (0u64..1 << 50).prop_map(Op::Push),
        1 => (0u64..1 << 20).prop_map(Op::PushUncancellable),
        2 => Just(Op::Pop),
        1 => (0u64..100).prop_map(Op::PopUntil),
        1 => Just(Op::Peek),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => Just(Op::Purge),
    ]
}

fn op_with_timers() -> impl Strategy<Value = Op> {
    // A few fixed delays keep their lists; a spread of small ones fills every list, so
    // that timers of yet another delay go to the heap and emptied lists change delay.
    prop_oneof![
        2 => (0u64..50).prop_map(Op::Push),
        1 => (0u64..1 << 30).prop_map(Op::Push),
        1 => (0u64..1 << 30).prop_map(Op::PushUncancellable),
        3 => prop_oneof![Just(0u64), Just(7), Just(200), Just(1 << 20)].prop_map(Op::PushTimer),
        1 => (0u64..20).prop_map(Op::PushTimer),
        1 => (0u64..1 << 40).prop_map(Op::PushTimer),
        3 => Just(Op::Pop),
        1 => (0u64..300).prop_map(Op::PopUntil),
        1 => Just(Op::Peek),
        1 => any::<usize>().prop_map(Op::Cancel),
        2 => any::<usize>().prop_map(Op::CancelRecent),
        1 => Just(Op::Purge),
    ]
}

/// Long timer lists with many cancels and few pops, so that lists compact (after
/// `timers::STALE_SLACK` stale entries, a few under test) and handles made before a
/// compaction are used after it.
fn op_for_compaction() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => prop_oneof![Just(200u64), Just(1 << 20)].prop_map(Op::PushTimer),
        1 => (0u64..1 << 30).prop_map(Op::Push),
        2 => any::<usize>().prop_map(Op::Cancel),
        5 => any::<usize>().prop_map(Op::CancelRecent),
        1 => Just(Op::Pop),
    ]
}

/// Runs `ops` on a queue and on a sorted map keyed on (time, sequence), which must agree.
fn check_against_reference(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut q = EventQueue::new();
    let mut reference: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    let mut handles = Vec::new();
    let mut seq = 0u64;
    for op in ops {
        match op {
            Op::Push(delta) | Op::PushTimer(delta) => {
                // Pops that skip cancelled entries may move the horizon on.
                let now = q.horizon().as_nanos();
                let id = if matches!(op, Op::Push(_)) {
                    q.push(t(now + delta), seq)
                } else {
                    q.push_timer(t(now + delta), seq)
                };
                reference.insert((now + delta, seq), seq);
                handles.push((id, (now + delta, seq)));
                seq += 1;
            }
            Op::PushUncancellable(delta) => {
                let now = q.horizon().as_nanos();
                q.push_uncancellable(t(now + delta), seq);
                reference.insert((now + delta, seq), seq);
                seq += 1;
            }
            Op::Pop => {
                let expected = reference.pop_first();
                let got = q.pop();
                prop_assert_eq!(
                    got.map(|(tm, v)| (tm.as_nanos(), v)),
                    expected.map(|((tm, _), v)| (tm, v))
                );
            }
            Op::PopUntil(delta) => {
                let end = q.horizon().as_nanos() + delta;
                let due = reference
                    .first_key_value()
                    .is_some_and(|((tm, _), _)| *tm <= end);
                let expected = if due { reference.pop_first() } else { None };
                let got = q.pop_until(t(end)).map(|(tm, v)| (tm.as_nanos(), v));
                prop_assert_eq!(got, expected.map(|((tm, _), v)| (tm, v)));
                prop_assert!(q.horizon().as_nanos() <= end);
            }
            Op::Peek => {
                let expected = reference.first_key_value().map(|((tm, _), _)| t(*tm));
                prop_assert_eq!(q.peek_time(), expected);
            }
            Op::Cancel(i) | Op::CancelRecent(i) => {
                if !handles.is_empty() {
                    let index = match op {
                        Op::Cancel(_) => i % handles.len(),
                        _ => handles.len() - 1 - i % handles.len().min(8),
                    };
                    let (id, key) = handles[index];
                    let was = reference.remove(&key).is_some();
                    prop_assert_eq!(q.cancel(id), was);
                }
            }
            Op::Purge => {
                q.purge_stale();
                prop_assert_eq!(q.stale, 0);
            }
        }
        prop_assert_eq!(q.len(), reference.len());
    }
    while let Some((key, v)) = reference.pop_first() {
        prop_assert_eq!(q.pop(), Some((t(key.0), v)));
    }
    prop_assert_eq!(q.pop(), None);
    Ok(())
}

proptest! {
    /// The queue behaves exactly like a sorted map keyed on (time, sequence).
    #[test]
    fn matches_a_sorted_reference(ops in proptest::collection::vec(op(), 1..600)) {
        check_against_reference(ops)?;
    }

    /// With timers (`push_timer`) among ordinary events, some cancelled soon after they
    /// are pushed, the pops are still exactly the sorted map's.
    #[test]
    fn timers_match_a_sorted_reference(ops in proptest::collection::vec(op_with_timers(), 1..800)) {
        check_against_reference(ops)?;
    }

    /// Lists that compact again and again, and handles older than a compaction, still cancel
    /// exactly the timers they name.
    #[test]
    fn compacted_timers_match_a_sorted_reference(
        ops in proptest::collection::vec(op_for_compaction(), 1..800)
    ) {
        check_against_reference(ops)?;
    }
}
