//! Workflows across services end to end (issue #21): scenario JSON through
//! `faultline::simulate`, with the exact accounting of every instance and every step.
//!
//! Sources: Garcia-Molina & Salem, "Sagas" (SIGMOD 1987): a saga is a sequence of local
//! transactions T1..Tn, each with a compensation Ci, that runs either T1..Tn or
//! T1..Tj, Cj..C1; so every step an instance applied is either part of a completed instance
//! or undone by exactly one compensation, unless the compensation itself fails. Bernstein,
//! Hadzilacos & Goodman, *Concurrency Control and Recovery in Database Systems* (1987), ch. 7
//! "Distributed Recovery", §7.4: two-phase commit is blocking: a participant that voted yes
//! cannot decide alone, and holds its locks until it hears the coordinator's decision, so a
//! coordinator crash blocks it for the length of the crash.

// Tolerances use f64::sqrt: test arithmetic, not a sampling formula.
#![allow(clippy::disallowed_methods)]

use faultline::simulate::{simulate, Simulated};
use models::world::trace::{run_traced, Admitted, Happening, TraceOptions};
use reports::summary::WorkflowSummary;
use sim_core::{SimDuration, SimTime};

#[path = "support/binary.rs"]
mod binary;
#[path = "support/compare.rs"]
mod compare;

/// A scenario of client `shop` (100/s) calling coordinator `orders` (2 replicas), whose
/// workflow `checkout` runs steps on `payments`, `inventory` and `shipping`; `workflow` is
/// spliced into the workflow object and `faults` into the fault list.
fn scenario(workflow: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "saga-test", "duration": "30s", "warmup": "2s",
  "clients": [ {{ "name": "shop", "target": "orders", "timeout": "5s",
                 "arrival": {{ "kind": "poisson", "rate_per_s": 100 }} }} ],
  "services": [
    {{ "name": "orders", "replicas": 2, "workers": 64, "service_time": {{ "kind": "constant", "value": "1ms" }} }},
    {{ "name": "payments", "workers": 32, "service_time": {{ "kind": "exponential", "mean": "10ms" }} }},
    {{ "name": "inventory", "workers": 32, "service_time": {{ "kind": "exponential", "mean": "10ms" }} }},
    {{ "name": "shipping", "workers": 32, "service_time": {{ "kind": "exponential", "mean": "10ms" }} }}
  ],
  "workflows": [ {{ "name": "checkout", "coordinator": "orders",
    "steps": [ {{ "service": "payments", "timeout": "1s" }},
               {{ "service": "inventory", "timeout": "1s" }},
               {{ "service": "shipping", "timeout": "1s" }} ]{sep}{workflow} }} ],
  "faults": [ {faults} ] }}"#,
        sep = if workflow.is_empty() { "" } else { ", " }
    )
}

fn run(text: &str, seed: u64) -> Simulated {
    simulate(text, "saga-test", None, &[], seed).unwrap_or_else(|e| panic!("{e}"))
}

fn checkout(simulated: &Simulated) -> &WorkflowSummary {
    (simulated.summary.workflows.get("checkout")).expect("the summary has workflow checkout")
}

/// Every measured instance ended one way or is still running, and per step every
/// application is undone once, part of a completed instance, or left applied.
fn accounted(w: &WorkflowSummary) {
    assert_eq!(
        w.started,
        w.completed + w.compensated + w.aborted + w.inconsistent + w.in_flight_end,
        "started = completed + compensated + aborted + inconsistent + in flight: {w:?}"
    );
    for step in &w.steps {
        assert_eq!(
            step.applied - step.undone,
            w.completed + step.left,
            "applied − undone = completed + left at {}: {w:?}",
            step.service
        );
    }
}

#[test]
fn compensations_exactly_undo_their_steps() {
    // Errors at every participant (inventory's and shipping's fail steps, payments' also fail
    // compensations) and a crash of a coordinator replica: on every seed, each applied step
    // is undone exactly once, part of a completed instance, or left by an inconsistent one.
    let faults = r#"{ "kind": "error_burst", "target": "payments", "at": "0s", "fraction": 0.05 },
        { "kind": "error_burst", "target": "inventory", "at": "0s", "fraction": 0.05 },
        { "kind": "error_burst", "target": "shipping", "at": "0s", "fraction": 0.1 },
        { "kind": "crash", "target": "orders[1]", "at": "10s", "for": "3s" }"#;
    for (workflow, seeds) in [("", 1..=4), (r#""durable_log": false"#, 1..=2)] {
        for seed in seeds {
            let simulated = run(&scenario(workflow, faults), seed);
            let w = checkout(&simulated);
            accounted(w);
            assert!(w.compensated > 100 && w.compensations_failed > 0, "{w:?}");
            // A failed compensation leaves its step applied: the instance is inconsistent.
            assert!(w.inconsistent >= w.compensations_failed.min(1), "{w:?}");
            assert_eq!(w.aborted, 0);
        }
    }
}

#[test]
fn without_failures_every_instance_completes() {
    for protocol in ["saga", "two_phase_commit"] {
        // Ten million keys: two of the few instances in flight at once share one rarely.
        let workflow = format!(r#""protocol": "{protocol}", "keys": 10000000"#);
        let simulated = run(&scenario(&workflow, ""), 1);
        let w = checkout(&simulated);
        accounted(w);
        assert!(w.started > 2_500, "{w:?}");
        assert_eq!(w.completed, w.started, "{protocol}: {w:?}");
        assert_eq!(
            w.compensations + w.blocked + w.aborted,
            0,
            "{protocol}: {w:?}"
        );
        assert!(w
            .steps
            .iter()
            .all(|s| s.applied == w.started && s.undone == 0));
    }
}

#[test]
fn a_failing_last_step_compensates_every_step_before_it_once() {
    let faults = r#"{ "kind": "error_burst", "target": "shipping", "at": "0s", "fraction": 1.0 }"#;
    let simulated = run(&scenario("", faults), 2);
    let w = checkout(&simulated);
    accounted(w);
    assert_eq!(w.completed, 0);
    assert_eq!(w.compensated, w.started, "{w:?}");
    assert_eq!(w.compensations, 2 * w.started, "{w:?}");
    for step in &w.steps[..2] {
        assert_eq!((step.applied, step.undone), (w.started, w.started), "{w:?}");
    }
    assert_eq!((w.steps[2].applied, w.steps[2].undone), (0, 0));
}

#[test]
fn the_compensated_fraction_is_the_last_step_failure_rate() {
    // Each instance reaches shipping (nothing else fails) and fails there with probability
    // p = 0.1, independently (a fresh draw per attempt, one attempt per step), so the number
    // compensated is Binomial(n, p): within 4 standard deviations, sqrt(n·p·(1 − p)), of n·p
    // (Feller, *An Introduction to Probability Theory*, vol. 1, ch. VI).
    let faults = r#"{ "kind": "error_burst", "target": "shipping", "at": "0s", "fraction": 0.1 }"#;
    for seed in 1..=3 {
        let simulated = run(&scenario("", faults), seed);
        let w = checkout(&simulated);
        accounted(w);
        let n = (w.started - w.in_flight_end) as f64;
        let (mean, sd) = (0.1 * n, (n * 0.1 * 0.9).sqrt());
        let compensated = w.compensated as f64;
        assert!(
            (compensated - mean).abs() <= 4.0 * sd,
            "seed {seed}: {compensated} compensated of {n}, expected {mean} ± {sd}"
        );
        assert_eq!(w.compensations, 2 * w.compensated, "{w:?}");
    }
}

#[test]
fn a_step_without_compensation_is_left_applied() {
    // Payments cannot be undone: every instance whose shipping fails keeps its payment.
    let text = scenario(
        "",
        r#"{ "kind": "error_burst", "target": "shipping", "at": "0s", "fraction": 1.0 }"#,
    )
    .replace(
        r#"{ "service": "payments", "timeout": "1s" }"#,
        r#"{ "service": "payments", "timeout": "1s", "compensate": false }"#,
    );
    let simulated = run(&text, 1);
    let w = checkout(&simulated);
    accounted(w);
    assert_eq!((w.inconsistent, w.compensated), (w.started, 0), "{w:?}");
    assert_eq!(w.steps[0].left, w.started);
    assert_eq!(w.steps[1].undone, w.started);
}

#[test]
fn two_phase_commit_blocks_for_the_whole_coordinator_crash() {
    // One key: every transaction needs the same locks, so they run one at a time. A 10 s
    // crash of orders[0] strands the transaction it had prepared; its participants hold the
    // lock for the whole crash (BHG 1987 §7.4), and every prepare meanwhile is refused: no
    // checkout commits until the restart. No step retries and no other fault, so every
    // failed step request is a prepare refused for a held lock.
    let crash = r#"{ "kind": "crash", "target": "orders[0]", "at": "10s", "for": "10s" }"#;
    let workflow = r#""protocol": "two_phase_commit", "keys": 1"#;
    let crashed = run(&scenario(workflow, crash), 1);
    let calm = run(&scenario(workflow, ""), 1);
    let (w, before) = (checkout(&crashed), checkout(&calm));
    accounted(w);
    accounted(before);
    assert_eq!(
        w.recovered, 1,
        "one transaction was in doubt at the crash: {w:?}"
    );
    // It holds its locks from before the crash until the restart: at least the 10 s.
    let in_doubt = w
        .in_doubt_lock_seconds
        .expect("two-phase commit holds locks");
    assert!((10.0..=3.0 * 10.5).contains(&in_doubt), "{in_doubt}: {w:?}");
    assert_eq!(before.in_doubt_lock_seconds, Some(0.0));
    // The blocked prepares are exactly the step requests that failed.
    let orders = &crashed.summary.services["orders"];
    let failed: u64 = orders.calls.iter().map(|c| c.failed).sum();
    let attempts: u64 = orders.calls.iter().map(|c| c.attempts).sum();
    let requests: u64 = orders.calls.iter().map(|c| c.requests).sum();
    assert_eq!(attempts, requests, "no step retries");
    assert_eq!(w.blocked, failed, "{w:?}");
    // And they are exactly the attempts the trace shows refused for a held lock.
    assert_eq!(w.blocked, locked_in_trace(&scenario(workflow, crash), 1));
    // Nothing commits while the lock is held: throughput is zero for the crash's length,
    // and comes back after the restart.
    let goodput = |r: &Simulated, from: usize, to: usize| -> f64 {
        r.result.clients[0].series.goodput_per_s[from..to]
            .iter()
            .sum()
    };
    assert!(goodput(&crashed, 5, 10) > 5.0 * 10.0, "before the crash");
    assert_eq!(goodput(&crashed, 11, 20), 0.0, "during the crash");
    assert!(goodput(&crashed, 21, 26) > 5.0 * 10.0, "after the restart");
    // The saga under the same crash holds no lock and keeps committing on orders[1].
    let saga = run(&scenario("", crash), 1);
    let s = checkout(&saga);
    accounted(s);
    assert_eq!((s.blocked, s.lock_seconds), (0, None));
    assert!(
        goodput(&saga, 11, 20) > 9.0 * 40.0,
        "the saga during the crash"
    );
}

/// Attempts the full trace of `text` at `seed` shows refused for a held lock after the
/// warm-up (2 s).
fn locked_in_trace(text: &str, seed: u64) -> u64 {
    let options = scenarios::LoadOptions::default();
    let scenario = scenarios::parse(text, "saga-test", &options).unwrap_or_else(|e| panic!("{e}"));
    let window = TraceOptions {
        from: SimTime::ZERO,
        to: SimTime::MAX,
        events_from: 1,
        until_event: None,
        records_max: usize::MAX,
    };
    let traced = run_traced(&scenario.world, seed, window).expect("the run ends");
    assert!(!traced.trace.truncated);
    let warmup = SimTime::ZERO.add(SimDuration::from_secs(2));
    (traced.trace.records.iter())
        .filter(|r| r.at >= warmup)
        .filter(|r| {
            matches!(
                r.what,
                Happening::Admission {
                    admitted: Admitted::Locked,
                    ..
                }
            )
        })
        .count() as u64
}

#[test]
fn a_paused_coordinator_compensates_after_its_pause() {
    // A 5 s pause of orders[0] while every shipment fails: the failures its frozen jobs hear
    // wait for the pause's end, and then compensate; the accounting still closes.
    let faults = r#"{ "kind": "error_burst", "target": "shipping", "at": "0s", "fraction": 1.0 },
        { "kind": "pause", "target": "orders[0]", "at": "10s", "for": "5s" }"#;
    let simulated = run(&scenario("", faults), 1);
    let w = checkout(&simulated);
    accounted(w);
    assert_eq!(w.compensated + w.in_flight_end, w.started, "{w:?}");
    assert_eq!(w.inconsistent, 0, "{w:?}");
}

#[test]
fn bad_workflows_are_refused_with_their_path() {
    let base = scenario("", "");
    let cases = [
        (base.replace(r#""coordinator": "orders""#, r#""coordinator": "ordres""#), "workflows[0"),
        (base.replace(r#"{ "service": "shipping", "timeout": "1s" }"#, r#"{ "service": "shiping" }"#), "steps[2"),
        (base.replace(r#""coordinator": "orders""#, r#""coordinator": "payments""#), "must not be the workflow's coordinator"),
        (base.replace(
            r#""steps": [ { "service": "payments", "timeout": "1s" },
               { "service": "inventory", "timeout": "1s" },
               { "service": "shipping", "timeout": "1s" } ]"#, r#""steps": []"#), "must list at least one step"),
        (base.replace(r#""service_time": { "kind": "constant", "value": "1ms" } }"#,
            r#""service_time": { "kind": "constant", "value": "1ms" }, "calls": [ { "service": "payments" } ] }"#), "services[0"),
        (base.replace(r#""steps""#, r#""keys": 0, "steps""#), "keys"),
        (base.replace(r#""steps""#, r#""protocol": "3pc", "steps""#), "protocol"),
    ];
    for (text, expected) in cases {
        let error = simulate(&text, "saga-test", None, &[], 1)
            .err()
            .map(|e| e.to_string());
        let error = error.unwrap_or_else(|| panic!("accepted, expected an error with {expected}"));
        assert!(error.contains(expected), "{expected:?} not in {error}");
        assert!(
            error.contains("workflows") || error.contains("services"),
            "{error}"
        );
    }
}

#[test]
fn compare_judges_instances_left_inconsistent() {
    // The per-seed values of a comparison are the runs' own counts, and a saga, which holds
    // no lock, has its lock-seconds undefined rather than 0.
    let compared = compare::compare(
        "saga",
        &[
            "saga-vs-2pc",
            "--variants",
            "saga,saga-no-log",
            "--seeds",
            "1..2",
        ],
    );
    let text = std::fs::read_to_string("scenarios/library/saga-vs-2pc.json").unwrap();
    let per_seed =
        compared.row("workflows.checkout.inconsistent", "saga-no-log")["per_seed"].clone();
    for seed in 1..=2u64 {
        let run = simulate(&text, "saga-vs-2pc", Some("saga-no-log"), &[], seed).unwrap();
        let left = run.summary.workflows["checkout"].inconsistent as f64;
        assert_eq!(per_seed[seed as usize - 1], left);
    }
    let saga = |key: &str| compared.row(key, "saga")["per_seed"][0].clone();
    assert_eq!(saga("workflows.checkout.inconsistent"), 0.0);
    assert!(saga("workflows.checkout.lock_seconds").is_null());
}
