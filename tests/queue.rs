//! Message queues end to end (issue #18): scenario JSON through `faultline::simulate`, with
//! the exact accounting of every message and the consumer lag of an M/M/c queue.
//!
//! Sources: Harchol-Balter, *Performance Modeling and Design of Computer Systems* (Cambridge,
//! 2013), ch. 14 "M/M/k": the probability of waiting is Erlang's C formula, and the mean wait
//! in queue is W_q = C(k, a) / (kμ − λ) with a = λ/μ (also Kleinrock, *Queueing Systems*
//! Vol. 1, 1975, eq. 3.40 and 3.43). Amazon SQS Developer Guide, "Amazon SQS visibility
//! timeout" and "Using dead-letter queues" (`maxReceiveCount`): a message not deleted becomes
//! visible again when its visibility timeout expires, and moves to the dead-letter queue
//! once it has been received `maxReceiveCount` times.

// Tolerances use f64::sqrt: test arithmetic, not a sampling formula.
#![allow(clippy::disallowed_methods)]

use faultline::simulate::{simulate, Simulated};
use reports::summary::QueueSummary;

#[path = "support/binary.rs"]
mod binary;
#[path = "support/compare.rs"]
mod compare;

/// A scenario of one client `web` publishing to queue `q` through `api` (or directly with
/// `"target": "q"`), which delivers to `worker`; `client`, `services` and `queue` are spliced
/// into the client, after the services' names, and into the queue.
fn scenario(duration: &str, client: &str, worker: &str, queue: &str, faults: &str) -> String {
    format!(
        r#"{{ "name": "queue-test", "duration": "{duration}", "warmup": "2s",
  "clients": [ {{ "name": "web", {client} }} ],
  "services": [
    {{ "name": "api", "workers": 64, "service_time": {{ "kind": "constant", "value": "1ms" }},
      "calls": [ {{ "service": "q", "op": "publish", "timeout": "5s" }} ] }},
    {{ "name": "worker", {worker} }}
  ],
  "queues": [ {{ "name": "q", "consumer": "worker"{sep}{queue} }} ],
  "faults": [ {faults} ] }}"#,
        sep = if queue.is_empty() { "" } else { ", " }
    )
}

fn run(text: &str, seed: u64) -> Simulated {
    simulate(text, "queue-test", None, &[], seed).unwrap_or_else(|e| panic!("{e}"))
}

fn queue(simulated: &Simulated) -> &QueueSummary {
    simulated
        .summary
        .queues
        .get("q")
        .expect("the summary has queue q")
}

/// Every measured message is acknowledged, dead-lettered, dropped or still held: none is lost
/// or counted twice.
fn conserved(q: &QueueSummary) {
    assert_eq!(
        q.published,
        q.acked + q.dead_lettered + q.dropped + q.in_flight_end,
        "published = acked + dead-lettered + dropped + in flight: {q:?}"
    );
}

#[test]
fn every_message_is_acked_dead_lettered_dropped_or_in_flight() {
    // Poison, a consumer crash (redelivery after the visibility timeout) and a full queue
    // that drops: the accounting still closes exactly, on several seeds.
    let text = scenario(
        "40s",
        r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 300 }"#,
        r#""replicas": 2, "workers": 4, "service_time": { "kind": "exponential", "mean": "10ms" }"#,
        r#""partitions": 3, "capacity": 50, "when_full": "drop", "concurrency": 2,
           "visibility_timeout": "1s", "max_deliveries": 4, "poison_fraction": 0.02"#,
        r#"{ "kind": "crash", "target": "worker[0]", "at": "10s", "for": "5s" }"#,
    );
    for seed in 1..=3 {
        let simulated = run(&text, seed);
        let q = queue(&simulated);
        conserved(q);
        assert!(
            q.dead_lettered > 0 && q.redelivered > 0 && q.dropped > 0,
            "{q:?}"
        );
        // Each delivery is a first one or a redelivery; each failed delivery was a delivery.
        assert!(q.failed_deliveries <= q.delivered);
        assert_eq!(q.blocked + q.rejected, 0);
    }
}

#[test]
fn a_poison_message_reaches_the_dead_letter_queue_after_exactly_n_deliveries() {
    // Every message is poison: each is delivered exactly max_deliveries times, then
    // dead-lettered (no other failure: a consumer that is never busy or down).
    for n in [1u64, 3, 5] {
        let text = scenario(
            "20s",
            r#""target": "api", "arrival": { "kind": "constant", "rate_per_s": 20 }"#,
            r#""workers": 100, "service_time": { "kind": "constant", "value": "5ms" }"#,
            &format!(
                r#""concurrency": 100, "visibility_timeout": "100ms", "max_deliveries": {n},
                   "poison_fraction": 1.0"#
            ),
            "",
        );
        let simulated = run(&text, 1);
        let q = queue(&simulated);
        conserved(q);
        assert_eq!(q.acked, 0);
        // The last messages may still be on their way to the dead-letter queue at the end.
        assert_eq!(q.dead_lettered + q.in_flight_end, q.published);
        assert!(q.in_flight_end <= 2 * n, "{q:?}");
        // Each dead-lettered message was delivered exactly n times and failed each time; the
        // ones still held have had at most n deliveries.
        let rest = q.delivered - n * q.dead_lettered;
        assert!(rest <= n * q.in_flight_end, "{q:?}");
        assert!(q.failed_deliveries >= n * q.dead_lettered, "{q:?}");
        assert!(q.failed_deliveries <= q.delivered);
        assert!(
            q.published - (q.delivered - q.redelivered) <= 1,
            "each delivered first once"
        );
        if n == 1 {
            assert_eq!(q.redelivered, 0);
            assert_eq!(q.failed_deliveries, q.delivered);
        }
        assert!(q.dead_lettered > 300, "{q:?}");
        assert_eq!(q.effects, 0, "a poison message has no effect");
    }
}

#[test]
fn a_poison_message_without_a_dead_letter_queue_is_redelivered_forever() {
    // One poison message in a hundred and no max_deliveries: the poison stays, redelivered
    // every visibility timeout, and the oldest message's age (lag in seconds) grows with the
    // run instead of returning to zero.
    let text = scenario(
        "30s",
        r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 }"#,
        r#""workers": 4, "service_time": { "kind": "exponential", "mean": "5ms" }"#,
        r#""concurrency": 4, "visibility_timeout": "500ms", "poison_fraction": 0.01"#,
        "",
    );
    let q_simulated = run(&text, 2);
    let q = queue(&q_simulated);
    conserved(q);
    assert_eq!(q.dead_lettered, 0);
    assert!(q.in_flight_end >= 10, "the poison messages stay: {q:?}");
    assert!(
        q.lag_end_s > 20.0,
        "the oldest poison message is as old as the run: {q:?}"
    );
}

#[test]
fn consumer_lag_returns_to_zero_after_a_burst_the_consumers_can_absorb() {
    // 2,000 messages per second for 2 s into consumers that take 500 per second: a backlog
    // of about 3,000 messages, drained in about 6 s, long before the end at 30 s.
    let text = scenario(
        "30s",
        r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 }"#,
        r#""workers": 10, "service_time": { "kind": "constant", "value": "20ms" }"#,
        r#""concurrency": 10, "capacity": 100000"#,
        r#"{ "kind": "load_spike", "client": "web", "at": "5s", "for": "2s", "factor": 20 }"#,
    );
    let simulated = run(&text, 1);
    let q = queue(&simulated);
    conserved(q);
    assert!(q.lag_max_messages > 2_000, "the burst queued: {q:?}");
    assert!(q.lag_max_s > 4.0, "{q:?}");
    assert!(q.lag_end_messages <= 5, "lag back to (about) zero: {q:?}");
    assert!(q.lag_end_s < 0.1, "{q:?}");
    // The series shows the backlog rise and fall back to the steady level.
    let series = &q.lag_series;
    let peak = series.iter().cloned().fold(0.0, f64::max);
    assert!(peak > 1_000.0, "{series:?}");
    assert!(series[25] < 5.0, "{series:?}");
    assert_eq!(simulated.summary.clients["web"].failed, 0);
}

#[test]
fn redelivery_duplicates_effects_unless_the_consumer_is_idempotent() {
    // The consumer sometimes outlasts the visibility timeout (a mixture: 2% take 300 ms
    // against a 100 ms timeout): the queue redelivers while the first delivery still works,
    // and both apply their effect. An idempotent consumer applies none twice.
    let worker = r#""workers": 64, "service_time": { "kind": "mixture", "of": [
        { "weight": 0.98, "dist": { "kind": "constant", "value": "5ms" } },
        { "weight": 0.02, "dist": { "kind": "constant", "value": "300ms" } } ] }"#;
    let base = r#""concurrency": 64, "visibility_timeout": "100ms""#;
    let client = r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 200 }"#;
    let plain = run(&scenario("30s", client, worker, base, ""), 1);
    let idempotent = run(
        &scenario(
            "30s",
            client,
            worker,
            &format!(r#"{base}, "idempotent": true"#),
            "",
        ),
        1,
    );
    let (p, i) = (queue(&plain), queue(&idempotent));
    conserved(p);
    conserved(i);
    assert!(p.redelivered > 50, "{p:?}");
    assert!(p.duplicates > 50, "{p:?}");
    assert_eq!(p.deduplicated, 0);
    assert_eq!(i.duplicates, 0, "{i:?}");
    // The same run otherwise: the same redeliveries, each duplicate now refused.
    assert_eq!(i.redelivered, p.redelivered);
    assert_eq!(i.deduplicated, p.duplicates);
    assert_eq!(i.effects + i.deduplicated, p.effects);
}

#[test]
fn a_full_partition_blocks_or_rejects_its_publishers() {
    // A consumer far too slow for its load and a small partition: with "error" the
    // publishers see overload replies; with "block" they wait, holding the queue's and the
    // api's workers, and the clients time out.
    let client = r#""target": "api", "timeout": "2s",
        "arrival": { "kind": "constant", "rate_per_s": 100 }"#;
    let worker = r#""workers": 1, "service_time": { "kind": "constant", "value": "50ms" }"#;
    let full = |when_full: &str| {
        let settings = format!(r#""capacity": 10, "when_full": "{when_full}""#);
        run(&scenario("20s", client, worker, &settings, ""), 1)
    };
    let error = full("error");
    let q = queue(&error);
    conserved(q);
    assert!(q.rejected > 1_000, "{q:?}");
    assert_eq!(q.dropped + q.blocked, 0);
    assert!(error.summary.clients["web"].failed > 1_000);
    let block = full("block");
    let q = queue(&block);
    conserved(q);
    assert!(q.blocked > 100, "{q:?}");
    assert_eq!(q.rejected + q.dropped, 0);
    assert!(block.summary.clients["web"].failed > 1_000);
}

/// Erlang's C formula: the probability that an arrival to M/M/c waits, offered load a = λ/μ
/// (Harchol-Balter 2013, ch. 14; Kleinrock 1975, eq. 3.40).
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / f64::from(k);
        sum += term;
    }
    let waiting = term * a / f64::from(c) / (1.0 - a / f64::from(c));
    waiting / (sum + waiting)
}

#[test]
fn consumer_lag_of_an_mmc_queue_matches_erlang_c() {
    // Poisson publishes (λ = 3,200/s) straight into one partition delivering to c = 4
    // consumers of exponential service (μ = 1,000/s), no network latency: each message's wait
    // for its first delivery is the M/M/4 wait in queue, ρ = 0.8, mean
    // W_q = C(4, 3.2) / (4μ − λ) ≈ 0.745 ms (Harchol-Balter 2013, ch. 14).
    // 600 s is 1.9 million messages; the M/M/c wait relaxes faster than the M/M/1 one that
    // tests/theory.rs sizes at 3% for 1.8 million service times.
    let (lambda, mu, c) = (3_200.0, 1_000.0, 4);
    let text = format!(
        r#"{{ "name": "queue-test", "duration": "600s", "warmup": "10s",
  "clients": [ {{ "name": "web", "target": "q",
                  "arrival": {{ "kind": "poisson", "rate_per_s": {lambda} }} }} ],
  "services": [ {{ "name": "worker", "workers": {c},
                   "service_time": {{ "kind": "exponential", "mean": "1ms" }} }} ],
  "queues": [ {{ "name": "q", "consumer": "worker", "concurrency": {c},
                 "capacity": 1000000, "visibility_timeout": "1h" }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "0s" }} }} }}"#
    );
    let simulated = run(&text, 7);
    let q = queue(&simulated);
    conserved(q);
    let a = lambda / mu;
    let expected_ms = erlang_c(c, a) / (f64::from(c) * mu - lambda) * 1e3;
    let observed_ms = q.wait_ms.mean.expect("messages waited");
    let error = (observed_ms - expected_ms).abs() / expected_ms;
    assert!(
        error < 0.05,
        "M/M/4 W_q: observed {observed_ms:.4} ms, Erlang C {expected_ms:.4} ms ({:.1}% off)",
        error * 100.0
    );
    // The consumer is never overloaded: it serves exactly the deliveries, never queues them.
    let worker = &simulated.summary.services["worker"];
    assert_eq!(worker.rejected, 0);
    assert!(q.redelivered == 0 && q.dead_lettered == 0);
}

#[test]
fn a_run_with_queues_is_a_pure_function_of_its_seed() {
    let text = scenario(
        "20s",
        r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 200 }"#,
        r#""replicas": 2, "workers": 4, "service_time": { "kind": "exponential", "mean": "10ms" }"#,
        r#""partitions": 2, "visibility_timeout": "50ms", "max_deliveries": 2,
           "poison_fraction": 0.05, "idempotent": true"#,
        r#"{ "kind": "pause", "target": "worker[1]", "at": "5s", "for": "1s" }"#,
    );
    let (a, b) = (run(&text, 9), run(&text, 9));
    let json = |s: &Simulated| serde_json::to_string(&s.summary).expect("serializable");
    assert_eq!(a.summary.trace_hash, b.summary.trace_hash);
    assert_eq!(json(&a), json(&b));
    let other = run(&text, 10);
    assert_ne!(a.summary.trace_hash, other.summary.trace_hash);
}

/// The validation error of `text`, as the user reads it.
fn refused(text: &str) -> String {
    match simulate(text, "queue-test", None, &[], 1) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_queues_are_refused_with_their_path_and_a_fix() {
    let client = r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 10 }"#;
    let worker = r#""service_time": { "kind": "constant", "value": "1ms" }"#;
    let error = refused(&scenario(
        "10s",
        client,
        worker,
        r#""poison_fraction": 1.5"#,
        "",
    ));
    assert!(
        error.contains("queues[0]") && error.contains("poison_fraction"),
        "{error}"
    );
    let error = refused(&scenario(
        "10s",
        client,
        worker,
        r#""max_deliveries": 0"#,
        "",
    ));
    assert!(
        error.contains("max_deliveries") && error.contains("remove"),
        "{error}"
    );
    let error = refused(&scenario("10s", client, worker, r#""partitions": 0"#, ""));
    assert!(error.contains("partitions"), "{error}");
    let error = refused(&scenario(
        "10s",
        client,
        worker,
        r#""when_full": "wait""#,
        "",
    ));
    assert!(
        error.contains("when_full") || error.contains("wait"),
        "{error}"
    );
    // A consumer that names nothing, or the queue itself.
    let text = scenario("10s", client, worker, "", "")
        .replace(r#""consumer": "worker""#, r#""consumer": "wroker""#);
    let error = refused(&text);
    assert!(
        error.contains("consumer") && error.contains("worker"),
        "{error}"
    );
    let text = scenario("10s", client, worker, "", "")
        .replace(r#""consumer": "worker""#, r#""consumer": "q""#);
    assert!(refused(&text).contains("scenario's services"));
    // A call to a queue must publish; publish is only for queues.
    let text = scenario("10s", client, worker, "", "").replace(r#", "op": "publish""#, "");
    let error = refused(&text);
    assert!(error.contains("op") && error.contains("publish"), "{error}");
    let text = scenario("10s", client, worker, "", "").replace(
        r#""service": "q", "op": "publish""#,
        r#""service": "worker", "op": "publish""#,
    );
    assert!(refused(&text).contains("only for calls to a message queue"));
    // A queue's name is its own.
    let text = scenario("10s", client, worker, "", "").replace(
        r#""name": "q", "consumer""#,
        r#""name": "worker", "consumer""#,
    );
    let error = refused(&text);
    assert!(
        error.contains("worker") && error.contains("queues[0].name"),
        "{error}"
    );
}

#[test]
fn a_backlog_that_outgrows_memory_stops_the_run_at_the_memory_guard() {
    // 5,000 messages/s into a consumer that takes 100/s: the backlog is the memory that grows,
    // and the guard names it instead of the machine running out.
    let text = r#"{ "name": "queue-test", "duration": "600s",
  "clients": [ { "name": "web", "target": "q", "arrival": { "kind": "poisson", "rate_per_s": 5000 } } ],
  "services": [ { "name": "worker", "service_time": { "kind": "constant", "value": "10ms" } } ],
  "queues": [ { "name": "q", "consumer": "worker", "capacity": 10000000 } ],
  "limits": { "memory_max": "64MiB" } }"#;
    let error = refused(text);
    assert!(
        error.contains("memory_max") && error.contains("messages held by queues"),
        "{error}"
    );
}

#[test]
fn explore_counts_duplicate_effects_and_lost_messages_as_violations() {
    use faultline::explore::check::{check, Violation};
    let duplicated = run(
        &scenario(
            "20s",
            r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 200 }"#,
            r#""workers": 64, "service_time": { "kind": "exponential", "mean": "30ms" }"#,
            r#""concurrency": 64, "visibility_timeout": "100ms""#,
            "",
        ),
        1,
    );
    let violations = check(&duplicated);
    assert!(
        violations
            .iter()
            .any(|v| matches!(v, Violation::DuplicateEffects { queue, .. } if queue == "q")),
        "{violations:?}"
    );
    let dropped = run(
        &scenario(
            "20s",
            r#""target": "api", "arrival": { "kind": "constant", "rate_per_s": 100 }"#,
            r#""workers": 1, "service_time": { "kind": "constant", "value": "50ms" }"#,
            r#""capacity": 10, "when_full": "drop""#,
            "",
        ),
        1,
    );
    let q = queue(&dropped);
    let lost = check(&dropped)
        .into_iter()
        .find_map(|v| match v {
            Violation::LostMessages { lost, .. } => Some(lost),
            _ => None,
        })
        .expect("dropped messages are lost messages");
    assert_eq!(lost, q.dropped);
}

#[test]
fn faults_may_name_a_queue_and_its_partitions() {
    // A partition's replica crashes (its publishes are refused, its messages stay), the
    // queue is cut off from its consumer (deliveries time out and come back): the accounting
    // still closes. A partition the queue does not have is refused by name.
    let client = r#""target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 }"#;
    let worker = r#""workers": 4, "service_time": { "kind": "exponential", "mean": "20ms" }"#;
    let queue_text = r#""partitions": 2, "concurrency": 2, "visibility_timeout": "1s""#;
    let faults = r#"{ "kind": "crash", "target": "q[1]", "at": "5s", "for": "3s" },
        { "kind": "partition", "groups": [["q"], ["worker"]], "at": "10s", "for": "2s" }"#;
    let simulated = run(&scenario("20s", client, worker, queue_text, faults), 1);
    let q = queue(&simulated);
    conserved(q);
    assert!(q.failed_deliveries > 0 && q.redelivered > 0, "{q:?}");
    assert!(
        simulated.summary.clients["web"].failed > 100,
        "publishes to the crashed partition"
    );
    let bad = r#"{ "kind": "crash", "target": "q[2]", "at": "5s", "for": "3s" }"#;
    let error = refused(&scenario("20s", client, worker, queue_text, bad));
    assert!(error.contains("q[2]") && error.contains("has 2"), "{error}");
}

#[test]
fn compare_judges_a_queue_s_figures_and_draws_its_lag() {
    // The variant without the queue has no queue figures (undefined, never 0), so it gets no
    // verdict on them; the per-seed duplicates are the runs' own.
    let compared = compare::compare(
        "queue",
        &[
            "queue-burst",
            "--variants",
            "queue,synchronous,short-visibility",
            "--seeds",
            "1..2",
        ],
    );
    let duplicates = |variant: &str| compared.row("queues.orders.duplicates", variant);
    assert_eq!(duplicates("synchronous")["judgement"], "not_comparable");
    assert!(duplicates("synchronous")["per_seed"][0].is_null());
    assert_eq!(duplicates("queue")["per_seed"][0], 0.0);
    let text = std::fs::read_to_string("scenarios/library/queue-burst.json").unwrap();
    let run = simulate(&text, "queue-burst", Some("short-visibility"), &[], 1).unwrap();
    let expected = queue_named(&run, "orders").duplicates as f64;
    assert!(expected > 0.0);
    assert_eq!(duplicates("short-visibility")["per_seed"][0], expected);
    assert_eq!(duplicates("short-visibility")["judgement"], "worse");
    let lag = std::fs::read_to_string(compared.out.join("plots/orders-lag.svg")).unwrap();
    assert!(lag.contains("orders: consumer lag"), "{lag}");
}

fn queue_named<'a>(simulated: &'a Simulated, name: &str) -> &'a QueueSummary {
    &simulated.summary.queues[name]
}
