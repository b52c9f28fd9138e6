//! Distributions of durations: service times, network latencies, think times.
//!
//! A `Distribution` is already validated (its constructors check their arguments); sampling
//! draws from a caller-owned `Stream` and uses `libm` only, so a seed gives the same durations
//! on every platform. Moments (`mean`, `second_moment`) are exact where a closed form exists;
//! they feed theory checks and `explain`, never the simulation itself.

use crate::rng::Stream;
use crate::time::SimDuration;

/// The standard normal quantile at 0.99, Φ⁻¹(0.99), used to fit a lognormal to (p50, p99).
pub const Z_99: f64 = 2.326_347_874_040_841;

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
        }
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

    #[test]
    fn sample_means_match_exact_means() {
        let ms = SimDuration::from_millis;
        let cases = [
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
        ];
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
