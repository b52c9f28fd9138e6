//! The `outboxes` object of the run summary: each service's write-and-publish pair (dual
//! write or transactional outbox), counted per operation, present only when some service has
//! an `outbox` block.

use serde::Serialize;

use models::outbox::{OutboxMode, OutboxResult};

use super::Quantiles;

/// What a service's write-and-publish pair counted of the operations begun after the
/// warm-up, classed when arrivals ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutboxSummary {
    /// `"dual_write"` or `"outbox"`.
    pub mode: String,
    /// Operations begun (jobs that made the pair's first call).
    pub operations: u64,
    /// Operations whose database write committed.
    pub committed: u64,
    /// Operations whose event the queue stored (each once, however often it was published).
    pub published: u64,
    /// Committed and published.
    pub consistent: u64,
    /// Committed, never published, and nothing left to publish it.
    pub lost: u64,
    /// Published, never committed, and nothing left to commit it.
    pub invented: u64,
    /// One step done when arrivals ended and the other still possible (its job still ran, or
    /// its row waited in the outbox table).
    pub pending_end: u64,
    /// Neither step done when arrivals ended, its job still running: operations = consistent
    /// + lost + invented + pending_end + in_flight_end + aborted.
    pub in_flight_end: u64,
    /// Neither step done (the first call failed).
    pub aborted: u64,
    /// Publishes of an event published before (the relay's republish after a crash).
    pub duplicates: u64,
    /// Relay polls that published something (outbox mode; 0 in dual write).
    pub relay_polls: u64,
    /// Commit to first publication of each event, in ms (null when none was published after
    /// its commit).
    pub lag_ms: Quantiles,
}

impl OutboxSummary {
    /// The summary of one pair's measurements.
    pub fn of(result: &OutboxResult) -> OutboxSummary {
        let c = &result.counts;
        OutboxSummary {
            mode: match result.mode {
                OutboxMode::DualWrite => "dual_write",
                OutboxMode::Outbox => "outbox",
            }
            .to_string(),
            operations: c.operations,
            committed: c.committed,
            published: c.published,
            consistent: c.consistent,
            lost: c.lost,
            invented: c.invented,
            pending_end: c.pending_end,
            in_flight_end: c.in_flight_end,
            aborted: c.aborted,
            duplicates: c.duplicates,
            relay_polls: c.relay_polls,
            lag_ms: Quantiles::of(&result.lag),
        }
    }

    /// Its line in the text report.
    pub fn line(&self, service: &str) -> String {
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
        format!(
            "\n{} {service}: {} operations, {} committed, {} published; {} lost, {} invented, {} pending and {} in flight at end, {} aborted; {} duplicate publishes; lag mean {} ms, max {} ms\n",
            self.mode.replace('_', " "),
            self.operations,
            self.committed,
            self.published,
            self.lost,
            self.invented,
            self.pending_end,
            self.in_flight_end,
            self.aborted,
            self.duplicates,
            ms(self.lag_ms.mean),
            ms(self.lag_ms.max),
        )
    }
}
