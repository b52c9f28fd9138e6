//! Transactional outbox vs dual write end to end (issue #21): scenario JSON through
//! `faultline::simulate`, with the exact accounting of every operation (a database write and
//! the event about it), a property test over crash schedules, and the relay's lag against the
//! residual time of a periodic poll.
//!
//! Sources: Chris Richardson, *Microservices Patterns* (Manning, 2018), §3.3.7 "Transactional
//! outbox" and "Polling publisher": the event is inserted in an OUTBOX table in the same
//! database transaction as the business data, and a relay publishes it, at least once; the
//! dual write it replaces can publish without committing or commit without publishing.
//! Kleinrock, *Queueing Systems* Vol. 1 (Wiley, 1975), §5.2: the residual life of a renewal
//! interval seen at a random instant has mean E[T²] / (2 E[T]), which is T/2 for a fixed
//! period T.

// Tolerances use f64::sqrt: test arithmetic, not a sampling formula.
#![allow(clippy::disallowed_methods)]

use faultline::simulate::{simulate, Simulated};
use proptest::prelude::*;
use reports::summary::{OutboxSummary, QueueSummary};

/// One client `web` → service `orders` (its write to `db` and its publish to `events`, in that
/// order unless `publish_first`), `events` delivering to `shipping`; `orders`, `outbox`,
/// `queue` and `faults` are spliced into the orders service, its outbox block, the queue and
/// the fault list.
struct Setup<'a> {
    duration: &'a str,
    warmup: &'a str,
    client: &'a str,
    orders: &'a str,
    outbox: &'a str,
    queue: &'a str,
    database: &'a str,
    faults: &'a str,
    publish_first: bool,
}

impl Setup<'_> {
    fn text(&self) -> String {
        let write = r#"{ "service": "db", "op": "write", "timeout": "500ms" }"#;
        let publish = r#"{ "service": "events", "op": "publish", "timeout": "500ms" }"#;
        let calls = if self.publish_first {
            format!("{publish}, {write}")
        } else {
            format!("{write}, {publish}")
        };
        format!(
            r#"{{ "name": "outbox-test", "duration": "{}", "warmup": "{}",
  "clients": [ {{ "name": "web", "target": "orders", {} }} ],
  "services": [
    {{ "name": "orders", {}, "calls": [ {calls} ],
      "outbox": {{ "database": "db", "queue": "events"{} }} }},
    {{ "name": "shipping", "workers": 16, "service_time": {{ "kind": "constant", "value": "1ms" }} }}
  ],
  "database": {{ "name": "db", "replication_lag": {{ "kind": "constant", "value": "2ms" }}, {} }},
  "queues": [ {{ "name": "events", "consumer": "shipping"{} }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
  "faults": [ {} ] }}"#,
            self.duration,
            self.warmup,
            self.client,
            self.orders,
            self.outbox,
            self.database,
            self.queue,
            self.faults
        )
    }
}

fn base() -> Setup<'static> {
    Setup {
        duration: "20s",
        warmup: "0s",
        client: r#""arrival": { "kind": "poisson", "rate_per_s": 200 }, "timeout": "2s""#,
        orders: r#""replicas": 2, "workers": 16, "service_time": { "kind": "exponential", "mean": "2ms" }"#,
        outbox: "",
        queue: "",
        database: r#""failover_after": "1s", "workers": 32, "service_time": { "kind": "exponential", "mean": "1ms" }"#,
        faults: "",
        publish_first: false,
    }
}

fn run(text: &str, seed: u64) -> Simulated {
    simulate(text, "outbox-test", None, &[], seed).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn outbox(simulated: &Simulated) -> &OutboxSummary {
    simulated
        .summary
        .outboxes
        .get("orders")
        .expect("the summary has the outbox of orders")
}

fn queue(simulated: &Simulated) -> &QueueSummary {
    simulated
        .summary
        .queues
        .get("events")
        .expect("queue events")
}

/// Every operation falls in exactly one class, and each count of steps is the sum of the
/// classes that took the step.
fn conserved(o: &OutboxSummary, publish_first: bool) {
    assert_eq!(
        o.operations,
        o.consistent + o.lost + o.invented + o.pending_end + o.in_flight_end + o.aborted,
        "operations = consistent + lost + invented + pending + in flight + aborted: {o:?}"
    );
    // Pending operations have done their first step only (the write first, unless the publish
    // goes first in a dual write).
    let (pending_committed, pending_published) = if publish_first {
        (0, o.pending_end)
    } else {
        (o.pending_end, 0)
    };
    assert_eq!(
        o.committed,
        o.consistent + o.lost + pending_committed,
        "{o:?}"
    );
    assert_eq!(
        o.published,
        o.consistent + o.invented + pending_published,
        "{o:?}"
    );
}

#[test]
fn every_operation_is_consistent_lost_invented_pending_or_aborted() {
    let faults = r#"{ "kind": "crash", "target": "orders[0]", "at": "4s", "for": "1s" },
        { "kind": "crash", "target": "events[0]", "at": "7s", "for": "1s" },
        { "kind": "crash", "target": "db[0]", "at": "10s", "for": "3s" },
        { "kind": "crash", "target": "orders[1]", "at": "14s", "for": "1s" }"#;
    for (mode, publish_first) in [
        ("dual_write", false),
        ("dual_write", true),
        ("outbox", false),
    ] {
        let block = format!(r#", "mode": "{mode}""#);
        let setup = Setup {
            outbox: &block,
            faults,
            publish_first,
            warmup: "2s",
            ..base()
        };
        for seed in 1..=3 {
            let simulated = run(&setup.text(), seed);
            let o = outbox(&simulated);
            conserved(o, publish_first);
            assert!(o.operations > 3000, "{o:?}");
            match (mode, publish_first) {
                ("outbox", _) => assert_eq!((o.lost, o.invented), (0, 0), "{o:?}"),
                (_, false) => assert!(o.lost > 0 && o.invented == 0, "{o:?}"),
                (_, true) => assert!(o.invented > 0 && o.lost == 0, "{o:?}"),
            }
        }
    }
}

/// Request k reaches orders at k·100ms + 1ms (arrivals every 100 ms, 1 ms of network), does
/// 1 ms of its own work and sends its write at +2ms; the write commits at +13ms (1 ms on the
/// network, 10 ms at the database), its reply reaches orders at +14ms, which sends the publish,
/// stored at +15ms. Publish first: published at +3ms, its reply at +4ms, the write commits at
/// +15ms.
fn clockwork(faults: &str, publish_first: bool, mode: &str) -> String {
    let block = format!(r#", "mode": "{mode}""#);
    Setup {
        duration: "10s",
        warmup: "1s",
        client: r#""arrival": { "kind": "constant", "rate_per_s": 10 }, "timeout": "2s""#,
        orders: r#""replicas": 1, "workers": 4, "service_time": { "kind": "constant", "value": "1ms" }"#,
        database: r#""workers": 4, "service_time": { "kind": "constant", "value": "10ms" }"#,
        outbox: &block,
        faults,
        publish_first,
        ..base()
    }
    .text()
}

#[test]
fn dual_write_loses_an_event_exactly_when_a_crash_falls_between_the_write_and_the_publish() {
    // At 5.005 s request 50's write is at the database (sent at 5.002 s, committed at
    // 5.013 s), its publish not yet sent: lost. At 6.050 s no request is in flight: nothing.
    // At 7.0015 s request 70 is in its own work, before its write: its operation never begins.
    let faults = r#"{ "kind": "crash", "target": "orders", "at": "5005ms", "for": "20ms" },
        { "kind": "crash", "target": "orders", "at": "6050ms", "for": "20ms" },
        { "kind": "crash", "target": "orders", "at": "7001500us", "for": "20ms" }"#;
    let o = outbox(&run(&clockwork(faults, false, "dual_write"), 1)).clone();
    conserved(&o, false);
    assert_eq!(
        (o.lost, o.invented, o.aborted, o.pending_end),
        (1, 0, 0, 0),
        "{o:?}"
    );
    // Requests 10 to 99 reach orders in the measured window; request 70 never writes.
    assert_eq!(o.operations, 89, "{o:?}");
    assert_eq!(o.committed, 89, "{o:?}");
    // Commit to publication: the write's reply and the publish, 1 ms each on the network.
    assert_eq!(o.lag_ms.max, Some(2.0));

    // Publish first, a crash at 5.0035 s falls after request 50's publish was stored
    // (5.003 s) and before its write was sent (5.004 s): an invented event.
    let faults = r#"{ "kind": "crash", "target": "orders", "at": "5003500us", "for": "20ms" }"#;
    let o = outbox(&run(&clockwork(faults, true, "dual_write"), 1)).clone();
    conserved(&o, true);
    assert_eq!((o.lost, o.invented, o.aborted), (0, 1, 0), "{o:?}");

    // The outbox under the first schedule: the write carries its event, nothing is lost.
    let faults = r#"{ "kind": "crash", "target": "orders", "at": "5005ms", "for": "20ms" }"#;
    let o = outbox(&run(&clockwork(faults, false, "outbox"), 1)).clone();
    conserved(&o, false);
    assert_eq!((o.lost, o.invented), (0, 0), "{o:?}");
    assert_eq!(o.committed, 90, "{o:?}");
}

#[test]
fn the_relay_republishes_after_a_crash_and_an_idempotent_consumer_refuses_the_duplicates() {
    // The relay polls every 100 ms and marks its batch 5 ms later; a crash of orders[0] at
    // 8.002 s falls inside the mark window of the poll at 8.0 s, so that batch goes out again.
    let faults = r#"{ "kind": "crash", "target": "orders[0]", "at": "8002ms", "for": "1s" }"#;
    for idempotent in [false, true] {
        let queue_block = format!(r#", "idempotent": {idempotent}"#);
        let setup = Setup {
            outbox: r#", "mode": "outbox""#,
            queue: &queue_block,
            faults,
            ..base()
        };
        let simulated = run(&setup.text(), 1);
        let (o, q) = (outbox(&simulated), queue(&simulated));
        conserved(o, false);
        assert_eq!((o.lost, o.invented), (0, 0));
        assert!(o.duplicates > 0, "{o:?}");
        // With no warm-up every publish counts at both ends: the queue stored each event once,
        // plus once per duplicate publish.
        assert_eq!(q.published, o.published + o.duplicates, "{q:?} {o:?}");
        if idempotent {
            assert_eq!((q.duplicates, q.deduplicated), (0, o.duplicates), "{q:?}");
        } else {
            assert_eq!((q.duplicates, q.deduplicated), (o.duplicates, 0), "{q:?}");
        }
    }
}

#[test]
fn relay_lag_is_the_residual_time_to_the_next_poll() {
    // Poisson commits and a poll every T = 100 ms, no faults: each row waits for the next
    // poll, a residual time uniform on (0, T), of mean T/2 and variance T²/12 (Kleinrock
    // §5.2 with a fixed period).
    let setup = Setup {
        outbox: r#", "mode": "outbox", "relay_interval": "100ms""#,
        duration: "60s",
        warmup: "2s",
        ..base()
    };
    let o = outbox(&run(&setup.text(), 3)).clone();
    conserved(&o, false);
    let n = o.published as f64;
    let mean = o.lag_ms.mean.expect("rows were published");
    let se = 100.0 / 12f64.sqrt() / n.sqrt();
    assert!(
        (mean - 50.0).abs() < 4.0 * se + 0.1,
        "mean lag {mean} ms over {n} rows"
    );
    assert!(o.lag_ms.max.expect("a maximum") <= 100.0, "{o:?}");
    assert_eq!(o.duplicates, 0);
}

#[test]
fn a_run_with_an_outbox_is_a_pure_function_of_its_seed() {
    let faults = r#"{ "kind": "crash", "target": "orders[0]", "at": "3002ms", "for": "1s" }"#;
    let setup = Setup {
        outbox: r#", "mode": "outbox""#,
        faults,
        duration: "8s",
        ..base()
    };
    let text = setup.text();
    let (a, b) = (run(&text, 5), run(&text, 5));
    let json = |s: &Simulated| serde_json::to_string(&s.summary).expect("serializable");
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    assert_eq!(json(&a), json(&b));
    assert_ne!(a.summary.trace_hash, run(&text, 6).summary.trace_hash);
}

#[test]
fn explore_counts_lost_and_invented_events_as_violations() {
    use faultline::explore::check::{check, Violation};
    let faults = r#"{ "kind": "crash", "target": "orders", "at": "5005ms", "for": "20ms" }"#;
    let inconsistent = |mode: &str| {
        let simulated = run(&clockwork(faults, false, mode), 1);
        check(&simulated).into_iter().find_map(|v| match v {
            Violation::InconsistentEvents {
                service,
                lost,
                invented,
            } => Some((service, lost, invented)),
            _ => None,
        })
    };
    assert_eq!(
        inconsistent("dual_write"),
        Some(("orders".to_string(), 1, 0))
    );
    assert_eq!(inconsistent("outbox"), None);
}

/// The validation error of `text`, as the user reads it.
fn refused(text: &str) -> String {
    match simulate(text, "outbox-test", None, &[], 1) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_outbox_blocks_are_refused_with_their_path_and_a_fix() {
    let text = base().text();
    let cases = [
        (
            text.replace(r#""database": "db", "queue""#, r#""database": "dbx", "queue""#),
            "services[0] (orders).outbox.database",
            "the scenario's database is \"db\"",
        ),
        (
            text.replace(r#""queue": "events""#, r#""queue": "evnts""#),
            "services[0] (orders).outbox.queue",
            "the queues are [events]",
        ),
        (
            text.replace(r#"{ "service": "db", "op": "write", "timeout": "500ms" }, "#, ""),
            "services[0] (orders).outbox.database",
            "no service calls db: add the call",
        ),
        (
            text.replace(
                r#""op": "publish", "timeout": "500ms""#,
                r#""op": "publish", "timeout": "500ms", "retry": { "max_attempts": 3 }"#,
            ),
            "(orders).calls[1] (events)",
            "drop `fanout`, `retry` and `hedge`",
        ),
        (
            text.replace(
                r#"{ "service": "events", "op": "publish", "timeout": "500ms" }"#,
                r#"{ "service": "events", "op": "publish", "timeout": "500ms" }, { "service": "events", "op": "publish" }"#,
            ),
            "services[0] (orders).calls",
            "exactly one call to \"events\" with op publish",
        ),
        (
            text.replace(r#""queue": "events""#, r#""queue": "events", "mode": "outbx""#),
            "outbox.mode",
            "",
        ),
        (
            text.replace(r#""queue": "events""#, r#""queue": "events", "relay_batch": 0"#),
            "(orders).outbox.relay_batch",
            "at least one row",
        ),
    ];
    for (text, path, fix) in cases {
        let error = refused(&text);
        eprintln!("{error}");
        assert!(error.contains(path), "{path} not in: {error}");
        assert!(error.contains(fix), "{fix} not in: {error}");
    }
}

/// A crash window `[at, at + length)` in ms of one target.
fn crash(target: &str, (at, length): (u32, u32)) -> String {
    format!(r#"{{ "kind": "crash", "target": "{target}", "at": "{at}ms", "for": "{length}ms" }}"#)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Under any crash schedule of the service's replicas (the relay's included), the
    /// database's nodes and the queue's partitions, the outbox loses and invents no event,
    /// while the dual write's lost and invented events are exactly the difference between
    /// what the database acknowledged and what the queue stored (both counted by their own
    /// components, with no warm-up).
    #[test]
    fn the_outbox_never_loses_or_invents_an_event_and_dual_write_counts_match_the_components(
        seed in 1u64..1000,
        orders in proptest::collection::vec((0u32..2, (0u32..2800, 1u32..600)), 0..4),
        db in proptest::collection::vec((0u32..3, (0u32..2800, 1u32..1500)), 0..2),
        events in proptest::collection::vec((0u32..2, (0u32..2800, 1u32..400)), 0..2),
        ack in 0u32..120,
    ) {
        let mut faults: Vec<String> = Vec::new();
        faults.extend(orders.iter().map(|&(r, w)| crash(&format!("orders[{r}]"), w)));
        faults.extend(db.iter().map(|&(n, w)| crash(&format!("db[{n}]"), w)));
        faults.extend(events.iter().map(|&(p, w)| crash(&format!("events[{p}]"), w)));
        let faults = faults.join(", ");
        for (mode, publish_first) in [("outbox", false), ("dual_write", false), ("dual_write", true)] {
            // Acknowledgements from none to longer than the 50 ms interval (a poll then finds
            // its previous batch still unmarked and sends nothing).
            let block =
                format!(r#", "mode": "{mode}", "relay_interval": "50ms", "relay_ack": "{ack}ms""#);
            let setup = Setup {
                duration: "3s",
                outbox: &block,
                queue: r#", "partitions": 2"#,
                faults: &faults,
                publish_first,
                ..base()
            };
            let simulated = run(&setup.text(), seed);
            let o = outbox(&simulated);
            conserved(o, publish_first);
            let acknowledged = simulated.summary.database.as_ref().expect("a database").writes_acknowledged;
            let stored = queue(&simulated).published;
            prop_assert_eq!(o.committed, acknowledged, "{} {:?}", mode, o);
            match (mode, publish_first) {
                ("outbox", _) => {
                    prop_assert_eq!((o.lost, o.invented), (0, 0), "{:?}", o);
                    prop_assert_eq!(stored, o.published + o.duplicates, "{:?}", o);
                }
                (_, false) => {
                    prop_assert_eq!(o.invented, 0);
                    prop_assert_eq!(o.lost + o.pending_end, acknowledged - stored, "{:?}", o);
                }
                (_, true) => {
                    prop_assert_eq!(o.lost, 0);
                    prop_assert_eq!(o.invented + o.pending_end, stored - acknowledged, "{:?}", o);
                }
            }
        }
    }
}
