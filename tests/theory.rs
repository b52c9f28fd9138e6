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
            arrival: Arrival::Poisson { rate_per_s },
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
        },
        faults: vec![],
        clocks: vec![],
        random_faults: None,
        election: None,
        database: None,
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
    let result = queue(lambda, 1, service, 7);
    assert_close(
        "M/G/1 lognormal W_q (ms)",
        mean_ms(&result.services[0].wait),
        expected_ms,
        0.03,
    );
}
