//! Variants compared over seeds: one value per run and metric, intervals, paired differences.
//!
//! The CLI runs every variant on the same seeds (common random numbers: the variants see the
//! same arrivals, service times, network draws and faults) and adds each run here in a fixed
//! order. `Comparison::finish` turns the per-seed values into 95% Student-t intervals and, for
//! every variant but the baseline, the interval of its paired difference from the baseline —
//! pairing by seed removes the luck both runs of a seed share, which is what makes small
//! differences visible with few seeds.
//!
//! Honesty rules (issue #13): every per-seed value is kept (results.json `per_seed`); a value
//! a run cannot define (a latency with no success) is `None`, never 0, and no verdict is drawn
//! from it (`verdict`); latency verdicts never favour a variant that succeeds less; seeds that
//! split into two groups are found and stated (`split`); time series are summarized by the
//! median seed and a 10th–90th percentile band, not by a mean no seed followed (`spread`).

use std::collections::BTreeMap;

use serde::Serialize;
use sim_core::Histogram;

use models::RunResult;

use crate::digest::RunDigest;
use crate::stats::{interval, Interval};
use crate::summary::{FaultWindow, RunSummary};

mod measure;
pub mod split;
pub mod spread;
pub mod tradeoff;
pub mod verdict;

pub use split::Split;
pub use spread::Spread;
pub use verdict::{number, Judgement};

pub use crate::metric::{Better, LatencyOf, LatencyView, Metric};
pub(crate) use measure::measure;

/// What one variant's runs produced so far.
#[derive(Clone, Debug, Default)]
struct VariantRuns {
    name: String,
    seeds: Vec<u64>,
    values: BTreeMap<String, Vec<Option<f64>>>,
    /// Each series, one entry per seed in seed order.
    series: BTreeMap<String, Vec<Vec<f64>>>,
    /// The width of a row of `series` in seconds (its runs' `RunDigest::series_interval_s`).
    series_interval_s: f64,
    latency: BTreeMap<String, Histogram>,
    latency_all: BTreeMap<String, Histogram>,
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
    warmup_s: f64,
}

/// What a comparison found: the contents of results.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Findings {
    /// Variant names; the first is the baseline (`as-written`, the scenario as its file says,
    /// unless `--variants` chose otherwise).
    pub variants: Vec<String>,
    /// The variant every other one is compared with.
    pub baseline: String,
    /// The seeds every variant ran, in order.
    pub seeds: Vec<u64>,
    /// The warm-up, in seconds: nothing before it is counted.
    pub warmup_s: f64,
    /// One row per metric, headline metrics first.
    pub metrics: Vec<MetricRow>,
    /// Per variant: in how many seeds every SLO was met.
    pub slo_met: Vec<SloTally>,
    /// Split outcomes in words: a variant whose seeds fall into two separate groups on a
    /// headline metric (so its mean describes no seed).
    pub splits: Vec<String>,
    /// What each variant's p99 latency verdict cost, in words (`tradeoff`); absent when the
    /// scenario sets no prices or no latency verdict was drawn.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tradeoffs: Vec<String>,
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
    /// Mean over the seeds where the metric is defined, with its 95% interval; null when it
    /// is defined in none.
    pub estimate: Option<Interval>,
    /// The value of each seed, in `Findings::seeds` order; null where it is undefined.
    pub per_seed: Vec<Option<f64>>,
    /// The paired difference (this variant − baseline) with its 95% interval; null for the
    /// baseline itself and where some seed's value is undefined.
    pub difference: Option<Interval>,
    /// How the difference reads; null for the baseline.
    pub judgement: Option<Judgement>,
    /// The difference in plain words; null for the baseline.
    pub verdict: Option<String>,
    /// The two groups its seeds split into, if they do (headline metrics only).
    pub split: Option<Split>,
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
            warmup_s: 0.0,
        }
    }

    /// Adds one run of variant number `variant`. Add runs in a fixed order (variant by
    /// variant, seed by seed) so the findings never depend on scheduling.
    pub fn add(&mut self, variant: usize, summary: &RunSummary, result: &RunResult) {
        self.add_digest(variant, &RunDigest::new(summary, result));
    }

    /// Adds one run of variant number `variant` from its digest (a run just simulated, or one
    /// read back from a journal: the same findings either way).
    pub fn add_digest(&mut self, variant: usize, digest: &RunDigest) {
        match &self.faults {
            None => {
                self.faults = Some(digest.faults.clone());
                self.warmup_s = digest.sim_time_s - digest.measured_s;
            }
            Some(shown) => {
                let same = shown.len() == digest.faults.len()
                    && shown.iter().zip(&digest.faults).all(|(a, b)| {
                        a.kind == b.kind
                            && a.target == b.target
                            && a.start_s == b.start_s
                            && a.end_s == b.end_s
                    });
                self.faults_vary |= !same;
            }
        }
        let values = &digest.values;
        for (metric, _) in values {
            if !self.metrics.iter().any(|m| m.key == metric.key) {
                self.metrics.push(metric.clone());
                // A metric first seen now counts something the runs added before did not
                // have (a cache, a side effect, a pool).
                let absent = metric.value_when_absent();
                for runs in &mut self.variants {
                    runs.values
                        .insert(metric.key.clone(), vec![absent; runs.seeds.len()]);
                }
            }
        }
        let runs = &mut self.variants[variant];
        runs.seeds.push(digest.seed);
        runs.trace_hashes.push(digest.trace_hash.clone());
        runs.slo_met += u32::from(digest.slos_met());
        for metric in &self.metrics {
            let value = values
                .iter()
                .find(|(m, _)| m.key == metric.key)
                .map_or_else(|| metric.value_when_absent(), |(_, value)| *value);
            runs.values
                .entry(metric.key.clone())
                .or_default()
                .push(value);
        }
        // Every run of a variant has the same duration, hence the same row width.
        runs.series_interval_s = digest.series_interval_s;
        for (key, values) in &digest.series {
            runs.series
                .entry(key.clone())
                .or_default()
                .push(values.clone());
        }
        for (client, buckets) in &digest.latency {
            runs.latency
                .entry(client.clone())
                .or_default()
                .merge(&buckets.histogram());
        }
        for (client, buckets) in &digest.latency_all {
            runs.latency_all
                .entry(client.clone())
                .or_default()
                .merge(&buckets.histogram());
        }
    }

    /// Names of the databases seen (one at most today), for choosing plots.
    pub fn databases(&self) -> Vec<String> {
        self.parts_under("database.")
    }

    /// Names of the message queues seen, for choosing plots.
    pub fn queues(&self) -> Vec<String> {
        self.parts_under("queues.")
    }

    /// The names that series keys `PREFIX NAME.what` carry, in order of first appearance.
    fn parts_under(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for key in self.variants.iter().flat_map(|runs| runs.series.keys()) {
            if let Some(rest) = key.strip_prefix(prefix) {
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
    /// every variant has two seeds; metrics whose mean is 0 or that are undefined in some
    /// seed are skipped).
    pub fn worst_headline_precision(&self) -> Option<f64> {
        let mut worst: Option<f64> = None;
        for metric in self.metrics.iter().filter(|m| m.headline) {
            for runs in &self.variants {
                let samples = runs.values.get(&metric.key)?;
                if runs.seeds.len() < 2 {
                    return None;
                }
                let Some(defined) = samples.iter().copied().collect::<Option<Vec<f64>>>() else {
                    continue;
                };
                if let Some(relative) = interval(&defined).relative_half_width() {
                    worst = Some(worst.map_or(relative, |w| w.max(relative)));
                }
            }
        }
        worst
    }

    /// The series named `key` (`clients.web.goodput`, `services.api.queue`) of
    /// every variant that has it, summarized over seeds (a variant whose series are all empty,
    /// such as a breaker's for a variant without one, is left out).
    pub fn series(&self, key: &str) -> Vec<Spread> {
        self.variants
            .iter()
            .enumerate()
            .filter_map(|(index, runs)| {
                let per_seed = runs.series.get(key)?;
                per_seed
                    .iter()
                    .any(|s| !s.is_empty())
                    .then(|| spread::spread((index, &runs.name), per_seed))
                    .map(|spread| Spread {
                        interval_s: runs.series_interval_s,
                        ..spread
                    })
            })
            .collect()
    }

    /// Every client's latency histograms per variant, merged over seeds: `(client, variant,
    /// successes, all requests)`, clients in name order.
    pub fn latencies(&self) -> Vec<(String, String, &Histogram, &Histogram)> {
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
                if let (Some(ok), Some(all)) =
                    (runs.latency.get(client), runs.latency_all.get(client))
                {
                    out.push((client.clone(), runs.name.clone(), ok, all));
                }
            }
        }
        out
    }

    /// The series keys seen that start with `prefix` and end with `suffix`, sorted.
    pub fn keys_with(&self, prefix: &str, suffix: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .variants
            .iter()
            .flat_map(|runs| runs.series.keys())
            .filter(|key| key.starts_with(prefix) && key.ends_with(suffix))
            .cloned()
            .collect();
        keys.sort();
        keys.dedup();
        keys
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

    /// Intervals, paired differences, verdicts and splits over the runs added so far.
    pub fn finish(&self) -> Findings {
        let baseline = &self.variants[0];
        let seeds = baseline.seeds.clone();
        let mut splits = Vec::new();
        let mut metrics: Vec<MetricRow> = self
            .metrics
            .iter()
            .map(|metric| {
                let empty = Vec::new();
                let base = baseline.values.get(&metric.key).unwrap_or(&empty);
                let success_key = metric
                    .latency_of
                    .as_ref()
                    .map(|of| format!("clients.{}.success", of.client));
                let by_variant = self
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(index, runs)| {
                        let samples = runs.values.get(&metric.key).unwrap_or(&empty);
                        let defined: Vec<f64> = samples.iter().flatten().copied().collect();
                        let estimate = (!defined.is_empty()).then(|| interval(&defined));
                        let judged = (index > 0).then(|| {
                            let success = success_key.as_ref().and_then(|key| {
                                Some(verdict::Paired {
                                    variant: runs.values.get(key)?,
                                    baseline: baseline.values.get(key)?,
                                })
                            });
                            let values = verdict::Paired {
                                variant: samples,
                                baseline: base,
                            };
                            verdict::judge((&runs.name, &baseline.name), metric, values, success)
                        });
                        let split = metric
                            .headline
                            .then(|| split::find(&runs.seeds, samples))
                            .flatten();
                        if let (Some(split), Some(estimate)) = (&split, &estimate) {
                            splits.push(split_words(&runs.name, metric, split, estimate.mean));
                        }
                        VariantValue {
                            variant: runs.name.clone(),
                            estimate,
                            per_seed: samples.clone(),
                            difference: judged.as_ref().and_then(|j| j.difference),
                            judgement: judged.as_ref().map(|j| j.judgement),
                            verdict: judged.map(|j| j.verdict),
                            split,
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
        let tradeoffs = tradeoff::find(&metrics);
        Findings {
            variants: self.variants.iter().map(|v| v.name.clone()).collect(),
            baseline: baseline.name.clone(),
            seeds,
            warmup_s: crate::summary::round(self.warmup_s, 9),
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
            splits,
            tradeoffs,
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

/// A split outcome in words: `deadline: web goodput splits across seeds: 5 of 10 near
/// 602 req/s (seeds 1, 3, 5, 7, 9), 5 near 95 req/s; the mean, 349 req/s, describes no seed`.
fn split_words(variant: &str, metric: &Metric, split: &Split, mean: f64) -> String {
    let n = split.lower_seeds.len() + split.upper_seeds.len();
    let unit = &metric.unit;
    let list = |seeds: &[u64]| {
        let words: Vec<String> = seeds.iter().map(u64::to_string).collect();
        words.join(", ")
    };
    let (small, large) = if split.upper_seeds.len() <= split.lower_seeds.len() {
        (
            (&split.upper_seeds, split.upper_mean),
            (&split.lower_seeds, split.lower_mean),
        )
    } else {
        (
            (&split.lower_seeds, split.lower_mean),
            (&split.upper_seeds, split.upper_mean),
        )
    };
    format!(
        "{variant}: {} splits across seeds: {} of {n} near {} {unit} (seed{} {}), {} near {} {unit}; the mean, {} {unit}, describes no seed",
        metric.label,
        small.0.len(),
        number(small.1, None),
        if small.0.len() == 1 { "" } else { "s" },
        list(small.0),
        large.0.len(),
        number(large.1, None),
        number(mean, None)
    )
}
