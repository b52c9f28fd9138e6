//! Tests of the quorum store alone: on its own event loop (every replica reachable), and call
//! by call with chosen reachability.

use sim_core::{Distribution, Limits, SimDuration, SimTime};

use super::store::Quorum;
use super::{run, QuorumCalls};
use crate::config::{DatabaseOp, NoQuorum, QuorumConfig};

fn config(n: u32, r: u32, w: u32, delay_ms: u64) -> QuorumConfig {
    QuorumConfig {
        name: "kv".to_string(),
        replicas: n,
        read_quorum: r,
        write_quorum: w,
        read_repair: false,
        on_no_quorum: NoQuorum::Fail,
        replication_delay: Distribution::Constant(SimDuration::from_millis(delay_ms)),
        anti_entropy: None,
        keys: 10,
        service: None,
    }
}

fn limits() -> Limits {
    Limits {
        pending_events_max: 1_000,
        events_max: 10_000_000,
        memory_max: u64::MAX,
    }
}

fn alone(config: &QuorumConfig, seed: u64) -> (sim_core::RunStats, super::QuorumResult) {
    let span = (SimDuration::from_secs(20), SimDuration::from_secs(1));
    run(config, seed, span, 2_000.0, limits()).expect("a store alone stays within its limits")
}

/// R + W > N: every read quorum overlaps every write quorum, so over ~19,000 reads of ten
/// hot keys with a long replication delay not one read is stale (Dynamo §4.5).
#[test]
fn overlapping_quorums_never_read_stale() {
    let (_, result) = alone(&config(3, 2, 2, 500), 1);
    assert!(result.calls.reads > 15_000, "{:?}", result.calls);
    assert_eq!(result.calls.stale_reads, 0);
    assert_eq!(result.calls.failed_reads + result.calls.failed_writes, 0);
}

/// R + W ≤ N with a replication delay far longer than the gap between calls of one key:
/// reads that miss the one replica holding the newest write are stale. A read at R = W = 1,
/// N = 3 that follows a write of its key within the delay sees it only when it is served by
/// the writer's replica (1 in 3), so most such reads are stale.
#[test]
fn weak_quorums_read_stale() {
    let (_, result) = alone(&config(3, 1, 1, 500), 1);
    let calls = result.calls;
    assert!(calls.stale_reads * 2 > calls.reads, "{calls:?}");
}

/// Read repair brings every reachable replica up to the newest version a read saw, so the
/// same load reads stale less often with it than without.
#[test]
fn read_repair_reduces_stale_reads() {
    let mut plain = config(3, 1, 1, 500);
    let (_, without) = alone(&plain, 3);
    plain.read_repair = true;
    let (_, with) = alone(&plain, 3);
    assert_eq!(without.calls.read_repairs, 0);
    assert!(with.calls.read_repairs > 0, "{:?}", with.calls);
    assert!(
        with.calls.stale_reads < without.calls.stale_reads,
        "with {:?}, without {:?}",
        with.calls,
        without.calls
    );
}

/// Anti-entropy every 100 ms catches replicas up well before a 500 ms delay would.
#[test]
fn anti_entropy_reduces_stale_reads() {
    let mut plain = config(3, 1, 1, 500);
    let (_, without) = alone(&plain, 4);
    plain.anti_entropy = Some(SimDuration::from_millis(100));
    let (_, with) = alone(&plain, 4);
    assert!(with.anti_entropy_repairs > 0);
    assert!(with.calls.stale_reads < without.calls.stale_reads);
}

/// The same seed gives the same run, event for event; another seed another run.
#[test]
fn a_store_alone_replays_exactly() {
    let c = config(5, 2, 2, 20);
    let (a, ra) = alone(&c, 9);
    let (b, rb) = alone(&c, 9);
    let (other, _) = alone(&c, 10);
    assert_eq!((a.trace_hash, a.events), (b.trace_hash, b.events));
    assert_eq!(ra, rb);
    assert_ne!(a.trace_hash, other.trace_hash);
}

/// Call by call: a coordinator cut off from the others fails under `fail`, and under
/// `sloppy` serves a write only it holds, so a read through the majority is then stale; a
/// write that reached a quorum is never missed by a read quorum.
#[test]
fn a_cut_off_coordinator_fails_or_serves_stale() {
    let mut c = config(3, 2, 2, 1_000);
    c.keys = 1;
    let t = |ms: u64| SimTime::ZERO.add(SimDuration::from_millis(ms));
    let all = |_: u32, _: u32| true;
    let alone_2 = |a: u32, b: u32| (a == 2) == (b == 2);
    let counted = (None, true);

    let mut cp = Quorum::new(c.clone(), 1, SimTime::ZERO, 0);
    assert!(cp.serve_call(DatabaseOp::Write, 0, &all, t(1), counted));
    assert!(!cp.serve_call(DatabaseOp::Write, 2, &alone_2, t(2), counted));
    assert!(!cp.serve_call(DatabaseOp::Read, 2, &alone_2, t(3), counted));
    assert!(cp.serve_call(DatabaseOp::Read, 0, &alone_2, t(4), counted));
    let calls = cp.result(t(5)).calls;
    let expected = QuorumCalls {
        reads: 2,
        writes: 2,
        failed_reads: 1,
        failed_writes: 1,
        ..QuorumCalls::default()
    };
    assert_eq!(calls, expected);

    c.on_no_quorum = NoQuorum::Sloppy;
    let mut ap = Quorum::new(c, 1, SimTime::ZERO, 0);
    assert!(ap.serve_call(DatabaseOp::Write, 0, &all, t(1), counted));
    assert!(ap.serve_call(DatabaseOp::Write, 2, &alone_2, t(2), counted));
    assert!(ap.serve_call(DatabaseOp::Read, 0, &alone_2, t(3), counted));
    let calls = ap.result(t(4)).calls;
    assert_eq!(calls.sloppy_writes, 1);
    assert_eq!(
        calls.stale_reads, 1,
        "the majority missed kv[2]'s sloppy write"
    );
}
