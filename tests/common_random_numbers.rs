//! Common random numbers: changing a policy must not change what the outside world does.
//!
//! A client's arrivals come from its own `client/NAME/arrival` stream, so adding retries,
//! timeouts or jitter (which draw from other streams and add events) leaves every arrival time
//! exactly where it was. That is what makes two variants comparable seed by seed.

use std::cell::RefCell;
use std::rc::Rc;

use models::{
    Arrival, Backoff, Balancer, ClientConfig, ClientId, Event, Guards, Jitter, NetworkConfig,
    RetryPolicy, ServiceConfig, ServiceId, WorldConfig,
};
use sim_core::{Distribution, Limits, SimDuration, SimTime};

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn client(name: &str, timeout: Option<SimDuration>, retry: RetryPolicy) -> ClientConfig {
    ClientConfig {
        name: name.into(),
        target: ServiceId(0),
        arrival: Arrival::Poisson { rate_per_s: 450.0 }.into(),
        count: 1,
        classes: Vec::new(),
        report_members: false,
        timeout,
        retry,
        guards: Guards::NONE,
        deadline: None,
        latency_marks: vec![],
        cache: None,
        priority: models::Priority::Critical,
    }
}

fn world(web: ClientConfig) -> WorldConfig {
    WorldConfig {
        duration: SimDuration::from_secs(30),
        warmup: SimDuration::ZERO,
        clients: vec![web, client("batch", None, RetryPolicy::NONE)],
        services: vec![ServiceConfig {
            name: "api".into(),
            replicas: 2,
            workers: 1,
            queue_capacity: 50,
            balancer: Balancer::Random,
            policies: models::ServicePolicies::NONE,
            service_time: Distribution::Exponential { mean: ms(2) },
            calls: vec![],
            classes: models::ServiceClasses::NONE,
        }],
        network: NetworkConfig::with_latency(
            Distribution::uniform(SimDuration::from_micros(100), ms(1)).unwrap(),
        ),
        limits: Limits {
            pending_events_max: 1_000_000,
            events_max: 100_000_000,
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
    }
}

/// Every arrival time of every client, per client, in order.
fn arrivals(config: &WorldConfig, seed: u64) -> (Vec<Vec<SimTime>>, models::RunResult) {
    let log = Rc::new(RefCell::new(vec![Vec::new(); config.clients.len()]));
    let sink = Rc::clone(&log);
    let observer = Box::new(move |time: SimTime, event: &Event| {
        if let Event::Arrival {
            client: ClientId(index),
            ..
        } = event
        {
            sink.borrow_mut()[*index as usize].push(time);
        }
    });
    let result = models::run_observed(config, seed, Some(observer)).expect("run completes");
    let log = log.borrow().clone();
    (log, result)
}

#[test]
fn retry_policy_changes_leave_arrival_times_unchanged() {
    let plain = world(client("web", None, RetryPolicy::NONE));
    let retrying = world(client(
        "web",
        Some(ms(20)),
        RetryPolicy {
            max_attempts: 4,
            backoff: Backoff::Exponential {
                base: ms(5),
                cap: ms(100),
            },
            jitter: Jitter::Full,
        },
    ));
    let decorrelated = world(client(
        "web",
        Some(ms(10)),
        RetryPolicy {
            max_attempts: 3,
            backoff: Backoff::Constant { delay: ms(7) },
            jitter: Jitter::Decorrelated,
        },
    ));
    for seed in [1, 2, 3] {
        let (base, base_result) = arrivals(&plain, seed);
        let (with_retries, retry_result) = arrivals(&retrying, seed);
        let (with_decorrelated, _) = arrivals(&decorrelated, seed);
        assert!(base[0].len() > 10_000, "a meaningful number of arrivals");
        // The policies really changed the run (ρ = 0.9 with 20 ms timeouts forces retries)...
        assert!(retry_result.clients[0].attempts > retry_result.clients[0].requests);
        assert_ne!(base_result.stats.trace_hash, retry_result.stats.trace_hash);
        // ...yet both clients' arrivals are exactly where they were.
        assert_eq!(base, with_retries, "seed {seed}: retries moved arrivals");
        assert_eq!(
            base, with_decorrelated,
            "seed {seed}: jitter moved arrivals"
        );
    }
}

#[test]
fn a_different_seed_gives_different_arrivals() {
    let plain = world(client("web", None, RetryPolicy::NONE));
    assert_ne!(arrivals(&plain, 1).0, arrivals(&plain, 2).0);
}

/// Balancers draw only from their own streams (`service/NAME/balancer` for `random`,
/// `service/NAME/p2c` for the power of two choices) or not at all, so switching balancers
/// changes where attempts go but never when requests arrive.
#[test]
fn balancer_changes_leave_arrival_times_unchanged() {
    let base = world(client("web", None, RetryPolicy::NONE));
    let (random, random_result) = arrivals(&base, 4);
    for balancer in [
        Balancer::RoundRobin,
        Balancer::LeastOutstanding,
        Balancer::PowerOfTwoChoices,
    ] {
        let mut other = base.clone();
        other.services[0].balancer = balancer;
        let (moved, result) = arrivals(&other, 4);
        assert_ne!(
            random_result.stats.trace_hash, result.stats.trace_hash,
            "{balancer:?} routed differently"
        );
        assert_eq!(random, moved, "{balancer:?} moved arrivals");
    }
}
