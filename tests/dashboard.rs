//! Dashboards vs users (issue #21): the SLO's burn rate against hand-computed values, the
//! error budget a run spends, and the periods where every service's own dashboard is green
//! while the users' SLO burns (the gray-failure catalog scenario).
//!
//! Burn rate = bad fraction / (1 − SLO target): Google SRE workbook, "Alerting on SLOs".

use serde_json::{json, Value};

#[path = "support/binary.rs"]
mod binary;

fn summary(args: &[&str]) -> Value {
    let output = binary::faultline(args);
    serde_json::from_str(&binary::stdout(&output)).expect("a JSON summary")
}

#[test]
fn gray_failure_marks_the_green_dashboard_while_the_slo_burns() {
    let run = summary(&["run", "gray-failure", "--format", "json"]);
    let slo = &run["slo"][0];
    // 81.8506% within 150 ms against 99%: 18.1494% bad over a 1% budget.
    let observed = slo["observed"].as_f64().unwrap();
    let spent = slo["budget_consumed"].as_f64().unwrap();
    assert!((spent - (1.0 - observed) / 0.01).abs() < 1e-6, "{spent}");
    assert!((spent - 18.1494).abs() < 1e-9, "{spent}");
    // The fault (replies of api[2] to web lost) lasts from 30 s to 90 s; api and db report no
    // error, every replica up and low utilization throughout, so the whole fault is marked,
    // and second 90 too: attempts sent just before 90 s time out (200 ms) within it.
    let periods = slo["green_but_burning"].as_array().expect("marked periods");
    assert_eq!(periods.len(), 1, "{periods:?}");
    assert_eq!(periods[0]["start_s"], json!(30.0));
    assert_eq!(periods[0]["end_s"], json!(91.0));
    // A third of the attempts to api[2] time out: a burn of about 33 over 60 s, far past the
    // workbook's fast-burn threshold of 14.4, whose multi-window alert then fires.
    assert!(slo["burn_rate_peak"].as_f64().unwrap() > 30.0);
    assert!(slo["paging_s"].as_f64().unwrap() > 30.0);
    for minute in run["dashboard"].as_array().expect("a per-minute dashboard") {
        assert_eq!(minute["dashboards_green"], json!(true));
        assert_eq!(minute["services"]["api"]["error_rate"], json!(0.0));
        assert!(minute["slo_burn"][0].as_f64().unwrap() > 14.4);
    }
    // The text summary says it in words beside the SLO.
    let text = binary::stdout(&binary::faultline(&["run", "gray-failure"]));
    assert!(text.contains("error budget: 1814.9% spent"), "{text}");
    assert!(
        text.contains("green dashboards while it burns: 30s–91s"),
        "{text}"
    );
    assert!(text.contains("<< green dashboards, burning SLO"), "{text}");
    // A run's report (`run --out`) shows the same minutes as a table, in report.md and
    // report.html, with the marked minutes red.
    let dir = std::env::temp_dir().join(format!("faultline-dashboard-{}", std::process::id()));
    let out = dir.to_str().expect("a UTF-8 path");
    binary::faultline(&["run", "gray-failure", "--out", out]);
    let markdown = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(markdown.contains("## Dashboards vs users"), "{markdown}");
    assert!(
        markdown.contains("| 60 | 3 up, 11%, 0.0% | 2 up, 6%, 0.0% | 16.9 | &lt;&lt; green dashboards, burning SLO |"),
        "{markdown}"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(html.contains("<h2>Dashboards vs users</h2>"));
    assert!(html.contains("<td class=\"fail\">16.9</td>"));
    std::fs::remove_dir_all(&dir).expect("the report folder is ours");
    // Outlier ejection takes api[2] out: the budget is barely touched.
    let ejection = summary(&[
        "run",
        "gray-failure",
        "--variant",
        "ejection",
        "--format",
        "json",
    ]);
    assert!(ejection["slo"][0]["budget_consumed"].as_f64().unwrap() < 0.2);
}

/// web sends 10 requests a second, evenly spaced (0.1 s, 0.2 s, ...), to api; an error burst
/// fails every attempt from 10.05 s to 20.05 s. SLO: 90% within 100 ms, so the budget is 10%.
fn burst() -> Value {
    json!({
        "name": "burst",
        "duration": "30s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "constant", "rate_per_s": 10 } }],
        "services": [{ "name": "api", "workers": 4,
                       "service_time": { "kind": "constant", "value": "1ms" } }],
        "network": { "latency": { "kind": "constant", "value": "100us" } },
        "faults": [{ "kind": "error_burst", "target": "api", "at": "10.05s", "for": "10s",
                     "fraction": 1.0 }],
        "slo": [{ "client": "web", "latency_below": "100ms", "target": 0.9 }]
    })
}

#[test]
fn burn_rates_per_second_and_per_window_match_hand_computed_values() {
    let text = burst().to_string();
    let scenario = scenarios::parse(&text, "burst.json", &scenarios::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let result = models::run(&scenario.world, 1).expect("run completes");
    let slo = reports::SloSpec {
        client: "web".into(),
        class: None,
        latency_below: sim_core::SimDuration::from_millis(100),
        target: 0.9,
    };
    let burn = reports::burn::SloBurn::of(&result, &slo).expect("a burn series");
    let close = |b: Option<f64>, want: f64| b.is_some_and(|b| (b - want).abs() < 1e-9);
    // Second 10 holds 10.0 s (good) and 10.1–10.9 s (bad): 90% bad over a 10% budget is 9.
    assert!(close(burn.rows[10], 9.0), "{:?}", burn.rows[10]);
    // Seconds 11 to 19: every request bad, a burn of 10; second 20: only 20.0 s is bad.
    for second in 11..20 {
        assert!(
            close(burn.rows[second], 10.0),
            "{second}: {:?}",
            burn.rows[second]
        );
    }
    assert!(close(burn.rows[20], 1.0), "{:?}", burn.rows[20]);
    assert!(close(burn.rows[5], 0.0));
    // The 5 s window ending with second 22 holds seconds 18–22: 10 + 10 + 1 + 0 + 0 = 21 bad
    // of 50, 42% over 10%: 4.2. The 60 s window ending with second 29 holds the whole run:
    // 9 + 90 + 1 = 100 bad of 299 requests (the run starts at 0.1 s).
    assert!(close(burn.short[22], 4.2), "{:?}", burn.short[22]);
    // (Burn rates are kept to 6 decimals.)
    let whole = burn.long[29].expect("a burn rate");
    assert!((whole - 100.0 / 299.0 / 0.1).abs() < 1e-6, "{whole}");
    // The errors show on api's own dashboard, so no period is green while it burns.
    assert!(reports::burn::green_but_burning(&result, &burn, 0.0).is_empty());
}
