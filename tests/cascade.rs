//! The cascading failure (issue #4): an optional dependency slows down, and a caller whose
//! threads wait on it stops serving everything else.
//!
//! The catalog scenario `cascading-failure` sends 400 req/s from web to api (2 replicas × 16
//! workers, thread-per-request: a worker is held while it waits on its calls), which calls a
//! fast, required `profile` and then an optional `recs`. From 40 s to 70 s recs is 500 times
//! slower. Little's law says why it cascades: a worker held for the ~1.5 s a slow recs call
//! takes serves at most 0.7 jobs/s, so 32 workers serve about 21 req/s of the 400 offered
//! (Nygard, "Release It!", 2nd ed., ch. 4 "Cascading Failures" and ch. 5 "Bulkheads",
//! "Timeouts"). Each assertion below is one claim of docs/lessons/cascading-failure.md,
//! measured on seed 1.

use models::RunResult;

/// The fault window, in whole seconds of the run.
const FAULT: (usize, usize) = (40, 70);
/// Offered load, requests per second.
const OFFERED: f64 = 400.0;

fn run(variant: &str) -> RunResult {
    let entry = scenarios::catalog::find("cascading-failure").expect("catalog entry");
    let options = scenarios::LoadOptions {
        variant: Some(variant.to_string()),
        ..Default::default()
    };
    let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

/// Mean of a per-second series over whole seconds `from..to`.
fn mean(series: &[f64], (from, to): (usize, usize)) -> f64 {
    series[from..to].iter().sum::<f64>() / (to - from) as f64
}

/// The worst per-second p99 latency of successful requests over `from..to`, in ms.
fn worst_p99(result: &RunResult, (from, to): (usize, usize)) -> f64 {
    result.clients[0].series.latency_p99_ms[from..to]
        .iter()
        .flatten()
        .fold(0.0, |a: f64, &b| a.max(b))
}

#[test]
fn a_slow_optional_dependency_cascades_unless_a_bulkhead_and_a_timeout_contain_it() {
    let mut goodput = Vec::new();
    for variant in ["naive", "timeout", "bulkhead"] {
        let result = run(variant);
        let web = &result.clients[0];
        let before = mean(&web.series.goodput_per_s, (30, 40));
        let during = mean(&web.series.goodput_per_s, FAULT);
        let after = mean(&web.series.goodput_per_s, (80, 100));
        let p99 = worst_p99(&result, (FAULT.0 + 1, FAULT.1));
        eprintln!(
            "{variant}: goodput {before:.1} → {during:.1} → {after:.1}/s, worst p99 during {p99:.1} ms, degraded {}",
            web.degraded
        );
        assert!(
            before > 0.97 * OFFERED,
            "{variant}: healthy before ({before:.1}/s)"
        );
        assert!(
            after > 0.97 * OFFERED,
            "{variant}: recovers after ({after:.1}/s)"
        );
        goodput.push((during, p99, result));
    }
    let (naive, timeout, bulkhead) = (&goodput[0], &goodput[1], &goodput[2]);

    // naive: api's workers all wait on recs, its queue fills, web's goodput collapses.
    assert!(
        naive.0 < 0.01 * OFFERED,
        "naive collapses ({:.1}/s)",
        naive.0
    );
    let api = &naive.2.services[0];
    assert!(api.rejected > 5_000, "api's queue fills and rejects");
    assert_eq!(
        naive.2.clients[0].degraded, 0,
        "no call fails: they only hang"
    );

    // timeout alone: every worker is still held up to 100 ms per request, so 32 workers serve
    // at most 320 req/s < 400: api stays saturated and goodput stays far below the offer.
    assert!(
        timeout.0 < 0.25 * OFFERED,
        "a timeout alone does not contain it ({:.1}/s)",
        timeout.0
    );
    assert!(
        timeout.1 > 500.0,
        "its p99 during the fault is queueing ({:.1} ms)",
        timeout.1
    );

    // bulkhead + timeout + optional: at most 4 calls per api replica wait on recs; the rest
    // fail fast and the job answers degraded. api stays healthy and serves the whole offer.
    assert!(
        bulkhead.0 > 0.97 * OFFERED,
        "the bulkhead contains it ({:.1}/s)",
        bulkhead.0
    );
    assert!(
        bulkhead.1 < 150.0,
        "p99 during the fault is bounded by the 100 ms timeout ({:.1} ms)",
        bulkhead.1
    );
    let (web, api) = (&bulkhead.2.clients[0], &bulkhead.2.services[0]);
    assert_eq!(web.failed, 0);
    assert!(
        web.degraded > 5_000,
        "answers during the fault are degraded"
    );
    assert_eq!(
        api.degraded, api.calls[1].failed,
        "each failed recs call degrades one job"
    );
    assert!(api.calls[1].guards.bulkhead_rejections > 5_000);
    assert_eq!(api.rejected, 0);
}
