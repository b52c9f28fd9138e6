//! Exact tests of issue #4's request identity patterns in the world: idempotency keys and
//! duplicate side effects, tied requests, and optional calls.

use super::*;
use crate::config::{
    Arrival, Backoff, CallConfig, ClientConfig, Guards, Hedge, IdempotencyConfig, Jitter,
    NetworkConfig, ServiceConfig, Target,
};
use sim_core::Distribution;

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn service(name: &str, replicas: u32, workers: u32, time: SimDuration) -> ServiceConfig {
    ServiceConfig::plain(name, replicas, workers, 1_000, Distribution::Constant(time))
}

/// A client sending evenly spaced requests at `rate_per_s` to service 0, no warm-up, a
/// network with a constant latency of `latency`.
fn world(rate_per_s: f64, duration: SimDuration, latency: SimDuration) -> WorldConfig {
    let client = ClientConfig::plain("web", ServiceId(0), Arrival::Constant { rate_per_s });
    WorldConfig {
        network: NetworkConfig::with_latency(Distribution::Constant(latency)),
        ..WorldConfig::plain(duration, SimDuration::ZERO, vec![client], vec![])
    }
}

/// A payment service (100 ms of work, a side effect) behind a client whose 50 ms timeout is
/// shorter than the work, retrying twice after a constant `backoff`.
fn payments(backoff: SimDuration, store: bool) -> WorldConfig {
    let mut config = world(10.0, ms(10_050), SimDuration::ZERO);
    config.clients[0].timeout = Some(ms(50));
    config.clients[0].retry = RetryPolicy {
        max_attempts: 3,
        backoff: Backoff::Constant { delay: backoff },
        jitter: Jitter::None,
    };
    let mut payments = service("payments", 1, 8, ms(100));
    payments.policies.side_effect = true;
    if store {
        payments.policies.idempotency = Some(IdempotencyConfig { ttl: ms(60_000) });
    }
    config.services.push(payments);
    config
}

/// Without a store every retry executes again. Request k arrives at 0.1k s; its attempts
/// start at +0, +150 and +300 ms and finish 100 ms later, so by 10.05 s 99 first, 98 second
/// and 96 third executions are done: 293 executions of 99 keys, 194 duplicates, exactly.
#[test]
fn retries_past_a_timeout_duplicate_the_side_effect() {
    let result = run(&payments(ms(100), false), 1).unwrap();
    let i = result.services[0].idempotency;
    assert_eq!(i.executions, 293);
    assert_eq!(i.duplicate_side_effects, 194);
    assert_eq!(i.duplicate_side_effects, i.executions - 99);
    assert_eq!((i.idempotent_replays, i.conflicts), (0, 0));
    assert_eq!(result.clients[0].succeeded, 0, "every attempt times out");
}

/// Stripe, "Idempotent requests": a repeated key gets the saved result. The retry at
/// +150 ms finds the first execution stored and is answered at once: one execution per key,
/// no duplicate, and every request succeeds on its second attempt.
#[test]
fn an_idempotency_store_replays_the_first_result() {
    let result = run(&payments(ms(100), true), 1).unwrap();
    let (i, web) = (result.services[0].idempotency, &result.clients[0]);
    assert_eq!(i.duplicate_side_effects, 0);
    assert_eq!(i.executions, 99);
    // The services' figures stop at 10.05 s, when arrivals stop: k = 1..99 were replayed.
    assert_eq!(i.idempotent_replays, 99);
    // The drain follows k = 100 (10.0 s) to its replay at 10.15 s: every request is answered
    // on its second attempt.
    assert_eq!(web.succeeded, 100);
    assert_eq!(web.attempts, 2 * web.requests);
}

/// Stripe answers a request whose key is still executing with 409 Conflict. Retries after
/// 10 ms land at +60 and +70 ms, while the first execution (to +100 ms) holds the key: two
/// conflicts per request (for k = 1..99 by 10.05 s), still one execution per key.
#[test]
fn a_concurrent_retry_gets_a_conflict_not_a_second_execution() {
    let result = run(&payments(ms(10), true), 1).unwrap();
    let (i, web) = (result.services[0].idempotency, &result.clients[0]);
    assert_eq!(i.duplicate_side_effects, 0);
    assert_eq!(i.executions, 99);
    assert_eq!(i.conflicts, 2 * 99, "k = 1..99 by 10.05 s");
    // The drain follows k = 100 through its two conflicts (10.06 s and 10.07 s).
    assert_eq!(web.conflicts, 2 * 100);
    assert_eq!(
        web.failed, 100,
        "three attempts: a timeout and two conflicts"
    );
}

/// The same payments behind an api (1 ms of work, no timeout or retry of its own): the
/// client's retries reach payments through new api jobs, whose calls carry the key derived
/// from the client request's (`idempotency::call_key`), so payments sees the same key again.
fn payments_behind_api(store: bool) -> WorldConfig {
    let mut config = payments(ms(100), store);
    let payments = config.services.pop().expect("payments");
    let mut api = service("api", 1, 8, ms(1));
    api.calls = vec![CallConfig {
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
    config.services = vec![api, payments];
    config
}

/// Keys travel down the call chain: a retry two layers up duplicates payments' side effect
/// (counted per client request, not per hop), and payments' store recognises it. Request k's
/// attempts reach payments 1 ms after +0, +150 and +300 ms (api's work) and take 100 ms
/// there, so by 10.05 s 99 first, 97 second (k = 98's ends at 10.051 s) and 96 third
/// executions are done: 292 executions of 99 keys, 193 duplicates.
#[test]
fn a_retry_two_layers_up_presents_the_same_key_to_payments() {
    let plain = run(&payments_behind_api(false), 1).unwrap();
    let i = plain.services[1].idempotency;
    assert_eq!(i.executions, 292);
    assert_eq!(i.duplicate_side_effects, 193, "one key per client request");
    let stored = run(&payments_behind_api(true), 1).unwrap();
    let i = stored.services[1].idempotency;
    assert_eq!(i.duplicate_side_effects, 0);
    assert_eq!(i.executions, 99);
    // By 10.05 s, when arrivals stop and payments' figures are taken, 98 retries were
    // replayed; the drain answers every request, the last two included.
    assert_eq!(i.idempotent_replays, 98);
    assert_eq!(stored.clients[0].succeeded, 100);
}

/// Distinct calls get distinct keys, and the same call of the same request the same one.
#[test]
fn call_keys_are_stable_and_distinct() {
    use super::idempotency::call_key;
    assert_eq!(call_key(7, 0, 0), call_key(7, 0, 0));
    let mut keys: Vec<u64> = (0..100u64)
        .flat_map(|parent| {
            (0..3u32).flat_map(move |call| (0..4u32).map(move |copy| (parent, call, copy)))
        })
        .map(|(parent, call, copy)| call_key(parent, call, copy))
        .collect();
    let all = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), all);
}

/// Dean & Barroso, "Tied requests": the copy that starts first cancels its twin, unless the
/// twin has started too. Two replicas, one worker each, 10 ms of work (50 ms on the slowed
/// replica 1), 1 ms latency, requests at 40 and 80 ms:
/// - request 1's copies reach idle replicas at 41 ms and both start: both execute;
/// - request 2's copies reach them at 81 ms: replica 0 starts its copy and cancels the
///   other, queued behind request 1's slow copy until 91 ms, before any work is done.
#[test]
fn the_copy_that_starts_first_cancels_its_queued_twin() {
    let mut config = world(25.0, ms(100), ms(1));
    config.clients[0].guards.hedge = Some(Hedge::Tied);
    config.services.push(service("api", 2, 1, ms(10)));
    config.faults.push(crate::config::Fault {
        kind: FaultKind::Slowdown {
            target: Target {
                service: ServiceId(0),
                replica: Some(1),
            },
            factor: 5.0,
        },
        start: SimTime::ZERO,
        end: SimTime::MAX,
        position: 0,
    });
    let result = run(&config, 1).unwrap();
    let (web, api) = (&result.clients[0], &result.services[0]);
    assert_eq!((web.requests, web.succeeded, web.attempts), (2, 2, 4));
    assert_eq!(web.guards.hedges, 2);
    assert_eq!(api.tied.both_executed, 1);
    assert_eq!(api.tied.cancelled, 1);
    assert_eq!(
        api.completed, 3,
        "both copies of request 1, one of request 2"
    );
    assert_eq!(api.expired, 1, "the cancelled copy left the queue undone");
    // Each request is answered by replica 0: 1 + 10 + 1 ms.
    assert_eq!(web.latency.max(), ms(12));
}

/// A tied pair whose copies both start is counted once, and without a twin (one replica)
/// the copy shares the queue: whoever starts second was cancelled while queued.
#[test]
fn tied_copies_on_one_replica_cancel_the_queued_one() {
    let mut config = world(10.0, ms(1_000), ms(1));
    config.clients[0].guards.hedge = Some(Hedge::Tied);
    config.services.push(service("api", 1, 1, ms(10)));
    let result = run(&config, 1).unwrap();
    let api = &result.services[0];
    // Every request succeeds (the drain answers the tenth); by the end, 9 copies were
    // cancelled while queued.
    assert_eq!(result.clients[0].succeeded, 10);
    assert_eq!(api.tied.cancelled, 9);
    assert_eq!(api.tied.both_executed, 0);
}

/// web → api → db, where db (one worker, no queue, 20 ms) rejects most calls. As a
/// required call that fails api's jobs; as an optional call each failure is one degraded
/// answer instead, all the way to the client.
#[test]
fn a_failed_optional_call_degrades_the_answer_instead_of_failing_it() {
    let build = |optional: bool| {
        let mut config = world(200.0, ms(5_000), SimDuration::ZERO);
        let mut api = service("api", 1, 64, ms(1));
        api.calls = vec![CallConfig {
            target: ServiceId(1),
            op: None,
            timeout: None,
            retry: RetryPolicy::NONE,
            guards: Guards::NONE,
            fanout: 1,
            needed: 1,
            optional,
            cache: None,
        }];
        let mut db = service("db", 1, 1, ms(20));
        db.queue_capacity = 0;
        config.services = vec![api, db];
        config
    };
    let required = run(&build(false), 1).unwrap();
    let optional = run(&build(true), 1).unwrap();
    assert!(required.clients[0].failed > 500);
    assert_eq!(required.services[0].degraded, 0);
    let (web, api) = (&optional.clients[0], &optional.services[0]);
    assert_eq!(web.failed, 0);
    assert_eq!(api.errors, 0);
    assert_eq!(api.calls[0].failed, required.services[0].calls[0].failed);
    assert_eq!(api.degraded, api.calls[0].failed);
    // api's figures stop when arrivals stop; the drain answers the last request, degraded.
    assert_eq!((web.degraded, api.degraded), (750, 749));
}
