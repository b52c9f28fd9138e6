//! A mergeable log-linear histogram of durations with bounded relative error.
//!
//! Values are nanoseconds (u64). Values below 128 get a bucket each; above that, every power
//! of two is split into 128 equal sub-buckets (the HdrHistogram layout with 7 bits of
//! mantissa). A bucket's width is at most 1/128 of its lower bound, and quantiles report the
//! bucket's midpoint, so a reported quantile is within 1/256 ≈ 0.4% of the true order
//! statistic. Memory is fixed (7,424 counters) whatever the run length; count, sum, min and
//! max are exact.

use crate::time::SimDuration;

const MANTISSA_BITS: u32 = 7;
const SUB_BUCKETS: u64 = 1 << MANTISSA_BITS;
const BUCKETS: usize = (SUB_BUCKETS + (64 - MANTISSA_BITS as u64) * SUB_BUCKETS) as usize;

/// A latency histogram with ≤0.4% relative error on quantiles and constant memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Empties the histogram, touching only the buckets between its minimum and maximum (so
    /// reusing one is cheaper than making a new one).
    pub fn clear(&mut self) {
        if self.count > 0 {
            self.counts[bucket_of(self.min)..=bucket_of(self.max)].fill(0);
        }
        self.count = 0;
        self.sum = 0;
        self.min = u64::MAX;
        self.max = 0;
    }

    /// Records one value.
    #[inline]
    pub fn record(&mut self, value: SimDuration) {
        let v = value.as_nanos();
        self.counts[bucket_of(v)] += 1;
        self.count += 1;
        self.sum += u128::from(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean in nanoseconds, or 0 when empty.
    pub fn mean_nanos(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// Exact smallest value, or zero when empty.
    pub fn min(&self) -> SimDuration {
        SimDuration::from_nanos(if self.count == 0 { 0 } else { self.min })
    }

    /// Exact largest value, or zero when empty.
    pub fn max(&self) -> SimDuration {
        SimDuration::from_nanos(self.max)
    }

    /// Number of recorded values in buckets at or below `value`'s bucket (exact below 128 ns,
    /// otherwise within one bucket's width).
    pub fn count_at_or_below(&self, value: SimDuration) -> u64 {
        self.counts[..=bucket_of(value.as_nanos())].iter().sum()
    }

    /// The `q`-quantile (0 ≤ q ≤ 1), in nanoseconds, within 0.4%; 0 when empty.
    ///
    /// Uses the nearest-rank definition: the smallest value with at least `ceil(q·n)` values
    /// at or below it. The result is clamped to the exact min and max.
    pub fn quantile_nanos(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let (mut seen, mut index) = (0, bucket_of(self.min));
        self.search(self.rank(q), &mut seen, &mut index)
    }

    /// `quantile_nanos` of each of `qs`, in one pass over the buckets when `qs` ascend.
    pub fn quantiles_nanos(&self, qs: &[f64]) -> Vec<f64> {
        if self.count == 0 || !qs.is_sorted() {
            return qs.iter().map(|&q| self.quantile_nanos(q)).collect();
        }
        // Ranks ascend with `qs`, so each search resumes where the previous one stopped.
        let (mut seen, mut index) = (0, bucket_of(self.min));
        qs.iter()
            .map(|&q| self.search(self.rank(q), &mut seen, &mut index))
            .collect()
    }

    /// The value of rank `rank`, searching on from bucket `index` with `seen` values in the
    /// buckets before it (start at the minimum's bucket, where every value lies at or after);
    /// leaves both just past the bucket found.
    fn search(&self, rank: u64, seen: &mut u64, index: &mut usize) -> f64 {
        while *seen < rank {
            let Some(&c) = self.counts.get(*index) else {
                return self.max as f64;
            };
            *seen += c;
            *index += 1;
        }
        self.midpoint(*index - 1)
    }

    /// The nearest rank of the `q`-quantile, in `1..=count`; the histogram must not be empty.
    #[inline]
    fn rank(&self, q: f64) -> u64 {
        let q = q.clamp(0.0, 1.0);
        (libm::ceil(q * self.count as f64) as u64).clamp(1, self.count)
    }

    /// The midpoint of bucket `index`, clamped to the exact min and max.
    #[inline]
    fn midpoint(&self, index: usize) -> f64 {
        let (low, width) = bounds_of(index);
        let mid = low as f64 + (width as f64 - 1.0) / 2.0;
        mid.clamp(self.min as f64, self.max as f64)
    }
}

#[inline]
fn bucket_of(v: u64) -> usize {
    if v < SUB_BUCKETS {
        return v as usize;
    }
    let exponent = 63 - v.leading_zeros(); // floor(log2 v) ≥ 7
    let shift = exponent - MANTISSA_BITS;
    let sub = (v >> shift) - SUB_BUCKETS; // 0..128
    (SUB_BUCKETS + u64::from(shift) * SUB_BUCKETS + sub) as usize
}

/// The lowest value and the width of bucket `index`.
fn bounds_of(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return (index, 1);
    }
    let shift = (index - SUB_BUCKETS) / SUB_BUCKETS;
    let sub = (index - SUB_BUCKETS) % SUB_BUCKETS;
    ((SUB_BUCKETS + sub) << shift, 1u64 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn quantiles_in_one_pass_agree_with_one_at_a_time() {
        let mut s = Stream::new(3, "quantiles");
        let mut h = Histogram::new();
        let lists: [&[f64]; 6] = [
            &[0.5, 0.99],
            &[0.0, 0.5, 0.5, 0.9, 0.99, 0.999, 1.0],
            &[0.99, 0.5],
            &[-1.0, 2.0],
            &[f64::NAN, 0.5],
            &[],
        ];
        for n in [0, 1, 2, 7, 100, 5_000] {
            h.clear();
            for _ in 0..n {
                // Spread over several octaves, with repeats below 128 ns.
                let octave = s.between(0, 30);
                let v = s.between(0, 1 << octave);
                h.record(SimDuration::from_nanos(v));
            }
            for qs in lists {
                let one_at_a_time: Vec<f64> = qs.iter().map(|&q| h.quantile_nanos(q)).collect();
                let got = h.quantiles_nanos(qs);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{one_at_a_time:?}"),
                    "n {n}, qs {qs:?}"
                );
            }
        }
    }

    #[test]
    fn buckets_cover_u64_contiguously() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(127), 127);
        assert_eq!(bucket_of(128), 128);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        for index in 0..BUCKETS {
            let (low, width) = bounds_of(index);
            assert_eq!(bucket_of(low), index);
            assert_eq!(bucket_of(low + (width - 1)), index);
            assert!(
                width == 1 || width * 128 <= low,
                "width ≤ 1/128 of the bound"
            );
        }
    }

    #[test]
    fn quantiles_are_within_half_a_percent_of_exact() {
        let mut stream = Stream::new(11, "histogram");
        let mut values: Vec<u64> = (0..200_000)
            .map(|_| (stream.exponential(5e6) + 1.0) as u64)
            .collect();
        let mut h = Histogram::new();
        for &v in &values {
            h.record(SimDuration::from_nanos(v));
        }
        values.sort_unstable();
        for q in [0.5, 0.9, 0.99, 0.999] {
            let rank = ((q * values.len() as f64).ceil() as usize).max(1);
            let exact = values[rank - 1] as f64;
            let got = h.quantile_nanos(q);
            assert!(
                (got - exact).abs() / exact <= 0.004,
                "q={q} got={got} exact={exact}"
            );
        }
        let exact_mean = values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64;
        assert!((h.mean_nanos() - exact_mean).abs() < 1e-6 * exact_mean);
        assert_eq!(h.max().as_nanos(), *values.last().unwrap());
    }

    #[test]
    fn a_cleared_histogram_is_a_new_one() {
        let mut reused = Histogram::new();
        for v in [3u64, 1_000, 77_777_777, 5] {
            reused.record(SimDuration::from_nanos(v));
        }
        reused.clear();
        assert_eq!(reused, Histogram::new());
        let mut fresh = Histogram::new();
        for v in 1..2_000u64 {
            reused.record(SimDuration::from_nanos(v * 31));
            fresh.record(SimDuration::from_nanos(v * 31));
        }
        assert_eq!(reused, fresh);
        assert_eq!(reused.quantile_nanos(0.5), fresh.quantile_nanos(0.5));
    }

    #[test]
    fn merge_equals_recording_everything_once() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        let mut all = Histogram::new();
        for v in 0..10_000u64 {
            let d = SimDuration::from_nanos(v * v);
            if v % 3 == 0 {
                a.record(d)
            } else {
                b.record(d)
            }
            all.record(d);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn empty_histogram_reports_zero() {
        let h = Histogram::new();
        assert_eq!(h.quantile_nanos(0.99), 0.0);
        assert_eq!(h.mean_nanos(), 0.0);
        assert_eq!(h.min(), SimDuration::ZERO);
    }
}
