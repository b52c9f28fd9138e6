//! The `deployments` object of the run summary: per deploying service, what each version
//! served and when the rollout completed, the alert fired and the rollback was done; absent
//! when no service deploys.

use serde::Serialize;

use models::DeploymentResult;
use sim_core::SimTime;

use super::round;

/// What one deployment did, in the summary's units (seconds from the start, counts over the
/// measured window).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeploymentSummary {
    /// `all_at_once`, `blue_green`, `rolling` or `canary`.
    pub strategy: String,
    /// When the rollout started.
    pub at_s: f64,
    /// Attempts the new version answered.
    pub served_new: u64,
    /// Attempts the old version answered.
    pub served_old: u64,
    /// Attempts the new version answered badly (a 5xx-like error, or slower than the alert's
    /// `latency_below`).
    pub bad_requests: u64,
    /// Attempts the old version answered badly, by the same rule.
    pub bad_old: u64,
    /// When every replica ran the new version; null if it never did.
    pub completed_at_s: Option<f64>,
    /// When the burn-rate alert fired; null if it never did (or there is no alert).
    pub alert_at_s: Option<f64>,
    /// From the start of the rollout to the alert; null without an alert.
    pub time_to_detect_s: Option<f64>,
    /// When the rollback was done; null if there was none.
    pub rolled_back_at_s: Option<f64>,
}

impl DeploymentSummary {
    /// The summary of one deployment's results.
    pub fn of(result: &DeploymentResult) -> DeploymentSummary {
        let seconds = |t: SimTime| round(t.as_secs_f64(), 9);
        DeploymentSummary {
            strategy: result.strategy.to_string(),
            at_s: seconds(result.at),
            served_new: result.served_new,
            served_old: result.served_old,
            bad_requests: result.bad_requests,
            bad_old: result.bad_old,
            completed_at_s: result.completed_at.map(seconds),
            alert_at_s: result.alert_at.map(seconds),
            time_to_detect_s: result
                .alert_at
                .map(|a| round(a.since(result.at).as_secs_f64(), 9)),
            rolled_back_at_s: result.rolled_back_at.map(seconds),
        }
    }
}
