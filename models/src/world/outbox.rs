//! The world's side of the services' outboxes (`outbox`): which job's call makes which
//! operation's write or publish, the commits and publications the database and the queues
//! report, and the relays' polls and marks as `Event::Outbox` (code 28) on the world's one
//! event loop.
//!
//! An operation begins when its job makes the first call of its pair; the request of each of
//! its calls is remembered by its stable id, so a write that commits or a publish that is
//! stored after its job crashed still counts for it. In the outbox mode the job skips its
//! publish call: the write carries the event row. Each relay polls every `relay_interval` from
//! one interval after time zero until arrivals end; it runs on its service's replica 0 and
//! does nothing while that replica is down or the database has no leader (the table lives on
//! the leader); a crash of replica 0 voids the mark of a batch in flight (`relay_crashed`).

use std::collections::BTreeMap;

use sim_core::{Context, SimTime};

use super::{AttemptKey, Event, JobKey, PackedEvent, World};
use crate::config::{OutboxMode, ServiceId, WorldConfig};
use crate::outbox::{Outbox, OutboxResult, Published};

/// `Event::Outbox`'s `action` for a poll (any other value marks the batch of epoch
/// `action - 1`).
pub const POLL: u32 = 0;

/// The world's outboxes and which request serves which operation.
#[derive(Default)]
pub(super) struct Outboxes {
    /// One per service with an outbox block, in service order.
    part: Vec<Outbox>,
    /// By service: the index of its outbox (`u32::MAX`: none); empty without outboxes.
    of: Vec<u32>,
    /// The operation each running job of an outbox's service has begun.
    jobs: slotmap::SecondaryMap<JobKey, u64>,
    /// By a request's stable id: the outbox and operation whose write or publish it is.
    requests: BTreeMap<u64, (u32, u64)>,
    /// The service of each outbox (its relay runs on the service's replica 0).
    owners: Vec<ServiceId>,
}

impl Outboxes {
    /// The outboxes of the services of `config`, measured from `warmup_end`.
    pub(super) fn new(config: &WorldConfig, warmup_end: SimTime) -> Outboxes {
        let mut outboxes = Outboxes::default();
        for (i, s) in config.services.iter().enumerate() {
            let Some(o) = &s.policies.outbox else {
                continue;
            };
            if outboxes.of.is_empty() {
                outboxes.of = vec![u32::MAX; config.services.len()];
            }
            let index = outboxes.part.len() as u32;
            outboxes.of[i] = index;
            outboxes.owners.push(ServiceId(i as u32));
            outboxes
                .part
                .push(Outbox::new(o.clone(), &s.name, index, warmup_end));
        }
        outboxes
    }

    /// Whether the world has any.
    #[inline]
    pub(super) fn any(&self) -> bool {
        !self.part.is_empty()
    }

    /// The outbox of `service`, if it has one.
    fn of(&self, service: ServiceId) -> Option<u32> {
        self.of
            .get(service.0 as usize)
            .copied()
            .filter(|&i| i != u32::MAX)
    }

    /// Bytes its ledgers take, for the memory guard.
    pub(super) fn memory_used(&self) -> u64 {
        let requests = self.requests.len() as u64 * 3 * 16;
        requests + self.part.iter().map(Outbox::memory_used).sum::<u64>()
    }
}

impl World {
    /// Job `job` is about to make its next call: in the outbox mode it skips its publish
    /// call; if the call is one of its pair's, the operation (begun now if it is the first)
    /// whose request the call's first request id `request_id` will be.
    pub(super) fn outbox_call(&mut self, job: JobKey, request_id: u64, now: SimTime) {
        let j = &mut self.jobs[job];
        let Some(index) = self.outboxes.of(j.service) else {
            return;
        };
        let outbox = &mut self.outboxes.part[index as usize];
        let config = &outbox.config;
        if config.mode == OutboxMode::Outbox && j.calls_made == config.publish_call {
            j.calls_made += 1;
        }
        let call = j.calls_made;
        let ours = call == config.write_call
            || (config.mode == OutboxMode::DualWrite && call == config.publish_call);
        if !ours {
            return;
        }
        let op = match self.outboxes.jobs.get(job) {
            Some(&op) => op,
            None => {
                let op = outbox.begin(job, now);
                self.outboxes.jobs.insert(job, op);
                op
            }
        };
        self.outboxes.requests.insert(request_id, (index, op));
    }

    /// The database committed the write of `attempt` at `now`: if it is an operation's.
    pub(super) fn outbox_committed(&mut self, attempt: AttemptKey, now: SimTime) {
        let id = self.attempts[attempt].request_id;
        if let Some(&(index, op)) = self.outboxes.requests.get(&id) {
            self.outboxes.part[index as usize].committed(op, now);
        }
    }

    /// A queue stored the publish of job `job` (a job of the queue's service) at `now`: if it
    /// is an operation's.
    pub(super) fn outbox_stored(&mut self, job: JobKey, now: SimTime) {
        let id = self.attempts[self.jobs[job].attempt].request_id;
        if let Some(&(index, op)) = self.outboxes.requests.get(&id) {
            self.outboxes.part[index as usize].published(op, now);
        }
    }

    /// Replica `replica` of `service` crashed: if it runs an outbox's relay, the relay's
    /// batch in flight loses its mark.
    pub(super) fn outbox_replica_crashed(&mut self, service: ServiceId, replica: u32) {
        if let (Some(index), 0) = (self.outboxes.of(service), replica) {
            self.outboxes.part[index as usize].relay_crashed();
        }
    }

    /// Each outbox-mode relay's first poll, one interval after time zero.
    pub(super) fn first_outbox_events(&self) -> Vec<(SimTime, Event)> {
        (self.outboxes.part.iter().enumerate())
            .filter(|(_, o)| o.config.mode == OutboxMode::Outbox)
            .map(|(i, o)| {
                let at = SimTime::ZERO.add(o.relay_interval());
                (
                    at,
                    Event::Outbox {
                        outbox: i as u32,
                        action: POLL,
                    },
                )
            })
            .collect()
    }

    /// An outbox's relay polls (`action` `POLL`) or marks the batch of epoch `action - 1`.
    pub(super) fn on_outbox(
        &mut self,
        outbox: u32,
        action: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let o = &mut self.outboxes.part[outbox as usize];
        if action != POLL {
            let marked = o.mark(action - 1);
            ctx.fold(u64::from(marked));
            return;
        }
        let next = now.add(o.relay_interval());
        if next < self.arrivals_end {
            ctx.schedule_at(next, Event::Outbox { outbox, action });
        }
        let config = self.outboxes.part[outbox as usize].config.clone();
        let owner = self.outboxes.owners[outbox as usize];
        let leader = self.database.as_ref().is_some_and(|d| d.part.has_leader());
        if !leader || !self.services[owner.0 as usize].is_up(0) {
            ctx.fold(0);
            return;
        }
        let queue_service = &self.services[config.queue_service.0 as usize];
        let partitions = queue_service.config.replicas;
        let rows: Vec<u64> = self.outboxes.part[outbox as usize].poll().collect();
        let mut sent = 0;
        let mut touched = Vec::new();
        for op in rows {
            let o = &self.outboxes.part[outbox as usize];
            let key = o.key(op);
            // Rows go to partitions by operation, so one partition's events stay in order.
            let partition = (op % u64::from(partitions)) as u32;
            if !self.services[config.queue_service.0 as usize].is_up(partition) {
                break;
            }
            let queues = self
                .queues
                .as_mut()
                .expect("an outbox publishes to a queue");
            if !queues.part[config.queue as usize].publish_keyed(partition, key, now) {
                break;
            }
            let first = self.outboxes.part[outbox as usize].published(op, now);
            ctx.fold(key ^ u64::from(first == Published::Duplicate) << 63);
            touched.push(partition);
            sent += 1;
        }
        if sent == 0 {
            // Nothing went out: the table was empty, a batch still waits for its mark (an
            // acknowledgement slower than the interval), or the first row's partition was
            // down or full.
            return;
        }
        let epoch = self.outboxes.part[outbox as usize].sent(sent);
        touched.sort_unstable();
        touched.dedup();
        for partition in touched {
            self.deliver(config.queue, partition, ctx);
        }
        let action = epoch
            .checked_add(1)
            .expect("a relay crashes fewer than 2^32 times");
        ctx.schedule_at(now.add(config.relay_ack), Event::Outbox { outbox, action });
    }

    /// The service whose relay `outbox` is.
    pub(super) fn outbox_owner(&self, outbox: u32) -> ServiceId {
        self.outboxes.owners[outbox as usize]
    }

    /// What the outboxes measured, as they stand at the end of arrivals.
    pub(super) fn outbox_results(&self) -> Vec<OutboxResult> {
        let running = |job: JobKey| self.jobs.contains_key(job);
        self.outboxes
            .part
            .iter()
            .map(|o| o.result(running))
            .collect()
    }
}
