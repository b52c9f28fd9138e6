//! Unit tests of the outbox's ledger, table and relay bookkeeping.

use slotmap::SlotMap;

use super::*;
use crate::config::ServiceId;

fn config(mode: OutboxMode, batch: u32) -> OutboxConfig {
    OutboxConfig {
        mode,
        database: ServiceId(1),
        queue: 0,
        queue_service: ServiceId(2),
        write_call: 0,
        publish_call: 1,
        relay_interval: SimDuration::from_millis(100),
        relay_batch: batch,
        relay_ack: SimDuration::from_millis(5),
    }
}

fn jobs(n: usize) -> Vec<JobKey> {
    let mut map: SlotMap<JobKey, ()> = SlotMap::with_key();
    (0..n).map(|_| map.insert(())).collect()
}

#[test]
fn dual_write_classes_each_operation_once() {
    let t = SimTime::ZERO;
    let mut o = Outbox::new(config(OutboxMode::DualWrite, 1), "orders", 0, t);
    let j = jobs(5);
    let ops: Vec<u64> = j.iter().map(|&job| o.begin(job, t)).collect();
    o.committed(ops[0], t); // Consistent.
    o.published(ops[0], t);
    o.committed(ops[1], t); // Lost: its job ended.
    o.published(ops[2], t); // Invented.
    o.committed(ops[3], t); // Pending: its job still runs.
    let running = j[3];
    let r = o.result(|job| job == running);
    let c = r.counts;
    assert_eq!(
        (c.consistent, c.lost, c.invented, c.pending_end, c.aborted),
        (1, 1, 1, 1, 1)
    );
    assert_eq!(c.operations, 5);
    assert_eq!(
        c.operations,
        c.consistent + c.lost + c.invented + c.pending_end + c.aborted
    );
}

#[test]
fn relay_republishes_a_batch_whose_mark_a_crash_voided() {
    let t = SimTime::ZERO;
    let mut o = Outbox::new(config(OutboxMode::Outbox, 2), "orders", 3, t);
    let j = jobs(3);
    for &job in &j {
        let op = o.begin(job, t);
        o.committed(op, t);
    }
    let batch: Vec<u64> = o.poll().collect();
    assert_eq!(
        batch,
        vec![0, 1],
        "a poll takes relay_batch rows in commit order"
    );
    for &op in &batch {
        assert_eq!(o.published(op, t), Published::First);
    }
    let epoch = o.sent(batch.len());
    assert_eq!(
        o.poll().count(),
        0,
        "no poll while a batch waits for its mark"
    );
    o.relay_crashed();
    assert!(!o.mark(epoch), "a mark from before a crash is void");
    let again: Vec<u64> = o.poll().collect();
    assert_eq!(again, vec![0, 1], "the unmarked rows are published again");
    for &op in &again {
        assert_eq!(o.published(op, t), Published::Duplicate);
    }
    let epoch = o.sent(2);
    assert!(o.mark(epoch));
    assert_eq!(o.poll().collect::<Vec<_>>(), vec![2]);
    let c = o.result(|_| false).counts;
    assert_eq!((c.committed, c.published, c.duplicates), (3, 2, 2));
    assert_eq!((c.lost, c.invented, c.pending_end), (0, 0, 1));
    assert_eq!(c.committed, c.published + c.lost + c.pending_end);
    assert_eq!(o.key(2), 3 << 40 | 2, "keys carry the outbox's index");
}
