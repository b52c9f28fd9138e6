//! Virtual time: `SimTime` (an instant) and `SimDuration` (a span), both integer nanoseconds.
//!
//! Time never touches `f64` inside the engine; conversion to seconds happens only at the
//! reporting edge (`as_secs_f64`). Arithmetic saturates rather than wrapping, because a
//! saturated instant (`SimTime::MAX`) still sorts after every real one.

use std::fmt;

/// An instant of virtual time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of virtual time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

/// Why a duration string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Occurs when the text is not a number followed by a unit, e.g. `"250"` or `"fast"`.
    #[error(
        "`{text}` is not a duration ({reason}); write e.g. \"250ms\", \"2s\", \"1m30s\", \"500us\""
    )]
    Invalid {
        /// The text as given.
        text: String,
        /// What the parser disliked.
        reason: String,
    },
    /// Occurs when the duration does not fit in u64 nanoseconds (about 584 years).
    #[error("`{text}` is too long: durations must be below 584 years")]
    TooLong {
        /// The text as given.
        text: String,
    },
}

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The last representable instant; "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant `nanos` nanoseconds after the start.
    pub const fn from_nanos(nanos: u64) -> SimTime {
        SimTime(nanos)
    }

    /// Nanoseconds since the start.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start, for reports only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// This instant plus `span`, saturating at `SimTime::MAX`.
    pub const fn add(self, span: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(span.0))
    }

    /// The span from `earlier` to `self`; zero if `earlier` is later.
    pub const fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

/// 2^52: every f64 at or above it is a whole number.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest representable span.
    pub const MAX: SimDuration = SimDuration(u64::MAX);
    /// The longest run the engine is meant for: 30 days of virtual time. Every run keeps
    /// per-second series (a row per second per client and per service, about 2.6 million rows
    /// at 30 days), and a question about a month of traffic is answered by a representative
    /// day, not by simulating each request of the month; without a bound a typo such as
    /// `"1000000h"` grew until memory ran out (issue #17). Scenario validation refuses a
    /// longer `duration`.
    pub const RUN_MAX: SimDuration = SimDuration::from_secs(30 * 24 * 60 * 60);

    /// A span of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: u64) -> SimDuration {
        SimDuration(nanos)
    }

    /// A span of `micros` microseconds (saturating).
    pub const fn from_micros(micros: u64) -> SimDuration {
        SimDuration(micros.saturating_mul(1_000))
    }

    /// A span of `millis` milliseconds (saturating).
    pub const fn from_millis(millis: u64) -> SimDuration {
        SimDuration(millis.saturating_mul(1_000_000))
    }

    /// A span of `secs` seconds (saturating).
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs.saturating_mul(1_000_000_000))
    }

    /// The span nearest to `nanos` (rounded, clamped to `0..=u64::MAX`); for sampled values.
    #[inline]
    pub fn from_nanos_f64(nanos: f64) -> SimDuration {
        // Rounds half away from zero, like `f64::round`, but without its call into a software
        // routine (x86-64 without SSE4.1 has no rounding instruction). Every step is exact, so
        // the result is the same on every platform.
        if nanos >= TWO_POW_52 {
            // Every f64 from 2^52 on is a whole number; the cast saturates at `u64::MAX`.
            SimDuration(nanos as u64)
        } else if nanos > 0.0 {
            // Below 2^52 a signed cast is exact and cheaper than an unsigned one.
            let whole = nanos as i64;
            // Exact: `whole` is `nanos` truncated, so at least half of it (Sterbenz).
            let fraction = nanos - whole as f64;
            SimDuration(whole as u64 + u64::from(fraction >= 0.5))
        } else {
            // Zero, negative or NaN.
            SimDuration(0)
        }
    }

    /// Nanoseconds in this span.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// This span in seconds, for reports only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// This span in milliseconds, for reports only.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Sum of two spans, saturating.
    pub const fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }

    /// Difference of two spans, zero if `other` is longer.
    pub const fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }

    /// This span times `factor`, saturating.
    pub const fn saturating_mul(self, factor: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(factor))
    }

    /// Reads a duration such as `"250ms"`, `"2s"`, `"1m30s"`, `"500us"` or `"1.5s"`.
    ///
    /// ```
    /// use sim_core::SimDuration;
    /// assert_eq!(SimDuration::parse("1m30s").unwrap(), SimDuration::from_secs(90));
    /// assert_eq!(SimDuration::parse("250ms").unwrap(), SimDuration::from_millis(250));
    /// ```
    pub fn parse(text: &str) -> Result<SimDuration, DurationError> {
        let parsed =
            humantime::parse_duration(text.trim()).map_err(|e| DurationError::Invalid {
                text: text.to_string(),
                reason: e.to_string(),
            })?;
        let nanos = u64::try_from(parsed.as_nanos()).map_err(|_| DurationError::TooLong {
            text: text.to_string(),
        })?;
        Ok(SimDuration(nanos))
    }
}

impl fmt::Display for SimDuration {
    /// Prints the shortest exact form in the largest fitting unit: `1.25s`, `250ms`, `500us`, `7ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_nanos(self.0, f)
    }
}

impl fmt::Display for SimTime {
    /// Prints the instant as the span since the start, e.g. `61.5s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_nanos(self.0, f)
    }
}

fn format_nanos(nanos: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    // Pick the largest unit whose whole part is non-zero, and print the fraction exactly
    // (trailing zeros trimmed) so that printing never loses precision.
    let units: [(u64, &str); 4] = [
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ];
    if nanos == 0 {
        return write!(f, "0s");
    }
    for (scale, unit) in units {
        if nanos >= scale {
            let whole = nanos / scale;
            let frac = nanos % scale;
            if frac == 0 {
                return write!(f, "{whole}{unit}");
            }
            let digits = scale.ilog10() as usize;
            let text = format!("{frac:0digits$}");
            return write!(f, "{whole}.{}{unit}", text.trim_end_matches('0'));
        }
    }
    unreachable!("every non-zero value is at least one nanosecond")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition `from_nanos_f64` must agree with: `f64::round`, clamped.
    fn from_nanos_f64_reference(nanos: f64) -> SimDuration {
        if nanos.is_nan() || nanos <= 0.0 {
            SimDuration(0)
        } else if nanos >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(nanos.round() as u64)
        }
    }

    #[test]
    fn from_nanos_f64_rounds_exactly_like_f64_round() {
        let mut values = vec![
            0.0,
            -0.0,
            -0.5,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::from_bits(0.5f64.to_bits() - 1),
            TWO_POW_52,
            u64::MAX as f64,
            1e30,
        ];
        // Halves and their neighbours at every scale up to 2^53, where the spacing reaches 2.
        for shift in 0..=53 {
            let base = (1u64 << shift) as f64;
            for x in [base - 0.5, base + 0.5, base, base - 1.0, base + 1.0] {
                // The neighbouring floats (all these are positive but 0, whose lower
                // neighbour by this formula is a NaN, also a fine input).
                let bits = x.to_bits();
                values.extend([
                    x,
                    f64::from_bits(bits.wrapping_sub(1)),
                    f64::from_bits(bits + 1),
                ]);
            }
        }
        // Arbitrary bit patterns, most of them in the range of real durations.
        let mut stream = crate::rng::Stream::new(31, "from_nanos_f64");
        for _ in 0..200_000 {
            let bits = stream.next_u64();
            values.push(f64::from_bits(bits));
            values.push(stream.exponential(1e6));
            values.push((bits >> 11) as f64 / 8.0);
        }
        for x in values {
            assert_eq!(
                SimDuration::from_nanos_f64(x),
                from_nanos_f64_reference(x),
                "{x:e} ({:#x})",
                x.to_bits()
            );
        }
    }

    #[test]
    fn parses_the_forms_scenarios_use() {
        assert_eq!(SimDuration::parse("250ms").unwrap().as_nanos(), 250_000_000);
        assert_eq!(SimDuration::parse("2s").unwrap().as_nanos(), 2_000_000_000);
        assert_eq!(
            SimDuration::parse("1m30s").unwrap().as_nanos(),
            90_000_000_000
        );
        assert_eq!(SimDuration::parse("500us").unwrap().as_nanos(), 500_000);
        assert_eq!(
            SimDuration::parse("1.5s").unwrap().as_nanos(),
            1_500_000_000
        );
        assert_eq!(SimDuration::parse("0s").unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn rejects_unitless_and_garbage() {
        assert!(matches!(
            SimDuration::parse("250"),
            Err(DurationError::Invalid { .. })
        ));
        assert!(matches!(
            SimDuration::parse("fast"),
            Err(DurationError::Invalid { .. })
        ));
        assert!(matches!(
            SimDuration::parse("-1s"),
            Err(DurationError::Invalid { .. })
        ));
    }

    #[test]
    fn displays_exactly() {
        assert_eq!(SimDuration::from_millis(1250).to_string(), "1.25s");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_micros(500).to_string(), "500us");
        assert_eq!(SimDuration::from_nanos(7).to_string(), "7ns");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
        assert_eq!(SimTime::from_nanos(61_500_000_000).to_string(), "61.5s");
    }

    #[test]
    fn display_round_trips_through_parse() {
        for nanos in [
            1,
            999,
            1_000,
            1_001,
            123_456_789,
            90_000_000_000,
            1_500_000_001,
        ] {
            let d = SimDuration::from_nanos(nanos);
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d, "{d}");
        }
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX.add(SimDuration::from_secs(1)), SimTime::MAX);
        assert_eq!(
            SimTime::ZERO.since(SimTime::from_nanos(5)),
            SimDuration::ZERO
        );
    }
}
