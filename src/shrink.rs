//! `faultline shrink`: the smallest fault schedule that still makes a record fail.
//!
//! The record's whole schedule (its scheduled faults and any it drew from the seed) is
//! written out explicitly (`explore::schedule`) and then cut down, one deterministic run per
//! trial on the record's own seed:
//!
//! 1. **Which faults**: delta debugging over the list (ddmin, Zeller & Hildebrandt 2002,
//!    "Simplifying and Isolating Failure-Inducing Input"), which ends with a 1-minimal set:
//!    removing any one remaining fault makes the failure go away. Candidate subsets are
//!    tried `BATCH` at a time in parallel and the first failing one in ddmin's order wins,
//!    so the result is the sequential algorithm's.
//! 2. **Shorter windows**: for each remaining fault in order, bisection moves its start
//!    later, then its end earlier (to the millisecond), while the failure reproduces.
//! 3. **Weaker magnitudes**: bisection moves a slowdown or load factor toward 1, an error or
//!    garbage fraction, an added latency, a flap's down time, a clock step or a drift toward
//!    0, while the failure reproduces.
//!
//! Faults of a lease election or a database (which are not the world's) take part in step 1
//! as they are written in the scenario, and are kept unchanged after it.
//!
//! "The failure reproduces" means at least one of the violations of the recorded run (by
//! key: the same SLO of the same client, see `explore::check`) still occurs; other SLOs may
//! come and go. The minimal record is an ordinary record (default `RECORD.min.json`) with
//! the schedule as `--set random_faults=null --set faults=[...]`; the command prints what
//! remains and exits 0.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use models::{Fault, FaultKind};
use rayon::prelude::*;
use serde_json::Value;
use sim_core::{Probability, SimDuration, SimTime};

use crate::error::CliError;
use crate::explore::check::{self, Violation};
use crate::explore::schedule::{self, Names};
use crate::output::write_atomic;
use crate::record::Record;
use crate::simulate::{load_options, simulate, Outcome, Simulated};

/// Candidate subsets ddmin tries at once. A constant, not the core count, so that the runs
/// made (and reported) never depend on the machine.
const BATCH: usize = 4;

/// Bisection steps per window edge and per magnitude (a window of 30s ends within 30ms).
const STEPS: u32 = 10;

/// One millisecond: windows and durations are shortened in whole milliseconds.
const MILLISECOND: u64 = 1_000_000;

/// `faultline shrink RECORD [--out FILE]`.
pub fn shrink(path: &Path, out: Option<&Path>) -> Result<Outcome, CliError> {
    let record = Record::read(path)?;
    let out = out.map_or_else(|| minimal_path(path), Path::to_path_buf);
    let origin = crate::input::record_origin(&record.origin, path);
    let options = load_options(record.variant.as_deref(), &record.overrides)?;
    let scenario = scenarios::parse(&record.scenario_text, &origin, &options)?;
    let faults = models::with_random_faults(&scenario.world, record.seed).faults;
    let trial = Trial {
        text: &record.scenario_text,
        origin: &origin,
        variant: record.variant.as_deref(),
        base: record
            .overrides
            .iter()
            .filter(|set| !schedule::touches_schedule(set))
            .cloned()
            .collect(),
        seed: record.seed,
        names: Names::of(&scenario.world),
        keys: BTreeSet::new(),
        foreign: {
            let mut foreign = foreign_faults(&record, &origin, &options)?;
            let drawn = models::draw_random_faults(&scenario.world, record.seed);
            foreign.extend(schedule::drawn_foreign(&scenario.world, &drawn));
            foreign
        },
        runs: AtomicU64::new(0),
    };
    let original = simulate(
        trial.text,
        trial.origin,
        trial.variant,
        &record.overrides,
        trial.seed,
    )?;
    let violations = check::check(&original);
    if violations.is_empty() {
        return Err(CliError::Record {
            path: path.to_path_buf(),
            problem: format!(
                "its run (seed {}) meets every SLO: there is no failure to shrink",
                record.seed
            ),
        });
    }
    let trial = Trial {
        keys: violations.iter().map(Violation::key).collect(),
        ..trial
    };
    if !trial.fails(&faults)? {
        return Err(CliError::Record {
            path: path.to_path_buf(),
            problem: "its failure does not reproduce with its fault schedule written out (a bug in faultline: please report it)".to_string(),
        });
    }

    let end = SimTime::ZERO.add(scenario.world.duration);
    // ddmin runs over the world's faults (indices 0..W) and the foreign ones (W..).
    let world_count = faults.len();
    let split_subset = |subset: &[usize]| {
        let world: Vec<Fault> = subset
            .iter()
            .filter(|&&i| i < world_count)
            .map(|&i| faults[i].clone())
            .collect();
        let foreign: Vec<Value> = subset
            .iter()
            .filter(|&&i| i >= world_count)
            .map(|&i| trial.foreign[i - world_count].clone())
            .collect();
        (world, foreign)
    };
    let chosen = if trial.fails_with(&[], &[])? {
        Vec::new()
    } else {
        ddmin(world_count + trial.foreign.len(), |subset| {
            let (world, foreign) = split_subset(subset);
            trial.fails_with(&world, &foreign)
        })?
    };
    let kept: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| i < world_count)
        .collect();
    let foreign_kept = split_subset(&chosen).1;
    let foreign_all = trial.foreign.clone();
    let trial = Trial {
        foreign: foreign_kept.clone(),
        keys: trial.keys.clone(),
        base: trial.base.clone(),
        names: trial.names.clone(),
        runs: AtomicU64::new(trial.runs()),
        ..trial
    };
    let after_ddmin = trial.runs();
    let mut minimal: Vec<Fault> = kept.iter().map(|&i| faults[i].clone()).collect();
    let mut notes = Vec::with_capacity(minimal.len());
    for index in 0..minimal.len() {
        notes.push(refine(&trial, &mut minimal, index, end)?);
    }

    let overrides = trial.overrides(&minimal);
    let last = simulate(
        trial.text,
        trial.origin,
        trial.variant,
        &overrides,
        trial.seed,
    )?;
    let minimal_record = Record::new(
        trial.text,
        &record.origin,
        trial.variant,
        &overrides,
        trial.seed,
        &last,
    );
    write_atomic(&out, minimal_record.to_json().as_bytes())?;

    let explanation = Explanation {
        record: &record,
        path,
        out: &out,
        original: &original,
        violations: &violations,
        faults: &faults,
        kept: &kept,
        foreign: (&foreign_all, &foreign_kept),
        minimal: &minimal,
        notes: &notes,
        last: &last,
        runs: (after_ddmin, trial.runs()),
        names: &trial.names,
    };
    Ok(Outcome {
        stdout: explanation.render(),
        exit_code: 0,
    })
}

/// Delta debugging (ddmin) over `0..count`: a 1-minimal subset for which `fails` holds,
/// assuming it holds for the whole set and not for the empty one.
///
/// Subsets and complements are tried `BATCH` at a time in parallel; the first failing one
/// in the sequential order is taken, so the result is the sequential algorithm's.
pub fn ddmin<F>(count: usize, fails: F) -> Result<Vec<usize>, CliError>
where
    F: Fn(&[usize]) -> Result<bool, CliError> + Sync,
{
    let cache = Mutex::new(BTreeMap::<Vec<usize>, bool>::new());
    let test = |subset: &Vec<usize>| -> Result<bool, CliError> {
        if let Some(&known) = cache.lock().expect("no panic holds the cache").get(subset) {
            return Ok(known);
        }
        let result = fails(subset)?;
        cache
            .lock()
            .expect("no panic holds the cache")
            .insert(subset.clone(), result);
        Ok(result)
    };
    let first_failing = |candidates: &[Vec<usize>]| -> Result<Option<usize>, CliError> {
        for (batch, chunk) in candidates.chunks(BATCH).enumerate() {
            let results: Vec<Result<bool, CliError>> = chunk.par_iter().map(test).collect();
            for (offset, result) in results.into_iter().enumerate() {
                if result? {
                    return Ok(Some(batch * BATCH + offset));
                }
            }
        }
        Ok(None)
    };
    let mut current: Vec<usize> = (0..count).collect();
    let mut granularity = 2;
    // Each round either shrinks `current` or doubles the granularity up to its length, so
    // the loop ends within about count · log2(count) rounds.
    while current.len() >= 2 {
        let parts = split(&current, granularity);
        if let Some(index) = first_failing(&parts)? {
            current = parts[index].clone();
            granularity = 2;
            continue;
        }
        if granularity > 2 {
            let complements: Vec<Vec<usize>> = parts
                .iter()
                .map(|part| {
                    current
                        .iter()
                        .copied()
                        .filter(|i| !part.contains(i))
                        .collect()
                })
                .collect();
            if let Some(index) = first_failing(&complements)? {
                current = complements[index].clone();
                granularity = (granularity - 1).max(2);
                continue;
            }
        }
        if granularity >= current.len() {
            break;
        }
        granularity = (granularity * 2).min(current.len());
    }
    Ok(current)
}

/// `items` in `parts` contiguous pieces of nearly equal size.
fn split(items: &[usize], parts: usize) -> Vec<Vec<usize>> {
    let mut pieces = Vec::with_capacity(parts);
    let mut start = 0;
    for part in 0..parts {
        let end = start + (items.len() - start) / (parts - part);
        pieces.push(items[start..end].to_vec());
        start = end;
    }
    pieces
}

/// Trial runs of the record's scenario and seed with a given schedule.
struct Trial<'a> {
    text: &'a str,
    origin: &'a str,
    variant: Option<&'a str>,
    /// The record's overrides, without those the explicit schedule supersedes.
    base: Vec<String>,
    seed: u64,
    names: Names,
    /// The keys of the recorded run's violations.
    keys: BTreeSet<String>,
    /// Faults of the election or the database (not the world's), as scenario JSON; they
    /// take part in ddmin and are then kept as they are.
    foreign: Vec<Value>,
    /// Trial runs made so far.
    runs: AtomicU64,
}

impl Trial<'_> {
    /// The overrides that run exactly `faults` plus the foreign faults `foreign`.
    fn overrides_with(&self, faults: &[Fault], foreign: &[Value]) -> Vec<String> {
        let mut set = self.base.clone();
        let [random, listed] = schedule::explicit_overrides(faults, &self.names);
        set.push(random);
        if foreign.is_empty() {
            set.push(listed);
        } else {
            let mut list: Vec<Value> = faults
                .iter()
                .map(|f| schedule::to_json(f, &self.names))
                .collect();
            list.extend(foreign.iter().cloned());
            set.push(format!("faults={}", Value::Array(list)));
        }
        set
    }

    /// The overrides that run exactly `faults` (plus this trial's foreign faults).
    fn overrides(&self, faults: &[Fault]) -> Vec<String> {
        self.overrides_with(faults, &self.foreign)
    }

    /// Whether the recorded failure reproduces with exactly `faults`.
    fn fails(&self, faults: &[Fault]) -> Result<bool, CliError> {
        self.fails_with(faults, &self.foreign)
    }

    /// Whether the recorded failure reproduces with exactly `faults` and `foreign`.
    fn fails_with(&self, faults: &[Fault], foreign: &[Value]) -> Result<bool, CliError> {
        self.runs.fetch_add(1, Ordering::Relaxed);
        let violations = match simulate(
            self.text,
            self.origin,
            self.variant,
            &self.overrides_with(faults, foreign),
            self.seed,
        ) {
            Ok(run) => check::check(&run),
            Err(CliError::Guard { source, .. }) => vec![Violation::Guard {
                error: source.to_string(),
            }],
            Err(other) => return Err(other),
        };
        Ok(violations.iter().any(|v| self.keys.contains(&v.key())))
    }

    fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }
}

/// Shortens, then weakens, fault `index` of `faults` while the failure reproduces; returns
/// what changed, in words.
fn refine(
    trial: &Trial<'_>,
    faults: &mut [Fault],
    index: usize,
    end: SimTime,
) -> Result<Vec<String>, CliError> {
    let mut notes = Vec::new();
    let before = faults[index].clone();
    let with = |faults: &[Fault], fault: Fault| -> Vec<Fault> {
        let mut changed = faults.to_vec();
        changed[index] = fault;
        changed
    };
    let instant = matches!(
        before.kind,
        FaultKind::ClockJump { .. } | FaultKind::DriftChange { .. }
    );
    if !instant && before.start < end {
        // Start later: the earliest start known to fail is `low`, a start at the end of the
        // window surely does not.
        let stop = before.end.min(end);
        let start = bisect_time(before.start, stop, |start| {
            let fault = Fault {
                start,
                ..faults[index].clone()
            };
            trial.fails(&with(faults, fault)).map(|fails| !fails)
        })?;
        faults[index].start = start.0;
        // End earlier: the latest end known to fail is the original one.
        let (_, last) = bisect_time(faults[index].start, stop, |candidate| {
            let fault = Fault {
                end: candidate,
                ..faults[index].clone()
            };
            trial.fails(&with(faults, fault))
        })?;
        if last < stop {
            faults[index].end = last;
        }
        if (faults[index].start, faults[index].end) != (before.start, before.end) {
            notes.push(format!(
                "shortening it to {} still fails",
                schedule::window(&faults[index])
            ));
        }
    }
    if let Some(weaker) = weaken(trial, faults, index)? {
        notes.push(weaker);
    }
    Ok(notes)
}

/// Bisects the instants between `low` and `high` (in whole milliseconds) for the boundary
/// where `passes_above` turns true: returns `(the last instant where it was false, the first
/// where it was true)`, starting from `(low, high)` and assuming false at `low`, true at
/// `high`.
fn bisect_time<F>(
    low: SimTime,
    high: SimTime,
    mut passes_above: F,
) -> Result<(SimTime, SimTime), CliError>
where
    F: FnMut(SimTime) -> Result<bool, CliError>,
{
    let (mut low, mut high) = (low.as_nanos(), high.as_nanos());
    for _ in 0..STEPS {
        let middle = (low + (high - low) / 2) / MILLISECOND * MILLISECOND;
        if middle <= low || middle >= high {
            break;
        }
        if passes_above(SimTime::from_nanos(middle))? {
            high = middle;
        } else {
            low = middle;
        }
    }
    Ok((SimTime::from_nanos(low), SimTime::from_nanos(high)))
}

/// Weakens fault `index`'s magnitude by bisection toward harmless while the failure
/// reproduces; returns what changed, in words.
fn weaken(
    trial: &Trial<'_>,
    faults: &mut [Fault],
    index: usize,
) -> Result<Option<String>, CliError> {
    let Some(magnitude) = Magnitude::of(&faults[index].kind) else {
        return Ok(None);
    };
    let before = faults[index].clone();
    // `harmless` is assumed to pass and `strong` (the current value) is known to fail.
    let (mut harmless, mut strong) = (magnitude.neutral, magnitude.value);
    for _ in 0..STEPS {
        let middle = magnitude.quantize((harmless + strong) / 2.0);
        if middle == harmless || middle == strong {
            break;
        }
        let mut candidate = faults.to_vec();
        candidate[index].kind = magnitude.apply(&faults[index].kind, middle);
        if trial.fails(&candidate)? {
            strong = middle;
        } else {
            harmless = middle;
        }
    }
    if strong == magnitude.value {
        return Ok(None);
    }
    faults[index].kind = magnitude.apply(&faults[index].kind, strong);
    let old = schedule::describe(&before, &trial.names);
    let new = schedule::describe(&faults[index], &trial.names);
    if magnitude_words(&old) == magnitude_words(&new) {
        return Ok(None);
    }
    Ok(Some(format!(
        "weakening it from {} to {} still fails",
        magnitude_words(&old),
        magnitude_words(&new)
    )))
}

/// The magnitude part of a fault's words (`×4.37` of `slowdown api ×4.37 10s..20s`).
fn magnitude_words(words: &str) -> String {
    let parts: Vec<&str> = words.split(' ').collect();
    // Words are `KIND SUBJECT MAGNITUDE... WINDOW`; the window is one or two words.
    let window_words = if parts.len() >= 2 && matches!(parts[parts.len() - 2], "at" | "from") {
        2
    } else {
        1
    };
    parts
        .get(2..parts.len().saturating_sub(window_words))
        .map(|m| m.join(" "))
        .unwrap_or_default()
}

/// The one number of a fault kind that says how strong it is.
struct Magnitude {
    /// Its current value.
    value: f64,
    /// The value at which the fault does nothing.
    neutral: f64,
    /// The step values are rounded to.
    quantum: f64,
}

impl Magnitude {
    /// The magnitude of `kind`, if it has one.
    fn of(kind: &FaultKind) -> Option<Magnitude> {
        let (value, neutral, quantum) = match kind {
            FaultKind::Slowdown { factor, .. } | FaultKind::LoadSpike { factor, .. } => {
                (*factor, 1.0, 0.01)
            }
            FaultKind::ErrorBurst { fraction, .. }
            | FaultKind::Garbage { fraction, .. }
            | FaultKind::Brownout { peak: fraction, .. } => (fraction.get(), 0.0, 0.001),
            FaultKind::Latency { add, .. } => (add.as_nanos() as f64, 0.0, MILLISECOND as f64),
            FaultKind::FlappingLink { down, .. } => {
                (down.as_nanos() as f64, 0.0, MILLISECOND as f64)
            }
            FaultKind::ClockJump { by, .. } => (*by as f64, 0.0, MILLISECOND as f64),
            FaultKind::DriftChange { drift_ppb, .. } => (*drift_ppb as f64, 0.0, 1_000.0),
            FaultKind::Crash { .. }
            | FaultKind::Pause { .. }
            | FaultKind::Partition { .. }
            | FaultKind::Isolate { .. } => return None,
        };
        Some(Magnitude {
            value,
            neutral,
            quantum,
        })
    }

    /// `x` rounded to a whole number of quanta (dividing, so `4.15` stays `4.15`).
    fn quantize(&self, x: f64) -> f64 {
        if self.quantum >= 1.0 {
            (x / self.quantum).round() * self.quantum
        } else {
            (x / self.quantum).round() / (1.0 / self.quantum).round()
        }
    }

    /// `kind` with its magnitude set to `value`.
    fn apply(&self, kind: &FaultKind, value: f64) -> FaultKind {
        let nanos = || SimDuration::from_nanos(value.max(0.0) as u64);
        let mut kind = kind.clone();
        match &mut kind {
            FaultKind::Slowdown { factor, .. } | FaultKind::LoadSpike { factor, .. } => {
                *factor = value
            }
            FaultKind::ErrorBurst { fraction, .. }
            | FaultKind::Garbage { fraction, .. }
            | FaultKind::Brownout { peak: fraction, .. } => {
                *fraction =
                    Probability::new(value.clamp(0.0, 1.0)).expect("a clamped fraction is valid")
            }
            FaultKind::Latency { add, .. } => *add = nanos(),
            FaultKind::FlappingLink { down, .. } => *down = nanos(),
            FaultKind::ClockJump { by, .. } => *by = value as i64,
            FaultKind::DriftChange { drift_ppb, .. } => *drift_ppb = value as i64,
            FaultKind::Crash { .. }
            | FaultKind::Pause { .. }
            | FaultKind::Partition { .. }
            | FaultKind::Isolate { .. } => {}
        }
        kind
    }
}

/// Everything the printed explanation needs.
struct Explanation<'a> {
    record: &'a Record,
    path: &'a Path,
    out: &'a Path,
    original: &'a Simulated,
    violations: &'a [Violation],
    faults: &'a [Fault],
    kept: &'a [usize],
    /// The election's and database's faults: all of them, and those ddmin kept.
    foreign: (&'a [Value], &'a [Value]),
    minimal: &'a [Fault],
    notes: &'a [Vec<String>],
    last: &'a Simulated,
    /// Trial runs after ddmin, and in all.
    runs: (u64, u64),
    names: &'a Names,
}

impl Explanation<'_> {
    /// Faults in the recorded schedule, the world's and the foreign ones.
    fn total(&self) -> usize {
        self.faults.len() + self.foreign.0.len()
    }

    fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "shrink {}: scenario {} seed {}, {} fault{}",
            self.path.display(),
            self.record.scenario_name,
            self.record.seed,
            self.total(),
            if self.total() == 1 { "" } else { "s" }
        );
        if self.original.summary.trace_hash != self.record.trace_hash {
            let _ = writeln!(
                text,
                "  warning: the record's run did not reproduce exactly (trace {} instead of {}); shrinking the run as replayed",
                self.original.summary.trace_hash, self.record.trace_hash
            );
        }
        for violation in self.violations {
            let _ = writeln!(text, "  fails: {}", violation.describe());
        }
        let _ = writeln!(
            text,
            "{} of {} fault{} remain{}{} (ddmin, {} runs):",
            self.kept.len() + self.foreign.1.len(),
            self.total(),
            if self.total() == 1 { "" } else { "s" },
            if self.kept.len() + self.foreign.1.len() == 1 {
                "s"
            } else {
                ""
            },
            if self.kept.is_empty() && self.foreign.1.is_empty() {
                ": the failure needs no fault at all"
            } else {
                ""
            },
            self.runs.0
        );
        for (index, fault) in self.kept.iter().map(|&i| &self.faults[i]).enumerate() {
            let _ = writeln!(text, "  {}", schedule::describe(fault, self.names));
            for note in &self.notes[index] {
                let _ = writeln!(text, "    {note}");
            }
        }
        for fault in self.foreign.1 {
            let _ = writeln!(text, "  {fault}");
        }
        let remaining = check::check(self.last);
        let _ = writeln!(text, "the minimal schedule:");
        for fault in self.minimal {
            let _ = writeln!(text, "  {}", schedule::describe(fault, self.names));
        }
        for fault in self.foreign.1 {
            let _ = writeln!(text, "  {fault}");
        }
        for violation in &remaining {
            let _ = writeln!(text, "  still fails: {}", violation.describe());
        }
        let _ = writeln!(
            text,
            "wrote {} after {} runs; replay it with: faultline replay {}",
            self.out.display(),
            self.runs.1,
            self.out.display()
        );
        text
    }
}

/// The faults of the record's scenario that belong to its lease election or its database
/// rather than to the world, as scenario JSON: each entry of the effective `faults` list
/// that, run alone, leaves the world without a fault.
fn foreign_faults(
    record: &Record,
    origin: &str,
    options: &scenarios::LoadOptions,
) -> Result<Vec<Value>, CliError> {
    let document = scenarios::document(&record.scenario_text, origin, options)?;
    let Some(list) = document.get("faults").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut foreign = Vec::new();
    for entry in list {
        let mut set = record.overrides.clone();
        set.push("random_faults=null".to_string());
        set.push(format!("faults={}", Value::Array(vec![entry.clone()])));
        let alone = load_options(record.variant.as_deref(), &set)?;
        let scenario = scenarios::parse(&record.scenario_text, origin, &alone)?;
        if scenario.world.faults.is_empty() {
            foreign.push(entry.clone());
        }
    }
    Ok(foreign)
}

/// `dir/seed-7.json` → `dir/seed-7.min.json`; a name without `.json` gets `.min.json` added.
fn minimal_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    path.with_file_name(format!("{stem}.min.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ddmin against a predicate given as "fails iff these items are all present".
    fn minimize(count: usize, needed: &[usize]) -> (Vec<usize>, usize) {
        let calls = AtomicU64::new(0);
        let result = ddmin(count, |subset| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(needed.iter().all(|n| subset.contains(n)))
        })
        .unwrap();
        (result, calls.load(Ordering::Relaxed) as usize)
    }

    #[test]
    fn ddmin_finds_the_one_fault_that_matters() {
        for culprit in 0..10 {
            let (result, calls) = minimize(10, &[culprit]);
            assert_eq!(result, vec![culprit]);
            assert!(calls <= 30, "{calls} calls");
        }
    }

    #[test]
    fn ddmin_finds_interacting_faults() {
        assert_eq!(minimize(10, &[2, 7]).0, vec![2, 7]);
        assert_eq!(minimize(16, &[0, 5, 15]).0, vec![0, 5, 15]);
        assert_eq!(minimize(1, &[0]).0, vec![0]);
        assert_eq!(minimize(0, &[]).0, Vec::<usize>::new());
    }

    #[test]
    fn splits_are_contiguous_and_cover_everything() {
        let items: Vec<usize> = (0..10).collect();
        assert_eq!(
            split(&items, 3),
            vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8, 9]]
        );
        assert_eq!(split(&items, 10).concat(), items);
    }

    #[test]
    fn bisection_finds_the_boundary_to_the_millisecond() {
        let at = |ms: u64| SimTime::from_nanos(ms * MILLISECOND);
        let (low, high) = bisect_time(at(0), at(1000), |t| Ok(t >= at(437))).unwrap();
        assert_eq!((low, high), (at(436), at(437)));
    }

    #[test]
    fn magnitudes_round_to_readable_values() {
        let magnitude = Magnitude {
            value: 7.3,
            neutral: 1.0,
            quantum: 0.01,
        };
        assert_eq!(magnitude.quantize(4.15000001), 4.15);
        assert_eq!(magnitude_words("slowdown api ×4.37 10s..20s"), "×4.37");
        assert_eq!(magnitude_words("clock_jump api by -2s at 40s"), "by -2s");
    }

    #[test]
    fn minimal_records_sit_beside_the_original() {
        assert_eq!(
            minimal_path(Path::new("out/seed-7.json")),
            PathBuf::from("out/seed-7.min.json")
        );
        assert_eq!(
            minimal_path(Path::new("record")),
            PathBuf::from("record.min.json")
        );
    }
}
