//! Load balancing and outlier ejection end to end (issue #4): a fail-slow replica, a crashed
//! replica, and what each balancer does about them.
//!
//! Sources: Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing" (IEEE TPDS,
//! 2001) for `p2c`; Envoy's `LEAST_REQUEST` load balancer for `least_outstanding`; Envoy's
//! outlier detection (consecutive 5xx, `base_ejection_time` × ejections) for ejection.

use models::RunResult;

/// web (Poisson 1000 req/s, no timeout) → api: 4 replicas × 4 workers, exponential 2 ms, with
/// replica 0 ten times slower for the whole run. `balancer` is spliced in.
fn fail_slow(balancer: &str) -> String {
    format!(
        r#"{{ "name": "fail-slow", "duration": "60s", "warmup": "10s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 1000 }} }} ],
  "services": [ {{ "name": "api", "replicas": 4, "workers": 4, "queue": {{ "capacity": 1000 }}, "balancer": "{balancer}",
                  "service_time": {{ "kind": "exponential", "mean": "2ms" }} }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "500us" }} }},
  "faults": [ {{ "kind": "slowdown", "target": "api[0]", "factor": 10, "at": "0s" }} ] }}"#
    )
}

/// web (constant `rate` req/s, 1 s timeout, no retries) → api: 4 replicas × 2 workers,
/// constant `work`; replica 1 crashes (refusing connections) from 10 s to 30 s; 1 ms network.
/// `policy` is spliced into api.
fn crashed(rate: u32, work: &str, policy: &str) -> String {
    format!(
        r#"{{ "name": "crashed", "duration": "40s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": {rate} }}, "timeout": "1s" }} ],
  "services": [ {{ "name": "api", "replicas": 4, "workers": 2, "service_time": {{ "kind": "constant", "value": "{work}" }}{policy} }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
  "faults": [ {{ "kind": "crash", "target": "api[1]", "at": "10s", "for": "20s" }} ] }}"#
    )
}

fn run(text: &str, seed: u64) -> RunResult {
    let scenario = scenarios::parse(text, "balancing-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, seed).expect("run completes")
}

fn p99_ms(result: &RunResult) -> f64 {
    result.clients[0].latency.quantile_nanos(0.99) / 1e6
}

/// A fail-slow replica: round robin keeps sending it a quarter of the load, more than its
/// 200 req/s can serve, so its queue fills and the p99 is seconds. Balancers that count
/// outstanding requests send it less because its requests stay outstanding ten times longer
/// (Envoy `LEAST_REQUEST`; Mitzenmacher 2001: two choices are almost as good as all).
#[test]
fn least_outstanding_and_p2c_route_around_a_fail_slow_replica() {
    let seed = 1;
    let round_robin = run(&fail_slow("round_robin"), seed);
    let least = run(&fail_slow("least_outstanding"), seed);
    let p2c = run(&fail_slow("p2c"), seed);
    let (rr, lo, pc) = (p99_ms(&round_robin), p99_ms(&least), p99_ms(&p2c));
    eprintln!("p99: round_robin {rr:.1} ms, least_outstanding {lo:.1} ms, p2c {pc:.1} ms");
    assert!(
        rr > 1_000.0,
        "round robin overloads the slow replica ({rr:.1} ms)"
    );
    assert!(round_robin.services[0].rejected > 0);
    for (name, p99, result) in [("least_outstanding", lo, &least), ("p2c", pc, &p2c)] {
        assert!(
            p99 * 10.0 < rr,
            "{name}: p99 {p99:.1} ms is not much lower than round robin's {rr:.1} ms"
        );
        assert_eq!(result.services[0].rejected, 0, "{name} never fills a queue");
        assert_eq!(result.clients[0].failed, 0);
    }
}

/// Envoy outlier detection: five refusals in a row (a refused connection is a locally
/// originated error that Envoy maps to a 5xx) eject the crashed replica for
/// `base_ejection_time` (30 s), longer than its crash; without it, round robin sends the dead
/// replica a quarter of all requests for the whole crash.
#[test]
fn outlier_ejection_stops_traffic_to_a_crashed_replica_after_five_refusals() {
    let blind = run(&crashed(100, "1ms", ""), 1);
    assert_eq!(
        blind.clients[0].refused, 500,
        "20 s × 100 req/s, a quarter of them to the crashed replica"
    );
    let ejecting = run(&crashed(100, "1ms", r#", "outlier_detection": {}"#), 1);
    let (web, api) = (&ejecting.clients[0], &ejecting.services[0]);
    assert_eq!(web.refused, 5, "consecutive_5xx: 5, then no more traffic");
    assert_eq!(api.ejections, 1);
    assert_eq!(web.failed, 5);
    assert_eq!(web.succeeded + web.failed + web.in_flight, web.requests);
}

/// A crashed replica that refuses connections answers fastest of all, so a least-outstanding
/// balancer sends it more than its share: the failure mode that makes outlier detection a
/// companion of least-request balancing. With detection, it is ejected after five refusals.
/// At 400 req/s and 10 ms of work, a healthy replica holds about 1.2 requests outstanding and
/// the crashed one, whose refusals come back in 2 ms, about 0.2.
#[test]
fn least_outstanding_favours_a_fast_failing_replica_unless_it_is_ejected() {
    let policy = r#", "balancer": "least_outstanding""#;
    let blind = run(&crashed(400, "10ms", policy), 1);
    let share = blind.clients[0].refused as f64 / 8_000.0;
    assert!(
        share > 0.35,
        "the crashed replica gets {share:.2} of the crash window's 8,000 requests, not 0.25"
    );
    let ejecting = run(
        &crashed(
            400,
            "10ms",
            &format!(r#"{policy}, "outlier_detection": {{}}"#),
        ),
        1,
    );
    assert_eq!(ejecting.clients[0].refused, 5);
}

/// The catalog's `fail-slow` lesson: round robin misses the SLO by feeding the slow replica a
/// quarter of the load; least-outstanding, p2c and outlier ejection each meet it.
#[test]
fn the_fail_slow_catalog_scenario_teaches_what_its_lesson_says() {
    let entry = scenarios::catalog::find("fail-slow").expect("catalog has fail-slow");
    for (variant, meets_slo) in [
        ("round_robin", false),
        ("least_outstanding", true),
        ("p2c", true),
        ("ejection", true),
    ] {
        let options = scenarios::LoadOptions {
            variant: Some(variant.to_string()),
            ..Default::default()
        };
        let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
        let result = models::run(&scenario.world, 1).expect("run completes");
        let web = &result.clients[0];
        let mark = scenario.slos[0].latency_below;
        let within = web
            .within_marks
            .iter()
            .find(|(m, _)| *m == mark)
            .expect("the SLO's mark is recorded")
            .1;
        let observed = within as f64 / (web.succeeded + web.failed) as f64;
        eprintln!("{variant}: {} failed, SLO {observed:.4}", web.failed);
        assert_eq!(observed >= 0.99, meets_slo, "{variant}: SLO {observed:.4}");
        if variant == "ejection" {
            assert_eq!(result.services[0].ejections, 2, "30 s, then 60 s");
        }
    }
}
