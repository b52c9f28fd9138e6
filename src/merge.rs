//! `faultline merge DIR...`: the shards of one multi-run command, put back together.
//!
//! Each shard (`--shard I/N`) leaves its `--out` folder with `journal/job.json` (the command,
//! its arguments and the scenario text) and its runs. `merge` checks that every folder holds
//! the same job, reads all their runs into one read-only journal, and executes the command
//! again from `job.json` with a batch that takes every run from that journal and runs
//! nothing (`Batch::merging`). The report therefore comes out of the same code, from the same
//! results added in the same order, as one machine's: the same bytes. A run no shard
//! journaled is an error that names it. The merged folder gets the union of the journals too,
//! so it can be merged again, or resumed with more seeds.

use std::path::{Path, PathBuf};

use crate::batch::Batch;
use crate::cli::{
    BatchArgs, CapacityArgs, CompareArgs, ExploreArgs, MapArgs, MergeArgs, SweepArgs,
};
use crate::error::CliError;
use crate::input::Source;
use crate::journal::{self, JobFile, Journal};
use crate::simulate::Outcome;

/// `faultline merge DIR... [--out DIR]`.
pub fn merge(args: &MergeArgs) -> Result<Outcome, CliError> {
    let mut jobs = Vec::with_capacity(args.dirs.len());
    for dir in &args.dirs {
        jobs.push(JobFile::read(dir)?);
    }
    let first = &jobs[0];
    for (dir, job) in args.dirs.iter().zip(&jobs).skip(1) {
        if job != first {
            return Err(CliError::Usage {
                flag: "merge".to_string(),
                problem: format!(
                    "{} holds a different job from {} ({}): merge the shards of one command only",
                    dir.display(),
                    args.dirs[0].display(),
                    difference(first, job)
                ),
            });
        }
    }
    let source = Source {
        text: first.scenario_text.clone(),
        origin: first.origin.clone(),
    };
    let journal = Journal::read_only(&args.dirs)?;
    let flags = BatchArgs {
        shard: None,
        resume: false,
        threads: args.threads,
        quiet: args.quiet,
        limits: Default::default(),
    };
    let bad_args = |e: serde_json::Error| CliError::Usage {
        flag: "merge".to_string(),
        problem: format!("the job's arguments do not read back ({e})"),
    };
    let out = |default: &str| args.out.clone().unwrap_or_else(|| PathBuf::from(default));
    let command = first.command.as_str();
    let batch = Batch::merging(journal, &flags, command, &source)?;
    let (outcome, out) = match command {
        crate::compare::COMMAND => {
            let mut job: CompareArgs =
                serde_json::from_value(first.args.clone()).map_err(bad_args)?;
            job.out = out("report");
            job.format = args.format;
            job.batch = flags.clone();
            (crate::compare::merged(&job, &source, &batch)?, job.out)
        }
        crate::explore::COMMAND => {
            let mut job: ExploreArgs =
                serde_json::from_value(first.args.clone()).map_err(bad_args)?;
            job.out = out("explore");
            job.format = args.format;
            job.batch = flags.clone();
            (
                crate::explore::merged(&job, &source, &batch, &args.dirs)?,
                job.out,
            )
        }
        crate::sweep::COMMAND => {
            let mut job: SweepArgs =
                serde_json::from_value(first.args.clone()).map_err(bad_args)?;
            job.out = out("sweep");
            job.format = args.format;
            job.batch = flags.clone();
            (crate::sweep::merged(&job, &source, &batch)?, job.out)
        }
        crate::capacity::COMMAND => {
            let mut job: CapacityArgs =
                serde_json::from_value(first.args.clone()).map_err(bad_args)?;
            job.out = out("capacity");
            job.format = args.format;
            job.batch = flags.clone();
            (crate::capacity::merged(&job, &source, &batch)?, job.out)
        }
        crate::map::COMMAND => {
            let mut job: MapArgs = serde_json::from_value(first.args.clone()).map_err(bad_args)?;
            job.out = out("map");
            job.format = args.format;
            job.batch = flags.clone();
            (crate::map::merged(&job, &source, &batch)?, job.out)
        }
        other => {
            return Err(CliError::Usage {
                flag: "merge".to_string(),
                problem: format!("`{other}` is not a command this faultline can merge"),
            })
        }
    };
    keep_journals(&args.dirs, &out, first)?;
    Ok(outcome)
}

/// Copies the shards' journal files and the job into `out/journal/` (unless `out` is one of
/// the shards' own folders), so the merged folder is a whole job's.
fn keep_journals(dirs: &[PathBuf], out: &Path, job: &JobFile) -> Result<(), CliError> {
    let target = out.join(journal::JOURNAL_DIR);
    for dir in dirs {
        let from = dir.join(journal::JOURNAL_DIR);
        if same_folder(&from, &target) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&from) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().expect("a listed file has a name");
            let bytes = std::fs::read(&file).map_err(|source| CliError::Write {
                path: file.clone(),
                source,
            })?;
            crate::output::write_atomic(&target.join(name), &bytes)?;
        }
    }
    job.write(out)
}

/// Whether two paths name the same existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// What differs between two jobs, in words.
fn difference(a: &JobFile, b: &JobFile) -> String {
    if a.command != b.command {
        return format!("`{}` against `{}`", a.command, b.command);
    }
    if a.scenario_text != b.scenario_text {
        return "another scenario text".to_string();
    }
    if a.args != b.args {
        return format!("arguments {} against {}", a.args, b.args);
    }
    "another origin".to_string()
}
