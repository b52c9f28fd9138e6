//! Trade-offs: what a variant's latency verdict cost, in one line ("hedged buys 412 ms of
//! user p99 latency for 0.5% ± 0.1% more spend").
//!
//! A sentence is written only where the p99 latency of a client's successes or an SLO's
//! attainment has a real verdict (`verdict::judge` said better or worse: significant, defined
//! in every seed, and a latency never in favour of a variant that succeeds less) and the
//! scenario has prices (a cost per
//! hour in every seed). The spend is the paired difference of the cost per hour, as a share
//! of the baseline's mean, with its interval; a difference whose interval contains 0 is said
//! to be no significant change. Without a latency verdict or a cost, nothing is said.

use super::measure::COST_PER_HOUR;
use super::{number, Judgement, MetricRow};
use crate::metric::LatencyView;
use crate::stats::Interval;

/// The trade-off sentences of every variant but the baseline (`rows[..].by_variant[0]`), in
/// metric and variant order.
pub fn find(rows: &[MetricRow]) -> Vec<String> {
    let Some(cost) = rows.iter().find(|row| row.metric.key == COST_PER_HOUR) else {
        return Vec::new();
    };
    let Some(base) = cost.by_variant.first().and_then(|v| v.estimate) else {
        return Vec::new();
    };
    let baseline = &cost.by_variant[0].variant;
    let mut out = Vec::new();
    for row in rows {
        // What a verdict on this row is about: the p99 latency of a client's successes, or an
        // SLO's attainment (in percentage points).
        let (unit, what, gain_is_less) = match &row.metric.latency_of {
            Some(of)
                if of.view == LatencyView::Successes
                    && row.metric.key.ends_with(".latency_p99") =>
            {
                ("ms", format!("{} p99 latency", of.client), true)
            }
            None if row.metric.target.is_some() => ("points", row.metric.label.clone(), false),
            _ => continue,
        };
        for (verdict, spend) in row.by_variant.iter().zip(&cost.by_variant).skip(1) {
            let (Some(judgement), Some(moved), Some(spend)) =
                (verdict.judgement, verdict.difference, spend.difference)
            else {
                continue;
            };
            if !matches!(judgement, Judgement::Better | Judgement::Worse) {
                continue;
            }
            let variant = &verdict.variant;
            let amount = format!("{} {unit}", magnitude(&moved));
            let lose = if gain_is_less {
                format!("{amount} more {what}")
            } else {
                format!("{amount} less {what}")
            };
            let share = percent(&spend, base.mean);
            let significant = spend.excludes_zero();
            let more = spend.mean > 0.0;
            let sentence = match (judgement, significant, more) {
                (Judgement::Better, true, true) => format!(
                    "{variant} buys {amount} of {what} for {share} more spend than {baseline}"
                ),
                (Judgement::Better, true, false) => format!(
                    "{variant} buys {amount} of {what} and spends {share} less than {baseline}"
                ),
                (Judgement::Better, false, _) => format!(
                    "{variant} buys {amount} of {what} with no significant change in spend from {baseline} ({}{share})",
                    sign(spend.mean)
                ),
                (_, true, false) => {
                    format!("{variant} saves {share} of {baseline}'s spend for {lose}")
                }
                (_, true, true) => {
                    format!("{variant} spends {share} more than {baseline} for {lose}")
                }
                (_, false, _) => format!(
                    "{variant} has {lose} than {baseline} with no significant change in spend ({}{share})",
                    sign(spend.mean)
                ),
            };
            out.push(sentence);
        }
    }
    out
}

/// `|mean| ± half`, digits fit to the interval.
fn magnitude(value: &Interval) -> String {
    match value.half_width {
        Some(half) => format!(
            "{} ± {}",
            number(value.mean.abs(), Some(half)),
            number(half, Some(half))
        ),
        None => number(value.mean.abs(), None),
    }
}

/// A difference as a share of the baseline's mean: `11% ± 2%` (absolute, in the metric's
/// unit, when the baseline's mean is 0).
fn percent(difference: &Interval, base: f64) -> String {
    if base <= 0.0 {
        return format!("{} per hour", magnitude(difference));
    }
    let scaled = Interval {
        mean: difference.mean / base * 100.0,
        half_width: difference.half_width.map(|h| h / base * 100.0),
        n: difference.n,
    };
    match scaled.half_width {
        Some(half) => format!(
            "{}% ± {}%",
            number(scaled.mean.abs(), Some(half)),
            number(half, Some(half))
        ),
        None => format!("{}%", number(scaled.mean.abs(), None)),
    }
}

fn sign(value: f64) -> &'static str {
    if value < 0.0 {
        "−"
    } else {
        "+"
    }
}

#[cfg(test)]
mod tests;
