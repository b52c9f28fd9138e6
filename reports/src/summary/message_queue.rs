//! The `queues` object of the run summary: each message queue's accounting (published,
//! delivered, acknowledged, redelivered, dead-lettered, duplicates) and its consumer lag,
//! present only when the scenario has queues.

use serde::Serialize;

use models::{MessageQueueResult, WhenFull};

use super::{round, Quantiles};

/// What a message queue measured after the warm-up, in the summary's units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueSummary {
    /// Partitions.
    pub partitions: u32,
    /// `"block"`, `"error"` or `"drop"`.
    pub when_full: String,
    /// Whether the consumer keeps a store of the ids it applied.
    pub idempotent: bool,
    /// Messages stored by a publish (dropped ones included).
    pub published: u64,
    /// Deliveries to the consumer (first ones and redeliveries).
    pub delivered: u64,
    /// Messages acknowledged.
    pub acked: u64,
    /// Deliveries of a message delivered before.
    pub redelivered: u64,
    /// Deliveries that failed (an error, a refusal or the visibility timeout).
    pub failed_deliveries: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// Messages discarded because their partition was full (`when_full: drop`).
    pub dropped: u64,
    /// Publishes refused because their partition was full (`when_full: error`).
    pub rejected: u64,
    /// Publishes that waited for room (`when_full: block`).
    pub blocked: u64,
    /// Measured messages still held when the measured window ended: published = acked +
    /// dead_lettered + dropped + in_flight_end.
    pub in_flight_end: u64,
    /// Effects the consumer applied (duplicates included).
    pub effects: u64,
    /// Effects applied a second time to one message.
    pub duplicates: u64,
    /// Effects an idempotent consumer refused.
    pub deduplicated: u64,
    /// Publication to first delivery of each message (its consumer lag), in ms.
    pub wait_ms: Quantiles,
    /// The most messages held at once (consumer lag in messages).
    pub lag_max_messages: u64,
    /// The greatest age of the oldest message held (consumer lag in seconds).
    pub lag_max_s: f64,
    /// Messages held when the measured window ended.
    pub lag_end_messages: u64,
    /// Age of the oldest message held then; 0 when none was.
    pub lag_end_s: f64,
    /// Mean messages held in each series interval.
    pub lag_series: Vec<f64>,
}

impl QueueSummary {
    /// The summary of one queue's measurements.
    pub fn of(result: &MessageQueueResult) -> QueueSummary {
        let c = &result.counts;
        QueueSummary {
            partitions: result.partitions,
            when_full: match result.when_full {
                WhenFull::Block => "block",
                WhenFull::Error => "error",
                WhenFull::Drop => "drop",
            }
            .to_string(),
            idempotent: result.idempotent,
            published: c.published,
            delivered: c.delivered,
            acked: c.acked,
            redelivered: c.redelivered,
            failed_deliveries: c.failed,
            dead_lettered: c.dead_lettered,
            dropped: c.dropped,
            rejected: c.rejected,
            blocked: c.blocked,
            in_flight_end: result.in_flight_end,
            effects: c.effects,
            duplicates: c.duplicates,
            deduplicated: c.deduplicated,
            wait_ms: Quantiles::of(&result.wait),
            lag_max_messages: result.lag_messages_max,
            lag_max_s: round(result.lag_max.as_secs_f64(), 6),
            lag_end_messages: result.lag_messages_end,
            lag_end_s: round(result.lag_end.as_secs_f64(), 6),
            lag_series: result.lag_series.iter().map(|&m| round(m, 3)).collect(),
        }
    }
}
