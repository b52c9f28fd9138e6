//! The server side: what a replica does with an arriving attempt, and how a job ends.
//!
//! An arriving attempt is refused by a crashed replica, failed fast by an error burst, or
//! admitted to the replica's workers and queue; a finished job frees its worker (which takes
//! the next queued job) and sends its reply back over the network. A pause freezes a
//! replica's jobs in service (their pending `WorkDone` is cancelled and what remains kept) and
//! resumes them when it ends.

use sim_core::network::Delivery;
use sim_core::{Context, SimDuration, SimTime};

use super::trace::Admitted;
use super::{AttemptKey, Event, Frozen, Job, JobKey, PackedEvent, Phase, Reply, World};
use crate::component::Verdict;
use crate::config::{FaultKind, ServiceId, Target, Unreachable};
use crate::service::{Admission, Finished, WorkKind};
use crate::shedding::Drop;

impl World {
    #[inline(never)]
    pub(super) fn on_attempt_arrive(
        &mut self,
        attempt: AttemptKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let a = &mut self.attempts[attempt];
        a.holders.request_arrived();
        if a.cancelled {
            // The loser of a hedge race: its caller cancelled it before it arrived.
            self.release(attempt);
            return;
        }
        let (service, replica, class, tied) = (a.service, a.replica, a.class, a.tied.is_some());
        let (request, expires, propagate) = (a.request, a.expires, a.propagate);
        let kind = if a.hedge {
            WorkKind::Hedge
        } else if a.number > 1 {
            WorkKind::Retry
        } else {
            WorkKind::First
        };
        if self.deploying {
            let new = self.version_new(service, replica);
            self.attempts[attempt].new_version = new;
        }
        if !self.services[service.0 as usize].is_up(replica) {
            let mode = self.crash_mode(service, replica, now);
            self.note(now, |w| w.admission(attempt, Admitted::ReplicaDown(mode)));
            match mode {
                Unreachable::Refuse => self.reply(attempt, Reply::Refused, ctx),
                Unreachable::BlackHole => self.release(attempt),
            }
            return;
        }
        if self.locking && !self.workflow_admits(attempt, now) {
            // A prepare finds its key locked by another transaction's prepare.
            self.note(now, |w| w.admission(attempt, Admitted::Locked));
            self.reply(attempt, Reply::Conflict, ctx);
            return;
        }
        if !self.services[service.0 as usize].rate_limit_admits(now, class.caller) {
            self.note(now, |w| w.admission(attempt, Admitted::RateLimited));
            self.reply(attempt, Reply::RateLimited, ctx);
            return;
        }
        if self.has_users {
            let call = crate::component::Call {
                replica,
                repeat: kind != WorkKind::First,
            };
            if let Verdict::Answer(reply) = self.user_verdict(service, call, ctx) {
                self.note(now, |w| w.admission(attempt, Admitted::Component(reply)));
                self.reply(attempt, reply, ctx);
                return;
            }
        }
        if let Some(retryable) = self.draw_error_burst(now, service, replica) {
            let s = &mut self.services[service.0 as usize];
            let reply = if retryable {
                s.count_fast_error(now);
                Reply::Error
            } else {
                s.count_client_error(now);
                Reply::ClientError
            };
            self.note(now, |w| w.admission(attempt, Admitted::ErrorBurst));
            self.reply(attempt, reply, ctx);
            return;
        }
        if self.deploying && self.attempts[attempt].new_version && self.bad_version_fails(service) {
            self.services[service.0 as usize].count_fast_error(now);
            self.note(now, |w| w.admission(attempt, Admitted::BadVersion));
            self.reply(attempt, Reply::Error, ctx);
            return;
        }
        let s = &mut self.services[service.0 as usize];
        if s.draw_client_error() {
            s.count_client_error(now);
            self.note(now, |w| w.admission(attempt, Admitted::ClientError));
            self.reply(attempt, Reply::ClientError, ctx);
            return;
        }
        let idempotent = s.has_idempotency_store();
        if idempotent {
            if let Some(reply) = self.idempotent_answer(attempt, now) {
                self.reply(attempt, reply, ctx);
                return;
            }
        }

        // The deadline the attempt carries when its request propagates deadlines: the moment
        // its caller stops waiting for it (its own timeout or the overall deadline, whichever
        // is first), as Envoy's `x-envoy-expected-rq-timeout-ms` carries the per-try timeout.
        // It is passed as true time, as if the two clocks agreed; a real system sends a
        // relative timeout, which skew would stretch or shrink.
        // Only a propagating attempt looks its request up: the deadline goes only while the
        // request is live.
        let deadline = expires.filter(|_| propagate && self.requests.contains_key(request));
        let job = self.jobs.insert(Job {
            attempt,
            service,
            replica,
            reached: now,
            // Until its admission says otherwise (it needs its key to be admitted).
            phase: Phase::Queued,
            calls_made: 0,
            garbage: false,
            deadline,
            started: now,
            kind,
            degraded: false,
            class,
        });
        self.attempts[attempt].holders.job_began();
        if idempotent {
            self.idempotency_begin(job);
        }
        let admission =
            match self.services[service.0 as usize].admit(replica, job, now, deadline, class) {
                // The new version's own work, if it serves the attempt.
                Admission::Started(work) => Admission::Started(self.job_work(job, work)),
                admission => admission,
            };
        self.note(now, |w| w.admission(attempt, Admitted::from(admission)));
        if let Some(displaced) = self.services[service.0 as usize].take_displaced() {
            // A critical arrival took a full queue's newest sheddable place.
            let mut expired = std::mem::take(&mut self.expired);
            expired.push((displaced, Drop::Shed));
            self.reply_dropped(&mut expired, ctx);
            self.expired = expired;
        }
        match admission {
            Admission::Started(work) => {
                if tied {
                    self.tie_started(job, ctx);
                }
                self.start_work(job, work, ctx);
            }
            Admission::Queued => self.jobs[job].phase = Phase::Queued,
            admission @ (Admission::Rejected | Admission::Expired | Admission::Shed) => {
                let reply = if admission == Admission::Expired {
                    Reply::Error
                } else {
                    Reply::Rejected
                };
                self.jobs.remove(job);
                self.attempts[attempt].holders.job_ended();
                self.reply(attempt, reply, ctx);
            }
        }
    }

    /// A job is over: free its worker (starting the next queued job) and send the reply.
    pub(super) fn finish_job(
        &mut self,
        job: JobKey,
        mut reply: Reply,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let j = self.jobs.remove(job).expect("a finishing job is live");
        if reply == Reply::Ok
            && self.draw_fault(now, j.service, j.replica, |k| {
                matches!(k, FaultKind::Garbage { .. })
            })
        {
            reply = Reply::Garbage;
        }
        // The job no longer holds its attempt (nothing below reads the count before `reply`).
        let a = &mut self.attempts[j.attempt];
        a.holders.job_ended();
        let abandoned = !a.waiting;
        let ok = matches!(reply, Reply::Ok | Reply::Garbage | Reply::Degraded);
        self.job_finished(&j, job, reply, now);
        let (jobs, attempts, hedging) = (&self.jobs, &self.attempts, self.hedging);
        // Only a hedge race or a tie cancels an attempt.
        let cancelled = |key: JobKey| hedging && attempts[jobs[key].attempt].cancelled;
        let service = &mut self.services[j.service.0 as usize];
        let finished = Finished {
            replica: j.replica,
            arrived: j.reached,
            abandoned,
            ok,
            pool: service.pool_of(j.class),
        };
        let next = service.complete(finished, now, &mut self.expired, cancelled);
        service.account_work(j.kind, finished, now.since(j.started));
        let freed = next.is_none();
        if let Some((next, work)) = next {
            let work = self.job_work(next, work);
            self.jobs[next].started = now;
            self.note(now, |w| w.dequeued(next, work, now));
            if self.tying {
                self.tie_started(next, ctx);
            }
            self.start_work(next, work, ctx);
        }
        self.reply_after(j.attempt, reply, j.reached, ctx);
        if !self.expired.is_empty() {
            let mut expired = std::mem::take(&mut self.expired);
            self.reply_dropped(&mut expired, ctx);
            self.expired = expired;
        }
        if self.scaling && freed {
            // A draining replica whose last job this was goes off.
            self.check_drained(j.service, j.replica, now);
        }
    }

    /// A worker starts (or, after a pause, resumes) `job`'s own work, which ends after `work`.
    ///
    /// At a leader-only service, a job starting work takes its node's lease token (once:
    /// not again after a pause, so a job a pause froze writes with the token it took
    /// before); a node that does not act as leader refuses the job at once.
    // Always inlined: it runs once or more per request, and a call's saved registers cost
    // about as much as its body (callgrind, BENCHMARKS.md stop 26).
    #[inline(always)]
    fn start_work(&mut self, job: JobKey, work: SimDuration, ctx: &mut Context<'_, PackedEvent>) {
        let mut work = work;
        if self.leading && self.takes_lease_token(job) {
            let j = &self.jobs[job];
            let token = self.lease_token(j.replica, ctx.now());
            self.lease_tokens.insert(job, token);
            if token.is_none() {
                work = SimDuration::ZERO;
            }
        }
        let done = ctx.schedule_in(work, Event::WorkDone { job });
        let due = ctx.now().add(work);
        self.jobs[job].phase = Phase::Working { done, due };
    }

    /// Whether `job` is at a leader-only service and has not taken its lease token yet.
    fn takes_lease_token(&self, job: JobKey) -> bool {
        let service = &self.services[self.jobs[job].service.0 as usize];
        service.config.policies.leader_only && !self.lease_tokens.contains_key(job)
    }

    /// After a pause, `job` moves on to its next call: its `WorkDone` is due now.
    fn move_on(&mut self, job: JobKey, ctx: &mut Context<'_, PackedEvent>) {
        let done = ctx.schedule_in(SimDuration::ZERO, Event::WorkDone { job });
        let due = ctx.now();
        self.jobs[job].phase = Phase::Moving { done, due };
    }

    /// Answers the queued jobs a queue policy dropped undone. Jobs whose propagated deadline
    /// passed get an error reply (their callers have given up, so it is only for the record);
    /// shed jobs are turned away for overload, as a full queue would have done.
    fn reply_dropped(
        &mut self,
        expired: &mut Vec<(JobKey, Drop)>,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        for (dropped, why) in expired.drain(..) {
            let d = self.jobs.remove(dropped).expect("a dropped job is live");
            let reply = match why {
                Drop::Expired => {
                    self.note(now, |w| w.unqueued(&d));
                    Reply::Error
                }
                Drop::Shed => {
                    self.note(now, |w| w.shed(&d, now));
                    Reply::Rejected
                }
            };
            self.attempts[d.attempt].holders.job_ended();
            self.reply_after(d.attempt, reply, d.reached, ctx);
        }
    }

    /// A pause begins on `target`: the work of every replica it freezes (the first pause on
    /// it) stops where it is, keeping what remains.
    pub(super) fn pause(&mut self, target: Target, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        for replica in self.replicas_of(target) {
            if !self.services[target.service.0 as usize].pause(replica) {
                continue; // Already frozen by another pause.
            }
            for (_, j) in self.jobs.iter_mut() {
                if j.service != target.service || j.replica != replica {
                    continue;
                }
                match j.phase {
                    Phase::Working { done, due } => {
                        ctx.cancel(done);
                        j.phase = Phase::Paused(Frozen::Work(due.since(now)));
                    }
                    Phase::Moving { done, .. } => {
                        ctx.cancel(done);
                        j.phase = Phase::Paused(Frozen::Move);
                    }
                    Phase::Queued | Phase::Calling { .. } | Phase::Paused(_) => {}
                }
            }
        }
    }

    /// A pause on `target` ends: every replica no other pause holds carries on where it
    /// stopped, then its idle workers take queued work.
    pub(super) fn resume(&mut self, target: Target, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        let service = target.service;
        for replica in self.replicas_of(target) {
            if !self.services[service.0 as usize].unpause(replica) {
                continue; // Another pause still holds it.
            }
            let thawed: Vec<(JobKey, Frozen)> = self
                .jobs
                .iter_mut()
                .filter(|(_, j)| j.service == service && j.replica == replica)
                .filter_map(|(key, j)| match j.phase {
                    Phase::Paused(frozen) => Some((key, frozen)),
                    _ => None,
                })
                .collect();
            for (job, frozen) in thawed {
                match frozen {
                    Frozen::Work(left) => self.start_work(job, left, ctx),
                    Frozen::Move => self.move_on(job, ctx),
                    Frozen::Fail => self.finish_job(job, Reply::Error, ctx),
                    Frozen::Undo(step) => self.send_undo(job, step, ctx),
                }
            }
            // Workers idle through the pause take the work that queued meanwhile; the
            // number of workers bounds the loop.
            let mut expired = std::mem::take(&mut self.expired);
            for _ in 0..self.services[service.0 as usize].workers_total() {
                let (jobs, attempts) = (&self.jobs, &self.attempts);
                let cancelled = |key: JobKey| attempts[jobs[key].attempt].cancelled;
                let s = &mut self.services[service.0 as usize];
                let Some((next, work)) = s.start_queued(replica, now, &mut expired, cancelled)
                else {
                    break;
                };
                let work = self.job_work(next, work);
                self.jobs[next].started = now;
                self.note(now, |w| w.dequeued(next, work, now));
                self.tie_started(next, ctx);
                self.start_work(next, work, ctx);
            }
            self.reply_dropped(&mut expired, ctx);
            self.expired = expired;
        }
    }

    /// Sends `reply` for `attempt` from its replica back to its caller, answered as soon as
    /// it arrived.
    pub(super) fn reply(
        &mut self,
        attempt: AttemptKey,
        reply: Reply,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        self.reply_after(attempt, reply, ctx.now(), ctx);
    }

    /// Sends `reply` for `attempt`, which reached its replica at `reached`, back to its
    /// caller.
    // Always inlined: it runs once or more per request, and a call's saved registers cost
    // about as much as its body (callgrind, BENCHMARKS.md stop 26).
    #[inline(always)]
    pub(super) fn reply_after(
        &mut self,
        attempt: AttemptKey,
        reply: Reply,
        reached: SimTime,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        if self.deploying {
            self.deploy_answered(attempt, reply, reached, ctx.now());
        }
        let a = &self.attempts[attempt];
        let from = self.replica_node(a.service, a.replica);
        let (now, caller) = (ctx.now(), a.caller);
        let repeat = self.network.delays_repeat();
        let delivery = self.network.send(from, caller, now);
        self.note(now, |w| w.reply_sent(attempt, reply, delivery, now));
        match delivery {
            Delivery::Deliver(delay) => {
                self.attempts[attempt].holders.replies_sent(1);
                ctx.schedule_in_or_next(delay, repeat, || Event::Response { attempt, reply });
            }
            Delivery::Duplicate(first, second) => {
                self.attempts[attempt].holders.replies_sent(2);
                ctx.schedule_in_or_next(first, repeat, || Event::Response { attempt, reply });
                ctx.schedule_in_or_next(second, repeat, || Event::Response { attempt, reply });
            }
            // A reply cannot be refused: a refusing rule on the way back loses it.
            Delivery::Drop | Delivery::Refuse(_) => {
                let service = self.attempts[attempt].service;
                self.services[service.0 as usize].count_reply_lost(ctx.now());
                self.release(attempt);
            }
        }
    }

    /// Draws once for every active fault of the selected kind covering the replica; true if any
    /// draw hits. A fault draws only from its own stream, and only while active.
    pub(super) fn draw_fault(
        &mut self,
        now: SimTime,
        service: ServiceId,
        replica: u32,
        kind: impl Fn(&FaultKind) -> bool,
    ) -> bool {
        if !self.drawing_faults {
            return false;
        }
        let mut hit = false;
        // Only the faults active now (in schedule order, as every one was checked before).
        for &index in self.fault_windows.at(now) {
            let (fault, stream) = (
                &self.faults[index as usize],
                &mut self.fault_streams[index as usize],
            );
            if !kind(&fault.kind) || !fault.active(now) {
                continue;
            }
            let (target, fraction) = match fault.kind {
                FaultKind::ErrorBurst {
                    target, fraction, ..
                }
                | FaultKind::Garbage { target, fraction } => (target, fraction),
                _ => continue,
            };
            if target.covers(service, replica) {
                hit |= stream.chance(fraction);
            }
        }
        hit
    }

    /// Draws once for every active error burst or brownout covering the replica, as
    /// `draw_fault` does; if any draw hits, whether the first that hit (in schedule order) is
    /// retryable (a brownout's errors are).
    fn draw_error_burst(&mut self, now: SimTime, service: ServiceId, replica: u32) -> Option<bool> {
        if !self.drawing_faults {
            return None;
        }
        let mut hit = None;
        for &index in self.fault_windows.at(now) {
            let (fault, stream) = (
                &self.faults[index as usize],
                &mut self.fault_streams[index as usize],
            );
            let (target, fraction, retryable) = match fault.kind {
                FaultKind::ErrorBurst {
                    target,
                    fraction,
                    retryable,
                } => (target, fraction, retryable),
                FaultKind::Brownout { target, peak } => {
                    (target, fault.brownout_fraction(peak, now), true)
                }
                _ => continue,
            };
            if fault.active(now) && target.covers(service, replica) && stream.chance(fraction) {
                hit = hit.or(Some(retryable));
            }
        }
        hit
    }

    /// How a crashed replica fails its callers: refusal unless an active crash black-holes.
    pub(super) fn crash_mode(&self, service: ServiceId, replica: u32, now: SimTime) -> Unreachable {
        let black_hole = self.faults.iter().any(|f| {
            f.active(now)
                && matches!(f.kind, FaultKind::Crash { target, while_down: Unreachable::BlackHole }
                    if target.covers(service, replica))
        });
        if black_hole {
            Unreachable::BlackHole
        } else {
            Unreachable::Refuse
        }
    }
}
