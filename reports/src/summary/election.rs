//! The `election` object of the run summary: a lease election's split-brain and leaderless
//! time, leadership changes and writes, present only when the scenario has an election.

use std::collections::BTreeMap;

use serde::Serialize;

use models::{ElectionResult, LeaderWrites};

use super::round;

/// What a lease election measured, in the summary's units (seconds, counts).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ElectionSummary {
    /// Nodes competing for the lease.
    pub nodes: u32,
    /// Whether the store fenced writes by token.
    pub fencing: bool,
    /// Seconds with two or more acting leaders.
    pub split_brain_s: f64,
    /// Seconds with no acting leader.
    pub leaderless_s: f64,
    /// Times leadership passed to another node.
    pub leader_changes: u64,
    /// Fresh leases granted by the store (each with a new token).
    pub acquisitions: u64,
    /// Writes that reached the store.
    pub writes: u64,
    /// Writes that reached the store without its current, unexpired lease.
    pub stale_writes: u64,
    /// Stale writes applied to the store's data.
    pub stale_writes_accepted: u64,
    /// Writes the store rejected by their token (fencing).
    pub writes_rejected: u64,
    /// Seconds each node acted as leader, by node name.
    pub acting_s: BTreeMap<String, f64>,
}

impl ElectionSummary {
    /// The summary of one election's measurements.
    pub fn of(result: &ElectionResult) -> ElectionSummary {
        let seconds = |d: sim_core::SimDuration| round(d.as_secs_f64(), 9);
        ElectionSummary {
            nodes: result.acting.len() as u32,
            fencing: result.fencing,
            split_brain_s: seconds(result.split_brain),
            leaderless_s: seconds(result.leaderless),
            leader_changes: result.leader_changes,
            acquisitions: result.acquisitions,
            writes: result.writes,
            stale_writes: result.stale_writes,
            stale_writes_accepted: result.stale_writes_accepted,
            writes_rejected: result.writes_rejected,
            acting_s: result
                .acting
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("{}[{i}]", result.name), seconds(*d)))
                .collect(),
        }
    }
}

/// What one client's requests met at leader-only services, after the warm-up: the
/// `leader_writes` object of a client, present only when a service is leader-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ClientLeaderSummary {
    /// Writes its requests made at the service (each request that reached a node).
    pub writes: u64,
    /// Writes the store accepted with the current lease's token.
    pub accepted: u64,
    /// Writes the store applied with a stale token: a split brain's conflicting writes.
    pub conflicting: u64,
    /// Writes the store refused for a stale token (fencing).
    pub fenced: u64,
    /// Writes a node cut off from the store could not deliver.
    pub unreachable: u64,
    /// Requests that reached a node not acting as leader, and were refused.
    pub not_leader: u64,
}

impl ClientLeaderSummary {
    /// The summary of `writes`.
    pub fn of(writes: &LeaderWrites) -> ClientLeaderSummary {
        ClientLeaderSummary {
            writes: writes.writes,
            accepted: writes.accepted,
            conflicting: writes.conflicting,
            fenced: writes.fenced,
            unreachable: writes.unreachable,
            not_leader: writes.not_leader,
        }
    }
}
