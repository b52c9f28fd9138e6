//! Unit tests of the message queue state machine: ids, concurrency, backpressure,
//! invisibility and the dead-letter rule, duplicate effects.

use slotmap::SlotMap;

use super::*;
use crate::config::ServiceId;
use sim_core::Probability;

fn config(capacity: u32, when_full: WhenFull, max_deliveries: Option<u32>) -> MessageQueueConfig {
    MessageQueueConfig {
        name: "q".to_string(),
        partitions: 1,
        capacity,
        when_full,
        visibility_timeout: SimDuration::from_secs(10),
        max_deliveries,
        consumer: ServiceId(0),
        concurrency: 2,
        poison: Probability::ZERO,
        idempotent: false,
        service: ServiceId(1),
    }
}

fn queue(config: MessageQueueConfig) -> MessageQueue {
    MessageQueue::new(config, 3, 1, SimTime::ZERO, SimDuration::from_secs(1))
}

fn at(secs: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(secs))
}

fn job() -> JobKey {
    let mut jobs: SlotMap<JobKey, ()> = SlotMap::with_key();
    jobs.insert(())
}

#[test]
fn message_ids_carry_queue_sequence_and_poison() {
    let id = MessageId::new(7, 123_456_789, true);
    assert_eq!((id.queue(), id.seq(), id.poison()), (7, 123_456_789, true));
    let id = MessageId::new(0, (1 << SEQ_BITS) - 1, false);
    assert_eq!(
        (id.queue(), id.seq(), id.poison()),
        (0, (1 << SEQ_BITS) - 1, false)
    );
}

#[test]
fn deliveries_respect_concurrency_and_acks_free_the_partition() {
    let mut q = queue(config(10, WhenFull::Error, None));
    for _ in 0..3 {
        assert_eq!(q.publish(0, job(), at(0)), Publish::Stored);
    }
    let a = q.next_delivery(0, at(1)).expect("ready");
    let b = q.next_delivery(0, at(1)).expect("ready");
    assert_eq!(q.next_delivery(0, at(1)), None, "two in flight at most");
    assert_eq!((a.seq(), b.seq(), a.queue()), (0, 1, 3));
    assert_eq!(q.delivery_ended(a, 0, true, at(2)), Ended::Acked);
    let c = q.next_delivery(0, at(2)).expect("a slot is free");
    assert_eq!(c.seq(), 2);
    let r = q.result(at(2));
    assert_eq!(r.counts.published, 3);
    assert_eq!(r.counts.delivered, 3);
    assert_eq!(r.counts.acked, 1);
    assert_eq!(r.in_flight_end, 2);
    assert_eq!(r.lag_messages_max, 3);
    // Waits: 1 s, 1 s and 2 s.
    assert_eq!(r.wait.count(), 3);
    assert_eq!(r.wait.max(), SimDuration::from_secs(2));
}

#[test]
fn a_full_partition_blocks_errors_or_drops() {
    let mut error = queue(config(1, WhenFull::Error, None));
    assert_eq!(error.publish(0, job(), at(0)), Publish::Stored);
    assert_eq!(error.publish(0, job(), at(0)), Publish::Rejected);
    assert_eq!(error.result(at(0)).counts.rejected, 1);
    assert_eq!(error.result(at(0)).counts.published, 1);

    let mut drop = queue(config(1, WhenFull::Drop, None));
    drop.publish(0, job(), at(0));
    assert_eq!(drop.publish(0, job(), at(0)), Publish::Dropped);
    let counts = drop.result(at(0)).counts;
    assert_eq!((counts.published, counts.dropped), (2, 1));

    let mut block = queue(config(1, WhenFull::Block, None));
    block.publish(0, job(), at(0));
    let waiting = job();
    assert_eq!(block.publish(0, waiting, at(0)), Publish::Blocked);
    assert_eq!(block.unblock(0), None, "no room yet");
    let m = block.next_delivery(0, at(1)).expect("ready");
    block.delivery_ended(m, 0, true, at(1));
    assert_eq!(block.unblock(0), Some(waiting));
    block.store_unblocked(0, at(1));
    assert_eq!(block.result(at(1)).counts.published, 2);
}

#[test]
fn a_failed_delivery_is_invisible_until_its_timeout_then_dead_lettered_after_n() {
    let mut q = queue(config(10, WhenFull::Error, Some(3)));
    q.publish(0, job(), at(0));
    let m = q.next_delivery(0, at(0)).expect("ready");
    assert_eq!(
        q.delivery_ended(m, 0, false, at(1)),
        Ended::Invisible(at(10))
    );
    assert_eq!(q.next_delivery(0, at(2)), None, "invisible");
    q.visible(m, 0);
    let m = q.next_delivery(0, at(10)).expect("visible again");
    // A timeout: the visibility timeout has passed, ready at once.
    assert_eq!(q.delivery_ended(m, 0, false, at(20)), Ended::Ready);
    let m = q.next_delivery(0, at(20)).expect("ready");
    assert_eq!(q.delivery_ended(m, 0, false, at(21)), Ended::DeadLettered);
    let r = q.result(at(21));
    assert_eq!(r.counts.delivered, 3);
    assert_eq!(r.counts.redelivered, 2);
    assert_eq!(r.counts.failed, 3);
    assert_eq!(r.counts.dead_lettered, 1);
    assert_eq!(r.in_flight_end, 0);
    assert_eq!(r.lag_max, SimDuration::from_secs(21));
    assert_eq!(r.lag_end, SimDuration::ZERO);
}

#[test]
fn a_second_effect_is_a_duplicate_unless_the_consumer_is_idempotent() {
    let mut plain = queue(config(10, WhenFull::Error, None));
    let m = MessageId::new(3, 70, false);
    assert_eq!(plain.effect(m, at(1)), Effect::Applied);
    assert_eq!(plain.effect(m, at(2)), Effect::Duplicate);
    let counts = plain.result(at(2)).counts;
    assert_eq!((counts.effects, counts.duplicates), (2, 1));

    let mut idempotent = config(10, WhenFull::Error, None);
    idempotent.idempotent = true;
    let mut q = queue(idempotent);
    assert_eq!(q.effect(m, at(1)), Effect::Applied);
    assert_eq!(q.effect(m, at(2)), Effect::Deduplicated);
    let counts = q.result(at(2)).counts;
    assert_eq!(
        (counts.effects, counts.duplicates, counts.deduplicated),
        (1, 0, 1)
    );
}

#[test]
fn poison_is_drawn_only_when_asked_for() {
    let mut c = config(100, WhenFull::Error, None);
    c.poison = Probability::new(1.0).expect("valid");
    let mut q = queue(c);
    q.publish(0, job(), at(0));
    assert!(q.next_delivery(0, at(0)).expect("ready").poison());
    let mut q = queue(config(100, WhenFull::Error, None));
    assert!(q.poison.is_none());
    q.publish(0, job(), at(0));
    assert!(!q.next_delivery(0, at(0)).expect("ready").poison());
}

#[test]
fn keyed_publishes_of_one_event_are_one_effect_for_an_idempotent_consumer() {
    let mut c = config(2, WhenFull::Block, None);
    c.idempotent = true;
    let mut q = queue(c);
    assert!(q.publish_keyed(0, 42, at(1)));
    assert!(
        q.publish_keyed(0, 42, at(2)),
        "a republish is a second message"
    );
    assert!(
        !q.publish_keyed(0, 43, at(3)),
        "a full partition refuses the relay"
    );
    let first = q.next_delivery(0, at(4)).expect("the first is ready");
    let second = q.next_delivery(0, at(4)).expect("the second is ready");
    assert_ne!(first.seq(), second.seq());
    assert_eq!(q.effect(first, at(5)), Effect::Applied);
    assert_eq!(
        q.effect(second, at(5)),
        Effect::Deduplicated,
        "the same key"
    );
    assert_eq!(q.counts.published, 2);
}
