//! The validated description of a world: what `scenarios` produces and `World::new` accepts.
//!
//! Every value here has already been checked (rates positive, names resolved to ids,
//! distributions well-formed), so building a world from a `WorldConfig` cannot fail. Defaults
//! live in the scenario format, not here.

use sim_core::{Distribution, Limits, Probability, SimDuration};

use crate::backoff::{Backoff, Jitter};
use crate::cache::CacheConfig;
use crate::caller_class::ServiceClasses;
use crate::fault::{Endpoint, Fault, RandomFaults};
use crate::guard::Guards;
use crate::idempotency::IdempotencyConfig;
use crate::outlier::OutlierDetectionConfig;
use crate::priority::Priority;
use crate::rate_limiter::RateLimiterConfig;
use crate::shedding::QueuePolicy;

/// Index of a client in `WorldConfig::clients`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u32);

/// Index of a service in `WorldConfig::services`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u32);

/// Everything needed to build and run one world.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldConfig {
    /// Virtual time the run lasts (arrivals stop then; work in flight is not counted).
    pub duration: SimDuration,
    /// Initial span excluded from every metric.
    pub warmup: SimDuration,
    /// The clients, indexed by `ClientId`.
    pub clients: Vec<ClientConfig>,
    /// The services, indexed by `ServiceId`.
    pub services: Vec<ServiceConfig>,
    /// The network between every pair of nodes.
    pub network: NetworkConfig,
    /// Engine guards.
    pub limits: Limits,
    /// The fault schedule, in scenario order.
    pub faults: Vec<Fault>,
    /// Initial clock settings of some nodes (others have perfect clocks).
    pub clocks: Vec<ClockSetting>,
    /// Faults drawn from the seed, added after the scheduled ones.
    pub random_faults: Option<RandomFaults>,
    /// A leader election through a lease store, run alongside the world (`election`).
    pub election: Option<crate::election::ElectionConfig>,
    /// A leader–follower database with replication lag, run alongside the world (`database`).
    pub database: Option<crate::database::DatabaseConfig>,
}

impl WorldConfig {
    /// `clients` and `services` for `duration` after `warmup`, over a network with no latency,
    /// with no faults, clock settings, election or database, and limits far away.
    pub fn plain(
        duration: SimDuration,
        warmup: SimDuration,
        clients: Vec<ClientConfig>,
        services: Vec<ServiceConfig>,
    ) -> WorldConfig {
        WorldConfig {
            duration,
            warmup,
            clients,
            services,
            network: NetworkConfig::with_latency(Distribution::Constant(SimDuration::ZERO)),
            limits: Limits {
                pending_events_max: 1_000_000,
                events_max: 1_000_000_000,
                memory_max: u64::MAX,
            },
            faults: Vec::new(),
            clocks: Vec::new(),
            random_faults: None,
            election: None,
            database: None,
        }
    }
}

impl ClientConfig {
    /// A critical client of `target` with no timeout, retries, guards, deadline, cache or
    /// latency marks.
    pub fn plain(name: &str, target: ServiceId, arrival: Arrival) -> ClientConfig {
        ClientConfig {
            name: name.to_string(),
            target,
            arrival,
            timeout: None,
            retry: RetryPolicy::NONE,
            guards: Guards::NONE,
            deadline: None,
            latency_marks: Vec::new(),
            cache: None,
            priority: crate::priority::Priority::Critical,
        }
    }
}

impl ServiceConfig {
    /// A round-robin service with no policies, calls or caller classes.
    pub fn plain(
        name: &str,
        replicas: u32,
        workers: u32,
        queue_capacity: u32,
        service_time: Distribution,
    ) -> ServiceConfig {
        ServiceConfig {
            name: name.to_string(),
            replicas,
            workers,
            queue_capacity,
            balancer: Balancer::RoundRobin,
            policies: ServicePolicies::NONE,
            service_time,
            calls: Vec::new(),
            classes: crate::caller_class::ServiceClasses::NONE,
        }
    }
}

/// The initial state of the clocks of some nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockSetting {
    /// Which nodes.
    pub target: Endpoint,
    /// Offset from true time at time zero, in nanoseconds.
    pub offset_ns: i64,
    /// Drift in parts per billion.
    pub drift_ppb: i64,
}

/// An open-loop source of requests to one service.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Unique name; also names the client's random streams.
    pub name: String,
    /// The service it calls.
    pub target: ServiceId,
    /// When requests arrive.
    pub arrival: Arrival,
    /// Per-attempt timeout; `None` waits forever.
    pub timeout: Option<SimDuration>,
    /// What happens after a failed attempt.
    pub retry: RetryPolicy,
    /// Retry budget, circuit breaker and adaptive throttling in front of the target.
    pub guards: Guards,
    /// An overall deadline per request, optionally propagated downstream.
    pub deadline: Option<Deadline>,
    /// Latency thresholds whose "succeeded within" counts are reported exactly (for SLOs).
    pub latency_marks: Vec<SimDuration>,
    /// A cache in front of the target (the client's own).
    pub cache: Option<CacheConfig>,
    /// The criticality of its requests, carried by every downstream call made for them.
    pub priority: Priority,
}

/// An overall deadline for each request of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The request fails this long after it was issued (no attempt or retry outlives it).
    pub after: SimDuration,
    /// Downstream calls inherit the deadline, and servers drop queued work whose deadline has
    /// passed instead of doing it.
    pub propagate: bool,
}

/// An arrival process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arrival {
    /// Exponential inter-arrival times (a Poisson process) at `rate_per_s` requests per second.
    Poisson {
        /// Mean arrivals per second (> 0).
        rate_per_s: f64,
    },
    /// Evenly spaced arrivals at `rate_per_s` requests per second.
    Constant {
        /// Arrivals per second (> 0).
        rate_per_s: f64,
    },
}

/// Retries after a failed attempt (a timeout or an overload rejection).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request including the first (1 = never retry).
    pub max_attempts: u32,
    /// The delay before each retry, before jitter.
    pub backoff: Backoff,
    /// How the delay is randomized.
    pub jitter: Jitter,
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        backoff: Backoff::None,
        jitter: Jitter::None,
    };
}

/// A replicated service: each replica has workers and a bounded FIFO queue.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// Unique name; also names the service's random streams.
    pub name: String,
    /// Number of identical replicas (≥ 1).
    pub replicas: u32,
    /// Workers per replica (≥ 1): requests served at once.
    pub workers: u32,
    /// Waiting requests a replica holds beyond its busy workers; more are rejected.
    pub queue_capacity: u32,
    /// How callers pick a replica.
    pub balancer: Balancer,
    /// Outlier detection, rate limiting, client errors and queue policies.
    pub policies: ServicePolicies,
    /// Time a worker spends on one request's own work, before its downstream calls.
    pub service_time: Distribution,
    /// Downstream calls a worker makes, in order, after its own work; the worker is held
    /// until they all finish (thread-per-request), and one failed call fails the request.
    pub calls: Vec<CallConfig>,
    /// Worker pools per caller, priority shedding, per-caller rate limits and the overload
    /// penalty (`caller_class`).
    pub classes: ServiceClasses,
}

/// One downstream call made by every request a service serves.
#[derive(Clone, Debug, PartialEq)]
pub struct CallConfig {
    /// The service called.
    pub target: ServiceId,
    /// Per-attempt timeout; `None` waits forever.
    pub timeout: Option<SimDuration>,
    /// What happens after a failed attempt.
    pub retry: RetryPolicy,
    /// Retry budget, circuit breaker and adaptive throttling in front of the target (one
    /// instance per calling replica).
    pub guards: Guards,
    /// Requests sent in parallel for this call (each to a replica the balancer picks).
    pub fanout: u32,
    /// How many of them must succeed: `fanout` waits for all, 1 for any, k for a quorum.
    pub needed: u32,
    /// Graceful degradation: when the call fails (after its retries, a timeout, a bulkhead
    /// rejection or an open breaker), the job goes on without it and answers `Degraded`.
    pub optional: bool,
    /// A cache in front of the called service (one per calling replica; `fanout` is 1).
    pub cache: Option<CacheConfig>,
}

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
    };
}

/// The network: default latency, loss and duplication, with per-link overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkConfig {
    /// One-way latency of each message (request or response).
    pub latency: Distribution,
    /// Probability that a message is lost.
    pub loss: Probability,
    /// Probability that a message is delivered twice.
    pub duplicate: Probability,
    /// Overrides for messages between particular endpoints; the first match supplies each
    /// field it sets.
    pub links: Vec<Link>,
}

impl NetworkConfig {
    /// A network with the given latency and no loss, duplication or overrides.
    pub fn with_latency(latency: Distribution) -> NetworkConfig {
        NetworkConfig {
            latency,
            loss: Probability::ZERO,
            duplicate: Probability::ZERO,
            links: Vec::new(),
        }
    }
}

/// A per-link override of the network defaults (both directions).
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// One end.
    pub a: Vec<Endpoint>,
    /// The other end.
    pub b: Vec<Endpoint>,
    /// Latency on this link, if different.
    pub latency: Option<Distribution>,
    /// Loss on this link, if different.
    pub loss: Option<Probability>,
    /// Duplication on this link, if different.
    pub duplicate: Option<Probability>,
}
