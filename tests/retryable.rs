//! Retryable and non-retryable outcomes (issue #4): a caller retries timeouts, overload
//! rejections, refused connections and 5xx-like errors, never a 4xx-like answer.
//!
//! The rule is the one every retry policy states: gRPC's `retryableStatusCodes` lists
//! `UNAVAILABLE`-style codes only, Envoy's `retry_on: 5xx` excludes 4xx, and the AWS SDKs
//! retry throttling and transient errors but not client errors, because retrying a request the
//! server refused as malformed gets the same answer again.

use models::{run_traced, Happening, Reply, RunResult, TraceOptions};
use sim_core::SimTime;

/// web (constant 200 req/s, `policy`) → api (2 replicas, constant 1 ms, `service`), with
/// `faults`; 1 ms network, 20 s, no warm-up.
fn scenario(policy: &str, service: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "retryable", "duration": "20s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 200 }}{policy} }} ],
  "services": [ {{ "name": "api", "replicas": 2, "workers": 4, "service_time": {{ "kind": "constant", "value": "1ms" }}{service} }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
  "faults": [ {faults} ] }}"#
    )
}

fn world(text: &str) -> models::WorldConfig {
    scenarios::parse(text, "retryable-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .world
}

fn run(text: &str) -> RunResult {
    models::run(&world(text), 1).expect("run completes")
}

/// Every retry policy we have: plain, with backoff and jitter, with a budget, with a timeout
/// and hedging, with an overall deadline.
const POLICIES: [&str; 5] = [
    r#", "retry": { "max_attempts": 5, "backoff": { "kind": "none" } }"#,
    r#", "retry": { "max_attempts": 4, "jitter": "full" }"#,
    r#", "retry": { "max_attempts": 3, "budget": { "ratio": 1.0, "min_per_s": 1000 } }"#,
    r#", "timeout": "50ms", "hedge": { "after": "1ms" }, "retry": { "max_attempts": 5 }"#,
    r#", "deadline": { "after": "1s" }, "retry": { "max_attempts": 5, "backoff": { "kind": "none" } }"#,
];

/// A 4xx answer (a service's `client_error_fraction` of 1) fails its request at once under
/// every retry policy: one attempt per request (plus a hedge copy that may already be out).
#[test]
fn a_client_error_is_never_retried_whatever_the_policy() {
    for policy in POLICIES {
        let result = run(&scenario(policy, r#", "client_error_fraction": 1"#, ""));
        let (web, api) = (&result.clients[0], &result.services[0]);
        let hedges = web.guards.hedges;
        assert_eq!(web.attempts, web.requests + hedges, "{policy}: no retries");
        assert_eq!(web.failed, web.requests - web.in_flight, "{policy}");
        assert!(web.non_retryable >= web.failed, "{policy}");
        assert_eq!(api.client_errors, api.arrivals, "{policy}");
    }
}

/// An error burst is retried (5xx-like) unless it says `"retryable": false` (4xx-like).
#[test]
fn an_error_burst_is_retried_only_when_retryable() {
    let policy = POLICIES[0];
    let burst = |retryable: &str| {
        format!(
            r#"{{ "kind": "error_burst", "target": "api", "fraction": 1, "at": "0s"{retryable} }}"#
        )
    };
    let retried = run(&scenario(policy, "", &burst("")));
    let web = &retried.clients[0];
    let done = web.requests - web.in_flight;
    assert_eq!(web.failed, done);
    assert!(
        web.attempts >= 5 * done && web.attempts <= 5 * web.requests,
        "five attempts each"
    );
    assert_eq!(web.non_retryable, 0);
    let final_ = run(&scenario(policy, "", &burst(r#", "retryable": false"#)));
    let web = &final_.clients[0];
    assert_eq!(web.attempts, web.requests, "one attempt each");
    assert_eq!(web.non_retryable, web.attempts - web.in_flight);
    assert_eq!(
        final_.services[0].client_errors,
        final_.services[0].arrivals
    );
}

/// With 4xx and retryable 5xx answers mixed, a trace of the whole run shows no request retried
/// after a 4xx, and many retried after a 5xx.
#[test]
fn in_a_mixed_run_no_retry_follows_a_client_error() {
    let text = scenario(
        POLICIES[0],
        r#", "client_error_fraction": 0.2"#,
        r#"{ "kind": "error_burst", "target": "api", "fraction": 0.5, "at": "0s" }"#,
    );
    let traced = run_traced(
        &world(&text),
        1,
        TraceOptions {
            from: SimTime::ZERO,
            to: SimTime::MAX,
            events_from: 1,
            until_event: None,
            records_max: 10_000_000,
        },
    )
    .expect("run completes");
    assert!(!traced.trace.truncated);
    let (mut after_client_error, mut after_error, mut client_errors) = (0, 0, 0);
    // The last answer each request's caller used, by request id.
    let mut last = std::collections::BTreeMap::new();
    for record in &traced.trace.records {
        match record.what {
            Happening::Response {
                attempt,
                reply,
                used: true,
                ..
            } => {
                if reply == Reply::ClientError {
                    client_errors += 1;
                }
                last.insert(attempt.request, reply);
            }
            Happening::RetryScheduled { request, .. } => match last.get(&request) {
                Some(Reply::ClientError) => after_client_error += 1,
                Some(Reply::Error) => after_error += 1,
                other => panic!("a retry after {other:?}"),
            },
            _ => {}
        }
    }
    assert!(client_errors > 500, "{client_errors} client errors");
    assert!(after_error > 500, "{after_error} retries after 5xx errors");
    assert_eq!(after_client_error, 0, "no retry after a 4xx");
}
