//! Unit tests of the database: exact consequences of lag, crashes, partitions and failover on
//! small configurations with constant arrivals and constant lags.

use super::*;
use crate::config::*;
use sim_core::Distribution;

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

fn at_s(s: u64) -> SimTime {
    SimTime::ZERO.add(SimDuration::from_secs(s))
}

/// A leader and two followers, constant 100 writes/s and 1000 reads/s from followers, constant
/// lag `lag`, async, failover after 2 s to the most caught-up follower; no faults.
fn config(lag: SimDuration) -> DatabaseConfig {
    DatabaseConfig {
        name: "db".into(),
        nodes: 3,
        writes: Some(Arrival::Constant { rate_per_s: 100.0 }),
        reads: Some(Arrival::Constant {
            rate_per_s: 1_000.0,
        }),
        service: None,
        read_from: ReadFrom::Followers,
        replication_lag: Distribution::Constant(lag),
        replication: Replication::Async,
        failover_after: SimDuration::from_secs(2),
        promote: Promotion::MostCaughtUp,
        faults: Vec::new(),
    }
}

fn crash(node: u32, start: u64, end: Option<u64>) -> DatabaseFault {
    DatabaseFault {
        kind: DatabaseFaultKind::Crash { node: Some(node) },
        start: at_s(start),
        end: end.map_or(SimTime::MAX, at_s),
        position: 0,
    }
}

fn run_for(config: &DatabaseConfig, secs: u64) -> (RunStats, DatabaseResult) {
    let limits = Limits {
        pending_events_max: 10_000,
        events_max: 10_000_000,
        memory_max: u64::MAX,
    };
    run(
        config,
        1,
        SimDuration::from_secs(secs),
        SimDuration::ZERO,
        limits,
    )
    .unwrap()
}

#[test]
fn zero_lag_never_serves_a_stale_read() {
    let (_, r) = run_for(&config(SimDuration::ZERO), 20);
    assert_eq!(r.reads, 20_000);
    assert_eq!(r.stale_reads, 0);
    assert_eq!(r.writes, 2_000);
    assert_eq!(r.writes_acknowledged, 2_000);
    assert_eq!(r.reads_per_node[0], 0, "reads go to followers only");
    assert_eq!(r.reads_per_node[1] + r.reads_per_node[2], 20_000);
}

#[test]
fn a_constant_lag_makes_exactly_the_reads_inside_it_stale() {
    // Writes every 10 ms at 10, 20, ..., 10 000 ms; reads every 1 ms. With a 3 ms lag, the
    // reads at w, w + 1 and w + 2 ms miss the write of w ms (the write at w was scheduled
    // first, so it commits before the read at w; a read at w + 3 sees it): 3 in 10.
    let (_, r) = run_for(&config(ms(3)), 10);
    assert_eq!(r.reads, 10_000);
    assert_eq!(
        r.stale_reads,
        3_000 - 2,
        "the run ends with the read at 10 000 ms, just after the last write"
    );
    assert_eq!(r.versions_behind.max(), SimDuration::from_nanos(1));
    assert_eq!(r.staleness.max(), ms(2));
}

#[test]
fn leader_reads_are_never_stale() {
    let mut c = config(ms(50));
    c.read_from = ReadFrom::Leader;
    let (_, r) = run_for(&c, 10);
    assert_eq!(r.stale_reads, 0);
    assert_eq!(r.reads_per_node, vec![10_000, 0, 0]);
}

#[test]
fn async_failover_loses_the_writes_inside_the_lag_and_is_unavailable_for_the_delay() {
    // Writes every 10 ms, lag 95 ms: at the crash at 5 s the followers have every write up to
    // 4.90 s; the 10 writes of 4.91..=5.00 s... but the write at exactly 5 s comes after the
    // crash (faults act first at equal times), so 9 acknowledged writes are lost.
    let mut c = config(ms(95));
    c.faults = vec![crash(0, 5, None)];
    let (_, r) = run_for(&c, 10);
    assert_eq!(r.writes_lost_in_failover, 9);
    assert_eq!(r.failovers, 1);
    assert_eq!(r.unavailable, SimDuration::from_secs(2));
    assert_eq!(r.leader, Some(1), "ties go to the lowest index");
    // Writes at 5.00..=6.99 s fail: 200 of them.
    assert_eq!(r.failed_writes, 200);
    assert_eq!(r.writes, 1_000);
    assert_eq!(r.writes_acknowledged, 800);
}

#[test]
fn semi_sync_loses_no_acknowledged_write() {
    let mut c = config(ms(95));
    c.replication = Replication::SemiSync;
    c.faults = vec![crash(0, 5, None)];
    let (_, r) = run_for(&c, 10);
    assert_eq!(r.writes_lost_in_failover, 0);
    // The 9 writes still waiting for a follower fail with the leader, as do the 200 in the gap.
    assert_eq!(r.failed_writes, 209);
    assert_eq!(r.write_latency.max(), ms(95));
    assert_eq!(
        r.writes_acknowledged + r.failed_writes,
        r.writes - 10,
        "the writes of 9.91..=10.00 s are still waiting when the run ends"
    );
}

#[test]
fn promoting_the_first_follower_can_lose_semi_sync_writes() {
    // db[1] is 100 ms further behind than db[2]: semi-sync acknowledges on db[2], and a
    // failover to db[1] discards what only db[2] had.
    let mut c = config(ms(20));
    c.replication = Replication::SemiSync;
    c.promote = Promotion::First;
    c.faults = vec![
        crash(0, 5, None),
        DatabaseFault {
            kind: DatabaseFaultKind::Latency {
                node: Some(1),
                add: ms(100),
            },
            start: at_s(4),
            end: SimTime::MAX,
            position: 1,
        },
    ];
    let (_, r) = run_for(&c, 10);
    assert_eq!(r.leader, Some(1));
    // db[2] has every write up to 4.98 s, db[1] up to 4.88 s: 10 acknowledged writes lost.
    assert_eq!(r.writes_lost_in_failover, 10);
    let mut most = c.clone();
    most.promote = Promotion::MostCaughtUp;
    let (_, r) = run_for(&most, 10);
    assert_eq!(r.leader, Some(2));
    assert_eq!(r.writes_lost_in_failover, 0);
}

#[test]
fn a_leader_back_before_the_failover_leads_again_and_loses_nothing() {
    let mut c = config(ms(95));
    c.faults = vec![crash(0, 5, Some(6))];
    let (_, r) = run_for(&c, 10);
    assert_eq!(r.failovers, 0);
    assert_eq!(r.writes_lost_in_failover, 0);
    assert_eq!(r.leader, Some(0));
    assert_eq!(r.unavailable, SimDuration::from_secs(1));
    assert_eq!(r.failed_writes, 100);
}

#[test]
fn a_partitioned_follower_falls_behind_and_catches_up() {
    let mut c = config(SimDuration::ZERO);
    c.faults = vec![DatabaseFault {
        kind: DatabaseFaultKind::Partition {
            from: vec![0],
            to: vec![2],
            one_way: false,
        },
        start: at_s(2),
        end: at_s(4),
        position: 0,
    }];
    let (_, r) = run_for(&c, 10);
    // Half the reads of the 2 s window go to db[2], which misses every write since 2 s.
    assert!(r.stale_reads > 900, "{}", r.stale_reads);
    // Just before the heal it misses the 200 writes of 2.00..=3.99 s.
    assert_eq!(r.versions_behind.max(), SimDuration::from_nanos(200));
    // With no lag, the catch-up arrives at the heal itself: no stale read outside the window.
    let outside: f64 = r.series.stale_reads_per_s[..2].iter().sum::<f64>()
        + r.series.stale_reads_per_s[4..].iter().sum::<f64>();
    assert_eq!(outside, 0.0);
    assert_eq!(
        r.stale_reads as f64,
        r.series.stale_reads_per_s.iter().sum::<f64>()
    );
}

#[test]
fn a_slowdown_multiplies_the_lag_and_a_replica_loss_leaves_reads_to_the_rest() {
    let mut c = config(ms(2));
    c.faults = vec![
        DatabaseFault {
            kind: DatabaseFaultKind::Slowdown {
                node: None,
                factor: 5.0,
            },
            start: at_s(1),
            end: at_s(2),
            position: 0,
        },
        crash(2, 5, None),
    ];
    let (_, r) = run_for(&c, 10);
    assert_eq!(
        r.staleness.max(),
        ms(9),
        "a 10 ms lag: reads up to 9 ms later miss it"
    );
    assert_eq!(r.reads_per_node[2], r.reads_per_node[2].min(5_000));
    assert!(r.reads_per_node[1] > 7_000, "{:?}", r.reads_per_node);
    assert_eq!(r.failovers, 0);
}

#[test]
fn the_same_seed_is_the_same_run_and_another_seed_is_not() {
    let mut c = config(ms(5));
    c.replication_lag = Distribution::Exponential { mean: ms(5) };
    c.writes = Some(Arrival::Poisson { rate_per_s: 100.0 });
    c.faults = vec![crash(0, 3, Some(8))];
    let limits = Limits {
        pending_events_max: 10_000,
        events_max: 10_000_000,
        memory_max: u64::MAX,
    };
    let once = run(&c, 7, SimDuration::from_secs(10), ms(500), limits).unwrap();
    let again = run(&c, 7, SimDuration::from_secs(10), ms(500), limits).unwrap();
    assert_eq!(once, again);
    let other = run(&c, 8, SimDuration::from_secs(10), ms(500), limits).unwrap();
    assert_ne!(once.0.trace_hash, other.0.trace_hash);
}

#[test]
fn fault_records_name_nodes() {
    let c = config(ms(1));
    let partition = DatabaseFault {
        kind: DatabaseFaultKind::Partition {
            from: vec![0],
            to: vec![1, 2],
            one_way: false,
        },
        start: at_s(1),
        end: at_s(2),
        position: 0,
    };
    assert_eq!(
        crate::world::fault_list::database_record(&c, &partition).target,
        "db[0] ↔ db[1], db[2]"
    );
    assert_eq!(
        crate::world::fault_list::database_record(&c, &crash(1, 1, None)).kind,
        "replica_loss"
    );
    assert_eq!(
        crate::world::fault_list::database_record(&c, &crash(1, 1, Some(2))).kind,
        "crash"
    );
}

#[test]
fn runs_that_differ_only_in_outcomes_hash_differently() {
    let base = config(ms(5));
    let mut leader = base.clone();
    leader.read_from = ReadFrom::Leader;
    let (a, _) = run_for(&base, 5);
    let (b, _) = run_for(&leader, 5);
    assert_eq!(a.events, b.events, "the same arrivals");
    assert_ne!(a.trace_hash, b.trace_hash, "different reads");
}
