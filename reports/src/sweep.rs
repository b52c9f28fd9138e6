//! A sweep's findings: one comparison of the variants at every point of the swept values, and
//! each headline metric drawn against the swept value.
//!
//! Every point is an ordinary `Comparison` of the same variants on the same seeds, finished
//! into its `Findings` (per-seed values, intervals, paired differences, verdicts, splits), so
//! a point of a sweep reads exactly like a `compare` of that point. The charts put the first
//! swept path on the x axis: one line per variant through its means, a band for the 95%
//! interval of each mean, one dot per seed (`plot::curves`); a second swept path makes one
//! chart per value of it. A swept value that is a number is placed at that number; one that
//! reads as a duration (`5s`) at its seconds; anything else (`"full"`) is a category, placed in
//! the order given.
//!
//! This module renders strings; the CLI runs the points and writes the files.

use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use crate::comparison::{Findings, MetricRow};
use crate::figures::{slug, Figure};
use crate::page::Page;
use crate::plot::{self, Curve, CurveOptions, CurvePoint, PlotError, Target, XScale};
use crate::report::estimate;

/// One swept path and its values, in the order given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepAxis {
    /// The dotted path (`clients.web.arrival.rate_per_s`).
    pub path: String,
    /// Its values, as JSON (a number, or a string such as `"5s"`).
    pub values: Vec<Value>,
}

/// The comparison at one point of the sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    /// The value of each axis at this point, in axis order.
    pub values: Vec<Value>,
    /// What the comparison of the variants found here.
    pub findings: Findings,
}

/// Everything a sweep found: results.json.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepFindings {
    /// Scenario name.
    pub scenario: String,
    /// The command that reproduces the sweep.
    pub command: String,
    /// faultline version.
    pub version: String,
    /// The swept paths, in the order given; points vary the last one fastest.
    pub axes: Vec<SweepAxis>,
    /// Variant names; the first is each point's baseline.
    pub variants: Vec<String>,
    /// The seeds every point and variant ran.
    pub seeds: Vec<u64>,
    /// Runs made in all (points × variants × seeds).
    pub runs: u64,
    /// Every point, in order.
    pub points: Vec<SweepPoint>,
}

impl SweepFindings {
    /// results.json: pretty JSON with a trailing newline, the same bytes for the same runs.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("sweep findings serialize");
        text.push('\n');
        text
    }

    /// The headline metrics (those of the first point, in its order), as (key, label, unit).
    fn headlines(&self) -> Vec<&MetricRow> {
        self.points
            .first()
            .map(|p| {
                p.findings
                    .metrics
                    .iter()
                    .filter(|row| row.metric.headline)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The row of metric `key` at point `index`, if that point has it.
    fn row(&self, index: usize, key: &str) -> Option<&MetricRow> {
        self.points[index]
            .findings
            .metrics
            .iter()
            .find(|row| row.metric.key == key)
    }

    /// The points grouped by the values of every axis but the first: (the group's values in
    /// words, the point indexes in order of the first axis).
    fn groups(&self) -> Vec<(String, Vec<usize>)> {
        let mut groups: Vec<(Vec<Value>, Vec<usize>)> = Vec::new();
        for (index, point) in self.points.iter().enumerate() {
            let rest = point.values[1..].to_vec();
            match groups.iter_mut().find(|(values, _)| *values == rest) {
                Some((_, members)) => members.push(index),
                None => groups.push((rest, vec![index])),
            }
        }
        groups
            .into_iter()
            .map(|(values, members)| {
                let words: Vec<String> = self.axes[1..]
                    .iter()
                    .zip(&values)
                    .map(|(axis, value)| format!("{}={}", axis.path, shown(value)))
                    .collect();
                (words.join(", "), members)
            })
            .collect()
    }

    /// One chart per headline metric (and per value of the other axes).
    pub fn figures(&self) -> Result<Vec<Figure>, PlotError> {
        let Some(axis) = self.axes.first() else {
            return Ok(Vec::new());
        };
        let (scale, xs) = x_scale(axis);
        let mut out = Vec::new();
        let seeds = self.seeds.len();
        for headline in self.headlines() {
            let metric = &headline.metric;
            for (group, members) in self.groups() {
                let curves: Vec<Curve> = self
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(v, name)| Curve {
                        label: name.clone(),
                        style: Some(v),
                        points: members
                            .iter()
                            .filter_map(|&p| {
                                let row = self.row(p, &metric.key)?;
                                let value = row.by_variant.get(v)?;
                                let x = xs[axis_index(axis, &self.points[p].values[0])];
                                Some(CurvePoint {
                                    x,
                                    mean: value.estimate.map_or(f64::NAN, |e| e.mean),
                                    low: value.estimate.and_then(|e| e.low()),
                                    high: value.estimate.and_then(|e| e.high()),
                                    seeds: value
                                        .per_seed
                                        .iter()
                                        .map(|s| s.unwrap_or(f64::NAN))
                                        .collect(),
                                })
                            })
                            .collect(),
                    })
                    .collect();
                let suffix = if group.is_empty() {
                    String::new()
                } else {
                    format!(" ({group})")
                };
                let title = format!("{} against {}{suffix}", metric.label, axis.path);
                let options = CurveOptions {
                    target: metric
                        .target
                        .map(|t| Target::new(format!("SLO {}{}", trim(t), metric.unit), t)),
                };
                let y_label = format!("{} ({})", metric.label, metric.unit);
                out.push(Figure {
                    name: slug(&format!("sweep-{}-{group}", metric.key)),
                    svg: plot::curves(&title, &scale, &y_label, &curves, &options)?,
                    caption: format!(
                        "Mean over {seeds} seeds at each value of {}, one line per variant, with the 95% confidence interval of the mean (band, Student t) and each seed's value (dots){}.",
                        axis.path,
                        if metric.target.is_some() { "; the dashed line is the SLO target" } else { "" }
                    ),
                    title,
                });
            }
        }
        Ok(out)
    }

    /// report.md: the headline metrics as tables (a row per point, a column per variant),
    /// links to the charts, and the command.
    pub fn markdown(&self, figures: &[Figure], description: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# faultline sweep: {}\n", self.scenario);
        if !description.is_empty() {
            let _ = writeln!(out, "{description}\n");
        }
        let _ = writeln!(out, "{}\n", self.method());
        for headline in self.headlines() {
            let metric = &headline.metric;
            let _ = writeln!(out, "## {} ({})\n", metric.label, metric.unit);
            let (header, rows) = self.table(&metric.key);
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
            for row in rows {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
            out.push('\n');
        }
        if !figures.is_empty() {
            out.push_str("## Plots\n\n");
            for figure in figures {
                let _ = writeln!(out, "- [{}](plots/{}.svg)", figure.title, figure.name);
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "## Reproduce\n\n```sh\n{}\n```\n\nfaultline {}. Every point's full findings (each seed's value, paired differences, verdicts) are in results.json.",
            self.command, self.version
        );
        out
    }

    /// report.html: the same as report.md, with the charts inline.
    pub fn html(&self, figures: &[Figure], description: &str, scenario_text: &str) -> String {
        let mut page = Page::new(&format!("faultline sweep: {}", self.scenario), description);
        page.paragraph(&self.method());
        for figure in figures {
            page.figure(figure);
        }
        for headline in self.headlines() {
            let metric = &headline.metric;
            page.heading(&format!("{} ({})", metric.label, metric.unit));
            let (header, rows) = self.table(&metric.key);
            let rows: Vec<Vec<(String, Option<&str>)>> = rows
                .into_iter()
                .map(|row| row.into_iter().map(|cell| (cell, None)).collect())
                .collect();
            page.table(&header, &rows);
        }
        page.heading("Reproduce");
        page.code(&self.command);
        page.heading("Scenario");
        page.code(scenario_text);
        page.finish()
    }

    /// What was swept and how it was measured, in one paragraph.
    pub fn method(&self) -> String {
        let axes: Vec<String> = self
            .axes
            .iter()
            .map(|a| {
                let values: Vec<String> = a.values.iter().map(shown).collect();
                format!("{} over {}", a.path, values.join(", "))
            })
            .collect();
        let seeds = match (self.seeds.first(), self.seeds.last()) {
            (Some(first), Some(last)) if self.seeds.len() > 1 => {
                format!("seeds {first}–{last}")
            }
            (Some(first), _) => format!("seed {first} only (no intervals)"),
            _ => "no seeds".to_string(),
        };
        format!(
            "Swept {}: {} points × {} variants ({}) × {seeds} = {} runs, every variant on the same seeds (common random numbers). Each value is the mean over seeds with the half-width of its 95% Student-t interval.",
            axes.join("; "),
            self.points.len(),
            self.variants.len(),
            self.variants.join(", "),
            self.runs
        )
    }

    /// The table of metric `key`: a column per axis, then one per variant.
    fn table(&self, key: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header: Vec<String> = self.axes.iter().map(|a| a.path.clone()).collect();
        header.extend(self.variants.iter().cloned());
        let rows = self
            .points
            .iter()
            .enumerate()
            .map(|(p, point)| {
                let mut row: Vec<String> = point.values.iter().map(shown).collect();
                for v in 0..self.variants.len() {
                    let cell = self
                        .row(p, key)
                        .and_then(|r| r.by_variant.get(v))
                        .map_or("n/a".to_string(), |value| estimate(&value.estimate));
                    row.push(cell);
                }
                row
            })
            .collect();
        (header, rows)
    }

    /// The text a sweep prints: each headline metric as a small table.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.method());
        for headline in self.headlines() {
            let metric = &headline.metric;
            let _ = writeln!(out, "\n{} ({}):", metric.label, metric.unit);
            let (header, rows) = self.table(&metric.key);
            let widths: Vec<usize> = (0..header.len())
                .map(|c| {
                    rows.iter()
                        .map(|r| r[c].chars().count())
                        .chain(std::iter::once(header[c].chars().count()))
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |cells: &[String]| {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(cell, w)| format!("{cell:>w$}"))
                    .collect();
                padded.join("  ")
            };
            let _ = writeln!(out, "  {}", line(&header));
            for row in &rows {
                let _ = writeln!(out, "  {}", line(row));
            }
        }
        out
    }
}

/// Where the values of `axis` go on an x axis: numbers at themselves, durations at their
/// seconds, anything else as named categories in the order given.
pub fn x_scale(axis: &SweepAxis) -> (XScale, Vec<f64>) {
    let numbers: Option<Vec<f64>> = axis.values.iter().map(Value::as_f64).collect();
    if let Some(xs) = numbers {
        let scale = XScale {
            desc: axis.path.clone(),
            names: None,
        };
        return (scale, xs);
    }
    let seconds: Option<Vec<f64>> = axis
        .values
        .iter()
        .map(|v| {
            let text = v.as_str()?;
            sim_core::SimDuration::parse(text)
                .ok()
                .map(|d| d.as_secs_f64())
        })
        .collect();
    if let Some(xs) = seconds {
        let scale = XScale {
            desc: format!("{} (s)", axis.path),
            names: None,
        };
        return (scale, xs);
    }
    let names: Vec<String> = axis.values.iter().map(shown).collect();
    let xs = (0..names.len()).map(|i| i as f64).collect();
    let scale = XScale {
        desc: axis.path.clone(),
        names: Some(names),
    };
    (scale, xs)
}

/// The position of `value` among the axis's values.
fn axis_index(axis: &SweepAxis, value: &Value) -> usize {
    axis.values.iter().position(|v| v == value).unwrap_or(0)
}

/// A swept value as a user typed it: strings without quotes.
pub fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A number without trailing zeros (`99`, `99.9`).
fn trim(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_durations_and_names_find_their_place_on_the_axis() {
        let axis = |values: Vec<Value>| SweepAxis {
            path: "p".to_string(),
            values,
        };
        let (scale, xs) = x_scale(&axis(vec![json!(100), json!(250.5)]));
        assert_eq!(xs, [100.0, 250.5]);
        assert!(scale.names.is_none());
        let (scale, xs) = x_scale(&axis(vec![json!("500ms"), json!("2s")]));
        assert_eq!(xs, [0.5, 2.0]);
        assert_eq!(scale.desc, "p (s)");
        let (scale, xs) = x_scale(&axis(vec![json!("full"), json!("none")]));
        assert_eq!(xs, [0.0, 1.0]);
        assert_eq!(
            scale.names,
            Some(vec!["full".to_string(), "none".to_string()])
        );
    }
}
