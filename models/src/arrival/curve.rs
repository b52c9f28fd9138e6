//! A piecewise-linear intensity λ(t) ≥ 0 on `[0, ∞)`, its integral Λ(t) = ∫₀ᵗ λ, and the
//! inverse of Λ: what time inversion needs to turn a unit-rate process into one with
//! intensity λ.
//!
//! A curve is a list of segments, each with its start, its value there and its slope; the
//! last one is flat and runs forever. Jumps (a step, a load spike starting) are a new segment
//! starting at a different value. Multiplying by a piecewise-constant factor (the load
//! spikes active at each instant) keeps a curve piecewise linear, so spikes are folded in
//! exactly (`scaled`).
//!
//! Inside a segment starting at `a` with value `r` and slope `s`, Λ grows by
//! `r x + s x² / 2` over `x`, so the `x` where it has grown by `d` is the root
//! `2d / (r + sqrt(r² + 2 s d))` (the form without cancellation; `d / r` when `s = 0`).
//! Times are `f64` nanoseconds, exact to the nanosecond for runs shorter than 104 days.

/// A piecewise-linear intensity in events per nanosecond, with its cumulative integral.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RateCurve {
    segments: Vec<Segment>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    /// Where it starts, in nanoseconds.
    start: f64,
    /// λ at its start, per nanosecond.
    rate: f64,
    /// dλ/dt, per nanosecond²; 0 on the last segment.
    slope: f64,
    /// Λ at its start.
    cumulative: f64,
}

impl RateCurve {
    /// The curve through `points` (time in ns, rate per ns), joined linearly, flat after the
    /// last point. The first point is at 0, times do not decrease (two at one time make a
    /// jump) and rates are not negative: `scenarios` checked all three.
    pub(crate) fn through(points: &[(f64, f64)]) -> RateCurve {
        assert!(
            points.first().is_some_and(|p| p.0 == 0.0),
            "a rate curve starts at time 0"
        );
        let mut segments = Vec::with_capacity(points.len());
        for (i, &(start, rate)) in points.iter().enumerate() {
            assert!(rate >= 0.0, "a rate is never negative");
            let slope = match points.get(i + 1) {
                None => 0.0,
                Some(&(next, _)) if next == start => continue, // A jump: the next point starts.
                Some(&(next, next_rate)) => {
                    assert!(next > start, "the points of a curve are in time order");
                    (next_rate - rate) / (next - start)
                }
            };
            segments.push(Segment {
                start,
                rate,
                slope,
                cumulative: 0.0,
            });
        }
        let mut curve = RateCurve { segments };
        curve.accumulate();
        curve
    }

    /// This curve multiplied by `factors`: each `(start, end, factor)` (ns) multiplies the
    /// rate by `factor` on `start..end`, and overlapping ones multiply together.
    pub(crate) fn scaled(&self, factors: &[(f64, f64, f64)]) -> RateCurve {
        if factors.is_empty() {
            return self.clone();
        }
        let mut cuts: Vec<f64> = self.segments.iter().map(|s| s.start).collect();
        for &(start, end, _) in factors {
            cuts.push(start);
            if end.is_finite() {
                cuts.push(end);
            }
        }
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let segments = cuts
            .into_iter()
            .map(|at| {
                let s = self.segments[self.index_at(at)];
                let factor: f64 = factors
                    .iter()
                    .filter(|(start, end, _)| *start <= at && at < *end)
                    .map(|f| f.2)
                    .product();
                Segment {
                    start: at,
                    rate: (s.rate + s.slope * (at - s.start)) * factor,
                    slope: s.slope * factor,
                    cumulative: 0.0,
                }
            })
            .collect();
        let mut curve = RateCurve { segments };
        curve.accumulate();
        curve
    }

    /// Fills in each segment's `cumulative`.
    fn accumulate(&mut self) {
        let mut total = 0.0;
        for i in 0..self.segments.len() {
            self.segments[i].cumulative = total;
            if let Some(next) = self.segments.get(i + 1) {
                let s = self.segments[i];
                let x = next.start - s.start;
                total += s.rate * x + s.slope * x * x / 2.0;
            }
        }
    }

    /// The index of the segment holding `at` (the last one starting at or before it).
    fn index_at(&self, at: f64) -> usize {
        self.segments.partition_point(|s| s.start <= at).max(1) - 1
    }

    /// The value λ(t) just after `at`.
    #[cfg(test)]
    pub(crate) fn rate_at(&self, at: f64) -> f64 {
        let s = self.segments[self.index_at(at)];
        s.rate + s.slope * (at - s.start)
    }

    /// The largest value the curve takes.
    pub(crate) fn rate_max(&self) -> f64 {
        let mut max: f64 = 0.0;
        for (i, s) in self.segments.iter().enumerate() {
            max = max.max(s.rate);
            if let Some(next) = self.segments.get(i + 1) {
                max = max.max(s.rate + s.slope * (next.start - s.start));
            }
        }
        max
    }

    /// Λ(at), starting the segment search at `*cursor` (moved forward to `at`'s segment):
    /// with times that only grow, each call costs O(1) amortized.
    pub(crate) fn integral(&self, at: f64, cursor: &mut usize) -> f64 {
        self.seek(cursor, |s| s.start <= at);
        let s = self.segments[*cursor];
        let x = at - s.start;
        s.cumulative + s.rate * x + s.slope * x * x / 2.0
    }

    /// The time t ≥ 0 where Λ(t) = `u`, or `None` if Λ never gets there (the rate is 0 from
    /// some time on). `*cursor` as in `integral`: `u` must not decrease between calls with
    /// one cursor.
    pub(crate) fn inverse(&self, u: f64, cursor: &mut usize) -> Option<f64> {
        self.seek(cursor, |s| s.cumulative <= u);
        let s = self.segments[*cursor];
        let d = (u - s.cumulative).max(0.0);
        let x = if s.slope == 0.0 {
            if s.rate == 0.0 {
                // A flat zero segment holds `u` only if it is the last one: Λ stops growing.
                return (d == 0.0).then_some(s.start);
            }
            d / s.rate
        } else {
            let root = libm::sqrt((s.rate * s.rate + 2.0 * s.slope * d).max(0.0));
            if s.rate + root == 0.0 {
                0.0
            } else {
                2.0 * d / (s.rate + root)
            }
        };
        Some(s.start + x)
    }

    /// Moves `*cursor` to the last segment for which `before` holds (it holds for a prefix).
    fn seek(&self, cursor: &mut usize, before: impl Fn(&Segment) -> bool) {
        // Each step moves the cursor one segment on, and there are finitely many.
        while *cursor + 1 < self.segments.len() && before(&self.segments[*cursor + 1]) {
            *cursor += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rate of `per_s` per second, per nanosecond.
    fn per_ns(per_s: f64) -> f64 {
        per_s / 1e9
    }

    #[test]
    fn a_flat_curve_inverts_to_even_times() {
        let curve = RateCurve::through(&[(0.0, per_ns(10.0))]);
        let mut cursor = 0;
        assert_eq!(curve.inverse(1.0, &mut cursor), Some(1e8));
        assert_eq!(curve.inverse(25.0, &mut cursor), Some(2.5e9));
        assert_eq!(curve.integral(3e9, &mut 0), 30.0);
    }

    #[test]
    fn a_ramp_inverts_its_quadratic_integral() {
        // 0 to 10/s over 10 s, then flat: Λ(t) = t²/2 per s² for t ≤ 10 s, so Λ = 2 at 2 s.
        let curve = RateCurve::through(&[(0.0, 0.0), (10e9, per_ns(10.0))]);
        let mut cursor = 0;
        let t = curve.inverse(2.0, &mut cursor).unwrap();
        assert!((t - 2e9).abs() < 1e-3, "{t}");
        // Λ(10 s) = 50; 10 more arrivals take one more second.
        let t = curve.inverse(60.0, &mut cursor).unwrap();
        assert!((t - 11e9).abs() < 1e-3, "{t}");
        let mut cursor = 0;
        for u in [0.5, 3.0, 17.0, 49.0, 77.0] {
            let t = curve.inverse(u, &mut cursor).unwrap();
            assert!((curve.integral(t, &mut 0) - u).abs() < 1e-9, "{u}");
        }
    }

    #[test]
    fn a_falling_segment_and_a_jump_invert_exactly() {
        // 10/s falling to 0 over 10 s, then a jump to 5/s at 20 s.
        let points = [
            (0.0, per_ns(10.0)),
            (10e9, 0.0),
            (20e9, 0.0),
            (20e9, per_ns(5.0)),
        ];
        let curve = RateCurve::through(&points);
        let mut cursor = 0;
        // Λ(10 s) = 50, Λ stays 50 to 20 s, then grows by 5 a second.
        let t = curve.inverse(49.999, &mut cursor).unwrap();
        assert!(t < 10e9 && t > 9.9e9, "{t}");
        let t = curve.inverse(55.0, &mut cursor).unwrap();
        assert!((t - 21e9).abs() < 1e-3, "{t}");
        assert_eq!(curve.rate_at(15e9), 0.0);
        assert_eq!(curve.rate_at(20e9), per_ns(5.0));
    }

    #[test]
    fn a_curve_that_ends_at_zero_has_no_more_arrivals() {
        let curve = RateCurve::through(&[(0.0, per_ns(1.0)), (1e9, per_ns(1.0)), (1e9, 0.0)]);
        assert!((curve.inverse(0.5, &mut 0).unwrap() - 0.5e9).abs() < 1e-3);
        assert_eq!(curve.inverse(1.5, &mut 0), None);
    }

    #[test]
    fn spikes_multiply_the_curve_where_they_are_active() {
        let curve = RateCurve::through(&[(0.0, per_ns(10.0))]);
        let spiked = curve.scaled(&[(1e9, 2e9, 3.0), (1.5e9, f64::INFINITY, 2.0)]);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
        assert!(close(spiked.rate_at(0.5e9), per_ns(10.0)));
        assert!(close(spiked.rate_at(1.2e9), per_ns(30.0)));
        assert!(close(spiked.rate_at(1.7e9), per_ns(60.0)));
        assert!(close(spiked.rate_at(5e9), per_ns(20.0)));
        // 10 + 30 × 0.5 + 60 × 0.5 + 20 × 1 by 3 s.
        assert!((spiked.integral(3e9, &mut 0) - 75.0).abs() < 1e-9);
        assert!(close(spiked.rate_max(), per_ns(60.0)));
    }
}
