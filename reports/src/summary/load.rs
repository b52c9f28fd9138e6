//! Issue #14's workload figures in the JSON summary: a client group's size and its
//! members' own counts, and what each request class measured. Each is absent (not null,
//! not empty) for a single client without classes, so older scenarios print exactly what
//! they printed before.
//!
//! A group is reported under its own name with every figure summed over its members (one
//! set of histograms and series, however many members); with `report_members` its
//! `members` list each member's counts, in member order.

use std::collections::BTreeMap;

use serde::Serialize;

use models::{ClientResult, MemberResult, RequestClassResult};

use super::{ratio, round, Quantiles};

/// One member of a client group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberSummary {
    /// Its name, `NAME[i]`.
    pub name: String,
    /// Requests issued after the warm-up.
    pub requests: u64,
    /// Of them, those that succeeded.
    pub succeeded: u64,
    /// Of them, those that failed.
    pub failed: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// `succeeded / requests`; null without requests.
    pub success: Option<f64>,
    /// The mean latency of its successes in milliseconds; null without any.
    pub latency_mean_ms: Option<f64>,
}

/// One request class of a client.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestClassSummary {
    /// Requests of the class issued after the warm-up.
    pub requests: u64,
    /// Of them, those that succeeded.
    pub succeeded: u64,
    /// Of them, those that failed.
    pub failed: u64,
    /// Of them, those still unresolved when the run ended.
    pub in_flight: u64,
    /// `succeeded / requests`; null without requests.
    pub success: Option<f64>,
    /// Latency of its successes.
    pub latency_ms: Quantiles,
}

/// A client's `count`: absent for a single client.
pub(super) fn count(c: &ClientResult) -> Option<u32> {
    (c.count > 1).then_some(c.count)
}

/// A client's members, when it reports them.
pub(super) fn members(c: &ClientResult) -> Vec<MemberSummary> {
    c.members.iter().map(member).collect()
}

fn member(m: &MemberResult) -> MemberSummary {
    MemberSummary {
        name: m.name.clone(),
        requests: m.requests,
        succeeded: m.succeeded,
        failed: m.failed,
        attempts: m.attempts,
        success: (m.requests > 0).then(|| round(m.succeeded as f64 / m.requests as f64, 6)),
        latency_mean_ms: (m.succeeded > 0)
            .then(|| round(m.latency_sum_ns as f64 / m.succeeded as f64 / 1e6, 3)),
    }
}

/// A client's request classes by name; empty without classes.
pub(super) fn classes(c: &ClientResult) -> BTreeMap<String, RequestClassSummary> {
    c.classes
        .iter()
        .map(|k| (k.name.clone(), class(k)))
        .collect()
}

fn class(k: &RequestClassResult) -> RequestClassSummary {
    RequestClassSummary {
        requests: k.requests,
        succeeded: k.succeeded,
        failed: k.failed,
        in_flight: k.requests - k.succeeded - k.failed,
        success: (k.requests > 0).then(|| round(ratio(k.succeeded as f64, k.requests as f64), 6)),
        latency_ms: Quantiles::of(&k.latency),
    }
}
