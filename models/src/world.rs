//! The world: clients, services and the network wired into one `sim_core::Model`.
//!
//! ```text
//! client ──request (network latency)──▶ service replica ──response (network latency)──▶ client
//!   │ timeout timer per attempt                                         │
//!   └── on timeout or rejection: retry after backoff+jitter, or fail ◀──┘
//! ```
//!
//! A request is what a user asked for; an attempt is one try of it. An attempt lives until its
//! response reaches the client, even if the client gave up on it earlier: the server keeps
//! working on abandoned attempts (no cancellation), which is counted as `timed_out_work`.
//! Memory is bounded by the work in flight: requests and attempts live in slot maps and are
//! freed when resolved.

use slotmap::{new_key_type, Key, SlotMap};

use sim_core::{
    Context, Distribution, EventId, Model, Observer, RunError, SimDuration, SimTime, Simulation,
    Stream, TraceCode,
};

use crate::backoff::retry_delay;
use crate::client::Client;
use crate::config::{ClientId, ServiceId, WorldConfig};
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
    /// A request in flight (one user-level call, possibly several attempts).
    pub struct RequestKey;
    /// An attempt in flight (one try of a request).
    pub struct AttemptKey;
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
    /// A worker finishes serving an attempt.
    ServiceDone {
        /// The attempt.
        attempt: AttemptKey,
    },
    /// An attempt's response reaches its client.
    Response {
        /// The attempt.
        attempt: AttemptKey,
        /// True for a successful reply, false for an overload rejection.
        ok: bool,
    },
    /// An attempt's per-attempt timeout fires at its client.
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
            Event::ServiceDone { attempt } => (4, attempt.data().as_ffi()),
            Event::Response { attempt, ok } => (5 + u64::from(ok), attempt.data().as_ffi()),
            Event::Timeout { attempt } => (7, attempt.data().as_ffi()),
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

#[derive(Debug)]
struct Request {
    client: ClientId,
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
    /// The client still waits for this attempt's response.
    waiting: bool,
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
            services: self.services.iter().map(|s| s.result(stats.end)).collect(),
        }
    }

    fn on_arrival(&mut self, client: ClientId, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let next = self.clients[client.0 as usize].next_arrival(now);
        ctx.schedule_at(next, Event::Arrival { client });
        let measured = now >= self.warmup_end;
        let c = &mut self.clients[client.0 as usize];
        c.history.offered.add(now, 1);
        if measured {
            c.counts.requests += 1;
        }
        let request = self.requests.insert(Request {
            client,
            arrived: now,
            attempts: 0,
            previous_delay: None,
            measured,
        });
        self.send_attempt(request, ctx);
    }

    fn send_attempt(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        let r = self
            .requests
            .get_mut(request)
            .expect("a retried request is in flight");
        r.attempts += 1;
        let client = &mut self.clients[r.client.0 as usize];
        client.history.attempts.add(ctx.now(), 1);
        if r.measured {
            client.counts.attempts += 1;
        }
        let service = client.config.target;
        let timeout = client.config.timeout;
        let replica = self.services[service.0 as usize].pick_replica();
        let attempt = self.attempts.insert(Attempt {
            request,
            service,
            replica,
            reached: SimTime::ZERO,
            timer: None,
            waiting: true,
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
                ctx.schedule_in(work, Event::ServiceDone { attempt });
            }
            Admission::Queued => {}
            Admission::Rejected => self.respond(attempt, false, ctx),
        }
    }

    fn on_service_done(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let a = &self.attempts[attempt];
        let service = &mut self.services[a.service.0 as usize];
        if let Some((next, work)) = service.complete(a.replica, a.reached, !a.waiting, ctx.now()) {
            ctx.schedule_in(work, Event::ServiceDone { attempt: next });
        }
        self.respond(attempt, true, ctx);
    }

    fn respond(&mut self, attempt: AttemptKey, ok: bool, ctx: &mut Context<'_, Event>) {
        let delay = self.latency.sample(&mut self.network_stream);
        ctx.schedule_in(delay, Event::Response { attempt, ok });
    }

    fn on_response(&mut self, attempt: AttemptKey, ok: bool, ctx: &mut Context<'_, Event>) {
        let a = self
            .attempts
            .remove(attempt)
            .expect("a response belongs to a live attempt");
        if !a.waiting {
            // The client gave up on this attempt already; the response is ignored.
            return;
        }
        if let Some(timer) = a.timer {
            let cancelled = ctx.cancel(timer);
            assert!(cancelled, "a waiting attempt's timer has not fired");
        }
        if ok {
            let r = self
                .requests
                .remove(a.request)
                .expect("a waiting attempt's request is live");
            let now = ctx.now();
            self.clients[r.client.0 as usize].record_success(now, now.since(r.arrived), r.measured);
        } else {
            let r = &self.requests[a.request];
            if r.measured {
                self.clients[r.client.0 as usize].counts.rejections += 1;
            }
            self.after_failure(a.request, ctx);
        }
    }

    fn on_timeout(&mut self, attempt: AttemptKey, ctx: &mut Context<'_, Event>) {
        let a = &mut self.attempts[attempt];
        assert!(a.waiting, "a timeout fires only while the client waits");
        a.waiting = false;
        a.timer = None;
        let request = a.request;
        let r = &self.requests[request];
        let client = &mut self.clients[r.client.0 as usize];
        client.history.timeouts.add(ctx.now(), 1);
        if r.measured {
            client.counts.timeouts += 1;
        }
        self.after_failure(request, ctx);
    }

    fn after_failure(&mut self, request: RequestKey, ctx: &mut Context<'_, Event>) {
        let r = &mut self.requests[request];
        let client = &mut self.clients[r.client.0 as usize];
        let policy = client.config.retry;
        if r.attempts < policy.max_attempts {
            let delay = retry_delay(
                policy.backoff,
                policy.jitter,
                r.attempts,
                r.previous_delay,
                &mut client.jitter_stream,
            );
            r.previous_delay = Some(delay);
            ctx.schedule_in(delay, Event::Retry { request });
        } else {
            client.history.failed.add(ctx.now(), 1);
            if r.measured {
                client.counts.failed += 1;
            }
            self.requests.remove(request);
        }
    }
}

impl Model for World {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        match event {
            Event::Arrival { client } => self.on_arrival(client, ctx),
            Event::Retry { request } => self.send_attempt(request, ctx),
            Event::AttemptArrive { attempt } => self.on_attempt_arrive(attempt, ctx),
            Event::ServiceDone { attempt } => self.on_service_done(attempt, ctx),
            Event::Response { attempt, ok } => self.on_response(attempt, ok, ctx),
            Event::Timeout { attempt } => self.on_timeout(attempt, ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::{Backoff, Jitter};
    use crate::config::{
        Arrival, Balancer, ClientConfig, NetworkConfig, RetryPolicy, ServiceConfig,
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
    fn mm1_wait_is_in_the_right_place() {
        // A smoke check only; tests/theory.rs holds the sized, cited comparisons.
        let result = run(&world(500.0, 1, None, RetryPolicy::NONE), 3).unwrap();
        let wait_ms = result.services[0].wait.mean_nanos() / 1e6;
        // M/M/1: W_q = ρ/(μ−λ) = 0.5/(1000−500) s = 1 ms.
        assert!((wait_ms - 1.0).abs() < 0.1, "{wait_ms}");
    }
}
