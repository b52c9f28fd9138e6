//! A service's autoscaler as validated data: the metric it tracks, its target, its replica
//! bounds, and its delays (evaluation interval, metrics delay and window, provisioning, and
//! cooldowns).
//!
//! Plain data: `autoscale` (the controller) and `world::autoscale` act on it; it imports
//! nothing of the crate.

use sim_core::SimDuration;

/// What the autoscaler measures, per replica, and tracks to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoscaleMetric {
    /// Busy workers over workers (0 to 1), averaged over the metric window.
    Utilization,
    /// Queued attempts per replica, averaged over the metric window.
    QueueLength,
    /// Attempts arriving per replica per second (retries and hedges included) over the
    /// metric window.
    RequestRate,
}

/// Target tracking for one service (`autoscale`): desired replicas = ceil(current × metric /
/// target), clamped to `min_replicas..=max_replicas`, left alone within `tolerance`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutoscaleConfig {
    /// The metric tracked.
    pub metric: AutoscaleMetric,
    /// The metric's target value per replica (positive).
    pub target: f64,
    /// Replicas provisioned at time zero (the service's `replicas` in the file).
    pub initial: u32,
    /// Fewest replicas (at least 1, at most `initial`).
    pub min_replicas: u32,
    /// Most replicas (at least `initial`); the world allocates this many.
    pub max_replicas: u32,
    /// Time between evaluations (positive); the first is one interval after time zero.
    pub interval: SimDuration,
    /// How old the newest metric the controller sees is.
    pub metrics_delay: SimDuration,
    /// How long a stretch of the metric each evaluation averages (positive).
    pub window: SimDuration,
    /// Cold start: time from a scale-out decision until the new replica takes traffic.
    pub provisioning: SimDuration,
    /// After a scale-out, no further scale-out for this long.
    pub scale_out_cooldown: SimDuration,
    /// After any scaling, no scale-in for this long.
    pub scale_in_cooldown: SimDuration,
    /// No change while metric / target lies within 1 ± this (Kubernetes' default 0.1).
    pub tolerance: f64,
}
