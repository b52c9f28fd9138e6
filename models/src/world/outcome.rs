//! What a caller does with an attempt's outcome: a reply, a timeout, a retry, or the end.
//!
//! An attempt ends for its caller at its reply or its timeout; the guards hear of it, a
//! failure is retried after a backoff (if the policy and the budget allow), and a request that
//! succeeded or ran out of attempts is resolved: its client counts it, or its job moves on.

use sim_core::{Context, SimDuration, SimTime};

use super::trace::{self, RequestNote};
use super::{
    call_policy, AttemptKey, Event, Frozen, Origin, PackedEvent, Phase, Reply, RequestKey, World,
};
use crate::backoff::retry_delay;
use crate::config::{ClassId, ClientId, ServiceId};
use crate::failure::{Ending, Failure};
use crate::guard::AttemptOutcome;

/// How a failed attempt's reply fails its request, if it is a failure.
pub(super) fn failure_of_reply(reply: Reply) -> Option<Failure> {
    match reply {
        Reply::Ok | Reply::Garbage | Reply::Degraded => None,
        Reply::Rejected => Some(Failure::Overload),
        Reply::Error => Some(Failure::Error),
        Reply::Refused => Some(Failure::Refused),
        Reply::ClientError => Some(Failure::NonRetryable),
        Reply::RateLimited => Some(Failure::RateLimited),
        Reply::Conflict => Some(Failure::Conflict),
    }
}

/// The failure of a request whose guards refused to send its attempt.
pub(super) fn failure_of_rejection(why: crate::guard::LocalRejection) -> Failure {
    use crate::guard::LocalRejection;
    match why {
        LocalRejection::BreakerOpen => Failure::BreakerOpen,
        LocalRejection::Throttled => Failure::Throttled,
        LocalRejection::BulkheadFull => Failure::BulkheadFull,
    }
}

/// What a resolved request's origin hears (`World::tell_origin`).
#[derive(Clone, Copy)]
struct Done {
    origin: Origin,
    arrived: SimTime,
    measured: bool,
    degraded: bool,
    class: ClassId,
    ending: Ending,
}

impl Done {
    /// What `r`'s origin hears when it ends so.
    #[inline]
    fn of(r: &super::Request, ending: Ending) -> Done {
        Done {
            origin: r.origin,
            arrived: r.arrived,
            measured: r.measured,
            degraded: r.degraded,
            class: r.class,
            ending,
        }
    }
}

impl World {
    /// The caller stops waiting for `attempt` at `now` (its reply came, it timed out, or it
    /// lost a hedge race): it is no longer outstanding at its replica, gives back its
    /// bulkhead slot, and is freed if nothing else refers to it (`release`). Returns the
    /// attempt's service and replica.
    // Always inlined: it runs once or more per request, and a call's saved registers cost
    // about as much as its body (callgrind, BENCHMARKS.md stop 26).
    #[inline(always)]
    pub(super) fn stop_waiting(&mut self, attempt: AttemptKey, now: SimTime) -> (ServiceId, u32) {
        let a = &mut self.attempts[attempt];
        assert!(
            a.waiting,
            "only a waited-for attempt stops being waited for"
        );
        a.waiting = false;
        let (service, replica, permit) = (a.service, a.replica, a.permit.take());
        if a.holders.none() {
            self.attempts.remove(attempt);
        }
        self.services[service.0 as usize].attempt_done(replica);
        if let Some(caller) = permit {
            self.exit_bulkhead(caller, now);
        }
        (service, replica)
    }

    /// Frees `attempt` once its caller is done with it and nothing refers to it.
    #[inline]
    pub(super) fn release(&mut self, attempt: AttemptKey) {
        let a = &self.attempts[attempt];
        if !a.waiting && a.holders.none() {
            self.attempts.remove(attempt);
        }
    }

    #[inline(never)]
    pub(super) fn on_response(
        &mut self,
        attempt: AttemptKey,
        reply: Reply,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let a = &mut self.attempts[attempt];
        a.holders.reply_arrived();
        if !a.waiting {
            // The caller gave up on this attempt, or a duplicate reply came first.
            self.release(attempt);
            return;
        }
        let (request, timer, sent, was_hedge) = (a.request, a.timer.take(), a.sent, a.hedge);
        let (service, replica) = self.stop_waiting(attempt, ctx.now());
        let other_waiting = self.forget_live(request, attempt);
        if let Some(timer) = timer {
            let cancelled = ctx.cancel(timer);
            assert!(cancelled, "a waiting attempt's timer has not fired");
        }
        let now = ctx.now();
        // Outlier detection counts 5xx-like answers and refused connections as failures.
        let failed = matches!(reply, Reply::Error | Reply::Rejected | Reply::Refused);
        self.services[service.0 as usize].answer_seen(now, replica, failed);
        let guarded = self.requests[request].guarded;
        if guarded && self.origin_alive(request) {
            let outcome = match reply {
                // A 4xx-like answer says the request was bad, not that the backend is: the
                // breaker counts it as a success, and the throttle as a request the backend
                // accepted. So is an idempotency conflict (409) and a degraded answer.
                Reply::Ok
                | Reply::Garbage
                | Reply::ClientError
                | Reply::Conflict
                | Reply::Degraded => AttemptOutcome::Success,
                Reply::Error => AttemptOutcome::Error,
                Reply::Rejected | Reply::Refused | Reply::RateLimited => AttemptOutcome::Overload,
            };
            let (origin, measured) = (
                self.requests[request].origin,
                self.requests[request].measured,
            );
            self.guards(origin)
                .on_outcome(now, outcome, now.since(sent), measured);
        }
        if matches!(reply, Reply::Ok | Reply::Garbage | Reply::Degraded) {
            if reply == Reply::Degraded {
                self.requests[request].degraded = true;
            }
            if guarded && self.origin_alive(request) {
                let (origin, measured) = (
                    self.requests[request].origin,
                    self.requests[request].measured,
                );
                let guards = self.guards(origin);
                guards.on_success_latency(now.since(sent));
                if was_hedge && measured {
                    guards.counts.hedge_wins += 1;
                }
            }
            let garbage = reply == Reply::Garbage;
            self.resolve(request, Ending::Served { garbage }, ctx);
            return;
        }
        if let Some(failure) = failure_of_reply(reply) {
            self.requests[request].failure = failure;
        }
        if let Origin::Client(client, _) = self.requests[request].origin {
            let measured = self.requests[request].measured;
            let c = &mut self.clients[client.0 as usize];
            if measured {
                match reply {
                    Reply::Rejected => c.counts.rejections += 1,
                    Reply::Error => c.counts.errors += 1,
                    Reply::Refused => c.counts.refused += 1,
                    Reply::ClientError => c.counts.non_retryable += 1,
                    Reply::RateLimited => c.counts.rate_limited += 1,
                    Reply::Conflict => c.counts.conflicts += 1,
                    Reply::Ok | Reply::Garbage | Reply::Degraded => unreachable!("handled above"),
                }
            }
        }
        if reply == Reply::ClientError {
            // Not retryable: every retry would get the same answer, so the request fails now
            // (`resolve` cancels a hedge copy still out).
            if self.origin_alive(request) {
                self.resolve(request, Ending::Failed(Failure::NonRetryable), ctx);
            } else if !other_waiting {
                self.drop_request(request);
            }
            return;
        }
        if other_waiting {
            return; // The other copy of a hedged request may still succeed.
        }
        self.after_failure(request, ctx);
    }

    pub(super) fn on_timeout(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, PackedEvent>) {
        let a = &mut self.attempts[attempt];
        assert!(a.waiting, "a timeout fires only while the caller waits");
        a.timer = None;
        let (request, sent) = (a.request, a.sent);
        let (service, replica) = self.stop_waiting(attempt, ctx.now());
        let other_waiting = self.forget_live(request, attempt);
        let now = ctx.now();
        self.requests[request].failure = Failure::Timeout;
        // Envoy maps a timeout to a 5xx for outlier detection.
        self.services[service.0 as usize].answer_seen(now, replica, true);
        if self.requests[request].guarded && self.origin_alive(request) {
            let (origin, measured) = (
                self.requests[request].origin,
                self.requests[request].measured,
            );
            self.guards(origin).on_outcome(
                now,
                AttemptOutcome::Overload,
                now.since(sent),
                measured,
            );
        }
        if let Origin::Client(client, _) = self.requests[request].origin {
            let measured = self.requests[request].measured;
            let c = &mut self.clients[client.0 as usize];
            c.history.timeouts.add(ctx.now(), 1);
            if measured {
                c.counts.timeouts += 1;
            }
        }
        if other_waiting {
            return; // The other copy of a hedged request may still succeed.
        }
        self.after_failure(request, ctx);
    }

    pub(super) fn after_failure(
        &mut self,
        request: RequestKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        if !self.origin_alive(request) {
            self.drop_request(request);
            return;
        }
        let now = ctx.now();
        let r = &self.requests[request];
        if r.deadline.is_some_and(|d| d <= now) {
            if let (Origin::Client(client, _), true) = (r.origin, r.measured) {
                self.clients[client.0 as usize].counts.deadline_exceeded += 1;
            }
            self.note(now, |w| {
                w.request_note(request, RequestNote::DeadlineExceeded)
            });
            self.resolve(request, Ending::Failed(Failure::DeadlineExceeded), ctx);
            return;
        }
        let (_, retry) = call_policy(&self.clients, &self.services, r.caller);
        let (wants_retry, origin, measured) =
            (r.attempts < retry.max_attempts, r.origin, r.measured);
        if wants_retry && r.guarded && !self.guards(origin).allow_retry(now, measured) {
            self.note(now, |w| w.request_note(request, RequestNote::RetryDenied));
            self.resolve(request, Ending::Failed(Failure::RetryDenied), ctx);
            return;
        }
        let r = &mut self.requests[request];
        if wants_retry {
            let stream = match r.origin {
                Origin::Client(client, _) => &mut self.clients[client.0 as usize].jitter_stream,
                Origin::Call { job, .. } => {
                    let service = self.jobs[job].service;
                    self.services[service.0 as usize].jitter_stream()
                }
                Origin::Queue { message, .. } => {
                    // Never: a delivery makes one attempt (redelivery is the queue's).
                    let queues = self.queues.as_ref().expect("a delivery has its queue");
                    let service = queues.part[message.queue() as usize].config.service;
                    self.services[service.0 as usize].jitter_stream()
                }
            };
            let delay = retry_delay(
                retry.backoff,
                retry.jitter,
                r.attempts,
                r.previous_delay,
                stream,
            );
            r.previous_delay = Some(delay);
            // Backoff timers run on the caller's local clock.
            let at = self.clocks[r.node.0 as usize].deadline(now, delay);
            ctx.schedule_at_uncancellable(at, Event::Retry { request });
            self.note(now, |w| w.request_note(request, RequestNote::RetryAt(at)));
        } else {
            let failure = r.failure;
            self.resolve(request, Ending::Failed(failure), ctx);
        }
    }

    /// A request is over: it succeeded, or it ran out of attempts. Tell its origin.
    pub(super) fn resolve(
        &mut self,
        request: RequestKey,
        ending: Ending,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let r = &self.requests[request];
        // The side maps are empty in a world without hedges and caches, which spares the
        // lookups.
        let plain = r.live == [None, None]
            && (self.hedge_timers.is_empty() || !self.hedge_timers.contains_key(request))
            && (self.fetches.is_empty() || !self.fetches.contains_key(request))
            && self.tracer.is_none();
        if !plain {
            return self.resolve_in_full(request, ending, ctx);
        }
        // Nothing to cancel, settle or trace: read what the origin needs and free the request
        // without moving it out (a whole request is about 200 bytes).
        let done = Done::of(r, ending);
        self.requests.remove(request);
        self.tell_origin(done, ctx);
    }

    /// `resolve` for a request with a hedge timer, an attempt still out, a cache fetch, or a
    /// trace being recorded.
    #[inline(never)]
    fn resolve_in_full(
        &mut self,
        request: RequestKey,
        ending: Ending,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let r = self
            .requests
            .remove(request)
            .expect("a resolved request is live");
        if let Some(timer) = self.hedge_timers.remove(request) {
            ctx.cancel(timer);
        }
        for loser in r.live.into_iter().flatten() {
            // The other copy of a hedged request lost the race: cancel it.
            let a = &mut self.attempts[loser];
            a.cancelled = true;
            if let Some(timer) = a.timer.take() {
                ctx.cancel(timer);
            }
            self.stop_waiting(loser, ctx.now());
        }
        let ending = match self.fetches.remove(request) {
            Some(flight) => {
                self.settle_fetch(r.caller, r.node, (flight, r.id), (ending, r.measured), ctx)
            }
            None => ending,
        };
        let now = ctx.now();
        self.note(now, |_| trace::request_done(&r, ending, now));
        self.tell_origin(Done::of(&r, ending), ctx);
    }

    /// Tells a resolved request's origin how it ended: its client counts it, or its job's
    /// call counts it and the job moves on if the call is decided.
    // Always inlined: it runs once or more per request, and a call's saved registers cost
    // about as much as its body (callgrind, BENCHMARKS.md stop 26).
    #[inline(always)]
    fn tell_origin(&mut self, r: Done, ctx: &mut Context<'_, PackedEvent>) {
        let (ok, garbage) = (r.ending.ok(), r.ending.garbage());
        let now = ctx.now();
        match r.origin {
            Origin::Client(client, tag) => {
                self.open_measured -= u64::from(r.measured);
                let c = &mut self.clients[client.0 as usize];
                c.history.closed(now);
                let elapsed = now.since(r.arrived);
                match r.ending {
                    Ending::Served { garbage } => {
                        c.record_success(now, elapsed, r.measured);
                        if garbage && r.measured {
                            c.counts.garbage += 1;
                        }
                        if r.degraded && r.measured {
                            c.counts.degraded += 1;
                        }
                    }
                    Ending::Failed(failure) => {
                        c.record_failure(now, elapsed, failure, r.measured);
                    }
                }
                // A plain open-loop client is done; the others may count a member's or a
                // class's outcome, and a user thinks and then sends its next request.
                if !c.plain {
                    self.not_plain_outcome(client, tag, (r, elapsed), ctx);
                }
            }
            Origin::Call { job, call } => {
                let Some(j) = self.jobs.get_mut(job) else {
                    return; // The job that made this call is gone (its replica crashed).
                };
                let service = j.service;
                let s = &mut self.services[service.0 as usize];
                s.count_call_outcome(call, r.ending, r.measured);
                if self.flowing && self.workflow_decided(job, call, ok, ctx) {
                    return;
                }
                let j = &mut self.jobs[job];
                let s = &mut self.services[service.0 as usize];
                let (succeeded, failed) = match &mut j.phase {
                    Phase::Calling { ok: oks, failed } if j.calls_made == call + 1 => {
                        if ok {
                            *oks += 1;
                        } else {
                            *failed += 1;
                        }
                        (*oks, *failed)
                    }
                    // An abandoned request of a call already decided.
                    _ => return,
                };
                if ok {
                    j.garbage |= garbage;
                    j.degraded |= r.degraded;
                }
                let config = &s.config.calls[call as usize];
                let (fanout, needed, optional) = (config.fanout, config.needed, config.optional);
                if succeeded >= needed {
                    self.on_work_done(job, ctx);
                } else if failed > fanout - needed && optional {
                    // Graceful degradation: the job goes on without the optional call.
                    j.degraded = true;
                    self.on_work_done(job, ctx);
                } else if failed > fanout - needed {
                    if self.services[service.0 as usize].is_paused(j.replica) {
                        // The replica is frozen: the failure is handled when it resumes.
                        j.phase = Phase::Paused(Frozen::Fail);
                    } else {
                        self.finish_job(job, Reply::Error, ctx);
                    }
                }
            }
            Origin::Queue { message, partition } => {
                let service = self.queue_service(message.queue());
                let s = &mut self.services[service.0 as usize];
                s.count_call_outcome(0, r.ending, r.measured);
                self.delivery_ended(message, partition, ok, ctx);
            }
        }
    }

    /// What a client that is not plain does with its request's outcome besides counting it
    /// (`tell_origin`): its member's and its class's counts, and a waiting user's next
    /// request after it thinks. Out of line, so that a plain client's path stays short.
    #[inline(never)]
    fn not_plain_outcome(
        &mut self,
        client: ClientId,
        tag: u32,
        (r, elapsed): (Done, SimDuration),
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let c = &mut self.clients[client.0 as usize];
        if !c.counted_once && r.measured {
            let member = c.arrivals.member_of(tag);
            c.record_outcome(member, r.class, elapsed, r.ending.ok());
        }
        if c.waits {
            if let Some(at) = c.arrivals.after_outcome(tag, ctx.now()) {
                ctx.schedule_at_uncancellable(at, Event::Wake { client, user: tag });
            }
        }
    }

    /// Removes `attempt` from its request's live attempts; true if another is still waiting.
    #[inline]
    pub(super) fn forget_live(&mut self, request: RequestKey, attempt: AttemptKey) -> bool {
        let Some(r) = self.requests.get_mut(request) else {
            return false;
        };
        for slot in &mut r.live {
            if *slot == Some(attempt) {
                *slot = None;
            }
        }
        r.live.iter().any(Option::is_some)
    }

    /// Whether the caller of `request` can still use its outcome (its job still exists).
    #[inline]
    pub(super) fn origin_alive(&self, request: RequestKey) -> bool {
        match self.requests[request].origin {
            Origin::Client(..) | Origin::Queue { .. } => true,
            Origin::Call { job, call } => self.jobs.get(job).is_some_and(|j| {
                j.calls_made == call + 1 && matches!(j.phase, Phase::Calling { .. })
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failed_replies_are_failures() {
        assert_eq!(failure_of_reply(Reply::Ok), None);
        assert_eq!(failure_of_reply(Reply::Degraded), None);
        assert_eq!(failure_of_reply(Reply::Rejected), Some(Failure::Overload));
        assert_eq!(
            failure_of_reply(Reply::ClientError),
            Some(Failure::NonRetryable)
        );
    }
}
