//! A service's caller-class figures in the summary: per worker pool, per priority, and per
//! rate-limited caller. Each is absent (not empty) when the service does not use it, so a
//! scenario without caller classes prints exactly what it printed before they existed.

use std::collections::BTreeMap;

use serde::Serialize;

use models::{CallerId, ClassResult, PriorityCounts, RunResult};

use super::{ratio, round};

/// One worker pool of a service, summed over its replicas.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PoolSummary {
    /// Its workers across all replicas.
    pub workers: u32,
    /// Attempts that reached it (past the rate limit and any fast error).
    pub arrivals: u64,
    /// Attempts its workers finished.
    pub completed: u64,
    /// Attempts turned away because its queue was full.
    pub rejected: u64,
    /// Mean fraction of its workers busy.
    pub utilization: f64,
}

/// What a service did with the attempts of one priority.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PrioritySummary {
    /// Attempts that reached a replica's queue or workers (past the rate limit and any fast
    /// error).
    pub arrivals: u64,
    /// Attempts turned away by priority shedding (refused above the threshold, or displaced
    /// from a full queue by a critical arrival).
    pub shed: u64,
    /// Attempts turned away by a full queue.
    pub rejected: u64,
}

/// The three optional parts of a service's summary.
pub(super) type Parts = (
    BTreeMap<String, PoolSummary>,
    Option<BTreeMap<String, PrioritySummary>>,
    BTreeMap<String, u64>,
);

/// The pools (by name: `default` or the callers joined with `+`), priorities (`critical`,
/// `sheddable`) and per-caller rate-limit refusals of `classes`, naming callers from `result`.
pub(super) fn parts(classes: &ClassResult, result: &RunResult) -> Parts {
    let pools = classes
        .pools
        .iter()
        .map(|p| {
            let summary = PoolSummary {
                workers: p.capacity,
                arrivals: p.arrivals,
                completed: p.completed,
                rejected: p.rejected,
                utilization: round(ratio(p.busy_mean, f64::from(p.capacity)), 6),
            };
            (p.name.clone(), summary)
        })
        .collect();
    let counts = |c: PriorityCounts| PrioritySummary {
        arrivals: c.arrivals,
        shed: c.shed,
        rejected: c.rejected,
    };
    let priorities = classes.priorities.map(|p| {
        BTreeMap::from([
            ("critical".to_string(), counts(p.critical)),
            ("sheddable".to_string(), counts(p.sheddable)),
        ])
    });
    let limited = classes
        .rate_limited_by_caller
        .iter()
        .map(|(caller, n)| (caller_name(*caller, result), *n))
        .collect();
    (pools, priorities, limited)
}

fn caller_name(caller: CallerId, result: &RunResult) -> String {
    match caller {
        CallerId::Client(c) => result.clients[c.0 as usize].name.clone(),
        CallerId::Service(s) => result.services[s.0 as usize].name.clone(),
    }
}
