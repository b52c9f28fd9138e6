//! Verdicts: one variant against the baseline on one metric, in words, and never misleading.
//!
//! A verdict is drawn from the paired difference (variant − baseline, seed by seed) and its
//! 95% interval. Three rules keep it honest:
//! - A metric undefined in some seed (a latency with no successful request) gets no verdict,
//!   and the verdict says why ("not comparable: slow-db succeeds on 0% of requests").
//! - A latency verdict is never issued in favour of a variant that succeeds less: failing fast
//!   is not being fast. "Succeeds less" means its success rate is significantly lower (the
//!   paired interval of the difference excludes 0) or lower by at least
//!   `SUCCESS_GAP_MATERIAL` percentage points on average (seeds that split into recovered and
//!   stuck runs widen the interval past any significance, while every seed may still fail
//!   more). Such a verdict reads "not comparable" instead, and points to SLO attainment, which
//!   counts failures as bad. A latency win by the variant that also succeeds more is stated
//!   with both success rates.
//! - Otherwise: better, worse, or "not significant" when the interval contains 0.

use serde::Serialize;

use super::{Better, Metric};
use crate::stats::{interval, paired_difference, Interval};

/// A mean success-rate gap, in percentage points, that makes two variants' latencies not
/// comparable whatever its interval.
pub const SUCCESS_GAP_MATERIAL: f64 = 1.0;

/// How a variant's difference from the baseline reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Significantly better than the baseline.
    Better,
    /// Significantly worse.
    Worse,
    /// Not significant, one seed only, or a metric that is never judged.
    Unclear,
    /// The two cannot be compared on this metric (undefined values, or a latency of variants
    /// whose success rates differ, in favour of the one that succeeds less).
    NotComparable,
}

/// A variant's difference from the baseline on one metric, judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Judged {
    /// The paired difference over the seeds where both are defined; None if some seed is not.
    pub difference: Option<Interval>,
    /// How it reads.
    pub judgement: Judgement,
    /// The verdict in words.
    pub verdict: String,
}

/// Per-seed values of one variant and of the baseline, in the same seed order.
#[derive(Clone, Copy, Debug)]
pub struct Paired<'a> {
    /// The variant's values.
    pub variant: &'a [Option<f64>],
    /// The baseline's values.
    pub baseline: &'a [Option<f64>],
}

/// Judges `names.0` (the variant) against `names.1` (the baseline) on `metric`, given their
/// per-seed `values` and, for a latency metric, the per-seed success rates (in %) of the
/// latency's client.
pub fn judge(
    names: (&str, &str),
    metric: &Metric,
    values: Paired,
    success: Option<Paired>,
) -> Judged {
    let (variant, baseline) = names;
    let label = &metric.label;
    let undefined = |values: &[Option<f64>]| values.iter().filter(|v| v.is_none()).count();
    let (missing_variant, missing_baseline) =
        (undefined(values.variant), undefined(values.baseline));
    if missing_variant + missing_baseline > 0 {
        let verdict = match (metric.latency_of.is_some(), success) {
            (true, Some(success)) => {
                let (who, rate, other, other_rate) = if missing_variant >= missing_baseline {
                    (variant, success.variant, baseline, success.baseline)
                } else {
                    (baseline, success.baseline, variant, success.variant)
                };
                format!(
                    "no verdict on {label} between {variant} and {baseline}: not comparable, {who} succeeds on {} of requests ({other}: {})",
                    percent(rate),
                    percent(other_rate)
                )
            }
            _ => {
                let (who, missing, n) = if missing_variant >= missing_baseline {
                    (variant, missing_variant, values.variant.len())
                } else {
                    (baseline, missing_baseline, values.baseline.len())
                };
                format!(
                    "no verdict on {label} between {variant} and {baseline}: undefined in {missing} of {n} seeds of {who}"
                )
            }
        };
        return Judged {
            difference: None,
            judgement: Judgement::NotComparable,
            verdict,
        };
    }
    let defined = |values: &[Option<f64>]| values.iter().flatten().copied().collect::<Vec<f64>>();
    let difference = paired_difference(&defined(values.variant), &defined(values.baseline));
    let unit = &metric.unit;
    let Some(half) = difference.half_width else {
        return Judged {
            difference: Some(difference),
            judgement: Judgement::Unclear,
            verdict: format!(
                "{variant} − {baseline} on {label}: {} {unit} (one seed: no interval; add seeds)",
                number(difference.mean, None)
            ),
        };
    };
    let size = format!(
        "{} ± {} {unit}",
        number(difference.mean.abs(), Some(half)),
        number(half, Some(half))
    );
    let up = difference.mean > 0.0;
    let judgement = if !difference.excludes_zero() {
        Judgement::Unclear
    } else {
        match (metric.better, up) {
            (Better::Higher, true) | (Better::Lower, false) => Judgement::Better,
            (Better::Higher, false) | (Better::Lower, true) => Judgement::Worse,
            (Better::Neither, _) => Judgement::Unclear,
        }
    };
    let plain = match judgement {
        Judgement::Better => format!("{variant} beats {baseline} on {label} by {size}"),
        Judgement::Worse => format!("{variant} is worse than {baseline} on {label} by {size}"),
        _ if metric.better == Better::Neither && difference.excludes_zero() => format!(
            "{variant}'s {label} is {} than {baseline}'s by {size}",
            if up { "higher" } else { "lower" }
        ),
        _ => format!(
            "the {label} difference between {variant} and {baseline} is not significant ({}{size})",
            if difference.mean < 0.0 { "−" } else { "+" }
        ),
    };
    let Some(success) = success.filter(|_| metric.latency_of.is_some()) else {
        return Judged {
            difference: Some(difference),
            judgement,
            verdict: plain,
        };
    };
    let rates = paired_difference(&defined(success.variant), &defined(success.baseline));
    let material = rates.mean.abs() >= SUCCESS_GAP_MATERIAL;
    if !rates.excludes_zero() && !material {
        return Judged {
            difference: Some(difference),
            judgement,
            verdict: plain,
        };
    }
    // The success rates differ: say so, and never let the one that succeeds less win.
    let variant_succeeds_less = rates.mean < 0.0;
    let rates_words = format!(
        "{variant} succeeds on {} of requests, {baseline} on {}",
        percent(success.variant),
        percent(success.baseline)
    );
    let favours_variant = judgement == Judgement::Better;
    let favours_baseline = judgement == Judgement::Worse;
    if (favours_variant && variant_succeeds_less) || (favours_baseline && !variant_succeeds_less) {
        let (faster, slower) = if favours_variant {
            (variant, baseline)
        } else {
            (baseline, variant)
        };
        return Judged {
            difference: Some(difference),
            judgement: Judgement::NotComparable,
            verdict: format!(
                "no verdict on {label} between {variant} and {baseline}: not comparable, {faster} is faster than {slower} by {size} but succeeds less often ({rates_words}); compare SLO attainment, which counts failures as bad"
            ),
        };
    }
    Judged {
        difference: Some(difference),
        judgement,
        verdict: format!("{plain} ({rates_words})"),
    }
}

/// The mean of per-seed percentages, as `99.9%` (`n/a` when none is defined).
fn percent(values: &[Option<f64>]) -> String {
    let defined: Vec<f64> = values.iter().flatten().copied().collect();
    if defined.is_empty() {
        return "n/a".to_string();
    }
    let mean = interval(&defined).mean;
    format!("{}%", number(mean, None))
}

/// `value` with as many decimals as its interval's half-width deserves (two significant
/// digits of the half-width), or four significant digits when there is no interval.
pub fn number(value: f64, half_width: Option<f64>) -> String {
    // Two significant digits of the half-width, or four of the value itself.
    let (scale, digits) = match half_width {
        Some(h) if h > 0.0 && h.is_finite() => (h, 1.0),
        _ => (value.abs(), 3.0),
    };
    let decimals = if scale > 0.0 && scale.is_finite() {
        (digits - libm::floor(libm::log10(scale))).clamp(0.0, 4.0) as usize
    } else {
        0
    };
    let text = format!("{value:.decimals$}");
    // "-0.0" reads as a sign error.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::{LatencyOf, LatencyView};

    fn metric(better: Better) -> Metric {
        Metric {
            key: "clients.web.goodput_per_s".into(),
            label: "web goodput".into(),
            unit: "req/s".into(),
            better,
            headline: true,
            target: None,
            latency_of: None,
        }
    }

    fn latency() -> Metric {
        Metric {
            key: "clients.web.latency_p99".into(),
            label: "web p99 latency (successes)".into(),
            unit: "ms".into(),
            better: Better::Lower,
            headline: true,
            target: None,
            latency_of: Some(LatencyOf {
                client: "web".into(),
                view: LatencyView::Successes,
            }),
        }
    }

    fn some(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().map(|&v| Some(v)).collect()
    }

    fn words(variant: &[f64], baseline: &[f64], m: &Metric) -> Judged {
        let (v, b) = (some(variant), some(baseline));
        let values = Paired {
            variant: &v,
            baseline: &b,
        };
        judge(("budget", "naive"), m, values, None)
    }

    #[test]
    fn verdicts_say_who_wins_by_how_much() {
        let m = metric(Better::Higher);
        let up = words(&[500.0, 510.0, 520.0], &[100.0, 105.0, 110.0], &m);
        assert_eq!(up.judgement, Judgement::Better);
        assert!(
            up.verdict
                .starts_with("budget beats naive on web goodput by 405"),
            "{}",
            up.verdict
        );
        let down = words(&[100.0, 105.0, 110.0], &[500.0, 510.0, 520.0], &m);
        assert_eq!(down.judgement, Judgement::Worse);
        assert!(down
            .verdict
            .starts_with("budget is worse than naive on web goodput by"));
        let flat = words(&[100.0, 105.0, 99.0], &[101.0, 100.0, 102.0], &m);
        assert_eq!(flat.judgement, Judgement::Unclear);
        assert!(
            flat.verdict.contains("is not significant"),
            "{}",
            flat.verdict
        );
        let neither = words(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0], &metric(Better::Neither));
        assert!(
            neither.verdict.contains("is higher than naive's"),
            "{}",
            neither.verdict
        );
        let one = words(&[3.0], &[1.0], &m);
        assert!(one.verdict.contains("one seed"), "{}", one.verdict);
    }

    /// Issue #13, defect 2: slow-db served nothing, so it has no latency to win with.
    #[test]
    fn a_latency_with_no_successes_gets_no_verdict_and_says_why() {
        let m = latency();
        let (v, b) = (vec![None, None, None], some(&[60.0, 61.0, 59.0]));
        let (sv, sb) = (some(&[0.0, 0.0, 0.0]), some(&[99.9, 99.8, 99.9]));
        let judged = judge(
            ("slow-db", "no-db-retry"),
            &m,
            Paired {
                variant: &v,
                baseline: &b,
            },
            Some(Paired {
                variant: &sv,
                baseline: &sb,
            }),
        );
        assert_eq!(judged.judgement, Judgement::NotComparable);
        assert_eq!(judged.difference, None);
        assert!(
            judged
                .verdict
                .contains("not comparable, slow-db succeeds on 0% of requests"),
            "{}",
            judged.verdict
        );
    }

    /// Issue #13, defect 3: a variant that fails most requests fast must not win on latency.
    #[test]
    fn failing_fast_does_not_win_on_latency() {
        let m = latency();
        let (v, b) = (some(&[10.0, 11.0, 12.0]), some(&[200.0, 210.0, 190.0]));
        let (sv, sb) = (some(&[18.0, 17.5, 18.2]), some(&[99.0, 99.2, 98.9]));
        let judged = judge(
            ("naive", "deadline"),
            &m,
            Paired {
                variant: &v,
                baseline: &b,
            },
            Some(Paired {
                variant: &sv,
                baseline: &sb,
            }),
        );
        assert_eq!(judged.judgement, Judgement::NotComparable);
        assert!(
            judged.verdict.contains("succeeds less often"),
            "{}",
            judged.verdict
        );
        // The same latencies with the success rates the other way round: a fair win.
        let fair = judge(
            ("naive", "deadline"),
            &m,
            Paired {
                variant: &v,
                baseline: &b,
            },
            Some(Paired {
                variant: &sb,
                baseline: &sv,
            }),
        );
        assert_eq!(fair.judgement, Judgement::Better);
        assert!(
            fair.verdict
                .contains("naive succeeds on 99.03% of requests"),
            "{}",
            fair.verdict
        );
    }

    /// Per-seed values around `center` with a per-seed `noise` in ±1.
    fn around(center: f64, spread: f64, noise: &[f64]) -> Vec<Option<f64>> {
        noise.iter().map(|e| Some(center + spread * e)).collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        // See: #13. For any two variants, a latency verdict is never issued in favour of a
        // variant whose success rate is significantly lower (or lower by a percentage point or
        // more on average).
        #[test]
        fn no_latency_verdict_favours_the_variant_that_succeeds_less(
            seeds in 2usize..12,
            ms in (1.0f64..500.0, 1.0f64..500.0, 0.0f64..50.0),
            success in (0.0f64..100.0, 0.0f64..100.0, 0.0f64..5.0),
            noise in proptest::collection::vec((-1.0f64..1.0, -1.0f64..1.0, -1.0f64..1.0, -1.0f64..1.0), 12),
            view_all in proptest::bool::ANY,
            undefined in proptest::option::of(0usize..12),
        ) {
            let noise = &noise[..seeds];
            let pick = |i: usize| noise.iter().map(|n| [n.0, n.1, n.2, n.3][i]).collect::<Vec<f64>>();
            let mut variant = around(ms.0, ms.2, &pick(0));
            let baseline = around(ms.1, ms.2, &pick(1));
            let clamp = |v: Vec<Option<f64>>| v.into_iter().map(|x| x.map(|x| x.clamp(0.0, 100.0))).collect::<Vec<_>>();
            let success_v = clamp(around(success.0, success.2, &pick(2)));
            let success_b = clamp(around(success.1, success.2, &pick(3)));
            if let Some(seed) = undefined.filter(|s| *s < seeds) {
                variant[seed] = None;
            }
            let mut m = latency();
            if view_all {
                m.latency_of = Some(LatencyOf { client: "web".into(), view: LatencyView::All });
            }
            let judged = judge(
                ("v", "b"),
                &m,
                Paired { variant: &variant, baseline: &baseline },
                Some(Paired { variant: &success_v, baseline: &success_b }),
            );
            let defined = |v: &[Option<f64>]| v.iter().flatten().copied().collect::<Vec<f64>>();
            let rates = paired_difference(&defined(&success_v), &defined(&success_b));
            let differ = rates.excludes_zero() || rates.mean.abs() >= SUCCESS_GAP_MATERIAL;
            let variant_succeeds_less = differ && rates.mean < 0.0;
            let baseline_succeeds_less = differ && rates.mean > 0.0;
            proptest::prop_assert!(
                !(judged.judgement == Judgement::Better && variant_succeeds_less),
                "{}", judged.verdict
            );
            proptest::prop_assert!(
                !(judged.judgement == Judgement::Worse && baseline_succeeds_less),
                "{}", judged.verdict
            );
            proptest::prop_assert!(!(variant_succeeds_less && judged.verdict.starts_with("v beats")), "{}", judged.verdict);
            proptest::prop_assert!(!(baseline_succeeds_less && judged.verdict.starts_with("v is worse")), "{}", judged.verdict);
        }
    }

    /// See: #13. Deadline's seeds split between recovered and stuck, so the interval of its
    /// success-rate gap to naive is wide, yet naive succeeds less on every seed: naive's fast
    /// failures must not win it the latency verdict.
    #[test]
    fn a_wide_but_material_success_gap_still_blocks_a_latency_win() {
        let m = latency();
        let (v, b) = (
            some(&[50.0, 51.0, 50.5, 49.0]),
            some(&[300.0, 320.0, 310.0, 290.0]),
        );
        let (sv, sb) = (
            some(&[17.7, 17.8, 17.6, 17.9]),
            some(&[75.0, 29.0, 29.5, 74.0]),
        );
        let judged = judge(
            ("naive", "deadline"),
            &m,
            Paired {
                variant: &v,
                baseline: &b,
            },
            Some(Paired {
                variant: &sv,
                baseline: &sb,
            }),
        );
        let rates = paired_difference(&[17.7, 17.8, 17.6, 17.9], &[75.0, 29.0, 29.5, 74.0]);
        assert!(
            !rates.excludes_zero(),
            "the gap is not significant: {rates:?}"
        );
        assert_eq!(
            judged.judgement,
            Judgement::NotComparable,
            "{}",
            judged.verdict
        );
    }

    #[test]
    fn numbers_keep_the_digits_their_interval_deserves() {
        assert_eq!(number(412.345, Some(35.2)), "412");
        assert_eq!(number(4.12345, Some(0.0352)), "4.123");
        assert_eq!(number(-0.0001, Some(0.5)), "0.00");
        assert_eq!(number(1234.4, None), "1234");
        assert_eq!(number(0.012345, None), "0.0123");
        assert_eq!(number(99.05, None), "99.05");
        assert_eq!(number(0.0, None), "0");
    }
}
