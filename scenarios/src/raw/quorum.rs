//! The `quorum` block as written: a Dynamo-style quorum-replicated store that services call
//! (see `models::quorum` for what it simulates). Its defaults are listed in the table of the
//! parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Distribution, Duration};

/// A quorum-replicated store: replicas `NAME[0]` to `NAME[replicas - 1]`, which services call
/// with `"op": "read"` or `"write"`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quorum {
    /// Unique name among clients, services, the database and the election; replicas are
    /// `NAME[i]` in fault targets.
    #[serde(default = "name_default")]
    pub name: String,
    /// Replicas in all (N); every key is stored on every replica.
    #[serde(default = "replicas_default")]
    pub replicas: Count,
    /// Replicas that must answer a read (R).
    #[serde(default = "quorum_default")]
    pub read_quorum: Count,
    /// Replicas that must acknowledge a write (W).
    #[serde(default = "quorum_default")]
    pub write_quorum: Count,
    /// After each read, bring every reachable replica up to the newest version seen.
    #[serde(default)]
    pub read_repair: bool,
    /// What a coordinator that cannot reach R (or W) replicas does: `"fail"` (CP) or
    /// `"sloppy"` (AP: serve from the replicas it reaches).
    #[serde(default = "on_no_quorum_default")]
    pub on_no_quorum: OnNoQuorum,
    /// Time from a write's acknowledgement to its arrival at the reachable replicas outside
    /// its write quorum.
    #[serde(default = "replication_delay_default")]
    pub replication_delay: Distribution,
    /// Interval of anti-entropy rounds (replicas that reach each other exchange every key's
    /// newest version); absent: none.
    #[serde(default)]
    pub anti_entropy: Option<Duration>,
    /// Keys in the key space; each call's key is drawn uniformly.
    #[serde(default = "keys_default")]
    pub keys: Count,
    /// Workers per replica for services' calls (each replica coordinates the calls that reach
    /// it).
    #[serde(default = "workers_default")]
    pub workers: Count,
    /// Each call's time on its coordinator's worker (the round trip to the replicas).
    #[serde(default = "service_time_default")]
    pub service_time: Distribution,
    /// Availability zones: replica i is placed in zone i mod n (`"zone:NAME"` fault targets).
    #[serde(default)]
    pub zones: Vec<String>,
}

/// What a coordinator without a quorum does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnNoQuorum {
    /// Fail the call (consistency: CP).
    Fail,
    /// Serve it from the replicas it reaches (availability: AP); reads may be stale.
    Sloppy,
}

fn name_default() -> String {
    "kv".to_string()
}

fn replicas_default() -> Count {
    Count(3)
}

fn quorum_default() -> Count {
    Count(2)
}

fn on_no_quorum_default() -> OnNoQuorum {
    OnNoQuorum::Fail
}

fn replication_delay_default() -> Distribution {
    Distribution::constant("10ms")
}

fn keys_default() -> Count {
    Count(1000)
}

fn workers_default() -> Count {
    Count(16)
}

fn service_time_default() -> Distribution {
    Distribution::constant("2ms")
}
