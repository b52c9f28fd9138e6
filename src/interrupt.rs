//! Stopping early and cleanly: Ctrl-C (SIGINT) or SIGTERM during a multi-run command, and
//! the `--max-wall` watchdog of every command that runs a simulation.
//!
//! A signal only raises a flag (`Stop`): `batch` starts no run after it, lets the runs in
//! flight finish (each is journaled as it ends), and the command stops with
//! `CliError::Interrupted`, which names the journal and the command that resumes
//! (`resume_command`) and exits 128 + the signal's number (130 for SIGINT, the shell's
//! convention). A small thread says on standard error, once, that the stop was heard. A
//! second signal ends the process at once (signal-hook's conditional shutdown), for a user
//! who will not wait for the runs in flight; what is journaled stays journaled. A single `run` installs no handler: Ctrl-C ends it as it would any program.
//!
//! `--max-wall` is a watchdog thread that sleeps for the limit and then ends the process
//! with exit 3. It reads no clock and touches no run, so it can only decide whether a
//! command stops, never change a number. Before it ends the process it waits for the
//! writes in progress (`critical`: a journal line, a report being published) to finish, so
//! a folder is never left half written by it.
//!
//! What this module deliberately does not do: abandon a run mid-way on the first signal
//! (the engine has no hook for it, and a run's own guards bound how long it can take).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use crate::error::CliError;

pub use crate::error::EXIT_INTERRUPTED;

/// A request to stop starting runs: raised by a signal (`Stop::signals`) or by a test.
#[derive(Clone, Debug)]
pub struct Stop {
    /// True once a stop was asked for.
    asked: Arc<AtomicBool>,
    /// The number of the last signal that asked (0 before any).
    signal: Arc<AtomicUsize>,
}

impl Stop {
    /// A stop that nothing raises but `request` (a library caller's, a test's).
    pub fn new() -> Stop {
        Stop {
            asked: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The process's stop, raised by SIGINT and SIGTERM; installs the handlers the first
    /// time (if they cannot be installed, a signal ends the process as it would anyway).
    pub fn signals() -> Stop {
        static SIGNALS: OnceLock<Stop> = OnceLock::new();
        SIGNALS
            .get_or_init(|| {
                let stop = Stop::new();
                install(&stop);
                stop
            })
            .clone()
    }

    /// Asks to stop, as signal number `signal` would.
    pub fn request(&self, signal: i32) {
        self.signal
            .store(usize::try_from(signal).unwrap_or(0), Ordering::SeqCst);
        self.asked.store(true, Ordering::SeqCst);
    }

    /// The signal that asked to stop, if one did (0 for a request without a number).
    pub fn requested(&self) -> Option<i32> {
        if !self.asked.load(Ordering::SeqCst) {
            return None;
        }
        Some(i32::try_from(self.signal.load(Ordering::SeqCst)).unwrap_or(0))
    }
}

impl Default for Stop {
    fn default() -> Stop {
        Stop::new()
    }
}

/// Registers SIGINT and SIGTERM: the first raises `stop`, the second ends the process.
#[cfg(unix)]
fn install(stop: &Stop) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for signal in [SIGINT, SIGTERM] {
        // The shutdown goes first, so it sees the flag as the previous signal left it: it
        // ends the process only when a stop was already asked for.
        let _ = flag::register_conditional_shutdown(signal, 128 + signal, Arc::clone(&stop.asked));
        let _ = flag::register_usize(signal, Arc::clone(&stop.signal), signal as usize);
        let _ = flag::register(signal, Arc::clone(&stop.asked));
    }
    // A signal handler may not print; this thread says, once, that the stop was heard, since
    // the runs in flight may take a while. It reads no clock: it only naps between looks.
    let asked = Arc::clone(&stop.asked);
    let _ = std::thread::Builder::new()
        .name("stop-notice".to_string())
        .spawn(move || {
            while !asked.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
            }
            eprintln!(
                "faultline: stopping: no new runs; finishing the runs in flight (press Ctrl-C \
                 again to stop at once; every finished run is journaled)"
            );
        });
}

/// Elsewhere a signal ends the process as it always did.
#[cfg(not(unix))]
fn install(_stop: &Stop) {}

/// The command line this process was started with, `--resume` added if it is missing, as a
/// shell would read it: what continues an interrupted multi-run command.
pub fn resume_command() -> String {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    if !words.iter().any(|w| w == "--resume") {
        words.push("--resume".to_string());
    }
    let mut line = "faultline".to_string();
    for word in &words {
        line.push(' ');
        line.push_str(&quote(word));
    }
    line
}

/// `word` quoted for a POSIX shell when it needs it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Writes that must not be cut short by the watchdog (several may run at once).
static WRITING: RwLock<()> = RwLock::new(());

/// Runs `write` (a journal line, a report's publication) so that the `--max-wall` watchdog
/// waits for it to finish before it ends the process.
pub fn critical<T>(write: impl FnOnce() -> T) -> T {
    let _guard = WRITING.read().unwrap_or_else(|e| e.into_inner());
    write()
}

/// The journal of the multi-run command in progress, for the watchdog's message.
static JOURNAL: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Runs finished (run or read back) by the multi-run command in progress.
static FINISHED: AtomicU64 = AtomicU64::new(0);

/// Notes that a multi-run command journals into `journal` (the watchdog names it).
pub fn note_journal(journal: PathBuf) {
    *JOURNAL.lock().unwrap_or_else(|e| e.into_inner()) = Some(journal);
}

/// Notes that one more run of the command has finished.
pub fn note_finished() {
    FINISHED.fetch_add(1, Ordering::Relaxed);
}

/// `--max-wall DURATION`: the limit, checked when the command starts.
pub fn parse_wall(text: &str) -> Result<Duration, CliError> {
    let usage = |problem: String| CliError::Usage {
        flag: "--max-wall".to_string(),
        problem,
    };
    let duration = sim_core::SimDuration::parse(text).map_err(|e| {
        usage(format!(
            "{text:?} is not a duration ({e}): write a number and a unit, e.g. 30s, 10m, 2h"
        ))
    })?;
    if duration == sim_core::SimDuration::ZERO {
        return Err(usage(
            "must be longer than 0s (leave it out for no limit)".to_string(),
        ));
    }
    Ok(Duration::from_nanos(duration.as_nanos()))
}

/// Starts the `--max-wall` watchdog: after `limit` of wall time (`text` as the user wrote
/// it) it prints why and ends the process with exit 3, once no write is in progress.
pub fn watch_wall(limit: Duration, text: &str) -> Result<(), CliError> {
    let text = text.to_string();
    // A thread of the CLI's own, outside every run: it sleeps, and reads no clock.
    #[allow(clippy::disallowed_methods)]
    let spawned = std::thread::Builder::new()
        .name("max-wall".to_string())
        .spawn(move || {
            std::thread::sleep(limit);
            let _writes_done = WRITING.write().unwrap_or_else(|e| e.into_inner());
            eprintln!("{}", wall_message(&text));
            std::process::exit(3);
        });
    spawned.map(|_| ()).map_err(|e| CliError::Usage {
        flag: "--max-wall".to_string(),
        problem: format!("cannot start its watchdog thread: {e}"),
    })
}

/// What the watchdog prints when the limit passes.
fn wall_message(text: &str) -> String {
    let mut message = format!(
        "error: stopped: the command ran longer than --max-wall {text} of wall time (the limit \
         only stops a command, it never changes a result); raise it (e.g. --max-wall {}) or \
         leave it out",
        doubled(text)
    );
    let journal = JOURNAL.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(journal) = journal {
        message.push_str(&format!(
            "\n  {} run(s) finished and are journaled in {}; no report was written; continue \
             with: {}",
            FINISHED.load(Ordering::Relaxed),
            journal.display(),
            resume_command()
        ));
    }
    message
}

/// Twice the duration `text`, written as a duration (the hint of a raised limit).
fn doubled(text: &str) -> String {
    match sim_core::SimDuration::parse(text) {
        Ok(duration) => {
            sim_core::SimDuration::from_nanos(duration.as_nanos().saturating_mul(2)).to_string()
        }
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_is_raised_only_when_requested() {
        let stop = Stop::new();
        assert_eq!(stop.requested(), None);
        let copy = stop.clone();
        copy.request(2);
        assert_eq!(stop.requested(), Some(2));
        assert_eq!(crate::error::signal_exit_code(2), 130);
        assert_eq!(crate::error::signal_exit_code(15), 143);
        assert_eq!(crate::error::signal_exit_code(0), EXIT_INTERRUPTED);
    }

    #[test]
    fn words_are_quoted_for_a_shell_only_when_they_need_it() {
        assert_eq!(quote("--set"), "--set");
        assert_eq!(quote("duration=100s"), "duration=100s");
        assert_eq!(
            quote(r#"random_faults={"count":3}"#),
            r#"'random_faults={"count":3}'"#
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn a_wall_limit_is_a_positive_duration() {
        assert_eq!(parse_wall("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_wall("1m30s").unwrap(), Duration::from_secs(90));
        let zero = parse_wall("0s").unwrap_err().to_string();
        assert!(
            zero.starts_with("--max-wall: must be longer than 0s"),
            "{zero}"
        );
        let word = parse_wall("soon").unwrap_err().to_string();
        assert!(word.contains("is not a duration"), "{word}");
        assert_eq!(
            doubled("90s"),
            sim_core::SimDuration::from_nanos(180_000_000_000).to_string()
        );
    }
}
