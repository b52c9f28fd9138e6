//! The `random_faults` block: a recipe for a fault schedule drawn from the seed, and the kinds
//! it may draw.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// A recipe for faults drawn from the seed.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomFaults {
    /// How many faults to draw.
    pub count: Count,
    /// Kinds to choose from; default every kind that can hit one of the targets
    /// (`zone_outage` only when services are placed in `zones`).
    #[serde(default)]
    pub kinds: Option<Vec<RandomKind>>,
    /// What may be hit: service names, the election's name, the database's name; default all.
    #[serde(default)]
    pub targets: Option<Vec<String>>,
    /// Earliest and latest start; default the whole run.
    #[serde(default)]
    pub start: Option<[Duration; 2]>,
    /// Shortest and longest duration; default 1s to 30s.
    #[serde(default)]
    pub duration: Option<[Duration; 2]>,
    /// Slowdown factors; default 2 to 10.
    #[serde(default)]
    pub factor: Option<[f64; 2]>,
    /// Error-burst fractions; default 0.1 to 0.5.
    #[serde(default)]
    pub fraction: Option<[f64; 2]>,
    /// Added latencies; default 10ms to 100ms.
    #[serde(default)]
    pub add: Option<[Duration; 2]>,
    /// Clock steps, signed; default -2s to 2s.
    #[serde(default)]
    pub jump: Option<[Duration; 2]>,
    /// New clock drifts in parts per million; default -500 to 500.
    #[serde(default)]
    pub drift_ppm: Option<[f64; 2]>,
}

/// The kinds a random schedule can draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RandomKind {
    /// Every replica slows down.
    Slowdown,
    /// One replica crashes and restarts.
    Crash,
    /// A fraction of attempts fail fast.
    ErrorBurst,
    /// Added latency on a service's links.
    Latency,
    /// Two services cannot reach each other (an election node and its store; a database node
    /// and the other nodes).
    Partition,
    /// One replica or election node freezes and resumes intact.
    Pause,
    /// Errors ramp up to a peak and back down.
    Brownout,
    /// One replica's or election node's clock steps.
    ClockJump,
    /// One replica's or election node's clock starts drifting.
    DriftChange,
    /// Every replica placed in one zone crashes at once.
    ZoneOutage,
}
