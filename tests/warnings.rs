//! End-to-end tests of scenario warnings through the real binary: `run` prints them on
//! standard error (its standard output stays the summary, so `--format json` still parses),
//! `validate` in its report, and no warning changes an exit code.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

/// A scenario whose first fault lies wholly inside the 5 s warm-up, whose second starts in
/// it, and whose third is measured; the `late-warmup` variant moves the warm-up past the
/// third, `settled` past none.
const FAULTY: &str = r#"{
  "name": "faulty", "description": "faults around the warm-up",
  "duration": "20s", "warmup": "5s",
  "clients": [ { "name": "web", "target": "api", "timeout": "50ms",
      "arrival": { "kind": "poisson", "rate_per_s": 100 } } ],
  "services": [ { "name": "api", "replicas": 2, "workers": 2,
      "service_time": { "kind": "constant", "value": "2ms" } } ],
  "faults": [
    { "kind": "crash", "target": "api[0]", "at": "1s", "for": "500ms" },
    { "kind": "slowdown", "target": "api", "at": "3s", "for": "4s", "factor": 2 },
    { "kind": "slowdown", "target": "api", "at": "12s", "for": "2s", "factor": 2 }
  ],
  "variants": { "late-warmup": { "warmup": "15s" }, "settled": { "warmup": "1s" } }
}"#;

// See: #13. A fault inside the warm-up is simulated but never measured, and nothing said so.
#[test]
fn a_fault_inside_the_warmup_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("faulty.json");
    std::fs::write(&file, FAULTY).unwrap();
    let file = file.display().to_string();
    let wholly = "faults[0] (crash api[0], 1s–1.5s) lies wholly inside the warm-up (the first 5s), so it is never measured; move it after the warm-up (`at` of 5s or later) or shorten the warm-up with --set warmup=1s";
    let partly = "faults[1] (slowdown api, 3s–7s) starts inside the warm-up (the first 5s): its first 2s fall inside the warm-up and are not measured; move it after the warm-up (`at` of 5s or later) or shorten the warm-up with --set warmup=3s";

    let run = faultline(&["run", &file, "--format", "json"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let summary: serde_json::Value =
        serde_json::from_str(&stdout(&run)).expect("standard output is the JSON summary alone");
    assert_eq!(summary["scenario"], "faulty");
    assert_eq!(
        stderr(&run),
        format!("warning: {file}: {wholly}\nwarning: {file}: {partly}\n")
    );

    let moved = faultline(&["run", &file, "--variant", "late-warmup"]);
    assert_eq!(moved.status.code(), Some(0), "{}", stderr(&moved));
    assert!(
        stderr(&moved).contains(&format!("warning: {file} (variant late-warmup): faults[2] (slowdown api, 12s–14s) lies wholly inside the warm-up (the first 15s)")),
        "{}",
        stderr(&moved)
    );
    let settled = faultline(&["run", &file, "--set", "warmup=1s"]);
    assert_eq!(settled.status.code(), Some(0));
    assert!(stderr(&settled).is_empty(), "{}", stderr(&settled));

    // `validate` shows the file's warnings once, and what each variant adds.
    let validate = faultline(&["validate", &file]);
    assert_eq!(validate.status.code(), Some(0), "{}", stderr(&validate));
    let report = stdout(&validate);
    let warnings: Vec<&str> = report
        .lines()
        .filter(|line| line.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 5, "{report}");
    assert_eq!(warnings[0], format!("warning: {file}: {wholly}"));
    assert_eq!(warnings[1], format!("warning: {file}: {partly}"));
    assert!(warnings[2..5]
        .iter()
        .all(|w| w.starts_with(&format!("warning: {file} (variant late-warmup): "))));
    assert!(report.contains("ok — scenario `faulty`"), "{report}");
}
