//! Traced replays end to end through the binary (issues #5 and #6).
//!
//! `replay --trace-window FROM..TO` writes every event of the window as JSON lines and a
//! sequence diagram, and still reproduces the recorded trace hash; `--until-event N` stops
//! after N events and prints the state of every node.

use std::path::Path;

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

/// Records a run of a catalog scenario into `dir/record.json` and returns its path.
fn record(dir: &Path, scenario: &str, seed: &str) -> String {
    let path = dir.join("record.json").display().to_string();
    let output = faultline(&[
        "run", scenario, "--seed", seed, "--record", &path, "--format", "json",
    ]);
    assert!(output.status.code().unwrap() <= 1, "{}", stderr(&output));
    path
}

/// A small well-formedness check: tags nest and close, attributes quote evenly, and text has
/// no bare `&`.
fn well_formed(svg: &str) -> Result<(), String> {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        let entities = ["&amp;", "&lt;", "&gt;", "&quot;"];
        let bare = entities
            .iter()
            .fold(text.to_string(), |t, e| t.replace(e, ""));
        if bare.contains('&') {
            return Err(format!("bare & in {text:?}"));
        }
        let end = rest[start..].find('>').ok_or("unclosed tag")? + start;
        let tag = &rest[start + 1..end];
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in <{tag}>"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name {
                return Err(format!("</{name}> closes <{top}>"));
            }
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().ok_or("empty tag")?);
        }
        rest = &rest[end + 1..];
    }
    if open.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {open:?}"))
    }
}

#[test]
fn a_window_is_written_as_json_lines_and_a_sequence_diagram() {
    // See: #6. The crash of api[0] at 20 s falls in the window.
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "crash", "7");
    let out = dir.path().join("traces");
    let out_text = out.display().to_string();
    let replay = faultline(&[
        "replay",
        &path,
        "--trace-window",
        "19.9s..20.4s",
        "--out",
        &out_text,
    ]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    let said = stdout(&replay);
    assert!(
        said.starts_with("reproduced: scenario crash seed 7"),
        "{said}"
    );
    let jsonl = out.join("trace-19.9s-20.4s.jsonl");
    let svg = out.join("sequence-19.9s-20.4s.svg");
    assert!(
        said.contains(&format!("wrote {}", jsonl.display())),
        "{said}"
    );
    assert!(said.contains(&format!("wrote {}", svg.display())), "{said}");

    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is a JSON object"))
        .collect();
    assert!(lines.len() > 1_000, "{} records", lines.len());
    let (mut event, mut t_ms) = (0u64, 0f64);
    let mut kinds = std::collections::BTreeSet::new();
    for line in &lines {
        let e = line["event"].as_u64().expect("event");
        let t = line["t_ms"].as_f64().expect("t_ms");
        assert!(
            (19_900.0..20_400.0).contains(&t),
            "{line} inside the window"
        );
        assert!(e >= event && t >= t_ms, "{line} comes in processing order");
        assert!(
            event == 0 || e <= event + 1,
            "no event is missing before {line}"
        );
        (event, t_ms) = (e, t);
        kinds.insert(line["kind"].as_str().expect("kind").to_string());
    }
    for kind in [
        "arrival",
        "attempt_sent",
        "attempt_arrived",
        "started",
        "work_done",
        "reply_sent",
        "response",
        "request_done",
        "fault_start",
        "jobs_lost",
        "replica_down",
        "retry_scheduled",
        "retry",
    ] {
        assert!(kinds.contains(kind), "a `{kind}` record in {kinds:?}");
    }
    let first = &lines[0];
    assert!(
        first["request"].is_u64(),
        "requests are small integers: {first}"
    );

    let drawing = std::fs::read_to_string(&svg).unwrap();
    well_formed(&drawing).unwrap();
    for lane in ["web", "api[0]", "api[1]"] {
        assert!(
            drawing.contains(&format!(">{lane}</text>")),
            "a lane for {lane}"
        );
    }
    assert!(
        drawing.contains("the first 20 of "),
        "the title says what is drawn"
    );
    assert!(drawing.contains("crash api[0] starts"));
}

#[test]
fn a_traced_replay_writes_the_same_bytes_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "tiers", "2");
    let read = |name: &str| {
        let out = dir.path().join(name);
        let out_text = out.display().to_string();
        let replay = faultline(&[
            "replay",
            &path,
            "--trace-window",
            "10s..10.2s",
            "--out",
            &out_text,
        ]);
        assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
        (
            std::fs::read(out.join("trace-10s-10.2s.jsonl")).unwrap(),
            std::fs::read(out.join("sequence-10s-10.2s.svg")).unwrap(),
        )
    };
    assert_eq!(read("a"), read("b"));
}

#[test]
fn a_malformed_window_is_bad_input_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "steady-state", "1");
    for bad in ["60s-65s", "65s..60s", "1x..2s", "..5s"] {
        let replay = faultline(&["replay", &path, "--trace-window", bad]);
        assert_eq!(replay.status.code(), Some(2), "{bad}");
        let said = stderr(&replay);
        assert!(said.contains("--trace-window"), "{said}");
        assert!(said.contains("e.g. `--trace-window 60s..65s`"), "{said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    // steady-state lasts 300 s: a window after its end holds nothing.
    let replay = faultline(&["replay", &path, "--trace-window", "400s..401s"]);
    assert_eq!(replay.status.code(), Some(2));
    assert!(
        stderr(&replay).contains("the run lasts 300s"),
        "{}",
        stderr(&replay)
    );
}

#[test]
fn until_event_stops_there_and_prints_every_node() {
    // See: #6.
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "tiers", "1");
    let replay = faultline(&["replay", &path, "--until-event", "500"]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    let said = stdout(&replay);
    assert!(said.starts_with("stopped after event 500 at "), "{said}");
    assert!(said.contains("state after event 500 at "), "{said}");
    for node in ["web ", "api[0] ", "api[1] ", "db[0] "] {
        assert!(said.contains(&format!("\n  {node}")), "{node} in\n{said}");
    }
    for part in [
        "in flight",
        "busy ",
        "queue ",
        "clock reads ",
        "faults active",
    ] {
        assert!(said.contains(part), "{part} in\n{said}");
    }
    let last = said
        .lines()
        .rfind(|l| l.trim_start().starts_with('{'))
        .expect("the last events are shown");
    let last: serde_json::Value = serde_json::from_str(last.trim()).unwrap();
    assert_eq!(last["event"], 500, "the stop is at event 500");
}

#[test]
fn until_event_past_the_end_shows_the_final_state_and_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), "steady-state", "1");
    let replay = faultline(&["replay", &path, "--until-event", "999999999"]);
    assert_eq!(replay.status.code(), Some(0), "{}", stderr(&replay));
    let said = stdout(&replay);
    assert!(said.starts_with("reproduced"), "{said}");
    assert!(
        said.contains("before event 999999999; this is its final state"),
        "{said}"
    );
}

/// Reads the JSON lines of a window.
fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The election runs beside the world; its events of the window are in the same JSON lines,
/// tagged with its name and merged by time (issue #3: election events are visible).
#[test]
fn a_window_holds_the_election_events_merged_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record(dir.path(), "lease-split-brain", "1");
    let out = dir.path().display().to_string();
    let output = faultline(&["replay", &rec, "--trace-window", "48s..56s", "--out", &out]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("events of `election`"),
        "{}",
        stdout(&output)
    );
    let all = lines(&dir.path().join("trace-48s-56s.jsonl"));
    let times: Vec<f64> = all.iter().map(|l| l["t_ms"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "merged by time");
    assert!(times.iter().all(|t| (48_000.0..56_000.0).contains(t)));
    let election: Vec<&serde_json::Value> =
        all.iter().filter(|l| l["model"] == "election").collect();
    let kinds: std::collections::BTreeSet<&str> = election
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "lease_tick",
        "lease_request",
        "lease_reply",
        "leader_write",
        "write_stored",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    // The split brain is visible: node 0 (cut off from the store from 40 s to 52 s, its clock
    // stepped back 5 s) still writes as leader while node 1, which took the lease over, does.
    let writers: std::collections::BTreeSet<&str> = election
        .iter()
        .filter(|l| l["kind"] == "leader_write")
        .map(|l| l["node"].as_str().unwrap())
        .collect();
    assert_eq!(
        writers,
        ["election[0]", "election[1]"].into_iter().collect()
    );
    assert!(election
        .iter()
        .all(|l| l["node"].as_str().unwrap().starts_with("election[")));
    let numbers: Vec<u64> = election
        .iter()
        .map(|l| l["event"].as_u64().unwrap())
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "numbered in its own run's order"
    );
    assert!(
        all.iter().any(|l| l.get("model").is_none()),
        "the world's records too"
    );
}

/// The database's reads, writes, faults and failover appear the same way.
#[test]
fn a_window_holds_the_database_events() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record(dir.path(), "replication-lag", "1");
    let out = dir.path().display().to_string();
    let output = faultline(&[
        "replay",
        &rec,
        "--trace-window",
        "39.9s..50.1s",
        "--out",
        &out,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let all = lines(&dir.path().join("trace-39.9s-50.1s.jsonl"));
    let count = |kind: &str| all.iter().filter(|l| l["kind"] == kind).count();
    assert!(
        all.iter().all(|l| l["model"] == "db"),
        "a database-only scenario"
    );
    // About 100 writes and 1,000 reads per second over 10.2 s.
    assert!(
        (800..1_300).contains(&count("write")),
        "{} writes",
        count("write")
    );
    assert!(
        (9_000..11_500).contains(&count("read")),
        "{} reads",
        count("read")
    );
    // The leader crashes at 40 s; after `failover_after` (10 s) a follower is promoted.
    assert_eq!(count("fault_crash"), 1);
    assert_eq!(count("promote"), 1);
}
