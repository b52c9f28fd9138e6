//! Determinism as a property: the same (scenario, variant, seed, version) is the same run.
//!
//! proptest draws small random scenarios (services, clients, distributions, timeouts,
//! retries, jitter, balancers), writes each to a file, and runs it through the CLI's own `run`
//! path twice: the JSON must be byte-identical and the trace hash equal. Another seed must
//! give another trace. On failure proptest prints the scenario and the seed.

use std::path::Path;

use faultline::cli::{Format, RunArgs};
use proptest::prelude::*;

fn duration_ms(low: u64, high: u64) -> impl Strategy<Value = String> {
    (low..=high).prop_map(|ms| format!("\"{ms}ms\""))
}

fn distribution() -> impl Strategy<Value = String> {
    prop_oneof![
        duration_ms(0, 5).prop_map(|v| format!(r#"{{ "kind": "constant", "value": {v} }}"#)),
        (0u64..3, 3u64..8).prop_map(|(a, b)| format!(r#"{{ "kind": "uniform", "min": "{a}ms", "max": "{b}ms" }}"#)),
        duration_ms(1, 5).prop_map(|v| format!(r#"{{ "kind": "exponential", "mean": {v} }}"#)),
        (1u64..5, 5u64..30).prop_map(|(a, b)| format!(r#"{{ "kind": "lognormal", "p50": "{a}ms", "p99": "{b}ms" }}"#)),
        (1u64..4, 1u64..3).prop_map(|(m, s)| format!(r#"{{ "kind": "lognormal", "mean": "{m}ms", "sd": "{s}ms" }}"#)),
        (1u64..5, 50u64..400).prop_map(|(fast, slow)| format!(
            r#"{{ "kind": "mixture", "of": [ {{ "weight": 0.95, "dist": {{ "kind": "constant", "value": "{fast}ms" }} }}, {{ "weight": 0.05, "dist": {{ "kind": "constant", "value": "{slow}ms" }} }} ] }}"#
        )),
    ]
}

fn service(index: usize) -> impl Strategy<Value = String> {
    (1u32..3, 1u32..6, 1u32..200, prop::bool::ANY, distribution()).prop_map(
        move |(replicas, workers, capacity, random, dist)| {
            let balancer = if random { "random" } else { "round_robin" };
            format!(
                r#"{{ "name": "s{index}", "replicas": {replicas}, "workers": {workers}, "queue": {{ "capacity": {capacity} }}, "balancer": "{balancer}", "service_time": {dist} }}"#
            )
        },
    )
}

fn retry() -> impl Strategy<Value = String> {
    let backoff = prop_oneof![
        Just(r#"{ "kind": "none" }"#.to_string()),
        duration_ms(1, 20).prop_map(|d| format!(r#"{{ "kind": "constant", "delay": {d} }}"#)),
        (1u64..10, 10u64..200).prop_map(|(b, c)| format!(
            r#"{{ "kind": "exponential", "base": "{b}ms", "cap": "{c}ms" }}"#
        )),
    ];
    let jitter = prop_oneof![
        Just("none"),
        Just("full"),
        Just("equal"),
        Just("decorrelated")
    ];
    (1u32..5, backoff, jitter).prop_map(|(attempts, backoff, jitter)| {
        format!(r#", "retry": {{ "max_attempts": {attempts}, "backoff": {backoff}, "jitter": "{jitter}" }}"#)
    })
}

fn client(index: usize, services: usize) -> impl Strategy<Value = String> {
    let timeout = prop_oneof![
        Just(String::new()),
        duration_ms(5, 100).prop_map(|t| format!(r#", "timeout": {t}"#))
    ];
    let retry = prop_oneof![Just(String::new()), retry()];
    (0..services, 20u32..1500, prop::bool::ANY, timeout, retry).prop_map(
        move |(target, rate, poisson, timeout, retry)| {
            // Client c0 is always Poisson so that every scenario has randomness and a new
            // seed must change its trace; the others may be fully deterministic.
            let kind = if poisson || index == 0 { "poisson" } else { "constant" };
            format!(
                r#"{{ "name": "c{index}", "target": "s{target}", "arrival": {{ "kind": "{kind}", "rate_per_s": {rate} }}{timeout}{retry} }}"#
            )
        },
    )
}

fn scenario() -> impl Strategy<Value = String> {
    (1usize..4, 1usize..4).prop_flat_map(|(services, clients)| {
        let services_json = (0..services).map(service).collect::<Vec<_>>();
        let clients_json = (0..clients).map(|i| client(i, services)).collect::<Vec<_>>();
        (services_json, clients_json, distribution(), 1u64..4).prop_map(|(s, c, latency, secs)| {
            format!(
                r#"{{ "name": "random", "description": "drawn by proptest", "duration": "{secs}s", "warmup": "200ms",
  "clients": [ {} ],
  "services": [ {} ],
  "network": {{ "latency": {latency} }},
  "slo": [ {{ "client": "c0", "latency_below": "50ms", "target": 0.5 }} ] }}"#,
                c.join(",\n    "),
                s.join(",\n    ")
            )
        })
    })
}

fn run_json(file: &Path, seed: u64) -> (String, i32) {
    let args = RunArgs {
        file: file.to_path_buf(),
        variant: None,
        seed,
        set: vec![],
        format: Format::Json,
    };
    let outcome = faultline::run::run(&args).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    (outcome.stdout, outcome.exit_code)
}

fn trace_hash(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["trace_hash"].as_str().unwrap().to_string()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn same_input_same_bytes(text in scenario(), seed in 0u64..1_000_000) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("random.json");
        std::fs::write(&file, &text).unwrap();
        let (first, code_first) = run_json(&file, seed);
        let (second, code_second) = run_json(&file, seed);
        prop_assert_eq!(&first, &second, "replay: faultline run {} --seed {}", file.display(), seed);
        prop_assert_eq!(code_first, code_second);
        let (other, _) = run_json(&file, seed + 1);
        let events: u64 = serde_json::from_str::<serde_json::Value>(&first).unwrap()["events"].as_u64().unwrap();
        if events > 100 {
            prop_assert_ne!(trace_hash(&first), trace_hash(&other), "seeds {} and {} gave one trace", seed, seed + 1);
        }
    }
}
