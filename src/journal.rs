//! The journal of a multi-run command: `DIR/journal/`, every finished run kept as it finishes.
//!
//! A multi-run command (compare, sweep, capacity, map, explore) writes two kinds of file here:
//!
//! - `job.json` (`JobFile`): the command, its arguments (those that change what is computed,
//!   not where it goes or how it is shown) and the scenario's text, so that `faultline merge`
//!   can finish the job from the journal alone, without the scenario file.
//! - `shard-I-of-N.K.jsonl`: one line per finished run, appended the moment the run ends:
//!   `{"key", "run": {"variant", "set", "seed"}, "result"}`. Each line goes out in one write
//!   followed by an fsync, so a crash or Ctrl-C loses at most the runs still going; a line
//!   torn by a crash (the last of its file, without its newline) is ignored when read. Files
//!   are never rewritten: a resumed command (`--resume`) reads every file and appends to a
//!   new one (`K` + 1), and each shard writes its own, so shards may even share a folder.
//!
//! A run's key is FNV-1a-64 over (faultline version, what kind of result it holds, the
//! scenario text's hash, variant, `--set`s in order, seed): everything a run is a pure function
//! of (ARCHITECTURE.md, "Determinism"). The same key is the same run, so a journaled result
//! can stand in for running it again. (A build of a changed source tree with the same version
//! number is not told apart: start afresh, without `--resume`, after changing faultline.)
//!
//! Without `--resume` a command starts afresh: its own shard's files (every file, for an
//! unsharded command) are removed first.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::output::write_atomic;
use crate::shard::Shard;

/// The journal's folder inside a command's output folder.
pub const JOURNAL_DIR: &str = "journal";

/// The file naming the job, inside the journal's folder.
pub const JOB_FILE: &str = "job.json";

/// The format of journals this build writes and reads.
pub const JOURNAL_FORMAT: u32 = 1;

/// What a job is: enough to finish it from its journal alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobFile {
    /// `JOURNAL_FORMAT` of the build that wrote it.
    pub journal_format: u32,
    /// faultline version that wrote it.
    pub version: String,
    /// The command (`compare`, `sweep`, ...).
    pub command: String,
    /// The command's arguments that decide what is computed, as JSON.
    pub args: serde_json::Value,
    /// Where the scenario came from (a path or `catalog:NAME`).
    pub origin: String,
    /// The scenario's text, exactly as read.
    pub scenario_text: String,
}

impl JobFile {
    /// Reads `DIR/journal/job.json`.
    pub fn read(dir: &Path) -> Result<JobFile, CliError> {
        let path = dir.join(JOURNAL_DIR).join(JOB_FILE);
        let bad = |problem: String| CliError::Usage {
            flag: "merge".to_string(),
            problem: format!("{}: {problem}", path.display()),
        };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            bad(format!(
                "cannot read it ({e}): is {} the --out folder of a multi-run command?",
                dir.display()
            ))
        })?;
        let job: JobFile =
            serde_json::from_str(&text).map_err(|e| bad(format!("not a job file ({e})")))?;
        if job.journal_format != JOURNAL_FORMAT || job.version != crate::VERSION {
            return Err(bad(format!(
                "written by faultline {} (journal format {}); this is faultline {} (format {}): \
                 merge with the version that ran it",
                job.version,
                job.journal_format,
                crate::VERSION,
                JOURNAL_FORMAT
            )));
        }
        Ok(job)
    }

    /// Writes it as `DIR/journal/job.json` (atomically; shards sharing a folder write the
    /// same bytes).
    pub fn write(&self, dir: &Path) -> Result<(), CliError> {
        let mut text = serde_json::to_string_pretty(self).expect("a job file serializes");
        text.push('\n');
        write_atomic(&dir.join(JOURNAL_DIR).join(JOB_FILE), text.as_bytes())
    }
}

/// Which run a journal line holds, in words a person can check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunId {
    /// The variant (none: the scenario as written).
    pub variant: Option<String>,
    /// The `--set`s, in order.
    pub set: Vec<String>,
    /// The master seed.
    pub seed: u64,
}

/// A result a journal can hold: `KIND` says which kind, so that two commands that run the
/// same (variant, set, seed) but keep different results never read each other's lines.
pub trait Journaled: Serialize + DeserializeOwned + Send {
    /// A short stable name of the result type (`digest`, `explore`).
    const KIND: &'static str;
}

impl Journaled for reports::digest::RunDigest {
    const KIND: &'static str = "digest";
}

/// One line of a journal file.
#[derive(Serialize, Deserialize)]
struct Line<R> {
    key: String,
    run: RunId,
    result: R,
}

/// Only the key of a line, read without its result.
#[derive(Deserialize)]
struct KeyOnly {
    key: String,
}

/// The key of a run: FNV-1a-64 of what the run is a pure function of, as 16 hex digits.
pub fn key(kind: &str, scenario_hash: &str, run: &RunId) -> String {
    let mut text = format!(
        "faultline-run\u{0}{}\u{0}{kind}\u{0}{scenario_hash}\u{0}",
        crate::VERSION
    );
    match &run.variant {
        Some(variant) => text.push_str(variant),
        None => text.push('\u{1}'),
    }
    for set in &run.set {
        text.push('\u{0}');
        text.push_str(set);
    }
    text.push_str(&format!("\u{0}\u{2}{}", run.seed));
    format!("{:016x}", sim_core::rng::fnv1a64(text.as_bytes()))
}

/// The runs read back from journals, and where this process appends its own.
pub struct Journal {
    /// Each journaled run's line, by key (the first line read wins; a run's lines agree).
    lines: BTreeMap<String, String>,
    /// Lines that could not be read (torn by a crash, or damaged).
    skipped: usize,
    /// Where new lines go; None for a journal that is only read (`merge`).
    writer: Option<Mutex<Writer>>,
}

/// This process's journal file, created when the first run finishes.
struct Writer {
    path: PathBuf,
    file: Option<File>,
}

impl Journal {
    /// The journal of a command writing into `out`: afresh (this shard's old files removed)
    /// or, with `resume`, with every run already journaled there read back.
    pub fn open(out: &Path, shard: Shard, resume: bool) -> Result<Journal, CliError> {
        let dir = out.join(JOURNAL_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| CliError::Write {
            path: dir.clone(),
            source,
        })?;
        let prefix = format!("shard-{}-of-{}.", shard.index, shard.count);
        let files = journal_files(&dir)?;
        let mut journal = Journal {
            lines: BTreeMap::new(),
            skipped: 0,
            writer: None,
        };
        let mut attempt = 1;
        for path in &files {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string());
            let name = name.unwrap_or_default();
            let own = name.starts_with(&prefix);
            if own {
                let k = name[prefix.len()..]
                    .trim_end_matches(".jsonl")
                    .parse::<u64>()
                    .unwrap_or(0);
                attempt = attempt.max(k + 1);
            }
            if resume {
                journal.read_file(path)?;
            } else if own || shard.is_whole() {
                std::fs::remove_file(path).map_err(|source| CliError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
        }
        if !resume {
            attempt = 1;
        }
        journal.writer = Some(Mutex::new(Writer {
            path: dir.join(format!("{prefix}{attempt}.jsonl")),
            file: None,
        }));
        Ok(journal)
    }

    /// Every run journaled in the `journal/` folders of `dirs`, to be read only (`merge`).
    pub fn read_only(dirs: &[PathBuf]) -> Result<Journal, CliError> {
        let mut journal = Journal {
            lines: BTreeMap::new(),
            skipped: 0,
            writer: None,
        };
        for dir in dirs {
            for path in journal_files(&dir.join(JOURNAL_DIR))? {
                journal.read_file(&path)?;
            }
        }
        Ok(journal)
    }

    /// Reads every complete line of `path`.
    fn read_file(&mut self, path: &Path) -> Result<(), CliError> {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::Usage {
            flag: "--resume".to_string(),
            problem: format!("{}: cannot read the journal ({e})", path.display()),
        })?;
        let mut lines = text.split('\n').peekable();
        while let Some(line) = lines.next() {
            if lines.peek().is_none() {
                // The text after the last newline: empty, or a line torn by a crash.
                self.skipped += usize::from(!line.is_empty());
                break;
            }
            match serde_json::from_str::<KeyOnly>(line) {
                Ok(only) => {
                    self.lines
                        .entry(only.key)
                        .or_insert_with(|| line.to_string());
                }
                Err(_) => self.skipped += 1,
            }
        }
        Ok(())
    }

    /// How many runs the journal holds.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines that could not be read (a crash tore the last line of a file).
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// The journaled result of the run with `key`, if there is one that reads as an `R`.
    pub fn get<R: Journaled>(&self, key: &str) -> Option<R> {
        let line = self.lines.get(key)?;
        serde_json::from_str::<Line<R>>(line)
            .ok()
            .map(|line| line.result)
    }

    /// Appends a finished run: one line, one write, then an fsync.
    pub fn append<R: Journaled>(&self, key: &str, run: &RunId, result: &R) -> Result<(), CliError> {
        let Some(writer) = &self.writer else {
            return Ok(());
        };
        let mut line = serde_json::to_string(&Line {
            key: key.to_string(),
            run: run.clone(),
            result,
        })
        .expect("a journal line serializes");
        line.push('\n');
        let mut writer = writer.lock().unwrap_or_else(|e| e.into_inner());
        let path = writer.path.clone();
        let fail = |source: std::io::Error| CliError::Write {
            path: path.clone(),
            source,
        };
        if writer.file.is_none() {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(fail)?;
            writer.file = Some(file);
        }
        let file = writer.file.as_mut().expect("opened above");
        file.write_all(line.as_bytes()).map_err(fail)?;
        file.sync_data().map_err(fail)
    }
}

/// The `*.jsonl` files of a journal folder, in name order (none if it does not exist).
fn journal_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(CliError::Write {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Number(u64);

    impl Journaled for Number {
        const KIND: &'static str = "number";
    }

    fn run(seed: u64) -> RunId {
        RunId {
            variant: Some("budget".to_string()),
            set: vec!["duration=10s".to_string()],
            seed,
        }
    }

    #[test]
    fn keys_change_with_everything_a_run_depends_on() {
        let base = key("digest", "00ff", &run(1));
        assert_eq!(base, key("digest", "00ff", &run(1)));
        assert_ne!(base, key("explore", "00ff", &run(1)));
        assert_ne!(base, key("digest", "00fe", &run(1)));
        assert_ne!(base, key("digest", "00ff", &run(2)));
        let plain = RunId {
            variant: None,
            ..run(1)
        };
        assert_ne!(base, key("digest", "00ff", &plain));
        let more = RunId {
            set: vec!["duration=10s".to_string(), "warmup=1s".to_string()],
            ..run(1)
        };
        assert_ne!(base, key("digest", "00ff", &more));
    }

    #[test]
    fn a_resumed_journal_reads_every_complete_line_and_skips_a_torn_one() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path(), Shard::WHOLE, false).unwrap();
        for seed in 1..=3 {
            let k = key(Number::KIND, "ab", &run(seed));
            journal.append(&k, &run(seed), &Number(seed * 10)).unwrap();
        }
        drop(journal);
        // A crash in the middle of a fourth line.
        let file = dir.path().join(JOURNAL_DIR).join("shard-0-of-1.1.jsonl");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("{\"key\":\"0123");
        std::fs::write(&file, text).unwrap();

        let resumed = Journal::open(dir.path(), Shard::WHOLE, true).unwrap();
        assert_eq!(resumed.len(), 3);
        assert_eq!(resumed.skipped(), 1);
        let k = key(Number::KIND, "ab", &run(2));
        assert_eq!(resumed.get::<Number>(&k), Some(Number(20)));
        let k4 = key(Number::KIND, "ab", &run(4));
        resumed.append(&k4, &run(4), &Number(40)).unwrap();
        // The resumed command appends to a new file and never touches the torn one.
        assert!(dir
            .path()
            .join(JOURNAL_DIR)
            .join("shard-0-of-1.2.jsonl")
            .exists());
        drop(resumed);

        let fresh = Journal::open(dir.path(), Shard::WHOLE, false).unwrap();
        assert!(fresh.is_empty());
        assert!(journal_files(&dir.path().join(JOURNAL_DIR))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_fresh_shard_removes_only_its_own_files() {
        let dir = tempfile::tempdir().unwrap();
        for index in 0..2 {
            let shard = Shard { index, count: 2 };
            let journal = Journal::open(dir.path(), shard, false).unwrap();
            let k = key(Number::KIND, "ab", &run(index));
            journal.append(&k, &run(index), &Number(index)).unwrap();
        }
        let again = Journal::open(dir.path(), Shard { index: 1, count: 2 }, false).unwrap();
        drop(again);
        let all = Journal::read_only(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(all.len(), 1, "shard 0's run stays, shard 1's is gone");
    }
}
