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
        crate::interrupt::signal_name(*signal),
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
        crate::batch::failure_lines(failures)
    )]
    Panicked {
        /// Each failed run, in plan order.
        failures: Vec<crate::batch::Failure>,
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
            CliError::Interrupted { signal, .. } => crate::interrupt::exit_code(*signal),
            CliError::Panicked { .. } => 101,
        }
    }
}
