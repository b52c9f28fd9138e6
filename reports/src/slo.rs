//! `SloSpec`: a service-level objective as reports judge it, the vocabulary that `summary`
//! (its verdict) and `burn` (its burn rate) share, below both so neither imports the other.

use sim_core::SimDuration;

/// A service-level objective to judge: the fraction of a client's requests that succeed
/// within `latency_below` must reach `target`.
#[derive(Clone, Debug, PartialEq)]
pub struct SloSpec {
    /// Client name.
    pub client: String,
    /// The client's request class it judges; `None`: all its requests.
    pub class: Option<String>,
    /// Latency threshold.
    pub latency_below: SimDuration,
    /// Required fraction in (0, 1].
    pub target: f64,
}
