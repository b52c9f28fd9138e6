//! `faultline explore` and `faultline shrink`, end to end through the binary (issue #6).
//!
//! explore runs many seeds, each with the faults its seed draws, and writes a replayable
//! record of every failing seed, ranked by severity, identically whatever the thread count;
//! shrink cuts a failing record's fault schedule down to the faults that matter. The
//! scenarios are in `tests/data/`: `planted-weakness.json` (a tiny queue that only a strong
//! slowdown of `api` overflows), `sturdy.json` (nothing breaks it) and `ten-faults.json`
//! (ten scheduled faults, of which only a crash breaks the SLO).

use std::path::Path;

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};
use serde_json::Value;

const PLANTED: &str = "tests/data/planted-weakness.json";
const STURDY: &str = "tests/data/sturdy.json";
const TEN_FAULTS: &str = "tests/data/ten-faults.json";

/// Runs `faultline explore FILE --seeds SEEDS --out DIR EXTRA...` and returns its output.
fn explore(file: &str, seeds: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let out = out.display().to_string();
    let mut args = vec!["explore", file, "--seeds", seeds, "--out", &out, "--quiet"];
    args.extend_from_slice(extra);
    faultline(&args)
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

/// The fault schedule a record carries explicitly (its last `faults=` override).
fn explicit_faults(record: &Value) -> Option<Vec<Value>> {
    record["overrides"]
        .as_array()
        .expect("overrides is a list")
        .iter()
        .rev()
        .filter_map(Value::as_str)
        .find_map(|set| set.strip_prefix("faults="))
        .map(|list| serde_json::from_str::<Vec<Value>>(list).expect("a JSON list of faults"))
}

#[test]
fn explore_finds_a_planted_weakness_within_200_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let output = explore(PLANTED, "1..200", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    assert_eq!(findings["runs"], 200);
    let list = findings["findings"].as_array().unwrap();
    assert!(!list.is_empty());
    assert_eq!(findings["failing"], list.len());
    // Ranked worst first, every failing seed with a record that replays exactly.
    let severities: Vec<f64> = list
        .iter()
        .map(|f| f["severity"].as_f64().unwrap())
        .collect();
    assert!(
        severities.windows(2).all(|w| w[0] >= w[1]),
        "{severities:?}"
    );
    for finding in list {
        assert_eq!(finding["violations"][0]["kind"], "slo");
        assert_eq!(finding["violations"][0]["client"], "web");
        let record = dir.path().join(finding["record"].as_str().unwrap());
        assert!(record.exists(), "{}", record.display());
    }
    // Only a strong slowdown of api breaks this scenario: every finding has one.
    for finding in list {
        let faults = finding["faults"].as_array().unwrap();
        assert!(
            faults
                .iter()
                .any(|f| f.as_str().unwrap().starts_with("slowdown api ×")),
            "{finding}"
        );
    }
    let worst = dir.path().join(list[0]["record"].as_str().unwrap());
    let replay = faultline(&["replay", &worst.display().to_string()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    assert!(
        stdout(&replay).starts_with("reproduced"),
        "{}",
        stdout(&replay)
    );
    let text = stdout(&output);
    assert!(text.contains(" of 200 seeds fail, worst first:"), "{text}");
    assert!(text.contains("faultline shrink "), "{text}");
}

#[test]
fn explore_gives_the_same_findings_on_every_run_and_thread_count() {
    let runs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let threads = ["2", "2", "1"];
    for (dir, threads) in runs.iter().zip(threads) {
        let output = explore(PLANTED, "1..60", dir.path(), &["--threads", threads]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }
    let bytes = |dir: &tempfile::TempDir, name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let first = bytes(&runs[0], "findings.json");
    for other in &runs[1..] {
        assert_eq!(first, bytes(other, "findings.json"));
    }
    let findings = json(&runs[0].path().join("findings.json"));
    for finding in findings["findings"].as_array().unwrap() {
        let name = finding["record"].as_str().unwrap();
        for other in &runs[1..] {
            assert_eq!(bytes(&runs[0], name), bytes(other, name), "{name}");
        }
    }
}

#[test]
fn explore_exits_0_when_no_seed_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = explore(STURDY, "1..50", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    assert_eq!(findings["failing"], 0);
    assert_eq!(findings["findings"], serde_json::json!([]));
    assert!(stdout(&output).contains("no failing seed among 50 runs"));
}

#[test]
fn random_faults_adds_the_default_recipe_to_a_scenario_without_one() {
    let dir = tempfile::tempdir().unwrap();
    // Without the flag: the ten scheduled faults only, and every seed misses the SLO.
    let output = explore(TEN_FAULTS, "1..3", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    for finding in findings["findings"].as_array().unwrap() {
        assert_eq!(finding["faults"].as_array().unwrap().len(), 10);
    }
    // With it: three more, drawn from each seed, written out in the record.
    let output = explore(TEN_FAULTS, "1..3", dir.path(), &["--random-faults"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("by the default recipe"),
        "{}",
        stdout(&output)
    );
    let findings = json(&dir.path().join("findings.json"));
    let list = findings["findings"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    for finding in list {
        assert_eq!(finding["faults"].as_array().unwrap().len(), 13);
        let record = json(&dir.path().join(finding["record"].as_str().unwrap()));
        let overrides = record["overrides"].as_array().unwrap();
        let explicit = explicit_faults(&record).map(|faults| faults.len());
        // The drawn schedule is written out unless a magnitude would not read back exactly,
        // in which case the record keeps the recipe (see `Plan::record_overrides`).
        assert!(
            explicit == Some(13)
                || overrides
                    .iter()
                    .any(|s| s.as_str().unwrap().starts_with("random_faults={")),
            "{overrides:?}"
        );
    }
}

#[test]
fn shrink_keeps_the_one_fault_of_ten_that_causes_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("ten.json").display().to_string();
    let run = faultline(&["run", TEN_FAULTS, "--record", &record]);
    assert_eq!(run.status.code(), Some(1), "the crash misses the SLO");
    let output = faultline(&["shrink", &record]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("1 of 10 faults remains"), "{text}");
    assert!(text.contains("crash api[0] 12s..15s"), "{text}");

    let minimal_path = dir.path().join("ten.min.json");
    let minimal = json(&minimal_path);
    let faults = explicit_faults(&minimal).expect("the minimal schedule is explicit");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["kind"], "crash");
    assert_eq!(faults[0]["target"], "api[0]");
    assert!(!minimal["summary"]["slo"][0]["met"].as_bool().unwrap());
    let replay = faultline(&["replay", &minimal_path.display().to_string()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
}

#[test]
fn shrink_cuts_down_a_record_that_explore_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let output = explore(
        PLANTED,
        "1..30",
        dir.path(),
        &["--set", "random_faults.count=6"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    let worst = dir
        .path()
        .join(findings["findings"][0]["record"].as_str().unwrap());
    let out = dir.path().join("worst-minimal.json");
    let shrunk = faultline(&[
        "shrink",
        &worst.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stderr(&shrunk));
    let minimal = json(&out);
    let faults = explicit_faults(&minimal).expect("the minimal schedule is explicit");
    assert!(!faults.is_empty() && faults.len() < 6, "{faults:?}");
    for fault in &faults {
        assert_eq!(
            fault["target"], "api",
            "only api's slowdowns matter: {fault}"
        );
    }
    // The superseded schedule overrides are gone: one of each remains.
    let overrides: Vec<&str> = minimal["overrides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(overrides.len(), 2, "{overrides:?}");
    assert_eq!(overrides[0], "random_faults=null");
    let replay = faultline(&["replay", &out.display().to_string()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
}

#[test]
fn a_run_stopped_by_a_guard_is_a_finding_with_a_command_instead_of_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let output = explore(
        PLANTED,
        "1..2",
        dir.path(),
        // Above the 2,000 arrivals the clients are expected to make (validation refuses a
        // limit below those, issue #17), below the events their requests take.
        &["--set", "limits.events_max=3000"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    let worst = &findings["findings"][0];
    assert_eq!(worst["violations"][0]["kind"], "guard");
    assert_eq!(worst["severity"], 1.0);
    assert!(worst["record"].is_null());
    let command = worst["reproduce"].as_str().unwrap();
    assert!(
        command.starts_with("faultline run tests/data/planted-weakness.json --seed 1 "),
        "{command}"
    );
}

#[test]
fn bad_input_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = explore(PLANTED, "1..5", dir.path(), &["--threads", "0"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--threads"), "{}", stderr(&output));
    let output = explore(PLANTED, "9..3", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--seeds"), "{}", stderr(&output));

    // A record that meets its SLO has nothing to shrink.
    let record = dir.path().join("fine.json").display().to_string();
    let run = faultline(&["run", STURDY, "--record", &record]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let output = faultline(&["shrink", &record]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no failure to shrink"),
        "{}",
        stderr(&output)
    );
    let output = faultline(&["shrink", "no-such-record.json"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn explore_checks_the_invariants_of_elections_and_databases() {
    // lease-split-brain: the leader's clock steps back beyond the safety margin, so two
    // nodes act as leader and the store accepts the stale one's writes.
    let dir = tempfile::tempdir().unwrap();
    let output = explore("lease-split-brain", "1..3", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stdout(&output);
    assert!(said.contains("split brain:"), "{said}");
    // A safety margin larger than the jump removes the split brain on every seed.
    let dir = tempfile::tempdir().unwrap();
    let output = explore(
        "lease-split-brain",
        "1..3",
        dir.path(),
        &["--variant", "margin"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // replication-lag: asynchronous replication loses acknowledged writes in the failover;
    // semi-synchronous replication loses none (stale reads remain, above the 1% allowed).
    let dir = tempfile::tempdir().unwrap();
    let output = explore("replication-lag", "1..2", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = std::fs::read_to_string(dir.path().join("findings.json")).unwrap();
    assert!(findings.contains("lost_writes"), "{findings}");
    let dir = tempfile::tempdir().unwrap();
    let output = explore(
        "replication-lag",
        "1..2",
        dir.path(),
        &["--variant", "semi-sync"],
    );
    let findings = std::fs::read_to_string(dir.path().join("findings.json")).unwrap();
    assert!(!findings.contains("lost_writes"), "{findings}");
    assert!(findings.contains("stale_reads"), "{findings}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn shrink_keeps_the_election_faults_that_cause_a_split_brain() {
    // Three faults: a slowdown of the idle app (irrelevant), and the two that make the
    // split brain of lease-split-brain — the leader cut off from the store, then its clock
    // stepped back 5 s. Shrink must drop the first and keep both election faults.
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("lsb.json");
    let record_text = record.display().to_string();
    let faults = r#"faults=[{"kind":"slowdown","target":"app","at":"10s","for":"5s","factor":2},{"kind":"partition","groups":[["election[0]"],["election.store"]],"at":"40s","for":"12s"},{"kind":"clock_jump","target":"election[0]","at":"42s","by":"-5s"}]"#;
    let made = faultline(&[
        "run",
        "lease-split-brain",
        "--set",
        faults,
        "--record",
        &record_text,
    ]);
    assert!(made.status.code().unwrap() <= 1, "{}", stderr(&made));
    let shrunk = faultline(&["shrink", &record_text]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stderr(&shrunk));
    let said = stdout(&shrunk);
    assert!(said.contains("2 of 3 faults remain"), "{said}");
    assert!(
        said.contains("clock_jump") && said.contains("election.store"),
        "{said}"
    );
    let minimal = dir.path().join("lsb.min.json");
    let replay = faultline(&["replay", &minimal.display().to_string()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stdout(&replay));
}

/// Random faults reach a lease election (issue #3): explore finds seeds where a drawn node
/// pause longer than the lease lets a stale leader's write through (Kleppmann, "How to do
/// distributed locking", 2016: the GC-paused lock holder), and shrink cuts the schedule down
/// to that one pause of the leader.
#[test]
fn explore_and_shrink_reach_a_lease_election() {
    let dir = tempfile::tempdir().unwrap();
    let recipe = r#"random_faults={"count":3,"targets":["election"],"duration":["5s","20s"],"jump":["-8s","-3s"]}"#;
    let output = explore(
        "scenarios/library/lease-split-brain.json",
        "8..8",
        dir.path(),
        &[
            "--variant",
            "unfenced",
            "--set",
            "faults=[]",
            "--set",
            recipe,
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    let finding = &findings["findings"][0];
    let words: Vec<&str> = finding["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(words.len(), 3, "{words:?}");
    assert!(words.iter().all(|w| w.contains("election[")), "{words:?}");
    let record = dir.path().join(finding["record"].as_str().unwrap());
    let out = dir.path().join("minimal.json");
    let shrunk = faultline(&[
        "shrink",
        &record.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(shrunk.status.code(), Some(0), "{}", stderr(&shrunk));
    assert!(
        stdout(&shrunk).contains("1 of 3 faults remains"),
        "{}",
        stdout(&shrunk)
    );
    let minimal = json(&out);
    let faults = explicit_faults(&minimal).expect("the minimal schedule is explicit");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert_eq!(faults[0]["kind"], "pause");
    assert_eq!(faults[0]["target"], "election[0]");
    let replay = faultline(&["replay", &out.display().to_string()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
}

#[test]
fn r15_a_drawn_zone_outage_is_written_out_as_its_replicas() {
    // See: #15. Every fault carries its position in the one schedule, and a drawn zone
    // outage's faults share theirs; written out, they take one entry each. The record still
    // carries the explicit schedule (positions only order a listing, `same_run`), so it
    // replays the same run.
    let dir = tempfile::tempdir().unwrap();
    let output = explore("tests/data/zone-outages.json", "1..3", dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json(&dir.path().join("findings.json"));
    let list = findings["findings"].as_array().unwrap();
    assert_eq!(list.len(), 3, "every seed fails the strict SLO");
    for finding in list {
        let name = finding["record"].as_str().unwrap();
        let record = json(&dir.path().join(name));
        let faults = explicit_faults(&record).expect("the drawn schedule is written out");
        // Two outages, each of zone a (api[0], api[2]) or zone b (api[1]), in draw order.
        let mut outages: Vec<(String, Vec<&str>)> = Vec::new();
        for fault in &faults {
            let window = format!("{} {}", fault["at"], fault["for"]);
            let target = fault["target"].as_str().unwrap();
            match outages.last_mut() {
                Some((last, targets)) if *last == window => targets.push(target),
                _ => outages.push((window, vec![target])),
            }
        }
        assert_eq!(outages.len(), 2, "{name}: {faults:?}");
        for (_, targets) in &outages {
            assert!(
                *targets == ["api[0]", "api[2]"] || *targets == ["api[1]"],
                "{name}: {targets:?}"
            );
        }
        let path = dir.path().join(name).display().to_string();
        let replay = faultline(&["replay", &path]);
        assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    }
}
