//! `Alarm`: the multi-window, multi-burn-rate alert of The Site Reliability Workbook (ch. 5,
//! "Alerting on SLOs", alert 6), computed inside the run from what a service answered.
//!
//! The burn rate of a window is its bad fraction over the error budget, `(bad / answered) /
//! (1 − target)`; the alert fires when the long and the short window both reach the
//! threshold (the workbook's 14.4 over 1 h and 5 min for a 30-day budget; scaled down here by
//! default to 60 s and 5 s, the 1/12 ratio kept, as `reports::burn` does after a run). The
//! short window makes it stop firing soon after the burn stops; the long one keeps a short
//! spike from paging.
//!
//! Answers are counted in buckets of `every`, the evaluation interval; an evaluation at `now`
//! (a multiple of `every`) reads the whole buckets before it, so a window is exactly
//! `[now − window, now)` and answers at `now` itself are the next evaluation's, whatever the
//! order of events at that instant. A window with no answer has no burn rate and does not
//! fire. Memory: one bucket per `every` of the long window.

use sim_core::{SimDuration, SimTime};

use crate::config::BurnAlert;

/// The alert's state: answered and bad counts per bucket of the long window.
#[derive(Clone, Debug)]
pub struct Alarm {
    config: BurnAlert,
    /// Slot `b mod n` holds bucket `b` (its index, answers, bad answers).
    buckets: Vec<(u64, u64, u64)>,
}

impl Alarm {
    /// An alarm with nothing counted.
    pub fn new(config: BurnAlert) -> Alarm {
        let n = (config.long.as_nanos() / config.every.as_nanos()).max(1) as usize;
        Alarm {
            config,
            buckets: vec![(u64::MAX, 0, 0); n],
        }
    }

    /// How often it is evaluated.
    pub fn every(&self) -> SimDuration {
        self.config.every
    }

    /// An answer at `now`, bad or not.
    pub fn record(&mut self, now: SimTime, bad: bool) {
        let bucket = now.as_nanos() / self.config.every.as_nanos();
        let n = self.buckets.len() as u64;
        let slot = &mut self.buckets[(bucket % n) as usize];
        if slot.0 != bucket {
            *slot = (bucket, 0, 0);
        }
        slot.1 += 1;
        slot.2 += u64::from(bad);
    }

    /// The burn rate over `[now − window, now)` (`None` without answers).
    pub fn burn_rate(&self, now: SimTime, window: SimDuration) -> Option<f64> {
        let every = self.config.every.as_nanos();
        let end = now.as_nanos() / every;
        let count = (window.as_nanos() / every).min(self.buckets.len() as u64);
        let n = self.buckets.len() as u64;
        let (mut answered, mut bad) = (0u64, 0u64);
        for bucket in end.saturating_sub(count)..end {
            let slot = self.buckets[(bucket % n) as usize];
            if slot.0 == bucket {
                answered += slot.1;
                bad += slot.2;
            }
        }
        (answered > 0).then(|| bad as f64 / answered as f64 / (1.0 - self.config.target))
    }

    /// Whether both windows burn at the threshold or faster at `now` (within a relative
    /// 10^-9, so that a window exactly at the threshold fires despite decimal rounding:
    /// 1 − 0.99 is not 0.01 in binary).
    pub fn firing(&self, now: SimTime) -> bool {
        let threshold = self.config.burn_rate * (1.0 - 1e-9);
        let burns = |window| self.burn_rate(now, window).is_some_and(|b| b >= threshold);
        burns(self.config.long) && burns(self.config.short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> BurnAlert {
        BurnAlert {
            target: 0.99,
            latency_below: None,
            long: SimDuration::from_secs(10),
            short: SimDuration::from_secs(2),
            burn_rate: 10.0,
            every: SimDuration::from_secs(1),
        }
    }

    fn at(secs: u64) -> SimTime {
        SimTime::ZERO.add(SimDuration::from_secs(secs))
    }

    #[test]
    fn a_window_reads_whole_buckets_before_now() {
        let mut alarm = Alarm::new(alert());
        for s in 0..10 {
            for i in 0..100 {
                alarm.record(at(s), s >= 8 && i < 50);
            }
        }
        let burn = |window| {
            alarm
                .burn_rate(at(10), SimDuration::from_secs(window))
                .unwrap()
        };
        // The long window holds 100 bad of 1,000: 10% over a 1% budget.
        assert!((burn(10) - 10.0).abs() < 1e-9);
        // The short window holds 100 bad of 200.
        assert!((burn(2) - 50.0).abs() < 1e-9);
        assert!(alarm.firing(at(10)));
        // At 9 s the last bucket is not read yet: 50 bad of 900 and of 100.
        assert!(!alarm.firing(at(9)));
    }

    #[test]
    fn old_buckets_are_forgotten_and_an_empty_window_has_no_burn() {
        let mut alarm = Alarm::new(alert());
        alarm.record(at(0), true);
        assert!(alarm.firing(at(1)));
        // Eleven seconds later the bucket of 0 s left the long window.
        alarm.record(at(11), false);
        assert_eq!(
            alarm.burn_rate(at(12), SimDuration::from_secs(10)),
            Some(0.0)
        );
        assert_eq!(alarm.burn_rate(at(30), SimDuration::from_secs(10)), None);
        assert!(!alarm.firing(at(30)));
    }
}
