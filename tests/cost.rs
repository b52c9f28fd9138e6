//! The cost of resilience (issue #21) end to end: a run's bill adds up to the sum of its
//! parts under any policy mix, the summary carries it only when the scenario sets prices, and
//! `compare` prices a latency verdict in one line.

use proptest::prelude::*;
use serde_json::{json, Value};

#[path = "support/binary.rs"]
mod binary;

const PRICES: &str = r#"cost={"per_replica_hour":0.10,"per_million_requests":0.20,"per_gb":0.09,"request_size":"2KiB","reply_size":"8KiB"}"#;

/// A small two-tier scenario whose knobs the property test draws.
fn scenario(knobs: &Knobs) -> Value {
    let mut web = json!({ "name": "web", "target": "api",
                          "arrival": { "kind": "poisson", "rate_per_s": knobs.rate },
                          "timeout": format!("{}ms", knobs.timeout_ms) });
    if knobs.retries > 1 {
        web["retry"] = json!({ "max_attempts": knobs.retries });
    }
    if knobs.hedge {
        web["hedge"] = json!({ "after": "5ms" });
    }
    json!({
        "name": "priced",
        "duration": "20s",
        "warmup": "2s",
        "clients": [web],
        "services": [
            { "name": "api", "replicas": knobs.replicas, "workers": knobs.workers,
              "service_time": { "kind": "exponential", "mean": "4ms" },
              "calls": [ { "service": "db", "timeout": "50ms" } ] },
            { "name": "db", "replicas": 2, "workers": 2,
              "service_time": { "kind": "lognormal", "p50": "2ms", "p99": "30ms" } }
        ],
        "faults": [ { "kind": "crash", "target": "db[0]", "at": "8s", "for": "3s" } ],
        "cost": { "per_replica_hour": knobs.replica_hour, "per_million_requests": knobs.per_million,
                  "per_gb": 0.09, "request_size": "1KiB", "reply_size": "4KiB" }
    })
}

#[derive(Debug, Clone)]
struct Knobs {
    rate: f64,
    timeout_ms: u64,
    retries: u32,
    hedge: bool,
    replicas: u32,
    workers: u32,
    replica_hour: f64,
    per_million: f64,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        50.0..600.0f64,
        5u64..200,
        1u32..4,
        any::<bool>(),
        1u32..4,
        1u32..6,
        0.0..5.0f64,
        0.0..50.0f64,
    )
        .prop_map(
            |(rate, timeout_ms, retries, hedge, replicas, workers, replica_hour, per_million)| {
                Knobs {
                    rate,
                    timeout_ms,
                    retries,
                    hedge,
                    replicas,
                    workers,
                    replica_hour,
                    per_million,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Acceptance of issue #21: "cost adds up to the sum of its parts". The resources add up
    /// exactly (jobs to the services' completed attempts, worker time plus idle time to the
    /// replicas' time), and the money to the bill computed directly from them (replicas ×
    /// hours × price, plus each served attempt's request and transfer price), to rounding.
    #[test]
    fn the_bill_is_the_sum_of_its_parts(knobs in knobs()) {
        let text = scenario(&knobs).to_string();
        let scenario = scenarios::parse(&text, "priced.json", &scenarios::LoadOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let result = models::run(&scenario.world, 7).expect("run completes");
        let cost = models::Cost::of(&scenario.world, &scenario.prices, &result)
            .expect("priced scenarios have a cost");
        let prices = scenario.prices;
        let per_job = prices.million_requests / 1e6
            + (prices.request_bytes + prices.reply_bytes) as f64 * prices.gb / 1e9;
        let mut direct = 0.0;
        for ((service, measured), config) in
            cost.services.iter().zip(&result.services).zip(&scenario.world.services)
        {
            let u = &service.usage;
            prop_assert_eq!(service.jobs(), measured.completed, "{}: jobs", &service.name);
            let busy: u128 = [u.goodput, u.retries, u.hedges, u.wasted]
                .iter()
                .map(|s| u128::from(s.busy_ns))
                .sum();
            prop_assert_eq!(busy + u.idle_ns, u.capacity_ns, "{}: worker time", &service.name);
            prop_assert_eq!(
                u.capacity_ns,
                u128::from(config.replicas * config.workers) * u128::from(result.measured.as_nanos())
            );
            direct += f64::from(config.replicas) * result.measured.as_secs_f64() / 3600.0
                * prices.replica_hour
                + measured.completed as f64 * per_job;
        }
        let parts = cost.parts;
        prop_assert!(
            (parts.goodput + parts.retries + parts.hedges + parts.wasted + parts.idle
                - cost.total()).abs() == 0.0
        );
        prop_assert!(
            (cost.total() - direct).abs() <= 1e-9 * direct.max(1e-12),
            "total {} against {direct} computed directly", cost.total()
        );
        // The summary's rounded figures still add up, to its nine significant digits.
        let summary = reports::summary::CostSummary::of(&cost);
        let sum: f64 = summary.parts.named().iter().map(|(_, v)| v).sum();
        prop_assert!((sum - summary.total).abs() <= 1e-8 * summary.total.max(1e-12));
    }
}

#[test]
fn a_priced_run_reports_its_cost_and_an_unpriced_one_does_not() {
    let priced = binary::faultline(&["run", "retries", "--format", "json", "--set", PRICES]);
    let text = binary::stdout(&priced);
    let summary: Value = serde_json::from_str(&text).expect("JSON");
    let cost = &summary["cost"];
    let total = cost["total"].as_f64().expect("a total");
    assert!(total > 0.0);
    let parts = ["goodput", "retries", "hedges", "wasted", "idle"];
    let sum: f64 = parts
        .iter()
        .map(|p| cost["parts"][p].as_f64().unwrap())
        .sum();
    assert!((sum - total).abs() <= 1e-8 * total, "{sum} against {total}");
    // The retries scenario is a retry storm: api works almost only for callers already gone.
    let wasted = cost["parts"]["wasted"].as_f64().unwrap();
    assert!(wasted > 0.9 * total, "{wasted} of {total}");
    let plain = binary::faultline(&["run", "retries", "--format", "json"]);
    let plain: Value = serde_json::from_str(&binary::stdout(&plain)).expect("JSON");
    assert!(
        plain.get("cost").is_none(),
        "no prices: no cost object, not zeros"
    );
    // Prices change no run.
    assert_eq!(summary["trace_hash"], plain["trace_hash"]);
    let text = binary::stdout(&binary::faultline(&["run", "retries", "--set", PRICES]));
    assert!(text.contains("\ncost "), "{text}");
    assert!(text.contains("wasted 0.04745 (100.0%)"), "{text}");
}

#[test]
fn compare_prices_the_hedge_in_one_line() {
    let out = std::env::temp_dir().join(format!("faultline-cost-{}", std::process::id()));
    let out_text = out.to_str().unwrap();
    let ran = binary::faultline(&[
        "compare",
        "tail-at-scale",
        "--variants",
        "as-written,hedged",
        "--seeds",
        "1..4",
        "--set",
        PRICES,
        "--out",
        out_text,
    ]);
    assert!(
        ran.status.success() || ran.status.code() == Some(1),
        "{}",
        binary::stderr(&ran)
    );
    let findings: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let tradeoffs: Vec<&str> = findings["tradeoffs"]
        .as_array()
        .expect("tradeoffs with prices")
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tradeoffs.iter().any(|t| t.starts_with("hedged buys")
            && t.contains("SLO attainment")
            && t.contains("more spend")),
        "{tradeoffs:?}"
    );
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("## Cost and latency"));
    assert!(markdown.contains("cost per hour"));
    std::fs::remove_dir_all(&out).ok();
}
