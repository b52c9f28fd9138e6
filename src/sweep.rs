//! `faultline sweep`: the cross product of swept values × variants × seeds, and each headline
//! metric plotted against the swept value.
//!
//! A point of the sweep is one value of every `--sweep` axis (the last axis varies fastest);
//! at each point every variant runs on the same seeds, exactly as `compare` would run that
//! point (`--set`s first, then the point's values). The runs go through `batch` (all cores,
//! journaled, `--shard`, `--resume`, `merge`), numbered point by point, variant by variant,
//! seed by seed; each point's runs are added to its own `reports::comparison::Comparison` in
//! that order, so the findings never depend on the thread count or on how the runs were
//! split. `reports::sweep` turns the points' findings into results.json, report.md,
//! report.html and the plots, all written at once (`output::publish`).

use rayon::prelude::*;
use serde_json::Value;

use crate::axis::Axis;
use crate::batch::Batch;
use crate::cli::{Format, SweepArgs};
use crate::compare::digest;
use crate::error::CliError;
use crate::input::{self, Source};
use crate::journal::RunId;
use crate::output::publish;
use crate::seeds::SeedRange;
use crate::simulate::Outcome;

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "sweep";

/// `faultline sweep FILE --sweep PATH=VALUES... [--variants ...] [--seeds A..B]`.
pub fn sweep(args: &SweepArgs) -> Result<Outcome, CliError> {
    let source = input::read(&args.file)?;
    let plan = Plan::new(args, &source)?;
    crate::simulate::warn(&crate::inspect::warnings(
        &source,
        &plan.variants,
        &args.set,
    )?);
    let job = serde_json::to_value(args).expect("arguments serialize");
    let batch = Batch::start(&args.out, &args.batch, COMMAND, job, &source)?;
    plan.execute(&batch)
}

/// `faultline merge` of a sweep: the same command, every run from the shards' journals.
pub fn merged(args: &SweepArgs, source: &Source, batch: &Batch) -> Result<Outcome, CliError> {
    Plan::new(args, source)?.execute(batch)
}

/// Everything a sweep decides before it runs anything.
struct Plan<'a> {
    args: &'a SweepArgs,
    source: &'a Source,
    seeds: SeedRange,
    scenario: scenarios::Scenario,
    axes: Vec<Axis>,
    /// Each point as the index of its value on every axis.
    points: Vec<Vec<usize>>,
    variants: Vec<Option<String>>,
    names: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(args: &'a SweepArgs, source: &'a Source) -> Result<Plan<'a>, CliError> {
        let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
        let axes = args
            .sweep
            .iter()
            .map(|text| Axis::parse(text, "--sweep"))
            .collect::<Result<Vec<Axis>, CliError>>()?;
        if let Some((i, axis)) = axes
            .iter()
            .enumerate()
            .find(|(i, axis)| axes[..*i].iter().any(|a| a.path == axis.path))
        {
            return Err(CliError::Usage {
                flag: "--sweep".to_string(),
                problem: format!(
                    "`{}` is swept twice (the {} --sweep): give each path once, with all its values",
                    axis.path,
                    ordinal(i + 1)
                ),
            });
        }
        let count = axes
            .iter()
            .fold(1u128, |n, axis| n * axis.values.len() as u128);
        if count > u128::from(crate::batch::RUNS_MAX) {
            return Err(CliError::Usage {
                flag: "--sweep".to_string(),
                problem: format!(
                    "{count} points; a sweep has at most {}",
                    crate::batch::RUNS_MAX
                ),
            });
        }
        let points = cross(&axes);
        let base = crate::simulate::load_options(None, &args.set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &base)?;
        let (variants, names) = crate::compare::variants(&scenario, &args.variants)?;
        // A typo in a variant, a path or a value fails here, before any run: every variant
        // at the first point, and every point with the first variant.
        let first = points.first().cloned().unwrap_or_default();
        let plan = Plan {
            args,
            source,
            seeds,
            scenario,
            axes,
            points,
            variants,
            names,
        };
        for variant in &plan.variants {
            plan.parse(variant.as_deref(), &first)?;
        }
        for point in &plan.points {
            plan.parse(plan.variants[0].as_deref(), point)?;
        }
        Ok(plan)
    }

    /// The `--set`s of one point: the user's, then the point's values.
    fn set(&self, point: &[usize]) -> Vec<String> {
        let mut set = self.args.set.clone();
        set.extend(self.axes.iter().zip(point).map(|(axis, &i)| axis.set(i)));
        set
    }

    /// Parses the scenario at `point` with `variant` (to check it).
    fn parse(&self, variant: Option<&str>, point: &[usize]) -> Result<(), CliError> {
        let options = crate::simulate::load_options(variant, &self.set(point))?;
        scenarios::parse(&self.source.text, &self.source.origin, &options)?;
        Ok(())
    }

    /// Runs (or reads back) every run, then writes the report (a shard writes none).
    fn execute(&self, batch: &Batch) -> Result<Outcome, CliError> {
        let args = self.args;
        let per_point = self.variants.len() as u128 * u128::from(self.seeds.len());
        let units = per_point * self.points.len() as u128;
        let planned: Vec<(usize, usize, RunId)> = batch
            .owned(units, "runs")?
            .into_iter()
            .map(|unit| {
                let unit = u128::from(unit);
                let p = (unit / per_point) as usize;
                let within = unit % per_point;
                let v = (within / u128::from(self.seeds.len())) as usize;
                let seed = self.seeds.first + (within % u128::from(self.seeds.len())) as u64;
                let run = RunId {
                    variant: self.variants[v].clone(),
                    set: self.set(&self.points[p]),
                    seed,
                };
                (p, v, run)
            })
            .collect();
        let runs: Vec<RunId> = planned.iter().map(|(_, _, run)| run.clone()).collect();
        let digests = batch.run(&runs, |run| digest(self.source, run))?;
        if batch.is_partial() {
            return Ok(batch.partial_outcome(COMMAND, &args.out));
        }
        batch.finish();

        // Each point's comparison takes its runs in (variant, seed) order; points are
        // independent, so they are built on every core. A sweep draws no latency CDF, so the
        // histograms are left out rather than rebuilt.
        let mut by_point: Vec<Vec<(usize, &reports::digest::RunDigest)>> =
            vec![Vec::new(); self.points.len()];
        for ((p, v, _), digest) in planned.iter().zip(&digests) {
            by_point[*p].push((*v, digest));
        }
        let findings_by_point: Vec<reports::comparison::Findings> = batch.install(|| {
            by_point
                .par_iter()
                .map(|runs| {
                    let mut comparison = reports::comparison::Comparison::new(&self.names);
                    for (v, digest) in runs {
                        let mut digest = (*digest).clone();
                        digest.latency.clear();
                        digest.latency_all.clear();
                        comparison.add_digest(*v, &digest);
                    }
                    comparison.finish()
                })
                .collect()
        });
        let findings = reports::sweep::SweepFindings {
            scenario: self.scenario.name.clone(),
            command: self.command_line(),
            version: crate::VERSION.to_string(),
            axes: self
                .axes
                .iter()
                .map(|axis| reports::sweep::SweepAxis {
                    path: axis.path.clone(),
                    values: axis.values.clone(),
                })
                .collect(),
            variants: self.names.clone(),
            seeds: self.seeds.iter().collect(),
            runs: runs.len() as u64,
            points: self
                .points
                .iter()
                .zip(findings_by_point)
                .map(|(point, findings)| reports::sweep::SweepPoint {
                    values: self
                        .axes
                        .iter()
                        .zip(point)
                        .map(|(axis, &i)| axis.values[i].clone())
                        .collect::<Vec<Value>>(),
                    findings,
                })
                .collect(),
        };
        let figures = findings.figures().map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
        let description = &self.scenario.description;
        let mut files: Vec<(String, Vec<u8>)> = figures
            .iter()
            .map(|f| (format!("plots/{}.svg", f.name), f.svg.clone().into_bytes()))
            .collect();
        files.push(("results.json".to_string(), findings.to_json().into_bytes()));
        files.push((
            "report.md".to_string(),
            findings.markdown(&figures, description).into_bytes(),
        ));
        files.push((
            "report.html".to_string(),
            findings
                .html(&figures, description, &self.source.text)
                .into_bytes(),
        ));
        publish(&args.out, &files, &["plots"])?;
        let stdout = match args.format {
            Format::Json => findings.to_json(),
            Format::Text => format!(
                "{}\nwrote {1}/report.html, {1}/report.md, {1}/results.json and {2} plots in {1}/plots\n",
                findings.text(),
                args.out.display(),
                figures.len()
            ),
        };
        Ok(Outcome {
            stdout,
            exit_code: 0,
        })
    }

    /// The command that reproduces the sweep (without `--out`, so that a merged report and
    /// one machine's are the same bytes).
    fn command_line(&self) -> String {
        let args = self.args;
        let file = self
            .source
            .origin
            .strip_prefix("catalog:")
            .map_or_else(|| args.file.display().to_string(), str::to_string);
        let mut command = format!("faultline sweep {file}");
        for axis in &self.axes {
            command.push_str(&format!(" --sweep '{}'", axis.words()));
        }
        if !args.variants.is_empty() {
            command.push_str(&format!(" --variants {}", args.variants.join(",")));
        }
        command.push_str(&format!(
            " --seeds {}..{}",
            self.seeds.first, self.seeds.last
        ));
        for set in &args.set {
            command.push_str(&format!(" --set '{set}'"));
        }
        command
    }
}

/// Every point of the cross product, the last axis fastest.
fn cross(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut points: Vec<Vec<usize>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|point| {
                (0..axis.values.len()).map(move |i| {
                    let mut next = point.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    points
}

/// `1st`, `2nd`, `3rd`, `4th`, ...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_vary_the_last_axis_fastest() {
        let axes = [
            Axis::parse("a=1,2", "--sweep").unwrap(),
            Axis::parse("b=x,y,z", "--sweep").unwrap(),
        ];
        assert_eq!(
            cross(&axes),
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
        );
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(12), "12th");
    }
}
