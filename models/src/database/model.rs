//! `Database`, the `sim_core::Model` of one leader–follower database: writes, reads, crashes,
//! partitions and failovers. The semantics it implements are stated in the parent module.
//!
//! Events are few on purpose: arrivals of writes and reads, the starts and ends of crashes and
//! partitions, and a failover's promotion. Log entries in flight live in each follower's
//! queue (`node`), and every handler first delivers the entries due by now, so the state it
//! reads is exact. Slowdowns and added latency need no event: they act on each shipment
//! while they are active.

use std::cmp::Reverse;

use sim_core::{
    Context, CountSeries, Histogram, Model, QuantileSeries, SimDuration, SimTime, Stream, TraceCode,
};

use super::node::Node;
use super::{DatabaseCalls, DatabaseResult, DatabaseSeries};
use crate::component::PartHappening;
use crate::component::{Scope, Timer};
use crate::config::{
    Arrival, ClientId, DatabaseConfig, DatabaseFaultKind, DatabaseOp, Promotion, ReadFrom,
    Replication,
};

/// The database's closed set of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A write arrives at the leader.
    Write,
    /// A read arrives.
    Read,
    /// Crash fault `fault` starts or ends.
    Crash {
        /// Index in `DatabaseConfig::faults`.
        fault: u32,
        /// Start (true) or end.
        start: bool,
    },
    /// Partition fault `fault` starts or ends.
    Partition {
        /// Index in `DatabaseConfig::faults`.
        fault: u32,
        /// Start (true) or end.
        start: bool,
    },
    /// A failover is due: promote a live node.
    Promote,
}

impl Event {
    /// The event as a trace shows it.
    pub(crate) fn happening(&self) -> PartHappening {
        match *self {
            Event::Write => PartHappening::DbWrite,
            Event::Read => PartHappening::DbRead,
            Event::Crash { fault, start } => PartHappening::DbCrash { fault, start },
            Event::Partition { fault, start } => PartHappening::DbPartition { fault, start },
            Event::Promote => PartHappening::DbPromote,
        }
    }
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        let fault = |kind: u64, fault: u32, start: bool| {
            kind | u64::from(start) << 4 | u64::from(fault) << 8
        };
        match *self {
            Event::Write => 1,
            Event::Read => 2,
            Event::Crash { fault: f, start } => fault(3, f, start),
            Event::Partition { fault: f, start } => fault(4, f, start),
            Event::Promote => 5,
        }
    }
}

/// One database: its nodes, the current history's log, and what it measured.
pub(crate) struct Database {
    config: DatabaseConfig,
    warmup_end: SimTime,
    /// The end of the run: its own writes and reads arrive up to it.
    arrivals_end: SimTime,
    nodes: Vec<Node>,
    /// The current leader; `None` between a leader's crash and the end of the failover.
    leader: Option<u32>,
    /// The node that led before the current leaderless gap.
    previous_leader: Option<u32>,
    /// The current history: entry `i` has LSN `i + 1`.
    log: Vec<Entry>,
    /// The highest LSN acknowledged to a client (under semi-sync: that some follower has).
    acked: u64,
    /// The highest LSN whose client has its answer (acknowledged, or failed in a crash).
    settled: u64,
    /// The pending failover's promotion event.
    promotion: Option<Timer>,
    /// A failover came due with no live node: the first node to restart is promoted.
    awaiting_candidate: bool,
    /// When the current leaderless gap began.
    leaderless_since: Option<SimTime>,
    writes: Option<Arrivals>,
    reads: Option<Arrivals>,
    route: Stream,
    /// Routes the reads of services' calls (`route_call`), apart from its own reads' routes.
    call_route: Stream,
    /// What each client's requests met here through services' calls, by client index.
    per_client: Vec<DatabaseCalls>,
    lag: Stream,
    catchup: Stream,
    counts: Counts,
    reads_per_node: Vec<u64>,
    versions_behind: Histogram,
    staleness: Histogram,
    write_latency: Histogram,
    unavailable: SimDuration,
    history: History,
    /// Scratch space for the nodes that may serve one read.
    candidates: Vec<u32>,
    /// The outcomes of the event being handled, for the trace hash (see `note`).
    outcomes: Vec<u64>,
}

/// One committed write in the current history.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// When the leader committed it.
    commit: SimTime,
    /// When it was acknowledged (`SimTime::MAX`: not yet).
    ack: SimTime,
    /// Its client was told it succeeded (so discarding it loses an acknowledged write).
    acknowledged: bool,
    /// The client on whose measured request's behalf a call wrote it, if a call did.
    writer: Option<ClientId>,
    /// It counts: its own write after the warm-up, or a call's for a measured request.
    measured: bool,
}

/// Counters over what arrived after the warm-up.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    writes: u64,
    writes_acknowledged: u64,
    failed_writes: u64,
    writes_lost: u64,
    reads: u64,
    failed_reads: u64,
    stale_reads: u64,
    failovers: u64,
}

/// The per-second series, warm-up included.
struct History {
    writes: CountSeries,
    failed_writes: CountSeries,
    reads: CountSeries,
    stale_reads: CountSeries,
    staleness: QuantileSeries,
}

/// An open-loop arrival process on its own stream (as a client's, without load spikes).
struct Arrivals {
    arrival: Arrival,
    stream: Stream,
    /// The exact time of the latest constant-rate arrival, so that rounding never accumulates.
    constant_clock: f64,
}

impl Arrivals {
    fn next(&mut self, now: SimTime) -> SimTime {
        match self.arrival {
            Arrival::Poisson { rate_per_s } => {
                let gap = self.stream.exponential(1e9 / rate_per_s);
                now.add(SimDuration::from_nanos_f64(gap))
            }
            Arrival::Constant { rate_per_s } => {
                self.constant_clock += 1e9 / rate_per_s;
                SimTime::from_nanos(SimDuration::from_nanos_f64(self.constant_clock).as_nanos())
                    .max(now)
            }
        }
    }
}

/// The database alone on its own event loop (its unit tests).
impl Model for Database {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        self.on_event(event, ctx);
    }
}

impl Database {
    /// Its name in the scenario.
    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    /// Reacts to one of its events at `scope.now()`, then folds the outcomes it decided
    /// into the trace hash.
    pub(crate) fn on_event(&mut self, event: Event, scope: &mut impl Scope<Event>) {
        self.react(event, scope);
        for code in self.outcomes.drain(..) {
            scope.fold(code);
        }
    }

    fn react(&mut self, event: Event, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        self.deliver(now);
        match event {
            // Its own load stops with the run's (the world may drain past the end).
            Event::Write | Event::Read if now > self.arrivals_end => {}
            Event::Write => {
                let writes = self.writes.as_mut().expect("only its own load writes");
                ctx.schedule_at(writes.next(now), Event::Write);
                self.on_write(now, (None, now >= self.warmup_end));
            }
            Event::Read => {
                let reads = self.reads.as_mut().expect("only its own load reads");
                ctx.schedule_at(reads.next(now), Event::Read);
                self.on_read(now);
            }
            Event::Crash { fault, start } => self.on_crash(fault, start, now, ctx),
            Event::Partition { .. } => self.reconnect(now),
            Event::Promote => {
                self.promotion = None;
                assert!(
                    self.leader.is_none(),
                    "a promotion is cancelled when the old leader resumes"
                );
                self.promote(now);
                self.reconnect(now);
            }
        }
    }

    /// A database led by node 0, with every node empty and every follower connected.
    pub(crate) fn new(
        config: DatabaseConfig,
        seed: u64,
        (warmup_end, arrivals_end): (SimTime, SimTime),
        series_interval: SimDuration,
        clients: usize,
    ) -> Database {
        assert!(
            config.nodes >= 2,
            "validation requires at least one follower"
        );
        let stream = |what: &str| Stream::new(seed, &format!("database/{}/{what}", config.name));
        let arrivals = |arrival: Option<Arrival>, what: &str| {
            arrival.map(|arrival| Arrivals {
                arrival,
                stream: stream(what),
                constant_clock: 0.0,
            })
        };
        let mut database = Database {
            warmup_end,
            arrivals_end,
            nodes: vec![Node::default(); config.nodes as usize],
            leader: Some(0),
            previous_leader: None,
            log: Vec::new(),
            acked: 0,
            settled: 0,
            promotion: None,
            awaiting_candidate: false,
            leaderless_since: None,
            writes: arrivals(config.writes, "writes"),
            reads: arrivals(config.reads, "reads"),
            route: stream("route"),
            call_route: stream("call-route"),
            per_client: vec![DatabaseCalls::default(); clients],
            lag: stream("lag"),
            catchup: stream("catchup"),
            counts: Counts::default(),
            reads_per_node: vec![0; config.nodes as usize],
            versions_behind: Histogram::new(),
            staleness: Histogram::new(),
            write_latency: Histogram::new(),
            unavailable: SimDuration::ZERO,
            history: History {
                writes: CountSeries::new(series_interval),
                failed_writes: CountSeries::new(series_interval),
                reads: CountSeries::new(series_interval),
                stale_reads: CountSeries::new(series_interval),
                staleness: QuantileSeries::new(series_interval, &[0.99]),
            },
            candidates: Vec::with_capacity(config.nodes as usize),
            outcomes: Vec::new(),
            config,
        };
        database.reconnect(SimTime::ZERO);
        database
    }

    /// The events a run starts with: every crash and partition window, then the first write
    /// and read (one gap after time zero, drawn like every later one). Faults come first, so
    /// at equal times a fault acts before an arrival.
    pub(crate) fn initial_events(&mut self) -> Vec<(SimTime, Event)> {
        let mut events = Vec::new();
        for (index, fault) in self.config.faults.iter().enumerate() {
            let fault_index = u32::try_from(index).expect("a fault schedule fits in u32");
            let edge = |start| match fault.kind {
                DatabaseFaultKind::Crash { .. } => Some(Event::Crash {
                    fault: fault_index,
                    start,
                }),
                DatabaseFaultKind::Partition { .. } => Some(Event::Partition {
                    fault: fault_index,
                    start,
                }),
                DatabaseFaultKind::Slowdown { .. } | DatabaseFaultKind::Latency { .. } => None,
            };
            if let Some(start) = edge(true) {
                events.push((fault.start, start));
            }
            if let (Some(end), true) = (edge(false), fault.end < SimTime::MAX) {
                events.push((fault.end, end));
            }
        }
        if let Some(writes) = &mut self.writes {
            events.push((writes.next(SimTime::ZERO), Event::Write));
        }
        if let Some(reads) = &mut self.reads {
            events.push((reads.next(SimTime::ZERO), Event::Read));
        }
        events
    }

    /// Notes one outcome for the trace hash.
    ///
    /// The database's events (arrivals, fault edges, promotions) are the same whatever its
    /// replication mode, read routing or promotion rule, so their hash alone would call two
    /// different runs the same. Each write notes its LSN (or `u64::MAX` if it failed), each
    /// read its serving node << 32 | versions behind (or `u64::MAX` if it failed) and each
    /// promotion node << 32 | LSN kept; `handle` folds them in at the event's time.
    fn note(&mut self, code: u64) {
        self.outcomes.push(code);
    }

    /// What the run measured, after delivering what is due by `end`.
    pub(crate) fn finish(&mut self, end: SimTime) -> DatabaseResult {
        // Applying what is due by `end` changes nothing a later event would not see: the
        // world may run on past `end` (its drain), and the database with it.
        self.deliver(end);
        let unavailable = match self.leaderless_since {
            Some(since) => self
                .unavailable
                .saturating_add(self.measured_span(since, end)),
            None => self.unavailable,
        };
        let c = self.counts;
        let h = &self.history;
        DatabaseResult {
            name: self.config.name.clone(),
            nodes: self.config.nodes,
            replication: self.config.replication,
            read_from: self.config.read_from,
            leader: self.leader,
            writes: c.writes,
            writes_acknowledged: c.writes_acknowledged,
            failed_writes: c.failed_writes,
            writes_lost_in_failover: c.writes_lost,
            reads: c.reads,
            failed_reads: c.failed_reads,
            stale_reads: c.stale_reads,
            reads_per_node: self.reads_per_node.clone(),
            versions_behind: self.versions_behind.clone(),
            staleness: self.staleness.clone(),
            write_latency: self.write_latency.clone(),
            failovers: c.failovers,
            unavailable,
            series: DatabaseSeries {
                writes_per_s: h.writes.rates_per_s(end),
                failed_writes_per_s: h.failed_writes.rates_per_s(end),
                reads_per_s: h.reads.rates_per_s(end),
                stale_reads_per_s: h.stale_reads.rates_per_s(end),
                staleness_p99_ms: h
                    .staleness
                    .rows(end)
                    .iter()
                    .map(|r| r.as_ref().map(|r| r[0] / 1e6))
                    .collect(),
            },
        }
    }

    /// Applies every entry that has arrived by `now`, in arrival order across followers (ties
    /// to the lowest index), so that under semi-sync each entry is acknowledged when the
    /// first follower has it. Each pass applies one entry in flight, so the loop is bounded by
    /// the entries in flight.
    fn deliver(&mut self, now: SimTime) {
        while let Some((_, index)) = self
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.due(now).map(|at| (at, i)))
            .min()
        {
            let (lsn, at) = self.nodes[index].apply_next();
            while self.acked < lsn {
                self.acknowledge(self.acked + 1, at);
            }
        }
    }

    /// Acknowledges `lsn` (the next one) at `at`; counts it if its client was still waiting.
    fn acknowledge(&mut self, lsn: u64, at: SimTime) {
        assert_eq!(lsn, self.acked + 1, "writes are acknowledged in LSN order");
        self.acked = lsn;
        let entry = &mut self.log[(lsn - 1) as usize];
        assert!(
            at >= entry.commit,
            "a write is acknowledged after it commits"
        );
        entry.ack = at;
        if lsn > self.settled {
            self.settled = lsn;
            entry.acknowledged = true;
            if entry.measured {
                self.counts.writes_acknowledged += 1;
                self.write_latency.record(at.since(entry.commit));
            }
        }
    }

    /// A write reaches the leader (its own load, or a call on behalf of `writer`'s measured
    /// request); false if there is no leader to commit it.
    fn on_write(&mut self, now: SimTime, (writer, measured): (Option<ClientId>, bool)) -> bool {
        self.history.writes.add(now, 1);
        self.counts.writes += u64::from(measured);
        let Some(leader) = self.leader else {
            self.history.failed_writes.add(now, 1);
            self.counts.failed_writes += u64::from(measured);
            self.note(u64::MAX);
            return false;
        };
        let lsn = self.log.len() as u64 + 1;
        self.note(lsn);
        self.log.push(Entry {
            commit: now,
            ack: SimTime::MAX,
            acknowledged: false,
            writer,
            measured,
        });
        let own = &mut self.nodes[leader as usize];
        own.applied = lsn;
        own.applied_at = now;
        for index in 0..self.config.nodes {
            if index == leader {
                continue;
            }
            // Drawn for every follower, connected or not, so that one follower's outage
            // never shifts another's lags.
            let lag = self.config.replication_lag.sample(&mut self.lag);
            if self.nodes[index as usize].connected {
                let lag = self.adjusted(lag, leader, index, now);
                let node = &mut self.nodes[index as usize];
                let at = node.tail().max(now.add(lag));
                node.ship(lsn, at);
            }
        }
        if self.config.replication == Replication::Async {
            self.acknowledge(lsn, now);
        }
        true
    }

    fn on_read(&mut self, now: SimTime) {
        let draw = self.route.next_u64();
        let pick = self.pick_reader(draw);
        self.read(now, pick, now >= self.warmup_end);
    }

    /// A live node of the read set, chosen by `draw` (`None` if there is none).
    fn pick_reader(&mut self, draw: u64) -> Option<u32> {
        self.candidates.clear();
        for (index, node) in self.nodes.iter().enumerate() {
            let leads = self.leader == Some(index as u32);
            let serves = match self.config.read_from {
                ReadFrom::Followers => !leads,
                ReadFrom::Leader => leads,
                ReadFrom::Any => true,
            };
            if serves && node.up() {
                self.candidates.push(index as u32);
            }
        }
        if self.candidates.is_empty() {
            return None;
        }
        // Lemire's multiply without the rejection step: one draw per read whatever the number
        // of candidates, at a bias below n / 2^64.
        let slot = (u128::from(draw) * self.candidates.len() as u128) >> 64;
        Some(self.candidates[slot as usize])
    }

    /// A read served by `pick` at `now` (`None`: no node could serve it, so it fails); its
    /// versions behind (`None` if it failed).
    fn read(&mut self, now: SimTime, pick: Option<u32>, measured: bool) -> Option<u64> {
        self.history.reads.add(now, 1);
        self.counts.reads += u64::from(measured);
        let Some(pick) = pick else {
            self.counts.failed_reads += u64::from(measured);
            self.note(u64::MAX);
            return None;
        };
        let applied = self.nodes[pick as usize].applied;
        let behind = if self.leader == Some(pick) {
            0
        } else {
            self.acked.saturating_sub(applied)
        };
        let staleness = if behind == 0 {
            SimDuration::ZERO
        } else {
            // The first write it misses has LSN applied + 1, at index `applied`.
            let missed = self.log[applied as usize].ack;
            assert!(missed <= now, "a stale read misses an acknowledged write");
            now.since(missed)
        };
        self.note(u64::from(pick) << 32 | behind.min(u64::from(u32::MAX)));
        self.history.staleness.record(now, staleness);
        if behind > 0 {
            self.history.stale_reads.add(now, 1);
        }
        if !measured {
            return Some(behind);
        }
        self.reads_per_node[pick as usize] += 1;
        if behind > 0 {
            self.counts.stale_reads += 1;
            self.versions_behind.record(SimDuration::from_nanos(behind));
            self.staleness.record(staleness);
        }
        Some(behind)
    }

    /// The node a service's call goes to at `now`: a write to the leader, a read to a live
    /// node of the read set (its own draw from `call-route`). Without a leader a write goes
    /// to the first live node, which fails it (no node accepts writes); without a live node
    /// to read from, a read goes to node 0. A node that is down refuses what reaches it.
    pub(crate) fn route_call(&mut self, op: DatabaseOp, now: SimTime) -> u32 {
        self.deliver(now);
        match op {
            DatabaseOp::Write => self.leader.unwrap_or_else(|| {
                let live = (0..self.config.nodes).find(|&n| self.nodes[n as usize].up());
                live.unwrap_or(0)
            }),
            DatabaseOp::Read => {
                let draw = self.call_route.next_u64();
                self.pick_reader(draw).unwrap_or(0)
            }
        }
    }

    /// Node `node` serves a call's `op` at `now`, on behalf of `client`'s request (`None`
    /// when its caller chain has given up, or the request is not measured); whether it
    /// succeeded. It counts in the database's figures iff `measured` (the client's request
    /// is measured, or, with no request left to ask, it comes after the warm-up). A write succeeds iff `node` leads (it commits and, under async
    /// replication, is acknowledged at once); a read iff `node` is live and still in the read
    /// set, and a stale read still succeeds (the caller cannot tell): it is counted at the
    /// client.
    pub(crate) fn serve_call(
        &mut self,
        op: DatabaseOp,
        node: u32,
        now: SimTime,
        (client, measured): (Option<ClientId>, bool),
    ) -> bool {
        self.deliver(now);
        let calls = client.map(|c| c.0 as usize);
        match op {
            DatabaseOp::Write => {
                let ok = match self.leader {
                    // A write to a node that no longer leads (a failover since it was routed).
                    Some(leader) if leader != node => {
                        self.history.writes.add(now, 1);
                        self.history.failed_writes.add(now, 1);
                        self.counts.writes += u64::from(measured);
                        self.counts.failed_writes += u64::from(measured);
                        self.note(u64::MAX);
                        false
                    }
                    // Committed by the leader, or failed for want of one.
                    _ => self.on_write(now, (client, measured)),
                };
                if let Some(c) = calls {
                    let counts = &mut self.per_client[c];
                    counts.writes += 1;
                    counts.writes_acknowledged += u64::from(ok);
                    counts.failed_writes += u64::from(!ok);
                }
                ok
            }
            DatabaseOp::Read => {
                let serves = self.node_up(node)
                    && match self.config.read_from {
                        ReadFrom::Followers => self.leader != Some(node),
                        ReadFrom::Leader => self.leader == Some(node),
                        ReadFrom::Any => true,
                    };
                let behind = self.read(now, serves.then_some(node), measured);
                if let Some(c) = calls {
                    let counts = &mut self.per_client[c];
                    counts.reads += 1;
                    counts.failed_reads += u64::from(behind.is_none());
                    counts.stale_reads += u64::from(behind.is_some_and(|b| b > 0));
                }
                behind.is_some()
            }
        }
    }

    /// Whether some node leads now (none between a leader's crash and its failover).
    pub(crate) fn has_leader(&self) -> bool {
        self.leader.is_some()
    }

    /// Whether node `node` is up.
    pub(crate) fn node_up(&self, node: u32) -> bool {
        self.nodes[node as usize].up()
    }

    /// The nodes a crash event takes down (`true`) or brings back, for the world to crash
    /// or restart the replicas that stand for them; `None` for any other event.
    pub(crate) fn crash_edge(&self, event: &Event) -> Option<(std::ops::Range<u32>, bool)> {
        let Event::Crash { fault, start } = *event else {
            return None;
        };
        let DatabaseFaultKind::Crash { node } = self.config.faults[fault as usize].kind else {
            return None;
        };
        Some((node.map_or(0..self.config.nodes, |n| n..n + 1), start))
    }

    /// Hands the outcomes noted outside its own events (calls served) to `fold`.
    pub(crate) fn flush(&mut self, mut fold: impl FnMut(u64)) {
        for code in self.outcomes.drain(..) {
            fold(code);
        }
    }

    /// What each client's requests met here through calls, by client index.
    pub(crate) fn per_client(&self) -> &[DatabaseCalls] {
        &self.per_client
    }

    fn on_crash(&mut self, fault: u32, start: bool, now: SimTime, ctx: &mut impl Scope<Event>) {
        let DatabaseFaultKind::Crash { node } = self.config.faults[fault as usize].kind else {
            panic!("crash events come from crash faults");
        };
        let hit = match node {
            Some(index) => index..index + 1,
            None => 0..self.config.nodes,
        };
        for index in hit {
            let n = &mut self.nodes[index as usize];
            if start {
                n.crashes += 1;
                if n.crashes == 1 && self.leader == Some(index) {
                    self.leader_crashed(index, now, ctx);
                }
            } else {
                assert!(n.crashes > 0, "a crash ends after it starts");
                n.crashes -= 1;
            }
        }
        if !start {
            self.restarted(now, ctx);
        }
        self.reconnect(now);
    }

    /// The leader went down: writes waiting for a follower fail, and a failover is scheduled.
    fn leader_crashed(&mut self, index: u32, now: SimTime, ctx: &mut impl Scope<Event>) {
        // Under semi-sync, writes no follower has yet fail: their clients lose the connection.
        let committed = self.log.len() as u64;
        let waiting = &self.log[self.settled as usize..];
        let measured = waiting.iter().filter(|e| e.measured).count();
        self.history.failed_writes.add(now, waiting.len() as u64);
        self.counts.failed_writes += measured as u64;
        self.settled = committed;
        self.leader = None;
        self.previous_leader = Some(index);
        self.leaderless_since = Some(now);
        self.promotion = Some(ctx.schedule_in(self.config.failover_after, Event::Promote));
    }

    /// Nodes came back: the old leader resumes if the failover is not due yet, and a failover
    /// that found no live node promotes one now.
    fn restarted(&mut self, now: SimTime, ctx: &mut impl Scope<Event>) {
        if self.leader.is_some() {
            return;
        }
        let previous = self
            .previous_leader
            .filter(|&p| self.nodes[p as usize].up());
        if let (Some(previous), Some(timer)) = (previous, self.promotion) {
            ctx.cancel(timer);
            self.promotion = None;
            self.lead(previous, now);
        } else if self.awaiting_candidate {
            self.promote(now);
        }
    }

    /// Promotes the live node `promote` chooses, discarding the entries it lacks; with no live
    /// node, waits for the first to restart.
    fn promote(&mut self, now: SimTime) {
        let live = (0..self.config.nodes).filter(|&i| self.nodes[i as usize].up());
        let chosen = match self.config.promote {
            Promotion::MostCaughtUp => {
                live.min_by_key(|&i| (Reverse(self.nodes[i as usize].applied), i))
            }
            Promotion::First => live.min(),
        };
        let Some(chosen) = chosen else {
            self.awaiting_candidate = true;
            return;
        };
        self.awaiting_candidate = false;
        let keep = self.nodes[chosen as usize].applied;
        assert!(
            keep <= self.log.len() as u64,
            "no node is ahead of the history"
        );
        for entry in &self.log[keep as usize..] {
            if entry.acknowledged && entry.measured {
                self.counts.writes_lost += 1;
            }
            if let (true, Some(writer)) = (entry.acknowledged, entry.writer) {
                self.per_client[writer.0 as usize].writes_lost += 1;
            }
        }
        self.log.truncate(keep as usize);
        self.acked = self.acked.min(keep);
        self.settled = self.settled.min(keep);
        for node in &mut self.nodes {
            node.truncate(keep);
        }
        self.counts.failovers += u64::from(now >= self.warmup_end);
        self.note(u64::from(chosen) << 32 | keep.min(u64::from(u32::MAX)));
        self.lead(chosen, now);
    }

    /// Makes `index` the leader, ending the leaderless gap.
    fn lead(&mut self, index: u32, now: SimTime) {
        let since = self
            .leaderless_since
            .take()
            .expect("a new leader ends a leaderless gap");
        self.unavailable = self
            .unavailable
            .saturating_add(self.measured_span(since, now));
        self.leader = Some(index);
        self.previous_leader = None;
        let own = &mut self.nodes[index as usize];
        own.disconnect();
        assert_eq!(
            own.applied,
            self.log.len() as u64,
            "a leader has the whole history"
        );
    }

    /// Opens and closes replication connections to match who leads, who is up and which
    /// partitions are active at `now`.
    fn reconnect(&mut self, now: SimTime) {
        for index in 0..self.config.nodes {
            let open = self.leader.is_some_and(|leader| {
                leader != index
                    && self.nodes[index as usize].up()
                    && !self.partitioned(leader, index, now)
            });
            match (self.nodes[index as usize].connected, open) {
                (true, false) => self.nodes[index as usize].disconnect(),
                (false, true) => self.catch_up(index, now),
                _ => {}
            }
        }
    }

    /// Opens the connection to `index` and ships it every entry it lacks, from now.
    fn catch_up(&mut self, index: u32, now: SimTime) {
        let leader = self.leader.expect("a connection comes from a leader");
        let node = &mut self.nodes[index as usize];
        node.connected = true;
        let from = node.next_lsn();
        assert!(
            from <= self.log.len() as u64 + 1,
            "no follower is ahead of its leader"
        );
        for lsn in from..=self.log.len() as u64 {
            let lag = self.config.replication_lag.sample(&mut self.catchup);
            let lag = self.adjusted(lag, leader, index, now);
            let node = &mut self.nodes[index as usize];
            let at = node.tail().max(now.add(lag));
            node.ship(lsn, at);
        }
    }

    /// Whether an active partition separates nodes `a` and `b` (either way).
    fn partitioned(&self, a: u32, b: u32, now: SimTime) -> bool {
        self.config.faults.iter().any(|f| {
            f.active(now)
                && matches!(&f.kind, DatabaseFaultKind::Partition { from, to, .. }
                    if (from.contains(&a) && to.contains(&b)) || (from.contains(&b) && to.contains(&a)))
        })
    }

    /// `lag` for an entry shipped from `from` to `to` at `now`, after active slowdowns
    /// (factors multiply) and added latency (adds sum) on either end.
    fn adjusted(&self, lag: SimDuration, from: u32, to: u32, now: SimTime) -> SimDuration {
        let covers = |node: Option<u32>| node.is_none_or(|n| n == from || n == to);
        let mut factor = 1.0;
        let mut add = SimDuration::ZERO;
        for fault in self.config.faults.iter().filter(|f| f.active(now)) {
            match fault.kind {
                DatabaseFaultKind::Slowdown { node, factor: f } if covers(node) => factor *= f,
                DatabaseFaultKind::Latency { node, add: a } if covers(node) => {
                    add = add.saturating_add(a);
                }
                _ => {}
            }
        }
        let scaled = if factor == 1.0 {
            lag
        } else {
            SimDuration::from_nanos_f64(lag.as_nanos() as f64 * factor)
        };
        scaled.saturating_add(add)
    }

    /// The part of `[since, until)` after the warm-up.
    fn measured_span(&self, since: SimTime, until: SimTime) -> SimDuration {
        until.since(since.max(self.warmup_end))
    }
}
