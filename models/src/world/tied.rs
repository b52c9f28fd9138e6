//! The world's side of tied requests (see `crate::tied`): sending the second copy, the
//! cancellation a copy's server sends when a worker takes it, and what that cancellation does
//! when it reaches the twin's replica.

use sim_core::network::Delivery;
use sim_core::Context;

use super::dispatch::Sending;
use super::{AttemptKey, Event, JobKey, PackedEvent, RequestKey, World};

impl World {
    /// The replica of the twin that a tied copy of `request` must avoid, if it is a hedge
    /// copy and the caller ties its requests.
    pub(super) fn tied_twin_replica(
        &mut self,
        request: RequestKey,
        sending: Sending,
    ) -> Option<u32> {
        if sending == Sending::Try {
            return None;
        }
        let origin = self.requests[request].origin;
        if !self.guards(origin).is_tied() {
            return None;
        }
        let first = self.requests[request]
            .live
            .iter()
            .flatten()
            .next()
            .copied()?;
        Some(self.attempts[first].replica)
    }

    /// After `first` (not a copy) was sent for `request`: a tying caller sends the second
    /// copy at once, through its guards like a hedge, and ties the two.
    pub(super) fn send_tied_copy(
        &mut self,
        request: RequestKey,
        first: AttemptKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let origin = self.requests[request].origin;
        if !self.guards(origin).is_tied() {
            return;
        }
        self.send_attempt(request, Sending::Hedge, ctx);
        let copy = self.requests.get(request).and_then(|r| {
            r.live
                .iter()
                .flatten()
                .copied()
                .find(|&attempt| attempt != first)
        });
        if let Some(copy) = copy {
            self.attempts[first].tied = Some(copy);
            self.attempts[copy].tied = Some(first);
            let measured = self.requests[request].measured;
            self.guards(origin).counts.hedges += u64::from(measured);
        }
    }

    /// A worker takes `job`: if it serves a tied copy, its server sends a cancellation to the
    /// twin's replica, and a twin that already started makes the pair `both_executed`.
    pub(super) fn tie_started(&mut self, job: JobKey, ctx: &mut Context<'_, PackedEvent>) {
        let (attempt, reached) = (self.jobs[job].attempt, self.jobs[job].reached);
        let a = &mut self.attempts[attempt];
        let Some(twin) = a.tied else {
            return;
        };
        a.tie_started = true;
        let (service, replica) = (a.service, a.replica);
        let Some(t) = self.attempts.get(twin) else {
            return; // The twin is gone: it was dropped, or answered and forgotten.
        };
        if t.tie_started {
            // The twin's cancellation is still on its way: both copies execute.
            self.services[service.0 as usize].count_tied_both_executed(reached);
            return;
        }
        if t.cancelled {
            return; // Its caller already cancelled it.
        }
        let from = self.replica_node(service, replica);
        let to = self.replica_node(t.service, t.replica);
        let repeat = self.network.delays_repeat();
        match self.network.send(from, to, ctx.now()) {
            Delivery::Deliver(delay) => {
                self.attempts[twin].holders.cancels_sent(1);
                ctx.schedule_in_or_next(delay, repeat, || Event::TiedCancel { attempt: twin });
            }
            Delivery::Duplicate(first, second) => {
                self.attempts[twin].holders.cancels_sent(2);
                ctx.schedule_in_or_next(first, repeat, || Event::TiedCancel { attempt: twin });
                ctx.schedule_in_or_next(second, repeat, || Event::TiedCancel { attempt: twin });
            }
            // A lost cancellation: both copies may execute.
            Delivery::Drop | Delivery::Refuse(_) => {}
        }
    }

    /// A cancellation reaches `attempt`'s replica: unless a worker already took it, the copy
    /// is dropped undone (on its way, or skipped when a worker reaches it in the queue), and
    /// its caller stops waiting for it. If the twin already failed, the request moves on.
    pub(super) fn on_tied_cancel(
        &mut self,
        attempt: AttemptKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let a = &mut self.attempts[attempt];
        a.holders.cancel_arrived();
        if a.tie_started || a.cancelled {
            self.release(attempt);
            return;
        }
        a.cancelled = true;
        let (request, timer, waiting) = (a.request, a.timer.take(), a.waiting);
        let service = a.service;
        self.services[service.0 as usize].count_tied_cancelled(now);
        if waiting {
            // The caller only ever waits for one answer of a tied pair: it stops waiting for
            // this copy now (a modelling shortcut: no message tells it).
            if let Some(timer) = timer {
                ctx.cancel(timer);
            }
            self.stop_waiting(attempt, now);
            let other_waiting = self.forget_live(request, attempt);
            if !other_waiting && self.requests.contains_key(request) {
                // The twin already answered with a failure: retry or give up now.
                self.after_failure(request, ctx);
            }
            return;
        }
        self.release(attempt);
    }
}
