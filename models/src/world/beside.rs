//! Traces of the models that run beside the world: the lease election and the database.
//!
//! They are simulations of their own (see `election` and `database`), so their events are
//! numbered within their own run (1 for the first). A traced replay runs each again with an
//! observer and keeps the events of the window; like the world's tracer, the observer only
//! reads, so the runs are the ones the trace hash covers.

use sim_core::{Limits, RunError, RunStats, SimTime, TraceHash};

use crate::beside::BesideHappening;
use crate::config::{
    DatabaseConfig, DatabaseFault, DatabaseFaultKind, Direction, ElectionConfig, ElectionFault,
    ElectionFaultKind, Member, Unreachable, WorldConfig,
};
use crate::database::DatabaseResult;
use crate::result::{FaultRecord, RunResult};

/// One processed event of a model beside the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BesideRecord {
    /// Which model.
    pub model: Beside,
    /// Index of the event within that model's run (1 for its first).
    pub event: u64,
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub what: BesideHappening,
}

/// The models that run beside the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Beside {
    /// The lease election.
    Election,
    /// The leader–follower database.
    Database,
}

/// Runs the database of `config` (if any) beside the world and adds it to `result`: its figures
/// folded into `result.stats`, its measurements attached (`list_faults` lists its faults).
pub(crate) fn attach_database(
    result: &mut RunResult,
    config: &WorldConfig,
    seed: u64,
) -> Result<(), RunError> {
    let Some(database) = &config.database else {
        return Ok(());
    };
    let (stats, measured) = run_beside(database, config, seed, result.stats)?;
    result.stats = stats;
    result.database = Some(measured);
    Ok(())
}

/// Lists every fault of `config`'s one schedule in `result.faults`, in schedule order: the
/// world's (which `World::result` listed in `config.faults` order), the database's and the
/// election's, sorted by `position` (their entry in the file, then random draws in draw
/// order). The sort is stable, so the faults a zone target expands into keep their service,
/// then replica order.
pub(crate) fn list_faults(result: &mut RunResult, config: &WorldConfig) {
    assert_eq!(
        result.faults.len(),
        config.faults.len(),
        "the world lists exactly its own faults, one per configured fault"
    );
    let world = config.faults.iter().map(|f| f.position);
    let mut listed: Vec<(usize, FaultRecord)> = world.zip(result.faults.drain(..)).collect();
    if let Some(database) = &config.database {
        let records = database.faults.iter();
        listed.extend(records.map(|f| (f.position, database_record(database, f))));
    }
    if let Some(election) = &config.election {
        let records = election.faults.iter();
        listed.extend(records.map(|f| (f.position, election_record(election, f))));
    }
    listed.sort_by_key(|(position, _)| *position);
    result.faults = listed.into_iter().map(|(_, record)| record).collect();
}

/// The world's figures with those of `config`'s database (if any) folded in, for entry points
/// that need only the figures (traced replays).
pub(crate) fn with_database(
    config: &WorldConfig,
    seed: u64,
    world: RunStats,
) -> Result<RunStats, RunError> {
    match &config.database {
        None => Ok(world),
        Some(database) => Ok(run_beside(database, config, seed, world)?.0),
    }
}

/// Runs `database` with `config`'s span and what is left of its event budget, and folds it.
fn run_beside(
    database: &DatabaseConfig,
    config: &WorldConfig,
    seed: u64,
    world: RunStats,
) -> Result<(RunStats, DatabaseResult), RunError> {
    let limits = Limits {
        pending_events_max: config.limits.pending_events_max,
        events_max: config.limits.events_max.saturating_sub(world.events),
        memory_max: config.limits.memory_max,
    };
    let (own, measured) =
        crate::database::run(database, seed, config.duration, config.warmup, limits)?;
    let mut trace_hash = world.trace_hash;
    trace_hash.combine(own.trace_hash, own.events);
    let stats = RunStats {
        events: world.events + own.events,
        trace_hash,
        end: world.end.max(own.end),
    };
    Ok((stats, measured))
}

/// A database fault as reports list it: kind as in scenario files, target in words.
pub(crate) fn database_record(config: &DatabaseConfig, fault: &DatabaseFault) -> FaultRecord {
    let name = &config.name;
    let node = |n: Option<u32>| match n {
        Some(i) => format!("{name}[{i}]"),
        None => name.clone(),
    };
    let list = |nodes: &[u32]| {
        nodes
            .iter()
            .map(|&i| node(Some(i)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kind, target) = match &fault.kind {
        // A crash that never heals is a node lost for good, as for services.
        DatabaseFaultKind::Crash { node: n } if fault.end == SimTime::MAX => {
            ("replica_loss", node(*n))
        }
        DatabaseFaultKind::Crash { node: n } => ("crash", node(*n)),
        DatabaseFaultKind::Slowdown { node: n, .. } => ("slowdown", node(*n)),
        DatabaseFaultKind::Latency { node: n, .. } => ("latency", node(*n)),
        DatabaseFaultKind::Partition { from, to, one_way } => (
            "partition",
            format!(
                "{} {} {}",
                list(from),
                if *one_way { "→" } else { "↔" },
                list(to)
            ),
        ),
    };
    FaultRecord {
        kind: kind.to_string(),
        target,
        start: fault.start,
        end: fault.end,
    }
}

/// Runs the world's election, if it has one, and adds it to `result`: its measurements, and
/// its events and trace hash (`list_faults` lists its faults).
pub(crate) fn attach_election(
    result: &mut RunResult,
    config: &WorldConfig,
    seed: u64,
) -> Result<(), RunError> {
    let Some(election) = &config.election else {
        return Ok(());
    };
    let run = crate::election::run(
        election,
        seed,
        config.warmup,
        config.duration,
        config.limits,
    )?;
    result.stats = combine(result.stats, run.stats);
    result.election = Some(run.result);
    Ok(())
}

/// The world's `stats` with its election's (if any) folded in; for traced runs.
pub(crate) fn with_election(
    stats: RunStats,
    config: &WorldConfig,
    seed: u64,
) -> Result<RunStats, RunError> {
    match &config.election {
        None => Ok(stats),
        Some(election) => {
            let run = crate::election::run(
                election,
                seed,
                config.warmup,
                config.duration,
                config.limits,
            )?;
            Ok(combine(stats, run.stats))
        }
    }
}

/// One run's figures from two simulations: events add up, hashes combine, the end is the later.
fn combine(world: RunStats, election: RunStats) -> RunStats {
    let mut trace_hash: TraceHash = world.trace_hash;
    trace_hash.combine(election.trace_hash, election.events);
    RunStats {
        events: world.events + election.events,
        trace_hash,
        end: world.end.max(election.end),
    }
}

/// An election fault as reports show it.
fn election_record(config: &ElectionConfig, fault: &ElectionFault) -> FaultRecord {
    let nodes = |nodes: &[u32]| -> String {
        if nodes.len() == config.nodes as usize && config.nodes > 1 {
            config.name.clone()
        } else {
            nodes
                .iter()
                .map(|i| format!("{}[{i}]", config.name))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let members = |members: &[Member]| -> String {
        members
            .iter()
            .map(|m| match m {
                Member::Node(i) => format!("{}[{i}]", config.name),
                Member::Store => format!("{}.store", config.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kind, target) = match &fault.kind {
        ElectionFaultKind::Crash { nodes: n } if fault.end == SimTime::MAX => {
            ("replica_loss", nodes(n))
        }
        ElectionFaultKind::Crash { nodes: n } => ("crash", nodes(n)),
        ElectionFaultKind::Pause { nodes: n } => ("pause", nodes(n)),
        ElectionFaultKind::Cut {
            nodes: n,
            direction,
            partition: true,
            ..
        } => {
            let arrow = match direction {
                Direction::Both => "↔",
                Direction::ToStore => "→",
                Direction::FromStore => "←",
            };
            (
                "partition",
                format!("{} {arrow} {}.store", nodes(n), config.name),
            )
        }
        ElectionFaultKind::Cut {
            nodes: n,
            mode: Unreachable::BlackHole,
            ..
        } => ("black_hole", nodes(n)),
        ElectionFaultKind::Cut { nodes: n, .. } => ("refuse", nodes(n)),
        ElectionFaultKind::Latency { nodes: n, .. } => ("latency", nodes(n)),
        ElectionFaultKind::ClockJump { members: m, .. } => ("clock_jump", members(m)),
        ElectionFaultKind::DriftChange { members: m, .. } => ("drift_change", members(m)),
    };
    FaultRecord {
        kind: kind.to_string(),
        target,
        start: fault.start,
        end: fault.end,
    }
}
