//! A service's `autoscale` block as written: target tracking on one metric (see
//! `models::autoscale` for the rule). `replicas` is the starting count.
//!
//! | key | default | why |
//! |---|---|---|
//! | `metric` | required: `"utilization"`, `"queue_length"` or `"request_rate"` | what to track, per replica |
//! | `target` | required | the metric's value per replica to hold (utilization 0–1; queued attempts; attempts per second) |
//! | `min_replicas` | `1` | |
//! | `max_replicas` | required | the world allocates this many; an autoscaler without a ceiling scales into any retry storm |
//! | `interval` | `"15s"` | the Kubernetes HPA's sync period |
//! | `metrics_delay` | `"0s"` | how old the newest data the controller sees is (CloudWatch publishes a minute's datapoint a minute or more late) |
//! | `window` | `"60s"` | one CloudWatch datapoint |
//! | `provisioning` | `"0s"` | cold start: from decision to serving |
//! | `scale_out_cooldown` | `"0s"` | the HPA adds replicas without a stabilization window |
//! | `scale_in_cooldown` | `"300s"` | the HPA's scale-down stabilization window and AWS's default cooldown |
//! | `tolerance` | `0.1` | the HPA's default tolerance |

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// Target-tracking autoscaling of a service's replicas, as the Kubernetes HPA and AWS target
/// tracking do it: every `interval`, desired = ceil(current × metric / target), clamped to
/// `min_replicas..=max_replicas`, unchanged while metric / target lies within 1 ± `tolerance`.
/// The service's `replicas` is the starting count; `max_replicas` are allocated, those not
/// provisioned are down and take no traffic. A new replica serves after `provisioning`; a
/// removed one stops taking new attempts and finishes its jobs (drains). With prices, a
/// replica is billed only while provisioned.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    /// What is tracked, per replica: `utilization`, `queue_length` or `request_rate`
    /// (attempts arriving, retries included).
    pub metric: AutoscaleMetric,
    /// The metric's value per replica to hold (utilization: 0 to 1).
    pub target: f64,
    /// Fewest replicas (default 1; at most `replicas`).
    #[serde(default = "super::one")]
    pub min_replicas: Count,
    /// Most replicas (at least `replicas`).
    pub max_replicas: Count,
    /// Time between evaluations (default 15s, the HPA's sync period).
    #[serde(default = "interval_default")]
    pub interval: Duration,
    /// How old the newest metric data the controller sees is (default 0s).
    #[serde(default = "zero")]
    pub metrics_delay: Duration,
    /// How long a stretch of the metric each evaluation averages (default 60s).
    #[serde(default = "window_default")]
    pub window: Duration,
    /// Cold start: time from a scale-out decision until a new replica takes traffic
    /// (default 0s).
    #[serde(default = "zero")]
    pub provisioning: Duration,
    /// After a scale-out, no further scale-out for this long (default 0s).
    #[serde(default = "zero")]
    pub scale_out_cooldown: Duration,
    /// After any scaling, no scale-in for this long (default 300s, the HPA's scale-down
    /// stabilization window).
    #[serde(default = "scale_in_cooldown_default")]
    pub scale_in_cooldown: Duration,
    /// No change while metric / target lies within 1 ± this (default 0.1, the HPA's).
    #[serde(default = "tolerance_default")]
    pub tolerance: f64,
}

/// The metric an autoscaler tracks.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AutoscaleMetric {
    /// Busy workers over workers (0 to 1).
    Utilization,
    /// Queued attempts per replica.
    QueueLength,
    /// Attempts arriving per replica per second (retries included).
    RequestRate,
}

fn interval_default() -> Duration {
    Duration("15s".to_string())
}

fn window_default() -> Duration {
    Duration("60s".to_string())
}

fn scale_in_cooldown_default() -> Duration {
    Duration("300s".to_string())
}

fn zero() -> Duration {
    Duration("0s".to_string())
}

fn tolerance_default() -> f64 {
    0.1
}
