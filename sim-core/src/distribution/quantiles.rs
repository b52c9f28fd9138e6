//! `QuantileTable`: a distribution given by a few measured quantiles, interpolated
//! log-linearly.
//!
//! # Definition
//!
//! The table holds knots `(q_0, x_0) … (q_n, x_n)` with `0 = q_0 < q_1 < … < q_n = 1` and
//! `0 < x_0 ≤ x_1 ≤ … ≤ x_n` (nanoseconds). Its quantile function is, for `q_i ≤ u ≤ q_{i+1}`,
//!
//! ```text
//! Q(u) = exp(ln x_i + (u − q_i) / (q_{i+1} − q_i) · (ln x_{i+1} − ln x_i))
//! ```
//!
//! so inside a segment the logarithm of the duration is uniform: each segment is a
//! log-uniform piece carrying probability `q_{i+1} − q_i`. Logarithms, not values, are
//! interpolated because latency quantiles grow geometrically (p50 3 ms, p99 40 ms, p99.9
//! 400 ms): linear interpolation would put almost all of a segment's mass near its top.
//!
//! # The ends
//!
//! A user rarely measures the minimum or the maximum, so the table is completed from the
//! points given:
//! - **Bottom.** Without a point at q = 0 (`min`, `p0`), the first segment is extended down
//!   to q = 0 at its own slope: `x_0 = exp(ln x_a − q_a · s)` with `s` the slope in log space
//!   of the two lowest points `a`, `b`, `s = (ln x_b − ln x_a) / (q_b − q_a)`.
//! - **Top.** Without a point at q = 1 (`max`, `p100`), the last segment is extended up to
//!   q = 1 at its own slope: `x_n = exp(ln x_z + (1 − q_z) · s)` with `s` the slope of the
//!   two highest points `y`, `z`.
//!
//! Extending the slope keeps the density continuous at the outermost measured point and
//! invents no tail heavier than the one measured; it makes the distribution bounded, so every
//! moment is finite. Capping instead (x_n = x_z) would put the whole top `1 − q_z` on one
//! value and understate E(S²), which is what queues feel; an unbounded tail fitted to two
//! points would decide the mean wait by a guess. For p99 = 40 ms and p99.9 = 400 ms the
//! extension ends at 400 · 10^(1/9) ≈ 517 ms. A user who knows the real extremes gives
//! `min` and `max`.
//!
//! # Sampling
//!
//! Inverse-CDF sampling with one uniform draw `u` in `[0, 1)` per sample: `Q(u)`, rounded to
//! whole nanoseconds.
//!
//! # Moments
//!
//! Within segment i, with `a = ln x_i`, `b = ln x_{i+1}` and `V` uniform on `[0, 1]`,
//! `E[X^m | i] = ∫₀¹ exp(m(a + (b − a)v)) dv = x_i^m · (e^{m(b−a)} − 1) / (m(b − a))`
//! (`x_i^m` when `a = b`), so exactly
//!
//! ```text
//! E[X^m] = Σ_i (q_{i+1} − q_i) · x_i^m · h(m(ln x_{i+1} − ln x_i)),   h(t) = expm1(t) / t, h(0) = 1
//! ```
//!
//! with `expm1` keeping short segments exact.

use crate::rng::Stream;
use crate::time::SimDuration;

use super::{DistributionError, SAMPLE_NANOS_MAX};

/// One measured point: the duration below which a fraction `q` of the values lie.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantilePoint {
    /// The probability, in `0..=1` (0.99 for p99).
    pub q: f64,
    /// The duration at that probability.
    pub value: SimDuration,
}

/// A validated, completed quantile table (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileTable {
    /// From q = 0 to q = 1; at least two.
    knots: Box<[Knot]>,
}

/// A knot and the log-space slope of the segment that starts at it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Knot {
    q: f64,
    /// The value, in nanoseconds.
    nanos: f64,
    /// `ln(nanos)`.
    log: f64,
    /// `(ln x_{i+1} − ln x_i) / (q_{i+1} − q_i)`; 0 at the last knot.
    slope: f64,
}

impl QuantileTable {
    /// Checks `points` (any order) and completes the table at its ends (see the module doc).
    ///
    /// ```
    /// use sim_core::distribution::{QuantilePoint, QuantileTable};
    /// use sim_core::SimDuration;
    /// let ms = SimDuration::from_millis;
    /// let table = QuantileTable::new(&[
    ///     QuantilePoint { q: 0.5, value: ms(3) },
    ///     QuantilePoint { q: 0.99, value: ms(40) },
    /// ])
    /// .unwrap();
    /// assert!((table.quantile_nanos(0.5) - 3e6).abs() < 1e-3);
    /// ```
    pub fn new(points: &[QuantilePoint]) -> Result<QuantileTable, DistributionError> {
        let mut sorted = points.to_vec();
        for point in &sorted {
            if !(0.0..=1.0).contains(&point.q) {
                return Err(DistributionError::QuantileProbability { q: point.q });
            }
            if point.value == SimDuration::ZERO {
                return Err(DistributionError::QuantileZero { q: point.q });
            }
        }
        sorted.sort_by(|a, b| a.q.total_cmp(&b.q));
        if sorted.len() < 2 {
            return Err(DistributionError::QuantilePoints {
                count: sorted.len(),
            });
        }
        for pair in sorted.windows(2) {
            let (low, high) = (pair[0], pair[1]);
            if low.q == high.q {
                return Err(DistributionError::QuantileDuplicate { q: low.q });
            }
            if high.value < low.value {
                return Err(DistributionError::QuantileOrder { low, high });
            }
        }
        // (q, nanoseconds, ln nanoseconds); given values are kept exact, not exp(ln x).
        let mut knots: Vec<(f64, f64, f64)> = sorted
            .iter()
            .map(|p| {
                let nanos = p.value.as_nanos() as f64;
                (p.q, nanos, libm::log(nanos))
            })
            .collect();
        let slope = |a: (f64, f64, f64), b: (f64, f64, f64)| (b.2 - a.2) / (b.0 - a.0);
        if knots[0].0 > 0.0 {
            let (a, b) = (knots[0], knots[1]);
            let log = a.2 - a.0 * slope(a, b);
            knots.insert(0, (0.0, libm::exp(log), log));
        }
        let last = knots.len() - 1;
        if knots[last].0 < 1.0 {
            let (y, z) = (knots[last - 1], knots[last]);
            let log = z.2 + (1.0 - z.0) * slope(y, z);
            let nanos = libm::exp(log);
            if nanos.is_nan() || nanos > SAMPLE_NANOS_MAX {
                return Err(DistributionError::QuantileExtrapolation { q: z.0, nanos });
            }
            knots.push((1.0, nanos, log));
        }
        let built: Vec<Knot> = knots
            .iter()
            .enumerate()
            .map(|(i, &(q, nanos, log))| Knot {
                q,
                nanos,
                log,
                slope: knots
                    .get(i + 1)
                    .map_or(0.0, |&next| slope((q, nanos, log), next)),
            })
            .collect();
        Ok(QuantileTable {
            knots: built.into_boxed_slice(),
        })
    }

    /// The completed table as `(q, nanoseconds)` pairs, from q = 0 to q = 1.
    pub fn knots(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.knots.iter().map(|k| (k.q, k.nanos))
    }

    /// `Q(u)` in nanoseconds, for `u` in `0..=1`.
    pub fn quantile_nanos(&self, u: f64) -> f64 {
        assert!(
            (0.0..=1.0).contains(&u),
            "a quantile's probability is in 0..=1"
        );
        // The segment is the last knot with q ≤ u, never the final knot itself (u = 1 ends
        // the last segment).
        let after = self.knots.partition_point(|k| k.q <= u);
        let knot = &self.knots[after.clamp(1, self.knots.len() - 1) - 1];
        libm::exp(knot.log + (u - knot.q) * knot.slope)
    }

    /// One draw: `Q(u)` for one uniform `u` in `[0, 1)`.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        SimDuration::from_nanos_f64(self.quantile_nanos(stream.unit()))
    }

    /// The exact `E[X^m]` in nanoseconds^m (see the module doc).
    pub fn moment_nanos(&self, m: i32) -> f64 {
        self.knots
            .windows(2)
            .map(|pair| {
                let (low, high) = (pair[0], pair[1]);
                let t = f64::from(m) * (high.log - low.log);
                (high.q - low.q) * libm::pow(low.nanos, f64::from(m)) * expm1_over(t)
            })
            .sum()
    }
}

/// `(e^t − 1) / t`, and 1 at t = 0, accurate for small `t`.
pub(super) fn expm1_over(t: f64) -> f64 {
    if t == 0.0 {
        1.0
    } else {
        libm::expm1(t) / t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn point(q: f64, value: SimDuration) -> QuantilePoint {
        QuantilePoint { q, value }
    }

    #[test]
    fn given_points_are_hit_exactly_and_ends_extend_the_outer_slopes() {
        let table = QuantileTable::new(&[
            point(0.99, ms(40)),
            point(0.5, ms(3)),
            point(0.999, ms(400)),
        ])
        .unwrap();
        for (q, x) in [(0.5, 3e6), (0.99, 40e6), (0.999, 400e6)] {
            assert!((table.quantile_nanos(q) - x).abs() / x < 1e-12, "{q}");
        }
        let knots: Vec<(f64, f64)> = table.knots().collect();
        assert_eq!(knots.len(), 5);
        // Top: 400 ms · 10^(0.001/0.009).
        let top = 400e6 * libm::pow(10.0, 1.0 / 9.0);
        assert!((knots[4].1 - top).abs() / top < 1e-12, "{knots:?}");
        // Bottom: 3 ms · (40/3)^(−0.5/0.49).
        let bottom = 3e6 * libm::pow(40.0 / 3.0, -0.5 / 0.49);
        assert!((knots[0].1 - bottom).abs() / bottom < 1e-12, "{knots:?}");
        // Log-linear in between: the geometric mean at the middle of a segment.
        let middle = table.quantile_nanos(0.745);
        assert!((middle - libm::sqrt(3e6 * 40e6)).abs() / middle < 1e-12);
    }

    #[test]
    fn moments_of_one_log_uniform_segment_are_exact() {
        // Log-uniform on [a, b]: E[X] = (b − a) / ln(b/a), E[X²] = (b² − a²) / (2 ln(b/a)).
        let table = QuantileTable::new(&[point(0.0, ms(1)), point(1.0, ms(10))]).unwrap();
        let (a, b) = (1e6_f64, 1e7_f64);
        let ln = libm::log(b / a);
        assert!((table.moment_nanos(1) - (b - a) / ln).abs() / table.moment_nanos(1) < 1e-12);
        let second = (b * b - a * a) / (2.0 * ln);
        assert!((table.moment_nanos(2) - second).abs() / second < 1e-12);
        // A flat segment is a point mass.
        let flat = QuantileTable::new(&[point(0.0, ms(2)), point(1.0, ms(2))]).unwrap();
        assert_eq!(flat.moment_nanos(2), 4e12);
    }

    #[test]
    fn bad_tables_are_refused() {
        assert_eq!(
            QuantileTable::new(&[point(0.5, ms(3))]),
            Err(DistributionError::QuantilePoints { count: 1 })
        );
        assert_eq!(
            QuantileTable::new(&[point(0.5, ms(3)), point(0.9, ms(2))]),
            Err(DistributionError::QuantileOrder {
                low: point(0.5, ms(3)),
                high: point(0.9, ms(2))
            })
        );
        assert!(matches!(
            QuantileTable::new(&[point(0.5, ms(3)), point(1.5, ms(4))]),
            Err(DistributionError::QuantileProbability { .. })
        ));
        assert!(matches!(
            QuantileTable::new(&[point(0.5, SimDuration::ZERO), point(0.9, ms(4))]),
            Err(DistributionError::QuantileZero { .. })
        ));
        assert!(matches!(
            QuantileTable::new(&[point(0.5, ms(3)), point(0.5, ms(4))]),
            Err(DistributionError::QuantileDuplicate { .. })
        ));
        // p50 = 1ms, p51 = 1s extends to 1 ms · 1000^50 at q = 1: refused, give `max`.
        assert!(matches!(
            QuantileTable::new(&[point(0.5, ms(1)), point(0.51, ms(1000))]),
            Err(DistributionError::QuantileExtrapolation { .. })
        ));
    }
}
