//! Tests of drawing fault schedules: determinism, ranges, kinds per target, zone outages.

use super::*;

fn second(s: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(s))
}

fn recipe(kinds: Vec<RandomKind>, targets: Vec<RandomTarget>) -> RandomFaults {
    RandomFaults {
        count: 200,
        kinds,
        targets,
        zones: vec![
            vec![
                Target {
                    service: ServiceId(0),
                    replica: Some(0),
                },
                Target {
                    service: ServiceId(1),
                    replica: Some(0),
                },
            ],
            vec![Target {
                service: ServiceId(0),
                replica: Some(1),
            }],
        ],
        start: (second(10), second(50)),
        duration: (SimDuration::from_secs(1), SimDuration::from_secs(5)),
        factor: (2.0, 4.0),
        fraction: (0.1, 0.3),
        add: (SimDuration::from_millis(10), SimDuration::from_millis(20)),
        jump: (-2_000_000_000, 2_000_000_000),
        drift_ppb: (-500_000, 500_000),
    }
}

const SERVICES: [RandomTarget; 2] = [
    RandomTarget::Service(ServiceId(0)),
    RandomTarget::Service(ServiceId(1)),
];

#[test]
fn the_same_seed_draws_the_same_schedule() {
    let all = vec![
        RandomKind::Slowdown,
        RandomKind::Pause,
        RandomKind::ClockJump,
        RandomKind::ZoneOutage,
    ];
    let recipe = recipe(all, SERVICES.to_vec());
    assert_eq!(recipe.draw(7, &[2, 1], 0), recipe.draw(7, &[2, 1], 0));
    assert_ne!(recipe.draw(7, &[2, 1], 0), recipe.draw(8, &[2, 1], 0));
}

#[test]
fn windows_do_not_depend_on_the_kinds_drawn() {
    let windows = |kinds: Vec<RandomKind>| -> Vec<(SimTime, SimTime)> {
        recipe(kinds, SERVICES.to_vec())
            .draw(3, &[2, 1], 0)
            .world
            .iter()
            .map(|f| (f.start, f.end))
            .collect()
    };
    let starts = |windows: Vec<(SimTime, SimTime)>| -> Vec<SimTime> {
        windows.into_iter().map(|(start, _)| start).collect()
    };
    let plain = windows(vec![RandomKind::Slowdown]);
    assert_eq!(plain.len(), 200);
    assert_eq!(windows(vec![RandomKind::Pause]), plain);
    // Clock faults happen at an instant and last; they start when the others would.
    let jumps = windows(vec![RandomKind::ClockJump]);
    assert!(jumps.iter().all(|(_, end)| *end == SimTime::MAX));
    assert_eq!(starts(jumps), starts(plain.clone()));
    assert_eq!(
        starts(windows(vec![RandomKind::Slowdown, RandomKind::DriftChange])),
        starts(plain)
    );
}

#[test]
fn each_new_kind_draws_its_fault_within_the_ranges() {
    for kind in [
        RandomKind::Pause,
        RandomKind::Brownout,
        RandomKind::ClockJump,
        RandomKind::DriftChange,
    ] {
        let drawn = recipe(vec![kind], SERVICES.to_vec()).draw(11, &[2, 1], 0);
        assert_eq!(drawn.world.len(), 200, "{kind:?}");
        for fault in &drawn.world {
            assert!(fault.start >= second(10) && fault.start <= second(50));
            if fault.end < SimTime::MAX {
                let lasts = fault.end.since(fault.start);
                assert!(lasts >= SimDuration::from_secs(1) && lasts <= SimDuration::from_secs(5));
            }
            match (&kind, &fault.kind) {
                (RandomKind::Pause, FaultKind::Pause { target }) => {
                    assert!(target.replica.is_some(), "a pause freezes one replica")
                }
                (RandomKind::Brownout, FaultKind::Brownout { target, peak }) => {
                    assert_eq!(target.replica, None);
                    assert!((0.1..0.3).contains(&peak.get()));
                }
                (RandomKind::ClockJump, FaultKind::ClockJump { target, by }) => {
                    assert!(matches!(target, Endpoint::Service(t) if t.replica.is_some()));
                    assert!((-2_000_000_000..=2_000_000_000).contains(by));
                }
                (RandomKind::DriftChange, FaultKind::DriftChange { drift_ppb, .. }) => {
                    assert!((-500_000..=500_000).contains(drift_ppb))
                }
                (kind, fault) => panic!("{kind:?} drew {fault:?}"),
            }
        }
        // Both directions of a clock step (and of a drift) come up.
        if kind == RandomKind::ClockJump {
            let backward = drawn
                .world
                .iter()
                .filter(|f| matches!(f.kind, FaultKind::ClockJump { by, .. } if by < 0))
                .count();
            assert!(
                backward > 50 && backward < 150,
                "{backward} of 200 backward"
            );
        }
    }
}

#[test]
fn a_zone_outage_crashes_every_replica_of_one_zone_at_once() {
    let drawn = recipe(vec![RandomKind::ZoneOutage], SERVICES.to_vec()).draw(5, &[2, 1], 0);
    let mut zones_hit = [0usize; 2];
    let mut faults = drawn.world.iter().peekable();
    while let Some(first) = faults.next() {
        let FaultKind::Crash { target, .. } = first.kind else {
            panic!("a zone outage is crashes: {first:?}");
        };
        if target.replica == Some(1) {
            zones_hit[1] += 1; // zone 1 holds api[1] alone
            continue;
        }
        // Zone 0: api[0] then db[0], in the same window.
        let second = faults.next().expect("zone 0 has two replicas");
        assert_eq!((second.start, second.end), (first.start, first.end));
        assert!(matches!(
            second.kind,
            FaultKind::Crash { target, .. } if target.service == ServiceId(1)
        ));
        zones_hit[0] += 1;
    }
    assert_eq!(zones_hit[0] + zones_hit[1], 200, "one outage per draw");
    assert!(zones_hit[0] > 60 && zones_hit[1] > 60, "{zones_hit:?}");
}

#[test]
fn election_and_database_faults_go_to_their_models_in_draw_order() {
    let targets = vec![
        RandomTarget::Service(ServiceId(0)),
        RandomTarget::Election { nodes: 3 },
        RandomTarget::Database { nodes: 2 },
    ];
    let kinds = vec![
        RandomKind::Crash,
        RandomKind::Partition,
        RandomKind::ClockJump,
        RandomKind::Slowdown,
    ];
    let drawn = recipe(kinds, targets).draw(9, &[2], 40);
    let total = drawn.world.len() + drawn.election.len() + drawn.database.len();
    assert_eq!(total, 200);
    assert!(drawn.election.len() > 20 && drawn.database.len() > 20);
    let mut positions: Vec<usize> = drawn
        .election
        .iter()
        .map(|f| f.position)
        .chain(drawn.database.iter().map(|f| f.position))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    assert_eq!(positions.len(), drawn.election.len() + drawn.database.len());
    assert!(positions.iter().all(|p| (40..240).contains(p)));
    for fault in &drawn.election {
        match &fault.kind {
            ElectionFaultKind::Crash { nodes } | ElectionFaultKind::Cut { nodes, .. } => {
                assert!(nodes.len() == 1 && nodes[0] < 3)
            }
            ElectionFaultKind::ClockJump { members, .. } => {
                assert!(matches!(members[..], [Member::Node(n)] if n < 3))
            }
            other => panic!("slowdown cannot hit an election: {other:?}"),
        }
    }
    for fault in &drawn.database {
        match &fault.kind {
            DatabaseFaultKind::Crash { node } => assert!(matches!(node, Some(n) if *n < 2)),
            DatabaseFaultKind::Partition { from, to, .. } => {
                assert_eq!(from.len() + to.len(), 2);
                assert!(!to.contains(&from[0]));
            }
            DatabaseFaultKind::Slowdown { node, factor } => {
                assert_eq!(*node, None);
                assert!((2.0..4.0).contains(factor));
            }
            other => panic!("a clock jump cannot hit a database: {other:?}"),
        }
    }
}

#[test]
fn which_kinds_hit_which_targets() {
    let election = RandomTarget::Election { nodes: 3 };
    let lone = RandomTarget::Database { nodes: 1 };
    let pair = RandomTarget::Database { nodes: 2 };
    assert!(!RandomKind::ErrorBurst.hits(election));
    assert!(RandomKind::Pause.hits(election));
    assert!(!RandomKind::Pause.hits(pair));
    assert!(
        !RandomKind::Partition.hits(lone),
        "one node has no one to be cut from"
    );
    assert!(RandomKind::Partition.hits(pair));
    assert!(!RandomKind::ZoneOutage.hits(SERVICES[0]));
}
