//! The `queues` block as written: message queues (Kafka/SQS-like) that services publish to
//! with `{"service": "NAME", "op": "publish"}` and that deliver to a consumer service (see
//! `models::message_queue` for what they simulate). Their defaults are listed in the table
//! of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Distribution, Duration};

/// A message queue: partitions holding messages, delivered to a consumer service.
///
/// A service (or a client, as its `target`) publishes with a call `{"service": "NAME", "op":
/// "publish"}`: the queue's partition (picked round robin) stores the message and answers
/// `ok`, or, when the partition holds `capacity` messages, blocks, refuses or drops it as
/// `when_full` says. Each partition delivers its messages in order, at most `concurrency` at a
/// time, each as one request to `consumer` (its workers, service time, calls and faults apply)
/// with the visibility timeout as that request's timeout. A success acknowledges the message;
/// a failure (an error, a refusal, a crash's timeout) makes it visible again one visibility
/// timeout after that delivery, and after `max_deliveries` deliveries it goes to the
/// dead-letter queue. A delivery that outlasts the timeout is delivered again while the first
/// still works, so the consumer may apply a message twice (a duplicate effect) unless it is
/// `idempotent`. The run's `queues` object counts the messages published after the warm-up:
/// `published = acked + dead_lettered + dropped + in_flight_end`; consumer lag is the messages
/// held (`lag_max_messages`, `lag_end_messages`, `lag_series` per interval) and the age of the
/// oldest one (`lag_max_s`, `lag_end_s`); `wait_ms` is each message's time to its first
/// delivery.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageQueue {
    /// Unique name among clients, services and the database; calls publish to it by this name,
    /// and its partitions are the replicas `NAME[i]` of a service of the same name.
    pub name: String,
    /// Partitions; each holds its own messages and delivers them in publication order.
    #[serde(default = "partitions_default")]
    pub partitions: Count,
    /// Messages each partition holds at most (waiting, in flight or invisible after a failed
    /// delivery).
    #[serde(default = "capacity_default")]
    pub capacity: Count,
    /// What a publish to a full partition does: `"block"` (waits for room, holding a worker
    /// of the queue; its publisher may time out), `"error"` (refused with a retryable
    /// overload reply) or `"drop"` (acknowledged and discarded).
    #[serde(default = "when_full_default")]
    pub when_full: WhenFull,
    /// How long a delivered message stays invisible: the delivery's timeout, and after a
    /// failed delivery the time from that delivery until the message is delivered again.
    #[serde(default = "visibility_timeout_default")]
    pub visibility_timeout: Duration,
    /// Deliveries after which a message never acknowledged goes to the dead-letter queue
    /// (SQS's `maxReceiveCount`); absent: it is delivered until acknowledged.
    #[serde(default)]
    pub max_deliveries: Option<Count>,
    /// The service each message is delivered to, as a request (its workers, service time,
    /// calls and faults apply); a success acknowledges the message.
    pub consumer: String,
    /// Deliveries in flight per partition at most.
    #[serde(default = "concurrency_default")]
    pub concurrency: Count,
    /// The fraction of published messages that are poison: every delivery of one fails.
    #[serde(default)]
    pub poison_fraction: f64,
    /// The consumer keeps the ids of the messages whose effect it applied and applies none
    /// twice (an idempotent consumer).
    #[serde(default)]
    pub idempotent: bool,
    /// Each publish's time on a worker of its partition.
    #[serde(default = "publish_time_default")]
    pub publish_time: Distribution,
}

/// What a publish to a full partition does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Wait for room.
    Block,
    /// Refuse with a retryable overload reply.
    Error,
    /// Acknowledge and discard.
    Drop,
}

fn partitions_default() -> Count {
    Count(1)
}

fn capacity_default() -> Count {
    Count(10_000)
}

fn when_full_default() -> WhenFull {
    WhenFull::Block
}

fn visibility_timeout_default() -> Duration {
    Duration("30s".to_string())
}

fn concurrency_default() -> Count {
    Count(1)
}

fn publish_time_default() -> Distribution {
    Distribution::constant("0s")
}
