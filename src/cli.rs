//! The command-line grammar (clap): commands, their flags and their help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

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
        /// Output format (json: one object saying whether it reproduced, see the README).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Run variants over many seeds on common random numbers and write a report with
    /// confidence intervals (report.html, report.md, results.json).
    Compare(CompareArgs),
    /// Run many seeds (in parallel), each with its own fault schedule, and write a record of
    /// every seed that breaks an SLO or an invariant, ranked by severity (exit 1 if any).
    Explore(ExploreArgs),
    /// Run the cross product of swept values × variants × seeds and plot each headline metric
    /// against the swept value, one line per variant, with 95% intervals.
    Sweep(SweepArgs),
    /// Find the highest offered rate at which every SLO still holds, per variant, with its
    /// interval over seeds (bisection on each seed's runs).
    Capacity(CapacityArgs),
    /// Classify a grid of load × trigger magnitude: recovers, degraded or metastable (goodput
    /// not back to 90% of its pre-trigger level in time), per variant, as a heat map.
    Map(MapArgs),
    /// Combine the folders of the shards of one command (`--shard I/N`) into the report one
    /// machine would have written, byte for byte.
    Merge(MergeArgs),
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The course: list its lessons in order, or take one (`faultline lesson retry-storm`):
    /// a story, a question to predict, the run, a chart, and why.
    Lesson(LessonArgs),
    /// Write a starter scenario (`NAME.json`) that validates and runs as is, and explain it.
    New {
        /// The scenario's name (letters, digits, `-`, `_`); the file is `NAME.json`.
        name: String,
        /// Which starter to copy.
        #[arg(long = "from", value_enum, default_value_t = crate::new::Template::Single)]
        template: crate::new::Template,
        /// Where to write it (default: `NAME.json` in the current directory).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the JSON Schema of the scenario format (for editors: see the README).
    Schema,
    /// List the catalog of built-in scenarios.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
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
        /// Output format (`--dot` wins over it).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// Flags of `faultline run`.
#[derive(Debug, Clone, clap::Args)]
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
    /// Run guards: --max-memory, --max-wall.
    #[command(flatten)]
    pub limits: crate::limit::LimitArgs,
}

/// Flags of `faultline compare`.
///
/// The fields that decide what is computed are written to the journal's `job.json` (serde),
/// so `merge` can finish a sharded compare; where it goes and how it is shown are not.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
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
    /// Where to write report.html, report.md and results.json (and the journal of runs).
    #[arg(long, default_value = "report", value_name = "DIR")]
    #[serde(skip)]
    pub out: PathBuf,
    /// Warm-up to discard: a duration (`30s`), or `auto` for the MSER-5 estimate (default:
    /// the scenario's own `warmup`).
    #[arg(long)]
    pub warmup: Option<String>,
    /// Output format of what is printed (the report files are the same either way).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    #[serde(skip)]
    pub format: Format,
    /// How the runs are run: shard, resume, threads, progress.
    #[command(flatten)]
    #[serde(skip)]
    pub batch: BatchArgs,
}

/// The flags every multi-run command shares: how its runs are run, never what they compute.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BatchArgs {
    /// Run only shard I of N (numbered from 0: `0/4` to `3/4`) and write its runs to the
    /// journal in --out, without a report; `faultline merge` combines the shards' folders.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Keep every run an earlier, interrupted command journaled in --out and run only the
    /// rest (the result is the same as an uninterrupted command's).
    #[arg(long)]
    pub resume: bool,
    /// Worker threads (default: every core). The results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress on standard error.
    #[arg(long)]
    pub quiet: bool,
    /// Run guards: --max-memory, --max-wall.
    #[command(flatten)]
    pub limits: crate::limit::LimitArgs,
}

/// Flags of `faultline explore`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
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
    /// Where to write the records of failing seeds (and the journal of runs).
    #[arg(long, default_value = "explore", value_name = "DIR")]
    #[serde(skip)]
    pub out: PathBuf,
    /// Output format of what is printed (findings.json is written either way).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    #[serde(skip)]
    pub format: Format,
    /// How the runs are run: shard, resume, threads, progress.
    #[command(flatten)]
    #[serde(skip)]
    pub batch: BatchArgs,
}

/// Flags of `faultline sweep`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct SweepArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// A value to sweep and its values: `PATH=V1,V2,...` or a range `PATH=FROM..TO:STEP`
    /// (repeatable: the sweep is the cross product).
    #[arg(long = "sweep", value_name = "PATH=VALUES", required = true)]
    pub sweep: Vec<String>,
    /// Variants, comma-separated (default: `as-written`, then every variant it defines).
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Seeds of every point, inclusive (`1..10`).
    #[arg(long, default_value = "1..10", value_name = "A..B")]
    pub seeds: String,
    /// Override a value everywhere (repeatable; applied before the swept value).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Where to write report.html, report.md, results.json and the plots (and the journal).
    #[arg(long, default_value = "sweep", value_name = "DIR")]
    #[serde(skip)]
    pub out: PathBuf,
    /// Output format of what is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    #[serde(skip)]
    pub format: Format,
    /// How the runs are run: shard, resume, threads, progress.
    #[command(flatten)]
    #[serde(skip)]
    pub batch: BatchArgs,
}

/// Flags of `faultline capacity`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct CapacityArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// The client whose offered rate is searched (`clients.NAME.arrival.rate_per_s`).
    #[arg(long, value_name = "NAME")]
    pub client: String,
    /// Variants, comma-separated (default: `as-written`, then every variant it defines).
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Seeds, inclusive: each seed's own search gives one capacity; the interval is over them.
    #[arg(long, default_value = "1..10", value_name = "A..B")]
    pub seeds: String,
    /// Override a value everywhere (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Where to start looking, `LOW..HIGH` req/s (default: the client's rate as written,
    /// halved or doubled until the SLOs hold at the low end and fail at the high end).
    #[arg(long, value_name = "LOW..HIGH")]
    pub range: Option<String>,
    /// Stop a seed's bisection when its bracket is this narrow, relative to its low end.
    #[arg(long, default_value = "0.5%", value_name = "PERCENT")]
    pub tolerance: String,
    /// Where to write capacity.json, report.md and the journal.
    #[arg(long, default_value = "capacity", value_name = "DIR")]
    #[serde(skip)]
    pub out: PathBuf,
    /// Output format of what is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    #[serde(skip)]
    pub format: Format,
    /// How the runs are run: shard, resume, threads, progress.
    #[command(flatten)]
    #[serde(skip)]
    pub batch: BatchArgs,
}

/// Flags of `faultline map`.
#[derive(Debug, Clone, clap::Args, Serialize, Deserialize)]
pub struct MapArgs {
    /// A scenario file, or the name of a catalog scenario (see `faultline list`).
    pub file: PathBuf,
    /// The load axis: `PATH=V1,V2,...` or `PATH=FROM..TO:STEP`
    /// (e.g. `clients.web.arrival.rate_per_s=200..800:100`).
    #[arg(long, value_name = "PATH=VALUES")]
    pub load: String,
    /// The trigger axis: a field of one fault, `faults.N.FIELD=VALUES` (e.g.
    /// `faults.0.factor=1.5..4:0.5`, or `faults.0.for=5s,10s,20s`).
    #[arg(long, value_name = "FAULT_PATH=VALUES")]
    pub trigger: String,
    /// A third axis, the trigger's duration (`faults.0.for=5s,20s`): one heat map per value.
    #[arg(long, value_name = "FAULT_PATH=VALUES")]
    pub duration: Option<String>,
    /// Variants, comma-separated (default: `as-written`, then every variant it defines).
    #[arg(long, value_delimiter = ',')]
    pub variants: Vec<String>,
    /// Seeds of every cell, inclusive.
    #[arg(long, default_value = "1..5", value_name = "A..B")]
    pub seeds: String,
    /// Override a value everywhere (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// How long after the trigger ends goodput has to be back (to 90% of its level before
    /// the trigger, over the 10 s that follow).
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub settle: String,
    /// The share of a cell's seeds that must stay down for it to count as metastable.
    #[arg(long, default_value = "50%", value_name = "PERCENT")]
    pub share: String,
    /// Judge only this client's goodput (default: every client's).
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,
    /// Where to write map.json, report.md, report.html, the heat maps and the journal.
    #[arg(long, default_value = "map", value_name = "DIR")]
    #[serde(skip)]
    pub out: PathBuf,
    /// Output format of what is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    #[serde(skip)]
    pub format: Format,
    /// How the runs are run: shard, resume, threads, progress.
    #[command(flatten)]
    #[serde(skip)]
    pub batch: BatchArgs,
}

/// Flags of `faultline merge`.
#[derive(Debug, Clone, clap::Args)]
pub struct MergeArgs {
    /// The --out folders of the shards (every shard of one command).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged report (default: the command's own default folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output format of what is printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Worker threads for reading the journals (default: every core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress on standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// How a command prints its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Aligned tables for a terminal.
    #[default]
    Text,
    /// The stable JSON object of DESIGN.md.
    Json,
}

/// Flags of `faultline lesson`.
#[derive(Debug, clap::Args)]
pub struct LessonArgs {
    /// The lesson (a catalog scenario's name); without it, the course is listed in order.
    pub name: Option<String>,
    /// Your prediction, a letter (`B`); without it the question is asked on standard input.
    #[arg(long, value_name = "LETTER")]
    pub answer: Option<String>,
    /// Where to write the full report (default: `lesson-NAME` in the current directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress on standard error.
    #[arg(long)]
    pub quiet: bool,
}
