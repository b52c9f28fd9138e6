//! `faultline compare`: variants over many seeds on common random numbers, and the report.
//!
//! Every (variant, seed) run is independent and single-threaded, so the runs go to all
//! cores (`batch`, which also journals them for `--resume`, shards them with `--shard` and
//! reads them back for `merge`); they are added to the comparison in (variant, seed) order,
//! so the report never depends on scheduling. `--precision` adds batches of seeds until
//! every headline interval is narrow enough. The report's command line leaves out where it
//! was written, so a merged report and one machine's are the same bytes.

use reports::digest::RunDigest;

use crate::batch::Batch;
use crate::cli::{CompareArgs, Format};
use crate::error::CliError;
use crate::input::{self, Source};
use crate::journal::RunId;
use crate::seeds::SeedRange;
use crate::simulate::{simulate, Outcome, AS_WRITTEN};

/// Seeds added per round while `--precision` is not yet met.
const PRECISION_BATCH: u64 = 10;

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "compare";

/// `faultline compare FILE [--variants a,b] [--seeds 1..30] [--out DIR]`.
pub fn compare(args: &CompareArgs) -> Result<Outcome, CliError> {
    let source = input::read(&args.file)?;
    let plan = Plan::new(args, &source)?;
    let job = serde_json::to_value(args).expect("arguments serialize");
    let batch = Batch::start(&args.out, &args.batch, COMMAND, job, &source)?;
    plan.execute(&batch)
}

/// `faultline merge` of a compare: the same command, every run from the shards' journals.
pub fn merged(args: &CompareArgs, source: &Source, batch: &Batch) -> Result<Outcome, CliError> {
    Plan::new(args, source)?.execute(batch)
}

/// Everything a compare decides before it runs anything (so a typo fails at once).
struct Plan<'a> {
    args: &'a CompareArgs,
    source: &'a Source,
    seeds: SeedRange,
    precision: Option<f64>,
    scenario: scenarios::Scenario,
    /// The variants in report order (None: as written).
    variants: Vec<Option<String>>,
    /// Their names in the report.
    names: Vec<String>,
}

impl<'a> Plan<'a> {
    fn new(args: &'a CompareArgs, source: &'a Source) -> Result<Plan<'a>, CliError> {
        let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
        crate::seeds::check_max_seeds(args.max_seeds, "--max-seeds")?;
        let precision = args.precision.as_deref().map(parse_precision).transpose()?;
        if precision.is_some() && args.max_seeds < 2 {
            return Err(CliError::Usage {
                flag: "--max-seeds".to_string(),
                problem: format!(
                    "{}: --precision needs at least 2 seeds for an interval",
                    args.max_seeds
                ),
            });
        }
        if precision.is_some() && args.batch.shard.is_some() {
            return Err(CliError::Usage {
                flag: "--shard".to_string(),
                problem: "--precision decides how many seeds to run from the results so far, \
                          which shards cannot share; give a fixed --seeds range to shard"
                    .to_string(),
            });
        }
        let base_options = crate::simulate::load_options(None, &args.set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &base_options)?;
        let (variants, names) = variants(&scenario, &args.variants)?;
        // Validate every variant up front: a typo should fail before minutes of runs.
        for variant in &variants {
            let options = crate::simulate::load_options(variant.as_deref(), &args.set)?;
            scenarios::parse(&source.text, &source.origin, &options)?;
        }
        Ok(Plan {
            args,
            source,
            seeds,
            precision,
            scenario,
            variants,
            names,
        })
    }

    /// Runs (or reads back) every run, then writes the report (a shard writes none).
    fn execute(&self, batch: &Batch) -> Result<Outcome, CliError> {
        let args = self.args;
        let (seeds, variants) = (self.seeds, &self.variants);
        let (set, warmup_words) = warmup(args, self.source, &variants[0], seeds.first, batch)?;
        if !batch.is_merging() {
            // After the warm-up is chosen, so the warnings judge the one that applies.
            crate::simulate::warn(&crate::inspect::warnings(self.source, variants, &set)?);
        }
        let mut comparison = reports::comparison::Comparison::new(&self.names);
        let mut next = seeds.first;
        let mut last = seeds.last;
        loop {
            let per_variant = u128::from(last - next) + 1;
            let units = per_variant * variants.len() as u128;
            let runs: Vec<(usize, RunId)> = batch
                .owned(units, "runs")?
                .into_iter()
                .map(|unit| {
                    let v = (u128::from(unit) / per_variant) as usize;
                    let seed = next + (u128::from(unit) % per_variant) as u64;
                    let run = RunId {
                        variant: variants[v].clone(),
                        set: set.clone(),
                        seed,
                    };
                    (v, run)
                })
                .collect();
            let ids: Vec<RunId> = runs.iter().map(|(_, run)| run.clone()).collect();
            let digests = batch.run(&ids, |run| digest(self.source, run))?;
            for ((v, _), digest) in runs.iter().zip(&digests) {
                comparison.add_digest(*v, digest);
            }
            let Some(target) = self.precision else { break };
            let Some(after) = last.checked_add(1) else {
                break; // The last seed there is.
            };
            next = after;
            let done = comparison
                .worst_headline_precision()
                .is_some_and(|worst| worst <= target);
            let used = next - seeds.first;
            if done || used >= args.max_seeds {
                break;
            }
            last = next
                .saturating_add(PRECISION_BATCH - 1)
                .min(seeds.first.saturating_add(args.max_seeds - 1));
        }
        if batch.is_partial() {
            return Ok(batch.partial_outcome(COMMAND, &args.out));
        }
        batch.finish();

        let findings = comparison.finish();
        let command = command_line(args, &self.source.origin, seeds.first, last);
        let figures =
            reports::figures::figures(&comparison, &findings).map_err(|e| CliError::Report {
                problem: e.to_string(),
            })?;
        let report = reports::report::Report {
            scenario: &self.scenario.name,
            description: &self.scenario.description,
            scenario_text: &self.source.text,
            command: &command,
            warmup: &warmup_words,
            version: crate::VERSION,
            findings: &findings,
            figures: &figures,
            dashboard: None,
        };
        crate::output::write_report(&args.out, &report)?;

        let precision_words = self.precision.map(|target| {
            let worst = comparison.worst_headline_precision();
            let reached = worst.is_some_and(|w| w <= target);
            format!(
                "widest headline interval ±{} of its mean after {} seeds ({})",
                worst.map_or("?".to_string(), |w| format!("{:.2}%", w * 100.0)),
                findings.seeds.len(),
                if reached {
                    "target met".to_string()
                } else {
                    format!("target {:.2}% not met: raise --max-seeds", target * 100.0)
                }
            )
        });
        let stdout = match args.format {
            Format::Json => {
                let json = serde_json::json!({
                    "command": COMMAND,
                    "report": args.out.display().to_string(),
                    "verdicts": report.verdicts(),
                    "splits": findings.splits,
                    "precision": precision_words,
                    "results": findings,
                });
                crate::output::json_text(&json)
            }
            Format::Text => {
                let mut stdout = String::new();
                for verdict in report.verdicts() {
                    stdout.push_str(&format!("{verdict}\n"));
                }
                for split in &findings.splits {
                    stdout.push_str(&format!("split outcome: {split}\n"));
                }
                if let Some(words) = precision_words {
                    stdout.push_str(&format!("precision: {words}\n"));
                }
                stdout.push_str(&format!(
                    "wrote {0}/report.html, {0}/report.md, {0}/results.json and {1} plots in {0}/plots\n",
                    args.out.display(),
                    figures.len()
                ));
                stdout
            }
        };
        Ok(Outcome {
            stdout,
            exit_code: 0,
        })
    }
}

/// One run, simulated, as its digest.
pub fn digest(source: &Source, run: &RunId) -> Result<RunDigest, CliError> {
    let simulated = simulate(
        &source.text,
        &source.origin,
        run.variant.as_deref(),
        &run.set,
        run.seed,
    )?;
    Ok(RunDigest::new(&simulated.summary, &simulated.result))
}

/// The variants a multi-run command compares and their names in reports: the scenario as
/// written first (the default baseline, `as-written`, or the name of a variant that changes
/// nothing), then every variant; or those of `--variants`, in its order.
pub fn variants(
    scenario: &scenarios::Scenario,
    chosen: &[String],
) -> Result<(Vec<Option<String>>, Vec<String>), CliError> {
    // A variant that changes nothing (`{}`) is the scenario as written under its own name:
    // it takes the `as-written` row instead of repeating it.
    let written = scenario.as_written.clone();
    let variants: Vec<Option<String>> = if !chosen.is_empty() {
        chosen
            .iter()
            .map(|v| {
                let same = v == AS_WRITTEN || written.as_ref() == Some(v);
                (!same).then(|| v.clone())
            })
            .collect()
    } else {
        std::iter::once(None)
            .chain(
                scenario
                    .variants
                    .iter()
                    .filter(|v| written.as_ref() != Some(*v))
                    .cloned()
                    .map(Some),
            )
            .collect()
    };
    let names: Vec<String> = variants
        .iter()
        .map(|v| {
            v.clone()
                .unwrap_or_else(|| written.clone().unwrap_or_else(|| AS_WRITTEN.to_string()))
        })
        .collect();
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, name)| names[..*i].contains(name))
    {
        return Err(CliError::Usage {
            flag: "--variants".to_string(),
            problem: format!("`{}` is listed twice: list each variant once", twice.1),
        });
    }
    Ok((variants, names))
}

/// The `--set` list every run uses (the user's, plus the warm-up if one was chosen here) and
/// the warm-up in words.
fn warmup(
    args: &CompareArgs,
    source: &input::Source,
    baseline: &Option<String>,
    first_seed: u64,
    batch: &Batch,
) -> Result<(Vec<String>, String), CliError> {
    let mut set = args.set.clone();
    let Some(choice) = args.warmup.as_deref() else {
        let options = crate::simulate::load_options(baseline.as_deref(), &set)?;
        let scenario = scenarios::parse(&source.text, &source.origin, &options)?;
        let warmup = scenario.world.warmup;
        return Ok((set, format!("{warmup}, the scenario's own")));
    };
    if choice != "auto" {
        sim_core::SimDuration::parse(choice).map_err(|problem| CliError::Usage {
            flag: "--warmup".to_string(),
            problem: format!("`{choice}`: {problem}; write a duration like `30s`, or `auto`"),
        })?;
        set.push(format!("warmup={choice}"));
        return Ok((set, format!("{choice}, set with --warmup")));
    }
    // MSER-5 on the baseline's first seed, with nothing discarded, over the series that show
    // a transient: each client's goodput and each service's queue length. Every shard runs
    // this probe itself (it decides every other run), through the journal like any run.
    let mut probe_set = set.clone();
    probe_set.push("warmup=0s".to_string());
    let probe = RunId {
        variant: baseline.clone(),
        set: probe_set,
        seed: first_seed,
    };
    let probe = batch
        .run(&[probe], |run| digest(source, run))?
        .pop()
        .expect("one probe, one digest");
    let seconds = probe
        .series
        .iter()
        .filter(|(key, _)| {
            (key.starts_with("clients.") && key.ends_with(".goodput"))
                || (key.starts_with("services.") && key.ends_with(".queue"))
        })
        .map(|(_, series)| reports::warmup::mser5(series))
        .max()
        .unwrap_or(0);
    // MSER-5 counts rows; a run longer than 2,000 s keeps rows wider than a second.
    let seconds = (seconds as f64 * probe.series_interval_s) as u64;
    set.push(format!("warmup={seconds}s"));
    Ok((
        set,
        format!(
            "{seconds}s, the MSER-5 estimate on seed {first_seed} of {} (override with --warmup)",
            baseline.as_deref().unwrap_or("the scenario as written")
        ),
    ))
}

/// `2%` or `0.02` as a fraction in (0, 1).
fn parse_precision(text: &str) -> Result<f64, CliError> {
    match parse_fraction(text, "--precision") {
        Ok(fraction) if fraction < 1.0 => Ok(fraction),
        _ => Err(CliError::Usage {
            flag: "--precision".to_string(),
            problem: format!("`{text}` is not a relative precision; write a percentage like `2%`"),
        }),
    }
}

/// `50%` or `0.5` as a fraction in (0, 1]; `flag` names the flag in errors.
pub fn parse_fraction(text: &str, flag: &str) -> Result<f64, CliError> {
    let trimmed = text.trim();
    let value = match trimmed.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => trimmed.parse::<f64>(),
    };
    match value {
        Ok(fraction) if fraction > 0.0 && fraction <= 1.0 => Ok(fraction),
        _ => Err(CliError::Usage {
            flag: flag.to_string(),
            problem: format!(
                "`{text}` is not a fraction above 0 and at most 100%; write a percentage like `5%`"
            ),
        }),
    }
}

/// The command that rewrites this report exactly (with the seeds actually used).
fn command_line(args: &CompareArgs, origin: &str, first: u64, last: u64) -> String {
    let file = origin
        .strip_prefix("catalog:")
        .map_or_else(|| args.file.display().to_string(), |name| name.to_string());
    let mut command = format!("faultline compare {file}");
    if !args.variants.is_empty() {
        command.push_str(&format!(" --variants {}", args.variants.join(",")));
    }
    command.push_str(&format!(" --seeds {first}..{last}"));
    for set in &args.set {
        command.push_str(&format!(" --set '{set}'"));
    }
    if let Some(warmup) = &args.warmup {
        command.push_str(&format!(" --warmup {warmup}"));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_reads_percentages_and_fractions() {
        assert_eq!(parse_precision("2%").unwrap(), 0.02);
        assert_eq!(parse_precision("0.05").unwrap(), 0.05);
        let error = parse_precision("200%").unwrap_err().to_string();
        assert!(
            error.contains("--precision") && error.contains("2%"),
            "{error}"
        );
    }
}
