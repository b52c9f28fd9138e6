//! Validation tests of issue #4's policies: defaults, and each rule's path and message.

use models::{Balancer, OutlierDetectionConfig};
use serde_json::{json, Value};
use sim_core::SimDuration;

use crate::{parse, LoadOptions, Scenario, ScenarioError};

/// The smallest valid scenario; tests edit a copy.
fn base() -> Value {
    json!({
        "name": "t",
        "duration": "100s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api", "replicas": 4,
                       "service_time": { "kind": "exponential", "mean": "1ms" } }]
    })
}

fn load(document: &Value) -> Result<Scenario, ScenarioError> {
    let text = serde_json::to_string_pretty(document).expect("a Value always serializes");
    parse(&text, "t.json", &LoadOptions::default())
}

fn edited(edit: impl FnOnce(&mut Value)) -> Result<Scenario, ScenarioError> {
    let mut document = base();
    edit(&mut document);
    load(&document)
}

/// The message for `base()` edited by `edit`; fails if the edit is accepted.
fn refused(edit: impl FnOnce(&mut Value)) -> String {
    edited(edit)
        .expect_err("the edit must be refused")
        .to_string()
}

#[test]
fn every_balancer_name_is_accepted() {
    for (name, balancer) in [
        ("round_robin", Balancer::RoundRobin),
        ("random", Balancer::Random),
        ("least_outstanding", Balancer::LeastOutstanding),
        ("p2c", Balancer::PowerOfTwoChoices),
    ] {
        let scenario = edited(|d| d["services"][0]["balancer"] = json!(name)).unwrap();
        assert_eq!(scenario.world.services[0].balancer, balancer);
    }
    let message = refused(|d| d["services"][0]["balancer"] = json!("least_request"));
    assert!(message.contains("least_outstanding"), "{message}");
}

#[test]
fn outlier_detection_defaults_are_envoys() {
    let plain = load(&base()).unwrap();
    assert_eq!(plain.world.services[0].policies.outlier_detection, None);
    let scenario = edited(|d| d["services"][0]["outlier_detection"] = json!({})).unwrap();
    assert_eq!(
        scenario.world.services[0].policies.outlier_detection,
        Some(OutlierDetectionConfig::ENVOY_DEFAULT)
    );
}

#[test]
fn outlier_detection_rules_name_the_field() {
    let message = refused(|d| {
        d["services"][0]["outlier_detection"] = json!({ "consecutive_5xx": 0 });
    });
    assert!(
        message.starts_with(
            "t.json: services[0] (api).outlier_detection.consecutive_5xx: must be at least 1"
        ),
        "{message}"
    );
    let message = refused(|d| {
        d["services"][0]["outlier_detection"] = json!({ "max_ejection_percent": 150 });
    });
    assert!(
        message.contains("max_ejection_percent: must be at most 100"),
        "{message}"
    );
    let message = refused(|d| {
        d["services"][0]["outlier_detection"] =
            json!({ "base_ejection_time": "60s", "max_ejection_time": "30s" });
    });
    assert!(
        message.contains("max_ejection_time: must be at least `base_ejection_time` (60s)"),
        "{message}"
    );
    let message = refused(|d| {
        d["services"][0]["outlier_detection"] = json!({ "interval": "0s" });
    });
    assert!(
        message.contains("interval: must be longer than 0s"),
        "{message}"
    );
    let accepted = edited(|d| {
        d["services"][0]["outlier_detection"] =
            json!({ "consecutive_5xx": 3, "base_ejection_time": "5s", "max_ejection_percent": 50 });
    })
    .unwrap();
    let config = accepted.world.services[0]
        .policies
        .outlier_detection
        .unwrap();
    assert_eq!(config.consecutive_5xx, 3);
    assert_eq!(config.base_ejection_time, SimDuration::from_secs(5));
    assert_eq!(config.max_ejection_percent, 50);
}

#[test]
fn client_errors_are_a_fraction_and_retryable_belongs_to_error_bursts() {
    let message = refused(|d| d["services"][0]["client_error_fraction"] = json!(1.5));
    assert!(
        message.contains("client_error_fraction: must be between 0 and 1"),
        "{message}"
    );
    let scenario = edited(|d| {
        d["services"][0]["client_error_fraction"] = json!(0.02);
        d["faults"] = json!([{ "kind": "error_burst", "target": "api", "fraction": 0.5,
                               "at": "1s", "retryable": false }]);
    })
    .unwrap();
    let world = &scenario.world;
    assert_eq!(world.services[0].policies.client_error_fraction.get(), 0.02);
    assert!(matches!(
        world.faults[0].kind,
        models::FaultKind::ErrorBurst {
            retryable: false,
            ..
        }
    ));
    let message = refused(|d| {
        d["faults"] = json!([{ "kind": "slowdown", "target": "api", "factor": 2,
                               "at": "1s", "retryable": false }]);
    });
    assert!(
        message.contains("faults[0].retryable: is not a parameter of the `slowdown` fault"),
        "{message}"
    );
}

#[test]
fn bulkheads_default_to_resilience4j_and_are_bounded() {
    let scenario = edited(|d| {
        d["clients"][0]["bulkhead"] = json!({});
        d["services"][0]["calls"] = json!([{ "service": "db", "bulkhead": { "max_concurrent": 4, "max_wait": "10ms", "max_waiting": 8 } }]);
        d["services"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "name": "db", "service_time": { "kind": "constant", "value": "1ms" } }));
    })
    .unwrap();
    let client = scenario.world.clients[0].guards.bulkhead.unwrap();
    assert_eq!(
        client.calls_concurrent_max, 25,
        "Resilience4j's maxConcurrentCalls"
    );
    assert_eq!(
        client.wait_max,
        SimDuration::ZERO,
        "and its maxWaitDuration"
    );
    let call = scenario.world.services[0].calls[0].guards.bulkhead.unwrap();
    assert_eq!(
        (call.calls_concurrent_max, call.waiters_max, call.wait_max),
        (4, 8, SimDuration::from_millis(10))
    );
    let message = refused(|d| d["clients"][0]["bulkhead"] = json!({ "max_concurrent": 0 }));
    assert!(
        message.contains("clients[0] (web).bulkhead.max_concurrent: must be at least 1"),
        "{message}"
    );
}

#[test]
fn a_rate_limit_needs_whole_positive_tokens() {
    let scenario =
        edited(|d| d["services"][0]["rate_limit"] = json!({ "rate_per_s": 100 })).unwrap();
    let limit = scenario.world.services[0].policies.rate_limit.unwrap();
    assert_eq!(
        limit,
        models::RateLimiterConfig::per_second(100, 100),
        "one second of burst"
    );
    let message = refused(|d| d["services"][0]["rate_limit"] = json!({ "rate_per_s": 0 }));
    assert!(
        message.contains("rate_limit.rate_per_s: must be at least 1"),
        "{message}"
    );
    let message = refused(|d| d["services"][0]["rate_limit"] = json!({ "rate_per_s": 1.5 }));
    assert!(message.contains("rate_limit.rate_per_s"), "{message}");
}

#[test]
fn queue_policies_are_checked_and_lifo_after_needs_adaptive_lifo() {
    let scenario = edited(|d| {
        d["services"][0]["queue"] =
            json!({ "discipline": "adaptive_lifo", "max_wait": "50ms", "codel": {} });
    })
    .unwrap();
    let queue = scenario.world.services[0].policies.queue;
    assert_eq!(
        queue.discipline,
        models::Discipline::AdaptiveLifo {
            after: SimDuration::from_millis(100)
        }
    );
    assert_eq!(queue.max_wait, Some(SimDuration::from_millis(50)));
    assert_eq!(queue.codel, Some(models::CodelConfig::RFC_8289));
    let message = refused(|d| d["services"][0]["queue"] = json!({ "lifo_after": "10ms" }));
    assert!(
        message.contains("queue.lifo_after: applies only to `\"discipline\": \"adaptive_lifo\"`"),
        "{message}"
    );
    let message = refused(|d| d["services"][0]["queue"] = json!({ "max_wait": "0s" }));
    assert!(
        message.contains("queue.max_wait: must be longer than 0s"),
        "{message}"
    );
    let message = refused(|d| d["services"][0]["queue"] = json!({ "codel": { "target": "0s" } }));
    assert!(
        message.contains("queue.codel.target: must be longer than 0s"),
        "{message}"
    );
}
