//! The components the world hosts on its one event loop (the database, the election and the
//! message queues, whose world side is `world/message_queue.rs`, and the quorum store): each
//! component's events parked in a slab, and the `Scope` through which a component schedules
//! them as the world's two-word `Event::Database`, `Event::Election` and `Event::Quorum`.

use slotmap::{Key, KeyData, SlotMap};

use sim_core::{Context, SimTime, TraceCode};

use super::{AttemptKey, Event, JobKey, Origin, PackedEvent, Parts, Reply, World};
use crate::component::{Scope, Timer};
use crate::config::{ClientId, ServiceId, Target};
use crate::election::{Election, LeaderWrite, NodeEdge};
use crate::key::PartKey;

/// One hosted component and its events in flight.
pub(super) struct Hosted<C, E> {
    /// The component.
    pub(super) part: C,
    /// Its scheduled events, by the key the world's event carries.
    parked: SlotMap<PartKey, E>,
    /// The world's event that names a parked one.
    wrap: fn(PartKey) -> Event,
}

impl<C, E: Copy + TraceCode> Hosted<C, E> {
    /// `part`, with nothing scheduled yet; `wrap` names its events in the world's.
    pub(super) fn new(part: C, wrap: fn(PartKey) -> Event) -> Hosted<C, E> {
        Hosted {
            part,
            parked: SlotMap::with_key(),
            wrap,
        }
    }

    /// Parks `event` and returns the world's event to schedule at its time.
    pub(super) fn park(&mut self, event: E) -> Event {
        (self.wrap)(self.parked.insert(event))
    }

    /// The parked event `key` names, still parked (for a trace, before it is handled).
    pub(super) fn peek(&self, key: PartKey) -> E {
        self.parked[key]
    }

    /// Takes the parked event `key` names off the slab, folds its own trace code into the
    /// run's hash (the world's event carries only its key), and hands it to `handle` with a
    /// scope over `ctx`.
    pub(super) fn run(
        &mut self,
        key: PartKey,
        ctx: &mut Context<'_, PackedEvent>,
        handle: impl FnOnce(&mut C, E, &mut Parked<'_, '_, '_, E>),
    ) {
        let event = self
            .parked
            .remove(key)
            .expect("a scheduled component event is parked until it runs");
        ctx.fold(event.trace_code());
        let mut scope = Parked {
            ctx,
            parked: &mut self.parked,
            wrap: self.wrap,
        };
        handle(&mut self.part, event, &mut scope);
    }
}

/// A hosted component's scope: the world's context and the component's slab.
pub(super) struct Parked<'s, 'c, 'q, E> {
    ctx: &'s mut Context<'q, PackedEvent>,
    parked: &'c mut SlotMap<PartKey, E>,
    wrap: fn(PartKey) -> Event,
}

impl<E> Scope<E> for Parked<'_, '_, '_, E> {
    fn now(&self) -> SimTime {
        self.ctx.now()
    }

    fn schedule_at(&mut self, at: SimTime, event: E) -> Timer {
        let key = self.parked.insert(event);
        Timer {
            id: self.ctx.schedule_at(at, (self.wrap)(key)),
            parked: key.data().as_ffi(),
        }
    }

    fn cancel(&mut self, timer: Timer) {
        if self.ctx.cancel(timer.id) {
            self.parked.remove(KeyData::from_ffi(timer.parked).into());
        }
    }

    fn fold(&mut self, code: u64) {
        self.ctx.fold(code);
    }
}

/// The world's side of its components: their events, their calls and their results.
impl World {
    /// One of the database's events; when a crash takes its nodes down or brings them back,
    /// the replicas that stand for them (if services call it) go down or come back too.
    pub(super) fn on_database_event(&mut self, key: PartKey, ctx: &mut Context<'_, PackedEvent>) {
        let database = self
            .database
            .as_mut()
            .expect("only a database parks events");
        let edge = database.part.crash_edge(&database.peek(key));
        database.run(key, ctx, |part, event, scope| part.on_event(event, scope));
        let (Some(service), Some((nodes, _))) = (self.database_service, edge) else {
            return;
        };
        for node in nodes {
            let up = self.database.as_ref().expect("checked").part.node_up(node);
            match (up, self.services[service.0 as usize].is_up(node)) {
                (false, true) => self.crash_replica(service, node, ctx),
                (true, false) => self.restart_replica(service, node, ctx),
                _ => {}
            }
        }
    }

    /// One of the election's events; when it crashes, restarts, pauses or resumes a node,
    /// each leader-only service's replica for that node does the same.
    pub(super) fn on_election_event(&mut self, key: PartKey, ctx: &mut Context<'_, PackedEvent>) {
        let election = self
            .election
            .as_mut()
            .expect("only an election parks events");
        let edge = Election::node_edge(&election.peek(key));
        election.run(key, ctx, |part, event, scope| part.on_event(event, scope));
        let Some((node, edge)) = edge else {
            return;
        };
        for index in 0..self.services.len() {
            if !self.services[index].config.policies.leader_only {
                continue;
            }
            let service = ServiceId(index as u32);
            let target = Target {
                service,
                replica: Some(node),
            };
            match edge {
                NodeEdge::Crash => self.crash_replica(service, node, ctx),
                NodeEdge::Restart => self.restart_replica(service, node, ctx),
                NodeEdge::Pause => self.pause(target, ctx),
                NodeEdge::Resume => self.resume(target, ctx),
            }
        }
    }

    /// The lease token the node of `replica` acts with at `now` (`None` if it does not act
    /// as leader).
    pub(super) fn lease_token(&self, replica: u32, now: SimTime) -> Option<u64> {
        let election = self
            .election
            .as_ref()
            .expect("a leader-only service has an election");
        election.part.acting_token(replica, now)
    }

    /// Job `job` of a leader-only service has done its own work, with the lease token it took
    /// when it started (`None`: its node did not lead, and it is refused); whether its write
    /// was taken (a conflicting write is taken; a fenced or undelivered one is not).
    pub(super) fn leader_write(&mut self, job: JobKey, token: Option<u64>, now: SimTime) -> bool {
        let (replica, attempt) = (self.jobs[job].replica, self.jobs[job].attempt);
        let counted = self.counted_client(attempt, now);
        let election = self
            .election
            .as_mut()
            .expect("a leader-only service has an election");
        let Some(token) = token else {
            election.part.not_leader(counted.0);
            return false;
        };
        let outcome = election.part.serve_write((replica, token), now, counted);
        matches!(outcome, LeaderWrite::Current | LeaderWrite::Conflicting)
    }

    /// The client a call made for `attempt` at `now` counts for, and whether it counts in a
    /// component's own figures: the client of its measured root request; no client for an
    /// unmeasured one; with no request left to ask (a caller gave up), no client, counted
    /// if after the warm-up.
    fn counted_client(&self, attempt: AttemptKey, now: SimTime) -> (Option<ClientId>, bool) {
        match self.root_client(attempt) {
            Some((client, true)) => (Some(client), true),
            Some((_, false)) => (None, false),
            None => (None, now >= self.warmup_end),
        }
    }

    /// A database node has done a call's work (job `job`): the database serves its operation
    /// now, and the reply says whether it succeeded (a stale read succeeds).
    pub(super) fn serve_database_call(
        &mut self,
        job: JobKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> Reply {
        let j = &self.jobs[job];
        let (node, attempt) = (j.replica, j.attempt);
        let op = self.attempts[attempt]
            .op
            .expect("an attempt to the database carries its operation");
        let now = ctx.now();
        let (client, measured) = self.counted_client(attempt, now);
        let database = self
            .database
            .as_mut()
            .expect("a database service has a database");
        let ok = database.part.serve_call(op, node, now, (client, measured));
        database.part.flush(|code| ctx.fold(code));
        if ok && op == crate::config::DatabaseOp::Write && self.outboxes.any() {
            self.outbox_committed(attempt, now);
        }
        if ok {
            Reply::Ok
        } else {
            Reply::Error
        }
    }

    /// The client whose request `attempt` ultimately serves, and whether that request is
    /// measured, following calls up through the jobs that made them; `None` if a caller on
    /// the way has given up.
    fn root_client(&self, attempt: AttemptKey) -> Option<(ClientId, bool)> {
        let mut request = self.requests.get(self.attempts.get(attempt)?.request)?;
        loop {
            match request.origin {
                Origin::Client(client, _) => return Some((client, request.measured)),
                Origin::Call { job, .. } => {
                    let parent = self.attempts.get(self.jobs.get(job)?.attempt)?;
                    request = self.requests.get(parent.request)?;
                }
                // A queue's delivery serves no client's request.
                Origin::Queue { .. } => return None,
            }
        }
    }

    /// One of the quorum store's events (an anti-entropy round), with the replicas that
    /// reach each other now.
    pub(super) fn on_quorum_event(&mut self, key: PartKey, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        let service = self.quorum_service;
        // The reach closure borrows the world; the store is taken out while it runs.
        let mut quorum = self
            .quorum
            .take()
            .expect("only a quorum store parks events");
        let world = &*self;
        let reach = |a: u32, b: u32| service.is_some_and(|s| world.replicas_reach(s, a, b, now));
        quorum.run(key, ctx, |part, event, scope| {
            part.on_event(event, &reach, scope)
        });
        self.quorum = Some(quorum);
    }

    /// A quorum store's replica has done a call's work as its coordinator (job `job`): the
    /// store serves its operation now over the replicas the coordinator reaches, and the
    /// reply says whether it succeeded (a stale or sloppy read succeeds).
    pub(super) fn serve_quorum_call(
        &mut self,
        job: JobKey,
        ctx: &mut Context<'_, PackedEvent>,
    ) -> Reply {
        let j = &self.jobs[job];
        let (coordinator, attempt, service) = (j.replica, j.attempt, j.service);
        let op = self.attempts[attempt]
            .op
            .expect("an attempt to the quorum store carries its operation");
        let now = ctx.now();
        let counted = self.counted_client(attempt, now);
        let mut quorum = self.quorum.take().expect("a quorum service has a store");
        let world = &*self;
        let reach = |a: u32, b: u32| world.replicas_reach(service, a, b, now);
        let ok = quorum
            .part
            .serve_call(op, coordinator, &reach, now, counted);
        quorum.part.flush(|code| ctx.fold(code));
        self.quorum = Some(quorum);
        if ok {
            Reply::Ok
        } else {
            Reply::Error
        }
    }

    /// Whether replicas `a` and `b` of `service` reach each other at `now`: both up and not
    /// paused, and no network rule cuts either direction between them.
    fn replicas_reach(&self, service: ServiceId, a: u32, b: u32, now: SimTime) -> bool {
        let s = &self.services[service.0 as usize];
        let live = |r: u32| s.is_up(r) && !s.is_paused(r);
        let (na, nb) = (self.replica_node(service, a), self.replica_node(service, b));
        live(a) && live(b) && !self.network.cut(na, nb, now) && !self.network.cut(nb, na, now)
    }

    /// What the database and the election (those the world has) measured by `end`.
    pub(super) fn part_results(&mut self, end: SimTime) -> Parts {
        Parts {
            database: self.database.as_mut().map(|d| d.part.finish(end)),
            election: self.election.as_ref().map(|e| e.part.result(end)),
            queues: self.queue_results(end),
            outboxes: self.outbox_results(),
        }
    }
}
