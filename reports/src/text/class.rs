//! A service's caller-class lines of the text summary: its worker pools, what it did per
//! priority, and which callers its per-caller rate limit refused. Nothing is printed for a
//! service without them.

use std::fmt::Write;

use crate::summary::ServiceSummary;

/// Appends `name`'s pool, priority and per-caller rate-limit lines to `out`, if it has any.
pub(super) fn render(out: &mut String, name: &str, s: &ServiceSummary) {
    if !s.pools.is_empty() {
        let pools: Vec<String> = s
            .pools
            .iter()
            .map(|(pool, p)| {
                format!(
                    "{pool} ({} workers) {} arrivals, {} completed, {} rejected, {:.1}% busy",
                    p.workers,
                    p.arrivals,
                    p.completed,
                    p.rejected,
                    p.utilization * 100.0
                )
            })
            .collect();
        let _ = writeln!(out, "{name} pools: {}", pools.join("; "));
    }
    if let Some(priorities) = &s.priorities {
        let levels: Vec<String> = priorities
            .iter()
            .map(|(level, p)| {
                format!(
                    "{level} {} arrivals, {} shed, {} rejected",
                    p.arrivals, p.shed, p.rejected
                )
            })
            .collect();
        let _ = writeln!(out, "{name} priorities: {}", levels.join("; "));
    }
    if !s.rate_limited_by_caller.is_empty() {
        let callers: Vec<String> = s
            .rate_limited_by_caller
            .iter()
            .map(|(caller, n)| format!("{caller} {n}"))
            .collect();
        let _ = writeln!(
            out,
            "{name} rate limited per caller: {}",
            callers.join(", ")
        );
    }
}
