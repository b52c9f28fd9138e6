//! The fault schedule: what goes wrong, where, and when.
//!
//! A `Fault` is a kind plus a window `[start, end)` of virtual time (`end` may be
//! `SimTime::MAX`: it never heals). Service-side kinds (slowdown, error burst, garbage, crash)
//! are applied by `world` and `service`; network kinds become `sim_core::fault::Rule`s on the
//! nodes involved; clock kinds become changes of node `Clock`s. Several faults may overlap:
//! slowdown factors multiply, error and garbage fractions are drawn independently per fault,
//! a brownout's fraction ramps linearly from 0 to its peak over the first half of its window
//! and back to 0 over the second, and a replica is down while any crash covering it is active. A pause (a GC or VM stall)
//! freezes a replica without losing anything: its in-service work resumes where it stopped,
//! and it stays frozen while any pause covering it is active.

use sim_core::{Probability, SimDuration, SimTime};

use super::id::{ClientId, ServiceId};

/// One scheduled fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// When it starts.
    pub start: SimTime,
    /// When it heals (`SimTime::MAX`: never).
    pub end: SimTime,
    /// Its place in the run's one fault schedule, shared with the database's and the
    /// election's faults: the index of its entry in the file's `faults` (every fault a zone
    /// target expands into shares it), or a random draw's index after the file's entries.
    /// Reports list all faults by it, so they read in file order.
    pub position: usize,
}

/// Which replicas of a service a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The service.
    pub service: ServiceId,
    /// One replica, or every replica (`None`).
    pub replica: Option<u32>,
}

/// A network endpoint in a fault: a client, or some replicas of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A client's node.
    Client(ClientId),
    /// Replicas of a service.
    Service(Target),
}

/// How an unreachable node or link fails its callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreachable {
    /// Messages vanish: the caller waits for its timeout.
    BlackHole,
    /// The caller gets a fast connection error.
    Refuse,
}

/// The kinds of fault.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Work started on the target takes `factor` times longer (CPU contention, a slow disk).
    Slowdown {
        /// Where.
        target: Target,
        /// Multiplier of service time (> 0).
        factor: f64,
    },
    /// A fraction of attempts reaching the target fail fast with an error.
    ErrorBurst {
        /// Where.
        target: Target,
        /// Fraction failed.
        fraction: Probability,
        /// 5xx-like errors, which callers retry; false: 4xx-like errors, never retried.
        retryable: bool,
    },
    /// A brownout: attempts reaching the target fail fast with 5xx-like errors, at a rate that
    /// ramps linearly from 0 at the start to `peak` at the middle of the window and back to 0
    /// at its end (`Fault::brownout_fraction`); the window must end.
    Brownout {
        /// Where.
        target: Target,
        /// Fraction failed at the middle of the window.
        peak: Probability,
    },
    /// A fraction of the target's successful replies are silently wrong.
    Garbage {
        /// Where.
        target: Target,
        /// Fraction corrupted.
        fraction: Probability,
    },
    /// The target's replicas crash: queued and in-flight work is lost; they restart empty at
    /// the window's end.
    Crash {
        /// Where.
        target: Target,
        /// What callers see while it is down.
        while_down: Unreachable,
    },
    /// The target's replicas freeze (a stop-the-world GC or VM stall): no work progresses,
    /// queued work stays queued, arrivals still queue (or are rejected when the queue is
    /// full); at the window's end each job in service finishes exactly the pause later than
    /// it would have. Nothing is lost, unlike a crash.
    Pause {
        /// Where.
        target: Target,
    },
    /// Messages from any node in `from` to any node in `to` are dropped or refused (and the
    /// reverse direction too unless `one_way`).
    Partition {
        /// One side.
        from: Vec<Endpoint>,
        /// The other side.
        to: Vec<Endpoint>,
        /// Only `from → to` is cut.
        one_way: bool,
        /// Drop or refuse.
        mode: Unreachable,
    },
    /// Every message to or from the target is dropped or refused.
    Isolate {
        /// Where.
        target: Target,
        /// Drop (`black_hole`) or refuse.
        mode: Unreachable,
    },
    /// Every message to or from the target takes `add` longer.
    Latency {
        /// Where.
        target: Target,
        /// Added one-way latency.
        add: SimDuration,
    },
    /// The link between two endpoints goes down for `down` at the start of every `period`.
    FlappingLink {
        /// One end.
        a: Endpoint,
        /// The other end.
        b: Endpoint,
        /// Cycle length.
        period: SimDuration,
        /// Down time per cycle (messages dropped).
        down: SimDuration,
    },
    /// A client's arrival rate is multiplied by `factor`.
    LoadSpike {
        /// Which client.
        client: ClientId,
        /// Rate multiplier (> 0).
        factor: f64,
    },
    /// The target's clocks step by `by` nanoseconds at the start (an NTP step; the window
    /// is the instant).
    ClockJump {
        /// Where: a client or some replicas.
        target: Endpoint,
        /// Signed step in nanoseconds.
        by: i64,
    },
    /// The target's clocks drift at `drift_ppb` from the start on.
    DriftChange {
        /// Where: a client or some replicas.
        target: Endpoint,
        /// New drift in parts per billion.
        drift_ppb: i64,
    },
}

impl Fault {
    /// Whether the fault is active at `now` (`start <= now < end`).
    #[inline]
    pub fn active(&self, now: SimTime) -> bool {
        self.start <= now && now < self.end
    }

    /// A brownout's error fraction at `now` inside its window: `peak` × (1 − |2·e/L − 1|),
    /// where `e` is the time since the start and `L` the window's length (0 outside it).
    pub fn brownout_fraction(&self, peak: Probability, now: SimTime) -> Probability {
        if !self.active(now) || self.end == SimTime::MAX {
            return Probability::new(0.0).expect("0 is a probability");
        }
        let length = self.end.since(self.start).as_nanos() as f64;
        let elapsed = now.since(self.start).as_nanos() as f64;
        let ramp = 1.0 - (2.0 * elapsed / length - 1.0).abs();
        Probability::new((peak.get() * ramp).clamp(0.0, 1.0))
            .expect("a clamped fraction is a probability")
    }

    /// The short name of the fault's kind, as in scenario files.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            FaultKind::Slowdown { .. } => "slowdown",
            FaultKind::ErrorBurst { .. } => "error_burst",
            FaultKind::Garbage { .. } => "garbage",
            FaultKind::Brownout { .. } => "brownout",
            // A crash that never heals is a replica loss (capacity reduction).
            FaultKind::Crash { .. } if self.end == SimTime::MAX => "replica_loss",
            FaultKind::Crash { .. } => "crash",
            FaultKind::Pause { .. } => "pause",
            FaultKind::Partition { .. } => "partition",
            FaultKind::Isolate {
                mode: Unreachable::BlackHole,
                ..
            } => "black_hole",
            FaultKind::Isolate {
                mode: Unreachable::Refuse,
                ..
            } => "refuse",
            FaultKind::Latency { .. } => "latency",
            FaultKind::FlappingLink { .. } => "flapping_link",
            FaultKind::LoadSpike { .. } => "load_spike",
            FaultKind::ClockJump { .. } => "clock_jump",
            FaultKind::DriftChange { .. } => "drift_change",
        }
    }
}

impl Target {
    /// Whether replica `replica` of `service` is hit.
    #[inline]
    pub fn covers(&self, service: ServiceId, replica: u32) -> bool {
        self.service == service && self.replica.is_none_or(|r| r == replica)
    }
}

/// A recipe for drawing a fault schedule from the seed: `count` faults of the listed kinds, on
/// the listed targets, starting uniformly in `start` and lasting uniformly in `duration`, with
/// magnitudes drawn uniformly from the given ranges.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFaults {
    /// How many faults to draw (a zone outage counts once, whatever replicas it hits).
    pub count: u32,
    /// The kinds to choose from (uniformly).
    pub kinds: Vec<RandomKind>,
    /// What may be hit (a partition picks two of them).
    pub targets: Vec<RandomTarget>,
    /// The replicas placed in each zone, for zone outages (empty when no service has zones).
    pub zones: Vec<Vec<Target>>,
    /// Earliest and latest start.
    pub start: (SimTime, SimTime),
    /// Shortest and longest duration.
    pub duration: (SimDuration, SimDuration),
    /// Slowdown factors (of service time, or of a database's replication lag).
    pub factor: (f64, f64),
    /// Error-burst fractions and brownout peaks.
    pub fraction: (f64, f64),
    /// Added latencies.
    pub add: (SimDuration, SimDuration),
    /// Clock steps, in signed nanoseconds.
    pub jump: (i64, i64),
    /// New clock drifts, in parts per billion.
    pub drift_ppb: (i64, i64),
}

/// Something a random fault may hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomTarget {
    /// A service (every replica, or one replica for crashes, pauses and clock faults).
    Service(ServiceId),
    /// One node of the lease election, which has this many nodes.
    Election {
        /// The election's node count.
        nodes: u32,
    },
    /// The database (one node, or its replication as a whole), which has this many nodes.
    Database {
        /// The database's node count.
        nodes: u32,
    },
}

/// The kinds a random schedule can draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomKind {
    /// A slowdown of every replica; a database's replication lag multiplied.
    Slowdown,
    /// One replica or node crashes, restarting at the end.
    Crash,
    /// A fraction of every replica's attempts fail fast (retryable).
    ErrorBurst,
    /// Latency added on every replica's links, an election node's, or a database's
    /// replication.
    Latency,
    /// A symmetric black-hole partition: two services, an election node and its store, or a
    /// database node and the other nodes.
    Partition,
    /// One replica or election node freezes (a GC or VM stall) and resumes intact.
    Pause,
    /// Errors on every replica ramp up to a peak (drawn like an error burst's fraction) and
    /// back down.
    Brownout,
    /// One replica's or election node's clock steps.
    ClockJump,
    /// One replica's or election node's clock starts drifting.
    DriftChange,
    /// Every replica placed in one zone crashes (refusing) and restarts at the end: a
    /// correlated failure.
    ZoneOutage,
}

impl RandomKind {
    /// The kind's name, as in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            RandomKind::Slowdown => "slowdown",
            RandomKind::Crash => "crash",
            RandomKind::ErrorBurst => "error_burst",
            RandomKind::Latency => "latency",
            RandomKind::Partition => "partition",
            RandomKind::Pause => "pause",
            RandomKind::Brownout => "brownout",
            RandomKind::ClockJump => "clock_jump",
            RandomKind::DriftChange => "drift_change",
            RandomKind::ZoneOutage => "zone_outage",
        }
    }

    /// Whether this kind can hit `target` (a zone outage hits zones, not targets).
    pub fn hits(self, target: RandomTarget) -> bool {
        use RandomKind::*;
        match target {
            RandomTarget::Service(_) => self != ZoneOutage,
            RandomTarget::Election { .. } => matches!(
                self,
                Crash | Latency | Partition | Pause | ClockJump | DriftChange
            ),
            RandomTarget::Database { nodes } => match self {
                Crash | Slowdown | Latency => true,
                Partition => nodes >= 2,
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_brownout_ramps_linearly_up_to_its_peak_and_back() {
        let second = |s: u64| SimTime::from_nanos(s * 1_000_000_000);
        let target = Target {
            service: ServiceId(0),
            replica: None,
        };
        let peak = Probability::new(0.5).unwrap();
        let fault = Fault {
            kind: FaultKind::Brownout { target, peak },
            start: second(10),
            end: second(30),
            position: 0,
        };
        let at = |s: u64| fault.brownout_fraction(peak, second(s)).get();
        assert_eq!(at(9), 0.0, "before the window");
        assert_eq!(at(10), 0.0, "it starts from nothing");
        assert_eq!(at(15), 0.25);
        assert_eq!(at(20), 0.5, "the peak at the middle");
        assert_eq!(at(25), 0.25);
        assert_eq!(at(30), 0.0, "after the window");
    }
}
