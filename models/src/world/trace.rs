//! Full traces: what each processed event of a window did, in terms a person can follow.
//!
//! A `Tracer` rides inside the `World` while a traced run (`run_traced`) lasts. For every
//! processed event it records one *primary* record saying what the event was (an arrival, an
//! attempt reaching a replica, a reply reaching its caller, a timeout...), then one record per
//! thing the event caused (an attempt sent and its fate on the network, a queue admission, a
//! reply sent, a retry scheduled or denied, a request finished...). Every record carries the
//! index of the processed event it belongs to (1 for the first event of the run), so records
//! come in processing order and group by event.
//!
//! Requests are named by a stable per-run counter (the first request made is 0), attempts by
//! their number within their request (1 for the first; a hedge takes the next number), nodes
//! by `sim_core::NodeId` (clients first, then every replica of every service, as `Trace::nodes`
//! names them). Slot-map keys never leave the world.
//!
//! Tracing only reads: it draws no random number, schedules and cancels nothing, so a traced
//! run has the same trace hash as an untraced one. Without a tracer each hook costs one
//! branch; with one, records are built only for events inside the window.
//!
//! This module does not render anything: the CLI writes JSON lines and `reports::sequence`
//! draws the diagram.

use sim_core::network::{Delivery, NodeId};
use sim_core::{RunError, RunStats, SimDuration, SimTime};

use super::state::WorldState;
use super::{AttemptKey, Event, Job, JobKey, Reply, Request, RequestKey, World};
use crate::component::PartHappening;
use crate::config::{ServiceId, Unreachable, WorldConfig};
use crate::failure::Ending;
use crate::guard::LocalRejection;
use crate::service::Admission;

mod happening;
pub use happening::Happening;

/// What a traced run records, and where it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceOptions {
    /// Events at true times from here on are recorded...
    pub from: SimTime,
    /// ...up to (not including) here.
    pub to: SimTime,
    /// Only events with this index or a later one are recorded (1 records from the first).
    pub events_from: u64,
    /// Stop the run once this many events have been processed (and report the state there).
    pub until_event: Option<u64>,
    /// Most records kept; a window that would hold more is cut short (`Trace::truncated`).
    pub records_max: usize,
}

/// A traced run: its records, and where it ended or stopped.
#[derive(Clone, Debug)]
pub struct TracedRun {
    /// The engine's figures for a run that reached its end; `None` if it stopped early.
    pub stats: Option<RunStats>,
    /// Events processed (exactly `until_event` if the run stopped there).
    pub events: u64,
    /// True time of the last processed event (the run's end time if it reached its end).
    pub at: SimTime,
    /// The records of the window.
    pub trace: Trace,
    /// The state of every node where the run stopped or ended, when `until_event` was given.
    pub state: Option<WorldState>,
}

/// The records of one window, with the names they refer to.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Node names by `NodeId`: clients (`web`), then replicas (`api[0]`).
    pub nodes: Vec<String>,
    /// Nodes `0..clients` are clients; the rest are replicas.
    pub clients: u32,
    /// Service names by `ServiceId`.
    pub services: Vec<String>,
    /// Replicas of each service, by `ServiceId` (their nodes follow the clients, in order).
    pub replicas: Vec<u32>,
    /// Every fault of the run (random ones included), by index: kind and target.
    pub faults: Vec<FaultLabel>,
    /// The window's start.
    pub from: SimTime,
    /// The window's end (exclusive).
    pub to: SimTime,
    /// The records, in processing order.
    pub records: Vec<TraceRecord>,
    /// The window held more than `TraceOptions::records_max` records; the rest were not kept.
    pub truncated: bool,
    /// The window's events of the election and the database (components of the world), in
    /// processing order, numbered among the run's events like `records`.
    pub parts: Vec<PartRecord>,
    /// The election's name, if the world has one.
    pub election: Option<String>,
    /// The database's name, if the world has one.
    pub database: Option<String>,
    /// The quorum store's name, if the world has one.
    pub quorum: Option<String>,
}

/// A fault, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultLabel {
    /// Its kind (`crash`, `partition`...).
    pub kind: String,
    /// What it hits (`api[0]`, `api ↔ db`).
    pub target: String,
    /// When it starts.
    pub start: SimTime,
    /// When it ends (`SimTime::MAX` if never).
    pub end: SimTime,
}

/// One thing that happened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRecord {
    /// Index of the processed event it belongs to (1 for the run's first event).
    pub event: u64,
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub what: Happening,
}

/// An attempt, by its request's stable id and its number within the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttemptRef {
    /// The request's id (a per-run counter).
    pub request: u64,
    /// The attempt's number (1 for the first try).
    pub attempt: u32,
}

/// What the network did with one message, in true time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// It arrives at this instant.
    Delivered(SimTime),
    /// Two copies arrive, at these instants.
    Duplicated(SimTime, SimTime),
    /// It was lost.
    Dropped,
    /// The connection was refused; the sender learns it at this instant.
    Refused(SimTime),
}

/// What a replica did with an arriving attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admitted {
    /// A worker took it at once; its own work lasts this long.
    Started(SimDuration),
    /// It waits in the queue.
    Queued,
    /// The queue was full: rejected.
    QueueFull,
    /// Its propagated deadline had passed: dropped undone.
    Expired,
    /// The replica is down (crashed): refused, or black-holed.
    ReplicaDown(Unreachable),
    /// An error-burst fault failed it at once.
    ErrorBurst,
    /// The bad version a deployment brought failed it at once (`deploy`).
    BadVersion,
    /// The user component fronting the service answered it at once.
    Component(Reply),
    /// The service answered it at once with a 4xx-like error (its `client_error_fraction`).
    ClientError,
    /// The service's rate limit turned it away.
    RateLimited,
    /// Priority shedding turned it away (sheddable, the queue above its threshold).
    Shed,
    /// A two-phase commit's prepare found its key locked by another transaction (`workflow`).
    Locked,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// It succeeded.
    Ok,
    /// It "succeeded" with a silently wrong answer (a garbage fault).
    Garbage,
    /// It failed (out of attempts, refused locally, denied a retry, or past its deadline).
    Failed,
}

/// What a cache did with a request (`Happening::Cache`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A fresh entry answered it at once.
    Hit,
    /// It missed and waits for the fetch already in flight for its key.
    Joined,
    /// It missed and goes downstream.
    Fetch,
    /// Its fetch failed and the expired entry answered it.
    Stale,
}

/// Runs `config` with `seed` like `run`, recording the events `options` selects.
///
/// Recording changes nothing in the run: with no `until_event`, `stats` equals what `run`
/// returns for the same inputs, trace hash included.
pub fn run_traced(
    config: &WorldConfig,
    seed: u64,
    options: TraceOptions,
) -> Result<TracedRun, RunError> {
    let config = &super::with_random_faults(config, seed);
    let mut world = World::new(config.clone(), seed);
    world.tracer = Some(Box::new(Tracer::new(options)));
    let mut limits = config.limits;
    if let Some(stop) = options.until_event {
        limits.events_max = limits.events_max.min(stop);
    }
    let mut sim = super::simulation(config, world, limits);
    let outcome = super::run_to_end(&mut sim);
    let stats = match outcome {
        Ok(stats) => Some(stats),
        // The stop we asked for, not the scenario's own guard.
        Err(RunError::EventsExceeded { limit, .. }) if Some(limit) == options.until_event => None,
        Err(error) => return Err(error),
    };
    let mut world = sim.into_model();
    let tracer = world
        .tracer
        .take()
        .expect("a traced world keeps its tracer");
    let (events, at) = match stats {
        Some(stats) => (stats.events, stats.end),
        None => (tracer.events, tracer.last),
    };
    assert!(
        stats.is_none_or(|s| s.events == tracer.events),
        "the tracer sees every processed event"
    );
    let state = options.until_event.map(|_| world.state(events, at));
    Ok(TracedRun {
        stats,
        events,
        at,
        trace: world.trace(*tracer),
        state,
    })
}

/// One processed event of a component (the election or the database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartRecord {
    /// Which model.
    pub model: Part,
    /// Index of the processed event in the run (1 for the run's first event).
    pub event: u64,
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub what: PartHappening,
}

/// The components a world hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// The lease election.
    Election,
    /// The leader–follower database.
    Database,
    /// The quorum-replicated store.
    Quorum,
}

/// The recorder a traced world carries.
#[derive(Debug)]
pub(super) struct Tracer {
    options: TraceOptions,
    /// Events processed so far.
    events: u64,
    /// Time of the latest processed event.
    last: SimTime,
    /// Whether the current event is recorded.
    recording: bool,
    records: Vec<TraceRecord>,
    /// The window's component events.
    parts: Vec<PartRecord>,
    truncated: bool,
}

impl Tracer {
    fn new(options: TraceOptions) -> Tracer {
        Tracer {
            options,
            events: 0,
            last: SimTime::ZERO,
            recording: false,
            records: Vec::new(),
            parts: Vec::new(),
            truncated: false,
        }
    }

    /// Keeps a component event of the window (the window's records cap counts it too).
    fn push_part(&mut self, model: Part, at: SimTime, what: PartHappening) {
        if self.records.len() + self.parts.len() >= self.options.records_max {
            self.truncated = true;
            self.recording = false;
            return;
        }
        self.parts.push(PartRecord {
            model,
            event: self.events,
            at,
            what,
        });
    }

    fn push(&mut self, at: SimTime, what: Happening) {
        if self.records.len() + self.parts.len() >= self.options.records_max {
            self.truncated = true;
            self.recording = false;
            return;
        }
        self.records.push(TraceRecord {
            event: self.events,
            at,
            what,
        });
    }
}

impl Transit {
    /// The fate of a message sent at `now` that the network answered with `delivery`.
    pub fn of(delivery: Delivery, now: SimTime) -> Transit {
        match delivery {
            Delivery::Deliver(delay) => Transit::Delivered(now.add(delay)),
            Delivery::Duplicate(a, b) => Transit::Duplicated(now.add(a), now.add(b)),
            Delivery::Drop => Transit::Dropped,
            Delivery::Refuse(delay) => Transit::Refused(now.add(delay)),
        }
    }
}

impl From<Admission> for Admitted {
    fn from(admission: Admission) -> Admitted {
        match admission {
            Admission::Started(work) => Admitted::Started(work),
            Admission::Queued => Admitted::Queued,
            Admission::Rejected => Admitted::QueueFull,
            Admission::Expired => Admitted::Expired,
            Admission::Shed => Admitted::Shed,
        }
    }
}

/// Notes about a request that `World::request_note` turns into records.
#[derive(Clone, Copy, Debug)]
pub(super) enum RequestNote {
    DeadlineExceeded,
    RetryDenied,
    RetryAt(SimTime),
}

/// The record of a request that is over (`request` was just removed from the world).
pub(super) fn request_done(request: &Request, ending: Ending, now: SimTime) -> Happening {
    Happening::RequestDone {
        caller: request.node,
        request: request.id,
        outcome: match ending {
            Ending::Served { garbage: false } => Done::Ok,
            Ending::Served { garbage: true } => Done::Garbage,
            Ending::Failed(_) => Done::Failed,
        },
        latency: now.since(request.arrived),
        attempts: request.attempts,
    }
}

/// The hooks `world` calls, and the builders that turn its keys into stable ids.
impl World {
    /// Counts a processed event and records it if it is in the window (one branch if untraced).
    #[inline]
    pub(super) fn begin_event(&mut self, now: SimTime, event: &Event) {
        if self.tracer.is_some() {
            self.trace_event(now, event);
        }
    }

    /// Records what `what` builds, if the current event is being recorded.
    // Always inlined: the check is two loads, and the request path calls it several times
    // per request; the recording itself stays out of line (`record`).
    #[inline(always)]
    pub(super) fn note(&mut self, now: SimTime, what: impl FnOnce(&World) -> Happening) {
        if self.tracer.as_ref().is_some_and(|t| t.recording) {
            self.record(now, what);
        }
    }

    /// Records what `what` builds: `note` once it knows the event is being recorded.
    #[cold]
    #[inline(never)]
    fn record(&mut self, now: SimTime, what: impl FnOnce(&World) -> Happening) {
        let what = what(self);
        self.tracer
            .as_mut()
            .expect("checked by `note`")
            .push(now, what);
    }

    fn trace_event(&mut self, now: SimTime, event: &Event) {
        let tracer = self.tracer.as_mut().expect("only called with a tracer");
        tracer.events += 1;
        assert!(tracer.last <= now, "traced time never goes backwards");
        tracer.last = now;
        let o = tracer.options;
        tracer.recording =
            !tracer.truncated && o.from <= now && now < o.to && tracer.events >= o.events_from;
        if !tracer.recording {
            return;
        }
        let part = match *event {
            Event::Database { key } => {
                let database = self
                    .database
                    .as_ref()
                    .expect("only a database parks events");
                Some((Part::Database, database.peek(key).happening()))
            }
            Event::Quorum { key } => {
                let quorum = self
                    .quorum
                    .as_ref()
                    .expect("only a quorum store parks events");
                Some((Part::Quorum, quorum.peek(key).happening()))
            }
            Event::Election { key } => {
                let election = self
                    .election
                    .as_ref()
                    .expect("only an election parks events");
                Some((Part::Election, election.peek(key).happening()))
            }
            _ => None,
        };
        let tracer = self.tracer.as_mut().expect("checked above");
        match part {
            Some((model, what)) => tracer.push_part(model, now, what),
            None => {
                let what = self.describe(event);
                self.tracer.as_mut().expect("checked above").push(now, what);
            }
        }
    }

    /// The primary record of `event`, read before it is handled.
    fn describe(&self, event: &Event) -> Happening {
        match *event {
            Event::Arrival { client, .. } | Event::Wake { client, .. } => Happening::Arrival {
                client: NodeId(client.0),
                // `on_arrival` and `on_wake` make exactly one request, first thing.
                request: self.requests_made,
            },
            Event::Retry { request } => match self.requests.get(request) {
                Some(r) => Happening::Retry {
                    caller: r.node,
                    request: r.id,
                    attempt: r.attempts + 1,
                },
                None => Happening::Stale { kind: "retry" },
            },
            Event::Hedge { request } => match self.requests.get(request) {
                Some(r) => Happening::Hedge {
                    caller: r.node,
                    request: r.id,
                },
                None => Happening::Stale { kind: "hedge" },
            },
            Event::AttemptArrive { attempt } => Happening::AttemptArrived {
                from: self.attempts[attempt].caller,
                to: self.attempt_replica(attempt),
                attempt: self.attempt_ref(attempt),
                cancelled: self.attempts[attempt].cancelled,
            },
            Event::WorkDone { job } => match self.jobs.get(job) {
                Some(j) => Happening::WorkDone {
                    replica: self.replica_node(j.service, j.replica),
                    attempt: self.attempt_ref(j.attempt),
                },
                None => Happening::Stale { kind: "work_done" },
            },
            Event::Response { attempt, reply } => Happening::Response {
                from: self.attempt_replica(attempt),
                to: self.attempts[attempt].caller,
                attempt: self.attempt_ref(attempt),
                reply,
                used: self.attempts[attempt].waiting,
            },
            Event::Timeout { attempt } => Happening::Timeout {
                caller: self.attempts[attempt].caller,
                replica: self.attempt_replica(attempt),
                attempt: self.attempt_ref(attempt),
            },
            Event::BulkheadTimeout { request } => match self.requests.get(request) {
                Some(r) => Happening::BulkheadWaitOver {
                    caller: r.node,
                    request: r.id,
                },
                None => Happening::Stale {
                    kind: "bulkhead_timeout",
                },
            },
            Event::FaultStart { fault } => Happening::Fault { fault, start: true },
            Event::FaultEnd { fault } => Happening::Fault {
                fault,
                start: false,
            },
            Event::TiedCancel { attempt } => {
                let a = &self.attempts[attempt];
                Happening::TiedCancel {
                    replica: self.attempt_replica(attempt),
                    attempt: self.attempt_ref(attempt),
                    effective: !a.tie_started && !a.cancelled,
                }
            }
            Event::User { key } => Happening::UserTimer {
                tag: self.users.timer_tag(key),
            },
            Event::Queue { key } => {
                let queues = self.queues.as_ref().expect("only queues park queue events");
                let crate::message_queue::Event::Visible { message, partition } = queues.peek(key);
                Happening::QueueVisible {
                    queue: message.queue(),
                    message: message.seq(),
                    partition,
                }
            }
            Event::Deploy { deployment, action } => Happening::Deploy {
                service: self.deploy_service(deployment),
                action: crate::deploy::Action::from_code(action),
            },
            Event::Autoscale { service, replica } => {
                let evaluate = replica == super::autoscale::EVALUATE;
                Happening::Autoscale {
                    replica: self.replica_node(service, if evaluate { 0 } else { replica }),
                    evaluate,
                }
            }
            Event::Outbox { outbox, action } => Happening::OutboxRelay {
                replica: self.replica_node(self.outbox_owner(outbox), 0),
                mark: action != super::outbox::POLL,
            },
            Event::Database { .. } | Event::Election { .. } | Event::Quorum { .. } => {
                unreachable!("component events are recorded as `PartRecord`s")
            }
        }
    }

    fn attempt_ref(&self, attempt: AttemptKey) -> AttemptRef {
        let a = &self.attempts[attempt];
        AttemptRef {
            request: a.request_id,
            attempt: a.number,
        }
    }

    fn attempt_replica(&self, attempt: AttemptKey) -> NodeId {
        let a = &self.attempts[attempt];
        self.replica_node(a.service, a.replica)
    }

    pub(super) fn rejected_locally(&self, request: RequestKey, why: LocalRejection) -> Happening {
        let r = &self.requests[request];
        Happening::RejectedLocally {
            caller: r.node,
            request: r.id,
            attempt: r.attempts + 1,
            reason: why,
        }
    }

    pub(super) fn attempt_sent(
        &self,
        attempt: AttemptKey,
        delivery: Delivery,
        now: SimTime,
    ) -> Happening {
        let a = &self.attempts[attempt];
        Happening::AttemptSent {
            from: a.caller,
            to: self.attempt_replica(attempt),
            attempt: self.attempt_ref(attempt),
            hedge: a.hedge,
            transit: Transit::of(delivery, now),
            timeout_at: a.expires,
        }
    }

    pub(super) fn admission(&self, attempt: AttemptKey, admitted: Admitted) -> Happening {
        Happening::Admission {
            replica: self.attempt_replica(attempt),
            attempt: self.attempt_ref(attempt),
            admitted,
        }
    }

    pub(super) fn call_started(&self, request: RequestKey) -> Happening {
        let r = &self.requests[request];
        let super::Origin::Call { job, call } = r.origin else {
            unreachable!("a call's request has a job as its origin")
        };
        Happening::CallStarted {
            caller: r.node,
            request: r.id,
            parent: self.attempt_ref(self.jobs[job].attempt),
            service: r.target,
            call,
        }
    }

    pub(super) fn dequeued(&self, job: JobKey, work: SimDuration, now: SimTime) -> Happening {
        let j = &self.jobs[job];
        Happening::Dequeued {
            replica: self.replica_node(j.service, j.replica),
            attempt: self.attempt_ref(j.attempt),
            waited: now.since(j.reached),
            work,
        }
    }

    pub(super) fn unqueued(&self, job: &Job) -> Happening {
        Happening::Unqueued {
            replica: self.replica_node(job.service, job.replica),
            attempt: self.attempt_ref(job.attempt),
            cancelled: self.attempts[job.attempt].cancelled,
        }
    }

    pub(super) fn shed(&self, job: &Job, now: SimTime) -> Happening {
        Happening::Shed {
            replica: self.replica_node(job.service, job.replica),
            attempt: self.attempt_ref(job.attempt),
            waited: now.since(job.reached),
        }
    }

    pub(super) fn reply_sent(
        &self,
        attempt: AttemptKey,
        reply: Reply,
        delivery: Delivery,
        now: SimTime,
    ) -> Happening {
        Happening::ReplySent {
            from: self.attempt_replica(attempt),
            to: self.attempts[attempt].caller,
            attempt: self.attempt_ref(attempt),
            reply,
            transit: Transit::of(delivery, now),
        }
    }

    pub(super) fn request_note(&self, request: RequestKey, note: RequestNote) -> Happening {
        let r = &self.requests[request];
        let (caller, request) = (r.node, r.id);
        match note {
            RequestNote::DeadlineExceeded => Happening::DeadlineExceeded { caller, request },
            RequestNote::RetryDenied => Happening::RetryDenied { caller, request },
            RequestNote::RetryAt(at) => Happening::RetryScheduled {
                caller,
                request,
                attempt: r.attempts + 1,
                at,
            },
        }
    }

    pub(super) fn bulkhead_queued(&self, request: RequestKey, until: SimTime) -> Happening {
        let r = &self.requests[request];
        Happening::BulkheadQueued {
            caller: r.node,
            request: r.id,
            until,
        }
    }

    pub(super) fn jobs_lost(&self, service: ServiceId, replica: u32, jobs: u64) -> Happening {
        Happening::JobsLost {
            replica: self.replica_node(service, replica),
            jobs,
        }
    }

    /// The names a trace refers to, and `tracer`'s records.
    fn trace(&self, tracer: Tracer) -> Trace {
        let services: Vec<String> = self
            .services
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        let clients: Vec<String> = self.clients.iter().map(|c| c.config.name.clone()).collect();
        let mut nodes = clients.clone();
        for s in &self.services {
            nodes.extend((0..s.config.replicas).map(|r| format!("{}[{r}]", s.config.name)));
        }
        let faults = self
            .faults
            .iter()
            .map(|f| FaultLabel {
                kind: f.kind_name().to_string(),
                target: super::nodes::describe(&f.kind, &services, &clients),
                start: f.start,
                end: f.end,
            })
            .collect();
        let Tracer {
            options,
            records,
            parts,
            truncated,
            ..
        } = tracer;
        Trace {
            nodes,
            clients: self.clients.len() as u32,
            services,
            replicas: self.services.iter().map(|s| s.config.replicas).collect(),
            faults,
            from: options.from,
            to: options.to,
            records,
            truncated,
            parts,
            election: self.election.as_ref().map(|e| e.part.name().to_string()),
            database: self.database.as_ref().map(|d| d.part.name().to_string()),
            quorum: self.quorum.as_ref().map(|q| q.part.name().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Guards;
    use crate::config::{
        Arrival, Balancer, CallConfig, ClientConfig, NetworkConfig, RetryPolicy, ServiceConfig,
    };
    use crate::config::{Backoff, Jitter};
    use crate::config::{Fault, FaultKind, Target};
    use sim_core::{Distribution, Limits, Probability};

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    /// web → api (2 replicas, calls db with retries) → db, with a lossy network so that
    /// timeouts, retries and drops all happen in a second.
    fn config() -> WorldConfig {
        let retry = RetryPolicy {
            max_attempts: 3,
            backoff: Backoff::Exponential {
                base: ms(5),
                cap: ms(50),
            },
            jitter: Jitter::Full,
        };
        let service = |name: &str, replicas, calls| ServiceConfig {
            name: name.to_string(),
            replicas,
            workers: 2,
            queue_capacity: 4,
            balancer: Balancer::RoundRobin,
            policies: crate::config::ServicePolicies::NONE,
            service_time: Distribution::Exponential { mean: ms(4) },
            calls,
            classes: crate::config::ServiceClasses::NONE,
        };
        let db_call = CallConfig {
            target: ServiceId(1),
            op: None,
            timeout: Some(ms(20)),
            retry,
            guards: Guards::NONE,
            fanout: 1,
            needed: 1,
            optional: false,
            cache: None,
        };
        let mut network = NetworkConfig::with_latency(Distribution::Constant(ms(1)));
        network.loss = Probability::new(0.05).unwrap();
        WorldConfig {
            duration: SimDuration::from_secs(2),
            warmup: SimDuration::ZERO,
            clients: vec![ClientConfig {
                name: "web".to_string(),
                target: ServiceId(0),
                arrival: Arrival::Poisson { rate_per_s: 400.0 }.into(),
                count: 1,
                classes: Vec::new(),
                report_members: false,
                timeout: Some(ms(60)),
                retry,
                guards: Guards::NONE,
                deadline: None,
                latency_marks: Vec::new(),
                cache: None,
                priority: crate::config::Priority::Critical,
            }],
            services: vec![service("api", 2, vec![db_call]), service("db", 1, vec![])],
            network,
            limits: Limits {
                pending_events_max: 1_000_000,
                events_max: 10_000_000,
                memory_max: u64::MAX,
            },
            // api[1] is down from 1.2 s to 1.5 s.
            faults: vec![Fault {
                kind: FaultKind::Crash {
                    target: Target {
                        service: ServiceId(0),
                        replica: Some(1),
                    },
                    while_down: Unreachable::Refuse,
                },
                start: SimTime::ZERO.add(ms(1_200)),
                end: SimTime::ZERO.add(ms(1_500)),
                position: 0,
            }],
            clocks: Vec::new(),
            random_faults: None,
            election: None,
            database: None,
            queues: Vec::new(),
            quorum: None,
            deployments: Vec::new(),
            workflows: Vec::new(),
        }
    }

    fn options(from_ms: u64, to_ms: u64) -> TraceOptions {
        TraceOptions {
            from: SimTime::ZERO.add(ms(from_ms)),
            to: SimTime::ZERO.add(ms(to_ms)),
            events_from: 1,
            until_event: None,
            records_max: 1_000_000,
        }
    }

    #[test]
    fn tracing_does_not_change_the_run() {
        for seed in 1..=5 {
            let plain = crate::run(&config(), seed).unwrap();
            let traced = run_traced(&config(), seed, options(0, 2_000)).unwrap();
            assert_eq!(traced.stats, Some(plain.stats), "same hash, events and end");
            assert_eq!(traced.events, plain.stats.events);
            assert!(traced.state.is_none());
            let crashed = traced.trace.records.iter().any(
                |r| matches!(r.what, Happening::JobsLost { replica, .. } if replica == NodeId(2)),
            );
            assert!(crashed, "the crash of api[1] is traced");
        }
    }

    #[test]
    fn records_cover_the_window_in_processing_order() {
        let traced = run_traced(&config(), 3, options(500, 1_000)).unwrap();
        let records = &traced.trace.records;
        assert!(records.len() > 1_000, "{} records", records.len());
        assert!(records.windows(2).all(|w| w[0].event <= w[1].event));
        assert!(records.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(records
            .iter()
            .all(|r| r.at >= traced.trace.from && r.at < traced.trace.to));
        // Every processed event in the window has exactly one primary record, first.
        let mut events: Vec<u64> = records.iter().map(|r| r.event).collect();
        events.dedup();
        let span = events.last().unwrap() - events.first().unwrap() + 1;
        assert_eq!(events.len() as u64, span, "no processed event is missing");
        let kinds = |p: fn(&Happening) -> bool| records.iter().filter(|r| p(&r.what)).count();
        assert!(kinds(|h| matches!(h, Happening::Timeout { .. })) > 0);
        assert!(kinds(|h| matches!(h, Happening::RetryScheduled { .. })) > 0);
        assert!(kinds(|h| matches!(h, Happening::CallStarted { .. })) > 0);
        let dropped = |h: &Happening| {
            matches!(
                h,
                Happening::AttemptSent {
                    transit: Transit::Dropped,
                    ..
                }
            )
        };
        assert!(kinds(dropped) > 0);
        assert_eq!(traced.trace.nodes, ["web", "api[0]", "api[1]", "db[0]"]);
    }

    #[test]
    fn sends_and_arrivals_pair_up() {
        let traced = run_traced(&config(), 5, options(0, 2_000)).unwrap();
        let mut sent = std::collections::BTreeMap::new();
        for r in &traced.trace.records {
            if let Happening::AttemptSent {
                attempt,
                transit: Transit::Delivered(at),
                ..
            } = r.what
            {
                sent.insert(attempt, at);
            }
        }
        let mut matched = 0;
        for r in &traced.trace.records {
            if let Happening::AttemptArrived { attempt, .. } = r.what {
                if let Some(at) = sent.get(&attempt) {
                    assert_eq!(*at, r.at, "an arrival comes when its send said");
                    matched += 1;
                }
            }
        }
        assert!(matched > 100, "{matched}");
    }

    #[test]
    fn a_run_stops_at_the_asked_event_with_its_state() {
        let mut o = options(0, 0);
        o.until_event = Some(500);
        let traced = run_traced(&config(), 1, o).unwrap();
        assert_eq!(traced.stats, None, "stopped early");
        assert_eq!(traced.events, 500);
        let state = traced.state.unwrap();
        assert_eq!(state.events, 500);
        assert_eq!(state.at, traced.at);
        assert_eq!(state.replicas.len(), 3);
        assert!(state.replicas.iter().all(|r| r.busy <= r.workers));
        assert!(
            traced.trace.records.is_empty(),
            "nothing asked to be recorded"
        );
    }

    #[test]
    fn a_full_window_is_cut_short_and_says_so() {
        let mut o = options(0, 2_000);
        o.records_max = 100;
        let traced = run_traced(&config(), 1, o).unwrap();
        assert!(traced.trace.truncated);
        assert_eq!(traced.trace.records.len(), 100);
    }
}
