//! Warm-up detection: the MSER-5 truncation point of a per-second series.
//!
//! A run that starts empty spends its first seconds filling queues, and averages over that
//! stretch are biased. MSER-5 (White 1997; White, Cobb & Spratt 2000, "A comparison of five
//! steady-state truncation heuristics for simulation", Proc. Winter Simulation Conference;
//! recommended by Hoad, Robinson & Davies 2010, "Automating warm-up length estimation", JORS
//! 61(9)) picks the truncation that minimizes the squared standard error of the remaining
//! mean:
//!
//! 1. average the series in consecutive batches of 5, z₁ … z_k (k = ⌊n/5⌋; a last partial
//!    batch is dropped);
//! 2. for each d, MSER(d) = (1/(k−d)²) · Σ_{j>d} (z_j − z̄_d)², where z̄_d is the mean of
//!    z_{d+1} … z_k;
//! 3. choose the d that minimizes it, with d ≤ k/2 (a truncation in the second half means the
//!    run is too short to tell) and at least two batches kept (one batch has no spread, so
//!    its MSER would be a meaningless 0); ties go to the smallest d;
//! 4. discard 5·d elements.
//!
//! This module only estimates; whether to warn, or to re-run with a longer warm-up, is the
//! caller's decision.

/// Elements per batch: the "5" of MSER-5.
pub const BATCH: usize = 5;

/// The MSER-5 truncation point of a per-second series: how many leading elements to discard.
///
/// Always a multiple of 5 and at most half the series. A series shorter than 10 elements
/// (fewer than two batches) returns 0: there is nothing to compare. Panics if an element is
/// NaN or infinite, which no measured series contains.
///
/// ```
/// // Ten seconds at 0, then steady at 100: the first two batches go.
/// let mut series = vec![0.0; 10];
/// series.extend([100.0; 90]);
/// assert_eq!(reports::warmup::mser5(&series), 10);
/// ```
pub fn mser5(series: &[f64]) -> usize {
    assert!(
        series.iter().all(|x| x.is_finite()),
        "mser5: every element must be finite"
    );
    let k = series.len() / BATCH;
    if k < 2 {
        return 0;
    }
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|batch| batch.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let d_last = (k / 2).min(k - 2);
    // Welford's update run backwards gives the mean and squared deviations of every suffix
    // z_{d+1} … z_k in one pass, without the cancellation of sum-of-squares formulas.
    let mut scores = vec![0.0; d_last + 1];
    let (mut count, mut mean, mut squares) = (0.0, 0.0, 0.0);
    for (d, &z) in batches.iter().enumerate().rev() {
        count += 1.0;
        let delta = z - mean;
        mean += delta / count;
        squares += delta * (z - mean);
        if d <= d_last {
            scores[d] = squares / (count * count);
        }
    }
    let mut best = 0;
    for (d, &score) in scores.iter().enumerate() {
        if score < scores[best] {
            best = d;
        }
    }
    BATCH * best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sequence in [0, 1): SplitMix64 (Steele, Lea & Flood 2014), so the
    /// tests need no RNG crate and never change.
    fn uniforms(seed: u64, n: usize) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                (z >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    /// Noise of mean 0 and standard deviation about 10 (a sum of four uniforms, scaled).
    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let u = uniforms(seed, 4 * n);
        u.chunks_exact(4)
            .map(|c| (c.iter().sum::<f64>() - 2.0) * 10.0 * libm::sqrt(3.0))
            .collect()
    }

    #[test]
    fn truncates_an_initial_ramp_near_its_end() {
        // 60 seconds ramping from 0 to 100, then 500 seconds of noise around 100. Over these
        // seeds the cut lands between 55 and 80 (the ramp's last batches sit within the noise).
        for seed in 1..=20 {
            let mut series: Vec<f64> = (0..60).map(|i| f64::from(i) * 100.0 / 60.0).collect();
            series.extend(noise(seed, 500).iter().map(|e| 100.0 + e));
            let cut = mser5(&series);
            assert!(
                (50..=80).contains(&cut),
                "seed {seed}: truncated {cut} of a 60-second ramp"
            );
        }
    }

    #[test]
    fn keeps_almost_all_of_a_stationary_series() {
        // Over these seeds the cut is 0 to 20 of 500 seconds: noise alone can make an early
        // stretch look worth dropping, but never much of it.
        for seed in 1..=20 {
            let series: Vec<f64> = noise(seed, 500).iter().map(|e| 100.0 + e).collect();
            let cut = mser5(&series);
            assert!(
                cut <= 25,
                "seed {seed}: truncated {cut} of a stationary series"
            );
        }
    }

    #[test]
    fn short_and_constant_series_keep_everything() {
        for n in 0..10 {
            let ramp: Vec<f64> = (0..n).map(f64::from).collect();
            assert_eq!(mser5(&ramp), 0, "length {n}");
        }
        assert_eq!(mser5(&[7.0; 200]), 0);
    }

    #[test]
    fn never_truncates_past_half_and_ignores_a_partial_batch() {
        // A series that climbs throughout would be cut as late as allowed: half the batches.
        let climb: Vec<f64> = (0..103).map(f64::from).collect();
        // 103 elements are 20 whole batches (the last 3 elements are ignored); half is 10.
        assert_eq!(mser5(&climb), 50);
        // Two batches: only d = 0 keeps two, whatever the values.
        assert_eq!(
            mser5(&[0.0, 0.0, 0.0, 0.0, 0.0, 9.0, 9.0, 9.0, 9.0, 9.0]),
            0
        );
        // Three batches with a jump: dropping the first leaves two equal batches.
        let step = [
            0.0, 0.0, 0.0, 0.0, 0.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0, 9.0,
        ];
        assert_eq!(mser5(&step), 5);
    }
}
