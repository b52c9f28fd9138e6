//! Tests of the target-tracking rule and the replicas' life cycle.

use super::*;
use crate::config::AutoscaleMetric;

fn config() -> AutoscaleConfig {
    AutoscaleConfig {
        metric: AutoscaleMetric::Utilization,
        target: 0.5,
        initial: 2,
        min_replicas: 1,
        max_replicas: 10,
        interval: SimDuration::from_secs(15),
        metrics_delay: SimDuration::ZERO,
        window: SimDuration::from_secs(15),
        provisioning: SimDuration::from_secs(30),
        scale_out_cooldown: SimDuration::ZERO,
        scale_in_cooldown: SimDuration::from_secs(300),
        tolerance: 0.1,
    }
}

fn at(secs: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(secs))
}

/// The Kubernetes HPA documentation's worked example ("Algorithm details"): a current metric
/// of 200m against a target of 100m doubles the replicas; 50m halves them.
#[test]
fn desired_follows_the_hpa_formula() {
    let c = AutoscaleConfig {
        target: 100.0,
        ..config()
    };
    assert_eq!(desired(&c, 3, 200.0), 6);
    assert_eq!(desired(&c, 4, 50.0), 2);
    // ceil: 3 × 1.5 = 4.5 asks for 5.
    assert_eq!(desired(&c, 3, 150.0), 5);
}

/// Within the tolerance band (|ratio − 1| ≤ 0.1, the HPA's default) nothing changes.
#[test]
fn desired_holds_within_the_tolerance() {
    let c = config();
    assert_eq!(desired(&c, 4, 0.54), 4);
    assert_eq!(desired(&c, 4, 0.46), 4);
    assert_eq!(desired(&c, 4, 0.56), 5);
    // Exactly on an integer: 3 × 0.5 / 0.5 is 3 despite rounding.
    assert_eq!(desired(&c, 6, 0.25), 3);
}

#[test]
fn desired_is_clamped_to_the_bounds() {
    let c = config();
    assert_eq!(desired(&c, 8, 5.0), 10);
    assert_eq!(desired(&c, 2, 0.0), 1);
}

#[test]
fn scale_out_starts_off_replicas_that_serve_after_provisioning() {
    let mut a = Autoscaler::new(config(), SimTime::ZERO, SimDuration::from_secs(1), None);
    let change = a
        .evaluate(at(15), Some(Observed::per_replica(1.0)))
        .expect("a scale-out");
    assert_eq!(change.started, vec![2, 3]);
    assert_eq!(a.current(), 4);
    assert_eq!(a.state(2), ReplicaState::Starting);
    // An early or late event for another start does nothing; the right one serves.
    assert!(!a.provisioned(2, at(44)));
    assert!(a.provisioned(2, at(45)));
    assert_eq!(a.state(2), ReplicaState::Serving);
    assert_eq!(a.result(at(60)).decisions[0].to, 4);
}

#[test]
fn scale_in_cancels_starting_replicas_then_drains_the_highest() {
    let c = AutoscaleConfig {
        scale_in_cooldown: SimDuration::ZERO,
        ..config()
    };
    let mut a = Autoscaler::new(c, SimTime::ZERO, SimDuration::from_secs(1), None);
    a.evaluate(at(15), Some(Observed::per_replica(1.0)))
        .expect("a scale-out to 4");
    let change = a
        .evaluate(at(30), Some(Observed::per_replica(0.125)))
        .expect("a scale-in to 1");
    assert_eq!(change.cancelled, vec![3, 2]);
    assert_eq!(change.drained, vec![1]);
    assert_eq!(a.state(1), ReplicaState::Draining);
    a.drained(1, at(31));
    assert_eq!(a.state(1), ReplicaState::Off);
    // The cancelled start's provisioning event comes and does nothing.
    assert!(!a.provisioned(2, at(45)));
}

#[test]
fn cooldowns_hold_back_changes() {
    let c = AutoscaleConfig {
        scale_out_cooldown: SimDuration::from_secs(60),
        scale_in_cooldown: SimDuration::from_secs(120),
        ..config()
    };
    let mut a = Autoscaler::new(c, SimTime::ZERO, SimDuration::from_secs(1), None);
    assert!(a
        .evaluate(at(15), Some(Observed::per_replica(1.0)))
        .is_some());
    assert!(
        a.evaluate(at(30), Some(Observed::per_replica(1.0)))
            .is_none(),
        "within the scale-out cooldown"
    );
    assert!(a
        .evaluate(at(75), Some(Observed::per_replica(1.0)))
        .is_some());
    assert!(
        a.evaluate(at(180), Some(Observed::per_replica(0.1)))
            .is_none(),
        "within the scale-in cooldown"
    );
    assert!(a
        .evaluate(at(195), Some(Observed::per_replica(0.1)))
        .is_some());
    assert_eq!(a.result(at(200)).evaluations, 5);
}

#[test]
fn window_rate_spreads_rows_evenly() {
    let width = SimDuration::from_secs(1);
    // Areas of 1 s rows (level 2 then 4), the last row half done at 2.5 s.
    let areas = [2e9, 4e9, 1e9];
    let now = SimTime::from_nanos(2_500_000_000);
    let rate = window_rate(&areas, width, SimTime::from_nanos(500_000_000), at(2), now);
    assert!((rate - 10.0 / 3.0).abs() < 1e-9, "{rate}");
    // A window reaching past now stops at now.
    let rate = window_rate(&areas, width, at(2), at(10), now);
    assert!((rate - 2.0).abs() < 1e-9, "{rate}");
}

/// A replica on its way damps a scale-out (counted at no load, as the HPA counts an unready
/// pod at 0%) and does not dilute the metric into a scale-in.
#[test]
fn starting_replicas_damp_scale_out_without_causing_scale_in() {
    let c = AutoscaleConfig {
        scale_in_cooldown: SimDuration::ZERO,
        ..config()
    };
    let mut a = Autoscaler::new(c, SimTime::ZERO, SimDuration::from_secs(1), None);
    a.evaluate(at(15), Some(Observed::per_replica(1.0)))
        .expect("2 → 4");
    // 2 serving at full load, 4 counted: 2 × 1.0 / 4 = 0.5 per replica, on target.
    let seen = Observed {
        total: 2.0,
        ready: 2.0,
        counted: 4.0,
    };
    assert!(a.evaluate(at(30), Some(seen)).is_none());
    // 0.6 per serving replica asks for 5; with the starting ones at no load, 0.3 would ask
    // for 3 (cancelling one on its way): neither happens.
    let seen = Observed {
        total: 1.2,
        ready: 2.0,
        counted: 4.0,
    };
    assert!(a.evaluate(at(45), Some(seen)).is_none());
    assert_eq!(a.current(), 4);
}
