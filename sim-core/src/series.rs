//! Time series with bounded memory: one row per interval.
//!
//! A run's series share one interval, `interval_for(duration)`: 1 s up to `ROWS_MAX` seconds,
//! then the smallest step of `STEPS_S` (or whole hours) that keeps a series near `ROWS_MAX`
//! rows, so that memory does not grow with simulated time. Whoever reads the rows reads that
//! interval with them; a row's index times the interval is when it starts.
//!
//! Three shapes cover what a run records over time: `CountSeries` (events per interval, e.g.
//! arrivals or failures), `LevelSeries` (the time-weighted mean of a level in each interval,
//! e.g. queue length), and `QuantileSeries` (latency quantiles per interval, from one rolling
//! histogram that is summarized and cleared at each interval boundary). Memory grows with the
//! number of intervals, never with the number of events. Updates must come in time order.

use crate::histogram::Histogram;
use crate::time::{SimDuration, SimTime};

/// Counts per interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountSeries {
    interval: SimDuration,
    counts: Vec<u64>,
    /// The interval of the latest update and the time it starts: a cache that spares a
    /// division per update, since updates cluster in the current interval.
    current: usize,
    current_start: u64,
}

/// The time-weighted mean of a level in each interval.
#[derive(Clone, Debug, PartialEq)]
pub struct LevelSeries {
    interval: SimDuration,
    level: u64,
    changed: SimTime,
    /// Level × nanoseconds accumulated per interval.
    areas: Vec<u128>,
    /// Where the interval of the last row of `areas` ends (0 while there is none): a cache
    /// that spares a multiplication per update.
    row_end: u64,
}

/// Quantiles of the values recorded in each interval.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileSeries {
    interval: SimDuration,
    quantiles: Vec<f64>,
    current: Histogram,
    current_index: usize,
    /// Where the interval `current_index` starts: spares a division per record.
    current_start: u64,
    /// `rows[i][j]` is quantile `quantiles[j]` of interval `i`, in nanoseconds; None if nothing
    /// was recorded in it (a quantile of nothing is undefined, never 0).
    rows: Vec<Option<Vec<f64>>>,
}

/// Rows a series of a run keeps at most (about: a run drains a little past its duration).
pub const ROWS_MAX: u64 = 2_000;

/// The steps an interval may take, in seconds: "nice" widths that divide an hour or a day,
/// so that rows line up with the clock on a plot's axis. Past the last, whole hours.
const STEPS_S: [u64; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600];

/// The interval of every series of a run of `duration`: the smallest of 1 s, 2 s, 5 s, 10 s,
/// 15 s, 30 s, 1 min, 2 min, 5 min, 10 min, 15 min, 30 min and whole hours that is at least
/// `duration / ROWS_MAX`.
///
/// ```
/// use sim_core::{series::interval_for, SimDuration};
/// assert_eq!(interval_for(SimDuration::from_secs(600)), SimDuration::from_secs(1));
/// assert_eq!(interval_for(SimDuration::from_secs(3_600)), SimDuration::from_secs(2));
/// assert_eq!(interval_for(SimDuration::from_secs(36_000)), SimDuration::from_secs(30));
/// ```
pub fn interval_for(duration: SimDuration) -> SimDuration {
    let at_least_s = duration.as_nanos().div_ceil(ROWS_MAX * 1_000_000_000);
    let step_s = STEPS_S
        .iter()
        .copied()
        .find(|&s| s >= at_least_s)
        .unwrap_or_else(|| at_least_s.div_ceil(3_600).saturating_mul(3_600));
    SimDuration::from_secs(step_s)
}

/// Averages consecutive groups of `factor` rows of a per-`interval` series of means, so that a
/// series kept at a finer interval (a circuit breaker's open fraction, at 1 s) reads at a
/// coarser one; the last group may be shorter and is averaged over its own rows.
pub fn coarsen_means(means: &[f64], factor: usize) -> Vec<f64> {
    assert!(factor > 0, "a coarsening factor is positive");
    means
        .chunks(factor)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect()
}

/// A series read one row per second: each row of width `interval` (a whole number of seconds,
/// as `interval_for` gives) repeated once per second it covers, for readers that index by the
/// second (a rate or a mean level is the same in every second of its row).
pub fn per_second(rows: &[f64], interval: SimDuration) -> Vec<f64> {
    let seconds = interval.as_nanos() / 1_000_000_000;
    assert!(
        seconds >= 1 && seconds * 1_000_000_000 == interval.as_nanos(),
        "a series interval read per second is a whole number of seconds"
    );
    rows.iter()
        .flat_map(|&row| std::iter::repeat_n(row, seconds as usize))
        .collect()
}

fn index_of(at: SimTime, interval: SimDuration) -> usize {
    usize::try_from(at.as_nanos() / interval.as_nanos()).expect("interval index fits in usize")
}

impl CountSeries {
    /// An empty series with the given interval (> 0).
    pub fn new(interval: SimDuration) -> CountSeries {
        assert!(
            interval > SimDuration::ZERO,
            "a series interval is positive"
        );
        CountSeries {
            interval,
            counts: vec![0],
            current: 0,
            current_start: 0,
        }
    }

    /// Adds `n` to the interval containing `at`.
    #[inline]
    pub fn add(&mut self, at: SimTime, n: u64) {
        // One comparison for both ends of the current interval: before its start, the
        // difference wraps around to a huge number.
        if at.as_nanos().wrapping_sub(self.current_start) >= self.interval.as_nanos() {
            self.current = index_of(at, self.interval);
            self.current_start = self.current as u64 * self.interval.as_nanos();
            if self.current >= self.counts.len() {
                self.counts.resize(self.current + 1, 0);
            }
        }
        self.counts[self.current] += n;
    }

    /// Counts per interval, padded with zeros to cover `0..end`.
    pub fn counts(&self, end: SimTime) -> Vec<u64> {
        let mut counts = self.counts.clone();
        counts.resize(intervals_until(end, self.interval).max(counts.len()), 0);
        counts
    }

    /// Rates per second for each interval, covering `0..end`.
    pub fn rates_per_s(&self, end: SimTime) -> Vec<f64> {
        let seconds = self.interval.as_secs_f64();
        self.counts(end)
            .into_iter()
            .map(|c| c as f64 / seconds)
            .collect()
    }

    /// The interval length.
    pub fn interval(&self) -> SimDuration {
        self.interval
    }
}

impl LevelSeries {
    /// A level of zero from time zero.
    pub fn new(interval: SimDuration) -> LevelSeries {
        assert!(
            interval > SimDuration::ZERO,
            "a series interval is positive"
        );
        LevelSeries {
            interval,
            level: 0,
            changed: SimTime::ZERO,
            areas: Vec::new(),
            row_end: 0,
        }
    }

    /// Sets the level at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.accumulate(now);
        self.level = level;
    }

    /// Mean level in each interval covering `0..end` (the last one may be partial).
    pub fn means(&self, end: SimTime) -> Vec<f64> {
        let mut copy = self.clone();
        copy.accumulate(end);
        let n = intervals_until(end, self.interval).max(copy.areas.len());
        copy.areas.resize(n, 0);
        let width = self.interval.as_nanos();
        copy.areas
            .iter()
            .enumerate()
            .map(|(i, &area)| {
                let start = i as u64 * width;
                let span = end.as_nanos().saturating_sub(start).min(width);
                if span == 0 {
                    0.0
                } else {
                    area as f64 / span as f64
                }
            })
            .collect()
    }

    /// Adds the area since the last change; the common cases inline, the rest in `spread`.
    #[inline]
    fn accumulate(&mut self, now: SimTime) {
        assert!(
            now >= self.changed,
            "level series updates go forward in time"
        );
        let from = self.changed.as_nanos();
        let to = now.as_nanos();
        self.changed = now;
        // Fast path: a zero level adds nothing, and (the common case) a change within the last
        // row's interval needs no division to find its row. `changed` never lies before that
        // interval, since rows are only added up to the interval of `changed`.
        if self.level == 0 || from == to {
            return;
        }
        if to <= self.row_end {
            debug_assert!(from >= self.row_end - self.interval.as_nanos());
            if let Some(row) = self.areas.last_mut() {
                *row += u128::from(to - from) * u128::from(self.level);
                return;
            }
        }
        self.spread(from, to);
    }

    /// Adds the area of a positive level from `from` to `to` row by row, adding rows as needed.
    #[inline(never)]
    fn spread(&mut self, mut from: u64, to: u64) {
        let width = self.interval.as_nanos();
        // Bounded by the number of interval boundaries crossed since the last change.
        while from < to {
            let index = (from / width) as usize;
            let boundary = (index as u64 + 1).saturating_mul(width).min(to);
            if index >= self.areas.len() {
                self.areas.resize(index + 1, 0);
                self.row_end = (index as u64 + 1).saturating_mul(width);
            }
            self.areas[index] += u128::from(boundary - from) * u128::from(self.level);
            from = boundary;
        }
    }
}

impl QuantileSeries {
    /// An empty series reporting the given quantiles (each in 0..=1) per interval.
    pub fn new(interval: SimDuration, quantiles: &[f64]) -> QuantileSeries {
        assert!(
            interval > SimDuration::ZERO,
            "a series interval is positive"
        );
        QuantileSeries {
            interval,
            quantiles: quantiles.to_vec(),
            current: Histogram::new(),
            current_index: 0,
            current_start: 0,
            rows: Vec::new(),
        }
    }

    /// Records `value` observed at `at`.
    #[inline]
    pub fn record(&mut self, at: SimTime, value: SimDuration) {
        // One comparison for both ends of the current interval, as in `CountSeries::add`.
        if at.as_nanos().wrapping_sub(self.current_start) >= self.interval.as_nanos() {
            self.advance(at);
        }
        self.current.record(value);
    }

    /// Rolls over to the interval of `at`, which must not be before the current one.
    #[inline(never)]
    fn advance(&mut self, at: SimTime) {
        let index = index_of(at, self.interval);
        assert!(
            index >= self.current_index,
            "quantile series updates go forward in time"
        );
        self.roll(index);
    }

    /// One row per interval covering `0..end`: the configured quantiles in nanoseconds, None
    /// for an interval in which nothing was recorded.
    pub fn rows(&self, end: SimTime) -> Vec<Option<Vec<f64>>> {
        let mut copy = self.clone();
        let n = intervals_until(end, self.interval);
        copy.roll(n.max(copy.current_index + 1));
        copy.rows.resize(n.max(copy.rows.len()), None);
        copy.rows.truncate(n);
        copy.rows
    }

    fn roll(&mut self, next: usize) {
        let summary =
            (self.current.count() > 0).then(|| self.current.quantiles_nanos(&self.quantiles));
        if self.rows.len() <= self.current_index {
            self.rows.resize(self.current_index, None);
            self.rows.push(summary);
        }
        self.current.clear();
        self.current_index = next;
        self.current_start = (next as u64).saturating_mul(self.interval.as_nanos());
    }
}

fn intervals_until(end: SimTime, interval: SimDuration) -> usize {
    let n = end.as_nanos().div_ceil(interval.as_nanos());
    usize::try_from(n).expect("interval count fits in usize")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: SimDuration = SimDuration::from_secs(1);

    fn at_ms(ms: u64) -> SimTime {
        SimTime::ZERO.add(SimDuration::from_millis(ms))
    }

    #[test]
    fn a_run_keeps_at_most_about_two_thousand_rows_at_a_nice_interval() {
        let secs = |s: u64| SimDuration::from_secs(s);
        for (duration_s, interval_s) in [
            (1, 1),
            (60, 1),
            (2_000, 1),
            (2_001, 2),
            (3_600, 2),
            (4_001, 5),
            (36_000, 30),
            (86_400, 60),
            (30 * 86_400, 1_800),
            (200 * 86_400, 10_800),
        ] {
            let interval = interval_for(secs(duration_s));
            assert_eq!(interval, secs(interval_s), "duration {duration_s} s");
            assert!(duration_s.div_ceil(interval_s) <= ROWS_MAX);
        }
        assert_eq!(interval_for(SimDuration::from_millis(1_500)), secs(1));
        assert_eq!(interval_for(SimDuration::ZERO), secs(1));
    }

    #[test]
    fn coarsened_means_average_whole_groups_and_a_short_last_one() {
        assert_eq!(
            coarsen_means(&[1.0, 3.0, 0.0, 1.0, 5.0], 2),
            vec![2.0, 0.5, 5.0]
        );
        assert_eq!(coarsen_means(&[0.25], 1), vec![0.25]);
    }

    #[test]
    fn rows_read_per_second_repeat_over_their_width() {
        assert_eq!(per_second(&[1.0, 2.5], SECOND), vec![1.0, 2.5]);
        assert_eq!(
            per_second(&[1.0, 2.5], SimDuration::from_secs(3)),
            vec![1.0, 1.0, 1.0, 2.5, 2.5, 2.5]
        );
    }

    #[test]
    fn counts_land_in_their_interval() {
        let mut s = CountSeries::new(SECOND);
        s.add(at_ms(10), 1);
        s.add(at_ms(999), 2);
        s.add(at_ms(2_500), 5);
        assert_eq!(s.counts(at_ms(4_000)), vec![3, 0, 5, 0]);
        assert_eq!(s.rates_per_s(at_ms(3_000)), vec![3.0, 0.0, 5.0]);
    }

    #[test]
    fn levels_are_time_weighted_per_interval() {
        let mut s = LevelSeries::new(SECOND);
        s.set(at_ms(500), 2); // 0 for 0.5 s, then 2
        s.set(at_ms(1_500), 4); // 2 until 1.5 s, then 4
        let means = s.means(at_ms(3_000));
        assert_eq!(means, vec![1.0, 3.0, 4.0]);
    }

    #[test]
    fn a_partial_last_interval_is_averaged_over_its_own_length() {
        let mut s = LevelSeries::new(SECOND);
        s.set(at_ms(0), 6);
        assert_eq!(s.means(at_ms(1_500)), vec![6.0, 6.0]);
    }

    /// Times that go forward in steps of zero, a fraction of an interval, or several
    /// intervals, so that updates stay in, leave and skip intervals.
    fn wandering_times(seed: u64, n: usize) -> Vec<(SimTime, u64)> {
        let mut stream = crate::rng::Stream::new(seed, "series");
        let mut now = 0u64;
        (0..n)
            .map(|_| {
                now += match stream.below(4) {
                    0 => 0,
                    1 => stream.below(1_000),
                    2 => stream.below(1_000_000_000),
                    _ => stream.below(5_000_000_000),
                };
                (SimTime::from_nanos(now), stream.below(5))
            })
            .collect()
    }

    /// Adds `level` over `from..to` to every row it overlaps, row by row.
    fn add_area(areas: &mut [u128], from: u64, to: u64, level: u64) {
        let width = SECOND.as_nanos();
        for (row, area) in areas.iter_mut().enumerate() {
            let (start, end) = (row as u64 * width, (row as u64 + 1) * width);
            let overlap = to.min(end).saturating_sub(from.max(start));
            *area += u128::from(overlap) * u128::from(level);
        }
    }

    #[test]
    fn cached_intervals_agree_with_dividing_every_time() {
        // The series cache the current interval (and the last row's end) to skip a division;
        // the rows must be exactly those of the plain definition.
        for seed in 0..20 {
            let updates = wandering_times(seed, 2_000);
            let end = updates
                .last()
                .unwrap()
                .0
                .add(SimDuration::from_millis(1_500));
            let row = |at: SimTime| (at.as_nanos() / SECOND.as_nanos()) as usize;
            let rows = row(end) + 1;

            let mut counts = CountSeries::new(SECOND);
            let mut expected_counts = vec![0u64; rows];
            let mut levels = LevelSeries::new(SECOND);
            let mut areas = vec![0u128; rows];
            let (mut level, mut changed) = (0u64, 0u64);
            let mut quantiles = QuantileSeries::new(SECOND, &[0.5, 1.0]);
            let mut maxima = vec![f64::NAN; rows];
            for &(at, value) in &updates {
                counts.add(at, value);
                expected_counts[row(at)] += value;
                levels.set(at, value);
                add_area(&mut areas, changed, at.as_nanos(), level);
                (level, changed) = (value, at.as_nanos());
                quantiles.record(at, SimDuration::from_nanos(value));
                maxima[row(at)] = f64::max(maxima[row(at)], value as f64);
            }
            add_area(&mut areas, changed, end.as_nanos(), level);
            expected_counts.truncate(intervals_until(end, SECOND));
            assert_eq!(counts.counts(end), expected_counts, "seed {seed}");
            let mut copy = levels.clone();
            copy.accumulate(end);
            copy.areas.resize(areas.len(), 0);
            assert_eq!(copy.areas, areas, "seed {seed}");
            // An interval with nothing recorded has no quantile: None.
            let defined = |v: f64| (!v.is_nan()).then_some(v);
            let got: Vec<Option<f64>> = quantiles
                .rows(end)
                .iter()
                .map(|r| r.as_ref().map(|r| r[1]))
                .collect();
            let expected: Vec<Option<f64>> = maxima.iter().map(|&v| defined(v)).collect();
            assert_eq!(got, expected[..got.len()], "seed {seed}");
        }
    }

    #[test]
    fn quantiles_roll_per_interval_and_empty_intervals_are_undefined() {
        let mut s = QuantileSeries::new(SECOND, &[0.5, 1.0]);
        for ms in 1..=100 {
            s.record(at_ms(100), SimDuration::from_millis(ms));
        }
        s.record(at_ms(2_100), SimDuration::from_millis(7));
        let rows = s.rows(at_ms(3_000));
        assert_eq!(rows.len(), 3);
        let (first, last) = (rows[0].as_ref().unwrap(), rows[2].as_ref().unwrap());
        assert!((first[0] / 1e6 - 50.0).abs() < 0.3, "{rows:?}");
        assert!((first[1] / 1e6 - 100.0).abs() < 0.5, "{rows:?}");
        assert_eq!(rows[1], None);
        assert!((last[0] / 1e6 - 7.0).abs() < 0.05, "{rows:?}");
        assert_eq!(
            s.rows(at_ms(5_000)).len(),
            5,
            "quiet intervals at the end are rows too"
        );
    }
}
