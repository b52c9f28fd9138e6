//! Each lesson's headline claim, as a test named after the lesson (issue #20).
//!
//! `docs/lessons/NAME.md` teaches one catalog scenario and quotes what seed 1 prints; the
//! test `NAME` here (dashes as underscores) checks the claim the lesson is built on, with
//! margins wide enough that a harmless change of luck (a new sampling method, a new stream)
//! does not fail it, and narrow enough that a change which breaks the lesson does. A number
//! that comes from theory cites its source. The last test checks that every catalog scenario
//! has a lesson and a test here, so a new scenario cannot ship without either.
//!
//! Run one with `cargo test --test lessons retry_storm -- --nocapture` to see the figures it
//! measured (each test prints them), which is how a lesson's quoted numbers are refreshed.

use faultline::simulate::{simulate, Simulated};

#[path = "lessons/operations.rs"]
mod operations;
#[path = "lessons/sagas.rs"]
mod sagas;
#[path = "lessons/transactions.rs"]
mod transactions;

/// Runs catalog scenario `name` at seed 1 with `variant` and `--set` overrides.
fn run(name: &str, variant: Option<&str>, set: &[&str]) -> Simulated {
    run_seed(name, variant, set, 1)
}

/// Runs catalog scenario `name` at `seed` with `variant` and `--set` overrides.
fn run_seed(name: &str, variant: Option<&str>, set: &[&str], seed: u64) -> Simulated {
    let entry = scenarios::catalog::find(name).expect("a catalog scenario");
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    simulate(entry.text, &entry.origin(), variant, &set, seed)
        .unwrap_or_else(|e| panic!("{name} {variant:?}: {e}"))
}

/// The first SLO's observed fraction.
fn slo(run: &Simulated) -> f64 {
    run.summary.slo[0].observed.expect("requests were made")
}

/// Mean goodput of client `client` (by index) over whole seconds `from..to`.
fn goodput(run: &Simulated, client: usize, from: usize, to: usize) -> f64 {
    mean(&run.result.clients[client].series.goodput_per_s[from..to])
}

/// The mean of a slice of a per-second series.
fn mean(series: &[f64]) -> f64 {
    series.iter().sum::<f64>() / series.len() as f64
}

/// The worst per-second p99 latency of client 0's successes over whole seconds `from..to`
/// (None when no second had a success).
fn worst_p99(run: &Simulated, from: usize, to: usize) -> Option<f64> {
    run.result.clients[0].series.latency_p99_ms[from..to]
        .iter()
        .flatten()
        .copied()
        .reduce(f64::max)
}

/// A client's summary by name.
fn client<'a>(run: &'a Simulated, name: &str) -> &'a reports::ClientSummary {
    &run.summary.clients[name]
}

/// A service's summary by name.
fn service<'a>(run: &'a Simulated, name: &str) -> &'a reports::ServiceSummary {
    &run.summary.services[name]
}

#[test]
fn cache_stampede() {
    // Headline: a cold naive cache stampedes db and never recovers; single flight fills it;
    // serve-stale answers every request the outage would have failed.
    let naive = run("cache-stampede", Some("naive"), &[]);
    let single = run("cache-stampede", Some("single-flight"), &[]);
    let outage = run("cache-stampede", Some("outage"), &[]);
    let stale = run("cache-stampede", Some("serve-stale"), &[]);
    for (label, r) in [
        ("naive", &naive),
        ("single-flight", &single),
        ("outage", &outage),
        ("serve-stale", &stale),
    ] {
        eprintln!(
            "{label}: ok {} of {}, SLO {:.4}",
            client(r, "web").succeeded,
            client(r, "web").requests,
            slo(r)
        );
    }
    assert!(slo(&naive) < 0.5, "the naive cache collapses");
    assert!(service(&naive, "db").utilization > 0.95, "db saturated");
    assert!(slo(&single) > 0.99, "single flight meets the SLO");
    assert!(
        service(&single, "db").arrivals * 10 < service(&naive, "db").arrivals,
        "single flight cuts db's queries by more than 10x"
    );
    assert!(slo(&outage) < 0.8, "the outage fails requests");
    let failures_added = client(&outage, "web").failed - client(&stale, "web").failed;
    let stale_served = service(&stale, "api").calls[0]
        .cache
        .as_ref()
        .expect("a cache")
        .stale_served;
    assert_eq!(
        stale_served, failures_added,
        "each stale answer is a failure the outage would have caused"
    );
    assert!(
        slo(&stale) > 0.99,
        "serve-stale meets the SLO through the outage"
    );
}

#[test]
fn cascading_failure() {
    // Headline: a slow optional dependency collapses the caller's goodput; a timeout alone
    // does not contain it (Little's law: 400/s × 100 ms = 40 workers > 32); a bulkhead plus a
    // timeout keeps the whole offer, answered degraded.
    let naive = run("cascading-failure", Some("naive"), &[]);
    let timeout = run("cascading-failure", Some("timeout"), &[]);
    let bulkhead = run("cascading-failure", Some("bulkhead"), &[]);
    for (label, r) in [
        ("naive", &naive),
        ("timeout", &timeout),
        ("bulkhead", &bulkhead),
    ] {
        eprintln!(
            "{label}: goodput during {:.1}/s, worst p99 during {:?} ms",
            goodput(r, 0, 40, 70),
            worst_p99(r, 41, 70)
        );
    }
    assert!(goodput(&naive, 0, 40, 70) < 4.0, "naive collapses");
    assert!(
        goodput(&timeout, 0, 40, 70) < 100.0,
        "a timeout alone fails"
    );
    assert!(goodput(&bulkhead, 0, 40, 70) > 390.0, "the bulkhead holds");
    assert_eq!(client(&bulkhead, "web").failed, 0);
    assert!(worst_p99(&bulkhead, 41, 70).expect("successes") < 150.0);
}

#[test]
fn clock_skew() {
    // Headline: a 100 ms timeout on a clock 20% fast fires after 83 ms of true time, so more
    // db calls are retried and the SLO that perfect clocks meet is missed; db itself is the same.
    let skewed = run("clock-skew", None, &[]);
    let perfect = run("clock-skew", Some("perfect-clocks"), &[]);
    let retries = |r: &Simulated| {
        let call = &service(r, "api").calls[0];
        call.attempts - call.requests
    };
    eprintln!(
        "skewed: {} retries, SLO {:.4}; perfect: {} retries, SLO {:.4}",
        retries(&skewed),
        slo(&skewed),
        retries(&perfect),
        slo(&perfect)
    );
    assert!(retries(&skewed) > 2 * retries(&perfect));
    assert!(slo(&perfect) >= 0.99 && slo(&skewed) < 0.99);
    assert_eq!(
        service(&skewed, "db").sojourn_ms.p99,
        service(&perfect, "db").sojourn_ms.p99,
        "db is no slower"
    );
}

#[test]
fn closed_loop_storm() {
    // Headline: 60 closed-loop users recover at once after the slowdown; an open loop at the
    // same rate, and 6,000 users who think 11.3 s, stay collapsed (interactive response-time
    // law X = N / (R + Z), Denning & Buzen 1978).
    let closed = run("closed-loop-storm", Some("closed"), &[]);
    let open = run("closed-loop-storm", Some("open"), &[]);
    let crowd = run("closed-loop-storm", Some("crowd"), &[]);
    for (label, r) in [("closed", &closed), ("open", &open)] {
        let web = &r.result.clients[0].series;
        for (from, to) in [(55, 60), (60, 65), (70, 75), (80, 85), (85, 90)] {
            eprintln!(
                "{label} {from}-{to}: new {:.0}/s, attempts {:.0}/s",
                mean(&web.offered_per_s[from..to]),
                mean(&web.attempts_per_s[from..to])
            );
        }
    }
    assert!(goodput(&closed, 0, 80, 90) > 400.0, "closed recovers");
    assert!(goodput(&open, 0, 150, 200) < 10.0, "open stays collapsed");
    assert!(
        goodput(&crowd, 0, 150, 200) < 10.0,
        "the crowd stays collapsed"
    );
}

#[test]
fn diurnal_storm() {
    // Headline (seed 3, one of the 6 seeds of 10 on which naive collapses): naive retries tip
    // over at the 97.5% peak and stay down until the evening's load is below a quarter of
    // capacity (4 attempts per request); a budget shortens the storm; a budget plus shedding
    // work that waited past the timeout rides through.
    let seed = 3;
    let naive = run_seed("diurnal-storm", Some("naive"), &[], seed);
    let budget = run_seed("diurnal-storm", Some("budget"), &[], seed);
    let shed = run_seed("diurnal-storm", Some("budget-shed"), &[], seed);
    let down = |r: &Simulated| {
        let series = &r.result.clients[0].series;
        (0..series.goodput_per_s.len() / 10)
            .filter(|&i| {
                let (from, to) = (10 * i, 10 * i + 10);
                mean(&series.goodput_per_s[from..to]) < 0.5 * mean(&series.offered_per_s[from..to])
            })
            .count()
            * 10
    };
    for (label, r) in [("naive", &naive), ("budget", &budget), ("shed", &shed)] {
        let web = &r.result.clients[0].series;
        let mut line = format!("{label}: down {} s;", down(r));
        for (from, to) in [
            (260, 280),
            (280, 300),
            (300, 320),
            (380, 400),
            (400, 420),
            (500, 520),
            (520, 540),
        ] {
            line += &format!(
                " {from}-{to}: offered {:.0} attempts {:.0} goodput {:.0};",
                mean(&web.offered_per_s[from..to]),
                mean(&web.attempts_per_s[from..to]),
                mean(&web.goodput_per_s[from..to])
            );
        }
        eprintln!(
            "{line} queue 280-300 {:.1}",
            mean(&r.result.services[0].series.queue_len[280..300])
        );
    }
    assert!(down(&naive) >= 150, "naive stays down for minutes");
    assert!(
        down(&budget) < down(&naive),
        "the budget shortens the storm"
    );
    assert_eq!(down(&shed), 0, "budget and shedding ride through");
    assert!(slo(&shed) > 0.99);
}

/// The scenario `name` as parsed (for its exact service-time moments).
fn scenario(name: &str) -> scenarios::Scenario {
    let entry = scenarios::catalog::find(name).expect("a catalog scenario");
    entry.load(&Default::default()).expect("valid")
}

/// The one service's mean wait in the queue, in ms.
fn wait_ms(run: &Simulated) -> f64 {
    let service = run.summary.services.values().next().expect("a service");
    service.wait_ms.mean.expect("requests waited")
}

/// The one service's mean time in the system, in ms.
fn sojourn_ms(run: &Simulated) -> f64 {
    let service = run.summary.services.values().next().expect("a service");
    service.sojourn_ms.mean.expect("requests were served")
}

/// Pollaczek–Khinchine: the mean wait of an M/G/1 queue, W_q = λE[S²] / (2(1 − ρ)) in ms
/// (Kleinrock, "Queueing Systems" vol. 1, 1975, §5.6, eq. 5.73).
fn pollaczek_khinchine_ms(lambda: f64, service: &sim_core::Distribution) -> f64 {
    let rho = lambda * service.mean_nanos() / 1e9;
    lambda * (service.second_moment_nanos() / 1e18) / (2.0 * (1.0 - rho)) * 1e3
}

/// Asserts `value` is within `share` of `expected`.
fn assert_close(what: &str, value: f64, expected: f64, share: f64) {
    eprintln!("{what}: {value:.4} (theory {expected:.4})");
    assert!(
        (value - expected).abs() <= share * expected,
        "{what}: {value} is not within {}% of {expected}",
        share * 100.0
    );
}

#[test]
fn crash() {
    // Headline: a crash loses only the work in flight; retries to a balancer that does not
    // know recover about 7 in 8 of the refused requests (a request fails when its 3 retries
    // all land on the dead replica of two: (1/2)³ = 1/8).
    let retries = run("crash", None, &[]);
    let no_retry = run("crash", Some("no-retry"), &[]);
    let (with, without) = (
        client(&retries, "web").failed,
        client(&no_retry, "web").failed,
    );
    eprintln!("failed with retries {with}, without {without}");
    assert!(
        service(&retries, "api").lost < 50,
        "a handful lost in flight"
    );
    let expected = without as f64 / 8.0;
    assert_close("failures with retries", with as f64, expected, 0.25);
}

#[test]
fn errors() {
    // Headline: retries hide a 30% error burst (a request fails only if 3 independent tries
    // fail: 0.3³ = 2.7% of the ~8,000 calls in the burst) but never garbage, which the SLO
    // counts as success.
    let retries = run("errors", None, &[]);
    let no_retry = run("errors", Some("no-retry"), &[]);
    let burst_calls = 400.0 * 20.0;
    assert_close(
        "failures without retries",
        client(&no_retry, "web").failed as f64,
        0.3 * burst_calls,
        0.1,
    );
    assert_close(
        "failures with 3 tries",
        client(&retries, "web").failed as f64,
        0.027 * burst_calls,
        0.25,
    );
    assert!(
        client(&retries, "web").garbage > 100,
        "garbage passes through"
    );
    assert!(slo(&retries) >= 0.98, "and the SLO counts it as good");
}

#[test]
fn fail_slow() {
    // Headline: a replica 10x slower makes round robin miss the SLO; least-outstanding, p2c
    // (Mitzenmacher 2001) and outlier ejection route around it.
    let round_robin = run("fail-slow", None, &[]);
    eprintln!("round robin: SLO {:.4}", slo(&round_robin));
    assert!(slo(&round_robin) < 0.9);
    for variant in ["least_outstanding", "p2c", "ejection"] {
        let r = run("fail-slow", Some(variant), &[]);
        eprintln!("{variant}: SLO {:.4}", slo(&r));
        assert!(slo(&r) >= 0.99, "{variant} meets the SLO");
    }
}

#[test]
fn flapping() {
    // Headline: a 2 s outage every 10 s fails every call made during it without retries (5
    // flaps × 2 s × 300/s = 3,000); 3 attempts span only 0.4 s, yet halve the failures
    // because api's saturated worker pool queues requests past the flap.
    let retries = run("flapping", None, &[]);
    let no_retry = run("flapping", Some("no-retry"), &[]);
    assert_close(
        "failures without retries",
        client(&no_retry, "web").failed as f64,
        3_000.0,
        0.05,
    );
    let with = client(&retries, "web").failed as f64;
    eprintln!("failures with retries: {with}");
    assert!(with < 0.6 * 3_000.0 && with > 0.3 * 3_000.0, "about half");
    assert!(
        service(&retries, "api").queue_len_mean > 5.0,
        "the worker pool saturates and queues"
    );
}

#[test]
fn lease_split_brain() {
    // Headline: a 5 s backward clock step makes a cut-off leader act about 5 s past its
    // successor's takeover, and its writes land; fencing tokens reject them all, and a
    // safety margin larger than the step prevents the split brain.
    let unfenced = run("lease-split-brain", None, &[]);
    let fencing = run("lease-split-brain", Some("fencing"), &[]);
    let margin = run("lease-split-brain", Some("margin"), &[]);
    let election = |r: &Simulated| r.summary.election.clone().expect("an election");
    let (u, f, m) = (election(&unfenced), election(&fencing), election(&margin));
    eprintln!(
        "split brain {} s, stale writes {}",
        u.split_brain_s, u.stale_writes
    );
    assert!(u.split_brain_s > 4.0 && u.split_brain_s < 5.0);
    assert!(u.stale_writes > 0 && u.stale_writes_accepted == u.stale_writes);
    assert_eq!(f.stale_writes_accepted, 0);
    assert_eq!(f.writes_rejected, f.stale_writes);
    assert_eq!(m.split_brain_s, 0.0);
    assert_eq!(m.stale_writes, 0);
}

#[test]
fn md1() {
    // Headline: constant work waits half as long as exponential work at the same load
    // (Pollaczek–Khinchine, E[S²] = E[S]² against 2E[S]²): W_q = 2 ms at ρ = 0.8, 1 ms work.
    let md1 = run("md1", None, &[]);
    let mm1 = run(
        "md1",
        None,
        &[r#"services.server.service_time={"kind": "exponential", "mean": "1ms"}"#],
    );
    assert_close("M/D/1 W_q (ms)", wait_ms(&md1), 2.0, 0.08);
    assert_close("M/M/1 W_q (ms)", wait_ms(&mm1), 4.0, 0.1);
}

#[test]
fn mg1_measured() {
    // Headline: a measured heavy-tailed table at ρ = 0.7 waits 100 ms on average by
    // Pollaczek–Khinchine; a lognormal fitted to its p50 and p99 predicts and waits far less.
    // One seed of an hour scatters by about 3.3% (tests/theory.rs averages 20 seeds); 15% is
    // four of those.
    let world = scenario("mg1-measured").world;
    let lambda = match world.clients[0].arrival {
        models::Load::Open {
            rate: models::Rate::Fixed(rate_per_s),
            ..
        } => rate_per_s,
        _ => unreachable!("Poisson at a fixed rate"),
    };
    let expected = pollaczek_khinchine_ms(lambda, &world.services[0].service_time);
    let measured = run("mg1-measured", None, &[]);
    let fit = run("mg1-measured", Some("lognormal-fit"), &[]);
    assert_close("W_q (ms)", wait_ms(&measured), expected, 0.15);
    assert!(
        wait_ms(&fit) * 5.0 < wait_ms(&measured),
        "the lognormal fit waits far less ({:.1} ms)",
        wait_ms(&fit)
    );
}

#[test]
fn mm1() {
    // Headline: at ρ = 0.9 a 1 ms request spends 10 ms in the system, W = 1/(μ − λ)
    // (Kleinrock 1975, §3.2). One 180 s run at 90% load scatters by a few percent.
    let r = run("mm1", None, &[]);
    assert_close("W (ms)", sojourn_ms(&r), 10.0, 0.08);
    assert_close("W_q (ms)", wait_ms(&r), 9.0, 0.08);
}

#[test]
fn mmc() {
    // Headline: four workers sharing one queue wait W_q = C(c, a)/(cμ − λ) = 2.98 ms (Erlang
    // C, Kleinrock 1975, §3.5), far less than four separate queues behind round robin.
    let pooled = run("mmc", None, &[]);
    let separate = run(
        "mmc",
        None,
        &["services.server.replicas=4", "services.server.workers=1"],
    );
    assert_close("W_q (ms)", wait_ms(&pooled), 2.98, 0.1);
    assert!(sojourn_ms(&separate) > 1.5 * sojourn_ms(&pooled));
}

#[test]
fn retries() {
    // Headline: at 87.5% load, 4 attempts per request tip a healthy server into a collapse it
    // never leaves (4 × 350/s = 1,400 attempts/s against 400/s of capacity); without retries
    // the same server meets its SLO.
    let retries = run("retries", None, &[]);
    let no_retry = run("retries", Some("no-retry"), &[]);
    let from_zero = run("retries", None, &[r#"warmup="0s""#]);
    let tip = from_zero.result.clients[0]
        .series
        .goodput_per_s
        .iter()
        .position(|&g| g == 0.0);
    eprintln!(
        "goodput first zero at {tip:?} s; ok with retries {}, without {}",
        client(&retries, "web").succeeded,
        client(&no_retry, "web").succeeded
    );
    assert!(slo(&no_retry) >= 0.99, "healthy without retries");
    assert_eq!(client(&retries, "web").succeeded, 0, "collapsed with them");
    assert!(client(&retries, "web").amplification > 3.9);
}

#[test]
fn noisy_neighbor() {
    // Headline: one caller's surge to 1.2x capacity times out another caller's requests in a
    // shared queue; priority shedding, a worker pool per caller and a per-caller rate limit
    // each keep the critical caller within its SLO.
    let shared = run("noisy-neighbor", Some("no-classes"), &[]);
    eprintln!(
        "no-classes: checkout failed {}, SLO {:.4}",
        client(&shared, "checkout").failed,
        slo(&shared)
    );
    assert!(slo(&shared) < 0.9, "the shared queue fails checkout");
    for variant in ["priority", "pools", "per-caller-limit"] {
        let r = run("noisy-neighbor", Some(variant), &[]);
        eprintln!(
            "{variant}: checkout failed {}, SLO {:.4}",
            client(&r, "checkout").failed,
            slo(&r)
        );
        assert!(slo(&r) >= 0.99, "{variant} protects checkout");
    }
}

#[test]
fn partition() {
    // Headline: a black hole holds api's workers until the call timeouts and fails slowly
    // (web timeouts, a p99 past 200 ms); a refusal fails as many requests fast; a one-way cut
    // looks like a black hole to callers while db still does the work.
    let hole = run("partition", None, &[]);
    let refuse = run("partition", Some("refuse"), &[]);
    let one_way = run("partition", Some("one-way"), &[]);
    let p99 = |r: &Simulated| client(r, "web").latency_ms.p99.expect("successes");
    eprintln!(
        "p99: black hole {:.1} ms, refuse {:.1} ms",
        p99(&hole),
        p99(&refuse)
    );
    assert!(client(&hole, "web").timeouts > 1_000);
    assert_eq!(client(&refuse, "web").timeouts, 0);
    assert!(p99(&hole) > 200.0 && p99(&refuse) < 50.0);
    let failed = |r: &Simulated| client(r, "web").failed as f64;
    assert_close(
        "refused failures vs black hole's",
        failed(&refuse),
        failed(&hole),
        0.1,
    );
    let db_extra = service(&one_way, "db").completed - service(&hole, "db").completed;
    eprintln!("one-way: db completed {db_extra} more attempts whose replies vanished");
    assert!(db_extra > 2_000, "db works for replies that never arrive");
}

#[test]
fn replication_lag() {
    // Headline: follower reads miss recent writes with probability 1 − e^(−λ·E[lag]) (the
    // writes still in flight to a follower form a marked Poisson process with mean λE[lag]:
    // Kingman, "Poisson Processes", 1993, §5.2), and an async failover loses acknowledged
    // writes that semi-sync keeps.
    let calm = run("replication-lag", None, &["faults=[]"]);
    let database = |r: &Simulated| r.summary.database.clone().expect("a database");
    let calm_db = database(&calm);
    // λ = writes per second measured; lag lognormal p50 1 ms, p99 10 ms: σ = ln 10 / z(0.99),
    // E[lag] = p50 · e^(σ²/2).
    let lambda = calm_db.writes as f64 / calm.summary.measured_s;
    let sigma = libm::log(10.0) / 2.326_347_874;
    let lag_s = 1e-3 * libm::exp(sigma * sigma / 2.0);
    let expected = 1.0 - libm::exp(-lambda * lag_s);
    assert_close(
        "stale fraction without faults",
        calm_db.stale_fraction,
        expected,
        0.05,
    );
    let asynchronous = database(&run("replication-lag", None, &[]));
    let semi = database(&run("replication-lag", Some("semi-sync"), &[]));
    eprintln!(
        "lost in failover: async {}, semi-sync {}",
        asynchronous.writes_lost_in_failover, semi.writes_lost_in_failover
    );
    assert!(asynchronous.writes_lost_in_failover > 10);
    assert_eq!(semi.writes_lost_in_failover, 0);
}

#[test]
fn queue_burst() {
    // Headline: a burst of twice the workers' capacity for 10 s (4,000 orders too many)
    // times out most users of a synchronous call, while a queue takes it without a failure
    // and its consumer lag drains back to (about) zero: a backlog of (800 − 400)/s × 10 s
    // drained at (400 − 100)/s less imbalance. Poison messages reach the dead-letter queue
    // after exactly 3 deliveries each; without one they stay forever. A visibility timeout
    // shorter than some deliveries duplicates effects, unless the consumer is idempotent
    // (SQS Developer Guide: visibility timeout, dead-letter queues).
    let queue = run("queue-burst", None, &[]);
    let sync = run("queue-burst", Some("synchronous"), &[]);
    let no_dlq = run("queue-burst", Some("no-dlq"), &[]);
    let short = run("queue-burst", Some("short-visibility"), &[]);
    let idempotent = run("queue-burst", Some("idempotent"), &[]);
    let orders = |r: &Simulated| r.summary.queues["orders"].clone();
    let q = orders(&queue);
    eprintln!(
        "queue slo {:.4} lag max {} ({} s) end {}; sync slo {:.4}; no-dlq end {} s; duplicates {} / {}",
        slo(&queue),
        q.lag_max_messages,
        q.lag_max_s,
        q.lag_end_messages,
        slo(&sync),
        orders(&no_dlq).lag_end_s,
        orders(&short).duplicates,
        orders(&idempotent).duplicates
    );
    assert_eq!(
        client(&queue, "users").failed,
        0,
        "the queue takes the burst"
    );
    assert!(slo(&queue) > 0.99);
    assert!(slo(&sync) < 0.5, "most synchronous users time out");
    assert!(client(&sync, "users").failed > 6_000);
    assert_close(
        "backlog at the burst's end",
        q.lag_max_messages as f64,
        4_000.0,
        0.25,
    );
    assert!(q.lag_end_messages < 20, "the lag drains: {q:?}");
    assert_eq!(
        q.published,
        q.acked + q.dead_lettered + q.dropped + q.in_flight_end
    );
    assert!(q.dead_lettered > 5);
    assert!(q.failed_deliveries >= 3 * q.dead_lettered);
    let n = orders(&no_dlq);
    assert_eq!(n.dead_lettered, 0);
    assert!(n.lag_end_s > 50.0, "a poison message stays for good: {n:?}");
    let (s, i) = (orders(&short), orders(&idempotent));
    assert!(s.duplicates > 30, "{s:?}");
    assert_eq!(i.duplicates, 0);
    assert_eq!(
        i.deduplicated, s.duplicates,
        "the same redeliveries, each refused"
    );
}

#[test]
fn read_replica_failover() {
    // Headline: through a service's calls, the users meet the database's failure modes one
    // by one (Kleppmann, DDIA, ch. 5): a failover under async replication discards about
    // λ × (lag at the crash) acknowledged saves (200/s × 0.3 s ≈ 60), each one lost at the
    // user whose request was told it succeeded; saves fail for the whole leaderless time
    // (≈ λ × failover_after); follower reads miss recent saves, leader reads never do; and a
    // faster failover shortens the outage without bringing back a lost save.
    let followers = run("read-replica-failover", None, &[]);
    let leader = run("read-replica-failover", Some("read-leader"), &[]);
    let fast = run("read-replica-failover", Some("fast-failover"), &[]);
    let users = |r: &Simulated| {
        client(r, "users")
            .database
            .expect("the users' requests call the database")
    };
    let database = |r: &Simulated| r.summary.database.clone().expect("a database");
    let (u, d) = (users(&followers), database(&followers));
    eprintln!(
        "lost {} (database {}), failed {} (fast {}), stale {:?} (leader {:?})",
        u.writes_lost,
        d.writes_lost_in_failover,
        u.failed_writes,
        users(&fast).failed_writes,
        u.stale_fraction,
        users(&leader).stale_fraction
    );
    assert_eq!(
        u.writes_lost, d.writes_lost_in_failover,
        "each lost save is a user's"
    );
    assert_close(
        "saves lost in the failover",
        u.writes_lost as f64,
        60.0,
        0.35,
    );
    let rate = 200.0;
    assert_close(
        "saves failed in 10 s without a leader",
        u.failed_writes as f64,
        rate * 10.0,
        0.1,
    );
    assert_close(
        "saves failed in 2 s without a leader",
        users(&fast).failed_writes as f64,
        rate * 2.0,
        0.2,
    );
    assert_eq!(
        users(&fast).writes_lost,
        u.writes_lost,
        "a fast failover loses the same saves"
    );
    assert!(
        u.stale_fraction.is_some_and(|f| f > 0.5),
        "follower reads miss recent saves"
    );
    assert_eq!(
        users(&leader).stale_reads,
        0,
        "the leader has every save it acknowledged"
    );
    assert_eq!(
        client(&followers, "users").failed,
        u.failed_writes,
        "a request fails iff its save failed"
    );
}

#[test]
fn cap_partition() {
    // Headline: under a partition that isolates a minority replica, a strict quorum (R + W > N,
    // fail without a quorum) fails exactly the calls the minority coordinates and never reads
    // stale (Dynamo, SOSP 2007, §4.5); a sloppy quorum serves them and reads stale (Brewer,
    // "CAP Twelve Years Later", 2012); R = W = 1 reads stale even without a partition. With
    // kv's round robin a request fails iff its save lands on kv[2] (1/3) or its read does
    // after a good save (2/3 × 1/3): 5/9 of 300/s × 20 s.
    let cp = run("cap-partition", None, &[]);
    let ap = run("cap-partition", Some("ap"), &[]);
    let weak = run("cap-partition", Some("weak-quorum"), &[]);
    let calm = run("cap-partition", Some("weak-quorum"), &["faults=[]"]);
    let users = |r: &Simulated| client(r, "users").quorum.expect("users reach kv");
    let (c, a) = (users(&cp), users(&ap));
    eprintln!("cp {c:?}\nap {a:?}\nweak {:?}", users(&weak));
    assert_eq!(c.stale_reads, 0, "a strict quorum never reads stale");
    assert_eq!(
        client(&cp, "users").failed,
        c.failed_writes + c.failed_reads,
        "a request fails iff one of its calls found no quorum"
    );
    assert_close(
        "requests failed without a quorum",
        (c.failed_writes + c.failed_reads) as f64,
        300.0 * 20.0 * 5.0 / 9.0,
        0.15,
    );
    assert_eq!(a.failed_writes + a.failed_reads, 0, "AP fails nothing");
    assert_eq!(client(&ap, "users").failed, 0);
    assert_close(
        "saves kv[2] acknowledged alone",
        a.sloppy_writes as f64,
        300.0 * 20.0 / 3.0,
        0.15,
    );
    assert!(a.stale_fraction.is_some_and(|f| f > 0.05), "AP reads stale");
    let (w, quiet) = (users(&weak), users(&calm));
    assert_eq!(w.failed_writes + w.failed_reads, 0, "R = W = 1 never fails");
    assert!(
        quiet.stale_reads > 0,
        "R + W <= N reads stale without a partition"
    );
    assert!(
        w.stale_reads > 2 * quiet.stale_reads,
        "the partition adds stale reads"
    );
}

#[test]
fn retry_storm() {
    // Headline: a 20 s slowdown tips naive retries into a collapse that outlives it (Bronson
    // et al., HotOS 2021): goodput long after the trigger stays near zero; a retry budget and
    // a circuit breaker each recover within 30 s of the trigger ending.
    let naive = run("retry-storm", Some("naive"), &[]);
    eprintln!("naive 150-200 s: {:.1}/s", goodput(&naive, 0, 150, 200));
    assert!(goodput(&naive, 0, 30, 60) > 580.0, "healthy before");
    assert!(goodput(&naive, 0, 150, 200) < 30.0, "stuck long after");
    for variant in ["budget", "breaker"] {
        let r = run("retry-storm", Some(variant), &[]);
        let recovered = goodput(&r, 0, 100, 110);
        eprintln!("{variant} 100-110 s: {recovered:.1}/s");
        assert!(recovered > 580.0, "{variant} recovers within 30 s");
    }
    let deadline = run("retry-storm", Some("deadline"), &[]);
    assert!(
        goodput(&deadline, 0, 150, 200) > 580.0,
        "deadline propagation recovers too, later"
    );
}

#[test]
fn slowdown() {
    // Headline: a 5x slower db fills api's queue, not db's: api holds a worker per waiting
    // call, so db never sees more than api's 32 calls; the system is busy and delivers almost
    // nothing, and recovers at once when the slowdown ends.
    let slow = run("slowdown", None, &[]);
    let db = service(&slow, "db");
    let api = service(&slow, "api");
    eprintln!(
        "queues: api {:.1}, db {:.1}",
        api.queue_len_mean, db.queue_len_mean
    );
    assert!(api.queue_len_mean > 10.0 * db.queue_len_mean);
    assert!(
        goodput(&slow, 0, 45, 70) < 100.0,
        "almost nothing delivered"
    );
    assert!(goodput(&slow, 0, 72, 82) > 480.0, "recovered at once");
}

#[test]
fn steady_state() {
    // Headline: at a third of capacity nothing waits; utilization is the utilization law
    // U = λ·E[S] / workers (Denning & Buzen 1978), with E[S] of a lognormal with p50 10 ms
    // and p99 50 ms = 10 ms · e^(σ²/2), σ = ln 5 / z(0.99).
    let r = run("steady-state", None, &[]);
    let api = service(&r, "api");
    let lambda = api.arrivals as f64 / r.summary.measured_s;
    let sigma = libm::log(5.0) / 2.326_347_874;
    let service_s = 10e-3 * libm::exp(sigma * sigma / 2.0);
    assert_close(
        "utilization",
        api.utilization,
        lambda * service_s / 8.0,
        0.03,
    );
    assert!(api.queue_len_mean < 0.1, "requests almost never wait");
    assert_eq!(client(&r, "web").failed, 0);
    assert!(slo(&r) > 0.999);
}

#[test]
fn tail_at_scale() {
    // Headline: fan out to 100 leaves that are slow 1% of the time and only 0.99^100 = 36.6%
    // of requests are fast (Dean & Barroso, "The Tail at Scale", CACM 2013); waiting for 95
    // of 100 is slow only when more than 5 are, P(Binomial(100, 0.01) > 5) = 0.05%.
    let all = run("tail-at-scale", None, &[]);
    let wait_95 = run("tail-at-scale", Some("wait-for-95"), &[]);
    let hedged = run("tail-at-scale", Some("hedged"), &[]);
    // One run has 4,918 requests: the standard error of 36.6% is 0.7 points.
    assert_close(
        "fast with 100 leaves",
        slo(&all),
        libm::pow(0.99, 100.0),
        0.06,
    );
    assert!(slo(&wait_95) > 0.995);
    // A hedged request is slow when a leaf call and its hedge are both slow:
    // 1 − (1 − 0.01²)^100 = 1.0% (standard error 0.14 points).
    assert_close(
        "fast when hedged",
        slo(&hedged),
        libm::pow(1.0 - 1e-4, 100.0),
        0.006,
    );
    let leaf = service(&hedged, "leaf");
    let extra = leaf.arrivals as f64 / service(&all, "leaf").arrivals as f64 - 1.0;
    eprintln!("hedges cost {:.2}% more leaf calls", extra * 100.0);
    assert!(extra < 0.02, "for about 1% more leaf calls");
    // The scenario's prices are mostly per request served, so the hedges' 1% more leaf calls
    // are about 1% more spend (the lesson quotes compare's 0.84% over seeds 1..5).
    let per_hour = |r: &Simulated| {
        let cost = r.summary.cost.as_ref().expect("the scenario has prices");
        cost.per_hour.expect("a measured window")
    };
    let spend = per_hour(&hedged) / per_hour(&all) - 1.0;
    eprintln!("hedged spends {:.3}% more per hour", spend * 100.0);
    assert!(
        spend > 0.0 && spend < extra,
        "more spend, less than the extra calls"
    );
}

#[test]
fn tiers() {
    // Headline: a waiting worker is a busy worker: a db whose p50 grows from 8 to 12 ms
    // (8 workers at a 13.7 ms mean serve about 580/s < 600/s offered) starves every tier
    // above it, and web's retries triple the load.
    let base = run("tiers", None, &[]);
    let slow = run("tiers", Some("slow-db"), &[]);
    assert_eq!(client(&base, "web").failed, 0);
    assert_eq!(client(&slow, "web").succeeded, 0, "nothing succeeds");
    assert!(
        client(&slow, "web").amplification > 2.9,
        "web's 3 attempts each"
    );
    assert!(service(&slow, "db").utilization > 0.99);
}

#[test]
fn zone_outage() {
    // Headline: a zone's crash refuses fast and a freeze holds requests until they time out,
    // so the freeze costs more; outlier ejection (Envoy's consecutive-5xx) routes around both
    // and meets the SLO.
    let crash = run("zone-outage", Some("crash"), &[]);
    let freeze = run("zone-outage", Some("freeze"), &[]);
    eprintln!(
        "crash SLO {:.4}, freeze SLO {:.4}",
        slo(&crash),
        slo(&freeze)
    );
    assert!(slo(&crash) < 0.99 && slo(&freeze) < slo(&crash));
    for variant in ["ejection", "freeze-ejection"] {
        let r = run("zone-outage", Some(variant), &[]);
        assert!(slo(&r) >= 0.99, "{variant} meets the SLO");
    }
}

#[test]
fn every_catalog_scenario_has_a_lesson_and_a_claim_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tests = std::fs::read_to_string(root.join("tests/lessons.rs")).expect("this file")
        + &std::fs::read_to_string(root.join("tests/lessons/operations.rs")).expect("its module")
        + &std::fs::read_to_string(root.join("tests/lessons/sagas.rs")).expect("its module")
        + &std::fs::read_to_string(root.join("tests/lessons/transactions.rs")).expect("its module");
    for entry in scenarios::catalog::entries() {
        let lesson = root.join("docs/lessons").join(format!("{}.md", entry.name));
        assert!(
            lesson.exists(),
            "{} has no lesson at {}",
            entry.name,
            lesson.display()
        );
        let test = format!("fn {}()", entry.name.replace('-', "_"));
        assert!(
            tests.contains(&test),
            "{} has no claim test `{test}` in tests/lessons.rs",
            entry.name
        );
    }
}

#[test]
fn retry_layers() {
    // Headline: 4 attempts at each of 3 call layers send db up to 4³ = 64 attempts per failed
    // request (the Google SRE book, "Addressing Cascading Failures": retry at one layer);
    // retrying only at the edge sends 4, and the same requests fail.
    let per_failed = |r: &Simulated| {
        let db = service(r, "db").arrivals as f64;
        let web = client(r, "web");
        // Each success made one db call; the rest are the failed requests' attempts.
        (db - web.succeeded as f64) / web.failed as f64
    };
    let everywhere = run("retry-layers", Some("everywhere"), &[]);
    let edge = run("retry-layers", Some("edge-only"), &[]);
    assert_close(
        "db attempts per failed request",
        per_failed(&everywhere),
        64.0,
        0.05,
    );
    assert_close("… retrying at the edge only", per_failed(&edge), 4.0, 0.05);
    let (a, b) = (
        client(&everywhere, "web").failed,
        client(&edge, "web").failed,
    );
    assert!(
        a.abs_diff(b) * 20 < a,
        "the same failures either way ({a}, {b})"
    );
}

#[test]
fn breaker_tuning() {
    // Headline: a breaker tuned below the noise (20% of 20 calls against 3% errors) flaps
    // open on the noise and refuses good traffic; one tuned to it (50% of 100) opens only in
    // the slowdown; with none, retries keep api down after the slowdown.
    let none = run("breaker-tuning", Some("none"), &[]);
    let flapping = run("breaker-tuning", Some("flapping"), &[]);
    let tuned = run("breaker-tuning", Some("tuned"), &[]);
    for (label, r) in [("none", &none), ("flapping", &flapping), ("tuned", &tuned)] {
        eprintln!(
            "{label}: calm 20-60 s {:.1}/s, after 85-95 s {:.1}/s, openings {}",
            goodput(r, 0, 20, 60),
            goodput(r, 0, 85, 95),
            client(r, "web").breaker_opened
        );
    }
    assert!(
        goodput(&none, 0, 100, 150) < 50.0,
        "no breaker: stuck after the slowdown"
    );
    assert!(
        client(&flapping, "web").breaker_opened > 10,
        "the tight breaker flaps"
    );
    assert!(goodput(&flapping, 0, 20, 60) < 0.85 * goodput(&tuned, 0, 20, 60));
    assert!(
        client(&tuned, "web").breaker_opened <= 5,
        "the tuned one opens only in the slowdown"
    );
    assert!(goodput(&tuned, 0, 100, 150) > 450.0, "and api recovers");
    assert!(slo(&tuned) > slo(&flapping) && slo(&tuned) > slo(&none));
}

#[test]
fn rate_limit_vs_shed() {
    // Headline: a rate limit at the gateway handles a surge but is blind to a slowdown of the
    // server behind it; shedding queued work that waited past 100 ms adapts to both.
    let none = run("rate-limit-vs-shed", Some("none"), &[]);
    let limit = run("rate-limit-vs-shed", Some("rate-limit"), &[]);
    let shed = run("rate-limit-vs-shed", Some("shed"), &[]);
    let (surge, slow) = ((30, 60), (90, 120));
    for (label, r) in [("none", &none), ("rate-limit", &limit), ("shed", &shed)] {
        eprintln!(
            "{label}: surge {:.1}/s, slowdown {:.1}/s",
            goodput(r, 0, surge.0, surge.1),
            goodput(r, 0, slow.0, slow.1)
        );
    }
    assert!(goodput(&none, 0, surge.0, surge.1) < 200.0);
    assert!(
        goodput(&limit, 0, surge.0, surge.1) > 850.0,
        "the limit handles the surge"
    );
    assert!(
        goodput(&limit, 0, slow.0, slow.1) < 100.0,
        "but not the slowdown"
    );
    assert!(goodput(&shed, 0, surge.0, surge.1) > 900.0);
    assert!(
        goodput(&shed, 0, slow.0, slow.1) > 400.0,
        "shedding adapts to both"
    );
}

#[test]
fn gray_failure() {
    // Headline: green dashboards, red users (Huang et al., "Gray Failure", HotOS 2017): api's
    // own figures stay healthy while web's SLO burns; outlier ejection, judged from the
    // callers' side, restores it.
    let r = run("gray-failure", Some("retries"), &[]);
    let api = service(&r, "api");
    assert_eq!(api.errors, 0, "no errors on the dashboard");
    assert!(api.arrivals - api.completed <= 2, "every job completed");
    assert!(api.sojourn_ms.p99.expect("served") < 30.0, "normal latency");
    assert!(api.utilization < 0.2);
    assert!(slo(&r) < 0.9, "while the users' SLO burns ({:.4})", slo(&r));
    let ejection = run("gray-failure", Some("ejection"), &[]);
    assert!(slo(&ejection) >= 0.99, "outlier ejection routes around it");
}

#[test]
fn split_brain_writes() {
    // Headline: behind a leader-only service, a split brain is seen as conflicting user
    // writes: the old leader's orders that reach the store with a stale token are applied
    // (about 100/s × 1 s × ½ between the cut healing at 52 s and its clock ending its lease
    // at 53 s); fencing tokens refuse each of them (Kleppmann, "How to do distributed
    // locking", 2016), and a margin larger than the clock step prevents the split brain.
    let unfenced = run("split-brain-writes", None, &[]);
    let fenced = run("split-brain-writes", Some("fencing"), &[]);
    let margin = run("split-brain-writes", Some("margin"), &[]);
    let writes = |r: &Simulated| {
        client(r, "users")
            .leader_writes
            .expect("users call a leader-only service")
    };
    let election = |r: &Simulated| r.summary.election.clone().expect("an election");
    eprintln!(
        "conflicting {} fenced {} margin split {}",
        writes(&unfenced).conflicting,
        writes(&fenced).fenced,
        election(&margin).split_brain_s
    );
    assert_close(
        "conflicting orders",
        writes(&unfenced).conflicting as f64,
        50.0,
        0.5,
    );
    assert_eq!(
        writes(&unfenced).conflicting,
        election(&unfenced).stale_writes_accepted
    );
    assert_eq!(writes(&fenced).conflicting, 0);
    assert!(writes(&fenced).fenced > 0);
    assert_eq!(writes(&fenced).fenced, election(&fenced).writes_rejected);
    assert_eq!(election(&margin).split_brain_s, 0.0);
    assert_eq!(writes(&margin).conflicting + writes(&margin).fenced, 0);
    let split = election(&unfenced).split_brain_s;
    assert!((4.0..5.0).contains(&split), "almost the 5 s step: {split}");
}

#[test]
fn stale_fallback() {
    // Headline: a cache that serves expired entries when a fetch fails (RFC 5861
    // stale-if-error) answers most of the requests a profile outage would fail; the rest are
    // keys never fetched, which an optional call answers degraded.
    let required = run("stale-fallback", Some("required"), &[]);
    let stale = run("stale-fallback", Some("stale"), &[]);
    let both = run("stale-fallback", Some("stale-optional"), &[]);
    let failed = |r: &Simulated| client(r, "web").failed;
    let served = service(&stale, "api").calls[0]
        .cache
        .as_ref()
        .expect("a cache")
        .stale_served;
    eprintln!(
        "failed: required {}, stale {}; stale served {served}",
        failed(&required),
        failed(&stale)
    );
    assert!(failed(&stale) * 5 < failed(&required), "most are saved");
    assert!(served * 10 > failed(&required) * 8, "by stale answers");
    assert_eq!(failed(&both), 0);
    assert_eq!(client(&both, "web").degraded, Some(failed(&stale)));
}
