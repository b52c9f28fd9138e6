//! Progress of a multi-run command on standard error: a bar with an ETA on a terminal, one
//! line per tenth of the work otherwise (CI logs, batch engines, `2> log`).
//!
//! Standard output stays the command's result (`--format json` parses), so progress only
//! ever goes to standard error, and `--quiet` silences it. The total may grow while the
//! command runs (`compare --precision` adds seeds, `capacity` adds bisection steps); runs
//! read back from a journal (`--resume`) count as done at once.
//!
//! Wall-clock time is read here and only here: it is shown to a person and never reaches a
//! result.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

/// Where progress goes.
enum Sink {
    /// Nothing is shown (`--quiet`).
    Hidden,
    /// An indicatif bar on a terminal.
    Bar(ProgressBar),
    /// Lines on a standard error that is not a terminal.
    Log(Mutex<LogState>),
}

/// What the line log remembers between updates.
struct LogState {
    done: u64,
    total: u64,
    /// The last tenth reported (0 = none yet).
    tenth: u64,
    started: std::time::Instant,
}

/// The progress of one command: `what` names it in the log (`sweep`), `unit` its units (`runs`).
pub struct Progress {
    sink: Sink,
    what: String,
    unit: &'static str,
}

impl Progress {
    /// A progress display for `total` units of work; hidden when `quiet`.
    pub fn new(quiet: bool, what: &str, unit: &'static str, total: u64) -> Progress {
        let sink = if quiet {
            Sink::Hidden
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            let template = format!("{{bar:40}} {{pos}}/{{len}} {unit}, {{eta}} left");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            Sink::Bar(bar)
        } else {
            #[allow(clippy::disallowed_methods)] // Shown to a person, never part of a result.
            let started = std::time::Instant::now();
            Sink::Log(Mutex::new(LogState {
                done: 0,
                total,
                tenth: 0,
                started,
            }))
        };
        Progress {
            sink,
            what: what.to_string(),
            unit,
        }
    }

    /// Adds `more` units to the total.
    pub fn grow(&self, more: u64) {
        match &self.sink {
            Sink::Hidden => {}
            Sink::Bar(bar) => bar.inc_length(more),
            Sink::Log(state) => {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                state.total += more;
                // A grown total moves the tenths: report the next one from where we are.
                state.tenth = tenth(state.done, state.total);
            }
        }
    }

    /// Marks `n` units done.
    pub fn advance(&self, n: u64) {
        match &self.sink {
            Sink::Hidden => {}
            Sink::Bar(bar) => bar.inc(n),
            Sink::Log(state) => {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                state.done += n;
                let now = tenth(state.done, state.total);
                if now > state.tenth {
                    state.tenth = now;
                    eprintln!("{}", self.line(&state));
                }
            }
        }
    }

    /// Clears the bar (the log needs no clearing).
    pub fn finish(&self) {
        if let Sink::Bar(bar) = &self.sink {
            bar.finish_and_clear();
        }
    }

    /// `sweep: 30% (300/1000 runs), 12s elapsed, about 28s left`.
    fn line(&self, state: &LogState) -> String {
        let elapsed = state.started.elapsed().as_secs_f64();
        let left = if state.done > 0 && state.total > state.done {
            let rate = elapsed / state.done as f64;
            format!(
                ", about {} left",
                seconds((state.total - state.done) as f64 * rate)
            )
        } else {
            String::new()
        };
        format!(
            "{}: {}% ({}/{} {}), {} elapsed{left}",
            self.what,
            state.done * 100 / state.total.max(1),
            state.done,
            state.total,
            self.unit,
            seconds(elapsed)
        )
    }
}

/// Which tenth of `total` `done` has reached (0..=10).
fn tenth(done: u64, total: u64) -> u64 {
    if total == 0 {
        return 0;
    }
    (u128::from(done.min(total)) * 10 / u128::from(total)) as u64
}

/// Seconds in words: `42s`, `3m05s`, `2h10m`.
fn seconds(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_reported_once_each() {
        assert_eq!(tenth(0, 10), 0);
        assert_eq!(tenth(1, 10), 1);
        assert_eq!(tenth(19, 200), 0);
        assert_eq!(tenth(20, 200), 1);
        assert_eq!(tenth(200, 200), 10);
        assert_eq!(tenth(5, 0), 0);
        assert_eq!(tenth(u64::MAX, u64::MAX), 10);
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(seconds(4.4), "4s");
        assert_eq!(seconds(185.0), "3m05s");
        assert_eq!(seconds(7800.0), "2h10m");
    }
}
