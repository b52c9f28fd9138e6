//! Metrics: a number measured once per run, its unit, and which direction of it is good.
//!
//! A comparison, a sweep and a run's digest all speak of metrics; they live here, below all
//! three, so that none of them imports another for the vocabulary.

use serde::{Deserialize, Serialize};

/// Which direction of a metric is good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// More is better (goodput, SLO attainment).
    Higher,
    /// Less is better (latency, amplification).
    Lower,
    /// Neither: shown, never judged (utilization).
    Neither,
}

/// A number measured once per run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Stable identifier (`clients.web.goodput_per_s`).
    pub key: String,
    /// Words for tables (`web goodput`).
    pub label: String,
    /// Unit (`req/s`, `ms`, `%`).
    pub unit: String,
    /// Which direction is good.
    pub better: Better,
    /// Headline metrics lead the report and drive `--precision`.
    pub headline: bool,
    /// The value an SLO requires (SLO attainment rows only), in the metric's unit.
    pub target: Option<f64>,
    /// For a latency: whose requests, and which of them; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_of: Option<LatencyOf>,
}

/// The requests a latency metric describes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyOf {
    /// The client.
    pub client: String,
    /// Successful requests only, or all of them.
    pub view: LatencyView,
}

/// The two latency views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyView {
    /// Successful requests only: undefined when none succeeded.
    Successes,
    /// Every request: a failure at the moment its caller gave up.
    All,
}

impl Metric {
    /// The value of this metric in a run that does not report it (a variant without the
    /// pattern it counts): 0 for a count of events (none happened), undefined for a ratio, a
    /// latency or a duration, which have nothing to measure. A queue's message counts are
    /// undefined too: a variant without the queue (a synchronous call) has no messages, and
    /// its failures are counted where its callers see them.
    pub(crate) fn value_when_absent(&self) -> Option<f64> {
        match self.unit.as_str() {
            "requests" | "executions" | "attempts" | "writes" | "reads" => Some(0.0),
            _ => None,
        }
    }
}
