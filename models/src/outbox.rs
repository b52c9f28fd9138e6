//! A service's write-and-publish pair: each of its jobs is one business operation that must
//! commit a database write and publish an event about it to a queue, kept together by dual
//! write or by a transactional outbox with a relay; this module holds the operations' ledger,
//! the outbox table, the relay's state and what they count.
//!
//! ```text
//!  dual write:  job ─call write─▶ db (commits)    crash or failed call here: the write is
//!                   ─call publish─▶ queue          committed, its event never published (lost)
//!               (publish listed first: an event published whose write never commits: invented)
//!
//!  outbox:      job ─call write─▶ db (data + event row, one commit)
//!               relay on replica 0, every relay_interval:
//!                 rows ─publish (same message key)─▶ queue ── relay_ack later ──▶ mark published
//!                 a relay crash before the mark: the rows are published again (duplicates)
//! ```
//!
//! Definitions (all over the operations begun after the warm-up):
//! - an operation begins when its job makes the first call of the pair;
//! - it is *committed* when the database commits its write (the world's `serve_database_call`
//!   with a success: the leader took it), and *published* when the queue stores its event
//!   (a publish call stored, or the relay's publish);
//! - a *duplicate* is a publish of an event published before (the relay's republish);
//! - when arrivals end each operation falls in exactly one class: `consistent` (committed and
//!   published), `lost` (committed, never published, and nothing left to publish it),
//!   `invented` (published, its write never committed, nothing left to commit it),
//!   `pending_end` (one step done and the other still possible: its job still runs, or its
//!   row waits in the outbox table), `in_flight_end` (neither step done yet, its job still
//!   running) or `aborted` (neither step done, and its job ended);
//!   so `operations = consistent + lost + invented + pending_end + in_flight_end + aborted`,
//!   `committed = consistent + lost + pending_end` when the write goes first (and in the
//!   outbox mode, where nothing is published before it commits, `committed = published +
//!   pending_end`), and `published = consistent + invented + pending_end` when the publish
//!   goes first;
//! - the *lag* is the time from an operation's commit to its event's first publication.
//!
//! A write a failover later discards (`database`'s `writes_lost_in_failover`) stays committed
//! here: the event describes a write the database acknowledged and then lost, which the
//! database counts, not the pair. The relay's publish reaches the queue at once (it runs
//! beside the queue's partition); it finds no room in a full partition or a partition whose
//! replica is down, and then stops its poll there and tries again at the next.
//!
//! The ledger keeps a few words per operation, so memory grows with the operations (like the
//! queue's ledger of effects).

use std::collections::VecDeque;

use sim_core::{Histogram, SimDuration, SimTime};

pub use crate::config::{OutboxConfig, OutboxMode};
use crate::key::JobKey;

/// One service's pair of write and publish, and its relay in the outbox mode.
#[derive(Clone, Debug)]
pub struct Outbox {
    /// Its configuration.
    pub config: OutboxConfig,
    /// The service's name.
    name: String,
    /// Its index among the world's outboxes (the high bits of its events' keys).
    index: u32,
    operations: Vec<Operation>,
    /// Committed rows not yet marked published, in commit order (outbox mode).
    table: VecDeque<u64>,
    /// Rows at the front of `table` published by the relay and waiting for their mark.
    unmarked: usize,
    /// Incremented by every crash of the relay: a mark from before it is void.
    epoch: u32,
    warmup_end: SimTime,
    counts: OutboxCounts,
    lag: Histogram,
}

/// What an outbox counted of the operations begun after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Operations begun.
    pub operations: u64,
    /// Operations whose write committed.
    pub committed: u64,
    /// Operations whose event was published (once each, however often).
    pub published: u64,
    /// Committed and published.
    pub consistent: u64,
    /// Committed, never published, and nothing left to publish it.
    pub lost: u64,
    /// Published, never committed, and nothing left to commit it.
    pub invented: u64,
    /// One step done when arrivals ended and the other still possible: its job still ran, or
    /// its row waited in the table.
    pub pending_end: u64,
    /// Neither step done when arrivals ended, its job still running.
    pub in_flight_end: u64,
    /// Neither step done, and its job ended.
    pub aborted: u64,
    /// Publishes of an event published before.
    pub duplicates: u64,
    /// Polls of the relay that published something.
    pub relay_polls: u64,
}

/// What an outbox measured, as it stood when arrivals ended.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxResult {
    /// The service's name.
    pub service: String,
    /// How the pair is kept together.
    pub mode: OutboxMode,
    /// Its counts.
    pub counts: OutboxCounts,
    /// Commit to first publication of each operation published after it committed.
    pub lag: Histogram,
}

/// One operation of the ledger.
#[derive(Clone, Copy, Debug)]
struct Operation {
    /// The job that makes it.
    job: JobKey,
    measured: bool,
    committed: Option<SimTime>,
    published: bool,
}

/// What became of a publish of an operation's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Published {
    /// Its first publication.
    First,
    /// A publication of an event published before.
    Duplicate,
}

impl Outbox {
    /// The outbox of service `name`, number `index` among the world's, measured from
    /// `warmup_end`.
    pub fn new(config: OutboxConfig, name: &str, index: u32, warmup_end: SimTime) -> Outbox {
        Outbox {
            config,
            name: name.to_string(),
            index,
            operations: Vec::new(),
            table: VecDeque::new(),
            unmarked: 0,
            epoch: 0,
            warmup_end,
            counts: OutboxCounts::default(),
            lag: Histogram::new(),
        }
    }

    /// Job `job` begins an operation at `now`; its number in the ledger.
    pub fn begin(&mut self, job: JobKey, now: SimTime) -> u64 {
        let measured = now >= self.warmup_end;
        self.counts.operations += u64::from(measured);
        self.operations.push(Operation {
            job,
            measured,
            committed: None,
            published: false,
        });
        self.operations.len() as u64 - 1
    }

    /// Operation `op`'s write committed at `now`; in the outbox mode its row joins the table.
    pub fn committed(&mut self, op: u64, now: SimTime) {
        let o = &mut self.operations[op as usize];
        assert!(o.committed.is_none(), "an operation writes once");
        o.committed = Some(now);
        self.counts.committed += u64::from(o.measured);
        if self.config.mode == OutboxMode::Outbox {
            self.table.push_back(op);
        }
    }

    /// Operation `op`'s event was stored by the queue at `now`.
    pub fn published(&mut self, op: u64, now: SimTime) -> Published {
        let o = &mut self.operations[op as usize];
        if o.published {
            self.counts.duplicates += u64::from(o.measured);
            return Published::Duplicate;
        }
        o.published = true;
        if o.measured {
            self.counts.published += 1;
            if let Some(at) = o.committed {
                self.lag.record(now.since(at));
            }
        }
        Published::First
    }

    /// The message key of operation `op`'s event: the same for every publication of it, and
    /// distinct across the world's outboxes.
    pub fn key(&self, op: u64) -> u64 {
        u64::from(self.index) << 40 | op
    }

    /// The rows the relay publishes at a poll: up to `relay_batch` from the front of the
    /// table, none while a batch waits for its mark. The caller publishes them in order and
    /// calls `sent` with how many it could.
    pub fn poll(&self) -> impl Iterator<Item = u64> + '_ {
        let batch = if self.unmarked > 0 {
            0
        } else {
            self.config.relay_batch as usize
        };
        self.table.iter().copied().take(batch)
    }

    /// The relay published the first `rows` (≥ 1) rows of the table: they wait for their mark
    /// (`Event::Outbox` with `epoch`); the epoch to mark them with.
    pub fn sent(&mut self, rows: usize) -> u32 {
        assert_eq!(self.unmarked, 0, "one batch waits for its mark at a time");
        assert!(rows > 0, "a poll that sent nothing waits for no mark");
        self.unmarked = rows;
        self.counts.relay_polls += 1;
        self.epoch
    }

    /// The broker acknowledged the batch sent in `epoch`: its rows are marked published
    /// (removed from the table), unless the relay crashed since.
    pub fn mark(&mut self, epoch: u32) -> bool {
        if epoch != self.epoch {
            return false;
        }
        self.table.drain(..self.unmarked);
        self.unmarked = 0;
        true
    }

    /// The relay crashed (its service's replica 0): a batch waiting for its mark stays in the
    /// table, to be published again.
    pub fn relay_crashed(&mut self) {
        self.epoch += 1;
        self.unmarked = 0;
    }

    /// What it measured, as it stands when arrivals end; `running(job)` says whether a job
    /// still runs (and so may still make its pair's other call).
    pub fn result(&self, running: impl Fn(JobKey) -> bool) -> OutboxResult {
        let mut counts = self.counts;
        let outbox = self.config.mode == OutboxMode::Outbox;
        for o in self.operations.iter().filter(|o| o.measured) {
            let open = if outbox {
                o.committed.is_some() && !o.published
            } else {
                running(o.job)
            };
            match (o.committed.is_some(), o.published) {
                (true, true) => counts.consistent += 1,
                (false, false) if open => counts.in_flight_end += 1,
                _ if open => counts.pending_end += 1,
                (true, false) => counts.lost += 1,
                (false, true) => counts.invented += 1,
                (false, false) => counts.aborted += 1,
            }
        }
        OutboxResult {
            service: self.name.clone(),
            mode: self.config.mode,
            counts,
            lag: self.lag.clone(),
        }
    }

    /// Bytes its ledger and table take, for the memory guard.
    pub fn memory_used(&self) -> u64 {
        (self.operations.len() * std::mem::size_of::<Operation>() + self.table.len() * 8) as u64
    }

    /// Time between the relay's polls.
    pub fn relay_interval(&self) -> SimDuration {
        self.config.relay_interval
    }
}

#[cfg(test)]
mod tests;
