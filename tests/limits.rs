//! Bulkheads and rate limits end to end (issue #4): fast local failures and fast refusals at a
//! service's edge, each pinned to the semantics of its source.
//!
//! Sources: Resilience4j `SemaphoreBulkhead` (`maxConcurrentCalls`, `maxWaitDuration`; a fair
//! semaphore, so waiters get slots in arrival order) and the token bucket of Go's
//! `golang.org/x/time/rate` ("a token bucket of size b, initially full and refilled at rate r
//! tokens per second").

use models::RunResult;

/// web (constant `rate` req/s starting at one gap, no timeout, `client`) → api (1 replica,
/// 20 workers, constant `work`, `service`); an instant network; `duration`.
fn scenario(rate: u32, client: &str, work: &str, service: &str, duration: &str) -> String {
    format!(
        r#"{{ "name": "limits", "duration": "{duration}",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": {rate} }}{client} }} ],
  "services": [ {{ "name": "api", "workers": 20, "service_time": {{ "kind": "constant", "value": "{work}" }}{service} }} ] }}"#
    )
}

fn run(text: &str) -> RunResult {
    let scenario = scenarios::parse(text, "limits-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

/// Resilience4j with the default `maxWaitDuration` of 0: a call finding every permit taken is
/// refused at once. One permit, a request every 10 ms, each holding the permit 25 ms: the
/// requests at 10, 40, 70 ms... get through, the two after each are refused.
#[test]
fn a_full_bulkhead_refuses_at_once_without_a_wait() {
    let result = run(&scenario(
        100,
        r#", "bulkhead": { "max_concurrent": 1 }"#,
        "25ms",
        "",
        "3s",
    ));
    let web = &result.clients[0];
    assert_eq!(web.requests, 300);
    assert_eq!(web.succeeded + web.in_flight, 100, "one in three");
    assert_eq!(web.guards.bulkhead_rejections, 200);
    assert_eq!(web.failed, 200, "a refusal fails the request: no retry");
    assert!(
        result.services[0].busy_mean <= 1.0,
        "never more than one attempt at the service"
    );
}

/// Resilience4j `maxWaitDuration`: a call waits up to that long for a permit, permits go to
/// waiters in arrival order, and a waiter that times out is refused. One permit held 25 ms
/// serves 40 requests a second; the rest wait at most 100 ms and then fail.
#[test]
fn a_bulkhead_wait_is_bounded_and_served_in_arrival_order() {
    let result = run(&scenario(
        100,
        r#", "bulkhead": { "max_concurrent": 1, "max_wait": "100ms" }"#,
        "25ms",
        "",
        "10s",
    ));
    let web = &result.clients[0];
    // 40 a second for 10 s, then the drain serves the requests still waiting at the end
    // (at most 100 ms of them at 25 ms each) and times the rest out.
    assert!(
        web.succeeded >= 398 && web.succeeded <= 406,
        "one permit, 25 ms each: 40 a second for 10 s, got {}",
        web.succeeded
    );
    assert_eq!(
        web.in_flight, 0,
        "the drain follows every request to its end"
    );
    assert_eq!(web.guards.bulkhead_rejections, web.failed);
    assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
    let worst = web.latency.max().as_nanos();
    assert!(
        worst <= 125_000_000,
        "a wait of at most 100 ms plus 25 ms of work, got {worst} ns"
    );
    assert!(
        web.latency.quantile_nanos(0.5) > 90e6,
        "a standing wait queue: most served requests waited almost the full 100 ms"
    );
}

/// A bulkhead on a call edge is one per calling replica: two api replicas, each allowed one
/// call to db at a time, never keep more than two db workers busy.
#[test]
fn a_call_edge_bulkhead_caps_each_calling_replica() {
    let text = r#"{ "name": "edge", "duration": "10s",
  "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 200 } } ],
  "services": [
    { "name": "api", "replicas": 2, "workers": 50, "service_time": { "kind": "constant", "value": "0s" },
      "calls": [ { "service": "db", "bulkhead": { "max_concurrent": 1 } } ] },
    { "name": "db", "workers": 50, "service_time": { "kind": "constant", "value": "20ms" } } ] }"#;
    let result = run(text);
    let (api, db) = (&result.services[0], &result.services[1]);
    assert!(db.busy_mean <= 2.0, "{} db workers busy", db.busy_mean);
    assert!(
        db.busy_mean > 1.5,
        "both replicas use their slot: {}",
        db.busy_mean
    );
    // Each replica gets a call every 10 ms and each call holds its slot 20 ms: about half
    // of the 2,000 calls are refused.
    let refused = api.calls[0].guards.bulkhead_rejections;
    assert!(refused.abs_diff(1_000) < 50, "{refused} calls refused");
    assert_eq!(
        api.calls[0].failed, api.errors,
        "each refused call fails its job"
    );
}

/// Token bucket: starting full with `burst` tokens and refilled at `rate_per_s`, a stream that
/// always finds it empty gets exactly `burst + floor(rate × (t − t0))` through by `t`, where
/// `t0` is its first request (a full bucket gains nothing before). 200 req/s against 50 tokens
/// a second and a burst of 10, from 5 ms to 10 s: 10 + floor(50 × 9.995) = 509 admitted, the
/// other 1,491 turned away; the limit is shared by the service's replicas.
#[test]
fn a_rate_limit_admits_burst_plus_rate_times_duration() {
    let result = run(&scenario(
        200,
        "",
        "1ms",
        r#", "replicas": 2, "rate_limit": { "rate_per_s": 50, "burst": 10 }"#,
        "10s",
    ));
    let (web, api) = (&result.clients[0], &result.services[0]);
    assert_eq!(web.requests, 2_000);
    assert_eq!(web.succeeded + web.in_flight, 509);
    assert_eq!(web.rate_limited, 1_491);
    assert_eq!(api.rate_limited, 1_491);
    assert_eq!(api.arrivals, 2_000);
}

/// A rate-limited answer ("429") is overload, so a retry policy retries it; the limit still
/// holds, since every retry needs a token too.
#[test]
fn a_rate_limited_attempt_is_retried() {
    let result = run(&scenario(
        200,
        r#", "retry": { "max_attempts": 3, "backoff": { "kind": "constant", "delay": "5ms" } }"#,
        "1ms",
        r#", "rate_limit": { "rate_per_s": 50, "burst": 10 }"#,
        "10s",
    ));
    let web = &result.clients[0];
    assert!(
        web.attempts > web.requests,
        "rate-limited attempts are retried"
    );
    // 509 tokens by 10 s (the test above), plus at most one refilled while the drain follows
    // the last retries (a few 5 ms backoffs at 50 tokens a second).
    assert!(
        web.succeeded <= 510,
        "retries take no extra tokens: {}",
        web.succeeded
    );
}
