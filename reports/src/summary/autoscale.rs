//! A service's autoscaler in the JSON summary (`models::autoscale`): its decisions, the
//! replicas it provisioned (peak, mean, replica-seconds) and the scale-out lag after a load
//! step. Absent (not null) for a service without an autoscaler, so every other scenario
//! prints exactly what it printed before autoscaling existed.

use serde::Serialize;

use models::autoscale::AutoscaleResult;

use crate::stats::round;

/// What a service's autoscaler did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AutoscaleSummary {
    /// Evaluations made (changes or not), warm-up included.
    pub evaluations: u64,
    /// Changes of the replica count, in order, warm-up included.
    pub decisions: Vec<DecisionSummary>,
    /// Changes beyond the ones listed (a controller that flapped past the limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions_dropped: Option<u64>,
    /// Most replicas provisioned at once in the measured window.
    pub replicas_peak: u32,
    /// Mean replicas provisioned over the measured window; null for an empty window.
    pub replicas_mean: Option<f64>,
    /// Replica-seconds provisioned (starting, serving or draining) in the measured window:
    /// what the replicas cost.
    pub replica_seconds: f64,
    /// Seconds from the start of the first load spike in the measured window until the
    /// replicas serving first reached their most during it; null without a load spike, or
    /// when the service did not scale out during it.
    pub scale_out_lag_s: Option<f64>,
}

/// One change of the replica count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DecisionSummary {
    /// When it was made, in seconds from the start.
    pub at_s: f64,
    /// Replicas provisioned before (starting or serving).
    pub from: u32,
    /// Replicas provisioned after.
    pub to: u32,
    /// The per-replica metric value the controller saw.
    pub metric: f64,
}

impl AutoscaleSummary {
    /// The summary of `result`.
    pub fn of(result: &AutoscaleResult) -> AutoscaleSummary {
        AutoscaleSummary {
            evaluations: result.evaluations,
            decisions: result
                .decisions
                .iter()
                .map(|d| DecisionSummary {
                    at_s: round(d.at.as_secs_f64(), 6),
                    from: d.from,
                    to: d.to,
                    metric: round(d.metric, 6),
                })
                .collect(),
            decisions_dropped: (result.decisions_dropped > 0).then_some(result.decisions_dropped),
            replicas_peak: result.peak,
            replicas_mean: result.mean.map(|m| round(m, 6)),
            replica_seconds: round(result.provisioned_ns as f64 / 1e9, 6),
            scale_out_lag_s: result.scale_out_lag.map(|d| round(d.as_secs_f64(), 6)),
        }
    }
}
