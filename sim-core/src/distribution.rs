//! Distributions of durations: service times, network latencies, think times.
//!
//! A `Distribution` is already validated (its constructors check their arguments); sampling
//! draws from a caller-owned `Stream` and uses `libm` only, so a seed gives the same durations
//! on every platform. Moments (`mean_nanos`, `second_moment_nanos`, `variance_nanos`) are
//! exact closed forms of what is sampled (before the rounding of each draw to whole
//! nanoseconds); they feed theory checks and `explain`, never the simulation itself.
//!
//! # Kinds, and the draws each sample takes
//!
//! | kind | sampling | draws per sample |
//! |---|---|---|
//! | `Constant` | the value | 0 |
//! | `Uniform` | `Stream::between` | 1 (Lemire: another with probability < n/2^64) |
//! | `Exponential` | `−mean · ln U` | 1 |
//! | `LogNormal` | `exp(μ + σZ)`, Z by Box–Muller | 2 |
//! | `Mixture` | an arm by one uniform, then the arm | 1 + the arm's |
//! | `Quantiles` (`quantiles`) | inverse CDF, log-linear between measured quantiles | 1 |
//! | `Empirical` (`empirical`) | one measured value, chosen uniformly | 1 (as `Uniform`) |
//! | `Histogram` (`empirical`) | inverse CDF, uniform inside each bucket | 1 |
//! | `Pareto` (`pareto`) | inverse CDF of the bounded Pareto | 1 |
//! | `Weibull` (`weibull`) | inverse CDF, `λ(−ln U)^(1/k)` | 1 |
//! | `Gamma` (`gamma`, `erlang`) | Marsaglia–Tsang 2000 | about 3 (rejection; +1 for shape < 1) |
//!
//! A hyperexponential is a `Mixture` of `Exponential`s (two draws). Each kind's module
//! (`quantiles`, `empirical`, `pareto`, `weibull`, `gamma`) documents its definition,
//! its sampling rule and its moment formulas.
//!
//! # Speed
//!
//! `sample` handles `Constant` and `Exponential` inline (zero network latency and the usual
//! service time sit on the hot path of every request); every other kind goes through the
//! out-of-line `draw`. Variants larger than two words are boxed so the enum stays 32 bytes.

pub mod empirical;
pub mod gamma;
pub mod pareto;
pub mod quantiles;
pub mod weibull;

pub use empirical::{Bucket, Buckets, Samples};
pub use gamma::Gamma;
pub use pareto::Pareto;
pub use quantiles::{QuantilePoint, QuantileTable};
pub use weibull::Weibull;

use crate::rng::Stream;
use crate::time::SimDuration;

/// The standard normal quantile at 0.99, Φ⁻¹(0.99), used to fit a lognormal to (p50, p99).
pub const Z_99: f64 = 2.326_347_874_040_841;

/// The largest value a bounded kind may reach, in nanoseconds: 2^53 ns (104 days). Every
/// whole number of nanoseconds up to it is an exact `f64`, so rounding a draw is exact, and
/// no request in a simulation runs for longer.
pub const SAMPLE_NANOS_MAX: f64 = 9_007_199_254_740_992.0;

/// A distribution of non-negative durations.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// Always the same duration.
    Constant(SimDuration),
    /// Uniform between two durations (inclusive, in whole nanoseconds).
    Uniform {
        /// Smallest value.
        low: SimDuration,
        /// Largest value.
        high: SimDuration,
    },
    /// Exponential with the given mean (memoryless; the M in M/M/1).
    Exponential {
        /// Mean duration.
        mean: SimDuration,
    },
    /// Lognormal: `exp(mu + sigma·Z)` nanoseconds.
    LogNormal {
        /// Mean of the logarithm (of nanoseconds).
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// A weighted choice among other distributions.
    Mixture(Vec<MixtureArm>),
    /// Measured quantiles, interpolated log-linearly (`quantiles`).
    Quantiles(QuantileTable),
    /// Measured values, resampled (`empirical`).
    Empirical(Samples),
    /// A histogram of measured values, uniform inside each bucket (`empirical`).
    Histogram(Buckets),
    /// A bounded Pareto (`pareto`).
    Pareto(Box<Pareto>),
    /// A Weibull (`weibull`).
    Weibull(Weibull),
    /// A gamma or Erlang (`gamma`).
    Gamma(Box<Gamma>),
}

/// One arm of a mixture: its probability and its distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct MixtureArm {
    /// Probability of choosing this arm (arms sum to 1).
    pub weight: f64,
    /// The arm's distribution.
    pub distribution: Distribution,
}

/// Why a distribution's parameters were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistributionError {
    /// Occurs when a uniform's `min` exceeds its `max`.
    #[error("min ({low}) must not exceed max ({high})")]
    UniformReversed {
        /// Lower bound as given.
        low: SimDuration,
        /// Upper bound as given.
        high: SimDuration,
    },
    /// Occurs when a lognormal's mean is zero or its sd negative.
    #[error("a lognormal needs mean > 0 and sd ≥ 0 (got mean {mean}, sd {sd})")]
    LogNormalMoments {
        /// Mean as given.
        mean: SimDuration,
        /// Standard deviation as given.
        sd: SimDuration,
    },
    /// Occurs when a lognormal's p99 is below its p50 or p50 is zero.
    #[error("a lognormal needs 0 < p50 ≤ p99 (got p50 {p50}, p99 {p99})")]
    LogNormalQuantiles {
        /// Median as given.
        p50: SimDuration,
        /// 99th percentile as given.
        p99: SimDuration,
    },
    /// Occurs when a mixture is empty, has a negative weight, or its weights do not sum to 1.
    #[error("mixture weights must be ≥ 0 and sum to 1 (got {sum})")]
    MixtureWeights {
        /// Sum of the weights as given.
        sum: f64,
    },
    /// Occurs when a quantile table has fewer than two points.
    #[error("a quantile table needs at least two points (got {count})")]
    QuantilePoints {
        /// How many points were given.
        count: usize,
    },
    /// Occurs when a quantile's probability lies outside `0..=1` (or is NaN).
    #[error("a quantile's probability must lie in 0..=1 (got {q})")]
    QuantileProbability {
        /// The probability as given.
        q: f64,
    },
    /// Occurs when a quantile is zero: log-linear interpolation needs positive values.
    #[error("the quantile at {q} must be greater than 0")]
    QuantileZero {
        /// Its probability.
        q: f64,
    },
    /// Occurs when two points share a probability (`min` and `p0`, `p999` and `p99.9`).
    #[error("two points of a quantile table are at probability {q}")]
    QuantileDuplicate {
        /// The shared probability.
        q: f64,
    },
    /// Occurs when a higher quantile is smaller than a lower one.
    #[error("the quantile at {} ({}) is below the one at {} ({})", .high.q, .high.value, .low.q, .low.value)]
    QuantileOrder {
        /// The lower point.
        low: QuantilePoint,
        /// The higher point, whose value is smaller.
        high: QuantilePoint,
    },
    /// Occurs when extending a table's last segment to q = 1 passes `SAMPLE_NANOS_MAX`.
    #[error("extending the last segment from q = {q} to 1 reaches {nanos:e} ns")]
    QuantileExtrapolation {
        /// The probability of the last point given.
        q: f64,
        /// The value reached at q = 1, in nanoseconds.
        nanos: f64,
    },
    /// Occurs when an empirical distribution has no values.
    #[error("an empirical distribution needs at least one value")]
    SamplesEmpty,
    /// Occurs when a histogram's bounds do not increase (or its first is not above `min`).
    #[error("bucket {index}'s bound ({le}) must be above the previous one ({previous})")]
    BucketOrder {
        /// The bucket, from 0.
        index: usize,
        /// The previous bound (the histogram's lower bound for bucket 0).
        previous: SimDuration,
        /// The bucket's bound as given.
        le: SimDuration,
    },
    /// Occurs when a histogram's bound passes `SAMPLE_NANOS_MAX`.
    #[error("bucket {index}'s bound ({le}) is longer than 2^53 ns")]
    BucketTooLong {
        /// The bucket, from 0.
        index: usize,
        /// The bound as given.
        le: SimDuration,
    },
    /// Occurs when a histogram has no buckets or counts nothing.
    #[error("a histogram needs a bucket with a count above 0")]
    BucketsEmpty,
    /// Occurs when a histogram's counts sum past 2^53.
    #[error("a histogram's counts must sum to at most 2^53")]
    BucketCountTooLarge,
    /// Occurs when a Pareto's shape is not a positive number.
    #[error("a Pareto's alpha must be a number greater than 0 (got {alpha})")]
    ParetoShape {
        /// The shape as given.
        alpha: f64,
    },
    /// Occurs when a Pareto's bounds are not 0 < min < max ≤ 2^53 ns.
    #[error("a Pareto needs 0 < min < max ≤ 2^53 ns (got min {low}, max {high})")]
    ParetoBounds {
        /// The lower bound as given.
        low: SimDuration,
        /// The upper bound as given.
        high: SimDuration,
    },
    /// Occurs when a Weibull's shape lies outside `WEIBULL_SHAPE_MIN..=WEIBULL_SHAPE_MAX`.
    #[error("a Weibull's shape must lie in 0.1..=100 (got {shape})")]
    WeibullShape {
        /// The shape as given.
        shape: f64,
    },
    /// Occurs when a gamma's shape lies outside `GAMMA_SHAPE_MIN..=GAMMA_SHAPE_MAX` (an
    /// Erlang's k outside 1..=10^6).
    #[error("a gamma's shape must lie in 0.01..=1e6 (got {shape})")]
    GammaShape {
        /// The shape as given.
        shape: f64,
    },
    /// Occurs when a Weibull's or a gamma's scale (or mean) is zero.
    #[error("the scale (or mean) must be greater than 0")]
    ScaleZero,
}

impl Distribution {
    /// A uniform distribution on `low..=high`.
    pub fn uniform(low: SimDuration, high: SimDuration) -> Result<Distribution, DistributionError> {
        if low > high {
            return Err(DistributionError::UniformReversed { low, high });
        }
        Ok(Distribution::Uniform { low, high })
    }

    /// A lognormal with the given mean and standard deviation (of the duration itself).
    ///
    /// ```
    /// use sim_core::{Distribution, SimDuration};
    /// let d = Distribution::lognormal_mean_sd(SimDuration::from_millis(4), SimDuration::from_millis(2)).unwrap();
    /// assert!((d.mean_nanos() - 4e6).abs() < 1.0);
    /// ```
    pub fn lognormal_mean_sd(
        mean: SimDuration,
        sd: SimDuration,
    ) -> Result<Distribution, DistributionError> {
        if mean.as_nanos() == 0 {
            return Err(DistributionError::LogNormalMoments { mean, sd });
        }
        let m = mean.as_nanos() as f64;
        let s = sd.as_nanos() as f64;
        let sigma2 = libm::log1p((s / m) * (s / m));
        let mu = libm::log(m) - sigma2 / 2.0;
        Ok(Distribution::LogNormal {
            mu,
            sigma: libm::sqrt(sigma2),
        })
    }

    /// A lognormal whose median is `p50` and whose 99th percentile is `p99`.
    pub fn lognormal_p50_p99(
        p50: SimDuration,
        p99: SimDuration,
    ) -> Result<Distribution, DistributionError> {
        if p50.as_nanos() == 0 || p99 < p50 {
            return Err(DistributionError::LogNormalQuantiles { p50, p99 });
        }
        let mu = libm::log(p50.as_nanos() as f64);
        let sigma = (libm::log(p99.as_nanos() as f64) - mu) / Z_99;
        Ok(Distribution::LogNormal { mu, sigma })
    }

    /// A mixture; weights must be non-negative and sum to 1 (within 1e-9).
    pub fn mixture(arms: Vec<MixtureArm>) -> Result<Distribution, DistributionError> {
        let sum: f64 = arms.iter().map(|a| a.weight).sum();
        if arms.is_empty()
            || arms.iter().any(|a| a.weight.is_nan() || a.weight < 0.0)
            || (sum - 1.0).abs() > 1e-9
        {
            return Err(DistributionError::MixtureWeights { sum });
        }
        Ok(Distribution::Mixture(arms))
    }

    /// A quantile table from measured points (see `quantiles`).
    pub fn quantiles(points: &[QuantilePoint]) -> Result<Distribution, DistributionError> {
        QuantileTable::new(points).map(Distribution::Quantiles)
    }

    /// The empirical distribution of measured values (see `empirical`).
    pub fn empirical(values: Vec<SimDuration>) -> Result<Distribution, DistributionError> {
        Samples::new(values).map(Distribution::Empirical)
    }

    /// A histogram from the lower bound of its first bucket and its buckets (see `empirical`).
    pub fn histogram(
        low: SimDuration,
        buckets: &[Bucket],
    ) -> Result<Distribution, DistributionError> {
        Buckets::new(low, buckets).map(Distribution::Histogram)
    }

    /// A bounded Pareto with shape `alpha` on `low..=high` (see `pareto`).
    pub fn pareto(
        alpha: f64,
        low: SimDuration,
        high: SimDuration,
    ) -> Result<Distribution, DistributionError> {
        Pareto::new(alpha, low, high).map(|p| Distribution::Pareto(Box::new(p)))
    }

    /// A hyperexponential: a mixture of exponentials, each `(weight, mean)` a phase.
    pub fn hyperexponential(
        phases: &[(f64, SimDuration)],
    ) -> Result<Distribution, DistributionError> {
        Distribution::mixture(
            phases
                .iter()
                .map(|&(weight, mean)| MixtureArm {
                    weight,
                    distribution: Distribution::Exponential { mean },
                })
                .collect(),
        )
    }

    /// An Erlang-k with the given mean: the sum of k exponential phases of mean `mean / k`,
    /// sampled as a gamma of shape k (see `gamma`).
    pub fn erlang(k: u32, mean: SimDuration) -> Result<Distribution, DistributionError> {
        Gamma::with_mean(f64::from(k), mean).map(|g| Distribution::Gamma(Box::new(g)))
    }

    /// Draws one duration.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        // A constant (zero network latency, above all) and an exponential (the usual service
        // time and arrival gap) need no call; every other kind goes through the out-of-line
        // `draw`.
        match self {
            Distribution::Constant(d) => *d,
            Distribution::Exponential { mean } => exponential(*mean, stream),
            _ => self.draw(stream),
        }
    }

    /// Fills `out` with draws, in order: the same numbers `sample` gives one at a time. A
    /// constant or an exponential decides its kind and converts its mean once for the whole
    /// slice (a batch of service times, `sim_core::Draws`), instead of once per draw.
    pub fn fill(&self, stream: &mut Stream, out: &mut [SimDuration]) {
        match self {
            Distribution::Constant(d) => out.fill(*d),
            Distribution::Exponential { mean } => {
                let mean = mean.as_nanos() as f64;
                for slot in out {
                    *slot = SimDuration::from_nanos_f64(stream.exponential(mean));
                }
            }
            _ => {
                for slot in out {
                    *slot = self.draw(stream);
                }
            }
        }
    }

    /// Draws one duration: `sample` without its inlined fast paths.
    #[inline(never)]
    fn draw(&self, stream: &mut Stream) -> SimDuration {
        match self {
            Distribution::Constant(d) => *d,
            Distribution::Uniform { low, high } => {
                SimDuration::from_nanos(stream.between(low.as_nanos(), high.as_nanos()))
            }
            Distribution::Exponential { mean } => exponential(*mean, stream),
            Distribution::LogNormal { mu, sigma } => {
                SimDuration::from_nanos_f64(libm::exp(mu + sigma * stream.standard_normal()))
            }
            Distribution::Quantiles(table) => table.sample(stream),
            Distribution::Empirical(samples) => samples.sample(stream),
            Distribution::Histogram(buckets) => buckets.sample(stream),
            Distribution::Pareto(pareto) => pareto.sample(stream),
            Distribution::Weibull(weibull) => weibull.sample(stream),
            Distribution::Gamma(gamma) => gamma.sample(stream),
            Distribution::Mixture(arms) => {
                let u = stream.unit();
                let mut cumulative = 0.0;
                for arm in arms {
                    cumulative += arm.weight;
                    if u < cumulative {
                        return arm.distribution.sample(stream);
                    }
                }
                // Rounding can leave the cumulative sum a hair below 1: use the last arm.
                arms.last()
                    .expect("validated mixtures are non-empty")
                    .distribution
                    .sample(stream)
            }
        }
    }

    /// The exact mean in nanoseconds.
    pub fn mean_nanos(&self) -> f64 {
        match self {
            Distribution::Constant(d) => d.as_nanos() as f64,
            Distribution::Uniform { low, high } => {
                (low.as_nanos() as f64 + high.as_nanos() as f64) / 2.0
            }
            Distribution::Exponential { mean } => mean.as_nanos() as f64,
            Distribution::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Distribution::Mixture(arms) => arms
                .iter()
                .map(|a| a.weight * a.distribution.mean_nanos())
                .sum(),
            Distribution::Quantiles(table) => table.moment_nanos(1),
            Distribution::Empirical(samples) => samples.mean_nanos(),
            Distribution::Histogram(buckets) => buckets.mean_nanos(),
            Distribution::Pareto(pareto) => pareto.moment_nanos(1),
            Distribution::Weibull(weibull) => weibull.moment_nanos(1),
            Distribution::Gamma(gamma) => gamma.moment_nanos(1),
        }
    }

    /// The exact second moment E(X²) in nanoseconds², for Pollaczek–Khinchine.
    pub fn second_moment_nanos(&self) -> f64 {
        match self {
            Distribution::Constant(d) => (d.as_nanos() as f64).powi(2),
            Distribution::Uniform { low, high } => {
                let (a, b) = (low.as_nanos() as f64, high.as_nanos() as f64);
                (a * a + a * b + b * b) / 3.0
            }
            Distribution::Exponential { mean } => 2.0 * (mean.as_nanos() as f64).powi(2),
            Distribution::LogNormal { mu, sigma } => libm::exp(2.0 * mu + 2.0 * sigma * sigma),
            Distribution::Mixture(arms) => arms
                .iter()
                .map(|a| a.weight * a.distribution.second_moment_nanos())
                .sum(),
            Distribution::Quantiles(table) => table.moment_nanos(2),
            Distribution::Empirical(samples) => samples.second_moment_nanos(),
            Distribution::Histogram(buckets) => buckets.second_moment_nanos(),
            Distribution::Pareto(pareto) => pareto.moment_nanos(2),
            Distribution::Weibull(weibull) => weibull.moment_nanos(2),
            Distribution::Gamma(gamma) => gamma.moment_nanos(2),
        }
    }

    /// The exact variance in nanoseconds²: `E(X²) − E(X)²`, never below 0.
    pub fn variance_nanos(&self) -> f64 {
        let mean = self.mean_nanos();
        (self.second_moment_nanos() - mean * mean).max(0.0)
    }
}

/// One exponential duration with the given mean.
#[inline]
fn exponential(mean: SimDuration, stream: &mut Stream) -> SimDuration {
    SimDuration::from_nanos_f64(stream.exponential(mean.as_nanos() as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean(d: &Distribution, n: usize) -> f64 {
        let mut s = Stream::new(21, "distribution");
        (0..n)
            .map(|_| d.sample(&mut s).as_nanos() as f64)
            .sum::<f64>()
            / n as f64
    }

    /// One distribution of every kind, with small parameters.
    fn every_kind() -> Vec<Distribution> {
        let ms = SimDuration::from_millis;
        vec![
            Distribution::Constant(ms(3)),
            Distribution::uniform(ms(1), ms(5)).unwrap(),
            Distribution::Exponential { mean: ms(2) },
            Distribution::lognormal_mean_sd(ms(4), ms(2)).unwrap(),
            Distribution::mixture(vec![
                MixtureArm {
                    weight: 0.99,
                    distribution: Distribution::Constant(ms(5)),
                },
                MixtureArm {
                    weight: 0.01,
                    distribution: Distribution::Constant(ms(1000)),
                },
            ])
            .unwrap(),
            Distribution::quantiles(&[
                QuantilePoint {
                    q: 0.5,
                    value: ms(3),
                },
                QuantilePoint {
                    q: 0.9,
                    value: ms(5),
                },
                QuantilePoint {
                    q: 1.0,
                    value: ms(9),
                },
            ])
            .unwrap(),
            Distribution::empirical(vec![ms(1), ms(2), ms(6)]).unwrap(),
            Distribution::histogram(
                ms(1),
                &[
                    Bucket {
                        le: ms(2),
                        count: 3,
                    },
                    Bucket {
                        le: ms(5),
                        count: 1,
                    },
                ],
            )
            .unwrap(),
            Distribution::pareto(2.5, ms(1), ms(100)).unwrap(),
            Distribution::Weibull(Weibull::new(0.8, ms(2)).unwrap()),
            Distribution::Gamma(Box::new(Gamma::new(0.5, ms(4)).unwrap())),
            Distribution::erlang(3, ms(3)).unwrap(),
            Distribution::hyperexponential(&[(0.9, ms(1)), (0.1, ms(10))]).unwrap(),
        ]
    }

    /// See: #19. A batch filled at once holds the numbers `sample` draws one at a time from
    /// the same stream, in order, for every kind (the fast paths and the general one), and
    /// leaves the stream where one-at-a-time drawing would.
    #[test]
    fn a_filled_batch_is_the_samples_in_order() {
        for d in every_kind() {
            let (mut batched, mut single) = (Stream::new(8, "fill"), Stream::new(8, "fill"));
            let mut batch = [SimDuration::ZERO; 33];
            for _ in 0..40 {
                d.fill(&mut batched, &mut batch);
                for &value in &batch {
                    assert_eq!(value, d.sample(&mut single), "{d:?}");
                }
            }
            assert_eq!(batched.next_u64(), single.next_u64(), "{d:?}");
        }
    }

    #[test]
    fn sample_means_match_exact_means() {
        let cases = every_kind();
        for d in &cases {
            let exact = d.mean_nanos();
            let got = sample_mean(d, 400_000);
            assert!(
                (got - exact).abs() / exact < 0.01,
                "{d:?}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn inlined_fast_paths_agree_with_the_general_draw() {
        // `sample` handles constants and exponentials itself: the same durations as `draw`,
        // from the same stream consumption (a constant draws nothing).
        let ms = SimDuration::from_millis;
        let cases = [
            Distribution::Constant(ms(3)),
            Distribution::Constant(SimDuration::ZERO),
            Distribution::Exponential { mean: ms(2) },
            Distribution::Exponential {
                mean: SimDuration::ZERO,
            },
            Distribution::uniform(ms(1), ms(5)).unwrap(),
        ];
        for d in &cases {
            let mut fast = Stream::new(23, "fast");
            let mut general = Stream::new(23, "fast");
            for _ in 0..1_000 {
                assert_eq!(d.sample(&mut fast), d.draw(&mut general), "{d:?}");
            }
            assert_eq!(
                fast.next_u64(),
                general.next_u64(),
                "{d:?}: same consumption"
            );
        }
        let mut untouched = Stream::new(23, "fast");
        let mut fresh = Stream::new(23, "fast");
        Distribution::Constant(ms(1)).sample(&mut untouched);
        assert_eq!(
            untouched.next_u64(),
            fresh.next_u64(),
            "a constant draws nothing"
        );
    }

    #[test]
    fn the_enum_stays_four_words() {
        // `sample` is on the hot path of every request: large kinds are boxed so that adding
        // them did not grow the enum (it was 32 bytes with the first five kinds).
        assert!(std::mem::size_of::<Distribution>() <= 32);
    }

    #[test]
    fn inverse_cdf_kinds_take_one_draw_per_sample() {
        let ms = SimDuration::from_millis;
        let cases = [
            Distribution::quantiles(&[
                QuantilePoint {
                    q: 0.5,
                    value: ms(3),
                },
                QuantilePoint {
                    q: 0.99,
                    value: ms(40),
                },
            ])
            .unwrap(),
            Distribution::empirical(vec![ms(1), ms(2), ms(6)]).unwrap(),
            Distribution::histogram(
                ms(0),
                &[Bucket {
                    le: ms(2),
                    count: 3,
                }],
            )
            .unwrap(),
            Distribution::pareto(1.5, ms(1), ms(100)).unwrap(),
            Distribution::Weibull(Weibull::new(0.5, ms(2)).unwrap()),
        ];
        for d in &cases {
            let mut sampled = Stream::new(24, "one");
            let mut counted = Stream::new(24, "one");
            for _ in 0..1_000 {
                d.sample(&mut sampled);
                counted.next_u64();
            }
            assert_eq!(sampled.next_u64(), counted.next_u64(), "{d:?}");
        }
    }

    #[test]
    fn marsaglia_tsang_accepts_about_95_percent_at_shape_1() {
        // Each attempt draws a normal (one 64-bit word in about 99% of ziggurat samples) and a
        // uniform for the test (two when 1 + cx ≤ 0), so 1,000 samples at shape 1 take about
        // 2,000 / 0.95 ≈ 2,110 draws.
        let gamma = Gamma::new(1.0, SimDuration::from_millis(1)).unwrap();
        let mut stream = Stream::new(25, "gamma");
        for _ in 0..1_000 {
            gamma.sample(&mut stream);
        }
        let mut draws = 0;
        let mut marker = Stream::new(25, "gamma");
        let after = stream.next_u64();
        while marker.next_u64() != after {
            draws += 1;
            assert!(draws < 10_000, "the stream never lined up");
        }
        assert!((2_000..2_250).contains(&draws), "{draws} draws");
    }

    #[test]
    fn lognormal_quantile_fit_hits_its_quantiles() {
        let d = Distribution::lognormal_p50_p99(
            SimDuration::from_millis(4),
            SimDuration::from_millis(20),
        )
        .unwrap();
        let mut s = Stream::new(22, "lognormal");
        let mut draws: Vec<u64> = (0..200_000).map(|_| d.sample(&mut s).as_nanos()).collect();
        draws.sort_unstable();
        let p50 = draws[100_000] as f64;
        let p99 = draws[198_000] as f64;
        assert!((p50 - 4e6).abs() / 4e6 < 0.01, "{p50}");
        assert!((p99 - 20e6).abs() / 20e6 < 0.03, "{p99}");
    }

    #[test]
    fn bad_parameters_are_refused() {
        let ms = SimDuration::from_millis;
        assert!(Distribution::uniform(ms(5), ms(1)).is_err());
        assert!(Distribution::lognormal_mean_sd(ms(0), ms(1)).is_err());
        assert!(Distribution::lognormal_p50_p99(ms(5), ms(1)).is_err());
        assert!(Distribution::mixture(vec![]).is_err());
        assert!(Distribution::mixture(vec![MixtureArm {
            weight: 0.5,
            distribution: Distribution::Constant(ms(1))
        }])
        .is_err());
    }
}
