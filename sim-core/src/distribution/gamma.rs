//! `Gamma`: the gamma distribution, and with a whole shape k the Erlang-k (the sum of k
//! exponential phases).
//!
//! With shape α and scale θ, `E[X] = αθ` and `E[X²] = α(α + 1)θ²`.
//!
//! # Sampling
//!
//! Marsaglia & Tsang, "A simple method for generating gamma variables", ACM Transactions on
//! Mathematical Software 26(3), 2000, pp. 363–372. For α ≥ 1, with `d = α − 1/3` and
//! `c = 1/√(9d)`, repeat:
//! 1. draw a standard normal `x` (`Stream::standard_normal`, the Box–Muller draw the
//!    lognormal uses: two uniforms) and set `v = (1 + cx)³`; if `1 + cx ≤ 0`, start again;
//! 2. draw a uniform `u` in `(0, 1]`; accept `dv` if `u < 1 − 0.0331 x⁴` (the squeeze) or
//!    `ln u < x²/2 + d(1 − v + ln v)`.
//!
//! An attempt takes two or three uniform draws; about 95% of attempts are accepted at α = 1
//! and more as α grows (a unit test counts them), so a sample takes about three draws. For α < 1
//! the paper's boost applies: a gamma(α + 1) sample times `U^(1/α)`, with one more uniform
//! `U` in `(0, 1]`. Every function is `libm`'s.

use crate::rng::Stream;
use crate::time::SimDuration;

use super::DistributionError;

/// A gamma distribution (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Gamma {
    shape: f64,
    /// θ, in nanoseconds.
    scale: f64,
    /// Marsaglia–Tsang's `d = a − 1/3`, with `a = shape`, or `shape + 1` when boosted.
    d: f64,
    /// Marsaglia–Tsang's `c = 1/√(9d)`.
    c: f64,
}

/// The smallest shape: below it nearly every draw rounds to 0 ns while a rare one carries
/// the mean, which no run would show.
pub const GAMMA_SHAPE_MIN: f64 = 0.01;

/// The largest shape: at 10^6 the coefficient of variation is 0.1%; larger is a typo.
pub const GAMMA_SHAPE_MAX: f64 = 1e6;

/// Attempts before giving up: each is accepted with probability above 0.95, so 1,000
/// rejections in a row (probability below 10^-1300) means a broken generator.
const ATTEMPTS_MAX: u32 = 1_000;

impl Gamma {
    /// Shape α in `GAMMA_SHAPE_MIN..=GAMMA_SHAPE_MAX` and scale θ > 0.
    ///
    /// ```
    /// use sim_core::distribution::Gamma;
    /// use sim_core::SimDuration;
    /// let g = Gamma::new(2.0, SimDuration::from_millis(1)).unwrap();
    /// assert!((g.moment_nanos(1) - 2e6).abs() < 1e-3);
    /// ```
    pub fn new(shape: f64, scale: SimDuration) -> Result<Gamma, DistributionError> {
        if !(GAMMA_SHAPE_MIN..=GAMMA_SHAPE_MAX).contains(&shape) {
            return Err(DistributionError::GammaShape { shape });
        }
        if scale == SimDuration::ZERO {
            return Err(DistributionError::ScaleZero);
        }
        let a = if shape < 1.0 { shape + 1.0 } else { shape };
        let d = a - 1.0 / 3.0;
        Ok(Gamma {
            shape,
            scale: scale.as_nanos() as f64,
            d,
            c: 1.0 / libm::sqrt(9.0 * d),
        })
    }

    /// The gamma with this shape whose mean is `mean`: θ = mean / α.
    pub fn with_mean(shape: f64, mean: SimDuration) -> Result<Gamma, DistributionError> {
        let checked = Gamma::new(shape, mean)?;
        Ok(Gamma {
            scale: checked.scale / shape,
            ..checked
        })
    }

    /// The shape α.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// One draw (see the module doc).
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        let mut g = self.standard(stream);
        if self.shape < 1.0 {
            g *= libm::pow(stream.unit_open_zero(), 1.0 / self.shape);
        }
        SimDuration::from_nanos_f64(g * self.scale)
    }

    /// A gamma(a, 1) draw by Marsaglia–Tsang, with a = `d + 1/3`.
    fn standard(&self, stream: &mut Stream) -> f64 {
        let (d, c) = (self.d, self.c);
        for _ in 0..ATTEMPTS_MAX {
            let x = stream.standard_normal();
            let root = 1.0 + c * x;
            if root <= 0.0 {
                continue;
            }
            let v = root * root * root;
            let u = stream.unit_open_zero();
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || libm::log(u) < 0.5 * x2 + d * (1.0 - v + libm::log(v))
            {
                return d * v;
            }
        }
        panic!("Marsaglia–Tsang rejected {ATTEMPTS_MAX} attempts in a row: the stream is broken")
    }

    /// The exact `E[X^m]` in nanoseconds^m, m ≥ 0: `θ^m α(α + 1)…(α + m − 1)`.
    pub fn moment_nanos(&self, m: i32) -> f64 {
        (0..m)
            .map(|j| (self.shape + f64::from(j)) * self.scale)
            .product()
    }
}
