//! A quorum-replicated key-value store (Dynamo-style): N replicas, a read quorum R and a write
//! quorum W, read repair and anti-entropy, and the CAP choice under a partition: fail the
//! requests that cannot reach a quorum (CP) or serve them from the replicas they can reach,
//! possibly stale (AP).
//!
//! ```text
//! api ──op: write──▶ kv[i] coordinator ──▶ every replica it reaches; the W first to answer
//!                                          have it at once, the others after a delay
//! api ──op: read───▶ kv[j] coordinator ──▶ the R first to answer: the newest version wins;
//!                                          read repair updates the reachable stale ones
//! partition { kv[2] } | { kv[0], kv[1] }: kv[2] reaches only itself, fewer than R or W:
//!                                          CP fails the call, AP serves it (maybe stale)
//! ```
//!
//! The store is a component of the world (`component`) and a callee of its services, as the
//! database is: it stands in the world as a service named after it whose replicas are its
//! replicas, so the world's faults (crashes, partitions between its replicas, zones) hit it
//! and its one trace hash covers it. Its events (anti-entropy rounds) run on the world's one
//! event loop; the hash also folds every call's outcome (its key, version, how far behind).
//!
//! # Semantics
//!
//! - **Data.** Every replica holds every key of the key space (`keys`), each at a version:
//!   0 before the first write, then the number of writes of the key acknowledged so far (a
//!   store-wide counter per key, as if every write carried a perfectly synchronised
//!   timestamp: last writer wins). A replica keeps its data across a crash (it is on disk).
//! - **Coordinator.** A service's call goes to a replica the store's balancer picks (round
//!   robin), which coordinates it when its worker has done the call's `service_time` (the
//!   whole round trip to the replicas). The operation then happens at that instant: the
//!   coordinator reaches a replica iff the replica is up, not paused, and no partition (or
//!   isolation, refusal, or a flapping link while down) cuts either direction between them;
//!   it always reaches itself.
//! - **Response order.** The coordinator answers first (it is local), then the others in a
//!   random order (a fresh permutation per call from `quorum/NAME/order`): the first R (or W)
//!   reachable ones in that order are the quorum.
//! - **Writes.** With at least W reachable replicas the write is acknowledged with the key's
//!   next version: its W quorum replicas have it at once, every other reachable replica
//!   after a `replication_delay` (drawn per replica), and unreachable replicas miss it: they
//!   catch up only through a later write, read repair or anti-entropy (no hinted handoff).
//! - **Reads.** With at least R reachable replicas the read returns the newest version
//!   among its R quorum replicas. It is **stale** iff that version is older than the newest
//!   write of the key acknowledged before the read (versions behind = the difference). With
//!   `read_repair`, every reachable replica holding an older version than the newest any of
//!   them holds is then brought up to it (one `read_repair` per replica updated): Dynamo's
//!   coordinator compares the late answers too.
//! - **No quorum.** With fewer reachable replicas than the quorum, `fail` (CP) fails the call
//!   (nothing is written); `sloppy` (AP) serves it from every reachable replica: a write is
//!   acknowledged with the next version on those replicas only, a read returns their newest.
//!   Both are counted as `sloppy_reads` / `sloppy_writes` besides `reads` / `writes`.
//! - **Anti-entropy.** Every `anti_entropy` (if set), each pair of replicas that reach each
//!   other, in index order, exchanges every key's newest version (Merkle-tree sync, modelled
//!   as instant); each replica-key updated is one `anti_entropy_repairs`.
//! - **Guarantee.** With R + W > N and no sloppy write, every read quorum overlaps the write
//!   quorum of every acknowledged write, so no read is stale, partition or not: a partition
//!   only fails calls. With R + W ≤ N a read may miss a write its quorum did not get yet.
//!
//! # Random streams
//!
//! `quorum/NAME/keys` (one key per call), `quorum/NAME/order` (N − 2 draws per call: the
//! coordinator is first and the last place takes the replica left) and
//! `quorum/NAME/delay` (N draws per write call, one per replica whether used or not), so the
//! draws of one call do not depend on what the partition lets it reach: CP and AP variants
//! see the same keys and response orders (common random numbers).
//!
//! # Measurement
//!
//! A call counts in the store's figures and its client's if its client's request is
//! measured (after the warm-up); anti-entropy repairs if they happen after the warm-up.
//!
//! # Sources
//!
//! - G. DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store", SOSP 2007,
//!   §4.5 (R + W > N quorums, sloppy quorum), §4.7 (anti-entropy with Merkle trees).
//! - E. Brewer, "CAP Twelve Years Later: How the 'Rules' Have Changed", IEEE Computer 45(2),
//!   2012: under a partition a system chooses consistency (refuse) or availability (serve).
//! - Apache Cassandra documentation, "Read repair" and consistency levels (QUORUM, ONE).
//!
//! Not modelled: per-replica service time and queueing (the coordinator's worker covers the
//! round trip), hinted handoff, vector clocks and concurrent-write conflicts (last writer
//! wins), and consistent-hashing placement (every replica holds every key).

use sim_core::{Limits, RunError, RunStats, SimDuration, SimTime};

use crate::config::{NoQuorum, QuorumConfig};

mod store;

pub(crate) use store::{Event, Quorum};

/// What the store measured after the warm-up.
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumResult {
    /// The store's name.
    pub name: String,
    /// Replicas in all (N).
    pub replicas: u32,
    /// The read quorum (R).
    pub read_quorum: u32,
    /// The write quorum (W).
    pub write_quorum: u32,
    /// Whether reads repair the replicas they find behind.
    pub read_repair: bool,
    /// What a call without a quorum does.
    pub on_no_quorum: NoQuorum,
    /// What its calls met, summed over every caller.
    pub calls: QuorumCalls,
    /// Replica-keys anti-entropy brought up to date.
    pub anti_entropy_repairs: u64,
    /// Calls each replica coordinated, by index.
    pub coordinated: Vec<u64>,
}

/// What one client's requests (or all of them) met at the quorum store through services'
/// calls, counted for measured requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuorumCalls {
    /// Reads the calls made (served, sloppy or failed).
    pub reads: u64,
    /// Writes the calls made.
    pub writes: u64,
    /// Reads served with a version older than a write acknowledged before them.
    pub stale_reads: u64,
    /// Reads that failed: fewer than R replicas reachable under `fail`.
    pub failed_reads: u64,
    /// Writes that failed: fewer than W replicas reachable under `fail`.
    pub failed_writes: u64,
    /// Reads served without a read quorum (under `sloppy`).
    pub sloppy_reads: u64,
    /// Writes acknowledged without a write quorum (under `sloppy`).
    pub sloppy_writes: u64,
    /// Replicas that reads brought up to date (read repair).
    pub read_repairs: u64,
}

/// Runs the store described by `config` alone, on an event loop of its own, for `duration`
/// under `rate_per_s` calls per second (Poisson; half reads, half writes, each coordinated
/// by a uniformly chosen replica, every replica reachable), and returns what it measured
/// after `warmup`, with the engine's figures. In a scenario it runs inside the world and
/// services' calls are its load; alone, this is its unit tests' harness.
pub fn run(
    config: &QuorumConfig,
    seed: u64,
    (duration, warmup): (SimDuration, SimDuration),
    rate_per_s: f64,
    limits: Limits,
) -> Result<(RunStats, QuorumResult), RunError> {
    let end = SimTime::ZERO.add(duration);
    let mut quorum = Quorum::new(config.clone(), seed, SimTime::ZERO.add(warmup), 0);
    quorum.standalone(rate_per_s, seed);
    let mut sim = sim_core::Simulation::new(quorum, limits);
    for (at, event) in sim.model_mut().initial_events() {
        sim.schedule_at(at, event);
    }
    let stats = sim.run_until(end)?;
    let result = sim.model_mut().result(end);
    Ok((stats, result))
}

#[cfg(test)]
mod tests;
