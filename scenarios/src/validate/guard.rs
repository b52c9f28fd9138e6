//! Validation of a caller's guards (retry budget, circuit breaker, adaptive throttling) and of
//! client deadlines, onto the pattern configs of `models`.

use models::Hedge;
use models::{AdaptiveThrottleConfig, Deadline, Guards, RetryBudgetConfig};
use models::{CircuitBreakerConfig, SlidingWindow};
use sim_core::Probability;

use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;

/// Most calls a count-based window or a half-open probe set may hold: a window is memory.
const WINDOW_CALLS_MAX: u64 = 1_000_000;

impl Checker<'_> {
    /// The guards of a caller whose JSON object is at `path`.
    pub(super) fn guards(
        &self,
        path: &Path,
        retry: Option<&raw::Retry>,
        breaker: Option<&raw::CircuitBreaker>,
        throttle: Option<&raw::Throttle>,
        hedge: Option<&raw::Hedge>,
        bulkhead: Option<&raw::Bulkhead>,
    ) -> Result<Guards, ScenarioError> {
        let budget = match retry.and_then(|r| r.budget.as_ref()) {
            Some(b) => Some(self.budget(&path.key("retry").key("budget"), b)?),
            None => None,
        };
        let breaker = match breaker {
            Some(b) => Some(self.breaker(&path.key("circuit_breaker"), b)?),
            None => None,
        };
        let throttle = match throttle {
            Some(t) => Some(self.throttle(&path.key("throttle"), t)?),
            None => None,
        };
        let hedge = match hedge {
            Some(h) => Some(self.hedge_or_tied(&path.key("hedge"), h)?),
            None => None,
        };
        let bulkhead = match bulkhead {
            Some(b) => Some(self.bulkhead(&path.key("bulkhead"), b)?),
            None => None,
        };
        Ok(Guards {
            budget,
            breaker,
            throttle,
            hedge,
            bulkhead,
        })
    }

    /// A hedge block: exactly one of `after` and `"tied": true`.
    fn hedge_or_tied(&self, path: &Path, raw: &raw::Hedge) -> Result<Hedge, ScenarioError> {
        match (&raw.after, raw.tied) {
            (Some(after), false) => self.hedge(&path.key("after"), after),
            (None, true) => Ok(Hedge::Tied),
            (Some(after), true) => Err(self.bad(
                &path.key("tied"),
                "cannot be combined with `after`",
                crate::error::quoted(after),
                "a tied request sends both copies at once; remove `after`, or `tied`",
            )),
            (None, false) => Err(self.bad(
                path,
                "needs `after` (a delay or a percentile) or `\"tied\": true`",
                "{}",
                "write e.g. {\"after\": \"p95\"} or {\"tied\": true}",
            )),
        }
    }

    fn hedge(&self, path: &Path, text: &str) -> Result<Hedge, ScenarioError> {
        if let Some(number) = text.strip_prefix('p') {
            return match number.parse::<f64>() {
                Ok(p) if p > 0.0 && p < 100.0 => Ok(Hedge::Percentile(p / 100.0)),
                _ => Err(self.bad(
                    path,
                    "must be a percentile between p0 and p100 (exclusive) or a duration",
                    crate::error::quoted(text),
                    "write e.g. \"p95\" or \"10ms\"",
                )),
            };
        }
        let delay = self.positive_duration(
            path,
            &raw::Duration(text.to_string()),
            "write e.g. \"p95\" or \"10ms\"",
        )?;
        Ok(Hedge::After(delay))
    }

    pub(super) fn deadline(
        &self,
        path: &Path,
        raw: Option<&raw::Deadline>,
    ) -> Result<Option<Deadline>, ScenarioError> {
        let Some(raw) = raw else { return Ok(None) };
        let after = self.positive_duration(
            &path.key("after"),
            &raw.after,
            "it is how long a request may take in all, e.g. \"1s\"",
        )?;
        Ok(Some(Deadline {
            after,
            propagate: raw.propagate,
        }))
    }

    fn budget(&self, path: &Path, raw: &raw::Budget) -> Result<RetryBudgetConfig, ScenarioError> {
        if !(raw.ratio >= 0.0 && raw.ratio <= 1.0) {
            return Err(self.bad(
                &path.key("ratio"),
                "must be between 0 and 1",
                raw.ratio,
                "it is retries earned per request: 0.1 allows one retry per ten requests",
            ));
        }
        let min = self.count(
            &path.key("min_per_s"),
            raw.min_per_s,
            0..=u64::from(u32::MAX),
            (
                "use 0 for no floor",
                "a floor this high is no budget at all",
            ),
        )?;
        let ttl = self.positive_duration(&path.key("ttl"), &raw.ttl, "use e.g. \"10s\"")?;
        let config = RetryBudgetConfig {
            ttl,
            retries_per_s_min: min as u32,
            ratio: raw.ratio,
        };
        config.validate().map_err(|rule| {
            self.bad(
                &path.key("ttl"),
                rule,
                ttl,
                "Finagle allows whole seconds from 1s to 60s",
            )
        })?;
        Ok(config)
    }

    fn breaker(
        &self,
        path: &Path,
        raw: &raw::CircuitBreaker,
    ) -> Result<CircuitBreakerConfig, ScenarioError> {
        let fraction = |key: &str, value: f64| -> Result<Probability, ScenarioError> {
            match Probability::new(value) {
                Some(p) if value > 0.0 => Ok(p),
                _ => Err(self.bad(
                    &path.key(key),
                    "must be greater than 0 and at most 1",
                    value,
                    "it is a fraction of calls: 0.5 opens the breaker at 50%",
                )),
            }
        };
        let sliding_window = match (&raw.window, &raw.window_duration) {
            (Some(_), Some(_)) => {
                return Err(self.bad(
                    &path.key("window_duration"),
                    "cannot be given together with `window`",
                    "both",
                    "use `window` for the last N calls or `window_duration` for the last N seconds",
                ))
            }
            (None, Some(text)) => {
                let span =
                    self.positive_duration(&path.key("window_duration"), text, "use e.g. \"10s\"")?;
                let seconds = span.as_nanos() / 1_000_000_000;
                if span.as_nanos() % 1_000_000_000 != 0 || seconds > u64::from(u32::MAX) {
                    return Err(self.bad(
                        &path.key("window_duration"),
                        "must be a whole number of seconds",
                        span,
                        "Resilience4j aggregates time-based windows per second",
                    ));
                }
                SlidingWindow::Time {
                    seconds: seconds as u32,
                }
            }
            (window, None) => {
                let calls = self.count(
                    &path.key("window"),
                    window.unwrap_or(raw::Count(100)),
                    1..=WINDOW_CALLS_MAX,
                    (
                        "a window needs at least one call",
                        "a window is memory: keep it under a million calls",
                    ),
                )?;
                SlidingWindow::Count {
                    calls: calls as u32,
                }
            }
        };
        let config = CircuitBreakerConfig {
            failure_rate_threshold: fraction("failure_rate", raw.failure_rate)?,
            slow_call_rate_threshold: fraction("slow_call_rate", raw.slow_call_rate)?,
            slow_call_duration_threshold: self.positive_duration(
                &path.key("slow_call_duration"),
                &raw.slow_call_duration,
                "a call slower than this counts as slow",
            )?,
            sliding_window,
            calls_min: self.count(
                &path.key("minimum_calls"),
                raw.minimum_calls,
                1..=WINDOW_CALLS_MAX,
                (
                    "rates need at least one call",
                    "keep it under a million calls",
                ),
            )? as u32,
            wait_duration_in_open_state: self.positive_duration(
                &path.key("open_for"),
                &raw.open_for,
                "it is how long the breaker stays open before probing, e.g. \"5s\"",
            )?,
            half_open_calls_permitted: self.count(
                &path.key("half_open_calls"),
                raw.half_open_calls,
                1..=WINDOW_CALLS_MAX,
                (
                    "half-open needs at least one probe",
                    "keep it under a million calls",
                ),
            )? as u32,
            automatic_transition: false,
        };
        config.validate().map_err(|rule| {
            self.bad(
                path,
                rule,
                "this breaker",
                "see Resilience4j's CircuitBreakerConfig",
            )
        })?;
        Ok(config)
    }

    fn throttle(
        &self,
        path: &Path,
        raw: &raw::Throttle,
    ) -> Result<AdaptiveThrottleConfig, ScenarioError> {
        if !(raw.k.is_finite() && raw.k > 0.0) {
            return Err(self.bad(
                &path.key("k"),
                "must be greater than 0",
                raw.k,
                "the SRE book uses K = 2: a backend may reject half the requests before clients throttle",
            ));
        }
        let window =
            self.positive_duration(&path.key("window"), &raw.window, "use e.g. \"120s\"")?;
        let config = AdaptiveThrottleConfig {
            window,
            multiplier: raw.k,
        };
        config
            .validate()
            .map_err(|rule| self.bad(&path.key("window"), rule, window, "use whole seconds"))?;
        Ok(config)
    }
}
