//! The claim tests of the operations lessons (issue #21): a bad version's deployment and an
//! autoscaler's lag, with the helpers of `tests/lessons.rs`.

use super::*;

#[test]
fn bad_deploy() {
    // Headline: the same bad version (half its answers fail) and the same in-run burn-rate
    // alert (The Site Reliability Workbook, ch. 5: both windows at 14.4 × a 0.1% budget);
    // a 10% canary rolled back at once serves a fraction of the bad requests an all-at-once
    // deploy rolled back by a 10 s redeploy does: its share of the traffic, for the longer
    // detection time W × B × (1 − target) / e = 60 s × 14.4 × 0.001 / (0.1 × 0.5) ≈ 17 s,
    // against 2 s + 10 s of everything. A canary nobody rolls back protects nothing.
    let deployment = |r: &Simulated| r.summary.deployments["api"].clone();
    let all = deployment(&run("bad-deploy", None, &[]));
    let canary = deployment(&run("bad-deploy", Some("canary-rollback"), &[]));
    let ignored = deployment(&run("bad-deploy", Some("canary"), &[]));
    let blue_green = deployment(&run("bad-deploy", Some("blue-green"), &[]));
    for (label, d) in [
        ("all-at-once", &all),
        ("canary-rollback", &canary),
        ("canary", &ignored),
        ("blue-green", &blue_green),
    ] {
        eprintln!(
            "{label}: {} bad of {} new, alert after {:?} s, rolled back at {:?}",
            d.bad_requests, d.served_new, d.time_to_detect_s, d.rolled_back_at_s
        );
    }
    assert!(
        canary.bad_requests * 4 < all.bad_requests,
        "the canary lets through a fraction: {} against {}",
        canary.bad_requests,
        all.bad_requests
    );
    // All at once: caught after 2 s, bad for the 12 s to the end of the redeploy.
    assert_close(
        "all-at-once bad requests",
        all.bad_requests as f64,
        3000.0,
        0.1,
    );
    assert_close(
        "canary detection time",
        canary.time_to_detect_s.unwrap(),
        17.3,
        0.15,
    );
    // Until its rollback, the canary serves its share: 10% of 500/s for the detection time.
    let exposed = 500.0 * 0.1 * canary.time_to_detect_s.unwrap();
    assert_close(
        "canary new-version answers",
        canary.served_new as f64,
        exposed,
        0.15,
    );
    assert_eq!(canary.rolled_back_at_s, canary.alert_at_s);
    // Without a rollback the canary is promoted and half of everything fails from then on.
    assert_eq!(ignored.rolled_back_at_s, None);
    assert!(ignored.bad_requests > 5 * all.bad_requests);
    // Blue/green is caught as fast as all at once and undone at once.
    assert!(blue_green.bad_requests * 4 < all.bad_requests);
}

#[test]
fn autoscale_lag() {
    // Headline: a load step is answered only after every delay of the loop (Kubernetes HPA,
    // "Algorithm details": desired = ceil(current × metric / target)): the step must reach
    // the data the controller sees (60 s), the minute it averages must leave the 10%
    // tolerance, an evaluation must come (every 15 s), and the replica must boot (90 s); users
    // time out meanwhile. Fresher metrics and faster boots shorten the lag; headroom avoids
    // it at the price of idle replicas; retries are scaled as demand.
    let lagging = run("autoscale-lag", None, &[]);
    let fast = run("autoscale-lag", Some("fast-provisioning"), &[]);
    let headroom = run("autoscale-lag", Some("headroom"), &[]);
    let capped = run("autoscale-lag", Some("max-capped"), &[]);
    let storm = run("autoscale-lag", Some("retry-storm"), &[]);
    let scaled = |r: &Simulated| {
        service(r, "api")
            .autoscale
            .clone()
            .expect("api is autoscaled")
    };
    let (a, f, h, s) = (
        scaled(&lagging),
        scaled(&fast),
        scaled(&headroom),
        scaled(&storm),
    );
    eprintln!(
        "SLO lagging {:.4} fast {:.4} headroom {:.4} capped {:.4} storm {:.4}",
        slo(&lagging),
        slo(&fast),
        slo(&headroom),
        slo(&capped),
        slo(&storm)
    );
    eprintln!("lagging {:?}", a.decisions);
    eprintln!("storm {:?}", s.decisions);
    eprintln!(
        "lag {:?} fast {:?}; replica-seconds lagging {} headroom {}",
        a.scale_out_lag_s, f.scale_out_lag_s, a.replica_seconds, h.replica_seconds
    );
    // No replica can serve before step + metrics delay + interval + provisioning.
    let (step, delay, interval, boot) = (120.0, 60.0, 15.0, 90.0);
    let first = a.decisions.first().expect("it scaled out");
    assert!(
        first.at_s >= step + delay + interval,
        "decided at {}",
        first.at_s
    );
    assert!(a.scale_out_lag_s.expect("a lag") >= delay + interval + boot);
    // Capacity settles within one of what the load needs: 1,200/s × 20 ms over 8 workers at
    // 60% is 5 replicas (the utilization law, U = λ × S).
    let needed = (1200.0_f64 * 0.020 / (8.0 * 0.6)).ceil() as u32;
    assert!(
        a.replicas_peak.abs_diff(needed) <= 1,
        "peak {}",
        a.replicas_peak
    );
    // Users pay for the lag.
    assert!(slo(&lagging) < 0.7);
    assert!(
        slo(&fast) > slo(&lagging) + 0.15,
        "fresh metrics and fast boots help"
    );
    assert!(f.scale_out_lag_s < a.scale_out_lag_s);
    assert!(slo(&headroom) >= 0.99, "headroom absorbs the step");
    assert!(
        h.replica_seconds > 1.5 * a.replica_seconds,
        "and costs idle replicas"
    );
    assert!(slo(&capped) < slo(&lagging));
    assert!(scaled(&capped).replicas_peak <= 3);
    // Retries are scaled as demand: the first decision asks for more than twice what the
    // step alone asks for, and the count reaches max_replicas.
    let storm_first = s.decisions.first().expect("it scaled out");
    assert!(
        storm_first.to > 2 * first.to,
        "{storm_first:?} vs {first:?}"
    );
    assert_eq!(s.replicas_peak, 12);
    assert!(client(&storm, "web").attempts > 2 * client(&storm, "web").requests);
}
