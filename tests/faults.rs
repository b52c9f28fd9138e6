//! Faults end to end: scenario JSON with a fault schedule, run, and exact consequences.
//!
//! Each test states the mechanism it pins. Runs use constant arrivals and constant service
//! times where exactness needs them, so the expected counts follow by arithmetic.

// Tolerances use f64::sqrt: test arithmetic, not a sampling formula, so the libm rule (which
// keeps sampled values identical across platforms) does not apply.
#![allow(clippy::disallowed_methods)]

use std::cell::RefCell;
use std::rc::Rc;

use models::{Event, RunResult};
use sim_core::SimTime;

/// web (constant 100 req/s, 100 ms timeout, no retries) → api (4 workers, 1 ms constant),
/// 1 ms constant network latency, 30 s, no warm-up; `faults` is spliced in.
fn scenario(faults: &str, extra: &str) -> String {
    format!(
        r#"{{ "name": "fault-test", "duration": "30s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 100 }}, "timeout": "100ms" }} ],
  "services": [ {{ "name": "api", "replicas": 1, "workers": 4, "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
  "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
  "faults": [ {faults} ] {extra} }}"#
    )
}

fn run(text: &str) -> RunResult {
    let scenario = scenarios::parse(text, "faults-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

#[test]
fn a_one_way_partition_blocks_one_direction_only() {
    // Requests sent in [10 s, 20 s) are the arrivals at 10.00, 10.01, ..., 19.99 s: 1,000.
    let window = r#""at": "10s", "for": "10s", "mode": "black_hole""#;
    let outbound = run(&scenario(
        &format!(
            r#"{{ "kind": "partition", "groups": [["web"], ["api"]], "one_way": true, {window} }}"#
        ),
        "",
    ));
    let (web, api) = (&outbound.clients[0], &outbound.services[0]);
    assert_eq!(web.timeouts, 1_000, "web → api cut: those requests vanish");
    // The request sent at exactly 30 s reaches api during the drain, after api's figures are
    // taken when arrivals stop; the drain follows it to its answer.
    assert_eq!(web.in_flight, 0);
    assert_eq!(
        api.arrivals,
        web.requests - 1_000 - 1,
        "api never sees them"
    );

    let inbound = run(&scenario(
        &format!(
            r#"{{ "kind": "partition", "groups": [["api"], ["web"]], "one_way": true, {window} }}"#
        ),
        "",
    ));
    let (web, api) = (&inbound.clients[0], &inbound.services[0]);
    // A request sent at t arrives at t + 1 ms and its reply leaves at t + 2 ms, so replies
    // leaving in the window belong to requests sent in [9.998 s, 19.998 s): the same 1,000.
    assert_eq!(web.timeouts, 1_000, "api → web cut: the replies vanish");
    assert_eq!(
        api.arrivals,
        web.requests - 1,
        "api still serves every request"
    );
    assert_eq!(api.completed, web.requests - 1);

    let both = run(&scenario(
        &format!(r#"{{ "kind": "partition", "groups": [["web"], ["api"]], {window} }}"#),
        "",
    ));
    assert_eq!(both.clients[0].timeouts, 1_000);
    assert_eq!(
        both.services[0].arrivals,
        both.clients[0].requests - 1_000 - 1
    );
}

#[test]
fn a_refusing_partition_fails_fast_instead_of_timing_out() {
    let result = run(&scenario(
        r#"{ "kind": "refuse", "target": "api", "at": "10s", "for": "10s" }"#,
        "",
    ));
    let web = &result.clients[0];
    assert_eq!(web.refused, 1_000);
    assert_eq!(web.timeouts, 0, "a refusal comes back at once");
    // A refused request fails after one network latency, far inside its timeout.
    assert_eq!(web.failed, 1_000);
}

#[test]
fn a_crash_loses_exactly_the_queued_and_in_flight_work() {
    // M/M/1 at ρ = 0.8 with a 1 s timeout: without the crash nothing times out (P(W > 1 s) is
    // 0.8·e^(−200)), so every timeout is an attempt the crash destroyed, and every attempt it
    // destroyed times out. Requests arriving while the replica is down are refused.
    let text = r#"{ "name": "crash", "duration": "40s",
      "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "poisson", "rate_per_s": 800 }, "timeout": "1s" } ],
      "services": [ { "name": "api", "workers": 1, "service_time": { "kind": "exponential", "mean": "1ms" } } ],
      "faults": [ { "kind": "crash", "target": "api", "at": "10s", "for": "5s" },
                  { "kind": "crash", "target": "api", "at": "25s", "for": "1s", "while_down": "black_hole" } ] }"#;
    let result = run(text);
    let (web, api) = (&result.clients[0], &result.services[0]);
    assert!(api.lost > 0, "a loaded replica has work to lose");
    let black_holed = web.timeouts - api.lost;
    assert!(
        black_holed > 600,
        "about 800 requests vanish in the 1 s black-hole crash"
    );
    assert!(
        web.refused > 3_500,
        "about 4,000 requests are refused in the 5 s crash"
    );
    assert_eq!(
        web.failed,
        web.timeouts + web.refused,
        "no retries: each failure is one of those"
    );
    // The replica is down for seconds 10..15 and 25 (per-second means of replicas up).
    let up = &api.series.replicas_up;
    assert_eq!(&up[9..16], &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(&up[24..27], &[1.0, 0.0, 1.0]);
}

#[test]
fn a_crash_in_a_chain_loses_jobs_waiting_on_calls_too() {
    let text = r#"{ "name": "chain-crash", "duration": "20s",
      "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 200 }, "timeout": "500ms" } ],
      "services": [ { "name": "api", "workers": 8, "service_time": { "kind": "constant", "value": "1ms" },
                      "calls": [ { "service": "db", "timeout": "200ms" } ] },
                    { "name": "db", "workers": 8, "service_time": { "kind": "constant", "value": "20ms" } } ],
      "faults": [ { "kind": "crash", "target": "api", "at": "5s", "for": "1s" } ] }"#;
    let result = run(text);
    let (web, api) = (&result.clients[0], &result.services[0]);
    // At 200 req/s with 21 ms per job, about 4.2 jobs are in flight when api crashes, most of
    // them waiting on db: all are lost, and their db calls finish into nothing.
    assert!(api.lost >= 3 && api.lost <= 6, "lost {}", api.lost);
    assert_eq!(web.timeouts, api.lost);
    assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
}

/// The times of every `WorkDone` event of `text`'s run, in order.
fn work_done_times(text: &str) -> Vec<u64> {
    let scenario = scenarios::parse(text, "faults-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let log = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&log);
    let observer = Box::new(move |time: SimTime, event: &Event| {
        if let Event::WorkDone { .. } = event {
            sink.borrow_mut().push(time.as_nanos());
        }
    });
    models::run_observed(&scenario.world, 1, Some(observer)).expect("run completes");
    log.take()
}

#[test]
fn a_pause_delays_work_by_exactly_its_length_and_loses_nothing() {
    // See: #3 (gray failures). One request a second (sent at 1 s, 2 s, ..), 1 ms each way,
    // 300 ms of work on one worker: request k is served over [k.001 s, k.301 s). A 2 s pause
    // of api[0] from 10.2 s freezes request 10 with 101 ms left, so it finishes exactly 2 s
    // late (12.301 s); requests 11 and 12 arrive during the pause and queue, then run back to
    // back (12.301..12.601, 12.601..12.901). Nothing else moves and nothing is lost.
    let text = |faults: &str, queue: &str| {
        format!(
            r#"{{ "name": "pause", "duration": "30s",
      "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 1 }}, "timeout": "10s" }} ],
      "services": [ {{ "name": "api", "workers": 1, "service_time": {{ "kind": "constant", "value": "300ms" }} {queue} }} ],
      "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
      "faults": [ {faults} ] }}"#
        )
    };
    let pause = r#"{ "kind": "pause", "target": "api[0]", "at": "10.2s", "for": "2s" }"#;
    let ms = |ms: u64| ms * 1_000_000;
    let baseline = work_done_times(&text("", ""));
    assert_eq!(
        baseline.len(),
        30,
        "requests 1..29 finish before 30 s, and the drain finishes request 30 (30.301 s)"
    );
    let mut expected = baseline.clone();
    expected[9] = ms(12_301);
    expected[10] = ms(12_601);
    expected[11] = ms(12_901);
    assert_eq!(work_done_times(&text(pause, "")), expected);

    let result = run(&text(pause, ""));
    let (web, api) = (&result.clients[0], &result.services[0]);
    assert_eq!(api.lost, 0, "a pause loses nothing");
    assert_eq!(web.failed, 0);
    assert_eq!(web.succeeded + web.in_flight, web.requests);
    // Request 10: sent at 10 s, answered at 12.302 s; the frozen job's sojourn is 2.3 s.
    assert_eq!(web.latency.max().as_nanos(), ms(2_302));
    assert_eq!(api.sojourn.max().as_nanos(), ms(2_300));

    // With room for one waiting attempt, request 12 finds the queue full and is rejected.
    let full = run(&text(pause, r#", "queue": { "capacity": 1 }"#));
    assert_eq!(full.services[0].rejected, 1);
    assert_eq!(full.services[0].lost, 0);
    assert_eq!(full.clients[0].failed, 1);

    // Contrast: a crash over the same window loses request 10 in service (and refuses 11, 12).
    let crash = run(&text(
        r#"{ "kind": "crash", "target": "api[0]", "at": "10.2s", "for": "2s" }"#,
        "",
    ));
    assert_eq!(crash.services[0].lost, 1);
    assert_eq!(crash.clients[0].failed, 3);
}

/// Two services in zones a, b, c (replica i in zone i mod 3), each fed by its own client at
/// 20 req/s (one every 50 ms) through round robin, 140 ms of work on one worker per replica.
fn zoned(faults: &str) -> String {
    let service = |name: &str| {
        format!(
            r#"{{ "name": "{name}", "replicas": 3, "zones": ["a", "b", "c"], "service_time": {{ "kind": "constant", "value": "140ms" }} }}"#
        )
    };
    let client = |name: &str, target: &str| {
        format!(
            r#"{{ "name": "{name}", "target": "{target}", "arrival": {{ "kind": "constant", "rate_per_s": 20 }}, "timeout": "2s" }}"#
        )
    };
    format!(
        r#"{{ "name": "zones", "duration": "30s",
      "clients": [ {}, {} ],
      "services": [ {}, {} ],
      "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
      "faults": [ {faults} ] }}"#,
        client("web", "api"),
        client("batch", "db"),
        service("api"),
        service("db")
    )
}

#[test]
fn a_zone_crash_loses_exactly_the_work_in_that_zone() {
    // See: #3 (correlated failures). Request k reaches replica (k − 1) mod 3 at k·50 ms + 1 ms
    // and holds its worker for 140 ms, so at 10.03 s every replica is busy with exactly one
    // job (arrived at 9.901, 9.951 and 10.001 s) and nothing waits. Crashing zone a crashes
    // replica 0 of both services: each loses exactly its one job, which times out; the same
    // crash of a whole service loses all three.
    let zone = run(&zoned(
        r#"{ "kind": "crash", "target": "zone:a", "at": "10.03s", "for": "1s" }"#,
    ));
    let targets: Vec<_> = zone.faults.iter().map(|f| f.target.as_str()).collect();
    assert_eq!(
        targets,
        ["api[0]", "db[0]"],
        "one crash per replica in zone a"
    );
    for (client, service) in zone.clients.iter().zip(&zone.services) {
        assert_eq!(
            service.lost, 1,
            "{}: the zone-a replica's job",
            service.name
        );
        assert_eq!(client.timeouts, 1, "{}", client.name);
        // Requests sent to replica 0 while it is down are refused; the rest are served.
        assert!(client.refused > 0, "{}", client.name);
        assert_eq!(client.failed, client.timeouts + client.refused);
    }
    let whole = run(&zoned(
        r#"{ "kind": "crash", "target": "api", "at": "10.03s", "for": "1s" }"#,
    ));
    assert_eq!(whole.services[0].lost, 3);
    assert_eq!(whole.services[1].lost, 0, "db is untouched");
    // A pause of the same zone freezes the same two replicas but loses nothing.
    let paused = run(&zoned(
        r#"{ "kind": "pause", "target": "zone:a", "at": "10.03s", "for": "1s" }"#,
    ));
    let targets: Vec<_> = paused.faults.iter().map(|f| f.target.as_str()).collect();
    assert_eq!(targets, ["api[0]", "db[0]"]);
    assert_eq!(paused.services[0].lost + paused.services[1].lost, 0);
    assert_eq!(paused.clients[0].refused + paused.clients[1].refused, 0);
    let none = run(&zoned(""));
    assert_eq!(none.services[0].lost + none.clients[0].failed, 0);

    // A zone in a partition's group stands for its replicas: web loses zone a of api.
    let cut = run(&zoned(
        r#"{ "kind": "partition", "groups": [["web"], ["zone:a"]], "mode": "refuse", "at": "10s", "for": "3s" }"#,
    ));
    assert_eq!(
        cut.clients[0].refused, 20,
        "a third of web's 60 requests in 3 s"
    );
    assert_eq!(cut.clients[1].failed, 0, "batch is not cut off");
}

#[test]
fn bad_zone_input_names_the_path() {
    let cases = [
        (
            zoned(r#"{ "kind": "crash", "target": "zone:bb", "at": "1s" }"#),
            "faults[0].target",
            "did you mean `b`",
        ),
        (
            zoned(r#"{ "kind": "error_burst", "target": "zone:a", "at": "1s", "fraction": 0.5 }"#),
            "faults[0].target",
            "can name a zone only for",
        ),
        (
            zoned(r#"{ "kind": "partition", "groups": [["zone:a"], ["zone:x"]], "at": "1s" }"#),
            "faults[0].groups[1][0]",
            "zone",
        ),
        (
            zoned("").replacen(r#"["a", "b", "c"]"#, r#"["a", "b", "a"]"#, 1),
            "services[0] (api).zones[2]",
            "repeats an earlier zone",
        ),
        (
            zoned(r#"{ "kind": "pause", "target": "zone:d", "at": "1s" }"#).replacen(
                r#"["a", "b", "c"]"#,
                r#"["a", "b", "c", "d"]"#,
                1,
            ),
            "faults[0].target",
            "holds no replica",
        ),
    ];
    for (text, path, needle) in cases {
        let error = scenarios::parse(&text, "zones.json", &Default::default())
            .expect_err(needle)
            .to_string();
        assert!(
            error.contains(&format!("zones.json: {path}")) && error.contains(needle),
            "{error}"
        );
    }
}

#[test]
fn a_slowdown_multiplies_service_time_inside_its_window_only() {
    let result = run(&scenario(
        r#"{ "kind": "slowdown", "target": "api", "at": "0s", "factor": 5 }"#,
        "",
    ));
    let api = &result.services[0];
    // 1 ms × 5, no queueing at 100 req/s on 4 workers: every sojourn is exactly 5 ms.
    assert_eq!(api.sojourn.min().as_nanos(), 5_000_000);
    assert_eq!(api.sojourn.max().as_nanos(), 5_000_000);
}

#[test]
fn added_latency_applies_both_ways() {
    let result = run(&scenario(
        r#"{ "kind": "latency", "target": "api", "at": "0s", "add": "20ms" }"#,
        "",
    ));
    let web = &result.clients[0];
    // 1 ms + 20 ms each way, plus 1 ms of work.
    assert_eq!(web.latency.min().as_nanos(), 43_000_000);
    assert_eq!(web.latency.max().as_nanos(), 43_000_000);
}

#[test]
fn error_bursts_and_garbage_hit_their_fraction() {
    let result = run(&scenario(
        r#"{ "kind": "error_burst", "target": "api", "at": "0s", "fraction": 0.3 },
           { "kind": "garbage", "target": "api", "at": "0s", "fraction": 0.1 }"#,
        "",
    ));
    let web = &result.clients[0];
    let n = web.attempts as f64;
    // Binomial: sd = sqrt(n·p·(1−p)); five sd bounds.
    let errors = web.errors as f64;
    assert!(
        (errors - 0.3 * n).abs() < 5.0 * (n * 0.3 * 0.7).sqrt(),
        "{errors} of {n}"
    );
    let ok = web.succeeded as f64;
    let garbage = web.garbage as f64;
    assert!(
        (garbage - 0.1 * ok).abs() < 5.0 * (ok * 0.1 * 0.9).sqrt(),
        "{garbage} of {ok}"
    );
}

#[test]
fn a_brownout_ramps_its_error_rate_up_to_peak_and_back() {
    // See: #3 (gray failures). 100 attempts a second reach api (each arrives 1 ms after it is
    // sent); a brownout over [10 s, 20 s) with peak 0.5 fails each with probability
    // 0.5 × (1 − |2e/10 s − 1|), e the time into the window: the mean over the window is
    // peak / 2 = 0.25, so about 250 of its 1,000 attempts fail, and none outside it.
    let result_and_errors = |seed: u64| {
        let text = scenario(
            r#"{ "kind": "brownout", "target": "api", "at": "10s", "for": "10s", "peak": 0.5 }"#,
            "",
        );
        let scenario = scenarios::parse(&text, "brownout", &Default::default()).unwrap();
        let log = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&log);
        let observer = Box::new(move |time: SimTime, event: &Event| {
            if let Event::Response {
                reply: models::Reply::Error,
                ..
            } = event
            {
                sink.borrow_mut().push(time.as_nanos());
            }
        });
        let result = models::run_observed(&scenario.world, seed, Some(observer)).unwrap();
        (result, log.take())
    };
    let (result, errors) = result_and_errors(1);
    let web = &result.clients[0];
    assert_eq!(web.errors, errors.len() as u64);
    // An error reply reaches web 1 ms after its attempt reached api, inside the window.
    let second = 1_000_000_000u64;
    assert!(
        errors
            .iter()
            .all(|&t| (10 * second + 1_000_000..20 * second + 1_000_000).contains(&t)),
        "errors only inside the window"
    );
    // Σ p(1 − p) over the window's attempts is 1,000 × (E[p] − E[p²]) = 1,000 × (0.25 −
    // 0.5²/3) ≈ 167; five standard deviations bound the count.
    let n = errors.len() as f64;
    let sd = (1_000.0f64 * (0.25 - 0.25 / 3.0)).sqrt();
    assert!((n - 250.0).abs() < 5.0 * sd, "{n} errors, expected 250");
    // The ramp: the first two seconds average p = 0.1 (20 of 200), the middle two 0.45 (90).
    let count_in = |from: u64, to: u64| {
        errors
            .iter()
            .filter(|&&t| (from * second..to * second).contains(&t))
            .count()
    };
    let (early, middle) = (count_in(10, 12), count_in(14, 16));
    assert!(early < 45 && middle > 60, "early {early}, middle {middle}");
    // Every error is a 5xx-like fail-fast answer: no retries here, so each fails its request.
    assert_eq!(web.failed, web.errors);
}

#[test]
fn a_load_spike_multiplies_the_offered_rate_in_its_window() {
    let result = run(&scenario(
        r#"{ "kind": "load_spike", "client": "web", "at": "10s", "for": "5s", "factor": 3 }"#,
        "",
    ));
    let offered = &result.clients[0].series.offered_per_s;
    assert_eq!(offered[5], 100.0);
    assert_eq!(offered[12], 300.0);
    assert_eq!(offered[20], 100.0);
}

#[test]
fn timeouts_run_on_the_callers_drifting_clock() {
    // A +1000 ppm clock fires a 10 s timeout after 10 s / 1.001 = 9.990009991 s of true time
    // (sim_core::clock rounds up to the first nanosecond the clock reads 10 s).
    let text = r#"{ "name": "drift", "duration": "30s",
      "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 1 }, "timeout": "10s" } ],
      "services": [ { "name": "api", "service_time": { "kind": "constant", "value": "1ms" } } ],
      "clocks": [ { "target": "web", "drift_ppm": 1000 } ],
      "faults": [ { "kind": "black_hole", "target": "api", "at": "0s" } ] }"#;
    let scenario = scenarios::parse(text, "drift", &Default::default()).unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&log);
    let observer = Box::new(move |time: SimTime, event: &Event| {
        if let Event::Timeout { .. } = event {
            sink.borrow_mut().push(time.as_nanos());
        }
    });
    models::run_observed(&scenario.world, 1, Some(observer)).unwrap();
    let log = log.borrow();
    // The first request is sent at true 1 s, when the clock reads 1.001 s.
    assert_eq!(log[0] - 1_000_000_000, 9_990_009_991);
}

#[test]
fn the_summary_lists_every_fault_with_its_window() {
    let text = scenario(
        r#"{ "kind": "slowdown", "target": "api", "at": "5s", "for": "10s", "factor": 2 },
           { "kind": "crash", "target": "api[0]", "at": "20s" }"#,
        "",
    );
    let result = run(&text);
    let kinds: Vec<_> = result
        .faults
        .iter()
        .map(|f| (f.kind.as_str(), f.target.as_str()))
        .collect();
    // A crash that never heals is reported as the replica loss it is.
    assert_eq!(kinds, [("slowdown", "api"), ("replica_loss", "api[0]")]);
    assert_eq!(result.faults[0].end, SimTime::from_nanos(15_000_000_000));
    assert_eq!(result.faults[1].end, SimTime::MAX);
}

#[test]
fn bad_fault_input_names_the_path() {
    let cases = [
        (
            r#"{ "kind": "slowdown", "target": "apu", "at": "1s", "factor": 2 }"#,
            "faults[0].target",
        ),
        (
            r#"{ "kind": "slowdown", "target": "api", "at": "1s" }"#,
            "factor",
        ),
        (
            r#"{ "kind": "slowdown", "target": "api", "at": "1s", "factor": 2, "fraction": 0.1 }"#,
            "faults[0].fraction",
        ),
        (
            r#"{ "kind": "crash", "target": "api[3]", "at": "1s" }"#,
            "replica 3",
        ),
        (
            r#"{ "kind": "partition", "groups": [["api"]], "at": "1s" }"#,
            "faults[0].groups",
        ),
        (
            r#"{ "kind": "error_burst", "target": "api", "at": "1s", "fraction": 2 }"#,
            "faults[0].fraction",
        ),
        (
            r#"{ "kind": "slowdown", "target": "api", "at": "99s", "factor": 2 }"#,
            "faults[0].at",
        ),
        (
            r#"{ "kind": "meteor", "target": "api", "at": "1s" }"#,
            "meteor",
        ),
        (
            r#"{ "kind": "partition", "groups": [["api"], ["api[0]"]], "at": "1s" }"#,
            "must not share an endpoint",
        ),
        (
            r#"{ "kind": "clock_jump", "target": "nobody", "at": "1s", "by": "1s" }"#,
            "service or client",
        ),
        (
            r#"{ "kind": "pause", "target": "apu[0]", "at": "1s", "for": "1s" }"#,
            "did you mean `api`",
        ),
        (
            r#"{ "kind": "pause", "target": "api", "at": "1s", "factor": 2 }"#,
            "faults[0].factor",
        ),
        (
            r#"{ "kind": "crash", "target": "zone:a", "at": "1s" }"#,
            "faults[0].target",
        ),
        (
            r#"{ "kind": "brownout", "target": "api", "at": "1s", "peak": 0.5 }"#,
            "faults[0].for: is required for `brownout`",
        ),
        (
            r#"{ "kind": "brownout", "target": "api", "at": "1s", "for": "2s", "peak": 1.5 }"#,
            "faults[0].peak",
        ),
        (
            r#"{ "kind": "brownout", "target": "api", "at": "1s", "for": "2s", "fraction": 0.5 }"#,
            "faults[0].fraction",
        ),
        (
            r#"{ "kind": "brownout", "target": "apx", "at": "1s", "for": "2s", "peak": 0.5 }"#,
            "did you mean `api`",
        ),
    ];
    for (fault, needle) in cases {
        let error = scenarios::parse(&scenario(fault, ""), "bad.json", &Default::default())
            .expect_err(fault)
            .to_string();
        assert!(
            error.contains("bad.json") && error.contains(needle),
            "{fault}: {error}"
        );
    }
}

#[test]
fn random_faults_are_drawn_from_the_seed() {
    let text = scenario(
        "",
        r#", "random_faults": { "count": 6, "start": ["1s", "25s"], "duration": ["1s", "3s"] }"#,
    );
    let scenario = scenarios::parse(&text, "random.json", &Default::default()).unwrap();
    let schedule = |seed| -> Vec<(String, SimTime, SimTime)> {
        models::run(&scenario.world, seed)
            .unwrap()
            .faults
            .into_iter()
            .map(|f| (f.kind, f.start, f.end))
            .collect()
    };
    let first = schedule(1);
    assert_eq!(first.len(), 6);
    assert_eq!(first, schedule(1), "the same seed draws the same schedule");
    assert_ne!(first, schedule(2), "another seed draws another");
    for (kind, start, end) in &first {
        let (start_s, lasts_s) = (start.as_secs_f64(), end.since(*start).as_secs_f64());
        assert!(
            (1.0..=25.0).contains(&start_s),
            "{kind} starts at {start_s}"
        );
        if *end == SimTime::MAX {
            // A clock step or a drift change happens at an instant and lasts.
            assert!(kind == "clock_jump" || kind == "drift_change", "{kind}");
        } else {
            assert!((1.0..=3.0).contains(&lasts_s), "{kind} lasts {lasts_s}");
        }
    }
}

/// web (constant 20 req/s, 2 s timeout) → api → db, 1 ms work each, 1 ms latency, 30 s.
fn chain(faults: &str) -> String {
    format!(
        r#"{{ "name": "chain", "duration": "30s",
      "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 20 }}, "timeout": "2s" }} ],
      "services": [
        {{ "name": "api", "replicas": 1, "workers": 4, "service_time": {{ "kind": "constant", "value": "1ms" }},
          "calls": [ {{ "service": "db", "timeout": "1s" }} ] }},
        {{ "name": "db", "replicas": 1, "workers": 4, "service_time": {{ "kind": "constant", "value": "1ms" }} }} ],
      "network": {{ "latency": {{ "kind": "constant", "value": "1ms" }} }},
      "faults": [ {faults} ] }}"#
    )
}

#[test]
fn a_partial_partition_cuts_only_the_pair_it_names() {
    // See: #3 (gray failures: A reaches B, B reaches C, A cannot reach C). A partition
    // cuts the listed groups from each other and nothing else: web cannot reach db, yet
    // every request succeeds, because web only talks to api and api still reaches db.
    let partial = run(&chain(
        r#"{ "kind": "partition", "groups": [["web"], ["db"]], "mode": "refuse", "at": "10s", "for": "3s" }"#,
    ));
    let web = &partial.clients[0];
    assert_eq!(web.failed, 0);
    assert_eq!(web.refused, 0);
    assert_eq!(partial.services[0].calls[0].failed, 0, "api → db is intact");
    // Cutting the pair that is actually used, api ↔ db, fails exactly the 60 requests
    // (20/s for 3 s) whose api job called db in the window: db refuses, api answers an error.
    let used = run(&chain(
        r#"{ "kind": "partition", "groups": [["api"], ["db"]], "mode": "refuse", "at": "10s", "for": "3s" }"#,
    ));
    assert_eq!(used.services[0].calls[0].failed, 60);
    assert_eq!(used.clients[0].failed, 60);
    assert_eq!(used.clients[0].refused, 0, "web itself was never refused");
}

/// `random_faults` draws the gray and clock kinds too (issue #3): one drawn 5 s pause of api
/// freezes its only replica, and every request that reaches it in the window waits past its
/// 100 ms timeout.
#[test]
fn a_drawn_pause_freezes_a_replica_like_a_scheduled_one() {
    let recipe = r#", "random_faults": { "count": 1, "kinds": ["pause"], "start": ["10s", "15s"], "duration": ["5s", "5s"] }"#;
    let drawn = run(&scenario("", recipe));
    assert_eq!(drawn.faults.len(), 1);
    let fault = &drawn.faults[0];
    assert_eq!(
        (fault.kind.as_str(), fault.target.as_str()),
        ("pause", "api[0]")
    );
    assert_eq!(fault.end.since(fault.start).as_nanos(), 5_000_000_000);
    // The same pause written into the schedule gives the same run, event for event.
    let at = fault.start.since(SimTime::ZERO);
    let scheduled = run(&scenario(
        &format!(r#"{{ "kind": "pause", "target": "api[0]", "at": "{at}", "for": "5s" }}"#),
        "",
    ));
    assert_eq!(scheduled.stats.trace_hash, drawn.stats.trace_hash);
    // Arrivals every 10 ms: 500 reach the frozen replica and wait past their timeout; a few
    // more, sent just after it resumes, queue behind the backlog (drained at 4 per ms) long
    // enough to time out too.
    let web = &drawn.clients[0];
    assert!(
        (500..=520).contains(&web.timeouts),
        "{} timeouts",
        web.timeouts
    );
}

/// Random faults reach a lease election's nodes: a drawn pause of a node lists under the
/// election's name, and the same draw replays identically.
#[test]
fn random_faults_can_hit_a_lease_election() {
    let text = std::fs::read_to_string("scenarios/library/lease-split-brain.json").unwrap();
    let options = scenarios::LoadOptions {
        overrides: vec![scenarios::Override::parse(
            r#"random_faults={"count": 4, "targets": ["election"], "kinds": ["pause", "crash", "clock_jump"]}"#,
        )
        .unwrap()],
        ..Default::default()
    };
    let scenario = scenarios::parse(&text, "lease-split-brain", &options).unwrap();
    let first = models::run(&scenario.world, 3).unwrap();
    let again = models::run(&scenario.world, 3).unwrap();
    assert_eq!(first.stats.trace_hash, again.stats.trace_hash);
    let drawn: Vec<_> = first.faults.iter().skip(2).collect();
    assert_eq!(drawn.len(), 4, "{:?}", first.faults);
    for fault in drawn {
        assert!(
            ["pause", "crash", "clock_jump"].contains(&fault.kind.as_str()),
            "{fault:?}"
        );
        assert!(fault.target.starts_with("election["), "{fault:?}");
    }
}

/// A service in zones a and b (api[0] and api[2] in zone a) and a database `db` beside it,
/// with `faults` and `extra` spliced in.
fn zoned_with_database(faults: &str, extra: &str) -> String {
    format!(
        r#"{{ "name": "zones-and-db", "duration": "20s",
      "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 20 }} }} ],
      "services": [ {{ "name": "api", "replicas": 3, "zones": ["a", "b"],
                       "service_time": {{ "kind": "constant", "value": "5ms" }} }} ],
      "database": {{ "name": "db", "followers": 2,
                    "writes": {{ "kind": "constant", "rate_per_s": 10 }},
                    "reads": {{ "kind": "constant", "rate_per_s": 10 }},
                    "replication_lag": {{ "kind": "constant", "value": "10ms" }} }},
      "faults": [ {faults} ]{extra} }}"#
    )
}

#[test]
fn r15_faults_are_listed_in_file_order_with_a_zone_target() {
    // See: #15. A zone target expands into one fault per replica, and the database's faults
    // used to be spliced in by their index in the file, so this schedule printed
    // `api[0], db[1], api[2], api`. One schedule, resolved once by validation: every fault
    // keeps its entry's position, and a zone's faults share it.
    let listed = run(&zoned_with_database(
        r#"{ "kind": "crash", "target": "zone:a", "at": "5s", "for": "1s" },
           { "kind": "crash", "target": "db[1]", "at": "6s", "for": "1s" },
           { "kind": "slowdown", "target": "api", "at": "7s", "for": "1s", "factor": 2 },
           { "kind": "crash", "target": "db[2]", "at": "8s", "for": "1s" }"#,
        "",
    ));
    let targets: Vec<_> = listed.faults.iter().map(|f| f.target.as_str()).collect();
    assert_eq!(targets, ["api[0]", "api[2]", "db[1]", "api", "db[2]"]);
}

#[test]
fn r15_random_zone_outages_stay_together_in_the_listing() {
    // See: #15. A random recipe with zone outages, the database and the service: each drawn
    // outage is listed as its two replicas side by side (same window, api[0] then api[2]),
    // on the seeds where index arithmetic used to split them (9, 13, 20, 24, 28).
    let text = zoned_with_database(
        "",
        r#", "random_faults": { "count": 6, "kinds": ["zone_outage", "crash", "slowdown"],
                                "targets": ["api", "db"] }"#,
    );
    let scenario = scenarios::parse(&text, "faults-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut outages_seen = 0;
    for seed in [9, 13, 20, 24, 28] {
        let result = models::run(&scenario.world, seed).expect("run completes");
        assert_eq!(result.faults.len(), {
            let drawn = models::draw_random_faults(&scenario.world, seed);
            drawn.world.len() + drawn.database.len() + drawn.election.len()
        });
        for (i, fault) in result.faults.iter().enumerate() {
            if fault.target != "api[0]" || fault.kind != "crash" {
                continue;
            }
            let twin = result.faults.iter().position(|f| {
                f.target == "api[2]"
                    && f.kind == "crash"
                    && (f.start, f.end) == (fault.start, fault.end)
            });
            if let Some(twin) = twin {
                outages_seen += 1;
                assert_eq!(
                    twin,
                    i + 1,
                    "seed {seed}: a zone outage split in {:?}",
                    result.faults
                );
            }
        }
    }
    assert!(
        outages_seen > 0,
        "the recipe drew no zone outage on these seeds"
    );
}
