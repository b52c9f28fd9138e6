//! A service's `outbox` block as written: its database write and the event about it, kept
//! together by dual write or a transactional outbox (see `models::outbox` for what is
//! simulated and counted).
//!
//! | key | default | why |
//! |---|---|---|
//! | `database` | required | the database the service's write call goes to |
//! | `queue` | required | the queue the service's publish call goes to |
//! | `mode` | `"dual_write"` | what most code does first: write, then publish |
//! | `relay_interval` | `"100ms"` | a polling publisher's usual period (Debezium's `poll.interval.ms` is 500 ms; Spring Modulith and most hand-written relays poll every 100 ms to 1 s) |
//! | `relay_batch` | `100` | rows per poll, so one slow poll cannot hold the table |
//! | `relay_ack` | `"5ms"` | a broker's acknowledgement inside a data centre |

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// One business operation per job: the service's call that writes to the database and its
/// call that publishes an event about the write to a queue. With `"dual_write"` they are two
/// steps in the order the calls are listed: a crash of the replica or a failed call between
/// them leaves a committed write without its event (lost) or an event whose write never
/// committed (invented). With `"outbox"` the event row commits in the same write as the data
/// and the publish call is not made: a relay on the service's replica 0 polls the table every
/// `relay_interval`, publishes up to `relay_batch` unpublished rows in order and marks them
/// published when the broker acknowledges (`relay_ack` later); a relay crash in between
/// publishes them again (a duplicate with the same message id, which an idempotent consumer
/// refuses). The run's `outboxes` object (by service) counts the operations begun after the
/// warm-up, classed when arrivals end: `consistent` (committed and published), `lost`
/// (committed, never published), `invented` (published, never committed), `pending_end` (one
/// step done, the other still possible), `in_flight_end` (neither yet, its job still running)
/// and `aborted` (neither, ever); they add up to `operations`, `committed = consistent + lost
/// + pending_end` when the write goes first, and `published` counts each event once while
/// `duplicates` counts its republications. `lag_ms` is commit to first publication. A write
/// is committed when the database leader takes it; one a failover later discards stays
/// committed here (the database counts it as `writes_lost_in_failover`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    /// The database's name: the service must have a call `{"service": DATABASE, "op": "write"}`.
    pub database: String,
    /// The queue's name: the service must have a call `{"service": QUEUE, "op": "publish"}`.
    pub queue: String,
    /// `"dual_write"` (two steps; the default) or `"outbox"` (one write, and a relay
    /// publishes).
    #[serde(default = "mode_default")]
    pub mode: OutboxMode,
    /// Time between the relay's polls (default `"100ms"`).
    #[serde(default = "relay_interval_default")]
    pub relay_interval: Duration,
    /// Rows the relay publishes per poll at most (default 100); its throughput is
    /// `relay_batch / relay_interval`.
    #[serde(default = "relay_batch_default")]
    pub relay_batch: Count,
    /// Time from the relay's publish to its marking the rows published (default `"5ms"`).
    #[serde(default = "relay_ack_default")]
    pub relay_ack: Duration,
}

/// How the write and its event are kept together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboxMode {
    /// Write and publish as two steps, in the order of the calls.
    DualWrite,
    /// The event row commits with the write; a relay publishes it.
    Outbox,
}

fn mode_default() -> OutboxMode {
    OutboxMode::DualWrite
}

fn relay_interval_default() -> Duration {
    Duration("100ms".to_string())
}

fn relay_batch_default() -> Count {
    Count(100)
}

fn relay_ack_default() -> Duration {
    Duration("5ms".to_string())
}
