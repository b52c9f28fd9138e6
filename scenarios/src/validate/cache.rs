//! Validation of a caller's `cache` block (issue #4's caches) onto `models::CacheConfig`.

use models::CacheConfig;

use super::Checker;
use crate::error::{Path, ScenarioError};
use crate::raw;

/// Most keys a cache may have: its entry table (and each calling replica's) is memory.
const KEYS_MAX: u64 = 10_000_000;

/// Largest Zipf exponent: beyond it nearly every request asks for the first key anyway.
const ZIPF_MAX: f64 = 10.0;

impl Checker<'_> {
    /// The cache at `path`; `fanout` is the caller's (1 for a client): a cache needs 1.
    pub(super) fn cache(
        &self,
        path: &Path,
        raw: Option<&raw::Cache>,
        fanout: u32,
    ) -> Result<Option<CacheConfig>, ScenarioError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        if fanout != 1 {
            return Err(self.bad(
                path,
                "is only for a call with `fanout` 1",
                fanout,
                "a fan-out reaches shards with keys of their own; cache each shard's caller instead, or remove `cache`",
            ));
        }
        let keys = self.count(
            &path.key("keys"),
            raw.keys,
            1..=KEYS_MAX,
            (
                "a cache needs at least one key",
                "each caller holds a table of every key; use fewer, coarser keys",
            ),
        )? as u32;
        if !(raw.zipf.is_finite() && (0.0..=ZIPF_MAX).contains(&raw.zipf)) {
            return Err(self.bad(
                &path.key("zipf"),
                "must be between 0 and 10",
                raw.zipf,
                "0 makes every key equally popular, 1 is Zipf's law; web traces measure 0.6–1",
            ));
        }
        let ttl = self.positive_duration(
            &path.key("ttl"),
            &raw.ttl,
            "an entry that is never fresh caches nothing; remove `cache` instead",
        )?;
        let capacity = match raw.capacity {
            None => None,
            Some(capacity) => Some(self.count(
                &path.key("capacity"),
                capacity,
                1..=u64::from(keys),
                (
                    "a cache holds at least one entry",
                    "a capacity above `keys` never evicts; remove it",
                ),
            )? as u32),
        };
        Ok(Some(CacheConfig {
            keys,
            zipf: raw.zipf,
            ttl,
            single_flight: raw.single_flight,
            serve_stale: raw.serve_stale,
            capacity,
        }))
    }
}

#[cfg(test)]
mod tests;
