//! Split outcomes: seeds of one variant that fall into two separate groups.
//!
//! A metastable system can end a run in one of two states (recovered, or stuck in a retry
//! storm) depending on the luck of the seed. Then the mean over seeds describes no seed at all
//! ("350 req/s" when five seeds serve 600 and five serve 95), and its interval is wide for the
//! wrong reason. This module finds such splits so the report can say them in words.
//!
//! The rule is a two-cluster check over the per-seed values (one dimension, so the best split
//! into a lower and an upper group is exact: sort, and try every cut, keeping the one with the
//! least within-group sum of squares — Fisher's 1958 "exact optimization" / Jenks natural
//! breaks for two classes). The cut is a split outcome when:
//! - there are at least `SEEDS_MIN` seeds, and each group has at least one seed (two when
//!   there are fewer than 6 seeds, so that 1 odd seed of 4 is not called a split);
//! - the gap between the groups (upper minimum − lower maximum) exceeds `GAP_SDS` pooled
//!   within-group standard deviations (√(SS_within / (n − 2))), which samples from one normal
//!   law almost never do;
//! - and the gap is material: at least `GAP_RELATIVE_MIN` of the larger group mean's magnitude,
//!   so that two tight clusters 0.1% apart are not reported.

use serde::Serialize;

/// Fewest seeds for which a split is looked for.
pub const SEEDS_MIN: usize = 4;
/// How many pooled within-group standard deviations the gap must exceed.
pub const GAP_SDS: f64 = 4.0;
/// The smallest gap worth reporting, relative to the larger group mean's magnitude.
pub const GAP_RELATIVE_MIN: f64 = 0.1;

/// Two groups of seeds whose values are far apart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Split {
    /// The seeds in the lower group, in seed order.
    pub lower_seeds: Vec<u64>,
    /// The mean of the lower group.
    pub lower_mean: f64,
    /// The seeds in the upper group, in seed order.
    pub upper_seeds: Vec<u64>,
    /// The mean of the upper group.
    pub upper_mean: f64,
}

/// The split of `values` (one per seed, `None` for a seed where the value is undefined, which
/// is left out), if there is one by the rule in the module doc.
pub fn find(seeds: &[u64], values: &[Option<f64>]) -> Option<Split> {
    let mut points: Vec<(f64, u64)> = seeds
        .iter()
        .zip(values)
        .filter_map(|(&seed, value)| value.filter(|v| v.is_finite()).map(|v| (v, seed)))
        .collect();
    let n = points.len();
    if n < SEEDS_MIN {
        return None;
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let group_min = if n < 6 { 2 } else { 1 };
    let (cut, within) = (group_min..=n - group_min)
        .map(|cut| {
            let (lower, upper) = points.split_at(cut);
            (cut, squares(lower) + squares(upper))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let (lower, upper) = points.split_at(cut);
    let gap = upper[0].0 - lower[lower.len() - 1].0;
    let pooled_sd = libm::sqrt(within / (n - 2) as f64);
    let (lower_mean, upper_mean) = (mean(lower), mean(upper));
    let scale = lower_mean.abs().max(upper_mean.abs());
    let material = gap >= GAP_RELATIVE_MIN * scale && gap > 0.0;
    if !(material && gap > GAP_SDS * pooled_sd) {
        return None;
    }
    let seeds_of = |group: &[(f64, u64)]| {
        let mut seeds: Vec<u64> = group.iter().map(|p| p.1).collect();
        seeds.sort_unstable();
        seeds
    };
    Some(Split {
        lower_seeds: seeds_of(lower),
        lower_mean,
        upper_seeds: seeds_of(upper),
        upper_mean,
    })
}

/// The sum of squared deviations from the group's mean.
fn squares(group: &[(f64, u64)]) -> f64 {
    let m = mean(group);
    group.iter().map(|p| (p.0 - m) * (p.0 - m)).sum()
}

/// The mean of a non-empty group.
fn mean(group: &[(f64, u64)]) -> f64 {
    group.iter().map(|p| p.0).sum::<f64>() / group.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeds(n: u64) -> Vec<u64> {
        (1..=n).collect()
    }

    #[test]
    fn five_recovered_and_five_stuck_seeds_are_a_split() {
        // The retry-storm `deadline` variant of issue #13: five seeds near 600, five near 95.
        let values = [
            601.0, 95.2, 598.7, 94.1, 602.3, 96.8, 600.1, 93.9, 599.5, 95.5,
        ];
        let values: Vec<Option<f64>> = values.iter().map(|&v| Some(v)).collect();
        let split = find(&seeds(10), &values).expect("a split");
        assert_eq!(split.lower_seeds, vec![2, 4, 6, 8, 10]);
        assert_eq!(split.upper_seeds, vec![1, 3, 5, 7, 9]);
        assert!((split.lower_mean - 95.1).abs() < 0.01, "{split:?}");
        assert!((split.upper_mean - 600.32).abs() < 0.01, "{split:?}");
    }

    #[test]
    fn one_stuck_seed_of_ten_is_a_split() {
        let mut values: Vec<Option<f64>> = (0..10).map(|i| Some(600.0 + f64::from(i))).collect();
        values[3] = Some(90.0);
        let split = find(&seeds(10), &values).expect("a split");
        assert_eq!(split.lower_seeds, vec![4]);
        assert_eq!(split.upper_seeds.len(), 9);
    }

    #[test]
    fn samples_of_one_law_are_not_a_split() {
        // Evenly spread values (the quantiles of a uniform law) have no gap to speak of.
        let values: Vec<Option<f64>> = (0..30).map(|i| Some(100.0 + f64::from(i))).collect();
        assert_eq!(find(&seeds(30), &values), None);
        // Nor do the 10%, 20%, … 90% quantiles of a standard normal law.
        let normal = [
            -1.2816, -0.8416, -0.5244, -0.2533, 0.0, 0.2533, 0.5244, 0.8416, 1.2816,
        ];
        let values: Vec<Option<f64>> = normal.iter().map(|&z| Some(500.0 + 20.0 * z)).collect();
        assert_eq!(find(&seeds(9), &values), None);
    }

    #[test]
    fn tiny_gaps_between_tight_clusters_are_not_material() {
        let values = [600.0, 600.0, 600.0, 600.5, 600.5, 600.5];
        let values: Vec<Option<f64>> = values.iter().map(|&v| Some(v)).collect();
        assert_eq!(find(&seeds(6), &values), None);
    }

    #[test]
    fn undefined_seeds_are_left_out_and_few_seeds_never_split() {
        let values = [Some(1.0), None, Some(100.0), Some(1.0)];
        assert_eq!(find(&seeds(4), &values), None, "three defined values");
        let four = [Some(1.0), Some(1.0), Some(100.0), Some(100.0)];
        assert!(find(&seeds(4), &four).is_some());
        let odd_one_of_four = [Some(1.0), Some(1.0), Some(1.0), Some(100.0)];
        assert_eq!(find(&seeds(4), &odd_one_of_four), None);
    }

    #[test]
    fn identical_values_are_not_a_split() {
        let values = vec![Some(5.0); 8];
        assert_eq!(find(&seeds(8), &values), None);
    }
}
