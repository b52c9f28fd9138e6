//! `Quorum`, the state of one quorum-replicated store: every replica's version of every key,
//! the writes in flight to replicas outside their quorum, and what it measured. The
//! semantics it implements are stated in the parent module.
//!
//! Replication deliveries need no event: they wait in a heap, and every operation first
//! applies those due by now (`deliver`), so the state it reads is exact. Its only events are
//! anti-entropy rounds (and, alone on its own loop, its test load's calls).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sim_core::{Context, Model, SimDuration, SimTime, Stream, TraceCode};

use super::{QuorumCalls, QuorumResult};
use crate::component::{PartHappening, Scope};
use crate::config::{ClientId, DatabaseOp, NoQuorum, QuorumConfig};

/// The store's closed set of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// An anti-entropy round is due.
    AntiEntropy,
    /// A call of its own test load (alone on its own event loop only).
    Call {
        /// Read or write.
        op: DatabaseOp,
        /// The replica that coordinates it.
        coordinator: u32,
    },
}

impl Event {
    /// The event as a trace shows it.
    pub(crate) fn happening(&self) -> PartHappening {
        match *self {
            Event::AntiEntropy => PartHappening::QuorumAntiEntropy,
            Event::Call { coordinator, .. } => PartHappening::QuorumCall { coordinator },
        }
    }
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        match *self {
            Event::AntiEntropy => 1,
            Event::Call { op, coordinator } => {
                2 | u64::from(op == DatabaseOp::Write) << 4 | u64::from(coordinator) << 8
            }
        }
    }
}

/// Reachability: whether replica `from` reaches replica `to` (both ways) now.
pub(crate) type Reach<'a> = &'a dyn Fn(u32, u32) -> bool;

/// One quorum store.
pub(crate) struct Quorum {
    config: QuorumConfig,
    warmup_end: SimTime,
    /// The end of the measured window (anti-entropy repairs after it are not counted).
    measured_end: SimTime,
    /// Replica `r`'s version of key `k` at `r * keys + k`.
    versions: Vec<u64>,
    /// The newest acknowledged version of each key.
    acked: Vec<u64>,
    /// Writes on their way to replicas outside their quorum, soonest first.
    pending: BinaryHeap<Reverse<Delivery>>,
    /// Deliveries pushed so far: ties in time apply in push order.
    pushed: u64,
    keys: Stream,
    order: Stream,
    delay: Stream,
    counts: QuorumCalls,
    anti_entropy_repairs: u64,
    /// Replicas the call being served brought up to date by read repair.
    repaired: u64,
    coordinated: Vec<u64>,
    /// What each client's requests met here, by client index.
    per_client: Vec<QuorumCalls>,
    /// The outcomes of the call or event being handled, for the trace hash.
    outcomes: Vec<u64>,
    /// Scratch space: one call's response order, then the reachable replicas in it.
    order_scratch: Vec<u32>,
    reachable: Vec<u32>,
    delays: Vec<SimDuration>,
    /// Its own test load, when it runs alone.
    own: Option<OwnLoad>,
}

/// One write on its way to one replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Delivery {
    at: SimTime,
    seq: u64,
    replica: u32,
    key: u32,
    version: u64,
}

/// The test load of a store alone on its own event loop.
struct OwnLoad {
    rate_per_s: f64,
    stream: Stream,
}

/// How one call went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Served with a quorum; a read is `behind` versions behind (0: fresh).
    Served {
        /// Versions behind (reads; 0 for writes).
        behind: u64,
    },
    /// Served without a quorum (`sloppy`).
    Sloppy {
        /// Versions behind (reads; 0 for writes).
        behind: u64,
    },
    /// Failed for want of a quorum (`fail`).
    Failed,
}

/// The store alone on its own event loop (its unit tests): every replica reaches every other.
impl Model for Quorum {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        if let Event::Call { op, coordinator } = event {
            let measured = ctx.now() >= self.warmup_end;
            self.serve_call(op, coordinator, &|_, _| true, ctx.now(), (None, measured));
            let own = self.own.as_mut().expect("only its own load makes calls");
            let gap = own.stream.exponential(1e9 / own.rate_per_s);
            let next = Event::Call {
                op: if own.stream.unit() < 0.5 {
                    DatabaseOp::Read
                } else {
                    DatabaseOp::Write
                },
                coordinator: own.stream.below(u64::from(self.config.replicas)) as u32,
            };
            ctx.schedule_in(SimDuration::from_nanos_f64(gap), next);
        } else {
            self.on_event(event, &|_, _| true, ctx);
        }
        for code in self.outcomes.drain(..) {
            ctx.fold(code);
        }
    }
}

impl Quorum {
    /// A store whose replicas all hold version 0 of every key.
    pub(crate) fn new(
        config: QuorumConfig,
        seed: u64,
        warmup_end: SimTime,
        clients: usize,
    ) -> Quorum {
        assert!(config.replicas >= 1, "validation requires a replica");
        assert!(
            (1..=config.replicas).contains(&config.read_quorum)
                && (1..=config.replicas).contains(&config.write_quorum),
            "validation keeps quorums within 1..=replicas"
        );
        let stream = |what: &str| Stream::new(seed, &format!("quorum/{}/{what}", config.name));
        let n = config.replicas as usize;
        Quorum {
            warmup_end,
            measured_end: SimTime::MAX,
            versions: vec![0; n * config.keys as usize],
            acked: vec![0; config.keys as usize],
            pending: BinaryHeap::new(),
            pushed: 0,
            keys: stream("keys"),
            order: stream("order"),
            delay: stream("delay"),
            counts: QuorumCalls::default(),
            anti_entropy_repairs: 0,
            repaired: 0,
            coordinated: vec![0; n],
            per_client: vec![QuorumCalls::default(); clients],
            outcomes: Vec::new(),
            order_scratch: Vec::with_capacity(n),
            reachable: Vec::with_capacity(n),
            delays: Vec::with_capacity(n),
            own: None,
            config,
        }
    }

    /// Gives a store that runs alone its own test load of `rate_per_s` calls per second.
    pub(crate) fn standalone(&mut self, rate_per_s: f64, seed: u64) {
        let name = format!("quorum/{}/own-load", self.config.name);
        self.own = Some(OwnLoad {
            rate_per_s,
            stream: Stream::new(seed, &name),
        });
    }

    /// Counts anti-entropy repairs only before `end` (the world's measured window ends when
    /// its arrivals do).
    pub(crate) fn measure_until(&mut self, end: SimTime) {
        self.measured_end = end;
    }

    /// Its name in the scenario.
    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    /// The events a run starts with: the first anti-entropy round, and alone, its first call.
    pub(crate) fn initial_events(&mut self) -> Vec<(SimTime, Event)> {
        let mut events = Vec::new();
        if let Some(every) = self.config.anti_entropy {
            events.push((SimTime::ZERO.add(every), Event::AntiEntropy));
        }
        if let Some(own) = &mut self.own {
            let gap = own.stream.exponential(1e9 / own.rate_per_s);
            let first = Event::Call {
                op: DatabaseOp::Write,
                coordinator: 0,
            };
            events.push((SimTime::ZERO.add(SimDuration::from_nanos_f64(gap)), first));
        }
        events
    }

    /// Reacts to one of its events (an anti-entropy round) at `scope.now()`, with `reach`
    /// saying which replicas reach each other now, then folds its outcomes into the hash.
    pub(crate) fn on_event(
        &mut self,
        event: Event,
        reach: Reach<'_>,
        scope: &mut impl Scope<Event>,
    ) {
        let now = scope.now();
        self.deliver(now);
        match event {
            Event::AntiEntropy => {
                let every = self
                    .config
                    .anti_entropy
                    .expect("only anti-entropy schedules it");
                scope.schedule_in(every, Event::AntiEntropy);
                self.anti_entropy(reach, now);
            }
            Event::Call { .. } => panic!("calls reach a store in a world through serve_call"),
        }
        for code in self.outcomes.drain(..) {
            scope.fold(code);
        }
    }

    /// Replica `coordinator` coordinates a service's call `op` at `now`, reaching the replicas
    /// `reach(coordinator, r)` says, on behalf of `client`'s request (`None`: its caller
    /// chain gave up, or the request is not measured); counted in the store's figures iff
    /// `measured`. Whether the call succeeded (a stale read succeeds: the caller cannot tell).
    pub(crate) fn serve_call(
        &mut self,
        op: DatabaseOp,
        coordinator: u32,
        reach: Reach<'_>,
        now: SimTime,
        (client, measured): (Option<ClientId>, bool),
    ) -> bool {
        let outcome = self.coordinate(op, coordinator, reach, now);
        let mut calls = QuorumCalls::default();
        let (read, write) = (op == DatabaseOp::Read, op == DatabaseOp::Write);
        calls.reads = u64::from(read);
        calls.writes = u64::from(write);
        match outcome {
            Outcome::Served { behind } => calls.stale_reads = u64::from(behind > 0),
            Outcome::Sloppy { behind } => {
                calls.stale_reads = u64::from(behind > 0);
                calls.sloppy_reads = u64::from(read);
                calls.sloppy_writes = u64::from(write);
            }
            Outcome::Failed => {
                calls.failed_reads = u64::from(read);
                calls.failed_writes = u64::from(write);
            }
        }
        calls.read_repairs = self.repaired;
        if measured {
            add(&mut self.counts, &calls);
            self.coordinated[coordinator as usize] += 1;
        }
        if let Some(c) = client {
            add(&mut self.per_client[c.0 as usize], &calls);
        }
        outcome != Outcome::Failed
    }

    /// The call itself: picks its key and response order, then reads or writes.
    fn coordinate(
        &mut self,
        op: DatabaseOp,
        coordinator: u32,
        reach: Reach<'_>,
        now: SimTime,
    ) -> Outcome {
        self.deliver(now);
        self.repaired = 0;
        let key = self.keys.below(u64::from(self.config.keys)) as u32;
        self.response_order(coordinator);
        if op == DatabaseOp::Write {
            // One delay per replica whatever it reaches, so no outcome moves later draws.
            self.delays.clear();
            for _ in 0..self.config.replicas {
                let delay = self.config.replication_delay.sample(&mut self.delay);
                self.delays.push(delay);
            }
        }
        self.reachable.clear();
        for &r in &self.order_scratch {
            if r == coordinator || reach(coordinator, r) {
                self.reachable.push(r);
            }
        }
        let quorum = match op {
            DatabaseOp::Read => self.config.read_quorum,
            DatabaseOp::Write => self.config.write_quorum,
        } as usize;
        let sloppy = self.reachable.len() < quorum;
        if sloppy && self.config.on_no_quorum == NoQuorum::Fail {
            self.note(u64::MAX);
            return Outcome::Failed;
        }
        let answering = if sloppy { self.reachable.len() } else { quorum };
        let behind = match op {
            DatabaseOp::Write => {
                self.write(key, answering, now);
                0
            }
            DatabaseOp::Read => self.read(key, answering),
        };
        self.note(
            u64::from(coordinator) << 48
                | u64::from(sloppy) << 47
                | u64::from(key) << 16
                | behind.min(0xffff),
        );
        if sloppy {
            Outcome::Sloppy { behind }
        } else {
            Outcome::Served { behind }
        }
    }

    /// The coordinator first, then the others in a fresh random order (Fisher–Yates, one
    /// draw per place, Lemire's multiply without rejection: a bias below n / 2^64).
    fn response_order(&mut self, coordinator: u32) {
        self.order_scratch.clear();
        self.order_scratch.push(coordinator);
        self.order_scratch
            .extend((0..self.config.replicas).filter(|&r| r != coordinator));
        let n = self.order_scratch.len();
        for i in 1..n.saturating_sub(1) {
            let span = (n - i) as u128;
            let j = i + ((u128::from(self.order.next_u64()) * span) >> 64) as usize;
            self.order_scratch.swap(i, j);
        }
    }

    /// Acknowledges the key's next version: the first `answering` reachable replicas have
    /// it now, the other reachable ones after their delay.
    fn write(&mut self, key: u32, answering: usize, now: SimTime) {
        let version = self.acked[key as usize] + 1;
        self.acked[key as usize] = version;
        for (place, &r) in self.reachable.iter().enumerate() {
            if place < answering {
                let v = self.slot(r, key);
                self.versions[v] = self.versions[v].max(version);
            } else {
                self.pushed += 1;
                self.pending.push(Reverse(Delivery {
                    at: now.add(self.delays[r as usize]),
                    seq: self.pushed,
                    replica: r,
                    key,
                    version,
                }));
            }
        }
    }

    /// The newest version among the first `answering` reachable replicas, as versions behind
    /// the newest acknowledged; then read repair, if on.
    fn read(&mut self, key: u32, answering: usize) -> u64 {
        let newest_of = |quorum: &Quorum, replicas: &[u32]| {
            replicas
                .iter()
                .map(|&r| quorum.versions[quorum.slot(r, key)])
                .max()
                .expect("a read reaches at least its coordinator")
        };
        let seen = newest_of(self, &self.reachable[..answering]);
        let acked = self.acked[key as usize];
        assert!(seen <= acked, "no replica holds an unacknowledged version");
        if self.config.read_repair {
            let newest = newest_of(self, &self.reachable);
            for place in 0..self.reachable.len() {
                let v = self.slot(self.reachable[place], key);
                if self.versions[v] < newest {
                    self.versions[v] = newest;
                    self.repaired += 1;
                }
            }
        }
        acked - seen
    }

    /// Every pair of replicas that reach each other, in index order, exchanges every key's
    /// newest version.
    fn anti_entropy(&mut self, reach: Reach<'_>, now: SimTime) {
        let (n, keys) = (self.config.replicas, self.config.keys as usize);
        let mut repairs = 0u64;
        for a in 0..n {
            for b in a + 1..n {
                if !reach(a, b) {
                    continue;
                }
                let (ia, ib) = (a as usize * keys, b as usize * keys);
                for k in 0..keys {
                    let (va, vb) = (self.versions[ia + k], self.versions[ib + k]);
                    if va != vb {
                        let newest = va.max(vb);
                        self.versions[ia + k] = newest;
                        self.versions[ib + k] = newest;
                        repairs += 1;
                    }
                }
            }
        }
        if now >= self.warmup_end && now < self.measured_end {
            self.anti_entropy_repairs += repairs;
        }
        self.note(repairs);
    }

    /// Applies every delivery due by `now`, in time order (ties in push order). Each pass
    /// removes one delivery, so the loop is bounded by the deliveries in flight.
    fn deliver(&mut self, now: SimTime) {
        while let Some(Reverse(next)) = self.pending.peek().copied() {
            if next.at > now {
                break;
            }
            self.pending.pop();
            let v = self.slot(next.replica, next.key);
            self.versions[v] = self.versions[v].max(next.version);
        }
    }

    /// Where replica `replica`'s version of `key` is kept.
    fn slot(&self, replica: u32, key: u32) -> usize {
        replica as usize * self.config.keys as usize + key as usize
    }

    /// Notes one outcome for the trace hash: a call's coordinator, key and versions behind
    /// (or `u64::MAX` if it failed), a round's repairs.
    fn note(&mut self, code: u64) {
        self.outcomes.push(code);
    }

    /// Hands the outcomes noted outside its own events (calls served) to `fold`.
    pub(crate) fn flush(&mut self, mut fold: impl FnMut(u64)) {
        for code in self.outcomes.drain(..) {
            fold(code);
        }
    }

    /// What each client's requests met here, by client index.
    pub(crate) fn per_client(&self) -> &[QuorumCalls] {
        &self.per_client
    }

    /// What the run measured.
    pub(crate) fn result(&mut self, end: SimTime) -> QuorumResult {
        self.deliver(end);
        QuorumResult {
            name: self.config.name.clone(),
            replicas: self.config.replicas,
            read_quorum: self.config.read_quorum,
            write_quorum: self.config.write_quorum,
            read_repair: self.config.read_repair,
            on_no_quorum: self.config.on_no_quorum,
            calls: self.counts,
            anti_entropy_repairs: self.anti_entropy_repairs,
            coordinated: self.coordinated.clone(),
        }
    }
}

/// Adds one call's counts to a running total.
fn add(total: &mut QuorumCalls, call: &QuorumCalls) {
    total.reads += call.reads;
    total.writes += call.writes;
    total.stale_reads += call.stale_reads;
    total.failed_reads += call.failed_reads;
    total.failed_writes += call.failed_writes;
    total.sloppy_reads += call.sloppy_reads;
    total.sloppy_writes += call.sloppy_writes;
    total.read_repairs += call.read_repairs;
}
