//! A deployment of a bad version, as validated data: which service, when, how the new version
//! reaches its replicas (the strategy), how it is worse (the regression), and whether a
//! burn-rate alert rolls it back.
//!
//! Plain data: `deploy` (the rollout and its alert) acts on it; it imports only `sim-core`
//! value types and `id`.

use sim_core::{Probability, SimDuration, SimTime};

use super::id::ServiceId;

/// One service's deployment of a new version.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    /// The service deployed to.
    pub service: ServiceId,
    /// When the rollout starts.
    pub at: SimTime,
    /// How the new version reaches the replicas.
    pub strategy: DeployStrategy,
    /// How the new version is worse than the old.
    pub regression: Regression,
    /// The multi-window burn-rate alert watching the service, if any.
    pub alert: Option<BurnAlert>,
    /// Rolling back on the alert (`None`: the alert only detects).
    pub rollback: Option<Rollback>,
}

/// How a new version reaches a service's replicas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DeployStrategy {
    /// Every replica switches to the new version at the start (in place).
    AllAtOnce,
    /// A new fleet takes all traffic at the start; the old one stays up, so a rollback is a
    /// switch back.
    BlueGreen,
    /// `batch` replicas switch every `interval`, in replica order, from the start.
    Rolling {
        /// Replicas per batch (at least one).
        batch: u32,
        /// Time between batches.
        interval: SimDuration,
    },
    /// A canary takes part of the traffic for `bake`; then every replica switches.
    Canary {
        /// Which traffic the canary takes.
        split: CanarySplit,
        /// How long the canary runs before the rest switch.
        bake: SimDuration,
    },
}

/// The part of the traffic a canary takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CanarySplit {
    /// Each arriving attempt goes to the new version with this probability (a weighted
    /// traffic split, drawn per attempt from its own stream), whichever replica it reached.
    Share(Probability),
    /// Replicas `0..n` run the new version; the balancer decides their traffic.
    Replicas(u32),
}

/// How the new version is worse than the old one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regression {
    /// Fraction of the attempts it serves that fail fast with a retryable (5xx-like) error.
    pub error_rate: Probability,
    /// Multiplier of its service time (1: as fast as the old version).
    pub latency_factor: f64,
    /// Extra service time per attempt (held by the worker, like slower code).
    pub latency_add: SimDuration,
}

/// The multi-window, multi-burn-rate alert of The Site Reliability Workbook (ch. 5,
/// "Alerting on SLOs"), computed inside the run from the service's own answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnAlert {
    /// The SLO's target: the fraction of answers that must be good.
    pub target: f64,
    /// An answer slower than this (from arrival at the replica to the reply) is bad too.
    pub latency_below: Option<SimDuration>,
    /// The long window.
    pub long: SimDuration,
    /// The short window (it divides `long`).
    pub short: SimDuration,
    /// The burn rate both windows must reach to fire.
    pub burn_rate: f64,
    /// How often the alert is evaluated; both windows are whole multiples of it.
    pub every: SimDuration,
}

/// Rolling back when the alert fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rollback {
    /// Time from the alert to every attempt being served by the old version again.
    pub duration: SimDuration,
}

impl DeployStrategy {
    /// The strategy's name as scenario files write it.
    pub fn name(&self) -> &'static str {
        match self {
            DeployStrategy::AllAtOnce => "all_at_once",
            DeployStrategy::BlueGreen => "blue_green",
            DeployStrategy::Rolling { .. } => "rolling",
            DeployStrategy::Canary { .. } => "canary",
        }
    }
}
