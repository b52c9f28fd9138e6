//! Variants compared over seeds: one value per run and metric, intervals, paired differences.
//!
//! The CLI runs every variant on the same seeds (common random numbers: the variants see the
//! same arrivals, service times, network draws and faults) and adds each run here in a fixed
//! order. `Comparison::finish` turns the per-seed values into 95% Student-t intervals and, for
//! every variant but the baseline, the interval of its paired difference from the baseline —
//! pairing by seed removes the luck both runs of a seed share, which is what makes small
//! differences visible with few seeds.

use std::collections::BTreeMap;

use serde::Serialize;
use sim_core::Histogram;

use models::RunResult;

use crate::stats::{interval, paired_difference, Interval};
use crate::summary::{FaultWindow, RunSummary};

/// Which direction of a metric is good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// More is better (goodput, SLO attainment).
    Higher,
    /// Less is better (latency, amplification).
    Lower,
    /// Neither: shown, never judged (utilization).
    Neither,
}

/// A number measured once per run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metric {
    /// Stable identifier (`clients.web.goodput_per_s`).
    pub key: String,
    /// Words for tables (`web goodput`).
    pub label: String,
    /// Unit (`req/s`, `ms`, `%`).
    pub unit: String,
    /// Which direction is good.
    pub better: Better,
    /// Headline metrics lead the report and drive `--precision`.
    pub headline: bool,
    /// The value an SLO requires (SLO attainment rows only), in the metric's unit.
    pub target: Option<f64>,
}

/// Per-second series averaged over the seeds of one variant.
#[derive(Clone, Debug, Default, PartialEq)]
struct SeriesSum {
    sum: Vec<f64>,
    runs: u32,
}

impl SeriesSum {
    fn add(&mut self, values: &[f64]) {
        if self.sum.len() < values.len() {
            self.sum.resize(values.len(), 0.0);
        }
        for (total, value) in self.sum.iter_mut().zip(values) {
            *total += value;
        }
        self.runs += 1;
    }

    fn mean(&self) -> Vec<f64> {
        let runs = f64::from(self.runs.max(1));
        self.sum.iter().map(|total| total / runs).collect()
    }
}

/// What one variant's runs produced so far.
#[derive(Clone, Debug, Default)]
struct VariantRuns {
    name: String,
    seeds: Vec<u64>,
    values: BTreeMap<String, Vec<f64>>,
    series: BTreeMap<String, SeriesSum>,
    latency: BTreeMap<String, Histogram>,
    slo_met: u32,
    trace_hashes: Vec<String>,
}

/// Runs of several variants on the same seeds, being collected.
#[derive(Clone, Debug)]
pub struct Comparison {
    metrics: Vec<Metric>,
    variants: Vec<VariantRuns>,
    faults: Option<Vec<FaultWindow>>,
    faults_vary: bool,
}

/// What a comparison found: the contents of results.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Findings {
    /// Variant names; the first is the baseline.
    pub variants: Vec<String>,
    /// The seeds every variant ran, in order.
    pub seeds: Vec<u64>,
    /// One row per metric, headline metrics first.
    pub metrics: Vec<MetricRow>,
    /// Per variant: in how many seeds every SLO was met.
    pub slo_met: Vec<SloTally>,
    /// The fault windows shaded in the plots (those of the baseline's first seed).
    pub faults: Vec<FaultWindow>,
    /// Whether some seed's fault windows differ from those shown (random faults).
    pub faults_vary: bool,
    /// Per variant, each seed's trace hash, so any single run can be replayed and checked.
    pub trace_hashes: BTreeMap<String, Vec<String>>,
}

/// One metric across variants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricRow {
    /// The metric.
    pub metric: Metric,
    /// One entry per variant, in variant order.
    pub by_variant: Vec<VariantValue>,
}

/// One metric for one variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantValue {
    /// The variant.
    pub variant: String,
    /// Mean over seeds with its 95% interval.
    pub estimate: Interval,
    /// The paired difference (this variant − baseline) with its 95% interval; null for the
    /// baseline itself.
    pub difference: Option<Interval>,
    /// The difference in plain words; null for the baseline.
    pub verdict: Option<String>,
}

/// How often a variant met every SLO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SloTally {
    /// The variant.
    pub variant: String,
    /// Seeds in which every SLO was met.
    pub met: u32,
    /// Seeds run.
    pub runs: u32,
}

/// A per-second series of one variant, averaged over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct MeanSeries {
    /// The variant.
    pub variant: String,
    /// Value of each second of the run (index i covers seconds i..i+1).
    pub values: Vec<f64>,
}

impl Comparison {
    /// An empty comparison of `variants` (the first is the baseline).
    pub fn new(variants: &[String]) -> Comparison {
        Comparison {
            metrics: Vec::new(),
            variants: variants
                .iter()
                .map(|name| VariantRuns {
                    name: name.clone(),
                    ..VariantRuns::default()
                })
                .collect(),
            faults: None,
            faults_vary: false,
        }
    }

    /// Adds one run of variant number `variant`. Add runs in a fixed order (variant by
    /// variant, seed by seed) so the findings never depend on scheduling.
    pub fn add(&mut self, variant: usize, summary: &RunSummary, result: &RunResult) {
        match &self.faults {
            None => self.faults = Some(summary.faults.clone()),
            Some(shown) => {
                let same = shown.len() == summary.faults.len()
                    && shown.iter().zip(&summary.faults).all(|(a, b)| {
                        a.kind == b.kind
                            && a.target == b.target
                            && a.start_s == b.start_s
                            && a.end_s == b.end_s
                    });
                self.faults_vary |= !same;
            }
        }
        let values = measure(summary);
        for (metric, _) in &values {
            if !self.metrics.iter().any(|m| m.key == metric.key) {
                self.metrics.push(metric.clone());
                // A metric first seen now counts something the runs added before did not
                // have (a cache, a side effect, a pool): they had none of it.
                for runs in &mut self.variants {
                    runs.values
                        .insert(metric.key.clone(), vec![0.0; runs.seeds.len()]);
                }
            }
        }
        let runs = &mut self.variants[variant];
        runs.seeds.push(summary.seed);
        runs.trace_hashes.push(summary.trace_hash.clone());
        runs.slo_met += u32::from(summary.slos_met());
        for metric in &self.metrics {
            let value = values
                .iter()
                .find(|(m, _)| m.key == metric.key)
                .map_or(0.0, |(_, value)| *value);
            runs.values
                .entry(metric.key.clone())
                .or_default()
                .push(value);
        }
        for client in &result.clients {
            let series = &client.series;
            let named = [
                ("offered", &series.offered_per_s),
                ("attempts", &series.attempts_per_s),
                ("goodput", &series.goodput_per_s),
                ("failed", &series.failed_per_s),
                ("timeouts", &series.timeouts_per_s),
                ("p50", &series.latency_p50_ms),
                ("p99", &series.latency_p99_ms),
                ("breaker_open", &series.breaker_open),
                ("in_flight", &series.in_flight),
            ];
            for (what, values) in named {
                let key = format!("clients.{}.{what}", client.name);
                runs.series.entry(key).or_default().add(values);
            }
            runs.latency
                .entry(client.name.clone())
                .or_default()
                .merge(&client.latency);
        }
        if let Some(database) = &result.database {
            let series = &database.series;
            let named = [
                ("stale_reads", &series.stale_reads_per_s),
                ("failed_writes", &series.failed_writes_per_s),
                ("staleness_p99", &series.staleness_p99_ms),
            ];
            for (what, values) in named {
                let key = format!("database.{}.{what}", database.name);
                runs.series.entry(key).or_default().add(values);
            }
        }
        for service in &result.services {
            let series = &service.series;
            let named = [
                ("queue", &series.queue_len),
                ("busy", &series.busy),
                ("arrivals", &series.arrivals_per_s),
            ];
            for (what, values) in named {
                let key = format!("services.{}.{what}", service.name);
                runs.series.entry(key).or_default().add(values);
            }
        }
    }

    /// Names of the databases seen (one at most today), for choosing plots.
    pub fn databases(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for key in self.variants.iter().flat_map(|runs| runs.series.keys()) {
            if let Some(rest) = key.strip_prefix("database.") {
                let name = rest.split('.').next().unwrap_or(rest);
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        names
    }

    /// Runs added so far to the variant that has the fewest.
    pub fn seeds_run(&self) -> usize {
        self.variants
            .iter()
            .map(|v| v.seeds.len())
            .min()
            .unwrap_or(0)
    }

    /// The largest relative half-width among headline metrics over all variants (None until
    /// every variant has two seeds; metrics whose mean is 0 are skipped).
    pub fn worst_headline_precision(&self) -> Option<f64> {
        let mut worst: Option<f64> = None;
        for metric in self.metrics.iter().filter(|m| m.headline) {
            for runs in &self.variants {
                let samples = runs.values.get(&metric.key)?;
                let estimate = interval(samples);
                estimate.half_width?;
                if let Some(relative) = estimate.relative_half_width() {
                    worst = Some(worst.map_or(relative, |w| w.max(relative)));
                }
            }
        }
        worst
    }

    /// The per-second series named `key` (`clients.web.goodput`, `services.api.queue`) of
    /// every variant, averaged over seeds.
    pub fn series(&self, key: &str) -> Vec<MeanSeries> {
        self.variants
            .iter()
            .filter_map(|runs| {
                runs.series.get(key).map(|sum| MeanSeries {
                    variant: runs.name.clone(),
                    values: sum.mean(),
                })
            })
            .collect()
    }

    /// Every client's latency histogram per variant, merged over seeds: `(client, variant,
    /// histogram)`, clients in name order.
    pub fn latencies(&self) -> Vec<(String, String, &Histogram)> {
        let mut clients: Vec<&String> = self
            .variants
            .iter()
            .flat_map(|runs| runs.latency.keys())
            .collect();
        clients.sort();
        clients.dedup();
        let mut out = Vec::new();
        for client in clients {
            for runs in &self.variants {
                if let Some(histogram) = runs.latency.get(client) {
                    out.push((client.clone(), runs.name.clone(), histogram));
                }
            }
        }
        out
    }

    /// Names of the clients and services seen, for choosing plots: `(clients, services)`.
    pub fn nodes(&self) -> (Vec<String>, Vec<String>) {
        let mut clients = Vec::new();
        let mut services = Vec::new();
        for key in self.variants.iter().flat_map(|runs| runs.series.keys()) {
            let mut parts = key.splitn(3, '.');
            let (Some(kind), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            let list = match kind {
                "clients" => &mut clients,
                "services" => &mut services,
                _ => continue,
            };
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        }
        (clients, services)
    }

    /// Intervals, paired differences and verdicts over the runs added so far.
    pub fn finish(&self) -> Findings {
        let baseline = &self.variants[0];
        let mut metrics: Vec<MetricRow> = self
            .metrics
            .iter()
            .map(|metric| {
                let base = baseline.values.get(&metric.key);
                let by_variant = self
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(index, runs)| {
                        let samples = runs.values.get(&metric.key).map_or(&[][..], |v| v);
                        let estimate = interval(samples);
                        let difference = match (index, base) {
                            (0, _) | (_, None) => None,
                            (_, Some(base)) => Some(paired_difference(samples, base)),
                        };
                        let verdict =
                            difference.map(|d| verdict(&runs.name, &baseline.name, metric, &d));
                        VariantValue {
                            variant: runs.name.clone(),
                            estimate,
                            difference,
                            verdict,
                        }
                    })
                    .collect();
                MetricRow {
                    metric: metric.clone(),
                    by_variant,
                }
            })
            .collect();
        // Headline metrics first; otherwise the order in which metrics were first seen.
        metrics.sort_by_key(|row| !row.metric.headline);
        Findings {
            variants: self.variants.iter().map(|v| v.name.clone()).collect(),
            seeds: baseline.seeds.clone(),
            metrics,
            slo_met: self
                .variants
                .iter()
                .map(|runs| SloTally {
                    variant: runs.name.clone(),
                    met: runs.slo_met,
                    runs: runs.seeds.len() as u32,
                })
                .collect(),
            faults: self.faults.clone().unwrap_or_default(),
            faults_vary: self.faults_vary,
            trace_hashes: self
                .variants
                .iter()
                .map(|runs| (runs.name.clone(), runs.trace_hashes.clone()))
                .collect(),
        }
    }
}

impl Findings {
    /// results.json: pretty JSON with a trailing newline, the same bytes for the same runs.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("findings always serialize");
        text.push('\n');
        text
    }
}

/// The metrics of one run, in report order.
fn measure(summary: &RunSummary) -> Vec<(Metric, f64)> {
    let metric = |key: String, label: String, unit: &str, better, headline| Metric {
        key,
        label,
        unit: unit.to_string(),
        better,
        headline,
        target: None,
    };
    let mut out = Vec::new();
    for slo in &summary.slo {
        out.push((
            Metric {
                target: Some(slo.target * 100.0),
                ..metric(
                    format!("slo.{}.{}ms", slo.client, slo.latency_below_ms),
                    format!(
                        "{} within {} ms (SLO {}%)",
                        slo.client,
                        slo.latency_below_ms,
                        slo.target * 100.0
                    ),
                    "%",
                    Better::Higher,
                    true,
                )
            },
            slo.observed * 100.0,
        ));
    }
    for (name, client) in &summary.clients {
        let key = |what: &str| format!("clients.{name}.{what}");
        let success = if client.requests == 0 {
            0.0
        } else {
            client.succeeded as f64 / client.requests as f64 * 100.0
        };
        let rows = [
            (
                "goodput_per_s",
                "goodput",
                "req/s",
                Better::Higher,
                true,
                client.goodput_per_s,
            ),
            ("success", "success", "%", Better::Higher, false, success),
            (
                "latency_p50",
                "p50 latency",
                "ms",
                Better::Lower,
                false,
                client.latency_ms.p50,
            ),
            (
                "latency_p99",
                "p99 latency",
                "ms",
                Better::Lower,
                true,
                client.latency_ms.p99,
            ),
            (
                "amplification",
                "attempts per request",
                "×",
                Better::Lower,
                false,
                client.amplification,
            ),
        ];
        for (what, label, unit, better, headline, value) in rows {
            out.push((
                metric(key(what), format!("{name} {label}"), unit, better, headline),
                value,
            ));
        }
    }
    for (name, client) in &summary.clients {
        // Issue #4's patterns, when a run has them (a run without counts 0).
        let key = |what: &str| format!("clients.{name}.{what}");
        let mut rows: Vec<(&str, &str, &str, Better, bool, f64)> = Vec::new();
        if let Some(cache) = &client.cache {
            rows.push((
                "cache_hit_ratio",
                "cache hit ratio",
                "%",
                Better::Higher,
                false,
                cache.hit_ratio * 100.0,
            ));
            rows.push((
                "cache_stale_served",
                "stale answers served",
                "requests",
                Better::Neither,
                false,
                cache.stale_served as f64,
            ));
        }
        if let Some(degraded) = client.degraded {
            // A degraded answer is a cost paid instead of a failure: neither better nor worse.
            rows.push((
                "degraded",
                "degraded answers",
                "requests",
                Better::Neither,
                false,
                degraded as f64,
            ));
        }
        for (what, label, unit, better, headline, value) in rows {
            out.push((
                metric(key(what), format!("{name} {label}"), unit, better, headline),
                value,
            ));
        }
    }
    for (name, service) in &summary.services {
        let key = |what: &str| format!("services.{name}.{what}");
        let mut rows: Vec<(String, String, &str, Better, bool, f64)> = Vec::new();
        if let Some(idempotency) = &service.idempotency {
            rows.push((
                key("duplicate_side_effects"),
                format!("{name} duplicate side effects"),
                "executions",
                Better::Lower,
                true,
                idempotency.duplicate_side_effects as f64,
            ));
        }
        for (pool, stats) in &service.pools {
            rows.push((
                key(&format!("pools.{pool}.rejected")),
                format!("{name} pool {pool} rejected"),
                "attempts",
                Better::Lower,
                false,
                stats.rejected as f64,
            ));
        }
        for (priority, stats) in service.priorities.iter().flatten() {
            rows.push((
                key(&format!("priorities.{priority}.shed")),
                format!("{name} {priority} shed"),
                "attempts",
                Better::Lower,
                false,
                stats.shed as f64,
            ));
        }
        for call in &service.calls {
            if let Some(cache) = &call.cache {
                let target = &call.target;
                rows.push((
                    key(&format!("calls.{target}.cache_hit_ratio")),
                    format!("{name} → {target} cache hit ratio"),
                    "%",
                    Better::Higher,
                    false,
                    cache.hit_ratio * 100.0,
                ));
            }
        }
        for (what, label, unit, better, headline, value) in rows {
            out.push((metric(what, label, unit, better, headline), value));
        }
    }
    for (name, service) in &summary.services {
        let key = |what: &str| format!("services.{name}.{what}");
        let rows = [
            (
                "utilization",
                "utilization",
                "%",
                Better::Neither,
                service.utilization * 100.0,
            ),
            (
                "queue_len_mean",
                "mean queue",
                "attempts",
                Better::Lower,
                service.queue_len_mean,
            ),
            (
                "work_retries",
                "work on retries",
                "%",
                Better::Lower,
                service.work.retries * 100.0,
            ),
            (
                "work_for_callers_gone",
                "work for callers gone",
                "%",
                Better::Lower,
                service.work.for_callers_gone * 100.0,
            ),
        ];
        for (what, label, unit, better, value) in rows {
            out.push((
                metric(key(what), format!("{name} {label}"), unit, better, false),
                value,
            ));
        }
    }
    if let Some(d) = &summary.database {
        // A leader–follower database: its stale reads and lost writes are what variants change.
        let name = &d.name;
        let rows = [
            (
                "stale_reads",
                "stale reads",
                "%",
                true,
                d.stale_fraction * 100.0,
            ),
            (
                "writes_lost_in_failover",
                "acknowledged writes lost",
                "writes",
                true,
                d.writes_lost_in_failover as f64,
            ),
            (
                "failed_writes",
                "failed writes",
                "writes",
                false,
                d.failed_writes as f64,
            ),
            (
                "failed_reads",
                "failed reads",
                "reads",
                false,
                d.failed_reads as f64,
            ),
            (
                "write_latency_p99",
                "p99 write latency",
                "ms",
                false,
                d.write_latency_ms.p99,
            ),
            (
                "unavailable_s",
                "time without a leader",
                "s",
                false,
                d.unavailable_s,
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("database.{name}.{what}");
            let label = format!("{name} {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    if let Some(e) = &summary.election {
        // A lease election: two leaders at once, and what the store let them write.
        let rows = [
            ("split_brain_s", "split brain", "s", true, e.split_brain_s),
            (
                "stale_writes_accepted",
                "stale writes accepted",
                "writes",
                true,
                e.stale_writes_accepted as f64,
            ),
            (
                "leaderless_s",
                "time without a leader",
                "s",
                false,
                e.leaderless_s,
            ),
            (
                "writes_rejected",
                "writes fenced off",
                "writes",
                false,
                e.writes_rejected as f64,
            ),
        ];
        for (what, label, unit, headline, value) in rows {
            let key = format!("election.{what}");
            let label = format!("election {label}");
            out.push((metric(key, label, unit, Better::Lower, headline), value));
        }
    }
    out
}

/// `variant` against `baseline` on `metric`, in words.
fn verdict(variant: &str, baseline: &str, metric: &Metric, difference: &Interval) -> String {
    let label = &metric.label;
    let unit = &metric.unit;
    let Some(half) = difference.half_width else {
        return format!(
            "{variant} − {baseline} on {label}: {} {unit} (one seed: no interval; add seeds)",
            number(difference.mean, None)
        );
    };
    let size = format!(
        "{} ± {} {unit}",
        number(difference.mean.abs(), Some(half)),
        number(half, Some(half))
    );
    if !difference.excludes_zero() {
        return format!(
            "the {label} difference between {variant} and {baseline} is not significant ({}{size})",
            if difference.mean < 0.0 { "−" } else { "+" }
        );
    }
    let up = difference.mean > 0.0;
    match (metric.better, up) {
        (Better::Higher, true) | (Better::Lower, false) => {
            format!("{variant} beats {baseline} on {label} by {size}")
        }
        (Better::Higher, false) | (Better::Lower, true) => {
            format!("{variant} is worse than {baseline} on {label} by {size}")
        }
        (Better::Neither, _) => format!(
            "{variant}'s {label} is {} than {baseline}'s by {size}",
            if up { "higher" } else { "lower" }
        ),
    }
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

    fn metric(better: Better) -> Metric {
        Metric {
            key: "clients.web.goodput_per_s".into(),
            label: "web goodput".into(),
            unit: "req/s".into(),
            better,
            headline: true,
            target: None,
        }
    }

    fn diff(mean: f64, half: f64) -> Interval {
        Interval {
            mean,
            half_width: Some(half),
            n: 10,
        }
    }

    #[test]
    fn verdicts_say_who_wins_by_how_much() {
        let m = metric(Better::Higher);
        assert_eq!(
            verdict("budget", "naive", &m, &diff(412.3, 35.2)),
            "budget beats naive on web goodput by 412 ± 35 req/s"
        );
        assert_eq!(
            verdict("budget", "naive", &m, &diff(-412.3, 35.2)),
            "budget is worse than naive on web goodput by 412 ± 35 req/s"
        );
        assert_eq!(
            verdict("budget", "naive", &m, &diff(3.0, 5.2)),
            "the web goodput difference between budget and naive is not significant (+3.0 ± 5.2 req/s)"
        );
        let lower = metric(Better::Lower);
        assert!(verdict("b", "a", &lower, &diff(-2.0, 1.0)).starts_with("b beats a"));
        let neither = metric(Better::Neither);
        assert!(verdict("b", "a", &neither, &diff(2.0, 1.0)).contains("is higher than a's"));
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
