//! The `election` block as written: N nodes electing a leader through a lease in a store (see
//! `models::election` for what it simulates). Its defaults are listed in the table of the
//! parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Arrival, ArrivalKind, Distribution};
use super::{Count, Duration};

/// A lease election: nodes `NAME[0]` .. `NAME[nodes-1]` and the store `NAME.store`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Election {
    /// Unique among clients and services; nodes are `NAME[i]`, the store `NAME.store`.
    #[serde(default = "name_default")]
    pub name: String,
    /// Nodes competing for the lease.
    #[serde(default = "nodes_default")]
    pub nodes: Count,
    /// Lease duration, counted by the store from its receipt of a request.
    #[serde(default = "lease_default")]
    pub lease: Duration,
    /// How often the leader renews, by its own clock.
    #[serde(default = "renew_every_default")]
    pub renew_every: Duration,
    /// How often a node that is not leader asks for the lease, by its own clock.
    #[serde(default = "retry_every_default")]
    pub retry_every: Duration,
    /// Subtracted from the lease when a holder decides how long it may act.
    #[serde(default = "safety_margin_default")]
    pub safety_margin: Duration,
    /// One-way latency between a node and the store.
    #[serde(default = "store_latency_default")]
    pub store_latency: Distribution,
    /// The acting leader's writes to the store (a rate of 0 writes nothing).
    #[serde(default = "writes_default")]
    pub writes: Arrival,
    /// The store rejects writes whose token is not its current, unexpired lease.
    #[serde(default)]
    pub fencing: bool,
}

fn name_default() -> String {
    "election".to_string()
}

fn nodes_default() -> Count {
    Count(3)
}

fn lease_default() -> Duration {
    Duration("15s".to_string())
}

fn renew_every_default() -> Duration {
    Duration("2s".to_string())
}

fn retry_every_default() -> Duration {
    Duration("2s".to_string())
}

fn safety_margin_default() -> Duration {
    Duration("0s".to_string())
}

fn store_latency_default() -> Distribution {
    Distribution::constant("1ms")
}

fn writes_default() -> Arrival {
    Arrival {
        kind: ArrivalKind::Poisson,
        rate_per_s: 10.0,
    }
}
