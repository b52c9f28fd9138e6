//! The workflow bookkeeping alone: outcomes, undo order, locks and the per-step identity.

use super::*;
use crate::config::Step;

fn flow(protocol: Protocol, compensate: [bool; 3], durable_log: bool) -> Workflows {
    let config = WorkflowConfig {
        name: "checkout".to_string(),
        coordinator: ServiceId(0),
        protocol,
        steps: (1..=3)
            .zip(compensate)
            .map(|(s, compensate)| Step {
                service: ServiceId(s),
                compensate,
            })
            .collect(),
        durable_log,
        keys: 1,
    };
    Workflows::new(&[config], 4, 1, SimTime::ZERO)
}

fn at(ms: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_millis(ms))
}

/// Every step's `applied − undone == completed + left`.
fn identity_holds(w: &Workflows, end: SimTime) -> bool {
    let r = &w.results(end)[0];
    r.steps
        .iter()
        .all(|s| s.applied - s.undone == r.counts.completed + s.left)
}

#[test]
fn a_failed_last_step_undoes_the_others_in_reverse() {
    let mut w = flow(Protocol::Saga, [true; 3], true);
    let id = w.start(0, 0, at(0));
    assert_eq!(w.step_decided(id, 0, true, at(1)), Next::Continue);
    assert_eq!(w.step_decided(id, 1, true, at(2)), Next::Continue);
    assert_eq!(w.step_decided(id, 2, false, at(3)), Next::Undo(1));
    assert!(w.undoing(id));
    assert_eq!(w.undo_decided(id, 1, true), Next::Undo(0));
    assert_eq!(w.undo_decided(id, 0, true), Next::Fail);
    let r = &w.results(at(4))[0];
    assert_eq!((r.counts.compensated, r.counts.inconsistent), (1, 0));
    assert_eq!((r.counts.compensations, r.in_flight_end), (2, 0));
    assert!(identity_holds(&w, at(4)));
}

#[test]
fn a_failed_undo_or_a_step_without_one_leaves_the_instance_inconsistent() {
    let mut w = flow(Protocol::Saga, [true, false, true], true);
    let id = w.start(0, 0, at(0));
    w.step_decided(id, 0, true, at(1));
    w.step_decided(id, 1, true, at(2));
    // Step 1 has no compensation: the undo goes straight to step 0, and fails.
    assert_eq!(w.step_decided(id, 2, false, at(3)), Next::Undo(0));
    assert_eq!(w.undo_decided(id, 0, false), Next::Fail);
    let r = &w.results(at(4))[0];
    assert_eq!(r.counts.inconsistent, 1);
    assert_eq!(r.counts.compensations_failed, 1);
    assert_eq!(
        [r.steps[0].left, r.steps[1].left, r.steps[2].left],
        [1, 1, 0]
    );
    assert!(identity_holds(&w, at(4)));
}

#[test]
fn a_crash_without_a_log_strands_and_with_one_compensates_on_restart() {
    for durable in [false, true] {
        let mut w = flow(Protocol::Saga, [true; 3], durable);
        let id = w.start(0, 0, at(0));
        w.step_decided(id, 0, true, at(1));
        w.crashed(id);
        w.restarted(ServiceId(0), 0, at(10));
        let c = w.results(at(11))[0].counts;
        assert_eq!(
            (c.compensated, c.inconsistent, c.recovered),
            if durable { (1, 0, 1) } else { (0, 1, 0) }
        );
        assert!(identity_holds(&w, at(11)));
    }
}

#[test]
fn a_prepared_lock_blocks_others_until_the_crashed_coordinator_restarts() {
    let mut w = flow(Protocol::TwoPhaseCommit, [true; 3], true);
    let first = w.start(0, 0, at(0));
    assert!(w.lock(first, 0, at(0)));
    assert_eq!(w.step_decided(first, 0, true, at(1)), Next::Continue);
    w.crashed(first);
    // One key: every other instance finds it locked.
    let second = w.start(0, 1, at(2));
    assert!(!w.lock(second, 0, at(2)));
    assert_eq!(w.step_decided(second, 0, false, at(3)), Next::Fail);
    w.restarted(ServiceId(0), 0, at(1_000));
    let third = w.start(0, 1, at(1_001));
    assert!(w.lock(third, 0, at(1_001)));
    let r = &w.results(at(1_001))[0];
    assert_eq!(
        (r.counts.aborted, r.counts.recovered, r.counts.blocked),
        (2, 1, 1)
    );
    // The lock was held from 0 to the restart at 1 s, and the third's since 1.001 s.
    assert_eq!(r.lock_held, SimDuration::from_millis(1_000));
    assert_eq!(r.lock_held_in_doubt, SimDuration::from_millis(1_000));
    assert_eq!((r.locks_max, r.locks_end), (1, 1));
    assert!(identity_holds(&w, at(1_001)));
}
