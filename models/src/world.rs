//! The world: clients, services and the network wired into one `sim_core::Model`.
//!
//! ```text
//! client ──request──▶ api replica: own work ─▶ call db ─▶ call search ─▶ respond ──▶ client
//!   │ timeout per attempt          (worker held throughout: thread-per-request)
//!   └── on timeout, rejection or error: retry after backoff+jitter, or fail
//! ```
//!
//! A request is one call a caller wants answered: a client's request, or one downstream call of
//! a job. An attempt is one try of a request. A job is a worker's service of one attempt: its
//! own work, then each of the service's `calls` in order (each a request with its own timeout
//! and retries), then the response. One failed call fails the job with an error response.
//!
//! An attempt lives until both sides are done with it: the caller (until its response arrives
//! or it times out) and the server (until it responds). Servers keep working on attempts whose
//! caller gave up (no cancellation), which is counted as `timed_out_work`. Memory is bounded by
//! the work in flight: requests and attempts live in slot maps and are freed when resolved.

use slotmap::{new_key_type, Key, SlotMap};

use sim_core::{
    Context, Distribution, EventId, Model, Observer, RunError, SimDuration, SimTime, Simulation,
    Stream, TraceCode,
};

use crate::backoff::retry_delay;
use crate::client::Client;
use crate::config::{ClientId, RetryPolicy, ServiceId, WorldConfig};
use crate::result::RunResult;
use crate::service::{Admission, Service};

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
    let mut world = World::new(config.clone(), seed);
    // Each client's first arrival is one gap after time zero, drawn like every later one.
    let first: Vec<SimTime> = world
        .clients
        .iter_mut()
        .map(|c| c.next_arrival(SimTime::ZERO))
        .collect();
    let mut sim = Simulation::new(world, config.limits);
    if let Some(observer) = observer {
        sim.set_observer(observer);
    }
    for (index, at) in first.into_iter().enumerate() {
        sim.schedule_at(
            at,
            Event::Arrival {
                client: ClientId(index as u32),
            },
        );
    }
    let stats = sim.run_until(SimTime::ZERO.add(config.duration))?;
    Ok(sim.into_model().result(stats))
}

new_key_type! {
    /// A request in flight (one call a caller wants answered, possibly several attempts).
    pub struct RequestKey;
    /// An attempt in flight (one try of a request).
    pub struct AttemptKey;
}

/// How a server answered an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The request was served.
    Ok,
    /// The replica's queue was full (overload): retryable.
    Rejected,
    /// The server failed the request (a downstream call failed): retryable.
    Error,
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
    /// An attempt's request message reaches its replica.
    AttemptArrive {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// A worker finishes the job's own work (its downstream calls come next).
    WorkDone {
        /// The attempt being served.
        attempt: AttemptKey,
    },
    /// An attempt's response reaches its caller.
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
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        // The kind in the top byte, the entity in the rest. Slot-map keys are (index, version)
        // pairs assigned in a deterministic order, so they are stable across runs.
        let (kind, id): (u64, u64) = match *self {
            Event::Arrival { client } => (1, u64::from(client.0)),
            Event::Retry { request } => (2, request.data().as_ffi()),
            Event::AttemptArrive { attempt } => (3, attempt.data().as_ffi()),
            Event::WorkDone { attempt } => (4, attempt.data().as_ffi()),
            Event::Response { attempt, reply } => (5 + reply as u64, attempt.data().as_ffi()),
            Event::Timeout { attempt } => (8, attempt.data().as_ffi()),
        };
        (kind << 56) ^ id
    }
}

/// The whole simulated system.
pub struct World {
    clients: Vec<Client>,
    services: Vec<Service<AttemptKey>>,
    latency: Distribution,
    network_stream: Stream,
    warmup_end: SimTime,
    measured: SimDuration,
    requests: SlotMap<RequestKey, Request>,
    attempts: SlotMap<AttemptKey, Attempt>,
}

/// Who is waiting for a request's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// A client's own request.
    Client(ClientId),
    /// Call number `call` of the job serving `attempt`.
    Call { attempt: AttemptKey, call: u32 },
}

#[derive(Debug)]
struct Request {
    origin: Origin,
    target: ServiceId,
    timeout: Option<SimDuration>,
    retry: RetryPolicy,
    arrived: SimTime,
    attempts: u32,
    previous_delay: Option<SimDuration>,
    measured: bool,
}

#[derive(Debug)]
struct Attempt {
    request: RequestKey,
    service: ServiceId,
    replica: u32,
    reached: SimTime,
    timer: Option<EventId>,
    /// The caller still waits for this attempt's response.
    waiting: bool,
    /// The server side still holds it (in flight, queued, served, or its response in flight).
    held: bool,
    /// Calls of its job made so far (0 until its own work is done).
    calls_made: u32,
}

impl World {
    /// A world at time zero with every stream derived from `seed`.
    pub fn new(config: WorldConfig, seed: u64) -> World {
        let warmup_end = SimTime::ZERO.add(config.warmup);
        World {
            clients: config
                .clients
                .into_iter()
                .map(|c| Client::new(c, seed))
                .collect(),
            services: config
                .services
                .into_iter()
                .map(|s| Service::new(s, seed, warmup_end))
                .collect(),
            latency: config.network.latency,
            network_stream: Stream::new(seed, "network/latency"),
            warmup_end,
            measured: config.duration.saturating_sub(config.warmup),
            requests: SlotMap::with_key(),
            attempts: SlotMap::with_key(),
        }
    }

    /// What the run measured, given the engine's final figures.
    pub fn result(&self, stats: sim_core::RunStats) -> RunResult {
        RunResult {
            stats,
            measured: self.measured,
            clients: self.clients.iter().map(|c| c.result(stats.end)).collect(),
            services: {
                let names: Vec<String> = self
                    .services
                    .iter()
                    .map(|s| s.config.name.clone())
                    .collect();
                self.services
                    .iter()
                    .map(|s| s.result_with_names(stats.end, &names))
                    .collect()
            },
        }
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
        let request = self.requests.insert(Request {
            origin: Origin::Client(client),
            target: c.config.target,
            timeout: c.config.timeout,
            retry: c.config.retry,
            arrived: now,
            attempts: 0,
            previous_delay: None,
            measured,
        });
        self.send_attempt(request, ctx);
    }

    fn on_retry(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        if self.origin_alive(request) {
            self.send_attempt(request, ctx);
        } else {
            self.requests.remove(request);
        }
    }

    fn send_attempt(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
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
            Origin::Call { attempt, call } => {
                let parent = &self.attempts[attempt];
                self.services[parent.service.0 as usize].count_call_attempt(call, r.measured);
            }
        }
        let (service, timeout) = (r.target, r.timeout);
        let replica = self.services[service.0 as usize].pick_replica();
        let attempt = self.attempts.insert(Attempt {
            request,
            service,
            replica,
            reached: SimTime::ZERO,
            timer: None,
            waiting: true,
            held: true,
            calls_made: 0,
        });
        let delay = self.latency.sample(&mut self.network_stream);
        ctx.schedule_in(delay, Event::AttemptArrive { attempt });
        if let Some(timeout) = timeout {
            let timer = ctx.schedule_in(timeout, Event::Timeout { attempt });
            self.attempts[attempt].timer = Some(timer);
        }
    }

    fn on_attempt_arrive(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let a = &mut self.attempts[attempt];
        a.reached = now;
        let service = &mut self.services[a.service.0 as usize];
        match service.admit(a.replica, attempt, now) {
            Admission::Started(work) => {
                ctx.schedule_in(work, Event::WorkDone { attempt });
            }
            Admission::Queued => {}
            Admission::Rejected => self.respond(attempt, Reply::Rejected, ctx),
        }
    }

    /// The job serving `attempt` moves on: make its next call, or finish with success.
    fn on_work_done(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        let service = &self.services[a.service.0 as usize];
        let Some(call) = service.config.calls.get(a.calls_made as usize) else {
            self.finish_job(attempt, Reply::Ok, ctx);
            return;
        };
        let origin = Origin::Call {
            attempt,
            call: a.calls_made,
        };
        a.calls_made += 1;
        let now = ctx.now();
        let measured = now >= self.warmup_end;
        let request = self.requests.insert(Request {
            origin,
            target: call.target,
            timeout: call.timeout,
            retry: call.retry,
            arrived: now,
            attempts: 0,
            previous_delay: None,
            measured,
        });
        self.services[a.service.0 as usize].count_call_request(origin_call(origin), measured);
        self.send_attempt(request, ctx);
    }

    /// The job serving `attempt` is over: free its worker (starting the next queued job) and
    /// send the reply.
    fn finish_job(&mut self, attempt: AttemptKey, reply: Reply, ctx: &mut Context<'_, Event>) {
        let a = &self.attempts[attempt];
        let service = &mut self.services[a.service.0 as usize];
        let next = service.complete(
            a.replica,
            a.reached,
            !a.waiting,
            reply == Reply::Ok,
            ctx.now(),
        );
        if let Some((next, work)) = next {
            ctx.schedule_in(work, Event::WorkDone { attempt: next });
        }
        self.respond(attempt, reply, ctx);
    }

    fn respond(&mut self, attempt: AttemptKey, reply: Reply, ctx: &mut Context<'_, Event>) {
        let delay = self.latency.sample(&mut self.network_stream);
        ctx.schedule_in(delay, Event::Response { attempt, reply });
    }

    fn on_response(&mut self, attempt: AttemptKey, reply: Reply, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        a.held = false;
        let was_waiting = a.waiting;
        a.waiting = false;
        let (request, timer) = (a.request, a.timer.take());
        self.attempts.remove(attempt);
        if !was_waiting {
            // The caller gave up on this attempt already; the response is ignored.
            return;
        }
        if let Some(timer) = timer {
            let cancelled = ctx.cancel(timer);
            assert!(cancelled, "a waiting attempt's timer has not fired");
        }
        if reply == Reply::Ok {
            self.resolve(request, true, ctx);
            return;
        }
        if let Origin::Client(client) = self.requests[request].origin {
            let measured = self.requests[request].measured;
            let c = &mut self.clients[client.0 as usize];
            if measured {
                match reply {
                    Reply::Rejected => c.counts.rejections += 1,
                    Reply::Error => c.counts.errors += 1,
                    Reply::Ok => unreachable!("handled above"),
                }
            }
        }
        self.after_failure(request, ctx);
    }

    fn on_timeout(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        assert!(a.waiting, "a timeout fires only while the caller waits");
        a.waiting = false;
        a.timer = None;
        let request = a.request;
        if !a.held {
            self.attempts.remove(attempt);
        }
        if let Origin::Client(client) = self.requests[request].origin {
            let measured = self.requests[request].measured;
            let c = &mut self.clients[client.0 as usize];
            c.history.timeouts.add(ctx.now(), 1);
            if measured {
                c.counts.timeouts += 1;
            }
        }
        self.after_failure(request, ctx);
    }

    fn after_failure(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        let r = &mut self.requests[request];
        if r.attempts < r.retry.max_attempts {
            let stream = match r.origin {
                Origin::Client(client) => &mut self.clients[client.0 as usize].jitter_stream,
                Origin::Call { attempt, .. } => {
                    let service = self.attempts[attempt].service;
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
            ctx.schedule_in(delay, Event::Retry { request });
        } else {
            self.resolve(request, false, ctx);
        }
    }

    /// A request is over: it succeeded, or it ran out of attempts. Tell its origin.
    fn resolve(&mut self, request: RequestKey, ok: bool, ctx: &mut Context<'_, Event>) {
        let alive = self.origin_alive(request);
        let r = self
            .requests
            .remove(request)
            .expect("a resolved request is live");
        let now = ctx.now();
        match r.origin {
            Origin::Client(client) => {
                let c = &mut self.clients[client.0 as usize];
                if ok {
                    c.record_success(now, now.since(r.arrived), r.measured);
                } else {
                    c.history.failed.add(now, 1);
                    if r.measured {
                        c.counts.failed += 1;
                    }
                }
            }
            Origin::Call { attempt, call } => {
                let Some(parent) = self.attempts.get(attempt) else {
                    return; // The job that made this call is gone (its replica crashed).
                };
                let service = parent.service;
                self.services[service.0 as usize].count_call_outcome(call, ok, r.measured);
                if !alive {
                    return;
                }
                if ok {
                    self.on_work_done(attempt, ctx);
                } else {
                    self.finish_job(attempt, Reply::Error, ctx);
                }
            }
        }
    }

    /// Whether the caller of `request` can still use its outcome (its job is still served).
    fn origin_alive(&self, request: RequestKey) -> bool {
        match self.requests[request].origin {
            Origin::Client(_) => true,
            Origin::Call { attempt, .. } => self.attempts.get(attempt).is_some_and(|a| a.held),
        }
    }
}

fn origin_call(origin: Origin) -> u32 {
    match origin {
        Origin::Call { call, .. } => call,
        Origin::Client(_) => unreachable!("only calls have a call index"),
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        match event {
            Event::Arrival { client } => self.on_arrival(client, ctx),
            Event::Retry { request } => self.on_retry(request, ctx),
            Event::AttemptArrive { attempt } => self.on_attempt_arrive(attempt, ctx),
            Event::WorkDone { attempt } => self.on_work_done(attempt, ctx),
            Event::Response { attempt, reply } => self.on_response(attempt, reply, ctx),
            Event::Timeout { attempt } => self.on_timeout(attempt, ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::{Backoff, Jitter};
    use crate::config::{
        Arrival, Balancer, CallConfig, ClientConfig, NetworkConfig, RetryPolicy, ServiceConfig,
    };
    use sim_core::Limits;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    /// One Poisson client at `rate_per_s` → one service with `workers` exponential(1 ms) workers.
    fn world(
        rate_per_s: f64,
        workers: u32,
        timeout: Option<SimDuration>,
        retry: RetryPolicy,
    ) -> WorldConfig {
        WorldConfig {
            duration: SimDuration::from_secs(200),
            warmup: SimDuration::from_secs(10),
            clients: vec![ClientConfig {
                name: "web".into(),
                target: ServiceId(0),
                arrival: Arrival::Poisson { rate_per_s },
                timeout,
                retry,
                latency_marks: vec![ms(5)],
            }],
            services: vec![ServiceConfig {
                name: "api".into(),
                replicas: 1,
                workers,
                queue_capacity: 100_000,
                balancer: Balancer::RoundRobin,
                service_time: Distribution::Exponential { mean: ms(1) },
                calls: vec![],
            }],
            network: NetworkConfig {
                latency: Distribution::Constant(SimDuration::ZERO),
            },
            limits: Limits {
                pending_events_max: 1_000_000,
                events_max: 1_000_000_000,
            },
        }
    }

    #[test]
    fn requests_are_conserved() {
        let retry = RetryPolicy {
            max_attempts: 3,
            backoff: Backoff::Exponential {
                base: ms(1),
                cap: ms(10),
            },
            jitter: Jitter::Full,
        };
        let result = run(&world(950.0, 1, Some(ms(5)), retry), 1).unwrap();
        let c = &result.clients[0];
        assert_eq!(c.requests, c.succeeded + c.failed + c.in_flight);
        assert!(c.attempts >= c.requests);
        assert!(
            c.timeouts > 0,
            "ρ=0.95 with a 5 ms timeout must time out sometimes"
        );
        assert!(result.services[0].timed_out_work > 0);
        assert_eq!(c.latency.count(), c.succeeded);
    }

    #[test]
    fn same_seed_same_run_different_seed_different_run() {
        let config = world(500.0, 1, None, RetryPolicy::NONE);
        let a = run(&config, 7).unwrap();
        let b = run(&config, 7).unwrap();
        let c = run(&config, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.stats.trace_hash, c.stats.trace_hash);
    }

    #[test]
    fn a_downstream_call_holds_the_worker_and_counts_per_edge() {
        // web → api (1 ms own work) → db (2 ms); api's worker is held through the db call, so
        // api's sojourn is at least 3 ms and its busy time includes db's.
        let mut config = world(200.0, 4, None, RetryPolicy::NONE);
        config.services.push(ServiceConfig {
            name: "db".into(),
            replicas: 1,
            workers: 4,
            queue_capacity: 1_000,
            balancer: Balancer::RoundRobin,
            service_time: Distribution::Constant(ms(2)),
            calls: vec![],
        });
        config.services[0].service_time = Distribution::Constant(ms(1));
        config.services[0].calls = vec![CallConfig {
            target: ServiceId(1),
            timeout: Some(ms(50)),
            retry: RetryPolicy::NONE,
        }];
        let result = run(&config, 5).unwrap();
        let (api, db) = (&result.services[0], &result.services[1]);
        let edge = &api.calls[0];
        assert_eq!(edge.target, "db");
        assert!(edge.succeeded + edge.failed <= edge.requests);
        assert!(edge.requests > 30_000);
        assert_eq!(edge.failed, 0, "db is lightly loaded");
        assert!(api.sojourn.min().as_nanos() >= ms(3).as_nanos());
        assert!(
            db.arrivals >= edge.attempts - 10,
            "every call attempt reaches db"
        );
        // Utilization law: api busy = λ × (1 ms + 2 ms) = 0.6 workers.
        assert!((api.busy_mean - 0.6).abs() < 0.02, "{}", api.busy_mean);
    }

    #[test]
    fn a_failing_call_fails_the_job_and_the_client_sees_an_error() {
        // db has no queue and one slow worker, so most calls are rejected; api does not retry,
        // so its jobs fail and the client gets error replies.
        let mut config = world(200.0, 8, None, RetryPolicy::NONE);
        config.services.push(ServiceConfig {
            name: "db".into(),
            replicas: 1,
            workers: 1,
            queue_capacity: 0,
            balancer: Balancer::RoundRobin,
            service_time: Distribution::Constant(ms(20)),
            calls: vec![],
        });
        config.services[0].calls = vec![CallConfig {
            target: ServiceId(1),
            timeout: None,
            retry: RetryPolicy::NONE,
        }];
        let result = run(&config, 6).unwrap();
        let (web, api, db) = (&result.clients[0], &result.services[0], &result.services[1]);
        assert!(db.rejected > 0);
        assert_eq!(
            api.calls[0].failed, api.errors,
            "each failed call fails one job"
        );
        assert_eq!(
            web.errors, web.failed,
            "no retries: each error fails its request"
        );
        assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
    }

    #[test]
    fn mm1_wait_is_in_the_right_place() {
        // A smoke check only; tests/theory.rs holds the sized, cited comparisons.
        let result = run(&world(500.0, 1, None, RetryPolicy::NONE), 3).unwrap();
        let wait_ms = result.services[0].wait.mean_nanos() / 1e6;
        // M/M/1: W_q = ρ/(μ−λ) = 0.5/(1000−500) s = 1 ms.
        assert!((wait_ms - 1.0).abs() < 0.1, "{wait_ms}");
    }
}
