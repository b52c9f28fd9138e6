//! A per-second series over seeds: the median seed's value and the 10th–90th percentile band.
//!
//! The mean of a time series over seeds can draw a curve no seed ever followed (five seeds
//! that recover to 600 req/s and five stuck at 95 average to a plateau near 350). So the line
//! of a time-series chart is the *lower median* at each second — the ⌈n/2⌉-th smallest value,
//! which is always some seed's own value — and a band shows the 10th to 90th percentile
//! (linear interpolation between order statistics, Hyndman & Fan 1996 type 7) so the spread
//! across seeds is visible. Seeds with no value in a second (NaN: a latency quantile of a
//! second with no success) are left out of that second; a second where no seed has a value is
//! NaN, a gap in the chart.

/// Lower edge of the band, as a quantile over seeds.
pub const BAND_LOW: f64 = 0.1;
/// Upper edge of the band, as a quantile over seeds.
pub const BAND_HIGH: f64 = 0.9;

/// One variant's per-second series summarized over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// The variant.
    pub variant: String,
    /// The variant's position in the comparison (its colour in every chart).
    pub index: usize,
    /// The lower median over seeds of each row (row i covers `i × interval_s` to
    /// `(i + 1) × interval_s` seconds).
    pub median: Vec<f64>,
    /// The 10th percentile over seeds of each second.
    pub low: Vec<f64>,
    /// The 90th percentile over seeds of each second.
    pub high: Vec<f64>,
    /// How many seeds the series has.
    pub seeds: usize,
    /// The width of a row in seconds (1 for runs up to 2,000 s).
    pub interval_s: f64,
}

/// Summarizes `per_seed` (one series per seed, possibly of different lengths) second by second,
/// for variant number `index` named `variant`.
pub fn spread((index, variant): (usize, &str), per_seed: &[Vec<f64>]) -> Spread {
    let length = per_seed.iter().map(Vec::len).max().unwrap_or(0);
    let mut median = Vec::with_capacity(length);
    let mut low = Vec::with_capacity(length);
    let mut high = Vec::with_capacity(length);
    let mut values: Vec<f64> = Vec::with_capacity(per_seed.len());
    for second in 0..length {
        values.clear();
        values.extend(
            per_seed
                .iter()
                .filter_map(|series| series.get(second).copied())
                .filter(|v| v.is_finite()),
        );
        values.sort_by(f64::total_cmp);
        median.push(lower_median(&values));
        low.push(quantile(&values, BAND_LOW));
        high.push(quantile(&values, BAND_HIGH));
    }
    Spread {
        variant: variant.to_string(),
        index,
        median,
        low,
        high,
        seeds: per_seed.len(),
        // Rows of a second unless the caller says otherwise (`Comparison::series` does).
        interval_s: 1.0,
    }
}

/// The ⌈n/2⌉-th smallest of sorted `values` (NaN when empty).
fn lower_median(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[(sorted.len() - 1) / 2]
}

/// The `q` quantile of sorted `values` by linear interpolation (type 7; NaN when empty).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let position = q * (n - 1) as f64;
            let below = position.floor() as usize;
            let above = (below + 1).min(n - 1);
            let fraction = position - below as f64;
            sorted[below] + (sorted[above] - sorted[below]) * fraction
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_of_a_split_is_a_seed_s_own_value_and_the_band_spans_both_groups() {
        let mut per_seed = vec![vec![600.0]; 5];
        per_seed.extend(vec![vec![95.0]; 5]);
        let s = spread((3, "deadline"), &per_seed);
        assert_eq!(s.median, vec![95.0], "never the 347.5 no seed had");
        assert_eq!(s.low, vec![95.0]);
        assert_eq!(s.high, vec![600.0]);
        assert_eq!(s.seeds, 10);
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let per_seed: Vec<Vec<f64>> = (1..=11).map(|v| vec![f64::from(v)]).collect();
        let s = spread((0, "a"), &per_seed);
        assert_eq!(s.median, vec![6.0]);
        assert!((s.low[0] - 2.0).abs() < 1e-12);
        assert!((s.high[0] - 10.0).abs() < 1e-12);
    }

    #[test]
    fn seconds_without_a_value_leave_gaps() {
        let per_seed = vec![vec![1.0, f64::NAN, 3.0], vec![2.0, f64::NAN]];
        let s = spread((0, "a"), &per_seed);
        assert_eq!(s.median[0], 1.0);
        assert!(s.median[1].is_nan() && s.low[1].is_nan() && s.high[1].is_nan());
        assert_eq!(
            s.median[2], 3.0,
            "a shorter seed is left out of later seconds"
        );
    }
}
