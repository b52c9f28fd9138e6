//! Components: the stateful parts of the world (the replicated database, the lease election,
//! the quorum store) that run on the world's one event loop, beside nothing.
//!
//! ```text
//!              one sim_core::Simulation<World>: one queue, one clock, one trace hash
//!   World::handle ──┬── client, service, network events (world::*)
//!                   ├── Event::Database { key } ──▶ Database::handle(event, scope)
//!                   ├── Event::Election { key } ──▶ Election::handle(event, scope)
//!                   ├── Event::Queue { key }    ──▶ MessageQueue::visible (world/message_queue.rs)
//!                   └── Event::Quorum { key }   ──▶ Quorum::on_event(event, reach, scope)
//! ```
//!
//! Workflows (`workflow`) have no events of their own: their steps and compensations are the
//! world's requests, and the world tells them of outcomes, crashes and restarts.
//!
//! A component has its own closed set of events. It reaches the event loop only through a
//! `Scope`: read the time, schedule or cancel one of its own events, and fold an outcome its
//! events do not show into the run's trace hash. The world's scope parks the component's event
//! in a slab and schedules a two-word event that names it (`world::Event::Database`), so the
//! world's events stay small whatever a component's events hold; a component run alone (its
//! unit tests) uses a plain `sim_core::Context` of its own events as its scope.

use sim_core::{Context, EventId, SimDuration, SimTime, TraceCode};

/// What a component may do with the event loop while it handles one of its events.
pub trait Scope<E> {
    /// The current time.
    fn now(&self) -> SimTime;

    /// Schedules `event` at `at` (not in the past).
    fn schedule_at(&mut self, at: SimTime, event: E) -> Timer;

    /// Schedules `event` after `delay`.
    fn schedule_in(&mut self, delay: SimDuration, event: E) -> Timer {
        let at = self.now().add(delay);
        self.schedule_at(at, event)
    }

    /// Cancels a scheduled event that has not run yet.
    fn cancel(&mut self, timer: Timer);

    /// Folds an outcome its events do not show into the run's trace hash (`Context::fold`).
    fn fold(&mut self, code: u64);
}

/// A scheduled component event, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    /// The engine's handle.
    pub id: EventId,
    /// Where the world parked the event (`u64::MAX` when it is not parked).
    pub parked: u64,
}

/// A component alone on its own event loop: the events are the component's own.
impl<E: TraceCode> Scope<E> for Context<'_, E> {
    fn now(&self) -> SimTime {
        Context::now(self)
    }

    fn schedule_at(&mut self, at: SimTime, event: E) -> Timer {
        Timer {
            id: Context::schedule_at(self, at, event),
            parked: u64::MAX,
        }
    }

    fn cancel(&mut self, timer: Timer) {
        Context::cancel(self, timer.id);
    }

    fn fold(&mut self, code: u64) {
        Context::fold(self, code);
    }
}

/// What an event of the election or the database was, as a trace shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartHappening {
    /// An election node's timer fires: it sends an acquire or renew request to the store.
    LeaseTick {
        /// The node.
        node: u32,
    },
    /// A node's lease request reaches the store.
    LeaseRequest {
        /// The node.
        node: u32,
        /// The request's number at that node.
        seq: u64,
    },
    /// The store's answer reaches the node.
    LeaseReply {
        /// The node.
        node: u32,
        /// The request's number at that node.
        seq: u64,
        /// The fencing token if the lease was granted; `None` if refused.
        granted: Option<u64>,
    },
    /// A node that believes it leads issues a write.
    LeaderWrite {
        /// The node.
        node: u32,
    },
    /// A leader's write reaches the store.
    WriteStored {
        /// The node that sent it.
        node: u32,
        /// The token it carried.
        token: u64,
        /// Whether the store rejected it for a stale token (fencing).
        fenced: bool,
    },
    /// A node's local clock reaches the end of a lease it was granted: it stops acting as
    /// leader unless it has renewed the lease since (then nothing happens).
    LeaseDeadline {
        /// The node.
        node: u32,
    },
    /// An election node crashes.
    NodeCrash {
        /// The node.
        node: u32,
    },
    /// An election node restarts.
    NodeRestart {
        /// The node.
        node: u32,
    },
    /// An election node freezes.
    NodePause {
        /// The node.
        node: u32,
        /// When it resumes.
        until: SimTime,
    },
    /// An election node resumes.
    NodeResume {
        /// The node.
        node: u32,
    },
    /// A write reaches the database's leader.
    DbWrite,
    /// A read reaches the database.
    DbRead,
    /// A database crash fault starts or ends.
    DbCrash {
        /// Index among the database's faults.
        fault: u32,
        /// Start (true) or end.
        start: bool,
    },
    /// A database partition fault starts or ends.
    DbPartition {
        /// Index among the database's faults.
        fault: u32,
        /// Start (true) or end.
        start: bool,
    },
    /// A failover is due: the database promotes a live node.
    DbPromote,
    /// An anti-entropy round of the quorum store.
    QuorumAntiEntropy,
    /// A call of a quorum store's own test load (alone on its own event loop only).
    QuorumCall {
        /// The replica that coordinates it.
        coordinator: u32,
    },
}

/// A component a user writes outside this crate: it fronts a service (the scenario names it
/// in the service's `"component"`) and decides, for each attempt that reaches one of the
/// service's replicas, whether the service serves it or the component answers it at once;
/// it may set timers of its own. `run_with` wires components into a run by name.
///
/// Its decisions must depend only on what it is told and its own state, so that a run stays
/// a pure function of (scenario, seed, components): no clock, no thread, no `HashMap`
/// iteration; it folds what it decided into the trace hash through its scope.
pub trait Component {
    /// The name a scenario's service gives in `"component"`.
    fn name(&self) -> &str;

    /// An attempt reaches `call.replica` of the service it fronts, at `scope.now()`.
    fn on_call(&mut self, call: Call, scope: &mut dyn ComponentScope) -> Verdict;

    /// A timer it set with `ComponentScope::set_timer` fires.
    fn on_timer(&mut self, _tag: u64, _scope: &mut dyn ComponentScope) {}

    /// What it counted, by name, for the run's summary (in the order it lists them).
    fn counters(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// An attempt as a user component sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The replica of the fronted service it reached.
    pub replica: u32,
    /// It is a retry (its request's second or later attempt) or a hedge.
    pub repeat: bool,
}

/// What a user component decides about an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The service serves it as usual.
    Serve,
    /// The component answers it at once with this reply (the service does no work).
    Answer(crate::reply::Reply),
}

/// What a user component may do with the event loop.
pub trait ComponentScope {
    /// The current time.
    fn now(&self) -> SimTime;

    /// Calls `Component::on_timer(tag)` at `at` (not in the past).
    fn set_timer(&mut self, at: SimTime, tag: u64);

    /// Folds a decision into the run's trace hash.
    fn fold(&mut self, code: u64);
}
