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
//! - after Ctrl-C (SIGINT) or SIGTERM (`interrupt::Stop`) starts no more runs, lets the runs
//!   in flight finish, and stops the command with `CliError::Interrupted`, which says how to
//!   resume;
//! - catches a panic inside one run (`catch_unwind`: a bug, never bad input), lets the rest
//!   continue, and ends with `CliError::Panicked`, naming each failed run's variant, seed and
//!   the `faultline run` command that replays it;
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

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::cli::BatchArgs;
use crate::error::{CliError, Failure};
use crate::input::Source;
use crate::interrupt::Stop;
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
    /// The scenario as a `faultline run` argument (a path, or a catalog name).
    scenario_argument: String,
    /// The journal's folder, named when the command is interrupted.
    journal_dir: PathBuf,
    stop: Stop,
    ran: AtomicU64,
    reused: AtomicU64,
}

/// How one planned run ended inside `Batch::run`.
enum Ended<R> {
    /// Run (or read back) and journaled.
    Done(R),
    /// Stopped by an error (a guard, a write).
    Failed(CliError),
    /// Panicked: a bug.
    Panicked(Failure),
    /// Not started: a stop was requested first.
    Skipped,
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
        crate::interrupt::note_journal(out.join(journal::JOURNAL_DIR));
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
            scenario_argument: scenario_argument(source),
            journal_dir: out.join(journal::JOURNAL_DIR),
            stop: Stop::signals(),
            ran: AtomicU64::new(0),
            reused: AtomicU64::new(0),
        })
    }

    /// The same batch stopped by `stop` instead of by signals (a library caller's, a test's).
    pub fn with_stop(mut self, stop: Stop) -> Batch {
        self.stop = stop;
        self
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
            scenario_argument: scenario_argument(source),
            journal_dir: PathBuf::from(journal::JOURNAL_DIR),
            stop: Stop::new(),
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
    /// it finishes; returns their results in the order given. After every run has ended, the
    /// first error in that order is returned (the others are journaled); then, if runs
    /// panicked, `CliError::Panicked` with each of them; then, if a stop was requested and
    /// runs were left unstarted, `CliError::Interrupted`.
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
        let ended: Vec<Ended<R>> = self.pool.install(|| {
            runs.par_iter()
                .zip(&keys)
                .map(|(run, key)| self.one(run, key, &simulate))
                .collect()
        });
        let mut results = Vec::with_capacity(ended.len());
        let (mut failed, mut failures, mut skipped) = (None, Vec::new(), false);
        for end in ended {
            match end {
                Ended::Done(result) => results.push(result),
                Ended::Failed(error) => {
                    failed.get_or_insert(error);
                }
                Ended::Panicked(failure) => failures.push(failure),
                Ended::Skipped => skipped = true,
            }
        }
        if failed.is_some() || !failures.is_empty() || skipped {
            self.progress.finish();
        }
        if let Some(error) = failed {
            return Err(error);
        }
        if !failures.is_empty() {
            return Err(CliError::Panicked { failures });
        }
        if skipped {
            return Err(CliError::Interrupted {
                signal: self.stop.requested().unwrap_or(0),
                finished: self.ran.load(Ordering::Relaxed) + self.reused.load(Ordering::Relaxed),
                journal: self.journal_dir.clone(),
                resume: crate::interrupt::resume_command(),
            });
        }
        Ok(results)
    }

    /// One run of `run`: read back, skipped after a stop, or simulated (a panic caught) and
    /// journaled.
    fn one<R, F>(&self, run: &RunId, key: &str, simulate: &F) -> Ended<R>
    where
        R: Journaled,
        F: Fn(&RunId) -> Result<R, CliError> + Sync,
    {
        if let Some(result) = self.journal.get::<R>(key) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            crate::interrupt::note_finished();
            self.progress.advance(1);
            return Ended::Done(result);
        }
        if self.stop.requested().is_some() {
            return Ended::Skipped;
        }
        // A run shares nothing mutable with the others (it is a pure function of its
        // `RunId`), so a panic in it leaves nothing half-changed that another run could see.
        let result = match catch_unwind(AssertUnwindSafe(|| simulate(run))) {
            Ok(Ok(result)) => result,
            Ok(Err(error)) => return Ended::Failed(error),
            Err(payload) => {
                self.progress.advance(1);
                return Ended::Panicked(Failure {
                    run: describe(run),
                    seed: run.seed,
                    message: panic_message(payload.as_ref()),
                    replay: replay_command(&self.scenario_argument, run),
                });
            }
        };
        if let Err(error) = self.journal.append(key, run, &result) {
            return Ended::Failed(error);
        }
        self.ran.fetch_add(1, Ordering::Relaxed);
        crate::interrupt::note_finished();
        self.progress.advance(1);
        Ended::Done(result)
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

/// The text of a panic's payload (a `&str` or a `String`, as `panic!` makes them).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// The scenario as `faultline run` takes it: its path, or its catalog name.
fn scenario_argument(source: &Source) -> String {
    source
        .origin
        .strip_prefix("catalog:")
        .unwrap_or(&source.origin)
        .to_string()
}

/// `faultline run SCENARIO --seed N [--variant V] [--set S]...`: the one run of `run`.
fn replay_command(scenario: &str, run: &RunId) -> String {
    let mut command = format!("faultline run {scenario} --seed {}", run.seed);
    if let Some(variant) = &run.variant {
        command.push_str(&format!(" --variant {variant}"));
    }
    for set in &run.set {
        command.push_str(&format!(" --set '{}'", set.replace('\'', r"'\''")));
    }
    command
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    /// A result as small as a test needs: the seed it ran.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ran(u64);

    impl Journaled for Ran {
        const KIND: &'static str = "test";
    }

    fn batch(out: &Path, resume: bool) -> Batch {
        let flags = BatchArgs {
            resume,
            quiet: true,
            threads: Some(2),
            ..BatchArgs::default()
        };
        let source = Source {
            text: "{}".to_string(),
            origin: "catalog:mm1".to_string(),
        };
        Batch::start(out, &flags, "test", serde_json::json!({}), &source)
            .unwrap()
            .with_stop(Stop::new())
    }

    fn runs(seeds: std::ops::RangeInclusive<u64>) -> Vec<RunId> {
        seeds
            .map(|seed| RunId {
                variant: Some("naive".to_string()),
                set: vec!["duration=10s".to_string()],
                seed,
            })
            .collect()
    }

    // See: #17. A panic inside one run of a multi-run command took the whole command down
    // with it; now it is caught, named with its run and replay command, and the rest finish.
    #[test]
    fn r17_a_panic_in_one_run_is_reported_and_the_other_runs_finish() {
        let dir = tempfile::tempdir().unwrap();
        let batch = batch(dir.path(), false);
        let error = batch
            .run(&runs(1..=6), |run| {
                assert_ne!(run.seed, 4, "a deliberate bug at seed 4");
                Ok(Ran(run.seed))
            })
            .unwrap_err();
        assert_eq!(error.exit_code(), 101);
        let CliError::Panicked { failures } = &error else {
            panic!("not a panic report: {error}");
        };
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].seed, 4);
        assert!(failures[0].message.contains("a deliberate bug at seed 4"));
        let message = error.to_string();
        for part in [
            "1 run(s) panicked, a bug in faultline",
            "variant naive, seed 4, --set duration=10s: assertion",
            "replay: faultline run mm1 --seed 4 --variant naive --set 'duration=10s'",
        ] {
            assert!(message.contains(part), "{part} in {message}");
        }
        // The five others were journaled: a resumed batch runs only the one that panicked.
        let resumed = batch_after(dir.path());
        let ran = AtomicU64::new(0);
        let results = resumed
            .run(&runs(1..=6), |run| {
                ran.fetch_add(1, Ordering::Relaxed);
                Ok(Ran(run.seed))
            })
            .unwrap();
        assert_eq!(results, (1..=6).map(Ran).collect::<Vec<_>>());
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    }

    fn batch_after(out: &Path) -> Batch {
        batch(out, true)
    }

    // See: #17. After a stop (Ctrl-C) a batch starts no run; what was journaled is kept and
    // the error says how to resume.
    #[test]
    fn r17_a_stopped_batch_starts_no_run_and_says_how_to_resume() {
        let dir = tempfile::tempdir().unwrap();
        let first = batch(dir.path(), false);
        first.run(&runs(1..=2), |run| Ok(Ran(run.seed))).unwrap();
        let stop = Stop::new();
        let second = batch(dir.path(), true).with_stop(stop.clone());
        stop.request(2);
        let error = second
            .run(&runs(1..=5), |run| -> Result<Ran, CliError> {
                panic!("seed {} ran after the stop", run.seed)
            })
            .unwrap_err();
        assert_eq!(error.exit_code(), 130);
        let message = error.to_string();
        for part in [
            "interrupted by SIGINT (Ctrl-C): 2 run(s) finished and are journaled in ",
            "continue with: faultline ",
            "--resume",
        ] {
            assert!(message.contains(part), "{part} in {message}");
        }
    }

    #[test]
    fn failures_past_twenty_are_counted() {
        let failure = |seed| Failure {
            run: format!("variant as-written, seed {seed}"),
            seed,
            message: "boom".to_string(),
            replay: format!("faultline run mm1 --seed {seed}"),
        };
        let lines = crate::error::failure_lines(&(1..=25).map(failure).collect::<Vec<_>>());
        assert_eq!(lines.matches("replay: ").count(), 20);
        assert!(lines.ends_with("\n  and 5 more"), "{lines}");
    }
}
