//! Jitter in a whole world: 1,000 clients that fail at the same instant, and how their retries
//! spread out (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use models::{
    Arrival, Backoff, Balancer, ClientConfig, Event, Guards, Jitter, NetworkConfig, RetryPolicy,
    ServiceConfig, ServiceId, WorldConfig,
};
use sim_core::{Distribution, Limits, SimDuration};

/// 1,000 clients each send one request at t = 1 s (constant arrivals at 1/s, run for 1.95 s)
/// to a service far slower than their 100 ms timeout, so all 1,000 attempts time out at
/// t = 1.1 s together. Returns how many retries were sent in each millisecond.
fn retries_per_ms(jitter: Jitter) -> BTreeMap<u64, u64> {
    let clients = (0..1_000)
        .map(|i| ClientConfig {
            name: format!("c{i}"),
            target: ServiceId(0),
            arrival: Arrival::Constant { rate_per_s: 1.0 }.into(),
            count: 1,
            classes: Vec::new(),
            report_members: false,
            timeout: Some(SimDuration::from_millis(100)),
            retry: RetryPolicy {
                max_attempts: 2,
                backoff: Backoff::Exponential {
                    base: SimDuration::from_millis(200),
                    cap: SimDuration::from_secs(1),
                },
                jitter,
            },
            guards: Guards::NONE,
            deadline: None,
            latency_marks: vec![],
            cache: None,
            priority: models::Priority::Critical,
        })
        .collect();
    let config = WorldConfig {
        duration: SimDuration::from_millis(1_950),
        warmup: SimDuration::ZERO,
        clients,
        services: vec![ServiceConfig {
            name: "slow".into(),
            replicas: 1,
            workers: 2_000,
            queue_capacity: 10_000,
            balancer: Balancer::RoundRobin,
            policies: models::ServicePolicies::NONE,
            service_time: Distribution::Constant(SimDuration::from_secs(10)),
            calls: vec![],
            classes: models::ServiceClasses::NONE,
        }],
        network: NetworkConfig::with_latency(Distribution::Constant(SimDuration::ZERO)),
        limits: Limits {
            pending_events_max: 1_000_000,
            events_max: 10_000_000,
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
    let counts = Rc::new(RefCell::new(BTreeMap::new()));
    let sink = Rc::clone(&counts);
    let observer = Box::new(move |time: sim_core::SimTime, event: &Event| {
        if let Event::Retry { .. } = event {
            *sink
                .borrow_mut()
                .entry(time.as_nanos() / 1_000_000)
                .or_insert(0) += 1;
        }
    });
    let result = models::run_observed(&config, 1, Some(observer)).expect("run completes");
    let total_timeouts: u64 = result.clients.iter().map(|c| c.timeouts).sum();
    assert_eq!(
        total_timeouts, 2_000,
        "both attempts of every client time out"
    );
    let counts = counts.borrow().clone();
    counts
}

#[test]
fn full_jitter_cuts_the_retry_peak_at_least_tenfold() {
    let none = retries_per_ms(Jitter::None);
    let full = retries_per_ms(Jitter::Full);
    let peak_none = *none.values().max().unwrap();
    let peak_full = *full.values().max().unwrap();
    eprintln!("peak retries per ms: no jitter {peak_none}, full jitter {peak_full}");
    assert_eq!(none.values().sum::<u64>(), 1_000);
    assert_eq!(full.values().sum::<u64>(), 1_000);
    // Without jitter every retry lands in one millisecond: t = 1.1 s + 200 ms.
    assert_eq!(none.len(), 1);
    assert_eq!(none.keys().next(), Some(&1_300));
    // Full jitter spreads them uniformly over [1.1 s, 1.3 s]: about 5 per ms.
    assert!(
        peak_none >= 10 * peak_full,
        "peak retries/ms: no jitter {peak_none}, full jitter {peak_full}"
    );
}

#[test]
fn equal_and_decorrelated_jitter_also_spread_the_herd() {
    let peak = |j| *retries_per_ms(j).values().max().unwrap();
    let none = peak(Jitter::None);
    // Equal jitter spreads over [d/2, d] (100 ms), decorrelated over [base, 3·base] (400 ms).
    assert!(none >= 10 * peak(Jitter::Equal));
    assert!(none >= 10 * peak(Jitter::Decorrelated));
}
