//! A service's outbox block as validated data: the database write and the queue publish that
//! make one business operation, and how they are kept together (see `outbox` for the
//! semantics).

use sim_core::SimDuration;

use super::ServiceId;

/// A validated outbox block of one service: each of its jobs commits a write (its call
/// number `write_call`, to the database) and publishes an event about it (its call number
/// `publish_call`, to a queue), by dual write or through a transactional outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxConfig {
    /// How the write and its event are kept together.
    pub mode: OutboxMode,
    /// The service that stands for the database's nodes (the write call's target).
    pub database: ServiceId,
    /// The queue the events go to, by index among the world's queues.
    pub queue: u32,
    /// The queue's service (the publish call's target).
    pub queue_service: ServiceId,
    /// Index of the write call among the service's calls.
    pub write_call: u32,
    /// Index of the publish call among the service's calls (skipped in `Outbox` mode: the
    /// relay publishes instead).
    pub publish_call: u32,
    /// Time between the relay's polls of the outbox table (`Outbox` mode).
    pub relay_interval: SimDuration,
    /// Rows the relay publishes per poll at most (≥ 1).
    pub relay_batch: u32,
    /// Time from the relay's publish to its marking the rows published (the broker's
    /// acknowledgement); a relay crash inside it leaves the rows unmarked, so they are
    /// published again.
    pub relay_ack: SimDuration,
}

/// How a service keeps its database write and its event together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxMode {
    /// Two separate steps, in the order of the service's calls: a crash or a failure between
    /// them loses an event (write first) or invents one (publish first).
    DualWrite,
    /// The event row commits in the same write as the data; a relay on the service's replica
    /// 0 polls the table, publishes unpublished rows in order and marks them published.
    Outbox,
}
