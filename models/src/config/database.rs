//! A leader–follower database as validated data: its nodes, workload, replication, failover
//! and the faults that hit its nodes (see `database` for the semantics).

use sim_core::{Distribution, SimDuration, SimTime};

use super::load::Arrival;
use super::ServiceId;

/// A validated leader–follower database: nodes `NAME[0]` (the first leader) to `NAME[n-1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseConfig {
    /// Unique name; nodes are `NAME[i]`, streams `database/NAME/...`.
    pub name: String,
    /// Nodes in all (the leader plus its followers), ≥ 2.
    pub nodes: u32,
    /// When its own writes arrive (at the leader), besides those services' calls make;
    /// `None`: only calls write.
    pub writes: Option<Arrival>,
    /// When its own reads arrive, besides calls'; `None`: only calls read.
    pub reads: Option<Arrival>,
    /// The world's service that stands for its nodes when services call it (`DatabaseOp`):
    /// replica `i` is node `NAME[i]`, its workers and service time are each node's; `None`
    /// when nothing calls it.
    pub service: Option<ServiceId>,
    /// Which nodes serve reads.
    pub read_from: ReadFrom,
    /// Time from a write's commit on the leader to its arrival on a follower.
    pub replication_lag: Distribution,
    /// When a write is acknowledged to its client.
    pub replication: Replication,
    /// Time from a leader's crash to a follower's promotion (detection plus promotion).
    pub failover_after: SimDuration,
    /// Which follower a failover promotes.
    pub promote: Promotion,
    /// The faults that hit the database's nodes, in schedule order.
    pub faults: Vec<DatabaseFault>,
}

/// What a service's call asks of a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseOp {
    /// A read, routed per `read_from`.
    Read,
    /// A write, routed to the leader.
    Write,
}

/// Which nodes serve reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadFrom {
    /// Any live node but the leader (read replicas).
    Followers,
    /// The leader only.
    Leader,
    /// Any live node.
    Any,
}

/// When a write is acknowledged to its client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replication {
    /// At commit on the leader, before any follower has it.
    Async,
    /// Once at least one follower has it.
    SemiSync,
}

/// Which live node a failover promotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Promotion {
    /// The one with the highest LSN (ties to the lowest index).
    MostCaughtUp,
    /// The one with the lowest index.
    First,
}

/// A fault on the database's nodes, active in `[start, end)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseFault {
    /// What goes wrong.
    pub kind: DatabaseFaultKind,
    /// When it starts.
    pub start: SimTime,
    /// When it heals (`SimTime::MAX`: never).
    pub end: SimTime,
    /// Its index in the scenario's whole fault schedule (reports list faults in that order).
    pub position: usize,
}

/// The kinds of database fault; `node: None` means every node.
#[derive(Clone, Debug, PartialEq)]
pub enum DatabaseFaultKind {
    /// The nodes are down: they serve nothing and replicate nothing.
    Crash {
        /// One node, or every node.
        node: Option<u32>,
    },
    /// Replication lag of entries shipped from or to the nodes is multiplied by `factor`.
    Slowdown {
        /// One node, or every node.
        node: Option<u32>,
        /// Lag multiplier (> 0).
        factor: f64,
    },
    /// Replication lag of entries shipped from or to the nodes is lengthened by `add`.
    Latency {
        /// One node, or every node.
        node: Option<u32>,
        /// Added lag.
        add: SimDuration,
    },
    /// Replication connections between a node of `from` and a node of `to` break.
    Partition {
        /// One side (node indexes).
        from: Vec<u32>,
        /// The other side.
        to: Vec<u32>,
        /// Written as one-way (a cut either way breaks a replication connection all the same).
        one_way: bool,
    },
}

impl DatabaseFault {
    /// Whether the fault is active at `now` (`start <= now < end`).
    pub fn active(&self, now: SimTime) -> bool {
        self.start <= now && now < self.end
    }
}
