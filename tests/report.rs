//! End-to-end tests of `faultline compare` and `run --out`: the report's files, its
//! structure (every variant, every plot, interval columns, the reproduce command), its
//! verdicts on a catalog lesson, and byte-stable output.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `faultline ARGS...` in `dir`.
fn faultline_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the faultline binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// `compare retry-storm` on three seeds into `dir/report`.
fn compare_retry_storm(dir: &Path) -> Output {
    faultline_in(
        dir,
        &[
            "compare",
            "retry-storm",
            "--seeds",
            "1..3",
            "--set",
            "duration=120s",
            "--out",
            "report",
            "--quiet",
        ],
    )
}

#[test]
fn compare_writes_a_complete_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = compare_retry_storm(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let out = dir.path().join("report");

    // results.json: every variant, every seed, intervals on every metric.
    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let variants = ["naive", "budget", "breaker", "deadline"];
    assert_eq!(results["variants"], serde_json::json!(variants));
    assert_eq!(results["seeds"], serde_json::json!([1, 2, 3]));
    let metrics = results["metrics"].as_array().unwrap();
    assert!(metrics.len() >= 10, "{} metrics", metrics.len());
    for row in metrics {
        let values = row["by_variant"].as_array().unwrap();
        assert_eq!(values.len(), variants.len());
        for (index, value) in values.iter().enumerate() {
            assert_eq!(value["estimate"]["n"], 3, "{row}");
            assert!(value["estimate"]["half_width"].is_number(), "{row}");
            assert_eq!(value["difference"].is_null(), index == 0, "{row}");
        }
    }
    for variant in variants {
        assert_eq!(
            results["trace_hashes"][variant].as_array().unwrap().len(),
            3
        );
    }

    // The lesson's verdict: with common random numbers, three seeds are enough to see that
    // a retry budget beats naive retries on goodput after the slowdown.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("budget beats naive on web goodput by"),
        "{stdout}"
    );

    // report.md: variants, interval columns, every plot, the reproduce command.
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    for variant in variants {
        assert!(markdown.contains(variant), "{variant} missing");
    }
    assert!(markdown.contains("| budget − naive |"), "{markdown}");
    assert!(markdown.contains(" ± "), "no intervals");
    assert!(markdown.contains("common random numbers"));
    // The command leaves out where the report went, so a merge of shards writes the same
    // bytes as one machine (issue #16).
    assert!(markdown.contains("faultline compare retry-storm --seeds 1..3 --set 'duration=120s'\n"));
    let plots: Vec<String> = fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "web-offered.svg",
        "web-attempts.svg",
        "web-goodput.svg",
        "web-failed.svg",
        "web-p50.svg",
        "web-p99.svg",
        "web-breaker-open.svg",
        "web-in-flight.svg",
        "api-queue.svg",
        "web-latency-cdf.svg",
        "bar-clients-web-goodput-per-s.svg",
    ] {
        assert!(
            plots.iter().any(|p| p == expected),
            "{expected} not in {plots:?}"
        );
    }
    for plot in &plots {
        assert!(
            markdown.contains(&format!("(plots/{plot})")),
            "{plot} not linked"
        );
        let svg = fs::read_to_string(out.join("plots").join(plot)).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{plot}"
        );
    }

    // report.html: self-contained, every plot inline, nothing fetched.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<figure").count(), plots.len());
    assert_eq!(html.matches("<svg").count(), plots.len());
    for forbidden in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(
            !html.contains(forbidden),
            "report.html contains {forbidden}"
        );
    }
    assert!(html.contains("class=\"better\""), "no coloured difference");
    assert!(html.contains("faultline compare retry-storm"));
}

#[test]
fn the_same_command_writes_the_same_bytes() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for dir in [&first, &second] {
        let output = compare_retry_storm(dir.path());
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }
    for file in ["results.json", "report.md", "report.html"] {
        let a = fs::read(first.path().join("report").join(file)).unwrap();
        let b = fs::read(second.path().join("report").join(file)).unwrap();
        assert!(a == b, "{file} differs between two identical commands");
    }
}

#[test]
fn precision_adds_seeds_until_intervals_are_narrow() {
    let dir = tempfile::tempdir().unwrap();
    let output = faultline_in(
        dir.path(),
        &[
            "compare",
            "mm1",
            "--seeds",
            "1..2",
            "--set",
            "duration=60s",
            "--precision",
            "8%",
            "--max-seeds",
            "60",
            "--quiet",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("target met"), "{stdout}");
    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("out/results.json")).unwrap())
            .unwrap();
    let seeds = results["seeds"].as_array().unwrap().len();
    assert!(seeds > 2 && seeds <= 60, "{seeds} seeds");
    for row in results["metrics"].as_array().unwrap() {
        if row["metric"]["headline"] == true {
            for value in row["by_variant"].as_array().unwrap() {
                let estimate = &value["estimate"];
                let relative = estimate["half_width"].as_f64().unwrap()
                    / estimate["mean"].as_f64().unwrap().abs();
                assert!(relative <= 0.08, "{row}");
            }
        }
    }
}

#[test]
fn warmup_auto_uses_mser5_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = faultline_in(
        dir.path(),
        &[
            "compare", "mm1", "--seeds", "1..2", "--warmup", "auto", "--quiet", "--out", "out",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let markdown = fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains("the MSER-5 estimate on seed 1"),
        "{markdown}"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, says) in [
        ("--seeds", "1-3", "1..30"),
        ("--precision", "fast", "2%"),
        ("--warmup", "soon", "30s"),
        ("--variants", "budgt", "budget"),
    ] {
        let output = faultline_in(dir.path(), &["compare", "retry-storm", flag, value]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{flag} {value}: {}",
            text(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{flag} {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn run_out_writes_a_one_seed_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = faultline_in(
        dir.path(),
        &["run", "partition", "--seed", "3", "--out", "single"],
    );
    assert!(output.status.code().unwrap() <= 1, "{}", text(&output));
    let markdown = fs::read_to_string(dir.path().join("single/report.md")).unwrap();
    assert!(markdown.contains("seed 3 only"), "{markdown}");
    assert!(markdown.contains("faultline run partition --seed 3 --out single"));
    assert!(dir.path().join("single/report.html").exists());
    assert!(dir.path().join("single/plots/web-goodput.svg").exists());
    // The sequence diagram of the first requests from the partition's start.
    let sequence = fs::read_to_string(dir.path().join("single/plots/sequence.svg")).unwrap();
    assert!(
        sequence.contains("<svg") && sequence.contains("api[0]"),
        "{sequence:.300}"
    );
    assert!(markdown.contains("(plots/sequence.svg)"));
}

#[test]
fn a_database_scenario_gets_its_own_plots_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let output = faultline_in(
        dir.path(),
        &[
            "compare",
            "replication-lag",
            "--seeds",
            "1..4",
            "--quiet",
            "--out",
            "db",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    for plot in ["db-stale-reads", "db-staleness-p99", "db-failed-writes"] {
        let svg = fs::read_to_string(dir.path().join(format!("db/plots/{plot}.svg")))
            .unwrap_or_else(|e| panic!("{plot}: {e}"));
        assert!(svg.contains("async") && svg.contains("semi-sync"), "{plot}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("semi-sync beats async on db acknowledged writes lost"),
        "{stdout}"
    );
}

/// The means of `key` per variant in a comparison's results.json.
fn means(results: &serde_json::Value, key: &str) -> Vec<f64> {
    let row = results["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"]["key"] == key)
        .unwrap_or_else(|| panic!("no metric {key}"));
    row["by_variant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["estimate"]["mean"].as_f64().unwrap())
        .collect()
}

/// Issue #4's patterns are compare metrics too: a variant without the pattern counts 0 (no
/// degraded answers without `optional`), so every variant has a value on every seed.
#[test]
fn compare_reports_degraded_answers_and_cache_hit_ratios() {
    let dir = tempfile::tempdir().unwrap();
    let output = faultline_in(
        dir.path(),
        &[
            "compare",
            "cascading-failure",
            "--seeds",
            "1..2",
            "--quiet",
            "--out",
            "cascade",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("cascade/results.json")).unwrap())
            .unwrap();
    // naive, timeout, bulkhead: only the variants whose optional call can fail degrade.
    let degraded = means(&results, "clients.web.degraded");
    assert_eq!(degraded.len(), 3);
    assert_eq!(
        degraded[0], 0.0,
        "naive: recs only gets slow, it never fails"
    );
    assert!(
        degraded[2] > 10_000.0,
        "bulkhead answers degraded: {degraded:?}"
    );

    let output = faultline_in(
        dir.path(),
        &[
            "compare",
            "cache-stampede",
            "--seeds",
            "1..2",
            "--variants",
            "naive,single-flight",
            "--quiet",
            "--out",
            "cache",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let results: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("cache/results.json")).unwrap())
            .unwrap();
    let hits = means(&results, "services.api.calls.db.cache_hit_ratio");
    assert!(
        hits[0] < 20.0 && hits[1] > 90.0,
        "single flight ends the stampede: {hits:?}"
    );
}
