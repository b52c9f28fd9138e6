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
    /// When writes arrive at the leader.
    pub writes: Arrival,
    /// When reads arrive.
    pub reads: Arrival,
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
