//! models: the components faultline simulates, built on `sim-core`.
//!
//! Clients (open- and closed-loop arrivals, groups, request classes, timeouts, retries with
//! backoff and jitter), replicated services
//! (workers, bounded FIFO queues, balancers) and the network between them. `World` wires them
//! into one `sim_core::Model`; `run` builds a world from a validated `WorldConfig` and runs it.

#![deny(missing_docs)]

pub mod adaptive_throttle;
pub mod arrival;
pub mod autoscale;
pub mod backoff;
pub mod balancer;
pub mod budget;
pub mod bulkhead;
pub mod cache;
pub mod caller_class;
pub mod circuit_breaker;
pub mod client;
pub mod component;
pub mod config;
pub mod cost;
pub mod database;
pub mod deploy;
pub mod election;
pub mod failure;
pub mod fault;
pub mod guard;
pub mod idempotency;
pub mod key;
pub mod message_queue;
pub mod outbox;
pub mod outlier;
pub mod overload;
pub mod priority;
pub mod quorum;
pub mod rate_limiter;
pub mod reply;
pub mod result;
pub mod retry_budget;
pub mod service;
pub mod shedding;
pub mod tied;
pub mod workflow;
pub mod world;

pub use adaptive_throttle::{AdaptiveThrottle, ThrottleCounts};
pub use backoff::retry_delay;
pub use bulkhead::{Admission, Bulkhead};
pub use cache::{Cache, CacheCounts, Zipf};
pub use caller_class::{AttemptClass, CallerLimits, ClassResult, PoolResult};
pub use circuit_breaker::{
    BreakerState, CallOutcome, CircuitBreaker, Transition, TransitionCounts,
};
pub use component::PartHappening;
pub use config::Prices;
pub use config::{
    AdaptiveThrottleConfig, Arrival, ArrivalTrace, Backoff, Balancer, BulkheadConfig, BurnAlert,
    CacheConfig, CallConfig, CallerId, CanarySplit, CircuitBreakerConfig, ClassId,
    ClassServiceTime, ClientConfig, ClientId, ClockSetting, CodelConfig, DatabaseConfig,
    DatabaseFault, DatabaseFaultKind, DatabaseOp, Deadline, DeployStrategy, Deployment, Direction,
    Discipline, ElectionClock, ElectionConfig, ElectionFault, ElectionFaultKind, Endpoint, Fault,
    FaultKind, Guards, Hedge, IdempotencyConfig, Jitter, Link, Load, Member, MessageQueueConfig,
    NetworkConfig, NoQuorum, OnOff, OutlierDetectionConfig, OverloadConfig, PoolConfig, Priority,
    Profile, Promotion, QueuePolicy, QuorumConfig, RandomFaults, RandomKind, RandomTarget, Rate,
    RateLimitScope, RateLimiterConfig, ReadFrom, Regression, Replication, RequestClass,
    RetryBudgetConfig, RetryPolicy, Rollback, ServiceClasses, ServiceConfig, ServiceId,
    ServicePolicies, SlidingWindow, Spacing, Target, Unreachable, WhenFull, WorkflowConfig,
    WorldConfig,
};
pub use config::{Protocol, Step};
pub use cost::{Cost, CostParts, ServiceCost, Usage};
pub use database::{DatabaseCalls, DatabaseResult, DatabaseSeries};
pub use deploy::{DeploymentResult, Rollout, Version};
pub use election::{ElectionResult, ElectionRun, LeaderWrites};
pub use failure::{Failure, FailureCounts};
pub use fault::Drawn;
pub use guard::{GuardCounts, LocalRejection};
pub use idempotency::{IdempotencyCounts, IdempotencyStore, Lookup, SideEffectLedger};
pub use message_queue::{MessageQueueResult, QueueCounts};
pub use outlier::OutlierDetector;
pub use priority::{PriorityCounts, PriorityResult};
pub use quorum::{QuorumCalls, QuorumResult};
pub use rate_limiter::RateLimiter;
pub use result::{
    CallResult, ClientResult, ClientSeries, ComponentCounts, FaultRecord, MemberResult,
    RequestClassResult, RunResult, ServiceResult, ServiceSeries, Spent, WorkParts, WorkSplit,
};
pub use retry_budget::{EnvoyRetryBudget, RetryBudget};
pub use service::WorkKind;
pub use tied::TiedCounts;
pub use workflow::{StepCounts, WorkflowCounts, WorkflowResult};
pub use world::state::{ClientState, ClockReading, ReplicaState, WorldState};
pub use world::trace::{
    run_traced, Admitted, AttemptRef, CacheOutcome, Done, FaultLabel, Happening, Part, PartRecord,
    Trace, TraceOptions, TraceRecord, TracedRun, Transit,
};
pub use world::{
    draw_random_faults, run, run_observed, run_with, with_random_faults, AttemptKey, Event, JobKey,
    MissingComponent, PackedEvent, Reply, RequestKey, World,
};
