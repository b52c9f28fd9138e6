//! Idempotency keys end to end, through the real binary: a payment service whose work
//! outlasts its callers' timeout executes retried charges again (duplicate side effects),
//! and an idempotency-key store (Stripe, "Idempotent requests", API reference) stops that:
//! a repeat of a key that finished gets the stored answer, one still executing gets a
//! retryable 409-like conflict.

#[path = "support/binary.rs"]
mod support;

use std::io::Write;

use serde_json::{json, Value};
use support::{faultline, stderr, stdout};

/// A checkout client (Poisson 50/s, 50 ms timeout, 3 attempts with jittered backoff) and a
/// payments service with 100 ms of constant work, a side effect, and workers to spare, so
/// every first attempt executes exactly when it arrives, with or without a store.
fn scenario() -> Value {
    json!({
        "name": "payments",
        "duration": "30s",
        "clients": [{ "name": "checkout", "target": "payments",
                      "arrival": { "kind": "poisson", "rate_per_s": 50 },
                      "timeout": "50ms",
                      "retry": { "max_attempts": 3, "jitter": "full",
                                 "backoff": { "kind": "exponential", "base": "40ms", "cap": "200ms" } } }],
        "services": [{ "name": "payments", "workers": 64, "side_effect": true,
                       "service_time": { "kind": "constant", "value": "100ms" } }],
        "network": { "latency": { "kind": "constant", "value": "1ms" } },
        "variants": { "keyed": { "services.payments.idempotency": { "ttl": "1h" } } }
    })
}

fn file(document: &Value) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    write!(file, "{document}").unwrap();
    file
}

fn run_json(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["run", path, "--format", "json"];
    args.extend_from_slice(extra);
    let output = faultline(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("JSON output")
}

#[test]
fn retries_duplicate_side_effects_and_a_key_store_prevents_them() {
    let f = file(&scenario());
    let path = f.path().to_str().unwrap();
    let plain = run_json(path, &[]);
    let keyed = run_json(path, &["--variant", "keyed"]);
    let counts = |s: &Value| s["services"]["payments"]["idempotency"].clone();
    let (p, k) = (counts(&plain), counts(&keyed));
    eprintln!("without a store {p}\nwith a store {k}");
    let n = |v: &Value, key: &str| v[key].as_u64().unwrap();
    assert!(n(&p, "duplicate_side_effects") > 500);
    assert_eq!(n(&k, "duplicate_side_effects"), 0);
    // Arrivals are the same in both runs (common random numbers) and every first attempt
    // executes, so the keys executed are the same: the store's executions. Duplicates are
    // exactly the executions beyond the first per key.
    assert_eq!(
        n(&p, "duplicate_side_effects"),
        n(&p, "executions") - n(&k, "executions")
    );
    assert!(n(&k, "idempotent_replays") > 0 && n(&k, "conflicts") > 0);
    // Every conflict payments answered by the end reached checkout; the drain, following
    // checkout's last requests to their outcome after payments' figures are taken, adds a
    // few more.
    let conflicts = keyed["clients"]["checkout"]["conflicts"].as_u64().unwrap();
    assert!(
        conflicts >= n(&k, "conflicts") && conflicts - n(&k, "conflicts") < 20,
        "{conflicts} conflicts at checkout, {k}"
    );
    // Replays are successes the caller would otherwise not have had.
    let ok = |s: &Value| s["clients"]["checkout"]["succeeded"].as_u64().unwrap();
    assert!(ok(&keyed) > ok(&plain));

    let text = stdout(&faultline(&["run", path, "--variant", "keyed"]));
    assert!(text.contains("0 duplicate side effects"), "{text}");
    assert!(text.contains("idempotency store:"), "{text}");
}

#[test]
fn bad_idempotency_and_tied_input_is_exit_2_with_the_path() {
    let mut document = scenario();
    document["services"][0]["idempotency"] = json!({ "ttl": "forever" });
    let f = file(&document);
    let output = faultline(&["run", f.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("(payments).idempotency.ttl"),
        "{}",
        stderr(&output)
    );

    let mut document = scenario();
    document["clients"][0]["hedge"] = json!({ "tied": "yes" });
    let f = file(&document);
    let output = faultline(&["run", f.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("tied"), "{}", stderr(&output));

    let mut document = scenario();
    document["services"][0]["calls"] = json!([{ "service": "payments", "optional": 1 }]);
    let f = file(&document);
    let output = faultline(&["run", f.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("optional"), "{}", stderr(&output));
}
