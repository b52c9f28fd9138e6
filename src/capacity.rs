//! `faultline capacity` (being built).

use crate::batch::Batch;
use crate::cli::CapacityArgs;
use crate::error::CliError;
use crate::input::Source;
use crate::run::Outcome;

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "capacity";

/// `faultline capacity`.
pub fn capacity(_args: &CapacityArgs) -> Result<Outcome, CliError> {
    Err(CliError::Usage {
        flag: "capacity".to_string(),
        problem: "not yet".to_string(),
    })
}

/// `faultline merge` of a capacity search.
pub fn merged(args: &CapacityArgs, _source: &Source, _batch: &Batch) -> Result<Outcome, CliError> {
    capacity(args)
}
