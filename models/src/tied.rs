//! Tied requests (Dean & Barroso, "The Tail at Scale", CACM 2013, section "Tied requests").
//!
//! A caller with `"hedge": { "tied": true }` sends each attempt to two replicas at once, each
//! copy tagged with the other. When one copy begins execution (a worker takes it, at once or
//! from the queue) its server sends a cancellation to the other copy's server, across the
//! network. A copy that has not started when the cancellation arrives is dropped without doing
//! any work (if still on its way or queued; a queued one is skipped when a worker reaches it),
//! and its caller stops waiting for it. If both copies start before either cancellation lands
//! (the paper's "both servers might start executing"), both run to the end: that is counted as
//! `both_executed`, and the caller takes the first reply, as with a hedge.
//!
//! A tied copy is counted as a hedge attempt (`hedges`, worker time in `work.hedge_ns`); it
//! goes to a different replica than its twin whenever the service has more than one.
//! The event-loop side lives in `world` (`world/tied.rs`); this module holds its counts and
//! the choice of the second replica.

/// What tied requests did at the service that ran the copies (attempts that reached it after
/// the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TiedCounts {
    /// Copies cancelled by their twin before they started (no work done).
    pub cancelled: u64,
    /// Pairs whose two copies both started executing (the cancellation came too late).
    pub both_executed: u64,
}

/// The replica for a tied copy: the balancer's `picked`, unless that is `twin`'s replica, in
/// which case the next one (of `replicas`) is taken, so the copies never share a queue.
pub fn second_replica(picked: u32, twin: u32, replicas: u32) -> u32 {
    if picked == twin && replicas > 1 {
        (picked + 1) % replicas
    } else {
        picked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paper sends the two copies to different servers.
    #[test]
    fn the_second_copy_avoids_its_twins_replica() {
        assert_eq!(second_replica(2, 2, 3), 0);
        assert_eq!(second_replica(1, 1, 3), 2);
        assert_eq!(second_replica(0, 1, 3), 0);
        assert_eq!(
            second_replica(0, 0, 1),
            0,
            "one replica: nowhere else to go"
        );
    }
}
