//! Measured distributions: `Samples` (every value measured) and `Buckets` (a histogram of
//! them).
//!
//! # Samples
//!
//! A draw picks one of the n measured values uniformly at random (the empirical distribution
//! itself, as the bootstrap resamples it; Efron 1979): `x_(I)` with `I = below(n)`, one draw
//! (Lemire's method draws again with probability below n / 2^64). Picking a value, rather
//! than interpolating between order statistics, replays exactly what was measured: nothing
//! between two measurements or beyond the largest is invented, the moments are the sample's
//! own (the mean of the file is the mean of the service time), and a draw costs one index.
//! With thousands of samples, interpolation would change the moments by far less than the
//! sampling error of the measurement itself. The values are kept sorted, so the order of the
//! lines in a file does not matter.
//!
//! Moments: `E[X] = (1/n) Σ x_k`, `E[X²] = Var + E[X]²` with the (population) variance
//! `Var = (1/n) Σ (x_k − E[X])²` summed in a second pass for accuracy.
//!
//! # Buckets
//!
//! A histogram: bounds `b_0 < b_1 < … < b_k` and counts `c_1 … c_k` (`c_i` values in
//! `(b_{i−1}, b_i]`), read as values spread uniformly inside each bucket, which is what
//! Prometheus' `histogram_quantile` assumes. Its CDF is piecewise linear, and a draw inverts
//! it with one uniform `u` in `[0, 1)`: `v = u · C` (C the total count) falls in the bucket i
//! with `C_{i−1} ≤ v < C_i` (C_i the cumulative count), and the value is
//! `b_{i−1} + (v − C_{i−1}) / c_i · (b_i − b_{i−1})`. Empty buckets are never chosen.
//!
//! Moments: with weights `w_i = c_i / C`, `E[X] = Σ w_i (b_{i−1} + b_i) / 2` and
//! `E[X²] = Σ w_i (b_{i−1}² + b_{i−1} b_i + b_i²) / 3` (a uniform on each bucket).

use std::sync::Arc;

use crate::rng::Stream;
use crate::time::SimDuration;

use super::{DistributionError, SAMPLE_NANOS_MAX};

/// The measured values of an empirical distribution, sorted (see the module doc).
#[derive(Clone, PartialEq)]
pub struct Samples {
    /// Nanoseconds, ascending; never empty. Shared, so cloning a configuration is cheap.
    sorted: Arc<[u64]>,
}

/// A histogram of measured values (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Buckets {
    /// `(b_i, C_i)`: bound and cumulative count, from `(b_0, 0)`; at least two, bounds
    /// increasing, counts non-decreasing, the last positive.
    edges: Arc<[Edge]>,
}

/// One bucket of a histogram as given: its upper bound and how many values fell in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// The bucket's upper bound (Prometheus' `le`): it holds the values above the previous
    /// bound and at most this.
    pub le: SimDuration,
    /// How many values fell in it.
    pub count: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Edge {
    bound: f64,
    cumulative: f64,
}

/// The largest total count of a histogram: counts are summed in `f64`, which is exact below
/// 2^53.
const COUNT_TOTAL_MAX: u64 = 1 << 53;

impl Samples {
    /// The empirical distribution of `values`, in any order.
    ///
    /// ```
    /// use sim_core::distribution::Samples;
    /// use sim_core::SimDuration;
    /// let s = Samples::new(vec![SimDuration::from_millis(1), SimDuration::from_millis(3)]).unwrap();
    /// assert_eq!(s.mean_nanos(), 2e6);
    /// ```
    pub fn new(values: Vec<SimDuration>) -> Result<Samples, DistributionError> {
        if values.is_empty() {
            return Err(DistributionError::SamplesEmpty);
        }
        let mut sorted: Vec<u64> = values.iter().map(|v| v.as_nanos()).collect();
        sorted.sort_unstable();
        Ok(Samples {
            sorted: sorted.into(),
        })
    }

    /// How many values were measured.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always `false`: an empty sample is refused.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The k-th smallest value (from 0).
    pub fn order_statistic(&self, k: usize) -> SimDuration {
        SimDuration::from_nanos(self.sorted[k])
    }

    /// One draw: a measured value chosen uniformly.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        // `len` fits in u64 and the index below it back in usize.
        let index = stream.below(self.sorted.len() as u64) as usize;
        SimDuration::from_nanos(self.sorted[index])
    }

    /// The exact mean in nanoseconds.
    pub fn mean_nanos(&self) -> f64 {
        // The sum of at most 2^64 values below 2^64 fits in u128 exactly.
        let sum: u128 = self.sorted.iter().map(|&x| u128::from(x)).sum();
        sum as f64 / self.sorted.len() as f64
    }

    /// The exact second moment E(X²) in nanoseconds².
    pub fn second_moment_nanos(&self) -> f64 {
        let mean = self.mean_nanos();
        let variance = self
            .sorted
            .iter()
            .map(|&x| (x as f64 - mean) * (x as f64 - mean))
            .sum::<f64>()
            / self.sorted.len() as f64;
        variance + mean * mean
    }
}

impl std::fmt::Debug for Samples {
    /// A summary: a sample can hold millions of values, and a configuration is printed whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last = self.sorted.len() - 1;
        write!(
            f,
            "Samples {{ count: {}, min: {}, max: {} }}",
            self.sorted.len(),
            SimDuration::from_nanos(self.sorted[0]),
            SimDuration::from_nanos(self.sorted[last])
        )
    }
}

impl Buckets {
    /// A histogram from the lower bound of its first bucket and its buckets in order.
    ///
    /// ```
    /// use sim_core::distribution::{Bucket, Buckets};
    /// use sim_core::SimDuration;
    /// let ms = SimDuration::from_millis;
    /// let h = Buckets::new(ms(0), &[Bucket { le: ms(2), count: 3 }, Bucket { le: ms(4), count: 1 }]).unwrap();
    /// assert_eq!(h.mean_nanos(), 1.5e6);
    /// ```
    pub fn new(low: SimDuration, buckets: &[Bucket]) -> Result<Buckets, DistributionError> {
        let mut edges = Vec::with_capacity(buckets.len() + 1);
        edges.push(Edge {
            bound: low.as_nanos() as f64,
            cumulative: 0.0,
        });
        let (mut previous, mut total) = (low, 0u64);
        for (index, bucket) in buckets.iter().enumerate() {
            if bucket.le <= previous {
                return Err(DistributionError::BucketOrder {
                    index,
                    previous,
                    le: bucket.le,
                });
            }
            if bucket.le.as_nanos() as f64 > SAMPLE_NANOS_MAX {
                return Err(DistributionError::BucketTooLong {
                    index,
                    le: bucket.le,
                });
            }
            total = total
                .checked_add(bucket.count)
                .filter(|&t| t <= COUNT_TOTAL_MAX)
                .ok_or(DistributionError::BucketCountTooLarge)?;
            previous = bucket.le;
            edges.push(Edge {
                bound: bucket.le.as_nanos() as f64,
                cumulative: total as f64,
            });
        }
        if total == 0 {
            return Err(DistributionError::BucketsEmpty);
        }
        // Trailing empty buckets carry no probability; without them the last bucket is never
        // empty, so a draw rounded up to the total count still lands in a bucket that counts.
        while edges[edges.len() - 1].cumulative == edges[edges.len() - 2].cumulative {
            edges.pop();
        }
        Ok(Buckets {
            edges: edges.into(),
        })
    }

    /// The inverse CDF in nanoseconds, for `u` in `0..=1`: the value a draw of `u` gives
    /// (at a bound between a bucket and an empty one, the start of the next non-empty one).
    pub fn quantile_nanos(&self, u: f64) -> f64 {
        assert!(
            (0.0..=1.0).contains(&u),
            "a quantile's probability is in 0..=1"
        );
        let last = self.edges.len() - 1;
        let v = u * self.edges[last].cumulative;
        // The first edge whose cumulative count exceeds v closes the bucket v falls in; the
        // clamp catches v = C (u = 1, or rounding up in the product).
        let index = self.edges.partition_point(|e| e.cumulative <= v).min(last);
        let (low, high) = (self.edges[index - 1], self.edges[index]);
        let count = high.cumulative - low.cumulative;
        let within = ((v - low.cumulative) / count).min(1.0);
        low.bound + within * (high.bound - low.bound)
    }

    /// One draw: the inverse CDF at one uniform `u` in `[0, 1)`.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        SimDuration::from_nanos_f64(self.quantile_nanos(stream.unit()))
    }

    /// The exact mean in nanoseconds.
    pub fn mean_nanos(&self) -> f64 {
        self.weighted(|a, b| (a + b) / 2.0)
    }

    /// The exact second moment E(X²) in nanoseconds².
    pub fn second_moment_nanos(&self) -> f64 {
        self.weighted(|a, b| (a * a + a * b + b * b) / 3.0)
    }

    /// `Σ w_i f(b_{i−1}, b_i)`: a moment of the bucket-wise uniform distribution.
    fn weighted(&self, moment: impl Fn(f64, f64) -> f64) -> f64 {
        let total = self.edges[self.edges.len() - 1].cumulative;
        self.edges
            .windows(2)
            .map(|pair| {
                let weight = (pair[1].cumulative - pair[0].cumulative) / total;
                weight * moment(pair[0].bound, pair[1].bound)
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn samples_are_resampled_with_their_own_moments() {
        let s = Samples::new(vec![ms(4), ms(1), ms(1)]).unwrap();
        assert_eq!(s.order_statistic(0), ms(1));
        assert_eq!(s.order_statistic(2), ms(4));
        assert_eq!(s.mean_nanos(), 2e6);
        // E[X²] = (1 + 1 + 16)/3 ms².
        assert!((s.second_moment_nanos() - 6e12).abs() < 1.0);
        let mut stream = Stream::new(1, "samples");
        let mut counts = [0u32; 2];
        for _ in 0..30_000 {
            match s.sample(&mut stream) {
                d if d == ms(1) => counts[0] += 1,
                d if d == ms(4) => counts[1] += 1,
                d => panic!("{d} was never measured"),
            }
        }
        assert!((19_500..20_500).contains(&counts[0]), "{counts:?}");
        assert_eq!(Samples::new(vec![]), Err(DistributionError::SamplesEmpty));
        assert_eq!(format!("{s:?}"), "Samples { count: 3, min: 1ms, max: 4ms }");
    }

    #[test]
    fn buckets_invert_a_piecewise_linear_cdf() {
        let b = |le, count| Bucket { le: ms(le), count };
        let h = Buckets::new(ms(1), &[b(2, 1), b(4, 0), b(8, 3)]).unwrap();
        assert_eq!(h.quantile_nanos(0.0), 1e6);
        assert!((h.quantile_nanos(0.25 - 1e-12) - 2e6).abs() < 1.0);
        // The empty bucket (2, 4] is skipped: from a quarter on, values start at 4 ms.
        assert_eq!(h.quantile_nanos(0.25), 4e6);
        assert_eq!(h.quantile_nanos(0.625), 6e6);
        assert_eq!(h.quantile_nanos(1.0), 8e6);
        let trailing = Buckets::new(ms(1), &[b(2, 1), b(4, 0), b(8, 3), b(16, 0)]).unwrap();
        assert_eq!(trailing, h, "a trailing empty bucket changes nothing");
        assert_eq!(trailing.quantile_nanos(1.0), 8e6);
        // E[X] = 1/4 · 1.5 + 3/4 · 6 ms.
        assert!((h.mean_nanos() - 4.875e6).abs() < 1e-3);
        let second = 0.25 * (1.0 + 2.0 + 4.0) / 3.0 + 0.75 * (16.0 + 32.0 + 64.0) / 3.0;
        assert!((h.second_moment_nanos() - second * 1e12).abs() < 1.0);
    }

    #[test]
    fn bad_histograms_are_refused() {
        let b = |le, count| Bucket { le: ms(le), count };
        assert_eq!(
            Buckets::new(ms(0), &[b(2, 1), b(2, 1)]),
            Err(DistributionError::BucketOrder {
                index: 1,
                previous: ms(2),
                le: ms(2)
            })
        );
        assert_eq!(
            Buckets::new(ms(3), &[b(2, 1)]),
            Err(DistributionError::BucketOrder {
                index: 0,
                previous: ms(3),
                le: ms(2)
            })
        );
        assert_eq!(
            Buckets::new(ms(0), &[b(2, 0)]),
            Err(DistributionError::BucketsEmpty)
        );
        assert_eq!(
            Buckets::new(ms(0), &[]),
            Err(DistributionError::BucketsEmpty)
        );
        assert_eq!(
            Buckets::new(ms(0), &[b(2, u64::MAX), b(3, 1)]),
            Err(DistributionError::BucketCountTooLarge)
        );
    }
}
