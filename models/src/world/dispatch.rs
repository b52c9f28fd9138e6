//! Sending attempts: a caller's guards, the balancer's pick, the network, and the timers.
//!
//! A request's first attempt, each retry (after its backoff) and a hedge copy all go out
//! through `send_attempt`: the caller's guards admit it or refuse it locally, its bulkhead
//! (if any) gives it a slot, queues it or refuses it, the target service's balancer picks a
//! replica, the network carries it, and the attempt's timer is set on the caller's clock.
//!
//! A bulkhead slot is held by an attempt until its caller stops waiting for it (`stop_waiting`
//! in `outcome`); a slot freed while an event is handled goes to the oldest waiter, which is
//! sent once the event's own work is done (`grant_bulkhead_slots`).

use sim_core::network::{Delivery, NodeId};
use sim_core::{Context, SimDuration, SimTime};

use super::call_policy;
use super::holders::Holders;
use super::{Attempt, Event, JobKey, Origin, PackedEvent, Reply, RequestKey, World};
use crate::caller_class::AttemptClass;
use crate::config::{CallerId, ClientId, DatabaseOp, ServiceId};
use crate::failure::Ending;
use crate::failure::Failure;
use crate::guard::{Entry, GuardState, LocalRejection};
use crate::service::Service;
use crate::tied::second_replica;

/// Whose guards a request's attempts go through: a client, or one replica's call edge. Unlike
/// an `Origin`, it stays valid after the job that made a call is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Caller {
    /// A client.
    Client(ClientId),
    /// Call number `call` of `service`'s replica `replica`.
    Edge {
        service: ServiceId,
        replica: u32,
        call: u32,
    },
}

/// Which attempt of a request goes out: its next try (the first, or a retry after a
/// failure), or a hedge copy (a hedge, or a tied request's second copy). A try refused by
/// its guards fails its request and may wait for a bulkhead slot; a hedge copy is skipped
/// instead, never waits, and is never retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sending {
    /// The request's next try.
    Try,
    /// A second copy beside a try still out.
    Hedge,
}

impl World {
    pub(super) fn on_retry(&mut self, request: RequestKey, ctx: &mut Context<'_, PackedEvent>) {
        if self.origin_alive(request) {
            self.send_attempt(request, Sending::Try, ctx);
        } else {
            self.drop_request(request);
        }
    }

    /// Sends an attempt of `request` (its next try, or a hedge copy), unless its guards
    /// refuse: then a first try or retry fails the request at once, and a hedge is skipped.
    #[inline]
    pub(super) fn send_attempt(
        &mut self,
        request: RequestKey,
        sending: Sending,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        if self.requests[request].guarded {
            self.send_guarded(request, sending, ctx);
        } else {
            self.dispatch(request, sending, None, ctx);
        }
    }

    /// `send_attempt` for a request whose caller has guards.
    fn send_guarded(
        &mut self,
        request: RequestKey,
        sending: Sending,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let origin = self.requests[request].origin;
        let measured = self.requests[request].measured;
        if let Err(why) = self.guards(origin).admit(now, measured) {
            self.note(now, |w| w.rejected_locally(request, why));
            // Refused locally (breaker open or throttled): fail fast, without a retry.
            if sending == Sending::Try {
                self.resolve(
                    request,
                    Ending::Failed(super::outcome::failure_of_rejection(why)),
                    ctx,
                );
            }
            return;
        }
        let caller = self.requests[request].caller;
        let permit =
            match self
                .caller_guards(caller)
                .enter_bulkhead(now, request, sending == Sending::Try)
            {
                Entry::NoBulkhead => None,
                Entry::Entered => Some(caller),
                Entry::Queued(until) => {
                    let timer = ctx.schedule_at(until, Event::BulkheadTimeout { request });
                    self.bulkhead_waits.insert(request, (timer, now));
                    self.note(now, |w| w.bulkhead_queued(request, until));
                    return;
                }
                Entry::Rejected => {
                    self.caller_guards(caller)
                        .on_bulkhead_full(now, SimDuration::ZERO, measured);
                    let why = LocalRejection::BulkheadFull;
                    self.note(now, |w| w.rejected_locally(request, why));
                    if sending == Sending::Try {
                        self.resolve(request, Ending::Failed(Failure::BulkheadFull), ctx);
                    }
                    return;
                }
            };
        self.dispatch(request, sending, permit, ctx);
    }

    /// Sends an attempt of `request` that its guards let through, holding `permit`'s bulkhead
    /// slot if it has one.
    pub(super) fn dispatch(
        &mut self,
        request: RequestKey,
        sending: Sending,
        permit: Option<Caller>,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let twin = self.tied_twin_replica(request, sending);
        let r = self
            .requests
            .get_mut(request)
            .expect("a request being sent is live");
        let (origin, service, caller) = (r.origin, r.target, r.node);
        // Only a world with components routes otherwise than by the balancer (one branch).
        let (op, replica) = if self.routing {
            let by = r.caller;
            self.component_route(service, by, twin, now)
        } else {
            (
                None,
                pick_for(&mut self.services[service.0 as usize], twin, now),
            )
        };
        let r = &mut self.requests[request];
        r.attempts += 1;
        match origin {
            Origin::Client(client, tag) => {
                let c = &mut self.clients[client.0 as usize];
                c.history.attempts.add(now, 1);
                if r.measured {
                    c.counts.attempts += 1;
                    if !c.members.is_empty() {
                        let member = c.arrivals.member_of(tag);
                        c.members[member as usize].attempts += 1;
                    }
                }
            }
            Origin::Call { job, call } => {
                let service = self.jobs[job].service;
                self.services[service.0 as usize].count_call_attempt(call, r.measured);
            }
            Origin::Queue { .. } => {
                let Caller::Edge { service, call, .. } = r.caller else {
                    unreachable!("a delivery's caller is its queue's call edge")
                };
                self.services[service.0 as usize].count_call_attempt(call, r.measured);
            }
        }
        let to = NodeId(self.replica_nodes[service.0 as usize] + replica);
        let repeat = self.network.delays_repeat();
        let delivery = self.network.send(caller, to, now);
        // The attempt's timer fires at its own timeout (on the caller's clock) or at the
        // request's overall deadline, whichever comes first.
        let (timeout, _) = call_policy(&self.clients, &self.services, r.caller);
        let own = timeout.map(|t| self.clocks[caller.0 as usize].deadline(now, t));
        let expires = match (own, r.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|at| at.max(now));
        let attempt = self.attempts.insert(Attempt {
            request,
            request_id: r.id,
            key: r.key,
            caller,
            service,
            replica,
            timer: None,
            sent: now,
            expires,
            cancelled: false,
            hedge: sending == Sending::Hedge,
            number: r.attempts,
            waiting: true,
            // The copies of its request message in flight.
            holders: Holders::sent(delivery),
            permit,
            tied: None,
            tie_started: false,
            class: AttemptClass {
                caller: match r.caller {
                    Caller::Client(client) => CallerId::Client(client),
                    Caller::Edge { service, .. } => CallerId::Service(service),
                },
                priority: r.priority,
                request: r.class,
            },
            op,
            new_version: false,
            propagate: r.propagate,
        });
        let slot = r.live.iter_mut().find(|slot| slot.is_none());
        *slot.expect("a request waits on at most two attempts") = Some(attempt);
        let guarded = r.guarded;
        if guarded && !r.hedged && !self.hedge_timers.contains_key(request) {
            if let Some(delay) = self.guards(origin).hedge_delay() {
                // The hedge timer runs on the caller's clock, like every caller timer.
                let at = self.clocks[caller.0 as usize].deadline(now, delay);
                let timer = ctx.schedule_at(at, Event::Hedge { request });
                self.hedge_timers.insert(request, timer);
            }
        }
        match delivery {
            Delivery::Deliver(delay) => {
                ctx.schedule_in_or_next(delay, repeat, || Event::AttemptArrive { attempt });
            }
            Delivery::Duplicate(first, second) => {
                ctx.schedule_in_or_next(first, repeat, || Event::AttemptArrive { attempt });
                ctx.schedule_in_or_next(second, repeat, || Event::AttemptArrive { attempt });
            }
            Delivery::Drop => {}
            Delivery::Refuse(delay) => {
                ctx.schedule_in_or_next(delay, repeat, || Event::Response {
                    attempt,
                    reply: Reply::Refused,
                });
            }
        }
        if let Some(at) = expires {
            let timer = ctx.schedule_timer_at(at, Event::Timeout { attempt });
            self.attempts[attempt].timer = Some(timer);
        }
        self.note(now, |w| w.attempt_sent(attempt, delivery, now));
        if sending == Sending::Try && guarded {
            self.send_tied_copy(request, attempt, ctx);
        }
    }

    /// The guards of `caller`.
    #[inline]
    pub(super) fn caller_guards(&mut self, caller: Caller) -> &mut GuardState {
        match caller {
            Caller::Client(client) => &mut self.clients[client.0 as usize].guards,
            Caller::Edge {
                service,
                replica,
                call,
            } => self.services[service.0 as usize].call_guards(replica, call),
        }
    }

    /// Gives back a bulkhead slot of `caller` at `now`; the oldest waiter takes it over and is
    /// sent at the end of the current event.
    pub(super) fn exit_bulkhead(&mut self, caller: Caller, now: SimTime) {
        if let Some(next) = self.caller_guards(caller).exit_bulkhead(now) {
            self.granted.push(next);
        }
    }

    /// Sends the requests handed a bulkhead slot during this event, in the order they got it.
    /// A waiter whose job is gone passes its slot on.
    pub(super) fn grant_bulkhead_slots(&mut self, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        let mut index = 0;
        // Each pass sends one waiter or drops one dead one; a dead one may hand the slot to
        // one more waiter, and a bulkhead's wait queue is bounded, so this ends.
        while index < self.granted.len() {
            let request = self.granted[index];
            index += 1;
            let (timer, _) =
                (self.bulkhead_waits.remove(request)).expect("a granted request was waiting");
            let caller = self.requests[request].caller;
            ctx.cancel(timer);
            if self.origin_alive(request) {
                self.dispatch(request, Sending::Try, Some(caller), ctx);
            } else {
                self.drop_request(request);
                if let Some(next) = self.caller_guards(caller).exit_bulkhead(now) {
                    self.granted.push(next);
                }
            }
        }
        self.granted.clear();
    }

    /// A request's bulkhead wait timed out: it, and any other waiter of the same bulkhead whose
    /// wait is over, is rejected locally (fail fast, no retry).
    pub(super) fn on_bulkhead_timeout(
        &mut self,
        request: RequestKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        let now = ctx.now();
        let caller = self.requests[request].caller;
        for waiter in self.caller_guards(caller).expire_bulkhead_waiters(now) {
            let (timer, since) =
                (self.bulkhead_waits.remove(waiter)).expect("a timed-out waiter was waiting");
            let r = &self.requests[waiter];
            // The current event's own timer is already spent; the others' are cancelled.
            ctx.cancel(timer);
            let measured = r.measured;
            self.caller_guards(caller)
                .on_bulkhead_full(now, now.since(since), measured);
            if self.origin_alive(waiter) {
                let why = LocalRejection::BulkheadFull;
                self.note(now, |w| w.rejected_locally(waiter, why));
                self.resolve(waiter, Ending::Failed(Failure::BulkheadFull), ctx);
            } else {
                self.drop_request(waiter);
            }
        }
    }

    /// The guards of whoever made `origin`'s request.
    #[inline]
    pub(super) fn guards(&mut self, origin: Origin) -> &mut GuardState {
        match origin {
            Origin::Client(client, _) => &mut self.clients[client.0 as usize].guards,
            Origin::Call { job, call } => {
                let j = &self.jobs[job];
                self.services[j.service.0 as usize].call_guards(j.replica, call)
            }
            Origin::Queue { message, partition } => {
                let service = self.queue_service(message.queue());
                self.services[service.0 as usize].call_guards(partition, 0)
            }
        }
    }

    /// A request's hedge delay passed: if it still waits on exactly one attempt, send a copy.
    pub(super) fn on_hedge(&mut self, request: RequestKey, ctx: &mut Context<'_, PackedEvent>) {
        self.hedge_timers.remove(request);
        let Some(r) = self.requests.get_mut(request) else {
            return;
        };
        let waiting = r.live.iter().flatten().count();
        if r.hedged || waiting != 1 || !self.origin_alive(request) {
            return;
        }
        self.requests[request].hedged = true;
        let (origin, measured) = (
            self.requests[request].origin,
            self.requests[request].measured,
        );
        self.guards(origin).counts.hedges += u64::from(measured);
        self.send_attempt(request, Sending::Hedge, ctx);
    }
}

impl World {
    /// The operation and the replica of an attempt to `service` by `caller` in a world with
    /// components: the database routes its calls (writes to the leader, reads per
    /// `read_from`), a leader-only service's callers find a node that acts as leader, and
    /// any other attempt goes where the balancer picks.
    #[cold]
    fn component_route(
        &mut self,
        service: ServiceId,
        caller: Caller,
        twin: Option<u32>,
        now: SimTime,
    ) -> (Option<DatabaseOp>, u32) {
        let op = match caller {
            Caller::Edge { service, call, .. } => {
                self.services[service.0 as usize].config.calls[call as usize].op
            }
            Caller::Client(_) => None,
        };
        let leader_only = self.services[service.0 as usize]
            .config
            .policies
            .leader_only;
        let replica = match (op, self.database.as_mut(), self.election.as_mut()) {
            (Some(op), Some(database), _) if Some(service) == self.database_service => {
                database.part.route_call(op, now)
            }
            (None, _, Some(election)) if leader_only => election.part.route_call(now),
            _ => pick_for(&mut self.services[service.0 as usize], twin, now),
        };
        (op, replica)
    }
}

/// The replica for an attempt to `service`: the balancer's pick, moved off a tied `twin`'s.
#[inline]
fn pick_for(service: &mut Service<JobKey>, twin: Option<u32>, now: SimTime) -> u32 {
    match twin {
        None => service.pick_replica(now),
        Some(twin) => {
            let replicas = service.config.replicas;
            service.pick_replica_with(now, |picked| second_replica(picked, twin, replicas))
        }
    }
}
