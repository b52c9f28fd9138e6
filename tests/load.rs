//! Issue #14's workloads against theory: closed-loop users against the interactive
//! response-time law and the asymptotic bounds, profiles against the integral of their rate,
//! traces against their own timestamps, sessions against their offered rate.
//!
//! Sources, each cited where it is used:
//! - Denning & Buzen, "The operational analysis of queueing network models", Computing
//!   Surveys 10(3), 1978: the interactive response-time law X = N / (R + Z) and the
//!   asymptotic bounds N / (N D + Z) ≤ X ≤ min(N / (D + Z), 1 / D_max).
//! - Lazowska, Zahorjan, Graham & Sevcik, "Quantitative System Performance", 1984, ch. 3
//!   (the laws) and ch. 6 (exact mean-value analysis, Reiser & Lavenberg 1980), whose
//!   recursion gives the exact throughput of a closed M/M/1 with a delay station of any
//!   think-time distribution (BCMP product form).
//! - Çinlar, "Introduction to Stochastic Processes", 1975: a non-homogeneous Poisson
//!   process has Poisson counts with mean ∫λ over each interval.
//!
//! Tolerances are stated in standard errors; runs are sized so they are a few percent.

use std::cell::RefCell;
use std::rc::Rc;

use models::{Event, RunResult, WorldConfig};
use scenarios::files::InMemory;
use scenarios::{Files, LoadOptions};
use serde_json::{json, Value};
use sim_core::SimTime;

/// The world of a scenario written as JSON, with `files` served from memory.
fn world(document: &Value, files: &[(&str, &str)]) -> WorldConfig {
    let text = serde_json::to_string(document).expect("JSON");
    let options = LoadOptions {
        files: Files::new(InMemory::new(files.iter().copied())),
        ..LoadOptions::default()
    };
    scenarios::parse(&text, "load.json", &options)
        .expect("a valid scenario")
        .world
}

fn run(config: &WorldConfig, seed: u64) -> RunResult {
    models::run(config, seed).expect("the run completes")
}

/// A closed M/M/1: `users` users thinking `think_ms` (exponential) in front of one server
/// whose service time is exponential with mean `service_ms`.
fn closed_mm1(users: u64, think_ms: f64, service_ms: f64, duration_s: u64) -> Value {
    json!({
        "name": "closed-mm1", "duration": format!("{duration_s}s"), "warmup": "20s",
        "clients": [{ "name": "users", "target": "server",
                      "arrival": { "kind": "closed", "users": users,
                                   "think": { "kind": "exponential", "mean": format!("{think_ms}ms") } } }],
        "services": [{ "name": "server", "queue": { "capacity": 1000000 },
                       "service_time": { "kind": "exponential", "mean": format!("{service_ms}ms") } }]
    })
}

/// Throughput (requests per second) and mean response time (seconds) of a run's only
/// client: X counts the requests issued in the measured window, R is their mean latency.
fn x_and_r(result: &RunResult) -> (f64, f64) {
    let c = &result.clients[0];
    assert_eq!(c.in_flight, 0, "the drain resolves every request");
    assert_eq!(c.failed, 0);
    let x = c.requests as f64 / result.measured.as_secs_f64();
    (x, c.latency.mean_nanos() / 1e9)
}

/// Exact MVA for one queueing station of demand `d` and a delay station `z` (seconds):
/// the throughput and response time with `n` users (Lazowska et al. §6.2).
fn mva(n: u64, d: f64, z: f64) -> (f64, f64) {
    let (mut x, mut r, mut q) = (0.0, 0.0, 0.0);
    for users in 1..=n {
        r = d * (1.0 + q);
        x = users as f64 / (r + z);
        q = x * r;
    }
    (x, r)
}

/// Mean and standard error of `values`.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, libm::sqrt(var / n))
}

/// The interactive response-time law, X = N / (R + Z), holds for every run, and X and R
/// match exact MVA within 4.5 standard errors over 8 seeds (Denning & Buzen 1978;
/// Lazowska et al. ch. 3 and 6). N = 10 users, Z = 100 ms, D = 10 ms: the server is busy
/// about 76% of the time (N* = (D + Z)/D = 11 users saturate it).
#[test]
fn the_interactive_response_time_law_holds_on_a_closed_mm1() {
    let (n, z, d) = (10u64, 0.1, 0.01);
    let config = world(&closed_mm1(n, 100.0, 10.0, 2_020), &[]);
    let (mut xs, mut rs) = (Vec::new(), Vec::new());
    for seed in 1..=8 {
        let (x, r) = x_and_r(&run(&config, seed));
        // The law holds for the run's own means up to the sampling error of the think
        // times' mean: about 75,000 draws of an exponential, a relative standard error of
        // 0.4%, so 2% is about five of them.
        let law = n as f64 / (r + z);
        assert!(
            (x - law).abs() / law < 0.02,
            "seed {seed}: X {x} against N/(R+Z) {law}"
        );
        xs.push(x);
        rs.push(r);
    }
    let (x_mva, r_mva) = mva(n, d, z);
    let (x, x_se) = mean_se(&xs);
    let (r, r_se) = mean_se(&rs);
    assert!(
        (x - x_mva).abs() < 4.5 * x_se,
        "X {x} ± {x_se} against MVA {x_mva}"
    );
    assert!(
        (r - r_mva).abs() < 4.5 * r_se,
        "R {r} ± {r_se} against MVA {r_mva}"
    );
}

/// The asymptotic bounds of Denning & Buzen (1978): N / (N D + Z) ≤ X ≤ min(N / (D + Z),
/// 1 / D). One user never queues, so X = 1 / (D + Z); far past N* = 11 users the server is
/// the bottleneck and X → 1 / D. Each run's X is compared with 3% of slack (its standard
/// error is under 1%).
#[test]
fn the_asymptotic_bounds_hold_at_low_and_high_n() {
    let (z, d) = (0.1, 0.01);
    for (n, seed) in [(1u64, 11), (2, 12), (5, 13), (11, 14), (20, 15), (50, 16)] {
        let config = world(&closed_mm1(n, 100.0, 10.0, 520), &[]);
        let (x, _) = x_and_r(&run(&config, seed));
        let n_f = n as f64;
        let upper = (n_f / (d + z)).min(1.0 / d);
        let lower = n_f / (n_f * d + z);
        assert!(x <= upper * 1.03, "N = {n}: X {x} above the bound {upper}");
        assert!(x >= lower * 0.97, "N = {n}: X {x} below the bound {lower}");
        match n {
            1 => assert!((x - 1.0 / (d + z)).abs() < 0.03 / (d + z), "N = 1: X {x}"),
            50 => assert!(x > 0.97 / d, "N = 50: X {x} should be near 1/D"),
            _ => {}
        }
    }
}

/// After the configured end a closed-loop user stops: no request is issued after it, and
/// the drain resolves every request issued before it.
#[test]
fn closed_users_stop_when_arrivals_end() {
    let config = world(&closed_mm1(20, 50.0, 10.0, 60), &[]);
    let end = SimTime::ZERO.add(config.duration);
    let last = Rc::new(RefCell::new(SimTime::ZERO));
    let seen = Rc::clone(&last);
    let observer = Box::new(move |at: SimTime, event: &Event| {
        if let Event::Wake { .. } = event {
            *seen.borrow_mut() = at;
        }
    });
    let result = models::run_observed(&config, 3, Some(observer)).unwrap();
    assert!(*last.borrow() <= end);
    assert!(*last.borrow() > SimTime::ZERO);
    assert_eq!(result.clients[0].in_flight, 0);
    assert!(
        result.stats.end > end,
        "the run drained the requests open at the end"
    );
}

/// A piecewise-linear rate table gives, over each 10 s interval, a Poisson count whose mean
/// is the integral of the rate there (Çinlar 1975): every interval is within 4.5 standard
/// deviations (sqrt of its mean), and the 30 intervals together have a chi-square statistic
/// below its 99.99th percentile for 30 degrees of freedom (70.7).
#[test]
fn a_piecewise_linear_profile_yields_the_integral_of_its_rate() {
    let rates = json!([
        ["0s", 100],
        ["60s", 400],
        ["120s", 400],
        ["180s", 50],
        ["240s", 50],
        ["240s", 300]
    ]);
    let document = json!({
        "name": "profile", "duration": "300s",
        "clients": [{ "name": "web", "target": "api", "count": 4,
                      "arrival": { "kind": "poisson",
                                   "profile": { "kind": "table", "rates": rates } } }],
        "services": [{ "name": "api", "workers": 64,
                       "service_time": { "kind": "constant", "value": "1ms" } }]
    });
    let config = world(&document, &[]);
    let models::Load::Open {
        rate: models::Rate::Profile(profile),
        ..
    } = &config.clients[0].arrival
    else {
        panic!("a profile")
    };
    let result = run(&config, 5);
    let offered = &result.clients[0].series.offered_per_s;
    let mut chi_square = 0.0;
    for interval in 0..30u64 {
        let seconds = (interval * 10) as usize..(interval * 10 + 10) as usize;
        let count: f64 = offered[seconds].iter().sum();
        let (a, b) = (
            sim_core::SimDuration::from_secs(interval * 10),
            sim_core::SimDuration::from_secs(interval * 10 + 10),
        );
        // Four members, each with the profile's rate.
        let expected = 4.0 * (profile.integral(b) - profile.integral(a));
        assert!(
            (count - expected).abs() < 4.5 * libm::sqrt(expected),
            "{interval}: {count} arrivals against {expected}"
        );
        chi_square += (count - expected).powi(2) / expected;
    }
    assert!(
        chi_square < 70.7,
        "chi-square {chi_square} over 30 intervals"
    );
}

/// A trace-driven client arrives exactly at the trace's timestamps (to the nanosecond),
/// divided by `speed`, again every `loop`.
#[test]
fn a_trace_driven_client_reproduces_the_trace_exactly() {
    let trace = "time_s\n0.000000001\n0.123456789\n0.5\n0.5\n1.999999999\n";
    let document = json!({
        "name": "trace", "duration": "10s",
        "clients": [{ "name": "log", "target": "api",
                      "arrival": { "kind": "trace", "file": "log.csv", "loop": "2s" } }],
        "services": [{ "name": "api", "workers": 8,
                       "service_time": { "kind": "constant", "value": "1ms" } }]
    });
    let times: Vec<u64> = vec![1, 123_456_789, 500_000_000, 500_000_000, 1_999_999_999];
    for (speed, expected_loops) in [(1.0, 5u64), (4.0, 20)] {
        let mut document = document.clone();
        document["clients"][0]["arrival"]["speed"] = json!(speed);
        let config = world(&document, &[("log.csv", trace)]);
        let log = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&log);
        let observer = Box::new(move |at: SimTime, event: &Event| {
            if let Event::Arrival { .. } = event {
                sink.borrow_mut().push(at.as_nanos());
            }
        });
        let result = models::run_observed(&config, 1, Some(observer)).unwrap();
        let expected: Vec<u64> = (0..expected_loops)
            .flat_map(|k| {
                times
                    .iter()
                    .map(move |t| (k * 2_000_000_000 + t) as f64 / speed)
            })
            .map(|t| t.round() as u64)
            .collect();
        assert_eq!(*log.borrow(), expected, "speed {speed}");
        assert_eq!(result.clients[0].requests, expected.len() as u64);
    }
}

/// Partly open sessions: users arrive at λ per second and each sends K requests, so requests
/// are offered at λ K per second once sessions overlap in steady state (Schroeder, Wierman &
/// Harchol-Balter, NSDI 2006). The count of new users is Poisson, so the request count has
/// a standard deviation of K sqrt(λ T); 4.5 of them plus the sessions cut by the window's
/// ends is the tolerance.
#[test]
fn sessions_offer_their_rate_times_their_length() {
    let (lambda, k) = (20.0, 5.0);
    let document = json!({
        "name": "sessions", "duration": "1000s", "warmup": "10s",
        "clients": [{ "name": "shoppers", "target": "api",
                      "arrival": { "kind": "sessions", "rate_per_s": lambda, "requests": 5,
                                   "think": { "kind": "exponential", "mean": "500ms" } } }],
        "services": [{ "name": "api", "workers": 16,
                       "service_time": { "kind": "exponential", "mean": "5ms" } }]
    });
    let result = run(&world(&document, &[]), 2);
    let c = &result.clients[0];
    let t = result.measured.as_secs_f64();
    let expected = lambda * k * t;
    let sd = k * libm::sqrt(lambda * t);
    let edge = lambda * k * 2.5; // Sessions last about 2.5 s: some start before the window.
    assert!(
        (c.requests as f64 - expected).abs() < 4.5 * sd + edge,
        "{} requests against {expected} ± {sd}",
        c.requests
    );
    assert_eq!(c.in_flight, 0);
}

/// A group of 10,000 open-loop clients offers 10,000 times one client's rate, keeps one set
/// of figures (one offered series, not one per member) and reports members only on request.
#[test]
fn a_group_of_ten_thousand_is_one_client_in_the_report() {
    let document = json!({
        "name": "group", "duration": "20s",
        "clients": [{ "name": "web", "target": "api", "count": 10000,
                      "arrival": { "kind": "poisson", "rate_per_s": 1 } }],
        "services": [{ "name": "api", "workers": 64,
                       "service_time": { "kind": "exponential", "mean": "1ms" } }]
    });
    let config = world(&document, &[]);
    let result = run(&config, 4);
    let c = &result.clients[0];
    assert_eq!(c.count, 10_000);
    assert!(c.members.is_empty());
    assert_eq!(c.series.offered_per_s.len(), 20);
    // 200,000 expected, Poisson: a standard deviation of 447.
    assert!(
        (c.requests as f64 - 200_000.0).abs() < 4.5 * 447.3,
        "{}",
        c.requests
    );
    let mut members = document.clone();
    members["clients"][0]["report_members"] = json!(true);
    let result = run(&world(&members, &[]), 4);
    let c = &result.clients[0];
    assert_eq!(c.members.len(), 10_000);
    assert_eq!(c.members[9_999].name, "web[9999]");
    assert_eq!(
        c.members.iter().map(|m| m.requests).sum::<u64>(),
        c.requests
    );
    assert_eq!(
        c.requests,
        run(&config, 4).clients[0].requests,
        "the same arrivals"
    );
}

/// A Poisson group runs as one source of the summed rate, and a counted group gives each
/// arrival to a member drawn uniformly; by the colouring theorem (Kingman, "Poisson
/// Processes", 1993, §5.1) each member then sends a Poisson process of its own rate. So
/// each of 200 members at 5/s over 100 s sends Poisson(500) requests: their mean is 500
/// (standard error 500 / √(200 × 500) ≈ 1.58, checked within 4.5 of them) and their
/// variance over the members is about their mean (index of dispersion 1; its standard error
/// with 200 members is √(2/199) ≈ 0.1, checked within 4.5 of them). Assigning members in
/// turn would give a dispersion near 0.
#[test]
fn a_counted_group_s_members_each_send_a_poisson_stream() {
    let document = json!({
        "name": "group", "duration": "100s",
        "clients": [{ "name": "web", "target": "api", "count": 200, "report_members": true,
                      "arrival": { "kind": "poisson", "rate_per_s": 5 } }],
        "services": [{ "name": "api", "workers": 64,
                       "service_time": { "kind": "exponential", "mean": "1ms" } }]
    });
    let result = run(&world(&document, &[]), 12);
    let counts: Vec<f64> = result.clients[0]
        .members
        .iter()
        .map(|m| m.requests as f64)
        .collect();
    assert_eq!(counts.len(), 200);
    let mean = counts.iter().sum::<f64>() / 200.0;
    let variance = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 199.0;
    assert!((mean - 500.0).abs() < 4.5 * 1.58, "mean {mean}");
    let dispersion = variance / mean;
    assert!(
        (dispersion - 1.0).abs() < 4.5 * 0.1,
        "dispersion {dispersion}"
    );
}

/// A request class's own service time applies where its requests go: a 10% class costing
/// 20 ms at the database (the rest 1 ms) gives the database a mean service time of
/// 0.9 × 1 + 0.1 × 20 = 2.9 ms, and each class's latency its own.
#[test]
fn a_class_costs_its_own_service_time() {
    let document = json!({
        "name": "classes", "duration": "400s",
        "clients": [{ "name": "web", "target": "db",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 },
                      "classes": [{ "name": "read", "weight": 0.9 },
                                  { "name": "write", "weight": 0.1,
                                    "service_time": { "db": { "kind": "constant", "value": "20ms" } } }] }],
        "services": [{ "name": "db", "workers": 64,
                       "service_time": { "kind": "constant", "value": "1ms" } }]
    });
    let result = run(&world(&document, &[]), 6);
    let c = &result.clients[0];
    let (read, write) = (&c.classes[0], &c.classes[1]);
    assert_eq!(read.requests + write.requests, c.requests);
    // 40,000 requests, 10% writes: a binomial standard deviation of 60.
    assert!(
        (write.requests as f64 - 4_000.0).abs() < 4.5 * 60.0,
        "{}",
        write.requests
    );
    assert_eq!(read.latency.mean_nanos(), 1e6);
    assert_eq!(write.latency.mean_nanos(), 20e6);
    // The share of writes has a standard error of 0.15%, 0.03 ms of the mean.
    let mean_ms = result.services[0].sojourn.mean_nanos() / 1e6;
    assert!((mean_ms - 2.9).abs() < 4.5 * 0.0285, "{mean_ms}");
}
