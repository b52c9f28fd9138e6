//! Per-seed dots beside a bar: where each dot goes in its narrow column.
//!
//! A dot sits at its value's height. Dots that would overlap move sideways to another lane of
//! the column (a small beeswarm), so a cluster reads as a cluster and a split outcome as two.
//! Lanes are chosen from the values alone, in value order with ties kept in seed order, so
//! the picture has no randomness. This module knows pixels, not bars.

/// A dot's radius in pixels for `count` dots in one column: smaller when there are many, so
/// a cluster stays a cluster rather than a blot.
pub(crate) fn radius(count: usize) -> f64 {
    match count {
        0..=10 => 4.0,
        11..=25 => 3.25,
        26..=60 => 2.5,
        _ => 2.0,
    }
}

/// The centers of dots of radius `r` at pixel heights `ys` (in seed order) in the column
/// `x0..=x1`, in the same order.
pub(crate) fn place(ys: &[i32], (x0, x1): (i32, i32), r: f64) -> Vec<(f64, f64)> {
    let lanes = lanes((x0, x1), r);
    let mut last: Vec<Option<i32>> = vec![None; lanes.len()];
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by_key(|&i| (ys[i], i));
    let mut out = vec![(0.0, 0.0); ys.len()];
    for i in order {
        let y = ys[i];
        // Lanes come nearest the middle first; a lane is free when its last dot is a
        // diameter away. If none is, the one whose last dot is farthest away takes it.
        let free =
            (0..lanes.len()).find(|&k| last[k].is_none_or(|prev| f64::from(y - prev) >= 2.0 * r));
        let lane = free.unwrap_or_else(|| {
            (0..lanes.len())
                .min_by_key(|&k| last[k].unwrap_or(i32::MIN))
                .unwrap_or(0)
        });
        last[lane] = Some(y);
        out[i] = (lanes[lane], f64::from(y));
    }
    out
}

/// The lanes' centers in a column, the middle first, then alternately left and right of it.
fn lanes((x0, x1): (i32, i32), r: f64) -> Vec<f64> {
    let (left, right) = (f64::from(x0) + r, f64::from(x1) - r);
    if right <= left {
        return vec![(f64::from(x0) + f64::from(x1)) / 2.0];
    }
    // Neighbouring lanes a radius apart: dots in them overlap by half, which still reads as
    // two dots, and a column of a few diameters holds several lanes.
    let count = libm::floor((right - left) / r) as usize + 1;
    let step = (right - left) / (count - 1).max(1) as f64;
    let at = |k: usize| left + step * k as f64;
    let middle = (count - 1) / 2;
    let mut order = vec![at(middle)];
    for d in 1..count {
        if middle + d < count {
            order.push(at(middle + d));
        }
        if d <= middle {
            order.push(at(middle - d));
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_values_stay_in_the_middle_lane() {
        let dots = place(&[10, 40, 25], (100, 116), 3.0);
        let xs: Vec<f64> = dots.iter().map(|d| d.0).collect();
        assert!(xs.iter().all(|x| *x == xs[0]), "{xs:?}");
        assert_eq!(dots[1], (xs[0], 40.0));
    }

    #[test]
    fn equal_values_fan_out_across_lanes() {
        let dots = place(&[50; 4], (100, 116), 3.0);
        let mut xs: Vec<f64> = dots.iter().map(|d| d.0).collect();
        xs.dedup();
        assert_eq!(xs.len(), 4, "{dots:?}");
        assert!(dots
            .iter()
            .all(|d| 100.0 <= d.0 - 3.0 && d.0 + 3.0 <= 116.0));
        // Ten equal values still land in the column.
        let many = place(&[50; 10], (100, 116), 3.0);
        assert!(many.iter().all(|d| 103.0 <= d.0 && d.0 <= 113.0));
    }

    #[test]
    fn a_column_narrower_than_a_dot_has_one_lane() {
        assert_eq!(place(&[1, 1], (10, 12), 3.0), [(11.0, 1.0), (11.0, 1.0)]);
        assert!(place(&[], (10, 30), 3.0).is_empty());
    }
}
