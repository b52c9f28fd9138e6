//! "The Tail at Scale" (Dean & Barroso, CACM 56(2), 2013): fan-out makes rare slowness common.
//!
//! Each of the 100 leaves answers in 1 ms with probability 0.99 and in 1 s otherwise, so a
//! request that waits for all of them is slow with probability 1 − 0.99^100 ≈ 0.634. With 10
//! leaves it is 1 − 0.99^10 ≈ 0.0956; waiting for 95 of 100 makes it P(Binomial(100, 0.01) > 5),
//! about 5e-4. Hedging after 10 ms (or after the running p95) sends a second copy of the
//! rare slow leaf request, cutting the slow fraction to about 1% for about 1% more load.

#![allow(clippy::disallowed_methods)] // powi and sqrt in expected values, not in sampling.

use models::RunResult;

fn run(variant: Option<&str>) -> RunResult {
    let entry = scenarios::catalog::find("tail-at-scale").expect("catalog has tail-at-scale");
    let options = scenarios::LoadOptions {
        variant: variant.map(str::to_string),
        ..Default::default()
    };
    let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

/// The fraction of resolved requests slower than 500 ms, and how many were resolved.
fn slow_fraction(result: &RunResult) -> (f64, f64) {
    let user = &result.clients[0];
    let (mark, within) = user.within_marks[0];
    assert_eq!(mark.as_nanos(), 500_000_000);
    let resolved = (user.succeeded + user.failed) as f64;
    (1.0 - within as f64 / resolved, resolved)
}

fn assert_binomial(what: &str, observed: f64, p: f64, n: f64) {
    // Four binomial standard deviations.
    let tolerance = 4.0 * (p * (1.0 - p) / n).sqrt();
    eprintln!("{what}: observed {observed:.4}, theory {p:.4}, n {n}, tolerance {tolerance:.4}");
    assert!(
        (observed - p).abs() <= tolerance,
        "{what}: {observed} vs {p} ± {tolerance}"
    );
}

#[test]
fn a_hundred_way_fan_out_is_slow_one_minus_point_nine_nine_to_the_hundred_of_the_time() {
    let (slow, n) = slow_fraction(&run(None));
    assert_binomial("fan-out 100", slow, 1.0 - 0.99f64.powi(100), n);
}

#[test]
fn a_ten_way_fan_out_is_slow_far_less_often() {
    let (slow, n) = slow_fraction(&run(Some("fanout-10")));
    assert_binomial("fan-out 10", slow, 1.0 - 0.99f64.powi(10), n);
}

#[test]
fn waiting_for_a_quorum_of_95_hides_the_tail() {
    let (slow, _) = slow_fraction(&run(Some("wait-for-95")));
    // P(Binomial(100, 0.01) ≥ 6) ≈ 5e-4: a handful of requests out of 5,000 at most.
    assert!(slow < 0.005, "{slow}");
}

#[test]
fn hedging_cuts_the_tail_to_a_few_percent_for_a_few_percent_more_load() {
    // Dean & Barroso: hedge after a short delay (here 10 ms, or the running p95); the first
    // answer wins and the loser is cancelled.
    for variant in ["hedged", "hedged-p95"] {
        let result = run(Some(variant));
        let (slow, _) = slow_fraction(&result);
        let edge = &result.services[0].calls[0];
        let extra_load = edge.attempts as f64 / edge.requests as f64 - 1.0;
        eprintln!(
            "{variant}: slow {slow:.4}, extra leaf load {:.2}%",
            extra_load * 100.0
        );
        assert!(slow < 0.05, "{variant}: {slow}");
        assert!(
            extra_load > 0.0 && extra_load < 0.05,
            "{variant}: {extra_load}"
        );
        assert!(edge.guards.hedges > 0 && edge.guards.hedge_wins > 0);
    }
}
