//! The `cache` object of a client or a call edge in the run summary, present only when the
//! caller has a cache.

use serde::Serialize;

use models::CacheCounts;

use super::{ratio, round};

/// What a cache did after the warm-up (a call edge's summed over its calling replicas).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CacheSummary {
    /// Lookups answered from a fresh entry, with no downstream request.
    pub hits: u64,
    /// Lookups that found no fresh entry (`coalesced` + `fetches`).
    pub misses: u64,
    /// Misses that waited for a fetch already in flight (single flight) and took its answer.
    pub coalesced: u64,
    /// Misses that went downstream: one downstream request each (before retries).
    pub fetches: u64,
    /// Requests answered with an expired entry because their fetch failed (counted as
    /// succeeded by the caller).
    pub stale_served: u64,
    /// Entries evicted to make room (with a `capacity`).
    pub evictions: u64,
    /// Downstream requests the cache saved: `hits` + `coalesced`.
    pub saved: u64,
    /// `hits` / (`hits` + `misses`).
    pub hit_ratio: f64,
}

impl CacheSummary {
    /// The summary of `counts`.
    pub fn of(counts: &CacheCounts) -> CacheSummary {
        CacheSummary {
            hits: counts.hits,
            misses: counts.misses,
            coalesced: counts.coalesced,
            fetches: counts.fetches,
            stale_served: counts.stale_served,
            evictions: counts.evictions,
            saved: counts.hits + counts.coalesced,
            hit_ratio: round(
                ratio(counts.hits as f64, (counts.hits + counts.misses) as f64),
                6,
            ),
        }
    }
}
