//! Validation of the policies from issue #4: a service's balancer, outlier detection, client
//! errors, rate limit and queue policy (discipline and load shedding), and a caller's bulkhead.

use models::{
    Balancer, BulkheadConfig, CodelConfig, Discipline, OutlierDetectionConfig, QueuePolicy,
    RateLimiterConfig, ServicePolicies,
};
use sim_core::Probability;
use sim_core::SimDuration;

use super::Checker;
use crate::error::{quoted, Path, ScenarioError};
use crate::raw;

/// Most consecutive failures a detector may wait for: beyond this it never ejects anything.
const CONSECUTIVE_MAX: u64 = 1_000_000;

/// Fail at Scale's N: a queue that has not been empty for 100 ms is a standing queue.
const LIFO_AFTER_DEFAULT: SimDuration = SimDuration::from_millis(100);

/// Highest rate limit and burst: one token per nanosecond, the resolution of virtual time.
const RATE_MAX: u64 = 1_000_000_000;

/// Most attempts waiting for a bulkhead slot: as for a service queue, the default
/// pending-events guard (10^7) would trip before a longer wait queue could fill.
const QUEUE_MAX: u64 = 10_000_000;

impl Checker<'_> {
    /// The balancing policy as the models name it.
    pub(super) fn balancer(&self, raw: raw::Balancer) -> Balancer {
        match raw {
            raw::Balancer::RoundRobin => Balancer::RoundRobin,
            raw::Balancer::Random => Balancer::Random,
            raw::Balancer::LeastOutstanding => Balancer::LeastOutstanding,
            raw::Balancer::P2c => Balancer::PowerOfTwoChoices,
        }
    }

    /// The policies of the service whose JSON object is at `path`.
    pub(super) fn policies(
        &self,
        path: &Path,
        raw: &raw::Service,
    ) -> Result<ServicePolicies, ScenarioError> {
        let outlier_detection = match &raw.outlier_detection {
            Some(o) => Some(self.outlier_detection(&path.key("outlier_detection"), o)?),
            None => None,
        };
        let fraction = raw.client_error_fraction;
        let client_error_fraction = Probability::new(fraction).ok_or_else(|| {
            self.bad(
                &path.key("client_error_fraction"),
                "must be between 0 and 1",
                fraction,
                "it is the fraction of attempts answered with a 4xx-like error: 0.02 for 2%",
            )
        })?;
        let rate_limit = match &raw.rate_limit {
            Some(r) => Some(self.rate_limit(&path.key("rate_limit"), r)?),
            None => None,
        };
        Ok(ServicePolicies {
            outlier_detection,
            client_error_fraction,
            rate_limit,
            queue: self.queue_policy(&path.key("queue"), &raw.queue)?,
            side_effect: raw.side_effect,
            idempotency: self.idempotency(&path.key("idempotency"), raw.idempotency.as_ref())?,
            leader_only: raw.leader_only,
            component: match &raw.component {
                Some(name) => {
                    self.name(&path.key("component"), name)?;
                    Some(name.clone())
                }
                None => None,
            },
            // Set by `service`, which knows the starting count (`autoscale`).
            autoscale: None,
            outbox: None,
        })
    }

    /// A replica queue's discipline and load shedding.
    fn queue_policy(&self, path: &Path, raw: &raw::Queue) -> Result<QueuePolicy, ScenarioError> {
        let discipline = match (raw.discipline, &raw.lifo_after) {
            (raw::Discipline::Fifo, None) => Discipline::Fifo,
            (raw::Discipline::Fifo, Some(after)) => {
                return Err(self.bad(
                    &path.key("lifo_after"),
                    "applies only to `\"discipline\": \"adaptive_lifo\"`",
                    quoted(&after.0),
                    "a FIFO queue never turns LIFO; remove it, or set the discipline",
                ))
            }
            (raw::Discipline::AdaptiveLifo, after) => Discipline::AdaptiveLifo {
                after: match after {
                    Some(after) => self.duration(&path.key("lifo_after"), after)?,
                    None => LIFO_AFTER_DEFAULT,
                },
            },
        };
        let max_wait = match &raw.max_wait {
            Some(text) => Some(self.positive_duration(
                &path.key("max_wait"),
                text,
                "a queue-time limit of 0 would drop everything that waits; use `capacity: 0` for no queue",
            )?),
            None => None,
        };
        let codel = match &raw.codel {
            Some(c) => {
                let hint = "RFC 8289 uses a 5 ms target and a 100 ms interval";
                let target =
                    self.positive_duration(&path.key("codel").key("target"), &c.target, hint)?;
                let interval =
                    self.positive_duration(&path.key("codel").key("interval"), &c.interval, hint)?;
                Some(CodelConfig { target, interval })
            }
            None => None,
        };
        Ok(QueuePolicy {
            discipline,
            max_wait,
            codel,
        })
    }

    fn rate_limit(
        &self,
        path: &Path,
        raw: &raw::RateLimit,
    ) -> Result<RateLimiterConfig, ScenarioError> {
        let rate = self.count(
            &path.key("rate_per_s"),
            raw.rate_per_s,
            1..=RATE_MAX,
            (
                "a limit lets at least one request a second through; remove it for no limit",
                "above one token per nanosecond the limit is no limit",
            ),
        )?;
        let burst = match raw.burst {
            Some(burst) => self.count(
                &path.key("burst"),
                burst,
                1..=RATE_MAX,
                (
                    "a bucket holds at least one token, or no request could ever pass",
                    "a burst this large is no limit",
                ),
            )?,
            None => rate,
        };
        let config = RateLimiterConfig::per_second(rate, burst);
        config
            .validate()
            .map_err(|rule| self.bad(path, rule, "this rate limit", "see Go's rate.Limiter"))?;
        Ok(config)
    }

    fn outlier_detection(
        &self,
        path: &Path,
        raw: &raw::OutlierDetection,
    ) -> Result<OutlierDetectionConfig, ScenarioError> {
        let consecutive_5xx = self.count(
            &path.key("consecutive_5xx"),
            raw.consecutive_5xx,
            1..=CONSECUTIVE_MAX,
            (
                "a replica is ejected after this many failures in a row; Envoy's default is 5",
                "a detector that waits this long never ejects anything",
            ),
        )? as u32;
        let interval = self.positive_duration(
            &path.key("interval"),
            &raw.interval,
            "ejected replicas return at sweeps this far apart; Envoy's default is \"10s\"",
        )?;
        let base_ejection_time = self.positive_duration(
            &path.key("base_ejection_time"),
            &raw.base_ejection_time,
            "an ejection lasts this long times the number of ejections; Envoy's default is \"30s\"",
        )?;
        let max_ejection_percent = self.count(
            &path.key("max_ejection_percent"),
            raw.max_ejection_percent,
            0..=100,
            (
                "it is a percentage of the replicas",
                "it is a percentage of the replicas: 100 allows every one to be ejected",
            ),
        )? as u32;
        let max_ejection_time =
            self.duration(&path.key("max_ejection_time"), &raw.max_ejection_time)?;
        if max_ejection_time < base_ejection_time {
            return Err(self.bad(
                &path.key("max_ejection_time"),
                format!("must be at least `base_ejection_time` ({base_ejection_time})"),
                max_ejection_time,
                "it caps the growing ejection time, which starts at `base_ejection_time`",
            ));
        }
        let config = OutlierDetectionConfig {
            consecutive_5xx,
            interval,
            base_ejection_time,
            max_ejection_percent,
            max_ejection_time,
        };
        config.validate().map_err(|rule| {
            self.bad(path, rule, "this detector", "see Envoy's OutlierDetection")
        })?;
        Ok(config)
    }

    /// A caller's bulkhead (Resilience4j `SemaphoreBulkhead`).
    pub(super) fn bulkhead(
        &self,
        path: &Path,
        raw: &raw::Bulkhead,
    ) -> Result<BulkheadConfig, ScenarioError> {
        let calls_concurrent_max = self.count(
            &path.key("max_concurrent"),
            raw.max_concurrent,
            1..=u64::from(u32::MAX),
            (
                "a bulkhead lets at least one attempt through; remove it for no cap",
                "a cap this high is no cap at all",
            ),
        )? as u32;
        let wait_max = self.duration(&path.key("max_wait"), &raw.max_wait)?;
        let waiters_max = self.count(
            &path.key("max_waiting"),
            raw.max_waiting,
            0..=QUEUE_MAX,
            (
                "use 0 for no wait queue",
                "a longer wait queue would trip the pending-events guard before it filled",
            ),
        )? as u32;
        let config = BulkheadConfig {
            calls_concurrent_max,
            waiters_max,
            wait_max,
        };
        config.validate().map_err(|rule| {
            self.bad(
                path,
                rule,
                "this bulkhead",
                "see Resilience4j's BulkheadConfig",
            )
        })?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests;
