//! Run records and replay, end to end through the binary (issue #6).
//!
//! `run --record` writes the scenario, seed, version, trace hash and summary; `replay` re-runs
//! it and says plainly whether it reproduced (exit 0) or not (exit 4, with what differs).

use std::path::Path;

#[path = "support/binary.rs"]
mod binary;

use binary::faultline;

/// Bytes from the binary as text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Records a run of a catalog scenario into `dir/record.json` and returns its path.
fn record(dir: &Path, scenario: &str, seed: &str) -> String {
    let path = dir.join("record.json").display().to_string();
    let output = faultline(&[
        "run", scenario, "--seed", seed, "--record", &path, "--format", "json",
    ]);
    assert!(
        output.status.code().unwrap() <= 1,
        "{}",
        text(&output.stderr)
    );
    path
}

fn edit(path: &str, change: impl Fn(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

#[test]
fn a_record_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "crash", "7");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for key in [
        "scenario_text",
        "scenario_hash",
        "seed",
        "version",
        "trace_hash",
        "events",
        "summary",
    ] {
        assert!(record.get(key).is_some(), "a record holds `{key}`");
    }
    assert_eq!(record["seed"], 7);
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout).starts_with("reproduced"),
        "{}",
        text(&replay.stdout)
    );
}

#[test]
fn a_changed_seed_or_hash_is_reported_as_not_reproduced() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "steady-state", "3");
    edit(&path, |r| r["seed"] = serde_json::json!(4));
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(4));
    let said = text(&replay.stdout);
    assert!(
        said.starts_with("NOT reproduced") && said.contains("recorded trace"),
        "{said}"
    );

    let path = record(dir.path(), "steady-state", "3");
    edit(&path, |r| {
        r["trace_hash"] = serde_json::json!("0000000000000000")
    });
    assert_eq!(faultline(&["replay", &path]).status.code(), Some(4));
}

#[test]
fn an_edited_scenario_or_a_broken_record_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "steady-state", "1");
    edit(&path, |r| {
        let text = r["scenario_text"].as_str().unwrap().replace("200", "201");
        r["scenario_text"] = serde_json::json!(text);
    });
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(2));
    assert!(
        text(&replay.stderr).contains("scenario_hash"),
        "{}",
        text(&replay.stderr)
    );
    std::fs::write(&path, "{ not json").unwrap();
    assert_eq!(faultline(&["replay", &path]).status.code(), Some(2));
}

#[test]
fn a_record_from_another_version_warns_and_is_still_tried() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "steady-state", "1");
    edit(&path, |r| r["version"] = serde_json::json!("0.0.1"));
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(0));
    let said = text(&replay.stdout);
    assert!(
        said.starts_with("warning: recorded by faultline 0.0.1"),
        "{said}"
    );
    assert!(said.contains("reproduced"), "{said}");
}

#[test]
fn a_counterfactual_replay_shows_what_a_policy_would_have_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "retry-storm", "1");
    let replay = faultline(&["replay", &path, "--variant", "budget"]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    let said = text(&replay.stdout);
    assert!(
        said.starts_with("counterfactual of retry-storm seed 1"),
        "{said}"
    );
    // Recorded goodput 106.2/s under naive retries; with a budget 520.9/s (seed 1).
    assert!(
        said.contains("106.212") && said.contains("520.935"),
        "{said}"
    );
    // The incident in time: naive retries never recover from the 20 s slowdown at 60 s;
    // with a budget, goodput is back within seconds of its end.
    let line = said
        .lines()
        .find(|l| l.contains("incident for web:"))
        .unwrap_or_else(|| panic!("no incident line: {said}"));
    assert!(
        line.contains("not over when the run ended (140 s after it began) recorded"),
        "{line}"
    );
    let counterfactual_s: u64 = line
        .split(" recorded, ")
        .nth(1)
        .and_then(|rest| rest.split(" s counterfactual").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((20..=30).contains(&counterfactual_s), "{line}");
    assert!(said.contains("recorded/s"), "no timeline: {said}");
}

/// Issue #14: a trace-driven client's CSV is hashed into the record, and a replay after the
/// file changed names it and does not reproduce (exit 4); a record of a scenario that reads
/// no file has no `files`.
#[test]
fn a_changed_trace_is_named_and_the_replay_fails() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("traced.json");
    std::fs::write(
        &scenario,
        r#"{ "name": "traced", "duration": "10s",
  "clients": [ { "name": "log", "target": "api",
                 "arrival": { "kind": "trace", "file": "log.csv", "loop": "2.5s" } } ],
  "services": [ { "name": "api", "service_time": { "kind": "exponential", "mean": "10ms" } } ] }"#,
    )
    .unwrap();
    let trace = dir.path().join("log.csv");
    std::fs::write(&trace, "time_s\n0.5\n1.0\n1.2\n2.0\n").unwrap();
    let path = dir.path().join("record.json").display().to_string();
    let scenario = scenario.display().to_string();
    let output = faultline(&["run", &scenario, "--record", &path, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        summary["clients"]["log"]["requests"], 16,
        "4 arrivals, looped 4 times"
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(recorded["files"][0]["name"], "log.csv");
    assert_eq!(recorded["files"][0]["hash"].as_str().unwrap().len(), 16);
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stdout));
    std::fs::write(&trace, "time_s\n0.5\n1.0\n1.3\n2.0\n").unwrap();
    let replay = faultline(&["replay", &path]);
    assert_eq!(replay.status.code(), Some(4));
    let out = text(&replay.stdout);
    assert!(
        out.contains("file log.csv (") && out.contains(") changed since the record: hash "),
        "{out}"
    );
    let other = tempfile::tempdir().unwrap();
    let plain = record(other.path(), "crash", "1");
    let plain: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plain).unwrap()).unwrap();
    assert!(plain.get("files").is_none());
}
