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
    // Recorded goodput 106.1/s under naive retries; with a budget 520.6/s (seed 1).
    assert!(
        said.contains("106.088") && said.contains("520.629"),
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
