//! A time-weighted average of a level that changes at instants (queue length, busy workers).
//!
//! The integral of the level over time is accumulated exactly in `u128` nanosecond-units, so
//! long runs lose no precision. Only the window after `start` counts (warm-up removal).

use crate::time::SimTime;

/// The time-weighted mean of an integer level over a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeAverage {
    start: SimTime,
    level: u64,
    changed: SimTime,
    area: u128,
}

impl TimeAverage {
    /// A level of zero, measured from `start` on (changes before `start` only set the level).
    pub fn new(start: SimTime) -> TimeAverage {
        TimeAverage {
            start,
            level: 0,
            changed: SimTime::ZERO,
            area: 0,
        }
    }

    /// Sets the level at `now` (times must not go backwards).
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.accumulate(now);
        self.level = level;
    }

    /// The current level.
    pub fn level(&self) -> u64 {
        self.level
    }

    /// The mean level over `start..end`.
    pub fn mean(&self, end: SimTime) -> f64 {
        let mut copy = self.clone();
        copy.accumulate(end);
        let span = end.since(self.start).as_nanos();
        if span == 0 {
            return 0.0;
        }
        copy.area as f64 / span as f64
    }

    #[inline]
    fn accumulate(&mut self, now: SimTime) {
        assert!(
            now >= self.changed,
            "time-average updates go forward in time"
        );
        let from = self.changed.max(self.start);
        if now > from {
            self.area += u128::from(now.since(from).as_nanos()) * u128::from(self.level);
        }
        self.changed = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_a_step_function() {
        let mut avg = TimeAverage::new(SimTime::ZERO);
        avg.set(SimTime::from_nanos(0), 2);
        avg.set(SimTime::from_nanos(10), 4);
        // 2 for 10ns, then 4 for 10ns: mean 3.
        assert_eq!(avg.mean(SimTime::from_nanos(20)), 3.0);
    }

    #[test]
    fn ignores_the_warm_up() {
        let mut avg = TimeAverage::new(SimTime::from_nanos(10));
        avg.set(SimTime::from_nanos(0), 100);
        avg.set(SimTime::from_nanos(10), 1);
        assert_eq!(avg.mean(SimTime::from_nanos(20)), 1.0);
    }
}
