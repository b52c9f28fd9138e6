//! The world's side of its message queues (`message_queue`): a publish is an attempt to the
//! queue's service whose job, when its work is done, stores the message (or blocks, is
//! refused, or drops it); a delivery is an ordinary request from the partition's replica to
//! the consumer service (the queue service's one call, whose timeout is the visibility
//! timeout and which never retries), so the consumer's workers, service time, queue and faults
//! all apply; its outcome acknowledges the message or makes it visible again later.

use sim_core::{Context, SimTime};

use super::dispatch::{Caller, Sending};
use super::{JobKey, Origin, PackedEvent, Phase, Reply, Request, World};
use crate::config::{ClassId, Priority, ServiceId};
use crate::key::PartKey;
use crate::message_queue::{Effect, Ended, MessageId, MessageQueue, MessageQueueResult, Publish};

impl World {
    /// Job `job` has done its own work: if it is a publish, the queue stores its message
    /// (and the job ends, or waits for room); if it delivers a poison message, it fails; if
    /// it delivers another message, the consumer applies its effect. Whether the job is done
    /// with (`true`: ended or waiting), or goes on to its service's calls.
    pub(super) fn queue_work_done(
        &mut self,
        job: JobKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> bool {
        let j = &self.jobs[job];
        if j.calls_made != 0 {
            return false;
        }
        if let Some(queue) = self.queue_of(j.service) {
            self.serve_publish(queue, job, ctx);
            return true;
        }
        let crate::config::CallerId::Service(caller) = j.class.caller else {
            return false;
        };
        if self.queue_of(caller).is_none() {
            return false;
        }
        let message = MessageId(self.attempts[j.attempt].key);
        if message.poison() {
            self.finish_job(job, Reply::Error, ctx);
            return true;
        }
        let queues = self.queues.as_mut().expect("a delivery has its queue");
        let effect = queues.part[message.queue() as usize].effect(message, ctx.now());
        ctx.fold(match effect {
            Effect::Applied => 1,
            Effect::Duplicate => 2,
            Effect::Deduplicated => 3,
        });
        false
    }

    /// The queue whose partitions `service` stands for, if any.
    #[inline]
    pub(super) fn queue_of(&self, service: ServiceId) -> Option<u32> {
        self.queue_services
            .get(service.0 as usize)
            .copied()
            .flatten()
    }

    /// The service that stands for queue `queue`'s partitions.
    pub(super) fn queue_service(&self, queue: u32) -> ServiceId {
        let queues = self
            .queues
            .as_ref()
            .expect("a queue's delivery has its queue");
        queues.part[queue as usize].config.service
    }

    /// A publish (job `job` of queue `queue`'s service) has reached its partition.
    fn serve_publish(&mut self, queue: u32, job: JobKey, ctx: &mut Context<'_, PackedEvent>) {
        let partition = self.jobs[job].replica;
        let now = ctx.now();
        let queues = self.queues.as_mut().expect("a queue service has its queue");
        let outcome = queues.part[queue as usize].publish(partition, job, now);
        ctx.fold(outcome as u64);
        if matches!(outcome, Publish::Stored | Publish::Dropped) && self.outboxes.any() {
            self.outbox_stored(job, now);
        }
        match outcome {
            Publish::Stored => {
                self.finish_job(job, Reply::Ok, ctx);
                self.deliver(queue, partition, ctx);
            }
            Publish::Dropped => self.finish_job(job, Reply::Ok, ctx),
            Publish::Rejected => self.finish_job(job, Reply::Rejected, ctx),
            // It holds its worker and waits for room (`unblock`); not `Working` any more, so a
            // pause leaves it as it is.
            Publish::Blocked => self.jobs[job].phase = Phase::Calling { ok: 0, failed: 0 },
        }
    }

    /// Sends `partition`'s ready messages to the consumer while fewer than `concurrency`
    /// deliveries are in flight.
    pub(super) fn deliver(
        &mut self,
        queue: u32,
        partition: u32,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        loop {
            let queues = self.queues.as_mut().expect("a queue delivers");
            let q = &mut queues.part[queue as usize];
            let Some(message) = q.next_delivery(partition, now) else {
                return;
            };
            let (service, consumer) = (q.config.service, q.config.consumer);
            let measured = now >= self.warmup_end;
            let id = self.requests_made;
            self.requests_made += 1;
            let request = self.requests.insert(Request {
                id,
                key: message.0,
                origin: Origin::Queue { message, partition },
                node: self.replica_node(service, partition),
                target: consumer,
                arrived: now,
                attempts: 0,
                previous_delay: None,
                measured,
                deadline: None,
                propagate: false,
                live: [None, None],
                hedged: false,
                caller: Caller::Edge {
                    service,
                    replica: partition,
                    call: 0,
                },
                degraded: false,
                priority: Priority::Critical,
                class: ClassId::NONE,
                guarded: false,
                failure: crate::failure::Failure::Timeout,
            });
            self.services[service.0 as usize].count_call_request(0, measured);
            self.send_attempt(request, Sending::Try, ctx);
        }
    }

    /// A delivery of `message` from `partition` ended (`ok`: the consumer succeeded, so the
    /// message is acknowledged); the partition delivers its next messages and takes a
    /// blocked publish if the message left.
    pub(super) fn delivery_ended(
        &mut self,
        message: MessageId,
        partition: u32,
        ok: bool,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let queue = message.queue();
        let now = ctx.now();
        let queues = self.queues.as_mut().expect("a delivery has its queue");
        let ended = queues.part[queue as usize].delivery_ended(message, partition, ok, now);
        match ended {
            Ended::Acked => ctx.fold(4),
            Ended::DeadLettered => ctx.fold(5),
            Ended::Ready => ctx.fold(6),
            Ended::Invisible(at) => {
                let event =
                    queues.park(crate::message_queue::Event::Visible { message, partition });
                ctx.schedule_at(at, event);
            }
        }
        if matches!(ended, Ended::Acked | Ended::DeadLettered) {
            self.unblock(queue, partition, ctx);
        }
        self.deliver(queue, partition, ctx);
    }

    /// Stores the publishes waiting for room in `partition` while there is room.
    fn unblock(&mut self, queue: u32, partition: u32, ctx: &mut Context<'_, PackedEvent>) {
        loop {
            let queues = self.queues.as_mut().expect("a queue unblocks");
            let q = &mut queues.part[queue as usize];
            let Some(job) = q.unblock(partition) else {
                return;
            };
            if !self.jobs.contains_key(job) {
                continue; // Its replica crashed: the publish is gone.
            }
            q.store_unblocked(partition, ctx.now());
            if self.outboxes.any() {
                self.outbox_stored(job, ctx.now());
            }
            self.finish_job(job, Reply::Ok, ctx);
        }
    }

    /// One of the queues' events: a message's invisibility ends.
    pub(super) fn on_queue_event(&mut self, key: PartKey, ctx: &mut Context<'_, PackedEvent>) {
        let queues = self.queues.as_mut().expect("only queues park queue events");
        let mut target = None;
        queues.run(key, ctx, |part, event, _| {
            let crate::message_queue::Event::Visible { message, partition } = event;
            part[message.queue() as usize].visible(message, partition);
            target = Some((message.queue(), partition));
        });
        let (queue, partition) = target.expect("a queue event names its partition");
        self.deliver(queue, partition, ctx);
    }

    /// What the queues measured by `end`.
    pub(super) fn queue_results(&self, end: SimTime) -> Vec<MessageQueueResult> {
        self.queues
            .iter()
            .flat_map(|q| q.part.iter().map(|queue: &MessageQueue| queue.result(end)))
            .collect()
    }
}

/// The service id of each queue's partitions, by service: `Some(queue)` for a queue's service.
pub(super) fn queue_services(
    queues: &[crate::config::MessageQueueConfig],
    services: usize,
) -> Vec<Option<u32>> {
    if queues.is_empty() {
        return Vec::new();
    }
    let mut by_service = vec![None; services];
    for (index, queue) in queues.iter().enumerate() {
        by_service[queue.service.0 as usize] = Some(index as u32);
    }
    by_service
}
