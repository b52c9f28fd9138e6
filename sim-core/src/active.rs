//! `Active`: which of a fixed list of time windows are active at an instant, in list order,
//! for a clock that only moves forward.
//!
//! Fault rules and fault schedules are lists of windows `[start, end)` whose order matters
//! (the first rule that decides wins). Checking every window on every message is linear in the
//! schedule, so a run with many random faults pays for all of them on every send. `Active`
//! keeps the windows sorted by start with a cursor, and the set of started, unfinished ones in
//! list order: a query at a later instant admits the windows that have started and drops the
//! ones that have ended, so each window enters and leaves once, and a query walks only the
//! active ones. A query at an earlier instant than the last (which a run never makes) starts
//! over, so the answer is always exact.

use crate::time::SimTime;

/// The active windows among a list, for instants that only move forward.
#[derive(Clone, Debug)]
pub struct Active {
    /// Each window's `[start, end)`, in list order.
    windows: Vec<(SimTime, SimTime)>,
    /// Window indices by start (ties in list order).
    by_start: Vec<u32>,
    /// How many of `by_start` have started.
    started: usize,
    /// Started windows that had not ended at the last query, in list order.
    active: Vec<u32>,
    /// The instant of the last query.
    last: SimTime,
}

impl Active {
    /// The windows `[start, end)`, in list order.
    ///
    /// ```
    /// use sim_core::{Active, SimTime};
    /// let t = SimTime::from_nanos;
    /// let mut active = Active::new(vec![(t(10), t(20)), (t(0), t(15)), (t(30), t(40))]);
    /// assert_eq!(active.at(t(12)), &[0, 1]);
    /// assert_eq!(active.at(t(16)), &[0]);
    /// assert_eq!(active.at(t(25)), &[] as &[u32]);
    /// ```
    pub fn new(windows: Vec<(SimTime, SimTime)>) -> Active {
        assert!(
            u32::try_from(windows.len()).is_ok(),
            "window indices fit in u32"
        );
        let mut by_start: Vec<u32> = (0..windows.len() as u32).collect();
        by_start.sort_by_key(|&i| (windows[i as usize].0, i));
        Active {
            windows,
            by_start,
            started: 0,
            active: Vec::new(),
            last: SimTime::ZERO,
        }
    }

    /// Whether there are no windows at all.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The indices of the windows with `start <= now < end`, in list order.
    #[inline]
    pub fn at(&mut self, now: SimTime) -> &[u32] {
        if now < self.last {
            self.started = 0;
            self.active.clear();
        }
        self.last = now;
        let mut admitted = false;
        while let Some(&next) = self.by_start.get(self.started) {
            if self.windows[next as usize].0 > now {
                break;
            }
            self.active.push(next);
            self.started += 1;
            admitted = true;
        }
        if admitted {
            self.active.sort_unstable();
        }
        let windows = &self.windows;
        self.active.retain(|&i| now < windows[i as usize].1);
        &self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The active set is exactly the windows covering the instant, in list order, for
        /// any schedule and any sequence of queries (forward, with the odd step back).
        #[test]
        fn the_active_set_is_exactly_the_covering_windows(
            windows in prop::collection::vec((0u64..1_000, 0u64..300), 0..40),
            steps in prop::collection::vec(0u64..60, 1..80),
            back in prop::collection::vec(any::<bool>(), 80),
        ) {
            let windows: Vec<(SimTime, SimTime)> = windows
                .iter()
                .map(|&(s, len)| (SimTime::from_nanos(s), SimTime::from_nanos(s + len)))
                .collect();
            let mut active = Active::new(windows.clone());
            let mut now = 0u64;
            for (i, step) in steps.iter().enumerate() {
                now = if back[i] && now > *step { now - step } else { now + step * 10 };
                let t = SimTime::from_nanos(now);
                let expected: Vec<u32> = windows
                    .iter()
                    .enumerate()
                    .filter(|(_, (s, e))| *s <= t && t < *e)
                    .map(|(i, _)| i as u32)
                    .collect();
                prop_assert_eq!(active.at(t), expected.as_slice());
            }
        }
    }
}
