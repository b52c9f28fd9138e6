//! What a service does beyond serving, as validated data: how callers pick a replica, outlier
//! detection, rate limits, queue disciplines and load shedding, an idempotency-key store,
//! worker pools and priority shedding per caller class, and the overload penalty.
//!
//! Plain data: `balancer`, `outlier`, `rate_limiter`, `shedding`, `idempotency`,
//! `caller_class`, `overload` and `service` act on it and import it; it imports only the
//! other plain-data modules of `config`.

use sim_core::{Probability, SimDuration};

use super::id::CallerId;
use super::load::ClassServiceTime;

/// How a caller picks one replica of a service (see `balancer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balancer {
    /// Replicas in turn.
    RoundRobin,
    /// A uniformly random replica (its own random stream).
    Random,
    /// The replica with the fewest outstanding attempts (Envoy `LEAST_REQUEST`, full scan).
    LeastOutstanding,
    /// The less loaded of two random replicas (Mitzenmacher 2001; JSON `"p2c"`).
    PowerOfTwoChoices,
}

/// What a service does beyond serving: how its replicas are ejected, and which arriving
/// attempts it turns away. `NONE` changes nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct ServicePolicies {
    /// Envoy-style outlier detection: replicas failing in a row leave the balancer for a while.
    pub outlier_detection: Option<OutlierDetectionConfig>,
    /// Fraction of arriving attempts answered at once with a non-retryable, 4xx-like error.
    pub client_error_fraction: Probability,
    /// A token bucket shared by all replicas: attempts beyond it are answered at once with a
    /// retryable "too many requests".
    pub rate_limit: Option<RateLimiterConfig>,
    /// Each replica's queue discipline and load shedding.
    pub queue: QueuePolicy,
    /// Each job performs a non-idempotent side effect when it finishes its own work
    /// (counted in `idempotency`: executions and duplicates).
    pub side_effect: bool,
    /// An idempotency-key store shared by the replicas (`idempotency`).
    pub idempotency: Option<IdempotencyConfig>,
    /// Its replicas are the lease election's nodes, and only a node acting as leader serves:
    /// it takes its lease token when an attempt arrives, and the write happens with that
    /// token when the job's own work is done.
    pub leader_only: bool,
    /// The user component (`component::Component`) that fronts it, by name: it decides for
    /// each arriving attempt whether the service serves it (`run_with` supplies it).
    pub component: Option<String>,
    /// Target-tracking autoscaling of its replicas (`autoscale`); `replicas` is then the
    /// most it may have.
    pub autoscale: Option<super::autoscale::AutoscaleConfig>,
    /// Its database write and the event about it, kept together by dual write or an outbox
    /// (`outbox`).
    pub outbox: Option<super::outbox::OutboxConfig>,
}

impl ServicePolicies {
    /// No outlier detection, no client errors, no rate limit, plain FIFO queues.
    pub const NONE: ServicePolicies = ServicePolicies {
        outlier_detection: None,
        client_error_fraction: Probability::ZERO,
        rate_limit: None,
        queue: QueuePolicy::FIFO,
        side_effect: false,
        idempotency: None,
        leader_only: false,
        component: None,
        autoscale: None,
        outbox: None,
    };
}

/// Envoy's consecutive-5xx outlier detection settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutlierDetectionConfig {
    /// Consecutive failures that make a host an outlier (at least one).
    pub consecutive_5xx: u32,
    /// Time between ejection sweeps, which return hosts to service (longer than zero).
    pub interval: SimDuration,
    /// Ejection time for a first ejection; later ones multiply it (longer than zero).
    pub base_ejection_time: SimDuration,
    /// Most hosts ejected at once, in percent of all hosts (at least one is always allowed).
    pub max_ejection_percent: u32,
    /// Longest ejection (at least `base_ejection_time`).
    pub max_ejection_time: SimDuration,
}

/// The parameters of a token bucket: a rate and a burst capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimiterConfig {
    /// Tokens added per `period` (at least one).
    pub tokens_per_period: u64,
    /// The span over which `tokens_per_period` tokens are added (at least one nanosecond).
    pub period: SimDuration,
    /// Capacity of the bucket, and its content at creation (at least one).
    pub burst: u64,
}

/// A replica queue's policy: discipline, queue-time limit and CoDel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Which waiting attempt a freed worker takes.
    pub discipline: Discipline,
    /// Drop an attempt that waited longer than this when a worker would take it.
    pub max_wait: Option<SimDuration>,
    /// Controlled delay.
    pub codel: Option<CodelConfig>,
}

/// The order in which waiting attempts are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// Oldest first.
    Fifo,
    /// Oldest first, but newest first once the queue has not been empty for `after`.
    AdaptiveLifo {
        /// How long the queue must stay non-empty before service turns LIFO.
        after: SimDuration,
    },
}

/// CoDel's two parameters (RFC 8289: 5 ms and 100 ms for the Internet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodelConfig {
    /// The acceptable standing queue delay.
    pub target: SimDuration,
    /// How long the delay must stay above `target` before dropping starts; also the base of
    /// the drop spacing.
    pub interval: SimDuration,
}

impl QueuePolicy {
    /// Plain FIFO, no shedding: what every service had before shedding existed.
    pub const FIFO: QueuePolicy = QueuePolicy {
        discipline: Discipline::Fifo,
        max_wait: None,
        codel: None,
    };
}

impl CodelConfig {
    /// RFC 8289's defaults: a 5 ms target and a 100 ms interval.
    pub const RFC_8289: CodelConfig = CodelConfig {
        target: SimDuration::from_millis(5),
        interval: SimDuration::from_millis(100),
    };
}

/// An idempotency-key store in front of a service (JSON `"idempotency": { "ttl": "24h" }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdempotencyConfig {
    /// How long a stored result is replayed (Stripe keeps keys for 24 hours).
    pub ttl: SimDuration,
}

/// A service's caller-class settings. `NONE` changes nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceClasses {
    /// Worker pools reserved for some callers; everyone else uses the default pool.
    pub pools: Vec<PoolConfig>,
    /// Priority shedding on every queue: sheddable arrivals are refused once this fraction of
    /// the queue's capacity is taken, and a full queue makes room for a critical arrival by
    /// displacing the newest sheddable attempt (`priority`).
    pub shed_sheddable_above: Option<Probability>,
    /// Whether the rate limit is one bucket for everyone or one per caller.
    pub rate_limit_per: RateLimitScope,
    /// Slower own work when more jobs run than the replica has cores (`overload`).
    pub overload: Option<OverloadConfig>,
    /// The own work of some request classes, instead of the service's `service_time`
    /// (`load::ClassServiceTime`), in class order.
    pub service_times: Vec<ClassServiceTime>,
}

/// A worker pool of each replica, reserved for some callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The name reports use: its callers' names joined with `+`.
    pub name: String,
    /// The callers whose attempts it serves.
    pub callers: Vec<CallerId>,
    /// Its workers per replica (≥ 1).
    pub workers: u32,
    /// Its queue's capacity per replica (the service's unless set).
    pub queue_capacity: u32,
}

/// Who shares a rate limit's token bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RateLimitScope {
    /// One bucket for every caller (the default).
    #[default]
    Global,
    /// One bucket per caller, each with the configured rate and burst.
    Caller,
}

impl ServiceClasses {
    /// No pools, no priority shedding, one shared rate limit, no overload penalty, no
    /// per-class service times.
    pub const NONE: ServiceClasses = ServiceClasses {
        pools: Vec::new(),
        shed_sheddable_above: None,
        rate_limit_per: RateLimitScope::Global,
        overload: None,
        service_times: Vec::new(),
    };

    /// The pool serving `caller`: 0 for the default pool, i + 1 for `pools[i]`.
    pub fn pool_of(&self, caller: CallerId) -> u32 {
        self.pools
            .iter()
            .position(|p| p.callers.contains(&caller))
            .map_or(0, |i| i as u32 + 1)
    }
}

/// A replica's cores and the thrashing penalty beyond them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OverloadConfig {
    /// Jobs a replica runs at full speed at once (≥ 1).
    pub cores: u32,
    /// Extra slowdown per job running beyond the cores (≥ 0; 0.1 is 10% per extra job).
    pub penalty: f64,
}
