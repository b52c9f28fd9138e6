//! The rollout's schedule, its rollback and its counts, step by step.

use super::*;
use crate::config::{BurnAlert, Regression, Rollback, ServiceId};

fn at(secs: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(secs))
}

fn deployment(strategy: DeployStrategy) -> Deployment {
    Deployment {
        service: ServiceId(0),
        at: at(10),
        strategy,
        regression: Regression {
            error_rate: Probability::new(0.5).unwrap(),
            latency_factor: 2.0,
            latency_add: SimDuration::from_millis(1),
        },
        alert: Some(BurnAlert {
            target: 0.99,
            latency_below: Some(SimDuration::from_millis(100)),
            long: SimDuration::from_secs(10),
            short: SimDuration::from_secs(2),
            burn_rate: 10.0,
            every: SimDuration::from_secs(1),
        }),
        rollback: Some(Rollback {
            duration: SimDuration::from_secs(3),
        }),
    }
}

fn rollout(strategy: DeployStrategy, replicas: u32) -> Rollout {
    Rollout::new(deployment(strategy), "api", replicas, 1, (at(0), at(100)))
}

#[test]
fn rolling_batches_switch_in_order_on_schedule() {
    let strategy = DeployStrategy::Rolling {
        batch: 2,
        interval: SimDuration::from_secs(5),
    };
    let mut r = rollout(strategy, 5);
    assert_eq!(r.initial()[0], (at(10), Action::Step(0)));
    assert_eq!(r.on_step(0, at(10)), Some((at(15), Action::Step(1))));
    assert_eq!(r.new, [true, true, false, false, false]);
    assert_eq!(r.on_step(1, at(15)), Some((at(20), Action::Step(2))));
    assert_eq!(r.new, [true, true, true, true, false]);
    assert_eq!(r.counts.completed_at, None);
    assert_eq!(r.on_step(2, at(20)), None);
    assert!(r.new.iter().all(|&v| v));
    assert_eq!(r.counts.completed_at, Some(at(20)));
}

#[test]
fn a_canary_bakes_then_promotes_unless_the_alert_halts_it() {
    let strategy = DeployStrategy::Canary {
        split: CanarySplit::Replicas(1),
        bake: SimDuration::from_secs(30),
    };
    let mut r = rollout(strategy, 4);
    assert_eq!(r.on_step(0, at(10)), Some((at(40), Action::Step(1))));
    assert_eq!(r.new, [true, false, false, false]);
    // Every answer bad: both windows burn at 100 at the first evaluation after answers.
    r.answered(at(10), Version::New, true);
    assert_eq!(r.on_check(at(11)), Some((at(14), Action::RollbackDone)));
    assert_eq!(r.counts.alert_at, Some(at(11)));
    // The promotion no longer happens; the rollback restores the old version.
    assert_eq!(r.on_step(1, at(40)), None);
    assert_eq!(r.new, [true, false, false, false]);
    r.on_rollback_done(at(14));
    assert!(r.new.iter().all(|&v| !v));
    assert_eq!(r.counts.rolled_back_at, Some(at(14)));
    assert_eq!(r.counts.completed_at, None);
}

#[test]
fn the_regression_scales_then_adds_and_counts_split_by_version() {
    let mut r = rollout(DeployStrategy::AllAtOnce, 2);
    assert_eq!(
        r.regressed(SimDuration::from_millis(10)),
        SimDuration::from_millis(21)
    );
    assert!(r.is_bad(true, SimDuration::ZERO));
    assert!(r.is_bad(false, SimDuration::from_millis(101)));
    assert!(!r.is_bad(false, SimDuration::from_millis(100)));
    r.answered(at(1), Version::New, true);
    r.answered(at(1), Version::New, false);
    r.answered(at(1), Version::Old, true);
    r.answered(at(101), Version::Old, false); // After the end: not counted.
    let c = r.result();
    assert_eq!(
        (c.served_new, c.bad_requests, c.served_old, c.bad_old),
        (2, 1, 1, 1)
    );
}

#[test]
fn action_codes_round_trip() {
    for action in [
        Action::Check,
        Action::RollbackDone,
        Action::Step(0),
        Action::Step(7),
    ] {
        assert_eq!(Action::from_code(action.code()), action);
    }
}
