//! models: the components faultline simulates, built on `sim-core`.
//!
//! Clients (open-loop arrivals, timeouts, retries with backoff and jitter), replicated services
//! (workers, bounded FIFO queues, balancers) and the network between them. `World` wires them
//! into one `sim_core::Model`; `run` builds a world from a validated `WorldConfig` and runs it.

#![deny(missing_docs)]

pub mod adaptive_throttle;
pub mod backoff;
pub mod balancer;
pub mod budget;
pub mod bulkhead;
pub mod cache;
pub mod caller_class;
pub mod circuit_breaker;
pub mod client;
pub mod config;
pub mod database;
pub mod election;
pub mod failure;
pub mod fault;
pub mod guard;
pub mod idempotency;
pub mod outlier;
pub mod overload;
pub mod priority;
pub mod rate_limiter;
pub mod result;
pub mod retry_budget;
pub mod service;
pub mod shedding;
pub mod tied;
pub mod world;

pub use adaptive_throttle::{AdaptiveThrottle, AdaptiveThrottleConfig, ThrottleCounts};
pub use backoff::{retry_delay, Backoff, Jitter};
pub use bulkhead::{Admission, Bulkhead, BulkheadConfig};
pub use cache::{Cache, CacheConfig, CacheCounts, Zipf};
pub use caller_class::{
    AttemptClass, CallerId, CallerLimits, ClassResult, PoolConfig, PoolResult, RateLimitScope,
    ServiceClasses,
};
pub use circuit_breaker::{
    BreakerState, CallOutcome, CircuitBreaker, CircuitBreakerConfig, SlidingWindow, Transition,
    TransitionCounts,
};
pub use config::{
    Arrival, Balancer, CallConfig, ClientConfig, ClientId, ClockSetting, Deadline, Link,
    NetworkConfig, RetryPolicy, ServiceConfig, ServiceId, ServicePolicies, WorldConfig,
};
pub use database::{
    DatabaseConfig, DatabaseFault, DatabaseFaultKind, DatabaseResult, DatabaseSeries, Promotion,
    ReadFrom, Replication,
};
pub use election::{
    Direction, ElectionClock, ElectionConfig, ElectionFault, ElectionFaultKind, ElectionResult,
    ElectionRun, Member,
};
pub use failure::{Failure, FailureCounts};
pub use fault::{
    Drawn, Endpoint, Fault, FaultKind, RandomFaults, RandomKind, RandomTarget, Target, Unreachable,
};
pub use guard::{GuardCounts, Guards, LocalRejection};
pub use idempotency::{
    IdempotencyConfig, IdempotencyCounts, IdempotencyStore, Lookup, SideEffectLedger,
};
pub use outlier::{OutlierDetectionConfig, OutlierDetector};
pub use overload::OverloadConfig;
pub use priority::{Priority, PriorityCounts, PriorityResult};
pub use rate_limiter::{RateLimiter, RateLimiterConfig};
pub use result::{
    CallResult, ClientResult, ClientSeries, FaultRecord, RunResult, ServiceResult, ServiceSeries,
};
pub use retry_budget::{EnvoyRetryBudget, RetryBudget, RetryBudgetConfig};
pub use service::{WorkKind, WorkSplit};
pub use shedding::{CodelConfig, Discipline, QueuePolicy};
pub use tied::TiedCounts;
pub use world::beside::{Beside, BesideHappening, BesideRecord};
pub use world::state::{ClientState, ClockReading, ReplicaState, WorldState};
pub use world::trace::{
    run_traced, Admitted, AttemptRef, CacheOutcome, Done, FaultLabel, Happening, Trace,
    TraceOptions, TraceRecord, TracedRun, Transit,
};
pub use world::{
    draw_random_faults, run, run_observed, with_random_faults, AttemptKey, Event, JobKey,
    PackedEvent, Reply, RequestKey, World,
};
