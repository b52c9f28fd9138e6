//! `Weibull`: a stretched exponential, heavy-tailed when its shape is below 1.
//!
//! With shape k and scale λ the CDF is `F(x) = 1 − exp(−(x/λ)^k)`. Sampling inverts it with
//! one uniform `U` in `(0, 1]`: `x = λ · (−ln U)^(1/k)` (`1 − U` is as uniform as `U`, and
//! `(0, 1]` keeps the logarithm finite). Moments: `E[X] = λ Γ(1 + 1/k)`,
//! `E[X²] = λ² Γ(1 + 2/k)` (Johnson, Kotz & Balakrishnan, "Continuous Univariate
//! Distributions", vol. 1, 2nd ed., 1994, ch. 21), with `libm::tgamma`.

use crate::rng::Stream;
use crate::time::SimDuration;

use super::DistributionError;

/// A Weibull distribution (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Weibull {
    /// λ, in nanoseconds.
    scale: f64,
    /// 1/k.
    shape_inverse: f64,
}

/// The smallest shape: below it the second moment (Γ(1 + 2/k)) comes from draws rarer than
/// a 53-bit uniform can make, so no run could show it.
pub const WEIBULL_SHAPE_MIN: f64 = 0.1;

/// The largest shape: at 100 the coefficient of variation is 1.3%, a constant in all but name.
pub const WEIBULL_SHAPE_MAX: f64 = 100.0;

impl Weibull {
    /// Shape k in `WEIBULL_SHAPE_MIN..=WEIBULL_SHAPE_MAX` and scale λ > 0.
    ///
    /// ```
    /// use sim_core::distribution::Weibull;
    /// use sim_core::SimDuration;
    /// // Shape 1 is the exponential.
    /// let w = Weibull::new(1.0, SimDuration::from_millis(2)).unwrap();
    /// assert!((w.moment_nanos(1) - 2e6).abs() < 1e-3);
    /// ```
    pub fn new(shape: f64, scale: SimDuration) -> Result<Weibull, DistributionError> {
        if !(WEIBULL_SHAPE_MIN..=WEIBULL_SHAPE_MAX).contains(&shape) {
            return Err(DistributionError::WeibullShape { shape });
        }
        if scale == SimDuration::ZERO {
            return Err(DistributionError::ScaleZero);
        }
        Ok(Weibull {
            scale: scale.as_nanos() as f64,
            shape_inverse: 1.0 / shape,
        })
    }

    /// The Weibull with this shape whose mean is `mean`: λ = mean / Γ(1 + 1/k).
    pub fn with_mean(shape: f64, mean: SimDuration) -> Result<Weibull, DistributionError> {
        let checked = Weibull::new(shape, mean)?;
        Ok(Weibull {
            scale: checked.scale / libm::tgamma(1.0 + checked.shape_inverse),
            ..checked
        })
    }

    /// The inverse CDF in nanoseconds, for `u` in `0..=1` (infinite at 1).
    pub fn quantile_nanos(&self, u: f64) -> f64 {
        assert!(
            (0.0..=1.0).contains(&u),
            "a quantile's probability is in 0..=1"
        );
        self.scale * libm::pow(-libm::log1p(-u), self.shape_inverse)
    }

    /// One draw (see the module doc).
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        let u = stream.unit_open_zero();
        SimDuration::from_nanos_f64(self.scale * libm::pow(-libm::log(u), self.shape_inverse))
    }

    /// The exact `E[X^m]` in nanoseconds^m: `λ^m Γ(1 + m/k)`.
    pub fn moment_nanos(&self, m: i32) -> f64 {
        let m = f64::from(m);
        libm::pow(self.scale, m) * libm::tgamma(1.0 + m * self.shape_inverse)
    }
}
