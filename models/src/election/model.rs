//! The election as a `sim_core::Model`: nodes with clocks and timers, the store, the messages
//! between them, and the faults that crash, pause or cut off nodes (see `election` for the
//! semantics this implements).

use sim_core::{Clock, Context, Drift, LocalTime, Model, SimDuration, SimTime, Stream, TraceCode};

use super::level::Level;
use super::store::Store;
use super::{ElectionResult, LeaderWrites};
use crate::component::PartHappening;
use crate::component::Scope;
use crate::config::{Arrival, ClientId, Direction, ElectionConfig, ElectionFaultKind, Member};

/// The election's events; node events wait while their node is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A node's timer: send a request (acquire or renew). Stale if `epoch` moved on.
    Tick { node: u32, epoch: u32 },
    /// A node's request reaches the store; `sent` is the node's reading when it left.
    Request {
        node: u32,
        seq: u64,
        sent: LocalTime,
    },
    /// The store's answer reaches the node: a token if granted.
    Reply {
        node: u32,
        seq: u64,
        sent: LocalTime,
        grant: Option<u64>,
    },
    /// The acting leader's next write is due. Stale if `epoch` moved on.
    Write { node: u32, epoch: u32 },
    /// A write carrying `token` reaches the store, which fences it if `fenced` (part of the
    /// event so that a fenced run hashes differently from an unfenced one).
    Stored { node: u32, token: u64, fenced: bool },
    /// The node's clock reaches the end of its lease (not delayed by pauses: the clock runs).
    BeliefEnd { node: u32, generation: u32 },
    /// The node crashes.
    CrashStart { node: u32 },
    /// The node restarts.
    CrashEnd { node: u32 },
    /// The node freezes until `until`.
    PauseStart { node: u32, until: SimTime },
    /// The node resumes.
    PauseEnd { node: u32 },
}

impl Event {
    /// The event as a trace shows it.
    pub(crate) fn happening(&self) -> PartHappening {
        use PartHappening as H;
        match *self {
            Event::Tick { node, .. } => H::LeaseTick { node },
            Event::Request { node, seq, .. } => H::LeaseRequest { node, seq },
            Event::Reply {
                node, seq, grant, ..
            } => H::LeaseReply {
                node,
                seq,
                granted: grant,
            },
            Event::Write { node, .. } => H::LeaderWrite { node },
            Event::Stored {
                node,
                token,
                fenced,
            } => H::WriteStored {
                node,
                token,
                fenced,
            },
            Event::BeliefEnd { node, .. } => H::LeaseDeadline { node },
            Event::CrashStart { node } => H::NodeCrash { node },
            Event::CrashEnd { node } => H::NodeRestart { node },
            Event::PauseStart { node, until } => H::NodePause { node, until },
            Event::PauseEnd { node } => H::NodeResume { node },
        }
    }
}

impl TraceCode for Event {
    fn trace_code(&self) -> u64 {
        let (kind, node, word): (u64, u32, u64) = match *self {
            Event::Tick { node, epoch } => (1, node, u64::from(epoch)),
            Event::Request { node, seq, .. } => (2, node, seq),
            Event::Reply {
                node, seq, grant, ..
            } => (3, node, seq ^ grant.map_or(0, |token| token << 24)),
            Event::Write { node, epoch } => (4, node, u64::from(epoch)),
            Event::Stored {
                node,
                token,
                fenced,
            } => (5, node, (token << 1) | u64::from(fenced)),
            Event::BeliefEnd { node, generation } => (6, node, u64::from(generation)),
            Event::CrashStart { node } => (7, node, 0),
            Event::CrashEnd { node } => (8, node, 0),
            Event::PauseStart { node, .. } => (9, node, 0),
            Event::PauseEnd { node } => (10, node, 0),
        };
        (kind << 56) | ((u64::from(node) & 0xFF_FFFF) << 32) | (word & 0xFFFF_FFFF)
    }
}

/// How the store took a leader-only service's write (`Election::serve_write`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LeaderWrite {
    /// It carried the current lease's token: applied.
    Current,
    /// It carried a stale token and the store does not fence: applied, conflicting with
    /// the current leader's writes.
    Conflicting,
    /// It carried a stale token and the store fences: refused.
    Fenced,
    /// Its node is cut off from the store: it never arrived.
    Unreachable,
}

/// What an election event does to the replica that stands for its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeEdge {
    /// The node crashes.
    Crash,
    /// It restarts.
    Restart,
    /// It freezes.
    Pause,
    /// It resumes.
    Resume,
}

/// The whole election: nodes, store, message fates and measurements.
pub(crate) struct Election {
    config: ElectionConfig,
    nodes: Vec<Node>,
    store: Store,
    /// One draw per message sent, whatever its fate.
    latency: Stream,
    /// Message-loss windows (cuts between nodes and the store).
    cuts: Vec<Window>,
    /// Added-latency windows.
    delays: Vec<(Window, SimDuration)>,
    warmup_end: SimTime,
    level: Level,
    counts: Counts,
    /// The node that most recently began acting as leader.
    last_leader: Option<u32>,
    /// Routes the calls of a leader-only service (`route_call`).
    call_route: Stream,
    /// What each client's requests met at a leader-only service, by client index.
    per_client: Vec<LeaderWrites>,
    /// Scratch space for the nodes acting now.
    acting_now: Vec<u32>,
}

/// One node's state.
pub(super) struct Node {
    pub(super) clock: Clock,
    down: bool,
    paused_until: Option<SimTime>,
    /// Timers (ticks, writes) from an older epoch are stale.
    epoch: u32,
    /// Belief-end events from an older generation are stale.
    generation: u32,
    /// Requests sent so far (the next request's number).
    seq: u64,
    pub(super) belief: Option<Belief>,
    /// The token of a write frozen by a pause between its lease check and its send.
    in_hand: Option<u64>,
    writes: Stream,
    /// When the node last began acting.
    acting_since: SimTime,
    /// Time acting after the warm-up, up to `acting_since` if acting now.
    acting: SimDuration,
}

/// What a node believes about its lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Belief {
    /// The newest token granted to it.
    pub(super) token: u64,
    /// It acts until its clock reads this.
    pub(super) deadline: LocalTime,
    /// The true instant its clock first reads `deadline`.
    pub(super) ends: SimTime,
    /// The request number of the newest grant.
    basis: u64,
}

/// A window in which messages of some nodes in some direction are affected.
#[derive(Clone, Debug)]
struct Window {
    nodes: Vec<u32>,
    direction: Direction,
    start: SimTime,
    end: SimTime,
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    leader_changes: u64,
    acquisitions: u64,
    writes: u64,
    stale_writes: u64,
    stale_writes_accepted: u64,
    writes_rejected: u64,
}

impl Election {
    /// Its name in the scenario.
    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    /// The election at time zero, its streams derived from `seed`.
    pub(crate) fn new(
        config: ElectionConfig,
        seed: u64,
        warmup_end: SimTime,
        clients: usize,
    ) -> Election {
        let mut clocks = vec![Clock::perfect(); config.nodes as usize + 1];
        let store_index = config.nodes as usize;
        let index = |member: Member| match member {
            Member::Node(i) => i as usize,
            Member::Store => store_index,
        };
        for setting in &config.clocks {
            let drift = Drift::from_ppb(setting.drift_ppb).expect("validated drift");
            clocks[index(setting.member)] = Clock::new(setting.offset_ns, drift);
        }
        let mut cuts = Vec::new();
        let mut delays = Vec::new();
        for fault in &config.faults {
            let window = |nodes: &[u32], direction| Window {
                nodes: nodes.to_vec(),
                direction,
                start: fault.start,
                end: fault.end,
            };
            match &fault.kind {
                ElectionFaultKind::ClockJump { members, by } => {
                    for &member in members {
                        clocks[index(member)].jump(fault.start, *by);
                    }
                }
                ElectionFaultKind::DriftChange { members, drift_ppb } => {
                    let drift = Drift::from_ppb(*drift_ppb).expect("validated drift");
                    for &member in members {
                        clocks[index(member)].set_drift(fault.start, drift);
                    }
                }
                ElectionFaultKind::Cut {
                    nodes, direction, ..
                } => cuts.push(window(nodes, *direction)),
                ElectionFaultKind::Latency { nodes, add } => {
                    delays.push((window(nodes, Direction::Both), *add));
                }
                ElectionFaultKind::Crash { .. } | ElectionFaultKind::Pause { .. } => {}
            }
        }
        let store = Store::new(
            clocks.pop().expect("the store's clock is last"),
            config.lease,
        );
        let nodes = clocks
            .into_iter()
            .enumerate()
            .map(|(i, clock)| Node {
                clock,
                down: false,
                paused_until: None,
                epoch: 0,
                generation: 0,
                seq: 0,
                belief: None,
                in_hand: None,
                writes: Stream::new(seed, &format!("election/writes/{i}")),
                acting_since: SimTime::ZERO,
                acting: SimDuration::ZERO,
            })
            .collect();
        Election {
            nodes,
            store,
            latency: Stream::new(seed, "election/store-latency"),
            cuts,
            delays,
            warmup_end,
            level: Level::new(warmup_end),
            counts: Counts::default(),
            last_leader: None,
            call_route: Stream::new(seed, "election/call-route"),
            per_client: vec![LeaderWrites::default(); clients],
            acting_now: Vec::with_capacity(config.nodes as usize),
            config,
        }
    }

    /// Each node's first request, and every crash and pause boundary (merged per node).
    pub(crate) fn initial_events(&self) -> Vec<(SimTime, Event)> {
        let mut events = Vec::new();
        let count = u64::from(self.config.nodes);
        for node in 0..self.config.nodes {
            // Nodes start in order, spread over one retry period, so start-up is no tie.
            let offset = self.config.retry_every.as_nanos() / count * u64::from(node);
            events.push((SimTime::from_nanos(offset), Event::Tick { node, epoch: 0 }));
        }
        for node in 0..self.config.nodes {
            for (start, end) in self.windows(node, true) {
                events.push((start, Event::CrashStart { node }));
                if end < SimTime::MAX {
                    events.push((end, Event::CrashEnd { node }));
                }
            }
            for (start, end) in self.windows(node, false) {
                events.push((start, Event::PauseStart { node, until: end }));
                if end < SimTime::MAX {
                    events.push((end, Event::PauseEnd { node }));
                }
            }
        }
        // Stable sort: equal instants keep node order, then the order above.
        events.sort_by_key(|(at, _)| *at);
        events
    }

    /// The merged crash (`crash`) or pause windows of `node`, in time order.
    fn windows(&self, node: u32, crash: bool) -> Vec<(SimTime, SimTime)> {
        let mut spans: Vec<(SimTime, SimTime)> = self
            .config
            .faults
            .iter()
            .filter(|f| match &f.kind {
                ElectionFaultKind::Crash { nodes } => crash && nodes.contains(&node),
                ElectionFaultKind::Pause { nodes } => !crash && nodes.contains(&node),
                _ => false,
            })
            .map(|f| (f.start, f.end))
            .collect();
        spans.sort();
        let mut merged: Vec<(SimTime, SimTime)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
    }

    /// What the election measured up to `end`.
    pub(crate) fn result(&self, end: SimTime) -> ElectionResult {
        let (leaderless, split_brain) = self.level.totals(end);
        let c = self.counts;
        ElectionResult {
            name: self.config.name.clone(),
            fencing: self.config.fencing,
            split_brain,
            leaderless,
            leader_changes: c.leader_changes,
            acquisitions: c.acquisitions,
            writes: c.writes,
            stale_writes: c.stale_writes,
            stale_writes_accepted: c.stale_writes_accepted,
            writes_rejected: c.writes_rejected,
            acting: self
                .nodes
                .iter()
                .map(|n| match n.belief {
                    Some(_) => n.acting.saturating_add(self.span(n.acting_since, end)),
                    None => n.acting,
                })
                .collect(),
        }
    }

    /// The node a call to the leader-only service goes to at `now`: one of the nodes that
    /// act as leader, chosen at random (callers ask the nodes who leads, and during a split
    /// brain two answer); node 0 when none acts (it refuses).
    pub(crate) fn route_call(&mut self, now: SimTime) -> u32 {
        self.acting_now.clear();
        for node in 0..self.config.nodes {
            if self.acting_token(node, now).is_some() {
                self.acting_now.push(node);
            }
        }
        let draw = self.call_route.next_u64();
        // Lemire's multiply without the rejection step, as the database's routes.
        let slot = (u128::from(draw) * self.acting_now.len() as u128) >> 64;
        self.acting_now.get(slot as usize).copied().unwrap_or(0)
    }

    /// The token `node` acts with at `now`: it is up, not frozen, and its clock has not yet
    /// reached the end of a lease it was granted; `None` if it does not act as leader.
    pub(crate) fn acting_token(&self, node: u32, now: SimTime) -> Option<u64> {
        let n = &self.nodes[node as usize];
        let frozen = n.paused_until.is_some_and(|until| now < until);
        match n.belief {
            Some(belief) if !n.down && !frozen && now < belief.ends => Some(belief.token),
            _ => None,
        }
    }

    /// A leader-only service's write by `node` carrying `token` (taken when the node accepted
    /// the request) reaches the store at `now`, on behalf of `client`'s measured request
    /// (`None` if there is none to count it for). The store judges it as it judges the
    /// nodes' own writes: current (the token of the unexpired lease) or stale; a stale write
    /// is applied as a conflicting write, or refused with fencing. A write from a node cut
    /// off from the store does not arrive: it fails.
    pub(crate) fn serve_write(
        &mut self,
        (node, token): (u32, u64),
        now: SimTime,
        (client, measured): (Option<ClientId>, bool),
    ) -> LeaderWrite {
        let cut = self.cuts.iter().any(|w| {
            w.start <= now
                && now < w.end
                && w.nodes.contains(&node)
                && w.direction != Direction::FromStore
        });
        let outcome = if cut {
            LeaderWrite::Unreachable
        } else if self.store.current(token, now) {
            LeaderWrite::Current
        } else if self.config.fencing {
            LeaderWrite::Fenced
        } else {
            LeaderWrite::Conflicting
        };
        if measured && !cut {
            let c = &mut self.counts;
            c.writes += 1;
            if outcome != LeaderWrite::Current {
                c.stale_writes += 1;
                c.writes_rejected += u64::from(outcome == LeaderWrite::Fenced);
                c.stale_writes_accepted += u64::from(outcome == LeaderWrite::Conflicting);
            }
        }
        if let Some(client) = client {
            let w = &mut self.per_client[client.0 as usize];
            w.writes += 1;
            match outcome {
                LeaderWrite::Current => w.accepted += 1,
                LeaderWrite::Conflicting => w.conflicting += 1,
                LeaderWrite::Fenced => w.fenced += 1,
                LeaderWrite::Unreachable => w.unreachable += 1,
            }
        }
        outcome
    }

    /// A call that reached `node` while it did not act as leader, for `client`'s measured
    /// request: it is refused.
    pub(crate) fn not_leader(&mut self, client: Option<ClientId>) {
        if let Some(client) = client {
            let w = &mut self.per_client[client.0 as usize];
            w.writes += 1;
            w.not_leader += 1;
        }
    }

    /// What each client's requests met at the leader-only service, by client index.
    pub(crate) fn per_client(&self) -> &[LeaderWrites] {
        &self.per_client
    }

    /// The node an event crashes (`Crash`), restarts, pauses (`Pause`) or resumes, for the
    /// world to do the same to the replica that stands for it; `None` for other events.
    pub(crate) fn node_edge(event: &Event) -> Option<(u32, NodeEdge)> {
        match *event {
            Event::CrashStart { node } => Some((node, NodeEdge::Crash)),
            Event::CrashEnd { node } => Some((node, NodeEdge::Restart)),
            Event::PauseStart { node, .. } => Some((node, NodeEdge::Pause)),
            Event::PauseEnd { node } => Some((node, NodeEdge::Resume)),
            _ => None,
        }
    }

    /// A node, for tests.
    #[cfg(test)]
    pub(super) fn node(&self, node: u32) -> &Node {
        &self.nodes[node as usize]
    }

    /// The measured part of `from..to`.
    fn span(&self, from: SimTime, to: SimTime) -> SimDuration {
        to.since(from.max(self.warmup_end))
    }

    /// If `node` is paused at `now`, re-schedules `event` for when it resumes and says so.
    fn deferred(&self, node: u32, event: Event, ctx: &mut impl Scope<Event>) -> bool {
        match self.nodes[node as usize].paused_until {
            Some(until) if ctx.now() < until => {
                ctx.schedule_at(until, event);
                true
            }
            _ => false,
        }
    }

    /// Sends `event` between `node` and the store after one latency draw, unless a cut loses it.
    fn send(&mut self, node: u32, to_store: bool, event: Event, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        let mut latency = self.config.store_latency.sample(&mut self.latency);
        let covers = |w: &Window| {
            w.start <= now
                && now < w.end
                && w.nodes.contains(&node)
                && match w.direction {
                    Direction::Both => true,
                    Direction::ToStore => to_store,
                    Direction::FromStore => !to_store,
                }
        };
        for (window, add) in &self.delays {
            if covers(window) {
                latency = latency.saturating_add(*add);
            }
        }
        if !self.cuts.iter().any(covers) {
            ctx.schedule_in(latency, event);
        }
    }

    fn on_tick(&mut self, node: u32, epoch: u32, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        let n = &mut self.nodes[node as usize];
        if n.down || epoch != n.epoch {
            return;
        }
        if self.deferred(node, Event::Tick { node, epoch }, ctx) {
            return;
        }
        let n = &mut self.nodes[node as usize];
        n.seq += 1;
        let seq = n.seq;
        let sent = n.clock.local_at(now);
        let period = if n.belief.is_some() {
            self.config.renew_every
        } else {
            self.config.retry_every
        };
        ctx.schedule_at(n.clock.deadline(now, period), Event::Tick { node, epoch });
        self.send(node, true, Event::Request { node, seq, sent }, ctx);
    }

    fn on_request(&mut self, node: u32, seq: u64, sent: LocalTime, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        let grant = self.store.request(node, now);
        if grant.is_some_and(|g| g.fresh) && now >= self.warmup_end {
            self.counts.acquisitions += 1;
        }
        let reply = Event::Reply {
            node,
            seq,
            sent,
            grant: grant.map(|g| g.token),
        };
        self.send(node, false, reply, ctx);
    }

    fn on_reply(&mut self, event: Event, ctx: &mut impl Scope<Event>) {
        let Event::Reply {
            node,
            seq,
            sent,
            grant,
        } = event
        else {
            unreachable!("on_reply takes replies");
        };
        if self.nodes[node as usize].down || self.deferred(node, event, ctx) {
            return;
        }
        match grant {
            Some(token) => self.on_grant(node, seq, sent, token, ctx),
            None => {
                let newer = self.nodes[node as usize]
                    .belief
                    .is_some_and(|b| seq > b.basis);
                if newer {
                    self.step_down(node, ctx);
                }
            }
        }
    }

    fn on_grant(
        &mut self,
        node: u32,
        seq: u64,
        sent: LocalTime,
        token: u64,
        ctx: &mut impl Scope<Event>,
    ) {
        let now = ctx.now();
        let hold = self.config.lease.saturating_sub(self.config.safety_margin);
        let n = &mut self.nodes[node as usize];
        let deadline = sent.checked_add(hold).unwrap_or(LocalTime::MAX);
        let ends = n.clock.true_at(deadline, now).unwrap_or(SimTime::MAX);
        if ends <= now {
            // By its own clock the lease already ran out: nothing to act on.
            return;
        }
        match &mut n.belief {
            Some(belief) => {
                belief.token = belief.token.max(token);
                belief.basis = belief.basis.max(seq);
                if ends > belief.ends {
                    belief.deadline = deadline;
                    belief.ends = ends;
                    n.generation += 1;
                    let generation = n.generation;
                    ctx.schedule_at(ends, Event::BeliefEnd { node, generation });
                }
            }
            None => {
                n.belief = Some(Belief {
                    token,
                    deadline,
                    ends,
                    basis: seq,
                });
                n.generation += 1;
                n.epoch += 1;
                n.acting_since = now;
                let (generation, epoch) = (n.generation, n.epoch);
                let renew = n.clock.deadline(now, self.config.renew_every);
                ctx.schedule_at(ends, Event::BeliefEnd { node, generation });
                ctx.schedule_at(renew, Event::Tick { node, epoch });
                if let Some(gap) = self.write_gap(node) {
                    ctx.schedule_in(gap, Event::Write { node, epoch });
                }
                self.level.rise(now);
                if now >= self.warmup_end && self.last_leader != Some(node) {
                    self.counts.leader_changes += 1;
                }
                self.last_leader = Some(node);
            }
        }
    }

    /// Ends `node`'s belief (it stops acting) and sets it retrying.
    fn step_down(&mut self, node: u32, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        self.stop_acting(node, now);
        let n = &mut self.nodes[node as usize];
        let retry = n.clock.deadline(now, self.config.retry_every);
        let epoch = n.epoch;
        ctx.schedule_at(retry, Event::Tick { node, epoch });
    }

    /// Drops `node`'s belief, if any, and invalidates its timers.
    fn stop_acting(&mut self, node: u32, now: SimTime) {
        let span = self.span(self.nodes[node as usize].acting_since, now);
        let n = &mut self.nodes[node as usize];
        n.epoch += 1;
        if n.belief.take().is_some() {
            n.generation += 1;
            n.acting = n.acting.saturating_add(span);
            self.level.fall(now);
        }
    }

    fn on_belief_end(&mut self, node: u32, generation: u32, ctx: &mut impl Scope<Event>) {
        let n = &self.nodes[node as usize];
        if n.generation == generation && n.belief.is_some() {
            self.step_down(node, ctx);
        }
    }

    fn on_write(&mut self, node: u32, epoch: u32, ctx: &mut impl Scope<Event>) {
        let n = &self.nodes[node as usize];
        if n.down || n.epoch != epoch {
            return;
        }
        if self.deferred(node, Event::Write { node, epoch }, ctx) {
            return;
        }
        let belief = self.nodes[node as usize]
            .belief
            .expect("a node that stops acting moves to a new epoch");
        if ctx.now() >= belief.ends {
            // Its clock says the lease is over; the belief-end event at this instant follows.
            return;
        }
        if let Some(gap) = self.write_gap(node) {
            ctx.schedule_in(gap, Event::Write { node, epoch });
        }
        let (token, fenced) = (belief.token, self.config.fencing);
        let write = Event::Stored {
            node,
            token,
            fenced,
        };
        self.send(node, true, write, ctx);
    }

    fn on_stored(&mut self, token: u64, now: SimTime) {
        let current = self.store.current(token, now);
        if now < self.warmup_end {
            return;
        }
        let c = &mut self.counts;
        c.writes += 1;
        if !current {
            c.stale_writes += 1;
            if self.config.fencing {
                c.writes_rejected += 1;
            } else {
                c.stale_writes_accepted += 1;
            }
        }
    }

    /// The gap to `node`'s next write, drawn from its own stream; `None` without writes.
    fn write_gap(&mut self, node: u32) -> Option<SimDuration> {
        let stream = &mut self.nodes[node as usize].writes;
        Some(match self.config.writes? {
            Arrival::Poisson { rate_per_s } => {
                SimDuration::from_nanos_f64(stream.exponential(1e9 / rate_per_s))
            }
            Arrival::Constant { rate_per_s } => SimDuration::from_nanos_f64(1e9 / rate_per_s),
        })
    }

    fn on_crash_start(&mut self, node: u32, now: SimTime) {
        self.stop_acting(node, now);
        let n = &mut self.nodes[node as usize];
        n.down = true;
        n.in_hand = None;
    }

    fn on_crash_end(&mut self, node: u32, ctx: &mut impl Scope<Event>) {
        let n = &mut self.nodes[node as usize];
        assert!(n.down, "only a crashed node restarts");
        assert!(n.belief.is_none(), "a restarted node remembers no lease");
        n.down = false;
        n.epoch += 1;
        let epoch = n.epoch;
        ctx.schedule_in(SimDuration::ZERO, Event::Tick { node, epoch });
    }

    fn on_pause_start(&mut self, node: u32, until: SimTime, now: SimTime) {
        let writes = self.config.writes.is_some();
        let n = &mut self.nodes[node as usize];
        n.paused_until = Some(until);
        if !n.down && writes {
            n.in_hand = n.belief.filter(|b| now < b.ends).map(|b| b.token);
        }
    }

    fn on_pause_end(&mut self, node: u32, ctx: &mut impl Scope<Event>) {
        let n = &mut self.nodes[node as usize];
        n.paused_until = None;
        if let Some(token) = n.in_hand.take() {
            // The write checked before the pause goes out now, whatever the lease says.
            let fenced = self.config.fencing;
            let write = Event::Stored {
                node,
                token,
                fenced,
            };
            self.send(node, true, write, ctx);
        }
    }
}

/// The election alone on its own event loop (its unit tests).
impl Model for Election {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        self.on_event(event, ctx);
    }
}

impl Election {
    /// Reacts to one of its events at `ctx.now()`.
    pub(crate) fn on_event(&mut self, event: Event, ctx: &mut impl Scope<Event>) {
        let now = ctx.now();
        match event {
            Event::Tick { node, epoch } => self.on_tick(node, epoch, ctx),
            Event::Request { node, seq, sent } => self.on_request(node, seq, sent, ctx),
            Event::Reply { .. } => self.on_reply(event, ctx),
            Event::Write { node, epoch } => self.on_write(node, epoch, ctx),
            Event::Stored { token, .. } => self.on_stored(token, now),
            Event::BeliefEnd { node, generation } => self.on_belief_end(node, generation, ctx),
            Event::CrashStart { node } => self.on_crash_start(node, now),
            Event::CrashEnd { node } => self.on_crash_end(node, ctx),
            Event::PauseStart { node, until } => self.on_pause_start(node, until, now),
            Event::PauseEnd { node } => self.on_pause_end(node, ctx),
        }
    }
}
