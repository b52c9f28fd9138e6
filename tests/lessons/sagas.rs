//! The claim test of the transactions lesson (issue #21): a saga against two-phase commit
//! under a coordinator crash, with the helpers of `tests/lessons.rs`.

use super::*;

#[test]
fn saga_vs_2pc() {
    // Headline: two-phase commit is blocking (Bernstein, Hadzilacos & Goodman 1987, ch. 7):
    // a participant that prepared for the crashed coordinator holds its lock until the
    // coordinator restarts, so the orders on those keys fail for the whole crash, and its
    // locks cost aborts even without a crash; a saga holds no lock, compensates what failed
    // (Garcia-Molina & Salem 1987), and is left inconsistent only without a durable log.
    let saga = run("saga-vs-2pc", None, &[]);
    let no_log = run("saga-vs-2pc", Some("saga-no-log"), &[]);
    let two_pc = run("saga-vs-2pc", Some("two-phase-commit"), &[]);
    let workflow = |r: &Simulated| r.summary.workflows["checkout"].clone();
    let (s, n, t) = (workflow(&saga), workflow(&no_log), workflow(&two_pc));
    for (label, w) in [("saga", &s), ("saga-no-log", &n), ("two-phase-commit", &t)] {
        eprintln!(
            "{label}: {} started, {} completed, {} compensated, {} aborted, {} inconsistent, {} recovered, {} blocked, {:?} lock-s",
            w.started, w.completed, w.compensated, w.aborted, w.inconsistent, w.recovered,
            w.blocked, w.lock_seconds
        );
        for step in &w.steps {
            assert_eq!(
                step.applied - step.undone,
                w.completed + step.left,
                "{label}"
            );
        }
    }
    // The saga: every failed checkout is undone, the crash's too (on restart).
    assert_eq!((s.inconsistent, s.aborted, s.blocked), (0, 0, 0));
    assert!(s.recovered >= 1 && s.compensated > 100, "{s:?}");
    // Without a log, the instances the crash interrupted stay as they were.
    assert!(n.inconsistent >= 1 && n.recovered == 0, "{n:?}");
    assert_eq!(n.inconsistent + n.compensated, s.compensated);
    // The same events, but one hash per run: the crash's and the restart's effects on the
    // instances are folded into it, so the two runs are told apart by their hashes.
    assert_eq!(saga.summary.events, no_log.summary.events);
    assert_ne!(saga.summary.trace_hash, no_log.summary.trace_hash);
    // Two-phase commit: stranded transactions held their locks for the whole 20 s crash.
    assert!(t.recovered >= 1, "{t:?}");
    // Each held at least one lock from before the crash until the restart.
    let in_doubt = t.in_doubt_lock_seconds.unwrap();
    assert!(
        in_doubt >= 20.0 * t.recovered as f64,
        "{in_doubt} lock-seconds in doubt"
    );
    let calm = workflow(&run(
        "saga-vs-2pc",
        Some("two-phase-commit"),
        &["faults.1=null"],
    ));
    assert_eq!(calm.in_doubt_lock_seconds, Some(0.0));
    // Its locks abort far more transactions than the saga compensates, crash or not.
    assert!(calm.aborted > 5 * s.compensated, "{calm:?}");
    // During the crash the shop's goodput falls further with two-phase commit.
    let during = |r: &Simulated| goodput_between(r, 60, 80);
    let before = |r: &Simulated| goodput_between(r, 50, 60);
    eprintln!(
        "goodput before/during: saga {:.1}/{:.1}, 2PC {:.1}/{:.1}",
        before(&saga),
        during(&saga),
        before(&two_pc),
        during(&two_pc)
    );
    assert!(during(&two_pc) < during(&saga) - 5.0);
    assert!(slo(&saga) > slo(&two_pc));
}

/// The shop's successful requests per second from `from` to `to` seconds.
fn goodput_between(r: &Simulated, from: usize, to: usize) -> f64 {
    let series = &r.result.clients[0].series.goodput_per_s;
    series[from..to].iter().sum::<f64>() / (to - from) as f64
}
