//! Outlier detection: passive health checking that ejects a replica after consecutive failures.
//!
//! Source: Envoy's outlier detection (envoyproxy.io, architecture overview "Outlier detection"
//! and the `config.cluster.v3.OutlierDetection` proto), its consecutive-5xx detector. Defaults
//! are Envoy's: `consecutive_5xx` 5, `interval` 10 s, `base_ejection_time` 30 s,
//! `max_ejection_percent` 10, `max_ejection_time` 300 s.
//!
//! # Semantics
//!
//! - Every answer a caller sees from a host is reported: a failure (a 5xx, or a locally
//!   originated error that Envoy maps to one when `split_external_local_origin_errors` is off:
//!   a refused connection, a timeout) adds one to the host's run of consecutive failures;
//!   anything else (a success, a 4xx) ends the run.
//! - When the run reaches `consecutive_5xx` the host is an outlier and the run restarts. If no
//!   host is ejected, it is ejected at once; otherwise only if the ejected share stays within
//!   `max_ejection_percent` ("will eject at least one host regardless of the value").
//! - An ejected host stays out for `base_ejection_time` × the number of times it has been
//!   ejected, capped at `max_ejection_time`. Hosts return at the interval sweeps (every
//!   `interval` from time zero), so an ejection lasts until the first sweep at or after that
//!   time. At each later sweep that finds it healthy, its multiplier goes down by one ("when
//!   the host becomes healthy, the ejection time multiplier decreases with time").
//! - Reports about a host that is already ejected extend nothing.
//!
//! Sweeps are computed, not scheduled: the detector schedules no events and draws nothing.
//! `now` is true time and must not go backwards (asserted).

use crate::config::OutlierDetectionConfig;
use sim_core::{SimDuration, SimTime};

/// The detector's state for every host of one service.
#[derive(Clone, Debug)]
pub struct OutlierDetector {
    config: OutlierDetectionConfig,
    hosts: Vec<Host>,
    /// The latest `now` seen (time never goes backwards here).
    now_latest: SimTime,
}

#[derive(Clone, Copy, Debug)]
struct Host {
    /// Failures in a row since the last success, 4xx or ejection.
    consecutive: u32,
    /// The sweep at which an ejected host returns; `None` while it is in service.
    back_at: Option<SimTime>,
    /// The ejection time multiplier (ejections, less healthy sweeps since).
    multiplier: u64,
    /// When the multiplier was last brought up to date (a sweep instant or zero).
    counted_at: SimTime,
}

impl OutlierDetectionConfig {
    /// Envoy's defaults.
    pub const ENVOY_DEFAULT: OutlierDetectionConfig = OutlierDetectionConfig {
        consecutive_5xx: 5,
        interval: SimDuration::from_secs(10),
        base_ejection_time: SimDuration::from_secs(30),
        max_ejection_percent: 10,
        max_ejection_time: SimDuration::from_secs(300),
    };

    /// Checks every rule; the error names the broken one.
    pub fn validate(&self) -> Result<(), &'static str> {
        if self.consecutive_5xx == 0 {
            return Err("consecutive_5xx must be at least 1");
        }
        if self.interval == SimDuration::ZERO {
            return Err("interval must be longer than zero");
        }
        if self.base_ejection_time == SimDuration::ZERO {
            return Err("base_ejection_time must be longer than zero");
        }
        if self.max_ejection_percent > 100 {
            return Err("max_ejection_percent must be at most 100");
        }
        if self.max_ejection_time < self.base_ejection_time {
            return Err("max_ejection_time must be at least base_ejection_time");
        }
        Ok(())
    }
}

impl OutlierDetector {
    /// A detector for `hosts` hosts, all in service; panics if `config` is invalid.
    ///
    /// ```
    /// use models::{OutlierDetectionConfig, OutlierDetector};
    /// use sim_core::SimTime;
    /// let mut detector = OutlierDetector::new(OutlierDetectionConfig::ENVOY_DEFAULT, 4);
    /// let now = SimTime::ZERO;
    /// let ejected = (0..5).map(|_| detector.report(now, 1, true)).last();
    /// assert_eq!(ejected, Some(true));
    /// assert!(detector.is_ejected(now, 1));
    /// ```
    pub fn new(config: OutlierDetectionConfig, hosts: u32) -> OutlierDetector {
        if let Err(rule) = config.validate() {
            panic!("invalid OutlierDetectionConfig (scenarios validate first): {rule}");
        }
        assert!(hosts > 0, "a detector watches at least one host");
        OutlierDetector {
            config,
            hosts: vec![
                Host {
                    consecutive: 0,
                    back_at: None,
                    multiplier: 0,
                    counted_at: SimTime::ZERO,
                };
                hosts as usize
            ],
            now_latest: SimTime::ZERO,
        }
    }

    /// Whether `host` is ejected at `now`.
    pub fn is_ejected(&self, now: SimTime, host: u32) -> bool {
        self.hosts[host as usize]
            .back_at
            .is_some_and(|back| now < back)
    }

    /// Hosts ejected at `now`.
    pub fn ejected_count(&self, now: SimTime) -> u32 {
        (0..self.hosts.len() as u32)
            .filter(|&h| self.is_ejected(now, h))
            .count() as u32
    }

    /// Reports one answer from `host` at `now` (`failed`: a 5xx or a local-origin error).
    /// Returns true if it ejected the host.
    pub fn report(&mut self, now: SimTime, host: u32, failed: bool) -> bool {
        assert!(now >= self.now_latest, "reports come in time order");
        self.now_latest = now;
        if self.is_ejected(now, host) {
            return false;
        }
        let h = &mut self.hosts[host as usize];
        if !failed {
            h.consecutive = 0;
            return false;
        }
        h.consecutive += 1;
        if h.consecutive < self.config.consecutive_5xx {
            return false;
        }
        h.consecutive = 0;
        let ejected = u64::from(self.ejected_count(now));
        let hosts = self.hosts.len() as u64;
        let allowed = ejected == 0
            || (ejected + 1) * 100 <= u64::from(self.config.max_ejection_percent) * hosts;
        if !allowed {
            return false;
        }
        self.eject(now, host);
        true
    }

    /// Ejects `host` at `now`: its multiplier decays for the healthy sweeps since it last
    /// changed, goes up by one, and sets how long it stays out.
    fn eject(&mut self, now: SimTime, host: u32) {
        let interval = self.config.interval.as_nanos();
        let h = &mut self.hosts[host as usize];
        // Sweeps in (counted_at, now] found it in service: each lowers the multiplier.
        let healthy_sweeps = now.as_nanos() / interval - h.counted_at.as_nanos() / interval;
        h.multiplier = h.multiplier.saturating_sub(healthy_sweeps) + 1;
        let out_for = self
            .config
            .base_ejection_time
            .saturating_mul(h.multiplier)
            .min(self.config.max_ejection_time);
        let due = now.add(out_for).as_nanos();
        // Hosts return at the first sweep at or after their ejection time is over.
        let back = SimTime::from_nanos(due.div_ceil(interval).saturating_mul(interval));
        assert!(
            back >= now.add(out_for),
            "a host returns only after its time out"
        );
        h.back_at = Some(back);
        h.counted_at = back;
        h.consecutive = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_s(s: u64) -> SimTime {
        SimTime::from_nanos(s * 1_000_000_000)
    }

    fn detector(hosts: u32) -> OutlierDetector {
        OutlierDetector::new(OutlierDetectionConfig::ENVOY_DEFAULT, hosts)
    }

    /// Envoy `consecutive_5xx`: "the number of consecutive 5xx responses ... before a
    /// consecutive 5xx ejection occurs. Defaults to 5." A success in between restarts the run.
    #[test]
    fn five_failures_in_a_row_eject_and_a_success_resets_the_run() {
        let mut d = detector(4);
        for _ in 0..4 {
            assert!(!d.report(at_s(1), 0, true));
        }
        assert!(!d.report(at_s(1), 0, false), "a success ends the run");
        for _ in 0..4 {
            assert!(!d.report(at_s(1), 0, true));
        }
        assert!(!d.is_ejected(at_s(1), 0));
        assert!(
            d.report(at_s(1), 0, true),
            "the fifth failure in a row ejects"
        );
        assert!(d.is_ejected(at_s(1), 0));
        assert!(
            !d.report(at_s(2), 0, true),
            "an ejected host is not ejected again"
        );
    }

    /// Envoy: "The number of milliseconds is equal to the base_ejection_time value multiplied
    /// by the number of times the host has been ejected", returned at the interval sweeps.
    #[test]
    fn ejection_time_grows_with_each_ejection_and_ends_at_a_sweep() {
        let mut d = detector(1);
        let eject = |d: &mut OutlierDetector, at: SimTime| (0..5).any(|_| d.report(at, 0, true));
        assert!(eject(&mut d, at_s(1)));
        // 1 s + 30 s = 31 s; the next sweep is at 40 s.
        assert!(d.is_ejected(at_s(39), 0));
        assert!(!d.is_ejected(at_s(40), 0));
        // Ejected again right away: the multiplier is 2 → 60 s, from 40 s to the sweep at 100 s.
        assert!(eject(&mut d, at_s(40)));
        assert!(d.is_ejected(at_s(99), 0));
        assert!(!d.is_ejected(at_s(100), 0));
    }

    /// Envoy: "When the host becomes healthy, the ejection time multiplier decreases with
    /// time ... If the host is healthy during that check, the ejection time multiplier is
    /// decremented"; and the time is capped by `max_ejection_time`.
    #[test]
    fn healthy_sweeps_lower_the_multiplier_and_the_cap_holds() {
        let mut d = detector(1);
        let eject = |d: &mut OutlierDetector, at: SimTime| (0..5).any(|_| d.report(at, 0, true));
        assert!(eject(&mut d, at_s(0))); // ×1, back at 30 s.
        assert!(eject(&mut d, at_s(30))); // ×2, back at 90 s.
                                          // Sweeps at 100 s and 110 s find it healthy: ×2 → ×0, so the next ejection is ×1.
        assert!(eject(&mut d, at_s(115)));
        assert!(d.is_ejected(at_s(144), 0));
        assert!(
            !d.is_ejected(at_s(150), 0),
            "115 s + 30 s, at the 150 s sweep"
        );
        let mut capped = OutlierDetector::new(
            OutlierDetectionConfig {
                max_ejection_time: SimDuration::from_secs(45),
                ..OutlierDetectionConfig::ENVOY_DEFAULT
            },
            1,
        );
        assert!(eject(&mut capped, at_s(0)));
        assert!(eject(&mut capped, at_s(30)));
        assert!(
            !capped.is_ejected(at_s(80), 0),
            "×2 = 60 s is capped at 45 s"
        );
    }

    /// Envoy `max_ejection_percent`: "Defaults to 10% but will eject at least one host
    /// regardless of the value."
    #[test]
    fn the_ejection_cap_allows_at_least_one_host() {
        let mut d = detector(4);
        let eject =
            |d: &mut OutlierDetector, host: u32| (0..5).any(|_| d.report(at_s(1), host, true));
        assert!(
            eject(&mut d, 0),
            "10% of 4 hosts rounds to none, yet one may go"
        );
        assert!(!eject(&mut d, 1), "a second would exceed 10%");
        assert_eq!(d.ejected_count(at_s(1)), 1);
        let mut half = OutlierDetector::new(
            OutlierDetectionConfig {
                max_ejection_percent: 50,
                ..OutlierDetectionConfig::ENVOY_DEFAULT
            },
            4,
        );
        assert!(eject(&mut half, 0));
        assert!(eject(&mut half, 1));
        assert!(!eject(&mut half, 2), "three of four is 75%");
    }

    #[test]
    fn validation_names_the_broken_rule() {
        assert_eq!(OutlierDetectionConfig::ENVOY_DEFAULT.validate(), Ok(()));
        let zero = OutlierDetectionConfig {
            consecutive_5xx: 0,
            ..OutlierDetectionConfig::ENVOY_DEFAULT
        };
        assert!(zero.validate().unwrap_err().contains("consecutive_5xx"));
        let over = OutlierDetectionConfig {
            max_ejection_percent: 101,
            ..OutlierDetectionConfig::ENVOY_DEFAULT
        };
        assert!(over.validate().is_err());
    }
}
