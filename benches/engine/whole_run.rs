//! Row (d) of the engine bench: a whole `models::run` of an M/M/1 world, per simulated
//! customer, against the minimal loop.

use super::{compare, minimal, mm1, nanos_per, Row, Table, Target, SEED};
use models::{
    Arrival, Balancer, ClientConfig, Guards, NetworkConfig, RetryPolicy, ServiceConfig, ServiceId,
    WorldConfig,
};
use sim_core::{Distribution, Limits, SimDuration};

/// 900 requests per second for 2,222 s: about 2M customers, as in row (a).
const RATE_PER_S: f64 = 900.0;
const DURATION: SimDuration = SimDuration::from_secs(2_222);

/// One Poisson client → one service with one exponential(1 ms) worker: the M/M/1 of row
/// (a) (ρ = 0.9), with every policy that could add work turned off.
fn mm1() -> WorldConfig {
    WorldConfig {
        duration: DURATION,
        warmup: SimDuration::ZERO,
        clients: vec![ClientConfig {
            name: "client".into(),
            target: ServiceId(0),
            arrival: Arrival::Poisson {
                rate_per_s: RATE_PER_S,
            }
            .into(),
            count: 1,
            classes: Vec::new(),
            report_members: false,
            timeout: None,
            retry: RetryPolicy::NONE,
            guards: Guards::NONE,
            deadline: None,
            latency_marks: Vec::new(),
            cache: None,
            priority: models::Priority::Critical,
        }],
        services: vec![ServiceConfig {
            name: "server".into(),
            replicas: 1,
            workers: 1,
            queue_capacity: 1_000_000,
            balancer: Balancer::RoundRobin,
            policies: models::ServicePolicies::NONE,
            service_time: Distribution::Exponential {
                mean: SimDuration::from_millis(1),
            },
            calls: Vec::new(),
            classes: models::ServiceClasses::NONE,
        }],
        network: NetworkConfig::with_latency(Distribution::Constant(SimDuration::ZERO)),
        limits: Limits {
            pending_events_max: 10_000_000,
            events_max: u64::MAX,
            memory_max: u64::MAX,
        },
        faults: Vec::new(),
        clocks: Vec::new(),
        random_faults: None,
        election: None,
        database: None,
        queues: Vec::new(),
        quorum: None,
        deployments: Vec::new(),
        workflows: Vec::new(),
    }
}

pub fn bench(table: &mut Table) {
    let config = mm1();
    // The whole run is compared with the minimal loop per customer, timed again here,
    // alternating with the whole runs, so that both see the same machine.
    let ((elapsed, result), (baseline, _)) = compare(
        3,
        || models::run(&config, SEED).expect("the limits are far away"),
        minimal::row_a,
    );
    let client = &result.clients[0];
    assert_eq!(
        client.failed, 0,
        "nothing can fail without timeouts or a full queue"
    );
    assert!(
        client.requests > 1_900_000,
        "about 2M customers ({})",
        client.requests
    );
    println!(
        "  run: {} customers, {} events ({:.2} per customer)",
        client.requests,
        result.stats.events,
        result.stats.events as f64 / client.requests as f64
    );
    table.add(Row {
        name: "(d) models::run M/M/1, per customer".to_string(),
        count: client.requests,
        unit: "customer",
        engine: nanos_per(elapsed, client.requests),
        baseline: nanos_per(baseline, mm1::CUSTOMERS),
        target: Target::Ratio(2.0),
    });
}
