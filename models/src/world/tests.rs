//! Unit tests of the world: conservation, determinism, calls and their failures.
use super::event::REPLIES;
use super::*;
use crate::config::{
    Arrival, Backoff, Balancer, CallConfig, ClientConfig, Guards, Jitter, RetryPolicy,
    ServiceConfig,
};
use sim_core::Distribution;
use sim_core::TraceCode;
use slotmap::{Key, KeyData};

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

/// One Poisson client at `rate_per_s` → one service with `workers` exponential(1 ms) workers.
fn world(
    rate_per_s: f64,
    workers: u32,
    timeout: Option<SimDuration>,
    retry: RetryPolicy,
) -> WorldConfig {
    let client = ClientConfig {
        timeout,
        retry,
        latency_marks: vec![ms(5)],
        ..ClientConfig::plain("web", ServiceId(0), Arrival::Poisson { rate_per_s })
    };
    let service_time = Distribution::Exponential { mean: ms(1) };
    let api = ServiceConfig::plain("api", 1, workers, 100_000, service_time);
    WorldConfig::plain(
        SimDuration::from_secs(200),
        SimDuration::from_secs(10),
        vec![client],
        vec![api],
    )
}

#[test]
fn requests_are_conserved() {
    let retry = RetryPolicy {
        max_attempts: 3,
        backoff: Backoff::Exponential {
            base: ms(1),
            cap: ms(10),
        },
        jitter: Jitter::Full,
    };
    let result = run(&world(950.0, 1, Some(ms(5)), retry), 1).unwrap();
    let c = &result.clients[0];
    assert_eq!(c.requests, c.succeeded + c.failed + c.in_flight);
    assert!(c.attempts >= c.requests);
    assert!(
        c.timeouts > 0,
        "ρ=0.95 with a 5 ms timeout must time out sometimes"
    );
    assert!(result.services[0].timed_out_work > 0);
    assert_eq!(c.latency.count(), c.succeeded);
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let config = world(500.0, 1, None, RetryPolicy::NONE);
    let a = run(&config, 7).unwrap();
    let b = run(&config, 7).unwrap();
    let c = run(&config, 8).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.stats.trace_hash, c.stats.trace_hash);
}

#[test]
fn a_downstream_call_holds_the_worker_and_counts_per_edge() {
    // web → api (1 ms own work) → db (2 ms); api's worker is held through the db call, so
    // api's sojourn is at least 3 ms and its busy time includes db's.
    let mut config = world(200.0, 4, None, RetryPolicy::NONE);
    config.services.push(ServiceConfig {
        name: "db".into(),
        replicas: 1,
        workers: 4,
        queue_capacity: 1_000,
        balancer: Balancer::RoundRobin,
        policies: crate::config::ServicePolicies::NONE,
        service_time: Distribution::Constant(ms(2)),
        calls: vec![],
        classes: crate::config::ServiceClasses::NONE,
    });
    config.services[0].service_time = Distribution::Constant(ms(1));
    config.services[0].calls = vec![CallConfig {
        target: ServiceId(1),
        op: None,
        timeout: Some(ms(50)),
        retry: RetryPolicy::NONE,
        guards: Guards::NONE,
        fanout: 1,
        needed: 1,
        optional: false,
        cache: None,
    }];
    let result = run(&config, 5).unwrap();
    let (api, db) = (&result.services[0], &result.services[1]);
    let edge = &api.calls[0];
    assert_eq!(edge.target, "db");
    assert!(edge.succeeded + edge.failed <= edge.requests);
    assert!(edge.requests > 30_000);
    assert_eq!(edge.failed, 0, "db is lightly loaded");
    assert!(api.sojourn.min().as_nanos() >= ms(3).as_nanos());
    assert!(
        db.arrivals >= edge.attempts - 10,
        "every call attempt reaches db"
    );
    // Utilization law: api busy = λ × (1 ms + 2 ms) = 0.6 workers.
    assert!((api.busy_mean - 0.6).abs() < 0.02, "{}", api.busy_mean);
}

#[test]
fn a_failing_call_fails_the_job_and_the_client_sees_an_error() {
    // db has no queue and one slow worker, so most calls are rejected; api does not retry,
    // so its jobs fail and the client gets error replies.
    let mut config = world(200.0, 8, None, RetryPolicy::NONE);
    config.services.push(ServiceConfig {
        name: "db".into(),
        replicas: 1,
        workers: 1,
        queue_capacity: 0,
        balancer: Balancer::RoundRobin,
        policies: crate::config::ServicePolicies::NONE,
        service_time: Distribution::Constant(ms(20)),
        calls: vec![],
        classes: crate::config::ServiceClasses::NONE,
    });
    config.services[0].calls = vec![CallConfig {
        target: ServiceId(1),
        op: None,
        timeout: None,
        retry: RetryPolicy::NONE,
        guards: Guards::NONE,
        fanout: 1,
        needed: 1,
        optional: false,
        cache: None,
    }];
    let result = run(&config, 6).unwrap();
    let (web, api, db) = (&result.clients[0], &result.services[0], &result.services[1]);
    assert!(db.rejected > 0);
    assert_eq!(
        api.calls[0].failed, api.errors,
        "each failed call fails one job"
    );
    assert_eq!(
        web.errors, web.failed,
        "no retries: each error fails its request"
    );
    assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
}

#[test]
fn mm1_wait_is_in_the_right_place() {
    // A smoke check only; tests/theory.rs holds the sized, cited comparisons.
    let result = run(&world(500.0, 1, None, RetryPolicy::NONE), 3).unwrap();
    let wait_ms = result.services[0].wait.mean_nanos() / 1e6;
    // M/M/1: W_q = ρ/(μ−λ) = 0.5/(1000−500) s = 1 ms.
    assert!((wait_ms - 1.0).abs() < 0.1, "{wait_ms}");
}

/// A packed event unpacks to itself, and its trace code is the documented one: the kind in
/// the top byte (16 plus the reply for a response, 27 for autoscaling), the client, fault index or slot-map key
/// (`KeyData::as_ffi`) in the rest.
#[test]
fn packed_events_unpack_to_themselves_with_the_documented_trace_codes() {
    let mut requests: SlotMap<RequestKey, ()> = SlotMap::with_key();
    let mut attempts: SlotMap<AttemptKey, ()> = SlotMap::with_key();
    let mut jobs: SlotMap<JobKey, ()> = SlotMap::with_key();
    // Reused slots carry higher versions, so every bit of the key is exercised.
    for _ in 0..3 {
        let (r, a, j) = (requests.insert(()), attempts.insert(()), jobs.insert(()));
        requests.remove(r);
        attempts.remove(a);
        jobs.remove(j);
    }
    for _ in 0..5 {
        requests.insert(());
        attempts.insert(());
        jobs.insert(());
    }
    let (request, attempt, job) = (
        requests.keys().last().unwrap(),
        attempts.keys().last().unwrap(),
        jobs.keys().last().unwrap(),
    );
    let mut parts: SlotMap<PartKey, ()> = SlotMap::with_key();
    parts.insert(());
    let part = parts.insert(());
    let ffi = |data: KeyData| data.as_ffi();
    let mut cases = vec![
        (
            Event::Arrival {
                client: ClientId(7),
                source: 0,
            },
            1,
            7,
        ),
        (
            Event::Arrival {
                client: ClientId(7),
                source: 3,
            },
            1,
            7 | 3 << 32,
        ),
        (
            Event::Wake {
                client: ClientId(2),
                user: 5,
            },
            11,
            2 | 5 << 32,
        ),
        (Event::Retry { request }, 2, ffi(request.data())),
        (Event::AttemptArrive { attempt }, 3, ffi(attempt.data())),
        (Event::WorkDone { job }, 4, ffi(job.data())),
        (Event::Timeout { attempt }, 5, ffi(attempt.data())),
        (Event::FaultStart { fault: 3 }, 6, 3),
        (Event::FaultEnd { fault: 4 }, 7, 4),
        (Event::Hedge { request }, 8, ffi(request.data())),
        (Event::BulkheadTimeout { request }, 9, ffi(request.data())),
        (Event::TiedCancel { attempt }, 10, ffi(attempt.data())),
        (Event::Database { key: part }, 12, ffi(part.data())),
        (Event::Election { key: part }, 13, ffi(part.data())),
        (Event::User { key: part }, 14, ffi(part.data())),
        (Event::Queue { key: part }, 15, ffi(part.data())),
        (Event::Quorum { key: part }, 25, ffi(part.data())),
        (
            Event::Autoscale {
                service: crate::config::ServiceId(3),
                replica: 9,
            },
            27,
            3 | 9 << 32,
        ),
        (
            Event::Autoscale {
                service: crate::config::ServiceId(1),
                replica: u32::MAX,
            },
            27,
            1 | u64::from(u32::MAX) << 32,
        ),
        (
            Event::Outbox {
                outbox: 2,
                action: 5,
            },
            28,
            2 | 5 << 32,
        ),
    ];
    for (index, &reply) in REPLIES.iter().enumerate() {
        let event = Event::Response { attempt, reply };
        cases.push((event, 16 + index as u64, ffi(attempt.data())));
    }
    for (event, kind, id) in cases {
        let packed = event.pack();
        assert_eq!(packed.unpack(), event);
        assert_eq!(packed.trace_code(), (kind << 56) ^ id, "{event:?}");
        assert_eq!(event.trace_code(), packed.trace_code());
    }
}
