//! Row (d) of the engine bench: a whole `models::run` of an M/M/1 world, per simulated
//! customer, against the minimal loop.

use super::{compare, minimal, mm1, nanos_per, Row, Table, Target, SEED};
use models::{Arrival, Balancer, ClientConfig, ServiceConfig, ServiceId, WorldConfig};
use sim_core::{Distribution, Limits, SimDuration};

/// 900 requests per second for 2,222 s: about 2M customers, as in row (a).
const RATE_PER_S: f64 = 900.0;
const DURATION: SimDuration = SimDuration::from_secs(2_222);

/// Limits that leave room for row (d)'s queue and never stop a bench's run.
pub const LIMITS: Limits = Limits {
    pending_events_max: 10_000_000,
    events_max: u64::MAX,
    memory_max: u64::MAX,
};

/// One replica of `workers` exponential(1 ms) workers behind a queue of 1,000,000, with no
/// policy that could add work.
pub fn server(name: &str, workers: u32) -> ServiceConfig {
    ServiceConfig {
        name: name.into(),
        replicas: 1,
        workers,
        queue_capacity: 1_000_000,
        balancer: Balancer::RoundRobin,
        policies: models::ServicePolicies::NONE,
        service_time: Distribution::Exponential {
            mean: SimDuration::from_millis(1),
        },
        calls: Vec::new(),
        classes: models::ServiceClasses::NONE,
    }
}

/// One Poisson client → one service with one exponential(1 ms) worker: the M/M/1 of row
/// (a) (ρ = 0.9), over a network of no latency, with every policy that could add work off.
fn mm1() -> WorldConfig {
    let arrival = Arrival::Poisson {
        rate_per_s: RATE_PER_S,
    };
    WorldConfig {
        limits: LIMITS,
        ..WorldConfig::plain(
            DURATION,
            SimDuration::ZERO,
            vec![ClientConfig::plain("client", ServiceId(0), arrival)],
            vec![server("server", 1)],
        )
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
