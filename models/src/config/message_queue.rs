//! A message queue as validated data (Kafka/SQS-like; see `message_queue` for the semantics):
//! partitions with a capacity, what a full partition does, the visibility timeout, the
//! dead-letter rule, and the consumer service it delivers to.

use sim_core::{Probability, SimDuration};

use super::ServiceId;

/// A validated message queue: publishers call its service (`service`, one replica per
/// partition) and it delivers each message to `consumer` as an ordinary request.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageQueueConfig {
    /// Unique name; its service has the same name, its streams are `queue/NAME/*`.
    pub name: String,
    /// Partitions (≥ 1): the replicas of its service, each with its own messages.
    pub partitions: u32,
    /// Messages a partition holds (waiting, in flight or invisible after a failed delivery).
    pub capacity: u32,
    /// What a publish to a full partition does.
    pub when_full: WhenFull,
    /// How long a delivered message stays invisible: the delivery's timeout at the queue, and
    /// after a failed delivery the time from that delivery until the message is delivered
    /// again.
    pub visibility_timeout: SimDuration,
    /// Deliveries after which a message that was never acknowledged goes to the dead-letter
    /// queue; `None`: never (it is delivered until it is acknowledged).
    pub max_deliveries: Option<u32>,
    /// The service its messages are delivered to.
    pub consumer: ServiceId,
    /// Deliveries in flight per partition at most (≥ 1).
    pub concurrency: u32,
    /// The chance that a published message is poison: every delivery of it fails.
    pub poison: Probability,
    /// The consumer keeps a store of the message ids whose effect it applied and applies
    /// none twice.
    pub idempotent: bool,
    /// The world's service that stands for its partitions (set by validation: publishes are
    /// attempts to it, deliveries its one call to `consumer`).
    pub service: ServiceId,
}

/// What a publish to a full partition does (the queue's backpressure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// The publish waits (holding its worker at the queue) until a message leaves the
    /// partition; its publisher may time out meanwhile.
    Block,
    /// The publish is refused with a retryable overload reply (`Reply::Rejected`).
    Error,
    /// The publish is acknowledged and the message discarded (counted as dropped).
    Drop,
}
