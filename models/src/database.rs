//! A leader–follower database with replication lag, failover on a leader crash, stale reads
//! and writes lost in a failover.
//!
//! ```text
//! writes ──▶ db[0] leader ──each log entry, after a lag──▶ db[1], db[2] followers
//! reads ───▶ a follower (or the leader, or any node)        a read misses every write
//!                                                           that has not arrived yet
//! leader crash ─▶ no leader for `failover_after` ─▶ a follower is promoted: acknowledged writes
//!                 it never received are discarded (lost); writes in the gap fail
//! ```
//!
//! The database is a component of the world (`component`): its events run on the world's one
//! event loop, so the run's one trace hash and event count cover it, and determinism checks,
//! replays and traces with it. The hash also folds the outcome of every read and write (who
//! served it, how far behind), because its events alone are the same under every replication
//! mode and read routing.
//!
//! # Semantics
//!
//! - **Log.** Each write the leader accepts is committed at once and gets the next log
//!   sequence number (LSN, 1, 2, ...). Writes that arrive while there is no leader fail.
//! - **Replication.** When an entry commits, the leader ships it to every follower it is
//!   connected to. It arrives after a lag drawn from `replication_lag`, multiplied by the
//!   factor of every active `slowdown` of either end and lengthened by the `add` of every
//!   active `latency` fault on either end, and it never overtakes an earlier entry: arrival
//!   = max(previous arrival, ship time + lag). "Arrived" means received and applied: the
//!   model makes them one step.
//! - **Connections.** The leader has one replication connection to each follower, open while
//!   both are up and no `partition` separates them (in either direction: a cut either way
//!   breaks a TCP stream). When it breaks, entries still in flight are dropped. When it opens
//!   again the follower asks for every entry after the last it has (MySQL GTID
//!   auto-positioning, a PostgreSQL replication slot), and they are all shipped at that
//!   instant, with lags from a separate catch-up stream.
//! - **Acknowledgement.** `async`: a write is acknowledged when it commits. `semi_sync`: when
//!   the first follower has it (MySQL's `AFTER_SYNC` wait point; as receipt and apply are one
//!   step here, the write latency is an upper bound, and there is no timeout that falls back
//!   to async). A semi-sync write still waiting when its leader crashes fails: its client
//!   loses the connection.
//! - **Staleness.** A read served at time t by node n is *stale* iff n is not the leader and
//!   the highest LSN n has is below the highest LSN acknowledged to any client by t (and not
//!   discarded since). That is a linearizability violation: the read misses a write that
//!   completed before the read began. It counts every client's writes, so it bounds the
//!   read-your-writes violations (those of the reader's own writes) from above. A stale read
//!   is `versions behind` = acknowledged LSN − its LSN, and `staleness` = t − the
//!   acknowledgement time of the first write it misses.
//! - **Reads** go to a uniformly chosen live node of the read set (`read_from`), as behind
//!   perfect health checks: followers (every live node but the leader), the leader, or any
//!   live node. With no candidate, the read fails.
//! - **Failover.** A crash of the leader leaves the database without one. After
//!   `failover_after` (failure detection plus promotion), the live node chosen by `promote`
//!   becomes the leader (`most_caught_up`: the highest LSN, ties to the lowest index;
//!   `first`: the lowest index). Every entry beyond its last LSN is discarded from every node
//!   (the old leader's when it rejoins): the acknowledged ones are `writes_lost_in_failover`.
//!   If the old leader restarts before the failover is due, it simply leads again and nothing
//!   is lost; if no node is live when it is due, the first node to restart is promoted.
//!   Only a crash triggers a failover: a partitioned leader keeps leading (no split brain).
//!
//! # Random streams
//!
//! `database/NAME/writes` and `database/NAME/reads` (arrivals), `database/NAME/route` (one
//! draw per read, whoever serves it), `database/NAME/lag` (one draw per committed write for
//! every node but the leader, in node order, whether or not it is connected) and
//! `database/NAME/catchup` (entries re-shipped to a follower that reconnects). So changing
//! `read_from`, `replication` or `promote` leaves arrivals and lags unchanged (common random
//! numbers across variants).
//!
//! # Measurement
//!
//! Writes and reads count if they arrive after the warm-up; lost and failed writes if they
//! were committed (or refused) after it; `unavailable` is the leaderless time after it.
//!
//! # Sources
//!
//! - Martin Kleppmann, *Designing Data-Intensive Applications* (O'Reilly, 2017), ch. 5
//!   "Replication": "Problems with Replication Lag" (reading your own writes) and "Handling
//!   Node Outages" (failover; with asynchronous replication the new leader may lack the old
//!   leader's last writes, which are usually discarded).
//! - MySQL 8.0 Reference Manual, "Semisynchronous Replication": the source waits until at
//!   least one replica has acknowledged receipt of a transaction's events
//!   (`rpl_semi_sync_source_wait_point = AFTER_SYNC`).
//!
//! Not modelled: the application tier (services do not call the database), per-key data
//! (versions are LSNs), replica read load and queueing, split brain, and semi-sync's timeout.

use sim_core::{Histogram, Limits, RunError, RunStats, SimDuration, SimTime};

use crate::config::{DatabaseConfig, ReadFrom, Replication};

mod model;
mod node;

pub(crate) use model::{Database, Event};

/// What the database measured after the warm-up.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseResult {
    /// The database's name.
    pub name: String,
    /// Nodes in all.
    pub nodes: u32,
    /// Its replication mode.
    pub replication: Replication,
    /// Where its reads went.
    pub read_from: ReadFrom,
    /// The leader when the run ended (`None`: a failover was still pending).
    pub leader: Option<u32>,
    /// Writes that arrived.
    pub writes: u64,
    /// Writes acknowledged to their clients.
    pub writes_acknowledged: u64,
    /// Writes that failed: no leader, or (semi-sync) the leader crashed before a follower had it.
    pub failed_writes: u64,
    /// Acknowledged writes discarded by a failover.
    pub writes_lost_in_failover: u64,
    /// Reads that arrived.
    pub reads: u64,
    /// Reads with no live node to serve them.
    pub failed_reads: u64,
    /// Reads that missed an acknowledged write.
    pub stale_reads: u64,
    /// Reads served by each node, by index.
    pub reads_per_node: Vec<u64>,
    /// Versions behind of each stale read, one nanosecond per version (a `Histogram` counts
    /// durations).
    pub versions_behind: Histogram,
    /// Staleness of each stale read: how long ago the first write it missed was acknowledged.
    pub staleness: Histogram,
    /// Time from commit to acknowledgement of each acknowledged write (0 under async).
    pub write_latency: Histogram,
    /// Failovers completed.
    pub failovers: u64,
    /// Time without a leader.
    pub unavailable: SimDuration,
    /// Per-second history over the whole run, warm-up included.
    pub series: DatabaseSeries,
}

/// What one client's requests met at the database through services' calls (`DatabaseOp`),
/// counted for its measured requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DatabaseCalls {
    /// Reads its requests' calls made.
    pub reads: u64,
    /// Reads no node could serve (no live node in the read set): the call failed.
    pub failed_reads: u64,
    /// Reads that succeeded but missed a write acknowledged before they began.
    pub stale_reads: u64,
    /// Writes its requests' calls made.
    pub writes: u64,
    /// Writes the leader committed and acknowledged to the call.
    pub writes_acknowledged: u64,
    /// Writes that failed: no leader, or the node had stopped leading.
    pub failed_writes: u64,
    /// Acknowledged writes a failover later discarded: each one is lost at this client.
    pub writes_lost: u64,
}

/// The database's per-second history (index i covers seconds i..i+1 of the run).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DatabaseSeries {
    /// Writes arriving per second.
    pub writes_per_s: Vec<f64>,
    /// Writes failing per second.
    pub failed_writes_per_s: Vec<f64>,
    /// Reads arriving per second.
    pub reads_per_s: Vec<f64>,
    /// Stale reads per second.
    pub stale_reads_per_s: Vec<f64>,
    /// 99th percentile of the staleness of the reads served in each second (fresh reads count
    /// as 0), in ms; None in a second that served no read.
    pub staleness_p99_ms: Vec<Option<f64>>,
}

/// Runs the database described by `config` alone, on an event loop of its own, for `duration`
/// and returns what it measured after `warmup`, with the engine's figures (whose trace hash
/// also covers every read's and write's outcome). In a scenario it runs inside the world
/// (`world::run`); alone, its own load is all it serves: this is its unit tests' harness.
pub fn run(
    config: &DatabaseConfig,
    seed: u64,
    duration: SimDuration,
    warmup: SimDuration,
    limits: Limits,
) -> Result<(RunStats, DatabaseResult), RunError> {
    let end = SimTime::ZERO.add(duration);
    let database = model::Database::new(
        config.clone(),
        seed,
        (SimTime::ZERO.add(warmup), end),
        sim_core::series::interval_for(duration),
        0,
    );
    let mut sim = sim_core::Simulation::new(database, limits);
    for (at, event) in sim.model_mut().initial_events() {
        sim.schedule_at(at, event);
    }
    let stats = sim.run_until(end)?;
    let result = sim.model_mut().finish(end);
    Ok((stats, result))
}

#[cfg(test)]
mod tests;
