//! A quorum-replicated key-value store as validated data: its replicas, its read and write
//! quorums, what it does without a quorum, and how writes spread (see `quorum` for the
//! semantics).

use sim_core::{Distribution, SimDuration};

use super::ServiceId;

/// A validated Dynamo-style store of `replicas` replicas `NAME[0]` to `NAME[n-1]`, which
/// services call with `op` `read` or `write` (`DatabaseOp`).
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumConfig {
    /// Unique name; replicas are `NAME[i]`, streams `quorum/NAME/...`.
    pub name: String,
    /// Replicas in all (N), ≥ 1; every key is stored on every replica.
    pub replicas: u32,
    /// Replicas that must answer a read (R), in `1..=replicas`.
    pub read_quorum: u32,
    /// Replicas that must acknowledge a write (W), in `1..=replicas`.
    pub write_quorum: u32,
    /// After a read, the coordinator writes the newest version it saw to every reachable
    /// replica that holds an older one.
    pub read_repair: bool,
    /// What a coordinator does when it cannot reach R (or W) replicas.
    pub on_no_quorum: NoQuorum,
    /// Time from a write's acknowledgement to its arrival at a reachable replica outside its
    /// write quorum.
    pub replication_delay: Distribution,
    /// Every `anti_entropy`, each replica takes the newest version of every key from the
    /// replicas it can reach; `None`: no anti-entropy.
    pub anti_entropy: Option<SimDuration>,
    /// Keys in the key space; each call's key is drawn uniformly from it.
    pub keys: u32,
    /// The world's service that stands for the replicas: replica `i` is `NAME[i]`; its workers
    /// and service time are each coordinator's (`None` in the store's unit tests).
    pub service: Option<ServiceId>,
}

/// What a coordinator does when fewer than the quorum's replicas are reachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoQuorum {
    /// The operation fails (consistency over availability: CP).
    Fail,
    /// The operation is served by the replicas it can reach, at least itself (availability
    /// over consistency: AP); a read may be stale.
    Sloppy,
}
