//! `faultline compare`: variants over many seeds on common random numbers, and the report.
//!
//! Every (variant, seed) run is independent and single-threaded, so the runs of a batch go
//! to all cores (rayon); they are added to the comparison in (variant, seed) order, so the
//! report never depends on scheduling. `--precision` adds batches of seeds until every
//! headline interval is narrow enough.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::cli::CompareArgs;
use crate::error::CliError;
use crate::input;
use crate::output::write_atomic;
use crate::run::{simulate, Outcome, Simulated, AS_WRITTEN};
use crate::seeds::SeedRange;

/// Seeds added per round while `--precision` is not yet met.
const PRECISION_BATCH: u64 = 10;

/// `faultline compare FILE [--variants a,b] [--seeds 1..30] [--out DIR]`.
pub fn compare(args: &CompareArgs) -> Result<Outcome, CliError> {
    let source = input::read(&args.file)?;
    let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
    crate::seeds::check_max_seeds(args.max_seeds, "--max-seeds")?;
    let precision = args.precision.as_deref().map(parse_precision).transpose()?;
    let base_options = crate::run::load_options(None, &args.set)?;
    let scenario = scenarios::parse(&source.text, &source.origin, &base_options)?;
    // The scenario as written always leads (the default baseline), then every variant. A
    // variant that changes nothing (`{}`) is the scenario as written under its own name:
    // it takes the `as-written` row instead of repeating it.
    let written = scenario.as_written.clone();
    let variants: Vec<Option<String>> = if !args.variants.is_empty() {
        args.variants
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
    // Validate every variant up front: a typo should fail before minutes of runs.
    for variant in &variants {
        let options = crate::run::load_options(variant.as_deref(), &args.set)?;
        scenarios::parse(&source.text, &source.origin, &options)?;
    }

    let (set, warmup_words) = warmup(args, &source, &variants[0], seeds.first)?;
    // After the warm-up is chosen, so the warnings judge the one that applies.
    crate::run::warn(&crate::inspect::warnings(&source, &variants, &set)?);
    let progress = progress_bar(args.quiet, seeds.len() * variants.len() as u64);
    let mut comparison = reports::comparison::Comparison::new(&names);
    let mut next = seeds.first;
    let mut last = seeds.last;
    loop {
        let batch: Vec<(usize, u64)> = (0..variants.len())
            .flat_map(|v| (next..=last).map(move |seed| (v, seed)))
            .collect();
        let runs: Vec<Result<Simulated, CliError>> = batch
            .par_iter()
            .map(|&(v, seed)| {
                let run = simulate(
                    &source.text,
                    &source.origin,
                    variants[v].as_deref(),
                    &set,
                    seed,
                );
                progress.inc(1);
                run
            })
            .collect();
        for (&(v, _), run) in batch.iter().zip(runs) {
            let run = run?;
            comparison.add(v, &run.summary, &run.result);
        }
        // The range was checked, but a batch may end at the last seed there is.
        let Some(after) = last.checked_add(1) else {
            break;
        };
        next = after;
        let Some(target) = precision else { break };
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
        progress.inc_length((last - next + 1) * variants.len() as u64);
    }
    progress.finish_and_clear();

    let findings = comparison.finish();
    let command = command_line(args, &source.origin, seeds.first, last);
    let figures =
        reports::figures::figures(&comparison, &findings).map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
    let report = reports::report::Report {
        scenario: &scenario.name,
        description: &scenario.description,
        scenario_text: &source.text,
        command: &command,
        warmup: &warmup_words,
        version: crate::VERSION,
        findings: &findings,
        figures: &figures,
    };
    write_report(&args.out, &report)?;

    let mut stdout = String::new();
    for verdict in report.verdicts() {
        stdout.push_str(&format!("{verdict}\n"));
    }
    for split in &findings.splits {
        stdout.push_str(&format!("split outcome: {split}\n"));
    }
    if let Some(target) = precision {
        let worst = comparison.worst_headline_precision();
        let reached = worst.is_some_and(|w| w <= target);
        stdout.push_str(&format!(
            "precision: widest headline interval ±{} of its mean after {} seeds ({})\n",
            worst.map_or("?".to_string(), |w| format!("{:.2}%", w * 100.0)),
            findings.seeds.len(),
            if reached {
                "target met".to_string()
            } else {
                format!("target {:.2}% not met: raise --max-seeds", target * 100.0)
            }
        ));
    }
    stdout.push_str(&format!(
        "wrote {0}/report.html, {0}/report.md, {0}/results.json and {1} plots in {0}/plots\n",
        args.out.display(),
        figures.len()
    ));
    Ok(Outcome {
        stdout,
        exit_code: 0,
    })
}

/// Writes report.html, report.md, results.json and plots/*.svg into `dir`, each atomically.
pub fn write_report(dir: &Path, report: &reports::report::Report) -> Result<(), CliError> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| CliError::Write {
        path: plots.clone(),
        source,
    })?;
    for figure in report.figures {
        write_atomic(
            &plots.join(format!("{}.svg", figure.name)),
            figure.svg.as_bytes(),
        )?;
    }
    write_atomic(
        &dir.join("results.json"),
        report.findings.to_json().as_bytes(),
    )?;
    write_atomic(
        &dir.join("report.md"),
        reports::report::markdown(report).as_bytes(),
    )?;
    write_atomic(
        &dir.join("report.html"),
        reports::html::html(report).as_bytes(),
    )?;
    Ok(())
}

/// The `--set` list every run uses (the user's, plus the warm-up if one was chosen here) and
/// the warm-up in words.
fn warmup(
    args: &CompareArgs,
    source: &input::Source,
    baseline: &Option<String>,
    first_seed: u64,
) -> Result<(Vec<String>, String), CliError> {
    let mut set = args.set.clone();
    let Some(choice) = args.warmup.as_deref() else {
        let options = crate::run::load_options(baseline.as_deref(), &set)?;
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
    // a transient: each client's goodput and each service's queue length.
    let mut probe_set = set.clone();
    probe_set.push("warmup=0s".to_string());
    let probe = simulate(
        &source.text,
        &source.origin,
        baseline.as_deref(),
        &probe_set,
        first_seed,
    )?;
    let result = &probe.result;
    let seconds = result
        .clients
        .iter()
        .map(|c| reports::warmup::mser5(&c.series.goodput_per_s))
        .chain(
            result
                .services
                .iter()
                .map(|s| reports::warmup::mser5(&s.series.queue_len)),
        )
        .max()
        .unwrap_or(0);
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
    let trimmed = text.trim();
    let value = match trimmed.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => trimmed.parse::<f64>(),
    };
    match value {
        Ok(fraction) if fraction > 0.0 && fraction < 1.0 => Ok(fraction),
        _ => Err(CliError::Usage {
            flag: "--precision".to_string(),
            problem: format!("`{text}` is not a relative precision; write a percentage like `2%`"),
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
    command.push_str(&format!(" --out {}", shell_path(&args.out)));
    command
}

/// A path as a shell word.
fn shell_path(path: &Path) -> String {
    let text = path.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text
    } else {
        format!("'{text}'")
    }
}

/// A progress bar on standard error for `total` runs; hidden with `--quiet` (indicatif also
/// hides it when standard error is not a terminal).
fn progress_bar(quiet: bool, total: u64) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {eta} left") {
        bar.set_style(style);
    }
    bar
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
