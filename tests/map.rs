//! `faultline map` on the retry-storm lesson (issue #16): the naive variant is metastable
//! above a boundary in load × slowdown and the retry budget recovers across the same grid;
//! and the boundary moves as the lesson's "Why" says it must when the timeout changes.
//!
//! The lesson (docs/lessons/retry-storm.md): when the slowdown ends, api's queue is full of
//! attempts whose callers gave up after the 100 ms timeout; every new attempt waits behind
//! them, times out and retries, so the queue refills as fast as it drains. A timeout longer
//! than the time the queue takes to drain (1,000 attempts × 10 ms / 10 workers = 1 s) leaves
//! queued work wanted and breaks that loop; a shorter one closes it sooner. So the metastable
//! region shrinks as the timeout grows and vanishes at 1 s.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};
use serde_json::Value;

/// `faultline map retry-storm` over rates 300, 500, 700 × slowdowns 1.5, 2, 3 on two seeds,
/// with `extra` flags; map.json.
fn map(variants: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let mut args = vec![
        "map",
        "retry-storm",
        "--load",
        "clients.web.arrival.rate_per_s=300,500,700",
        "--trigger",
        "faults.0.factor=1.5,2,3",
        "--variants",
        variants,
        "--seeds",
        "1..2",
        "--quiet",
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    let output = faultline(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("naive") || !variants.contains("naive"));
    serde_json::from_str(&std::fs::read_to_string(dir.path().join("map.json")).unwrap()).unwrap()
}

/// The class of each cell of `variant`, as (load, factor) → class.
fn classes(found: &Value, variant: &str) -> Vec<(f64, f64, String)> {
    found["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["variant"] == variant)
        .map(|c| {
            (
                c["load"].as_f64().unwrap(),
                c["trigger"].as_f64().unwrap(),
                c["class"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// How many of `variant`'s cells are metastable.
fn metastable(found: &Value, variant: &str) -> usize {
    classes(found, variant)
        .iter()
        .filter(|c| c.2 == "metastable")
        .count()
}

#[test]
fn naive_retries_are_metastable_above_a_boundary_and_a_budget_recovers_everywhere() {
    let found = map("naive,budget", &[]);
    let naive = classes(&found, "naive");
    assert_eq!(naive.len(), 9);
    assert!(
        naive.iter().any(|c| c.2 == "metastable") && naive.iter().any(|c| c.2 == "recovers"),
        "{naive:?}"
    );
    // A boundary: more load or a stronger slowdown than a metastable cell is metastable too.
    for a in naive.iter().filter(|c| c.2 == "metastable") {
        for b in &naive {
            if b.0 >= a.0 && b.1 >= a.1 {
                assert_eq!(b.2, "metastable", "{b:?} above {a:?}: {naive:?}");
            }
        }
    }
    let budget = classes(&found, "budget");
    assert!(budget.iter().all(|c| c.2 == "recovers"), "{budget:?}");
    let rule = found["rule"]["words"].as_str().unwrap();
    assert!(rule.contains("Bronson") && rule.contains("Huang"), "{rule}");
}

#[test]
fn a_longer_timeout_moves_the_boundary_up_as_the_lesson_says() {
    let counts: Vec<usize> = ["50ms", "100ms", "400ms", "1s"]
        .iter()
        .map(|timeout| {
            let set = format!("clients.web.timeout={timeout}");
            metastable(&map("naive", &["--set", &set]), "naive")
        })
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts[0] > counts[1] || counts[1] > counts[2], "{counts:?}");
    assert!(
        counts[1] > 0,
        "the lesson's 100 ms timeout tips over: {counts:?}"
    );
    assert_eq!(counts[3], 0, "a 1 s timeout outlasts the queue: {counts:?}");
}

#[test]
fn a_duration_axis_makes_a_heat_map_per_duration_and_two_seconds_suffice() {
    // The lesson's "Try next": even a 2 s slowdown tips naive over for good.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let output = faultline(&[
        "map",
        "retry-storm",
        "--load",
        "clients.web.arrival.rate_per_s=600",
        "--trigger",
        "faults.0.factor=3",
        "--duration",
        "faults.0.for=2s,20s",
        "--variants",
        "naive",
        "--seeds",
        "1..2",
        "--quiet",
        "--out",
        &out,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let found: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("map.json")).unwrap())
            .unwrap();
    let cells = found["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    for cell in cells {
        assert_eq!(cell["class"], "metastable", "{cell}");
    }
    assert_eq!(cells[0]["duration"], "2s");
    for name in [
        "map-naive-faults-0-for-2s.svg",
        "map-naive-faults-0-for-20s.svg",
    ] {
        assert!(dir.path().join("plots").join(name).exists(), "{name}");
    }
}
