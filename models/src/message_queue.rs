//! A message queue (Kafka/SQS-like) as a component of the world: partitions that hold
//! messages up to a capacity, deliveries to a consumer service with a visibility timeout,
//! at-least-once redelivery, a dead-letter queue after `max_deliveries`, and backpressure.
//!
//! ```text
//!  publisher ──call {op: publish}──▶ queue replica p (partition p): stored, or when full
//!                                     block / error / drop
//!  partition p: ready ─▶ in flight (≤ concurrency) ──delivery request──▶ consumer service
//!                 ▲            │ acked (Ok reply): removed
//!                 │            │ failed (error, refusal, timeout = visibility timeout):
//!                 └─ visible ◀─┘   invisible until delivery + visibility timeout, then ready
//!                                  again, or dead-lettered after max_deliveries deliveries
//! ```
//!
//! The queue itself is a pure state machine over `now`: the world (`world/message_queue.rs`)
//! turns a publish into `publish`, a delivery into an ordinary request of the world whose
//! attempt timeout is the visibility timeout (so a crashed or slow consumer is a timeout),
//! its outcome into `delivery_ended`, and the consumer's work into `effect`. The one event of
//! its own, `Event::Visible`, ends the invisibility of a message whose delivery failed before
//! its visibility timeout (SQS: a message not deleted becomes visible again when its
//! visibility timeout expires, whatever the consumer did; the receive count decides the
//! dead-letter queue).
//!
//! Definitions (all over the measured window, after the warm-up):
//! - a message counts when it was published after the warm-up, and each of its deliveries,
//!   acknowledgement, dead-lettering and duplicate effects count with it, so that
//!   `published = acked + dead_lettered + dropped + lag at end (of measured messages)`;
//! - consumer lag in messages is the messages a partition holds (ready, in flight or
//!   invisible), summed over partitions; in seconds, the age of the oldest one;
//! - a message's wait is the time from its publication to its first delivery (the consumer
//!   lag it saw; in an M/M/c queue its mean is Erlang C's W_q);
//! - an effect is a consumer's job finishing its own work for a delivery; a second effect of
//!   one message is a duplicate, which an idempotent consumer (a store of the ids it applied)
//!   refuses (counted as deduplicated).
//!
//! Messages whose effect was applied are remembered one bit per message published, so with
//! queues memory grows by a bit per message: the ledger of duplicates needs every id (like
//! `idempotency::SideEffectLedger`).

use std::collections::{BTreeMap, VecDeque};

use sim_core::series::LevelSeries;
use sim_core::{Histogram, SimDuration, SimTime, Stream, TraceCode};

pub use crate::config::{MessageQueueConfig, WhenFull};
use crate::key::JobKey;

/// One message queue: its partitions and what it counted.
#[derive(Clone, Debug)]
pub struct MessageQueue {
    /// Its configuration.
    pub config: MessageQueueConfig,
    /// Its index among the world's queues (in message ids).
    index: u32,
    partitions: Vec<Partition>,
    /// Messages published so far (the next message's sequence number).
    published: u64,
    /// Whether each message is poison, drawn at publication; `None` when none is.
    poison: Option<Stream>,
    /// One bit per message: its effect was applied.
    effects: Vec<u64>,
    /// The key of each message published with one (an outbox's relay), by sequence number:
    /// every publication of one event carries its key, so an idempotent consumer dedups them.
    keys: BTreeMap<u64, u64>,
    /// The keys whose effect was applied.
    keyed_effects: std::collections::BTreeSet<u64>,
    warmup_end: SimTime,
    counts: QueueCounts,
    /// Publication to first delivery of each measured message.
    wait: Histogram,
    /// Messages held, summed over partitions (the lag in messages).
    held: u64,
    lag_series: LevelSeries,
    lag_messages_max: u64,
    lag_max: SimDuration,
}

/// What a queue counted of the messages published after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueCounts {
    /// Messages stored by a publish (dropped ones included).
    pub published: u64,
    /// Publishes refused because their partition was full (`when_full: error`).
    pub rejected: u64,
    /// Publishes that waited for room (`when_full: block`).
    pub blocked: u64,
    /// Messages discarded because their partition was full (`when_full: drop`).
    pub dropped: u64,
    /// Deliveries to the consumer (first ones and redeliveries).
    pub delivered: u64,
    /// Deliveries of a message delivered before.
    pub redelivered: u64,
    /// Messages acknowledged (removed after a successful delivery).
    pub acked: u64,
    /// Deliveries that failed (an error reply, a refusal or the visibility timeout).
    pub failed: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// Effects the consumer applied.
    pub effects: u64,
    /// Effects applied to a message whose effect had been applied before.
    pub duplicates: u64,
    /// Effects an idempotent consumer refused because it had applied the message's.
    pub deduplicated: u64,
}

/// What a queue measured, as it stood when arrivals ended.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageQueueResult {
    /// The queue's name.
    pub name: String,
    /// Its partitions.
    pub partitions: u32,
    /// What a full partition does.
    pub when_full: WhenFull,
    /// Whether its consumer is idempotent.
    pub idempotent: bool,
    /// Its counts.
    pub counts: QueueCounts,
    /// Publication to first delivery of each measured message.
    pub wait: Histogram,
    /// The most messages its partitions held at once after the warm-up.
    pub lag_messages_max: u64,
    /// The greatest age of its oldest message after the warm-up.
    pub lag_max: SimDuration,
    /// Messages held at the end.
    pub lag_messages_end: u64,
    /// Age of the oldest message held at the end (zero when none is).
    pub lag_end: SimDuration,
    /// Measured messages still held at the end (waiting, in flight or invisible).
    pub in_flight_end: u64,
    /// Mean messages held in each series interval (`RunResult::series_interval`).
    pub lag_series: Vec<f64>,
}

/// A message's identity: its queue, its sequence number in the queue, and whether it is
/// poison, in one word (a delivery request's key, which its attempts and jobs carry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// Bytes a held message costs: its entry in a B-tree node (key and value, with the node's
/// slack) and its id in the ready list.
const MESSAGE_BYTES: u64 = 2 * (8 + std::mem::size_of::<Message>() as u64) + 8;

/// Bytes a keyed message's entries take (its key by sequence number, and the key once
/// applied), each a B-tree entry with the node's slack.
const KEY_BYTES: u64 = 2 * 16;

/// Sequence numbers take 47 bits: beyond 10^14 messages per queue a run would hit its
/// event guard first.
const SEQ_BITS: u32 = 47;

impl MessageId {
    /// The id of message `seq` of queue `queue`.
    pub fn new(queue: u32, seq: u64, poison: bool) -> MessageId {
        assert!(seq < 1 << SEQ_BITS, "a queue's messages fit in 47 bits");
        MessageId(u64::from(queue) << (SEQ_BITS + 1) | seq << 1 | u64::from(poison))
    }

    /// The queue's index.
    pub fn queue(self) -> u32 {
        (self.0 >> (SEQ_BITS + 1)) as u32
    }

    /// Its sequence number in its queue.
    pub fn seq(self) -> u64 {
        (self.0 >> 1) & ((1 << SEQ_BITS) - 1)
    }

    /// Every delivery of it fails.
    pub fn poison(self) -> bool {
        self.0 & 1 == 1
    }
}

/// What became of a publish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publish {
    /// Stored in its partition.
    Stored,
    /// The partition was full: acknowledged and discarded (`WhenFull::Drop`).
    Dropped,
    /// The partition was full: refused (`WhenFull::Error`).
    Rejected,
    /// The partition was full: the publish waits for room (`WhenFull::Block`).
    Blocked,
}

/// What became of a message when a delivery of it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Acknowledged and removed.
    Acked,
    /// Moved to the dead-letter queue after its last allowed delivery.
    DeadLettered,
    /// Ready again at once (its visibility timeout has passed).
    Ready,
    /// Invisible until then (`Event::Visible`).
    Invisible(SimTime),
}

/// What a consumer's effect for a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Applied for the first time.
    Applied,
    /// Applied again: a duplicate effect.
    Duplicate,
    /// Refused by the idempotent consumer's store.
    Deduplicated,
}

/// The queues' own event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message's invisibility after a failed delivery ends: it is ready again.
    Visible {
        /// The message.
        message: MessageId,
        /// Its partition.
        partition: u32,
    },
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        let Event::Visible { message, partition } = *self;
        message.0 ^ u64::from(partition).rotate_left(32)
    }
}

/// One partition's messages.
#[derive(Clone, Debug, Default)]
struct Partition {
    /// Messages ready for delivery, in delivery order.
    ready: VecDeque<MessageId>,
    /// Every message it holds, oldest first.
    held: BTreeMap<u64, Message>,
    /// Deliveries in flight.
    in_flight: u32,
    /// Publishes waiting for room, oldest first (`WhenFull::Block`).
    blocked: VecDeque<JobKey>,
}

/// A message held by a partition.
#[derive(Clone, Copy, Debug)]
struct Message {
    published: SimTime,
    /// Deliveries so far.
    deliveries: u32,
    /// When its latest delivery was sent.
    delivered_at: SimTime,
    /// Published after the warm-up.
    measured: bool,
}

impl MessageQueue {
    /// Queue number `index` of a world with master seed `seed`, measured from `warmup_end`,
    /// its lag series in rows of `interval`.
    pub fn new(
        config: MessageQueueConfig,
        index: u32,
        seed: u64,
        warmup_end: SimTime,
        interval: SimDuration,
    ) -> MessageQueue {
        let poison = (config.poison.get() > 0.0)
            .then(|| Stream::new(seed, &format!("queue/{}/poison", config.name)));
        MessageQueue {
            partitions: vec![Partition::default(); config.partitions as usize],
            config,
            index,
            published: 0,
            poison,
            effects: Vec::new(),
            keys: BTreeMap::new(),
            keyed_effects: std::collections::BTreeSet::new(),
            warmup_end,
            counts: QueueCounts::default(),
            wait: Histogram::new(),
            held: 0,
            lag_series: LevelSeries::new(interval),
            lag_messages_max: 0,
            lag_max: SimDuration::ZERO,
        }
    }

    /// A publish reaches `partition` at `now`: stored if there is room, else what
    /// `when_full` says (a blocked publish `job` waits for `unblock`).
    pub fn publish(&mut self, partition: u32, job: JobKey, now: SimTime) -> Publish {
        let measured = now >= self.warmup_end;
        let p = &mut self.partitions[partition as usize];
        if p.held.len() as u64 >= u64::from(self.config.capacity) {
            let outcome = match self.config.when_full {
                WhenFull::Block => {
                    p.blocked.push_back(job);
                    self.counts.blocked += u64::from(measured);
                    Publish::Blocked
                }
                WhenFull::Error => {
                    self.counts.rejected += u64::from(measured);
                    Publish::Rejected
                }
                WhenFull::Drop => {
                    self.counts.published += u64::from(measured);
                    self.counts.dropped += u64::from(measured);
                    Publish::Dropped
                }
            };
            return outcome;
        }
        self.store(partition, now);
        Publish::Stored
    }

    /// An outbox relay's publish of the event with `key` reaches `partition` at `now`: stored
    /// if there is room (`true`); a full partition refuses it whatever `when_full` says (the
    /// relay keeps the row and tries again at its next poll).
    pub fn publish_keyed(&mut self, partition: u32, key: u64, now: SimTime) -> bool {
        let p = &self.partitions[partition as usize];
        if p.held.len() as u64 >= u64::from(self.config.capacity) {
            return false;
        }
        self.keys.insert(self.published, key);
        self.store(partition, now);
        true
    }

    /// The publish that waited longest for room in `partition`, stored now that a message
    /// has left it; `None` if none waits or there is still no room. The world checks that
    /// the job is still there (a crash of the partition's replica removes it).
    pub fn unblock(&mut self, partition: u32) -> Option<JobKey> {
        let p = &mut self.partitions[partition as usize];
        if p.held.len() as u64 >= u64::from(self.config.capacity) {
            return None;
        }
        p.blocked.pop_front()
    }

    /// Stores a publish that waited for room (`unblock` gave its job, still live).
    pub fn store_unblocked(&mut self, partition: u32, now: SimTime) {
        self.store(partition, now);
    }

    /// The next message `partition` delivers at `now`, if one is ready and fewer than
    /// `concurrency` deliveries are in flight.
    pub fn next_delivery(&mut self, partition: u32, now: SimTime) -> Option<MessageId> {
        let p = &mut self.partitions[partition as usize];
        if p.in_flight >= self.config.concurrency {
            return None;
        }
        let message = p.ready.pop_front()?;
        p.in_flight += 1;
        let m = p
            .held
            .get_mut(&message.seq())
            .expect("a ready message is held");
        m.deliveries += 1;
        m.delivered_at = now;
        if m.measured {
            self.counts.delivered += 1;
            if m.deliveries == 1 {
                self.wait.record(now.since(m.published));
            } else {
                self.counts.redelivered += 1;
            }
        }
        Some(message)
    }

    /// A delivery of `message` from `partition` ended at `now`, acknowledged (`ok`) or not.
    pub fn delivery_ended(
        &mut self,
        message: MessageId,
        partition: u32,
        ok: bool,
        now: SimTime,
    ) -> Ended {
        let p = &mut self.partitions[partition as usize];
        assert!(p.in_flight > 0, "a delivery ends once");
        p.in_flight -= 1;
        let m = *p
            .held
            .get(&message.seq())
            .expect("a delivered message is held");
        let counted = u64::from(m.measured);
        if ok {
            self.counts.acked += counted;
            self.remove(partition, message, now);
            return Ended::Acked;
        }
        self.counts.failed += counted;
        if self
            .config
            .max_deliveries
            .is_some_and(|n| m.deliveries >= n)
        {
            self.counts.dead_lettered += counted;
            self.remove(partition, message, now);
            return Ended::DeadLettered;
        }
        let visible = m.delivered_at.add(self.config.visibility_timeout);
        if visible <= now {
            self.partitions[partition as usize].ready.push_back(message);
            Ended::Ready
        } else {
            Ended::Invisible(visible)
        }
    }

    /// `message`'s invisibility ended (`Event::Visible`): it is ready again.
    pub fn visible(&mut self, message: MessageId, partition: u32) {
        self.partitions[partition as usize].ready.push_back(message);
    }

    /// The consumer finished its own work for a delivery of `message` at `now`.
    pub fn effect(&mut self, message: MessageId, now: SimTime) -> Effect {
        let seq = message.seq() as usize;
        let (word, bit) = (seq / 64, 1u64 << (seq % 64));
        if self.effects.len() <= word {
            self.effects.resize(word + 1, 0);
        }
        let key = self.keys.get(&message.seq()).copied();
        let applied = match key {
            Some(key) => !self.keyed_effects.insert(key),
            None => self.effects[word] & bit != 0,
        };
        // Measured effects only: the message's measured flag is gone once it is removed, so a
        // late effect counts when it happens after the warm-up.
        let counted = u64::from(now >= self.warmup_end);
        match (applied, self.config.idempotent) {
            (false, _) => {
                self.effects[word] |= bit;
                self.counts.effects += counted;
                Effect::Applied
            }
            (true, false) => {
                self.counts.effects += counted;
                self.counts.duplicates += counted;
                Effect::Duplicate
            }
            (true, true) => {
                self.counts.deduplicated += counted;
                Effect::Deduplicated
            }
        }
    }

    /// What it measured, as it stands at `end`.
    pub fn result(&self, end: SimTime) -> MessageQueueResult {
        let oldest = self
            .partitions
            .iter()
            .filter_map(|p| p.held.values().next().map(|m| m.published))
            .min();
        let lag_end = oldest.map_or(SimDuration::ZERO, |t| end.since(t));
        let in_flight_end = self
            .partitions
            .iter()
            .flat_map(|p| p.held.values())
            .filter(|m| m.measured)
            .count() as u64;
        MessageQueueResult {
            name: self.config.name.clone(),
            partitions: self.config.partitions,
            when_full: self.config.when_full,
            idempotent: self.config.idempotent,
            counts: self.counts,
            wait: self.wait.clone(),
            lag_messages_max: self.lag_messages_max,
            lag_max: self.lag_max.max(lag_end),
            lag_messages_end: self.held,
            lag_end,
            in_flight_end,
            lag_series: self.lag_series.means(end),
        }
    }

    /// Bytes its messages take (each held message in its partition's map and ready list,
    /// and the bit per message of the effect ledger), for the memory guard.
    pub fn memory_used(&self) -> u64 {
        self.held * MESSAGE_BYTES
            + self.effects.len() as u64 * 8
            + (self.keys.len() + self.keyed_effects.len()) as u64 * KEY_BYTES
    }

    /// The queue's index among the world's.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Deliveries in flight from `partition`.
    pub fn in_flight(&self, partition: u32) -> u32 {
        self.partitions[partition as usize].in_flight
    }

    fn store(&mut self, partition: u32, now: SimTime) {
        let seq = self.published;
        self.published += 1;
        let poison = self
            .poison
            .as_mut()
            .is_some_and(|s| s.chance(self.config.poison));
        let measured = now >= self.warmup_end;
        self.counts.published += u64::from(measured);
        let message = MessageId::new(self.index, seq, poison);
        let p = &mut self.partitions[partition as usize];
        p.held.insert(
            seq,
            Message {
                published: now,
                deliveries: 0,
                delivered_at: now,
                measured,
            },
        );
        p.ready.push_back(message);
        self.held += 1;
        self.lag_series.set(now, self.held);
        if measured {
            self.lag_messages_max = self.lag_messages_max.max(self.held);
        }
    }

    /// Removes `message` from `partition` (acknowledged or dead-lettered) at `now`.
    fn remove(&mut self, partition: u32, message: MessageId, now: SimTime) {
        let m = self.partitions[partition as usize]
            .held
            .remove(&message.seq())
            .expect("a removed message is held");
        if now >= self.warmup_end {
            // The level before it left: the maximum of a falling level is where it started.
            self.lag_messages_max = self.lag_messages_max.max(self.held);
        }
        self.held -= 1;
        self.lag_series.set(now, self.held);
        if now >= self.warmup_end {
            // The oldest message's age peaks when it leaves; any message's age at leaving is
            // at most the oldest's then, so the maximum over removals is the lag's maximum.
            self.lag_max = self.lag_max.max(now.since(m.published));
        }
    }
}

#[cfg(test)]
mod tests;
