//! Ctrl-C during a multi-run command (issue #17), end to end through the binary: `compare`,
//! `sweep`, `explore`, `capacity` and `map` each get SIGINT once their journal holds a finished run; each
//! stops with exit 130, saying how to resume, leaves the report of an earlier command in the
//! folder whole (never half old, half new), and `--resume` then writes the same bytes as an
//! uninterrupted command.
//!
//! No sleep decides anything here: the test polls the journal until a run is in it (for up
//! to a minute), and the interrupted command has dozens of runs left on one thread.

#![cfg(unix)]

#[path = "support/binary.rs"]
mod binary;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use binary::{faultline, stderr, stdout};

/// A short retry storm: the slowdown (60–80 s) and 20 s after it.
const SHORT: &str = "duration=100s";

/// Every file under `dir` but the journal, relative, in order.
fn report_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if entry.file_name() != "journal" {
                    folders.push(path);
                }
            } else {
                files.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// The report files of `dir` with their bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    report_files(dir)
        .into_iter()
        .map(|file| {
            let bytes = fs::read(dir.join(&file)).unwrap();
            (file, bytes)
        })
        .collect()
}

/// How many runs the journal files of `dir` hold (complete lines).
fn journaled(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir.join("journal")) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
        .map(|e| {
            fs::read_to_string(e.path())
                .unwrap_or_default()
                .matches('\n')
                .count()
        })
        .sum()
}

/// `faultline ARGS... --quiet --out DIR EXTRA...` as owned strings.
fn command(args: &[&str], out: &Path, extra: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(["--quiet".to_string(), "--out".to_string()]);
    all.push(out.display().to_string());
    all.extend(extra.iter().map(|s| s.to_string()));
    all
}

/// Runs `args` to the end; returns its exit code.
fn finish(args: &[String]) -> i32 {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = faultline(&args);
    let message = stderr(&output);
    assert!(!message.contains("panicked"), "{message}");
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("faultline {}: no exit code\n{message}", args.join(" ")))
}

/// Starts `args` on one thread, sends SIGINT once a run is journaled in `out`, and returns
/// its exit code and standard error.
fn interrupt(args: &[String], out: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Poll for the first journaled run (up to a minute), or for the command's end.
    for _ in 0..12_000 {
        if journaled(out) >= 1 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -INT");
    let output = child.wait_with_output().unwrap();
    (output.status.code(), stderr(&output))
}

/// The whole check for one command: `args` (without `--out`), and `earlier`, a different
/// command of the same kind whose report is in the folder first.
fn interrupted_then_resumed(args: &[&str], earlier: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let code = finish(&command(args, &whole, &[]));
    let runs = journaled(&whole);

    // An earlier command's report in the folder: the interrupted one must leave it whole.
    let cut = dir.path().join("cut");
    finish(&command(earlier, &cut, &[]));
    fs::remove_dir_all(cut.join("journal")).unwrap();
    let before = snapshot(&cut);
    assert!(!before.is_empty(), "the earlier command wrote a report");

    let (interrupted, message) = interrupt(&command(args, &cut, &["--threads", "1"]), &cut);
    assert_eq!(interrupted, Some(130), "{message}");
    let finished = journaled(&cut);
    assert!(
        (1..runs).contains(&finished),
        "the interruption came midway: {finished} of {runs} runs journaled"
    );
    for part in [
        "error: interrupted by SIGINT (Ctrl-C): ",
        "journaled in ",
        "no report was written",
        "continue with: faultline ",
        " --resume",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    assert!(!message.contains("panicked"), "{message}");
    assert_eq!(
        snapshot(&cut),
        before,
        "the earlier report is left whole, no file of the interrupted command beside it"
    );

    let resumed = finish(&command(args, &cut, &["--resume"]));
    assert_eq!(
        resumed, code,
        "the resumed command ends as the whole one did"
    );
    assert_eq!(
        report_files(&cut),
        report_files(&whole),
        "the resumed report has the same files, nothing of the earlier one left"
    );
    assert!(snapshot(&cut) == snapshot(&whole), "the same bytes");
    // The resumed command ran only what the interrupted one had not finished.
    assert_eq!(journaled(&cut), runs, "every run journaled once");
}

// See: #17. `compare` killed midway left nothing of its finished runs; now Ctrl-C keeps
// them and `--resume` finishes the same report.
#[test]
fn r17_compare_interrupted_by_sigint_resumes_to_the_same_bytes() {
    let args = [
        "compare",
        "retry-storm",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..20",
        "--set",
        SHORT,
    ];
    let earlier = [
        "compare",
        "retry-storm",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..2",
        "--set",
        SHORT,
    ];
    interrupted_then_resumed(&args, &earlier);
}

// See: #17 (and #16's sweep): Ctrl-C during a sweep.
#[test]
fn r17_sweep_interrupted_by_sigint_resumes_to_the_same_bytes() {
    let args = [
        "sweep",
        "retry-storm",
        "--sweep",
        "clients.web.arrival.rate_per_s=300,450,600",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..6",
        "--set",
        SHORT,
    ];
    let earlier = [
        "sweep",
        "retry-storm",
        "--sweep",
        "clients.web.arrival.rate_per_s=300,600",
        "--variants",
        "naive",
        "--seeds",
        "1..2",
        "--set",
        SHORT,
    ];
    interrupted_then_resumed(&args, &earlier);
}

// See: #17. `explore` killed midway kept its records but lost findings.json, and its records
// sat beside an earlier explore's findings; now every finding is journaled as it is found
// and findings.json is published with its records, as a unit.
#[test]
fn r17_explore_interrupted_by_sigint_resumes_to_the_same_bytes() {
    let args = ["explore", "retry-storm", "--seeds", "1..40", "--set", SHORT];
    let earlier = [
        "explore",
        "retry-storm",
        "--seeds",
        "50..52",
        "--set",
        SHORT,
    ];
    interrupted_then_resumed(&args, &earlier);
}

// See: #17. Ctrl-C between the bisection rounds of `capacity`.
#[test]
fn r17_capacity_interrupted_by_sigint_resumes_to_the_same_bytes() {
    let slo = r#"slo=[{"client":"arrivals","latency_below":"20ms","target":0.99}]"#;
    let args = [
        "capacity",
        "mm1",
        "--client",
        "arrivals",
        "--seeds",
        "1..6",
        "--tolerance",
        "1%",
        "--set",
        "duration=60s",
        "--set",
        slo,
    ];
    let earlier = [
        "capacity",
        "mm1",
        "--client",
        "arrivals",
        "--seeds",
        "1..2",
        "--tolerance",
        "5%",
        "--set",
        "duration=60s",
        "--set",
        slo,
    ];
    interrupted_then_resumed(&args, &earlier);
}

// See: #17. Ctrl-C during `map`.
#[test]
fn r17_map_interrupted_by_sigint_resumes_to_the_same_bytes() {
    let args = [
        "map",
        "retry-storm",
        "--load",
        "clients.web.arrival.rate_per_s=300,600",
        "--trigger",
        "faults.0.factor=1.5,3",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..3",
        "--settle",
        "5s",
        "--set",
        SHORT,
    ];
    let earlier = [
        "map",
        "retry-storm",
        "--load",
        "clients.web.arrival.rate_per_s=300,600",
        "--trigger",
        "faults.0.factor=1.5,3",
        "--variants",
        "naive",
        "--seeds",
        "1..1",
        "--settle",
        "5s",
        "--set",
        SHORT,
    ];
    interrupted_then_resumed(&args, &earlier);
}

/// A second explore into the same folder replaces the first one's records, but never
/// `shrink`'s `seed-N.min.json`.
#[test]
fn r17_a_new_explore_replaces_the_records_of_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("found");
    let earlier = [
        "explore",
        "retry-storm",
        "--seeds",
        "50..51",
        "--set",
        SHORT,
    ];
    finish(&command(&earlier, &out, &[]));
    fs::write(out.join("seed-50.min.json"), "kept").unwrap();
    let later = ["explore", "retry-storm", "--seeds", "1..2", "--set", SHORT];
    let output = faultline(
        &command(&later, &out, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        stdout(&output).contains("2 of 2 seeds fail"),
        "{}",
        stdout(&output)
    );
    let names: Vec<String> = report_files(&out)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "findings.json",
            "seed-1.json",
            "seed-2.json",
            "seed-50.min.json"
        ]
    );
}
