//! The scenario file as written: serde structs that mirror the JSON, with every default.
//!
//! These types check JSON types and field names only (every struct denies unknown fields);
//! ranges, units, references and "exactly one of" rules are `validate`'s job, and nothing
//! outside this crate sees a raw type. Durations stay strings here so that `validate` can
//! report a bad one with its path. A `kind` field is a plain enum next to optional
//! parameters (not a serde-tagged enum), because serde's tagged enums lose the JSON path of
//! errors inside them.
//!
//! This module also owns the strict reader that turns the text into a JSON value, refusing
//! duplicate keys that a plain `serde_json::Value` would silently merge.
//!
//! # Defaults
//!
//! This table is the one place the format's defaults are listed. serde fills each in when
//! its key is absent (which is also what a variant or `--set PATH=null` produces).
//!
//! | key | default | why |
//! |---|---|---|
//! | `description` | `""` | optional prose |
//! | `warmup` | `"0s"` | measure from the start |
//! | `clients[].timeout` | none: wait forever | a timeout is a policy choice |
//! | `clients[].retry` | absent: one attempt, no retries | retries are a policy choice |
//! | `retry.max_attempts` | `3` | a common client-library default (first try + 2 retries) |
//! | `retry.backoff` | `{kind: exponential, base: "25ms", cap: "250ms"}` | Envoy's retry back-off |
//! | `backoff.cap` (exponential) | 10 × `base` | Envoy's rule for `max_interval`; applied in `validate`, as it depends on `base` |
//! | `retry.jitter` | `"none"` | what you write is what runs |
//! | `services[].replicas` | `1` | |
//! | `services[].workers` | `1` | |
//! | `services[].queue` | `{capacity: 10000, discipline: "fifo"}` | bounded, as every queue must be |
//! | `queue.discipline` | `"fifo"` | `"adaptive_lifo"` is Facebook's ("Fail at Scale", 2015) |
//! | `queue.lifo_after` | `"100ms"`, with `adaptive_lifo` only (applied in `validate`) | Fail at Scale's N: a queue that has not been empty for 100 ms is standing |
//! | `queue.max_wait` | absent: no queue-time limit | |
//! | `queue.codel` | absent; when present `{target: "5ms", interval: "100ms"}` | RFC 8289's defaults |
//! | `services[].balancer` | `"round_robin"` | `"random"`, `"least_outstanding"` (Envoy `LEAST_REQUEST`, full scan) and `"p2c"` (power of two choices) are the others |
//! | `services[].rate_limit` | absent: no limit; `burst` defaults to `rate_per_s` | one second of tokens, full at the start (Go's `rate.Limiter` starts full) |
//! | `services[].client_error_fraction` | `0` | a 4xx is the caller's fault, so none unless asked for |
//! | `services[].outlier_detection` | absent: never eject; when present `{consecutive_5xx: 5, interval: "10s", base_ejection_time: "30s", max_ejection_percent: 10, max_ejection_time: "300s"}` | Envoy's defaults |
//! | `services[].calls` | `[]`: no downstream calls | |
//! | `services[].autoscale` | absent: a fixed `replicas`; see `raw::autoscale` for its keys' defaults | |
//! | `services[].zones` | `[]`: in no zone | replica i is placed in zone i mod n (round robin, as Kubernetes topology spread does); `"zone:NAME"` targets a crash, pause, slowdown or partition at every replica placed in NAME |
//! | `calls[].timeout`, `calls[].retry` | as for clients | |
//! | `calls[].fanout` | `1` | |
//! | `calls[].wait_for` | `"all"` | a fan-out usually needs every shard |
//! | `quantiles.min`, `quantiles.max` (`p0`, `p100`) | absent: the lowest and the highest segment extended at their own slopes to q = 0 and q = 1 | bounded, so every moment is finite, and no tail heavier than the one measured (`sim_core::distribution::quantiles`) |
//! | `empirical.column`, `histogram.column` | the file's only column (besides `unit`, and `count` for a histogram) | |
//! | `histogram.min` | `"0s"` | Prometheus' lower bound for its first bucket |
//! | `network` | `{latency: {kind: constant, value: "0s"}}` | an ideal network unless told otherwise |
//! | `network.loss`, `network.duplicate` | `0` | |
//! | `network.links` | `[]` | |
//! | `faults` | `[]` | |
//! | `faults[].for` | until the end of the run | |
//! | `error_burst.retryable` | `true`: 5xx-like errors | `false` makes them 4xx-like: answered, never retried |
//! | `brownout.peak`, `brownout.for` | none: both required | the error fraction at the window's middle (it ramps linearly from 0 and back); a ramp needs an end |
//! | `crash.while_down`, `partition.mode` | `"refuse"`, `"black_hole"` | a crashed host's OS refuses connections; a partition usually swallows packets |
//! | `partition.one_way` | `false` | |
//! | `clocks` | `[]`: perfect clocks | |
//! | `random_faults` | absent; when present: every kind that can hit a target (`zone_outage` only with `zones`), every service plus the election and the database, starts over the whole run, durations 1s–30s, factor 2–10, fraction 0.1–0.5, add 10ms–100ms, jump -2s–2s, drift_ppm -500–500 | |
//! | `retry.budget` | absent: unlimited retries; when present `{ratio: 0.2, min_per_s: 10, ttl: "10s"}` | Finagle's defaults |
//! | `circuit_breaker` | absent; when present `{failure_rate: 0.5, slow_call_rate: 1.0, slow_call_duration: "60s", window: 100, minimum_calls: 100, open_for: "60s", half_open_calls: 10}` | Resilience4j's defaults |
//! | `throttle` | absent; when present `{k: 2, window: "120s"}` | the SRE book's |
//! | `deadline.propagate` | `false` | |
//! | `hedge` | absent: never hedge | |
//! | `hedge.tied` | `false`; `true` instead of `after` | tied requests (Dean & Barroso 2013): two copies at once, the first to start cancels the other |
//! | `calls[].optional` | `false`: a failed call fails the job | `true`: graceful degradation, the job answers `degraded` without it |
//! | `services[].side_effect` | `false` | `true`: each execution is a non-idempotent write; repeats of a request key are `duplicate_side_effects` |
//! | `services[].idempotency` | absent: no key store; when present `{ttl: "24h"}` | Stripe keeps idempotency keys for 24 hours |
//! | `bulkhead` (client or call) | absent; when present `{max_concurrent: 25, max_wait: "0s", max_waiting: 10000}` | Resilience4j's `maxConcurrentCalls` and `maxWaitDuration`; the wait queue is bounded like every queue |
//! | `cache` (client or call) | absent: no cache | |
//! | `cache.keys`, `cache.ttl` | none: both required | how many keys and how long an entry lives are the design under test |
//! | `cache.zipf` | `1.0` | Zipf's law proper; Breslau et al. (INFOCOM 1999) measured 0.64–0.83 for web proxies |
//! | `cache.single_flight`, `cache.serve_stale` | `false` | a plain cache: every miss fetches, a failed fetch fails |
//! | `cache.capacity` | absent: holds every key | set it to study evictions (LRU) |
//! | `clients[].priority` | `"critical"` | the SRE book's default criticality; `"sheddable"` is shed first, and a job's downstream calls carry the priority of the request it serves |
//! | `queue.shed_sheddable_above` | absent: no priority shedding | a fraction f of `capacity`: sheddable arrivals are refused once floor(f × capacity) attempts wait, and a critical arrival at a full queue displaces the newest sheddable one (1.0: displacement only) |
//! | `services[].pools` | `[]`: every caller uses the service's `workers` | `[{callers: [NAMES], workers: N, queue_capacity: C}]`: each replica reserves N workers and a queue for these clients or calling services; `queue_capacity` defaults to `queue.capacity`, the queue policy is the service's |
//! | `rate_limit.per` | `"global"`: one bucket | `"caller"`: one bucket per client or calling service, each with `rate_per_s` and `burst` |
//! | `services[].overload` | absent: no penalty; `penalty` defaults to `0` | `{cores: c, penalty: p}`: a job starting with n > c jobs doing their own work on its replica takes (n / c) × (1 + p × (n − c)) times its service time (processor sharing plus thrashing; fixed at its start) |
//! | `services[].deploy` | absent: one version throughout | its own defaults are tabled in `raw/deploy.rs` |
//! | `services[].outbox` | absent: no write-and-publish accounting | its own defaults are tabled in `raw/outbox.rs` |
//! | `clients[].count` | `1` | a group of `count` identical clients `NAME[0]`.. with their own arrival streams (a Poisson group: one source of the summed rate), reported as one |
//! | `clients[].report_members` | `false` | `true` adds each member's own counts to the report |
//! | `clients[].classes` | `[]`: one kind of request | `[{name, weight, service_time: {SERVICE: DIST}}]` |
//! | `arrival.profile` | absent: `rate_per_s` holds throughout | `steps`, `table`, `ramp` or `daily`; rates in requests per second |
//! | `profile.period` (daily) | `"24h"` | a real day; shorten it to compress one |
//! | `arrival.off_rate_per_s` (on_off) | `0` | silence between bursts |
//! | `arrival.speed` (trace) | `1` | the trace's own pace |
//! | `arrival.loop` (trace) | absent: the trace plays once | |
//! | `arrival.column` (trace) | the file's only column besides `unit` and the class column | |
//! | `arrival.class_column` (trace) | absent: a column named `class` if the client has classes | |
//! | `slo` | `[]` | |
//! | `slo[].class` | absent: all the client's requests | |
//! | `limits` | `{pending_events_max: 10000000, events_max: 2000000000, memory_max: "2GiB"}` | stops a runaway run before memory runs out (`raw/limits.rs` says why each) |
//! | `variants` | `{}` | |
//! | `clients`, `services` | `[]` | allowed empty only beside a `database` (or another self-contained model) |
//! | `database` | absent: no database | |
//! | `database.name` | `"db"` | nodes are `db[0]` (the first leader) to `db[followers]` |
//! | `database.followers` | `2` | a common small replica set: one leader, two read replicas |
//! | `database.read_from` | `"followers"` | read replicas are what replication lag makes stale |
//! | `database.replication` | `"async"` | the default of MySQL and PostgreSQL |
//! | `database.failover_after` | `"30s"` | Patroni's default `ttl` (a leader is presumed dead 30 s after its last heartbeat) |
//! | `database.promote` | `"most_caught_up"` | what Orchestrator and MHA do: lose as little as possible |
//! | `quorum` | absent: no quorum store | |
//! | `quorum.name` | `"kv"` | replicas are `kv[0]` to `kv[replicas - 1]` |
//! | `quorum.replicas`, `.read_quorum`, `.write_quorum` | `3`, `2`, `2` | Cassandra's QUORUM at replication factor 3: R + W > N |
//! | `quorum.on_no_quorum` | `"fail"` | a strict quorum (CP), as Cassandra's QUORUM; `"sloppy"` serves from whatever replicas are reachable (AP) |
//! | `quorum.read_repair` | `false` | |
//! | `quorum.replication_delay` | `{kind: constant, value: "10ms"}` | a hop plus a disk write inside a data centre |
//! | `quorum.anti_entropy` | absent: no anti-entropy | |
//! | `quorum.keys` | `1000` | |
//! | `quorum.workers`, `.service_time` | `16`, `{kind: constant, value: "2ms"}` | each coordinator's share of a call: one round trip to its replicas |
//! | `quorum.zones` | `[]`: in no zone | as `services[].zones` |
//! | `election` | absent: no lease election | |
//! | `election.name` | `"election"` | nodes are `election[0]`.., the store `election.store` |
//! | `election.nodes` | `3` | the smallest group that survives a node loss |
//! | `election.lease`, `.renew_every`, `.retry_every` | `"15s"`, `"2s"`, `"2s"` | Kubernetes client-go leader election (`LeaseDuration`, `RetryPeriod`; its leader renews every `RetryPeriod`) |
//! | `election.safety_margin` | `"0s"` | what you write is what runs |
//! | `election.store_latency` | `{kind: constant, value: "1ms"}` | one hop inside a data centre |
//! | `election.writes` | `{kind: poisson, rate_per_s: 10}` | a rate of 0 writes nothing |
//! | `election.fencing` | `false` | |
//! | `queues` | `[]`: no message queues | |
//! | `queues[].partitions` | `1` | |
//! | `queues[].capacity` | `10000` per partition | bounded, as every queue must be |
//! | `queues[].when_full` | `"block"` | a Kafka producer blocks when its buffer is full (`max.block.ms`) |
//! | `queues[].visibility_timeout` | `"30s"` | SQS's default visibility timeout |
//! | `queues[].max_deliveries` | absent: no dead-letter queue | SQS without a redrive policy |
//! | `queues[].concurrency` | `1` per partition | Kafka: one consumer per partition |
//! | `queues[].poison_fraction` | `0` | |
//! | `queues[].idempotent` | `false` | what you write is what runs |
//! | `queues[].publish_time` | `{kind: constant, value: "0s"}` | the broker's own time is rarely the point |
//! | `workflows` | `[]`: no workflows | |
//! | `workflows[].protocol` | `"saga"` | |
//! | `workflows[].durable_log` | `true` | an orchestrator persists its saga log (the usual design) |
//! | `workflows[].keys` | `1000` | |
//! | `workflows[].steps[].compensate` | `true` | |

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{self, Position, ScenarioError};

mod database;
pub use database::{Database, Op, Promote, ReadFrom, Replication};

mod election;
pub use election::Election;
mod message_queue;
pub use message_queue::{MessageQueue, WhenFull};
mod workflow;
pub use workflow::{Protocol, Step, Workflow};

mod quorum;
pub use quorum::{OnNoQuorum, Quorum};

mod policy;
pub use policy::{Bulkhead, Codel, OutlierDetection, RateLimit};

mod idempotency;
pub use idempotency::Idempotency;
mod cache;
pub use cache::Cache;
mod class;
pub use class::{Overload, Pool, Priority, RateLimitPer};
mod distribution;
pub use distribution::{Bucket, Distribution, DistributionKind, MixtureArm};
mod arrival;
pub use arrival::{ClientArrival, ClientArrivalKind, Profile, ProfileKind, RequestClass};
mod check;
pub(crate) use check::check_document;
mod limits;
pub use limits::{Limits, Size};
mod cost;
pub use cost::Cost;
mod deploy;
pub use deploy::{BurnAlert, Deploy, DeployStrategy, Rollback};
mod autoscale;
pub use autoscale::{Autoscale, AutoscaleMetric};
mod outbox;
pub use outbox::{Outbox, OutboxMode};
mod random_faults;
pub use random_faults::{RandomFaults, RandomKind};

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in reports.
    pub name: String,
    /// One line saying what the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Virtual time the run lasts.
    pub duration: Duration,
    /// Initial span excluded from metrics.
    #[serde(default = "warmup_default")]
    pub warmup: Duration,
    /// Open-loop request sources.
    #[serde(default)]
    pub clients: Vec<Client>,
    /// Replicated services.
    #[serde(default)]
    pub services: Vec<Service>,
    /// The network between every pair of nodes.
    #[serde(default = "network_default")]
    pub network: Network,
    /// Service-level objectives.
    #[serde(default)]
    pub slo: Vec<Slo>,
    /// Engine guards.
    #[serde(default)]
    pub limits: Limits,
    /// The fault schedule.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// Initial clock settings of some nodes.
    #[serde(default)]
    pub clocks: Vec<ClockSetting>,
    /// Faults drawn from the seed.
    #[serde(default)]
    pub random_faults: Option<RandomFaults>,
    /// A leader–follower database with replication lag and failover.
    #[serde(default)]
    pub database: Option<Database>,
    /// A leader election through a lease store.
    #[serde(default)]
    pub election: Option<Election>,
    /// Message queues that services publish to and that deliver to consumer services.
    #[serde(default)]
    pub queues: Vec<MessageQueue>,
    /// Workflows across services: a coordinator's steps kept all-or-nothing by a saga or by
    /// two-phase commit.
    #[serde(default)]
    pub workflows: Vec<Workflow>,
    /// A quorum-replicated store (Dynamo-style) that services call.
    #[serde(default)]
    pub quorum: Option<Quorum>,
    /// Prices of replicas, requests and transfer: what a run's work cost.
    #[serde(default)]
    pub cost: Option<Cost>,
    /// Named sets of changes; read by `overrides`, ignored by `validate`.
    #[serde(default)]
    pub variants: Option<Value>,
    /// The JSON Schema the file follows, for editors (`faultline schema` prints it); ignored.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
}

/// One client.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Unique name.
    pub name: String,
    /// Name of the service it calls.
    pub target: String,
    /// The arrival process (open loop, closed loop, sessions or a trace).
    pub arrival: ClientArrival,
    /// Identical clients it stands for, `NAME[0]` .. `NAME[count-1]`.
    #[serde(default = "one")]
    pub count: Count,
    /// Report each member's own counts beside the group's.
    #[serde(default)]
    pub report_members: bool,
    /// The classes its requests are drawn from.
    #[serde(default)]
    pub classes: Vec<RequestClass>,
    /// Per-attempt timeout; absent waits forever.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Retry policy; absent means one attempt.
    #[serde(default)]
    pub retry: Option<Retry>,
    /// A circuit breaker in front of the target.
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Client-side adaptive throttling.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Hedged requests.
    #[serde(default)]
    pub hedge: Option<Hedge>,
    /// A cap on attempts in flight to the target.
    #[serde(default)]
    pub bulkhead: Option<Bulkhead>,
    /// An overall deadline per request.
    #[serde(default)]
    pub deadline: Option<Deadline>,
    /// A cache in front of the target.
    #[serde(default)]
    pub cache: Option<Cache>,
    /// `"critical"` or `"sheddable"`; its downstream calls carry it.
    #[serde(default)]
    pub priority: Priority,
}

/// A fixed-rate arrival process (the election's and the database's workloads).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Arrival {
    /// Which process.
    pub kind: ArrivalKind,
    /// Requests per second.
    pub rate_per_s: f64,
}

/// The arrival processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalKind {
    /// Exponential inter-arrival times.
    Poisson,
    /// Evenly spaced arrivals.
    Constant,
}

/// A retry policy.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts including the first.
    #[serde(default = "max_attempts_default")]
    pub max_attempts: Count,
    /// The delay schedule.
    #[serde(default = "backoff_default")]
    pub backoff: Backoff,
    /// How delays are randomized.
    #[serde(default = "jitter_default")]
    pub jitter: Jitter,
    /// A retry budget (Finagle-style token bucket).
    #[serde(default)]
    pub budget: Option<Budget>,
}

/// A retry budget: retries allowed as `ratio` of requests plus `min_per_s`, over `ttl`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Retries per request earned (Finagle `percentCanRetry`).
    #[serde(default = "budget_ratio_default")]
    pub ratio: f64,
    /// Retries per second always allowed (Finagle `minRetriesPerSec`).
    #[serde(default = "budget_min_default")]
    pub min_per_s: Count,
    /// How long deposits last (Finagle `ttl`), whole seconds from 1s to 60s.
    #[serde(default = "budget_ttl_default")]
    pub ttl: Duration,
}

/// A circuit breaker (the Resilience4j state machine); defaults are Resilience4j's.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Failure fraction that opens it (`failureRateThreshold` / 100).
    #[serde(default = "failure_rate_default")]
    pub failure_rate: f64,
    /// Slow-call fraction that opens it (`slowCallRateThreshold` / 100).
    #[serde(default = "slow_call_rate_default")]
    pub slow_call_rate: f64,
    /// A call slower than this is slow (`slowCallDurationThreshold`).
    #[serde(default = "slow_call_duration_default")]
    pub slow_call_duration: Duration,
    /// Count-based window: the last N calls (`slidingWindowSize`).
    #[serde(default)]
    pub window: Option<Count>,
    /// Time-based window instead: the calls of the last N whole seconds.
    #[serde(default)]
    pub window_duration: Option<Duration>,
    /// Calls needed before rates count (`minimumNumberOfCalls`).
    #[serde(default = "minimum_calls_default")]
    pub minimum_calls: Count,
    /// Time spent open before probing (`waitDurationInOpenState`).
    #[serde(default = "open_for_default")]
    pub open_for: Duration,
    /// Probe calls allowed half-open (`permittedNumberOfCallsInHalfOpenState`).
    #[serde(default = "half_open_calls_default")]
    pub half_open_calls: Count,
}

/// Client-side adaptive throttling (Google SRE book, "Handling Overload").
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Throttle {
    /// The multiplier K: reject with probability max(0, (requests − K·accepts)/(requests + 1)).
    #[serde(default = "throttle_k_default")]
    pub k: f64,
    /// The trailing window counted, whole seconds.
    #[serde(default = "throttle_window_default")]
    pub window: Duration,
}

/// When to send a hedge: a duration (`"10ms"`) or a running percentile (`"p95"`); or
/// `"tied": true` for tied requests (exactly one of the two).
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hedge {
    /// The delay before the hedge copy.
    #[serde(default)]
    pub after: Option<String>,
    /// Tied requests: two copies at once, the first to start cancels the other.
    #[serde(default)]
    pub tied: bool,
}

/// An overall deadline per request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// The request fails this long after it was issued.
    pub after: Duration,
    /// Downstream calls inherit it and servers drop queued work past it.
    #[serde(default)]
    pub propagate: bool,
}

fn budget_ratio_default() -> f64 {
    0.2
}

fn budget_min_default() -> Count {
    Count(10)
}

fn budget_ttl_default() -> Duration {
    Duration("10s".to_string())
}

fn failure_rate_default() -> f64 {
    0.5
}

fn slow_call_rate_default() -> f64 {
    1.0
}

fn slow_call_duration_default() -> Duration {
    Duration("60s".to_string())
}

fn minimum_calls_default() -> Count {
    Count(100)
}

fn open_for_default() -> Duration {
    Duration("60s".to_string())
}

fn half_open_calls_default() -> Count {
    Count(10)
}

fn throttle_k_default() -> f64 {
    2.0
}

fn throttle_window_default() -> Duration {
    Duration("120s".to_string())
}

/// A backoff schedule; which fields apply depends on `kind`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// Which schedule.
    pub kind: BackoffKind,
    /// The delay (constant).
    #[serde(default)]
    pub delay: Option<Duration>,
    /// The first delay (exponential).
    #[serde(default)]
    pub base: Option<Duration>,
    /// The largest delay (exponential).
    #[serde(default)]
    pub cap: Option<Duration>,
}

/// The backoff schedules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackoffKind {
    /// Retry at once.
    None,
    /// A fixed delay.
    Constant,
    /// A doubling delay up to a cap.
    Exponential,
}

/// The jitter modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// The exact delay.
    None,
    /// Uniform in `0..=delay`.
    Full,
    /// Half the delay plus up to the other half.
    Equal,
    /// Between base and three times the previous delay.
    Decorrelated,
}

/// One service.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Unique name.
    pub name: String,
    /// Identical replicas.
    #[serde(default = "one")]
    pub replicas: Count,
    /// Workers per replica.
    #[serde(default = "one")]
    pub workers: Count,
    /// Each replica's waiting line.
    #[serde(default)]
    pub queue: Queue,
    /// How callers pick a replica.
    #[serde(default = "balancer_default")]
    pub balancer: Balancer,
    /// Envoy-style outlier detection: replicas failing in a row are ejected for a while.
    #[serde(default)]
    pub outlier_detection: Option<OutlierDetection>,
    /// Fraction of arriving attempts answered at once with a 4xx-like, non-retryable error.
    #[serde(default)]
    pub client_error_fraction: f64,
    /// A token bucket shared by the replicas; attempts beyond it are turned away.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Time a worker spends on one request's own work.
    pub service_time: Distribution,
    /// Downstream calls each request makes, in order, after its own work.
    #[serde(default)]
    pub calls: Vec<Call>,
    /// Availability zones: replica i is placed in zone i mod n; a fault target `"zone:NAME"`
    /// hits every replica (of every service) placed in zone NAME.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Each request performs a non-idempotent side effect (a write) when its own work is done.
    #[serde(default)]
    pub side_effect: bool,
    /// An idempotency-key store shared by the replicas.
    #[serde(default)]
    pub idempotency: Option<Idempotency>,
    /// Only the replica whose lease-election node acts as leader serves (replica i is the
    /// election's node i): its writes go to the lease store with that node's token.
    #[serde(default)]
    pub leader_only: bool,
    /// A user component (a Rust `models::component::Component` given to `models::run_with`)
    /// that fronts the service: it decides for each arriving attempt whether the service
    /// serves it. The command line runs none, so it refuses such a scenario.
    #[serde(default)]
    pub component: Option<String>,
    /// Worker pools reserved for some callers (clients or calling services).
    #[serde(default)]
    pub pools: Vec<Pool>,
    /// Slower own work when more jobs run than a replica has cores.
    #[serde(default)]
    pub overload: Option<Overload>,
    /// A rollout of a new (possibly bad) version, with its rollback on a burn-rate alert.
    #[serde(default)]
    pub deploy: Option<Deploy>,
    /// Target-tracking autoscaling; `replicas` is then the starting count.
    #[serde(default)]
    pub autoscale: Option<Autoscale>,
    /// Its database write and the event about it, by dual write or a transactional outbox.
    #[serde(default)]
    pub outbox: Option<Outbox>,
}

/// One downstream call of a service.
///
/// Its policy fields repeat `Client`'s on purpose: serde's `flatten` cannot be combined with
/// `deny_unknown_fields`, and refusing unknown fields matters more than sharing a struct.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Name of the service called, or of the database or the quorum store.
    pub service: String,
    /// What a call to the database or the quorum store asks, `"read"` or `"write"`, or
    /// `"publish"` for a call to a message queue (only for those).
    #[serde(default)]
    pub op: Option<Op>,
    /// Per-attempt timeout; absent waits forever.
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Retry policy; absent means one attempt.
    #[serde(default)]
    pub retry: Option<Retry>,
    /// A circuit breaker in front of the called service (one per calling replica).
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Client-side adaptive throttling of this call.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Hedged requests for this call.
    #[serde(default)]
    pub hedge: Option<Hedge>,
    /// A cap on attempts in flight to the called service (one per calling replica).
    #[serde(default)]
    pub bulkhead: Option<Bulkhead>,
    /// Requests sent in parallel (to replicas or shards).
    #[serde(default = "one")]
    pub fanout: Count,
    /// `"all"`, `"any"`, or a quorum as a number.
    #[serde(default)]
    pub wait_for: Option<Value>,
    /// When it fails, the job goes on without it and answers degraded.
    #[serde(default)]
    pub optional: bool,
    /// A cache in front of the called service (one per calling replica).
    #[serde(default)]
    pub cache: Option<Cache>,
}

/// A replica's waiting line.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    /// Waiting requests held beyond the busy workers.
    #[serde(default = "capacity_default")]
    pub capacity: Count,
    /// Service order.
    #[serde(default = "discipline_default")]
    pub discipline: Discipline,
    /// Drop an attempt that waited longer than this when a worker would take it.
    #[serde(default)]
    pub max_wait: Option<Duration>,
    /// How long the queue must stay non-empty before `adaptive_lifo` serves newest first.
    #[serde(default)]
    pub lifo_after: Option<Duration>,
    /// Controlled delay: drop attempts while the standing queue delay stays above target.
    #[serde(default)]
    pub codel: Option<Codel>,
    /// Refuse sheddable arrivals once this fraction of the capacity waits; a full queue makes
    /// room for a critical arrival by displacing its newest sheddable attempt.
    #[serde(default)]
    pub shed_sheddable_above: Option<f64>,
}

/// Queue disciplines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Discipline {
    /// First in, first out.
    Fifo,
    /// First in, first out, but last in, first out while a queue stands (Facebook's).
    AdaptiveLifo,
}

/// Load-balancing policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Balancer {
    /// Replicas in turn.
    RoundRobin,
    /// A uniformly random replica.
    Random,
    /// The replica with the fewest outstanding attempts.
    LeastOutstanding,
    /// The less loaded of two random replicas (power of two choices).
    P2c,
}

/// The network.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// One-way latency of every message.
    #[serde(default = "latency_default")]
    pub latency: Distribution,
    /// Probability that a message is lost.
    #[serde(default)]
    pub loss: f64,
    /// Probability that a message is delivered twice.
    #[serde(default)]
    pub duplicate: f64,
    /// Per-link overrides.
    #[serde(default)]
    pub links: Vec<Link>,
}

/// A per-link override of the network defaults, both directions.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The two endpoints (`"api"`, `"api[0]"` or a client name).
    pub between: Vec<String>,
    /// Latency on this link.
    #[serde(default)]
    pub latency: Option<Distribution>,
    /// Loss on this link.
    #[serde(default)]
    pub loss: Option<f64>,
    /// Duplication on this link.
    #[serde(default)]
    pub duplicate: Option<f64>,
}

/// One scheduled fault; which fields apply depends on `kind`.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// When it starts.
    pub at: Duration,
    /// How long it lasts; absent: until the end of the run.
    #[serde(default, rename = "for")]
    pub lasts: Option<Duration>,
    /// The service hit (`"db"` for every replica, `"db[0]"` for one).
    #[serde(default)]
    pub target: Option<String>,
    /// The client hit (load spikes).
    #[serde(default)]
    pub client: Option<String>,
    /// Slowdown or load multiplier.
    #[serde(default)]
    pub factor: Option<f64>,
    /// Fraction of attempts hit (error bursts, garbage).
    #[serde(default)]
    pub fraction: Option<f64>,
    /// Added latency.
    #[serde(default)]
    pub add: Option<Duration>,
    /// Clock step, signed (`"-2s"`).
    #[serde(default)]
    pub by: Option<Duration>,
    /// New clock drift in parts per million.
    #[serde(default)]
    pub drift_ppm: Option<f64>,
    /// What callers of a crashed replica see.
    #[serde(default)]
    pub while_down: Option<Unreachable>,
    /// Drop or refuse (partitions).
    #[serde(default)]
    pub mode: Option<Unreachable>,
    /// Two groups of endpoints (partitions).
    #[serde(default)]
    pub groups: Option<Vec<Vec<String>>>,
    /// Cut only the first group's messages to the second.
    #[serde(default)]
    pub one_way: Option<bool>,
    /// The two endpoints of a flapping link.
    #[serde(default)]
    pub between: Option<Vec<String>>,
    /// Flap cycle length.
    #[serde(default)]
    pub period: Option<Duration>,
    /// Down time per flap cycle.
    #[serde(default)]
    pub down: Option<Duration>,
    /// Whether an error burst's errors are retryable (5xx-like) or not (4xx-like).
    #[serde(default)]
    pub retryable: Option<bool>,
    /// A brownout's error fraction at the middle of its window.
    #[serde(default)]
    pub peak: Option<f64>,
}

/// The kinds of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Service time multiplied.
    Slowdown,
    /// A fraction of attempts fail fast.
    ErrorBurst,
    /// A fraction of replies are silently wrong.
    Garbage,
    /// An error rate ramping from 0 up to `peak` and back down over the window.
    Brownout,
    /// Replicas crash and restart after `for`.
    Crash,
    /// Replicas crash for good (capacity reduction).
    ReplicaLoss,
    /// Groups cannot reach each other.
    Partition,
    /// Messages to and from the target vanish.
    BlackHole,
    /// Messages to the target are refused.
    Refuse,
    /// Added latency to and from the target.
    Latency,
    /// A link that goes down periodically.
    FlappingLink,
    /// A client's arrival rate multiplied.
    LoadSpike,
    /// The target's clocks step.
    ClockJump,
    /// The target's clocks change drift.
    DriftChange,
    /// The target (service replicas or election nodes) freezes (a stop-the-world GC or VM
    /// stall) and resumes after `for`, losing nothing.
    Pause,
}

/// How an unreachable node fails its callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unreachable {
    /// Messages vanish; callers time out.
    BlackHole,
    /// Callers get a fast connection error.
    Refuse,
}

/// The initial clock of some nodes.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockSetting {
    /// The nodes (`"api"`, `"api[0]"` or a client name).
    pub target: String,
    /// Offset from true time, signed (`"-20ms"`).
    #[serde(default)]
    pub offset: Option<Duration>,
    /// Drift in parts per million.
    #[serde(default)]
    pub drift_ppm: f64,
}

/// A service-level objective.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Name of the client it judges.
    pub client: String,
    /// The request class of that client it judges; absent: all its requests.
    #[serde(default)]
    pub class: Option<String>,
    /// A request is good if it succeeds within this.
    pub latency_below: Duration,
    /// The fraction of good requests required.
    pub target: f64,
}

/// A duration as written, e.g. `"250ms"`; `validate` parses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duration(pub String);

/// A whole number as written; `validate` checks its range. Accepts `1e6` as well as `1000000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(pub i128);

/// Reads `text` into a JSON object, refusing syntax errors, duplicate keys and non-objects.
pub(crate) fn read_document(text: &str, origin: &str) -> Result<Map<String, Value>, ScenarioError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let strict: Strict =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| strict_error(origin, e))?;
    deserializer.end().map_err(|e| syntax_error(origin, &e))?;
    match strict.0 {
        Value::Object(map) => Ok(map),
        other => Err(ScenarioError::Type {
            origin: origin.to_string(),
            path: String::new(),
            message: format!(
                "a scenario is a JSON object {{ \"name\": ..., ... }}, not {}",
                kind_of(&other)
            ),
            position: None,
        }),
    }
}

/// The JSON type of `value`, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn strict_error(
    origin: &str,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> ScenarioError {
    let inner = error.inner();
    let message = inner.to_string();
    match message
        .strip_prefix(DUPLICATE_PREFIX)
        .and_then(|rest| rest.split_once('`'))
    {
        Some((key, _)) if inner.classify() == serde_json::error::Category::Data => {
            let path = error::render(error.path(), &Value::Null).key(key);
            ScenarioError::DuplicateKey {
                origin: origin.to_string(),
                path: path.text(),
                key: key.to_string(),
                position: (inner.line() > 0).then_some(Position {
                    line: inner.line(),
                    column: inner.column(),
                }),
            }
        }
        _ => syntax_error(origin, inner),
    }
}

fn syntax_error(origin: &str, error: &serde_json::Error) -> ScenarioError {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    ScenarioError::Syntax {
        origin: origin.to_string(),
        position: Position {
            line: error.line(),
            column: error.column(),
        },
        message: text.strip_suffix(&suffix).unwrap_or(&text).to_string(),
    }
}

const DUPLICATE_PREFIX: &str = "duplicate key `";

/// A JSON value whose objects have no repeated keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Strict, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Strict, E> {
        Ok(Strict(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Strict, E> {
        Ok(Strict(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Strict, E> {
        Ok(Strict(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Strict, E> {
        Ok(Strict(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Strict, E> {
        Ok(Strict(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Strict(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "{DUPLICATE_PREFIX}{key}` in one object"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Strict(Value::Object(object)))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        struct DurationVisitor;
        impl Visitor<'_> for DurationVisitor {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a duration string with a unit, e.g. \"250ms\", \"2s\", \"1m30s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Ok(Duration(v.to_string()))
            }
        }
        deserializer.deserialize_str(DurationVisitor)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Count, D::Error> {
        struct CountVisitor;
        impl Visitor<'_> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(i128::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                Ok(Count(i128::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                // JSON writers often print big integers as 1e6; accept them when exact.
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e30 {
                    Ok(Count(v as i128))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
        }
        deserializer.deserialize_any(CountVisitor)
    }
}

fn warmup_default() -> Duration {
    Duration("0s".to_string())
}

fn max_attempts_default() -> Count {
    Count(3)
}

fn backoff_default() -> Backoff {
    Backoff {
        kind: BackoffKind::Exponential,
        delay: None,
        base: Some(Duration("25ms".to_string())),
        cap: Some(Duration("250ms".to_string())),
    }
}

fn jitter_default() -> Jitter {
    Jitter::None
}

fn one() -> Count {
    Count(1)
}

fn capacity_default() -> Count {
    Count(10_000)
}

fn discipline_default() -> Discipline {
    Discipline::Fifo
}

fn balancer_default() -> Balancer {
    Balancer::RoundRobin
}

fn network_default() -> Network {
    Network {
        latency: latency_default(),
        loss: 0.0,
        duplicate: 0.0,
        links: Vec::new(),
    }
}

fn latency_default() -> Distribution {
    Distribution::constant("0s")
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            capacity: capacity_default(),
            discipline: discipline_default(),
            max_wait: None,
            lifo_after: None,
            codel: None,
            shed_sheddable_above: None,
        }
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration with a unit: \"250ms\", \"2s\", \"1m30s\", \"500us\" (a signed one for a clock step: \"-2s\").",
            "pattern": "^-?[0-9]"
        })
    }
}

impl JsonSchema for Count {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "description": "A whole number (1e6 is accepted when exact)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_their_path() {
        let text = r#"{"services": [{"name": "a", "workers": 1, "workers": 2}]}"#;
        let error = read_document(text, "f.json").unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, ScenarioError::DuplicateKey { .. }),
            "{message}"
        );
        assert!(
            message.starts_with("f.json: services[0].workers: duplicate key `workers`"),
            "{message}"
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let error = read_document("{\n  \"name\": \"x\",\n}", "f.json").unwrap_err();
        let ScenarioError::Syntax { position, .. } = &error else {
            panic!("{error}")
        };
        assert_eq!(position.line, 3);
        assert!(
            error
                .to_string()
                .starts_with("f.json: line 3, column 1: invalid JSON: "),
            "{error}"
        );
        let trailing = read_document("{} x", "f.json").unwrap_err();
        assert!(
            matches!(trailing, ScenarioError::Syntax { .. }),
            "{trailing}"
        );
    }

    #[test]
    fn the_top_level_must_be_an_object() {
        let error = read_document("[1, 2]", "f.json").unwrap_err();
        assert!(
            error.to_string().contains("a scenario is a JSON object"),
            "{error}"
        );
    }

    #[test]
    fn counts_accept_exact_floats_only() {
        let count: Count = serde_json::from_str("1e6").unwrap();
        assert_eq!(count, Count(1_000_000));
        assert!(serde_json::from_str::<Count>("1.5").is_err());
        assert!(serde_json::from_str::<Count>("\"4\"").is_err());
    }
}
