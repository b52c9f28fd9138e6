//! Many runs at once: on every core, journaled as they finish, split into shards, resumable,
//! and mergeable — what every multi-run command (compare, sweep, capacity, map, explore)
//! stands on.
//!
//! A command plans its runs (each a `RunId`: variant, `--set`s, seed) in a fixed order and
//! hands them to `Batch::run`, which
//!
//! - runs them on a rayon pool (`--threads`, default every core); each run stays
//!   single-threaded and is a pure function of its `RunId`, and results come back in the
//!   order the runs were planned, so nothing downstream depends on the thread count;
//! - journals each result the moment its run ends (`journal`), so Ctrl-C or a crash keeps
//!   every finished run;
//! - with `--resume`, takes a run's result from the journal instead of running it again;
//! - when merging (`faultline merge`), takes every result from the journals of the shards
//!   and runs nothing: a run missing from them is an error.
//!
//! Sharding is the command's choice of units (`owned`): a unit is a run for compare, sweep
//! and map, a seed for explore, one seed's whole search for capacity. A shard plans and runs
//! only its own units and stops before writing a report; `merge` replans the whole command
//! from `job.json` and finds every run in the journals.
//!
//! Bounds: one command plans at most `RUNS_MAX` units (a shard: its share), refused before
//! anything is allocated, so a mistyped `--seeds 1..1000000000000` is an error at once, not
//! an hour of allocation.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::cli::BatchArgs;
use crate::error::CliError;
use crate::input::Source;
use crate::journal::{self, JobFile, Journal, Journaled, RunId};
use crate::progress::Progress;
use crate::shard::Shard;

/// The most units one command (or one shard of it) may plan.
pub const RUNS_MAX: u64 = 1_000_000;

/// A batch of runs in progress: the journal, the shard, the pool, the progress display.
pub struct Batch {
    journal: Journal,
    shard: Shard,
    merging: bool,
    pool: rayon::ThreadPool,
    progress: Progress,
    scenario_hash: String,
    ran: AtomicU64,
    reused: AtomicU64,
}

impl Batch {
    /// A batch of `command` writing its journal into `out`: afresh, or with `--resume` reusing
    /// what is journaled there. Writes `job.json` (the command's `args` and the scenario).
    pub fn start(
        out: &Path,
        flags: &BatchArgs,
        command: &str,
        args: serde_json::Value,
        source: &Source,
    ) -> Result<Batch, CliError> {
        let shard = match &flags.shard {
            Some(text) => Shard::parse(text, "--shard")?,
            None => Shard::WHOLE,
        };
        let pool = pool(flags.threads)?;
        let journal = Journal::open(out, shard, flags.resume)?;
        if journal.skipped() > 0 {
            eprintln!(
                "faultline: {} journal line(s) in {} could not be read (cut short by a crash); \
                 those runs run again",
                journal.skipped(),
                out.join(journal::JOURNAL_DIR).display()
            );
        }
        JobFile {
            journal_format: journal::JOURNAL_FORMAT,
            version: crate::VERSION.to_string(),
            command: command.to_string(),
            args,
            origin: source.origin.clone(),
            scenario_text: source.text.clone(),
        }
        .write(out)?;
        Ok(Batch {
            journal,
            shard,
            merging: false,
            pool,
            progress: Progress::new(flags.quiet, command, "runs", 0),
            scenario_hash: crate::simulate::hash_text(&source.text),
            ran: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        })
    }

    /// A batch that takes every run from `journal` (the shards' journals) and runs nothing.
    pub fn merging(
        journal: Journal,
        flags: &BatchArgs,
        command: &str,
        source: &Source,
    ) -> Result<Batch, CliError> {
        Ok(Batch {
            journal,
            shard: Shard::WHOLE,
            merging: true,
            pool: pool(flags.threads)?,
            progress: Progress::new(flags.quiet, command, "runs", 0),
            scenario_hash: crate::simulate::hash_text(&source.text),
            ran: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        })
    }

    /// This process's shard (the whole job when not sharded, and when merging).
    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// True for one shard of several: it runs its share and writes no report.
    pub fn is_partial(&self) -> bool {
        !self.shard.is_whole()
    }

    /// True when finishing a job from its shards' journals.
    pub fn is_merging(&self) -> bool {
        self.merging
    }

    /// The units (numbered `0..units` in the command's fixed order) this shard owns, after
    /// checking that there are not too many; `what` names them in the error (`runs`).
    pub fn owned(&self, units: u128, what: &str) -> Result<Vec<u64>, CliError> {
        let share = units / u128::from(self.shard.count)
            + u128::from(units % u128::from(self.shard.count) > u128::from(self.shard.index));
        if share > u128::from(RUNS_MAX) {
            let mut problem = format!(
                "this command plans {units} {what}{}; one command runs at most {RUNS_MAX}",
                if self.shard.is_whole() {
                    String::new()
                } else {
                    format!(" ({share} in shard {})", self.shard)
                }
            );
            problem.push_str(": narrow --seeds (or the sweep), or split it with --shard I/N");
            return Err(CliError::Usage {
                flag: "--seeds".to_string(),
                problem,
            });
        }
        let units = units as u64;
        Ok((0..self.shard.share(units))
            .map(|k| self.shard.unit(k))
            .collect())
    }

    /// Runs `runs` (each with `simulate`, or read back from the journal), journaling each as
    /// it finishes; returns their results in the order given. The first error in that order
    /// is returned after every run has ended (the others are journaled).
    pub fn run<R, F>(&self, runs: &[RunId], simulate: F) -> Result<Vec<R>, CliError>
    where
        R: Journaled,
        F: Fn(&RunId) -> Result<R, CliError> + Sync,
    {
        self.progress.grow(runs.len() as u64);
        let keys: Vec<String> = runs
            .iter()
            .map(|run| journal::key(R::KIND, &self.scenario_hash, run))
            .collect();
        if self.merging {
            return self.read_back(runs, &keys);
        }
        let results: Vec<Result<R, CliError>> = self.pool.install(|| {
            runs.par_iter()
                .zip(&keys)
                .map(|(run, key)| {
                    if let Some(result) = self.journal.get::<R>(key) {
                        self.reused.fetch_add(1, Ordering::Relaxed);
                        self.progress.advance(1);
                        return Ok(result);
                    }
                    let result = simulate(run)?;
                    self.journal.append(key, run, &result)?;
                    self.ran.fetch_add(1, Ordering::Relaxed);
                    self.progress.advance(1);
                    Ok(result)
                })
                .collect()
        });
        results.into_iter().collect()
    }

    /// Every run's result from the journal; an error naming the first missing run otherwise.
    fn read_back<R: Journaled>(&self, runs: &[RunId], keys: &[String]) -> Result<Vec<R>, CliError> {
        let found: Vec<Option<R>> = self.pool.install(|| {
            keys.par_iter()
                .map(|key| {
                    let result = self.journal.get::<R>(key);
                    self.progress.advance(1);
                    result
                })
                .collect()
        });
        let missing: Vec<&RunId> = runs
            .iter()
            .zip(&found)
            .filter(|(_, result)| result.is_none())
            .map(|(run, _)| run)
            .collect();
        if let Some(first) = missing.first() {
            return Err(CliError::Usage {
                flag: "merge".to_string(),
                problem: format!(
                    "{} run(s) of this job are in none of the folders given (the first: {}); \
                     give the folder of every shard, each finished (a shard that stopped early \
                     resumes with --resume)",
                    missing.len(),
                    describe(first)
                ),
            });
        }
        self.reused.fetch_add(found.len() as u64, Ordering::Relaxed);
        Ok(found.into_iter().flatten().collect())
    }

    /// Runs `work` on the batch's pool (`--threads`), for work after the runs that is also
    /// split across cores (its results must not depend on how).
    pub fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        self.pool.install(work)
    }

    /// Clears the progress display; returns (runs made, runs read back from the journal).
    pub fn finish(&self) -> (u64, u64) {
        self.progress.finish();
        (
            self.ran.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }

    /// What a shard prints instead of a report: what it did and how to finish the job.
    pub fn partial_outcome(&self, command: &str, out: &Path) -> crate::simulate::Outcome {
        let (ran, reused) = self.finish();
        let mut stdout = format!(
            "{command}: shard {} ran {ran} run(s){} into {}\n",
            self.shard,
            if reused > 0 {
                format!(" ({reused} more read back from its journal)")
            } else {
                String::new()
            },
            out.join(journal::JOURNAL_DIR).display()
        );
        stdout.push_str(&format!(
            "when all {} shards are done: faultline merge DIR... (each shard's --out folder)\n",
            self.shard.count
        ));
        crate::simulate::Outcome {
            stdout,
            exit_code: 0,
        }
    }
}

/// A run in words: `variant budget, seed 7, --set duration=60s`.
pub fn describe(run: &RunId) -> String {
    let mut words = format!(
        "variant {}, seed {}",
        run.variant
            .as_deref()
            .unwrap_or(crate::simulate::AS_WRITTEN),
        run.seed
    );
    for set in &run.set {
        words.push_str(&format!(", --set {set}"));
    }
    words
}

/// A rayon pool of `threads` workers (default: one per core).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, CliError> {
    let usage = |problem: String| CliError::Usage {
        flag: "--threads".to_string(),
        problem,
    };
    if threads == Some(0) {
        return Err(usage(
            "must be at least 1 (leave it out to use every core)".to_string(),
        ));
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| usage(format!("cannot start the worker threads: {e}")))
}
