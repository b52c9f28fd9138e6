//! The run's one fault schedule as reports list it: the world's faults, the database's and the
//! election's, in file order (`position`), each kind and target in words.

use sim_core::SimTime;

use crate::config::{
    DatabaseConfig, DatabaseFault, DatabaseFaultKind, Direction, ElectionConfig, ElectionFault,
    ElectionFaultKind, Member, Unreachable, WorldConfig,
};
use crate::result::{FaultRecord, RunResult};

/// Lists every fault of `config`'s one schedule in `result.faults`, in schedule order: the
/// world's (which `World::result` listed in `config.faults` order), the database's and the
/// election's, sorted by `position` (their entry in the file, then random draws in draw
/// order), then each deployment (kind `deploy`, until its rollback was done). The sort is stable, so the faults a zone target expands into keep their service,
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
    // A deployment is a fault too: from its start until its rollback is done (or forever).
    for d in &result.deployments {
        result.faults.push(FaultRecord {
            kind: "deploy".to_string(),
            target: format!("{} ({})", d.service, d.strategy),
            start: d.at,
            end: d.rolled_back_at.unwrap_or(SimTime::MAX),
        });
    }
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
