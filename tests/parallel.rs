//! A sweep split into shards by GNU parallel, as a stand-in for any batch engine that
//! launches N indexed processes (Slurm job arrays, Kubernetes Indexed Jobs), then merged:
//! the same bytes as one process's sweep (issue #16).
//!
//! Needs GNU parallel (Debian package `parallel`); without it the test says so and passes,
//! unless `FAULTLINE_REQUIRE_PARALLEL=1` (set by `.ci/run`) makes that a failure.

use std::path::Path;
use std::process::Command;

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for name in ["results.json", "report.md", "report.html"] {
        out.push((name.to_string(), std::fs::read(dir.join(name)).unwrap()));
    }
    let mut plots: Vec<_> = std::fs::read_dir(dir.join("plots"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    plots.sort();
    for plot in plots {
        let name = plot.file_name().unwrap().to_string_lossy().to_string();
        out.push((name, std::fs::read(&plot).unwrap()));
    }
    out
}

#[test]
fn a_sweep_sharded_by_gnu_parallel_merges_into_one_machines_report() {
    let found = Command::new("parallel").arg("--version").output();
    if found.is_err() {
        assert!(
            std::env::var_os("FAULTLINE_REQUIRE_PARALLEL").is_none(),
            "FAULTLINE_REQUIRE_PARALLEL is set but GNU parallel is missing: apt-get install parallel"
        );
        eprintln!("GNU parallel is not installed: skipping (apt-get install parallel)");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_faultline");
    let dir = tempfile::tempdir().unwrap();
    let sweep = [
        "sweep",
        "retry-storm",
        "--sweep",
        "clients.web.arrival.rate_per_s=300,600",
        "--variants",
        "naive,budget",
        "--seeds",
        "1..3",
        "--set",
        "duration=100s",
        "--quiet",
    ];
    let whole = dir.path().join("whole");
    let status = Command::new(bin)
        .args(sweep)
        .arg("--out")
        .arg(&whole)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    // The README's recipe: one process per shard, the shard number from parallel's {}.
    let shards = dir.path().join("shard-{}");
    let status = Command::new("parallel")
        .args(["--will-cite", "--halt", "now,fail=1", "-j", "2", bin])
        .args(sweep)
        .args(["--threads", "1", "--shard", "{}/3", "--out"])
        .arg(&shards)
        .args([":::", "0", "1", "2"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "parallel ran every shard");
    let merged = dir.path().join("merged");
    let output = Command::new(bin)
        .arg("merge")
        .args((0..3).map(|i| dir.path().join(format!("shard-{i}"))))
        .arg("--quiet")
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        files(&whole) == files(&merged),
        "merged shards equal one machine's sweep"
    );
}
