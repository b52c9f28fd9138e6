//! `faultline explore`: many seeds, each with its own faults; a record of every seed that
//! fails, ranked by severity.
//!
//! Each seed is one ordinary run of the scenario (with `--variant` and `--set`), so seed N
//! of `explore` is the run `faultline run FILE --seed N` makes (given
//! `--set 'random_faults={"count":3}'` too when `--random-faults` supplied the recipe). Its faults are the
//! scenario's schedule plus, when the scenario has a `random_faults` recipe, the faults that
//! recipe draws from the seed. `--random-faults` adds the default recipe
//! `DEFAULT_RECIPE` (three faults of any kind on any service, anywhere in the run, each
//! lasting 1s to 30s; see `scenarios::raw` for the ranges) to a scenario that has none.
//!
//! Every run is checked (`check`: the SLOs now, invariants as they come); a failing seed's
//! run record becomes `DIR/seed-N.json`, with any drawn faults written out as explicit
//! `--set` overrides (`schedule`; see `Plan::record_overrides` for the one exception), so
//! that `replay` reproduces it and `shrink` can cut it down. `DIR/findings.json` lists the failing seeds ranked by severity (highest first, then
//! lowest seed), and the command prints the top of that list and exits 1 if there is any.
//!
//! Seeds run in parallel on a rayon pool (`--threads`, default every core); each run is
//! single-threaded and a pure function of its seed, and the results are sorted before
//! anything is written, so the findings never depend on the thread count or on scheduling.
//! Every seed's outcome is journaled as it finishes (`batch`): `--resume` skips the seeds
//! already tried, `--shard I/N` tries every N-th seed and writes no findings, and `merge`
//! ranks the shards' findings together (copying their records), as one machine would.
//!
//! Findings are kept as they are found: each seed's finding goes into its journal line and
//! a failing seed's record into `DIR/journal/records/` the moment the seed ends, so Ctrl-C
//! or a crash loses nothing finished. `findings.json` and the records are then published
//! together (`output::publish_replacing`), replacing an earlier explore's findings and
//! records whole: the folder never holds one run's findings beside another's records.

pub mod check;
pub mod schedule;

use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::batch::Batch;
use crate::cli::{ExploreArgs, Format};
use crate::error::CliError;
use crate::input::{self, Source};
use crate::journal::{Journaled, RunId, JOURNAL_DIR};
use crate::output::{publish_replacing, write_atomic};
use crate::record::Record;
use crate::seeds::SeedRange;
use crate::simulate::{load_options, simulate, Outcome};
use check::Violation;
use schedule::Names;

/// The recipe `--random-faults` adds to a scenario without a `random_faults` block: three
/// faults per seed, every other setting at the format's defaults.
pub const DEFAULT_RECIPE: &str = r#"random_faults={"count":3}"#;

/// The name of the ranked list `explore` writes into its directory.
pub const FINDINGS_FILE: &str = "findings.json";

/// Where failing seeds' records wait, inside the output folder, until they are published.
pub const RECORDS_DIR: &str = "records";

/// How many findings the printed table shows (findings.json has them all).
const TABLE_ROWS: usize = 20;

/// The command's name, in the journal and in messages.
pub const COMMAND: &str = "explore";

/// `faultline explore FILE --seeds A..B [--random-faults]`.
pub fn explore(args: &ExploreArgs) -> Result<Outcome, CliError> {
    let source = input::read(&args.file)?;
    let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
    crate::batch::pool(args.batch.threads)?;
    let plan = Plan::new(&source, args)?;
    let job = serde_json::to_value(args).expect("arguments serialize");
    let batch = Batch::start(&args.out, &args.batch, COMMAND, job, &source)?;
    plan.execute(seeds, &batch, &[])
}

/// `faultline merge` of an explore: every seed's outcome from the shards' journals, and each
/// failing seed's record copied from the shard folder that wrote it.
pub fn merged(
    args: &ExploreArgs,
    source: &Source,
    batch: &Batch,
    shards: &[std::path::PathBuf],
) -> Result<Outcome, CliError> {
    let seeds = SeedRange::parse(&args.seeds, "--seeds")?;
    Plan::new(source, args)?.execute(seeds, batch, shards)
}

/// What the journal keeps of one seed: its finding, or none if it passed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Tried {
    finding: Option<Finding>,
}

impl Journaled for Tried {
    const KIND: &'static str = "explore";
}

impl Plan<'_> {
    /// Tries every seed (this shard's), then ranks and writes the findings; `shards` are the
    /// folders a merge copies failing seeds' records from.
    fn execute(
        &self,
        seeds: SeedRange,
        batch: &Batch,
        shards: &[std::path::PathBuf],
    ) -> Result<Outcome, CliError> {
        let args = self.args;
        let units = u128::from(seeds.last - seeds.first) + 1;
        let runs: Vec<RunId> = batch
            .owned(units, "seeds")?
            .into_iter()
            .map(|unit| RunId {
                variant: args.variant.clone(),
                set: self.set.clone(),
                seed: seeds.first + unit,
            })
            .collect();
        let tried = batch.run(&runs, |run| {
            Ok(Tried {
                finding: self.seed(run.seed)?,
            })
        })?;
        if batch.is_partial() {
            return Ok(batch.partial_outcome(COMMAND, &args.out));
        }
        batch.finish();
        let mut findings: Vec<Finding> = tried.into_iter().filter_map(|t| t.finding).collect();
        findings.sort_by(|a, b| {
            b.severity
                .total_cmp(&a.severity)
                .then_with(|| a.seed.cmp(&b.seed))
        });

        let report = Findings {
            scenario: &self.scenario_name,
            origin: &self.source.origin,
            variant: args.variant.as_deref(),
            overrides: &args.set,
            seeds: format!("{}..{}", seeds.first, seeds.last),
            faults: self.faults_words(),
            version: crate::VERSION,
            runs: seeds.len(),
            failing: findings.len(),
            findings: findings
                .iter()
                .enumerate()
                .map(|(index, finding)| Ranked {
                    rank: index + 1,
                    finding,
                })
                .collect(),
        };
        let mut json = serde_json::to_string_pretty(&report).expect("findings always serialize");
        json.push('\n');
        let mut files = records(&findings, shards, &args.out)?;
        files.push((FINDINGS_FILE.to_string(), json.clone().into_bytes()));
        publish_replacing(&args.out, &files, &[], &old_records(&args.out))?;

        Ok(Outcome {
            stdout: match args.format {
                Format::Text => table(&report, &args.out),
                Format::Json => json,
            },
            exit_code: if findings.is_empty() { 0 } else { 1 },
        })
    }
}

/// Each finding's record (name, bytes): when merging, from the first of `shards` that has
/// it in its journal; otherwise from this command's journal in `out`.
fn records(
    findings: &[Finding],
    shards: &[std::path::PathBuf],
    out: &Path,
) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let mut files = Vec::new();
    for record in findings.iter().filter_map(|f| f.record.as_ref()) {
        let waiting = |dir: &Path| dir.join(JOURNAL_DIR).join(RECORDS_DIR).join(record);
        let from = shards
            .iter()
            .map(|s| s.as_path())
            .chain(std::iter::once(out))
            .map(waiting)
            .find(|p| p.exists())
            .unwrap_or_else(|| waiting(out));
        let bytes = std::fs::read(&from).map_err(|e| CliError::Usage {
            flag: "--resume".to_string(),
            problem: format!(
                "{}: the record of a failing seed cannot be read ({e}); run the command \
                 again without --resume",
                from.display()
            ),
        })?;
        files.push((record.clone(), bytes));
    }
    Ok(files)
}

/// The records of an earlier explore in `out` (`seed-N.json`, not `shrink`'s
/// `seed-N.min.json`), which a new set of findings replaces.
fn old_records(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|name| {
            name.strip_prefix("seed-")
                .and_then(|rest| rest.strip_suffix(".json"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    names.sort();
    names
}

/// One failing seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The master seed.
    pub seed: u64,
    /// The run's severity (`check::severity`).
    pub severity: f64,
    /// What failed, check by check.
    pub violations: Vec<Violation>,
    /// The run's whole fault schedule, in words.
    pub faults: Vec<String>,
    /// The record's file name, relative to the findings (none if a guard stopped the run).
    pub record: Option<String>,
    /// The command that reproduces a run a guard stopped (which has no record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<String>,
}

/// findings.json.
#[derive(Serialize)]
struct Findings<'a> {
    scenario: &'a str,
    origin: &'a str,
    variant: Option<&'a str>,
    overrides: &'a [String],
    seeds: String,
    faults: String,
    version: &'a str,
    runs: u64,
    failing: usize,
    findings: Vec<Ranked<'a>>,
}

/// A finding with its place in the ranking.
#[derive(Serialize)]
struct Ranked<'a> {
    rank: usize,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// Where a seed's random faults come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Random {
    /// Nowhere: the scenario's schedule only.
    None,
    /// The scenario's own `random_faults` block.
    Scenario,
    /// `DEFAULT_RECIPE`, added by `--random-faults`.
    Default,
}

/// Everything every seed's run shares.
struct Plan<'a> {
    source: &'a Source,
    args: &'a ExploreArgs,
    /// The user's `--set`s, plus `DEFAULT_RECIPE` when it applies.
    set: Vec<String>,
    scenario_name: String,
    world: models::WorldConfig,
    names: Names,
    random: Random,
}

impl<'a> Plan<'a> {
    /// Parses the scenario once (so a bad file fails before any run) and picks the recipe.
    fn new(source: &'a Source, args: &'a ExploreArgs) -> Result<Plan<'a>, CliError> {
        let parse = |set: &[String]| {
            let options = load_options(args.variant.as_deref(), set)?;
            Ok::<_, CliError>(scenarios::parse(&source.text, &source.origin, &options)?)
        };
        let mut set = args.set.clone();
        let mut scenario = parse(&set)?;
        let random = if scenario.world.random_faults.is_some() {
            Random::Scenario
        } else if args.random_faults {
            set.push(DEFAULT_RECIPE.to_string());
            scenario = parse(&set)?;
            Random::Default
        } else {
            Random::None
        };
        Ok(Plan {
            source,
            args,
            set,
            names: Names::of(&scenario.world),
            scenario_name: scenario.name,
            world: scenario.world,
            random,
        })
    }

    /// Runs one seed; a failing seed's record is written and its finding returned.
    fn seed(&self, seed: u64) -> Result<Option<Finding>, CliError> {
        let variant = self.args.variant.as_deref();
        let text = &self.source.text;
        let origin = &self.source.origin;
        let drawn = models::with_random_faults(&self.world, seed);
        // The election's and the database's whole schedules, the file's faults and the drawn.
        let foreign = models::Drawn {
            world: Vec::new(),
            election: drawn
                .election
                .iter()
                .flat_map(|e| e.faults.clone())
                .collect(),
            database: drawn
                .database
                .iter()
                .flat_map(|d| d.faults.clone())
                .collect(),
        };
        let foreign = schedule::drawn_foreign_placed(&self.world, &foreign);
        // In the one schedule's order, as a run lists its faults (a stable sort: a zone
        // outage's faults share a position and keep their order).
        let mut placed: Vec<(usize, String)> = drawn
            .faults
            .iter()
            .map(|f| (f.position, schedule::describe(f, &self.names)))
            .chain(
                foreign
                    .iter()
                    .map(|(position, entry)| (*position, schedule::describe_entry(entry))),
            )
            .collect();
        placed.sort_by_key(|(position, _)| *position);
        let words: Vec<String> = placed.into_iter().map(|(_, words)| words).collect();
        let run = match simulate(text, origin, variant, &self.set, seed) {
            Ok(run) => run,
            Err(CliError::Guard { source, .. }) => {
                let violations = vec![Violation::Guard {
                    error: source.to_string(),
                }];
                return Ok(Some(Finding {
                    seed,
                    severity: check::severity(&violations),
                    violations,
                    faults: words,
                    record: None,
                    reproduce: Some(self.command(seed)),
                }));
            }
            Err(other) => return Err(other),
        };
        let violations = check::check(&run);
        if violations.is_empty() {
            return Ok(None);
        }
        let name = format!("seed-{seed}.json");
        let overrides = self.record_overrides(&drawn)?;
        let record = Record::new(text, origin, variant, &overrides, seed, &run);
        let waiting = self.args.out.join(JOURNAL_DIR).join(RECORDS_DIR);
        write_atomic(&waiting.join(&name), record.to_json().as_bytes())?;
        Ok(Some(Finding {
            seed,
            severity: check::severity(&violations),
            violations,
            faults: words,
            record: Some(name),
            reproduce: None,
        }))
    }

    /// The overrides a failing seed's record carries: with random faults, the drawn schedule
    /// written out (`schedule::explicit_overrides`), provided it reads back as exactly the
    /// world that ran; otherwise the recipe, which draws the same schedule from the seed.
    ///
    /// (Magnitudes are floats, and serde_json reads back a few in a hundred of them one ulp
    /// off unless its `float_roundtrip` feature is on; such a record keeps the recipe, so
    /// that it still replays exactly. `shrink` writes schedules out either way.)
    fn record_overrides(&self, drawn: &models::WorldConfig) -> Result<Vec<String>, CliError> {
        if self.random == Random::None {
            return Ok(self.set.clone());
        }
        let mut explicit = self.args.set.clone();
        explicit.extend(schedule::explicit_overrides(&drawn.faults, &self.names));
        let options = load_options(self.args.variant.as_deref(), &explicit)?;
        let reread = scenarios::parse(&self.source.text, &self.source.origin, &options)?;
        Ok(if same_run(&reread.world, drawn) {
            explicit
        } else {
            self.set.clone()
        })
    }

    /// `faultline run ...` for one seed (it draws the same faults as this seed did).
    fn command(&self, seed: u64) -> String {
        let file = self
            .source
            .origin
            .strip_prefix("catalog:")
            .map_or_else(|| self.args.file.display().to_string(), str::to_string);
        let mut command = format!("faultline run {file} --seed {seed}");
        if let Some(variant) = &self.args.variant {
            let _ = write!(command, " --variant {variant}");
        }
        for set in &self.set {
            let _ = write!(command, " --set '{set}'");
        }
        command
    }

    /// Where the faults come from, in words.
    fn faults_words(&self) -> String {
        let w = &self.world;
        let scheduled = w.faults.len()
            + w.election.as_ref().map_or(0, |e| e.faults.len())
            + w.database.as_ref().map_or(0, |d| d.faults.len());
        let drawn = self.world.random_faults.as_ref().map_or(0, |r| r.count);
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let base = format!(
            "the scenario's schedule ({scheduled} fault{})",
            plural(scheduled)
        );
        match self.random {
            Random::None => format!("{base}; add --random-faults to draw more from each seed"),
            Random::Scenario => {
                format!("{base} plus {drawn} drawn from each seed by its random_faults")
            }
            Random::Default => format!(
                "{base} plus {drawn} drawn from each seed by the default recipe ({})",
                DEFAULT_RECIPE.trim_start_matches("random_faults=")
            ),
        }
    }
}

/// The printed ranking: a header, the top `TABLE_ROWS` findings, where everything went.
fn table(report: &Findings<'_>, out: &Path) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "explore {}: seeds {}, faults: {}",
        report.scenario, report.seeds, report.faults
    );
    if report.findings.is_empty() {
        let _ = writeln!(
            text,
            "no failing seed among {} runs; wrote {}",
            report.runs,
            out.join(FINDINGS_FILE).display()
        );
        return text;
    }
    let _ = writeln!(
        text,
        "{} of {} seeds fail, worst first:",
        report.failing, report.runs
    );
    let _ = writeln!(
        text,
        "{:>4}  {:>8}  {:>8}  {:>6}  what failed",
        "rank", "seed", "severity", "faults"
    );
    for ranked in report.findings.iter().take(TABLE_ROWS) {
        let finding = ranked.finding;
        let mut failed = finding
            .violations
            .first()
            .map(Violation::describe)
            .unwrap_or_default();
        if finding.violations.len() > 1 {
            let _ = write!(failed, " (and {} more)", finding.violations.len() - 1);
        }
        let _ = writeln!(
            text,
            "{:>4}  {:>8}  {:>8.4}  {:>6}  {failed}",
            ranked.rank,
            finding.seed,
            finding.severity,
            finding.faults.len()
        );
    }
    if report.findings.len() > TABLE_ROWS {
        let _ = writeln!(text, "... and {} more", report.findings.len() - TABLE_ROWS);
    }
    let records = report
        .findings
        .iter()
        .filter(|r| r.finding.record.is_some())
        .count();
    let _ = writeln!(
        text,
        "wrote {} and {records} record{} in {}",
        out.join(FINDINGS_FILE).display(),
        if records == 1 { "" } else { "s" },
        out.display()
    );
    if let Some(worst) = report.findings.first() {
        if let Some(record) = &worst.finding.record {
            let _ = writeln!(
                text,
                "cut the worst down with: faultline shrink {}",
                out.join(record).display()
            );
        }
    }
    text
}

/// Whether `a` and `b` make the same run, their world faults' `position`s aside: a position
/// only orders a listing, and an explicit schedule numbers its entries afresh (a drawn zone
/// outage's faults share one position, written out they take one each) while listing them in
/// the same order.
fn same_run(a: &models::WorldConfig, b: &models::WorldConfig) -> bool {
    let unlisted = |world: &models::WorldConfig| {
        let mut world = world.clone();
        for fault in &mut world.faults {
            fault.position = 0;
        }
        world
    };
    unlisted(a) == unlisted(b)
}
