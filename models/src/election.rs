//! Leader election with leases: N nodes elect a leader through a lease held in a store.
//!
//! ```text
//!  election[0] ──acquire / renew (every renew_every)──▶ ┌ store ─────────────────────────┐
//!  election[1] ◀──────────── grant(token) / deny ────── │ holder, expiry (store's clock), │
//!  election[2] ──acquire (every retry_every)─────────▶  │ token, the data written         │
//!      │                                                └─────────────────────────────────┘
//!      └── the acting leader writes (token) ──────────▶ stale? fenced?
//! ```
//!
//! # Semantics
//!
//! The store (a lock service, or a lease row in the database that also holds the data) grants
//! the lease to a requester when it is free, expired by the *store's* clock, or already held by
//! that requester (a renewal). It records the holder, the expiry (its local reading at receipt
//! plus `lease`) and a token that grows by one with every fresh grant (a renewal keeps it):
//! Chubby's sequencer, Kleppmann's fencing token.
//!
//! A node sends a request every `retry_every` while it is not leader and every `renew_every`
//! while it is (periods run on the node's own clock). On a grant for a request it sent when its
//! clock read `s`, it *acts as leader* until its clock reads `s + lease - safety_margin`: the
//! client-side conservative rule (the lease is counted from before the request left, so
//! message delay only shortens the holder's belief; Gray & Cheriton 1989, "Leases"; Burrows
//! 2006, "The Chubby lock service", §2.8; Kleppmann 2016, "How to do distributed locking").
//! A later grant extends the belief; a denial of a request sent after the belief's grant ends
//! it. Nodes start in order, node `i` sending its first request at `i * retry_every / nodes`,
//! so with healthy clocks `NAME[0]` takes the first lease.
//!
//! Clocks make it go wrong: the holder's belief ends when *its* clock says so, the store's
//! expiry when *the store's* clock says so. A holder that cannot renew (cut off, paused) and
//! whose clock runs slow or steps back keeps acting after the store gave the lease to another
//! node: two acting leaders, a split brain. A backward step of `J` extends the belief by
//! exactly `J` (`sim_core::Clock::true_at`).
//!
//! The acting leader writes to the store at the `writes` rate. A write that reaches the store
//! when its token is not the store's current, unexpired lease (someone was granted a newer
//! one, or the store's clock says the lease ran out) is *stale*. With `fencing`, the store
//! checks every write's token against its own lease state and rejects stale ones, so no stale
//! write reaches the data. (A storage service separate from the lock service only sees tokens
//! on writes, and accepts an old leader's write until the new leader's first write; here the
//! store owns both, as a lease row next to the data does.)
//!
//! # Faults
//!
//! `crash`: the node stops, forgets its lease, drops what reaches it, and restarts as a follower
//! at the window's end. `pause` (a stop-the-world GC): the node's own events wait until the
//! pause ends, its state intact; an acting leader is frozen between its lease check and its
//! write, so that write goes out when the pause ends whatever the lease says by then
//! (Kleppmann 2016's figure). Its clock keeps running, so its belief still ends on time.
//! `partition`, `black_hole`, `refuse`: messages between nodes and the store are lost (a refusal
//! tells a node nothing a loss does not: it retries on its timer either way). `latency`: added
//! delay on a node's messages. `clock_jump`, `drift_change` and the `clocks` block: node and
//! store clocks. Message fates are decided when a message is sent.
//!
//! # Measurement and determinism
//!
//! `split_brain` and `leaderless` integrate, exactly in nanoseconds of true time after the
//! warm-up, the time with two or more acting leaders and with none. The election is a
//! component of the world (`component`): its events run on the world's one event loop and the
//! run's one trace hash covers them. It draws from
//! `election/store-latency` (one draw per message, whatever its fate) and
//! `election/writes/I` (one stream per node), so changing `fencing` changes no draw and no
//! node's behaviour (a write event carries the flag, so the trace hash still tells a fenced run
//! from an unfenced one).

use sim_core::{Limits, RunError, RunStats, SimDuration, SimTime, Simulation};

use crate::config::ElectionConfig;

/// What an election measured, after the warm-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionResult {
    /// The election's name.
    pub name: String,
    /// Whether the store fenced writes.
    pub fencing: bool,
    /// True time with two or more acting leaders.
    pub split_brain: SimDuration,
    /// True time with no acting leader.
    pub leaderless: SimDuration,
    /// Times a node began acting as leader after another node had been the last to act.
    pub leader_changes: u64,
    /// Fresh grants by the store (each with a new token).
    pub acquisitions: u64,
    /// Writes that reached the store.
    pub writes: u64,
    /// Writes that reached the store without the store's current, unexpired lease.
    pub stale_writes: u64,
    /// Stale writes the store applied to its data (0 with fencing).
    pub stale_writes_accepted: u64,
    /// Writes the store refused because of their token (fencing only).
    pub writes_rejected: u64,
    /// Per node, true time spent acting as leader.
    pub acting: Vec<SimDuration>,
}

/// What one client's requests met at a leader-only service (a service whose replicas are the
/// election's nodes and whose writes only the acting leader accepts), counted for its
/// measured requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeaderWrites {
    /// Writes its requests made at the service.
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

/// What one election run produced: the engine's figures and the measurements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionRun {
    /// Events, trace hash and end time of its run alone (`run`).
    pub stats: RunStats,
    /// What it measured.
    pub result: ElectionResult,
}

/// Runs `config` alone, on an event loop of its own, from time zero to `duration`, measuring
/// after `warmup` (its unit tests' harness; in a scenario it runs inside the world).
///
/// The run is a pure function of its arguments and this crate's version.
pub fn run(
    config: &ElectionConfig,
    seed: u64,
    warmup: SimDuration,
    duration: SimDuration,
    limits: Limits,
) -> Result<ElectionRun, RunError> {
    let end = SimTime::ZERO.add(duration);
    let model = model::Election::new(config.clone(), seed, SimTime::ZERO.add(warmup), 0);
    let initial = model.initial_events();
    let mut sim = Simulation::new(model, limits);
    for (at, event) in initial {
        sim.schedule_at(at, event);
    }
    let stats = sim.run_until(end)?;
    let result = sim.into_model().result(end);
    Ok(ElectionRun { stats, result })
}
mod level;
mod model;

pub(crate) use model::{Election, Event, LeaderWrite, NodeEdge};
mod store;

#[cfg(test)]
mod tests;
