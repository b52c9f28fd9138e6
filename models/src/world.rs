//! The world: clients, services, the network and the fault schedule in one `sim_core::Model`.
//!
//! ```text
//! client ──request──▶ api replica: own work ─▶ call db ─▶ call search ─▶ reply ──▶ client
//!   │ timeout per attempt (on the caller's local clock)   worker held throughout
//!   └── on timeout, rejection, error or refusal: retry after backoff+jitter, or fail
//! ```
//!
//! A request is one call a caller wants answered: a client's request, or one downstream call of
//! a job. An attempt is one try of a request. A job is a replica's service of one attempt
//! that arrived: its own work, then each of the service's `calls` in order (each a request with
//! its own timeout and retries), then the reply. One failed call fails the job with an error.
//!
//! Every message crosses `sim_core::network::Network`, which may delay, drop, duplicate or
//! refuse it according to the network settings and the fault rules. An attempt lives until
//! its caller is done with it (reply or timeout) and nothing else refers to it: `holders`
//! counts request copies in flight, jobs, and reply copies in flight. Servers keep working on
//! attempts whose caller gave up (no cancellation): that is `timed_out_work`. A crash removes
//! every job of the replica (queued, in service, or waiting on calls); its callers time out or
//! see refusals. Memory is bounded by the work in flight.

use slotmap::{new_key_type, Key, SlotMap};

use sim_core::network::{Delivery, Network, NodeId};

use nodes::{build_clocks, build_network, describe, Nodes};
use sim_core::{
    Clock, Context, EventId, Limits, Model, Observer, RunError, SimDuration, SimTime, Simulation,
    Stream, TraceCode,
};

use crate::backoff::retry_delay;
use crate::client::Client;
use crate::config::{ClientId, RetryPolicy, ServiceId, WorldConfig};
use crate::fault::{Fault, FaultKind, Target, Unreachable};
use crate::guard::{AttemptOutcome, GuardState};
use crate::result::{FaultRecord, RunResult};
use crate::service::{Admission, Finished, Service, WorkKind};
use trace::{Admitted, RequestNote};

/// Builds the world described by `config`, runs it to its duration and returns what it measured.
///
/// The run is a pure function of `(config, seed)` and this crate's version.
pub fn run(config: &WorldConfig, seed: u64) -> Result<RunResult, RunError> {
    run_observed(config, seed, None)
}

/// Like `run`, but `observer` (if any) sees every processed event in order.
pub fn run_observed(
    config: &WorldConfig,
    seed: u64,
    observer: Option<Observer<Event>>,
) -> Result<RunResult, RunError> {
    let config = &with_random_faults(config, seed);
    let world = World::new(config.clone(), seed);
    let mut sim = simulation(config, world, config.limits);
    if let Some(observer) = observer {
        sim.set_observer(observer);
    }
    let stats = sim.run_until(SimTime::ZERO.add(config.duration))?;
    Ok(sim.into_model().result(stats))
}

/// A simulation of `world` (built from `config`, random faults drawn) with its first arrivals
/// and crash faults scheduled: every entry point starts a run here, so they all agree.
fn simulation(config: &WorldConfig, mut world: World, limits: Limits) -> Simulation<World> {
    // Each client's first arrival is one gap after time zero, drawn like every later one.
    let first: Vec<SimTime> = world
        .clients
        .iter_mut()
        .map(|c| c.next_arrival(SimTime::ZERO))
        .collect();
    let mut sim = Simulation::new(world, limits);
    for (index, at) in first.into_iter().enumerate() {
        sim.schedule_at(
            at,
            Event::Arrival {
                client: ClientId(index as u32),
            },
        );
    }
    for (index, fault) in config.faults.iter().enumerate() {
        if let FaultKind::Crash { .. } = fault.kind {
            let index = index as u32;
            sim.schedule_at(fault.start, Event::FaultStart { fault: index });
            if fault.end < SimTime::MAX {
                sim.schedule_at(fault.end, Event::FaultEnd { fault: index });
            }
        }
    }
    sim
}

/// `config` with its random faults drawn from `seed` and appended to its schedule.
pub fn with_random_faults(config: &WorldConfig, seed: u64) -> WorldConfig {
    let mut config = config.clone();
    if let Some(recipe) = config.random_faults.take() {
        let replicas: Vec<u32> = config.services.iter().map(|s| s.replicas).collect();
        let mut stream = Stream::new(seed, "faults/random");
        config.faults.extend(recipe.draw(&mut stream, &replicas));
    }
    config
}

new_key_type! {
    /// A request in flight (one call a caller wants answered, possibly several attempts).
    pub struct RequestKey;
    /// An attempt in flight (one try of a request).
    pub struct AttemptKey;
    /// A job: a replica serving one arrived attempt.
    pub struct JobKey;
}

/// How an attempt was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The request was served.
    Ok,
    /// The request was served, but the answer is silently wrong (a garbage fault).
    Garbage,
    /// The replica's queue was full (overload): retryable.
    Rejected,
    /// The server failed the request (a downstream call failed, or an error burst): retryable.
    Error,
    /// The connection was refused (a crashed replica or a refusing partition): retryable.
    Refused,
}

/// Everything that can happen in the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A new request arrives at a client.
    Arrival {
        /// The client.
        client: ClientId,
    },
    /// A backoff delay has passed: send the request's next attempt.
    Retry {
        /// The request to retry.
        request: RequestKey,
    },
    /// A copy of an attempt's request message reaches its replica.
    AttemptArrive {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// A worker finishes a job's own work (its downstream calls come next).
    WorkDone {
        /// The job.
        job: JobKey,
    },
    /// A copy of an attempt's reply reaches its caller.
    Response {
        /// The attempt.
        attempt: AttemptKey,
        /// What the server answered.
        reply: Reply,
    },
    /// An attempt's per-attempt timeout fires at its caller.
    Timeout {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// A request's hedge delay has passed without an answer: send a second copy.
    Hedge {
        /// The request.
        request: RequestKey,
    },
    /// A scheduled fault that needs an action (a crash) begins.
    FaultStart {
        /// Index in the fault schedule.
        fault: u32,
    },
    /// A scheduled fault that needs an action (a restart) ends.
    FaultEnd {
        /// Index in the fault schedule.
        fault: u32,
    },
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        // The kind in the top byte, the entity in the rest. Slot-map keys are (index, version)
        // pairs assigned in a deterministic order, so they are stable across runs.
        let (kind, id): (u64, u64) = match *self {
            Event::Arrival { client } => (1, u64::from(client.0)),
            Event::Retry { request } => (2, request.data().as_ffi()),
            Event::AttemptArrive { attempt } => (3, attempt.data().as_ffi()),
            Event::WorkDone { job } => (4, job.data().as_ffi()),
            Event::Response { attempt, reply } => (16 + reply as u64, attempt.data().as_ffi()),
            Event::Timeout { attempt } => (5, attempt.data().as_ffi()),
            Event::FaultStart { fault } => (6, u64::from(fault)),
            Event::FaultEnd { fault } => (7, u64::from(fault)),
            Event::Hedge { request } => (8, request.data().as_ffi()),
        };
        (kind << 56) ^ id
    }
}

/// The whole simulated system.
pub struct World {
    clients: Vec<Client>,
    services: Vec<Service<JobKey>>,
    network: Network,
    /// `replica_nodes[s]` is the node id of replica 0 of service `s`; replicas are consecutive.
    replica_nodes: Vec<u32>,
    /// One clock per node (clients first, then every replica of every service).
    clocks: Vec<Clock>,
    faults: Vec<Fault>,
    /// One stream per fault, for faults that draw (error bursts, garbage).
    fault_streams: Vec<Stream>,
    warmup_end: SimTime,
    measured: SimDuration,
    requests: SlotMap<RequestKey, Request>,
    attempts: SlotMap<AttemptKey, Attempt>,
    jobs: SlotMap<JobKey, Job>,
    /// Scratch space for jobs that expired in a queue (reused to avoid allocation).
    expired: Vec<JobKey>,
    /// Scratch space for the requests of one fan-out call.
    fan: Vec<RequestKey>,
    /// Requests made so far: the next request's stable id (traces name requests by it).
    requests_made: u64,
    /// The full trace being recorded, if any (`trace`); `None` costs one branch per hook.
    tracer: Option<Box<trace::Tracer>>,
}

/// Who is waiting for a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A client's own request.
    Client(ClientId),
    /// Call number `call` of `job`.
    Call { job: JobKey, call: u32 },
}

#[derive(Debug)]
struct Request {
    /// Stable id: the number of requests made before it in the run.
    id: u64,
    origin: Origin,
    /// The caller's node (a client, or the replica running the job).
    node: NodeId,
    target: ServiceId,
    timeout: Option<SimDuration>,
    retry: RetryPolicy,
    arrived: SimTime,
    attempts: u32,
    previous_delay: Option<SimDuration>,
    measured: bool,
    /// The overall deadline (true time), if the client set one or a parent propagated it.
    deadline: Option<SimTime>,
    /// Whether the deadline travels downstream with the request's attempts.
    propagate: bool,
    /// Attempts the caller still waits for (a hedged request can have two).
    live: [Option<AttemptKey>; 2],
    /// The pending hedge timer, if any.
    hedge_timer: Option<EventId>,
    /// Whether a hedge was already sent (at most one per request).
    hedged: bool,
}

#[derive(Debug)]
struct Attempt {
    request: RequestKey,
    /// Its request's stable id (the request may be gone before a late reply arrives).
    request_id: u64,
    caller: NodeId,
    service: ServiceId,
    replica: u32,
    timer: Option<EventId>,
    /// When it was sent (for the breaker's call duration).
    sent: SimTime,
    /// When its caller stops waiting for it (its timer), in true time, if ever.
    expires: Option<SimTime>,
    /// It lost a hedge race: a server that has not started it drops it.
    cancelled: bool,
    /// It is the hedge copy of its request.
    hedge: bool,
    /// Its number among its request's attempts (1 for the first).
    number: u32,
    /// The caller still waits for this attempt's reply.
    waiting: bool,
    /// Request copies in flight, jobs, and reply copies in flight that refer to it.
    holders: u32,
}

#[derive(Debug)]
struct Job {
    attempt: AttemptKey,
    service: ServiceId,
    replica: u32,
    reached: SimTime,
    calls_made: u32,
    /// Requests of the current call that succeeded, and that failed.
    call_ok: u32,
    call_failed: u32,
    /// The current call has succeeded or failed; its remaining requests are abandoned.
    call_decided: bool,
    /// A downstream call answered with garbage, so this job's answer is garbage too.
    garbage: bool,
    /// The propagated deadline its calls inherit, if any.
    deadline: Option<SimTime>,
    /// When a worker took it (arrival if served at once, else when it left the queue).
    started: SimTime,
    /// Whether it serves a first attempt, a retry or a hedge (for work accounting).
    kind: WorkKind,
    /// It waits in its replica's queue (no worker yet).
    queued: bool,
}

impl World {
    /// A world at time zero with every stream derived from `seed`.
    pub fn new(config: WorldConfig, seed: u64) -> World {
        let warmup_end = SimTime::ZERO.add(config.warmup);
        let mut replica_nodes = Vec::with_capacity(config.services.len());
        let mut next_node = config.clients.len() as u32;
        for service in &config.services {
            replica_nodes.push(next_node);
            next_node += service.replicas;
        }
        let nodes = Nodes {
            clients: config.clients.len() as u32,
            replica_nodes: &replica_nodes,
            services: &config.services,
        };
        let network = build_network(&config.network, &config.faults, &nodes, seed);
        let clocks = build_clocks(&config, &nodes, next_node);
        let fault_streams = (0..config.faults.len())
            .map(|i| Stream::new(seed, &format!("fault/{i}")))
            .collect();
        let spikes = |client: usize| -> Vec<(SimTime, SimTime, f64)> {
            config
                .faults
                .iter()
                .filter_map(|f| match f.kind {
                    FaultKind::LoadSpike { client: c, factor } if c.0 as usize == client => {
                        Some((f.start, f.end, factor))
                    }
                    _ => None,
                })
                .collect()
        };
        World {
            clients: config
                .clients
                .iter()
                .enumerate()
                .map(|(i, c)| Client::new(c.clone(), seed, spikes(i)))
                .collect(),
            services: config
                .services
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Service::new(
                        s.clone(),
                        ServiceId(i as u32),
                        &config.faults,
                        seed,
                        warmup_end,
                    )
                })
                .collect(),
            network,
            replica_nodes,
            clocks,
            faults: config.faults,
            fault_streams,
            warmup_end,
            measured: config.duration.saturating_sub(config.warmup),
            requests: SlotMap::with_key(),
            attempts: SlotMap::with_key(),
            jobs: SlotMap::with_key(),
            expired: Vec::new(),
            fan: Vec::new(),
            requests_made: 0,
            tracer: None,
        }
    }

    /// What the run measured, given the engine's final figures.
    pub fn result(&self, stats: sim_core::RunStats) -> RunResult {
        let names: Vec<String> = self
            .services
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        let client_names: Vec<String> =
            self.clients.iter().map(|c| c.config.name.clone()).collect();
        RunResult {
            stats,
            measured: self.measured,
            clients: self.clients.iter().map(|c| c.result(stats.end)).collect(),
            services: self
                .services
                .iter()
                .map(|s| s.result_with_names(stats.end, &names))
                .collect(),
            faults: self
                .faults
                .iter()
                .map(|f| FaultRecord {
                    kind: f.kind_name().to_string(),
                    target: describe(&f.kind, &names, &client_names),
                    start: f.start,
                    end: f.end,
                })
                .collect(),
        }
    }

    fn replica_node(&self, service: ServiceId, replica: u32) -> NodeId {
        NodeId(self.replica_nodes[service.0 as usize] + replica)
    }

    fn on_arrival(&mut self, client: ClientId, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let measured = now >= self.warmup_end;
        let c = &mut self.clients[client.0 as usize];
        let next = c.next_arrival(now);
        ctx.schedule_at(next, Event::Arrival { client });
        c.history.offered.add(now, 1);
        if measured {
            c.counts.requests += 1;
        }
        c.guards.on_request(now);
        let request = self.requests.insert(Request {
            id: self.requests_made,
            origin: Origin::Client(client),
            node: NodeId(client.0),
            target: c.config.target,
            timeout: c.config.timeout,
            retry: c.config.retry,
            arrived: now,
            attempts: 0,
            previous_delay: None,
            measured,
            deadline: c
                .config
                .deadline
                .map(|d| self.clocks[client.0 as usize].deadline(now, d.after)),
            propagate: c.config.deadline.is_some_and(|d| d.propagate),
            live: [None, None],
            hedge_timer: None,
            hedged: false,
        });
        self.requests_made += 1;
        self.send_attempt(request, false, ctx);
    }

    fn on_retry(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        if self.origin_alive(request) {
            self.send_attempt(request, false, ctx);
        } else {
            self.requests.remove(request);
        }
    }

    /// Sends the next attempt of `request` (a hedge copy if `is_hedge`), unless its guards
    /// refuse: then a first try or retry fails the request at once, and a hedge is skipped.
    fn send_attempt(&mut self, request: RequestKey, is_hedge: bool, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let origin = self.requests[request].origin;
        if let Err(why) = self.guards(origin).admit(now) {
            self.note(now, |w| w.rejected_locally(request, why));
            // Refused locally (breaker open or throttled): fail fast, without a retry.
            if !is_hedge {
                self.resolve(request, false, false, ctx);
            }
            return;
        }
        let r = self
            .requests
            .get_mut(request)
            .expect("a request being sent is live");
        r.attempts += 1;
        match r.origin {
            Origin::Client(client) => {
                let c = &mut self.clients[client.0 as usize];
                c.history.attempts.add(now, 1);
                if r.measured {
                    c.counts.attempts += 1;
                }
            }
            Origin::Call { job, call } => {
                let service = self.jobs[job].service;
                self.services[service.0 as usize].count_call_attempt(call, r.measured);
            }
        }
        let (service, timeout, caller, deadline) = (r.target, r.timeout, r.node, r.deadline);
        let replica = self.services[service.0 as usize].pick_replica();
        let attempt = self.attempts.insert(Attempt {
            request,
            request_id: r.id,
            caller,
            service,
            replica,
            timer: None,
            sent: now,
            expires: None,
            cancelled: false,
            hedge: is_hedge,
            number: r.attempts,
            waiting: true,
            holders: 0,
        });
        let r = &mut self.requests[request];
        let slot = r.live.iter_mut().find(|slot| slot.is_none());
        *slot.expect("a request waits on at most two attempts") = Some(attempt);
        let wants_hedge = !r.hedged && r.hedge_timer.is_none();
        if wants_hedge {
            if let Some(delay) = self.guards(origin).hedge_delay() {
                // The hedge timer runs on the caller's clock, like every caller timer.
                let at = self.clocks[caller.0 as usize].deadline(now, delay);
                let timer = ctx.schedule_at(at, Event::Hedge { request });
                self.requests[request].hedge_timer = Some(timer);
            }
        }
        let to = self.replica_node(service, replica);
        let delivery = self.network.send(caller, to, now);
        match delivery {
            Delivery::Deliver(delay) => {
                self.attempts[attempt].holders += 1;
                ctx.schedule_in(delay, Event::AttemptArrive { attempt });
            }
            Delivery::Duplicate(first, second) => {
                self.attempts[attempt].holders += 2;
                ctx.schedule_in(first, Event::AttemptArrive { attempt });
                ctx.schedule_in(second, Event::AttemptArrive { attempt });
            }
            Delivery::Drop => {}
            Delivery::Refuse(delay) => {
                self.attempts[attempt].holders += 1;
                ctx.schedule_in(
                    delay,
                    Event::Response {
                        attempt,
                        reply: Reply::Refused,
                    },
                );
            }
        }
        // The attempt's timer fires at its own timeout (on the caller's clock) or at the
        // request's overall deadline, whichever comes first.
        let own = timeout.map(|t| self.clocks[caller.0 as usize].deadline(now, t));
        let at = match (own, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(at) = at {
            let at = at.max(now);
            let timer = ctx.schedule_at(at, Event::Timeout { attempt });
            let a = &mut self.attempts[attempt];
            a.timer = Some(timer);
            a.expires = Some(at);
        }
        self.note(now, |w| w.attempt_sent(attempt, delivery, now));
    }

    /// The guards of whoever made `origin`'s request.
    fn guards(&mut self, origin: Origin) -> &mut GuardState {
        match origin {
            Origin::Client(client) => &mut self.clients[client.0 as usize].guards,
            Origin::Call { job, call } => {
                let j = &self.jobs[job];
                self.services[j.service.0 as usize].call_guards(j.replica, call)
            }
        }
    }

    /// The deadline an attempt carries to its server when its request propagates deadlines:
    /// the moment its caller stops waiting for it (its own timeout or the overall deadline,
    /// whichever is first), as Envoy's `x-envoy-expected-rq-timeout-ms` carries the per-try
    /// timeout. It is passed as true time, as if the two clocks agreed; a real system sends a
    /// relative timeout, which skew would stretch or shrink.
    fn carried_deadline(&self, attempt: AttemptKey) -> Option<SimTime> {
        let a = &self.attempts[attempt];
        let r = self.requests.get(a.request)?;
        if r.propagate {
            a.expires
        } else {
            None
        }
    }

    fn on_attempt_arrive(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let a = &mut self.attempts[attempt];
        a.holders -= 1;
        if a.cancelled {
            // The loser of a hedge race: its caller cancelled it before it arrived.
            self.release(attempt);
            return;
        }
        let (service, replica) = (a.service, a.replica);
        if !self.services[service.0 as usize].is_up(replica) {
            let mode = self.crash_mode(service, replica, now);
            self.note(now, |w| w.admission(attempt, Admitted::ReplicaDown(mode)));
            match mode {
                Unreachable::Refuse => self.reply(attempt, Reply::Refused, ctx),
                Unreachable::BlackHole => self.release(attempt),
            }
            return;
        }
        if self.draw_fault(now, service, replica, |k| {
            matches!(k, FaultKind::ErrorBurst { .. })
        }) {
            self.services[service.0 as usize].count_fast_error(now);
            self.note(now, |w| w.admission(attempt, Admitted::ErrorBurst));
            self.reply(attempt, Reply::Error, ctx);
            return;
        }
        let deadline = self.carried_deadline(attempt);
        let a = &self.attempts[attempt];
        let kind = if a.hedge {
            WorkKind::Hedge
        } else if a.number > 1 {
            WorkKind::Retry
        } else {
            WorkKind::First
        };
        let job = self.jobs.insert(Job {
            attempt,
            service,
            replica,
            reached: now,
            calls_made: 0,
            call_ok: 0,
            call_failed: 0,
            call_decided: false,
            garbage: false,
            deadline,
            started: now,
            kind,
            queued: false,
        });
        self.attempts[attempt].holders += 1;
        let admission = self.services[service.0 as usize].admit(replica, job, now, deadline);
        self.note(now, |w| w.admission(attempt, Admitted::from(admission)));
        match admission {
            Admission::Started(work) => {
                ctx.schedule_in(work, Event::WorkDone { job });
            }
            Admission::Queued => self.jobs[job].queued = true,
            admission @ (Admission::Rejected | Admission::Expired) => {
                let reply = if admission == Admission::Expired {
                    Reply::Error
                } else {
                    Reply::Rejected
                };
                self.jobs.remove(job);
                self.attempts[attempt].holders -= 1;
                self.reply(attempt, reply, ctx);
            }
        }
    }

    /// A job moves on: make its next call, or finish with success.
    fn on_work_done(&mut self, job: JobKey, ctx: &mut Context<'_, Event>) {
        let Some(j) = self.jobs.get_mut(job) else {
            return; // Its replica crashed.
        };
        let service = &self.services[j.service.0 as usize];
        let Some(call) = service.config.calls.get(j.calls_made as usize) else {
            let reply = if j.garbage { Reply::Garbage } else { Reply::Ok };
            self.finish_job(job, reply, ctx);
            return;
        };
        let call_index = j.calls_made;
        j.calls_made += 1;
        j.call_ok = 0;
        j.call_failed = 0;
        j.call_decided = false;
        let now = ctx.now();
        let measured = now >= self.warmup_end;
        let node = NodeId(self.replica_nodes[j.service.0 as usize] + j.replica);
        let origin = Origin::Call {
            job,
            call: call_index,
        };
        let mut fan = std::mem::take(&mut self.fan);
        for _ in 0..call.fanout {
            let id = self.requests_made;
            self.requests_made += 1;
            fan.push(self.requests.insert(Request {
                id,
                origin,
                node,
                target: call.target,
                timeout: call.timeout,
                retry: call.retry,
                arrived: now,
                attempts: 0,
                previous_delay: None,
                measured,
                deadline: j.deadline,
                propagate: j.deadline.is_some(),
                live: [None, None],
                hedge_timer: None,
                hedged: false,
            }));
        }
        let (service, replica) = (j.service, j.replica);
        for (index, &request) in fan.iter().enumerate() {
            // A request refused locally (an open breaker) resolves at once and may decide the
            // call, or end the job; then the rest are never sent.
            if !self.origin_alive(request) {
                for &unsent in &fan[index..] {
                    self.requests.remove(unsent);
                }
                break;
            }
            let s = &mut self.services[service.0 as usize];
            s.count_call_request(call_index, measured);
            s.call_guards(replica, call_index).on_request(now);
            self.note(now, |w| w.call_started(request));
            self.send_attempt(request, false, ctx);
        }
        fan.clear();
        self.fan = fan;
    }

    /// A job is over: free its worker (starting the next queued job) and send the reply.
    fn finish_job(&mut self, job: JobKey, mut reply: Reply, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let j = self.jobs.remove(job).expect("a finishing job is live");
        if reply == Reply::Ok
            && self.draw_fault(now, j.service, j.replica, |k| {
                matches!(k, FaultKind::Garbage { .. })
            })
        {
            reply = Reply::Garbage;
        }
        let abandoned = !self.attempts[j.attempt].waiting;
        let ok = matches!(reply, Reply::Ok | Reply::Garbage);
        let mut expired = std::mem::take(&mut self.expired);
        let (jobs, attempts) = (&self.jobs, &self.attempts);
        let cancelled = |key: JobKey| attempts[jobs[key].attempt].cancelled;
        let service = &mut self.services[j.service.0 as usize];
        let finished = Finished {
            replica: j.replica,
            arrived: j.reached,
            abandoned,
            ok,
        };
        let next = service.complete(finished, now, &mut expired, cancelled);
        service.account_work(j.kind, abandoned, now.since(j.started), j.reached);
        if let Some((next, work)) = next {
            let n = &mut self.jobs[next];
            n.started = now;
            n.queued = false;
            self.note(now, |w| w.dequeued(next, work, now));
            ctx.schedule_in(work, Event::WorkDone { job: next });
        }
        self.attempts[j.attempt].holders -= 1;
        self.reply(j.attempt, reply, ctx);
        // Queued jobs whose propagated deadline passed are dropped undone; their callers
        // have given up, so the error reply is only for the record.
        for dropped in expired.drain(..) {
            let d = self.jobs.remove(dropped).expect("an expired job is live");
            self.note(now, |w| w.unqueued(&d));
            self.attempts[d.attempt].holders -= 1;
            self.reply(d.attempt, Reply::Error, ctx);
        }
        self.expired = expired;
    }

    /// Sends `reply` for `attempt` from its replica back to its caller.
    fn reply(&mut self, attempt: AttemptKey, reply: Reply, ctx: &mut Context<'_, Event>) {
        let a = &self.attempts[attempt];
        let from = self.replica_node(a.service, a.replica);
        let (now, caller) = (ctx.now(), a.caller);
        let delivery = self.network.send(from, caller, now);
        self.note(now, |w| w.reply_sent(attempt, reply, delivery, now));
        match delivery {
            Delivery::Deliver(delay) => {
                self.attempts[attempt].holders += 1;
                ctx.schedule_in(delay, Event::Response { attempt, reply });
            }
            Delivery::Duplicate(first, second) => {
                self.attempts[attempt].holders += 2;
                ctx.schedule_in(first, Event::Response { attempt, reply });
                ctx.schedule_in(second, Event::Response { attempt, reply });
            }
            // A reply cannot be refused: a refusing rule on the way back loses it.
            Delivery::Drop | Delivery::Refuse(_) => {
                let service = self.attempts[attempt].service;
                self.services[service.0 as usize].count_reply_lost(ctx.now());
                self.release(attempt);
            }
        }
    }

    /// Frees `attempt` once its caller is done with it and nothing refers to it.
    fn release(&mut self, attempt: AttemptKey) {
        let a = &self.attempts[attempt];
        if !a.waiting && a.holders == 0 {
            self.attempts.remove(attempt);
        }
    }

    fn on_response(&mut self, attempt: AttemptKey, reply: Reply, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        a.holders -= 1;
        if !a.waiting {
            // The caller gave up on this attempt, or a duplicate reply came first.
            self.release(attempt);
            return;
        }
        a.waiting = false;
        let (request, timer, sent, was_hedge) = (a.request, a.timer.take(), a.sent, a.hedge);
        self.release(attempt);
        let other_waiting = self.forget_live(request, attempt);
        if let Some(timer) = timer {
            let cancelled = ctx.cancel(timer);
            assert!(cancelled, "a waiting attempt's timer has not fired");
        }
        let outcome = match reply {
            Reply::Ok | Reply::Garbage => AttemptOutcome::Success,
            Reply::Error => AttemptOutcome::Error,
            Reply::Rejected | Reply::Refused => AttemptOutcome::Overload,
        };
        let now = ctx.now();
        if self.origin_alive(request) {
            let origin = self.requests[request].origin;
            self.guards(origin)
                .on_outcome(now, outcome, now.since(sent));
        }
        if matches!(reply, Reply::Ok | Reply::Garbage) {
            if self.origin_alive(request) {
                let origin = self.requests[request].origin;
                let guards = self.guards(origin);
                guards.on_success_latency(now.since(sent));
                if was_hedge {
                    guards.counts.hedge_wins += 1;
                }
            }
            self.resolve(request, true, reply == Reply::Garbage, ctx);
            return;
        }
        if let Origin::Client(client) = self.requests[request].origin {
            let measured = self.requests[request].measured;
            let c = &mut self.clients[client.0 as usize];
            if measured {
                match reply {
                    Reply::Rejected => c.counts.rejections += 1,
                    Reply::Error => c.counts.errors += 1,
                    Reply::Refused => c.counts.refused += 1,
                    Reply::Ok | Reply::Garbage => unreachable!("handled above"),
                }
            }
        }
        if other_waiting {
            return; // The other copy of a hedged request may still succeed.
        }
        self.after_failure(request, ctx);
    }

    fn on_timeout(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        assert!(a.waiting, "a timeout fires only while the caller waits");
        a.waiting = false;
        a.timer = None;
        let (request, sent) = (a.request, a.sent);
        self.release(attempt);
        let other_waiting = self.forget_live(request, attempt);
        let now = ctx.now();
        if self.origin_alive(request) {
            let origin = self.requests[request].origin;
            self.guards(origin)
                .on_outcome(now, AttemptOutcome::Overload, now.since(sent));
        }
        if let Origin::Client(client) = self.requests[request].origin {
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

    fn after_failure(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        if !self.origin_alive(request) {
            self.requests.remove(request);
            return;
        }
        let now = ctx.now();
        let r = &self.requests[request];
        if r.deadline.is_some_and(|d| d <= now) {
            if let (Origin::Client(client), true) = (r.origin, r.measured) {
                self.clients[client.0 as usize].counts.deadline_exceeded += 1;
            }
            self.note(now, |w| {
                w.request_note(request, RequestNote::DeadlineExceeded)
            });
            self.resolve(request, false, false, ctx);
            return;
        }
        let (wants_retry, origin) = (r.attempts < r.retry.max_attempts, r.origin);
        if wants_retry && !self.guards(origin).allow_retry(now) {
            self.note(now, |w| w.request_note(request, RequestNote::RetryDenied));
            self.resolve(request, false, false, ctx);
            return;
        }
        let r = &mut self.requests[request];
        if wants_retry {
            let stream = match r.origin {
                Origin::Client(client) => &mut self.clients[client.0 as usize].jitter_stream,
                Origin::Call { job, .. } => {
                    let service = self.jobs[job].service;
                    self.services[service.0 as usize].jitter_stream()
                }
            };
            let delay = retry_delay(
                r.retry.backoff,
                r.retry.jitter,
                r.attempts,
                r.previous_delay,
                stream,
            );
            r.previous_delay = Some(delay);
            // Backoff timers run on the caller's local clock.
            let at = self.clocks[r.node.0 as usize].deadline(now, delay);
            ctx.schedule_at(at, Event::Retry { request });
            self.note(now, |w| w.request_note(request, RequestNote::RetryAt(at)));
        } else {
            self.resolve(request, false, false, ctx);
        }
    }

    /// A request is over: it succeeded, or it ran out of attempts. Tell its origin.
    fn resolve(
        &mut self,
        request: RequestKey,
        ok: bool,
        garbage: bool,
        ctx: &mut Context<'_, Event>,
    ) {
        let r = self
            .requests
            .remove(request)
            .expect("a resolved request is live");
        if let Some(timer) = r.hedge_timer {
            ctx.cancel(timer);
        }
        for loser in r.live.into_iter().flatten() {
            // The other copy of a hedged request lost the race: cancel it.
            let a = &mut self.attempts[loser];
            a.waiting = false;
            a.cancelled = true;
            if let Some(timer) = a.timer.take() {
                ctx.cancel(timer);
            }
            self.release(loser);
        }
        let now = ctx.now();
        self.note(now, |_| trace::request_done(&r, ok, garbage, now));
        match r.origin {
            Origin::Client(client) => {
                let c = &mut self.clients[client.0 as usize];
                if ok {
                    c.record_success(now, now.since(r.arrived), r.measured);
                    if garbage && r.measured {
                        c.counts.garbage += 1;
                    }
                } else {
                    c.history.failed.add(now, 1);
                    if r.measured {
                        c.counts.failed += 1;
                    }
                }
            }
            Origin::Call { job, call } => {
                let Some(j) = self.jobs.get_mut(job) else {
                    return; // The job that made this call is gone (its replica crashed).
                };
                let service = j.service;
                let open = j.calls_made == call + 1 && !j.call_decided;
                let s = &mut self.services[service.0 as usize];
                s.count_call_outcome(call, ok, r.measured);
                if !open {
                    return; // An abandoned request of a call already decided.
                }
                let config = &s.config.calls[call as usize];
                let (fanout, needed) = (config.fanout, config.needed);
                if ok {
                    j.call_ok += 1;
                    j.garbage |= garbage;
                } else {
                    j.call_failed += 1;
                }
                if j.call_ok >= needed {
                    j.call_decided = true;
                    self.on_work_done(job, ctx);
                } else if j.call_failed > fanout - needed {
                    j.call_decided = true;
                    self.finish_job(job, Reply::Error, ctx);
                }
            }
        }
    }

    /// Removes `attempt` from its request's live attempts; true if another is still waiting.
    fn forget_live(&mut self, request: RequestKey, attempt: AttemptKey) -> bool {
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

    /// A request's hedge delay passed: if it still waits on exactly one attempt, send a copy.
    fn on_hedge(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        let Some(r) = self.requests.get_mut(request) else {
            return;
        };
        r.hedge_timer = None;
        let waiting = r.live.iter().flatten().count();
        if r.hedged || waiting != 1 || !self.origin_alive(request) {
            return;
        }
        self.requests[request].hedged = true;
        let origin = self.requests[request].origin;
        self.guards(origin).counts.hedges += 1;
        self.send_attempt(request, true, ctx);
    }

    /// Whether the caller of `request` can still use its outcome (its job still exists).
    fn origin_alive(&self, request: RequestKey) -> bool {
        match self.requests[request].origin {
            Origin::Client(_) => true,
            Origin::Call { job, call } => self
                .jobs
                .get(job)
                .is_some_and(|j| j.calls_made == call + 1 && !j.call_decided),
        }
    }

    /// Draws once for every active fault of the selected kind covering the replica; true if any
    /// draw hits. A fault draws only from its own stream, and only while active.
    fn draw_fault(
        &mut self,
        now: SimTime,
        service: ServiceId,
        replica: u32,
        kind: impl Fn(&FaultKind) -> bool,
    ) -> bool {
        let mut hit = false;
        for (fault, stream) in self.faults.iter().zip(&mut self.fault_streams) {
            if !kind(&fault.kind) || !fault.active(now) {
                continue;
            }
            let (target, fraction) = match fault.kind {
                FaultKind::ErrorBurst { target, fraction }
                | FaultKind::Garbage { target, fraction } => (target, fraction),
                _ => continue,
            };
            if target.covers(service, replica) {
                hit |= stream.chance(fraction);
            }
        }
        hit
    }

    /// How a crashed replica fails its callers: refusal unless an active crash black-holes.
    fn crash_mode(&self, service: ServiceId, replica: u32, now: SimTime) -> Unreachable {
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

    fn on_fault_start(&mut self, fault: u32, ctx: &mut Context<'_, Event>) {
        let FaultKind::Crash { target, .. } = self.faults[fault as usize].kind else {
            return;
        };
        let now = ctx.now();
        for replica in self.replicas_of(target) {
            let lost = self.services[target.service.0 as usize].crash(replica, now);
            self.note(now, |w| w.jobs_lost(target.service, replica, lost));
            let doomed: Vec<JobKey> = self
                .jobs
                .iter()
                .filter(|(_, j)| j.service == target.service && j.replica == replica)
                .map(|(key, _)| key)
                .collect();
            // Every job of the replica is queued, in service, or waiting on a call; those in
            // service hold a worker, those waiting on calls too.
            assert!(
                doomed.len() as u64 >= lost,
                "a crash loses every queued and busy job"
            );
            for job in doomed {
                let j = self.jobs.remove(job).expect("listed job is live");
                self.attempts[j.attempt].holders -= 1;
                self.release(j.attempt);
            }
        }
    }

    fn on_fault_end(&mut self, fault: u32, ctx: &mut Context<'_, Event>) {
        let FaultKind::Crash { target, .. } = self.faults[fault as usize].kind else {
            return;
        };
        let now = ctx.now();
        for replica in self.replicas_of(target) {
            let still_down = self.faults.iter().enumerate().any(|(i, f)| {
                i != fault as usize
                    && f.active(now)
                    && matches!(f.kind, FaultKind::Crash { target: t, .. } if t.covers(target.service, replica))
            });
            if !still_down {
                self.services[target.service.0 as usize].restart(replica, now);
            }
        }
    }

    fn replicas_of(&self, target: Target) -> Vec<u32> {
        match target.replica {
            Some(replica) => vec![replica],
            None => (0..self.services[target.service.0 as usize].config.replicas).collect(),
        }
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        self.begin_event(ctx.now(), &event);
        match event {
            Event::Arrival { client } => self.on_arrival(client, ctx),
            Event::Retry { request } => self.on_retry(request, ctx),
            Event::AttemptArrive { attempt } => self.on_attempt_arrive(attempt, ctx),
            Event::WorkDone { job } => self.on_work_done(job, ctx),
            Event::Response { attempt, reply } => self.on_response(attempt, reply, ctx),
            Event::Timeout { attempt } => self.on_timeout(attempt, ctx),
            Event::FaultStart { fault } => self.on_fault_start(fault, ctx),
            Event::FaultEnd { fault } => self.on_fault_end(fault, ctx),
            Event::Hedge { request } => self.on_hedge(request, ctx),
        }
    }
}

mod nodes;
pub mod state;
#[cfg(test)]
mod tests;
pub mod trace;
