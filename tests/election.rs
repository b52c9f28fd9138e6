//! Leader election with leases end to end (issue #3): scenario JSON with an `election` block,
//! run through the library's own `simulate`, and the exact consequences of clocks and faults.
//!
//! Each test states the mechanism it pins. Store latency is a constant 1 ms and writes are
//! constant-rate where exactness needs it, so expected times follow by arithmetic: node 0
//! asks at 0 s and acts from 2 ms; it renews every 2 s from 2.002 s; node 1 asks at 1/3 s
//! past each second, node 2 at 2/3 s.

use faultline::simulate::{simulate, Simulated};
use reports::summary::ElectionSummary;

/// One idle client and service (the format needs them), and an election of three nodes with a
/// 10 s lease, 2 s renewals, 1 s retries and 20 constant writes per second; `election` adds
/// fields to the block, `faults` is spliced in.
fn scenario(election: &str, faults: &str, extra: &str) -> String {
    format!(
        r#"{{ "name": "election-test", "duration": "60s",
  "clients": [ {{ "name": "probe", "target": "app", "arrival": {{ "kind": "constant", "rate_per_s": 1 }} }} ],
  "services": [ {{ "name": "app", "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
  "election": {{ "lease": "10s", "renew_every": "2s", "retry_every": "1s",
                 "writes": {{ "kind": "constant", "rate_per_s": 20 }} {election} }},
  "faults": [ {faults} ] {extra} }}"#
    )
}

/// Node 0 cut off from the store from 20 s on, for `secs` seconds.
fn cut(secs: u64) -> String {
    format!(
        r#"{{ "kind": "partition", "groups": [["election[0]"], ["election.store"]], "at": "20s", "for": "{secs}s" }}"#
    )
}

fn run(text: &str, set: &[&str], seed: u64) -> Simulated {
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    simulate(text, "election-test", None, &set, seed).unwrap_or_else(|e| panic!("{e}"))
}

fn election(text: &str, set: &[&str]) -> ElectionSummary {
    run(text, set, 1)
        .summary
        .election
        .expect("an election block gives an election summary")
}

#[test]
fn perfect_clocks_never_split_and_lack_a_leader_only_at_start_up() {
    let e = election(&scenario("", "", ""), &[]);
    assert_eq!(e.split_brain_s, 0.0);
    assert_eq!(
        e.leaderless_s, 0.002,
        "node 0's request and grant, 1 ms each"
    );
    assert_eq!(e.leader_changes, 1);
    assert_eq!(e.stale_writes, 0);
    assert_eq!(e.acting_s["election[0]"], 59.998);
    // Over many seeds with random latency, still never two leaders.
    for seed in 1..=20 {
        let text = scenario(
            r#", "store_latency": { "kind": "exponential", "mean": "3ms" }, "nodes": 5"#,
            "",
            "",
        );
        let e = run(&text, &[], seed).summary.election.unwrap();
        assert_eq!(e.split_brain_s, 0.0, "seed {seed}");
        assert!(e.leaderless_s < 0.1, "seed {seed}: {e:?}");
    }
}

#[test]
fn a_slow_holder_clock_or_a_backward_jump_beyond_the_margin_splits_the_brain() {
    // Cut off from 20 s to 29 s with its clock 40% slow from 20 s: node 0 acts until its clock
    // has counted the 8 s of lease left, 13.3 s of true time; the store expires the lease at
    // about 28 s and node 1 takes over at 28.33 s.
    let slow =
        r#"{ "kind": "drift_change", "target": "election[0]", "at": "20s", "drift_ppm": -400000 }"#;
    let e = election(&scenario("", &format!("{}, {slow}", cut(9)), ""), &[]);
    assert!(e.split_brain_s > 0.5, "{e:?}");
    assert!(e.stale_writes > 0, "{e:?}");
    assert_eq!(e.stale_writes_accepted, e.stale_writes);
    // The same through the `clocks` block: 40% slow from the start, never a problem while the
    // leader can renew, a split brain once it cannot.
    let clocks = r#", "clocks": [ { "target": "election[0]", "drift_ppm": -400000 } ]"#;
    let e = election(&scenario("", &cut(9), clocks), &[]);
    assert!(e.split_brain_s > 0.5 && e.stale_writes > 0, "{e:?}");
    // A backward step of 3 s on the cut-off holder, with and without a margin that covers it.
    let jump = r#"{ "kind": "clock_jump", "target": "election[0]", "at": "21s", "by": "-3s" }"#;
    let text = scenario("", &format!("{}, {jump}", cut(9)), "");
    let e = election(&text, &[]);
    assert!(e.split_brain_s > 0.0 && e.stale_writes > 0, "{e:?}");
    let margin = election(&text, &["election.safety_margin=\"3500ms\""]);
    assert_eq!(margin.split_brain_s, 0.0, "{margin:?}");
    assert_eq!(margin.stale_writes, 0, "{margin:?}");
    // Skew inside the margin is harmless: 100 ppm slow moves a 10 s lease by 1 ms.
    let realistic = r#", "clocks": [ { "target": "election", "drift_ppm": -100 } ]"#;
    let e = election(&scenario("", &cut(40), realistic), &[]);
    assert_eq!(e.split_brain_s, 0.0, "{e:?}");
}

#[test]
fn fencing_tokens_stop_every_stale_write_on_the_same_seed() {
    let jump = r#"{ "kind": "clock_jump", "target": "election[0]", "at": "21s", "by": "-3s" }"#;
    let text = scenario(
        r#", "store_latency": { "kind": "uniform", "min": "1ms", "max": "5ms" }"#,
        &format!("{}, {jump}", cut(9)),
        "",
    );
    let open = run(&text, &[], 3);
    let fenced = run(&text, &["election.fencing=true"], 3);
    let (o, f) = (
        open.summary.election.as_ref().unwrap(),
        fenced.summary.election.as_ref().unwrap(),
    );
    assert!(o.stale_writes_accepted > 0, "{o:?}");
    assert_eq!(o.writes_rejected, 0);
    assert_eq!(f.stale_writes_accepted, 0, "{f:?}");
    assert!(f.writes_rejected > 0);
    // Fencing changes what the store does, not what the nodes do: the same writes arrive.
    assert_eq!(f.writes_rejected, o.stale_writes);
    assert_eq!(f.writes, o.writes);
    assert_eq!(f.split_brain_s, o.split_brain_s);
    assert_eq!(fenced.summary.events, open.summary.events);
    assert_ne!(fenced.summary.trace_hash, open.summary.trace_hash);
    let text = reports::render(&fenced.summary);
    assert!(
        text.contains("election (3 nodes, fencing on): split brain "),
        "{text}"
    );
    let rejected = format!("(0 applied, {} rejected by fencing)", f.writes_rejected);
    assert!(text.contains(&rejected), "{text}");
}

#[test]
fn a_backward_jump_extends_the_cut_off_holders_rule_by_exactly_the_jump() {
    // Cut off for good at 20 s, node 0's last grant is for its request of 18.002 s: it acts
    // until its clock reads 28.002 s, and a backward step of J adds exactly J of true time.
    let plain = election(&scenario("", &cut(40), ""), &[]);
    assert_eq!(plain.acting_s["election[0]"], 28.0);
    for by in ["1ns", "1234567891ns", "3s"] {
        let jump = format!(
            r#"{{ "kind": "clock_jump", "target": "election[0]", "at": "21s", "by": "-{by}" }}"#
        );
        let e = election(&scenario("", &format!("{}, {jump}", cut(40)), ""), &[]);
        let nanos = |s: f64| (s * 1e9).round() as i64;
        let extended = nanos(e.acting_s["election[0]"]) - nanos(plain.acting_s["election[0]"]);
        let jump = sim_core::SimDuration::parse(by).unwrap().as_nanos() as i64;
        assert_eq!(extended, jump, "a backward jump of {by}");
    }
}

#[test]
fn a_crashed_leader_is_replaced_once_its_lease_expires_at_the_store() {
    // Node 0's renewal of 40.002 s reaches the store at 40.003 s (expiry 50.003 s); it
    // crashes at 40.5 s. Node 1's first request after the expiry leaves at 50.333 s and its
    // grant arrives 2 ms later.
    let crash = r#"{ "kind": "crash", "target": "election[0]", "at": "40.5s", "for": "15s" }"#;
    let e = election(&scenario("", crash, ""), &[]);
    let gap = e.leaderless_s - 0.002;
    assert!((gap - (50.335_333_333 - 40.5)).abs() < 1e-9, "{e:?}");
    // The lease left at the crash, up to one retry period (plus a round trip) more.
    let lease_left = 50.003 - 40.5;
    assert!(
        gap >= lease_left && gap <= lease_left + 1.0 + 0.002,
        "{gap}"
    );
    assert_eq!(e.split_brain_s, 0.0);
    assert_eq!(e.leader_changes, 2);
    assert_eq!(e.acting_s["election[2]"], 0.0);
    // Restarted at 55.5 s, node 0 asks again and is refused: node 1 keeps the lease.
    assert_eq!(e.acquisitions, 2);
}

#[test]
fn a_pause_sends_one_write_with_an_expired_lease() {
    // A 15 s stop-the-world pause from 20 s: node 0's belief ends on time (its clock runs),
    // node 1 takes over, and the write node 0 had checked before the pause lands at 35 s.
    let pause = r#"{ "kind": "pause", "target": "election[0]", "at": "20s", "for": "15s" }"#;
    let e = election(&scenario("", pause, ""), &[]);
    assert_eq!(e.split_brain_s, 0.0);
    assert_eq!(e.stale_writes, 1);
    let f = election(&scenario(r#", "fencing": true"#, pause, ""), &[]);
    assert_eq!((f.stale_writes_accepted, f.writes_rejected), (0, 1));
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let jump = r#"{ "kind": "clock_jump", "target": "election", "at": "21s", "by": "-3s" }"#;
    let text = scenario(
        r#", "store_latency": { "kind": "lognormal", "p50": "2ms", "p99": "20ms" }"#,
        &format!("{}, {jump}", cut(9)),
        "",
    );
    let poisson = [r#"election.writes={"kind": "poisson", "rate_per_s": 50}"#];
    let once = run(&text, &poisson, 11).summary;
    let twice = run(&text, &poisson, 11).summary;
    assert_eq!(once.to_json(), twice.to_json());
    let other = run(&text, &poisson, 12).summary;
    assert_ne!(once.trace_hash, other.trace_hash);
    // Election faults are listed with the world's, in file order.
    let kinds: Vec<&str> = once.faults.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["partition", "clock_jump"]);
    assert_eq!(once.faults[0].target, "election[0] ↔ election.store");
}

#[test]
fn a_scenario_without_an_election_prints_no_election_key() {
    let text = scenario("", "", "").replace(
        r#""election": { "lease": "10s", "renew_every": "2s", "retry_every": "1s",
                 "writes": { "kind": "constant", "rate_per_s": 20 }  },"#,
        "",
    );
    let summary = run(&text, &[], 1).summary;
    assert!(summary.election.is_none(), "{text}");
    let json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
    assert!(json.get("election").is_none(), "omitted, not null");
}

#[test]
fn wrong_election_names_are_refused_with_their_path_and_a_suggestion() {
    let refused = |faults: &str, extra: &str| -> String {
        let text = scenario("", faults, extra);
        scenarios::parse(&text, "f.json", &Default::default())
            .expect_err("an invalid scenario")
            .to_string()
    };
    let message = refused(
        r#"{ "kind": "crash", "target": "election[5]", "at": "1s" }"#,
        "",
    );
    assert!(
        message.contains("f.json: faults[0].target: names node 5, but `election` has 3"),
        "{message}"
    );
    let message = refused(
        r#"{ "kind": "crash", "target": "electon[0]", "at": "1s" }"#,
        "",
    );
    assert!(message.contains("faults[0].target"), "{message}");
    assert!(message.contains("`election`"), "{message}");
    let message = refused(
        r#"{ "kind": "partition", "groups": [["election[0]"], ["app"]], "at": "1s" }"#,
        "",
    );
    assert!(
        message.contains("faults[0].groups[1][0]: is not an endpoint of the election"),
        "{message}"
    );
    // A service replica can be paused too (issue #3's gray failures), but a client cannot.
    let message = refused(r#"{ "kind": "pause", "target": "probe", "at": "1s" }"#, "");
    assert!(message.contains("faults[0].target"), "{message}");
    let message = refused(
        r#"{ "kind": "slowdown", "target": "election", "at": "1s", "factor": 2 }"#,
        "",
    );
    assert!(
        message.contains("faults[0].kind: does not apply"),
        "{message}"
    );
    let message = refused(
        "",
        r#", "clocks": [ { "target": "election.stor", "drift_ppm": 1 } ]"#,
    );
    assert!(message.contains("clocks[0].target"), "{message}");
    let text = scenario(r#", "name": "app""#, "", "");
    let message = scenarios::parse(&text, "f.json", &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("election.name: the name `app` is already used by services[0].name"),
        "{message}"
    );
    let text = scenario("", "", "").replace(r#""renew_every": "2s""#, r#""renew_every": "10s""#);
    let message = scenarios::parse(&text, "f.json", &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("election.renew_every: must be shorter"),
        "{message}"
    );
}

/// `users` → a leader-only `orders` service (3 replicas: the election's nodes), with no
/// writes of the election's own, so every write the store sees is a user's; `election` adds
/// fields, `faults` is spliced in.
fn leader_only(election: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "election-test", "duration": "90s", "warmup": "10s",
  "clients": [ {{ "name": "users", "target": "orders", "arrival": {{ "kind": "poisson", "rate_per_s": 100 }},
                 "timeout": "1s", "retry": {{ "max_attempts": 3, "backoff": {{ "kind": "constant", "delay": "100ms" }} }} }} ],
  "services": [ {{ "name": "orders", "replicas": 3, "workers": 16, "leader_only": true,
                   "service_time": {{ "kind": "exponential", "mean": "5ms" }} }} ],
  "election": {{ "nodes": 3, "lease": "10s", "renew_every": "2s", "retry_every": "1s",
                 "store_latency": {{ "kind": "constant", "value": "1ms" }},
                 "writes": {{ "kind": "constant", "rate_per_s": 0 }} {election} }},
  "faults": [ {faults} ] }}"#
    )
}

/// The split brain of `a_backward_jump_extends_...`: node 0 cut off from the store at 40 s for
/// 12 s, its clock stepped back 5 s at 42 s.
const SPLIT: &str = r#"{ "kind": "partition", "groups": [["election[0]"], ["election.store"]], "at": "40s", "for": "12s" },
    { "kind": "clock_jump", "target": "election[0]", "at": "42s", "by": "-5s" }"#;

#[test]
fn a_split_brain_is_seen_as_conflicting_user_writes_and_fencing_refuses_each_one() {
    // Kleppmann, "How to do distributed locking" (2016): a node that believes it holds an
    // expired lease keeps writing; a storage that checks fencing tokens refuses exactly those
    // writes. Every write the store sees here is a user's, so the users' counts and the
    // election's must agree exactly, and each user write has exactly one outcome.
    for fencing in [false, true] {
        let text = leader_only(&format!(r#", "fencing": {fencing}"#), SPLIT);
        let run = run(&text, &[], 1);
        let users = run.summary.clients["users"]
            .leader_writes
            .expect("users call a leader-only service");
        let e = run.summary.election.clone().expect("an election");
        eprintln!("fencing {fencing}: {users:?}; election {e:?}");
        assert!(e.split_brain_s > 1.0, "the jump splits the brain");
        assert_eq!(
            users.writes,
            users.accepted
                + users.conflicting
                + users.fenced
                + users.unreachable
                + users.not_leader,
            "one outcome per write"
        );
        assert_eq!(e.stale_writes, users.conflicting + users.fenced);
        assert!(
            users.unreachable > 0,
            "the cut-off leader cannot reach the store"
        );
        if fencing {
            assert_eq!(users.conflicting, 0);
            assert!(users.fenced > 10, "{}", users.fenced);
            assert_eq!(e.writes_rejected, users.fenced);
            assert_eq!(e.stale_writes_accepted, 0);
        } else {
            assert_eq!(users.fenced, 0);
            assert!(users.conflicting > 10, "{}", users.conflicting);
            assert_eq!(e.stale_writes_accepted, users.conflicting);
        }
    }
}

#[test]
fn without_faults_one_leader_takes_every_write() {
    let run = run(&leader_only("", ""), &[], 1);
    let users = run.summary.clients["users"]
        .leader_writes
        .expect("leader writes");
    let summary = &run.summary.clients["users"];
    assert_eq!(users.writes, summary.requests);
    assert_eq!(users.accepted, summary.requests);
    assert_eq!(summary.failed, 0);
    let e = run.summary.election.clone().expect("an election");
    assert_eq!((e.split_brain_s, e.stale_writes), (0.0, 0));
}

#[test]
fn a_crashed_leader_s_replica_refuses_and_the_next_leader_takes_over() {
    // Node 0 crashes at 30 s: its replica goes down with it (callers see refusals), and once
    // the store's lease expires (≤ 10 s later) node 1 or 2 acts and serves.
    let crash = r#"{ "kind": "crash", "target": "election[0]", "at": "30s" }"#;
    let run = run(&leader_only("", crash), &[], 1);
    let users = run.summary.clients["users"]
        .leader_writes
        .expect("leader writes");
    let e = run.summary.election.clone().expect("an election");
    assert_eq!(e.stale_writes, 0, "a crashed leader writes nothing");
    assert!(e.leader_changes >= 1);
    assert_eq!(users.conflicting + users.fenced, 0);
    let orders = &run.summary.services["orders"];
    assert!(
        orders.lost <= 16,
        "at most the crashed replica's in-service work is lost"
    );
    let acting = &e.acting_s;
    assert!(
        acting["election[1]"] + acting["election[2]"] > 40.0,
        "{acting:?}"
    );
}

#[test]
fn a_leader_only_service_without_an_election_or_with_other_replicas_is_refused() {
    let refusal = |text: &str| {
        simulate(text, "election-test", None, &[], 1)
            .err()
            .map(|e| e.to_string())
            .expect("refused")
    };
    let replicas = refusal(&leader_only("", "").replace(r#""replicas": 3"#, r#""replicas": 2"#));
    assert!(
        replicas.contains(
            "services[0] (orders).replicas: must equal the election's `nodes` (3) for a leader-only service"
        ),
        "{replicas}"
    );
    let text = leader_only("", "");
    let start = text.find(r#""election":"#).expect("an election block");
    let end = text.find(r#""faults":"#).expect("faults");
    let alone = format!("{}{}", &text[..start], &text[end..]);
    let missing = refusal(&alone);
    assert!(
        missing.contains("services[0] (orders).leader_only: needs a lease election"),
        "{missing}"
    );
}
