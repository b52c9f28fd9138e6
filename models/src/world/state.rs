//! The state of every node at one instant: what `replay --until-event N` prints.
//!
//! A snapshot reads the world after a run stopped (see `trace::run_traced`): per client, its
//! requests and attempts in flight, its breaker and what its guards did, and its clock; per
//! replica, up or down, busy workers, queue, calls in flight, its call edges' breakers, and
//! its clock; then totals and the faults active. It is data; the CLI renders it.
//!
//! Reading a breaker's state may apply a due automatic transition (as any later call would at
//! the same instant), so a snapshot is taken only where the run ends.

use sim_core::{Clock, LocalTime, SimDuration, SimTime};

use super::nodes::describe;
use super::World;
use crate::circuit_breaker::BreakerState;
use crate::guard::{GuardCounts, GuardState};

/// Every node's state after `events` processed events.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldState {
    /// Events processed.
    pub events: u64,
    /// True time of the last processed event.
    pub at: SimTime,
    /// The clients, in configuration order.
    pub clients: Vec<ClientState>,
    /// Every replica of every service, in configuration order.
    pub replicas: Vec<ReplicaState>,
    /// Requests not yet resolved (clients' and downstream calls').
    pub requests: u64,
    /// Attempts whose caller still waits for them.
    pub attempts_waiting: u64,
    /// Attempts still referred to (waited for, or still being served or carried after their
    /// caller gave up).
    pub attempts_held: u64,
    /// Jobs at replicas (queued, in service, or waiting on calls).
    pub jobs: u64,
    /// The faults active at `at`, in words (`crash api[0] from 20s to 30s`).
    pub faults_active: Vec<String>,
}

/// One client's state.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientState {
    /// Its name.
    pub name: String,
    /// Its requests not yet resolved.
    pub requests: u64,
    /// Its attempts it still waits for.
    pub attempts_waiting: u64,
    /// Its circuit breaker's state, if it has one.
    pub breaker: Option<BreakerState>,
    /// Its retry budget's token balance, if it has one.
    pub budget_tokens: Option<i64>,
    /// What its guards did so far (retries denied, breaker rejections, hedges...).
    pub guards: GuardCounts,
    /// Its clock.
    pub clock: ClockReading,
}

/// One replica's state.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaState {
    /// Its name (`api[0]`).
    pub name: String,
    /// Up (not crashed).
    pub up: bool,
    /// Workers holding a job (in its own work, or waiting on a downstream call).
    pub busy: u32,
    /// Of the busy workers, those waiting on a downstream call.
    pub busy_in_calls: u32,
    /// Workers per replica.
    pub workers: u32,
    /// Jobs waiting in its queue.
    pub queued: u32,
    /// Its queue's capacity.
    pub queue_capacity: u32,
    /// Downstream requests its jobs have made that are not resolved.
    pub requests: u64,
    /// Its downstream attempts it still waits for.
    pub attempts_waiting: u64,
    /// The breaker of each call edge that has one: the service called, and its state.
    pub breakers: Vec<(String, BreakerState)>,
    /// Its clock.
    pub clock: ClockReading,
}

/// What a node's clock reads, and how it differs from true time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockReading {
    /// The local reading.
    pub local: LocalTime,
    /// Local minus true time, in nanoseconds.
    pub offset_ns: i64,
    /// Its drift now, in parts per billion.
    pub drift_ppb: i64,
}

impl World {
    /// The state of every node at `at`, after `events` processed events.
    pub(super) fn state(&mut self, events: u64, at: SimTime) -> WorldState {
        let nodes = self.clocks.len();
        let mut requests = vec![0u64; nodes];
        let mut waiting = vec![0u64; nodes];
        for (_, r) in &self.requests {
            requests[r.node.0 as usize] += 1;
        }
        for (_, a) in &self.attempts {
            if a.waiting {
                waiting[a.caller.0 as usize] += 1;
            }
        }
        let mut busy = vec![0u32; nodes];
        let mut in_calls = vec![0u32; nodes];
        let mut queued = vec![0u32; nodes];
        for (_, j) in &self.jobs {
            let node = self.replica_node(j.service, j.replica).0 as usize;
            if j.phase == super::Phase::Queued {
                queued[node] += 1;
            } else {
                busy[node] += 1;
                if j.calls_made > 0 {
                    in_calls[node] += 1;
                }
            }
        }
        let clients = (0..self.clients.len())
            .map(|i| {
                let clock = reading(&self.clocks[i], at);
                let c = &mut self.clients[i];
                ClientState {
                    name: c.config.name.clone(),
                    requests: requests[i],
                    attempts_waiting: waiting[i],
                    breaker: breaker(&mut c.guards, at),
                    budget_tokens: c.guards.budget_balance(at),
                    guards: c.guards.counts,
                    clock,
                }
            })
            .collect();
        let names: Vec<String> = self
            .services
            .iter()
            .map(|s| s.config.name.clone())
            .collect();
        let mut replicas = Vec::new();
        for (s, service) in self.services.iter_mut().enumerate() {
            let targets: Vec<String> = service
                .config
                .calls
                .iter()
                .map(|c| names[c.target.0 as usize].clone())
                .collect();
            for replica in 0..service.config.replicas {
                let node = (self.replica_nodes[s] + replica) as usize;
                let mut breakers = Vec::new();
                for (call, target) in targets.iter().enumerate() {
                    let guards = service.call_guards(replica, call as u32);
                    if let Some(state) = breaker(guards, at) {
                        breakers.push((target.clone(), state));
                    }
                }
                assert!(
                    busy[node] <= service.workers_total(),
                    "a replica never has more busy workers than workers"
                );
                replicas.push(ReplicaState {
                    name: format!("{}[{replica}]", service.config.name),
                    up: service.is_up(replica),
                    busy: busy[node],
                    busy_in_calls: in_calls[node],
                    workers: service.workers_total(),
                    queued: queued[node],
                    queue_capacity: service.queue_capacity_total(),
                    requests: requests[node],
                    attempts_waiting: waiting[node],
                    breakers,
                    clock: reading(&self.clocks[node], at),
                });
            }
        }
        let client_names: Vec<String> =
            self.clients.iter().map(|c| c.config.name.clone()).collect();
        let faults_active = self
            .faults
            .iter()
            .filter(|f| f.active(at))
            .map(|f| {
                let target = describe(&f.kind, &names, &client_names);
                let until = if f.end == SimTime::MAX {
                    "on".to_string()
                } else {
                    format!("to {}", f.end)
                };
                format!("{} {target} from {} {until}", f.kind_name(), f.start)
            })
            .collect();
        WorldState {
            events,
            at,
            clients,
            replicas,
            requests: self.requests.len() as u64,
            attempts_waiting: waiting.iter().sum(),
            attempts_held: self.attempts.len() as u64,
            jobs: self.jobs.len() as u64,
            faults_active,
        }
    }
}

/// A caller's breaker state at `at`, if it has a breaker.
fn breaker(guards: &mut GuardState, at: SimTime) -> Option<BreakerState> {
    guards.breaker_state(at).map(|code| match code {
        0 => BreakerState::Closed,
        1 => BreakerState::HalfOpen,
        _ => BreakerState::Open,
    })
}

/// What `clock` reads at `at`, its offset from true time, and its drift there.
fn reading(clock: &Clock, at: SimTime) -> ClockReading {
    let local = clock.local_at(at);
    let offset = i128::from(local.as_nanos()) - i128::from(at.as_nanos());
    ClockReading {
        local,
        offset_ns: i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX }),
        drift_ppb: drift(clock, at),
    }
}

/// The clock's drift at `at`, read off the clock itself.
///
/// Within one segment (no jump or drift change in between), readings one second apart differ
/// by exactly 1 s + drift (in ns): the floor in the clock's formula cancels over a whole
/// second. So this measures over a second that lies within `at`'s segment, after `at` or
/// before it, and falls back to the segment's own span (rounded) if it is shorter.
fn drift(clock: &Clock, at: SimTime) -> i64 {
    let second = SimDuration::from_secs(1);
    let next = clock
        .changes_between(at.add(SimDuration::from_nanos(1)), SimTime::MAX)
        .next()
        .unwrap_or(SimTime::MAX);
    let previous = clock
        .changes_between(SimTime::ZERO, at.add(SimDuration::from_nanos(1)))
        .last()
        .unwrap_or(SimTime::ZERO);
    let (from, to) = if at.add(second) < next {
        (at, at.add(second))
    } else if previous.add(second) <= at {
        (SimTime::from_nanos(at.as_nanos() - second.as_nanos()), at)
    } else {
        (previous, SimTime::from_nanos(next.as_nanos() - 1).max(at))
    };
    let span = i128::from(to.since(from).as_nanos());
    if span == 0 {
        return 0;
    }
    let gained = i128::from(clock.local_at(to).as_nanos())
        - i128::from(clock.local_at(from).as_nanos())
        - span;
    let ppb = gained * 1_000_000_000 / span;
    i64::try_from(ppb).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::Drift;

    fn secs(n: u64) -> SimTime {
        SimTime::from_nanos(n * 1_000_000_000)
    }

    #[test]
    fn drift_is_read_exactly_off_the_clock() {
        let mut clock = Clock::new(-250_000_000, Drift::from_ppm(50).unwrap());
        clock.jump(secs(10), 2_000_000_000);
        clock.set_drift(secs(20), Drift::from_ppb(-333).unwrap());
        // Far from any change, just before one (measured backwards), and right after one.
        assert_eq!(drift(&clock, secs(3)), 50_000);
        assert_eq!(drift(&clock, SimTime::from_nanos(9_999_999_999)), 50_000);
        assert_eq!(drift(&clock, secs(10)), 50_000, "a jump keeps the drift");
        assert_eq!(drift(&clock, secs(20)), -333);
        assert_eq!(drift(&clock, secs(25)), -333);
        let r = reading(&clock, secs(3));
        assert_eq!(r.offset_ns, -250_000_000 + 150_000);
        assert_eq!(r.local.as_nanos(), 3_000_000_000 - 249_850_000);
    }

    #[test]
    fn a_short_segment_gives_its_average_drift() {
        let mut clock = Clock::new(0, Drift::from_ppm(100).unwrap());
        clock.set_drift(secs(5), Drift::ZERO);
        clock.set_drift(
            SimTime::from_nanos(5_500_000_000),
            Drift::from_ppm(100).unwrap(),
        );
        assert_eq!(drift(&clock, SimTime::from_nanos(5_200_000_000)), 0);
    }
}
