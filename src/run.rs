//! `faultline run`: one scenario, one seed, one summary.

use crate::cli::{Format, RunArgs};
use crate::error::CliError;
use crate::input;
use crate::simulate::{load_options, simulate_watched, warn, Outcome, Simulated, AS_WRITTEN};

/// Runs the scenario named by `args` and renders its summary (and writes a record if asked).
/// Its warnings go to standard error first, so standard output stays the summary alone.
pub fn run(args: &RunArgs) -> Result<Outcome, CliError> {
    let source = input::read(&args.file)?;
    let options = load_options(args.variant.as_deref(), &args.set)?;
    warn(&scenarios::parse(&source.text, &source.origin, &options)?.warnings);
    let simulated = simulate_watched(
        &source.text,
        &source.origin,
        args.variant.as_deref(),
        &args.set,
        args.seed,
        true,
    )
    .map_err(|error| match error {
        CliError::Guard { source, seed, .. } => CliError::Guard {
            source,
            seed,
            replay: replay_command(args),
        },
        other => other,
    })?;
    if let Some(path) = &args.record {
        let record = crate::record::Record::new(
            &source.text,
            &source.origin,
            args.variant.as_deref(),
            &args.set,
            args.seed,
            &simulated,
        );
        crate::output::write_atomic(path, record.to_json().as_bytes())?;
    }
    if let Some(dir) = &args.out {
        write_single_report(dir, args, &source.text, &simulated)?;
    }
    let summary = simulated.summary;
    let stdout = match args.format {
        Format::Text => reports::render(&summary),
        Format::Json => summary.to_json(),
    };
    Ok(Outcome {
        stdout,
        exit_code: if summary.slos_met() { 0 } else { 1 },
    })
}

/// `run --out DIR`: the report of one run (no intervals: one seed).
fn write_single_report(
    dir: &std::path::Path,
    args: &RunArgs,
    text: &str,
    run: &Simulated,
) -> Result<(), CliError> {
    let name = args
        .variant
        .clone()
        .unwrap_or_else(|| AS_WRITTEN.to_string());
    let mut comparison = reports::comparison::Comparison::new(&[name]);
    comparison.add(0, &run.summary, &run.result);
    let findings = comparison.finish();
    let mut figures =
        reports::figures::figures(&comparison, &findings).map_err(|e| CliError::Report {
            problem: e.to_string(),
        })?;
    figures.push(sequence_figure(args, text, run)?);
    let mut command = replay_command(args);
    command.push_str(&format!(" --out {}", dir.display()));
    let warmup_s = run.summary.sim_time_s - run.summary.measured_s;
    let warmup = format!("{}s, the scenario's own", (warmup_s * 1e6).round() / 1e6);
    let dashboard = reports::dashboard::of(&run.summary);
    let report = reports::report::Report {
        scenario: &run.summary.scenario,
        description: &run.description,
        scenario_text: text,
        command: &command,
        warmup: &warmup,
        version: crate::VERSION,
        findings: &findings,
        figures: &figures,
        dashboard: dashboard.as_ref(),
    };
    crate::output::write_report(dir, &report)
}

/// The sequence diagram of a run's first requests: from the first fault's start if the
/// scenario has faults (the moment worth reviewing), otherwise from time zero.
fn sequence_figure(
    args: &RunArgs,
    text: &str,
    run: &Simulated,
) -> Result<reports::figures::Figure, CliError> {
    let options = load_options(args.variant.as_deref(), &args.set)?;
    let scenario = scenarios::parse(text, &args.file.display().to_string(), &options)?;
    let end = sim_core::SimTime::ZERO.add(scenario.world.duration);
    let from = run
        .result
        .faults
        .iter()
        .map(|f| f.start)
        .min()
        .filter(|&start| start < end)
        .unwrap_or(sim_core::SimTime::ZERO);
    let to = from.add(sim_core::SimDuration::from_secs(1)).min(end);
    let traced = models::run_traced(
        &scenario.world,
        args.seed,
        models::TraceOptions {
            from,
            to,
            events_from: 1,
            until_event: None,
            records_max: crate::trace::RECORDS_MAX,
        },
    )
    .map_err(|source| CliError::Guard {
        source,
        seed: args.seed,
        replay: replay_command(args),
    })?;
    let title = format!("{} seed {}", run.summary.scenario, args.seed);
    let diagram = reports::sequence::render(
        &traced.trace,
        &reports::sequence::SequenceOptions {
            title: title.clone(),
            requests_max: crate::trace::DIAGRAM_REQUESTS_MAX,
        },
    );
    let when = if from == sim_core::SimTime::ZERO {
        "the start of the run".to_string()
    } else {
        format!("the first fault, at {from}")
    };
    Ok(reports::figures::Figure {
        name: "sequence".to_string(),
        title: format!("{title}: the first requests from {when}"),
        caption: format!(
            "The first {} of {} client requests starting in {from}..{to}, with the calls they make: a lane per node, an arrow per message; timeouts, retries, drops and breaker rejections are marked. `faultline replay RECORD --trace-window` draws any other window.",
            diagram.requests_drawn, diagram.requests_in_window
        ),
        svg: diagram.svg,
    })
}

/// The command line that reproduces this run.
pub fn replay_command(args: &RunArgs) -> String {
    let mut command = format!("faultline run {} --seed {}", args.file.display(), args.seed);
    if let Some(variant) = &args.variant {
        command.push_str(&format!(" --variant {variant}"));
    }
    for set in &args.set {
        command.push_str(&format!(" --set '{set}'"));
    }
    command
}
