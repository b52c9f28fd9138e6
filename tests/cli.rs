//! End-to-end tests of the real `faultline` binary: outputs, exit codes and error messages.
//!
//! Exit codes (DESIGN.md): 0 ok, 1 an SLO was missed, 2 bad input, 3 a run guard tripped.
//! Bad input must name the file and the JSON path, and must never show a Rust panic.

use std::path::Path;

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

/// Writes `text` as a scenario file in a fresh temporary directory.
fn scenario_file(dir: &Path, text: &str) -> String {
    let path = dir.join("scenario.json");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const GOOD: &str = r#"{
  "name": "tiny", "description": "a tiny scenario for CLI tests",
  "duration": "20s", "warmup": "2s",
  "clients": [ { "name": "web", "target": "api",
      "arrival": { "kind": "poisson", "rate_per_s": 200 },
      "timeout": "50ms",
      "retry": { "max_attempts": 3, "backoff": { "kind": "exponential", "base": "5ms", "cap": "100ms" }, "jitter": "full" } } ],
  "services": [ { "name": "api", "replicas": 2, "workers": 2,
      "service_time": { "kind": "lognormal", "p50": "4ms", "p99": "20ms" } } ],
  "network": { "latency": { "kind": "constant", "value": "500us" } },
  "slo": [ { "client": "web", "latency_below": "100ms", "target": 0.99 } ],
  "variants": { "no-retry": { "clients.web.retry": null } }
}"#;

#[test]
fn run_json_has_the_stable_fields_and_repeats_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let first = faultline(&["run", &file, "--seed", "3", "--format", "json"]);
    let second = faultline(&["run", &file, "--seed", "3", "--format", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(stdout(&first), stdout(&second), "same seed, same bytes");
    let json: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    for key in [
        "scenario",
        "variant",
        "seed",
        "version",
        "trace_hash",
        "events",
        "sim_time_s",
        "clients",
        "services",
        "slo",
    ] {
        assert!(json.get(key).is_some(), "missing top-level `{key}`");
    }
    let web = &json["clients"]["web"];
    for key in [
        "requests",
        "succeeded",
        "failed",
        "attempts",
        "amplification",
        "goodput_per_s",
        "latency_ms",
    ] {
        assert!(web.get(key).is_some(), "missing clients.web.{key}");
    }
    for key in ["mean", "p50", "p90", "p99", "p999", "max"] {
        assert!(
            web["latency_ms"].get(key).is_some(),
            "missing latency_ms.{key}"
        );
    }
    let api = &json["services"]["api"];
    for key in [
        "arrivals",
        "completed",
        "rejected",
        "timed_out_work",
        "utilization",
        "queue_len_mean",
        "wait_ms",
        "sojourn_ms",
    ] {
        assert!(api.get(key).is_some(), "missing services.api.{key}");
    }
    for key in ["client", "latency_below_ms", "target", "observed", "met"] {
        assert!(json["slo"][0].get(key).is_some(), "missing slo[0].{key}");
    }
    let other_seed = faultline(&["run", &file, "--seed", "4", "--format", "json"]);
    let other: serde_json::Value = serde_json::from_str(&stdout(&other_seed)).unwrap();
    assert_ne!(
        json["trace_hash"], other["trace_hash"],
        "another seed is another run"
    );
}

#[test]
fn text_output_is_a_readable_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let output = faultline(&["run", &file]);
    let text = stdout(&output);
    assert!(
        text.contains("client") && text.contains("goodput/s"),
        "{text}"
    );
    assert!(text.contains("service") && text.contains("api"), "{text}");
    assert!(text.contains("SLO web"), "{text}");
}

#[test]
fn variants_and_set_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let json = |args: &[&str]| -> serde_json::Value {
        let output = faultline(args);
        assert!(output.status.code().unwrap() <= 1, "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    };
    let base = json(&["run", &file, "--format", "json"]);
    let variant = json(&["run", &file, "--format", "json", "--variant", "no-retry"]);
    assert_eq!(variant["variant"], "no-retry");
    assert_eq!(variant["clients"]["web"]["amplification"], 1.0);
    assert_eq!(
        base["clients"]["web"]["requests"], variant["clients"]["web"]["requests"],
        "same arrivals"
    );
    let set = json(&[
        "run",
        &file,
        "--format",
        "json",
        "--set",
        "services.api.workers=8",
    ]);
    assert_ne!(set["trace_hash"], base["trace_hash"]);
}

#[test]
fn a_missed_slo_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let output = faultline(&["run", &file, "--set", "slo.0.latency_below=1ms"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("MISSED"));
}

#[test]
fn a_tripped_guard_exits_3_with_the_seed_and_replay_command() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let output = faultline(&[
        "run",
        &file,
        "--seed",
        "9",
        "--set",
        "limits.pending_events_max=5",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("pending_events_max"), "{message}");
    assert!(
        message.contains("seed 9") && message.contains("faultline run"),
        "{message}"
    );
}

/// Each case: a broken scenario, and words its error message must contain.
#[test]
fn bad_input_exits_2_naming_the_file_and_the_path() {
    let cases: [(&str, String, &[&str]); 7] = [
        (
            "syntax error",
            GOOD.replace("\"duration\": \"20s\",", "\"duration\": \"20s\""),
            &["line"],
        ),
        (
            "unknown field",
            GOOD.replace("\"workers\": 2", "\"wokers\": 2"),
            &["services", "wokers", "workers"],
        ),
        (
            "wrong type",
            GOOD.replace("\"workers\": 2", "\"workers\": \"two\""),
            &["services", "workers"],
        ),
        (
            "bad value",
            GOOD.replace("\"workers\": 2", "\"workers\": 0"),
            &["services", "workers"],
        ),
        (
            "dangling name",
            GOOD.replace("\"target\": \"api\"", "\"target\": \"apu\""),
            &["clients", "target", "api"],
        ),
        (
            "bad duration",
            GOOD.replace("\"timeout\": \"50ms\"", "\"timeout\": \"50\""),
            &["clients", "timeout"],
        ),
        (
            "bad probability",
            GOOD.replace("\"target\": 0.99", "\"target\": 1.5"),
            &["slo", "target"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (what, text, words) in cases {
        let file = scenario_file(dir.path(), &text);
        for command in ["run", "validate"] {
            let output = faultline(&[command, &file]);
            let message = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{what}: {message}");
            assert!(!message.contains("panicked"), "{what}: {message}");
            assert!(
                message.contains("scenario.json"),
                "{what}: message must name the file: {message}"
            );
            for word in words {
                assert!(
                    message.contains(word),
                    "{what}: message must mention `{word}`: {message}"
                );
            }
        }
    }
}

#[test]
fn unknown_variants_files_and_overrides_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), GOOD);
    let variant = faultline(&["run", &file, "--variant", "no-retyr"]);
    assert_eq!(variant.status.code(), Some(2));
    assert!(
        stderr(&variant).contains("no-retry"),
        "suggests the nearest: {}",
        stderr(&variant)
    );
    let missing = faultline(&["run", "no/such/file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no/such/file.json"));
    let set = faultline(&["run", &file, "--set", "clients.wbe.timeout=1s"]);
    assert_eq!(set.status.code(), Some(2));
    assert!(
        stderr(&set).contains("web"),
        "suggests the nearest: {}",
        stderr(&set)
    );
}

#[test]
fn list_and_validate_cover_the_catalog() {
    let list = faultline(&["list"]);
    assert_eq!(list.status.code(), Some(0));
    let text = stdout(&list);
    for name in ["steady-state", "retries", "mm1", "mmc", "md1"] {
        assert!(text.contains(name), "catalog lists {name}: {text}");
        let by_name = faultline(&["validate", name]);
        assert_eq!(by_name.status.code(), Some(0), "{}", stderr(&by_name));
    }
}

// See: #13. `null` on a path the format lacks was accepted and ran the baseline; it is now
// refused like the same typo with a value, in a `--set` and in a file's variant.
#[test]
fn null_on_a_path_that_does_not_exist_is_an_error() {
    let nulled = faultline(&["run", "tiers", "--set", "services.api.calls.db.cach=null"]);
    let valued = faultline(&["run", "tiers", "--set", "services.api.calls.db.cach=1"]);
    assert_eq!(nulled.status.code(), Some(2), "{}", stderr(&nulled));
    assert!(
        stdout(&nulled).is_empty(),
        "nothing ran: {}",
        stdout(&nulled)
    );
    assert_eq!(
        stderr(&nulled),
        "error: catalog:tiers (--set services.api.calls.db.cach=null): services[0] (api).calls[0].cach: unknown field `cach`; did you mean `cache`?\n"
    );
    assert_eq!(
        stderr(&valued).replace("cach=1", "cach=null"),
        stderr(&nulled),
        "worded exactly as the same typo with a value"
    );
    let element = faultline(&["run", "tiers", "--set", "services.apo.workers=null"]);
    assert_eq!(element.status.code(), Some(2));
    assert!(
        stderr(&element).contains("`services` has no element named `apo`; did you mean `api`?"),
        "{}",
        stderr(&element)
    );

    let dir = tempfile::tempdir().unwrap();
    let text = GOOD.replace(
        "\"variants\": {",
        "\"variants\": { \"breaker-off\": { \"clients.web.circuitbreaker\": null },",
    );
    let file = scenario_file(dir.path(), &text);
    for command in [
        &["run", &file, "--variant", "breaker-off"][..],
        &["validate", &file][..],
    ] {
        let output = faultline(command);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{command:?}: {message}");
        assert!(
            message.contains("scenario.json (variant breaker-off): clients[0] (web).circuitbreaker: unknown field `circuitbreaker`; did you mean `circuit_breaker`?"),
            "{command:?}: {message}"
        );
    }
    // Removing what the format has but the file leaves out is fine.
    let absent = faultline(&["run", &file, "--set", "clients.web.retry.budget=null"]);
    assert_eq!(absent.status.code(), Some(0), "{}", stderr(&absent));
}
