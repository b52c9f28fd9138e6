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
//! refuse it according to the network settings and the fault rules. A message delayed by
//! nothing arrives next (`Context::schedule_in_or_next`), before other events of the instant.
//! An attempt lives until its caller is done with it (reply or timeout) and nothing else
//! refers to it (`Holders`: request copies in flight, jobs, reply copies in flight, and a tied
//! twin's cancellations).
//! Servers keep working on attempts whose caller gave up (no cancellation): that is
//! `timed_out_work`. A crash removes every job of the replica (queued, in service, or waiting
//! on calls); its callers time out or see refusals. Memory is bounded by the work in flight.

use slotmap::SlotMap;

use sim_core::network::{Network, NodeId};

use nodes::{build_clocks, build_network, describe, Nodes};
use sim_core::{
    Clock, Context, EventId, Limits, Model, Observer, RunError, SimDuration, SimTime, Simulation,
    Stream,
};

use crate::arrival::Start;
use crate::caller_class::AttemptClass;
use crate::client::Client;
use crate::config::{
    ClassId, ClientId, DatabaseOp, Fault, FaultKind, Guards, Hedge, Priority, RetryPolicy,
    ServiceId, WorldConfig,
};
use crate::database::{Database, DatabaseResult};
use crate::election::{Election, ElectionResult};
pub use crate::key::{AttemptKey, JobKey, PartKey, RequestKey};
use crate::message_queue::MessageQueue;
use crate::quorum::Quorum;
pub use crate::reply::Reply;
use crate::result::{FaultRecord, RunResult, ServiceResult};
use crate::service::{Service, WorkKind};
use crate::workflow::Workflows;
use dispatch::{Caller, Sending};
pub use event::{Event, PackedEvent};
use holders::Holders;
use parts::Hosted;
pub use users::MissingComponent;

/// Builds the world described by `config`, runs it to its duration and returns what it measured.
///
/// The run is a pure function of `(config, seed)` and this crate's version.
pub fn run(config: &WorldConfig, seed: u64) -> Result<RunResult, RunError> {
    run_observed(config, seed, None)
}

/// Like `run`, with user `components` (`component::Component`) fronting the services whose
/// `component` names them; an error if a service names one that is not given.
///
/// The run is a pure function of `(config, seed)`, this crate's version and the components'
/// own behaviour.
pub fn run_with(
    config: &WorldConfig,
    seed: u64,
    components: Vec<Box<dyn crate::component::Component>>,
) -> Result<Result<RunResult, RunError>, MissingComponent> {
    let config = &with_random_faults(config, seed);
    let mut world = World::new(config.clone(), seed);
    world.users = users::Users::wire(&world, components)?;
    world.has_users = world.users.any();
    let mut sim = simulation(config, world, config.limits);
    let stats = match run_to_end(&mut sim) {
        Ok(stats) => stats,
        Err(error) => return Ok(Err(error)),
    };
    let mut result = sim.into_model().result(stats);
    fault_list::list_faults(&mut result, config);
    Ok(Ok(result))
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
    if let Some(mut observer) = observer {
        sim.set_observer(Box::new(move |at, event: &PackedEvent| {
            observer(at, &event.unpack());
        }));
    }
    let stats = run_to_end(&mut sim)?;
    let mut result = sim.into_model().result(stats);
    fault_list::list_faults(&mut result, config);
    Ok(result)
}

use crate::config::DRAIN_MAX;

/// Runs `sim` to the configured end of its world, then drains it: no request arrives any
/// more, and the world runs on (for at most `DRAIN_MAX`) until every client request issued in
/// the measured window has an outcome. So every measured request counts once, with its real
/// outcome: none is cut off by the end of the run (counting those as failures would bias
/// every short run; leaving them out would hide requests that hang). The services' figures
/// are taken when arrivals end, so the drain is not part of their measured window.
pub(super) fn run_to_end(sim: &mut Simulation<World>) -> Result<sim_core::RunStats, RunError> {
    let end = sim.model().arrivals_end;
    sim.run_until(end)?;
    let world = sim.model();
    let services = world.service_results(end);
    let series = world.clients.iter().map(|c| c.series(end)).collect();
    let world = sim.model_mut();
    world.services_at_end = Some(services);
    world.series_at_end = Some(series);
    world.parts_at_end = Some(world.part_results(end));
    sim.run_until_done(end.add(DRAIN_MAX), |world| world.open_measured == 0)
}

/// A simulation of `world` (built from `config`, random faults drawn) with its first arrivals
/// and crash faults scheduled: every entry point starts a run here, so they all agree.
fn simulation(config: &WorldConfig, mut world: World, limits: Limits) -> Simulation<World> {
    // Each source's first arrival is one gap after time zero, drawn like every later one;
    // each closed-loop user's first request one think time after it.
    let first: Vec<Vec<(u32, SimTime, Start)>> = world
        .clients
        .iter_mut()
        .map(|c| c.arrivals.first())
        .collect();
    let mut sim = Simulation::new(world, limits);
    for (index, sources) in first.into_iter().enumerate() {
        let client = ClientId(index as u32);
        for (source, at, start) in sources {
            let event = match start {
                Start::Arrival => Event::Arrival { client, source },
                Start::Wake => Event::Wake {
                    client,
                    user: source,
                },
            };
            sim.schedule_at(at, event);
        }
    }
    for (index, fault) in config.faults.iter().enumerate() {
        if let FaultKind::Crash { .. } | FaultKind::Pause { .. } = fault.kind {
            let index = index as u32;
            sim.schedule_at(fault.start, Event::FaultStart { fault: index });
            if fault.end < SimTime::MAX {
                sim.schedule_at(fault.end, Event::FaultEnd { fault: index });
            }
        }
    }
    // The components' first events, each component's in its own order (so at equal times a
    // database fault acts before an arrival, as the database alone does).
    let world = sim.model_mut();
    let mut first = Vec::new();
    if let Some(database) = &mut world.database {
        let initial = database.part.initial_events();
        first.extend(initial.into_iter().map(|(at, e)| (at, database.park(e))));
    }
    if let Some(election) = &mut world.election {
        let initial = election.part.initial_events();
        first.extend(initial.into_iter().map(|(at, e)| (at, election.park(e))));
    }
    if let Some(quorum) = &mut world.quorum {
        let initial = quorum.part.initial_events();
        first.extend(initial.into_iter().map(|(at, e)| (at, quorum.park(e))));
    }
    first.extend(world.first_autoscale_events());
    first.extend(world.first_outbox_events());
    for (at, event) in first {
        sim.schedule_at(at, event);
    }
    let first: Vec<(SimTime, Event)> = (sim.model().rollouts.iter().enumerate())
        .flat_map(|(i, r)| {
            let initial = r.initial();
            initial
                .into_iter()
                .map(move |(at, action)| (at, deploy::deploy_event(i as u32, action)))
        })
        .collect();
    for (at, event) in first {
        sim.schedule_at(at, event);
    }
    sim
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
    /// The faults active at the latest query, so per-attempt fault draws walk only those.
    fault_windows: sim_core::Active,
    warmup_end: SimTime,
    measured: SimDuration,
    /// The end of the run as configured: no request arrives after it, and the drain
    /// follows the measured requests still open then to their outcome (`run_to_end`).
    arrivals_end: SimTime,
    /// Client requests of the measured window not yet resolved.
    open_measured: u64,
    /// What the services measured, taken when arrivals end (the drain is not theirs).
    services_at_end: Option<Vec<ServiceResult>>,
    /// The clients' per-second series, taken when arrivals end.
    series_at_end: Option<Vec<crate::result::ClientSeries>>,
    /// The replicated database, if the scenario has one (a component on this event loop).
    database: Option<Hosted<Database, crate::database::Event>>,
    /// The lease election, if the scenario has one.
    election: Option<Hosted<Election, crate::election::Event>>,
    /// The service that stands for the database's nodes, if services call it.
    database_service: Option<ServiceId>,
    /// The quorum store, if the scenario has one (a component on this event loop).
    quorum: Option<Hosted<Quorum, crate::quorum::Event>>,
    /// The service that stands for the quorum store's replicas.
    quorum_service: Option<ServiceId>,
    /// Some service is leader-only (`lease_tokens` is used).
    leading: bool,
    /// The user components (`run_with`), and which services they front.
    users: users::Users,
    /// Some service is fronted by a user component (one branch per arriving attempt).
    has_users: bool,
    /// Services call the database or a leader-only service: attempts may be routed by a
    /// component, and jobs may end at one (one branch per attempt and job otherwise).
    routing: bool,
    /// The lease token each job of a leader-only service took when it started work (`None`:
    /// its node did not act as leader, so it is refused).
    lease_tokens: slotmap::SecondaryMap<JobKey, Option<u64>>,
    /// The pending hedge timer of each request that has one. Beside the requests rather than
    /// in them, like `bulkhead_waits` and `fetches`: few requests hold one, and a million
    /// requests in flight would each carry the room (issue #19).
    hedge_timers: slotmap::SecondaryMap<RequestKey, EventId>,
    /// Each request waiting for a bulkhead slot: the wait's timer, and when the wait began.
    bulkhead_waits: slotmap::SecondaryMap<RequestKey, (EventId, SimTime)>,
    /// The cache fetch each request makes whose caller's cache missed.
    fetches: slotmap::SecondaryMap<RequestKey, crate::cache::Flight>,
    /// What the database and the election measured, taken when arrivals end.
    parts_at_end: Option<Parts>,
    /// The message queues, if the scenario has any (components on this event loop).
    queues: Option<Hosted<Vec<MessageQueue>, crate::message_queue::Event>>,
    /// By service: the queue whose partitions it stands for (empty without queues).
    queue_services: Vec<Option<u32>>,
    /// The scenario has queues (one branch per finished piece of work otherwise).
    queuing: bool,
    requests: SlotMap<RequestKey, Request>,
    attempts: SlotMap<AttemptKey, Attempt>,
    jobs: SlotMap<JobKey, Job>,
    /// Scratch space for jobs dropped from a queue, with the reason (reused to avoid
    /// allocation).
    expired: Vec<(JobKey, crate::shedding::Drop)>,
    /// Scratch space for the requests of one fan-out call.
    fan: Vec<RequestKey>,
    /// Waiting requests handed a bulkhead slot during the current event, in order.
    granted: Vec<RequestKey>,
    /// Requests made so far: the next request's stable id (traces name requests by it).
    requests_made: u64,
    /// The full trace being recorded, if any (`trace`); `None` costs one branch per hook.
    tracer: Option<Box<trace::Tracer>>,
    /// The callers' caches (`cache`); empty without any.
    caches: cache::Caches,
    /// Whether each client has guards (`Request::guarded`).
    guarded_clients: Vec<bool>,
    /// Some caller sends tied requests (`tied`); if none does, a started job has no twin.
    tying: bool,
    /// Some caller hedges (tied requests included); if none does, no attempt is cancelled.
    hedging: bool,
    /// Some fault draws per request (error bursts, brownouts, garbage); if none does,
    /// `draw_fault` and `draw_error_burst` have nothing to look at.
    drawing_faults: bool,
    /// The fixed part of its memory (`budget::Fixed`: nodes and per-second series), which
    /// the memory guard counts from the first event.
    memory_fixed: u64,
    /// The deployments' rollouts, in `WorldConfig::deployments` order.
    rollouts: Vec<crate::deploy::Rollout>,
    /// Per service, the index of its rollout (`deploy::NONE`: none).
    rollout_of: Vec<u32>,
    /// Some service has a deployment (one branch per arriving attempt and reply otherwise).
    deploying: bool,
    /// Some service has an autoscaler (`autoscale`): a freed worker may end a drain.
    scaling: bool,
    /// The workflows (`workflow`), if the scenario has any.
    workflows: Option<crate::workflow::Workflows>,
    /// The instance each coordinator's job runs.
    instance_of: slotmap::SecondaryMap<JobKey, crate::workflow::InstanceId>,
    /// The scenario has workflows (one branch per call made and decided otherwise).
    flowing: bool,
    /// Some part's own state grows with its work (queues, workflows, outboxes), so the
    /// memory guard asks it; false skips the question on every event.
    holding: bool,
    /// Some workflow uses two-phase commit (one branch per arriving attempt otherwise).
    locking: bool,
    /// The services' write-and-publish pairs (`outbox`); empty without any.
    outboxes: outbox::Outboxes,
}

/// What the world's components measured.
#[derive(Clone, Debug)]
struct Parts {
    database: Option<DatabaseResult>,
    election: Option<ElectionResult>,
    queues: Vec<crate::message_queue::MessageQueueResult>,
    outboxes: Vec<crate::outbox::OutboxResult>,
}

/// Bytes of a slot map's entry beyond its value (the version, rounded up to the alignment).
const SLOT_BYTES: usize = 8;

/// Bytes per request in flight, for the memory guard (`sim_core::Model::memory_used`): its
/// slot, and an entry in each side map of what few requests hold (`World::hedge_timers`,
/// `bulkhead_waits`, `fetches`), as if it held all three.
const REQUEST_BYTES: u64 = (std::mem::size_of::<Request>()
    + SLOT_BYTES
    + std::mem::size_of::<Option<EventId>>()
    + std::mem::size_of::<Option<(EventId, SimTime)>>()
    + std::mem::size_of::<Option<crate::cache::Flight>>()
    + 3 * SLOT_BYTES) as u64;

/// Bytes per attempt in flight.
const ATTEMPT_BYTES: u64 = (std::mem::size_of::<Attempt>() + SLOT_BYTES) as u64;

/// Bytes per job, counted as if it were queued (its entry in a replica's queue).
const JOB_BYTES: u64 = (std::mem::size_of::<Job>()
    + SLOT_BYTES
    + std::mem::size_of::<crate::shedding::Queued<JobKey>>()) as u64;

/// Who is waiting for a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A client's own request, with the tag of its source: a member of a group, a
    /// closed-loop user, or a session's slot (`arrival::Arrivals::member_of`).
    Client(ClientId, u32),
    /// Call number `call` of `job`.
    Call { job: JobKey, call: u32 },
    /// A message queue's delivery of `message` from `partition` (`message_queue`).
    Queue {
        message: crate::message_queue::MessageId,
        partition: u32,
    },
}

#[derive(Debug)]
struct Request {
    /// Stable id: the number of requests made before it in the run.
    id: u64,
    /// Its idempotency key: a client request's id; a downstream call's is derived from the
    /// key of the request its job serves (`idempotency::call_key`), so a retry at any layer
    /// above presents the same key again below.
    key: u64,
    origin: Origin,
    /// The caller's node (a client, or the replica running the job).
    node: NodeId,
    /// The service it calls. (Its timeout and retry policy are its caller's, `call_policy`.)
    target: ServiceId,
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
    /// Whether a hedge was already sent (at most one per request).
    hedged: bool,
    /// Whose guards its attempts go through.
    caller: Caller,
    /// Its successful answer was degraded (an optional call failed on the way).
    degraded: bool,
    /// Its criticality: the client's, or that of the request its job serves.
    priority: Priority,
    /// Its request class: drawn for a client request, inherited by downstream calls.
    class: ClassId,
    /// Its caller has guards (`Guards` other than `NONE`); without any, every guard call
    /// would do nothing, so none is made.
    guarded: bool,
    /// How its latest attempt failed: the cause it fails with if it runs out of attempts.
    failure: crate::failure::Failure,
}

impl Request {
    /// A request of `job`'s call number `call` (configured as `config`, made from `node`, the
    /// job's replica), before it is sent; its `id` and `key` are the caller's to set.
    #[inline]
    fn for_call(
        job: JobKey,
        j: &Job,
        call: u32,
        config: &crate::config::CallConfig,
        node: NodeId,
        now: SimTime,
        measured: bool,
    ) -> Request {
        Request {
            id: 0,
            key: 0,
            origin: Origin::Call { job, call },
            node,
            target: config.target,
            arrived: now,
            attempts: 0,
            previous_delay: None,
            measured,
            deadline: j.deadline,
            propagate: j.deadline.is_some(),
            live: [None, None],
            hedged: false,
            caller: Caller::Edge {
                service: j.service,
                replica: j.replica,
                call,
            },
            degraded: false,
            priority: j.class.priority,
            class: j.class.request,
            guarded: config.guards != Guards::NONE,
            failure: crate::failure::Failure::Timeout,
        }
    }
}

#[derive(Debug)]
struct Attempt {
    request: RequestKey,
    /// Its request's stable id (the request may be gone before a late reply arrives).
    request_id: u64,
    /// Its request's idempotency key.
    key: u64,
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
    /// What refers to it besides its caller: request and reply copies in flight, jobs, and
    /// cancellations (`Holders`).
    holders: Holders,
    /// The caller whose bulkhead slot it holds until its caller stops waiting, if any.
    permit: Option<Caller>,
    /// Its twin, if it is one copy of a tied request (`tied`).
    tied: Option<AttemptKey>,
    /// A worker has started it (tied copies only: a started copy is never cancelled).
    tie_started: bool,
    /// Who sent it and how critical it is (pools, priority shedding, per-caller limits).
    class: AttemptClass,
    /// What it asks of the database, if it is a call to one.
    op: Option<DatabaseOp>,
    /// It reached a deploying service's new version (`deploy`), decided when it arrived.
    new_version: bool,
    /// Its request propagates its deadline (`Request::propagate`, fixed when the request is
    /// made): an arrival reads it here instead of looking the request up.
    propagate: bool,
}

#[derive(Debug)]
struct Job {
    attempt: AttemptKey,
    service: ServiceId,
    replica: u32,
    reached: SimTime,
    /// Where it is in its life: queued, working, calling, or frozen by a pause.
    phase: Phase,
    /// Downstream calls made so far (the current one included while it is `Calling`).
    calls_made: u32,
    /// A downstream call answered with garbage, so this job's answer is garbage too.
    garbage: bool,
    /// The propagated deadline its calls inherit, if any.
    deadline: Option<SimTime>,
    /// When a worker took it (arrival if served at once, else when it left the queue).
    started: SimTime,
    /// Whether it serves a first attempt, a retry or a hedge (for work accounting).
    kind: WorkKind,
    /// An optional call failed: its answer is degraded.
    degraded: bool,
    /// Its attempt's caller and priority (its pool; its calls carry the priority).
    class: AttemptClass,
}

/// Where a job is in its life. A job is born `Queued` or `Working`, works, makes its calls
/// one after another (`Calling`), and ends (it is removed) when its last call is decided or
/// one fails; a pause freezes it wherever it is (`Paused`) and it carries on at the end.
///
/// ```text
/// Queued ─▶ Working ─▶ Calling(0) ─▶ Calling(1) ─▶ ... ─▶ finished
///             │  ▲          │ decided while frozen
///             ▼  │ resume   ▼
///          Paused(Work)   Paused(Move | Fail) ─▶ Moving ─▶ Calling(next) ...
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// In its replica's queue, waiting for a worker.
    Queued,
    /// A worker does its own work (counted in the replica's concurrency, `overload`); its
    /// `WorkDone` event is `done`, due at `due`.
    Working { done: EventId, due: SimTime },
    /// Waiting on the requests of its current call (number `calls_made - 1`): `ok` of them
    /// succeeded and `failed` failed so far. The call is decided when enough have.
    Calling { ok: u32, failed: u32 },
    /// Its call was decided while its replica was frozen; after the pause, its `WorkDone`
    /// (`done`, due at `due`, no work left) moves it on to its next call.
    Moving { done: EventId, due: SimTime },
    /// Frozen by its replica's pause; `Frozen` says what it does when the pause ends.
    Paused(Frozen),
}

/// What a job frozen by a pause does when the pause ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frozen {
    /// Its own work goes on, with this much left.
    Work(SimDuration),
    /// It moves on to its next call (its last call succeeded during the pause).
    Move,
    /// It fails with an error (its last call failed during the pause).
    Fail,
    /// It sends the compensation of this step of its workflow (`workflow`).
    Undo(u32),
}

impl World {
    /// A world at time zero with every stream derived from `seed`.
    pub fn new(config: WorldConfig, seed: u64) -> World {
        let memory_fixed = crate::budget::Fixed::of(&config).total();
        let warmup_end = SimTime::ZERO.add(config.warmup);
        let arrivals_end = SimTime::ZERO.add(config.duration);
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
        let caches = cache::Caches::new(&config, seed);
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
        let hedges = || {
            let calls = config.services.iter().flat_map(|s| &s.calls);
            (config.clients.iter().map(|c| c.guards.hedge))
                .chain(calls.map(|c| c.guards.hedge))
                .flatten()
        };
        let tying = hedges().any(|h| h == Hedge::Tied);
        let hedging = hedges().next().is_some();
        let drawing_faults = config.faults.iter().any(|f| {
            matches!(
                f.kind,
                FaultKind::ErrorBurst { .. }
                    | FaultKind::Brownout { .. }
                    | FaultKind::Garbage { .. }
            )
        });
        let leading = config.services.iter().any(|s| s.policies.leader_only);
        let sheddable = config
            .clients
            .iter()
            .any(|c| c.priority == Priority::Sheddable);
        let mut rollout_of = vec![deploy::NONE; config.services.len()];
        let rollouts = config
            .deployments
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let service = &config.services[d.service.0 as usize];
                rollout_of[d.service.0 as usize] = i as u32;
                let span = (warmup_end, arrivals_end);
                crate::deploy::Rollout::new(d.clone(), &service.name, service.replicas, seed, span)
            })
            .collect::<Vec<_>>();
        let outboxes = outbox::Outboxes::new(&config, warmup_end);
        let mut world = World {
            clients: config
                .clients
                .iter()
                .enumerate()
                .map(|(i, c)| Client::new(c.clone(), seed, spikes(i), arrivals_end))
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
                        sim_core::series::interval_for(config.duration),
                    )
                })
                .collect(),
            network,
            replica_nodes,
            clocks,
            fault_windows: sim_core::Active::new(
                config.faults.iter().map(|f| (f.start, f.end)).collect(),
            ),
            faults: config.faults,
            fault_streams,
            warmup_end,
            measured: config.duration.saturating_sub(config.warmup),
            arrivals_end,
            open_measured: 0,
            services_at_end: None,
            series_at_end: None,
            database: config.database.clone().map(|d| {
                let span = (warmup_end, arrivals_end);
                let interval = sim_core::series::interval_for(config.duration);
                let clients = config.clients.len();
                let database = Database::new(d, seed, span, interval, clients);
                Hosted::new(database, |key| Event::Database { key })
            }),
            election: config.election.clone().map(|e| {
                let election = Election::new(e, seed, warmup_end, config.clients.len());
                Hosted::new(election, |key| Event::Election { key })
            }),
            parts_at_end: None,
            queues: (!config.queues.is_empty()).then(|| {
                let interval = sim_core::series::interval_for(config.duration);
                let queues = (config.queues.iter().enumerate())
                    .map(|(i, q)| {
                        MessageQueue::new(q.clone(), i as u32, seed, warmup_end, interval)
                    })
                    .collect();
                Hosted::new(queues, |key| Event::Queue { key })
            }),
            queue_services: message_queue::queue_services(&config.queues, config.services.len()),
            queuing: !config.queues.is_empty(),
            database_service: config.database.as_ref().and_then(|d| d.service),
            quorum: config.quorum.clone().map(|q| {
                let mut quorum = Quorum::new(q, seed, warmup_end, config.clients.len());
                quorum.measure_until(arrivals_end);
                Hosted::new(quorum, |key| Event::Quorum { key })
            }),
            quorum_service: config.quorum.as_ref().and_then(|q| q.service),
            lease_tokens: slotmap::SecondaryMap::new(),
            hedge_timers: slotmap::SecondaryMap::new(),
            bulkhead_waits: slotmap::SecondaryMap::new(),
            fetches: slotmap::SecondaryMap::new(),
            leading,
            users: users::Users::default(),
            has_users: false,
            routing: leading
                || config
                    .database
                    .as_ref()
                    .is_some_and(|d| d.service.is_some())
                || config.quorum.as_ref().is_some_and(|q| q.service.is_some()),
            requests: SlotMap::with_key(),
            attempts: SlotMap::with_key(),
            jobs: SlotMap::with_key(),
            expired: Vec::new(),
            fan: Vec::new(),
            granted: Vec::new(),
            requests_made: 0,
            tracer: None,
            caches,
            guarded_clients: config
                .clients
                .iter()
                .map(|c| c.guards != Guards::NONE)
                .collect(),
            tying,
            hedging,
            drawing_faults,
            memory_fixed,
            deploying: !rollouts.is_empty(),
            rollouts,
            rollout_of,
            scaling: config
                .services
                .iter()
                .any(|s| s.policies.autoscale.is_some()),
            workflows: None,
            instance_of: slotmap::SecondaryMap::new(),
            flowing: false,
            locking: false,
            holding: false,
            outboxes,
        };
        if !config.workflows.is_empty() {
            let services = world.services.len();
            let w = Workflows::new(&config.workflows, services, seed, warmup_end);
            (world.flowing, world.locking) = (true, w.locking());
            world.workflows = Some(w);
        }
        world.holding = world.queues.is_some() || world.workflows.is_some() || world.outboxes.any();
        if sheddable {
            world
                .services
                .iter_mut()
                .for_each(Service::report_priorities);
        }
        world
    }

    /// What the services measured by `end`, their call edges' caches included.
    fn service_results(&self, end: SimTime) -> Vec<ServiceResult> {
        let names: Vec<String> = self
            .services
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        let mut services: Vec<_> = self
            .services
            .iter()
            .map(|s| s.result_with_names(end, &names))
            .collect();
        for (index, service) in services.iter_mut().enumerate() {
            for (call, result) in service.calls.iter_mut().enumerate() {
                result.cache = self.caches.call_counts(index, call);
            }
        }
        services
    }

    /// What the run measured, given the engine's final figures: the clients' measured
    /// requests with their outcomes (after the drain), per-second series up to the configured
    /// end, and the services as they stood then.
    pub fn result(&mut self, stats: sim_core::RunStats) -> RunResult {
        let names: Vec<String> = self
            .services
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        let client_names: Vec<String> =
            self.clients.iter().map(|c| c.config.name.clone()).collect();
        // Series stop where arrivals stop (taken then); a run stopped early by a guard has them
        // up to where it stopped.
        let series_end = stats.end.min(self.arrivals_end);
        // Measured client requests still unresolved when the run stopped, with their ages
        // then (slot order: deterministic).
        let mut unresolved: Vec<Vec<SimDuration>> = vec![Vec::new(); self.clients.len()];
        for (_, r) in &self.requests {
            if let (Origin::Client(client, _), true) = (r.origin, r.measured) {
                unresolved[client.0 as usize].push(stats.end.since(r.arrived));
            }
        }
        let mut clients: Vec<_> = self
            .clients
            .iter()
            .zip(&unresolved)
            .map(|(c, ages)| c.result(stats.end, ages))
            .collect();
        let database_calls = self
            .database
            .as_ref()
            .filter(|_| self.database_service.is_some())
            .map(|d| d.part.per_client());
        let leader_only = self.services.iter().any(|s| s.config.policies.leader_only);
        let leader_writes = self
            .election
            .as_ref()
            .filter(|_| leader_only)
            .map(|e| e.part.per_client());
        let quorum_calls = self
            .quorum
            .as_ref()
            .filter(|_| self.quorum_service.is_some())
            .map(|q| q.part.per_client());
        for (index, client) in clients.iter_mut().enumerate() {
            client.cache = self.caches.client_counts(index);
            client.database = database_calls.map(|calls| calls[index]);
            client.quorum = quorum_calls.map(|calls| calls[index]);
            client.leader_writes = leader_writes.map(|writes| writes[index]);
            if let Some(series) = &self.series_at_end {
                client.series = series[index].clone();
            }
        }
        let services = self
            .services_at_end
            .clone()
            .unwrap_or_else(|| self.service_results(series_end));
        let parts = self
            .parts_at_end
            .clone()
            .unwrap_or_else(|| self.part_results(series_end));
        // Taken after the drain: a call counts iff its request is measured, and measured
        // requests finish in the drain (as each client's counts do).
        let quorum = self.quorum.as_mut().map(|q| q.part.result(stats.end));
        RunResult {
            stats,
            duration: self.arrivals_end.since(SimTime::ZERO),
            measured: self.measured,
            clients,
            services,
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
            election: parts.election,
            database: parts.database,
            queues: parts.queues,
            quorum,
            components: self.users.counts(),
            deployments: self.rollouts.iter().map(|r| r.result()).collect(),
            workflows: (self.workflows.as_ref()).map_or(Vec::new(), |w| w.results(stats.end)),
            outboxes: parts.outboxes,
        }
    }

    /// Frees a request whose outcome no one waits for any more, and what the side maps hold
    /// for it. A hedge timer of its stays pending and finds it gone, as before the side maps.
    fn drop_request(&mut self, request: RequestKey) {
        self.requests.remove(request);
        self.hedge_timers.remove(request);
        self.bulkhead_waits.remove(request);
        self.fetches.remove(request);
    }

    fn replica_node(&self, service: ServiceId, replica: u32) -> NodeId {
        NodeId(self.replica_nodes[service.0 as usize] + replica)
    }

    #[inline(never)]
    fn on_arrival(&mut self, client: ClientId, source: u32, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        if now > self.arrivals_end {
            return; // The run is draining: no request arrives any more.
        }
        let c = &mut self.clients[client.0 as usize];
        let (tag, class) = if c.plain {
            (source, ClassId::NONE)
        } else {
            let class = c.draw_class(c.arrivals.traced_class());
            let tag = if c.waits {
                // A new session user: its first request now, the next ones after thinking.
                c.arrivals.start_session(source)
            } else {
                c.arrivals.member_arriving(source)
            };
            (tag, class)
        };
        let next = c.arrivals.next(source, now);
        let (request, guarded) = self.new_request(client, tag, class, now);
        // Scheduled after the request is stored (no other event is scheduled in between, so
        // the order is the same): scheduling first stalled the store of the request.
        if let Some(next) = next {
            ctx.schedule_at_uncancellable(next, Event::Arrival { client, source });
        }
        self.send_new(client, request, guarded, ctx);
    }

    /// A closed-loop or session user has thought: it sends its next request.
    #[inline(never)]
    fn on_wake(&mut self, client: ClientId, user: u32, ctx: &mut Context<'_, PackedEvent>) {
        let now = ctx.now();
        if now > self.arrivals_end {
            return; // The run is draining: the user leaves.
        }
        let class = self.clients[client.0 as usize].draw_class(None);
        let (request, guarded) = self.new_request(client, user, class, now);
        self.send_new(client, request, guarded, ctx);
    }

    /// A new request of `client`'s source `tag`, of request class `class`, issued at `now`
    /// and stored (not sent yet); and whether the client has guards.
    // Always inlined: a call's prologue costs a few percent of a whole M/M/1 run.
    #[inline(always)]
    fn new_request(
        &mut self,
        client: ClientId,
        tag: u32,
        class: ClassId,
        now: SimTime,
    ) -> (RequestKey, bool) {
        let measured = now >= self.warmup_end;
        let c = &mut self.clients[client.0 as usize];
        c.history.offered.add(now, 1);
        c.history.opened(now);
        if measured {
            c.counts.requests += 1;
            if !c.counted_once {
                c.count_request(tag, class);
            }
            self.open_measured += 1;
        }
        let guarded = self.guarded_clients[client.0 as usize];
        let request = self.requests.insert(Request {
            id: self.requests_made,
            key: self.requests_made,
            origin: Origin::Client(client, tag),
            node: NodeId(client.0),
            target: c.config.target,
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
            hedged: false,
            caller: Caller::Client(client),
            degraded: false,
            priority: c.config.priority,
            class,
            guarded,
            failure: crate::failure::Failure::Timeout,
        });
        self.requests_made += 1;
        (request, guarded)
    }

    /// Sends a client's new `request`: its cache may answer it, or its first attempt goes
    /// out (through the guards, if the client has any: `guarded`).
    #[inline(always)]
    fn send_new(
        &mut self,
        client: ClientId,
        request: RequestKey,
        guarded: bool,
        ctx: &mut Context<'_, PackedEvent>,
    ) {
        if self.cache_takes(request, ctx) {
            return;
        }
        if guarded {
            self.clients[client.0 as usize].guards.on_request(ctx.now());
            self.send_attempt(request, Sending::Try, ctx);
        } else {
            self.dispatch(request, Sending::Try, None, ctx);
        }
    }

    /// A job moves on: make its next call, or finish with success.
    fn on_work_done(&mut self, job: JobKey, ctx: &mut Context<'_, PackedEvent>) {
        let Some(j) = self.jobs.get_mut(job) else {
            return; // Its replica crashed.
        };
        let s = &mut self.services[j.service.0 as usize];
        if matches!(j.phase, Phase::Working { .. }) {
            s.own_work_done(j.replica);
        }
        if s.is_paused(j.replica) {
            // A call succeeded while the replica is frozen: the next step waits for the end.
            j.phase = Phase::Paused(Frozen::Move);
            return;
        }
        let side_effect = j.calls_made == 0 && s.config.policies.side_effect;
        if self.queuing && self.queue_work_done(job, ctx) {
            return;
        }
        if side_effect {
            // Its own work is done: a side-effecting service has executed its side effect.
            self.side_effect(job);
        }
        if self.routing {
            if let Some(token) = self.lease_tokens.remove(job) {
                // Its own work is done: a leader-only service writes with the token it took.
                if !self.leader_write(job, token, ctx.now()) {
                    self.finish_job(job, Reply::Error, ctx);
                    return;
                }
            }
            if Some(self.jobs[job].service) == self.database_service {
                let reply = self.serve_database_call(job, ctx);
                self.finish_job(job, reply, ctx);
                return;
            }
            if Some(self.jobs[job].service) == self.quorum_service {
                let reply = self.serve_quorum_call(job, ctx);
                self.finish_job(job, reply, ctx);
                return;
            }
        }
        if self.flowing && self.jobs[job].calls_made == 0 {
            self.workflow_begin(job, ctx.now());
        }
        if self.outboxes.any() {
            self.outbox_call(job, self.requests_made, ctx.now());
        }
        let j = &mut self.jobs[job];
        let service = &self.services[j.service.0 as usize];
        let Some(call) = service.config.calls.get(j.calls_made as usize) else {
            let reply = if j.garbage {
                Reply::Garbage
            } else if j.degraded {
                Reply::Degraded
            } else {
                Reply::Ok
            };
            self.finish_job(job, reply, ctx);
            return;
        };
        let call_index = j.calls_made;
        j.calls_made += 1;
        j.phase = Phase::Calling { ok: 0, failed: 0 };
        let now = ctx.now();
        let measured = now >= self.warmup_end;
        let node = NodeId(self.replica_nodes[j.service.0 as usize] + j.replica);
        let mut fan = std::mem::take(&mut self.fan);
        let parent_key = self.attempts[j.attempt].key;
        for copy in 0..call.fanout {
            let id = self.requests_made;
            self.requests_made += 1;
            fan.push(self.requests.insert(Request {
                id,
                key: idempotency::call_key(parent_key, call_index, copy),
                ..Request::for_call(job, j, call_index, call, node, now, measured)
            }));
        }
        let (service, replica) = (j.service, j.replica);
        for (index, &request) in fan.iter().enumerate() {
            // A request refused locally (an open breaker) resolves at once and may decide the
            // call, or end the job; then the rest are never sent.
            if !self.origin_alive(request) {
                for &unsent in &fan[index..] {
                    self.drop_request(unsent);
                }
                break;
            }
            self.services[service.0 as usize].count_call_request(call_index, measured);
            self.note(now, |w| w.call_started(request));
            if self.cache_takes(request, ctx) {
                continue;
            }
            if self.requests[request].guarded {
                let s = &mut self.services[service.0 as usize];
                s.call_guards(replica, call_index).on_request(now);
            }
            self.send_attempt(request, Sending::Try, ctx);
        }
        fan.clear();
        self.fan = fan;
    }
}

/// The per-attempt timeout and the retry policy of `caller`'s requests: its client's, or its
/// call's.
fn call_policy(
    clients: &[Client],
    services: &[Service<JobKey>],
    caller: Caller,
) -> (Option<SimDuration>, RetryPolicy) {
    match caller {
        Caller::Client(client) => {
            let c = &clients[client.0 as usize].config;
            (c.timeout, c.retry)
        }
        Caller::Edge { service, call, .. } => {
            let c = &services[service.0 as usize].config.calls[call as usize];
            (c.timeout, c.retry)
        }
    }
}

impl Model for World {
    type Event = PackedEvent;

    // Always inlined into the engine's loop: it is one match per event, its arms are out of
    // line, and a call of its own cost about 25 instructions an event (callgrind, stop 26).
    #[inline(always)]
    fn handle(&mut self, event: PackedEvent, ctx: &mut Context<'_, PackedEvent>) {
        let event = event.unpack();
        self.begin_event(ctx.now(), &event);
        match event {
            Event::Arrival { client, source } => self.on_arrival(client, source, ctx),
            Event::Wake { client, user } => self.on_wake(client, user, ctx),
            Event::Retry { request } => self.on_retry(request, ctx),
            Event::AttemptArrive { attempt } => self.on_attempt_arrive(attempt, ctx),
            Event::WorkDone { job } => self.on_work_done(job, ctx),
            Event::Response { attempt, reply } => self.on_response(attempt, reply, ctx),
            Event::Timeout { attempt } => self.on_timeout(attempt, ctx),
            Event::FaultStart { fault } => self.on_fault_start(fault, ctx),
            Event::FaultEnd { fault } => self.on_fault_end(fault, ctx),
            Event::Hedge { request } => self.on_hedge(request, ctx),
            Event::BulkheadTimeout { request } => self.on_bulkhead_timeout(request, ctx),
            Event::TiedCancel { attempt } => self.on_tied_cancel(attempt, ctx),
            Event::Database { key } => self.on_database_event(key, ctx),
            Event::User { key } => self.on_user_timer(key, ctx),
            Event::Quorum { key } => self.on_quorum_event(key, ctx),
            Event::Election { key } => self.on_election_event(key, ctx),
            Event::Queue { key } => self.on_queue_event(key, ctx),
            Event::Deploy { deployment, action } => self.on_deploy(deployment, action, ctx),
            Event::Autoscale { service, replica } => self.on_autoscale(service, replica, ctx),
            Event::Outbox { outbox, action } => self.on_outbox(outbox, action, ctx),
        }
        // Bulkhead slots freed while handling the event go to their waiters now.
        if !self.granted.is_empty() {
            self.grant_bulkhead_slots(ctx);
        }
    }

    /// The fixed part, and what grows with the work in flight: requests, attempts and jobs
    /// (queued, in service or waiting on calls), each at its slot's size.
    #[inline]
    fn memory_used(&self) -> u64 {
        let in_flight = self.requests.len() as u64 * REQUEST_BYTES
            + self.attempts.len() as u64 * ATTEMPT_BYTES
            + self.jobs.len() as u64 * JOB_BYTES;
        let used = self.memory_fixed.saturating_add(in_flight);
        if !self.holding {
            return used;
        }
        let queues = match &self.queues {
            None => 0,
            Some(queues) => queues.part.iter().map(MessageQueue::memory_used).sum(),
        };
        let workflows = self.workflows.as_ref().map_or(0, Workflows::memory_used);
        used.saturating_add(queues + workflows + self.outboxes.memory_used())
    }

    fn memory_holders(&self) -> String {
        let bytes = |count: usize, each: u64| sim_core::Bytes(count as u64 * each);
        format!(
            "{} requests ({}), {} attempts ({}) and {} jobs ({}) in flight; clients, services and per-second series {}",
            self.requests.len(),
            bytes(self.requests.len(), REQUEST_BYTES),
            self.attempts.len(),
            bytes(self.attempts.len(), ATTEMPT_BYTES),
            self.jobs.len(),
            bytes(self.jobs.len(), JOB_BYTES),
            sim_core::Bytes(self.memory_fixed),
        ) + &match &self.queues {
            None => String::new(),
            Some(queues) => format!(
                "; messages held by queues {}",
                sim_core::Bytes(queues.part.iter().map(MessageQueue::memory_used).sum())
            ),
        }
    }
}

mod autoscale;
mod cache;
mod crash;
mod deploy;
mod dispatch;
mod event;
pub(crate) mod fault_list;
mod holders;
mod idempotency;
#[cfg(test)]
mod issue4_tests;
mod message_queue;
mod nodes;
mod outbox;
mod outcome;
mod parts;
mod random_faults;
mod server;
pub mod state;
#[cfg(test)]
mod tests;
mod tied;
pub mod trace;
pub use random_faults::{draw_random_faults, with_random_faults};
mod users;
mod workflow;
