//! The `faultline` binary: parse arguments, execute, print, exit with DESIGN.md's codes.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        // A panic is a bug in faultline, never the user's fault: say so plainly.
        eprintln!(
            "faultline: internal error (a bug, please report it with the command line): {info}"
        );
    }));
    let cli = faultline::cli::Cli::parse();
    match faultline::execute(&cli) {
        Ok(outcome) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = stdout.write_all(outcome.stdout.as_bytes());
            let _ = stdout.flush();
            ExitCode::from(outcome.exit_code as u8)
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
