//! The validated description of a world: what `scenarios` produces and `World::new` accepts.
//!
//! Every value here has already been checked (rates positive, names resolved to ids,
//! distributions well-formed), so building a world from a `WorldConfig` cannot fail. Defaults
//! live in the scenario format, not here.
//!
//! Plain data at the bottom of `models`, as `scenarios::raw` is for the file format: this
//! module and its children import nothing of the crate but each other, and every component
//! above imports the part it acts on. `config.rs` holds the world as a whole and re-exports
//! its parts:
//!
//! ```text
//! config ── id        ClientId, ServiceId, CallerId
//!        ├─ autoscale a service's target-tracking autoscaler
//!        ├─ cost      the prices a run's cost is computed from
//!        ├─ load      a client's workload (Load, request classes), Arrival
//!        ├─ guard     a caller's retries, deadline, guards, cache, priority
//!        ├─ service   a service's balancer, policies, queues, caller classes
//!        ├─ fault     the fault schedule and the random-fault recipe
//!        ├─ database  the leader–follower database
//!        ├─ quorum    the quorum-replicated store
//!        ├─ deploy    a deployment of a bad version and its rollback
//!        ├─ election  the lease election
//!        ├─ message_queue  message queues (partitions, visibility, dead letters)
//!        ├─ outbox    a service's write-and-publish pair (dual write or outbox)
//!        └─ workflow  workflows across services (saga, two-phase commit)
//! ```

use sim_core::{Distribution, Limits, Probability, SimDuration};

pub mod autoscale;
pub mod cost;
pub mod database;
pub mod deploy;
pub mod election;
pub mod fault;
pub mod guard;
pub mod id;
pub mod load;
pub mod message_queue;
pub mod outbox;
pub mod quorum;
pub mod service;
pub mod workflow;

pub use autoscale::{AutoscaleConfig, AutoscaleMetric};
pub use cost::Prices;
pub use database::{
    DatabaseConfig, DatabaseFault, DatabaseFaultKind, DatabaseOp, Promotion, ReadFrom, Replication,
};
pub use deploy::{BurnAlert, CanarySplit, DeployStrategy, Deployment, Regression, Rollback};
pub use election::{
    Direction, ElectionClock, ElectionConfig, ElectionFault, ElectionFaultKind, Member,
};
pub use fault::{
    Endpoint, Fault, FaultKind, RandomFaults, RandomKind, RandomTarget, Target, Unreachable,
};
pub use guard::{
    AdaptiveThrottleConfig, Backoff, BulkheadConfig, CacheConfig, CircuitBreakerConfig, Deadline,
    Guards, Hedge, Jitter, Priority, RetryBudgetConfig, RetryPolicy, SlidingWindow,
};
pub use id::{CallerId, ClientId, ServiceId};
pub use load::{
    Arrival, ArrivalTrace, ClassId, ClassServiceTime, Load, OnOff, Profile, Rate, RequestClass,
    Spacing,
};
pub use message_queue::{MessageQueueConfig, WhenFull};
pub use outbox::{OutboxConfig, OutboxMode};
pub use quorum::{NoQuorum, QuorumConfig};
pub use service::{
    Balancer, CodelConfig, Discipline, IdempotencyConfig, OutlierDetectionConfig, OverloadConfig,
    PoolConfig, QueuePolicy, RateLimitScope, RateLimiterConfig, ServiceClasses, ServicePolicies,
};
pub use workflow::{Protocol, Step, WorkflowConfig};

/// Width of one row of every time series (clients, services, the database) of a run up to
/// 2,000 s long; longer runs use `sim_core::series::interval_for(duration)`, as
/// `RunResult::series_interval` says.
pub const SERIES_INTERVAL: SimDuration = SimDuration::from_secs(1);

/// The longest a run drains after its configured end (see `world::run_to_end`); requests
/// still unresolved then count as unresolved (not succeeded) at their age.
pub const DRAIN_MAX: SimDuration = SimDuration::from_secs(60);

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
    pub election: Option<ElectionConfig>,
    /// A leader–follower database with replication lag, run alongside the world (`database`).
    pub database: Option<DatabaseConfig>,
    /// Message queues that services publish to and that deliver to consumer services
    /// (`message_queue`); each stands in the world as one more service.
    pub queues: Vec<MessageQueueConfig>,
    /// A quorum-replicated store that services call (`quorum`).
    pub quorum: Option<QuorumConfig>,
    /// Deployments of a new version, at most one per service (`deploy`).
    pub deployments: Vec<Deployment>,
    /// Workflows across services, at most one per coordinator (`workflow`).
    pub workflows: Vec<WorkflowConfig>,
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
            queues: Vec::new(),
            quorum: None,
            deployments: Vec::new(),
            workflows: Vec::new(),
        }
    }
}

impl ClientConfig {
    /// A single critical client of `target` with no timeout, retries, guards, deadline,
    /// cache, latency marks or request classes.
    pub fn plain(name: &str, target: ServiceId, arrival: impl Into<Load>) -> ClientConfig {
        ClientConfig {
            name: name.to_string(),
            target,
            arrival: arrival.into(),
            count: 1,
            classes: Vec::new(),
            report_members: false,
            timeout: None,
            retry: RetryPolicy::NONE,
            guards: Guards::NONE,
            deadline: None,
            latency_marks: Vec::new(),
            cache: None,
            priority: Priority::Critical,
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
            classes: ServiceClasses::NONE,
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

/// A source of requests to one service: one client, or a group of `count` identical ones.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientConfig {
    /// Unique name; also names the client's random streams (a group member's are named
    /// `NAME[i]`, see `arrival`).
    pub name: String,
    /// The service it calls.
    pub target: ServiceId,
    /// When requests arrive: open loop, closed loop, sessions or a trace (`load`).
    pub arrival: Load,
    /// Identical clients it stands for (≥ 1): each member has its own arrival streams (but a
    /// Poisson group is one source of the summed rate, see `arrival`); they share
    /// one node (clock and network links), the guards, the cache and the figures.
    pub count: u32,
    /// The classes its requests are drawn from; empty: every request is of `ClassId::NONE`.
    pub classes: Vec<RequestClass>,
    /// Report each member's own counts beside the group's (a group reports as one
    /// otherwise; no member ever has its own per-second series).
    pub report_members: bool,
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
    /// The service called (for a database, the service that stands for its nodes).
    pub target: ServiceId,
    /// What it asks of the database it calls; `None` for a plain service.
    pub op: Option<DatabaseOp>,
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
