//! `RunDigest`: what a report reads of one run, as data that survives a trip through JSON.
//!
//! A multi-run command (compare, sweep, capacity, map) journals every finished run so that an
//! interrupted command resumes where it stopped and the shards of a command run on several
//! machines merge into the report one machine would have written, byte for byte. Neither may
//! re-run anything, so the journal holds exactly what `Comparison::add_digest` consumes: the
//! run's metric values (`comparison::measure`), its SLO verdicts, fault windows, per-second
//! series and latency histograms. `Comparison::add` builds a digest and adds that, so a run
//! read back from a journal and a run just simulated take the same path.
//!
//! Two encodings keep the round trip exact. A series' undefined seconds (NaN, a latency
//! quantile of a second with no success) are written as `null` and read back as NaN. A
//! histogram is written as its non-empty buckets plus the exact count, minimum and maximum
//! (`Buckets`); rebuilt, it has the same count in every bucket and the same minimum and
//! maximum, so every quantile and count a report reads is the same. (Its exact sum is not
//! kept: `sim_core::Histogram` does not expose it, and reports do not read it.)
//!
//! This module knows nothing of files or journals; the CLI decides where digests go.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_core::{Histogram, SimDuration};

use models::RunResult;

use crate::metric::Metric;
use crate::summary::{FaultWindow, RunSummary, SloVerdict};

/// What a report reads of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunDigest {
    /// The master seed.
    pub seed: u64,
    /// The trace hash, 16 hex digits.
    pub trace_hash: String,
    /// Events processed.
    pub events: u64,
    /// Virtual seconds simulated (including the warm-up).
    pub sim_time_s: f64,
    /// Virtual seconds measured (after the warm-up).
    pub measured_s: f64,
    /// Each SLO's verdict, in scenario order.
    pub slo: Vec<SloVerdict>,
    /// Every scheduled fault with its window, in schedule order.
    pub faults: Vec<FaultWindow>,
    /// The run's metrics in report order (SLO attainment first), each with its value (null
    /// where the run gives it no meaning).
    pub values: Vec<(Metric, Option<f64>)>,
    /// Series by key (`clients.web.goodput`, `services.api.queue`), one row per
    /// `series_interval_s`, NaN for an undefined row (`null` in JSON).
    #[serde(with = "gaps")]
    pub series: BTreeMap<String, Vec<f64>>,
    /// The width of a row of `series` in seconds (`RunResult::series_interval`): 1 for runs up
    /// to 2,000 s, absent from the JSON then (as in digests written before it existed).
    #[serde(default = "one_second", skip_serializing_if = "is_one_second")]
    pub series_interval_s: f64,
    /// Each client's latency of successful requests, by client name.
    pub latency: BTreeMap<String, Buckets>,
    /// Each client's time to an outcome of every request, by client name.
    pub latency_all: BTreeMap<String, Buckets>,
}

impl RunDigest {
    /// The digest of a run: its summary and what it measured.
    pub fn new(summary: &RunSummary, result: &RunResult) -> RunDigest {
        let mut series = BTreeMap::new();
        for client in &result.clients {
            let s = &client.series;
            let named = [
                ("offered", s.offered_per_s.clone()),
                ("attempts", s.attempts_per_s.clone()),
                ("goodput", s.goodput_per_s.clone()),
                ("failed", s.failed_per_s.clone()),
                ("timeouts", s.timeouts_per_s.clone()),
                ("p50", nan_gaps(&s.latency_p50_ms)),
                ("p99", nan_gaps(&s.latency_p99_ms)),
                ("breaker_open", s.breaker_open.clone()),
                ("in_flight", s.in_flight.clone()),
            ];
            for (what, values) in named {
                series.insert(format!("clients.{}.{what}", client.name), values);
            }
        }
        if let Some(database) = &result.database {
            let s = &database.series;
            let named = [
                ("stale_reads", s.stale_reads_per_s.clone()),
                ("failed_writes", s.failed_writes_per_s.clone()),
                ("staleness_p99", nan_gaps(&s.staleness_p99_ms)),
            ];
            for (what, values) in named {
                series.insert(format!("database.{}.{what}", database.name), values);
            }
        }
        for (name, queue) in &summary.queues {
            series.insert(format!("queues.{name}.lag"), queue.lag_series.clone());
        }
        for verdict in summary.slo.iter().filter(|v| v.class.is_none()) {
            // The burn rate of the short window (`burn`), the users' side of the dashboard.
            let spec = crate::summary::SloSpec {
                client: verdict.client.clone(),
                class: None,
                latency_below: sim_core::SimDuration::from_nanos(
                    (verdict.latency_below_ms * 1e6).round() as u64,
                ),
                target: verdict.target,
            };
            if let Some(burn) = crate::burn::SloBurn::of(result, &spec) {
                let key = format!("slo.{}.{}ms.burn", verdict.client, verdict.latency_below_ms);
                series.insert(key, nan_gaps(&burn.short));
            }
        }
        for service in &result.services {
            // What the service's own dashboard shows: errors and rejections over arrivals.
            let s = &service.series;
            let error_rate: Vec<f64> = s
                .arrivals_per_s
                .iter()
                .zip(&s.errors_per_s)
                .zip(&s.rejected_per_s)
                .map(|((arrivals, errors), rejected)| {
                    if *arrivals > 0.0 {
                        (errors + rejected) / arrivals * 100.0
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            series.insert(format!("services.{}.error_rate", service.name), error_rate);
        }
        for service in &result.services {
            let s = &service.series;
            let named = [
                ("queue", &s.queue_len),
                ("busy", &s.busy),
                ("arrivals", &s.arrivals_per_s),
            ];
            for (what, values) in named {
                series.insert(format!("services.{}.{what}", service.name), values.clone());
            }
            // Only an autoscaled service has one, so other digests are what they were.
            if let Some(a) = &service.autoscale {
                let key = format!("services.{}.replicas", service.name);
                series.insert(key, a.replicas_provisioned.clone());
            }
        }
        RunDigest {
            seed: summary.seed,
            trace_hash: summary.trace_hash.clone(),
            events: summary.events,
            sim_time_s: summary.sim_time_s,
            measured_s: summary.measured_s,
            slo: summary.slo.clone(),
            faults: summary.faults.clone(),
            values: crate::comparison::measure(summary),
            series,
            series_interval_s: result.series_interval().as_secs_f64(),
            latency: result
                .clients
                .iter()
                .map(|c| (c.name.clone(), Buckets::of(&c.latency)))
                .collect(),
            latency_all: result
                .clients
                .iter()
                .map(|c| (c.name.clone(), Buckets::of(&c.latency_all)))
                .collect(),
        }
    }

    /// True when every SLO is met (vacuously true with none).
    pub fn slos_met(&self) -> bool {
        self.slo.iter().all(|v| v.met)
    }

    /// The digest as one line of JSON (no newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("a digest always serializes")
    }
}

/// The row width of a digest that does not say: 1 s.
fn one_second() -> f64 {
    1.0
}

/// True for a row width of 1 s, which a digest's JSON leaves out.
fn is_one_second(seconds: &f64) -> bool {
    *seconds == 1.0
}

/// A series with undefined seconds as NaN, the gaps plots leave.
fn nan_gaps(values: &[Option<f64>]) -> Vec<f64> {
    values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

/// A latency histogram as data: its non-empty buckets and its exact count, minimum and maximum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buckets {
    /// Values recorded.
    pub count: u64,
    /// The exact smallest value, in nanoseconds (0 when empty).
    pub min_ns: u64,
    /// The exact largest value, in nanoseconds (0 when empty).
    pub max_ns: u64,
    /// Each non-empty bucket as (its lowest value in nanoseconds, how many values it holds),
    /// in increasing order.
    pub buckets: Vec<(u64, u64)>,
}

/// Sub-buckets per power of two: `sim_core::Histogram`'s layout (7 bits of mantissa; values
/// below 128 ns have a bucket each). A unit test checks that this mirror of the layout agrees
/// with the histogram's own counts.
const SUB_BUCKETS: u64 = 128;

/// The lowest value and the width of the bucket holding `value`.
fn bucket_bounds(value: u64) -> (u64, u64) {
    if value < SUB_BUCKETS {
        return (value, 1);
    }
    let exponent = 63 - value.leading_zeros();
    let shift = exponent - SUB_BUCKETS.trailing_zeros();
    ((value >> shift) << shift, 1u64 << shift)
}

impl Buckets {
    /// The buckets of `histogram`, read through its public counts.
    pub fn of(histogram: &Histogram) -> Buckets {
        let count = histogram.count();
        if count == 0 {
            return Buckets {
                count,
                min_ns: 0,
                max_ns: 0,
                buckets: Vec::new(),
            };
        }
        let (min_ns, max_ns) = (histogram.min().as_nanos(), histogram.max().as_nanos());
        let mut buckets = Vec::new();
        let mut below = 0;
        let mut low = bucket_bounds(min_ns).0;
        // Walk the buckets from the minimum's to the maximum's, reading each one's count as
        // the difference of two cumulative counts.
        while below < count {
            let (start, width) = bucket_bounds(low);
            let last = start + (width - 1);
            let cumulative = histogram.count_at_or_below(SimDuration::from_nanos(last));
            if cumulative > below {
                buckets.push((start, cumulative - below));
                below = cumulative;
            }
            if last >= max_ns {
                break;
            }
            low = last + 1;
        }
        assert_eq!(below, count, "the buckets hold every recorded value");
        Buckets {
            count,
            min_ns,
            max_ns,
            buckets,
        }
    }

    /// A histogram with the same bucket counts, minimum and maximum: every value of a bucket
    /// is recorded at its lowest value, except in the buckets of the minimum and the maximum,
    /// whose values are recorded at those (so both stay exact).
    pub fn histogram(&self) -> Histogram {
        let mut histogram = Histogram::new();
        let mut record = |value: u64, times: u64| {
            for _ in 0..times {
                histogram.record(SimDuration::from_nanos(value));
            }
        };
        for &(start, n) in &self.buckets {
            let (_, width) = bucket_bounds(start);
            let holds = |v: u64| start <= v && v - start < width;
            match (holds(self.min_ns), holds(self.max_ns)) {
                // One bucket holds everything: the maximum once, the rest at the minimum.
                (true, true) if n >= 2 => {
                    record(self.max_ns, 1);
                    record(self.min_ns, n - 1);
                }
                (true, _) => record(self.min_ns, n),
                (false, true) => record(self.max_ns, n),
                (false, false) => record(start, n),
            }
        }
        histogram
    }
}

/// Serde for a map of series whose NaN entries travel as `null`.
mod gaps {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes NaN as `null`.
    pub fn serialize<S: Serializer>(
        map: &BTreeMap<String, Vec<f64>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let shown: BTreeMap<&String, Vec<Option<f64>>> = map
            .iter()
            .map(|(key, values)| {
                let values = values.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
                (key, values)
            })
            .collect();
        shown.serialize(serializer)
    }

    /// Reads `null` as NaN.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, Vec<f64>>, D::Error> {
        let read = BTreeMap::<String, Vec<Option<f64>>>::deserialize(deserializer)?;
        Ok(read
            .into_iter()
            .map(|(key, values)| {
                let values = values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
                (key, values)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::Stream;

    fn histogram_of(values: &[u64]) -> Histogram {
        let mut h = Histogram::new();
        for &v in values {
            h.record(SimDuration::from_nanos(v));
        }
        h
    }

    fn assert_same_reading(a: &Histogram, b: &Histogram) {
        assert_eq!(a.count(), b.count());
        assert_eq!(a.min(), b.min());
        assert_eq!(a.max(), b.max());
        for i in 0..=1000 {
            let q = f64::from(i) / 1000.0;
            assert_eq!(a.quantile_nanos(q), b.quantile_nanos(q), "quantile {q}");
        }
        for v in [0, 1, 127, 128, 129, 1_000, 65_535, 1_000_000, 123_456_789] {
            let at = SimDuration::from_nanos(v);
            assert_eq!(a.count_at_or_below(at), b.count_at_or_below(at), "at {v}");
        }
    }

    #[test]
    fn buckets_rebuild_a_histogram_that_reads_the_same() {
        let mut stream = Stream::new(7, "digest-test");
        let mut values: Vec<u64> = (0..20_000)
            .map(|_| (stream.exponential(2e6) as u64).max(1))
            .collect();
        values.extend([0, 5, 127, 128, 129, 255, 256, 40_000_000_000]);
        let original = histogram_of(&values);
        let buckets = Buckets::of(&original);
        assert_same_reading(&original, &buckets.histogram());
        let text = serde_json::to_string(&buckets).unwrap();
        let back: Buckets = serde_json::from_str(&text).unwrap();
        assert_eq!(back, buckets);
    }

    #[test]
    fn small_and_empty_histograms_survive() {
        for values in [
            vec![],
            vec![0],
            vec![3_000_000],
            vec![3_000_000, 3_000_001],
            vec![3_000_000, 3_000_000, 3_000_007],
            vec![1, 1, 1],
            vec![u64::MAX / 2],
        ] {
            let original = histogram_of(&values);
            assert_same_reading(&original, &Buckets::of(&original).histogram());
        }
    }

    #[test]
    fn the_bucket_layout_mirror_agrees_with_the_histogram() {
        // A value at a bucket's lowest value and one just below it fall in different
        // buckets; the mirror must say so where the histogram's counts do.
        for v in [128u64, 256, 1_000, 65_536, 1 << 40] {
            let (start, width) = bucket_bounds(v);
            assert!(start <= v && v - start < width);
            let h = histogram_of(&[start]);
            assert_eq!(h.count_at_or_below(SimDuration::from_nanos(start - 1)), 0);
            assert_eq!(
                h.count_at_or_below(SimDuration::from_nanos(start + width - 1)),
                1
            );
            let next = histogram_of(&[start + width]);
            assert_eq!(
                next.count_at_or_below(SimDuration::from_nanos(start + width - 1)),
                0
            );
        }
    }
}
