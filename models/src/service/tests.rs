//! `Service::admit` with caller classes: pools, priority shedding and displacement, counted
//! exactly.

use sim_core::{Distribution, Probability, SimDuration, SimTime};

use super::{Admission, Service};
use crate::caller_class::{AttemptClass, CallerId, PoolConfig, ServiceClasses};
use crate::config::{Balancer, ClientId, ServiceConfig, ServiceId, ServicePolicies};
use crate::priority::Priority;

fn class(client: u32, priority: Priority) -> AttemptClass {
    AttemptClass {
        caller: CallerId::Client(ClientId(client)),
        priority,
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
    Service::new(config, ServiceId(0), &[], 1, SimTime::ZERO)
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
