//! The engine's numbers against queueing theory, where theory has a closed form.
//!
//! Every test names its formula and source. Runs are sized from the variance, not by widening
//! the tolerance: for M/M/1 the asymptotic variance of the time-averaged number in system is
//! 2ρ(1+ρ)/(1−ρ)⁴ per unit of service time (Whitt, "Planning queueing simulations",
//! Management Science 35(11), 1989), which at ρ = 0.8 is 1,800. Over T = 1.8 million mean
//! service times the relative standard error of the mean is sqrt(1800/T)/L = 0.8% (L = 4), so
//! the 3% tolerance sits at about four standard errors. Every test uses that length; the
//! M/M/c and M/D/1 systems relax faster than M/M/1 at the same ρ, so they are safer still.

use models::{
    Arrival, Balancer, ClientConfig, Guards, NetworkConfig, RetryPolicy, RunResult, ServiceConfig,
    ServiceId, WorldConfig,
};
use sim_core::{Distribution, Limits, SimDuration};

/// One service time is 1 ms, so 1,800 s is 1.8 million mean service times.
const SERVICE_MS: u64 = 1;
const DURATION_S: u64 = 1_800;
const WARMUP_S: u64 = 20;

/// λ requests per second, Poisson, into `workers` workers with `service_time`; no timeouts,
/// no network latency, a queue that never fills.
fn queue(rate_per_s: f64, workers: u32, service_time: Distribution, seed: u64) -> RunResult {
    let config = WorldConfig {
        duration: SimDuration::from_secs(DURATION_S),
        warmup: SimDuration::from_secs(WARMUP_S),
        clients: vec![ClientConfig {
            name: "source".into(),
            target: ServiceId(0),
            arrival: Arrival::Poisson { rate_per_s }.into(),
            count: 1,
            classes: Vec::new(),
            report_members: false,
            timeout: None,
            retry: RetryPolicy::NONE,
            guards: Guards::NONE,
            deadline: None,
            latency_marks: vec![],
            cache: None,
            priority: models::Priority::Critical,
        }],
        services: vec![ServiceConfig {
            name: "server".into(),
            replicas: 1,
            workers,
            queue_capacity: 10_000_000,
            balancer: Balancer::RoundRobin,
            policies: models::ServicePolicies::NONE,
            service_time,
            calls: vec![],
            classes: models::ServiceClasses::NONE,
        }],
        network: NetworkConfig::with_latency(Distribution::Constant(SimDuration::ZERO)),
        limits: Limits {
            pending_events_max: 10_000_000,
            events_max: 1_000_000_000,
            memory_max: u64::MAX,
        },
        faults: vec![],
        clocks: vec![],
        random_faults: None,
        election: None,
        database: None,
        queues: Vec::new(),
        quorum: None,
        deployments: Vec::new(),
        workflows: Vec::new(),
    };
    models::run(&config, seed).expect("theory runs stay within their limits")
}

fn exponential_service() -> Distribution {
    Distribution::Exponential {
        mean: SimDuration::from_millis(SERVICE_MS),
    }
}

fn assert_close(what: &str, measured: f64, expected: f64, tolerance: f64) {
    let error = (measured - expected).abs() / expected;
    // Printed so that `cargo test -- --nocapture` shows how close each check landed.
    eprintln!(
        "{what}: measured {measured:.5}, theory {expected:.5}, error {:+.2}%",
        (measured - expected) / expected * 100.0
    );
    assert!(
        error <= tolerance,
        "{what}: measured {measured:.5}, theory {expected:.5}, relative error {:.2}% > {:.1}%",
        error * 100.0,
        tolerance * 100.0
    );
}

fn mean_ms(h: &sim_core::Histogram) -> f64 {
    h.mean_nanos() / 1e6
}

/// Erlang's C formula: the probability that an arrival to M/M/c waits, with offered load
/// a = λ/μ (Kleinrock, Queueing Systems Vol. 1, 1975, eq. 3.40).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let last = term * a / f64::from(c); // a^c / c!
    let rho = a / f64::from(c);
    let waiting = last / (1.0 - rho);
    waiting / (sum + waiting)
}

#[test]
fn mm1_mean_wait_and_sojourn() {
    // M/M/1 (Kleinrock 1975, §3.2): W_q = ρ/(μ−λ), W = 1/(μ−λ). λ = 800/s, μ = 1000/s.
    let (lambda, mu) = (800.0, 1000.0);
    let rho = lambda / mu;
    let result = queue(lambda, 1, exponential_service(), 1);
    let server = &result.services[0];
    assert_close(
        "M/M/1 W_q (ms)",
        mean_ms(&server.wait),
        rho / (mu - lambda) * 1e3,
        0.03,
    );
    assert_close(
        "M/M/1 W (ms)",
        mean_ms(&server.sojourn),
        1.0 / (mu - lambda) * 1e3,
        0.03,
    );
    assert_close("M/M/1 utilization", server.busy_mean, rho, 0.01);
}

#[test]
fn mm1_holds_across_seeds() {
    // The same M/M/1 check at a lighter load on other seeds, so one lucky seed can't pass it.
    let (lambda, mu) = (500.0, 1000.0);
    for seed in [2, 3] {
        let result = queue(lambda, 1, exponential_service(), seed);
        let server = &result.services[0];
        assert_close(
            "M/M/1 W_q (ms), ρ=0.5",
            mean_ms(&server.wait),
            0.5 / (mu - lambda) * 1e3,
            0.03,
        );
    }
}

#[test]
fn littles_law_in_queue_and_in_system() {
    // Little's law (Little, Operations Research 9(3), 1961): L = λW, and L_q = λW_q, with λ
    // the measured throughput. It is a sample-path identity, so it holds far inside 3%.
    let result = queue(800.0, 1, exponential_service(), 4);
    let server = &result.services[0];
    let throughput = server.completed as f64 / result.measured.as_secs_f64();
    let w_q = server.wait.mean_nanos() / 1e9;
    let w = server.sojourn.mean_nanos() / 1e9;
    assert_close(
        "Little L_q = λW_q",
        server.queue_len_mean,
        throughput * w_q,
        0.01,
    );
    assert_close("Little L = λW", server.in_system_mean, throughput * w, 0.01);
    // The client's per-second in-flight series obeys it too, end to end: its mean over the
    // measured seconds is the client's throughput times its mean latency.
    let client = &result.clients[0];
    let warmup_s = (result.stats.end.as_secs_f64() - result.measured.as_secs_f64()) as usize;
    let measured = &client.series.in_flight[warmup_s..];
    let l = measured.iter().sum::<f64>() / measured.len() as f64;
    let rate = client.succeeded as f64 / result.measured.as_secs_f64();
    let latency = client.latency.mean_nanos() / 1e9;
    assert_close("Little L = λW (client in flight)", l, rate * latency, 0.01);
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    // M/M/c with c = 4, ρ = 0.8 (Kleinrock 1975, eq. 3.40 and 3.43):
    // W_q = C(c, a) / (cμ − λ), a = λ/μ.
    let (lambda, mu, c) = (3_200.0, 1_000.0, 4);
    let a: f64 = lambda / mu;
    let expected_wait_s = erlang_c(c, a) / (f64::from(c) * mu - lambda);
    let result = queue(lambda, c, exponential_service(), 5);
    let server = &result.services[0];
    assert_close(
        "M/M/4 W_q (ms)",
        mean_ms(&server.wait),
        expected_wait_s * 1e3,
        0.03,
    );
    // The fraction of arrivals that waited at all is C(c, a) itself (zero waits are exact).
    let waited =
        1.0 - server.wait.count_at_or_below(SimDuration::ZERO) as f64 / server.wait.count() as f64;
    assert_close("M/M/4 P(wait)", waited, erlang_c(c, a), 0.03);
}

#[test]
fn erlang_c_formula_is_right() {
    // Sanity of the test's own formula: M/M/1 has C(1, ρ) = ρ; a textbook value for c = 2.
    assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
    // c = 2, a = 1: C = (1/2 · 1/(1−0.5)) / (1 + 1 + 1) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    // M/D/1 via the Pollaczek–Khinchine formula (Kleinrock 1975, eq. 5.73):
    // W_q = λE[S²] / (2(1−ρ)); with S = D constant, E[S²] = D², so W_q = ρD / (2(1−ρ)).
    let (lambda, d_s) = (800.0, 0.001);
    let rho = lambda * d_s;
    let constant = Distribution::Constant(SimDuration::from_millis(SERVICE_MS));
    let result = queue(lambda, 1, constant, 6);
    let server = &result.services[0];
    assert_close(
        "M/D/1 W_q (ms)",
        mean_ms(&server.wait),
        rho * d_s / (2.0 * (1.0 - rho)) * 1e3,
        0.03,
    );
}

#[test]
fn mg1_lognormal_mean_wait_matches_pollaczek_khinchine() {
    // M/G/1 with lognormal service times (mean 1 ms, sd 1.5 ms), ρ = 0.6, again
    // W_q = λE[S²] / (2(1−ρ)) with E[S²] = sd² + mean². The heavier tail needs a lower ρ for
    // the same run length to reach the same precision.
    let service = Distribution::lognormal_mean_sd(
        SimDuration::from_millis(1),
        SimDuration::from_micros(1_500),
    )
    .expect("valid lognormal");
    let lambda = 600.0;
    let second_moment_s2 = service.second_moment_nanos() / 1e18;
    let rho = lambda * service.mean_nanos() / 1e9;
    let expected_ms = lambda * second_moment_s2 / (2.0 * (1.0 - rho)) * 1e3;
    // One run's mean wait scatters by about 1.2% (sd over 12 seeds of 1,800 s): the heavy tail
    // makes a single seed's luck visible. The mean of four seeds scatters by about 0.6%, so a
    // 3% tolerance is five standard deviations.
    let seeds = [1, 2, 3, 4];
    let mean_wait = seeds
        .iter()
        .map(|&seed| mean_ms(&queue(lambda, 1, service.clone(), seed).services[0].wait))
        .sum::<f64>()
        / seeds.len() as f64;
    assert_close("M/G/1 lognormal W_q (ms)", mean_wait, expected_ms, 0.03);
}

/// How much longer than the tests above a measured distribution's M/G/1 runs (see the
/// quantile table's test for why).
const MEASURED_LENGTH_FACTOR: u64 = 4;

/// A scenario's text for M/G/1: Poisson arrivals at `rate_per_s` into one worker whose
/// service time is the distribution block `service_time`, run `MEASURED_LENGTH_FACTOR` times
/// as long as the tests above.
fn mg1_scenario(rate_per_s: f64, service_time: &str) -> String {
    let duration_s = DURATION_S * MEASURED_LENGTH_FACTOR;
    format!(
        r#"{{"name": "mg1", "duration": "{duration_s}s", "warmup": "{WARMUP_S}s",
            "clients": [{{"name": "source", "target": "server",
                          "arrival": {{"kind": "poisson", "rate_per_s": {rate_per_s}}}}}],
            "services": [{{"name": "server", "queue": {{"capacity": 10000000}},
                           "service_time": {service_time}}}]}}"#
    )
}

/// Parses `text` through `scenarios`, reading `files` from memory.
fn parse_scenario(text: &str, files: &[(&str, String)]) -> scenarios::Scenario {
    let options = scenarios::LoadOptions {
        files: scenarios::Files::new(scenarios::files::InMemory::new(
            files.iter().map(|(name, text)| (*name, text.as_bytes())),
        )),
        ..Default::default()
    };
    scenarios::parse(text, "mg1.json", &options).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses and runs `text` with `seed`; returns the run and the service time it was built with.
fn run_scenario(text: &str, files: &[(&str, String)], seed: u64) -> (RunResult, Distribution) {
    let scenario = parse_scenario(text, files);
    let service = scenario.world.services[0].service_time.clone();
    let result = models::run(&scenario.world, seed).expect("theory runs stay within their limits");
    (result, service)
}

/// Pollaczek–Khinchine's mean wait in ms for Poisson arrivals at `lambda` per second.
fn pollaczek_khinchine_ms(lambda: f64, service: &Distribution) -> f64 {
    let rho = lambda * service.mean_nanos() / 1e9;
    lambda * (service.second_moment_nanos() / 1e18) / (2.0 * (1.0 - rho)) * 1e3
}

#[test]
fn mg1_quantile_table_mean_wait_matches_pollaczek_khinchine() {
    // See: #14. M/G/1 whose service time is a measured quantile table, at ρ = 0.6:
    // W_q = λE[S²] / (2(1−ρ)) (Kleinrock 1975, §5.6, eq. 5.73) with the table's own exact
    // moments (E[S] = 1.079 ms, E[S²] = 2.62 ms², c² = 1.25). Sizing: Whitt's (1989)
    // heavy-traffic (reflected Brownian motion) approximation puts the relative standard
    // error of a time average over T at √(2λE[S²] / ((1−ρ)² T)), 0.3% for 1,800 s here, but
    // it runs low at moderate load and for tails heavier than exponential: eight seeds of
    // 1,800 s scattered by 1.1% (standard deviation), too close to 3%. Four times longer
    // (7,200 s, four million requests) eight seeds scattered by 0.4% (0.14% for the CSV
    // below), so the 3% tolerance sits beyond seven standard deviations.
    let table = r#"{"kind": "quantiles", "min": "250us", "p50": "750us", "p90": "1800us",
                    "p99": "5ms", "p999": "12ms", "max": "25ms"}"#;
    let lambda = 556.0;
    let (result, service) = run_scenario(&mg1_scenario(lambda, table), &[], 8);
    let server = &result.services[0];
    assert_close(
        "M/G/1 quantile table W_q (ms)",
        mean_ms(&server.wait),
        pollaczek_khinchine_ms(lambda, &service),
        0.03,
    );
    assert_close(
        "M/G/1 quantile table utilization",
        server.busy_mean,
        lambda * service.mean_nanos() / 1e9,
        0.01,
    );
}

#[test]
fn mg1_empirical_csv_mean_wait_matches_pollaczek_khinchine() {
    // See: #14. M/G/1 whose service time is an empirical CSV of 10,000 latencies (drawn once
    // from a Weibull of shape 0.8 and mean 1 ms, written in microseconds), resampled; P–K
    // with the moments of those 10,000 values themselves, at ρ = 0.6; the run is sized as
    // the quantile table's (c² ≈ 1.6 here).
    let weibull = sim_core::distribution::Weibull::with_mean(0.8, SimDuration::from_millis(1))
        .expect("valid Weibull");
    let mut stream = sim_core::Stream::new(15, "measured");
    let mut csv = String::from("# 10,000 measured service times\nlatency_us\n");
    for _ in 0..10_000 {
        let value = weibull.sample(&mut stream).as_nanos() as f64 / 1e3;
        csv.push_str(&format!("{value:.3}\n"));
    }
    let block = r#"{"kind": "empirical", "file": "server-latency.csv"}"#;
    let files = [("server-latency.csv", csv)];
    let measured = parse_scenario(&mg1_scenario(1.0, block), &files);
    let lambda = 0.6 / (measured.world.services[0].service_time.mean_nanos() / 1e9);
    let (result, service) = run_scenario(&mg1_scenario(lambda, block), &files, 9);
    let server = &result.services[0];
    assert_close(
        "M/G/1 empirical CSV W_q (ms)",
        mean_ms(&server.wait),
        pollaczek_khinchine_ms(lambda, &service),
        0.03,
    );
    assert_close(
        "M/G/1 empirical CSV utilization",
        server.busy_mean,
        0.6,
        0.01,
    );
}

#[test]
fn mg1_measured_catalog_scenario_matches_pollaczek_khinchine_over_seeds() {
    // See: #14. The `mg1-measured` lesson's claim: its heavy-tailed table (the top 1% of
    // requests carry 89.6% of E[S²]) at ρ = 0.7 waits W_q = 100.4 ms on average. One hour
    // of one seed scatters by about 3.3%, so the test averages 20 seeds and asks the mean
    // to sit within four of its own standard errors (Student t, 19 degrees of freedom:
    // two-sided 0.08%) and within 3% of the theory.
    let entry = scenarios::catalog::find("mg1-measured").expect("in the catalog");
    let scenario = entry.load(&Default::default()).expect("valid");
    let service = &scenario.world.services[0].service_time;
    let lambda = match scenario.world.clients[0].arrival {
        models::Load::Open {
            spacing: models::Spacing::Poisson,
            rate: models::Rate::Fixed(rate_per_s),
        } => rate_per_s,
        _ => unreachable!("the catalog scenario is Poisson at a fixed rate"),
    };
    let expected = pollaczek_khinchine_ms(lambda, service);
    let waits: Vec<f64> = (1..=20)
        .map(|seed| {
            let result = models::run(&scenario.world, seed).expect("within limits");
            mean_ms(&result.services[0].wait)
        })
        .collect();
    let n = waits.len() as f64;
    let mean = waits.iter().sum::<f64>() / n;
    let sd = libm::sqrt(waits.iter().map(|w| (w - mean) * (w - mean)).sum::<f64>() / (n - 1.0));
    let standard_error = sd / libm::sqrt(n);
    eprintln!(
        "mg1-measured over 20 seeds: W_q {mean:.3} ms ± {standard_error:.3} (sd {:.2}%), theory {expected:.3}",
        sd / mean * 100.0
    );
    assert!(
        (mean - expected).abs() <= 4.0 * standard_error,
        "{mean} vs {expected}: more than four standard errors ({standard_error}) apart"
    );
    assert_close("mg1-measured W_q over 20 seeds (ms)", mean, expected, 0.03);
}
