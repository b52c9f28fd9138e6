//! The plots of a comparison: which charts a report shows, built from a `Comparison`.
//!
//! Every chart has one line (or bar) per variant, in variant order, so a variant keeps its
//! colour (and dash pattern) across the whole report. Time series show the median seed
//! second by second with a band from the 10th to the 90th percentile over seeds
//! (`comparison::spread`), the warm-up shaded grey and the fault windows red. Bars show the
//! mean over seeds with its 95% interval, and one dot per seed beside it, so split outcomes
//! are visible; SLO bars carry the target line. A single run gets no bars (one seed has no
//! interval), and a chart about a pattern (a circuit breaker) shows only the variants that
//! have it.

use crate::comparison::{Comparison, Findings};
use crate::plot::{self, Band, Bar, BarOptions, PlotError, Series, Target, TimeSeriesOptions};

/// One rendered chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File stem (`web-goodput`), unique within a report.
    pub name: String,
    /// The chart's title.
    pub title: String,
    /// One sentence under the chart: what it shows and how to read it.
    pub caption: String,
    /// The chart as an SVG document.
    pub svg: String,
}

/// Latency quantiles drawn on a CDF: a fine grid, then the tail.
const CDF_QUANTILES: [f64; 9] = [
    0.99, 0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999, 0.99999, 1.0,
];

/// What every time-series chart of one report shares.
struct TimeCharts<'a> {
    comparison: &'a Comparison,
    bands: Vec<Band>,
    options: TimeSeriesOptions,
    /// `median of 10 seeds` or `one seed`.
    summary: String,
    /// The sentence on shading appended to each caption.
    shading: String,
}

impl TimeCharts<'_> {
    /// The chart of series `key`, or None when no variant has it.
    fn chart(
        &self,
        name: &str,
        (title, y_label, says): (&str, &str, &str),
        key: &str,
    ) -> Result<Option<Figure>, PlotError> {
        let series = lines(self.comparison, key);
        if series.is_empty() {
            return Ok(None);
        }
        let title = format!("{title} ({})", self.summary);
        Ok(Some(Figure {
            name: slug(name),
            svg: plot::time_series_with(&title, y_label, &series, &self.bands, &self.options)?,
            caption: format!("{says}, {}.{}", self.summary, self.shading),
            title,
        }))
    }
}

/// Every chart of the report of `comparison`, whose findings are `findings`.
pub fn figures(comparison: &Comparison, findings: &Findings) -> Result<Vec<Figure>, PlotError> {
    let seeds = findings.seeds.len();
    let mut shading = String::new();
    if seeds > 1 {
        shading.push_str(" Band: 10th to 90th percentile over seeds.");
    }
    if findings.warmup_s > 0.0 {
        shading.push_str(" Grey: the warm-up, not counted.");
    }
    if !findings.faults.is_empty() {
        shading.push_str(if findings.faults_vary {
            " Red: the fault windows of the first seed (random faults differ by seed)."
        } else {
            " Red: fault windows."
        });
    }
    let time = TimeCharts {
        comparison,
        bands: findings
            .faults
            .iter()
            .map(|fault| {
                let label = format!("{} {}", fault.kind, fault.target);
                Band::new(label, fault.start_s, fault.end_s.unwrap_or(f64::INFINITY))
            })
            .collect(),
        options: TimeSeriesOptions {
            warmup_s: (findings.warmup_s > 0.0).then_some(findings.warmup_s),
            target: None,
            spread_label: (seeds > 1).then(|| "band: p10–p90 of seeds".to_string()),
        },
        summary: if seeds == 1 {
            "one seed".to_string()
        } else {
            format!("median of {seeds} seeds")
        },
        shading,
    };
    let (clients, services) = comparison.nodes();
    let mut out = Vec::new();
    for client in &clients {
        let charts = [
            ("goodput", "goodput", "successes (req/s)", "Requests that succeeded, per second of completion"),
            ("attempts", "attempts sent", "attempts (req/s)", "Attempts per second, first tries plus retries and hedges"),
            ("failed", "failed requests", "failures (req/s)", "Requests that failed (out of attempts, refused by a guard, past their deadline), per second"),
            ("p99", "p99 latency of successes", "p99 latency (ms)", "99th-percentile latency of the requests that succeeded in each second; a gap where none did"),
            ("p50", "median latency of successes", "p50 latency (ms)", "Median latency of the requests that succeeded in each second; a gap where none did"),
            ("offered", "offered load", "requests (req/s)", "New requests per second"),
            ("in_flight", "requests in flight", "requests in flight", "Mean number of requests issued and not yet resolved in each second"),
            // Only the variants with a breaker have this series: the others are not drawn.
            ("breaker_open", "circuit breaker open", "time open (fraction of each second)", "Fraction of each second the client's circuit breaker spent OPEN; variants without a breaker are not drawn"),
        ];
        for (what, words, y_label, says) in charts {
            let title = format!("{client}: {words}");
            let name = format!("{client}-{}", what.replace('_', "-"));
            let key = format!("clients.{client}.{what}");
            out.extend(time.chart(&name, (&title, y_label, says), &key)?);
        }
    }
    // Dashboards vs users (issue #21): each SLO's burn rate beside each service's own error
    // rate, so a green dashboard over a burning budget shows.
    let burning = TimeCharts {
        options: TimeSeriesOptions {
            target: Some(Target::new(
                "burn rate 1: budget spent exactly".to_string(),
                1.0,
            )),
            ..time.options.clone()
        },
        bands: time.bands.clone(),
        summary: time.summary.clone(),
        shading: time.shading.clone(),
        comparison,
    };
    for key in comparison.keys_with("slo.", ".burn") {
        let slo = &key["slo.".len()..key.len() - ".burn".len()];
        let (client, threshold) = slo.split_once('.').unwrap_or((slo, ""));
        let title = format!(
            "{client} SLO ({threshold}): burn rate, {}s window",
            crate::burn::SHORT_WINDOW_S
        );
        let says = format!(
            "The users' side: the share of {client}'s requests resolved in the last {} s that were bad (failed, or slower than {threshold}), over the SLO's error budget (1 − target); above 1 the budget burns faster than it lasts, {} pages (Google SRE workbook); a gap where nothing was resolved",
            crate::burn::SHORT_WINDOW_S,
            crate::burn::FAST_BURN
        );
        let name = format!("{client}-slo-burn");
        out.extend(burning.chart(&name, (&title, "burn rate (× budget)", &says), &key)?);
    }
    for service in &services {
        let title = format!("{service}: error rate as its dashboard shows it");
        let says = "The service's own view: attempts it answered with an error or rejected, as a share of those that arrived, per second; a gap where none arrived";
        let key = format!("services.{service}.error_rate");
        let name = format!("{service}-error-rate");
        out.extend(time.chart(&name, (&title, "errors (% of arrivals)", says), &key)?);
    }
    for service in &services {
        let title = format!("{service}: queue length");
        let says = "Mean number of attempts waiting for a worker in each second, over all replicas";
        let key = format!("services.{service}.queue");
        let name = format!("{service}-queue");
        out.extend(time.chart(&name, (&title, "queued attempts", says), &key)?);
    }
    for service in &services {
        let title = format!("{service}: replicas provisioned");
        let says = "Mean number of replicas its autoscaler provisioned in each second (starting, serving or draining): what it paid for";
        let key = format!("services.{service}.replicas");
        let name = format!("{service}-replicas");
        out.extend(time.chart(&name, (&title, "replicas", says), &key)?);
    }
    for database in comparison.databases() {
        let charts = [
            ("stale_reads", "stale reads", "stale reads (per s)", "Reads answered with data older than the newest acknowledged write, per second"),
            ("staleness_p99", "p99 staleness", "staleness p99 (ms)", "99th percentile of how far behind the reads of each second were (fresh reads count as 0; a gap where no read was served)"),
            ("failed_writes", "failed writes", "failed writes (per s)", "Writes that failed (no leader, or lost in a failover), per second"),
        ];
        for (what, words, y_label, says) in charts {
            let title = format!("{database}: {words}");
            let name = format!("{database}-{what}");
            let key = format!("database.{database}.{what}");
            out.extend(time.chart(&name, (&title, y_label, says), &key)?);
        }
    }
    for queue in comparison.queues() {
        let title = format!("{queue}: consumer lag");
        let says = "Mean number of messages the queue held (published, not yet acknowledged, dead-lettered or dropped) in each interval: what its consumers still owe";
        let key = format!("queues.{queue}.lag");
        let name = format!("{queue}-lag");
        out.extend(time.chart(&name, (&title, "messages held", says), &key)?);
    }
    out.extend(latency_cdfs(comparison, &clients, seeds)?);
    // One seed has no interval: a bar per variant would only repeat the table.
    if seeds > 1 {
        out.extend(bar_charts(findings)?);
    }
    Ok(out)
}

/// Per client, the two latency views as CDFs: successes only, and every request's time to an
/// outcome.
fn latency_cdfs(
    comparison: &Comparison,
    clients: &[String],
    seeds: usize,
) -> Result<Vec<Figure>, PlotError> {
    let latencies = comparison.latencies();
    let pooled = if seeds == 1 {
        "one seed".to_string()
    } else {
        format!("all {seeds} seeds pooled")
    };
    let views = [
        (
            "latency-cdf",
            "latency distribution of successful requests",
            "Fraction of successful requests answered within each latency (log scale); a variant with no success has no line",
            false,
        ),
        (
            "outcome-cdf",
            "time to an outcome, all requests",
            "Fraction of all requests that had an outcome within each time (log scale): a success at its latency, a failure at the moment its caller gave up, a request unresolved at the end at its age then",
            true,
        ),
    ];
    let mut out = Vec::new();
    for client in clients {
        for (name, words, says, all) in views {
            let series: Vec<Series> = latencies
                .iter()
                .filter(|(c, ..)| c == client)
                .map(|(_, variant, ok, every)| {
                    let histogram = if all { every } else { ok };
                    let grid = (0..100).map(|i| f64::from(i) / 100.0);
                    let points = grid
                        .chain(CDF_QUANTILES)
                        .filter(|_| histogram.count() > 0)
                        .map(|q| (histogram.quantile_nanos(q) / 1e6, q))
                        .collect();
                    Series::new(variant.clone(), points)
                })
                .collect();
            let title = format!("{client}: {words}");
            out.push(Figure {
                name: slug(&format!("{client}-{name}")),
                svg: plot::latency_cdf(&title, &series)?,
                caption: format!("{says}; {pooled}."),
                title,
            });
        }
    }
    Ok(out)
}

/// A bar chart per headline metric: the mean with its interval, a dot per seed, and the SLO
/// target where there is one.
fn bar_charts(findings: &Findings) -> Result<Vec<Figure>, PlotError> {
    let seeds = findings.seeds.len();
    let mut out = Vec::new();
    for row in findings.metrics.iter().filter(|row| row.metric.headline) {
        let bars: Vec<Bar> = row
            .by_variant
            .iter()
            .map(|value| {
                let per_seed = value
                    .per_seed
                    .iter()
                    .map(|v| v.unwrap_or(f64::NAN))
                    .collect();
                Bar::new(
                    value.variant.clone(),
                    value.estimate.map_or(f64::NAN, |e| e.mean),
                    value.estimate.and_then(|e| e.low()),
                    value.estimate.and_then(|e| e.high()),
                )
                .with_seeds(per_seed)
            })
            .collect();
        let options = BarOptions {
            target: row
                .metric
                .target
                .map(|t| Target::new(format!("SLO {}{}", trim(t), row.metric.unit), t)),
        };
        let title = format!("{} by variant", row.metric.label);
        let y_label = format!("{} ({})", row.metric.label, row.metric.unit);
        let target_words = if options.target.is_some() {
            " The dashed line is the SLO target."
        } else {
            ""
        };
        out.push(Figure {
            name: slug(&format!("bar-{}", row.metric.key)),
            svg: plot::bars_with(&title, &y_label, &bars, &options)?,
            caption: format!(
                "Mean over {seeds} seeds with its 95% confidence interval (whiskers, Student t); each dot beside a bar is one seed (n/a: seeds where the metric is undefined).{target_words}"
            ),
            title,
        });
    }
    Ok(out)
}

/// The series `key` as one plot line per variant (the median seed) with its p10–p90 band;
/// x is the start of each row, in seconds.
fn lines(comparison: &Comparison, key: &str) -> Vec<Series> {
    comparison
        .series(key)
        .into_iter()
        .map(|spread| {
            let x = |row: usize| row as f64 * spread.interval_s;
            let points = spread
                .median
                .iter()
                .enumerate()
                .map(|(second, &value)| (x(second), value))
                .collect();
            let band = if spread.seeds > 1 {
                spread
                    .low
                    .iter()
                    .zip(&spread.high)
                    .enumerate()
                    .map(|(second, (&low, &high))| (x(second), low, high))
                    .collect()
            } else {
                Vec::new()
            };
            Series::new(spread.variant, points)
                .with_spread(band)
                .with_style(spread.index)
        })
        .collect()
}

/// A number without trailing zeros (`99`, `99.9`).
fn trim(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A file-name-safe version of `text`: lower-case letters, digits and dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("bar-clients.web.goodput_per_s"),
            "bar-clients-web-goodput-per-s"
        );
        assert_eq!(slug("api[0] queue"), "api-0-queue");
    }
}
