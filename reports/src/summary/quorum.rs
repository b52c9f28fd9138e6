//! The `quorum` object of the run summary (a quorum-replicated store's reads, writes, stale,
//! failed and sloppy calls), present only when the scenario has one, and the `quorum` object
//! of each client that reached it.

use serde::Serialize;

use models::{NoQuorum, QuorumCalls, QuorumResult};

use super::round;

/// What a quorum store measured after the warm-up, in the summary's units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuorumSummary {
    /// The store's name.
    pub name: String,
    /// Replicas in all (N).
    pub replicas: u32,
    /// The read quorum (R).
    pub read_quorum: u32,
    /// The write quorum (W).
    pub write_quorum: u32,
    /// `"fail"` (CP) or `"sloppy"` (AP).
    pub on_no_quorum: String,
    /// Whether reads repair the replicas they find behind.
    pub read_repair: bool,
    /// What its calls met, summed over every caller.
    #[serde(flatten)]
    pub calls: ClientQuorumSummary,
    /// Replica-keys anti-entropy brought up to date.
    pub anti_entropy_repairs: u64,
    /// Calls each replica coordinated, by index.
    pub coordinated: Vec<u64>,
}

impl QuorumSummary {
    /// The summary of one store's measurements.
    pub fn of(result: &QuorumResult) -> QuorumSummary {
        QuorumSummary {
            name: result.name.clone(),
            replicas: result.replicas,
            read_quorum: result.read_quorum,
            write_quorum: result.write_quorum,
            on_no_quorum: match result.on_no_quorum {
                NoQuorum::Fail => "fail",
                NoQuorum::Sloppy => "sloppy",
            }
            .to_string(),
            read_repair: result.read_repair,
            calls: ClientQuorumSummary::of(&result.calls),
            anti_entropy_repairs: result.anti_entropy_repairs,
            coordinated: result.coordinated.clone(),
        }
    }
}

/// What calls met at a quorum store after the warm-up: the `quorum` object of a client (its
/// requests' calls), present only when services call a store.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ClientQuorumSummary {
    /// Reads the calls made (served, sloppy or failed).
    pub reads: u64,
    /// Reads that failed: fewer than R replicas reachable under `fail`.
    pub failed_reads: u64,
    /// Reads served without a read quorum (under `sloppy`).
    pub sloppy_reads: u64,
    /// Reads served with a version older than a write acknowledged before them.
    pub stale_reads: u64,
    /// Stale reads per served read; null without one.
    pub stale_fraction: Option<f64>,
    /// Writes the calls made.
    pub writes: u64,
    /// Writes that failed: fewer than W replicas reachable under `fail`.
    pub failed_writes: u64,
    /// Writes acknowledged without a write quorum (under `sloppy`).
    pub sloppy_writes: u64,
    /// Replicas that reads brought up to date (read repair).
    pub read_repairs: u64,
}

impl ClientQuorumSummary {
    /// The summary of `calls`.
    pub fn of(calls: &QuorumCalls) -> ClientQuorumSummary {
        let served = calls.reads - calls.failed_reads;
        ClientQuorumSummary {
            reads: calls.reads,
            failed_reads: calls.failed_reads,
            sloppy_reads: calls.sloppy_reads,
            stale_reads: calls.stale_reads,
            stale_fraction: (served > 0)
                .then(|| round(calls.stale_reads as f64 / served as f64, 6)),
            writes: calls.writes,
            failed_writes: calls.failed_writes,
            sloppy_writes: calls.sloppy_writes,
            read_repairs: calls.read_repairs,
        }
    }

    /// The summary in one line of words (no name).
    pub fn words(&self) -> String {
        let stale = match self.stale_fraction {
            Some(f) => format!(" ({:.2}% of those served)", f * 100.0),
            None => String::new(),
        };
        format!(
            "{} reads, {} stale{stale}, {} failed without a quorum, {} served without one; {} writes, {} failed without a quorum, {} acknowledged without one; {} read repairs",
            self.reads,
            self.stale_reads,
            self.failed_reads,
            self.sloppy_reads,
            self.writes,
            self.failed_writes,
            self.sloppy_writes,
            self.read_repairs
        )
    }
}
