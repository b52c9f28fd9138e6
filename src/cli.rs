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
        /// Write every event in this window of virtual time (`60s..65s`) as JSON lines, plus
        /// a sequence diagram (SVG) of its messages, next to `--out`.
        #[arg(long, value_name = "FROM..TO")]
        trace_window: Option<String>,
        /// Stop after this many events and print the state of every node.
        #[arg(long, value_name = "N")]
        until_event: Option<u64>,
        /// Where `--trace-window` writes (a directory; default: the current directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Run variants over many seeds on common random numbers and write a report with
    /// confidence intervals (report.html, report.md, results.json).
    Compare(CompareArgs),
    /// Run many seeds (in parallel), each with its own fault schedule, and write a record of
    /// every seed that breaks an SLO or an invariant, ranked by severity (exit 1 if any).
    Explore(ExploreArgs),
    /// Cut a failing record's fault schedule down to the faults that still make it fail.
    Shrink {
        /// A failing record (from `explore` or `run --record`).
        record: PathBuf,
        /// Where to write the minimal record (default: RECORD with `.min.json`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
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
        /// Apply this variant from the scenario's `variants` (`as-written`: none).
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
    /// Apply this variant from the scenario's `variants` (`as-written`: none).
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
    /// Also write a report of this run (report.html, report.md, results.json) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Flags of `faultline compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// Variants to compare, comma-separated; the first is the baseline; `as-written` names
    /// the scenario with no variant (default: `as-written`, then every variant it defines).
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Seeds, inclusive (`1..30`).
    #[arg(long, default_value = "1..20", value_name = "A..B")]
    pub seeds: String,
    /// Override a value in every variant (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Keep adding seeds until every headline interval is within this fraction of its mean
    /// (`2%`), up to `--max-seeds`.
    #[arg(long, value_name = "PERCENT")]
    pub precision: Option<String>,
    /// The most seeds `--precision` may use.
    #[arg(long, default_value_t = 200)]
    pub max_seeds: u64,
    /// Where to write report.html, report.md and results.json.
    #[arg(long, default_value = "report", value_name = "DIR")]
    pub out: PathBuf,
    /// Warm-up to discard: a duration (`30s`), or `auto` for the MSER-5 estimate (default:
    /// the scenario's own `warmup`).
    #[arg(long)]
    pub warmup: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `faultline explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// Seeds to try, inclusive (`1..1000`).
    #[arg(long, default_value = "1..100", value_name = "A..B")]
    pub seeds: String,
    /// Add faults drawn from each seed: a scenario's own `random_faults` recipe is always
    /// used; this flag supplies a default one (3 faults of any kind, on any service, 1s–30s
    /// each) to a scenario without it.
    #[arg(long)]
    pub random_faults: bool,
    /// Apply this variant from the scenario's `variants` (`as-written`: none).
    #[arg(long)]
    pub variant: Option<String>,
    /// Override a value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Where to write the records of failing seeds.
    #[arg(long, default_value = "explore", value_name = "DIR")]
    pub out: PathBuf,
    /// Worker threads (default: every core). The findings do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// How `run` prints its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned tables for a terminal.
    Text,
    /// The stable JSON object of DESIGN.md.
    Json,
}
