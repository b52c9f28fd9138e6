//! `faultline capacity`: the highest offered rate at which every SLO still holds, per variant,
//! with its interval over seeds and the number of runs it took.
//!
//! # Method: bisection on each seed's sample path, then an interval over seeds
//!
//! Whether the SLOs hold at rate λ is a noisy function of λ. Common random numbers make it
//! much less noisy than it looks: with the seed fixed, every stream is fixed too, and a
//! Poisson client's arrivals at rate λ are the same exponential draws scaled by 1/λ, so one
//! seed's outcome is a deterministic, almost monotone function of λ — its *sample path*.
//! `capacity` finds where each seed's sample path crosses from "every SLO holds" to "some SLO
//! fails", by ordinary bisection (the sample-path approach to stochastic root finding: Healy
//! & Schruben, "Retrospective simulation response optimization", WSC 1991; Robinson,
//! "Analysis of sample-path optimization", Math. of Operations Research 21(3), 1996), and
//! then treats the seeds' crossings as independent replications: their mean with its 95%
//! Student-t interval (`reports::stats::interval`) is the capacity and its uncertainty.
//! Probabilistic bisection (Waeber, Frazier & Henderson, "Bisection search with noisy
//! responses", SIAM J. Control Optim. 51(3), 2013) models each query as an independent noisy
//! answer; here a query's answer is not noisy given its seed, so plain bisection per seed is
//! exact and its result is a pure function of the seed range.
//!
//! One seed's search, with λ₀ the client's rate as written (after the variant and `--set`s):
//!
//! 1. *Bracket.* Run λ₀. If every SLO holds, double the rate until some SLO fails; if not,
//!    halve it until every SLO holds; at most `DOUBLINGS_MAX` times each way (a seed that
//!    holds even at λ₀·2^16, or fails even at λ₀/2^16, has no capacity, and says so).
//!    `--range LOW..HIGH` replaces this with the two ends, which must hold and fail.
//! 2. *Bisect.* While the bracket [held, failed] is wider than `--tolerance` × held, run its
//!    middle and keep the half that still brackets the crossing.
//! 3. The seed's capacity is the middle of its final bracket (within tolerance/2 of the
//!    crossing).
//!
//! A run stopped by a guard (an overload that explodes the event budget) counts as failing.
//!
//! The searches of all (variant, seed) pairs advance together, one rate each per round, and
//! each round's runs go to every core through `batch` (journaled; `--resume` replays the
//! decisions from the journal). A shard owns whole searches (`--shard I/N` deals the
//! (variant, seed) pairs round robin), so `merge` replays every search from the shards'
//! journals and writes the same capacity.json, byte for byte.

use serde::{Deserialize, Serialize};

use reports::capacity::{CapacityFindings, SeedCapacity, VariantCapacity};
use reports::SloVerdict;

use crate::batch::Batch;
use crate::cli::{CapacityArgs, Format};
use crate::error::CliError;
use crate::input::{self, Source};
use crate::journal::{Journaled, RunId};
use crate::output::publish;
use crate::seeds::SeedRange;
use crate::simulate::{simulate, Outcome};

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "capacity";

/// How many times the bracket may double (or halve) from the starting rate.
pub const DOUBLINGS_MAX: u32 = 16;

/// The most bisection steps one seed takes (a tolerance of 1e-12 still stops).
const BISECTIONS_MAX: u32 = 60;

/// `faultline capacity FILE --client NAME [--variants ...] [--seeds A..B]`.
pub fn capacity(args: &CapacityArgs) -> Result<Outcome, CliError> {
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

/// `faultline merge` of a capacity search: every search replayed from the shards' journals.
pub fn merged(args: &CapacityArgs, source: &Source, batch: &Batch) -> Result<Outcome, CliError> {
    Plan::new(args, source)?.execute(batch)
}

/// What the journal keeps of a probe run: its SLO verdicts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Probe {
    /// Each SLO's verdict; empty when a guard stopped the run.
    slo: Vec<SloVerdict>,
    /// Why the run stopped early, if a guard stopped it.
    guard: Option<String>,
}

impl Journaled for Probe {
    const KIND: &'static str = "slo";
}

impl Probe {
    /// Whether every SLO held (a run a guard stopped did not).
    fn holds(&self) -> bool {
        self.guard.is_none() && self.slo.iter().all(|v| v.met)
    }
}

/// Where one seed's search stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// The highest rate tried that held.
    held: Option<f64>,
    /// The lowest rate tried that failed.
    failed: Option<f64>,
    /// The rate the search starts from (or the low end of `--range`).
    start: f64,
    /// The high end of `--range`, if given.
    high: Option<f64>,
    /// How many times the bracket has doubled or halved.
    moves: u32,
    /// Bisection steps taken.
    bisections: u32,
    /// Rates run so far.
    runs: u64,
    /// Relative bracket width at which to stop.
    tolerance: f64,
    /// Why the search ended without a crossing.
    note: Option<String>,
}

impl Search {
    /// A search from `start`, or across `range` (low, high).
    pub fn new(start: f64, range: Option<(f64, f64)>, tolerance: f64) -> Search {
        Search {
            held: None,
            failed: None,
            start: range.map_or(start, |r| r.0),
            high: range.map(|r| r.1),
            moves: 0,
            bisections: 0,
            runs: 0,
            tolerance,
            note: None,
        }
    }

    /// The next rate to run, or None when the search is over.
    pub fn next(&self) -> Option<f64> {
        if self.note.is_some() {
            return None;
        }
        match (self.held, self.failed) {
            (None, None) => Some(self.start),
            (Some(held), None) => Some(self.high.unwrap_or(held * 2.0)),
            (None, Some(failed)) => Some(failed / 2.0),
            (Some(held), Some(failed)) => {
                let narrow = failed - held <= self.tolerance * held;
                (!narrow && self.bisections < BISECTIONS_MAX).then_some((held + failed) / 2.0)
            }
        }
    }

    /// Records that `rate` held (every SLO met) or not.
    pub fn observe(&mut self, rate: f64, holds: bool) {
        self.runs += 1;
        let bracketed = self.held.is_some() && self.failed.is_some();
        if holds {
            self.held = Some(rate);
        } else {
            self.failed = Some(rate);
        }
        if bracketed {
            self.bisections += 1;
            return;
        }
        if self.held.is_some() && self.failed.is_some() {
            return;
        }
        if let Some(high) = self.high {
            // --range: the low end must hold, the high end must fail.
            if !holds && rate == self.start {
                self.note = Some(format!("fails already at the low end, {rate} req/s"));
            } else if holds && rate == high {
                self.note = Some(format!("holds even at the high end, {rate} req/s"));
            }
            return;
        }
        if rate != self.start {
            self.moves += 1;
        }
        if self.moves >= DOUBLINGS_MAX {
            self.note = Some(if holds {
                format!("every rate tried held, up to {rate} req/s")
            } else {
                format!("no rate tried held, down to {rate} req/s")
            });
        }
    }

    /// The outcome of a finished search for `seed`.
    pub fn result(&self, seed: u64) -> SeedCapacity {
        let capacity = match (self.held, self.failed, &self.note) {
            (Some(held), Some(failed), None) => Some((held + failed) / 2.0),
            _ => None,
        };
        SeedCapacity {
            seed,
            capacity,
            held: self.held,
            failed: self.failed,
            runs: self.runs,
            note: self.note.clone(),
        }
    }
}

/// Everything a capacity search decides before it runs anything.
struct Plan<'a> {
    args: &'a CapacityArgs,
    source: &'a Source,
    seeds: SeedRange,
    scenario: scenarios::Scenario,
    variants: Vec<Option<String>>,
    names: Vec<String>,
    /// Each variant's starting rate (the client's rate as written, after the variant).
    starts: Vec<f64>,
    range: Option<(f64, f64)>,
    tolerance: f64,
    path: String,
}

impl<'a> Plan<'a> {
    fn new(args: &'a CapacityArgs, source: &'a Source) -> Result<Plan<'a>, CliError> {
        let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
        let tolerance = crate::compare::parse_fraction(&args.tolerance, "--tolerance")?;
        let range = args.range.as_deref().map(parse_range).transpose()?;
        let base = crate::simulate::load_options(None, &args.set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &base)?;
        if scenario.slos.is_empty() {
            return Err(CliError::Usage {
                flag: "capacity".to_string(),
                problem: format!(
                    "{} has no SLO, so no rate can fail one: add an `slo` entry (or --set 'slo=[{{\"client\": \"{}\", \"latency_below\": \"100ms\", \"target\": 0.99}}]')",
                    source.origin, args.client
                ),
            });
        }
        let clients: Vec<&str> = scenario
            .world
            .clients
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if !clients.contains(&args.client.as_str()) {
            return Err(CliError::Usage {
                flag: "--client".to_string(),
                problem: format!(
                    "{} has no client `{}`; its clients are: {}",
                    source.origin,
                    args.client,
                    clients.join(", ")
                ),
            });
        }
        let path = format!("clients.{}.arrival.rate_per_s", args.client);
        let (variants, names) = crate::compare::variants(&scenario, &args.variants)?;
        let mut starts = Vec::with_capacity(variants.len());
        for variant in &variants {
            let options = crate::simulate::load_options(variant.as_deref(), &args.set)?;
            scenarios::parse(&source.text, &source.origin, &options)?;
            let document = scenarios::document(&source.text, &source.origin, &options)?;
            let rate = rate_of(&document, &args.client).filter(|r| *r > 0.0);
            match (rate, range) {
                (Some(rate), _) => starts.push(rate),
                (None, Some((low, _))) => starts.push(low),
                (None, None) => {
                    return Err(CliError::Usage {
                        flag: "--client".to_string(),
                        problem: format!(
                            "client `{}` has no positive `arrival.rate_per_s` to start from; give --range LOW..HIGH",
                            args.client
                        ),
                    })
                }
            }
        }
        Ok(Plan {
            args,
            source,
            seeds,
            scenario,
            variants,
            names,
            starts,
            range,
            tolerance,
            path,
        })
    }

    /// The run of `variant` at `rate` on `seed`.
    fn run(&self, variant: usize, rate: f64, seed: u64) -> RunId {
        let mut set = self.args.set.clone();
        set.push(format!("{}={rate}", self.path));
        RunId {
            variant: self.variants[variant].clone(),
            set,
            seed,
        }
    }

    /// Runs every search this shard owns, round by round, then writes the findings.
    fn execute(&self, batch: &Batch) -> Result<Outcome, CliError> {
        let args = self.args;
        let per_variant = u128::from(self.seeds.len());
        let units = per_variant * self.variants.len() as u128;
        let mut searches: Vec<(usize, u64, Search)> = batch
            .owned(units, "searches")?
            .into_iter()
            .map(|unit| {
                let v = (u128::from(unit) / per_variant) as usize;
                let seed = self.seeds.first + (u128::from(unit) % per_variant) as u64;
                (
                    v,
                    seed,
                    Search::new(self.starts[v], self.range, self.tolerance),
                )
            })
            .collect();
        loop {
            let round: Vec<(usize, f64)> = searches
                .iter()
                .enumerate()
                .filter_map(|(i, (_, _, search))| search.next().map(|rate| (i, rate)))
                .collect();
            if round.is_empty() {
                break;
            }
            let runs: Vec<RunId> = round
                .iter()
                .map(|&(i, rate)| self.run(searches[i].0, rate, searches[i].1))
                .collect();
            let probes = batch.run(&runs, |run| self.probe(run))?;
            for (&(i, rate), probe) in round.iter().zip(&probes) {
                searches[i].2.observe(rate, probe.holds());
            }
        }
        if batch.is_partial() {
            return Ok(batch.partial_outcome(COMMAND, &args.out));
        }
        batch.finish();

        let variants: Vec<VariantCapacity> = self
            .names
            .iter()
            .enumerate()
            .map(|(v, name)| {
                let seeds = searches
                    .iter()
                    .filter(|(sv, _, _)| *sv == v)
                    .map(|(_, seed, search)| search.result(*seed))
                    .collect();
                VariantCapacity::new(name, seeds)
            })
            .collect();
        let findings = CapacityFindings {
            scenario: self.scenario.name.clone(),
            client: args.client.clone(),
            path: self.path.clone(),
            slos: self
                .scenario
                .slos
                .iter()
                .map(|slo| {
                    format!(
                        "{}: {}% within {}",
                        slo.client_name,
                        slo.target * 100.0,
                        slo.latency_below
                    )
                })
                .collect(),
            method: self.method(),
            tolerance: self.tolerance,
            seeds: self.seeds.iter().collect(),
            runs: variants.iter().map(|v| v.runs).sum(),
            variants,
            command: self.command_line(),
            version: crate::VERSION.to_string(),
        };
        let figure = findings.figure().map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
        let description = &self.scenario.description;
        let files = vec![
            (
                format!("plots/{}.svg", figure.name),
                figure.svg.clone().into_bytes(),
            ),
            ("capacity.json".to_string(), findings.to_json().into_bytes()),
            (
                "report.md".to_string(),
                findings.markdown(&figure).into_bytes(),
            ),
            (
                "report.html".to_string(),
                findings
                    .html(&figure, description, &self.source.text)
                    .into_bytes(),
            ),
        ];
        publish(&args.out, &files, &["plots"])?;
        let stdout = match args.format {
            Format::Json => findings.to_json(),
            Format::Text => format!(
                "{}wrote {1}/capacity.json, {1}/report.md and {1}/report.html\n",
                findings.text(),
                args.out.display()
            ),
        };
        Ok(Outcome {
            stdout,
            exit_code: 0,
        })
    }

    /// One probe run: its SLO verdicts (a guard's stop is a failure, not an error).
    fn probe(&self, run: &RunId) -> Result<Probe, CliError> {
        match simulate(
            &self.source.text,
            &self.source.origin,
            run.variant.as_deref(),
            &run.set,
            run.seed,
        ) {
            Ok(simulated) => Ok(Probe {
                slo: simulated.summary.slo,
                guard: None,
            }),
            Err(CliError::Guard { source, .. }) => Ok(Probe {
                slo: Vec::new(),
                guard: Some(source.to_string()),
            }),
            Err(other) => Err(other),
        }
    }

    /// The method in words, for the report.
    fn method(&self) -> String {
        let start = match self.range {
            Some((low, high)) => format!("the --range ends {low} and {high} req/s"),
            None => format!(
                "the client's rate as written, doubled or halved (at most {DOUBLINGS_MAX} times) until every SLO holds at the low end and some SLO fails at the high end"
            ),
        };
        format!(
            "Each seed's runs share their random numbers at every rate (common random numbers), so whether the SLOs hold is a deterministic, almost monotone function of the rate for that seed; the search brackets its crossing from {start}, then bisects until the bracket is narrower than {}% of its low end, and takes the bracket's middle as the seed's capacity (the sample-path approach: Healy & Schruben 1991; Robinson 1996). The capacity is the mean over seeds with its 95% Student-t interval; a run stopped by a guard counts as failing.",
            self.tolerance * 100.0
        )
    }

    /// The command that reproduces the search (without `--out`).
    fn command_line(&self) -> String {
        let args = self.args;
        let file = self
            .source
            .origin
            .strip_prefix("catalog:")
            .map_or_else(|| args.file.display().to_string(), str::to_string);
        let mut command = format!("faultline capacity {file} --client {}", args.client);
        if !args.variants.is_empty() {
            command.push_str(&format!(" --variants {}", args.variants.join(",")));
        }
        command.push_str(&format!(
            " --seeds {}..{}",
            self.seeds.first, self.seeds.last
        ));
        if let Some(range) = &args.range {
            command.push_str(&format!(" --range {range}"));
        }
        command.push_str(&format!(" --tolerance {}", args.tolerance));
        for set in &args.set {
            command.push_str(&format!(" --set '{set}'"));
        }
        command
    }
}

/// The `arrival.rate_per_s` of client `name` in a scenario document.
fn rate_of(document: &serde_json::Value, name: &str) -> Option<f64> {
    document["clients"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)?["arrival"]["rate_per_s"]
        .as_f64()
}

/// `LOW..HIGH`, 0 < LOW < HIGH.
fn parse_range(text: &str) -> Result<(f64, f64), CliError> {
    let bad = || {
        CliError::Usage {
        flag: "--range".to_string(),
        problem: format!(
            "`{text}` is not a range of rates; write LOW..HIGH in req/s with 0 < LOW < HIGH, e.g. `100..2000`"
        ),
    }
    };
    let (low, high) = text.split_once("..").ok_or_else(bad)?;
    let low: f64 = low.trim().parse().map_err(|_| bad())?;
    let high: f64 = high.trim().parse().map_err(|_| bad())?;
    if !(low.is_finite() && high.is_finite() && 0.0 < low && low < high) {
        return Err(bad());
    }
    Ok((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a search against a threshold: every rate at or below `capacity` holds.
    fn search_against(capacity: f64, start: f64, range: Option<(f64, f64)>) -> Search {
        let mut search = Search::new(start, range, 0.005);
        while let Some(rate) = search.next() {
            search.observe(rate, rate <= capacity);
        }
        search
    }

    #[test]
    fn bisection_finds_a_threshold_within_the_tolerance() {
        for (capacity, start) in [
            (769.7, 900.0),
            (769.7, 100.0),
            (50.0, 3000.0),
            (1000.0, 1000.0),
        ] {
            let search = search_against(capacity, start, None);
            let found = search.result(1).capacity.unwrap();
            assert!(
                (found - capacity).abs() <= 0.005 * capacity,
                "{capacity} from {start}: {found}"
            );
            assert!(search.runs < 20, "{} runs", search.runs);
        }
    }

    #[test]
    fn a_range_must_hold_at_its_low_end_and_fail_at_its_high_end() {
        let found = search_against(500.0, 0.0, Some((100.0, 1000.0)));
        assert!((found.result(1).capacity.unwrap() - 500.0).abs() < 3.0);
        let low = search_against(50.0, 0.0, Some((100.0, 1000.0))).result(1);
        assert_eq!(low.capacity, None);
        assert!(low.note.unwrap().contains("low end"));
        let high = search_against(5000.0, 0.0, Some((100.0, 1000.0))).result(1);
        assert!(high.note.unwrap().contains("high end"));
    }

    #[test]
    fn a_search_without_a_crossing_stops_and_says_why() {
        let always = search_against(f64::INFINITY, 10.0, None).result(1);
        assert_eq!(always.capacity, None);
        assert!(always.note.unwrap().contains("every rate tried held"));
        let never = search_against(0.0, 10.0, None).result(1);
        assert!(never.note.unwrap().contains("no rate tried held"));
        assert_eq!(never.runs, u64::from(DOUBLINGS_MAX) + 1);
    }

    #[test]
    fn bad_ranges_are_refused() {
        for text in ["100", "0..10", "10..5", "a..b"] {
            assert!(parse_range(text).is_err(), "{text}");
        }
    }
}
