//! `faultline map`: a grid of offered load × trigger magnitude (× trigger duration), each cell
//! classified recovers / degraded / metastable per variant, drawn as heat maps.
//!
//! The trigger is a field of one fault (`--trigger faults.N.FIELD=VALUES`): its window (`at`,
//! `for`) is read from the scenario at each cell, so a duration axis moves its end. Every
//! cell runs every variant on the same seeds; each run is judged by `reports::map` (goodput
//! back to 90% of its level before the trigger within `--settle` after it ends), and a cell
//! is metastable when at least `--share` of its seeds were healthy and stayed down. The runs
//! go through `batch` (all cores, journaled, `--shard`, `--resume`, `merge`), numbered cell
//! by cell (duration, then trigger, then load), variant by variant, seed by seed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use reports::map::{Cell, MapAxis, MapFindings, Rule, Window};

use crate::axis::Axis;
use crate::batch::Batch;
use crate::cli::{Format, MapArgs};
use crate::error::CliError;
use crate::input::{self, Source};
use crate::journal::{Journaled, RunId};
use crate::output::publish;
use crate::seeds::SeedRange;
use crate::simulate::{simulate, Outcome};

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "map";

/// `faultline map FILE --load PATH=VALUES --trigger FAULT_PATH=VALUES`.
pub fn map(args: &MapArgs) -> Result<Outcome, CliError> {
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

/// `faultline merge` of a map: the same command, every run from the shards' journals.
pub fn merged(args: &MapArgs, source: &Source, batch: &Batch) -> Result<Outcome, CliError> {
    Plan::new(args, source)?.execute(batch)
}

/// What the journal keeps of a run: each client's per-second goodput and offered load.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Course {
    goodput: BTreeMap<String, Vec<f64>>,
    offered: BTreeMap<String, Vec<f64>>,
}

impl Journaled for Course {
    const KIND: &'static str = "course";
}

/// Everything a map decides before it runs anything.
struct Plan<'a> {
    args: &'a MapArgs,
    source: &'a Source,
    seeds: SeedRange,
    scenario: scenarios::Scenario,
    load: Axis,
    trigger: Axis,
    duration: Option<Axis>,
    /// Each cell as (duration index, trigger index, load index), in run order.
    cells: Vec<(usize, usize, usize)>,
    variants: Vec<Option<String>>,
    names: Vec<String>,
    /// The trigger's window at each (cell, variant).
    windows: Vec<Vec<Window>>,
    clients: Vec<String>,
    share: f64,
    settle_s: f64,
}

impl<'a> Plan<'a> {
    fn new(args: &'a MapArgs, source: &'a Source) -> Result<Plan<'a>, CliError> {
        let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
        let load = Axis::parse(&args.load, "--load")?;
        let trigger = Axis::parse(&args.trigger, "--trigger")?;
        let duration = args
            .duration
            .as_deref()
            .map(|d| Axis::parse(d, "--duration"))
            .transpose()?;
        let fault = fault_index(&trigger.path)?;
        if let Some(axis) = &duration {
            if fault_index(&axis.path).map_err(|_| CliError::Usage {
                flag: "--duration".to_string(),
                problem: format!(
                    "`{}` is not a fault's field; write the trigger's duration, e.g. `faults.{fault}.for=5s,20s`",
                    axis.path
                ),
            })? != fault
            {
                return Err(CliError::Usage {
                    flag: "--duration".to_string(),
                    problem: format!(
                        "`{}` is another fault than the trigger's (faults.{fault})",
                        axis.path
                    ),
                });
            }
        }
        let share = crate::compare::parse_fraction(&args.share, "--share")?;
        let settle =
            sim_core::SimDuration::parse(&args.settle).map_err(|problem| CliError::Usage {
                flag: "--settle".to_string(),
                problem: format!("`{}`: {problem}; write a duration like `30s`", args.settle),
            })?;
        let count = load.values.len() as u128
            * trigger.values.len() as u128
            * duration.as_ref().map_or(1, |d| d.values.len()) as u128;
        if count > u128::from(crate::batch::RUNS_MAX) {
            return Err(CliError::Usage {
                flag: "--load".to_string(),
                problem: format!(
                    "{count} cells; a map has at most {}",
                    crate::batch::RUNS_MAX
                ),
            });
        }
        let mut cells = Vec::new();
        for d in 0..duration.as_ref().map_or(1, |d| d.values.len()) {
            for t in 0..trigger.values.len() {
                for l in 0..load.values.len() {
                    cells.push((d, t, l));
                }
            }
        }
        let base = crate::simulate::load_options(None, &args.set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &base)?;
        let names_of_clients: Vec<String> = scenario
            .world
            .clients
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let clients = match &args.client {
            Some(name) if names_of_clients.contains(name) => vec![name.clone()],
            Some(name) => {
                return Err(CliError::Usage {
                    flag: "--client".to_string(),
                    problem: format!(
                        "{} has no client `{name}`; its clients are: {}",
                        source.origin,
                        names_of_clients.join(", ")
                    ),
                })
            }
            None => names_of_clients,
        };
        let (variants, names) = crate::compare::variants(&scenario, &args.variants)?;
        let mut plan = Plan {
            args,
            source,
            seeds,
            scenario,
            load,
            trigger,
            duration,
            cells,
            variants,
            names,
            windows: Vec::new(),
            clients,
            share,
            settle_s: settle.as_secs_f64(),
        };
        // Every (cell, variant) parses, and its trigger window fits its runs, before any run.
        let mut windows = Vec::with_capacity(plan.cells.len());
        for cell in &plan.cells {
            let mut row = Vec::with_capacity(plan.variants.len());
            for variant in &plan.variants {
                row.push(plan.window(variant.as_deref(), cell, fault)?);
            }
            windows.push(row);
        }
        plan.windows = windows;
        Ok(plan)
    }

    /// The `--set`s of a cell: the user's, then its load, trigger and duration.
    fn set(&self, &(d, t, l): &(usize, usize, usize)) -> Vec<String> {
        let mut set = self.args.set.clone();
        set.push(self.load.set(l));
        set.push(self.trigger.set(t));
        if let Some(axis) = &self.duration {
            set.push(axis.set(d));
        }
        set
    }

    /// The trigger's window at a cell with a variant, checked to fit its runs.
    fn window(
        &self,
        variant: Option<&str>,
        cell: &(usize, usize, usize),
        fault: usize,
    ) -> Result<Window, CliError> {
        let options = crate::simulate::load_options(variant, &self.set(cell))?;
        let scenario = scenarios::parse(&self.source.text, &self.source.origin, &options)?;
        let document = scenarios::document(&self.source.text, &self.source.origin, &options)?;
        let entry = &document["faults"][fault];
        let bad = |problem: String| CliError::Usage {
            flag: "--trigger".to_string(),
            problem,
        };
        let time = |key: &str| -> Result<Option<f64>, CliError> {
            match entry.get(key).and_then(Value::as_str) {
                None => Ok(None),
                Some(text) => sim_core::SimDuration::parse(text)
                    .map(|d| Some(d.as_secs_f64()))
                    .map_err(|e| bad(format!("faults.{fault}.{key} `{text}`: {e}"))),
            }
        };
        let start_s = time("at")?.ok_or_else(|| {
            bad(format!(
                "{} has no faults.{fault} with an `at`: the trigger must be one of the scenario's faults",
                self.source.origin
            ))
        })?;
        let lasts = time("for")?.ok_or_else(|| {
            bad(format!(
                "faults.{fault} never ends (no `for`), so nothing can recover after it: give it one (--set 'faults.{fault}.for=\"20s\"')"
            ))
        })?;
        let window = Window {
            warmup_s: scenario.world.warmup.as_secs_f64(),
            start_s,
            end_s: start_s + lasts,
            settle_s: self.settle_s,
        };
        if let Some(problem) = window.problem(scenario.world.duration.as_secs_f64()) {
            return Err(bad(problem));
        }
        Ok(window)
    }

    /// Runs (or reads back) every run, then writes the map (a shard writes none).
    fn execute(&self, batch: &Batch) -> Result<Outcome, CliError> {
        let args = self.args;
        let per_cell = self.variants.len() as u128 * u128::from(self.seeds.len());
        let units = per_cell * self.cells.len() as u128;
        let planned: Vec<(usize, usize, RunId)> = batch
            .owned(units, "runs")?
            .into_iter()
            .map(|unit| {
                let unit = u128::from(unit);
                let c = (unit / per_cell) as usize;
                let within = unit % per_cell;
                let v = (within / u128::from(self.seeds.len())) as usize;
                let seed = self.seeds.first + (within % u128::from(self.seeds.len())) as u64;
                let run = RunId {
                    variant: self.variants[v].clone(),
                    set: self.set(&self.cells[c]),
                    seed,
                };
                (c, v, run)
            })
            .collect();
        let runs: Vec<RunId> = planned.iter().map(|(_, _, run)| run.clone()).collect();
        let courses = batch.run(&runs, |run| self.course(run))?;
        if batch.is_partial() {
            return Ok(batch.partial_outcome(COMMAND, &args.out));
        }
        batch.finish();

        let mut verdicts: BTreeMap<(usize, usize), Vec<reports::map::SeedVerdict>> =
            BTreeMap::new();
        for ((c, v, run), course) in planned.iter().zip(&courses) {
            let series: Vec<(&[f64], &[f64])> = self
                .clients
                .iter()
                .map(|name| {
                    let goodput = course.goodput.get(name).map_or(&[][..], Vec::as_slice);
                    let offered = course.offered.get(name).map_or(&[][..], Vec::as_slice);
                    (goodput, offered)
                })
                .collect();
            let verdict = reports::map::judge(run.seed, &series, &self.windows[*c][*v]);
            verdicts.entry((*v, *c)).or_default().push(verdict);
        }
        let mut cells = Vec::with_capacity(verdicts.len());
        for ((v, c), seeds) in verdicts {
            let (d, t, l) = self.cells[c];
            let values = (
                self.load.values[l].clone(),
                self.trigger.values[t].clone(),
                self.duration.as_ref().map(|axis| axis.values[d].clone()),
            );
            cells.push(Cell::new(&self.names[v], values, seeds, self.share));
        }
        let axis = |a: &Axis| MapAxis {
            path: a.path.clone(),
            values: a.values.clone(),
        };
        let findings = MapFindings {
            scenario: self.scenario.name.clone(),
            command: self.command_line(),
            version: crate::VERSION.to_string(),
            rule: Rule::new(self.settle_s, self.share, self.clients.clone()),
            load: axis(&self.load),
            trigger: axis(&self.trigger),
            duration: self.duration.as_ref().map(axis),
            variants: self.names.clone(),
            seeds: self.seeds.iter().collect(),
            runs: runs.len() as u64,
            cells,
        };
        let figures = findings.figures().map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
        let mut files: Vec<(String, Vec<u8>)> = figures
            .iter()
            .map(|f| (format!("plots/{}.svg", f.name), f.svg.clone().into_bytes()))
            .collect();
        files.push(("map.json".to_string(), findings.to_json().into_bytes()));
        files.push((
            "report.md".to_string(),
            findings.markdown(&figures).into_bytes(),
        ));
        files.push((
            "report.html".to_string(),
            findings
                .html(&figures, &self.scenario.description, &self.source.text)
                .into_bytes(),
        ));
        publish(&args.out, &files, &["plots"])?;
        let stdout = match args.format {
            Format::Json => findings.to_json(),
            Format::Text => format!(
                "{}\nwrote {1}/map.json, {1}/report.md, {1}/report.html and {2} heat maps in {1}/plots\n",
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

    /// One run's per-second goodput and offered load, per client.
    fn course(&self, run: &RunId) -> Result<Course, CliError> {
        let simulated = simulate(
            &self.source.text,
            &self.source.origin,
            run.variant.as_deref(),
            &run.set,
            run.seed,
        )?;
        let clients = &simulated.result.clients;
        // The map judges by the second; a run longer than 2,000 s keeps wider rows.
        let interval = simulated.result.series_interval();
        let per_second = |rows: &[f64]| sim_core::series::per_second(rows, interval);
        Ok(Course {
            goodput: clients
                .iter()
                .map(|c| (c.name.clone(), per_second(&c.series.goodput_per_s)))
                .collect(),
            offered: clients
                .iter()
                .map(|c| (c.name.clone(), per_second(&c.series.offered_per_s)))
                .collect(),
        })
    }

    /// The command that reproduces the map (without `--out`).
    fn command_line(&self) -> String {
        let args = self.args;
        let file = self
            .source
            .origin
            .strip_prefix("catalog:")
            .map_or_else(|| args.file.display().to_string(), str::to_string);
        let mut command = format!(
            "faultline map {file} --load '{}' --trigger '{}'",
            self.load.words(),
            self.trigger.words()
        );
        if let Some(axis) = &self.duration {
            command.push_str(&format!(" --duration '{}'", axis.words()));
        }
        if !args.variants.is_empty() {
            command.push_str(&format!(" --variants {}", args.variants.join(",")));
        }
        command.push_str(&format!(
            " --seeds {}..{} --settle {} --share {}",
            self.seeds.first, self.seeds.last, args.settle, args.share
        ));
        if let Some(client) = &args.client {
            command.push_str(&format!(" --client {client}"));
        }
        for set in &args.set {
            command.push_str(&format!(" --set '{set}'"));
        }
        command
    }
}

/// The fault a trigger path names: `faults.N.FIELD` → N.
fn fault_index(path: &str) -> Result<usize, CliError> {
    let mut parts = path.split('.');
    let index = match (parts.next(), parts.next(), parts.next()) {
        (Some("faults"), Some(index), Some(_)) => index.parse::<usize>().ok(),
        _ => None,
    };
    index.ok_or_else(|| CliError::Usage {
        flag: "--trigger".to_string(),
        problem: format!(
            "`{path}` is not a field of one fault; write faults.N.FIELD with N the fault's \
             position in the scenario's `faults` (from 0), e.g. `faults.0.factor=2..5:1`"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trigger_names_one_fault_by_position() {
        assert_eq!(fault_index("faults.0.factor").unwrap(), 0);
        assert_eq!(fault_index("faults.12.for").unwrap(), 12);
        for bad in ["clients.web.timeout", "faults.x.factor", "faults.0"] {
            let error = fault_index(bad).unwrap_err().to_string();
            assert!(error.contains("faults.N.FIELD"), "{error}");
        }
    }
}
