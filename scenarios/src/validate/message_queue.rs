//! Validation of the `queues` block: each message queue stands in the world as one more
//! service (after the scenario's own and the database's), whose replicas are its partitions
//! and whose one call is the delivery to its consumer (timeout: the visibility timeout; no
//! retries: redelivery is the queue's). A call publishes to a queue with `"op": "publish"`.

use models::{
    Balancer, CallConfig, Guards, MessageQueueConfig, RetryPolicy, ServiceClasses, ServiceConfig,
    ServiceId, ServicePolicies, WhenFull,
};
use sim_core::Probability;

use super::{Checker, NameList, UNITS_MAX};
use crate::error::{quoted, Path, Referent, ScenarioError};
use crate::raw;

/// Most partitions of a queue: each is a replica of its service.
const PARTITIONS_MAX: u64 = 10_000;

/// Most messages a partition holds: every message held is memory.
const CAPACITY_MAX: u64 = 10_000_000;

/// Most deliveries before the dead-letter queue.
const DELIVERIES_MAX: u64 = 1_000_000;

/// Workers per partition for publishes: a blocked publish holds one.
pub(super) const PUBLISH_WORKERS: u32 = 64;

impl Checker<'_> {
    /// The queues of `raw`, the first of whose services is `first`, with the services that
    /// stand for them; `services` names every service (queues included), `own` the scenario's
    /// own services (a consumer must be one).
    pub(super) fn queues(
        &self,
        raw: &raw::Scenario,
        first: u32,
        services: &NameList<'_>,
        own: &NameList<'_>,
    ) -> Result<(Vec<MessageQueueConfig>, Vec<ServiceConfig>), ScenarioError> {
        let mut queues = Vec::with_capacity(raw.queues.len());
        let mut configs = Vec::with_capacity(raw.queues.len());
        for (i, queue) in raw.queues.iter().enumerate() {
            let path = Path::root().key("queues").element(i, Some(&queue.name));
            let service = ServiceId(first + i as u32);
            let (config, broker) = self.queue(&path, queue, service, services, own)?;
            queues.push(config);
            configs.push(broker);
        }
        Ok((queues, configs))
    }

    fn queue(
        &self,
        path: &Path,
        queue: &raw::MessageQueue,
        service: ServiceId,
        services: &NameList<'_>,
        own: &NameList<'_>,
    ) -> Result<(MessageQueueConfig, ServiceConfig), ScenarioError> {
        self.name(&path.key("name"), &queue.name)?;
        let partitions = self.count(
            &path.key("partitions"),
            queue.partitions,
            1..=PARTITIONS_MAX,
            (
                "a queue needs a partition to hold its messages",
                "each partition is a replica of the queue's service; the cap turns a typo into this error",
            ),
        )? as u32;
        let capacity = self.count(
            &path.key("capacity"),
            queue.capacity,
            1..=CAPACITY_MAX,
            (
                "a partition must hold at least one message",
                "every message held is memory; the cap turns a typo into this error",
            ),
        )? as u32;
        let visibility_timeout = self.positive_duration(
            &path.key("visibility_timeout"),
            &queue.visibility_timeout,
            "it is how long a delivered message stays invisible, e.g. \"30s\"",
        )?;
        let max_deliveries = match queue.max_deliveries {
            None => None,
            Some(n) => Some(self.count(
                &path.key("max_deliveries"),
                n,
                1..=DELIVERIES_MAX,
                (
                    "a message is delivered at least once before the dead-letter queue; remove `max_deliveries` for no dead-letter queue",
                    "remove `max_deliveries` to deliver until acknowledged",
                ),
            )? as u32),
        };
        let concurrency = self.count(
            &path.key("concurrency"),
            queue.concurrency,
            1..=UNITS_MAX,
            (
                "a partition delivers at least one message at a time",
                "deliveries in flight are simulated one by one; the cap turns a typo into this error",
            ),
        )? as u32;
        let poison = Probability::new(queue.poison_fraction).ok_or_else(|| {
            self.bad(
                &path.key("poison_fraction"),
                "must be between 0 and 1",
                queue.poison_fraction,
                "it is a fraction of the messages published: 0.01 means 1%",
            )
        })?;
        let at = path.key("consumer");
        let consumer = match own.position(&queue.consumer) {
            Some(index) => ServiceId(index as u32),
            None if services.position(&queue.consumer).is_some() => {
                return Err(self.bad(
                    &at,
                    "must name one of the scenario's services",
                    quoted(&queue.consumer),
                    "a queue delivers to a service listed in `services`, not to the database or a queue",
                ))
            }
            None => {
                self.reference(&at, &queue.consumer, Referent::Service, own)?;
                unreachable!("an unknown name is an error")
            }
        };
        let when_full = match queue.when_full {
            raw::WhenFull::Block => WhenFull::Block,
            raw::WhenFull::Error => WhenFull::Error,
            raw::WhenFull::Drop => WhenFull::Drop,
        };
        let broker = ServiceConfig {
            name: queue.name.clone(),
            replicas: partitions,
            workers: PUBLISH_WORKERS,
            queue_capacity: 10_000,
            balancer: Balancer::RoundRobin,
            policies: ServicePolicies::NONE,
            service_time: self.distribution(&path.key("publish_time"), &queue.publish_time)?,
            calls: vec![CallConfig {
                target: consumer,
                op: None,
                timeout: Some(visibility_timeout),
                retry: RetryPolicy::NONE,
                guards: Guards::NONE,
                fanout: 1,
                needed: 1,
                optional: false,
                cache: None,
            }],
            classes: ServiceClasses::NONE,
        };
        let config = MessageQueueConfig {
            name: queue.name.clone(),
            partitions,
            capacity,
            when_full,
            visibility_timeout,
            max_deliveries,
            consumer,
            concurrency,
            poison,
            idempotent: queue.idempotent,
            service,
        };
        Ok((config, broker))
    }
}
