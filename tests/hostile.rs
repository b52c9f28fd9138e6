//! Hostile input and runaway runs (issue #17), end to end through the real binary: every
//! measured defect has a regression test named after it, each asserting the exit code (2 bad
//! input, 3 a guard tripped), what the message names, and that no Rust panic, stack overflow
//! or allocation failure ever shows.
//!
//! The guards are exercised with small budgets (`--set limits.memory_max=64MiB`), so the
//! tests stay quick; the README records the same cases at the default budget with their
//! peak memory. Timing never appears here: "linear" shows as "finishes at all".

use std::path::Path;
use std::process::Output;

use proptest::prelude::*;

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr};

/// Writes `text` as `name` in `dir` and returns its path.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Asserts that `output` exited with `code` and a clean message (no panic, no abort), and
/// returns its standard error.
fn refused(output: &Output, code: i32) -> String {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{message}");
    for bad in [
        "panicked",
        "internal error",
        "stack overflow",
        "memory allocation",
        "capacity overflow",
    ] {
        assert!(!message.contains(bad), "{bad} in {message}");
    }
    assert!(message.starts_with("error: "), "{message}");
    message
}

/// A client of `rate` req/s to `api`, and `api`, with `extra` appended to the scenario.
fn scenario(duration: &str, client: &str, service: &str, extra: &str) -> String {
    format!(
        r#"{{ "name": "hostile", "duration": "{duration}",
  "clients": [ {{ "name": "web", "target": "api", {client} }} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }}, {service} }} ]{extra} }}"#
    )
}

// See: #17. Queued jobs counted toward no limit: a retry storm against a queue of 10^7 grew
// past 5 GB and died with "memory allocation of N bytes failed".
#[test]
fn r17_a_retry_storm_against_a_queue_of_ten_million_stops_at_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "300s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 20000 }, "timeout": "100ms",
           "retry": { "max_attempts": 10, "backoff": { "kind": "none" } }"#,
        r#""workers": 10, "queue": { "capacity": 10000000 }"#,
        "",
    );
    let file = write(dir.path(), "storm.json", &text);
    let output = faultline(&["run", &file, "--set", "limits.memory_max=64MiB"]);
    let message = refused(&output, 3);
    for part in [
        "live state passed limits.memory_max (64 MiB)",
        " jobs (",
        "--max-memory 128MiB",
        "seed 1; reproduce with: faultline run",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
}

// See: #17. A three-level fan-out of 10,000 reached 5 GB before a guard stopped it.
#[test]
fn r17_a_three_level_fan_out_of_ten_thousand_stops_at_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{ "name": "fanout", "duration": "60s",
  "clients": [ { "name": "web", "target": "a", "arrival": { "kind": "poisson", "rate_per_s": 10 }, "timeout": "1s" } ],
  "services": [
    { "name": "a", "workers": 100, "queue": { "capacity": 1000000 }, "service_time": { "kind": "constant", "value": "1ms" },
      "calls": [ { "service": "b", "fanout": 10000, "timeout": "10s" } ] },
    { "name": "b", "workers": 100, "replicas": 100, "queue": { "capacity": 1000000 }, "service_time": { "kind": "constant", "value": "1ms" },
      "calls": [ { "service": "c", "fanout": 10000, "timeout": "10s" } ] },
    { "name": "c", "workers": 100, "replicas": 100, "queue": { "capacity": 1000000 }, "service_time": { "kind": "constant", "value": "1ms" } } ] }"#;
    let file = write(dir.path(), "fanout.json", text);
    let output = faultline(&["run", &file, "--set", "limits.memory_max=64MiB"]);
    let message = refused(&output, 3);
    assert!(message.contains("limits.memory_max (64 MiB)"), "{message}");
    assert!(message.contains(" requests ("), "{message}");
}

// See: #17. An hour of network latency at 1e5 requests a second aborted at 2-4 GB.
#[test]
fn r17_an_hour_of_latency_at_1e5_per_second_stops_at_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "2h",
        r#""arrival": { "kind": "poisson", "rate_per_s": 100000 }"#,
        r#""workers": 100"#,
        r#", "network": { "latency": { "kind": "constant", "value": "1h" } }"#,
    );
    let file = write(dir.path(), "latency.json", &text);
    let output = faultline(&["run", &file, "--set", "limits.memory_max=64MiB"]);
    let message = refused(&output, 3);
    assert!(message.contains("events pending ("), "{message}");
    assert!(message.contains(" attempts ("), "{message}");
}

/// The storm of the first test above, written into `dir`.
fn storm(dir: &Path) -> String {
    let text = scenario(
        "300s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 20000 }, "timeout": "100ms",
           "retry": { "max_attempts": 10, "backoff": { "kind": "none" } }"#,
        r#""workers": 10, "queue": { "capacity": 10000000 }"#,
        "",
    );
    write(dir, "storm.json", &text)
}

// See: #17. The memory budget could only be changed inside the scenario or with `--set`;
// `--max-memory` sets it for `run` and every multi-run command.
#[test]
fn r17_max_memory_sets_the_memory_budget_of_run_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let file = storm(dir.path());
    let message = refused(&faultline(&["run", &file, "--max-memory", "64MiB"]), 3);
    for part in [
        "live state passed limits.memory_max (64 MiB)",
        "--max-memory 128MiB",
        "reproduce with: faultline run",
        "--set 'limits.memory_max=64MiB'",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    let out = dir.path().join("compare").display().to_string();
    let args = [
        "compare",
        &file,
        "--seeds",
        "1..2",
        "--max-memory",
        "64MiB",
        "--quiet",
        "--out",
        &out,
    ];
    let message = refused(&faultline(&args), 3);
    assert!(message.contains("limits.memory_max (64 MiB)"), "{message}");
    for (size, part) in [
        ("0", "--max-memory: must be more than 0 bytes"),
        ("lots", "--max-memory: \"lots\" is not a size"),
    ] {
        let message = refused(&faultline(&["run", &file, "--max-memory", size]), 2);
        assert!(message.contains(part), "{part} in {message}");
    }
}

/// A run long enough that `--max-wall 1s` always stops it first: 1.6e9 arrivals (under
/// `events_max`), minutes of work on any machine.
fn long_run(dir: &Path) -> String {
    let text = scenario(
        "16000s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 100000 }"#,
        r#""workers": 200"#,
        "",
    );
    write(dir, "long.json", &text)
}

// See: #17. Nothing bounded a command's wall time: `--max-wall` stops it with exit 3, naming
// the limit and how to raise it.
#[test]
fn r17_max_wall_stops_a_long_run_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let file = long_run(dir.path());
    let message = refused(&faultline(&["run", &file, "--max-wall", "1s"]), 3);
    for part in [
        "the command ran longer than --max-wall 1s of wall time",
        "it never changes a result",
        "--max-wall 2s",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    // A multi-run command says what is journaled and how to continue.
    let out = dir.path().join("compare").display().to_string();
    let args = [
        "compare",
        &file,
        "--seeds",
        "1..2",
        "--max-wall",
        "1s",
        "--quiet",
        "--out",
        &out,
    ];
    let message = refused(&faultline(&args), 3);
    for part in [
        "--max-wall 1s",
        "0 run(s) finished and are journaled in",
        "--resume",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    let message = refused(&faultline(&["run", &file, "--max-wall", "0s"]), 2);
    assert!(
        message.contains("--max-wall: must be longer than 0s"),
        "{message}"
    );
}

/// A wall limit never changes a result: the same summary with and without it.
#[test]
fn r17_max_wall_leaves_results_unchanged() {
    let plain = faultline(&["run", "mm1", "--format", "json"]);
    let limited = faultline(&["run", "mm1", "--format", "json", "--max-wall", "1h"]);
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(limited.status.code(), Some(0));
    assert_eq!(plain.stdout, limited.stdout);
}

/// The default budget is 2 GiB, and a size reads with a unit or as bytes.
#[test]
fn r17_the_memory_budget_defaults_to_2_gib_and_reads_units() {
    let text = scenario(
        "10s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 10 }"#,
        r#""workers": 1"#,
        "",
    );
    // The budget, or the error's message.
    let budget = |extra: &str| {
        let text = text.replace("\"duration\"", &format!("{extra}\"duration\""));
        scenarios::parse(&text, "t.json", &Default::default())
            .map(|scenario| scenario.world.limits.memory_max)
            .map_err(|error| error.to_string())
    };
    assert_eq!(budget(""), Ok(2 << 30));
    let set = budget(r#""limits": { "memory_max": "512MB" }, "#);
    assert_eq!(set, Ok(512_000_000));
    let set = budget(r#""limits": { "memory_max": 4e9 }, "#);
    assert_eq!(set, Ok(4_000_000_000));
    let error = budget(r#""limits": { "memory_max": "lots" }, "#).unwrap_err();
    assert_eq!(
        error,
        "t.json: limits.memory_max: is not a size (got \"lots\"); write a number and a unit, e.g. \"2GiB\", \"512MB\", or a number of bytes"
    );
}

// See: #17. Durations up to 584 years were accepted; "1000000h" grew to 2.7 GB and aborted,
// and per-second series tried to allocate about 10 GB.
#[test]
fn r17_a_duration_beyond_30_days_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for duration in ["1000000h", "584y", "31days"] {
        let text = scenario(
            duration,
            r#""arrival": { "kind": "poisson", "rate_per_s": 1 }"#,
            r#""workers": 1"#,
            "",
        );
        let file = write(dir.path(), "long.json", &text);
        let message = refused(&faultline(&["validate", &file]), 2);
        assert!(
            message.contains("long.json: duration: must be at most 30 days")
                && message.contains(&format!("(got \"{duration}\")")),
            "{message}"
        );
    }
}

/// What a scenario holds from the start (clients, services, its series) is estimated before the
/// run, and a scenario beyond its budget is refused at once (exit 3).
#[test]
fn r17_fixed_state_beyond_the_budget_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let clients: Vec<String> = (0..9_000)
        .map(|i| format!(r#"{{ "name": "c{i}", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 0.001 }} }}"#))
        .collect();
    let text = format!(
        r#"{{ "name": "many", "duration": "60s", "clients": [ {} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ] }}"#,
        clients.join(", ")
    );
    let file = write(dir.path(), "many.json", &text);
    let message = refused(&faultline(&["run", &file]), 3);
    for part in [
        "many.json: clients: the clients, services and series alone take about",
        "9000 clients × 256 KiB",
        "beyond `limits.memory_max` (2 GiB)",
        "--max-memory 16GiB",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
}

// See: #19. A month of four clients was refused (its per-second series alone took about
// 3.28 GiB); series rows now widen with the run (30 min for a month), so it runs in a few MB.
#[test]
fn r19_a_month_of_a_few_clients_fits_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let clients: Vec<String> = (0..4)
        .map(|i| format!(r#"{{ "name": "c{i}", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 0.001 }} }}"#))
        .collect();
    let text = format!(
        r#"{{ "name": "month", "duration": "29days", "clients": [ {} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ] }}"#,
        clients.join(", ")
    );
    let file = write(dir.path(), "month.json", &text);
    let output = faultline(&["validate", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A rate × duration whose arrivals alone pass `events_max` is refused at once (exit 3),
/// instead of running for minutes before the events guard stops it.
#[test]
fn r17_expected_arrivals_beyond_events_max_are_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "20days",
        r#""arrival": { "kind": "poisson", "rate_per_s": 1000000 }"#,
        r#""workers": 1"#,
        "",
    );
    let file = write(dir.path(), "busy.json", &text);
    let message = refused(&faultline(&["run", &file]), 3);
    assert!(
        message.contains(
            "busy.json: clients: the clients are expected to make about 1.728e12 requests"
        ) && message.contains("beyond `limits.events_max` (2000000000 events)"),
        "{message}"
    );
}

// See: #17. A dotted path 10,000 segments deep overflowed the stack (`--set`, or a variant).
#[test]
fn r17_a_path_10000_segments_deep_is_refused_without_overflowing_the_stack() {
    let deep = |head: &str| {
        let mut path = head.to_string();
        let depth = head.split('.').count();
        path.push_str(&".x".repeat(10_000 - depth));
        path
    };
    // `wait_for` takes any JSON, so the path went on building nested objects.
    let set = format!("{}=1", deep("services.api.calls.0.wait_for"));
    let message = refused(&faultline(&["run", "tiers", "--set", &set]), 2);
    assert!(
        message.contains("the path has 10000 segments, more than any the format has (at most 64)"),
        "{message}"
    );
    assert!(message.len() < 1_000, "a short message: {message}");

    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "10s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 1 }"#,
        r#""workers": 1"#,
        &format!(
            r#", "variants": {{ "deep": {{ "{}": 1 }} }}"#,
            deep("limits")
        ),
    );
    let file = write(dir.path(), "deep.json", &text);
    let message = refused(&faultline(&["validate", &file]), 2);
    assert!(message.contains("variants.deep[\"limits.x.x"), "{message}");
    assert!(message.contains("10000 segments"), "{message}");
}

// See: #17. A 200,000-segment path took more than 30 s (each step re-joined the path walked).
#[test]
fn r17_a_200000_segment_path_is_refused_with_a_short_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = format!("services{}", ".x".repeat(199_999));
    let text = scenario(
        "10s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 1 }"#,
        r#""workers": 1"#,
        &format!(r#", "variants": {{ "deep": {{ "{path}": 1 }} }}"#),
    );
    let file = write(dir.path(), "deep.json", &text);
    let message = refused(&faultline(&["run", &file, "--variant", "deep"]), 2);
    assert!(message.contains("200000 segments"), "{message}");
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

/// `n` clients of `api`, with `tail` appended inside the top-level object.
fn many_clients(n: usize, tail: &str) -> String {
    let clients: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"name":"c{i}","target":"api","arrival":{{"kind":"poisson","rate_per_s":0.001}}}}"#))
        .collect();
    format!(
        r#"{{"name":"many","duration":"10s","clients":[{}],"services":[{{"name":"api","service_time":{{"kind":"constant","value":"1ms"}}}}]{tail}}}"#,
        clients.join(",")
    )
}

// See: #17. A million clients took more than 30 s and 2.4 GB to validate (each name was
// compared with every earlier one), and the error listed every name: a megabyte.
#[test]
fn r17_an_error_among_many_names_lists_twenty_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let text = many_clients(
        100_000,
        r#","slo":[{"client":"nobody","latency_below":"1s","target":0.9}]"#,
    );
    let file = write(dir.path(), "many.json", &text);
    let message = refused(&faultline(&["validate", &file]), 2);
    assert!(
        message.contains("slo[0].client: no client named `nobody`; the names are `c0`, `c1`")
            && message.contains("`c19` and 99980 more"),
        "{message}"
    );
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

// See: #17. A duplicate among many names was found by comparing each with every other.
#[test]
fn r17_a_duplicate_among_many_names_is_found_with_its_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let text = many_clients(100_000, "").replace(r#""name":"c99999""#, r#""name":"c5""#);
    let file = write(dir.path(), "twice.json", &text);
    let message = refused(&faultline(&["validate", &file]), 2);
    assert!(
        message.contains("clients[99999].name: the name `c5` is already used by clients[5]"),
        "{message}"
    );
}

// See: #17. A 50 MB file with an unknown field peaked at 1.9 GB (the document was held as a
// JSON value beside its typed form); the file is now read straight into its typed form.
#[test]
fn r17_a_large_file_with_an_unknown_field_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = many_clients(100_000, r#","unknown_field":1"#);
    let file = write(dir.path(), "large.json", &text);
    let message = refused(&faultline(&["validate", &file]), 2);
    assert!(
        message.contains("large.json: unknown_field: unknown field `unknown_field`"),
        "{message}"
    );
    // An error deep in the list still names the element, read from the text.
    let text = many_clients(100_000, "").replace(
        r#"{"name":"c77777","target":"api","#,
        r#"{"name":"c77777","target":"api","timout":"1s","#,
    );
    let file = write(dir.path(), "typo.json", &text);
    let message = refused(&faultline(&["validate", &file]), 2);
    assert!(
        message.contains(
            "clients[77777] (c77777).timout: unknown field `timout`; did you mean `timeout`?"
        ),
        "{message}"
    );
}

// See: #17. A million faults took 19 s and 1.9 GB: each fault rebuilt the list of names it
// might target.
#[test]
fn r17_many_faults_validate() {
    let dir = tempfile::tempdir().unwrap();
    let faults =
        vec![r#"{"kind":"slowdown","target":"api","at":"1s","for":"1s","factor":2}"#; 100_000];
    let text = many_clients(10, &format!(r#","faults":[{}]"#, faults.join(",")));
    let file = write(dir.path(), "faults.json", &text);
    let output = faultline(&["validate", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

// See: #17. `compare mm1 --seeds 0..18446744073709551615` panicked with "capacity overflow",
// and `explore` with the same range never ended: the count wrapped to 0.
#[test]
fn r17_a_range_of_every_seed_is_refused_by_compare_and_explore() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    for command in ["compare", "explore"] {
        let output = faultline(&[
            command,
            "mm1",
            "--seeds",
            "0..18446744073709551615",
            "--out",
            &out,
        ]);
        let message = refused(&output, 2);
        assert_eq!(
            message,
            "error: --seeds: `0..18446744073709551615` holds 18446744073709551616 seeds, and one command runs at most 1000000; split the range over several commands, e.g. `0..999999`\n"
        );
    }
}

// See: #17. `--max-seeds 0` was accepted.
#[test]
fn r17_max_seeds_of_zero_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = faultline(&[
        "compare",
        "mm1",
        "--precision",
        "5%",
        "--max-seeds",
        "0",
        "--out",
        &out,
    ]);
    let message = refused(&output, 2);
    assert!(
        message.starts_with("error: --max-seeds: 0 seeds would run nothing"),
        "{message}"
    );
}

// See: #17. `run /nonexistent/dir/retry-storm.json` silently ran the catalog's
// `retry-storm` (exit 1, its SLO missed) instead of saying the file is missing.
#[test]
fn r17_a_missing_path_is_an_error_even_when_its_name_is_in_the_catalog() {
    let message = refused(&faultline(&["run", "/nonexistent/dir/retry-storm.json"]), 2);
    assert_eq!(
        message,
        "error: /nonexistent/dir/retry-storm.json: cannot read (No such file or directory (os error 2)); `retry-storm` is also a catalog scenario: to run that one, write its bare name (`retry-storm`)\n"
    );
    // A `.json` name is a path too; a bare name is the catalog's.
    refused(&faultline(&["validate", "retry-storm.json"]), 2);
    let output = faultline(&["validate", "retry-storm"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = refused(&faultline(&["validate", "no-such-scenario"]), 2);
    assert!(message.contains("catalog scenarios are: "), "{message}");
}

/// A UTF-8 byte order mark is skipped; UTF-16 is named; invalid UTF-8 is located.
#[test]
fn r17_encodings_are_accepted_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = scenario(
        "10s",
        r#""arrival": { "kind": "poisson", "rate_per_s": 1 }"#,
        r#""workers": 1"#,
        "",
    );
    // A BOM was "expected value at line 1 column 1".
    let bom = dir.path().join("bom.json");
    std::fs::write(&bom, [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()).unwrap();
    let output = faultline(&["validate", &bom.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let path = dir.path().join("utf16.json");
    std::fs::write(&path, utf16).unwrap();
    let message = refused(&faultline(&["validate", &path.display().to_string()]), 2);
    assert!(
        message.contains("utf16.json: the file is encoded as UTF-16 (little-endian, with a byte order mark), not UTF-8; save the file as UTF-8"),
        "{message}"
    );

    let mut bytes = text.into_bytes();
    let at = bytes.iter().position(|&b| b == b'w').unwrap();
    bytes[at] = 0xFF;
    let path = dir.path().join("latin.json");
    std::fs::write(&path, bytes).unwrap();
    let message = refused(&faultline(&["validate", &path.display().to_string()]), 2);
    assert!(
        message.contains(
            "latin.json: line 2, column 27 (byte 66): not valid UTF-8 (bytes 0xFF 0x65 0x62 0x22)"
        ),
        "{message}"
    );
}

/// The corpus of malformed scenarios in `tests/data/malformed` (written by its
/// `generate.py`): each is refused with its exit code (2, or 3 for a scenario beyond its
/// limits) and a message holding the JSON path (or, for a syntax error, the position) that
/// `EXPECTED` lists, and never a panic. Every file of the corpus is listed.
#[test]
fn r17_every_malformed_scenario_of_the_corpus_is_refused_with_its_path() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/malformed");
    let manifest = std::fs::read_to_string(dir.join("EXPECTED")).unwrap();
    let mut listed = Vec::new();
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = line.splitn(3, '\t');
        let (file, code, part) = (
            fields.next().unwrap(),
            fields.next().unwrap().parse::<i32>().unwrap(),
            fields.next().unwrap(),
        );
        let path = dir.join(file).display().to_string();
        let message = refused(&faultline(&["validate", &path]), code);
        assert!(message.contains(part), "{file}: `{part}` in {message}");
        assert!(
            message.contains(file),
            "{file}: the file named in {message}"
        );
        listed.push(file.to_string());
    }
    assert!(listed.len() >= 60, "{} cases", listed.len());
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    listed.sort();
    assert_eq!(files, listed, "every file of the corpus is in EXPECTED");
}

/// A catalog scenario's text with one random edit: a range cut out, or a token put in.
fn mutated_catalog() -> impl Strategy<Value = String> {
    let entries = scenarios::catalog::entries();
    let tokens = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "null",
        "0",
        "-1",
        "1e309",
        "1e9",
        "\"1000000h\"",
        "\"584y\"",
        "\"0s\"",
        "\"name\"",
        "\"x.y.z\"",
        "true",
        "\"\u{FEFF}\"",
        "\u{0}",
        "[[[[[[[[",
        "\"2GiB\"",
        "\"clients\": []",
    ];
    (
        0..entries.len(),
        any::<prop::sample::Index>(),
        0usize..40,
        prop::option::of(prop::sample::select(tokens.to_vec())),
    )
        .prop_map(move |(entry, at, cut, token)| {
            let text = entries[entry].text;
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            let start = boundaries[at.index(boundaries.len())];
            let end = boundaries
                .iter()
                .copied()
                .find(|&i| i >= start + cut)
                .unwrap_or(text.len());
            format!("{}{}{}", &text[..start], token.unwrap_or(""), &text[end..])
        })
}

/// Cases per fuzz test: 64 in CI (each case is bounded: 600 bytes, or a catalog scenario
/// under small guards), `FAULTLINE_FUZZ_CASES=100000` for a long local session.
fn fuzz_cases() -> u32 {
    std::env::var("FAULTLINE_FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Byte-level fuzz of the loader: whatever the bytes, reading them and parsing the text
    /// ends in a value or a typed error, never a panic.
    #[test]
    fn r17_arbitrary_bytes_never_panic_the_loader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let path = Path::new("fuzz.json");
        if let Ok(text) = faultline::input::decode(bytes, path) {
            if let Err(error) = scenarios::parse(&text, "fuzz.json", &Default::default()) {
                prop_assert!(error.to_string().len() < 4_000, "{}", error);
            }
        }
    }

    /// Structure-aware fuzz: a catalog scenario with one random edit is refused with a
    /// typed error, or validated and run (under small guards, so a mutation that explodes
    /// stops quickly) to a result or a guard's error; never a panic.
    #[test]
    fn r17_mutated_catalog_scenarios_validate_and_run_or_are_refused(text in mutated_catalog()) {
        let options = scenarios::LoadOptions {
            overrides: vec![
                scenarios::Override::parse("limits.events_max=200000").unwrap(),
                scenarios::Override::parse("limits.memory_max=256MiB").unwrap(),
            ],
            ..Default::default()
        };
        match scenarios::parse(&text, "fuzz.json", &options) {
            Ok(scenario) => {
                let _ = models::run(&scenario.world, 1);
            }
            Err(error) => prop_assert!(error.to_string().starts_with("fuzz.json"), "{}", error),
        }
    }
}
