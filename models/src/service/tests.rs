//! `Service::admit` with caller classes: pools, priority shedding and displacement, counted
//! exactly; and the plain service's fast paths against the general ones.

use sim_core::time_average::TimeAverage;
use sim_core::{Distribution, LevelSeries, Probability, SimDuration, SimTime, Stream};

use super::{Admission, Finished, Service};
use crate::caller_class::AttemptClass;
use crate::config::{
    Balancer, CallerId, ClientId, Discipline, OverloadConfig, PoolConfig, Priority, QueuePolicy,
    ServiceClasses, ServiceConfig, ServiceId, ServicePolicies,
};

fn class(client: u32, priority: Priority) -> AttemptClass {
    AttemptClass {
        caller: CallerId::Client(ClientId(client)),
        priority,
        request: crate::config::ClassId::NONE,
    }
}

/// One replica: a default pool of 1 worker with a queue of 2 (sheddable work may take
/// floor(0.5 × 2) = 1 place), and a pool of 1 worker and 1 place for client 1.
fn service() -> Service<u32> {
    let config = ServiceConfig {
        name: "api".to_string(),
        replicas: 1,
        workers: 1,
        queue_capacity: 2,
        balancer: Balancer::RoundRobin,
        policies: ServicePolicies::NONE,
        service_time: Distribution::Constant(SimDuration::from_millis(10)),
        calls: Vec::new(),
        classes: ServiceClasses {
            pools: vec![PoolConfig {
                name: "c1".to_string(),
                callers: vec![CallerId::Client(ClientId(1))],
                workers: 1,
                queue_capacity: 1,
            }],
            shed_sheddable_above: Probability::new(0.5),
            ..ServiceClasses::NONE
        },
    };
    Service::new(
        config,
        ServiceId(0),
        &[],
        1,
        SimTime::ZERO,
        SimDuration::from_secs(1),
    )
}

/// The SRE book's rule, step by step: sheddable work is refused above its share of the queue
/// while critical work still queues; a full queue makes room for a critical arrival by
/// displacing the newest sheddable attempt, and refuses it when there is none.
#[test]
fn sheddable_work_is_shed_first_and_displaced_by_critical_work() {
    let mut s = service();
    let now = SimTime::from_nanos(1);
    let (critical, sheddable) = (class(0, Priority::Critical), class(0, Priority::Sheddable));
    let work = SimDuration::from_millis(10);
    assert_eq!(s.admit(0, 1, now, None, critical), Admission::Started(work));
    assert_eq!(s.admit(0, 2, now, None, sheddable), Admission::Queued);
    assert_eq!(
        s.admit(0, 3, now, None, sheddable),
        Admission::Shed,
        "above its share"
    );
    assert_eq!(s.admit(0, 4, now, None, critical), Admission::Queued);
    assert_eq!(s.take_displaced(), None);
    assert_eq!(s.admit(0, 5, now, None, critical), Admission::Queued);
    assert_eq!(
        s.take_displaced(),
        Some(2),
        "the full queue displaced job 2"
    );
    assert_eq!(s.admit(0, 6, now, None, critical), Admission::Rejected);
    assert_eq!(s.take_displaced(), None);
    let result = s.result(SimTime::from_nanos(2));
    let priorities = result.classes.priorities.expect("reported with shedding");
    assert_eq!(
        (priorities.critical.arrivals, priorities.critical.shed),
        (4, 0)
    );
    assert_eq!(priorities.critical.rejected, 1);
    assert_eq!(
        (priorities.sheddable.arrivals, priorities.sheddable.shed),
        (2, 2)
    );
    assert_eq!((result.shed, result.rejected), (2, 1));
}

/// A pool's workers and queue serve only its callers: client 1 fills its pool and is
/// rejected while the default pool's worker stays idle.
#[test]
fn a_pool_serves_only_its_callers() {
    let mut s = service();
    let now = SimTime::from_nanos(1);
    let batch = class(1, Priority::Critical);
    assert!(matches!(
        s.admit(0, 1, now, None, batch),
        Admission::Started(_)
    ));
    assert_eq!(s.admit(0, 2, now, None, batch), Admission::Queued);
    assert_eq!(s.admit(0, 3, now, None, batch), Admission::Rejected);
    assert!(matches!(
        s.admit(0, 4, now, None, class(0, Priority::Critical)),
        Admission::Started(_)
    ));
    let pools = s.result(SimTime::from_nanos(2)).classes.pools;
    let counts: Vec<(&str, u64, u64)> = pools
        .iter()
        .map(|p| (p.name.as_str(), p.arrivals, p.rejected))
        .collect();
    assert_eq!(counts, [("default", 1, 0), ("c1", 3, 1)]);
    assert_eq!(s.workers_total(), 2);
}

/// A plain service of one replica with `workers` workers, exponential work and `queue`.
fn plain_service(workers: u32, queue: QueuePolicy) -> Service<u32> {
    let config = ServiceConfig {
        name: "api".to_string(),
        replicas: 1,
        workers,
        queue_capacity: 5,
        balancer: Balancer::RoundRobin,
        policies: ServicePolicies {
            queue,
            ..ServicePolicies::NONE
        },
        service_time: Distribution::Exponential {
            mean: SimDuration::from_millis(10),
        },
        calls: Vec::new(),
        classes: ServiceClasses::NONE,
    };
    Service::new(
        config,
        ServiceId(0),
        &[],
        1,
        SimTime::ZERO,
        SimDuration::from_secs(1),
    )
}

/// The FIFO fast path (`fifo`, `ReplicaQueue::next_fifo`), the fast rate-limit and
/// idempotency checks, the skipped unchanged queue levels, the unkept `running` counts and
/// the pool-less `pool_of` measure
/// exactly what the general path does (an adaptive LIFO that never turns is FIFO by another
/// road, and an overload penalty with unlimited cores never stretches work).
#[test]
fn the_plain_fast_paths_agree_with_the_general_path() {
    let never_lifo = QueuePolicy {
        discipline: Discipline::AdaptiveLifo {
            after: SimDuration::MAX,
        },
        ..QueuePolicy::FIFO
    };
    let (mut fast, mut slow) = (
        plain_service(2, QueuePolicy::FIFO),
        plain_service(2, never_lifo),
    );
    slow.config.classes.overload = Some(OverloadConfig {
        cores: u32::MAX,
        penalty: 0.0,
    });
    assert!(fast.fifo && !slow.fifo);
    assert!(fast.config.classes.overload.is_none());
    let mut stream = Stream::new(5, "test/plain");
    let critical = class(0, Priority::Critical);
    let (mut busy, mut now) = (Vec::new(), SimTime::ZERO);
    for job in 0..3_000u32 {
        now = now.add(SimDuration::from_micros(stream.below(8_000)));
        assert!(fast.rate_limit_admits(now, critical.caller));
        assert_eq!(fast.idempotency_check(now, 1, |_| true), None);
        if stream.below(2) == 0 || busy.is_empty() {
            let deadline = (stream.below(5) == 0).then(|| now.add(SimDuration::from_millis(3)));
            let admission = fast.admit(0, job, now, deadline, critical);
            assert_eq!(admission, slow.admit(0, job, now, deadline, critical));
            if let Admission::Started(_) = admission {
                busy.push((job, now));
            }
            continue;
        }
        let (_, arrived) = busy.remove(stream.below(busy.len() as u64) as usize);
        fast.own_work_done(0);
        slow.own_work_done(0);
        assert_eq!(
            fast.pool_of(critical),
            slow.config.classes.pool_of(critical.caller)
        );
        let finished = Finished {
            replica: 0,
            arrived,
            abandoned: false,
            ok: true,
            pool: 0,
        };
        let (mut fast_dropped, mut slow_dropped) = (Vec::new(), Vec::new());
        let next = fast.complete(finished, now, &mut fast_dropped, |k| k % 11 == 0);
        assert_eq!(
            next,
            slow.complete(finished, now, &mut slow_dropped, |k| k % 11 == 0)
        );
        assert_eq!(fast_dropped, slow_dropped);
        if let Some((key, _)) = next {
            busy.push((key, now));
        }
    }
    let result = fast.result(now);
    assert!(
        result.expired > 0 && result.rejected > 0,
        "drops and a full queue happened"
    );
    assert!(result.queue_len_mean > 0.5, "a queue formed");
    assert_eq!(result, slow.result(now));
}

/// Why `complete` may skip setting an unchanged queue length: both averages integrate a
/// level exactly, so a set to the same level changes nothing they report.
#[test]
fn setting_an_unchanged_level_changes_no_average() {
    let second = SimDuration::from_secs(1);
    let (mut every, mut changes) = (
        TimeAverage::new(SimTime::ZERO),
        TimeAverage::new(SimTime::ZERO),
    );
    let (mut every_series, mut changes_series) =
        (LevelSeries::new(second), LevelSeries::new(second));
    let mut stream = Stream::new(5, "test/levels");
    let (mut level, mut now) = (0, SimTime::ZERO);
    for _ in 0..5_000 {
        now = now.add(SimDuration::from_millis(stream.below(700)));
        let next = if stream.below(3) == 0 {
            stream.below(4)
        } else {
            level
        };
        every.set(now, next);
        every_series.set(now, next);
        if next != level {
            changes.set(now, next);
            changes_series.set(now, next);
        }
        level = next;
    }
    let end = now.add(second);
    assert_eq!(every.mean(end), changes.mean(end));
    assert_eq!(every_series.means(end), changes_series.means(end));
}

/// Service times are drawn a batch at a time (so that their logarithms overlap other work),
/// yet they are exactly the stream's draws in order.
#[test]
fn work_is_the_streams_draws_in_order() {
    let mut s = plain_service(1, QueuePolicy::FIFO);
    let mut stream = Stream::new(1, "service/api/service_time");
    let distribution = s.config.service_time.clone();
    for _ in 0..1_000 {
        assert_eq!(
            s.work(0, SimTime::ZERO, crate::config::ClassId::NONE),
            distribution.sample(&mut stream)
        );
    }
}
