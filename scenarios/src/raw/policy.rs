//! The resilience policies of issue #4 as written: outlier detection and a rate limit on a
//! service, CoDel on its queues, a bulkhead on a caller. Their defaults are listed in the table
//! of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// Envoy's consecutive-5xx outlier detection; defaults are Envoy's.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlierDetection {
    /// Failures in a row (5xx-like errors, refusals, timeouts) that eject a replica.
    #[serde(default = "consecutive_5xx_default")]
    pub consecutive_5xx: Count,
    /// Time between ejection sweeps (ejected replicas return at a sweep).
    #[serde(default = "interval_default")]
    pub interval: Duration,
    /// Ejection time of a first ejection; the n-th lasts n times as long.
    #[serde(default = "base_ejection_time_default")]
    pub base_ejection_time: Duration,
    /// Most replicas ejected at once, in percent (one is always allowed).
    #[serde(default = "max_ejection_percent_default")]
    pub max_ejection_percent: Count,
    /// Longest ejection.
    #[serde(default = "max_ejection_time_default")]
    pub max_ejection_time: Duration,
}

fn consecutive_5xx_default() -> Count {
    Count(5)
}

fn interval_default() -> Duration {
    Duration("10s".to_string())
}

fn base_ejection_time_default() -> Duration {
    Duration("30s".to_string())
}

fn max_ejection_percent_default() -> Count {
    Count(10)
}

fn max_ejection_time_default() -> Duration {
    Duration("300s".to_string())
}

/// A bulkhead on a caller (Resilience4j `SemaphoreBulkhead`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bulkhead {
    /// Attempts in flight at once (`maxConcurrentCalls`).
    #[serde(default = "max_concurrent_default")]
    pub max_concurrent: Count,
    /// Longest wait for a slot (`maxWaitDuration`); `"0s"` rejects at once.
    #[serde(default = "max_wait_default")]
    pub max_wait: Duration,
    /// Most attempts waiting for a slot.
    #[serde(default = "max_waiting_default")]
    pub max_waiting: Count,
}

fn max_concurrent_default() -> Count {
    Count(25)
}

fn max_wait_default() -> Duration {
    Duration("0s".to_string())
}

fn max_waiting_default() -> Count {
    Count(10_000)
}

/// A token bucket at a service's edge, shared by all its replicas (Go's `rate.Limiter`).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Tokens added per second, a whole number (the bucket refills continuously).
    pub rate_per_s: Count,
    /// The bucket's capacity, full at the start; absent: one second of tokens.
    #[serde(default)]
    pub burst: Option<Count>,
    /// `"global"` (one bucket) or `"caller"` (one per client or calling service).
    #[serde(default)]
    pub per: super::RateLimitPer,
}

/// CoDel on a replica queue (Nichols & Jacobson 2012; RFC 8289's defaults).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Codel {
    /// The acceptable standing queue delay.
    #[serde(default = "codel_target_default")]
    pub target: Duration,
    /// How long the delay must stay above `target` before drops start.
    #[serde(default = "codel_interval_default")]
    pub interval: Duration,
}

fn codel_target_default() -> Duration {
    Duration("5ms".to_string())
}

fn codel_interval_default() -> Duration {
    Duration("100ms".to_string())
}
