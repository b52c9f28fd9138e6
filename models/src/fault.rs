//! Fault schedules drawn from the seed (`random_faults`).
//!
//! A recipe says how many faults to draw, of which kinds, on which targets and within which
//! ranges; `RandomFaults::draw` turns it into faults of the world, of its lease election and of
//! its database. Each draw first picks a kind (uniformly among the listed kinds), then a target
//! among the listed targets that kind can hit (a zone outage picks a zone instead), then the
//! window and the magnitudes.
//!
//! The draw uses its own streams (`faults/random`, and `faults/random/clock` for clock steps
//! and drifts), so adding random faults never shifts any other stream, and the same seed always
//! draws the same schedule (explore and shrink rely on it). Every fault draws the same number of
//! values whatever its kind, so the later faults of a schedule do not depend on the kinds drawn
//! earlier.

use sim_core::{Probability, SimDuration, SimTime, Stream};

use crate::config::{
    DatabaseFault, DatabaseFaultKind, Direction, ElectionFault, ElectionFaultKind, Endpoint, Fault,
    FaultKind, Member, RandomFaults, RandomKind, RandomTarget, ServiceId, Target, Unreachable,
};

/// A drawn schedule, split by the model each fault belongs to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawn {
    /// Faults of the world (services, network, clocks).
    pub world: Vec<Fault>,
    /// Faults of the lease election.
    pub election: Vec<ElectionFault>,
    /// Faults of the database.
    pub database: Vec<DatabaseFault>,
}

/// The values every draw takes, whatever its kind.
struct Values {
    pick: usize,
    other: usize,
    replica: u64,
    start: SimTime,
    end: SimTime,
    factor: f64,
    fraction: Probability,
    add: SimDuration,
    jump: i64,
    drift_ppb: i64,
}

impl RandomFaults {
    /// Draws the schedule from `seed`; `replicas[s]` is the replica count of service `s`.
    /// Draw `i` takes the position `first_position + i` (its place in the run's one fault
    /// schedule, after the file's entries); a zone outage's faults share their draw's.
    pub fn draw(&self, seed: u64, replicas: &[u32], first_position: usize) -> Drawn {
        let mut stream = Stream::new(seed, "faults/random");
        let mut clock = Stream::new(seed, "faults/random/clock");
        let mut drawn = Drawn::default();
        for index in 0..self.count as usize {
            let kind = self.kinds[stream.below(self.kinds.len() as u64) as usize];
            let candidates: Vec<RandomTarget> = self
                .targets
                .iter()
                .copied()
                .filter(|t| kind.hits(*t))
                .collect();
            let choices = if kind == RandomKind::ZoneOutage {
                self.zones.len()
            } else {
                candidates.len()
            };
            // Validation guarantees every listed kind has something to hit; a recipe built by
            // hand that breaks this draws nothing for that kind.
            let Some(mut values) = self.values(&mut stream, &mut clock, choices) else {
                continue;
            };
            if matches!(kind, RandomKind::ClockJump | RandomKind::DriftChange) {
                // A clock step or a new drift happens at an instant and lasts.
                values.end = SimTime::MAX;
            }
            let position = first_position + index;
            if kind == RandomKind::ZoneOutage {
                for &target in &self.zones[values.pick] {
                    drawn.world.push(Fault {
                        kind: FaultKind::Crash {
                            target,
                            while_down: Unreachable::Refuse,
                        },
                        start: values.start,
                        end: values.end,
                        position,
                    });
                }
                continue;
            }
            match candidates[values.pick] {
                RandomTarget::Service(service) => {
                    let other = match candidates[values.other] {
                        RandomTarget::Service(other) => Some(other),
                        _ => None,
                    };
                    let replica = (values.replica % u64::from(replicas[service.0 as usize])) as u32;
                    drawn.world.push(Fault {
                        kind: service_fault(kind, service, other, replica, &values),
                        start: values.start,
                        end: values.end,
                        position,
                    });
                }
                RandomTarget::Election { nodes } => drawn.election.push(ElectionFault {
                    kind: election_fault(kind, (values.replica % u64::from(nodes)) as u32, &values),
                    start: values.start,
                    end: values.end,
                    position,
                }),
                RandomTarget::Database { nodes } => drawn.database.push(DatabaseFault {
                    kind: database_fault(
                        kind,
                        nodes,
                        (values.replica % u64::from(nodes)) as u32,
                        &values,
                    ),
                    start: values.start,
                    end: values.end,
                    position,
                }),
            }
        }
        drawn
    }

    /// One draw's values, in a fixed order; `None` (after drawing them all) if there is
    /// nothing to pick from.
    fn values(&self, stream: &mut Stream, clock: &mut Stream, choices: usize) -> Option<Values> {
        let pick = stream.below(choices.max(1) as u64) as usize;
        let other = stream.below(choices.max(1) as u64) as usize;
        let replica = stream.next_u64();
        let start =
            SimTime::from_nanos(stream.between(self.start.0.as_nanos(), self.start.1.as_nanos()));
        let end = start.add(span(stream, self.duration));
        let factor = uniform(stream, self.factor);
        let fraction = uniform(stream, self.fraction);
        let add = span(stream, self.add);
        let jump = signed(clock, self.jump);
        let drift_ppb = signed(clock, self.drift_ppb);
        (choices > 0).then(|| Values {
            pick,
            other,
            replica,
            start,
            end,
            factor,
            fraction: Probability::new(fraction.clamp(0.0, 1.0))
                .expect("a clamped fraction is a probability"),
            add,
            jump,
            drift_ppb,
        })
    }
}

/// A fault of service `service` (`other`: the service a partition cuts it from, if the second
/// pick was a service; `replica`: the replica hit by single-replica kinds).
fn service_fault(
    kind: RandomKind,
    service: ServiceId,
    other: Option<ServiceId>,
    replica: u32,
    values: &Values,
) -> FaultKind {
    let every = Target {
        service,
        replica: None,
    };
    let one = Target {
        service,
        replica: Some(replica),
    };
    match kind {
        RandomKind::Slowdown => FaultKind::Slowdown {
            target: every,
            factor: values.factor,
        },
        RandomKind::Crash => FaultKind::Crash {
            target: one,
            while_down: Unreachable::Refuse,
        },
        RandomKind::ErrorBurst => FaultKind::ErrorBurst {
            target: every,
            fraction: values.fraction,
            retryable: true,
        },
        RandomKind::Latency => FaultKind::Latency {
            target: every,
            add: values.add,
        },
        RandomKind::Partition => match other {
            Some(other) if other != service => FaultKind::Partition {
                from: vec![Endpoint::Service(every)],
                to: vec![Endpoint::Service(Target {
                    service: other,
                    replica: None,
                })],
                one_way: false,
                mode: Unreachable::BlackHole,
            },
            // A service cannot be partitioned from itself (or from an election or database,
            // which the world's network does not carry): black-hole it.
            _ => FaultKind::Isolate {
                target: every,
                mode: Unreachable::BlackHole,
            },
        },
        RandomKind::Pause => FaultKind::Pause { target: one },
        RandomKind::Brownout => FaultKind::Brownout {
            target: every,
            peak: values.fraction,
        },
        RandomKind::ClockJump => FaultKind::ClockJump {
            target: Endpoint::Service(one),
            by: values.jump,
        },
        RandomKind::DriftChange => FaultKind::DriftChange {
            target: Endpoint::Service(one),
            drift_ppb: values.drift_ppb,
        },
        RandomKind::ZoneOutage => unreachable!("a zone outage hits a zone, not a service"),
    }
}

/// A fault of election node `node`.
fn election_fault(kind: RandomKind, node: u32, values: &Values) -> ElectionFaultKind {
    let nodes = vec![node];
    match kind {
        RandomKind::Crash => ElectionFaultKind::Crash { nodes },
        RandomKind::Pause => ElectionFaultKind::Pause { nodes },
        RandomKind::Partition => ElectionFaultKind::Cut {
            nodes,
            direction: Direction::Both,
            partition: true,
            mode: Unreachable::BlackHole,
        },
        RandomKind::Latency => ElectionFaultKind::Latency {
            nodes,
            add: values.add,
        },
        RandomKind::ClockJump => ElectionFaultKind::ClockJump {
            members: vec![Member::Node(node)],
            by: values.jump,
        },
        RandomKind::DriftChange => ElectionFaultKind::DriftChange {
            members: vec![Member::Node(node)],
            drift_ppb: values.drift_ppb,
        },
        _ => unreachable!("RandomKind::hits keeps {kind:?} off elections"),
    }
}

/// A fault of a database of `nodes` nodes; `node` is the one single-node kinds hit.
fn database_fault(kind: RandomKind, nodes: u32, node: u32, values: &Values) -> DatabaseFaultKind {
    match kind {
        RandomKind::Crash => DatabaseFaultKind::Crash { node: Some(node) },
        RandomKind::Slowdown => DatabaseFaultKind::Slowdown {
            node: None,
            factor: values.factor,
        },
        RandomKind::Latency => DatabaseFaultKind::Latency {
            node: None,
            add: values.add,
        },
        RandomKind::Partition => DatabaseFaultKind::Partition {
            from: vec![node],
            to: (0..nodes).filter(|n| *n != node).collect(),
            one_way: false,
        },
        _ => unreachable!("RandomKind::hits keeps {kind:?} off databases"),
    }
}

/// A uniform duration in `[low, high]`.
fn span(stream: &mut Stream, (low, high): (SimDuration, SimDuration)) -> SimDuration {
    SimDuration::from_nanos(stream.between(low.as_nanos(), high.as_nanos()))
}

/// A uniform float in `[low, high)`.
fn uniform(stream: &mut Stream, (low, high): (f64, f64)) -> f64 {
    low + (high - low) * stream.unit()
}

/// A uniform integer in `[low, high]`.
fn signed(stream: &mut Stream, (low, high): (i64, i64)) -> i64 {
    let width = high.abs_diff(low);
    low.wrapping_add(stream.between(0, width) as i64)
}

#[cfg(test)]
mod tests;
