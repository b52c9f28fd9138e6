//! Confidence intervals over per-seed results: the 95% Student-t interval of a mean, of a
//! paired difference, and the t quantile behind both.
//!
//! `faultline compare` runs each variant on the same seeds and gets one number per run and
//! metric. The runs of one variant are independent replications, so their mean has the
//! classic interval mean ± t(0.975, n−1)·s/√n (s the sample standard deviation, with n − 1 in
//! the denominator). Runs of two variants on the same seed share their random numbers, so the
//! difference is estimated from the per-seed differences (a paired t interval), which is much
//! tighter than two independent intervals when the variants are positively correlated.
//!
//! The t quantile inverts the regularized incomplete beta function:
//! P(T > t) = I_x(ν/2, 1/2) / 2 with x = ν/(ν + t²) (Abramowitz & Stegun 26.7.1 and 26.5.27),
//! evaluated by its continued fraction (Numerical Recipes, 3rd ed., §6.4, modified Lentz) and
//! solved for t by Newton's method kept inside a bisection bracket. One and two degrees of
//! freedom have closed forms. Every transcendental goes through `libm`, so the same inputs give
//! the same bits on every machine; `statrs` was not used because it calls the platform's math
//! library.
//!
//! This module owns numbers only: no JSON layout, no rendering, no choice of metrics.
//! Nothing here returns NaN or infinity for finite input (serde_json would print `null`).

use serde::Serialize;

/// Two-sided confidence level of every interval in this module.
pub const CONFIDENCE: f64 = 0.95;

/// A mean with its 95% Student-t confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    /// Sample mean; 0 when there are no samples.
    pub mean: f64,
    /// Half the interval's width; None when n < 2 (one sample says nothing about spread).
    pub half_width: Option<f64>,
    /// Number of samples.
    pub n: usize,
}

impl Interval {
    /// Lower end, `mean − half_width`; None when n < 2.
    pub fn low(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    /// Upper end, `mean + half_width`; None when n < 2.
    pub fn high(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }

    /// True when `low ≤ x ≤ high`; false when there is no interval (n < 2).
    pub fn contains(&self, x: f64) -> bool {
        match (self.low(), self.high()) {
            (Some(low), Some(high)) => low <= x && x <= high,
            _ => false,
        }
    }

    /// `half_width / |mean|`; None when n < 2 or the mean is 0.
    pub fn relative_half_width(&self) -> Option<f64> {
        if self.mean == 0.0 {
            return None;
        }
        self.half_width.map(|h| h / self.mean.abs())
    }

    /// True when the whole interval lies on one side of 0: for a paired difference, the
    /// difference is significant at the 5% level. False when n < 2.
    pub fn excludes_zero(&self) -> bool {
        match (self.low(), self.high()) {
            (Some(low), Some(high)) => low > 0.0 || high < 0.0,
            _ => false,
        }
    }

    /// The same interval with mean and half-width rounded to `digits` significant digits.
    pub fn rounded(&self, digits: u32) -> Interval {
        Interval {
            mean: round_sig(self.mean, digits),
            half_width: self.half_width.map(|h| round_sig(h, digits)),
            n: self.n,
        }
    }
}

/// The 95% interval of the mean of `samples`: mean ± t(0.975, n−1)·s/√n.
///
/// With no samples the mean is 0 and there is no half-width; with one, the mean is that
/// sample and there is no half-width. Panics if a sample is NaN or infinite: callers pass
/// measured numbers, and a non-finite one is a bug upstream.
///
/// ```
/// let i = reports::stats::interval(&[1.0, 2.0, 3.0]);
/// assert_eq!(i.mean, 2.0);
/// assert!((i.half_width.unwrap() - 2.484138).abs() < 1e-6);
/// ```
pub fn interval(samples: &[f64]) -> Interval {
    assert!(
        samples.iter().all(|x| x.is_finite()),
        "interval: every sample must be finite, got {samples:?}"
    );
    let n = samples.len();
    if n == 0 {
        return Interval {
            mean: 0.0,
            half_width: None,
            n,
        };
    }
    // Two passes (mean, then squared deviations) in slice order: accurate, and the same
    // sequence of operations on every machine.
    let mean = samples.iter().sum::<f64>() / n as f64;
    let half_width = (n >= 2).then(|| {
        let squares: f64 = samples.iter().map(|x| (x - mean) * (x - mean)).sum();
        let variance = squares / (n - 1) as f64;
        let quantile = t_quantile(0.5 + CONFIDENCE / 2.0, n - 1);
        quantile * libm::sqrt(variance / n as f64)
    });
    assert!(mean.is_finite(), "interval: the mean overflowed");
    assert!(
        half_width.is_none_or(f64::is_finite),
        "interval: the half-width overflowed"
    );
    Interval {
        mean,
        half_width,
        n,
    }
}

/// The 95% interval of the paired differences `treatment[i] − baseline[i]`.
///
/// The two slices should have the same length (one value per seed, in the same seed order);
/// if they do not, only the first `min(len)` pairs are used. Panics on non-finite values, as
/// `interval` does.
pub fn paired_difference(treatment: &[f64], baseline: &[f64]) -> Interval {
    let differences: Vec<f64> = treatment.iter().zip(baseline).map(|(t, b)| t - b).collect();
    interval(&differences)
}

/// The half-width of `a.mean − b.mean` if `a` and `b` were independent: √(h_a² + h_b²).
///
/// This is what a difference would cost without common random numbers; comparing it with
/// `paired_difference`'s half-width shows what pairing by seed gained. None when either has
/// no half-width.
pub fn independent_half_width(a: &Interval, b: &Interval) -> Option<f64> {
    Some(libm::sqrt(a.half_width?.powi(2) + b.half_width?.powi(2)))
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom.
///
/// Agrees with published tables, and with 12-digit reference values to 1e-10 relative, for
/// df ≤ 1000 (see the tests); at df = 10⁸ the error grows to about 1e-9, from cancellation
/// between log-gamma values. Panics unless 0 < p < 1 and df ≥ 1: these are programming errors, not input.
///
/// ```
/// let t = reports::stats::t_quantile(0.975, 9);
/// assert!((t - 2.262157).abs() < 1e-6);
/// ```
pub fn t_quantile(p: f64, df: usize) -> f64 {
    assert!(p > 0.0, "t_quantile: p must be in (0, 1), got {p}");
    assert!(p < 1.0, "t_quantile: p must be in (0, 1), got {p}");
    assert!(df >= 1, "t_quantile: df must be at least 1");
    if p == 0.5 {
        return 0.0;
    }
    // Work with the smaller tail q; 1 − p is exact for p ≥ 0.5 (Sterbenz), so no precision
    // is lost either side.
    let (q, sign) = if p > 0.5 { (1.0 - p, 1.0) } else { (p, -1.0) };
    let t = match df {
        // Cauchy: P(T > t) = 1/2 − atan(t)/π.
        1 => 1.0 / libm::tan(core::f64::consts::PI * q),
        // P(T > t) = (1 − t/√(2 + t²)) / 2, solved for t.
        2 => (1.0 - 2.0 * q) / libm::sqrt(2.0 * q * (1.0 - q)),
        _ => upper_quantile(q, df as f64),
    };
    sign * t
}

/// Rounds `x` to `digits` significant digits (≥ 1), for byte-stable, readable output.
///
/// Zero, non-finite values and values that would round past f64::MAX are returned as they
/// are; −0.0 becomes 0.0.
///
/// ```
/// use reports::stats::round_sig;
/// assert_eq!(round_sig(2.262157, 4), 2.262);
/// assert_eq!(round_sig(-123456.0, 2), -120000.0);
/// assert_eq!(round_sig(0.00012345, 3), 0.000123);
/// ```
pub fn round_sig(x: f64, digits: u32) -> f64 {
    assert!(digits >= 1, "round_sig: digits must be at least 1");
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { 0.0 } else { x };
    }
    // Rust's float formatting is exact and its parsing correctly rounded, on every platform,
    // so this yields the double nearest to the rounded decimal; scaling by a power of ten
    // would not (10^k is inexact for k > 22).
    let text = format!("{:.*e}", digits as usize - 1, x);
    let rounded: f64 = text.parse().expect("a formatted float parses");
    if rounded.is_finite() {
        rounded
    } else {
        // Rounding up near f64::MAX overflows; the value itself is the closest we have.
        x
    }
}

/// Newton steps allowed after bracketing; each at least halves the bracket or converges
/// quadratically, so 200 is far beyond the ~60 bisections that exhaust an f64.
const NEWTON_STEPS_MAX: usize = 200;

/// Doublings allowed while bracketing: 2^1100 exceeds f64::MAX, so any finite quantile is
/// bracketed before this.
const DOUBLINGS_MAX: usize = 1_100;

/// Continued-fraction terms allowed; convergence takes O(√max(a, b)) terms (Numerical
/// Recipes §6.4), about 3,000 at df = 10⁷.
const FRACTION_TERMS_MAX: usize = 100_000;

/// The t > 0 with P(T > t) = q, for 0 < q < 1/2 and df ≥ 3.
fn upper_quantile(q: f64, df: f64) -> f64 {
    // Bracket: tail(low) > q ≥ tail(high). tail(0) = 1/2 > q.
    let mut low = 0.0;
    let mut high = 1.0;
    let mut doublings = 0;
    while upper_tail(high, df) > q {
        low = high;
        high *= 2.0;
        doublings += 1;
        assert!(
            doublings <= DOUBLINGS_MAX,
            "t_quantile: no bracket for q = {q}"
        );
    }
    let mut t = 0.5 * (low + high);
    for _ in 0..NEWTON_STEPS_MAX {
        let excess = upper_tail(t, df) - q;
        if excess > 0.0 {
            low = t;
        } else {
            high = t;
        }
        // The tail falls with slope −density, so Newton's step is +excess/density.
        let newton = t + excess / density(t, df);
        let next = if newton > low && newton < high {
            newton
        } else {
            0.5 * (low + high)
        };
        if (next - t).abs() <= 4.0 * f64::EPSILON * t || high - low <= 4.0 * f64::EPSILON * high {
            return next;
        }
        t = next;
    }
    panic!("t_quantile: Newton's method did not converge for q = {q}, df = {df}");
}

/// P(T > t) for t ≥ 0: I_x(df/2, 1/2) / 2 with x = df/(df + t²).
fn upper_tail(t: f64, df: f64) -> f64 {
    let t2 = t * t;
    // Both x and 1 − x are computed directly, so neither suffers cancellation.
    let x = df / (df + t2);
    let y = t2 / (df + t2);
    0.5 * beta_regularized(0.5 * df, 0.5, x, y)
}

/// The density of Student's t with `df` degrees of freedom at t.
fn density(t: f64, df: f64) -> f64 {
    let log_norm = libm::lgamma(0.5 * (df + 1.0))
        - libm::lgamma(0.5 * df)
        - 0.5 * libm::log(df * core::f64::consts::PI);
    libm::exp(log_norm - 0.5 * (df + 1.0) * libm::log1p(t * t / df))
}

/// The regularized incomplete beta function I_x(a, b), given x and y = 1 − x.
fn beta_regularized(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let log_front = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b)
        + a * libm::log(x)
        + b * libm::log(y);
    let front = libm::exp(log_front);
    // The fraction converges fast for x < (a + 1)/(a + b + 2); past that, use the symmetry
    // I_x(a, b) = 1 − I_y(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, y) / b
    }
}

/// The continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes
/// `betacf`).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    // Stands in for an exact zero in a denominator, as Lentz's method prescribes.
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (sum, plus, minus) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - sum * x / plus);
    let mut h = d;
    for m in 1..=FRACTION_TERMS_MAX {
        let m = m as f64;
        let m2 = 2.0 * m;
        // Even step.
        let numerator = m * (b - m) * x / ((minus + m2) * (a + m2));
        d = 1.0 / guard(1.0 + numerator * d);
        c = guard(1.0 + numerator / c);
        h *= d * c;
        // Odd step.
        let numerator = -(a + m) * (sum + m) * x / ((a + m2) * (plus + m2));
        d = 1.0 / guard(1.0 + numerator * d);
        c = guard(1.0 + numerator / c);
        let delta = d * c;
        h *= delta;
        // A few ulps, not one: rounding can keep delta a hair off 1 after convergence.
        if (delta - 1.0).abs() <= 4.0 * f64::EPSILON {
            return h;
        }
    }
    panic!("beta_fraction: no convergence for a = {a}, b = {b}, x = {x}");
}

/// Rounds to `digits` decimal places (for stable, readable output).
pub fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    // `f64::round` is exact and platform-independent (not a libm transcendental).
    let rounded = (value * scale).round() / scale;
    if rounded == 0.0 {
        0.0 // Never print -0.0.
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(what: &str, got: f64, want: f64, tolerance: f64) {
        assert!(
            (got - want).abs() <= tolerance,
            "{what}: got {got}, want {want} ± {tolerance}"
        );
    }

    /// NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2, "Critical Values
    /// of the Student's t Distribution" (upper critical values, printed to 3 decimals, i.e.
    /// 4+ significant digits; the 0.975 and 0.995 quantiles are its 0.025 and 0.005 columns).
    /// df = 1000 is not in that table; its values are from Moore, McCabe & Craig,
    /// "Introduction to the Practice of Statistics", Table D (row 1000).
    const TABLE: [(usize, f64, f64); 9] = [
        (1, 12.706, 63.657),
        (2, 4.303, 9.925),
        (5, 2.571, 4.032),
        (9, 2.262, 3.250),
        (10, 2.228, 3.169),
        (29, 2.045, 2.756),
        (30, 2.042, 2.750),
        (100, 1.984, 2.626),
        (1000, 1.962, 2.581),
    ];

    #[test]
    fn t_quantile_matches_the_published_table() {
        for (df, q975, q995) in TABLE {
            // The table rounds to 3 decimals, so the exact value is within 0.0005.
            close(
                &format!("t(0.975, {df})"),
                t_quantile(0.975, df),
                q975,
                5e-4,
            );
            close(
                &format!("t(0.995, {df})"),
                t_quantile(0.995, df),
                q995,
                5e-4,
            );
        }
    }

    #[test]
    fn t_quantile_matches_high_precision_values() {
        // Computed to 30 digits with mpmath (bisection on betainc); 2.262157 is also the
        // value R's qt(0.975, 9) prints.
        let cases = [
            (0.975, 3, 3.18244630528),
            (0.975, 9, 2.2621571628),
            (0.995, 9, 3.24983554159),
            (0.975, 29, 2.04522964213),
            (0.9, 30, 1.31041502539),
            (0.975, 100, 1.98397151852),
            (0.975, 1000, 1.96233908083),
            (0.995, 1000, 2.58075469807),
            (0.975, 2, 4.30265272975),
            (0.995, 1, 63.6567411629),
        ];
        for (p, df, want) in cases {
            close(
                &format!("t({p}, {df})"),
                t_quantile(p, df),
                want,
                1e-9 * want,
            );
        }
    }

    #[test]
    fn t_quantile_is_symmetric_and_tends_to_the_normal() {
        for df in [1, 2, 3, 7, 50] {
            assert_eq!(t_quantile(0.5, df), 0.0);
            for p in [0.6, 0.9, 0.975, 0.999] {
                close(
                    "symmetry",
                    t_quantile(1.0 - p, df),
                    -t_quantile(p, df),
                    1e-9,
                );
            }
        }
        // z(0.975) = 1.959964 (the normal quantile); t approaches it from above as df grows.
        let large = t_quantile(0.975, 10_000_000);
        close("t(0.975, 1e7)", large, 1.959964, 1e-6);
        assert!(t_quantile(0.975, 1_000_000) > large);
    }

    #[test]
    fn t_quantile_in_the_far_tail() {
        // P(T > t) for df = 3 is 1/2 − (θ + sinθ·cosθ)/π with θ = atan(t/√3) (A&S 26.7.3);
        // check the inversion there at q = 1e-10.
        let t = t_quantile(1.0 - 1e-10, 3);
        let theta = libm::atan(t / libm::sqrt(3.0));
        let tail = 0.5 - (theta + libm::sin(theta) * libm::cos(theta)) / core::f64::consts::PI;
        close("tail at the 1 − 1e-10 quantile", tail, 1e-10, 1e-15);
    }

    #[test]
    fn interval_of_a_hand_computed_sample() {
        // Samples 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, s² = 32/7,
        // s/√n = √(4/7) = 0.755929, t(0.975, 7) = 2.364624, half-width 1.787488.
        let i = interval(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(i.n, 8);
        assert_eq!(i.mean, 5.0);
        close("half-width", i.half_width.unwrap(), 1.787488, 1e-6);
        close("low", i.low().unwrap(), 5.0 - 1.787488, 1e-6);
        close("high", i.high().unwrap(), 5.0 + 1.787488, 1e-6);
        assert!(i.contains(5.0) && i.contains(3.3) && !i.contains(3.2) && !i.contains(6.8));
        close(
            "relative",
            i.relative_half_width().unwrap(),
            1.787488 / 5.0,
            1e-6,
        );
        assert!(i.excludes_zero());
    }

    #[test]
    fn interval_of_two_samples_uses_twelve_point_seven() {
        // n = 2: s = |a − b|/√2, s/√2 = |a − b|/2 = 1, times t(0.975, 1) = 12.706205.
        let i = interval(&[9.0, 11.0]);
        assert_eq!(i.mean, 10.0);
        close("half-width", i.half_width.unwrap(), 12.706205, 1e-6);
        assert!(!i.excludes_zero());
    }

    #[test]
    fn interval_edge_cases_are_finite() {
        let empty = interval(&[]);
        assert_eq!(
            empty,
            Interval {
                mean: 0.0,
                half_width: None,
                n: 0
            }
        );
        assert_eq!((empty.low(), empty.high()), (None, None));
        assert!(!empty.contains(0.0));
        assert!(!empty.excludes_zero());
        assert_eq!(empty.relative_half_width(), None);

        let one = interval(&[3.5]);
        assert_eq!((one.mean, one.half_width, one.n), (3.5, None, 1));
        assert!(!one.contains(3.5));
        assert_eq!(one.relative_half_width(), None);

        // Identical samples: a zero-width interval, which excludes 0 unless the mean is 0.
        let constant = interval(&[2.0, 2.0, 2.0]);
        assert_eq!(constant.half_width, Some(0.0));
        assert!(constant.contains(2.0) && constant.excludes_zero());
        let zeros = interval(&[0.0, 0.0]);
        assert!(!zeros.excludes_zero());
        assert_eq!(zeros.relative_half_width(), None);

        for i in [empty, one, constant, zeros] {
            assert!(i.mean.is_finite() && i.half_width.is_none_or(f64::is_finite));
        }
        assert_eq!(
            serde_json::to_string(&empty).unwrap(),
            r#"{"mean":0.0,"half_width":null,"n":0}"#
        );
    }

    #[test]
    fn interval_refuses_non_finite_samples() {
        for bad in [f64::NAN, f64::INFINITY] {
            let outcome = std::panic::catch_unwind(|| interval(&[1.0, bad]));
            assert!(outcome.is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn paired_difference_of_hand_computed_pairs() {
        // Differences 1, 2, 3, 2: mean 2, s² = 2/3, s/√4 = 0.408248, t(0.975, 3) = 3.182446,
        // half-width 1.299228: significant.
        let treatment = [11.0, 22.0, 33.0, 42.0];
        let baseline = [10.0, 20.0, 30.0, 40.0];
        let d = paired_difference(&treatment, &baseline);
        assert_eq!((d.mean, d.n), (2.0, 4));
        close("half-width", d.half_width.unwrap(), 1.299228, 1e-6);
        assert!(d.excludes_zero());
        // The unpaired intervals overlap widely: pairing is what shows the difference.
        let (a, b) = (interval(&treatment), interval(&baseline));
        assert!(a.low().unwrap() < b.high().unwrap());

        // Without pairing, the same numbers give a half-width of about 30: no signal at all.
        let unpaired = independent_half_width(&a, &b).unwrap();
        assert!(unpaired > 20.0 * d.half_width.unwrap(), "{unpaired}");
        assert_eq!(independent_half_width(&a, &interval(&[1.0])), None);

        // Differences straddling 0 are not significant.
        let d = paired_difference(&[1.0, -1.0, 2.0], &[0.0, 0.0, 0.0]);
        assert!(!d.excludes_zero());
        assert!(d.contains(0.0));
    }

    #[test]
    fn paired_difference_uses_the_shorter_length() {
        let d = paired_difference(&[5.0, 6.0, 7.0], &[1.0, 2.0]);
        assert_eq!((d.mean, d.n, d.half_width), (4.0, 2, Some(0.0)));
        assert_eq!(paired_difference(&[], &[1.0]).n, 0);
    }

    #[test]
    fn round_sig_rounds_to_significant_digits() {
        assert_eq!(round_sig(2.2621571628, 4), 2.262);
        assert_eq!(round_sig(1000.0, 2), 1000.0);
        assert_eq!(round_sig(999.96, 4), 1000.0);
        assert_eq!(round_sig(0.001, 3), 0.001);
        assert_eq!(round_sig(-0.000123456, 2), -0.00012);
        assert_eq!(round_sig(123456789.0, 3), 123000000.0);
        assert_eq!(round_sig(-1e-30, 1), -1e-30);
        assert_eq!(round_sig(0.0, 3), 0.0);
        assert_eq!(round_sig(-0.0, 3).to_bits(), 0.0f64.to_bits());
        assert_eq!(round_sig(f64::MIN_POSITIVE, 3), 2.23e-308);
        assert_eq!(round_sig(1e-30 / 3.0, 2), 3.3e-31);
        assert_eq!(round_sig(f64::MAX, 3), f64::MAX);
        let i = Interval {
            mean: 2.0004,
            half_width: Some(0.012345),
            n: 5,
        };
        assert_eq!(i.rounded(3).mean, 2.0);
        assert_eq!(i.rounded(3).half_width, Some(0.0123));
    }
}
