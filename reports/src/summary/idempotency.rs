//! Issue #4's request-identity figures in the JSON summary: a service's side effects and
//! idempotency-key store, its tied-request copies, and degraded answers. Each object or
//! count is absent (not null, not zero) when nothing happened, so a scenario that uses none
//! of these features prints exactly what it printed before they existed.

use serde::Serialize;

use models::{IdempotencyCounts, TiedCounts};

/// A service's side effects and what its idempotency-key store answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct IdempotencySummary {
    /// Jobs that executed the side effect (finished their own work).
    pub executions: u64,
    /// Executions of a key already executed: executions beyond the first per key.
    pub duplicate_side_effects: u64,
    /// Attempts answered with the stored result of their key's first execution.
    pub idempotent_replays: u64,
    /// Attempts answered with a retryable conflict: their key was executing.
    pub conflicts: u64,
}

/// What tied requests did at a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TiedSummary {
    /// Copies cancelled by their twin before they started (no work done).
    pub cancelled: u64,
    /// Pairs whose copies both started before a cancellation arrived.
    pub both_executed: u64,
}

/// The summary of `counts`, or None if all are zero.
pub fn idempotency(counts: IdempotencyCounts) -> Option<IdempotencySummary> {
    (counts != IdempotencyCounts::default()).then_some(IdempotencySummary {
        executions: counts.executions,
        duplicate_side_effects: counts.duplicate_side_effects,
        idempotent_replays: counts.idempotent_replays,
        conflicts: counts.conflicts,
    })
}

/// The summary of `counts`, or None if both are zero.
pub fn tied(counts: TiedCounts) -> Option<TiedSummary> {
    (counts != TiedCounts::default()).then_some(TiedSummary {
        cancelled: counts.cancelled,
        both_executed: counts.both_executed,
    })
}

/// `count`, or None if it is zero.
pub fn nonzero(count: u64) -> Option<u64> {
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scenarios without these features print exactly what they printed before: nothing.
    #[test]
    fn zero_counts_are_absent_and_any_count_is_present() {
        assert_eq!(idempotency(IdempotencyCounts::default()), None);
        assert_eq!(tied(TiedCounts::default()), None);
        assert_eq!(nonzero(0), None);
        let counts = IdempotencyCounts {
            conflicts: 1,
            ..IdempotencyCounts::default()
        };
        assert_eq!(idempotency(counts).map(|s| s.conflicts), Some(1));
        let t = TiedCounts {
            cancelled: 0,
            both_executed: 2,
        };
        assert_eq!(tied(t).map(|s| s.both_executed), Some(2));
        assert_eq!(nonzero(3), Some(3));
    }
}
