//! What a caller (a client, or one replica's call edge) puts in front of a dependency, as
//! validated data: retries with backoff and jitter, an overall deadline, the guards (retry
//! budget, circuit breaker, adaptive throttle, bulkhead, hedging), a cache, and the
//! criticality its requests carry.
//!
//! Plain data: the state machines that act on these settings are `backoff`, `retry_budget`,
//! `circuit_breaker`, `adaptive_throttle`, `bulkhead`, `cache` and `guard`, which import this
//! module and never the other way round. Their formulas and checks (`Backoff::delay`,
//! `AdaptiveThrottleConfig::validate`, ...) are implemented there, beside the behaviour.

use sim_core::{Probability, SimDuration};

/// An overall deadline for each request of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The request fails this long after it was issued (no attempt or retry outlives it).
    pub after: SimDuration,
    /// Downstream calls inherit the deadline, and servers drop queued work whose deadline has
    /// passed instead of doing it.
    pub propagate: bool,
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

/// The un-jittered delay schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backoff {
    /// Retry at once.
    None,
    /// The same delay before every retry.
    Constant {
        /// The delay.
        delay: SimDuration,
    },
    /// `min(cap, base · 2^(attempt-1))`.
    Exponential {
        /// Delay before the first retry.
        base: SimDuration,
        /// Largest delay.
        cap: SimDuration,
    },
}

/// How a delay is randomized so that clients that failed together do not retry together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the backoff delay.
    None,
    /// Uniform between zero and the delay.
    Full,
    /// Half the delay plus uniform up to the other half.
    Equal,
    /// Uniform between base and three times the previous delay, capped.
    Decorrelated,
}

/// Which guards a caller has (each optional).
#[derive(Clone, Debug, PartialEq)]
pub struct Guards {
    /// A retry budget: retries allowed as a ratio of requests plus a floor.
    pub budget: Option<RetryBudgetConfig>,
    /// A circuit breaker in front of the dependency.
    pub breaker: Option<CircuitBreakerConfig>,
    /// Client-side adaptive throttling.
    pub throttle: Option<AdaptiveThrottleConfig>,
    /// Hedged requests.
    pub hedge: Option<Hedge>,
    /// A cap on concurrent attempts, with an optional bounded wait.
    pub bulkhead: Option<BulkheadConfig>,
}

/// When to send a hedge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hedge {
    /// After a fixed delay.
    After(SimDuration),
    /// After this quantile (0..1) of the caller's successful attempt latencies so far; no
    /// hedging until `HEDGE_SAMPLES_MIN` attempts have succeeded.
    Percentile(f64),
    /// Tied requests (Dean & Barroso, "The Tail at Scale", section "Tied requests"): every
    /// attempt goes to two replicas at once, and the copy that starts first cancels the other
    /// (see `world::tied`).
    Tied,
}

impl Guards {
    /// No guards at all.
    pub const NONE: Guards = Guards {
        budget: None,
        breaker: None,
        throttle: None,
        hedge: None,
        bulkhead: None,
    };
}

/// The parameters of a Finagle retry budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryBudgetConfig {
    /// How long deposits and withdrawals count: whole seconds in `1..=60` (Finagle `ttl`).
    pub ttl: SimDuration,
    /// Retries per second the reserve allows on its own (Finagle `minRetriesPerSec`).
    pub retries_per_s_min: u32,
    /// Retries earned per request, in `0..=1000` (Finagle `percentCanRetry`, a ratio despite
    /// its name: 0.1 earns one retry per ten requests, 2.0 two retries per request).
    pub ratio: f64,
}

/// The parameters of a circuit breaker, named after Resilience4j's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CircuitBreakerConfig {
    /// Failure rate at or above which it trips, above zero (`failureRateThreshold` ÷ 100).
    pub failure_rate_threshold: Probability,
    /// Slow-call rate at or above which it trips, above zero (`slowCallRateThreshold` ÷ 100).
    pub slow_call_rate_threshold: Probability,
    /// A call lasting strictly longer is slow (`slowCallDurationThreshold`).
    pub slow_call_duration_threshold: SimDuration,
    /// What CLOSED computes its rates over (`slidingWindowType`, `slidingWindowSize`).
    pub sliding_window: SlidingWindow,
    /// Results needed before rates are evaluated, at least one (`minimumNumberOfCalls`).
    pub calls_min: u32,
    /// How long OPEN rejects calls (`waitDurationInOpenState`).
    pub wait_duration_in_open_state: SimDuration,
    /// Calls HALF_OPEN permits, at least one (`permittedNumberOfCallsInHalfOpenState`).
    pub half_open_calls_permitted: u32,
    /// Leave OPEN when the wait ends rather than on the next call
    /// (`automaticTransitionFromOpenToHalfOpenEnabled`).
    pub automatic_transition: bool,
}

/// The window CLOSED evaluates its rates over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlidingWindow {
    /// The last `calls` results, at least one (Resilience4j `COUNT_BASED`).
    Count {
        /// Results in the window.
        calls: u32,
    },
    /// The results of the last `seconds` whole seconds, at least one (`TIME_BASED`).
    Time {
        /// Seconds in the window.
        seconds: u32,
    },
}

/// The parameters of an adaptive throttle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveThrottleConfig {
    /// The trailing window the counts cover: a whole number of seconds, at least one.
    pub window: SimDuration,
    /// The book's K: requests may reach `multiplier × accepts` before any local rejection.
    /// Finite and positive; below 1 it rejects even when every request is accepted.
    pub multiplier: f64,
}

/// The parameters of a bulkhead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkheadConfig {
    /// Calls allowed inside at once, at least one (Resilience4j `maxConcurrentCalls`).
    pub calls_concurrent_max: u32,
    /// Calls allowed to wait for a slot; 0 means no queue.
    pub waiters_max: u32,
    /// Longest a call waits for a slot (Resilience4j `maxWaitDuration`); zero means no waiting.
    pub wait_max: SimDuration,
}

/// A cache's validated settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CacheConfig {
    /// Distinct keys requested (≥ 1); key 0 is the most popular.
    pub keys: u32,
    /// The Zipf exponent s: key k (from 1) is requested with probability ∝ k^-s (0 = uniform).
    pub zipf: f64,
    /// How long an entry stays fresh after it is stored, on the owner's local clock.
    pub ttl: SimDuration,
    /// Misses on a key that is already being fetched wait for that fetch.
    pub single_flight: bool,
    /// A failed fetch is answered with the expired entry, if there is one.
    pub serve_stale: bool,
    /// Most entries held (least recently used evicted first); `None` holds every key.
    pub capacity: Option<u32>,
}

/// A request's criticality (the SRE book's `CRITICAL` and `SHEDDABLE`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Served while anything is; a full queue makes room for it by displacing sheddable work.
    #[default]
    Critical,
    /// Turned away first when the queue stands above its threshold.
    Sheddable,
}
