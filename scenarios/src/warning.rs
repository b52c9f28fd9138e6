//! `ScenarioWarning`: what a valid scenario says but probably does not mean, as data.
//!
//! A warning never refuses a scenario and never changes an exit code. `validate` decides
//! when one applies and `Scenario::warnings` carries them; the CLI prints them (`run` and
//! `compare` on standard error, so standard output stays clean for `--format json`;
//! `validate` in its report). Each names its origin as a `ScenarioError` does, the JSON path
//! of what it concerns, and the fix, in the sentence `Display` gives.
//!
//! The warm-up (issue #13): everything measured starts after `warmup`, so a fault inside it
//! is partly or wholly invisible in the results though the run simulates it.

use std::fmt;

use sim_core::SimDuration;

/// A warning about a scenario as parsed (after its variant and `--set`s).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScenarioWarning {
    /// File path or `catalog:NAME`, with the variant and `--set`s applied noted as in
    /// errors (`f.json (variant slow, --set warmup=30s)`).
    pub origin: String,
    /// What it is about; equal concerns from two variants are the same warning.
    pub concern: Concern,
}

/// What a warning is about (ordered, so a long list of them can be deduplicated quickly).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Concern {
    /// Occurs when an entry of `faults` starts inside the warm-up: all of it or its first
    /// part is simulated but never measured. One per entry, so a `"zone:NAME"` target that
    /// becomes several faults is named once.
    FaultInWarmup {
        /// Its index in the file's `faults`.
        index: usize,
        /// Its `kind`, as written (`crash`).
        kind: String,
        /// What it hits, as written: its `target` or `client`, a partition's `groups`
        /// (`[api] | [db]`) or a flapping link's `between` (`api and db`).
        target: String,
        /// When it acts.
        window: Window,
        /// The scenario's warm-up.
        warmup: SimDuration,
    },
    /// Occurs when `random_faults` may draw a fault that starts inside the warm-up. One per
    /// scenario, whatever the seed draws.
    RandomFaultsInWarmup {
        /// The earliest start it draws (`random_faults.start[0]`).
        start_min: SimDuration,
        /// The latest start it draws (`random_faults.start[1]`, or the run's duration).
        start_max: SimDuration,
        /// How many faults each seed draws.
        count: u32,
        /// The scenario's warm-up.
        warmup: SimDuration,
    },
    /// Occurs when a service's `deploy` starts inside the warm-up: the first of its
    /// exposure (and perhaps its alert and rollback) is never measured.
    DeployInWarmup {
        /// Its service's index in the file's `services`.
        index: usize,
        /// Its service's name.
        service: String,
        /// When it starts.
        at: SimDuration,
        /// The scenario's warm-up.
        warmup: SimDuration,
    },
}

/// When a fault acts, from the start of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Window {
    /// From `start` until `end` (`at` and `for`).
    Between {
        /// When it starts.
        start: SimDuration,
        /// When it ends.
        end: SimDuration,
    },
    /// From `start` to the end of the run (`at` without `for`).
    From {
        /// When it starts.
        start: SimDuration,
    },
    /// A change at one instant that lasts (`clock_jump`, `drift_change`, `replica_loss`).
    At {
        /// When it happens.
        start: SimDuration,
    },
}

impl Window {
    /// When the fault starts.
    pub fn start(self) -> SimDuration {
        match self {
            Window::Between { start, .. } | Window::From { start } | Window::At { start } => start,
        }
    }
}

impl fmt::Display for ScenarioWarning {
    /// `ORIGIN: SENTENCE`, the shape of a `ScenarioError`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.concern)
    }
}

impl fmt::Display for Concern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concern::FaultInWarmup {
                index,
                kind,
                target,
                window,
                warmup,
            } => {
                let start = window.start();
                let unmeasured = warmup.saturating_sub(start);
                write!(f, "faults[{index}] ({kind} {target}, ")?;
                match window {
                    Window::Between { start, end } if end <= warmup => write!(
                        f,
                        "{start}–{end}) lies wholly inside the warm-up (the first {warmup}), so it is never measured"
                    )?,
                    Window::Between { start, end } => write!(
                        f,
                        "{start}–{end}) starts inside the warm-up (the first {warmup}): its first {unmeasured} fall inside the warm-up and are not measured"
                    )?,
                    Window::From { start } => write!(
                        f,
                        "from {start} to the end of the run) starts inside the warm-up (the first {warmup}): its first {unmeasured} fall inside the warm-up and are not measured"
                    )?,
                    Window::At { start } => write!(
                        f,
                        "at {start}) happens inside the warm-up (the first {warmup}): the change itself is never measured, only what remains of it after {warmup}"
                    )?,
                }
                write!(
                    f,
                    "; move it after the warm-up (`at` of {warmup} or later) or shorten the warm-up with --set warmup={start}"
                )
            }
            Concern::RandomFaultsInWarmup {
                start_min,
                start_max,
                count,
                warmup,
            } => {
                let faults = if *count == 1 { "fault" } else { "faults" };
                if start_max < warmup {
                    write!(
                        f,
                        "random_faults.start ({start_min} to {start_max}) lies inside the warm-up (the first {warmup}): the {count} {faults} each seed draws start there, partly or wholly unmeasured"
                    )?;
                } else {
                    write!(
                        f,
                        "random_faults.start ({start_min} to {start_max}) begins inside the warm-up (the first {warmup}): some of the {count} {faults} a seed draws start there, partly or wholly unmeasured"
                    )?;
                }
                let end = (*start_max).max(*warmup);
                write!(
                    f,
                    "; draw starts after it with --set 'random_faults.start=[\"{warmup}\",\"{end}\"]' or shorten the warm-up with --set warmup={start_min}"
                )
            }
            Concern::DeployInWarmup {
                index,
                service,
                at,
                warmup,
            } => write!(
                f,
                "services[{index}] ({service}).deploy starts at {at}, inside the warm-up (the first {warmup}): what the new version serves before {warmup} is not counted; start it later with --set 'services.{service}.deploy.at=\"{warmup}\"' or shorten the warm-up with --set warmup={at}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(window: Window) -> String {
        Concern::FaultInWarmup {
            index: 2,
            kind: "crash".to_string(),
            target: "db[0]".to_string(),
            window,
            warmup: SimDuration::from_secs(10),
        }
        .to_string()
    }

    #[test]
    fn sentences_name_the_fault_its_window_the_warmup_and_the_fix() {
        let s = SimDuration::from_secs;
        assert_eq!(
            fault(Window::Between { start: s(2), end: s(8) }),
            "faults[2] (crash db[0], 2s–8s) lies wholly inside the warm-up (the first 10s), so it is never measured; move it after the warm-up (`at` of 10s or later) or shorten the warm-up with --set warmup=2s"
        );
        assert_eq!(
            fault(Window::Between { start: s(5), end: s(25) }),
            "faults[2] (crash db[0], 5s–25s) starts inside the warm-up (the first 10s): its first 5s fall inside the warm-up and are not measured; move it after the warm-up (`at` of 10s or later) or shorten the warm-up with --set warmup=5s"
        );
        assert!(fault(Window::From { start: s(4) })
            .starts_with("faults[2] (crash db[0], from 4s to the end of the run) starts inside the warm-up (the first 10s): its first 6s fall"));
        assert!(fault(Window::At { start: s(4) })
            .starts_with("faults[2] (crash db[0], at 4s) happens inside the warm-up (the first 10s): the change itself is never measured"));
        let random = Concern::RandomFaultsInWarmup {
            start_min: SimDuration::ZERO,
            start_max: s(120),
            count: 3,
            warmup: s(10),
        };
        assert_eq!(
            random.to_string(),
            "random_faults.start (0s to 120s) begins inside the warm-up (the first 10s): some of the 3 faults a seed draws start there, partly or wholly unmeasured; draw starts after it with --set 'random_faults.start=[\"10s\",\"120s\"]' or shorten the warm-up with --set warmup=0s"
        );
    }
}
