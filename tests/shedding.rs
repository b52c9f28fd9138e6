//! Load shedding on a service queue under 2× overload (issue #4): a queue-time limit, adaptive
//! LIFO and CoDel against a plain FIFO queue, on the same seed.
//!
//! Sources: Maurer, "Fail at Scale" (ACM Queue 13(8), 2015) for adaptive LIFO and for bounding
//! the time a request spends queued; Nichols & Jacobson, "Controlling Queue Delay" (ACM Queue
//! 10(5), 2012) and RFC 8289 for CoDel (target 5 ms, interval 100 ms).

use models::RunResult;

/// web (Poisson 800 req/s, 100 ms timeout, no retries) → api (1 replica × 4 workers, constant
/// 10 ms: capacity 400 req/s, so 2× overload; a queue of 10,000), 60 s after a 10 s warm-up.
/// `queue` is spliced into api's queue object.
fn overloaded(queue: &str) -> String {
    format!(
        r#"{{ "name": "shedding", "duration": "60s", "warmup": "10s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 800 }}, "timeout": "100ms" }} ],
  "services": [ {{ "name": "api", "workers": 4, "queue": {{ "capacity": 10000{queue} }},
                  "service_time": {{ "kind": "constant", "value": "10ms" }} }} ] }}"#
    )
}

fn run(text: &str) -> RunResult {
    let scenario = scenarios::parse(text, "shedding-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

fn goodput(result: &RunResult) -> f64 {
    result.clients[0].succeeded as f64 / 50.0
}

/// A queue-time limit bounds the sojourn of every attempt served: at most `max_wait` queued
/// plus 10 ms of work. FIFO without it serves only attempts whose callers left long ago.
#[test]
fn max_wait_bounds_the_sojourn_of_served_attempts() {
    let fifo = run(&overloaded(""));
    let limited = run(&overloaded(r#", "max_wait": "50ms""#));
    let (api_fifo, api) = (&fifo.services[0], &limited.services[0]);
    let worst = api.sojourn.max().as_nanos();
    eprintln!(
        "FIFO: goodput {:.1}/s, sojourn max {:.0} ms; max_wait 50 ms: goodput {:.1}/s, sojourn max {:.3} ms, {} shed",
        goodput(&fifo),
        api_fifo.sojourn.max().as_nanos() as f64 / 1e6,
        goodput(&limited),
        worst as f64 / 1e6,
        api.shed
    );
    assert!(
        worst <= 60_000_000,
        "50 ms queued + 10 ms of work, got {worst} ns"
    );
    assert!(api_fifo.sojourn.max().as_nanos() > 10_000_000_000);
    assert!(
        api.shed > 15_000,
        "about half of 40,000 arrivals are shed: {}",
        api.shed
    );
    assert_eq!(api.rejected, 0, "shedding keeps the queue from filling");
    assert!(
        goodput(&limited) > 390.0,
        "almost the full capacity is goodput"
    );
    assert!(
        goodput(&fifo) < 1.0,
        "a full FIFO queue serves only the departed"
    );
    // A shed attempt is answered as overload: every attempt api shed by the end is one of
    // the client's rejections, and the drain sheds a few more of the last requests' attempts
    // (api's figures stop when arrivals stop; the client's follow its requests to the end).
    let rejections = limited.clients[0].rejections;
    assert!(
        rejections >= api.shed && rejections - api.shed < 100,
        "a shed attempt is answered as overload: {rejections} rejections, {} shed",
        api.shed
    );
}

/// "Fail at Scale": with a standing queue, serving the newest first gives the requests most
/// likely to still be wanted; FIFO gives everyone the full queueing delay and loses them all.
#[test]
fn adaptive_lifo_gives_more_goodput_within_the_deadline_than_fifo() {
    let fifo = run(&overloaded(""));
    let lifo = run(&overloaded(r#", "discipline": "adaptive_lifo""#));
    eprintln!(
        "goodput within 100 ms: FIFO {:.1}/s, adaptive LIFO {:.1}/s",
        goodput(&fifo),
        goodput(&lifo)
    );
    assert!(goodput(&lifo) > 350.0, "LIFO: {:.1}/s", goodput(&lifo));
    assert!(goodput(&lifo) > 100.0 * goodput(&fifo).max(1.0));
    assert!(
        lifo.clients[0].latency.quantile_nanos(0.5) < 20e6,
        "the newest are served almost at once"
    );
}

/// CoDel as RFC 8289 specifies it drops at the head while the queue delay stays above target
/// for an interval, faster and faster. Open-loop overload never backs off as TCP does, so it
/// shed about the excess load and serves far fresher attempts than FIFO, yet still oscillates
/// around a queue of hundreds of milliseconds: the lesson of "Fail at Scale", which bounds
/// queue time directly instead.
#[test]
fn codel_sheds_the_excess_but_open_loop_load_keeps_a_queue() {
    let fifo = run(&overloaded(""));
    let codel = run(&overloaded(r#", "codel": {}"#));
    let limited = run(&overloaded(r#", "max_wait": "50ms""#));
    let api = &codel.services[0];
    let median_wait = |r: &RunResult| r.services[0].wait.quantile_nanos(0.5) / 1e6;
    eprintln!(
        "median wait: FIFO {:.0} ms, CoDel {:.0} ms, max_wait {:.0} ms; CoDel shed {}",
        median_wait(&fifo),
        median_wait(&codel),
        median_wait(&limited),
        api.shed
    );
    assert!(
        api.shed > 15_000,
        "about the excess half is shed: {}",
        api.shed
    );
    assert_eq!(api.rejected, 0, "the queue never fills");
    assert!(median_wait(&codel) * 10.0 < median_wait(&fifo));
    assert!(median_wait(&codel) > 2.0 * median_wait(&limited));
}
