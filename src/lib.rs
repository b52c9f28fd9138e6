//! faultline: the command-line front end (a thin library so tests can drive it in-process).
//!
//! It owns argument parsing, file input and exit codes; everything else lives in the library
//! crates (`sim-core`, `models`, `scenarios`, `reports`).

#![deny(missing_docs)]

pub mod cli;
pub mod error;
pub mod explain;
pub mod input;
pub mod inspect;
pub mod output;
pub mod record;
pub mod run;

/// This build's version, recorded in every summary.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

use cli::{Cli, Command};
use error::CliError;
use run::Outcome;

/// Executes a parsed command line.
pub fn execute(cli: &Cli) -> Result<Outcome, CliError> {
    match &cli.command {
        Command::Run(args) => run::run(args),
        Command::Replay {
            record,
            variant,
            set,
        } => record::replay(record, variant.as_deref(), set),
        Command::Validate { file } => inspect::validate(file),
        Command::List => inspect::list(),
        Command::Explain {
            file,
            dot,
            variant,
            set,
        } => {
            let form = if *dot {
                explain::Form::Dot
            } else {
                explain::Form::Text
            };
            explain::explain(file, variant.as_deref(), set, form)
        }
    }
}
