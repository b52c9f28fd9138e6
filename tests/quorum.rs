//! The quorum-replicated store end to end (issue #18): scenario JSON through
//! `faultline::simulate::simulate`, with the exact accounting of each mechanism.
//!
//! Sources: DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store", SOSP 2007,
//! §4.5 (with R + W > N every read quorum overlaps every write quorum, so a read sees the
//! newest acknowledged write); Brewer, "CAP Twelve Years Later", IEEE Computer 45(2), 2012
//! (under a partition a store refuses requests, CP, or serves them possibly stale, AP). The
//! stale fraction of `weak_quorums_stale_fraction_matches_poisson_theory` follows from the
//! Poisson process (no write in the last D with probability e^(−λD)) and PASTA (Wolff,
//! "Poisson Arrivals See Time Averages", Operations Research 30(2), 1982).

// The tolerance uses f64::sqrt and f64::exp: test arithmetic, not a sampling formula, so the
// libm rule (which keeps sampled values identical across platforms) does not apply.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;

use faultline::simulate::{load_options, simulate, Simulated};
use models::{Happening, TraceOptions};
use reports::summary::QuorumSummary;
use sim_core::{Distribution, Limits, SimDuration, SimTime};

/// Users write then read one key through api; the store `kv` has `quorum` spliced in (after
/// its defaults of N = 3, R = W = 2) and the faults `faults`.
fn scenario(quorum: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "quorum-test", "duration": "40s", "warmup": "2s",
  "clients": [ {{ "name": "users", "target": "api",
                 "arrival": {{ "kind": "poisson", "rate_per_s": 400 }}, "timeout": "2s" }} ],
  "services": [ {{ "name": "api", "replicas": 2, "workers": 64,
                  "service_time": {{ "kind": "exponential", "mean": "1ms" }},
                  "calls": [ {{ "service": "kv", "op": "write", "timeout": "1s" }},
                             {{ "service": "kv", "op": "read", "timeout": "1s" }} ] }} ],
  "quorum": {{ "name": "kv", "keys": 20, "workers": 32,
              "replication_delay": {{ "kind": "lognormal", "p50": "5ms", "p99": "50ms" }}
              {quorum} }},
  "faults": [ {faults} ] }}"#
    )
}

/// kv[2] cut off from kv[0] and kv[1] from 10 s to 25 s.
const MINORITY: &str = r#"{ "kind": "partition", "groups": [["kv[2]"], ["kv[0]", "kv[1]"]], "at": "10s", "for": "15s" }"#;

fn run(text: &str, seed: u64) -> Simulated {
    simulate(text, "quorum-test", None, &[], seed).unwrap_or_else(|e| panic!("{e}"))
}

fn store(run: &Simulated) -> &QuorumSummary {
    run.summary
        .quorum
        .as_ref()
        .expect("the summary has a quorum object")
}

/// The calls of the run's own trace that replica `replica` coordinated in `[from, to)`, as
/// (writes, reads): each is a `WorkDone` of a kv job at that replica, and its request's
/// `CallStarted` says which of api's calls (0 writes, 1 reads) made it.
fn coordinated(text: &str, seed: u64, replica: &str, (from, to): (u64, u64)) -> (u64, u64) {
    let options = load_options(None, &[]).expect("no overrides");
    let scenario = scenarios::parse(text, "quorum-test", &options).expect("a valid scenario");
    let window = TraceOptions {
        from: SimTime::ZERO,
        to: SimTime::MAX,
        events_from: 1,
        until_event: None,
        records_max: usize::MAX,
    };
    let traced = models::run_traced(&scenario.world, seed, window).expect("a run to its end");
    let trace = traced.trace;
    assert!(!trace.truncated);
    let node = trace
        .nodes
        .iter()
        .position(|n| n == replica)
        .expect("the replica is a node") as u32;
    let kv = trace.services.iter().position(|s| s == "kv").expect("kv") as u32;
    let mut calls = BTreeMap::new();
    let (mut writes, mut reads) = (0, 0);
    let (from, to) = (seconds(from), seconds(to));
    for record in &trace.records {
        match record.what {
            Happening::CallStarted {
                request,
                service,
                call,
                ..
            } if service.0 == kv => {
                calls.insert(request, call);
            }
            Happening::WorkDone { replica, attempt }
                if replica.0 == node && from <= record.at && record.at < to =>
            {
                match calls[&attempt.request] {
                    0 => writes += 1,
                    _ => reads += 1,
                }
            }
            _ => {}
        }
    }
    (writes, reads)
}

fn seconds(s: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(s))
}

/// R + W > N and no partition: over many thousands of reads, with replication delays far
/// longer than the gap between writes of one key, not one read is stale (Dynamo §4.5).
#[test]
fn overlapping_quorums_read_nothing_stale_without_a_partition() {
    for seed in 1..=3 {
        let run = run(&scenario("", ""), seed);
        let kv = store(&run);
        assert!(kv.calls.reads > 14_000, "{:?}", kv.calls);
        assert_eq!(kv.calls.stale_reads, 0, "seed {seed}");
        assert_eq!(kv.calls.failed_reads + kv.calls.failed_writes, 0);
        assert_eq!(kv.calls.stale_fraction, Some(0.0));
    }
}

/// R + W ≤ N (R = W = 1 of 3) with a replication delay: reads served by a replica the newest
/// write has not reached yet are stale, with no partition at all.
#[test]
fn weak_quorums_read_stale_without_a_partition() {
    let run = run(&scenario(r#", "read_quorum": 1, "write_quorum": 1"#, ""), 1);
    let kv = store(&run);
    assert!(kv.calls.stale_reads > 100, "{:?}", kv.calls);
    assert_eq!(kv.calls.failed_reads + kv.calls.failed_writes, 0);
    assert_eq!(kv.calls.sloppy_reads + kv.calls.sloppy_writes, 0);
}

/// The store alone at R = W = 1 of N = 3, one key, Poisson writes at λ = 100/s (half of 200
/// calls/s), each coordinated by a uniformly chosen replica and reaching the others a
/// constant D = 5 ms later. A read (a uniformly chosen replica) is stale iff the newest write
/// came in the last D (probability 1 − e^(−λD)) and another replica coordinated it
/// (probability (N − 1)/N): P(stale) = (1 − e^(−0.5)) × 2/3 ≈ 0.2623. Poisson reads see the
/// time average (PASTA). About 120,000 reads: a standard error near 0.0013.
#[test]
fn weak_quorums_stale_fraction_matches_poisson_theory() {
    let config = models::QuorumConfig {
        name: "kv".to_string(),
        replicas: 3,
        read_quorum: 1,
        write_quorum: 1,
        read_repair: false,
        on_no_quorum: models::NoQuorum::Fail,
        replication_delay: Distribution::Constant(SimDuration::from_millis(5)),
        anti_entropy: None,
        keys: 1,
        service: None,
    };
    let limits = Limits {
        pending_events_max: 1_000,
        events_max: 100_000_000,
        memory_max: u64::MAX,
    };
    let span = (SimDuration::from_secs(1_201), SimDuration::from_secs(1));
    let (_, result) =
        models::quorum::run(&config, 7, span, 200.0, limits).expect("within its limits");
    let calls = result.calls;
    let p = calls.stale_reads as f64 / calls.reads as f64;
    let expected = (1.0 - (-0.5f64).exp()) * 2.0 / 3.0;
    let se = (expected * (1.0 - expected) / calls.reads as f64).sqrt();
    assert!(calls.reads > 110_000, "{calls:?}");
    assert!(
        (p - expected).abs() < 4.0 * se,
        "stale fraction {p:.4}, theory {expected:.4} ± {:.4}",
        4.0 * se
    );
}

/// A partition isolates kv[2], a minority: the strict quorum (CP) fails exactly the calls
/// kv[2] coordinates while cut off, counted from the run's own trace, and reads nothing
/// stale; serving without a quorum (AP) answers exactly those calls, and the writes kv[2]
/// takes alone are missed by the majority's reads, which are stale.
#[test]
fn a_minority_partition_fails_cp_calls_and_serves_ap_calls_stale() {
    let cp = scenario("", MINORITY);
    let (writes, reads) = coordinated(&cp, 1, "kv[2]", (10, 25));
    assert!(writes > 500 && reads > 0, "{writes} writes, {reads} reads");
    let run_cp = run(&cp, 1);
    let kv = store(&run_cp).calls;
    assert_eq!(kv.failed_writes, writes);
    assert_eq!(kv.failed_reads, reads);
    assert_eq!(kv.stale_reads, 0, "a strict quorum never reads stale");
    assert_eq!(kv.sloppy_reads + kv.sloppy_writes, 0);
    let users = run_cp.summary.clients["users"]
        .quorum
        .expect("users reach kv");
    assert_eq!(users, kv, "every call is a measured user request's");

    let ap = scenario(r#", "on_no_quorum": "sloppy""#, MINORITY);
    let (writes, reads) = coordinated(&ap, 1, "kv[2]", (10, 25));
    let kv = store(&run(&ap, 1)).calls;
    assert_eq!(kv.sloppy_writes, writes);
    assert_eq!(kv.sloppy_reads, reads);
    assert_eq!(kv.failed_reads + kv.failed_writes, 0, "AP fails nothing");
    assert!(kv.stale_reads > 100, "{kv:?}");
}

/// A crash of kv[1] leaves two replicas of three: R = W = 2 is still reachable from them,
/// and calls kv[1] would coordinate are refused by the world (it is down), so the store
/// fails nothing and reads nothing stale.
#[test]
fn a_crash_of_one_replica_of_three_loses_no_quorum() {
    let crash = r#"{ "kind": "crash", "target": "kv[1]", "at": "10s", "for": "10s" }"#;
    let kv = store(&run(&scenario("", crash), 2)).calls;
    assert_eq!(kv.failed_reads + kv.failed_writes, 0, "{kv:?}");
    assert_eq!(kv.stale_reads, 0);
}

/// The store's replicas can be placed in zones, and a partition between zones is the
/// partition between the replicas they hold: zone c holds kv[2] alone, so cutting it off is
/// the minority partition, with the same failures at the same seed.
#[test]
fn a_zone_partition_is_the_partition_of_the_replicas_it_holds() {
    let zones = r#", "zones": ["a", "b", "c"]"#;
    let by_zone = r#"{ "kind": "partition", "groups": [["zone:c"], ["zone:a", "zone:b"]], "at": "10s", "for": "15s" }"#;
    let zoned = store(&run(&scenario(zones, by_zone), 4)).calls;
    let named = store(&run(&scenario(zones, MINORITY), 4)).calls;
    assert!(zoned.failed_writes > 500, "{zoned:?}");
    assert_eq!(zoned, named);
}

/// Read repair brings the reachable replicas a read found behind up to date, so the same
/// weak-quorum load reads stale less often with it.
#[test]
fn read_repair_reduces_stale_reads() {
    let weak = r#", "read_quorum": 1, "write_quorum": 1"#;
    let without = store(&run(&scenario(weak, ""), 3)).calls;
    let repair = format!(r#"{weak}, "read_repair": true"#);
    let with = store(&run(&scenario(&repair, ""), 3)).calls;
    assert_eq!(without.read_repairs, 0);
    assert!(with.read_repairs > 0);
    assert!(
        with.stale_reads < without.stale_reads,
        "with {with:?}, without {without:?}"
    );
}

/// Same scenario, seed and version: the same trace hash and summary; the AP variant's hash
/// differs from the CP one's (the store's outcomes are in the hash).
#[test]
fn quorum_runs_replay_exactly() {
    let text = scenario(r#", "anti_entropy": "500ms""#, MINORITY);
    let (a, b) = (run(&text, 5), run(&text, 5));
    assert_eq!(a.result.stats.trace_hash, b.result.stats.trace_hash);
    assert_eq!(store(&a), store(&b));
    assert!(store(&a).anti_entropy_repairs > 0);
    let ap = run(
        &text.replace(r#""keys": 20"#, r#""keys": 20, "on_no_quorum": "sloppy""#),
        5,
    );
    assert_ne!(a.result.stats.trace_hash, ap.result.stats.trace_hash);
}

/// Bad input names its path and the fix.
#[test]
fn bad_quorum_blocks_are_refused_with_their_path() {
    let error = |quorum: &str| {
        let text = scenario(quorum, "").replace(r#""keys": 20"#, r#""keys": 200000"#);
        match simulate(&text, "quorum-test", None, &[], 1) {
            Ok(_) => panic!("{quorum} was accepted"),
            Err(e) => e.to_string(),
        }
    };
    let big = error(r#", "read_quorum": 4"#);
    assert!(
        big.contains("quorum.read_quorum: must be at most 3"),
        "{big}"
    );
    let zero = error(r#", "replicas": 0"#);
    assert!(
        zero.contains("quorum.replicas: must be at least 1"),
        "{zero}"
    );
    let many = error(r#", "replicas": 1000"#);
    assert!(
        many.contains("quorum.replicas: must be at most 100"),
        "{many}"
    );
    let keys = error(r#", "replicas": 100, "read_quorum": 1, "write_quorum": 1"#);
    assert!(
        keys.contains("quorum.keys: must be at most 100000 with 100 replicas"),
        "{keys}"
    );
    let unknown = error(r#", "on_no_quorum": "maybe""#);
    assert!(unknown.contains("on_no_quorum"), "{unknown}");
    let no_op = scenario("", "").replace(r#""op": "read", "#, "");
    let missing = simulate(&no_op, "quorum-test", None, &[], 1)
        .err()
        .map(|e| e.to_string());
    let missing = missing.expect("a call to kv without op is refused");
    assert!(
        missing.contains("calls[1] (kv).op: is required for a call to the quorum store"),
        "{missing}"
    );
}
