//! A lease election as validated data: its nodes, lease timings, store, writes, clocks and
//! the faults that hit its members (see `election` for the semantics).

use sim_core::{Distribution, SimDuration, SimTime};

use super::fault::Unreachable;
use super::load::Arrival;

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
