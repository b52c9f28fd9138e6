//! Traces of the models that run beside the world: the lease election and the database.
//!
//! They are simulations of their own (see `election` and `database`), so their events are
//! numbered within their own run (1 for the first). A traced replay runs each again with an
//! observer and keeps the events of the window; like the world's tracer, the observer only
//! reads, so the runs are the ones the trace hash covers.

use sim_core::{Model, RunError, SimTime, Simulation};

use super::trace::TraceOptions;
use crate::config::WorldConfig;

/// One processed event of a model beside the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BesideRecord {
    /// Which model.
    pub model: Beside,
    /// Index of the event within that model's run (1 for its first).
    pub event: u64,
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub what: BesideHappening,
}

/// The models that run beside the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Beside {
    /// The lease election.
    Election,
    /// The leader–follower database.
    Database,
}

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

/// Runs `model` from its `initial` events to `config`'s end, as its ordinary run does, handing
/// `watch` each processed event as `happening` describes it.
pub(crate) fn run_watched<M: Model<Event: 'static>>(
    model: M,
    initial: Vec<(SimTime, M::Event)>,
    config: &WorldConfig,
    mut watch: Watch,
    happening: fn(&M::Event) -> BesideHappening,
) -> Result<(), RunError> {
    let mut sim = Simulation::new(model, config.limits);
    for (at, event) in initial {
        sim.schedule_at(at, event);
    }
    sim.set_observer(Box::new(move |at, event: &M::Event| {
        watch(at, happening(event))
    }));
    sim.run_until(SimTime::ZERO.add(config.duration))?;
    Ok(())
}

/// The events of `config`'s election and database (those it has) inside the trace window,
/// election first, each in processing order; at most `options.records_max` in all.
pub(crate) fn records(
    config: &WorldConfig,
    seed: u64,
    options: &TraceOptions,
) -> Result<Vec<BesideRecord>, RunError> {
    let mut records = Vec::new();
    for model in [Beside::Election, Beside::Database] {
        let kept = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = std::rc::Rc::clone(&kept);
        let (from, to, most) = (options.from, options.to, options.records_max);
        let mut event = 0u64;
        let watch = Box::new(move |at: SimTime, what: BesideHappening| {
            event += 1;
            let mut sink = sink.borrow_mut();
            if from <= at && at < to && sink.len() < most {
                sink.push(BesideRecord {
                    model,
                    event,
                    at,
                    what,
                });
            }
        });
        match model {
            Beside::Election => crate::election::watch(config, seed, watch)?,
            Beside::Database => crate::database::watch(config, seed, watch)?,
        }
        records.extend(kept.take());
    }
    records.truncate(options.records_max);
    Ok(records)
}
