//! What the models that run beside the world (the lease election and the database) show a
//! trace: each processed event as a `BesideHappening`, handed to a `Watch`.
//!
//! They are simulations of their own, so a traced replay runs each again with an observer
//! (`run_watched`); `world::beside` keeps the events of the window.

use sim_core::{Limits, Model, RunError, SimTime, Simulation};

/// What an event of the election or the database was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BesideHappening {
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
}

/// What a model beside the world hands each processed event to.
pub(crate) type Watch = Box<dyn FnMut(SimTime, BesideHappening)>;

/// Runs `model` from its `initial` events to `end` within `limits`, as its ordinary run does,
/// handing `watch` each processed event as `happening` describes it.
pub(crate) fn run_watched<M: Model<Event: 'static>>(
    model: M,
    initial: Vec<(SimTime, M::Event)>,
    (end, limits): (SimTime, Limits),
    mut watch: Watch,
    happening: fn(&M::Event) -> BesideHappening,
) -> Result<(), RunError> {
    let mut sim = Simulation::new(model, limits);
    for (at, event) in initial {
        sim.schedule_at(at, event);
    }
    sim.set_observer(Box::new(move |at, event: &M::Event| {
        watch(at, happening(event))
    }));
    sim.run_until(end)?;
    Ok(())
}
