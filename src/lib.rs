//! faultline: the command-line front end (a thin library so tests can drive it in-process).
//!
//! It owns argument parsing, file input and exit codes; everything else lives in the library
//! crates (`sim-core`, `models`, `scenarios`, `reports`).

#![deny(missing_docs)]

pub mod axis;
pub mod batch;
pub mod capacity;
pub mod cli;
pub mod compare;
pub mod error;
pub mod explain;
pub mod explore;
pub mod input;
pub mod inspect;
pub mod interrupt;
pub mod journal;
pub mod lesson;
pub mod limit;
pub mod map;
pub mod merge;
pub mod new;
pub mod output;
pub mod progress;
pub mod record;
pub mod run;
pub mod seeds;
pub mod shard;
pub mod shrink;
pub mod simulate;
pub mod sweep;
pub mod trace;
pub mod watch;

/// This build's version, recorded in every summary.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

use cli::{Cli, Command};
use error::CliError;
use simulate::Outcome;

/// Executes a parsed command line.
pub fn execute(cli: &Cli) -> Result<Outcome, CliError> {
    match &cli.command {
        Command::Run(args) => {
            let mut args = args.clone();
            args.limits.apply(&mut args.set)?;
            run::run(&args)
        }
        Command::Replay {
            record,
            variant,
            set,
            trace_window,
            until_event,
            out,
            format,
        } => {
            if trace_window.is_some() || until_event.is_some() {
                if variant.is_some() || !set.is_empty() {
                    return Err(CliError::Usage {
                        flag: "--trace-window/--until-event".to_string(),
                        problem: "trace the recorded run as it was; to trace a counterfactual, \
                                  record it first (`faultline run FILE --seed N --variant V \
                                  --record cf.json`) and replay that record"
                            .to_string(),
                    });
                }
                let request = trace::TraceRequest {
                    window: trace_window.clone(),
                    until_event: *until_event,
                    out: out.clone(),
                };
                trace::replay_traced(record, &request)
            } else {
                record::replay(record, variant.as_deref(), set, *format)
            }
        }
        Command::Compare(args) => {
            let mut args = args.clone();
            args.batch.limits.apply(&mut args.set)?;
            compare::compare(&args)
        }
        Command::Explore(args) => {
            let mut args = args.clone();
            args.batch.limits.apply(&mut args.set)?;
            explore::explore(&args)
        }
        Command::Sweep(args) => {
            let mut args = args.clone();
            args.batch.limits.apply(&mut args.set)?;
            sweep::sweep(&args)
        }
        Command::Capacity(args) => {
            let mut args = args.clone();
            args.batch.limits.apply(&mut args.set)?;
            capacity::capacity(&args)
        }
        Command::Map(args) => {
            let mut args = args.clone();
            args.batch.limits.apply(&mut args.set)?;
            map::map(&args)
        }
        Command::Merge(args) => merge::merge(args),
        Command::Shrink { record, out } => shrink::shrink(record, out.as_deref()),
        Command::Validate { file, format } => inspect::validate(file, *format),
        Command::Lesson(args) => lesson::lesson(args),
        Command::New {
            name,
            template,
            out,
            force,
        } => new::new(name, *template, out.as_deref(), *force),
        Command::Schema => Ok(Outcome {
            stdout: scenarios::schema::text(),
            exit_code: 0,
        }),
        Command::List { format } => inspect::list(*format),
        Command::Explain {
            file,
            dot,
            variant,
            set,
            format,
        } => {
            let form = match (*dot, format) {
                (true, _) => explain::Form::Dot,
                (false, cli::Format::Json) => explain::Form::Json,
                (false, cli::Format::Text) => explain::Form::Text,
            };
            explain::explain(file, variant.as_deref(), set, form)
        }
    }
}
