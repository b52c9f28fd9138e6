//! What a finished run measured, per client and per service, after the warm-up.
//!
//! Raw numbers only (counts, histograms, time averages already integrated); turning them into
//! rates, quantiles and text is the `reports` crate's job.

use sim_core::{Histogram, RunStats, SimDuration, SimTime};

use crate::cache::CacheCounts;
use crate::guard::GuardCounts;
use crate::idempotency::IdempotencyCounts;
use crate::tied::TiedCounts;

/// Everything measured in one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// Engine figures: events processed, trace hash, end time.
    pub stats: RunStats,
    /// The configured duration: requests arrive until then; the run then drains (its
    /// `stats.end` is later) until every measured request has an outcome.
    pub duration: SimDuration,
    /// Length of the measured window (duration minus warm-up).
    pub measured: SimDuration,
    /// Per client, in configuration order.
    pub clients: Vec<ClientResult>,
    /// Per service, in configuration order.
    pub services: Vec<ServiceResult>,
    /// Every scheduled fault with its window, in schedule order.
    pub faults: Vec<FaultRecord>,
    /// The lease election's measurements, if the world has one.
    pub election: Option<crate::election::ElectionResult>,
    /// The leader–follower database's measurements, if the world has one.
    pub database: Option<crate::database::DatabaseResult>,
    /// What each message queue measured, in scenario order (empty without queues).
    pub queues: Vec<crate::message_queue::MessageQueueResult>,
    /// The quorum store's measurements, if the world has one.
    pub quorum: Option<crate::quorum::QuorumResult>,
    /// What each user component (`component::Component`, wired by `run_with`) counted, in
    /// the order they were given.
    pub components: Vec<ComponentCounts>,
    /// What each deployment of a new version did (`deploy`), in configuration order.
    pub deployments: Vec<crate::deploy::DeploymentResult>,
    /// What each workflow across services measured (`workflow`), in configuration order.
    pub workflows: Vec<crate::workflow::WorkflowResult>,
    /// What each service's write-and-publish pair counted (`outbox`), in service order
    /// (empty without any).
    pub outboxes: Vec<crate::outbox::OutboxResult>,
}

/// Worker time spent, by what it was spent on (nanoseconds; jobs that arrived after warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkSplit {
    /// On first attempts.
    pub first_ns: u64,
    /// On retries.
    pub retry_ns: u64,
    /// On hedge copies.
    pub hedge_ns: u64,
    /// Of all the above, on attempts whose caller had already given up when they finished.
    pub abandoned_ns: u64,
    /// The same jobs in disjoint parts, for pricing (`cost`).
    pub parts: WorkParts,
}

/// Finished jobs (arrived after warm-up) in disjoint parts: a job is wasted if its caller had
/// given up or it was answered with an error, and otherwise counts by its kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkParts {
    /// First attempts answered successfully to a caller still waiting.
    pub goodput: Spent,
    /// Retries answered successfully to a caller still waiting.
    pub retries: Spent,
    /// Hedge (or tied) copies answered successfully to a caller still waiting.
    pub hedges: Spent,
    /// Jobs whose caller had given up, or that were answered with an error.
    pub wasted: Spent,
}

/// Jobs finished and the worker time they took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    /// Jobs a worker finished.
    pub jobs: u64,
    /// Worker time they took, in nanoseconds.
    pub busy_ns: u64,
}

/// A user component's counters at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentCounts {
    /// Its name.
    pub name: String,
    /// What it counted, by name, in its order.
    pub counters: Vec<(String, u64)>,
}

impl RunResult {
    /// The width of one row of every series in this result: 1 s for runs up to 2,000 s, then
    /// a nice step that keeps about 2,000 rows (`sim_core::series::interval_for`).
    pub fn series_interval(&self) -> SimDuration {
        sim_core::series::interval_for(self.duration)
    }
}

/// A fault as reports show it: what, where, when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRecord {
    /// The kind, as in scenario files (`slowdown`, `crash`, ...).
    pub kind: String,
    /// What it hit, in words (`db`, `api[0]`, `api ↔ db`, `client web`).
    pub target: String,
    /// Start of the window.
    pub start: SimTime,
    /// End of the window (`SimTime::MAX`: never healed).
    pub end: SimTime,
}

/// What one client saw. Requests count if they arrived after the warm-up.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientResult {
    /// The client's name.
    pub name: String,
    /// Requests issued.
    pub requests: u64,
    /// Requests that got a successful response.
    pub succeeded: u64,
    /// Requests that ran out of attempts.
    pub failed: u64,
    /// Requests still unresolved when the run ended.
    pub in_flight: u64,
    /// Attempts sent (first tries plus retries).
    pub attempts: u64,
    /// Attempts that timed out at the client.
    pub timeouts: u64,
    /// Attempts rejected for overload (a full queue, or shed from one).
    pub rejections: u64,
    /// Attempts answered with an error.
    pub errors: u64,
    /// Attempts refused (connection errors: a crashed replica or a refusing partition).
    pub refused: u64,
    /// Successful requests whose reply was silently wrong (garbage).
    pub garbage: u64,
    /// Requests that failed because their overall deadline passed.
    pub deadline_exceeded: u64,
    /// Attempts answered with a non-retryable (4xx-like) error; each failed its request.
    pub non_retryable: u64,
    /// Attempts turned away by the target's rate limit.
    pub rate_limited: u64,
    /// What the client's guards did.
    pub guards: GuardCounts,
    /// End-to-end latency of successful requests, first send to final response.
    pub latency: Histogram,
    /// Time to an outcome of every measured request (one entry per request): a success at
    /// its latency, a failure at the moment its caller gave up, and a request still
    /// unresolved when the run ended at its age then (a lower bound).
    pub latency_all: Histogram,
    /// Failed requests by cause; the causes add up to `failed`.
    pub failures: crate::failure::FailureCounts,
    /// For each configured latency mark, the number of requests that succeeded within it.
    pub within_marks: Vec<(SimDuration, u64)>,
    /// Per-second history over the whole run, warm-up included.
    pub series: ClientSeries,
    /// Successful requests whose answer was degraded (an optional call failed on the way).
    pub degraded: u64,
    /// Attempts answered with an idempotency conflict (their key was executing); retryable.
    pub conflicts: u64,
    /// What the client's cache did, if it has one.
    pub cache: Option<CacheCounts>,
    /// What its requests met at the database through services' calls, if services call one.
    pub database: Option<crate::database::DatabaseCalls>,
    /// What its requests met at the quorum store through services' calls, if services call one.
    pub quorum: Option<crate::quorum::QuorumCalls>,
    /// What its requests met at leader-only services, if the world has one.
    pub leader_writes: Option<crate::election::LeaderWrites>,
    /// Identical clients it stands for (1: a single client); every figure above is the
    /// group's.
    pub count: u32,
    /// Each member's own counts, in member order, when the configuration asks for them
    /// (`report_members`); empty otherwise.
    pub members: Vec<MemberResult>,
    /// What each request class measured, in the client's order; empty without classes.
    pub classes: Vec<RequestClassResult>,
}

/// One member of a client group: its own counts of its measured requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberResult {
    /// Its name, `NAME[i]`.
    pub name: String,
    /// Requests issued.
    pub requests: u64,
    /// Requests that succeeded.
    pub succeeded: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// The sum of its successes' latencies in nanoseconds.
    pub latency_sum_ns: u128,
}

/// What one request class of a client measured (its measured requests only).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestClassResult {
    /// The class's name.
    pub name: String,
    /// Requests of the class issued.
    pub requests: u64,
    /// Of them, those that succeeded.
    pub succeeded: u64,
    /// Of them, those that failed.
    pub failed: u64,
    /// Latency of its successes.
    pub latency: Histogram,
    /// For each of the class's latency marks, the requests that succeeded within it.
    pub within_marks: Vec<(SimDuration, u64)>,
}

/// A client's history, one row per `RunResult::series_interval` (row i covers `i × interval`
/// to `(i + 1) × interval`: seconds i..i+1 for runs up to 2,000 s); rates are per second and
/// "each second" below reads "each interval".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientSeries {
    /// New requests per second (the offered load).
    pub offered_per_s: Vec<f64>,
    /// Attempts sent per second (first tries and retries).
    pub attempts_per_s: Vec<f64>,
    /// Requests that succeeded per second (by completion time).
    pub goodput_per_s: Vec<f64>,
    /// Requests that ran out of attempts per second.
    pub failed_per_s: Vec<f64>,
    /// Attempts that timed out per second.
    pub timeouts_per_s: Vec<f64>,
    /// Median latency of the requests that succeeded in each second, in ms (None if none did:
    /// undefined, never 0).
    pub latency_p50_ms: Vec<Option<f64>>,
    /// 99th-percentile latency of the requests that succeeded in each second, in ms (None if
    /// none did).
    pub latency_p99_ms: Vec<Option<f64>>,
    /// Fraction of each second the client's circuit breaker was open (empty without one).
    pub breaker_open: Vec<f64>,
    /// Mean number of the client's requests in flight (issued, not yet resolved) in each second.
    pub in_flight: Vec<f64>,
    /// Per latency mark of the client (`ClientConfig::latency_marks`, in order), requests
    /// that succeeded within it per second (by completion time): an SLO's good events.
    pub within_per_s: Vec<Vec<f64>>,
}

/// A service's history, summed over replicas, one row per `RunResult::series_interval` (as
/// `ClientSeries`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceSeries {
    /// Attempts arriving per second.
    pub arrivals_per_s: Vec<f64>,
    /// Attempts completed per second.
    pub completed_per_s: Vec<f64>,
    /// Attempts rejected per second.
    pub rejected_per_s: Vec<f64>,
    /// Attempts answered with an error per second (by completion time): what a service's
    /// own dashboard counts as its errors.
    pub errors_per_s: Vec<f64>,
    /// Mean queue length in each second.
    pub queue_len: Vec<f64>,
    /// Mean number of busy workers in each second.
    pub busy: Vec<f64>,
    /// Mean number of replicas up (not crashed) in each second.
    pub replicas_up: Vec<f64>,
}

/// What one service did, summed over its replicas.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceResult {
    /// The service's name.
    pub name: String,
    /// Attempts that reached a replica.
    pub arrivals: u64,
    /// Attempts (arrived after the warm-up) a worker finished.
    pub completed: u64,
    /// Attempts turned away because the queue was full.
    pub rejected: u64,
    /// Completed attempts whose caller had already given up (wasted work).
    pub timed_out_work: u64,
    /// Completed attempts answered with an error (a downstream call failed).
    pub errors: u64,
    /// Attempts lost in crashes (queued or in service when their replica went down).
    pub lost: u64,
    /// Replies lost on the network after the work was done (partition, loss).
    pub replies_lost: u64,
    /// Times outlier detection ejected one of its replicas.
    pub ejections: u64,
    /// Attempts answered at once with a 4xx-like error (a `client_error_fraction`, or an
    /// error burst that is not retryable).
    pub client_errors: u64,
    /// Attempts turned away at once by the service's rate limit.
    pub rate_limited: u64,
    /// Attempts dropped by load shedding: queued ones past `queue.max_wait` or dropped by
    /// CoDel, and sheddable ones refused or displaced by priority shedding.
    pub shed: u64,
    /// Worker time by kind of attempt: what the service's load was made of.
    pub work: WorkSplit,
    /// Queued attempts dropped undone: their propagated deadline had passed, or they lost a
    /// hedge race and were cancelled.
    pub expired: u64,
    /// Workers across all replicas.
    pub capacity: u32,
    /// Mean number of busy workers across all replicas.
    pub busy_mean: f64,
    /// Mean number of queued (not yet served) attempts across all replicas.
    pub queue_len_mean: f64,
    /// Mean number of attempts in the service (queued plus in service).
    pub in_system_mean: f64,
    /// Time from arrival at a replica to the start of service.
    pub wait: Histogram,
    /// Time from arrival at a replica to completion (wait plus service).
    pub sojourn: Histogram,
    /// Per-second history over the whole run, warm-up included.
    pub series: ServiceSeries,
    /// One entry per configured downstream call, in order.
    pub calls: Vec<CallResult>,
    /// Side-effect executions, duplicates, and what its idempotency-key store answered.
    pub idempotency: IdempotencyCounts,
    /// Tied-request copies cancelled, and pairs that both executed, at this service.
    pub tied: TiedCounts,
    /// Jobs that finished successfully without an optional call that failed (degraded).
    pub degraded: u64,
    /// Per worker pool, per priority and per rate-limited caller (`caller_class`).
    pub classes: crate::caller_class::ClassResult,
    /// What its autoscaler did, if it has one (`autoscale`).
    pub autoscale: Option<crate::autoscale::AutoscaleResult>,
}

impl ServiceResult {
    /// Workers provisioned on average in row `row` of its series: all of them (`capacity`),
    /// or with an autoscaler, those of the replicas it provisioned then.
    pub fn capacity_in_row(&self, row: usize) -> f64 {
        match &self.autoscale {
            None => f64::from(self.capacity),
            Some(a) => {
                let replicas = a.replicas_provisioned.get(row).copied().unwrap_or(0.0);
                replicas * f64::from(self.capacity) / f64::from(a.replicas_max)
            }
        }
    }
}

/// What one downstream call edge (service → target) did, counted after the warm-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallResult {
    /// The called service's name.
    pub target: String,
    /// Calls made (one per job that got this far).
    pub requests: u64,
    /// Attempts sent for them (first tries and retries).
    pub attempts: u64,
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls that ran out of attempts.
    pub failed: u64,
    /// What the guards on this edge did, summed over the calling replicas.
    pub guards: GuardCounts,
    /// What the edge's caches did, summed over the calling replicas, if it has them.
    pub cache: Option<CacheCounts>,
}
