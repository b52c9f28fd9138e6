//! A report's contents, and its Markdown form (report.md): verdicts, tables with intervals,
//! links to the plots, and the command that reproduces it.
//!
//! The text depends only on the findings and the inputs given here — no dates, durations or
//! machine names — so the same command writes the same bytes, and a user can keep report.md
//! as a golden file and review a design change as a diff.

use std::fmt::Write;

pub use crate::comparison::Judgement;
use crate::comparison::{number, Findings, MetricRow, VariantValue};
use crate::figures::Figure;

/// Everything a report shows.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The scenario's one-line description.
    pub description: &'a str,
    /// The scenario file's text, shown at the end.
    pub scenario_text: &'a str,
    /// The command line that reproduces the report.
    pub command: &'a str,
    /// How the warm-up was chosen, in words (`30 s, the scenario's own`).
    pub warmup: &'a str,
    /// faultline version.
    pub version: &'a str,
    /// What the comparison found.
    pub findings: &'a Findings,
    /// The charts, in display order.
    pub figures: &'a [Figure],
    /// One run's per-minute dashboards beside its SLOs' burn rates (`run --out` of a run
    /// with a green-dashboard period; `None` for many runs).
    pub dashboard: Option<&'a crate::dashboard::DashboardTable>,
}

impl Report<'_> {
    /// The seeds in words: `seeds 1–20 (20 per variant)`.
    pub fn seeds_in_words(&self) -> String {
        let seeds = &self.findings.seeds;
        match (seeds.first(), seeds.last()) {
            (Some(first), Some(last)) if seeds.len() > 1 => {
                let contiguous = seeds.windows(2).all(|w| w[1] == w[0] + 1);
                if contiguous {
                    format!("seeds {first}–{last} ({} per variant)", seeds.len())
                } else {
                    format!("{} seeds per variant", seeds.len())
                }
            }
            (Some(first), _) => format!("seed {first} only (no confidence intervals)"),
            _ => "no seeds".to_string(),
        }
    }

    /// The paragraph on method: common random numbers and what pairing buys.
    pub fn method(&self) -> String {
        let findings = self.findings;
        let variants = &findings.variants;
        let mut text = if variants.len() == 1 {
            format!(
                "Variant: {}; {}; warm-up: {}. ",
                variants[0],
                self.seeds_in_words(),
                self.warmup
            )
        } else {
            format!(
                "Variants: {} (baseline: {}); {}; warm-up: {}. ",
                variants.join(", "),
                findings.baseline,
                self.seeds_in_words(),
                self.warmup
            )
        };
        if findings.seeds.len() < 2 {
            text.push_str(
                "One seed is one roll of the dice: `faultline compare` runs many seeds and gives \
                 each number a confidence interval.",
            );
            return text;
        }
        if variants.len() > 1 {
            text.push_str(
                "Every variant ran on the same seeds with common random numbers: for a given seed \
                 all variants see the same arrivals, service times, network draws and faults. \
                 Differences are therefore paired by seed, and each difference's 95% interval \
                 (Student t over the per-seed differences) is much narrower than comparing two \
                 independent means would give. ",
            );
        }
        text.push_str("Intervals are 95% Student-t intervals of the mean over seeds.");
        text
    }

    /// How to read the numbers: the one denominator, the two latency views, what is
    /// undefined, and how time series summarize seeds.
    pub fn reading() -> &'static str {
        "Every fraction of a client's requests (requests succeeded, each SLO's attainment) has \
         one denominator: the requests the client issued after the warm-up. A run drains after \
         its duration (no new requests) until each of them has its outcome, so none is cut off \
         by the end; one still unresolved 60 s later has not succeeded. Failed requests count \
         against the SLO. Nothing before the warm-up is counted, and the services' figures stop \
         where arrivals stop. SLO attainment leads because it counts failures as bad. Latency \
         has two views: of successful requests only (undefined, shown as n/a, when none \
         succeeded), and the time to an outcome of all requests, where a failure counts at the \
         moment its caller gave up. No latency verdict is drawn in favour of a variant that \
         succeeds less (significantly, or by a percentage point or more on average): failing \
         fast is not being fast. Time series show the median seed (a seed's own value each second) \
         with a band from the 10th to the 90th percentile over seeds."
    }

    /// The verdict sentences of the headline metrics, one per variant and metric.
    pub fn verdicts(&self) -> Vec<String> {
        self.findings
            .metrics
            .iter()
            .filter(|row| row.metric.headline)
            .flat_map(|row| row.by_variant.iter().filter_map(|v| v.verdict.clone()))
            .collect()
    }
}

/// `mean ± half` with digits fit to the interval (just the mean when there is none; `n/a`
/// when the metric was defined in no seed).
pub fn estimate(value: &Option<crate::stats::Interval>) -> String {
    let Some(value) = value else {
        return "n/a".to_string();
    };
    match value.half_width {
        Some(half) => format!(
            "{} ± {}",
            number(value.mean, Some(half)),
            number(half, Some(half))
        ),
        None => number(value.mean, None),
    }
}

/// A difference with its sign: `+412 ± 35`.
pub fn signed(value: &crate::stats::Interval) -> String {
    let text = estimate(&Some(*value));
    match text.strip_prefix('-') {
        Some(magnitude) => format!("−{magnitude}"),
        None => format!("+{text}"),
    }
}

/// How `value`'s difference on `_row`'s metric reads (as `comparison::verdict` judged it;
/// `Unclear` for the baseline).
pub fn judge(_row: &MetricRow, value: &VariantValue) -> Judgement {
    value.judgement.unwrap_or(Judgement::Unclear)
}

/// A difference's cell text: the signed interval with its mark, `n/c` when the two are not
/// comparable without one, `—` for the baseline.
pub fn difference_text(row: &MetricRow, value: &VariantValue, marks: bool) -> Option<String> {
    let judgement = value.judgement?;
    let mark = match (marks, judge(row, value)) {
        (false, _) | (_, Judgement::Unclear) => "",
        (true, Judgement::Better) => " ✔",
        (true, Judgement::Worse) => " ✘",
        (true, Judgement::NotComparable) => " (n/c)",
    };
    Some(match (value.difference, judgement) {
        (Some(difference), _) => format!("{}{mark}", signed(&difference)),
        (None, _) => "n/c".to_string(),
    })
}

/// Words above the dashboard table in report.md and report.html.
pub const DASHBOARD_WORDS: &str = "Per minute, what each service's own dashboard shows (replicas \
     up, utilization, errors and rejections over arrivals) beside each SLO's burn rate (1 \
     spends the error budget exactly); marked where every dashboard reads healthy while an SLO \
     burns.";

/// report.md.
pub fn markdown(report: &Report) -> String {
    let findings = report.findings;
    let mut out = String::new();
    let _ = writeln!(out, "# faultline report: {}\n", report.scenario);
    if !report.description.is_empty() {
        let _ = writeln!(out, "{}\n", report.description);
    }
    let _ = writeln!(out, "{}\n", report.method());
    let _ = writeln!(out, "{}\n", Report::reading());
    let verdicts = report.verdicts();
    if !verdicts.is_empty() {
        out.push_str("## Verdicts\n\n");
        for verdict in verdicts {
            let _ = writeln!(out, "- {verdict}");
        }
        out.push('\n');
    }
    if !findings.tradeoffs.is_empty() {
        out.push_str("## Cost and latency\n\n");
        for tradeoff in &findings.tradeoffs {
            let _ = writeln!(out, "- {tradeoff}");
        }
        out.push('\n');
    }
    out.push_str("## SLOs\n\n");
    if findings
        .metrics
        .iter()
        .all(|row| row.metric.target.is_none())
    {
        out.push_str("The scenario sets no SLO.\n\n");
    } else {
        for tally in &findings.slo_met {
            let _ = writeln!(
                out,
                "- {}: every SLO met in {} of {} seeds",
                tally.variant, tally.met, tally.runs
            );
        }
        out.push('\n');
    }
    if let Some(dashboard) = report.dashboard {
        let _ = writeln!(out, "## Dashboards vs users\n\n{DASHBOARD_WORDS}\n");
        out.push_str(&dashboard.markdown());
        out.push('\n');
    }
    if !findings.splits.is_empty() {
        out.push_str("## Split outcomes\n\n");
        for split in &findings.splits {
            let _ = writeln!(out, "- {split}");
        }
        out.push('\n');
    }
    out.push_str("## Headline metrics\n\n");
    table(&mut out, findings, true);
    out.push_str("## All other metrics\n\n");
    table(&mut out, findings, false);
    if !findings.faults.is_empty() {
        out.push_str("## Faults\n\n");
        for fault in &findings.faults {
            let end = fault
                .end_s
                .map_or("the end".to_string(), |end| format!("{end} s"));
            let _ = writeln!(
                out,
                "- {} on {}: {} s to {end}",
                fault.kind, fault.target, fault.start_s
            );
        }
        if findings.faults_vary {
            out.push_str("\nRandom faults: each seed draws its own schedule; this is seed 1's.\n");
        }
        out.push('\n');
    }
    out.push_str("## Plots\n\n");
    for figure in report.figures {
        let _ = writeln!(
            out,
            "![{}](plots/{}.svg)\n\n{}\n",
            figure.title, figure.name, figure.caption
        );
    }
    out.push_str("## Reproduce\n\n```sh\n");
    let _ = writeln!(out, "{}", report.command);
    out.push_str("```\n\n");
    let _ = writeln!(
        out,
        "Made by faultline {}. Each run's trace hash is in results.json; `faultline run` with the \
         same file, variant and seed reproduces it exactly.",
        report.version
    );
    out
}

/// A Markdown table of the headline (or the other) metrics.
fn table(out: &mut String, findings: &Findings, headline: bool) {
    let baseline = &findings.variants[0];
    out.push_str("| metric | unit | ");
    out.push_str(baseline);
    for variant in &findings.variants[1..] {
        let _ = write!(out, " | {variant} | {variant} − {baseline}");
    }
    out.push_str(" |\n|---|---|---:");
    for _ in &findings.variants[1..] {
        out.push_str("|---:|---:");
    }
    out.push_str("|\n");
    for row in findings
        .metrics
        .iter()
        .filter(|row| row.metric.headline == headline)
    {
        let _ = write!(out, "| {} | {} ", row.metric.label, row.metric.unit);
        for (index, value) in row.by_variant.iter().enumerate() {
            let _ = write!(out, "| {} ", estimate(&value.estimate));
            match difference_text(row, value, true) {
                Some(text) => {
                    let _ = write!(out, "| {text} ");
                }
                None if index > 0 => out.push_str("| — "),
                None => {}
            }
        }
        out.push_str("|\n");
    }
    out.push_str("\n✔ significantly better than the baseline, ✘ significantly worse (95%, paired by seed); n/a: defined in no seed; n/c: not comparable (see the verdicts).\n\n");
}
