//! The `cost` block: the prices a run's cost is computed from, each 0 (free) by default.
//!
//! | key | default | unit |
//! |---|---|---|
//! | `per_replica_hour` | `0` | one replica of any service for one hour |
//! | `per_million_requests` | `0` | one million attempts served (a worker finished them), at every service |
//! | `per_gb` | `0` | 10^9 bytes of messages: each served attempt's request and reply |
//! | `request_size` | `0` | bytes of a request message: a number, or a string with a unit (`"2KiB"`) |
//! | `reply_size` | `0` | bytes of a reply message, likewise |
//!
//! Prices are in one currency the file does not name. A scenario without the block, or with
//! every price 0, reports no cost at all.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Size;

/// Prices of a run's resources, in one currency; each defaults to 0 (free).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// Price of one replica of any service for one hour.
    #[serde(default)]
    pub per_replica_hour: f64,
    /// Price of one million attempts served (finished by a worker), at every service.
    #[serde(default)]
    pub per_million_requests: f64,
    /// Price of one GB (10^9 bytes) of messages: each served attempt's request and reply.
    #[serde(default)]
    pub per_gb: f64,
    /// Bytes of one request message (a number, or a string with a unit such as `"2KiB"`).
    #[serde(default)]
    pub request_size: Option<Size>,
    /// Bytes of one reply message (a number, or a string with a unit such as `"8KiB"`).
    #[serde(default)]
    pub reply_size: Option<Size>,
}
