//! Distribution blocks: each kind's keys and values, the files they read, and one test per
//! refusal asserting the JSON path (and for a file, the file and its line).

use serde_json::{json, Value};
use sim_core::{Distribution, SimDuration};

use super::quantile_of_key;
use crate::files::InMemory;
use crate::{parse, Files, LoadOptions, Override, Scenario, ScenarioError};

/// One client and one service whose `service_time` is `dist`.
fn scenario(dist: Value) -> String {
    json!({
        "name": "t",
        "duration": "10s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api", "service_time": dist }]
    })
    .to_string()
}

fn with_files(files: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        files: Files::new(InMemory::new(files.iter().copied())),
        ..LoadOptions::default()
    }
}

fn load(dist: Value, files: &[(&str, &str)]) -> Result<Scenario, ScenarioError> {
    parse(&scenario(dist), "t.json", &with_files(files))
}

fn service_time(dist: Value) -> Distribution {
    load(dist, &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .world
        .services[0]
        .service_time
        .clone()
}

/// The message refusing `dist`, which must start with `t.json: services[0] (api).service_time`
/// followed by `rest`.
fn refused(dist: Value, files: &[(&str, &str)], rest: &str) {
    let message = load(dist, files)
        .expect_err("the distribution must be refused")
        .to_string();
    let expected = format!("t.json: services[0] (api).service_time{rest}");
    assert!(
        message.starts_with(&expected),
        "\n{message}\ndoes not start with\n{expected}"
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs()
}

#[test]
fn quantile_keys_follow_the_documented_rule() {
    let cases = [
        ("p0", Some(0.0)),
        ("p1", Some(0.01)),
        ("p5", Some(0.05)),
        ("p50", Some(0.5)),
        ("p90", Some(0.9)),
        ("p99", Some(0.99)),
        ("p100", Some(1.0)),
        ("p999", Some(0.999)),
        ("p99.9", Some(0.999)),
        ("p9999", Some(0.9999)),
        ("p99.99", Some(0.9999)),
        ("p995", Some(0.995)),
        ("p0.1", Some(0.001)),
        ("p100.0", Some(1.0)),
        ("p101", None),
        ("p05", None),
        ("p1000", None),
        ("p100.5", None),
        ("p99.", None),
        ("p9x", None),
        ("p", None),
    ];
    for (key, q) in cases {
        assert_eq!(quantile_of_key(key), q, "{key}");
    }
    assert_eq!(quantile_of_key("p999"), quantile_of_key("p99.9"));
}

#[test]
fn every_kind_builds_with_its_exact_mean() {
    let ms = 1e6;
    let cases = [
        (
            json!({"kind": "quantiles", "min": "1ms", "p50": "1ms", "max": "1ms"}),
            ms,
        ),
        (
            json!({"kind": "empirical", "samples": ["1ms", "2ms", "6ms"]}),
            3.0 * ms,
        ),
        (
            json!({"kind": "histogram", "buckets": [{"le": "2ms", "count": 1}, {"le": "4ms", "count": 1}]}),
            2.0 * ms,
        ),
        (
            json!({"kind": "weibull", "shape": 1, "scale": "2ms"}),
            2.0 * ms,
        ),
        (
            json!({"kind": "weibull", "shape": 0.5, "mean": "2ms"}),
            2.0 * ms,
        ),
        (
            json!({"kind": "gamma", "shape": 2, "scale": "2ms"}),
            4.0 * ms,
        ),
        (
            json!({"kind": "gamma", "shape": 0.5, "mean": "2ms"}),
            2.0 * ms,
        ),
        (json!({"kind": "erlang", "k": 3, "mean": "6ms"}), 6.0 * ms),
        (json!({"kind": "erlang", "k": 3, "scale": "1ms"}), 3.0 * ms),
        (
            json!({"kind": "hyperexponential", "of": [{"weight": 0.9, "mean": "2ms"}, {"weight": 0.1, "mean": "50ms"}]}),
            6.8 * ms,
        ),
    ];
    for (dist, mean) in cases {
        let built = service_time(dist.clone());
        assert!(
            close(built.mean_nanos(), mean),
            "{dist}: {}",
            built.mean_nanos()
        );
    }
    let pareto = service_time(json!({"kind": "pareto", "alpha": 1.5, "min": "1ms", "max": "10s"}));
    assert!(matches!(pareto, Distribution::Pareto(_)));
    let table = service_time(
        json!({"kind": "quantiles", "p50": "3ms", "p90": "9ms", "p99": "40ms", "p99.9": "400ms", "max": "2s"}),
    );
    let Distribution::Quantiles(table) = table else {
        panic!("a quantile table")
    };
    assert!(close(table.quantile_nanos(0.999), 400e6));
    assert!(close(table.quantile_nanos(1.0), 2e9));
}

#[test]
fn quantile_tables_name_the_offending_key() {
    refused(
        json!({"kind": "quantiles", "p50": "3ms", "p90": "2ms"}),
        &[],
        ".p90: must be at least `p50` (3ms) (got 2ms)",
    );
    refused(
        json!({"kind": "quantiles", "p50": "3ms", "max": "1ms"}),
        &[],
        ".max: must be at least `p50` (3ms) (got 1ms)",
    );
    refused(
        json!({"kind": "quantiles", "p99": "3ms"}),
        &[],
        ": needs at least two points (got 1)",
    );
    refused(
        json!({"kind": "quantiles", "p50": "3ms", "p101": "9ms"}),
        &[],
        ".p101: is not a percentile key (got \"p101\")",
    );
    refused(
        json!({"kind": "quantiles", "min": "0s", "p50": "3ms"}),
        &[],
        ".min: must be greater than 0",
    );
    refused(
        json!({"kind": "quantiles", "p999": "3ms", "p99.9": "3ms"}),
        &[],
        ".p99.9: names the same percentile as `p999`",
    );
    refused(
        json!({"kind": "quantiles", "p50": "1ms", "p51": "1s"}),
        &[],
        ".p51: is the highest point, and extending the last segment to the maximum goes past 104 days",
    );
    refused(
        json!({"kind": "quantiles", "p50": "3ms", "p99": "9ms", "mean": "4ms"}),
        &[],
        ".mean: is not a parameter of the `quantiles` distribution",
    );
    refused(
        json!({"kind": "quantiles", "p50": "soon", "p99": "9ms"}),
        &[],
        ".p50: is not a duration",
    );
    refused(
        json!({"kind": "lognormal", "p50": "3ms", "p90": "9ms"}),
        &[],
        ".p90: is not a parameter of the `lognormal` distribution",
    );
    refused(
        json!({"kind": "exponential", "mean": "3ms", "p99": "9ms"}),
        &[],
        ".p99: is not a parameter of the `exponential` distribution",
    );
}

#[test]
fn empirical_samples_come_inline_or_from_a_file() {
    let inline = service_time(json!({"kind": "empirical", "samples": ["1ms", "3ms"]}));
    assert!(close(inline.mean_nanos(), 2e6));
    let csv = "latency_ms\n1\n3\n";
    let loaded = load(
        json!({"kind": "empirical", "file": "db.csv"}),
        &[("db.csv", csv)],
    )
    .unwrap();
    assert_eq!(loaded.world.services[0].service_time, inline);
    assert_eq!(loaded.files.len(), 1);
    assert_eq!(loaded.files[0].name, "db.csv");
    assert_eq!(&*loaded.files[0].bytes, csv.as_bytes());
    refused(
        json!({"kind": "empirical"}),
        &[],
        ": needs exactly one of `file` and `samples` (got neither)",
    );
    refused(
        json!({"kind": "empirical", "file": "db.csv", "samples": ["1ms"]}),
        &[],
        ": needs exactly one of `file` and `samples` (got both)",
    );
    refused(
        json!({"kind": "empirical", "samples": []}),
        &[],
        ".samples: must hold at least one value",
    );
    refused(
        json!({"kind": "empirical", "samples": ["1ms", "-2ms"]}),
        &[],
        ".samples[1]: is not a duration",
    );
    refused(
        json!({"kind": "empirical", "samples": ["1ms"], "column": "x"}),
        &[],
        ".column: applies only to a `file`",
    );
}

#[test]
fn file_problems_name_the_scenario_the_path_the_file_and_the_line() {
    let dist = || json!({"kind": "empirical", "file": "db.csv"});
    refused(
        dist(),
        &[("db.csv", "latency_ms\n3\n-2\n")],
        ".file: db.csv line 3: `-2` is negative; a duration cannot be negative",
    );
    refused(
        dist(),
        &[("db.csv", "latency_ms\n3\nfast\n")],
        ".file: db.csv line 3: `fast` is not a number",
    );
    refused(dist(), &[("db.csv", "")], ".file: db.csv: holds no values");
    refused(
        dist(),
        &[("other.csv", "")],
        ".file: db.csv: cannot be read (no such file among the 1 given (other.csv))",
    );
    // Without a `FileSource`, the library refuses to read rather than touching the disk.
    let message = parse(&scenario(dist()), "t.json", &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("t.json: services[0] (api).service_time.file: db.csv: cannot be read (no files can be read here"),
        "{message}"
    );
    let histogram = json!({"kind": "histogram", "file": "h.csv"});
    refused(
        histogram.clone(),
        &[("h.csv", "le_ms,count\n5,10\n2,3\n")],
        ".file: h.csv line 3: bucket 1's bound (2ms) must be above the previous one (5ms)",
    );
    refused(
        histogram,
        &[("h.csv", "le_ms,count\n5,10\n9,-3\n")],
        ".file: h.csv line 3: count `-3` is not a whole number",
    );
}

#[test]
fn a_file_named_twice_is_read_once_and_a_variant_may_swap_it() {
    let text = json!({
        "name": "t",
        "duration": "10s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api", "service_time": {"kind": "empirical", "file": "a.csv"},
                       "calls": [{ "service": "db" }] },
                     { "name": "db", "service_time": {"kind": "empirical", "file": "a.csv"} }],
        "network": { "latency": {"kind": "empirical", "file": "b.csv"} },
        "variants": { "slow": { "services.db.service_time.file": "c.csv" } }
    })
    .to_string();
    let files = [("a.csv", "1ms\n"), ("b.csv", "2us\n"), ("c.csv", "9ms\n")];
    let loaded = parse(&text, "t.json", &with_files(&files)).unwrap();
    let names: Vec<&str> = loaded.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.csv", "b.csv"]);
    let options = LoadOptions {
        variant: Some("slow".into()),
        ..with_files(&files)
    };
    let slow = parse(&text, "t.json", &options).unwrap();
    let names: Vec<&str> = slow.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a.csv", "c.csv", "b.csv"]);
    assert_eq!(slow.world.services[1].service_time.mean_nanos(), 9e6);
    // A broken file behind a --set is blamed on the --set, with the scenario's own origin.
    let options = LoadOptions {
        overrides: vec![Override::parse("services.db.service_time.file=\"d.csv\"").unwrap()],
        ..with_files(&[("a.csv", "1ms\n"), ("b.csv", "2us\n"), ("d.csv", "3\n")])
    };
    let message = parse(&text, "t.json", &options).unwrap_err().to_string();
    assert!(
        message.starts_with("t.json (--set services.db.service_time.file=d.csv): services[1] (db).service_time.file: d.csv line 1: `3` has no unit"),
        "{message}"
    );
}

#[test]
fn histograms_name_the_bucket() {
    refused(
        json!({"kind": "histogram", "buckets": [{"le": "2ms", "count": 1}, {"le": "1ms", "count": 1}]}),
        &[],
        ".buckets[1].le: bucket 1's bound (1ms) must be above the previous one (2ms)",
    );
    refused(
        json!({"kind": "histogram", "min": "3ms", "buckets": [{"le": "2ms", "count": 1}]}),
        &[],
        ".buckets[0].le: bucket 0's bound (2ms) must be above the previous one (3ms)",
    );
    refused(
        json!({"kind": "histogram", "buckets": [{"le": "2ms", "count": 0}]}),
        &[],
        ".buckets: a histogram needs a bucket with a count above 0",
    );
    refused(
        json!({"kind": "histogram", "buckets": [{"le": "2ms", "count": -1}]}),
        &[],
        ".buckets[0].count: must be at least 0 (got -1)",
    );
    refused(
        json!({"kind": "histogram"}),
        &[],
        ": needs exactly one of `buckets` and `file` (got neither)",
    );
    let built = service_time(
        json!({"kind": "histogram", "min": "1ms", "buckets": [{"le": "3ms", "count": 1}]}),
    );
    assert!(close(built.mean_nanos(), 2e6));
    let from_file = load(
        json!({"kind": "histogram", "min": "1ms", "file": "h.csv"}),
        &[("h.csv", "3ms,1\n")],
    )
    .unwrap();
    assert_eq!(from_file.world.services[0].service_time, built);
}

#[test]
fn heavy_tails_name_the_parameter() {
    refused(
        json!({"kind": "pareto", "alpha": 0, "min": "1ms", "max": "1s"}),
        &[],
        ".alpha: must be a number greater than 0 (got 0)",
    );
    refused(
        json!({"kind": "pareto", "alpha": 1.5, "min": "0s", "max": "1s"}),
        &[],
        ".min: must be greater than 0",
    );
    refused(
        json!({"kind": "pareto", "alpha": 1.5, "min": "1s", "max": "1s"}),
        &[],
        ".max: must be greater than `min` (1s) and at most 104 days (got 1s)",
    );
    refused(
        json!({"kind": "pareto", "min": "1ms", "max": "1s"}),
        &[],
        ": missing field `alpha`",
    );
    refused(
        json!({"kind": "weibull", "shape": 0.05, "scale": "1ms"}),
        &[],
        ".shape: must lie between 0.1 and 100 (got 0.05)",
    );
    refused(
        json!({"kind": "weibull", "shape": 1, "scale": "1ms", "mean": "1ms"}),
        &[],
        ": needs exactly one of `scale` and `mean` (got both)",
    );
    refused(
        json!({"kind": "weibull", "shape": 1, "scale": "0s"}),
        &[],
        ".scale: must be longer than 0s",
    );
    refused(
        json!({"kind": "gamma", "shape": 0, "mean": "1ms"}),
        &[],
        ".shape: must lie between 0.01 and 1e6 (got 0)",
    );
    refused(
        json!({"kind": "gamma", "shape": 2}),
        &[],
        ": needs exactly one of `scale` and `mean` (got neither)",
    );
    refused(
        json!({"kind": "erlang", "k": 0, "mean": "1ms"}),
        &[],
        ".k: must be at least 1 (got 0)",
    );
    refused(
        json!({"kind": "erlang", "shape": 2, "mean": "1ms"}),
        &[],
        ".shape: is not a parameter of the `erlang` distribution",
    );
}

#[test]
fn hyperexponential_phases_have_means() {
    refused(
        json!({"kind": "hyperexponential", "of": [{"weight": 0.9, "mean": "2ms"}, {"weight": 0.2, "mean": "50ms"}]}),
        &[],
        ".of: needs weights that sum to 1 (within 1e-9) (got a sum of 1.1",
    );
    refused(
        json!({"kind": "hyperexponential", "of": [{"weight": 1, "mean": "0s"}]}),
        &[],
        ".of[0].mean: must be longer than 0s",
    );
    refused(
        json!({"kind": "hyperexponential", "of": [{"weight": 1}]}),
        &[],
        ".of[0]: missing field `mean`",
    );
    refused(
        json!({"kind": "hyperexponential", "of": [{"weight": 1, "dist": {"kind": "constant", "value": "1ms"}}]}),
        &[],
        ".of[0].dist: is not a field of a hyperexponential's phase",
    );
    refused(
        json!({"kind": "hyperexponential", "of": []}),
        &[],
        ".of: must list at least one phase",
    );
    refused(
        json!({"kind": "mixture", "of": [{"weight": 1, "mean": "1ms"}]}),
        &[],
        ".of[0].mean: is not a field of a mixture's arm",
    );
    refused(
        json!({"kind": "mixture", "of": [{"weight": 1}]}),
        &[],
        ".of[0]: missing field `dist`",
    );
}

#[test]
fn measured_kinds_work_wherever_a_distribution_does() {
    let text = json!({
        "name": "t",
        "duration": "10s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api", "service_time": { "kind": "constant", "value": "1ms" } }],
        "network": { "latency": {"kind": "quantiles", "p50": "200us", "p99": "2ms"},
                     "links": [{ "between": ["web", "api"],
                                 "latency": {"kind": "weibull", "shape": 0.7, "mean": "1ms"} }] }
    })
    .to_string();
    let loaded = parse(&text, "t.json", &LoadOptions::default()).unwrap();
    assert!(matches!(
        loaded.world.network.latency,
        Distribution::Quantiles(_)
    ));
    let link = loaded.world.network.links[0].latency.as_ref().unwrap();
    assert!(close(
        link.mean_nanos(),
        SimDuration::from_millis(1).as_nanos() as f64
    ));
}
