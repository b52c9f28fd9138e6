//! The metastable retry storm (issue #4): healthy before a temporary trigger, stuck after it
//! with naive retries, and recovered by each of three remedies.
//!
//! The catalog scenario `retry-storm` runs a service at 60% load; a 3× slowdown for 20 s
//! (60 s to 80 s) makes every attempt time out, clients retry up to 4 times, and the retries
//! plus the work servers still do for callers that gave up keep the offered load above
//! capacity after the slowdown ends: the failure outlives its trigger (Bronson et al.,
//! "Metastable Failures in Distributed Systems", HotOS 2021). A retry budget, a circuit
//! breaker and deadline propagation each break the feedback loop.

use models::RunResult;

fn run(variant: &str) -> RunResult {
    let entry = scenarios::catalog::find("retry-storm").expect("catalog has retry-storm");
    let options = scenarios::LoadOptions {
        variant: Some(variant.to_string()),
        ..Default::default()
    };
    let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

/// Mean goodput (successful requests per second) over whole seconds `from..to`.
fn goodput(result: &RunResult, from: usize, to: usize) -> f64 {
    let series = &result.clients[0].series.goodput_per_s;
    series[from..to].iter().sum::<f64>() / (to - from) as f64
}

#[test]
fn naive_retries_stay_overloaded_after_the_trigger_and_each_remedy_recovers() {
    let offered = 600.0;
    for variant in ["naive", "budget", "breaker", "deadline"] {
        let result = run(variant);
        let before = goodput(&result, 30, 60);
        let after = goodput(&result, 150, 200);
        eprintln!("{variant}: goodput before {before:.1}/s, long after the trigger {after:.1}/s");
        assert!(
            before > 0.97 * offered,
            "{variant}: healthy before the trigger ({before:.1}/s)"
        );
        if variant == "naive" {
            assert!(
                after < 0.05 * offered,
                "naive retries stay stuck ({after:.1}/s)"
            );
        } else {
            assert!(after > 0.97 * offered, "{variant} recovers ({after:.1}/s)");
        }
    }
}
