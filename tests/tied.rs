//! Tied requests end to end (Dean & Barroso, "The Tail at Scale", CACM 2013, section "Tied
//! requests"): with queueing at the replicas, sending each request to two of them and letting
//! the first to start cancel the other cuts the tail, for little extra work.
//!
//! Four single-worker replicas at 70% load (exponential 1 ms of work, Poisson arrivals, a
//! random balancer): one copy waits in one M/M/1 queue, a tied pair takes the shorter of two
//! waits. Extra work is done only when both copies start before a cancellation lands (50 µs
//! away), i.e. when both replicas were idle or freed within 50 µs of each other.

use serde_json::json;

fn run(tied: bool) -> serde_json::Value {
    let mut scenario = json!({
        "name": "tied",
        "duration": "60s",
        "warmup": "5s",
        "clients": [{ "name": "web", "target": "leaf",
                      "arrival": { "kind": "poisson", "rate_per_s": 2800 } }],
        "services": [{ "name": "leaf", "replicas": 4, "workers": 1, "balancer": "random",
                       "service_time": { "kind": "exponential", "mean": "1ms" } }],
        "network": { "latency": { "kind": "constant", "value": "50us" } }
    });
    if tied {
        scenario["clients"][0]["hedge"] = json!({ "tied": true });
    }
    let text = scenario.to_string();
    let scenario = scenarios::parse(&text, "tied.json", &scenarios::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let result = models::run(&scenario.world, 1).expect("run completes");
    let identity = reports::summary::RunIdentity {
        scenario: "tied".into(),
        variant: None,
        seed: 1,
        version: "test".into(),
    };
    let summary = reports::summary::RunSummary::new(&identity, &result, &[]);
    serde_json::from_str(&summary.to_json()).expect("the summary is JSON")
}

#[test]
fn tied_requests_cut_the_p99_for_little_extra_work() {
    let (single, tied) = (run(false), run(true));
    let p99 = |s: &serde_json::Value| s["clients"]["web"]["latency_ms"]["p99"].as_f64().unwrap();
    let work = |s: &serde_json::Value| s["services"]["leaf"]["work"]["total_s"].as_f64().unwrap();
    let extra = work(&tied) / work(&single) - 1.0;
    eprintln!(
        "p99 {:.2} ms single, {:.2} ms tied; extra work {:.1}%; tied counts {}",
        p99(&single),
        p99(&tied),
        extra * 100.0,
        tied["services"]["leaf"]["tied"]
    );
    assert!(
        single["services"]["leaf"].get("tied").is_none(),
        "absent when unused"
    );
    assert!(
        p99(&tied) < 0.6 * p99(&single),
        "the tail is cut: {} vs {}",
        p99(&tied),
        p99(&single)
    );
    assert!(
        extra < 0.15,
        "extra work stays small ({:.1}%)",
        extra * 100.0
    );
    // Every pair ends one of two ways: the second copy is cancelled, or both executed.
    let web = &tied["clients"]["web"];
    let t = &tied["services"]["leaf"]["tied"];
    let pairs = t["cancelled"].as_u64().unwrap() + t["both_executed"].as_u64().unwrap();
    let requests = web["requests"].as_u64().unwrap();
    assert!(
        pairs.abs_diff(requests) < requests / 1000,
        "{pairs} pairs, {requests} requests"
    );
    assert_eq!(web["attempts"].as_u64().unwrap(), 2 * requests);
    assert_eq!(web["failed"].as_u64().unwrap(), 0);
}
