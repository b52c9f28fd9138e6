//! Many runs at scale (issue #16), end to end through the binary: shards merged into the same
//! bytes as one machine's report (sweep, compare, explore, capacity, map), the same results
//! on one thread and on several, a resumed sweep equal to an uninterrupted one (after a
//! kill mid-run, and after a torn journal line), progress lines when standard error is not a
//! terminal, `--format json` on every command, and bad flags refused with exit 2.

#[path = "support/binary.rs"]
mod binary;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use binary::{faultline, stderr, stdout};
use serde_json::Value;

/// A short retry storm: the slowdown (60–80 s) and 20 s after it.
const SHORT: &str = "duration=100s";

/// Runs `faultline ARGS...` and asserts it exits with `code`.
fn expect(code: i32, args: &[&str]) -> Output {
    let output = faultline(args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "faultline {}\n{}{}",
        args.join(" "),
        stdout(&output),
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
    output
}

/// `dir` as a string argument.
fn arg(dir: &Path) -> String {
    dir.display().to_string()
}

/// Every report file under `dir` (not the journal), relative, in order.
fn report_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "journal" {
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

/// Asserts that two output folders hold the same report files, byte for byte.
fn assert_same_reports(a: &Path, b: &Path) {
    let (left, right) = (report_files(a), report_files(b));
    assert_eq!(
        left,
        right,
        "the same files in {} and {}",
        a.display(),
        b.display()
    );
    assert!(!left.is_empty(), "{} holds a report", a.display());
    for file in &left {
        let (x, y) = (
            fs::read(a.join(file)).unwrap(),
            fs::read(b.join(file)).unwrap(),
        );
        assert!(
            x == y,
            "{} differs between {} and {}",
            file.display(),
            a.display(),
            b.display()
        );
    }
}

/// Runs `args` whole into `root/whole`, then as `shards` shards into `root/shard-I` and merges
/// them into `root/merged`; asserts both folders hold the same bytes. `code` is the exit code
/// of the whole run and of the merge (explore exits 1 when a seed fails).
fn whole_equals_merged(root: &Path, args: &[&str], shards: u64, code: i32) {
    let whole = root.join("whole");
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(["--quiet".to_string(), "--out".to_string(), arg(&whole)]);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    expect(code, &all);
    let mut dirs = Vec::new();
    for index in 0..shards {
        let dir = root.join(format!("shard-{index}"));
        let shard = format!("{index}/{shards}");
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(
            ["--quiet", "--shard", &shard, "--out", &arg(&dir)]
                .iter()
                .map(|s| s.to_string()),
        );
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let output = expect(0, &all);
        assert!(
            stdout(&output).contains("faultline merge"),
            "{}",
            stdout(&output)
        );
        dirs.push(arg(&dir));
    }
    let merged = root.join("merged");
    let mut merge = vec!["merge".to_string()];
    merge.extend(dirs);
    merge.extend(["--quiet".to_string(), "--out".to_string(), arg(&merged)]);
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    expect(code, &merge);
    assert_same_reports(&whole, &merged);
}

#[test]
fn a_sharded_sweep_merges_into_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "sweep",
        "retry-storm",
        "--sweep",
        "clients.web.arrival.rate_per_s=300,600",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..3",
        "--set",
        SHORT,
    ];
    whole_equals_merged(dir.path(), &args, 3, 0);
    let results: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("merged/results.json")).unwrap())
            .unwrap();
    assert_eq!(results["points"].as_array().unwrap().len(), 2);
    assert_eq!(results["runs"], 12);
}

#[test]
fn a_sharded_compare_merges_into_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["compare", "retry-storm", "--seeds", "1..3", "--set", SHORT];
    whole_equals_merged(dir.path(), &args, 4, 0);
}

#[test]
fn a_sharded_explore_merges_into_the_same_findings_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "explore",
        "tests/data/planted-weakness.json",
        "--seeds",
        "1..60",
    ];
    whole_equals_merged(dir.path(), &args, 2, 1);
    let findings: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("merged/findings.json")).unwrap())
            .unwrap();
    assert!(findings["failing"].as_u64().unwrap() > 0, "{findings}");
}

#[test]
fn sharded_capacity_and_map_merge_into_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let capacity = [
        "capacity",
        "mm1",
        "--client",
        "arrivals",
        "--seeds",
        "1..3",
        "--tolerance",
        "2%",
        "--set",
        "duration=30s",
        "--set",
        r#"slo=[{"client":"arrivals","latency_below":"20ms","target":0.99}]"#,
    ];
    whole_equals_merged(&dir.path().join("capacity"), &capacity, 2, 0);
    let map = [
        "map",
        "retry-storm",
        "--load",
        "clients.web.arrival.rate_per_s=300,600",
        "--trigger",
        "faults.0.factor=1.5,3",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..2",
        "--settle",
        "5s",
        "--set",
        SHORT,
    ];
    whole_equals_merged(&dir.path().join("map"), &map, 3, 0);
}

#[test]
fn one_thread_and_two_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("threads-{threads}"));
        expect(
            0,
            &[
                "sweep",
                "retry-storm",
                "--sweep",
                "clients.web.arrival.rate_per_s=300,600",
                "--variants",
                "naive,budget",
                "--seeds",
                "1..3",
                "--set",
                SHORT,
                "--threads",
                threads,
                "--quiet",
                "--out",
                &arg(&out),
            ],
        );
    }
    assert_same_reports(&dir.path().join("threads-1"), &dir.path().join("threads-2"));
}

/// The sweep the resume tests interrupt: 24 short runs.
fn resumable_sweep(out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "sweep",
        "retry-storm",
        "--sweep",
        "clients.web.arrival.rate_per_s=300,450,600",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..4",
        "--set",
        SHORT,
        "--quiet",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(arg(out));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// The lines of every journal file in `dir/journal`, by file name.
fn journal_lines(dir: &Path) -> Vec<(String, usize)> {
    let mut files: Vec<(String, usize)> = fs::read_dir(dir.join("journal"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
                .map(|e| {
                    let text = fs::read_to_string(e.path()).unwrap_or_default();
                    (
                        e.file_name().to_string_lossy().to_string(),
                        text.matches('\n').count(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn a_sweep_killed_midway_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let args = resumable_sweep(&whole, &[]);
    expect(0, &args.iter().map(String::as_str).collect::<Vec<_>>());

    // Kill a one-thread sweep once a few runs are journaled: as Ctrl-C or a crash would.
    let cut = dir.path().join("cut");
    let args = resumable_sweep(&cut, &["--threads", "1"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journaled = |dir: &Path| journal_lines(dir).iter().map(|(_, n)| n).sum::<usize>();
    for _ in 0..12_000 {
        if journaled(&cut) >= 3 || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let before = journaled(&cut);
    assert!(
        (1..24).contains(&before),
        "the kill came midway: {before} of 24 runs journaled"
    );

    let args = resumable_sweep(&cut, &["--resume"]);
    expect(0, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_reports(&whole, &cut);
    // The resumed sweep appended only the runs the killed one had not finished.
    let files = journal_lines(&cut);
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[1].1, 24 - before, "{files:?}");
}

#[test]
fn a_resumed_sweep_skips_journaled_runs_and_ignores_a_torn_line() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let args = resumable_sweep(&whole, &[]);
    expect(0, &args.iter().map(String::as_str).collect::<Vec<_>>());

    // A copy of the journal that lost its last 10 runs and ends in a torn line, and no report.
    let cut = dir.path().join("cut");
    fs::create_dir_all(cut.join("journal")).unwrap();
    let journal = whole.join("journal/shard-0-of-1.1.jsonl");
    let text = fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 24);
    let mut kept = lines[..14].join("\n");
    kept.push('\n');
    kept.push_str(&lines[14][..lines[14].len() / 2]);
    fs::write(cut.join("journal/shard-0-of-1.1.jsonl"), kept).unwrap();
    fs::copy(whole.join("journal/job.json"), cut.join("journal/job.json")).unwrap();

    let args = resumable_sweep(&cut, &["--resume"]);
    let output = expect(0, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        stderr(&output).contains("could not be read"),
        "{}",
        stderr(&output)
    );
    assert_same_reports(&whole, &cut);
    let files = journal_lines(&cut);
    assert_eq!(
        files[1],
        ("shard-0-of-1.2.jsonl".to_string(), 10),
        "{files:?}"
    );
}

#[test]
fn progress_is_a_line_per_tenth_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let output = expect(
        0,
        &[
            "sweep",
            "mm1",
            "--sweep",
            "clients.arrivals.arrival.rate_per_s=100..1000:100",
            "--seeds",
            "1..2",
            "--set",
            "duration=5s",
            "--set",
            "warmup=1s",
            "--out",
            &arg(dir.path()),
        ],
    );
    let log = stderr(&output);
    let lines: Vec<&str> = log.lines().filter(|l| l.starts_with("sweep: ")).collect();
    assert_eq!(lines.len(), 10, "{log}");
    assert!(lines[0].starts_with("sweep: 10% (2/20 runs)"), "{log}");
    assert!(lines[9].starts_with("sweep: 100% (20/20 runs)"), "{log}");
}

/// Parses standard output as JSON.
fn json_of(output: &Output) -> Value {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

#[test]
fn every_command_prints_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| arg(&dir.path().join(name));
    let list = json_of(&expect(0, &["list", "--format", "json"]));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["name"] == "retry-storm"));
    let validate = json_of(&expect(0, &["validate", "retry-storm", "--format", "json"]));
    assert_eq!(validate["scenario"], "retry-storm");
    assert!(validate["variants"].as_array().unwrap().len() >= 2);
    let explain = json_of(&expect(0, &["explain", "retry-storm", "--format", "json"]));
    assert_eq!(explain["edges"][0]["from"], "web");
    assert!(explain["warnings"].is_array());

    let record = dir.path().join("run.json");
    expect(
        0,
        &[
            "run",
            "mm1",
            "--set",
            "duration=30s",
            "--record",
            &arg(&record),
        ],
    );
    let replay = json_of(&expect(0, &["replay", &arg(&record), "--format", "json"]));
    assert_eq!(replay["reproduced"], true);

    let short = ["--set", "duration=5s", "--set", "warmup=1s", "--quiet"];
    let with = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(short.iter().map(|s| s.to_string()));
        all.extend(["--format".to_string(), "json".to_string()]);
        all
    };
    let run = |args: Vec<String>, code: i32| {
        json_of(&expect(
            code,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
    };
    let compare = run(
        with(&["compare", "mm1", "--seeds", "1..2", "--out", &d("c")]),
        0,
    );
    assert!(compare["results"]["metrics"].is_array(), "{compare}");
    let sweep = run(
        with(&[
            "sweep",
            "mm1",
            "--sweep",
            "clients.arrivals.arrival.rate_per_s=500,800",
            "--seeds",
            "1..2",
            "--out",
            &d("s"),
        ]),
        0,
    );
    assert_eq!(sweep["points"].as_array().unwrap().len(), 2);
    let explore = run(
        with(&["explore", "mm1", "--seeds", "1..3", "--out", &d("e")]),
        0,
    );
    assert_eq!(explore["runs"], 3);
    let capacity = run(
        with(&[
            "capacity",
            "mm1",
            "--client",
            "arrivals",
            "--seeds",
            "1..2",
            "--tolerance",
            "5%",
            "--set",
            r#"slo=[{"client":"arrivals","latency_below":"20ms","target":0.99}]"#,
            "--out",
            &d("k"),
        ]),
        0,
    );
    assert!(capacity["variants"][0]["per_seed"].is_array(), "{capacity}");
    let map = run(
        vec![
            "map",
            "retry-storm",
            "--load",
            "clients.web.arrival.rate_per_s=300",
            "--trigger",
            "faults.0.factor=2",
            "--variants",
            "budget",
            "--seeds",
            "1",
            "--settle",
            "5s",
            "--set",
            SHORT,
            "--quiet",
            "--format",
            "json",
            "--out",
            &d("m"),
        ]
        .into_iter()
        .map(str::to_string)
        .collect(),
        0,
    );
    assert_eq!(map["cells"][0]["class"], "recovers", "{map}");
}

#[test]
fn bad_flags_are_refused_with_exit_2_and_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = arg(&dir.path().join("out"));
    let sweep = |extra: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = ["sweep", "mm1", "--quiet", "--out", &out]
            .iter()
            .map(|s| s.to_string())
            .collect();
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    let rate = "--sweep=clients.arrivals.arrival.rate_per_s=1,2";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (sweep(&[rate, "--shard", "3/3"]), "0/3 to 2/3"),
        (sweep(&[rate, "--shard", "1-3"]), "INDEX/COUNT"),
        (sweep(&[rate, "--threads", "0"]), "--threads"),
        (sweep(&["--sweep", "novalue"]), "PATH=VALUES"),
        (
            sweep(&["--sweep", "clients.arrivals.arrival.rate_per_s=1..0:1"]),
            "empty",
        ),
        (
            sweep(&["--sweep", "clients.nobody.arrival.rate_per_s=1,2"]),
            "nobody",
        ),
        (
            sweep(&[rate, "--seeds", "1..18446744073709551615"]),
            "at most",
        ),
        (
            sweep(&[rate, "--sweep", "clients.arrivals.arrival.rate_per_s=3"]),
            "swept twice",
        ),
        (
            ["compare", "mm1", "--precision", "5%", "--shard", "0/2"]
                .map(str::to_string)
                .to_vec(),
            "--precision",
        ),
        (
            ["capacity", "mm1", "--client", "arrivals"]
                .map(str::to_string)
                .to_vec(),
            "no SLO",
        ),
        (
            ["capacity", "retry-storm", "--client", "nope"]
                .map(str::to_string)
                .to_vec(),
            "no client `nope`",
        ),
        (
            [
                "capacity",
                "retry-storm",
                "--client",
                "web",
                "--range",
                "10..5",
            ]
            .map(str::to_string)
            .to_vec(),
            "LOW..HIGH",
        ),
        (
            [
                "capacity",
                "retry-storm",
                "--client",
                "web",
                "--tolerance",
                "0",
            ]
            .map(str::to_string)
            .to_vec(),
            "--tolerance",
        ),
        (
            [
                "map",
                "retry-storm",
                "--load",
                "clients.web.arrival.rate_per_s=300",
                "--trigger",
                "clients.web.timeout=1s",
            ]
            .map(str::to_string)
            .to_vec(),
            "faults.N.FIELD",
        ),
        (
            [
                "map",
                "retry-storm",
                "--load",
                "clients.web.arrival.rate_per_s=300",
                "--trigger",
                "faults.0.factor=2",
                "--settle",
                "soon",
            ]
            .map(str::to_string)
            .to_vec(),
            "--settle",
        ),
        (
            [
                "map",
                "retry-storm",
                "--load",
                "clients.web.arrival.rate_per_s=300",
                "--trigger",
                "faults.0.factor=2",
                "--share",
                "0",
            ]
            .map(str::to_string)
            .to_vec(),
            "--share",
        ),
        (
            [
                "map",
                "retry-storm",
                "--load",
                "clients.web.arrival.rate_per_s=300",
                "--trigger",
                "faults.0.factor=2",
                "--set",
                "duration=90s",
            ]
            .map(str::to_string)
            .to_vec(),
            "--set duration=",
        ),
        (
            ["merge", &arg(dir.path())].map(str::to_string).to_vec(),
            "journal/job.json",
        ),
    ];
    for (args, says) in cases {
        let output = faultline(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}{}",
            stdout(&output),
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(message.contains(says), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
    }
}

#[test]
fn merge_refuses_missing_shards_and_mixed_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let shard = |index: &str, seeds: &str, name: &str| {
        expect(
            0,
            &[
                "compare",
                "mm1",
                "--seeds",
                seeds,
                "--set",
                "duration=30s",
                "--quiet",
                "--shard",
                index,
                "--out",
                &arg(&dir.path().join(name)),
            ],
        );
    };
    shard("0/2", "1..4", "a");
    shard("1/2", "1..3", "b");
    let a = arg(&dir.path().join("a"));
    let b = arg(&dir.path().join("b"));
    let missing = expect(
        2,
        &["merge", &a, "--quiet", "--out", &arg(&dir.path().join("m"))],
    );
    assert!(
        stderr(&missing).contains("in none of the folders"),
        "{}",
        stderr(&missing)
    );
    let mixed = expect(
        2,
        &[
            "merge",
            &a,
            &b,
            "--quiet",
            "--out",
            &arg(&dir.path().join("m")),
        ],
    );
    assert!(
        stderr(&mixed).contains("different job"),
        "{}",
        stderr(&mixed)
    );
}
