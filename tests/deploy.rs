//! Deployments of a bad version end to end (issue #21): scenario JSON through
//! `faultline::simulate::simulate`, each strategy's exposure against its schedule and the
//! binomial law, and the in-run burn-rate alert against the time its long window needs.
//!
//! Sources: The Site Reliability Workbook (Beyer et al., O'Reilly, 2018), ch. 5 "Alerting on
//! SLOs": an alert on a window of length W with burn-rate threshold B fires once the window's
//! bad fraction reaches B × (1 − target); an error fraction e that starts at t0 fills a window
//! whose earlier part was clean to e × (t − t0) / W, so its detection time is
//! W × B × (1 − target) / e (the workbook's "detection time" row). A canary that takes each
//! attempt with probability s serves a Binomial(n, s) count of n attempts, and fails a
//! Binomial(new, e) count of those (Feller, An Introduction to Probability Theory, vol. 1,
//! ch. VI); the tests allow five standard deviations.

// Tolerances use f64::sqrt: test arithmetic, not a sampling formula.
#![allow(clippy::disallowed_methods)]

use faultline::simulate::{simulate, Simulated};
use reports::summary::DeploymentSummary;

/// A scenario of `duration` and `warmup`: users sending `arrival` to api (10 replicas, round
/// robin, no retries), which deploys `deploy`.
fn scenario(duration: &str, warmup: &str, arrival: &str, deploy: &str) -> String {
    format!(
        r#"{{ "name": "deploy-test", "duration": "{duration}", "warmup": "{warmup}",
  "clients": [ {{ "name": "users", "target": "api", "arrival": {arrival}, "timeout": "1s" }} ],
  "services": [ {{ "name": "api", "replicas": 10, "workers": 16,
      "service_time": {{ "kind": "exponential", "mean": "2ms" }},
      "deploy": {{ {deploy} }} }} ] }}"#
    )
}

const POISSON: &str = r#"{ "kind": "poisson", "rate_per_s": 1000 }"#;
const CONSTANT: &str = r#"{ "kind": "constant", "rate_per_s": 500 }"#;

fn run(text: &str, seed: u64) -> Simulated {
    simulate(text, "deploy-test", None, &[], seed).unwrap_or_else(|e| panic!("{e}"))
}

fn deployment(simulated: &Simulated) -> &DeploymentSummary {
    simulated
        .summary
        .deployments
        .get("api")
        .expect("the summary has api's deployment")
}

/// `|observed − n p| ≤ 5 sd` of a Binomial(n, p).
fn within_binomial(observed: u64, n: u64, p: f64) -> bool {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (observed as f64 - mean).abs() <= 5.0 * sd
}

#[test]
fn a_canary_serves_its_share_and_fails_its_share_of_that() {
    // The canary starts before the warm-up ends and never finishes baking: every measured
    // answer is drawn at the split.
    let deploy = r#""at": "2s", "strategy": "canary", "share": 0.2, "bake": "1000s",
        "error_rate": 0.3"#;
    let sim = run(&scenario("60s", "5s", POISSON, deploy), 1);
    let d = deployment(&sim);
    let n = d.served_new + d.served_old;
    assert!(n > 50_000, "{n} answers");
    assert!(within_binomial(d.served_new, n, 0.2), "{d:?}");
    assert!(within_binomial(d.bad_requests, d.served_new, 0.3), "{d:?}");
    // So the bad requests are s × e of everything served, and the old version's none.
    assert!(within_binomial(d.bad_requests, n, 0.2 * 0.3), "{d:?}");
    assert_eq!(d.bad_old, 0);
    assert_eq!(
        (d.completed_at_s, d.alert_at_s, d.rolled_back_at_s),
        (None, None, None)
    );
    // The users see exactly the new version's failures (no retries, nothing else fails).
    let users = &sim.summary.clients["users"];
    assert_eq!(users.failed, d.bad_requests);
}

#[test]
fn all_at_once_serves_every_request_from_the_new_version_after_the_switch() {
    let deploy = r#""at": "2s", "error_rate": 0.1"#;
    let sim = run(&scenario("30s", "5s", POISSON, deploy), 3);
    let d = deployment(&sim);
    let users = &sim.summary.clients["users"];
    assert_eq!(d.served_old, 0, "{d:?}");
    // Up to the attempts that straddle the ends of the measured window.
    assert!(d.served_new.abs_diff(users.requests) <= 10, "{d:?}");
    assert_eq!(d.completed_at_s, Some(2.0));
    assert!(within_binomial(d.bad_requests, d.served_new, 0.1), "{d:?}");
}

#[test]
fn rolling_batches_advance_on_schedule() {
    // Round robin over 10 replicas at a constant 500/s: batch k (2 replicas each, every 10 s
    // from 20 s) puts 2(k + 1)/10 of the attempts on the new version until the next.
    let deploy = r#""at": "20s", "strategy": "rolling", "batch": 2, "interval": "10s""#;
    let sim = run(&scenario("100s", "0s", CONSTANT, deploy), 1);
    let d = deployment(&sim);
    assert_eq!(d.completed_at_s, Some(60.0));
    let expected = 500.0 * 10.0 * (0.2 + 0.4 + 0.6 + 0.8) + 500.0 * 40.0;
    assert!(
        (d.served_new as f64 - expected).abs() <= 20.0,
        "{} new, {expected} expected",
        d.served_new
    );
    // Every arrival, but the last ones answered after the end.
    assert!((d.served_new + d.served_old).abs_diff(500 * 100) <= 2);
    // No regression: nothing is bad.
    assert_eq!((d.bad_requests, d.bad_old), (0, 0));
}

/// Every new-version answer fails; the alert needs half of its 60 s window bad
/// (B × (1 − target) = 5 × 0.1).
const ALERT: &str = r#""error_rate": 1.0,
    "alert": { "target": 0.9, "burn_rate": 5, "long_window": "60s", "short_window": "5s" }"#;

#[test]
fn the_alert_fires_no_sooner_than_its_long_window_allows_and_rollback_stops_the_bad_requests() {
    // Detection time W × B × (1 − target) / e = 60 s × 5 × 0.1 / 1 = 30 s after the start
    // (the window before it was clean: the deploy starts 70 s in). Evaluated every second,
    // the first evaluation at or past 30 s fires; at 29 s the window holds 29/60 bad.
    let deploy = format!(r#""at": "70s", {ALERT}, "rollback": {{ "duration": "0s" }}"#);
    let sim = run(&scenario("200s", "5s", CONSTANT, &deploy), 1);
    let d = deployment(&sim);
    let detect = d.time_to_detect_s.expect("the alert fires");
    assert!((30.0..=31.0).contains(&detect), "detected after {detect}s");
    assert_eq!(d.rolled_back_at_s, Some(70.0 + detect));
    // Every new-version answer is bad, and there are only those of the exposure: 500/s for
    // `detect` seconds (requests arriving just before the rollback may be answered after it).
    assert_eq!(d.bad_requests, d.served_new);
    let exposure = 500.0 * detect;
    assert!(
        (d.served_new as f64 - exposure).abs() <= 5.0,
        "{} bad, {exposure} expected",
        d.served_new
    );
    assert_eq!(d.bad_old, 0);

    // Without a rollback the same alert fires at the same time, and the bad requests go on
    // to the end of the run.
    let deploy = format!(r#""at": "70s", {ALERT}"#);
    let sim = run(&scenario("200s", "5s", CONSTANT, &deploy), 1);
    let never = deployment(&sim);
    assert_eq!(never.time_to_detect_s, Some(detect));
    assert_eq!(never.rolled_back_at_s, None);
    let exposure = 500.0 * 130.0;
    assert!(
        (never.bad_requests as f64 - exposure).abs() <= 5.0,
        "{never:?}"
    );
}

#[test]
fn a_canary_with_rollback_serves_bad_requests_only_at_its_share_until_the_rollback() {
    let deploy = r#""at": "60s", "strategy": "canary", "share": 0.1, "bake": "60s",
        "error_rate": 0.5, "alert": { "target": 0.999 }, "rollback": {}"#;
    let sim = run(&scenario("180s", "10s", POISSON, deploy), 2);
    let d = deployment(&sim);
    let detect = d.time_to_detect_s.expect("the alert fires during the bake");
    // Detection time 60 s × 14.4 × 0.001 / (0.1 × 0.5) = 17.3 s, give or take the noise of
    // a few hundred bad answers (5%) and the 1 s evaluation step.
    assert!((15.0..=20.0).contains(&detect), "detected after {detect}s");
    // A canary rolls back at once (no redeploy): the new version served only during the
    // detection time, at its share.
    assert_eq!(d.rolled_back_at_s, d.alert_at_s);
    assert_eq!(d.completed_at_s, None);
    let exposed = (1000.0 * detect) as u64;
    assert!(within_binomial(d.served_new, exposed, 0.1), "{d:?}");
    assert!(within_binomial(d.bad_requests, d.served_new, 0.5), "{d:?}");
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let deploy = r#""at": "20s", "strategy": "canary", "share": 0.2, "bake": "20s",
        "error_rate": 0.5, "latency_factor": 3, "latency_add": "1ms", "rollback": {}"#;
    let text = scenario("90s", "5s", POISSON, deploy);
    let (a, b, c) = (run(&text, 7), run(&text, 7), run(&text, 8));
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    assert_eq!(
        serde_json::to_string(&a.summary).unwrap(),
        serde_json::to_string(&b.summary).unwrap()
    );
    assert_ne!(a.summary.trace_hash, c.summary.trace_hash);
}

#[test]
fn the_new_version_is_slower_by_its_factor_plus_its_addition() {
    // Exponential work of mean 2 ms becomes 3 × it + 4 ms: mean 10 ms. Light load (1000/s
    // over 160 workers), so the sojourn is the work itself.
    let base = run(&scenario("30s", "5s", POISSON, r#""at": "2s""#), 4);
    let slow = run(
        &scenario(
            "30s",
            "5s",
            POISSON,
            r#""at": "2s", "latency_factor": 3, "latency_add": "4ms""#,
        ),
        4,
    );
    let mean = |s: &Simulated| s.summary.services["api"].sojourn_ms.mean.expect("answers");
    let (before, after) = (mean(&base), mean(&slow));
    assert!((before - 2.0).abs() < 0.1, "{before} ms");
    assert!((after - 10.0).abs() < 0.3, "{after} ms");
}

#[test]
fn bad_deploy_blocks_name_their_path_and_fix() {
    let cases = [
        (
            r#""at": "1s", "share": 0.1"#,
            "services[0] (api).deploy.share",
            "canary",
        ),
        (
            r#""at": "1s", "strategy": "canary""#,
            "services[0] (api).deploy",
            "exactly one of `share` and `replicas`",
        ),
        (
            r#""at": "1s", "strategy": "canary", "share": 1.5"#,
            "services[0] (api).deploy.share",
            "above 0 and below 1",
        ),
        (
            r#""at": "99s""#,
            "services[0] (api).deploy.at",
            "before the end",
        ),
        (
            r#""at": "1s", "alert": { "long_window": "2500ms" }"#,
            "services[0] (api).deploy.alert.long_window",
            "multiple of `every`",
        ),
        (
            r#""at": "1s", "strategy": "rolling", "batch": 11"#,
            "services[0] (api).deploy.batch",
            "at most 10",
        ),
    ];
    for (deploy, path, words) in cases {
        let text = scenario("30s", "0s", POISSON, deploy);
        let error = simulate(&text, "deploy-test", None, &[], 1)
            .err()
            .unwrap_or_else(|| panic!("{deploy} is refused"))
            .to_string();
        assert!(error.contains(path), "{deploy}: {error}");
        assert!(error.contains(words), "{deploy}: {error}");
    }
}

#[test]
fn a_deploy_inside_the_warm_up_is_warned_about_once_and_one_after_it_is_not() {
    let warnings = |at: &str| {
        let text = scenario("30s", "5s", POISSON, &format!(r#""at": "{at}""#));
        let parsed = scenarios::parse(&text, "deploy-test", &Default::default()).unwrap();
        parsed
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
    };
    let early = warnings("2s");
    assert_eq!(early.len(), 1, "{early:?}");
    assert!(
        early[0].contains("services[0] (api).deploy starts at 2s, inside the warm-up"),
        "{early:?}"
    );
    assert!(early[0].contains("--set warmup=2s"), "{early:?}");
    assert!(warnings("5s").is_empty());
}
