//! SLO burn rates and the on-call dashboard beside them: when the services look healthy
//! while the users' error budget burns (issue #21, "dashboards vs users").
//!
//! Definitions from the Google SRE workbook, chapter "Alerting on SLOs": the error budget is
//! the fraction `1 − target` of requests allowed to be bad, and the burn rate of a window is
//! its bad fraction divided by that budget (burn rate 1 spends the budget exactly over the
//! SLO's period; 14.4 spends 2% of a 30-day budget in an hour). A request is good when it
//! succeeds within the SLO's threshold, as in the SLO itself; requests count in the row where
//! they were resolved. The workbook's multi-window alert pages when both a long window (1 h)
//! and a short one (5 min, 1/12 of it) burn at 14.4 or more; simulated runs last minutes, so
//! the windows here are `LONG_WINDOW_S` (60 s) and `SHORT_WINDOW_S` (5 s), the workbook's
//! ratio at a simulation's scale (our choice, not the workbook's).
//!
//! The dashboard is what a service shows about itself, per row: every replica up, its
//! workers' utilization and its error rate (errors and rejections over arrivals). It reads
//! healthy below `UTILIZATION_HIGH` and `ERROR_RATE_HIGH` with every replica up. A row is
//! "green dashboard, burning SLO" when every service reads healthy while an SLO's burn rate
//! is at least 1 both in the row itself and over the short window ending with it. Rows of the
//! warm-up are never marked.
//!
//! What this module does not know: how a run is simulated; it reads a `RunResult`'s series.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use models::RunResult;

use crate::slo::SloSpec;
use crate::stats::round;

/// The workbook's fast-burn threshold: 2% of a 30-day budget in an hour (0.02 × 720 h).
pub const FAST_BURN: f64 = 14.4;

/// The long window of the multi-window alert, in seconds (the workbook's 1 h, scaled).
pub const LONG_WINDOW_S: u64 = 60;

/// The short window, in seconds: 1/12 of the long one, as the workbook recommends.
pub const SHORT_WINDOW_S: u64 = 5;

/// Utilization from which a dashboard shows a service as busy, not healthy (a common
/// alerting threshold; our choice).
pub const UTILIZATION_HIGH: f64 = 0.8;

/// Error rate from which a dashboard shows a service as failing (our choice: 1%).
pub const ERROR_RATE_HIGH: f64 = 0.01;

/// The burn rate of a window with `good` of `total` requests good, against `target`; `None`
/// when the window resolved no request or the SLO allows no bad request (`target` 1).
pub fn burn_rate(good: f64, total: f64, target: f64) -> Option<f64> {
    let budget = 1.0 - target;
    (total > 0.0 && budget > 0.0).then(|| (1.0 - good / total) / budget)
}

/// One SLO's burn over a run, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct SloBurn {
    /// The SLO's client.
    pub client: String,
    /// Its threshold, in milliseconds.
    pub latency_below_ms: f64,
    /// Per row, the burn rate of that row alone (`None`: nothing resolved, or no budget).
    pub rows: Vec<Option<f64>>,
    /// Per row, the burn rate of the short window ending with it.
    pub short: Vec<Option<f64>>,
    /// Per row, the burn rate of the long window ending with it.
    pub long: Vec<Option<f64>>,
}

/// A span of rows, in seconds of the run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// Start, in seconds.
    pub start_s: f64,
    /// End, in seconds.
    pub end_s: f64,
}

impl SloBurn {
    /// The burn of `slo` in `result`; `None` for an SLO of a request class, of an unknown
    /// client, or whose threshold is not among the client's marks (no series of its own).
    pub fn of(result: &RunResult, slo: &SloSpec) -> Option<SloBurn> {
        let Resolved { good, total, .. } = Resolved::of(result, slo)?;
        let width_s = result.series_interval().as_secs_f64();
        let window = |seconds: u64| ((seconds as f64 / width_s).ceil() as usize).max(1);
        let windowed = |rows: usize| -> Vec<Option<f64>> {
            (0..total.len())
                .map(|i| {
                    let from = (i + 1).saturating_sub(rows);
                    let good: f64 = good[from..=i].iter().sum();
                    let total: f64 = total[from..=i].iter().sum();
                    burn_rate(good, total, slo.target).map(|b| round(b, 6))
                })
                .collect()
        };
        Some(SloBurn {
            client: slo.client.clone(),
            latency_below_ms: slo.latency_below.as_millis_f64(),
            rows: windowed(1),
            short: windowed(window(SHORT_WINDOW_S)),
            long: windowed(window(LONG_WINDOW_S)),
        })
    }

    /// Rows where the workbook's multi-window alert fires: both windows burn at `FAST_BURN`
    /// or more.
    pub fn paging(&self) -> Vec<bool> {
        self.short
            .iter()
            .zip(&self.long)
            .map(|(s, l)| s.is_some_and(|s| s >= FAST_BURN) && l.is_some_and(|l| l >= FAST_BURN))
            .collect()
    }
}

/// Per row, whether every service's own dashboard reads healthy (see the module doc).
pub fn dashboard_green(result: &RunResult) -> Vec<bool> {
    let rows = result
        .clients
        .first()
        .map_or(0, |c| c.series.offered_per_s.len());
    (0..rows)
        .map(|i| {
            result.services.iter().all(|s| {
                let series = &s.series;
                let at = |values: &[f64]| values.get(i).copied().unwrap_or(0.0);
                // Every replica starts up, so the series' first row is the replica count.
                let replicas = series.replicas_up.first().copied().unwrap_or(0.0);
                let up = at(&series.replicas_up) >= replicas;
                let utilization = if s.capacity == 0 {
                    0.0
                } else if s.autoscale.is_some() {
                    at(&series.busy) / s.capacity_in_row(i).max(1.0)
                } else {
                    at(&series.busy) / f64::from(s.capacity)
                };
                let arrivals = at(&series.arrivals_per_s);
                let errors = at(&series.errors_per_s) + at(&series.rejected_per_s);
                let error_rate = if arrivals > 0.0 {
                    errors / arrivals
                } else {
                    0.0
                };
                up && utilization < UTILIZATION_HIGH && error_rate < ERROR_RATE_HIGH
            })
        })
        .collect()
}

/// The periods after `warmup_s` where every dashboard reads healthy while `burn` burns its
/// budget: the row's own burn rate and the short window's are both at least 1 (the short
/// window confirms it is sustained; the row's own, that it is still happening, not a trail
/// of an earlier burn), as spans of whole rows.
pub fn green_but_burning(result: &RunResult, burn: &SloBurn, warmup_s: f64) -> Vec<Period> {
    let width_s = result.series_interval().as_secs_f64();
    let green = dashboard_green(result);
    let burning = |b: &Option<f64>| b.is_some_and(|b| b >= 1.0);
    let marked: Vec<bool> = (0..burn.rows.len())
        .map(|i| {
            i as f64 * width_s >= warmup_s
                && green.get(i).copied().unwrap_or(false)
                && burning(&burn.rows[i])
                && burning(&burn.short[i])
        })
        .collect();
    let mut periods: Vec<Period> = Vec::new();
    for (i, on) in marked.iter().enumerate() {
        if !on {
            continue;
        }
        let (start_s, end_s) = (i as f64 * width_s, (i + 1) as f64 * width_s);
        match periods.last_mut() {
            Some(last) if last.end_s == start_s => last.end_s = end_s,
            _ => periods.push(Period { start_s, end_s }),
        }
    }
    periods
}

/// One minute of the on-call view beside the users' (the summary's `dashboard`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Minute {
    /// Start of the minute, in seconds.
    pub start_s: f64,
    /// Each service's own dashboard, by name.
    pub services: BTreeMap<String, ServiceHealth>,
    /// Each SLO's burn rate over the minute, in SLO order (null: nothing resolved, or a
    /// request class's SLO).
    pub slo_burn: Vec<Option<f64>>,
    /// Whether every service reads healthy over the minute.
    pub dashboards_green: bool,
}

/// What a service's dashboard shows for a minute: averages over it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceHealth {
    /// Mean replicas up.
    pub replicas_up: f64,
    /// Mean fraction of workers busy.
    pub utilization: f64,
    /// Errors and rejections over arrivals (null without arrivals).
    pub error_rate: Option<f64>,
}

/// An SLO's requests per row: resolved, and of them good.
struct Resolved {
    good: Vec<f64>,
    total: Vec<f64>,
    target: f64,
}

impl Resolved {
    /// `None` for a request class's SLO, an unknown client, or a threshold that is not among
    /// the client's marks (no series of its own).
    fn of(result: &RunResult, slo: &SloSpec) -> Option<Resolved> {
        if slo.class.is_some() {
            return None;
        }
        let client = result.clients.iter().find(|c| c.name == slo.client)?;
        let mark = client
            .within_marks
            .iter()
            .position(|(mark, _)| *mark == slo.latency_below)?;
        let good = client.series.within_per_s.get(mark)?.clone();
        let total = client
            .series
            .goodput_per_s
            .iter()
            .zip(&client.series.failed_per_s)
            .map(|(ok, failed)| ok + failed)
            .collect();
        Some(Resolved {
            good,
            total,
            target: slo.target,
        })
    }
}

/// Seconds in a dashboard's row.
const MINUTE_S: f64 = 60.0;

/// The run's minutes (rows of at least 60 s, from time 0) as the on-call engineer's
/// dashboards show them, beside each SLO's burn rate over the same minute.
pub fn minutes(result: &RunResult, slos: &[SloSpec]) -> Vec<Minute> {
    let width_s = result.series_interval().as_secs_f64();
    let per = ((MINUTE_S / width_s).ceil() as usize).max(1);
    let rows = result
        .clients
        .first()
        .map_or(0, |c| c.series.offered_per_s.len());
    let sum = |values: &[f64], from: usize, to: usize| -> f64 {
        values.iter().skip(from).take(to - from).sum()
    };
    let burns: Vec<Option<Resolved>> = slos.iter().map(|slo| Resolved::of(result, slo)).collect();
    (0..rows)
        .step_by(per)
        .map(|from| {
            let to = (from + per).min(rows);
            let n = (to - from) as f64;
            let services: BTreeMap<String, ServiceHealth> = result
                .services
                .iter()
                .map(|s| {
                    let series = &s.series;
                    let arrivals = sum(&series.arrivals_per_s, from, to);
                    let errors =
                        sum(&series.errors_per_s, from, to) + sum(&series.rejected_per_s, from, to);
                    let health = ServiceHealth {
                        replicas_up: round(sum(&series.replicas_up, from, to) / n, 3),
                        utilization: if s.capacity == 0 {
                            0.0
                        } else if s.autoscale.is_some() {
                            // With an autoscaler, of the workers provisioned in those rows.
                            let workers: f64 = (from..to).map(|i| s.capacity_in_row(i)).sum();
                            round(sum(&series.busy, from, to) / workers.max(1.0), 4)
                        } else {
                            round(sum(&series.busy, from, to) / n / f64::from(s.capacity), 4)
                        },
                        error_rate: (arrivals > 0.0).then(|| round(errors / arrivals, 6)),
                    };
                    (s.name.clone(), health)
                })
                .collect();
            let dashboards_green = result.services.iter().all(|s| {
                let h = &services[&s.name];
                let replicas = s.series.replicas_up.first().copied().unwrap_or(0.0);
                h.replicas_up >= replicas
                    && h.utilization < UTILIZATION_HIGH
                    && h.error_rate.is_none_or(|e| e < ERROR_RATE_HIGH)
            });
            let slo_burn = burns
                .iter()
                .map(|b| {
                    let b = b.as_ref()?;
                    burn_rate(sum(&b.good, from, to), sum(&b.total, from, to), b.target)
                        .map(|b| round(b, 3))
                })
                .collect();
            Minute {
                start_s: round(from as f64 * width_s, 9),
                services,
                slo_burn,
                dashboards_green,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
