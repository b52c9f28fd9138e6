//! Progress of one long run on a terminal: simulated time reached and events per second.
//!
//! `faultline run` shows it when standard error is a terminal (never in a pipe, a log or a
//! test), after the first million events, so a short run prints nothing. It watches the run
//! through `models::run_observed`, which only reads events: the run's results are the same
//! with or without it. The wall clock here only paces the display.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use sim_core::{SimDuration, SimTime};

/// Events between two looks at the clock (a power of two: a mask, not a division).
const EVENTS_PER_LOOK: u64 = 1 << 16;

/// Events before the bar appears: shorter runs finish before anyone waits.
const EVENTS_BEFORE_SHOWN: u64 = 1 << 20;

/// The progress display of one run.
pub struct RunWatch {
    duration: SimDuration,
    events: u64,
    bar: Option<ProgressBar>,
    started: std::time::Instant,
}

impl RunWatch {
    /// A watch for a run of `duration` if standard error is a terminal, else None.
    pub fn on_terminal(duration: SimDuration) -> Option<RunWatch> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        #[allow(clippy::disallowed_methods)] // Shown to a person, never part of a result.
        let started = std::time::Instant::now();
        Some(RunWatch {
            duration,
            events: 0,
            bar: None,
            started,
        })
    }

    /// Notes one processed event at simulated time `at`.
    #[inline]
    pub fn event(&mut self, at: SimTime) {
        self.events += 1;
        if self.events & (EVENTS_PER_LOOK - 1) == 0 && self.events >= EVENTS_BEFORE_SHOWN {
            self.show(at);
        }
    }

    fn show(&mut self, at: SimTime) {
        let total_ms = self.duration.as_nanos() / 1_000_000;
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total_ms.max(1));
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        let at_ms = at.as_nanos() / 1_000_000;
        bar.set_position(at_ms.min(total_ms));
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            self.events as f64 / seconds
        } else {
            0.0
        };
        let phase = if at_ms > total_ms { ", draining" } else { "" };
        bar.set_message(format!(
            "simulated {:.1}s of {:.1}s{phase}, {:.2}M events/s",
            at_ms as f64 / 1000.0,
            total_ms as f64 / 1000.0,
            rate / 1e6
        ));
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_waits_for_a_million_events_then_follows_simulated_time() {
        #[allow(clippy::disallowed_methods)] // The test builds a watch as a terminal would.
        let started = std::time::Instant::now();
        let mut watch = RunWatch {
            duration: SimDuration::from_secs(10),
            events: 0,
            bar: None,
            started,
        };
        for i in 0..EVENTS_BEFORE_SHOWN - 1 {
            watch.event(SimTime::from_nanos(i));
        }
        assert!(watch.bar.is_none(), "a short run shows nothing");
        watch.event(SimTime::from_nanos(4_000_000_000));
        let bar = watch.bar.as_ref().expect("shown after a million events");
        assert_eq!(bar.position(), 4_000);
        assert!(bar.message().starts_with("simulated 4.0s of 10.0s, "));
        watch.finish();
    }
}
