//! Series resolution adapts to the run's length (issue #19): a run longer than 2,000 s keeps
//! about 2,000 rows per series, and everything that reads rows reads their width with them.

use sim_core::SimDuration;

/// `mm1` from the catalog at 1 request a second for `duration`, with a 20 s slowdown at 1,000 s.
fn long_mm1(duration: &str) -> (scenarios::Scenario, models::RunResult) {
    let entry = scenarios::catalog::find("mm1").expect("mm1 is in the catalog");
    let set = |text: &str| scenarios::overrides::Override::parse(text).expect("a valid override");
    let options = scenarios::LoadOptions {
        overrides: vec![
            set(&format!("duration={duration}")),
            set("warmup=0s"),
            set("clients.arrivals.arrival.rate_per_s=1"),
            set(
                r#"faults=[{"kind": "slowdown", "target": "server", "at": "1000s", "for": "20s", "factor": 2}]"#,
            ),
        ],
        ..Default::default()
    };
    let scenario = entry.load(&options).expect("the overrides are valid");
    let result = models::run(&scenario.world, 1).expect("a small run");
    (scenario, result)
}

#[test]
fn a_long_run_keeps_about_two_thousand_rows_and_says_how_wide() {
    let (scenario, result) = long_mm1("5000s");
    assert_eq!(result.series_interval(), SimDuration::from_secs(5));
    let client = &result.clients[0];
    assert_eq!(client.series.goodput_per_s.len(), 1_000);
    assert_eq!(result.services[0].series.queue_len.len(), 1_000);
    // Rates stay per second: about 1 request a second in every 5 s row.
    let mean = client.series.offered_per_s.iter().sum::<f64>() / 1_000.0;
    assert!((0.9..1.1).contains(&mean), "offered {mean} per second");

    let identity = reports::RunIdentity {
        scenario: scenario.name.clone(),
        variant: None,
        seed: 1,
        version: String::new(),
    };
    let summary = reports::RunSummary::new(&identity, &result, &[]);
    let digest = reports::digest::RunDigest::new(&summary, &result);
    assert_eq!(digest.series_interval_s, 5.0);
    let line = digest.to_json_line();
    assert!(line.contains(r#""series_interval_s":5.0"#), "{line}");
    let back: reports::digest::RunDigest = serde_json::from_str(&line).unwrap();
    assert_eq!(back.series_interval_s, 5.0);

    // The fault window's goodput is read over the rows that cover it (1,000 s to 1,020 s).
    let window = &summary.faults[0].goodput_per_s[&client.name];
    let during = window.during.expect("rows cover the window");
    assert!(
        (0.5..1.5).contains(&during),
        "goodput {during} during the fault"
    );
}

#[test]
fn a_short_run_keeps_a_row_per_second_and_its_digest_does_not_say() {
    let (scenario, result) = long_mm1("1500s");
    assert_eq!(result.series_interval(), SimDuration::from_secs(1));
    assert_eq!(result.clients[0].series.goodput_per_s.len(), 1_500);
    let identity = reports::RunIdentity {
        scenario: scenario.name.clone(),
        variant: None,
        seed: 1,
        version: String::new(),
    };
    let summary = reports::RunSummary::new(&identity, &result, &[]);
    let digest = reports::digest::RunDigest::new(&summary, &result);
    // Digests of runs up to 2,000 s are written as before the interval existed.
    assert!(!digest.to_json_line().contains("series_interval_s"));
}
