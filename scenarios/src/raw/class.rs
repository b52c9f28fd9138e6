//! Caller classes as written (issue #4): a client's `priority`, a service's worker `pools`
//! per caller and its `overload` penalty, and a rate limit's `per`. Their defaults are listed
//! in the table of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Count;

/// A request's criticality (the Google SRE book's `CRITICAL` and `SHEDDABLE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Served while anything is; displaces sheddable work from a full queue.
    #[default]
    Critical,
    /// Shed first.
    Sheddable,
}

/// A worker pool of each replica, reserved for some callers.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// Names of the clients and calling services it serves.
    pub callers: Vec<String>,
    /// Its workers per replica.
    pub workers: Count,
    /// Its queue's capacity per replica; absent: the service's `queue.capacity`.
    #[serde(default)]
    pub queue_capacity: Option<Count>,
}

/// Slower own work when more jobs run on a replica than it has cores.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Overload {
    /// Jobs a replica runs at full speed at once.
    pub cores: Count,
    /// Extra slowdown per job beyond the cores (0.1: 10% per extra job).
    #[serde(default)]
    pub penalty: f64,
}

/// Who shares a rate limit's bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitPer {
    /// One bucket for all callers.
    #[default]
    Global,
    /// One bucket per caller (client or calling service).
    Caller,
}
