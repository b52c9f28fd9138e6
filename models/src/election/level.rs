//! The number of acting leaders over time, integrated exactly: time with none (leaderless)
//! and time with two or more (split brain), after the warm-up, in integer nanoseconds.

use sim_core::{SimDuration, SimTime};

/// The count of acting leaders as a level that changes at instants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Level {
    /// Measurement starts here (the end of the warm-up).
    start: SimTime,
    /// Acting leaders since `changed`.
    acting: u32,
    /// When `acting` last changed.
    changed: SimTime,
    /// Nanoseconds after `start` with no acting leader.
    leaderless: u64,
    /// Nanoseconds after `start` with two or more acting leaders.
    split_brain: u64,
}

impl Level {
    /// No acting leader, measured from `start` on.
    pub(super) fn new(start: SimTime) -> Level {
        Level {
            start,
            acting: 0,
            changed: SimTime::ZERO,
            leaderless: 0,
            split_brain: 0,
        }
    }

    /// One more acting leader at `now`.
    pub(super) fn rise(&mut self, now: SimTime) {
        self.accumulate(now);
        self.acting += 1;
    }

    /// One acting leader fewer at `now`.
    pub(super) fn fall(&mut self, now: SimTime) {
        self.accumulate(now);
        assert!(self.acting > 0, "only an acting leader stops acting");
        self.acting -= 1;
    }

    /// (leaderless, split brain) over `start..end`.
    pub(super) fn totals(&self, end: SimTime) -> (SimDuration, SimDuration) {
        let mut copy = self.clone();
        copy.accumulate(end);
        (
            SimDuration::from_nanos(copy.leaderless),
            SimDuration::from_nanos(copy.split_brain),
        )
    }

    fn accumulate(&mut self, now: SimTime) {
        assert!(now >= self.changed, "the level moves forward in time");
        let span = now.since(self.changed.max(self.start)).as_nanos();
        match self.acting {
            0 => self.leaderless += span,
            1 => {}
            _ => self.split_brain += span,
        }
        self.changed = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SimTime {
        SimTime::from_nanos(secs * 1_000_000_000)
    }

    #[test]
    fn integrates_none_and_two_or_more_after_the_warm_up() {
        let mut level = Level::new(t(10));
        level.rise(t(5)); // Leaderless 0..5, all in the warm-up.
        level.rise(t(12)); // Split brain from 12.
        level.fall(t(15));
        level.fall(t(20)); // Leaderless from 20.
        let (leaderless, split) = level.totals(t(30));
        assert_eq!(split, SimDuration::from_secs(3));
        assert_eq!(leaderless, SimDuration::from_secs(10));
    }
}
