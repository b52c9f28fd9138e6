//! The plots of a comparison: which charts a report shows, built from a `Comparison`.
//!
//! Every chart has one line (or bar) per variant, in variant order, so a variant keeps its
//! colour across the whole report. Time series are means over seeds, second by second, with
//! the fault windows shaded.

use crate::comparison::{Comparison, Findings};
use crate::plot::{self, Band, Bar, PlotError, Series};

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

/// Every chart of the report of `comparison`, whose findings are `findings`.
pub fn figures(comparison: &Comparison, findings: &Findings) -> Result<Vec<Figure>, PlotError> {
    let bands: Vec<Band> = findings
        .faults
        .iter()
        .map(|fault| Band {
            label: format!("{} {}", fault.kind, fault.target),
            start: fault.start_s,
            end: fault.end_s.unwrap_or(f64::INFINITY),
        })
        .collect();
    let seeds = findings.seeds.len();
    let mean_of = if seeds == 1 {
        "one seed".to_string()
    } else {
        format!("mean of {seeds} seeds")
    };
    let faults_note = if findings.faults.is_empty() {
        String::new()
    } else if findings.faults_vary {
        " Shaded: the fault windows of the first seed (random faults differ by seed).".to_string()
    } else {
        " Shaded: fault windows.".to_string()
    };
    let (clients, services) = comparison.nodes();
    let mut out = Vec::new();
    for client in &clients {
        let charts = [
            (
                "goodput",
                "goodput",
                "successes (req/s)",
                "Requests that succeeded, per second of completion",
            ),
            (
                "attempts",
                "attempts sent",
                "attempts (req/s)",
                "Attempts per second, first tries plus retries and hedges",
            ),
            (
                "failed",
                "failed requests",
                "failures (req/s)",
                "Requests that ran out of attempts or deadline, per second",
            ),
            (
                "p99",
                "p99 latency",
                "p99 latency (ms)",
                "99th-percentile latency of the requests that succeeded in each second",
            ),
            (
                "p50",
                "median latency",
                "p50 latency (ms)",
                "Median latency of the requests that succeeded in each second",
            ),
            (
                "offered",
                "offered load",
                "requests (req/s)",
                "New requests per second",
            ),
            (
                "in_flight",
                "requests in flight",
                "requests in flight",
                "Mean number of requests issued and not yet resolved in each second",
            ),
        ];
        for (what, words, y_label, says) in charts {
            let series = lines(comparison, &format!("clients.{client}.{what}"));
            let title = format!("{client}: {words} ({mean_of})");
            out.push(Figure {
                name: slug(&format!("{client}-{what}")),
                svg: plot::time_series(&title, y_label, &series, &bands)?,
                caption: format!("{says}, {mean_of}.{faults_note}"),
                title,
            });
        }
    }
    for client in &clients {
        let mut series = lines(comparison, &format!("clients.{client}.breaker_open"));
        let longest = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
        if longest == 0 {
            continue;
        }
        // A variant without a breaker is never open: draw it at zero, in its own colour.
        for line in &mut series {
            if line.points.is_empty() {
                line.points = (0..longest).map(|second| (second as f64, 0.0)).collect();
            }
        }
        let title = format!("{client}: circuit breaker open ({mean_of})");
        out.push(Figure {
            name: slug(&format!("{client}-breaker-open")),
            svg: plot::time_series(&title, "time open (fraction of each second)", &series, &bands)?,
            caption: format!(
                "Fraction of each second the client's circuit breaker spent OPEN, {mean_of} (0 for variants without a breaker).{faults_note}"
            ),
            title,
        });
    }
    for service in &services {
        let series = lines(comparison, &format!("services.{service}.queue"));
        let title = format!("{service}: queue length ({mean_of})");
        out.push(Figure {
            name: slug(&format!("{service}-queue")),
            svg: plot::time_series(&title, "queued attempts", &series, &bands)?,
            caption: format!(
                "Mean number of attempts waiting for a worker in each second, over all replicas, {mean_of}.{faults_note}"
            ),
            title,
        });
    }
    for database in comparison.databases() {
        let charts = [
            ("stale_reads", "stale reads", "stale reads (per s)", "Reads answered with data older than the newest acknowledged write, per second"),
            ("staleness_p99", "p99 staleness", "staleness p99 (ms)", "99th percentile of how far behind the reads of each second were (fresh reads count as 0)"),
            ("failed_writes", "failed writes", "failed writes (per s)", "Writes that failed (no leader, or lost in a failover), per second"),
        ];
        for (what, words, y_label, says) in charts {
            let series = lines(comparison, &format!("database.{database}.{what}"));
            let title = format!("{database}: {words} ({mean_of})");
            out.push(Figure {
                name: slug(&format!("{database}-{what}")),
                svg: plot::time_series(&title, y_label, &series, &bands)?,
                caption: format!("{says}, {mean_of}.{faults_note}"),
                title,
            });
        }
    }
    let latencies = comparison.latencies();
    for client in &clients {
        let series: Vec<Series> = latencies
            .iter()
            .filter(|(c, _, _)| c == client)
            .map(|(_, variant, histogram)| {
                let grid = (0..100).map(|i| f64::from(i) / 100.0);
                let points = grid
                    .chain(CDF_QUANTILES)
                    .filter(|_| histogram.count() > 0)
                    .map(|q| (histogram.quantile_nanos(q) / 1e6, q))
                    .collect();
                Series {
                    label: variant.clone(),
                    points,
                    spread: Vec::new(),
                }
            })
            .collect();
        let title = format!("{client}: latency distribution of successful requests");
        out.push(Figure {
            name: slug(&format!("{client}-latency-cdf")),
            svg: plot::latency_cdf(&title, &series)?,
            caption: format!(
                "Fraction of successful requests answered within each latency (log scale), all {seeds} seeds pooled."
            ),
            title,
        });
    }
    for row in findings.metrics.iter().filter(|row| row.metric.headline) {
        let bars: Vec<Bar> = row
            .by_variant
            .iter()
            .map(|value| Bar {
                label: value.variant.clone(),
                mean: value.estimate.mean,
                low: value.estimate.low(),
                high: value.estimate.high(),
                seeds: Vec::new(),
            })
            .collect();
        let title = format!("{} by variant", row.metric.label);
        out.push(Figure {
            name: slug(&format!("bar-{}", row.metric.key)),
            svg: plot::bars(&title, &format!("{} ({})", row.metric.label, row.metric.unit), &bars)?,
            caption: format!(
                "Mean over {seeds} seeds; whiskers show the 95% confidence interval of the mean (Student t)."
            ),
            title,
        });
    }
    Ok(out)
}

/// The series `key` as one plot line per variant; x is the start of each second.
fn lines(comparison: &Comparison, key: &str) -> Vec<Series> {
    comparison
        .series(key)
        .into_iter()
        .map(|mean| Series {
            label: mean.variant,
            points: mean
                .values
                .iter()
                .enumerate()
                .map(|(second, &value)| (second as f64, value))
                .collect(),
            spread: Vec::new(),
        })
        .collect()
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
