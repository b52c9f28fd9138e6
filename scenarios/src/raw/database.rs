//! The `database` block as written: a leader–follower database with replication lag and
//! failover (see `models::database` for what it simulates). Its defaults are listed in the
//! table of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Arrival, Count, Distribution, Duration};

/// A leader–follower database: nodes `NAME[0]` (the first leader) to `NAME[followers]`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Unique name among clients and services; nodes are `NAME[i]` in fault targets.
    #[serde(default = "name_default")]
    pub name: String,
    /// Followers of the leader (the database has one node more).
    #[serde(default = "followers_default")]
    pub followers: Count,
    /// Its own writes, arriving at the leader besides those services' calls make (`"op":
    /// "write"`); absent: only calls write.
    #[serde(default)]
    pub writes: Option<Arrival>,
    /// Its own reads, besides calls' (`"op": "read"`); absent: only calls read.
    #[serde(default)]
    pub reads: Option<Arrival>,
    /// Workers per node for services' calls (each node is a replica of a service named
    /// after the database).
    #[serde(default = "workers_default")]
    pub workers: Count,
    /// Each call's time on its node's worker.
    #[serde(default = "service_time_default")]
    pub service_time: Distribution,
    /// Which nodes serve reads.
    #[serde(default = "read_from_default")]
    pub read_from: ReadFrom,
    /// Time from a write's commit on the leader to its arrival on a follower.
    pub replication_lag: Distribution,
    /// When a write is acknowledged.
    #[serde(default = "replication_default")]
    pub replication: Replication,
    /// Time from the leader's crash to a follower's promotion (detection plus promotion).
    #[serde(default = "failover_after_default")]
    pub failover_after: Duration,
    /// Which follower a failover promotes.
    #[serde(default = "promote_default")]
    pub promote: Promote,
}

/// What a service's call asks of the database or the message queue it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// A read, routed per `read_from`.
    Read,
    /// A write, routed to the leader.
    Write,
    /// A message published to a queue (`queues`).
    Publish,
}

/// Which nodes serve reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReadFrom {
    /// Any live node but the leader.
    Followers,
    /// The leader only.
    Leader,
    /// Any live node.
    Any,
}

/// When a write is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Replication {
    /// At commit on the leader.
    Async,
    /// Once a follower has it.
    SemiSync,
}

/// Which follower a failover promotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Promote {
    /// The one with the most of the log.
    MostCaughtUp,
    /// The lowest-numbered live one.
    First,
}

fn workers_default() -> Count {
    Count(16)
}

fn service_time_default() -> Distribution {
    Distribution::constant("1ms")
}

fn name_default() -> String {
    "db".to_string()
}

fn followers_default() -> Count {
    Count(2)
}

fn read_from_default() -> ReadFrom {
    ReadFrom::Followers
}

fn replication_default() -> Replication {
    Replication::Async
}

fn failover_after_default() -> Duration {
    Duration("30s".to_string())
}

fn promote_default() -> Promote {
    Promote::MostCaughtUp
}
