//! A replicated service: per replica, a pool of identical workers and a bounded queue.
//!
//! ```text
//!              ┌ replica 0: [queue ≤ capacity] → workers × N ┐
//! attempts ──▶ ┤ replica 1: [queue ≤ capacity] → workers × N ├──▶ responses
//!   balancer   └ ...                                          ┘
//! ```
//!
//! The service owns its `service/NAME/service_time` and `service/NAME/client_error` streams
//! (and `service/NAME/class/CLIENT/CLASS/service_time` for a request class with its own
//! service time here),
//! its balancer (`balancer`, with `service/NAME/balancer` and `service/NAME/p2c`), its rate
//! limiter and its metrics. It decides what happens to an arriving attempt (start, queue,
//! reject, rate-limit, answer with a client error) and which attempt a freed worker takes next
//! (`shedding`); `world` turns those decisions into events.

use sim_core::{
    CountSeries, Draws, Histogram, LevelSeries, SimDuration, SimTime, Stream, TimeAverage,
};

use crate::balancer::BalancerState;
use crate::caller_class::{AttemptClass, CallerLimits};
use crate::config::{
    CallerId, ClassId, Fault, FaultKind, Priority, QueuePolicy, RateLimitScope, ServiceConfig,
    ServiceId,
};
use crate::failure::Ending;
use crate::guard::GuardState;
use crate::idempotency::{IdempotencyCounts, IdempotencyStore, Lookup, SideEffectLedger};
use crate::priority::{sheddable_room, PriorityResult};
use crate::rate_limiter::RateLimiter;
use crate::reply::Reply;
use crate::result::{CallResult, ServiceResult, ServiceSeries, WorkSplit};
use crate::shedding::{Drop, Queued, ReplicaQueue};
use crate::tied::TiedCounts;

/// One service's replicas, streams and measurements.
#[derive(Debug)]
pub struct Service<K> {
    /// The validated configuration.
    pub config: ServiceConfig,
    replicas: Vec<Replica<K>>,
    /// Which replica each attempt goes to (policy, outstanding counts, outlier detection).
    balancer: BalancerState,
    service_time_stream: Stream,
    /// Service-time draws made a batch at a time (see `work`).
    works: Draws<SimDuration>,
    /// The request classes with their own service time here: `class_times[i]` is the
    /// distribution and stream of `config.classes.service_times[i]`.
    class_times: Vec<(sim_core::Distribution, Stream)>,
    /// `class_index[id]` is the position in `class_times` of request class `id`, if it has
    /// one; empty when no class has its own service time here.
    class_index: Vec<Option<u16>>,
    jitter_stream: Stream,
    /// Draws which attempts get a 4xx-like answer (`service/NAME/client_error`), only when
    /// the service has a `client_error_fraction`.
    client_error_stream: Option<Stream>,
    /// The service-wide token bucket, if it has one.
    rate_limiter: Option<RateLimiter>,
    /// Scratch space for the queue entries one completion drops (reused to avoid allocation).
    dropped_scratch: Vec<(Queued<K>, Drop)>,
    /// Whether the queue policy is plain FIFO (`QueuePolicy::FIFO`), decided once: freed
    /// workers then take the FIFO fast path (`ReplicaQueue::next_fifo`).
    fifo: bool,
    /// Per downstream call, in configuration order; `target` is filled in by `result`.
    calls: Vec<CallResult>,
    /// Slowdown windows that concern this service: (replica or all, start, end, factor).
    slowdowns: Vec<(Option<u32>, SimTime, SimTime, f64)>,
    /// Replicas currently up (not crashed).
    up: Vec<bool>,
    /// Worker time by kind of attempt.
    work: WorkSplit,
    /// Guards of each replica's call edges, at `replica * calls + call`.
    call_guards: Vec<GuardState>,
    warmup_end: SimTime,
    counts: ServiceCounts,
    queued_total: u64,
    busy_total: u64,
    queue_len: TimeAverage,
    busy: TimeAverage,
    wait: Histogram,
    sojourn: Histogram,
    history: ServiceHistory,
    /// The idempotency-key store shared by the replicas, if the service has one.
    idempotency_store: Option<IdempotencyStore<K, Reply>>,
    /// The keys executed, if the service performs a side effect.
    side_effects: Option<SideEffectLedger>,
    idempotency_counts: IdempotencyCounts,
    tied_counts: TiedCounts,
    degraded: u64,
    /// One token bucket per caller, when the rate limit is per caller (`rate_limiter` is
    /// then `None`).
    caller_limits: Option<CallerLimits>,
    /// Per replica, the jobs in their own-work phase (for the overload penalty; kept only when
    /// the service has one).
    running: Vec<u32>,
    /// Per pool (the default pool first), its measurements; empty without pools.
    pools: Vec<pool::PoolStats>,
    /// Counts per priority.
    priorities: PriorityResult,
    /// Whether the result reports `priorities` (the world has sheddable callers or the
    /// service sheds by priority).
    priorities_reported: bool,
    /// A queued job a critical arrival displaced during the last `admit`, to be answered.
    displaced: Option<K>,
    /// Its autoscaler, if it has one: which replicas exist and take traffic (`autoscale`).
    pub autoscaler: Option<Box<crate::autoscale::Autoscaler>>,
}

/// The per-second series a service records, warm-up included.
#[derive(Clone, Debug)]
struct ServiceHistory {
    arrivals: CountSeries,
    completed: CountSeries,
    rejected: CountSeries,
    /// Attempts answered with an error (a failed call, or an error burst's fast failure).
    errors: CountSeries,
    queue_len: LevelSeries,
    busy: LevelSeries,
    replicas_up: LevelSeries,
}

/// Which kind of attempt a worker's time went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkKind {
    /// A request's first attempt.
    First,
    /// A retry.
    Retry,
    /// A hedge copy.
    Hedge,
}

/// What `Service::complete` needs to know about the job that finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The replica whose worker finished.
    pub replica: u32,
    /// When the job arrived at the replica.
    pub arrived: SimTime,
    /// Whether its caller had already given up.
    pub abandoned: bool,
    /// Whether it succeeded.
    pub ok: bool,
    /// The worker pool it ran in (0: the default pool).
    pub pool: u32,
}

/// What a replica did with an arriving attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A worker was free: service starts now and ends after the given time.
    Started(SimDuration),
    /// All workers busy; the attempt waits in the queue.
    Queued,
    /// The queue is full; the attempt is turned away.
    Rejected,
    /// Its propagated deadline has already passed; it is dropped undone.
    Expired,
    /// Priority shedding turned a sheddable attempt away (the queue stood above its
    /// threshold); answered as overload, like `Rejected`.
    Shed,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ServiceCounts {
    arrivals: u64,
    completed: u64,
    rejected: u64,
    timed_out_work: u64,
    errors: u64,
    lost: u64,
    expired: u64,
    replies_lost: u64,
    ejections: u64,
    client_errors: u64,
    rate_limited: u64,
    shed: u64,
}

#[derive(Debug)]
struct Replica<K> {
    busy: u32,
    /// Waiting jobs, with their arrival times and the deadlines after which nobody wants them.
    queue: ReplicaQueue<K>,
    /// Active pauses covering it (a GC or VM stall): while above zero nothing starts.
    paused: u32,
    /// The busy workers and queue of each configured pool (`busy` and `queue` above are the
    /// default pool's).
    pools: Vec<pool::Lane<K>>,
}

impl<K: Copy> Service<K> {
    /// A service with idle replicas; metrics count from `warmup_end` on. `id` and `faults`
    /// let it pick out the slowdowns that concern it; its series have rows of `series_interval`.
    pub fn new(
        config: ServiceConfig,
        id: ServiceId,
        faults: &[Fault],
        seed: u64,
        warmup_end: SimTime,
        series_interval: SimDuration,
    ) -> Service<K> {
        let slowdowns = faults
            .iter()
            .filter_map(|f| match f.kind {
                FaultKind::Slowdown { target, factor } if target.service == id => {
                    Some((target.replica, f.start, f.end, factor))
                }
                _ => None,
            })
            .collect();
        // With an autoscaler, the replicas beyond the initial count are off: down, unrouted.
        let initial = config
            .policies
            .autoscale
            .map_or(config.replicas, |a| a.initial);
        let up: Vec<bool> = (0..config.replicas).map(|r| r < initial).collect();
        let call_guards = (0..config.replicas)
            .flat_map(|r| {
                config
                    .calls
                    .iter()
                    .enumerate()
                    .map(move |(c, call)| (r, c, call))
            })
            .map(|(r, c, call)| {
                let name = format!("service/{}/{r}/call/{c}/throttle", config.name);
                GuardState::new(&call.guards, seed, &name)
            })
            .collect();
        let mut replicas_up = LevelSeries::new(series_interval);
        replicas_up.set(SimTime::ZERO, u64::from(initial));
        let replicas = (0..config.replicas)
            .map(|_| Replica {
                busy: 0,
                queue: ReplicaQueue::default(),
                paused: 0,
                pools: (0..config.classes.pools.len())
                    .map(|_| pool::Lane {
                        busy: 0,
                        queue: ReplicaQueue::default(),
                    })
                    .collect(),
            })
            .collect();
        let service_time_stream =
            Stream::new(seed, &format!("service/{}/service_time", config.name));
        let class_times: Vec<(sim_core::Distribution, Stream)> = config
            .classes
            .service_times
            .iter()
            .map(|c| {
                let name = format!("service/{}/class/{}/service_time", config.name, c.label);
                (c.service_time.clone(), Stream::new(seed, &name))
            })
            .collect();
        let mut class_index = Vec::new();
        for (i, c) in config.classes.service_times.iter().enumerate() {
            let id = usize::from(c.class.0);
            if class_index.len() <= id {
                class_index.resize(id + 1, None);
            }
            class_index[id] = Some(i as u16);
        }
        let mut balancer = BalancerState::new(
            config.balancer,
            config.replicas,
            config.policies.outlier_detection,
            seed,
            &config.name,
        );
        let autoscaler = config.policies.autoscale.map(|a| {
            for replica in a.initial..a.max_replicas {
                balancer.set_routable(replica, false);
            }
            let spike = crate::autoscale::first_spike(faults, warmup_end);
            Box::new(crate::autoscale::Autoscaler::new(
                a,
                warmup_end,
                series_interval,
                spike,
            ))
        });
        let jitter_stream = Stream::new(seed, &format!("service/{}/jitter", config.name));
        let per_caller = config.classes.rate_limit_per == RateLimitScope::Caller;
        let rate_limiter = config
            .policies
            .rate_limit
            .filter(|_| !per_caller)
            .map(RateLimiter::new);
        let caller_limits = config
            .policies
            .rate_limit
            .filter(|_| per_caller)
            .map(CallerLimits::new);
        let running = vec![0; config.replicas as usize];
        let pool_count = if config.classes.pools.is_empty() {
            0
        } else {
            config.classes.pools.len() + 1
        };
        let pools = (0..pool_count)
            .map(|_| pool::PoolStats {
                arrivals: 0,
                completed: 0,
                rejected: 0,
                busy_total: 0,
                busy: TimeAverage::new(warmup_end),
            })
            .collect();
        let priorities_reported = config.classes.shed_sheddable_above.is_some();
        let client_error_stream = (config.policies.client_error_fraction.get() > 0.0)
            .then(|| Stream::new(seed, &format!("service/{}/client_error", config.name)));
        let calls = vec![CallResult::default(); config.calls.len()];
        let fifo = config.policies.queue == QueuePolicy::FIFO;
        Service {
            config,
            replicas,
            balancer,
            service_time_stream,
            works: Draws::new(),
            class_times,
            class_index,
            jitter_stream,
            client_error_stream,
            rate_limiter,
            dropped_scratch: Vec::new(),
            fifo,
            calls,
            slowdowns,
            up,
            call_guards,
            work: WorkSplit::default(),
            warmup_end,
            counts: ServiceCounts::default(),
            queued_total: 0,
            busy_total: 0,
            queue_len: TimeAverage::new(warmup_end),
            busy: TimeAverage::new(warmup_end),
            wait: Histogram::new(),
            sojourn: Histogram::new(),
            history: ServiceHistory {
                arrivals: CountSeries::new(series_interval),
                completed: CountSeries::new(series_interval),
                rejected: CountSeries::new(series_interval),
                errors: CountSeries::new(series_interval),
                queue_len: LevelSeries::new(series_interval),
                busy: LevelSeries::new(series_interval),
                replicas_up,
            },
            idempotency_store: None,
            side_effects: None,
            idempotency_counts: IdempotencyCounts::default(),
            tied_counts: TiedCounts::default(),
            degraded: 0,
            caller_limits,
            running,
            pools,
            priorities: PriorityResult::default(),
            priorities_reported,
            displaced: None,
            autoscaler,
        }
        .with_idempotency()
    }

    /// Reports counts per priority even without priority shedding (the world has sheddable
    /// callers).
    pub fn report_priorities(&mut self) {
        self.priorities_reported = true;
    }

    /// The job a critical arrival displaced from a full queue in the last `admit`, if any: it
    /// must be answered as overload.
    pub fn take_displaced(&mut self) -> Option<K> {
        self.displaced.take()
    }

    /// A job of `replica` finished its own work (its downstream calls come next).
    #[inline]
    pub fn own_work_done(&mut self, replica: u32) {
        // Only the overload penalty reads `running`: without one it is not kept.
        if self.config.classes.overload.is_some() {
            let running = &mut self.running[replica as usize];
            assert!(*running > 0, "a job doing its own work was counted");
            *running -= 1;
        }
    }

    /// A worker of `replica` starts a job's own work at `now`: a service-time draw, stretched
    /// by slowdowns and by the overload penalty (`overload`) at the replica's concurrency.
    // Always inlined: it runs for every job, and its three callers are on the hot path.
    #[inline(always)]
    fn start_own_work(&mut self, replica: u32, now: SimTime, class: ClassId) -> SimDuration {
        let Some(overload) = self.config.classes.overload else {
            return self.work(replica, now, class);
        };
        let running = &mut self.running[replica as usize];
        *running += 1;
        let running = *running;
        let work = self.work(replica, now, class);
        let factor = overload.factor(running);
        if factor == 1.0 {
            work
        } else {
            SimDuration::from_nanos_f64(work.as_nanos() as f64 * factor)
        }
    }

    /// Sets up the store and the ledger the configuration asks for.
    fn with_idempotency(mut self) -> Service<K> {
        self.idempotency_store = self.config.policies.idempotency.map(IdempotencyStore::new);
        self.side_effects = self
            .config
            .policies
            .side_effect
            .then(SideEffectLedger::default);
        self
    }

    /// Whether `replica` is up (not crashed).
    pub fn is_up(&self, replica: u32) -> bool {
        self.up[replica as usize]
    }

    /// `replica` crashes at `now`: its queue and its busy workers' work are lost. Returns the
    /// number of attempts lost (queued plus in service).
    pub fn crash(&mut self, replica: u32, now: SimTime) -> u64 {
        let r = &mut self.replicas[replica as usize];
        let mut lost = r.queue.len() as u64 + u64::from(r.busy);
        self.queued_total -= r.queue.len() as u64;
        self.busy_total -= u64::from(r.busy);
        let default_busy = r.busy;
        r.queue.clear();
        r.busy = 0;
        let mut pool_busy = vec![default_busy];
        for lane in &mut r.pools {
            lost += lane.queue.len() as u64 + u64::from(lane.busy);
            self.queued_total -= lane.queue.len() as u64;
            self.busy_total -= u64::from(lane.busy);
            pool_busy.push(lane.busy);
            lane.queue.clear();
            lane.busy = 0;
        }
        for (pool, busy) in pool_busy.into_iter().enumerate() {
            self.pool_busy(pool as u32, now, -i64::from(busy));
        }
        self.running[replica as usize] = 0;
        self.queue_len.set(now, self.queued_total);
        self.busy.set(now, self.busy_total);
        self.history.queue_len.set(now, self.queued_total);
        self.history.busy.set(now, self.busy_total);
        if self.up[replica as usize] {
            self.up[replica as usize] = false;
            self.history.replicas_up.set(now, self.up_count());
        }
        if now >= self.warmup_end {
            self.counts.lost += lost;
        }
        lost
    }

    /// An attempt arriving at `now` failed fast (an error-burst fault) without using a worker.
    pub fn count_fast_error(&mut self, now: SimTime) {
        self.history.arrivals.add(now, 1);
        self.history.errors.add(now, 1);
        if now >= self.warmup_end {
            self.counts.arrivals += 1;
            self.counts.errors += 1;
        }
    }

    /// A worker spent `busy` on the `finished` job of `kind` (worker time: its own work plus
    /// any time it waited on downstream calls).
    pub fn account_work(&mut self, kind: WorkKind, finished: Finished, busy: SimDuration) {
        if finished.arrived < self.warmup_end {
            return;
        }
        let nanos = busy.as_nanos();
        match kind {
            WorkKind::First => self.work.first_ns += nanos,
            WorkKind::Retry => self.work.retry_ns += nanos,
            WorkKind::Hedge => self.work.hedge_ns += nanos,
        }
        if finished.abandoned {
            self.work.abandoned_ns += nanos;
        }
        let parts = &mut self.work.parts;
        let part = match kind {
            _ if finished.abandoned || !finished.ok => &mut parts.wasted,
            WorkKind::First => &mut parts.goodput,
            WorkKind::Retry => &mut parts.retries,
            WorkKind::Hedge => &mut parts.hedges,
        };
        part.jobs += 1;
        part.busy_ns += nanos;
    }

    /// Whether an attempt arriving now gets a 4xx-like answer: one draw per arriving attempt
    /// when the service has a `client_error_fraction`, none otherwise.
    pub fn draw_client_error(&mut self) -> bool {
        let fraction = self.config.policies.client_error_fraction;
        self.client_error_stream
            .as_mut()
            .is_some_and(|stream| stream.chance(fraction))
    }

    /// Whether the service's token bucket (if any) lets an attempt arriving at `now` through;
    /// one it does not is counted and answered at once.
    /// With a per-caller limit, `caller`'s own bucket decides.
    #[inline]
    pub fn rate_limit_admits(&mut self, now: SimTime, caller: CallerId) -> bool {
        // Most services have no rate limit: admit without a call.
        if self.caller_limits.is_none() && self.rate_limiter.is_none() {
            return true;
        }
        self.rate_limit_admits_limited(now, caller)
    }

    /// `rate_limit_admits` for a service with a rate limit.
    fn rate_limit_admits_limited(&mut self, now: SimTime, caller: CallerId) -> bool {
        let measured = now >= self.warmup_end;
        if let Some(limits) = &mut self.caller_limits {
            if limits.try_acquire(caller, now, measured) {
                return true;
            }
        } else {
            let Some(limiter) = &mut self.rate_limiter else {
                return true;
            };
            if limiter.try_acquire(now) {
                return true;
            }
        }
        self.history.arrivals.add(now, 1);
        self.history.rejected.add(now, 1);
        if now >= self.warmup_end {
            self.counts.arrivals += 1;
            self.counts.rate_limited += 1;
        }
        false
    }

    /// An attempt arriving at `now` was answered at once with a 4xx-like error.
    pub fn count_client_error(&mut self, now: SimTime) {
        self.history.arrivals.add(now, 1);
        if now >= self.warmup_end {
            self.counts.arrivals += 1;
            self.counts.client_errors += 1;
        }
    }

    /// A reply leaving at `now` was lost on the network (the work was done for nothing).
    pub fn count_reply_lost(&mut self, now: SimTime) {
        if now >= self.warmup_end {
            self.counts.replies_lost += 1;
        }
    }

    /// `replica` restarts at `now`, idle and empty (a replica the autoscaler has not
    /// provisioned stays down).
    pub fn restart(&mut self, replica: u32, now: SimTime) {
        if !self.exists(replica) {
            return;
        }
        if !self.up[replica as usize] {
            self.up[replica as usize] = true;
            self.history.replicas_up.set(now, self.up_count());
        }
    }

    /// Whether `replica` exists as a running process: always, without an autoscaler; with
    /// one, while it serves or drains.
    pub fn exists(&self, replica: u32) -> bool {
        use crate::autoscale::ReplicaState;
        self.autoscaler.as_ref().is_none_or(|a| {
            matches!(
                a.state(replica),
                ReplicaState::Serving | ReplicaState::Draining
            )
        })
    }

    /// An autoscaled `replica` comes up at `now` (its provisioning ended; `crashed`: a crash
    /// fault covers it, so it stays down until that ends) and takes new attempts.
    pub fn bring_up(&mut self, replica: u32, now: SimTime, crashed: bool) {
        self.balancer.set_routable(replica, true);
        if !crashed && !self.up[replica as usize] {
            self.up[replica as usize] = true;
            self.history.replicas_up.set(now, self.up_count());
        }
    }

    /// An autoscaled `replica` stops taking new attempts (it drains, or is cancelled).
    pub fn stop_routing(&mut self, replica: u32) {
        self.balancer.set_routable(replica, false);
    }

    /// An autoscaled `replica` is gone at `now`: down, so late attempts are refused.
    pub fn take_down(&mut self, replica: u32, now: SimTime) {
        if self.up[replica as usize] {
            self.up[replica as usize] = false;
            self.history.replicas_up.set(now, self.up_count());
        }
    }

    /// Whether `replica` holds no job: no worker busy and nothing queued, in any pool.
    pub fn is_idle(&self, replica: u32) -> bool {
        let r = &self.replicas[replica as usize];
        r.busy == 0
            && r.queue.is_empty()
            && r.pools.iter().all(|l| l.busy == 0 && l.queue.is_empty())
    }

    /// What the autoscaler's metric is made of over the whole run so far, per row of the
    /// service's series up to `now`: busy workers' area, queued attempts' area, arrivals.
    pub fn load_areas(&self, now: SimTime) -> crate::autoscale::LoadAreas {
        let width = self.history.arrivals.interval();
        let area = |means: Vec<f64>| -> Vec<f64> {
            means
                .iter()
                .enumerate()
                .map(|(i, m)| m * crate::autoscale::row_span(i, width, now))
                .collect()
        };
        crate::autoscale::LoadAreas {
            width,
            busy: area(self.history.busy.means(now)),
            queued: area(self.history.queue_len.means(now)),
            arrivals: self
                .history
                .arrivals
                .counts(now)
                .into_iter()
                .map(|c| c as f64)
                .collect(),
        }
    }

    fn up_count(&self) -> u64 {
        self.up.iter().filter(|u| **u).count() as u64
    }

    /// A service-time draw for `replica` at `now`, stretched by every active slowdown.
    ///
    /// The draws are made a batch at a time (`sim_core::Draws`): the stream gives the same
    /// numbers in the same order, but the logarithms overlap instead of delaying the
    /// scheduling of the work each one times (about 13% of a whole M/M/1 run with the arrival gaps,
    /// BENCHMARKS.md). Nothing else draws from this stream.
    // Always inlined into `start_own_work`: a call costs as much as an exponential's draw.
    ///
    /// A request class with its own service time here draws it from its own stream instead
    /// (one at a time), leaving the service's stream to the other requests.
    #[inline(always)]
    fn work(&mut self, replica: u32, now: SimTime, class: ClassId) -> SimDuration {
        let own = match self.class_index.is_empty() {
            true => None,
            false => self
                .class_index
                .get(usize::from(class.0))
                .copied()
                .flatten(),
        };
        let base = match own {
            None => {
                let (distribution, stream) =
                    (&self.config.service_time, &mut self.service_time_stream);
                self.works
                    .take_filled(|batch| distribution.fill(stream, batch))
            }
            Some(index) => {
                let (distribution, stream) = &mut self.class_times[usize::from(index)];
                distribution.sample(stream)
            }
        };
        let mut factor = 1.0;
        for &(target, start, end, f) in &self.slowdowns {
            if start <= now && now < end && target.is_none_or(|r| r == replica) {
                factor *= f;
            }
        }
        if factor == 1.0 {
            base
        } else {
            SimDuration::from_nanos_f64(base.as_nanos() as f64 * factor)
        }
    }

    /// Picks the replica for an attempt sent at `now`, by the configured balancer, and counts
    /// the attempt as outstanding there.
    pub fn pick_replica(&mut self, now: SimTime) -> u32 {
        let replica = self.balancer.pick(now);
        self.balancer.on_sent(replica);
        replica
    }

    /// An attempt to `replica` stopped being outstanding: its caller got an answer, timed out
    /// or cancelled it.
    pub fn attempt_done(&mut self, replica: u32) {
        self.balancer.on_done(replica);
    }

    /// A caller got an answer from `replica` at `now` (`failed`: 5xx-like, refused, or timed
    /// out); outlier detection may eject the replica.
    pub fn answer_seen(&mut self, now: SimTime, replica: u32, failed: bool) {
        if self.balancer.on_answer(now, replica, failed) && now >= self.warmup_end {
            self.counts.ejections += 1;
        }
    }

    /// Whether outlier detection has `replica` ejected at `now`.
    pub fn is_ejected(&self, now: SimTime, replica: u32) -> bool {
        self.balancer.is_ejected(now, replica)
    }

    /// An attempt `key` of `class` reaches `replica` at `now`: start it in its pool, queue
    /// it, reject it (a full queue, or priority shedding), or drop it if its propagated
    /// `deadline` has passed. A critical arrival may displace a queued sheddable job, which
    /// `take_displaced` then returns.
    pub fn admit(
        &mut self,
        replica: u32,
        key: K,
        now: SimTime,
        deadline: Option<SimTime>,
        class: AttemptClass,
    ) -> Admission {
        let measured = now >= self.warmup_end;
        let pool = self.pool_of(class);
        self.history.arrivals.add(now, 1);
        if measured {
            self.counts.arrivals += 1;
            self.priorities.of(class.priority).arrivals += 1;
            if let Some(stats) = self.pools.get_mut(pool as usize) {
                stats.arrivals += 1;
            }
        }
        if deadline.is_some_and(|d| d <= now) {
            if measured {
                self.counts.expired += 1;
            }
            return Admission::Expired;
        }
        let (workers, capacity) = (self.pool_workers(pool), self.pool_capacity(pool));
        let shedding = self.config.classes.shed_sheddable_above;
        let r = &mut self.replicas[replica as usize];
        let paused = r.paused;
        let (busy, queue) = r.lane(pool);
        // A paused replica starts nothing: even with a worker idle, the attempt waits.
        if *busy < workers && paused == 0 {
            assert!(
                queue.is_empty(),
                "a replica with an idle worker has an empty queue"
            );
            *busy += 1;
            self.busy_total += 1;
            self.busy.set(now, self.busy_total);
            self.history.busy.set(now, self.busy_total);
            self.pool_busy(pool, now, 1);
            if measured {
                self.wait.record(SimDuration::ZERO);
            }
            return Admission::Started(self.start_own_work(replica, now, class.request));
        }
        let waiting = queue.len() as u64;
        let sheddable = class.priority == Priority::Sheddable;
        if let (Some(fraction), true) = (shedding, sheddable) {
            // Above the threshold, but with room left for critical work: shed. A full queue
            // rejects everyone alike (below).
            let room = u64::from(sheddable_room(fraction, capacity));
            if waiting >= room && waiting < u64::from(capacity) {
                self.history.rejected.add(now, 1);
                if measured {
                    self.counts.shed += 1;
                    self.priorities.sheddable.shed += 1;
                }
                return Admission::Shed;
            }
        }
        if waiting < u64::from(capacity) {
            queue.push_classed(key, now, deadline, class);
            self.queued_total += 1;
            self.queue_len.set(now, self.queued_total);
            self.history.queue_len.set(now, self.queued_total);
            return Admission::Queued;
        }
        if shedding.is_some() && !sheddable {
            if let Some(displaced) = queue.displace_sheddable() {
                queue.push_classed(key, now, deadline, class);
                self.displaced = Some(displaced.key);
                self.history.rejected.add(now, 1);
                if displaced.at >= self.warmup_end {
                    self.counts.shed += 1;
                    self.priorities.sheddable.shed += 1;
                }
                return Admission::Queued;
            }
        }
        self.history.rejected.add(now, 1);
        if measured {
            self.counts.rejected += 1;
            self.priorities.of(class.priority).rejected += 1;
            if let Some(stats) = self.pools.get_mut(pool as usize) {
                stats.rejected += 1;
            }
        }
        Admission::Rejected
    }

    /// A pause covering `replica` begins; true if it was running until now (the first pause).
    pub fn pause(&mut self, replica: u32) -> bool {
        let r = &mut self.replicas[replica as usize];
        r.paused += 1;
        r.paused == 1
    }

    /// A pause covering `replica` ends; true if no other pause still holds it.
    pub fn unpause(&mut self, replica: u32) -> bool {
        let r = &mut self.replicas[replica as usize];
        assert!(r.paused > 0, "only a paused replica resumes");
        r.paused -= 1;
        r.paused == 0
    }

    /// Whether a pause holds `replica` now.
    pub fn is_paused(&self, replica: u32) -> bool {
        self.replicas[replica as usize].paused > 0
    }

    /// After a pause, an idle worker of `replica` takes the next queued attempt, as a worker
    /// freed by a completion would (`complete`); `None` when no worker is idle or nothing is
    /// queued. Dropped entries are appended to `dropped`, as in `complete`.
    /// With pools, the first pool (the default pool first) with an idle worker and a
    /// queued attempt serves it.
    pub fn start_queued(
        &mut self,
        replica: u32,
        now: SimTime,
        dropped: &mut Vec<(K, Drop)>,
        cancelled: impl Fn(K) -> bool,
    ) -> Option<(K, SimDuration)> {
        if self.replicas[replica as usize].paused > 0 {
            return None;
        }
        for pool in 0..=self.config.classes.pools.len() as u32 {
            let workers = self.pool_workers(pool);
            let (busy, _) = self.replicas[replica as usize].lane(pool);
            if *busy >= workers {
                continue;
            }
            let next = self.next_queued(replica, pool, now, dropped, &cancelled);
            self.queue_len.set(now, self.queued_total);
            self.history.queue_len.set(now, self.queued_total);
            if next.is_some() {
                *self.replicas[replica as usize].lane(pool).0 += 1;
                self.busy_total += 1;
                self.busy.set(now, self.busy_total);
                self.history.busy.set(now, self.busy_total);
                self.pool_busy(pool, now, 1);
                return next;
            }
        }
        None
    }

    /// Takes the next attempt off `replica`'s queue for a worker (which must already be
    /// counted busy or be counted by the caller), dropping entries as the queue policy says.
    // Always inlined: every completion asks, and most find the queue empty.
    #[inline(always)]
    fn next_queued(
        &mut self,
        replica: u32,
        pool: u32,
        now: SimTime,
        dropped: &mut Vec<(K, Drop)>,
        cancelled: impl Fn(K) -> bool,
    ) -> Option<(K, SimDuration)> {
        let (_, queue) = self.replicas[replica as usize].lane(pool);
        let scratch = &mut self.dropped_scratch;
        let next = if self.fifo {
            queue.next_fifo(now, cancelled, scratch)
        } else {
            queue.next(&self.config.policies.queue, now, cancelled, scratch)
        };
        if !scratch.is_empty() {
            self.count_dropped(now, dropped);
        }
        let Queued {
            key,
            at: queued_at,
            class,
            ..
        } = next?;
        self.queued_total -= 1;
        if queued_at >= self.warmup_end {
            self.wait.record(now.since(queued_at));
        }
        Some((key, self.start_own_work(replica, now, class)))
    }

    /// Counts the entries the queue policy dropped into `dropped_scratch` at `now` and hands
    /// their keys, with the reason, to `dropped`.
    fn count_dropped(&mut self, now: SimTime, dropped: &mut Vec<(K, Drop)>) {
        for (entry, why) in self.dropped_scratch.drain(..) {
            dropped.push((entry.key, why));
            self.queued_total -= 1;
            if why == Drop::Shed {
                self.history.rejected.add(now, 1);
            }
            if entry.at >= self.warmup_end {
                match why {
                    Drop::Expired => self.counts.expired += 1,
                    Drop::Shed => self.counts.shed += 1,
                }
            }
        }
    }

    /// A worker finished a job (see `Finished`). Returns the next queued attempt the worker
    /// starts, with its service time, if any. Queued attempts dropped on the way (by the
    /// queue policy, see `shedding`: their deadline passed, `cancelled` says nobody wants them,
    /// or they were shed) are appended to `dropped` with the reason.
    // Always inlined into its one caller on the request path (`World::finish_job`): a call's
    // saved registers cost about as much as the common path's body.
    #[inline(always)]
    pub fn complete(
        &mut self,
        finished: Finished,
        now: SimTime,
        dropped: &mut Vec<(K, Drop)>,
        cancelled: impl Fn(K) -> bool,
    ) -> Option<(K, SimDuration)> {
        let Finished {
            replica,
            arrived,
            abandoned,
            ok,
            pool,
        } = finished;
        self.history.completed.add(now, 1);
        if !ok {
            self.history.errors.add(now, 1);
        }
        // Count by arrival time, like every other per-attempt figure, so that completions
        // never exceed arrivals in the measured window.
        if arrived >= self.warmup_end {
            self.counts.completed += 1;
            if abandoned {
                self.counts.timed_out_work += 1;
            }
            if !ok {
                self.counts.errors += 1;
            }
            self.sojourn.record(now.since(arrived));
            if let Some(stats) = self.pools.get_mut(pool as usize) {
                stats.completed += 1;
            }
        }
        assert!(
            *self.replicas[replica as usize].lane(pool).0 > 0,
            "a completion frees a busy worker"
        );
        let queued_before = self.queued_total;
        let next = self.next_queued(replica, pool, now, dropped, cancelled);
        // Setting an unchanged level changes neither average (both integrate exactly).
        if self.queued_total != queued_before {
            self.queue_len.set(now, self.queued_total);
            self.history.queue_len.set(now, self.queued_total);
        }
        match next {
            Some(next) => Some(next),
            None => {
                *self.replicas[replica as usize].lane(pool).0 -= 1;
                self.busy_total -= 1;
                self.busy.set(now, self.busy_total);
                self.history.busy.set(now, self.busy_total);
                self.pool_busy(pool, now, -1);
                None
            }
        }
    }

    /// The guards of `replica`'s call number `call`.
    pub fn call_guards(&mut self, replica: u32, call: u32) -> &mut GuardState {
        let calls = self.config.calls.len();
        &mut self.call_guards[replica as usize * calls + call as usize]
    }

    /// The stream that jitters this service's downstream retries.
    pub fn jitter_stream(&mut self) -> &mut Stream {
        &mut self.jitter_stream
    }

    /// A job made downstream call number `call` (counted if `measured`).
    pub fn count_call_request(&mut self, call: u32, measured: bool) {
        if measured {
            self.calls[call as usize].requests += 1;
        }
    }

    /// An attempt of downstream call number `call` was sent.
    pub fn count_call_attempt(&mut self, call: u32, measured: bool) {
        if measured {
            self.calls[call as usize].attempts += 1;
        }
    }

    /// Downstream call number `call` resolved.
    pub fn count_call_outcome(&mut self, call: u32, ending: Ending, measured: bool) {
        if measured {
            let c = &mut self.calls[call as usize];
            if ending.ok() {
                c.succeeded += 1;
            } else {
                c.failed += 1;
            }
        }
    }

    /// The service's measurements over `warmup_end..end`; `names` maps service ids to names.
    pub fn result_with_names(&self, end: SimTime, names: &[String]) -> ServiceResult {
        let mut result = self.result(end);
        let calls = self.config.calls.len();
        for (index, (call, config)) in result.calls.iter_mut().zip(&self.config.calls).enumerate() {
            call.target = names[config.target.0 as usize].clone();
            for replica in 0..self.config.replicas as usize {
                call.guards
                    .add(&self.call_guards[replica * calls + index].counts);
            }
        }
        result
    }

    /// The service's measurements over `warmup_end..end`.
    pub fn result(&self, end: SimTime) -> ServiceResult {
        let c = self.counts;
        let queue_len_mean = self.queue_len.mean(end);
        let busy_mean = self.busy.mean(end);
        ServiceResult {
            name: self.config.name.clone(),
            arrivals: c.arrivals,
            completed: c.completed,
            rejected: c.rejected,
            timed_out_work: c.timed_out_work,
            errors: c.errors,
            lost: c.lost,
            expired: c.expired,
            replies_lost: c.replies_lost,
            ejections: c.ejections,
            client_errors: c.client_errors,
            rate_limited: c.rate_limited,
            shed: c.shed,
            work: self.work,
            capacity: self.config.replicas * self.workers_total(),
            busy_mean,
            queue_len_mean,
            in_system_mean: queue_len_mean + busy_mean,
            wait: self.wait.clone(),
            sojourn: self.sojourn.clone(),
            series: ServiceSeries {
                arrivals_per_s: self.history.arrivals.rates_per_s(end),
                completed_per_s: self.history.completed.rates_per_s(end),
                rejected_per_s: self.history.rejected.rates_per_s(end),
                errors_per_s: self.history.errors.rates_per_s(end),
                queue_len: self.history.queue_len.means(end),
                busy: self.history.busy.means(end),
                replicas_up: self.history.replicas_up.means(end),
            },
            calls: self.calls.clone(),
            idempotency: self.idempotency_counts,
            tied: self.tied_counts,
            degraded: self.degraded,
            classes: self.class_result(end),
            autoscale: self.autoscaler.as_ref().map(|a| a.result(end)),
        }
    }
}

/// Idempotency, tied requests and degraded answers (issue #4): counts and the key store.
impl<K: Copy + PartialEq> Service<K> {
    /// What the idempotency-key store (if any) says about an attempt with `key` arriving at
    /// `now`; `alive(job)` says whether a lock's job still exists. A replay or a conflict is
    /// answered at once, without a worker, and counted as an arrival.
    #[inline]
    pub fn idempotency_check(
        &mut self,
        now: SimTime,
        key: u64,
        alive: impl Fn(K) -> bool,
    ) -> Option<Lookup<Reply>> {
        // Most services have no store: answer without a call.
        if self.has_idempotency_store() {
            self.idempotency_lookup(now, key, alive)
        } else {
            None
        }
    }

    /// `idempotency_check` for a service with a store.
    fn idempotency_lookup(
        &mut self,
        now: SimTime,
        key: u64,
        alive: impl Fn(K) -> bool,
    ) -> Option<Lookup<Reply>> {
        let lookup = self.idempotency_store.as_mut()?.check(now, key, alive);
        if lookup == Lookup::Execute {
            return Some(lookup);
        }
        self.history.arrivals.add(now, 1);
        if now >= self.warmup_end {
            self.counts.arrivals += 1;
            match lookup {
                Lookup::Replay(_) => self.idempotency_counts.idempotent_replays += 1,
                Lookup::Conflict => self.idempotency_counts.conflicts += 1,
                Lookup::Execute => {}
            }
        }
        Some(lookup)
    }

    /// Picks a replica as `pick_replica` does, then lets `adjust` move the pick (a tied copy
    /// avoids its twin's replica); the adjusted one counts as outstanding.
    pub fn pick_replica_with(&mut self, now: SimTime, adjust: impl Fn(u32) -> u32) -> u32 {
        let replica = adjust(self.balancer.pick(now));
        self.balancer.on_sent(replica);
        replica
    }

    /// Whether the service has an idempotency-key store.
    #[inline]
    pub fn has_idempotency_store(&self) -> bool {
        self.idempotency_store.is_some()
    }

    /// `job` executes `key`: the store (if any) locks it.
    pub fn idempotency_begin(&mut self, key: u64, job: K) {
        if let Some(store) = &mut self.idempotency_store {
            store.begin(key, job);
        }
    }

    /// `job`, serving `key`, finished at `now` with `reply`: the store (if any) keeps it.
    pub fn idempotency_finish(&mut self, now: SimTime, key: u64, job: K, reply: Reply) {
        if let Some(store) = &mut self.idempotency_store {
            store.finish(now, key, job, reply);
        }
    }

    /// A job with `key` that reached a replica at `arrived` finished its own work: if the
    /// service has a side effect, it executed (and maybe duplicated) it.
    pub fn side_effect_executed(&mut self, key: u64, arrived: SimTime) {
        if let Some(ledger) = &mut self.side_effects {
            let measured = arrived >= self.warmup_end;
            ledger.execute(key, measured, &mut self.idempotency_counts);
        }
    }

    /// A tied copy that reached a replica at `arrived` was cancelled before it started.
    pub fn count_tied_cancelled(&mut self, arrived: SimTime) {
        if arrived >= self.warmup_end {
            self.tied_counts.cancelled += 1;
        }
    }

    /// Both copies of a tied pair started; the second reached its replica at `arrived`.
    pub fn count_tied_both_executed(&mut self, arrived: SimTime) {
        if arrived >= self.warmup_end {
            self.tied_counts.both_executed += 1;
        }
    }

    /// A job that reached a replica at `arrived` finished successfully but degraded.
    pub fn count_degraded(&mut self, arrived: SimTime) {
        if arrived >= self.warmup_end {
            self.degraded += 1;
        }
    }
}

mod pool;
#[cfg(test)]
mod tests;
