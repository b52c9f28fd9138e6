//! The `cache` block of a client or a call (issue #4's caches), as written. Its defaults are
//! listed in the table of the parent module.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// A cache in front of the caller's target: one per client, or one per calling replica.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// Distinct keys requested.
    pub keys: Count,
    /// The Zipf exponent s: the k-th most popular key is requested with probability ∝ k^-s.
    #[serde(default = "zipf_default")]
    pub zipf: f64,
    /// How long a fetched entry stays fresh, on the caller's local clock.
    pub ttl: Duration,
    /// Misses on a key already being fetched wait for that fetch (request coalescing).
    #[serde(default)]
    pub single_flight: bool,
    /// A failed fetch is answered with the expired entry, if there is one.
    #[serde(default)]
    pub serve_stale: bool,
    /// Most entries held, least recently used evicted first; absent holds every key.
    #[serde(default)]
    pub capacity: Option<Count>,
}

fn zipf_default() -> f64 {
    1.0
}
