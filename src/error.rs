//! The CLI's errors and their exit codes: 2 for bad input, 3 for a tripped run guard (or
//! `--max-wall`), 128 + the signal's number (130 for Ctrl-C) for a multi-run command stopped
//! by a signal, 101 (Rust's code for a panic) when runs of a multi-run command panicked.
//!
//! (Exit 1, "the run completed but an SLO failed", is an outcome, not an error.)

use std::path::PathBuf;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Occurs when a file cannot be read (a scenario that is not a catalog name either, or
    /// a record).
    #[error("{path}: cannot read ({source}); {hint}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
        /// What to do instead (for a scenario: the catalog's names).
        hint: String,
    },
    /// Occurs when a file is read but cannot be a scenario: too large, or not UTF-8.
    #[error("{path}: {problem}; {hint}")]
    Input {
        /// The path as given.
        path: PathBuf,
        /// What is wrong (with the line, column and byte where there is one).
        problem: String,
        /// How to fix it.
        hint: String,
    },
    /// Occurs when a scenario or an override is invalid.
    #[error(transparent)]
    Scenario(Box<scenarios::ScenarioError>),
    /// Occurs when an output file cannot be written.
    #[error("{path}: cannot write ({source})")]
    Write {
        /// The path being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Occurs when a run record is malformed or was edited.
    #[error("{path}: not a usable run record: {problem}")]
    Record {
        /// The record's path.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Occurs when a flag's value is malformed (a seed range, a duration, a percentage).
    #[error("{flag}: {problem}")]
    Usage {
        /// The flag, as typed (`--seeds`).
        flag: String,
        /// What is wrong and what would be right.
        problem: String,
    },
    /// Occurs when a report cannot be rendered (a chart failed to draw).
    #[error("cannot render the report: {problem}")]
    Report {
        /// What failed.
        problem: String,
    },
    /// Occurs when a run guard trips (too many pending or processed events, too much memory).
    #[error("run stopped: {source}\n  seed {seed}; reproduce with: {replay}")]
    Guard {
        /// The engine's error.
        source: sim_core::RunError,
        /// The seed of the run.
        seed: u64,
        /// The command that reproduces it.
        replay: String,
    },
    /// Occurs when a signal (Ctrl-C) stops a multi-run command: no run was started after
    /// it, the runs in flight finished, and every finished run is journaled.
    #[error(
        "interrupted by {}: {finished} run(s) finished and are journaled in {}; no report was \
         written (a report already in the folder is left whole); continue with: {resume}",
        signal_name(*signal),
        journal.display()
    )]
    Interrupted {
        /// The signal's number (0: a request without one).
        signal: i32,
        /// Runs finished (run, or read back from the journal) before the command stopped.
        finished: u64,
        /// The journal's folder.
        journal: PathBuf,
        /// The command that continues where this one stopped.
        resume: String,
    },
    /// Occurs when runs of a multi-run command panicked (a bug in faultline): the other
    /// runs finished and are journaled; each failure names its run and how to replay it.
    #[error(
        "{} run(s) panicked, a bug in faultline (please report it with these lines); the other \
         runs finished and are journaled, so after a fix --resume runs only these:{}",
        failures.len(),
        failure_lines(failures)
    )]
    Panicked {
        /// Each failed run, in plan order.
        failures: Vec<Failure>,
    },
}

impl From<scenarios::ScenarioError> for CliError {
    fn from(error: scenarios::ScenarioError) -> CliError {
        CliError::Scenario(Box::new(error))
    }
}

impl CliError {
    /// The process exit code DESIGN.md assigns to this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            // A scenario refused because it cannot run within its limits (the estimate is
            // beyond them) is a guard that tripped before the run, not a typo.
            CliError::Scenario(error) if error.is_guard() => 3,
            CliError::Read { .. }
            | CliError::Input { .. }
            | CliError::Scenario(_)
            | CliError::Write { .. }
            | CliError::Record { .. }
            | CliError::Usage { .. }
            | CliError::Report { .. } => 2,
            CliError::Guard { .. } => 3,
            CliError::Interrupted { signal, .. } => signal_exit_code(*signal),
            CliError::Panicked { .. } => 101,
        }
    }
}

/// A run of a multi-run command that panicked: which run, what it said, and how to replay it.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The run in words (`variant naive, seed 4, --set duration=10s`).
    pub run: String,
    /// The run's seed.
    pub seed: u64,
    /// The panic's message.
    pub message: String,
    /// The `faultline run` command that runs it alone.
    pub replay: String,
}

/// The most failures an error lists one by one (then a count).
const FAILURES_LISTED_MAX: usize = 20;

/// The lines of `CliError::Panicked`: each failure (at most `FAILURES_LISTED_MAX`) on its
/// own indented lines, then how many more there are.
pub fn failure_lines(failures: &[Failure]) -> String {
    let mut text = String::new();
    for failure in failures.iter().take(FAILURES_LISTED_MAX) {
        text.push_str(&format!(
            "\n  {}: {}\n    replay: {}",
            failure.run, failure.message, failure.replay
        ));
    }
    if failures.len() > FAILURES_LISTED_MAX {
        text.push_str(&format!(
            "\n  and {} more",
            failures.len() - FAILURES_LISTED_MAX
        ));
    }
    text
}

/// The exit code of a command stopped by SIGINT: 128 + 2, as shells report it.
pub const EXIT_INTERRUPTED: i32 = 130;

/// The exit code of a command stopped by `signal`: 128 + its number (130 without one).
pub fn signal_exit_code(signal: i32) -> i32 {
    if signal > 0 {
        128 + signal
    } else {
        EXIT_INTERRUPTED
    }
}

/// The signal's name in messages.
pub fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT (Ctrl-C)".to_string(),
        15 => "SIGTERM".to_string(),
        0 => "a stop request".to_string(),
        other => format!("signal {other}"),
    }
}
