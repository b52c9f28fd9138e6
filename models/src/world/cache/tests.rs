//! The caches in a running world: exact stampede and serve-stale counts, and the TTL-cache
//! hit ratio of Jung, Berger and Balakrishnan against a long run.
use super::super::*;
use crate::cache::Zipf;
use crate::config::{Arrival, CacheConfig, ClientConfig, ServiceConfig, Target};
use sim_core::{Distribution, Probability};

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn cache(keys: u32, ttl: SimDuration) -> CacheConfig {
    CacheConfig {
        keys,
        zipf: 1.0,
        ttl,
        single_flight: false,
        serve_stale: false,
        capacity: None,
    }
}

/// One client with `cache` → one service `db` of 1000 workers taking `service_time` each.
fn world(
    arrival: Arrival,
    cache: CacheConfig,
    service_time: SimDuration,
    duration: SimDuration,
) -> WorldConfig {
    let client = ClientConfig {
        cache: Some(cache),
        ..ClientConfig::plain("app", ServiceId(0), arrival)
    };
    let db = ServiceConfig::plain("db", 1, 1000, 100_000, Distribution::Constant(service_time));
    WorldConfig::plain(duration, SimDuration::ZERO, vec![client], vec![db])
}

/// The stampede on a cold hot key: requests every 10 ms and a 95 ms fetch, so the misses at
/// 10, 20, ..., 100 ms all find the key missing. Without single flight each of the 10 goes to
/// the database; with it exactly one does and the other 9 wait for its answer.
#[test]
fn concurrent_misses_fetch_once_with_single_flight_and_each_without() {
    for (single_flight, fetches) in [(false, 10), (true, 1)] {
        let config = world(
            Arrival::Constant { rate_per_s: 100.0 },
            CacheConfig {
                single_flight,
                ..cache(1, SimDuration::from_secs(10))
            },
            ms(95),
            ms(495),
        );
        let result = run(&config, 1).unwrap();
        let c = &result.clients[0];
        let counts = c.cache.expect("the client caches");
        assert_eq!(counts.misses, 10);
        assert_eq!(counts.fetches, fetches);
        assert_eq!(counts.coalesced, 10 - fetches);
        assert_eq!(counts.hits + counts.misses, c.requests);
        assert_eq!(result.services[0].arrivals, fetches);
        assert_eq!(c.attempts, fetches);
        assert_eq!((c.succeeded, c.failed), (c.requests, 0));
    }
}

/// Serve-stale during an outage: the database fails every request from 1 s to 2 s. Each
/// fetch in the outage (the entry expired, nothing refreshes it) fails; with `serve_stale`
/// each is answered with the expired entry instead, so exactly the requests that failed
/// without it are served stale, and none fails.
#[test]
fn serve_stale_turns_each_failure_of_an_outage_into_a_stale_answer() {
    let outage = Fault {
        kind: FaultKind::ErrorBurst {
            target: Target {
                service: ServiceId(0),
                replica: None,
            },
            fraction: Probability::ONE,
            retryable: true,
        },
        start: SimTime::ZERO.add(SimDuration::from_secs(1)),
        end: SimTime::ZERO.add(SimDuration::from_secs(2)),
        position: 0,
    };
    let results: Vec<RunResult> = [false, true]
        .into_iter()
        .map(|serve_stale| {
            let mut config = world(
                Arrival::Constant { rate_per_s: 100.0 },
                CacheConfig {
                    serve_stale,
                    ..cache(1, ms(100))
                },
                ms(1),
                SimDuration::from_secs(3),
            );
            config.faults.push(outage.clone());
            run(&config, 1).unwrap()
        })
        .collect();
    let (plain, stale) = (&results[0].clients[0], &results[1].clients[0]);
    let served = stale.cache.unwrap().stale_served;
    assert!(plain.failed > 80, "the outage fails most of its second");
    assert_eq!(served, plain.failed);
    assert_eq!(plain.cache.unwrap().stale_served, 0);
    assert_eq!(stale.failed, 0);
    assert_eq!(stale.succeeded, stale.requests);
    assert_eq!(plain.cache.unwrap().fetches, stale.cache.unwrap().fetches);
}

/// Jung, Berger and Balakrishnan ("Modeling TTL-based Internet Caches", INFOCOM 2003): with
/// Poisson requests at rate λ_k for key k and an entry that lives T after each miss, key k's
/// hit ratio is λ_k·T / (1 + λ_k·T); the aggregate is Σ p_k·λ_k·T / (1 + λ_k·T). Misses of a
/// key form a renewal process with cycles T + Exp(λ_k), so over a span D their count has
/// variance D·σ²/μ³ with μ = T + 1/λ_k, σ² = 1/λ_k² (the renewal CLT); the run is long
/// enough for that to be small, and the observed ratio must lie within 5 σ of theory.
#[test]
fn ttl_cache_hit_ratio_matches_the_renewal_model() {
    let (rate, keys, s, ttl) = (2000.0, 500, 0.9, ms(500));
    let duration = SimDuration::from_secs(100);
    let config = world(
        Arrival::Poisson { rate_per_s: rate },
        CacheConfig {
            zipf: s,
            ..cache(keys, ttl)
        },
        SimDuration::from_micros(1),
        duration,
    );
    let result = run(&config, 7).unwrap();
    let counts = result.clients[0].cache.unwrap();
    let lookups = (counts.hits + counts.misses) as f64;
    let observed = counts.hits as f64 / lookups;
    let zipf = Zipf::new(keys, s);
    let (t, d) = (ttl.as_secs_f64(), duration.as_secs_f64());
    let mut expected = 0.0;
    let mut miss_variance = 0.0;
    for k in 0..keys {
        let p = zipf.probability(k);
        let lambda = rate * p;
        expected += p * lambda * t / (1.0 + lambda * t);
        let mean = t + 1.0 / lambda;
        miss_variance += d / (lambda * lambda) / (mean * mean * mean);
    }
    let sigma = libm::sqrt(miss_variance) / lookups;
    println!("hit ratio {observed:.5}, theory {expected:.5}, σ {sigma:.5}");
    assert!(
        (observed - expected).abs() < 5.0 * sigma,
        "hit ratio {observed:.5}, theory {expected:.5}, σ {sigma:.5}"
    );
    assert!(sigma < 0.005, "the run is long enough to tell: σ {sigma}");
}

/// Common random numbers: a cache draws keys from its own stream, so the client's arrivals are
/// the same with and without it.
#[test]
fn a_cache_leaves_arrivals_unchanged() {
    let mut config = world(
        Arrival::Poisson { rate_per_s: 500.0 },
        cache(100, ms(50)),
        ms(1),
        SimDuration::from_secs(5),
    );
    let cached = run(&config, 3).unwrap();
    config.clients[0].cache = None;
    let plain = run(&config, 3).unwrap();
    assert_eq!(cached.clients[0].requests, plain.clients[0].requests);
    assert_eq!(
        cached.clients[0].series.offered_per_s,
        plain.clients[0].series.offered_per_s
    );
    assert!(plain.clients[0].cache.is_none());
}

/// The world judges freshness on the caller's own clock. One key, a 1 s ttl, a request every
/// 100 µs, instant fetches: with a perfect clock an entry fetched at t is fresh until exactly
/// t + 1 s, so the 10 s run fetches at 0.0001 s, 1.0001 s, ..., 9.0001 s: 10 fetches. At
/// +1000 ppm the entry lives 1 s / 1.001 = 0.999000999 s of true time, the next request after
/// that comes 0.9991 s after the fetch, and 10 × 0.9991 s < 10 s makes room for an 11th.
#[test]
fn the_ttl_runs_on_the_callers_drifting_clock() {
    for (drift_ppb, fetches) in [(0, 10), (1_000_000, 11)] {
        let mut config = world(
            Arrival::Constant {
                rate_per_s: 10_000.0,
            },
            cache(1, SimDuration::from_secs(1)),
            SimDuration::ZERO,
            SimDuration::from_secs(10),
        );
        config.clocks.push(crate::config::ClockSetting {
            target: crate::config::Endpoint::Client(ClientId(0)),
            offset_ns: 0,
            drift_ppb,
        });
        let result = run(&config, 1).unwrap();
        let counts = result.clients[0].cache.unwrap();
        assert_eq!(counts.fetches, fetches, "drift {drift_ppb} ppb");
        assert_eq!(counts.hits + counts.misses, result.clients[0].requests);
    }
}
