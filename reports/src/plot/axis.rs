//! Axes of the charts: a value range, its labelled ticks and its faint minor lines.
//!
//! `Axis` is a plotters coordinate (`Ranged`) whose tick marks are chosen here rather than by
//! plotters, for three reasons: tick values come out as exact decimals (`0.6`, not
//! `0.6000000000000001`) with labels that print the right number of digits; a log axis is a
//! linear axis over `log10` values computed with `libm`, so no platform math library decides a
//! pixel; and state and category axes label whole numbers with names. The pixel mapping is the
//! one plotters uses for its own `f64` axes, and the legend placement reuses it, so what is
//! planned is what is drawn.

use std::ops::Range;

use plotters::coord::ranged1d::{
    KeyPointHint, KeyPointWeight, NoDefaultFormatting, Ranged, ValueFormatter,
};

/// A continuous axis from `start` to `end` with labelled ticks and unlabelled minor lines.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    start: f64,
    end: f64,
    ticks: Vec<Tick>,
    minor: Vec<f64>,
}

/// A labelled tick: where it is and what it says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tick {
    /// Position in axis units.
    pub value: f64,
    /// What the tick label reads.
    pub label: String,
}

/// The smallest latency a log axis shows, in ms (1 µs): zero latencies are drawn there.
pub(crate) const LOG_EXPONENT_MIN: i32 = -3;

/// The largest decade a log axis may reach (10^9 ms is eleven days), so a wild value cannot
/// ask for thousands of tick marks.
const LOG_EXPONENT_MAX: i32 = 9;

impl Axis {
    /// A linear axis over `start..end` with about `target` ticks at multiples of 1, 2 or 5 × 10^k.
    pub(crate) fn linear(start: f64, end: f64, target: usize) -> Axis {
        assert!(
            start.is_finite() && end.is_finite(),
            "axis bounds are finite"
        );
        assert!(start < end, "axis range is not empty: {start}..{end}");
        // A span too small for its magnitude (1e15..1e15 + 0.001) would need tick indexes
        // beyond what a double counts exactly; widen it to a billionth of the magnitude.
        let end = end.max(start + start.abs().max(end.abs()) * 1e-9);
        assert!(
            (end - start).is_finite(),
            "axis span is finite: {start}..{end}"
        );
        let step = Step::nice(end - start, target.max(2));
        let first = ceil_index(start, &step);
        let last = floor_index(end, &step);
        let big = step.exponent >= 3 && start.abs().max(end.abs()) >= 10_000.0;
        let ticks = (first..=last)
            .map(|i| {
                let value = step.at(i);
                Tick {
                    value,
                    label: step.label(value, big),
                }
            })
            .collect();
        // One faint line halfway between labelled ticks.
        let minor = (first - 1..=last)
            .map(|i| (step.at(i) + step.at(i + 1)) / 2.0)
            .filter(|v| start < *v && *v < end)
            .collect();
        Axis {
            start,
            end,
            ticks,
            minor,
        }
    }

    /// A log axis in `log10` units from 10^`low` to 10^`high` (labels in the original units):
    /// every decade is labelled, and 2× and 5× too when there are at most three decades.
    pub(crate) fn log10(low: i32, high: i32) -> Axis {
        let low = low.clamp(LOG_EXPONENT_MIN, LOG_EXPONENT_MAX - 1);
        let high = high.clamp(low + 1, LOG_EXPONENT_MAX);
        let dense = high - low <= 3;
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        for exponent in low..=high {
            for mantissa in 1..10_i64 {
                if exponent == high && mantissa > 1 {
                    break;
                }
                let value = f64::from(exponent) + libm::log10(mantissa as f64);
                if mantissa == 1 || (dense && (mantissa == 2 || mantissa == 5)) {
                    let step = Step { mantissa, exponent };
                    ticks.push(Tick {
                        value,
                        label: step.label(step.at(1), exponent >= 4),
                    });
                } else {
                    minor.push(value);
                }
            }
        }
        Axis {
            start: f64::from(low),
            end: f64::from(high),
            ticks,
            minor,
        }
    }

    /// An axis over `start..end` whose ticks are the whole numbers 0, 1, … named by `names`.
    pub(crate) fn named(start: f64, end: f64, names: &[String]) -> Axis {
        assert!(start < end, "axis range is not empty: {start}..{end}");
        let ticks = names
            .iter()
            .enumerate()
            .map(|(i, name)| Tick {
                value: i as f64,
                label: name.clone(),
            })
            .filter(|t| start <= t.value && t.value <= end)
            .collect();
        Axis {
            start,
            end,
            ticks,
            minor: Vec::new(),
        }
    }

    /// The first value of the axis.
    pub(crate) fn start(&self) -> f64 {
        self.start
    }

    /// The last value of the axis.
    pub(crate) fn end(&self) -> f64 {
        self.end
    }

    /// The labelled ticks, in increasing order.
    pub(crate) fn ticks(&self) -> &[Tick] {
        &self.ticks
    }

    /// The pixel of `value` when the axis runs from pixel `limit.0` to `limit.1` (either way
    /// round): the formula plotters uses for its own `f64` axes.
    pub(crate) fn pixel(&self, value: f64, limit: (i32, i32)) -> i32 {
        let fraction = (value - self.start) / (self.end - self.start);
        let length = f64::from(limit.1 - limit.0);
        // The 1e-3 nudges exact tick positions onto the pixel they round to in plotters.
        let offset = (length * fraction + 1e-3).floor();
        // Values far outside the axis are clamped to a few plot widths, keeping i32 sane.
        let bound = 4.0 * length.abs() + 1.0;
        limit.0 + offset.clamp(-bound, bound) as i32
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.pixel(*value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Plotters asks once with `Bold` for the labelled lines and once with `Any` for the
        // light ones; the labelled ticks are chosen in the constructors, not from the hint.
        match hint.weight() {
            KeyPointWeight::Bold => self.ticks.iter().map(|t| t.value).collect(),
            KeyPointWeight::Any => self.minor.clone(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.start..self.end
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        // Plotters hands back exactly the values `key_points` returned.
        self.ticks
            .iter()
            .find(|t| t.value == *value)
            .map(|t| t.label.clone())
            .unwrap_or_default()
    }
}

/// A tick step of `mantissa` × 10^`exponent`, with mantissa 1, 2 or 5.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Step {
    mantissa: i64,
    exponent: i32,
}

impl Step {
    /// The 1-2-5 step that cuts `span` into at most about `target` intervals.
    fn nice(span: f64, target: usize) -> Step {
        let raw = span / target as f64;
        let mut exponent = libm::floor(libm::log10(raw)) as i32;
        // `log10` may land a hair off an exact power of ten; fix the decade by comparison.
        if pow10(exponent) > raw {
            exponent -= 1;
        }
        if pow10(exponent + 1) <= raw {
            exponent += 1;
        }
        let scaled = raw / pow10(exponent);
        match scaled {
            s if s <= 1.0 => Step {
                mantissa: 1,
                exponent,
            },
            s if s <= 2.0 => Step {
                mantissa: 2,
                exponent,
            },
            s if s <= 5.0 => Step {
                mantissa: 5,
                exponent,
            },
            _ => Step {
                mantissa: 1,
                exponent: exponent + 1,
            },
        }
    }

    /// The `i`th multiple of the step, computed from integers so decimals come out exact.
    fn at(&self, i: i64) -> f64 {
        let units = (i * self.mantissa) as f64;
        if self.exponent >= 0 {
            units * pow10(self.exponent)
        } else {
            units / pow10(-self.exponent)
        }
    }

    /// A tick label: as many decimals as the step has, or thousands as `k` when `big`.
    fn label(&self, value: f64, big: bool) -> String {
        if big && self.exponent >= 3 && value != 0.0 {
            return format!("{}k", clean(value / 1000.0, 0));
        }
        clean(value, (-self.exponent).max(0) as usize)
    }
}

/// The index of the first multiple of `step` at or above `value`.
fn ceil_index(value: f64, step: &Step) -> i64 {
    let i = libm::ceil(value / step.at(1)) as i64;
    // The division may round across an integer, by one at most.
    if step.at(i - 1) >= value {
        i - 1
    } else if step.at(i) < value {
        i + 1
    } else {
        i
    }
}

/// The index of the last multiple of `step` at or below `value`.
fn floor_index(value: f64, step: &Step) -> i64 {
    let i = libm::floor(value / step.at(1)) as i64;
    // The division may round across an integer, by one at most.
    if step.at(i + 1) <= value {
        i + 1
    } else if step.at(i) > value {
        i - 1
    } else {
        i
    }
}

/// 10^`exponent`, exact for the powers a double can hold exactly (|exponent| ≤ 22).
pub(crate) fn pow10(exponent: i32) -> f64 {
    let magnitude = (0..exponent.unsigned_abs()).fold(1.0, |p, _| p * 10.0);
    if exponent >= 0 {
        magnitude
    } else {
        1.0 / magnitude
    }
}

/// The decade of a positive `value`: the `k` with 10^k ≤ value < 10^(k+1).
pub(crate) fn decade(value: f64) -> i32 {
    assert!(
        value > 0.0 && value.is_finite(),
        "decade of a positive value"
    );
    let mut k = libm::floor(libm::log10(value)) as i32;
    // `log10` may land a hair off an exact power of ten; fix the decade by comparison.
    if pow10(k) > value {
        k -= 1;
    }
    if pow10(k + 1) <= value {
        k += 1;
    }
    k
}

/// `value` with `decimals` decimals, never `-0`.
pub(crate) fn clean(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis) -> Vec<&str> {
        axis.ticks().iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_round_numbers_with_just_enough_decimals() {
        assert_eq!(
            labels(&Axis::linear(0.0, 120.0, 8)),
            ["0", "20", "40", "60", "80", "100", "120"]
        );
        assert_eq!(
            labels(&Axis::linear(0.0, 1.08, 6)),
            ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
        );
        assert_eq!(
            labels(&Axis::linear(0.0, 0.013, 5)),
            ["0.000", "0.005", "0.010"]
        );
        assert_eq!(
            labels(&Axis::linear(0.0, 25_000.0, 5)),
            ["0", "5k", "10k", "15k", "20k", "25k"]
        );
        assert_eq!(
            labels(&Axis::linear(-3.0, 3.0, 6)),
            ["-3", "-2", "-1", "0", "1", "2", "3"]
        );
        // Exact decimals: the 3rd tick of 0.2 is 0.6, not 0.6000000000000001.
        assert_eq!(Axis::linear(0.0, 1.0, 5).ticks()[3].value, 0.6);
    }

    #[test]
    fn log_ticks_label_decades_and_add_2_and_5_when_few() {
        assert_eq!(
            labels(&Axis::log10(0, 2)),
            ["1", "2", "5", "10", "20", "50", "100"]
        );
        assert_eq!(
            labels(&Axis::log10(-1, 4)),
            ["0.1", "1", "10", "100", "1000", "10k"]
        );
        let axis = Axis::log10(1, 3);
        assert_eq!(axis.ticks()[0].value, 1.0);
        assert_eq!(axis.ticks().last().unwrap().value, 3.0);
    }

    #[test]
    fn extreme_ranges_still_get_a_few_ticks() {
        let axis = Axis::linear(1e15, 1e15 + 0.5, 8);
        assert!(!axis.ticks().is_empty() && axis.ticks().len() <= 9);
        let axis = Axis::linear(-1e100, 1e100, 6);
        assert!(!axis.ticks().is_empty() && axis.ticks().len() <= 7);
        assert_eq!(labels(&Axis::log10(-40, 400)).len(), 13);
    }

    #[test]
    fn decades_and_powers_are_exact() {
        assert_eq!(decade(1000.0), 3);
        assert_eq!(decade(999.999), 2);
        assert_eq!(decade(0.001), -3);
        assert_eq!(decade(0.00099), -4);
        assert_eq!(pow10(3), 1000.0);
        assert_eq!(clean(-0.0001, 2), "0.00");
    }

    #[test]
    fn pixels_follow_plotters_mapping_both_ways_round() {
        let axis = Axis::linear(0.0, 10.0, 5);
        assert_eq!(axis.pixel(0.0, (100, 200)), 100);
        assert_eq!(axis.pixel(10.0, (100, 200)), 200);
        assert_eq!(axis.pixel(5.0, (300, 100)), 200);
        assert_eq!(axis.pixel(1e300, (0, 100)), 401);
    }
}
