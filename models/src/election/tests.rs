//! Unit tests of the election: exact lease beliefs under clock faults, split brain, fencing,
//! crashes and pauses, on small hand-built configurations with constant latency.

use sim_core::{Distribution, Limits, SimDuration, SimTime, Simulation};

use super::model::{Election, Event};
use super::*;
use crate::config::*;

const SEC: u64 = 1_000_000_000;

fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

fn t(nanos: u64) -> SimTime {
    SimTime::from_nanos(nanos)
}

fn limits() -> Limits {
    Limits {
        pending_events_max: 100_000,
        events_max: 10_000_000,
        memory_max: u64::MAX,
    }
}

/// Three nodes, lease 10 s, renew 2 s, retry 1 s, 1 ms each way, 10 constant writes per second.
fn config() -> ElectionConfig {
    ElectionConfig {
        name: "election".into(),
        nodes: 3,
        lease: secs(10),
        renew_every: secs(2),
        retry_every: secs(1),
        safety_margin: SimDuration::ZERO,
        store_latency: Distribution::Constant(SimDuration::from_millis(1)),
        writes: Some(Arrival::Constant { rate_per_s: 10.0 }),
        fencing: false,
        clocks: vec![],
        faults: vec![],
    }
}

fn fault(kind: ElectionFaultKind, start: u64, end: Option<u64>) -> ElectionFault {
    ElectionFault {
        kind,
        start: t(start * SEC),
        end: end.map_or(SimTime::MAX, |e| t(e * SEC)),
        position: 0,
    }
}

/// Node 0 cut off from the store both ways from 20 s to `until` s.
fn cut_node_0(until: u64) -> ElectionFault {
    fault(
        ElectionFaultKind::Cut {
            nodes: vec![0],
            direction: Direction::Both,
            partition: true,
            mode: Unreachable::BlackHole,
        },
        20,
        Some(until),
    )
}

fn jump_node_0(at: u64, by: i64) -> ElectionFault {
    fault(
        ElectionFaultKind::ClockJump {
            members: vec![Member::Node(0)],
            by,
        },
        at,
        None,
    )
}

fn run_for(config: &ElectionConfig, seconds: u64) -> ElectionResult {
    run(config, 1, SimDuration::ZERO, secs(seconds), limits())
        .unwrap()
        .result
}

/// The simulation of `config` run to `until` seconds, to read its nodes.
fn simulation_until(config: &ElectionConfig, until: u64) -> Simulation<Election> {
    let model = Election::new(config.clone(), 1, SimTime::ZERO, 0);
    let initial = model.initial_events();
    let mut sim = Simulation::new(model, limits());
    for (at, event) in initial {
        sim.schedule_at(at, event);
    }
    sim.run_until(t(until * SEC)).unwrap();
    sim
}

#[test]
fn perfect_clocks_never_split_and_node_0_leads_throughout() {
    let result = run_for(&config(), 120);
    assert_eq!(result.split_brain, SimDuration::ZERO);
    // Node 0 asks at 0 and acts from the grant, 2 ms later.
    assert_eq!(result.leaderless, SimDuration::from_millis(2));
    assert_eq!(result.acquisitions, 1);
    assert_eq!(result.leader_changes, 1);
    assert_eq!(
        result.acting[0],
        secs(120).saturating_sub(SimDuration::from_millis(2))
    );
    assert_eq!(result.stale_writes, 0);
    // One write every 100 ms from 102 ms, each arriving 1 ms later, until 120 s.
    assert_eq!(result.writes, 1_199);
}

#[test]
fn a_backward_jump_extends_the_holders_belief_by_exactly_the_jump() {
    // Node 0 renews every 2 s from 2 ms on; cut off at 20 s, its last grant is for the request
    // it sent at 18.002 s, so without a jump it acts until 28.002 s by its clock.
    let plain = simulation_until(&with_fault(cut_node_0(60)), 22);
    let belief = plain.model().node(0).belief.unwrap();
    assert_eq!(belief.ends, t(28 * SEC + 2_000_000));
    for jump in [1, 1_234_567_891, 3 * SEC as i64] {
        let mut config = with_fault(cut_node_0(60));
        config.faults.push(jump_node_0(21, -jump));
        let sim = simulation_until(&config, 22);
        let jumped = sim.model().node(0).belief.unwrap();
        assert_eq!(jumped.deadline, belief.deadline, "the same local deadline");
        assert_eq!(
            jumped.ends.as_nanos() - belief.ends.as_nanos(),
            jump as u64,
            "a backward jump of {jump} ns extends the belief by exactly that"
        );
        let clock = &sim.model().node(0).clock;
        assert_eq!(clock.local_at(jumped.ends), jumped.deadline);
        assert!(clock.local_at(t(jumped.ends.as_nanos() - 1)) < jumped.deadline);
    }
}

#[test]
fn a_jump_beyond_the_margin_splits_the_brain_and_stale_writes_reach_the_store() {
    // Cut off from 20 s to 29 s, node 0's clock steps back 3 s at 21 s: it acts until
    // 31.002 s while the store expires its lease at 28.003 s and node 1 takes over.
    let mut config = with_fault(cut_node_0(29));
    config.faults.push(jump_node_0(21, -3 * SEC as i64));
    let result = run_for(&config, 60);
    // Node 1's grant arrives at 28.335333333 s; node 0's next renewal leaves at 29.002 s, just
    // after the cut heals, and its denial at 29.004 s ends its belief. Its write of 29.002 s
    // reaches the store with the old token.
    let node_1_acts = t(28 * SEC + SEC / 3 + 2_000_000);
    assert_eq!(
        result.split_brain,
        t(29 * SEC + 4_000_000).since(node_1_acts),
        "{result:?}"
    );
    assert_eq!(result.stale_writes, 1, "{result:?}");
    assert_eq!(result.stale_writes, result.stale_writes_accepted);
    assert_eq!(result.writes_rejected, 0);
    // Fencing changes no draw and no node's behaviour: the same writes arrive, stale ones
    // are rejected.
    let fenced = run_for(
        &ElectionConfig {
            fencing: true,
            ..config.clone()
        },
        60,
    );
    assert_eq!(fenced.split_brain, result.split_brain);
    assert_eq!(fenced.writes, result.writes);
    assert_eq!(fenced.stale_writes_accepted, 0);
    assert_eq!(fenced.writes_rejected, result.stale_writes);
    // A safety margin larger than the jump closes the gap.
    let margin = run_for(
        &ElectionConfig {
            safety_margin: SimDuration::from_millis(3_500),
            ..config
        },
        60,
    );
    assert_eq!(margin.split_brain, SimDuration::ZERO, "{margin:?}");
    assert_eq!(margin.stale_writes, 0, "{margin:?}");
}

#[test]
fn without_a_clock_fault_a_cut_off_holder_leaves_a_gap_not_a_split() {
    let result = run_for(&with_fault(cut_node_0(40)), 60);
    assert_eq!(result.split_brain, SimDuration::ZERO);
    assert_eq!(result.stale_writes, 0);
    assert_eq!(result.leader_changes, 2);
    assert!(result.leaderless > SimDuration::ZERO);
}

#[test]
fn a_crashed_leader_is_replaced_when_its_lease_expires_at_the_store() {
    // Node 0's last renewal reaches the store at 18.003 s (expiry 28.003 s); it crashes at
    // 19 s. Node 1 retries at 0.333..s + k s, so its first request after the expiry leaves at
    // 28.333 s and its grant arrives at 28.335 s: leaderless from 19 s to then.
    let crash = fault(ElectionFaultKind::Crash { nodes: vec![0] }, 19, Some(40));
    let result = run_for(&with_fault(crash), 60);
    let offset = SEC / 3;
    let expected = t(28 * SEC + offset + 2_000_000).since(t(19 * SEC));
    assert_eq!(
        result
            .leaderless
            .saturating_sub(SimDuration::from_millis(2)),
        expected
    );
    assert_eq!(result.split_brain, SimDuration::ZERO);
    assert_eq!(result.leader_changes, 2);
    assert_eq!(result.acquisitions, 2);
    // Within one retry period of lease minus the time since the last renewal.
    let lease_left = t(28 * SEC + 3_000_000).since(t(19 * SEC));
    assert!(expected >= lease_left && expected <= lease_left.saturating_add(secs(1)));
}

#[test]
fn a_pause_freezes_a_write_between_its_check_and_its_send() {
    // Paused from 20 s to 35 s: its lease lapses (by its clock too, so no split brain), node 1
    // takes over, and the write in hand reaches the store at 35.001 s with the old token.
    let pause = fault(ElectionFaultKind::Pause { nodes: vec![0] }, 20, Some(35));
    let config = with_fault(pause);
    let result = run_for(&config, 60);
    assert_eq!(result.split_brain, SimDuration::ZERO);
    assert_eq!(result.stale_writes, 1);
    let fenced = run_for(
        &ElectionConfig {
            fencing: true,
            ..config
        },
        60,
    );
    assert_eq!(fenced.stale_writes_accepted, 0);
    assert_eq!(fenced.writes_rejected, 1);
}

#[test]
fn a_slow_store_clock_holds_the_lease_longer_without_a_split() {
    // The store's clock runs 10% slow: expiry comes later in true time, which is safe.
    let mut config = with_fault(cut_node_0(60));
    config.clocks.push(ElectionClock {
        member: Member::Store,
        offset_ns: 0,
        drift_ppb: -100_000_000,
    });
    let result = run_for(&config, 60);
    assert_eq!(result.split_brain, SimDuration::ZERO);
    assert_eq!(result.stale_writes, 0);
}

#[test]
fn runs_are_deterministic_and_latency_draws_do_not_depend_on_fencing() {
    let mut config = with_fault(cut_node_0(29));
    config.faults.push(jump_node_0(21, -3 * SEC as i64));
    config.store_latency = Distribution::Exponential {
        mean: SimDuration::from_millis(2),
    };
    config.writes = Some(Arrival::Poisson { rate_per_s: 50.0 });
    let once = run(&config, 7, secs(5), secs(60), limits()).unwrap();
    let twice = run(&config, 7, secs(5), secs(60), limits()).unwrap();
    assert_eq!(once, twice);
    let fenced = run(
        &ElectionConfig {
            fencing: true,
            ..config.clone()
        },
        7,
        secs(5),
        secs(60),
        limits(),
    )
    .unwrap();
    assert_eq!(
        fenced.stats.events, once.stats.events,
        "fencing changes no draw"
    );
    assert_ne!(
        fenced.stats.trace_hash, once.stats.trace_hash,
        "but a fenced run is another run"
    );
    let other = run(&config, 8, secs(5), secs(60), limits()).unwrap();
    assert_ne!(other.stats.trace_hash, once.stats.trace_hash);
}

#[test]
fn every_event_kind_has_its_own_trace_code() {
    let events = [
        Event::Tick { node: 1, epoch: 2 },
        Event::Write { node: 1, epoch: 2 },
        Event::CrashStart { node: 1 },
        Event::CrashEnd { node: 1 },
        Event::PauseEnd { node: 1 },
    ];
    let mut codes: Vec<u64> = events.iter().map(sim_core::TraceCode::trace_code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), events.len());
}

fn with_fault(fault: ElectionFault) -> ElectionConfig {
    let mut config = config();
    config.faults.push(fault);
    config
}
