//! `Pareto`: the bounded Pareto distribution, a power-law tail cut at a largest value.
//!
//! With shape α > 0 and bounds 0 < L < H, the CDF on `[L, H]` is
//! `F(x) = (1 − (L/x)^α) / (1 − (L/H)^α)` (Harchol-Balter, "Performance Modeling and Design
//! of Computer Systems", 2013, §20.1). The bound matters: an unbounded Pareto with α ≤ 2 has
//! an infinite variance, so Pollaczek–Khinchine's mean wait would be infinite and a finite
//! run would report whatever its largest draw happened to be.
//!
//! Sampling inverts the CDF with one uniform `u` in `[0, 1)`:
//! `x = L · (1 − u·c)^(−1/α)` with `c = 1 − (L/H)^α`, computed as
//! `L · exp(−log1p(−u·c) / α)` and `c = −expm1(α ln(L/H))` so that neither loses digits.
//!
//! Moments, with `r = H/L`:
//! `E[X^m] = L^m · α / c · (r^(m−α) − 1) / (m − α)`, and `L^m · α / c · ln r` when m = α;
//! `(r^(m−α) − 1)/(m − α)` is computed as `ln r · h((m − α) ln r)` with `h(t) = expm1(t)/t`,
//! which covers both cases and stays exact near m = α.

use crate::rng::Stream;
use crate::time::SimDuration;

use super::quantiles::expm1_over;
use super::{DistributionError, SAMPLE_NANOS_MAX};

/// A bounded Pareto distribution (see the module doc).
#[derive(Clone, Debug, PartialEq)]
pub struct Pareto {
    alpha: f64,
    /// L, in nanoseconds.
    low: f64,
    /// H, in nanoseconds.
    high: f64,
    /// `c = 1 − (L/H)^α`, the mass a Pareto on `[L, ∞)` puts below H.
    mass: f64,
}

impl Pareto {
    /// Shape `alpha` > 0 on `low..=high` with 0 < low < high.
    ///
    /// ```
    /// use sim_core::distribution::Pareto;
    /// use sim_core::SimDuration;
    /// let p = Pareto::new(1.5, SimDuration::from_millis(1), SimDuration::from_secs(10)).unwrap();
    /// assert!((p.quantile_nanos(0.0) - 1e6).abs() < 1e-6);
    /// ```
    pub fn new(
        alpha: f64,
        low: SimDuration,
        high: SimDuration,
    ) -> Result<Pareto, DistributionError> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(DistributionError::ParetoShape { alpha });
        }
        if low == SimDuration::ZERO || high <= low || high.as_nanos() as f64 > SAMPLE_NANOS_MAX {
            return Err(DistributionError::ParetoBounds { low, high });
        }
        let (low, high) = (low.as_nanos() as f64, high.as_nanos() as f64);
        let mass = -libm::expm1(alpha * libm::log(low / high));
        Ok(Pareto {
            alpha,
            low,
            high,
            mass,
        })
    }

    /// The inverse CDF in nanoseconds, for `u` in `0..=1`.
    pub fn quantile_nanos(&self, u: f64) -> f64 {
        assert!(
            (0.0..=1.0).contains(&u),
            "a quantile's probability is in 0..=1"
        );
        // At u = 1 the formula gives H up to rounding; clamp so it never exceeds it.
        (self.low * libm::exp(-libm::log1p(-u * self.mass) / self.alpha)).min(self.high)
    }

    /// One draw: the inverse CDF at one uniform `u` in `[0, 1)`.
    #[inline]
    pub fn sample(&self, stream: &mut Stream) -> SimDuration {
        SimDuration::from_nanos_f64(self.quantile_nanos(stream.unit()))
    }

    /// The exact `E[X^m]` in nanoseconds^m (see the module doc).
    pub fn moment_nanos(&self, m: i32) -> f64 {
        let ln_ratio = libm::log(self.high / self.low);
        let m = f64::from(m);
        libm::pow(self.low, m) * self.alpha / self.mass
            * ln_ratio
            * expm1_over((m - self.alpha) * ln_ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_textbook_formula() {
        // α = 1.5, L = 1, H = 100 (units cancel): E[X] = α/(1 − (L/H)^α) · L^α (L^(1−α) −
        // H^(1−α)) / (α − 1) = 1.5/(1 − 0.001) · (1 − 0.1) / 0.5.
        let p = Pareto::new(
            1.5,
            SimDuration::from_nanos(1),
            SimDuration::from_nanos(100),
        )
        .unwrap();
        let mean = 1.5 / 0.999 * 0.9 / 0.5;
        assert!((p.moment_nanos(1) - mean).abs() / mean < 1e-12);
        // E[X²] = α/(1 − 0.001) · (H^(2−α) − L^(2−α)) / (2 − α) = 1.5/0.999 · 9/0.5.
        let second = 1.5 / 0.999 * 9.0 / 0.5;
        assert!((p.moment_nanos(2) - second).abs() / second < 1e-12);
        // m = α: E[X^α]… with α = 2, E[X²] = α/(1 − (L/H)^2) · ln(H/L).
        let q = Pareto::new(
            2.0,
            SimDuration::from_nanos(1),
            SimDuration::from_nanos(100),
        )
        .unwrap();
        let at_alpha = 2.0 / (1.0 - 1e-4) * libm::log(100.0);
        assert!((q.moment_nanos(2) - at_alpha).abs() / at_alpha < 1e-12);
    }

    #[test]
    fn quantiles_invert_the_cdf() {
        let p = Pareto::new(1.2, SimDuration::from_millis(1), SimDuration::from_secs(1)).unwrap();
        for u in [0.1, 0.5, 0.9, 0.99, 0.999] {
            let x = p.quantile_nanos(u);
            let cdf = (1.0 - libm::pow(1e6 / x, 1.2)) / (1.0 - libm::pow(1e-3, 1.2));
            assert!((cdf - u).abs() < 1e-12, "{u}: {cdf}");
        }
        assert!(p.quantile_nanos(1.0) <= 1e9);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let ms = SimDuration::from_millis;
        assert!(Pareto::new(0.0, ms(1), ms(2)).is_err());
        assert!(Pareto::new(f64::NAN, ms(1), ms(2)).is_err());
        assert!(Pareto::new(1.0, ms(0), ms(2)).is_err());
        assert!(Pareto::new(1.0, ms(2), ms(2)).is_err());
    }
}
