//! Preparing and running one scenario: the step every command shares.
//!
//! `simulate` parses a scenario's text with a variant and overrides (`load_options`), runs it
//! with a seed and summarizes it (`Simulated`); `warn` and `warning_lines` print what
//! validation noticed; `Outcome` is what every command hands back to `main`; `hash_text` is
//! the scenario hash that records and journals carry. The commands (`run`, `compare`,
//! `record`, `trace`, `inspect`, `batch`, ...) import this module and none of them imports
//! another for these, so the CLI has no import circle.

use crate::error::CliError;
use crate::input;

/// What a finished command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Text for standard output.
    pub stdout: String,
    /// Process exit code (0 ok, 1 an SLO was missed).
    pub exit_code: i32,
}

/// A finished run: its summary (and what `--record` needs).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    /// The JSON summary.
    pub summary: reports::RunSummary,
    /// Everything the run measured (series, histograms) for reports.
    pub result: models::RunResult,
    /// The scenario's one-line description.
    pub description: String,
    /// The files the scenario read (CSV samples, traces), for a record's hashes.
    pub files: Vec<scenarios::ScenarioFile>,
}

/// Parses `text` with a variant and overrides, runs it with `seed`, and summarizes it.
pub fn simulate(
    text: &str,
    origin: &str,
    variant: Option<&str>,
    set: &[String],
    seed: u64,
) -> Result<Simulated, CliError> {
    simulate_watched(text, origin, variant, set, seed, false)
}

/// Refuses a scenario whose service names a user component: the command line has none to
/// give it (a Rust program passes them to `models::run_with`).
fn no_user_components(world: &models::WorldConfig, origin: &str) -> Result<(), CliError> {
    let named = world.services.iter().enumerate().find_map(|(i, s)| {
        let component = s.policies.component.as_ref()?;
        Some((i, &s.name, component))
    });
    match named {
        None => Ok(()),
        Some((i, service, component)) => Err(scenarios::ScenarioError::BadValue {
            origin: origin.to_string(),
            path: format!("services[{i}] ({service}).component"),
            rule: "names a user component, which the command line cannot run".to_string(),
            got: format!("\"{component}\""),
            hint: "a component is Rust code: run the scenario from a program that passes it to `models::run_with` (see examples/token_bucket.rs), or remove `component`".to_string(),
        }
        .into()),
    }
}

/// `simulate`, showing the run's progress on standard error if `watch` and it is a terminal
/// (`watch::RunWatch`: it only reads events, so the result is the same either way).
pub fn simulate_watched(
    text: &str,
    origin: &str,
    variant: Option<&str>,
    set: &[String],
    seed: u64,
    watch: bool,
) -> Result<Simulated, CliError> {
    let options = load_options(variant, set)?;
    let scenario = scenarios::parse(text, origin, &options)?;
    no_user_components(&scenario.world, origin)?;
    let watcher = if watch {
        crate::watch::RunWatch::on_terminal(scenario.world.duration)
    } else {
        None
    };
    let ran = match watcher {
        None => models::run(&scenario.world, seed),
        Some(watcher) => {
            let watcher = std::rc::Rc::new(std::cell::RefCell::new(watcher));
            let seen = std::rc::Rc::clone(&watcher);
            let observer: sim_core::Observer<models::Event> =
                Box::new(move |at, _event| seen.borrow_mut().event(at));
            let ran = models::run_observed(&scenario.world, seed, Some(observer));
            watcher.borrow().finish();
            ran
        }
    };
    let result = ran.map_err(|source| CliError::Guard {
        source,
        seed,
        replay: format!("faultline run {origin} --seed {seed}"),
    })?;
    let summary = summarize(&scenario, seed, &result);
    Ok(Simulated {
        summary,
        result,
        description: scenario.description,
        files: scenario.files,
    })
}

/// The JSON summary of `result`, a run of `scenario` with `seed`, judged against its SLOs.
pub fn summarize(
    scenario: &scenarios::Scenario,
    seed: u64,
    result: &models::RunResult,
) -> reports::RunSummary {
    let identity = reports::RunIdentity {
        scenario: scenario.name.clone(),
        variant: scenario.variant.clone(),
        seed,
        version: crate::VERSION.to_string(),
    };
    let slos: Vec<reports::SloSpec> = scenario
        .slos
        .iter()
        .map(|slo| reports::SloSpec {
            client: slo.client_name.clone(),
            class: slo.class.clone(),
            latency_below: slo.latency_below,
            target: slo.target,
        })
        .collect();
    let cost = models::Cost::of(&scenario.world, &scenario.prices, result);
    reports::RunSummary::new(&identity, result, &slos).with_cost(cost.as_ref())
}

/// Prints each warning on standard error as `warning: ORIGIN: SENTENCE`, at once (before a
/// long run); standard output stays the command's result (`--format json` parses), and no
/// warning changes an exit code.
pub fn warn(warnings: &[scenarios::ScenarioWarning]) {
    for line in warning_lines(warnings) {
        eprintln!("{line}");
    }
}

/// The most warnings printed one per line; the rest are counted on one more line, so a file
/// with a million faults in its warm-up does not print a million lines.
pub const WARNINGS_LISTED_MAX: usize = 50;

/// The `warning: …` lines of `warnings`, at most `WARNINGS_LISTED_MAX` and a count of the rest.
pub fn warning_lines(warnings: &[scenarios::ScenarioWarning]) -> Vec<String> {
    let mut lines: Vec<String> = warnings
        .iter()
        .take(WARNINGS_LISTED_MAX)
        .map(|warning| format!("warning: {warning}"))
        .collect();
    if warnings.len() > WARNINGS_LISTED_MAX {
        lines.push(format!(
            "warning: … and {} more warnings like these",
            warnings.len() - WARNINGS_LISTED_MAX
        ));
    }
    lines
}

pub use scenarios::AS_WRITTEN;

/// The variant and `--set PATH=VALUE` overrides of a command line, as `scenarios` takes them,
/// with the files a scenario names read from disk (`input::files`); `as-written` is no variant.
pub fn load_options(
    variant: Option<&str>,
    set: &[String],
) -> Result<scenarios::LoadOptions, CliError> {
    let mut overrides = Vec::with_capacity(set.len());
    for text in set {
        overrides.push(scenarios::Override::parse(text)?);
    }
    Ok(scenarios::LoadOptions {
        variant: variant.filter(|v| *v != AS_WRITTEN).map(str::to_string),
        overrides,
        files: input::files(),
    })
}

/// The scenario hash: FNV-1a-64 of the text's bytes, as 16 hex digits.
pub fn hash_text(text: &str) -> String {
    format!("{:016x}", sim_core::rng::fnv1a64(text.as_bytes()))
}
