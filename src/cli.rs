//! The command-line grammar (clap): commands, their flags and their help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// faultline: a deterministic simulator for distributed-system designs.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario once and print its summary.
    Run(RunArgs),
    /// Re-run a run record and check that it reproduces (exit 0, or 4 if it does not); with
    /// `--variant`/`--set`, run the counterfactual on the same seed and compare.
    Replay {
        /// A record written by `faultline run --record`.
        record: PathBuf,
        /// Apply this variant instead (a counterfactual).
        #[arg(long)]
        variant: Option<String>,
        /// Override a value (a counterfactual; repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Check a scenario file (and every variant of it) without running it.
    Validate {
        /// A scenario file, or the name of a catalog scenario (see `faultline list`).
        file: PathBuf,
    },
    /// List the catalog of built-in scenarios.
    List,
    /// Read a scenario's call graph without running it: worst-case attempt amplification per
    /// path, and resilience anti-patterns.
    Explain {
        /// A scenario file, or the name of a catalog scenario (see `faultline list`).
        file: PathBuf,
        /// Print a Graphviz DOT digraph instead of text (`| dot -Tsvg > graph.svg`).
        #[arg(long)]
        dot: bool,
        /// Apply this variant from the scenario's `variants`.
        #[arg(long)]
        variant: Option<String>,
        /// Override a value: `--set services.api.calls.db.retry=null` (repeatable; applied
        /// after the variant).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
}

/// Flags of `faultline run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// Apply this variant from the scenario's `variants`.
    #[arg(long)]
    pub variant: Option<String>,
    /// Master seed: the same seed replays the same run, bit for bit.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Override a value: `--set services.api.workers=8` (repeatable; applied after the variant).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write a run record (scenario, seed, version, trace hash, summary) for `replay`.
    #[arg(long, value_name = "RECORD.json")]
    pub record: Option<PathBuf>,
}

/// How `run` prints its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal.
    Text,
    /// The stable JSON object of DESIGN.md.
    Json,
}
