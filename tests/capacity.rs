//! `faultline capacity` against queueing theory (issue #16): the highest rate at which an SLO
//! on the sojourn time holds, found by the search, within 5% of the rate theory predicts.
//!
//! - M/M/1 (Kleinrock, Queueing Systems Vol. 1, 1975, §3.2): the sojourn time is exponential
//!   with rate μ − λ, so P(T ≤ t) = 1 − e^{−(μ−λ)t}, and "99% within t" holds up to
//!   λ* = μ − ln(100)/t.
//! - M/M/c (Kleinrock 1975, §3.5, eq. 3.40; Gross & Harris, Fundamentals of Queueing Theory,
//!   §2.3): an arrival waits with probability C(c, a) (Erlang C, a = λ/μ), and then for an
//!   exponential time of rate θ = cμ − λ: P(W > t) = C(c, a)·e^{−θt}. The sojourn adds an
//!   independent exponential service time of rate μ, so P(T > t) = e^{−μt}(1 − C + Cθ/(θ−μ))
//!   − Cμe^{−θt}/(θ−μ) (θ ≠ μ); λ* solves P(T > t) = 1% (by bisection here).
//!
//! Runs are long (every request after the warm-up counts, one denominator), and the interval
//! is over seeds, each seed's crossing found by bisection on its own sample path.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};
use serde_json::Value;

/// `faultline capacity SCENARIO --client arrivals` with `SLO` on seeds 1..5; capacity.json.
fn capacity(scenario: &str, slo: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let set = format!("slo=[{slo}]");
    let output = faultline(&[
        "capacity",
        scenario,
        "--client",
        "arrivals",
        "--seeds",
        "1..5",
        "--set",
        &set,
        "--set",
        "duration=300s",
        "--quiet",
        "--format",
        "json",
        "--out",
        &out,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let printed: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("capacity.json")).unwrap())
            .unwrap();
    assert_eq!(printed, written, "--format json prints capacity.json");
    written
}

/// Asserts the capacity's mean is within 5% of `expected` and its interval is honest.
fn assert_near(found: &Value, expected: f64) {
    let variant = &found["variants"][0];
    let estimate = &variant["estimate"];
    let mean = estimate["mean"].as_f64().unwrap();
    let half = estimate["half_width"].as_f64().unwrap();
    assert!(
        (mean - expected).abs() <= 0.05 * expected,
        "capacity {mean} ± {half} req/s, theory {expected:.1}: {found}"
    );
    assert_eq!(estimate["n"], 5, "every seed found a crossing");
    assert!(half < 0.05 * expected, "a tight interval: ± {half}");
    assert!(
        variant["runs"].as_u64().unwrap() >= 5 * 8,
        "it says how many runs it used"
    );
}

#[test]
fn mm1_capacity_matches_the_exponential_sojourn() {
    // μ = 1000/s (mean service 1 ms); 99% within 20 ms.
    let expected = 1000.0 - libm::log(100.0) / 0.020;
    let found = capacity(
        "mm1",
        r#"{"client":"arrivals","latency_below":"20ms","target":0.99}"#,
    );
    assert_near(&found, expected);
}

/// Erlang's C formula: the probability that an arrival to M/M/c waits (a = λ/μ).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c) * f64::from(c) / (f64::from(c) - a);
    last / (sum + last)
}

/// P(T > t) for the sojourn of M/M/c at rate λ (see the module doc).
fn mmc_sojourn_tail(c: u32, mu: f64, lambda: f64, t: f64) -> f64 {
    let wait = erlang_c(c, lambda / mu);
    let theta = f64::from(c) * mu - lambda;
    libm::exp(-mu * t) * (1.0 - wait + wait * theta / (theta - mu))
        - wait * mu * libm::exp(-theta * t) / (theta - mu)
}

#[test]
fn mmc_capacity_matches_erlang_c() {
    // c = 4, μ = 250/s each (mean service 4 ms); 99% within 20 ms.
    let (c, mu, t) = (4, 250.0, 0.020);
    let (mut low, mut high) = (1.0, f64::from(c) * mu - 1.0);
    for _ in 0..100 {
        let middle = (low + high) / 2.0;
        if mmc_sojourn_tail(c, mu, middle, t) <= 0.01 {
            low = middle;
        } else {
            high = middle;
        }
    }
    assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
    let found = capacity(
        "mmc",
        r#"{"client":"arrivals","latency_below":"20ms","target":0.99}"#,
    );
    assert_near(&found, low);
}
