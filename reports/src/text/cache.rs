//! The caches' table of the text summary: one row per caching client or call edge.

use crate::summary::{CacheSummary, RunSummary};

use super::Table;

/// Appends a blank line and the caches' table to `out`, if any caller has a cache.
pub(super) fn render(out: &mut String, summary: &RunSummary) {
    let mut table = Table::new(&[
        "cache",
        "hits",
        "misses",
        "coalesced",
        "fetches",
        "stale",
        "evicted",
        "saved",
        "hit ratio",
    ]);
    let mut row = |owner: String, c: &CacheSummary| {
        table.row(vec![
            owner,
            c.hits.to_string(),
            c.misses.to_string(),
            c.coalesced.to_string(),
            c.fetches.to_string(),
            c.stale_served.to_string(),
            c.evictions.to_string(),
            c.saved.to_string(),
            format!("{:.1}%", c.hit_ratio * 100.0),
        ]);
    };
    for (name, c) in &summary.clients {
        if let Some(cache) = &c.cache {
            row(format!("client {name}"), cache);
        }
    }
    for (name, s) in &summary.services {
        for call in &s.calls {
            if let Some(cache) = &call.cache {
                row(format!("{name} → {}", call.target), cache);
            }
        }
    }
    let text = table.render();
    if !text.is_empty() {
        out.push('\n');
        out.push_str(&text);
        out.push_str(
            "(saved = downstream requests avoided: hits + coalesced; stale = failed fetches answered with an expired entry, counted as ok)\n",
        );
    }
}
