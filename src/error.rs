//! The CLI's errors and their exit codes: 2 for bad input, 3 for a tripped run guard.
//!
//! (Exit 1, "the run completed but an SLO failed", is an outcome, not an error.)

use std::path::PathBuf;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Occurs when a scenario file cannot be read and is not a catalog name either.
    #[error("{path}: cannot read ({source}); catalog scenarios are: {catalog}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
        /// Names of the catalog scenarios, comma-separated.
        catalog: String,
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
    /// Occurs when a run guard trips (too many pending or processed events).
    #[error("run stopped: {source}\n  seed {seed}; reproduce with: {replay}")]
    Guard {
        /// The engine's error.
        source: sim_core::RunError,
        /// The seed of the run.
        seed: u64,
        /// The command that reproduces it.
        replay: String,
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
            CliError::Read { .. }
            | CliError::Scenario(_)
            | CliError::Write { .. }
            | CliError::Record { .. }
            | CliError::Usage { .. }
            | CliError::Report { .. } => 2,
            CliError::Guard { .. } => 3,
        }
    }
}
