//! Run records and `faultline replay`: an incident captured in one file, replayed exactly.
//!
//! A record holds the scenario itself (inlined, with its FNV-1a-64 hash), the variant, the
//! `--set` overrides, the seed, the faultline version, the hash of every file the scenario
//! read (a trace of arrivals, a CSV of latencies; absent when it read none), and what the
//! run produced: the trace hash, the event count and the summary. `replay` re-runs it and
//! checks the files first (a changed trace is named as the reason a replay differs), then
//! the trace hash and event count; given a variant or overrides instead, it runs the
//! counterfactual ("the same
//! incident with a retry budget") on the same seed — every exogenous stream (arrivals, service
//! times, network, faults) is unchanged — and shows the difference.

use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::simulate::{hash_text, simulate, Outcome, Simulated};

/// The format version of records this build writes and reads.
pub const RECORD_FORMAT: u32 = 1;

/// Exit code of a replay that did not reproduce its record.
pub const EXIT_NOT_REPRODUCED: i32 = 4;

/// Everything needed to reproduce one run, and what it produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Record format version.
    pub record_format: u32,
    /// faultline version that made it.
    pub version: String,
    /// Where the scenario came from (a path or `catalog:NAME`).
    pub origin: String,
    /// The scenario's name.
    pub scenario_name: String,
    /// FNV-1a-64 of `scenario_text`, as 16 hex digits.
    pub scenario_hash: String,
    /// The scenario file's text, exactly as read.
    pub scenario_text: String,
    /// The variant applied, if any.
    pub variant: Option<String>,
    /// The `--set` overrides, in order.
    pub overrides: Vec<String>,
    /// Every file the scenario read, in first-reference order; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<RecordedFile>,
    /// The master seed.
    pub seed: u64,
    /// The run's trace hash.
    pub trace_hash: String,
    /// Events processed.
    pub events: u64,
    /// The run's JSON summary.
    pub summary: serde_json::Value,
}

/// A file a recorded run read: its name in the scenario, where it was found, and the
/// FNV-1a-64 hash of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFile {
    /// The name as written in the scenario.
    pub name: String,
    /// Where it was read (a path, or `catalog:NAME/FILE`).
    pub location: String,
    /// FNV-1a-64 of its bytes, as 16 hex digits.
    pub hash: String,
}

impl RecordedFile {
    fn of(file: &scenarios::ScenarioFile) -> RecordedFile {
        RecordedFile {
            name: file.name.clone(),
            location: file.location.clone(),
            hash: format!("{:016x}", sim_core::rng::fnv1a64(&file.bytes)),
        }
    }
}

impl Record {
    /// The record of a finished run.
    pub fn new(
        text: &str,
        origin: &str,
        variant: Option<&str>,
        overrides: &[String],
        seed: u64,
        run: &Simulated,
    ) -> Record {
        Record {
            record_format: RECORD_FORMAT,
            version: crate::VERSION.to_string(),
            origin: origin.to_string(),
            scenario_name: run.summary.scenario.clone(),
            scenario_hash: hash_text(text),
            scenario_text: text.to_string(),
            variant: variant.map(str::to_string),
            overrides: overrides.to_vec(),
            files: run.files.iter().map(RecordedFile::of).collect(),
            seed,
            trace_hash: run.summary.trace_hash.clone(),
            events: run.summary.events,
            summary: serde_json::from_str(&run.summary.to_json()).expect("a summary is JSON"),
        }
    }

    /// Reads the record at `path` and checks that its inlined scenario was not edited.
    pub fn read(path: &Path) -> Result<Record, CliError> {
        let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
            path: path.to_path_buf(),
            source,
            hint: "give the path of a record written by `faultline run --record`".to_string(),
        })?;
        let record: Record = serde_json::from_str(&text).map_err(|e| CliError::Record {
            path: path.to_path_buf(),
            problem: e.to_string(),
        })?;
        if hash_text(&record.scenario_text) != record.scenario_hash {
            return Err(CliError::Record {
                path: path.to_path_buf(),
                problem:
                    "the inlined scenario does not match its scenario_hash (the record was edited)"
                        .to_string(),
            });
        }
        Ok(record)
    }

    /// A warning line when another faultline version made the record, else nothing.
    pub fn version_warning(&self) -> String {
        if self.version == crate::VERSION {
            return String::new();
        }
        format!(
            "warning: recorded by faultline {}, replaying with {}; a different version may not reproduce it\n",
            self.version,
            crate::VERSION
        )
    }

    /// The record as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a record always serializes");
        text.push('\n');
        text
    }
}

/// `faultline replay RECORD [--variant V] [--set PATH=VALUE]...`.
///
/// With `--format json` it prints one object: `{record, scenario, seed, version_warning,
/// reproduced, recorded: {trace_hash, events}, replayed: {trace_hash, events}}`, or for a
/// counterfactual `{record, scenario, seed, version_warning, counterfactual: {variant, set},
/// recorded: SUMMARY, replayed: SUMMARY}` (SUMMARY: `run --format json`'s object).
pub fn replay(
    path: &Path,
    variant: Option<&str>,
    set: &[String],
    format: crate::cli::Format,
) -> Result<Outcome, CliError> {
    let record = Record::read(path)?;
    let json = format == crate::cli::Format::Json;
    let mut out = record.version_warning();
    let counterfactual = variant.is_some() || !set.is_empty();
    let (run_variant, run_set) = if counterfactual {
        let mut all = record.overrides.clone();
        all.extend(set.iter().cloned());
        (variant.or(record.variant.as_deref()), all)
    } else {
        (record.variant.as_deref(), record.overrides.clone())
    };
    let origin = crate::input::record_origin(&record.origin, path);
    let run = simulate(
        &record.scenario_text,
        &origin,
        run_variant,
        &run_set,
        record.seed,
    )?;
    if counterfactual {
        // The recorded run again, for its per-second series (a record keeps only totals).
        let recorded = simulate(
            &record.scenario_text,
            &origin,
            record.variant.as_deref(),
            &record.overrides,
            record.seed,
        )?;
        if json {
            let summary = |s: &Simulated| -> serde_json::Value {
                serde_json::from_str(&s.summary.to_json()).expect("a summary is JSON")
            };
            let value = serde_json::json!({
                "record": path.display().to_string(),
                "scenario": record.scenario_name,
                "seed": record.seed,
                "version_warning": (!out.is_empty()).then(|| out.trim_end().to_string()),
                "counterfactual": { "variant": run_variant, "set": set },
                "recorded": summary(&recorded),
                "replayed": summary(&run),
            });
            return Ok(Outcome {
                stdout: crate::output::json_text(&value),
                exit_code: 0,
            });
        }
        out.push_str(&compare(&record, &run));
        out.push_str(&timeline(&recorded, &run));
        return Ok(Outcome {
            stdout: out,
            exit_code: 0,
        });
    }
    let now: Vec<RecordedFile> = run.files.iter().map(RecordedFile::of).collect();
    let changed: Vec<String> = record
        .files
        .iter()
        .filter_map(|then| match now.iter().find(|f| f.name == then.name) {
            Some(f) if f.hash == then.hash => None,
            Some(f) => Some(format!(
                "file {} ({}) changed since the record: hash {} then, {} now",
                then.name, f.location, then.hash, f.hash
            )),
            None => Some(format!("file {} is no longer read", then.name)),
        })
        .collect();
    let same = changed.is_empty()
        && run.summary.trace_hash == record.trace_hash
        && run.summary.events == record.events;
    if json {
        let value = serde_json::json!({
            "record": path.display().to_string(),
            "scenario": record.scenario_name,
            "seed": record.seed,
            "version_warning": (!out.is_empty()).then(|| out.trim_end().to_string()),
            "reproduced": same,
            "changed_files": changed,
            "recorded": { "trace_hash": record.trace_hash, "events": record.events },
            "replayed": { "trace_hash": run.summary.trace_hash, "events": run.summary.events },
        });
        return Ok(Outcome {
            stdout: crate::output::json_text(&value),
            exit_code: if same { 0 } else { EXIT_NOT_REPRODUCED },
        });
    }
    for line in &changed {
        let _ = writeln!(out, "{line}");
    }
    if same {
        let _ = writeln!(
            out,
            "reproduced: scenario {} seed {}: trace {} after {} events, as recorded",
            record.scenario_name, record.seed, record.trace_hash, record.events
        );
        Ok(Outcome {
            stdout: out,
            exit_code: 0,
        })
    } else {
        let _ = writeln!(
            out,
            "NOT reproduced: scenario {} seed {}: recorded trace {} after {} events, replay gave trace {} after {} events",
            record.scenario_name,
            record.seed,
            record.trace_hash,
            record.events,
            run.summary.trace_hash,
            run.summary.events
        );
        Ok(Outcome {
            stdout: out,
            exit_code: EXIT_NOT_REPRODUCED,
        })
    }
}

/// Goodput back at this share of its level before the first fault ends an incident.
const RECOVERED_SHARE: f64 = 0.9;

/// ...and it must stay there this many seconds in a row.
const RECOVERED_FOR_S: usize = 5;

/// Most rows of a side-by-side timeline.
const TIMELINE_ROWS: usize = 16;

/// How long each client's incident lasted in both runs, and their goodput side by side.
///
/// An incident starts with the first fault and ends when the client's goodput is back to
/// 90% of its mean over the 10 s before the fault, for 5 seconds in a row.
fn timeline(recorded: &Simulated, counterfactual: &Simulated) -> String {
    let mut out = String::new();
    let Some(start) = recorded.result.faults.iter().map(|f| f.start).min() else {
        return out;
    };
    let start_s = (start.as_nanos() / 1_000_000_000) as usize;
    for (before, after) in recorded
        .result
        .clients
        .iter()
        .zip(&counterfactual.result.clients)
    {
        // The timeline reads by the second; a run longer than 2,000 s keeps wider rows.
        let per_second = |result: &models::RunResult, rows: &[f64]| {
            sim_core::series::per_second(rows, result.series_interval())
        };
        let a = &per_second(&recorded.result, &before.series.goodput_per_s);
        let b = &per_second(&counterfactual.result, &after.series.goodput_per_s);
        let _ = writeln!(
            out,
            "  incident for {}: {} recorded, {} counterfactual (goodput back to {:.0}% of its level before the first fault, for {RECOVERED_FOR_S} s)",
            before.name,
            incident(a, start_s),
            incident(b, start_s),
            RECOVERED_SHARE * 100.0
        );
        let from = start_s.saturating_sub(10);
        let end = a.len().max(b.len());
        if from >= end {
            continue;
        }
        let step = (end - from).div_ceil(TIMELINE_ROWS).max(1);
        let _ = writeln!(
            out,
            "    {:>9}  {:>14}  {:>14}",
            "time", "recorded/s", "counterfactual/s"
        );
        let mean = |series: &[f64], i: usize| {
            let slice = &series[i.min(series.len())..(i + step).min(series.len())];
            if slice.is_empty() {
                0.0
            } else {
                slice.iter().sum::<f64>() / slice.len() as f64
            }
        };
        let mut i = from;
        while i < end {
            let _ = writeln!(
                out,
                "    {:>9}  {:>14.1}  {:>14.1}",
                format!("{i}s"),
                mean(a, i),
                mean(b, i)
            );
            i += step;
        }
    }
    out
}

/// The incident's length in words: from `start` (seconds) until goodput recovers.
fn incident(goodput: &[f64], start: usize) -> String {
    let level_from = start.saturating_sub(10);
    let before = &goodput[level_from.min(goodput.len())..start.min(goodput.len())];
    if before.is_empty() {
        return "unknown (no goodput before the fault)".to_string();
    }
    let level = before.iter().sum::<f64>() / before.len() as f64;
    let threshold = level * RECOVERED_SHARE;
    let mut run = 0;
    for (second, &value) in goodput.iter().enumerate().skip(start) {
        run = if value >= threshold { run + 1 } else { 0 };
        if run == RECOVERED_FOR_S {
            return format!("{} s", second + 1 - RECOVERED_FOR_S - start);
        }
    }
    format!(
        "not over when the run ended ({} s after it began)",
        goodput.len().saturating_sub(start)
    )
}

/// Side by side: the recorded run and the counterfactual, client by client.
fn compare(record: &Record, run: &Simulated) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "counterfactual of {} seed {} (same arrivals, service times, network and faults):",
        record.scenario_name, record.seed
    );
    let recorded = &record.summary["clients"];
    let metrics = [
        ("goodput/s", "goodput_per_s"),
        ("failed", "failed"),
        ("attempts", "attempts"),
        ("amplification", "amplification"),
    ];
    for (name, client) in &run.summary.clients {
        let now = serde_json::to_value(client).expect("a client summary is JSON");
        let _ = writeln!(out, "  client {name}:");
        for (label, key) in metrics {
            let _ = writeln!(
                out,
                "    {label:<14} recorded {:>12}  counterfactual {:>12}",
                recorded[name][key].to_string(),
                now[key].to_string()
            );
        }
        let p99 = |v: &serde_json::Value| v["latency_ms"]["p99"].to_string();
        let _ = writeln!(
            out,
            "    {:<14} recorded {:>12}  counterfactual {:>12}",
            "p99 ms",
            p99(&recorded[name]),
            p99(&now)
        );
    }
    let slo = |v: &serde_json::Value| v["observed"].to_string();
    for (index, verdict) in run.summary.slo.iter().enumerate() {
        let now = serde_json::to_value(verdict).expect("a verdict is JSON");
        let _ = writeln!(
            out,
            "  SLO {}: recorded {}  counterfactual {}",
            verdict.client,
            slo(&record.summary["slo"][index]),
            slo(&now)
        );
    }
    out
}
