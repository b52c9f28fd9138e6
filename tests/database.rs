//! The leader–follower database end to end (issue #3): scenario JSON through
//! `faultline::simulate::simulate`, with the exact or theoretical consequence of each mechanism.
//!
//! Sources: Kleppmann, *Designing Data-Intensive Applications* (O'Reilly, 2017), ch. 5
//! "Replication" (replication lag makes follower reads stale; a failover under asynchronous
//! replication discards the old leader's unreplicated writes); MySQL 8.0 Reference Manual,
//! "Semisynchronous Replication" (a write is acknowledged once a replica has it, so a failover
//! to the most advanced replica loses no acknowledged write). The stale fraction of test
//! `constant_lag_stale_fraction_matches_poisson_theory` follows from the Poisson process (no
//! write in the last L with probability e^(−λL)) and PASTA (Wolff, "Poisson Arrivals See Time
//! Averages", Operations Research 30(2), 1982): Poisson reads see the time-average.

// Tolerances use f64::sqrt and f64::exp: test arithmetic, not a sampling formula, so the libm
// rule (which keeps sampled values identical across platforms) does not apply.
#![allow(clippy::disallowed_methods)]

use faultline::simulate::{simulate, Simulated};
use reports::summary::DatabaseSummary;

/// A database-only scenario lasting `duration`, with `database` and `faults` spliced in.
fn scenario(duration: &str, database: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "db-test", "duration": "{duration}", "warmup": "1s",
  "database": {{ {database} }},
  "faults": [ {faults} ] }}"#
    )
}

fn run_with(text: &str, set: &[&str], seed: u64) -> Simulated {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    simulate(text, "db-test", None, &set, seed).unwrap_or_else(|e| panic!("{e}"))
}

fn database(simulated: &Simulated) -> &DatabaseSummary {
    simulated
        .summary
        .database
        .as_ref()
        .expect("the summary has a database object")
}

/// Constant writes every 5 ms, Poisson reads from the followers, a constant lag of `lag`.
fn constant(lag: &str, replication: &str) -> String {
    format!(
        r#""writes": {{ "kind": "constant", "rate_per_s": 200 }},
    "reads": {{ "kind": "poisson", "rate_per_s": 500 }},
    "replication": "{replication}",
    "replication_lag": {{ "kind": "constant", "value": "{lag}" }},
    "failover_after": "5s""#
    )
}

#[test]
fn zero_lag_serves_no_stale_read_even_through_a_failover() {
    let text = scenario(
        "30s",
        r#""writes": { "kind": "poisson", "rate_per_s": 300 },
    "reads": { "kind": "poisson", "rate_per_s": 900 },
    "replication_lag": { "kind": "constant", "value": "0s" },
    "failover_after": "2s""#,
        r#"{ "kind": "crash", "target": "db[0]", "at": "10s" },
    { "kind": "crash", "target": "db[2]", "at": "20s", "for": "3s" },
    { "kind": "slowdown", "target": "db", "at": "5s", "for": "5s", "factor": 10 }"#,
    );
    let run = run_with(&text, &[], 1);
    let d = database(&run);
    assert!(d.reads > 20_000, "{}", d.reads);
    assert_eq!(d.stale_reads, 0);
    assert_eq!(d.writes_lost_in_failover, 0);
    assert_eq!(d.failovers, 1);
}

#[test]
fn constant_lag_stale_fraction_matches_poisson_theory() {
    // Poisson writes at λ = 50/s and a constant lag L = 10 ms: a read is stale iff a write
    // committed in the last L, so P(stale) = 1 − e^(−λL) = 1 − e^(−0.5) ≈ 0.3935; a stale
    // read misses N ≥ 1 writes with N ~ Poisson(λL), so E[N | N ≥ 1] = λL / (1 − e^(−λL)).
    let text = scenario(
        "600s",
        r#""writes": { "kind": "poisson", "rate_per_s": 50 },
    "reads": { "kind": "poisson", "rate_per_s": 200 },
    "replication_lag": { "kind": "constant", "value": "10ms" }"#,
        "",
    );
    let lambda_l: f64 = 50.0 * 0.010;
    let p = 1.0 - (-lambda_l).exp();
    let versions = lambda_l / p;
    for seed in [1, 2, 3] {
        let run = run_with(&text, &[], seed);
        let d = database(&run);
        let observed = d.stale_reads as f64 / d.reads as f64;
        let behind = d.versions_behind.mean.expect("some reads were stale");
        // Over seeds 1–50 the fraction has mean 0.3937 and sd 0.0022, and the mean versions
        // behind 1.2713 and sd 0.0038: each tolerance is over five standard deviations.
        eprintln!(
            "seed {seed}: stale {observed:.4} (theory {p:.4}), versions {behind:.4} (theory {versions:.4})",
        );
        assert!(
            (observed - p).abs() < 0.012,
            "seed {seed}: {observed} vs {p}"
        );
        assert!(
            (behind - versions).abs() < 0.02,
            "seed {seed}: {behind} vs {versions}",
        );
        assert!(
            d.staleness_ms.max.is_some_and(|max| max <= 10.0),
            "no read is staler than the lag"
        );
    }
}

#[test]
fn async_failover_loses_the_writes_acknowledged_within_one_lag_of_the_crash() {
    // Writes every 5 ms, lag 100 ms: when db[0] crashes at 10 s, the followers lack the writes
    // of the last 100 ms, (9.9 s, 10 s]: 20 of them, less the one at exactly 10 s, which
    // arrives after the crash (faults act first at equal times) and fails.
    let crash = r#"{ "kind": "crash", "target": "db[0]", "at": "10s" }"#;
    let run = run_with(&scenario("20s", &constant("100ms", "async"), crash), &[], 1);
    let d = database(&run);
    assert!(
        (19..=20).contains(&d.writes_lost_in_failover),
        "{}",
        d.writes_lost_in_failover
    );
    assert_eq!(d.failovers, 1);
    // Semi-sync: those writes were never acknowledged, so none is lost; they fail instead.
    let run = run_with(
        &scenario("20s", &constant("100ms", "semi_sync"), crash),
        &[],
        1,
    );
    let semi = database(&run);
    assert_eq!(semi.writes_lost_in_failover, 0);
    assert_eq!(
        semi.failed_writes,
        d.failed_writes + d.writes_lost_in_failover,
        "semi-sync fails exactly the writes async acknowledged and lost"
    );
    assert!(semi
        .write_latency_ms
        .max
        .is_some_and(|max| (max - 100.0).abs() < 0.5));
}

#[test]
fn one_crash_leaves_the_database_without_a_leader_for_failover_after_exactly() {
    let crash = r#"{ "kind": "crash", "target": "db[0]", "at": "7s" }"#;
    for after in ["5s", "1500ms", "0s"] {
        let run = run_with(
            &scenario("20s", &constant("3ms", "async"), crash),
            &[&format!("database.failover_after=\"{after}\"")],
            4,
        );
        let d = database(&run);
        let expected = sim_core::SimDuration::parse(after).unwrap().as_secs_f64();
        assert_eq!(d.unavailable_s, expected, "failover_after {after}");
        assert_eq!(d.failovers, 1);
        assert_eq!(d.leader.as_deref(), Some("db[1]"));
    }
}

#[test]
fn reads_from_the_leader_are_never_stale_but_fail_without_one() {
    let faults = r#"{ "kind": "crash", "target": "db[0]", "at": "5s", "for": "10s" },
    { "kind": "latency", "target": "db", "at": "2s", "for": "6s", "add": "300ms" }"#;
    let text = scenario("20s", &constant("20ms", "async"), faults);
    let leader = run_with(&text, &["database.read_from=\"leader\""], 1);
    let d = database(&leader);
    assert_eq!(d.stale_reads, 0);
    assert!(d.failed_reads > 2_000, "reads fail during the 5 s failover");
    assert_eq!(d.reads_per_node[2], 0, "db[2] never leads");
    let followers = run_with(&text, &[], 1);
    assert!(database(&followers).stale_reads > 1_000);
    assert_eq!(database(&followers).failed_reads, 0);
}

#[test]
fn the_same_seed_gives_the_same_summary_and_another_seed_does_not() {
    let entry = scenarios::catalog::find("replication-lag").unwrap();
    let once = simulate(entry.text, "catalog:replication-lag", None, &[], 9).unwrap();
    let again = simulate(entry.text, "catalog:replication-lag", None, &[], 9).unwrap();
    assert_eq!(once.summary.to_json(), again.summary.to_json());
    let other = simulate(entry.text, "catalog:replication-lag", None, &[], 10).unwrap();
    assert_ne!(once.summary.trace_hash, other.summary.trace_hash);
    // Variants change no event, only outcomes; the trace hash tells them apart all the same.
    let semi = simulate(entry.text, "x", Some("semi-sync"), &[], 9).unwrap();
    assert_eq!(once.summary.events, semi.summary.events);
    assert_ne!(once.summary.trace_hash, semi.summary.trace_hash);
}

#[test]
fn a_traced_replay_reproduces_the_trace_hash() {
    let entry = scenarios::catalog::find("replication-lag").unwrap();
    let scenario = entry.load(&Default::default()).unwrap();
    let plain = models::run(&scenario.world, 3).unwrap();
    let options = models::TraceOptions {
        from: sim_core::SimTime::ZERO,
        to: sim_core::SimTime::ZERO,
        events_from: u64::MAX,
        until_event: None,
        records_max: 0,
    };
    let traced = models::run_traced(&scenario.world, 3, options).unwrap();
    assert_eq!(traced.stats, Some(plain.stats));
}

#[test]
fn the_catalog_scenario_shows_what_its_lesson_says() {
    let entry = scenarios::catalog::find("replication-lag").unwrap();
    let variant = |v: &str| simulate(entry.text, "catalog:replication-lag", Some(v), &[], 1);
    let asynchronous = variant("async").unwrap();
    let semi = variant("semi-sync").unwrap();
    let leader = variant("read-leader").unwrap();
    let (a, s, l) = (database(&asynchronous), database(&semi), database(&leader));
    assert!(a.stale_reads > 0 && a.writes_lost_in_failover > 0, "{a:?}");
    assert_eq!(s.writes_lost_in_failover, 0);
    assert!(s.write_latency_ms.p99 > a.write_latency_ms.p99);
    assert_eq!(l.stale_reads, 0);
    assert!(
        l.reads_per_node.iter().max() > a.reads_per_node.iter().max(),
        "reading from the leader concentrates the load"
    );
    for run in [&asynchronous, &semi, &leader] {
        assert_eq!(database(run).unavailable_s, 10.0);
        assert!(run.summary.slos_met(), "no SLO: the run exits 0");
    }
}

#[test]
fn faults_are_listed_in_file_order_among_the_worlds() {
    let text = r#"{ "name": "mixed", "duration": "10s",
  "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 10 } } ],
  "services": [ { "name": "api", "service_time": { "kind": "constant", "value": "1ms" } } ],
  "database": { "writes": { "kind": "constant", "rate_per_s": 10 },
                "reads": { "kind": "constant", "rate_per_s": 10 },
                "replication_lag": { "kind": "constant", "value": "1ms" } },
  "faults": [ { "kind": "slowdown", "target": "api", "at": "1s", "for": "1s", "factor": 2 },
              { "kind": "crash", "target": "db[1]", "at": "2s", "for": "1s" },
              { "kind": "latency", "target": "api", "at": "3s", "add": "1ms" },
              { "kind": "partition", "groups": [["db[0]"], ["db[1]", "db[2]"]], "at": "4s", "for": "1s" } ] }"#;
    let run = run_with(text, &[], 1);
    let listed: Vec<(&str, &str)> = run
        .summary
        .faults
        .iter()
        .map(|f| (f.kind.as_str(), f.target.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            ("slowdown", "api"),
            ("crash", "db[1]"),
            ("latency", "api"),
            ("partition", "db[0] ↔ db[1], db[2]")
        ]
    );
}

#[test]
fn adding_a_database_changes_nothing_in_the_world() {
    let world = r#""clients": [ { "name": "web", "target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 } } ],
  "services": [ { "name": "api", "service_time": { "kind": "exponential", "mean": "2ms" } } ]"#;
    let without = format!(r#"{{ "name": "w", "duration": "10s", {world} }}"#);
    let with = format!(
        r#"{{ "name": "w", "duration": "10s", {world},
  "database": {{ "writes": {{ "kind": "poisson", "rate_per_s": 10 }}, "reads": {{ "kind": "poisson", "rate_per_s": 10 }},
                 "replication_lag": {{ "kind": "constant", "value": "1ms" }} }} }}"#
    );
    let (a, b) = (run_with(&without, &[], 5), run_with(&with, &[], 5));
    assert_eq!(a.summary.clients, b.summary.clients);
    assert_eq!(a.summary.services, b.summary.services);
    assert!(a.summary.database.is_none() && b.summary.database.is_some());
    assert!(
        !a.summary.to_json().contains("\"database\""),
        "absent, not null"
    );
    assert!(b.summary.events > a.summary.events);
}

/// The error message for `text`, which must not validate.
fn refusal(text: &str) -> String {
    match scenarios::parse(text, "t.json", &Default::default()) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_database_input_is_refused_with_its_path_and_a_fix() {
    let lag = r#""writes": { "kind": "poisson", "rate_per_s": 10 }, "reads": { "kind": "poisson", "rate_per_s": 10 }, "replication_lag": { "kind": "constant", "value": "1ms" }"#;
    let cases = [
        (
            format!(r#""followers": 0, {lag}"#),
            "",
            "t.json: database.followers: must be at least 1 (got 0)",
        ),
        (
            format!(r#""read_from": "folowers", {lag}"#),
            "",
            "database.read_from: `folowers` is not one of",
        ),
        (
            lag.to_string(),
            r#"{ "kind": "crash", "target": "db[3]", "at": "1s" }"#,
            "t.json: faults[0].target: names node 3, but `db` has 3",
        ),
        (
            lag.to_string(),
            r#"{ "kind": "crash", "target": "dbb[1]", "at": "1s" }"#,
            "did you mean `db`?",
        ),
        (
            lag.to_string(),
            r#"{ "kind": "error_burst", "target": "db", "at": "1s", "fraction": 0.5 }"#,
            "t.json: faults[0].kind: does not apply to the database `db`",
        ),
        (
            lag.to_string(),
            r#"{ "kind": "crash", "target": "db[0]", "at": "1s", "while_down": "black_hole" }"#,
            "faults[0].while_down: is not a parameter of `crash` on a database node",
        ),
        (
            lag.to_string(),
            r#"{ "kind": "partition", "groups": [["db[0]"], ["db"]], "at": "1s" }"#,
            "faults[0].groups: must not share a node between the two sides",
        ),
        (
            format!(r#""name": "api", {lag}"#),
            "",
            "database.name: the name `api` is already used by services[0].name",
        ),
    ];
    for (block, faults, expected) in cases {
        let text = format!(
            r#"{{ "name": "t", "duration": "10s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 1 }} }} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
  "database": {{ {block} }}, "faults": [ {faults} ] }}"#
        );
        let message = refusal(&text);
        assert!(
            message.contains(expected),
            "{message}\nexpected: {expected}"
        );
    }
    let mixed = refusal(&format!(
        r#"{{ "name": "t", "duration": "10s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 1 }} }} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
  "database": {{ {lag} }},
  "faults": [ {{ "kind": "partition", "groups": [["db[0]"], ["api"]], "at": "1s" }} ] }}"#
    ));
    assert!(
        mixed.contains("faults[0].groups[1][0]: must name a node of the database `db`"),
        "{mixed}"
    );
    assert!(
        refusal(r#"{ "name": "t", "duration": "10s" }"#)
            .contains("clients: must list at least one client"),
        "without a database, clients are still required"
    );
}

#[test]
fn a_call_without_an_op_a_client_naming_the_database_or_the_election_is_a_clear_error() {
    // Services call the database with an `op`; clients call services; nothing calls the
    // election yet. Each mistake is refused with its path and what to do, not "no service named".
    let world = |calls: &str, target: &str| {
        format!(
            r#"{{ "name": "t", "duration": "10s",
  "clients": [ {{ "name": "web", "target": "{target}", "arrival": {{ "kind": "constant", "rate_per_s": 10 }} }} ],
  "services": [ {{ "name": "api", "service_time": {{ "kind": "constant", "value": "1ms" }}, "calls": [ {calls} ] }},
                {{ "name": "search", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
  "database": {{ "name": "db", "replication_lag": {{ "kind": "constant", "value": "1ms" }} }},
  "election": {{ "name": "lease", "nodes": 3, "lease": "10s", "renew_every": "2s", "retry_every": "1s" }} }}"#
        )
    };
    let call = refusal(&world(r#"{ "service": "db" }"#, "api"));
    assert!(
        call.contains("services[0] (api).calls[0] (db).op: is required for a call to the database"),
        "{call}"
    );
    assert!(call.contains(r#""op": "read""#), "{call}");
    let op = refusal(&world(r#"{ "service": "search", "op": "read" }"#, "api"));
    assert!(
        op.contains("services[0] (api).calls[0] (search).op: is only for calls to the database"),
        "{op}"
    );
    let client = refusal(&world("", "db"));
    assert!(
        client.contains("clients[0] (web).target: names the database, which clients cannot call"),
        "{client}"
    );
    let election = refusal(&world("", "lease"));
    assert!(
        election.contains("clients[0] (web).target: names the lease election"),
        "{election}"
    );
    let semi = refusal(
        &world(r#"{ "service": "db", "op": "write" }"#, "api").replace(
            r#""name": "db","#,
            r#""name": "db", "replication": "semi_sync","#,
        ),
    );
    assert!(
        semi.contains(r#"database.replication: must be "async" when services call the database"#),
        "{semi}"
    );
}

/// `web` → `api` → `db`, with the database spliced in and `calls` as api's calls; `clients`
/// are extra client objects (each targets `api`).
fn called(database: &str, calls: &str, clients: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "db-test", "duration": "20s", "warmup": "1s",
  "clients": [ {clients} ],
  "services": [ {{ "name": "api", "workers": 64, "service_time": {{ "kind": "constant", "value": "0s" }},
                  "calls": [ {calls} ] }} ],
  "database": {{ {database} }},
  "faults": [ {faults} ] }}"#
    )
}

#[test]
fn every_acknowledged_write_lost_in_a_failover_is_one_lost_write_at_its_client() {
    // Two clients write through api every 10 ms each (constant, no latency anywhere, a 0 s
    // service time at the database), lag 100 ms: when db[0] crashes at 10 s its followers
    // lack the writes of (9.9 s, 10 s), 18 of them (the two at exactly 9.9 s arrive at 10 s;
    // the two at 10 s may come before or after the crash), and a failover 5 s later discards
    // them. Each
    // was acknowledged to the call of one client's request: the clients' lost writes add up
    // to the database's exactly, and so do their failed writes (those of the leaderless 5 s).
    // Kleppmann (2017), ch. 5, "Handling Node Outages".
    let client = |name: &str| {
        format!(
            r#"{{ "name": "{name}", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 100 }} }}"#
        )
    };
    let text = called(
        r#""replication_lag": { "kind": "constant", "value": "100ms" }, "failover_after": "5s",
           "service_time": { "kind": "constant", "value": "0s" }"#,
        r#"{ "service": "db", "op": "write" }"#,
        &format!("{}, {}", client("web"), client("app")),
        r#"{ "kind": "crash", "target": "db[0]", "at": "10s" }"#,
    );
    let run = run_with(&text, &[], 1);
    let d = database(&run).clone();
    let clients: Vec<_> = ["web", "app"]
        .iter()
        .map(|name| {
            run.summary.clients[*name]
                .database
                .unwrap_or_else(|| panic!("{name} has a database object"))
        })
        .collect();
    let sum = |f: fn(&reports::summary::ClientDatabaseSummary) -> u64| -> u64 {
        clients.iter().map(f).sum()
    };
    assert!(
        (18..=20).contains(&d.writes_lost_in_failover),
        "{}",
        d.writes_lost_in_failover
    );
    assert_eq!(sum(|c| c.writes_lost), d.writes_lost_in_failover);
    assert_eq!(sum(|c| c.writes), d.writes);
    assert_eq!(sum(|c| c.writes_acknowledged), d.writes_acknowledged);
    assert_eq!(sum(|c| c.failed_writes), d.failed_writes);
    // 5 s without a leader at 200 writes/s: every one of them failed, at its client.
    assert!(
        (990..=1010).contains(&d.failed_writes),
        "{}",
        d.failed_writes
    );
    for (name, c) in ["web", "app"].iter().zip(&clients) {
        let summary = &run.summary.clients[*name];
        assert_eq!(
            summary.failed, c.failed_writes,
            "{name}: a request fails iff its write failed (no retry)"
        );
        assert!(c.writes_lost > 0, "{name} lost some of the writes");
    }
}

#[test]
fn client_reads_through_a_call_are_stale_as_often_as_the_lag_model_says() {
    // The database's own Poisson writes at λ = 50/s, a constant lag L = 10 ms, and reads only
    // from web's Poisson requests through api: a read is stale iff a write committed in the
    // last L, P = 1 − e^(−λL) ≈ 0.3935 (PASTA: a Poisson process shifted by constant times is
    // still Poisson). Measured on the client's reads, not the database's own.
    let text = called(
        r#""writes": { "kind": "poisson", "rate_per_s": 50 },
           "replication_lag": { "kind": "constant", "value": "10ms" }"#,
        r#"{ "service": "db", "op": "read" }"#,
        r#"{ "name": "web", "target": "api", "arrival": { "kind": "poisson", "rate_per_s": 200 } }"#,
        "",
    )
    .replace(r#""duration": "20s""#, r#""duration": "600s""#);
    let p = 1.0 - (-50.0f64 * 0.010).exp();
    for seed in [1, 2] {
        let run = run_with(&text, &[], seed);
        let web = run.summary.clients["web"].database.expect("web reads");
        let observed = web.stale_reads as f64 / web.reads as f64;
        eprintln!(
            "seed {seed}: {observed:.4} of {} reads stale (theory {p:.4})",
            web.reads
        );
        assert!(web.reads > 100_000, "{}", web.reads);
        // As the database's own reads in the test above: sd about 0.0022 over seeds; the
        // tolerance is over five of them.
        assert!(
            (observed - p).abs() < 0.012,
            "seed {seed}: {observed} vs {p}"
        );
        assert_eq!(web.stale_fraction, Some((observed * 1e6).round() / 1e6));
        assert_eq!(web.failed_reads, 0);
        let d = database(&run);
        assert_eq!(
            d.reads, web.reads,
            "the database served exactly the client's reads"
        );
        assert_eq!(d.stale_reads, web.stale_reads);
    }
}

#[test]
fn a_crashed_node_refuses_calls_and_the_client_sees_it() {
    // db[1] (a follower) is down from 5 s to 10 s: reads routed per `read_from` go only to
    // live followers, so no read fails; the replica standing for db[1] serves nothing then.
    let text = called(
        r#""replication_lag": { "kind": "constant", "value": "1ms" }"#,
        r#"{ "service": "db", "op": "read" }"#,
        r#"{ "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 100 } }"#,
        r#"{ "kind": "crash", "target": "db[1]", "at": "5s", "for": "5s" }"#,
    );
    let run = run_with(&text, &[], 1);
    let web = &run.summary.clients["web"];
    assert_eq!(web.failed, 0, "reads avoid the crashed follower");
    let d = database(&run);
    // The database's figures stop at the end of the run; the request arriving at exactly
    // 20 s reads 1 ms later, in the drain, and counts only at its client.
    let reads = web.database.expect("web reads").reads;
    assert_eq!((reads, web.requests), (1901, 1901));
    assert_eq!(d.reads, reads - 1);
    // Both followers share the reads outside the crash; db[2] alone serves them during it.
    let (one, two) = (d.reads_per_node[1] as f64, d.reads_per_node[2] as f64);
    assert!(two > one * 1.5, "db[2] served {two}, db[1] {one}");
    assert_eq!(
        d.reads_per_node[0], 0,
        "the leader serves no read from followers"
    );
}
