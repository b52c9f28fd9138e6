//! The claim tests of the transactions lessons (issue #21): a write and its event, by dual
//! write or through a transactional outbox, with the helpers of `tests/lessons.rs`.

use super::*;

#[test]
fn outbox_vs_dual_write() {
    // Headline: written as two steps, the pair loses events when the publish fails or the
    // replica dies after the write (about 200/s × the 2 s a partition is down, plus a few per
    // replica crash), and publishing first invents them for the orders a leaderless database
    // refuses (200/s × the 3 s failover); the outbox loses and invents none (its event row
    // commits with the write: Richardson, *Microservices Patterns*, §3.3.7), and pays with
    // duplicates after a relay crash, which an idempotent consumer refuses, and with lag.
    let pair = |r: &Simulated| r.summary.outboxes["orders"].clone();
    let dual = run("outbox-vs-dual-write", None, &[]);
    let first = run("outbox-vs-dual-write", Some("publish-first"), &[]);
    let outbox = run("outbox-vs-dual-write", Some("outbox"), &[]);
    let idempotent = run("outbox-vs-dual-write", Some("outbox-idempotent"), &[]);
    for (label, r) in [
        ("dual-write", &dual),
        ("publish-first", &first),
        ("outbox", &outbox),
        ("outbox-idempotent", &idempotent),
    ] {
        let o = pair(r);
        eprintln!(
            "{label}: {} operations, {} committed, {} published, {} lost, {} invented, {} pending, {} aborted, {} duplicates, lag mean {:?} max {:?} ms",
            o.operations, o.committed, o.published, o.lost, o.invented, o.pending_end,
            o.aborted, o.duplicates, o.lag_ms.mean, o.lag_ms.max
        );
        assert_eq!(
            o.operations,
            o.consistent + o.lost + o.invented + o.pending_end + o.in_flight_end + o.aborted
        );
    }
    let (d, f, o, i) = (pair(&dual), pair(&first), pair(&outbox), pair(&idempotent));
    assert!(d.lost > 150 && d.invented == 0, "{d:?}");
    assert!(f.invented > 450 && f.lost == 0, "{f:?}");
    assert_eq!((o.lost, o.invented), (0, 0));
    assert_eq!(o.committed, o.published + o.pending_end);
    // The relay republished the batches a crash caught before their mark.
    assert!(o.duplicates > 0);
    let queue = |r: &Simulated| r.summary.queues["events"].clone();
    assert_eq!(queue(&outbox).duplicates, o.duplicates);
    assert_eq!(queue(&idempotent).duplicates, 0);
    assert_eq!(queue(&idempotent).deduplicated, i.duplicates);
    // No relay publishes without a leader: the 3 s failover is the lag's maximum.
    let max = o.lag_ms.max.expect("events were published");
    assert!((3000.0..3200.0).contains(&max), "lag max {max} ms");
}
