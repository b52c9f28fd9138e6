//! The run summary: the stable JSON object `faultline run --format json` prints.
//!
//! Field names are a contract with users' scripts (see DESIGN.md): add fields, never rename
//! them. Maps are keyed by name and sorted (BTreeMap), and every number is rounded to a fixed
//! precision (milliseconds to 1 µs, ratios to 1e-6), so the same run always prints the same
//! bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::{Histogram, SimTime};

use models::{ClientResult, RunResult, ServiceResult};

mod autoscale;
mod cache;
mod class;
mod cost;
mod database;
mod deploy;
mod election;
mod idempotency;
mod load;
mod message_queue;
mod outbox;
mod quorum;
mod workflow;
pub use crate::slo::SloSpec;
pub use crate::stats::round;
pub use autoscale::{AutoscaleSummary, DecisionSummary};
pub use cache::CacheSummary;
pub use class::{PoolSummary, PrioritySummary};
pub use cost::{CostPartsSummary, CostSummary, ServiceCostSummary};
pub use database::{ClientDatabaseSummary, DatabaseSummary, Versions};
pub use deploy::DeploymentSummary;
pub use election::{ClientLeaderSummary, ElectionSummary};
pub use idempotency::{IdempotencySummary, TiedSummary};
pub use load::{MemberSummary, RequestClassSummary};
pub use message_queue::QueueSummary;
pub use outbox::OutboxSummary;
pub use quorum::{ClientQuorumSummary, QuorumSummary};
pub use workflow::{StepSummary, WorkflowSummary};

/// Which run a summary describes: what the CLI knows and the result does not.
#[derive(Clone, Debug, PartialEq)]
pub struct RunIdentity {
    /// Scenario name.
    pub scenario: String,
    /// Variant applied, if any.
    pub variant: Option<String>,
    /// Master seed.
    pub seed: u64,
    /// faultline version that ran it.
    pub version: String,
}

/// The JSON summary of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// Scenario name.
    pub scenario: String,
    /// Variant applied, or null.
    pub variant: Option<String>,
    /// Master seed.
    pub seed: u64,
    /// faultline version.
    pub version: String,
    /// Trace hash, 16 hex digits.
    pub trace_hash: String,
    /// Events processed.
    pub events: u64,
    /// Virtual seconds simulated (including warm-up): the scenario's duration.
    pub sim_time_s: f64,
    /// Virtual seconds the run went on after its duration so the requests of the measured
    /// window still open then got their outcomes (no request arrives meanwhile).
    pub drain_s: f64,
    /// Virtual seconds measured (after warm-up).
    pub measured_s: f64,
    /// Per client, by name.
    pub clients: BTreeMap<String, ClientSummary>,
    /// Per service, by name.
    pub services: BTreeMap<String, ServiceSummary>,
    /// Each SLO's verdict, in scenario order.
    pub slo: Vec<SloVerdict>,
    /// Every scheduled fault with its window, in schedule order.
    pub faults: Vec<FaultWindow>,
    /// The lease election's figures; absent (not null) when the scenario has no election.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election: Option<ElectionSummary>,
    /// The leader–follower database's figures; absent (not null) when there is no database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseSummary>,
    /// Each message queue's figures, by name; absent (not empty) when there are no queues.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub queues: BTreeMap<String, QueueSummary>,
    /// Each service's write-and-publish pair by the service's name; absent when no service
    /// has an `outbox` block.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outboxes: BTreeMap<String, OutboxSummary>,
    /// The quorum store's figures; absent (not null) when there is no quorum store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumSummary>,
    /// Each deployment of a new version by its service's name; absent when none deploys.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, DeploymentSummary>,
    /// Each workflow's figures, by name; absent (not empty) when there are no workflows.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub workflows: BTreeMap<String, WorkflowSummary>,
    /// What the run's work cost at the scenario's prices; absent (not null) when it sets none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<CostSummary>,
    /// Per minute, each service's own dashboard beside each SLO's burn rate (`burn::minutes`);
    /// absent unless some SLO burned while every dashboard read healthy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dashboard: Vec<crate::burn::Minute>,
}

/// A fault and when it was active.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultWindow {
    /// The kind, as in scenario files.
    pub kind: String,
    /// What it hit.
    pub target: String,
    /// Start, in seconds of virtual time.
    pub start_s: f64,
    /// End, in seconds; null if it never healed.
    pub end_s: Option<f64>,
    /// Each client's mean goodput (successes per second) in the 10 s before the fault, during
    /// it, and in the 10 s after it healed (null if it never did or the run ended first).
    pub goodput_per_s: BTreeMap<String, WindowGoodput>,
}

/// Mean goodput around one fault window, from the goodput series (whole rows: with rows wider
/// than 1 s, in runs longer than 2,000 s, the context is the rows that cover 10 s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowGoodput {
    /// The 10 s before the fault started (or less, near the start of the run).
    pub before: Option<f64>,
    /// While the fault was active.
    pub during: Option<f64>,
    /// The 10 s after it healed.
    pub after: Option<f64>,
}

/// Seconds of context shown before and after a fault window.
const CONTEXT_S: usize = 10;

/// Mean of `series[from..to]` (whole rows), or None if the range is empty.
fn window_mean(series: &[f64], from: usize, to: usize) -> Option<f64> {
    let to = to.min(series.len());
    (from < to).then(|| round(series[from..to].iter().sum::<f64>() / (to - from) as f64, 3))
}

/// One client's line of the summary.
///
/// One denominator: every fraction of a client's requests (`success`, each SLO's `observed`)
/// divides by `requests`, the requests issued after the warm-up, which are `succeeded` +
/// `failed` + `in_flight` (those still unresolved when the run ended, which have not
/// succeeded). Every count here covers those requests and their attempts only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientSummary {
    /// Requests issued after the warm-up.
    pub requests: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed (ran out of attempts, were refused by a guard, passed their
    /// deadline, or got a non-retryable answer).
    pub failed: u64,
    /// Requests unresolved when the run ended.
    pub in_flight: u64,
    /// `succeeded / requests`; null without requests.
    pub success: Option<f64>,
    /// Failed requests by cause (`timeout`, `overload`, `error`, `refused`, `rate_limited`,
    /// `conflict`, `non_retryable`, `breaker_open`, `throttled`, `bulkhead_full`,
    /// `retry_denied`, `deadline_exceeded`), causes with none left out; they add up to
    /// `failed`.
    pub failed_by: BTreeMap<String, u64>,
    /// Attempts sent.
    pub attempts: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Attempts rejected for overload (a full queue, or shed from one).
    pub rejections: u64,
    /// Attempts answered with an error.
    pub errors: u64,
    /// Attempts refused (connection errors).
    pub refused: u64,
    /// Successful requests whose answer was silently wrong.
    pub garbage: u64,
    /// Requests failed by their overall deadline.
    pub deadline_exceeded: u64,
    /// Attempts answered with a non-retryable (4xx-like) error; each failed its request.
    pub non_retryable: u64,
    /// Attempts turned away by the target's rate limit.
    pub rate_limited: u64,
    /// Retries refused by the retry budget.
    pub retries_denied: u64,
    /// Attempts refused by an open circuit breaker.
    pub breaker_rejections: u64,
    /// Times the circuit breaker opened.
    pub breaker_opened: u64,
    /// Attempts refused by adaptive throttling.
    pub throttled: u64,
    /// Attempts refused by the bulkhead (full, or the wait for a slot timed out).
    pub bulkhead_rejections: u64,
    /// Attempts per request.
    pub amplification: f64,
    /// Successful requests per measured second.
    pub goodput_per_s: f64,
    /// Latency of successful requests; every field null when none succeeded.
    pub latency_ms: Quantiles,
    /// Time to an outcome of every request: a success at its latency, a failure at the moment
    /// its caller gave up, a request unresolved at the end at its age then.
    pub latency_all_ms: Quantiles,
    /// Successful requests whose answer was degraded (an optional call failed); absent if 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<u64>,
    /// Attempts answered with an idempotency conflict (retryable); absent if 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<u64>,
    /// What the client's cache did; absent (not null) without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSummary>,
    /// What its requests met at the database through services' calls; absent unless
    /// services call a database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<ClientDatabaseSummary>,
    /// What its requests met at the quorum store through services' calls; absent unless
    /// services call one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<ClientQuorumSummary>,
    /// What its requests met at leader-only services; absent unless a service is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_writes: Option<ClientLeaderSummary>,
    /// The identical clients a group stands for (every figure above is summed over them);
    /// absent for a single client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Each member's own counts, in member order; absent unless the client sets
    /// `report_members`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberSummary>,
    /// Per request class, by name; absent without classes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<String, RequestClassSummary>,
}

/// One service's line of the summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServiceSummary {
    /// Attempts that reached a replica.
    pub arrivals: u64,
    /// Attempts completed.
    pub completed: u64,
    /// Attempts rejected by a full queue.
    pub rejected: u64,
    /// Completed attempts whose caller had already given up.
    pub timed_out_work: u64,
    /// Completed attempts answered with an error (a downstream call failed).
    pub errors: u64,
    /// Attempts lost in crashes.
    pub lost: u64,
    /// Queued attempts dropped undone because their propagated deadline had passed.
    pub expired: u64,
    /// Replies lost on the network after the work was done.
    pub replies_lost: u64,
    /// Times outlier detection ejected one of its replicas.
    pub ejections: u64,
    /// Attempts answered at once with a 4xx-like error.
    pub client_errors: u64,
    /// Attempts turned away at once by the rate limit.
    pub rate_limited: u64,
    /// Queued attempts dropped undone by load shedding (`queue.max_wait` or CoDel).
    pub shed: u64,
    /// Where the workers' time went.
    pub work: WorkSummary,
    /// Mean fraction of workers busy.
    pub utilization: f64,
    /// Time-averaged number of queued attempts.
    pub queue_len_mean: f64,
    /// Time-averaged number of attempts in the service (queued plus in service).
    pub in_system_mean: f64,
    /// Time from arrival to start of service.
    pub wait_ms: Quantiles,
    /// Time from arrival to completion.
    pub sojourn_ms: Quantiles,
    /// Each downstream call edge, in configuration order.
    pub calls: Vec<CallSummary>,
    /// Jobs that succeeded without an optional call that failed; absent if 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<u64>,
    /// Side effects and the idempotency-key store; absent if nothing was counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency: Option<IdempotencySummary>,
    /// Tied-request copies cancelled and pairs both executed; absent if none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tied: Option<TiedSummary>,
    /// Per worker pool by name (`default`, or the pool's callers joined with `+`); absent
    /// without pools.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pools: BTreeMap<String, PoolSummary>,
    /// Per priority (`critical`, `sheddable`); absent unless some client is sheddable or the
    /// service sheds by priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priorities: Option<BTreeMap<String, PrioritySummary>>,
    /// Attempts each caller's own token bucket refused; absent unless `rate_limit.per` is
    /// `"caller"`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rate_limited_by_caller: BTreeMap<String, u64>,
    /// What its autoscaler did; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<AutoscaleSummary>,
}

/// A service's worker time split by what it served, in seconds, with shares of the total.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkSummary {
    /// Worker-seconds in all.
    pub total_s: f64,
    /// Share spent on first attempts.
    pub first_attempts: f64,
    /// Share spent on retries.
    pub retries: f64,
    /// Share spent on hedge copies.
    pub hedges: f64,
    /// Share spent on attempts whose caller had given up before they finished.
    pub for_callers_gone: f64,
}

/// One downstream call edge of a service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallSummary {
    /// The called service.
    pub target: String,
    /// Calls made.
    pub requests: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls that ran out of attempts.
    pub failed: u64,
    /// Attempts per call at this layer.
    pub amplification: f64,
    /// Retries refused by the edge's retry budgets.
    pub retries_denied: u64,
    /// Attempts refused by the edge's open circuit breakers.
    pub breaker_rejections: u64,
    /// Times the edge's circuit breakers opened.
    pub breaker_opened: u64,
    /// Attempts refused by the edge's adaptive throttling.
    pub throttled: u64,
    /// Attempts refused by the edge's bulkheads.
    pub bulkhead_rejections: u64,
    /// What the edge's caches did, summed over the calling replicas; absent without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheSummary>,
}

/// Latency statistics in milliseconds; each is null (None) when nothing was measured, never 0.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quantiles {
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Exact maximum.
    pub max: Option<f64>,
}

/// One SLO's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloVerdict {
    /// Client name.
    pub client: String,
    /// The request class judged; absent when the SLO judges all the client's requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Threshold in milliseconds.
    pub latency_below_ms: f64,
    /// Required fraction.
    pub target: f64,
    /// Fraction of the client's requests (issued after the warm-up: the same denominator as
    /// `success`) that succeeded within the threshold; failed and unresolved requests count as
    /// bad. Null when the client issued no requests.
    pub observed: Option<f64>,
    /// Whether `observed ≥ target` (false when `observed` is null: nothing shows it met).
    pub met: bool,
    /// The share of the run's error budget (`1 − target` of its requests) its bad requests
    /// spent: `(1 − observed) / (1 − target)`, the run's burn rate (Google SRE workbook); 1 is
    /// exactly spent. Null when `observed` is, or the target allows no bad request.
    #[serde(default)]
    pub budget_consumed: Option<f64>,
    /// The highest burn rate over a 60 s window ending after the warm-up (`burn`); null
    /// without one (a request class's SLO, or no request resolved).
    #[serde(default)]
    pub burn_rate_peak: Option<f64>,
    /// Seconds after the warm-up in which the multi-window fast-burn alert fires (60 s and
    /// 5 s windows both at 14.4 or more); absent for a request class's SLO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging_s: Option<f64>,
    /// Periods where every service's own dashboard reads healthy while this SLO burns
    /// (`burn::green_but_burning`); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub green_but_burning: Vec<crate::burn::Period>,
}

impl RunSummary {
    /// Summarizes a run; SLOs whose client or mark is unknown are judged unmet with observed 0.
    pub fn new(identity: &RunIdentity, result: &RunResult, slos: &[SloSpec]) -> RunSummary {
        let measured_s = result.measured.as_secs_f64();
        RunSummary {
            scenario: identity.scenario.clone(),
            variant: identity.variant.clone(),
            seed: identity.seed,
            version: identity.version.clone(),
            trace_hash: result.stats.trace_hash.to_hex(),
            events: result.stats.events,
            sim_time_s: round(result.duration.as_secs_f64(), 9),
            drain_s: round(
                result
                    .stats
                    .end
                    .since(SimTime::ZERO)
                    .saturating_sub(result.duration)
                    .as_secs_f64(),
                9,
            ),
            measured_s: round(measured_s, 9),
            clients: result
                .clients
                .iter()
                .map(|c| (c.name.clone(), client_summary(c, measured_s)))
                .collect(),
            services: result
                .services
                .iter()
                .map(|s| (s.name.clone(), service_summary(s, result)))
                .collect(),
            slo: slos.iter().map(|slo| judge(slo, result)).collect(),
            faults: result
                .faults
                .iter()
                .map(|f| FaultWindow {
                    kind: f.kind.clone(),
                    target: f.target.clone(),
                    start_s: round(f.start.as_secs_f64(), 9),
                    end_s: (f.end < SimTime::MAX).then(|| round(f.end.as_secs_f64(), 9)),
                    goodput_per_s: result
                        .clients
                        .iter()
                        .map(|c| {
                            // Rows, not seconds: a long run's rows are wider than 1 s.
                            let series = &c.series.goodput_per_s;
                            let width = result.series_interval().as_nanos();
                            let context = (CONTEXT_S as u64 * 1_000_000_000).div_ceil(width);
                            let context = context as usize;
                            let start = (f.start.as_nanos() / width) as usize;
                            let end = if f.end < SimTime::MAX {
                                f.end.as_nanos().div_ceil(width) as usize
                            } else {
                                series.len()
                            };
                            let window = WindowGoodput {
                                before: window_mean(series, start.saturating_sub(context), start),
                                during: window_mean(series, start, end.max(start + 1)),
                                after: if f.end < SimTime::MAX {
                                    window_mean(series, end, end + context)
                                } else {
                                    None
                                },
                            };
                            (c.name.clone(), window)
                        })
                        .collect(),
                })
                .collect(),
            election: result.election.as_ref().map(ElectionSummary::of),
            database: result.database.as_ref().map(DatabaseSummary::of),
            queues: (result.queues.iter())
                .map(|q| (q.name.clone(), QueueSummary::of(q)))
                .collect(),
            outboxes: (result.outboxes.iter())
                .map(|o| (o.service.clone(), OutboxSummary::of(o)))
                .collect(),
            quorum: result.quorum.as_ref().map(QuorumSummary::of),
            deployments: (result.deployments.iter())
                .map(|d| (d.service.clone(), DeploymentSummary::of(d)))
                .collect(),
            workflows: {
                let names: Vec<String> = result.services.iter().map(|s| s.name.clone()).collect();
                (result.workflows.iter())
                    .map(|w| (w.name.clone(), WorkflowSummary::of(w, &names)))
                    .collect()
            },
            cost: None,
            dashboard: Vec::new(),
        }
        .with_dashboard(result, slos)
    }

    /// The summary with its per-minute dashboard, when some SLO had a green-dashboard period.
    fn with_dashboard(mut self, result: &RunResult, slos: &[SloSpec]) -> RunSummary {
        if self.slo.iter().any(|v| !v.green_but_burning.is_empty()) {
            self.dashboard = crate::burn::minutes(result, slos);
        }
        self
    }

    /// The summary with the run's `cost` (a scenario with prices; `None` leaves it absent).
    pub fn with_cost(mut self, cost: Option<&models::Cost>) -> RunSummary {
        self.cost = cost.map(CostSummary::of);
        self
    }

    /// True when every SLO is met (vacuously true with none).
    pub fn slos_met(&self) -> bool {
        self.slo.iter().all(|v| v.met)
    }

    /// The summary as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a summary always serializes");
        text.push('\n');
        text
    }
}

impl Quantiles {
    /// Milliseconds statistics of a histogram of nanoseconds; all null when it is empty.
    pub fn of(histogram: &Histogram) -> Quantiles {
        let empty = histogram.count() == 0;
        let ms = |nanos: f64| (!empty).then(|| round(nanos / 1e6, 3));
        Quantiles {
            mean: ms(histogram.mean_nanos()),
            p50: ms(histogram.quantile_nanos(0.5)),
            p90: ms(histogram.quantile_nanos(0.9)),
            p99: ms(histogram.quantile_nanos(0.99)),
            p999: ms(histogram.quantile_nanos(0.999)),
            max: ms(histogram.max().as_nanos() as f64),
        }
    }
}

fn client_summary(c: &ClientResult, measured_s: f64) -> ClientSummary {
    ClientSummary {
        requests: c.requests,
        succeeded: c.succeeded,
        failed: c.failed,
        in_flight: c.in_flight,
        success: (c.requests > 0).then(|| round(c.succeeded as f64 / c.requests as f64, 6)),
        failed_by: c
            .failures
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(cause, n)| (cause.name().to_string(), n))
            .collect(),
        attempts: c.attempts,
        timeouts: c.timeouts,
        rejections: c.rejections,
        errors: c.errors,
        refused: c.refused,
        garbage: c.garbage,
        deadline_exceeded: c.deadline_exceeded,
        non_retryable: c.non_retryable,
        rate_limited: c.rate_limited,
        retries_denied: c.guards.retries_denied,
        breaker_rejections: c.guards.breaker_rejections,
        breaker_opened: c.guards.breaker_opened,
        throttled: c.guards.throttled,
        bulkhead_rejections: c.guards.bulkhead_rejections,
        amplification: round(ratio(c.attempts as f64, c.requests as f64), 6),
        goodput_per_s: round(ratio(c.succeeded as f64, measured_s), 3),
        latency_ms: Quantiles::of(&c.latency),
        latency_all_ms: Quantiles::of(&c.latency_all),
        degraded: idempotency::nonzero(c.degraded),
        conflicts: idempotency::nonzero(c.conflicts),
        cache: c.cache.as_ref().map(CacheSummary::of),
        database: c.database.as_ref().map(ClientDatabaseSummary::of),
        quorum: c.quorum.as_ref().map(ClientQuorumSummary::of),
        leader_writes: c.leader_writes.as_ref().map(ClientLeaderSummary::of),
        count: load::count(c),
        members: load::members(c),
        classes: load::classes(c),
    }
}

fn service_summary(s: &ServiceResult, result: &RunResult) -> ServiceSummary {
    let (pools, priorities, rate_limited_by_caller) = class::parts(&s.classes, result);
    ServiceSummary {
        arrivals: s.arrivals,
        completed: s.completed,
        rejected: s.rejected,
        timed_out_work: s.timed_out_work,
        errors: s.errors,
        lost: s.lost,
        expired: s.expired,
        replies_lost: s.replies_lost,
        ejections: s.ejections,
        client_errors: s.client_errors,
        rate_limited: s.rate_limited,
        shed: s.shed,
        work: {
            let w = s.work;
            let total = (w.first_ns + w.retry_ns + w.hedge_ns) as f64;
            let share = |ns: u64| round(ratio(ns as f64, total), 6);
            WorkSummary {
                total_s: round(total / 1e9, 6),
                first_attempts: share(w.first_ns),
                retries: share(w.retry_ns),
                hedges: share(w.hedge_ns),
                for_callers_gone: share(w.abandoned_ns),
            }
        },
        utilization: round(ratio(s.busy_mean, capacity_mean(s)), 6),
        queue_len_mean: round(s.queue_len_mean, 6),
        in_system_mean: round(s.in_system_mean, 6),
        wait_ms: Quantiles::of(&s.wait),
        sojourn_ms: Quantiles::of(&s.sojourn),
        calls: s
            .calls
            .iter()
            .map(|c| CallSummary {
                target: c.target.clone(),
                requests: c.requests,
                attempts: c.attempts,
                succeeded: c.succeeded,
                failed: c.failed,
                amplification: round(ratio(c.attempts as f64, c.requests as f64), 6),
                retries_denied: c.guards.retries_denied,
                breaker_rejections: c.guards.breaker_rejections,
                breaker_opened: c.guards.breaker_opened,
                throttled: c.guards.throttled,
                bulkhead_rejections: c.guards.bulkhead_rejections,
                cache: c.cache.as_ref().map(CacheSummary::of),
            })
            .collect(),
        degraded: idempotency::nonzero(s.degraded),
        idempotency: idempotency::idempotency(s.idempotency),
        tied: idempotency::tied(s.tied),
        pools,
        priorities,
        rate_limited_by_caller,
        autoscale: s.autoscale.as_ref().map(AutoscaleSummary::of),
    }
}

/// Workers on average over the measured window: all of them, or with an autoscaler, those
/// of the replicas provisioned (its `capacity` counts `max_replicas`).
fn capacity_mean(s: &ServiceResult) -> f64 {
    match &s.autoscale {
        None => f64::from(s.capacity),
        Some(a) => a.mean.unwrap_or(0.0) * f64::from(s.capacity) / f64::from(a.replicas_max),
    }
}

fn judge(slo: &SloSpec, result: &RunResult) -> SloVerdict {
    let clients = &result.clients;
    // One denominator, the client's requests: failures and requests still unresolved when the
    // run ends have not succeeded within the threshold, so they count as bad.
    let observed = clients
        .iter()
        .find(|c| c.name == slo.client)
        .and_then(|c| {
            let (marks, requests) = match &slo.class {
                None => (&c.within_marks, c.requests),
                Some(name) => {
                    let class = c.classes.iter().find(|k| &k.name == name)?;
                    (&class.within_marks, class.requests)
                }
            };
            let within = marks.iter().find(|(mark, _)| *mark == slo.latency_below)?.1;
            (requests > 0).then(|| within as f64 / requests as f64)
        })
        .map(|fraction| round(fraction, 6));
    SloVerdict {
        client: slo.client.clone(),
        class: slo.class.clone(),
        latency_below_ms: round(slo.latency_below.as_millis_f64(), 3),
        target: slo.target,
        observed,
        met: observed.is_some_and(|o| o >= slo.target),
        budget_consumed: observed
            .and_then(|o| crate::burn::burn_rate(o, 1.0, slo.target))
            .map(|b| round(b, 6)),
        burn_rate_peak: None,
        paging_s: None,
        green_but_burning: Vec::new(),
    }
    .with_burn(slo, result)
}

impl SloVerdict {
    /// The verdict with its burn over the run: peak, paging time and green-dashboard periods.
    fn with_burn(mut self, slo: &SloSpec, result: &RunResult) -> SloVerdict {
        let Some(burn) = crate::burn::SloBurn::of(result, slo) else {
            return self;
        };
        let width_s = result.series_interval().as_secs_f64();
        let warmup_s = result
            .duration
            .saturating_sub(result.measured)
            .as_secs_f64();
        let measured = |i: usize| i as f64 * width_s >= warmup_s;
        self.burn_rate_peak = burn
            .long
            .iter()
            .enumerate()
            .filter(|(i, _)| measured(*i))
            .filter_map(|(_, b)| *b)
            .reduce(f64::max);
        let paging = burn.paging();
        let rows = paging
            .iter()
            .enumerate()
            .filter(|(i, on)| **on && measured(*i))
            .count();
        self.paging_s = Some(round(rows as f64 * width_s, 9));
        self.green_but_burning = crate::burn::green_but_burning(result, &burn, warmup_s);
        self
    }
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}
