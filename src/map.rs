//! `faultline map` (being built).

use crate::batch::Batch;
use crate::cli::MapArgs;
use crate::error::CliError;
use crate::input::Source;
use crate::run::Outcome;

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "map";

/// `faultline map`.
pub fn map(_args: &MapArgs) -> Result<Outcome, CliError> {
    Err(CliError::Usage {
        flag: "map".to_string(),
        problem: "not yet".to_string(),
    })
}

/// `faultline merge` of a map search.
pub fn merged(args: &MapArgs, _source: &Source, _batch: &Batch) -> Result<Outcome, CliError> {
    map(args)
}
