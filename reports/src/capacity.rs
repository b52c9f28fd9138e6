//! What `faultline capacity` found: per variant, each seed's capacity (the highest offered
//! rate at which that seed's run still meets every SLO), their 95% interval, and how many runs
//! the search took; as capacity.json, report.md, report.html and a bar chart.
//!
//! The search itself (bracketing, then bisection on each seed's own runs) is the CLI's; this
//! module renders its outcome. A seed whose search found no crossing (every rate tried held,
//! or none did) has no capacity: it is `null` in `per_seed`, named with its reason, and left
//! out of the interval, never counted as a number it is not.

use std::fmt::Write;

use serde::Serialize;

use crate::comparison::number;
use crate::figures::Figure;
use crate::page::Page;
use crate::plot::{self, Bar, PlotError};
use crate::stats::{interval, Interval};

/// One seed's search.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedCapacity {
    /// The master seed.
    pub seed: u64,
    /// The capacity: the middle of the final bracket; null when no crossing was found.
    pub capacity: Option<f64>,
    /// The highest rate tried at which every SLO held (null if none did).
    pub held: Option<f64>,
    /// The lowest rate tried at which some SLO failed (null if none did).
    pub failed: Option<f64>,
    /// Runs this seed's search made.
    pub runs: u64,
    /// Why there is no capacity, in words; null when there is one.
    pub note: Option<String>,
}

/// One variant's searches.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VariantCapacity {
    /// The variant.
    pub variant: String,
    /// The mean capacity over the seeds that have one, with its 95% interval.
    pub estimate: Option<Interval>,
    /// The capacity of each seed, in seed order (null where the search found none).
    pub per_seed: Vec<Option<f64>>,
    /// Each seed's search.
    pub seeds: Vec<SeedCapacity>,
    /// Runs made for this variant.
    pub runs: u64,
}

/// Everything capacity found: capacity.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityFindings {
    /// Scenario name.
    pub scenario: String,
    /// The client whose rate was searched.
    pub client: String,
    /// The path that was varied (`clients.web.arrival.rate_per_s`).
    pub path: String,
    /// The SLOs that must all hold, in words.
    pub slos: Vec<String>,
    /// The method, in words.
    pub method: String,
    /// The relative bracket width at which a seed's bisection stops.
    pub tolerance: f64,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// Runs made in all.
    pub runs: u64,
    /// Per variant, in order.
    pub variants: Vec<VariantCapacity>,
    /// The command that reproduces it.
    pub command: String,
    /// faultline version.
    pub version: String,
}

impl VariantCapacity {
    /// A variant's result from its seeds' searches.
    pub fn new(variant: &str, seeds: Vec<SeedCapacity>) -> VariantCapacity {
        let per_seed: Vec<Option<f64>> = seeds.iter().map(|s| s.capacity).collect();
        let defined: Vec<f64> = per_seed.iter().flatten().copied().collect();
        VariantCapacity {
            variant: variant.to_string(),
            estimate: (!defined.is_empty()).then(|| interval(&defined)),
            runs: seeds.iter().map(|s| s.runs).sum(),
            per_seed,
            seeds,
        }
    }

    /// `holds 1840 ± 30 req/s (10 seeds, 118 runs)`, or why it has no number.
    pub fn words(&self, unit: &str) -> String {
        let undefined = self.seeds.iter().filter(|s| s.capacity.is_none()).count();
        let missing = if undefined == 0 {
            String::new()
        } else {
            let notes: Vec<String> = self
                .seeds
                .iter()
                .filter_map(|s| s.note.as_ref().map(|n| format!("seed {}: {n}", s.seed)))
                .take(3)
                .collect();
            format!(
                "; {undefined} seed(s) without a capacity ({}{})",
                notes.join("; "),
                if undefined > 3 { "; ..." } else { "" }
            )
        };
        match &self.estimate {
            Some(e) => format!(
                "holds {} {unit} ({} seed(s), {} runs){missing}",
                crate::report::estimate(&Some(*e)),
                e.n,
                self.runs
            ),
            None => format!("no capacity found ({} runs){missing}", self.runs),
        }
    }
}

impl CapacityFindings {
    /// capacity.json: pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("capacity findings serialize");
        text.push('\n');
        text
    }

    /// The lines a capacity run prints: one per variant.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "capacity of {} for client {} (every SLO: {}):",
            self.scenario,
            self.client,
            self.slos.join("; ")
        );
        let width = self
            .variants
            .iter()
            .map(|v| v.variant.chars().count())
            .max()
            .unwrap_or(0);
        for variant in &self.variants {
            let _ = writeln!(
                out,
                "  {:<width$}  {}",
                variant.variant,
                variant.words("req/s")
            );
        }
        let _ = writeln!(out, "{}", self.method);
        out
    }

    /// The bar chart: a bar per variant at its mean capacity, its interval, a dot per seed.
    pub fn figure(&self) -> Result<Figure, PlotError> {
        let bars: Vec<Bar> = self
            .variants
            .iter()
            .map(|v| {
                Bar::new(
                    v.variant.clone(),
                    v.estimate.map_or(f64::NAN, |e| e.mean),
                    v.estimate.and_then(|e| e.low()),
                    v.estimate.and_then(|e| e.high()),
                )
                .with_seeds(v.per_seed.iter().map(|c| c.unwrap_or(f64::NAN)).collect())
            })
            .collect();
        let title = format!("capacity of {} by variant", self.client);
        Ok(Figure {
            name: "capacity".to_string(),
            svg: plot::bars(&title, "offered rate (req/s)", &bars)?,
            caption: format!(
                "The highest offered rate of {} at which every SLO held, per seed (dots; n/a: no crossing found) and their mean with its 95% interval (whiskers).",
                self.client
            ),
            title,
        })
    }

    /// The table: a row per variant.
    fn rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let header = ["variant", "capacity (req/s)", "seeds", "runs", "per seed"]
            .map(str::to_string)
            .to_vec();
        let rows = self
            .variants
            .iter()
            .map(|v| {
                let per_seed: Vec<String> = v
                    .per_seed
                    .iter()
                    .map(|c| c.map_or("n/a".to_string(), |c| number(c, None)))
                    .collect();
                vec![
                    v.variant.clone(),
                    crate::report::estimate(&v.estimate),
                    v.estimate.map_or(0, |e| e.n).to_string(),
                    v.runs.to_string(),
                    per_seed.join(", "),
                ]
            })
            .collect();
        (header.to_vec(), rows)
    }

    /// report.md.
    pub fn markdown(&self, figure: &Figure) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# faultline capacity: {}\n", self.scenario);
        let _ = writeln!(
            out,
            "The highest offered rate of client {} ({}) at which every SLO holds: {}.\n",
            self.client,
            self.path,
            self.slos.join("; ")
        );
        let (header, rows) = self.rows();
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        let notes: Vec<String> = self
            .variants
            .iter()
            .flat_map(|v| {
                v.seeds.iter().filter_map(move |s| {
                    s.note
                        .as_ref()
                        .map(|n| format!("- {} seed {}: {n}", v.variant, s.seed))
                })
            })
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "\nSeeds without a capacity:\n\n{}", notes.join("\n"));
        }
        let _ = writeln!(
            out,
            "\n## Method\n\n{}\n\n![{}](plots/{}.svg)\n\n## Reproduce\n\n```sh\n{}\n```\n\nfaultline {}; {} runs in all.",
            self.method, figure.title, figure.name, self.command, self.version, self.runs
        );
        out
    }

    /// report.html.
    pub fn html(&self, figure: &Figure, description: &str, scenario_text: &str) -> String {
        let mut page = Page::new(
            &format!("faultline capacity: {}", self.scenario),
            description,
        );
        page.paragraph(&format!(
            "The highest offered rate of client {} ({}) at which every SLO holds: {}.",
            self.client,
            self.path,
            self.slos.join("; ")
        ));
        let (header, rows) = self.rows();
        let rows: Vec<Vec<(String, Option<&str>)>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| (c, None)).collect())
            .collect();
        page.table(&header, &rows);
        page.figure(figure);
        page.heading("Method");
        page.paragraph(&self.method);
        page.heading("Reproduce");
        page.code(&self.command);
        page.heading("Scenario");
        page.code(scenario_text);
        page.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(seed: u64, capacity: Option<f64>) -> SeedCapacity {
        SeedCapacity {
            seed,
            capacity,
            held: capacity,
            failed: capacity.map(|c| c * 1.01),
            runs: 10,
            note: capacity
                .is_none()
                .then(|| "every rate tried held, up to 1000 req/s".to_string()),
        }
    }

    #[test]
    fn undefined_seeds_are_named_and_left_out_of_the_interval() {
        let v = VariantCapacity::new(
            "budget",
            vec![seed(1, Some(100.0)), seed(2, None), seed(3, Some(110.0))],
        );
        assert_eq!(v.per_seed, [Some(100.0), None, Some(110.0)]);
        assert_eq!(v.estimate.unwrap().n, 2);
        assert_eq!(v.runs, 30);
        let words = v.words("req/s");
        assert!(words.starts_with("holds 105"), "{words}");
        assert!(words.contains("seed 2: every rate tried held"), "{words}");
    }
}
