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
//! warm-up, the time with two or more acting leaders and with none. The election runs as its
//! own simulation after the world's (it shares nothing with clients and services); its trace
//! hash and event count are folded into the run's (`TraceHash::combine`). It draws from
//! `election/store-latency` (one draw per message, whatever its fate) and
//! `election/writes/I` (one stream per node), so changing `fencing` changes no draw and no
//! node's behaviour (a write event carries the flag, so the trace hash still tells a fenced run
//! from an unfenced one).

use sim_core::{
    Distribution, Limits, RunError, RunStats, SimDuration, SimTime, Simulation, TraceHash,
};

use crate::config::{Arrival, WorldConfig};
use crate::fault::Unreachable;
use crate::result::{FaultRecord, RunResult};
use crate::world::beside::Watch;

/// A lease election: its nodes, timings, store and faults (validated).
#[derive(Clone, Debug, PartialEq)]
pub struct ElectionConfig {
    /// Names the nodes (`NAME[0]`, ...) and the store (`NAME.store`) in faults and reports.
    pub name: String,
    /// Number of nodes competing for the lease (≥ 1).
    pub nodes: u32,
    /// Lease duration, granted from the store's receipt of a request.
    pub lease: SimDuration,
    /// How often the holder renews, by its own clock.
    pub renew_every: SimDuration,
    /// How often a node that is not leader asks for the lease, by its own clock.
    pub retry_every: SimDuration,
    /// Subtracted from the lease when a holder computes how long it may act (< `lease`).
    pub safety_margin: SimDuration,
    /// One-way latency of every message between a node and the store.
    pub store_latency: Distribution,
    /// The acting leader's writes to the store; `None` writes nothing.
    pub writes: Option<Arrival>,
    /// The store rejects writes whose token is not its current, unexpired lease.
    pub fencing: bool,
    /// Initial clock settings, in file order (later ones override earlier ones).
    pub clocks: Vec<ElectionClock>,
    /// The election's part of the fault schedule, in file order.
    pub faults: Vec<ElectionFault>,
}

/// A clock owner in an election: one node or the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Member {
    /// Node `i` (`NAME[i]`).
    Node(u32),
    /// The store (`NAME.store`).
    Store,
}

/// The initial clock of one election member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElectionClock {
    /// Whose clock.
    pub member: Member,
    /// Offset from true time at time zero, in nanoseconds.
    pub offset_ns: i64,
    /// Drift in parts per billion.
    pub drift_ppb: i64,
}

/// One fault of the election's schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ElectionFault {
    /// What goes wrong.
    pub kind: ElectionFaultKind,
    /// When it starts.
    pub start: SimTime,
    /// When it heals (`SimTime::MAX`: never).
    pub end: SimTime,
    /// Its index in the scenario's `faults` list, so reports list faults in file order.
    pub position: usize,
}

/// Which way a cut between nodes and the store goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Both ways.
    Both,
    /// Only messages from the nodes to the store are lost.
    ToStore,
    /// Only messages from the store to the nodes are lost.
    FromStore,
}

/// The kinds of election fault.
#[derive(Clone, Debug, PartialEq)]
pub enum ElectionFaultKind {
    /// The nodes stop and forget their lease; they restart as followers at the end.
    Crash {
        /// Which nodes.
        nodes: Vec<u32>,
    },
    /// The nodes freeze (a stop-the-world pause); their events wait until the end.
    Pause {
        /// Which nodes.
        nodes: Vec<u32>,
    },
    /// Messages between the nodes and the store are lost.
    Cut {
        /// Which nodes.
        nodes: Vec<u32>,
        /// Which way.
        direction: Direction,
        /// How the scenario wrote it: a `partition` (true) or a `black_hole`/`refuse` (false).
        partition: bool,
        /// Drop or refuse (the same to a lease election; kept for reports).
        mode: Unreachable,
    },
    /// Every message to or from the nodes takes `add` longer.
    Latency {
        /// Which nodes.
        nodes: Vec<u32>,
        /// Added one-way latency.
        add: SimDuration,
    },
    /// The members' clocks step by `by` nanoseconds at the start.
    ClockJump {
        /// Whose clocks.
        members: Vec<Member>,
        /// Signed step in nanoseconds.
        by: i64,
    },
    /// The members' clocks drift at `drift_ppb` from the start on.
    DriftChange {
        /// Whose clocks.
        members: Vec<Member>,
        /// New drift in parts per billion.
        drift_ppb: i64,
    },
}

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

/// What one election run produced: the engine's figures and the measurements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionRun {
    /// Events, trace hash and end time of the election's own simulation.
    pub stats: RunStats,
    /// What it measured.
    pub result: ElectionResult,
}

/// Runs `config` from time zero to `duration`, measuring after `warmup`.
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
    let model = model::Election::new(config.clone(), seed, SimTime::ZERO.add(warmup));
    let initial = model.initial_events();
    let mut sim = Simulation::new(model, limits);
    for (at, event) in initial {
        sim.schedule_at(at, event);
    }
    let stats = sim.run_until(end)?;
    let result = sim.into_model().result(end);
    Ok(ElectionRun { stats, result })
}

/// Runs the world's election (if it has one) as `run_observed` does, handing `watch` every
/// processed event.
pub(crate) fn watch(config: &WorldConfig, seed: u64, watch: Watch) -> Result<(), RunError> {
    let Some(election) = &config.election else {
        return Ok(());
    };
    let model = model::Election::new(election.clone(), seed, SimTime::ZERO.add(config.warmup));
    let initial = model.initial_events();
    crate::world::beside::run_watched(model, initial, config, watch, model::Event::happening)
}

/// Runs the world's election, if it has one, and adds it to `result`: its measurements, its
/// faults (in file order among the world's), and its events and trace hash.
pub(crate) fn attach(
    result: &mut RunResult,
    config: &WorldConfig,
    seed: u64,
) -> Result<(), RunError> {
    let Some(election) = &config.election else {
        return Ok(());
    };
    let run = run(
        election,
        seed,
        config.warmup,
        config.duration,
        config.limits,
    )?;
    result.stats = combine(result.stats, run.stats);
    for fault in &election.faults {
        let index = fault.position.min(result.faults.len());
        result.faults.insert(index, record(election, fault));
    }
    result.election = Some(run.result);
    Ok(())
}

/// The world's `stats` with its election's (if any) folded in; for traced runs.
pub(crate) fn extend(
    stats: RunStats,
    config: &WorldConfig,
    seed: u64,
) -> Result<RunStats, RunError> {
    match &config.election {
        None => Ok(stats),
        Some(election) => {
            let run = run(
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
fn record(config: &ElectionConfig, fault: &ElectionFault) -> FaultRecord {
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

mod level;
mod model;
mod store;

#[cfg(test)]
mod tests;
