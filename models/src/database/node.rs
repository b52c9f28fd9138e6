//! One database node's replication state: whether it is up, the last log entry it has, and
//! the entries shipped to it that have not arrived yet.
//!
//! Arrivals are kept in a queue instead of being scheduled as events: an entry's arrival time
//! is known when it is shipped, and entries never overtake each other, so the queue is sorted
//! by LSN and by arrival time at once. The model delivers every due entry (arrival ≤ now) at
//! the start of each event, before it looks at any node, so a node's state is exact whenever
//! it is read. Memory is bounded by the entries in flight.

use std::collections::VecDeque;

use sim_core::SimTime;

/// A database node as the replication protocol sees it.
#[derive(Clone, Debug, Default)]
pub(super) struct Node {
    /// Crash faults covering it right now; it is up when there are none.
    pub(super) crashes: u32,
    /// The highest LSN it has, in the current history (0: none).
    pub(super) applied: u64,
    /// When that entry arrived; the next one arrives no earlier.
    pub(super) applied_at: SimTime,
    /// Entries shipped to it that have not arrived: (LSN, arrival), both increasing.
    pending: VecDeque<(u64, SimTime)>,
    /// A replication connection from the leader to it is open.
    pub(super) connected: bool,
}

impl Node {
    /// Whether no crash covers it.
    pub(super) fn up(&self) -> bool {
        self.crashes == 0
    }

    /// The LSN the next shipped entry must have.
    pub(super) fn next_lsn(&self) -> u64 {
        self.pending.back().map_or(self.applied, |&(lsn, _)| lsn) + 1
    }

    /// The arrival time of the latest entry shipped or applied: the floor for the next one.
    pub(super) fn tail(&self) -> SimTime {
        self.pending.back().map_or(self.applied_at, |&(_, at)| at)
    }

    /// Ships entry `lsn`, arriving at `at` (no earlier than `tail`).
    pub(super) fn ship(&mut self, lsn: u64, at: SimTime) {
        assert!(
            self.connected,
            "entries are shipped over an open connection"
        );
        assert_eq!(lsn, self.next_lsn(), "entries are shipped in LSN order");
        assert!(at >= self.tail(), "an entry never overtakes an earlier one");
        self.pending.push_back((lsn, at));
    }

    /// The arrival time of its next entry, if that is due by `now`.
    pub(super) fn due(&self, now: SimTime) -> Option<SimTime> {
        self.pending
            .front()
            .map(|&(_, at)| at)
            .filter(|&at| at <= now)
    }

    /// Applies its next entry (which must be due) and returns (LSN, arrival).
    pub(super) fn apply_next(&mut self) -> (u64, SimTime) {
        let (lsn, at) = self
            .pending
            .pop_front()
            .expect("apply_next follows a due entry");
        assert_eq!(lsn, self.applied + 1, "entries apply in LSN order");
        assert!(at >= self.applied_at, "arrivals never go back in time");
        self.applied = lsn;
        self.applied_at = at;
        (lsn, at)
    }

    /// Closes its connection: entries still in flight are dropped.
    pub(super) fn disconnect(&mut self) {
        self.pending.clear();
        self.connected = false;
    }

    /// Discards every entry it has beyond `lsn` (a failover chose a shorter history).
    pub(super) fn truncate(&mut self, lsn: u64) {
        assert!(
            self.pending.is_empty(),
            "no entry is in flight while there is no leader"
        );
        self.applied = self.applied.min(lsn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> SimTime {
        SimTime::from_nanos(ms * 1_000_000)
    }

    #[test]
    fn entries_arrive_in_order_and_a_disconnect_drops_those_in_flight() {
        let mut node = Node {
            connected: true,
            ..Node::default()
        };
        node.ship(1, at(5));
        node.ship(2, at(5));
        node.ship(3, at(9));
        assert_eq!(node.tail(), at(9));
        assert_eq!(node.due(at(4)), None);
        assert_eq!(node.due(at(5)), Some(at(5)));
        assert_eq!(node.apply_next(), (1, at(5)));
        assert_eq!(node.apply_next(), (2, at(5)));
        assert_eq!(node.due(at(6)), None);
        node.disconnect();
        assert_eq!(node.applied, 2);
        assert_eq!(node.next_lsn(), 3, "the follower asks again from 3");
        node.truncate(1);
        assert_eq!(node.applied, 1);
    }
}
