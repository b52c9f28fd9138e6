//! A service's `deploy` block: a rollout of a new (bad) version, and its rollback on a
//! burn-rate alert.
//!
//! | key | default | why |
//! |---|---|---|
//! | `strategy` | `"all_at_once"` | the simplest deploy, and the worst case |
//! | `batch` (rolling) | `1` | one replica at a time, Kubernetes' `maxUnavailable: 1` in spirit |
//! | `interval` (rolling) | `"10s"` | a batch per 10 s fits a minutes-long run |
//! | `bake` (canary) | `"30s"` | long enough for the alert's 5 s short window to see it several times |
//! | `error_rate` | `0` | |
//! | `latency_factor` | `1` | |
//! | `latency_add` | `"0s"` | |
//! | `alert` | absent: no alert, unless `rollback` is present (then every default below) | |
//! | `alert.target` | `0.999` | |
//! | `alert.long_window`, `alert.short_window` | `"60s"`, `"5s"` | the workbook's 1 h and 5 min scaled to a minutes-long run, their 1/12 ratio kept (as `reports::burn` does after a run) |
//! | `alert.burn_rate` | `14.4` | the workbook's fast-burn threshold: 2% of a 30-day budget in an hour |
//! | `alert.every` | `"1s"` | the evaluation interval (Prometheus' rule interval, scaled down) |
//! | `rollback.duration` | `"0s"` for `canary` and `blue_green` (traffic moves back), `"10s"` for `all_at_once` and `rolling` (the old version is redeployed in place) | |

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Count, Duration};

/// A rollout of a new version of the service, which may be bad, from `at`: `all_at_once`
/// switches every replica then; `blue_green` switches all traffic to a new fleet then and
/// keeps the old one for an instant rollback; `rolling` switches `batch` replicas every
/// `interval`, in replica order; `canary` sends a `share` of the attempts (drawn per attempt)
/// or its first `replicas` to the new version for `bake`, then switches every replica. The
/// new version fails `error_rate` of the attempts it serves at once with a retryable error,
/// and its service time is multiplied by `latency_factor`, then `latency_add` is added. With
/// an `alert`, the service's own answers (all versions) are watched inside the run by the
/// multi-window, multi-burn-rate alert of The Site Reliability Workbook (ch. 5, "Alerting on
/// SLOs"): an answer is bad when it is a 5xx-like error (error, refusal, rejection, rate
/// limit) or slower than `alert.latency_below` from arrival at the replica; the alert fires
/// when the bad fraction over both windows reaches `burn_rate` × (1 − `target`). With a
/// `rollback`, the alert also stops the rollout and, `rollback.duration` later, every attempt
/// is served by the old version again. The results (`deployments` in the JSON summary) count,
/// after the warm-up, the attempts each version answered (a retry that reaches the service
/// counts again) and the bad ones, with when the rollout completed, the alert fired
/// (`time_to_detect_s` after `at`) and the rollback was done, null for what never happened.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    /// When the rollout starts.
    pub at: Duration,
    /// How the new version reaches the replicas (default "all_at_once").
    #[serde(default = "strategy_default")]
    pub strategy: DeployStrategy,
    /// Replicas per batch (`rolling` only; default 1).
    #[serde(default)]
    pub batch: Option<Count>,
    /// Time between batches (`rolling` only; default "10s").
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Probability that an attempt goes to the canary (`canary` only; this or `replicas`).
    #[serde(default)]
    pub share: Option<f64>,
    /// Replicas `0..n` run the canary (`canary` only; this or `share`).
    #[serde(default)]
    pub replicas: Option<Count>,
    /// How long the canary runs before every replica switches (`canary` only; default "30s").
    #[serde(default)]
    pub bake: Option<Duration>,
    /// Fraction of the new version's attempts that fail at once with a retryable error.
    #[serde(default)]
    pub error_rate: f64,
    /// Multiplier of the new version's service time.
    #[serde(default = "factor_default")]
    pub latency_factor: f64,
    /// Service time the new version adds to each attempt (default "0s").
    #[serde(default)]
    pub latency_add: Option<Duration>,
    /// The burn-rate alert watching the service (default: none, or the defaults with `rollback`).
    #[serde(default)]
    pub alert: Option<BurnAlert>,
    /// Roll back when the alert fires (default: never).
    #[serde(default)]
    pub rollback: Option<Rollback>,
}

/// How a new version reaches a service's replicas.
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeployStrategy {
    /// Every replica switches at `at` (in place).
    AllAtOnce,
    /// A new fleet takes all traffic at `at`; the old one stays up for an instant rollback.
    BlueGreen,
    /// `batch` replicas switch every `interval`.
    Rolling,
    /// A `share` of the attempts, or `replicas` replicas, for `bake`; then every replica.
    Canary,
}

/// The multi-window, multi-burn-rate alert (The Site Reliability Workbook, ch. 5), on the
/// deploying service's answers.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurnAlert {
    /// The SLO's target: the fraction of answers that must be good.
    #[serde(default = "target_default")]
    pub target: f64,
    /// An answer slower than this (arrival at the replica to reply) is bad; absent: only
    /// errors are.
    #[serde(default)]
    pub latency_below: Option<Duration>,
    /// The long window, a multiple of `every` (default "60s": the workbook's 1 h scaled to a
    /// minutes-long run).
    #[serde(default = "long_default")]
    pub long_window: Duration,
    /// The short window, a multiple of `every` and at most the long one (default "5s": the
    /// workbook's 5 min, 1/12 of the long window).
    #[serde(default = "short_default")]
    pub short_window: Duration,
    /// The burn rate both windows must reach.
    #[serde(default = "burn_rate_default")]
    pub burn_rate: f64,
    /// How often the alert is evaluated, from the first multiple of it after `at` (default
    /// "1s").
    #[serde(default = "every_default")]
    pub every: Duration,
}

/// Rolling back on the alert.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    /// From the alert to the old version serving everything ("0s" for canary and blue/green,
    /// "10s" otherwise).
    #[serde(default)]
    pub duration: Option<Duration>,
}

fn strategy_default() -> DeployStrategy {
    DeployStrategy::AllAtOnce
}

fn factor_default() -> f64 {
    1.0
}

fn target_default() -> f64 {
    0.999
}

fn long_default() -> Duration {
    Duration("60s".to_string())
}

fn short_default() -> Duration {
    Duration("5s".to_string())
}

fn burn_rate_default() -> f64 {
    14.4
}

fn every_default() -> Duration {
    Duration("1s".to_string())
}

impl Default for BurnAlert {
    fn default() -> BurnAlert {
        BurnAlert {
            target: target_default(),
            latency_below: None,
            long_window: long_default(),
            short_window: short_default(),
            burn_rate: burn_rate_default(),
            every: every_default(),
        }
    }
}
