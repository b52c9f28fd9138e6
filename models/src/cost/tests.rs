//! Hand-computed bills of tiny worlds.
use super::*;
use crate::config::{Arrival, ClientConfig, ServiceConfig, ServiceId};
use sim_core::{Distribution, SimDuration};

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

/// web sends 5 req/s, evenly spaced (0.2 s, 0.4 s, ...), to api: 1 replica of 2 workers, each
/// job 100 ms, for 10 s without a warm-up; `timeout` on web.
fn world(timeout: Option<SimDuration>) -> WorldConfig {
    let client = ClientConfig {
        timeout,
        ..ClientConfig::plain("web", ServiceId(0), Arrival::Constant { rate_per_s: 5.0 })
    };
    let api = ServiceConfig::plain("api", 1, 2, 100, Distribution::Constant(ms(100)));
    WorldConfig::plain(
        SimDuration::from_secs(10),
        SimDuration::ZERO,
        vec![client],
        vec![api],
    )
}

/// 1 per replica-second (3,600 an hour), 1 per request, 1 per kB of messages.
const PRICES: Prices = Prices {
    replica_hour: 3600.0,
    million_requests: 1e6,
    gb: 1e6,
    request_bytes: 400,
    reply_bytes: 600,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn a_served_job_pays_its_worker_time_its_request_and_its_messages() {
    let world = world(None);
    let result = crate::run(&world, 1).unwrap();
    // Arrivals at 0.2 s, ..., 9.8 s finish by 9.9 s: 49 jobs; the one at 10 s does not finish
    // before arrivals stop.
    assert_eq!(result.services[0].completed, 49);
    let cost = Cost::of(&world, &PRICES, &result).unwrap();
    let api = &cost.services[0];
    assert_eq!(api.usage.goodput.jobs, 49);
    assert_eq!(api.usage.goodput.busy_ns, 49 * 100_000_000);
    // Two workers for 10 s, less 4.9 worker-seconds of work.
    assert_eq!(api.usage.capacity_ns, 20_000_000_000);
    assert_eq!(api.usage.idle_ns, 15_100_000_000);
    // A worker-second costs half a replica-second: 0.5. Goodput: 4.9 worker-s (2.45), 49
    // requests (49) and 49 kB (49). Idle: 15.1 worker-s (7.55).
    assert!(
        close(cost.parts.goodput, 2.45 + 49.0 + 49.0),
        "{:?}",
        cost.parts
    );
    assert!(close(cost.parts.idle, 7.55), "{:?}", cost.parts);
    assert_eq!(cost.parts.retries, 0.0);
    assert_eq!(cost.parts.hedges, 0.0);
    assert_eq!(cost.parts.wasted, 0.0);
    // The replicas' share is 1 replica × 10 s = 10.
    assert!(close(cost.total(), 10.0 + 49.0 + 49.0));
    assert!(close(api.replica_hours, 10.0 / 3600.0));
    assert!(close(cost.per_hour().unwrap(), cost.total() * 360.0));
}

#[test]
fn work_for_a_caller_gone_is_wasted() {
    // web gives up after 50 ms; every job takes 100 ms.
    let world = world(Some(ms(50)));
    let result = crate::run(&world, 1).unwrap();
    let cost = Cost::of(&world, &PRICES, &result).unwrap();
    let api = &cost.services[0];
    assert_eq!(api.usage.wasted.jobs, 49);
    assert_eq!(api.usage.goodput.jobs, 0);
    assert!(close(cost.parts.wasted, 2.45 + 49.0 + 49.0));
    assert_eq!(cost.parts.goodput, 0.0);
}

#[test]
fn free_prices_have_no_cost_to_report() {
    let world = world(None);
    let result = crate::run(&world, 1).unwrap();
    assert_eq!(Cost::of(&world, &Prices::FREE, &result), None);
}
