//! Caller classes end to end (issue #4): priorities with shedding of sheddable work first,
//! worker pools per caller, per-caller rate limits and the overload penalty, through the
//! library (scenario JSON → run) and the real binary (JSON output, text summary, errors).
//!
//! Exact tests use constant arrivals and constant service times, so the expected counts follow
//! by arithmetic; statistical ones say what they measured.

use models::{ClientResult, RunResult, ServiceResult};

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stderr, stdout};

fn run(text: &str, seed: u64) -> RunResult {
    let scenario = scenarios::parse(text, "classes-test", &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, seed).expect("run completes")
}

fn client<'r>(result: &'r RunResult, name: &str) -> &'r ClientResult {
    result
        .clients
        .iter()
        .find(|c| c.name == name)
        .expect("client")
}

fn service<'r>(result: &'r RunResult, name: &str) -> &'r ServiceResult {
    result
        .services
        .iter()
        .find(|s| s.name == name)
        .expect("service")
}

/// SRE book, "Handling Overload", criticality: a critical arrival at a full queue displaces
/// the newest sheddable attempt. One worker serves 10 per second (100 ms each); `batch`
/// (sheddable, 100 per second) keeps the 4-place queue full, and every one of `checkout`'s
/// critical arrivals (5 per second) finds it full of sheddable work and displaces one. So
/// exactly one sheddable attempt is displaced per critical request, and no critical request
/// fails.
#[test]
fn a_critical_arrival_displaces_the_newest_sheddable_one() {
    let result = run(
        r#"{ "name": "displace", "duration": "20s",
  "clients": [
    { "name": "checkout", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 5 } },
    { "name": "batch", "target": "api", "priority": "sheddable", "arrival": { "kind": "constant", "rate_per_s": 100 } } ],
  "services": [ { "name": "api", "workers": 1, "queue": { "capacity": 4, "shed_sheddable_above": 1.0 },
                  "service_time": { "kind": "constant", "value": "100ms" } } ] }"#,
        1,
    );
    let checkout = client(&result, "checkout");
    let api = service(&result, "api");
    let priorities = api.classes.priorities.expect("priorities are reported");
    assert_eq!(checkout.failed, 0, "no critical request fails");
    assert_eq!(checkout.succeeded + checkout.in_flight, checkout.requests);
    assert_eq!(priorities.critical.arrivals, checkout.requests);
    assert_eq!(
        priorities.sheddable.shed, checkout.requests,
        "one sheddable attempt displaced per critical arrival"
    );
    assert_eq!(
        (priorities.critical.shed, priorities.critical.rejected),
        (0, 0)
    );
    let batch = client(&result, "batch");
    assert_eq!(
        batch.rejections,
        priorities.sheddable.shed + priorities.sheddable.rejected,
        "sheddable attempts are turned away as overload"
    );
}

/// The threshold: with `shed_sheddable_above: 0.5` on a 4-place queue, sheddable attempts
/// may hold at most floor(0.5 × 4) = 2 places, so a critical arrival never finds the queue
/// full and nothing needs displacing.
#[test]
fn sheddable_arrivals_are_refused_above_the_threshold() {
    let result = run(
        r#"{ "name": "threshold", "duration": "20s",
  "clients": [
    { "name": "checkout", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 5 } },
    { "name": "batch", "target": "api", "priority": "sheddable", "arrival": { "kind": "constant", "rate_per_s": 100 } } ],
  "services": [ { "name": "api", "workers": 1, "queue": { "capacity": 4, "shed_sheddable_above": 0.5 },
                  "service_time": { "kind": "constant", "value": "100ms" } } ] }"#,
        1,
    );
    let api = service(&result, "api");
    let priorities = api.classes.priorities.expect("priorities are reported");
    assert_eq!(client(&result, "checkout").failed, 0);
    assert_eq!(priorities.sheddable.rejected, 0, "never a full queue");
    assert_eq!(api.rejected, 0);
    // The worker never idles: 10 completions per second, half of them sheddable.
    let batch = client(&result, "batch");
    assert_eq!(batch.rejections, priorities.sheddable.shed);
    assert!(
        batch.succeeded >= 95 && batch.succeeded <= 105,
        "{}",
        batch.succeeded
    );
}

/// Critical goodput is protected: 2x overload (2,000 requests per second, Poisson, on 10
/// workers of exponential 10 ms mean, capacity 1,000 per second), half of it sheddable. With
/// `shed_sheddable_above: 0.5`, critical requests keep at least 95% success (measured:
/// 97.9%, 97.6% and 98.1% on seeds 1 to 3; the rest are full-queue rejections, since critical
/// load alone is at capacity: M/M/10/110 at ρ = 1 would block 1.0%, and sheddable jobs already
/// in service hold workers too) while sheddable ones absorb the shedding (1.1% to 2.2%
/// succeed). Without it both classes fail alike (49.4% to 50.0% success each).
#[test]
fn critical_goodput_survives_a_2x_overload() {
    let scenario = |shed: &str| {
        format!(
            r#"{{ "name": "protect", "duration": "40s", "warmup": "10s",
  "clients": [
    {{ "name": "checkout", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 1000 }} }},
    {{ "name": "batch", "target": "api", "priority": "sheddable", "arrival": {{ "kind": "poisson", "rate_per_s": 1000 }} }} ],
  "services": [ {{ "name": "api", "workers": 10, "queue": {{ "capacity": 100 {shed} }},
                  "service_time": {{ "kind": "exponential", "mean": "10ms" }} }} ] }}"#
        )
    };
    let success = |c: &ClientResult| c.succeeded as f64 / (c.succeeded + c.failed) as f64;
    for seed in 1..=3 {
        let protected = run(&scenario(r#", "shed_sheddable_above": 0.5"#), seed);
        let critical = success(client(&protected, "checkout"));
        let sheddable = success(client(&protected, "batch"));
        assert!(critical >= 0.95, "seed {seed}: critical success {critical}");
        assert!(
            sheddable <= 0.1,
            "seed {seed}: sheddable success {sheddable}"
        );
        let plain = run(&scenario(""), seed);
        let critical = success(client(&plain, "checkout"));
        assert!(
            (0.4..0.6).contains(&critical),
            "seed {seed}: without priorities critical success is {critical}"
        );
    }
}

/// Criticality propagates (SRE book): a job's downstream calls carry the priority of the
/// request it serves, so `db` sheds `batch`'s work even though only `api` calls it.
#[test]
fn downstream_calls_carry_the_priority() {
    let result = run(
        r#"{ "name": "propagate", "duration": "10s",
  "clients": [
    { "name": "checkout", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 20 } },
    { "name": "batch", "target": "api", "priority": "sheddable", "arrival": { "kind": "constant", "rate_per_s": 30 } } ],
  "services": [
    { "name": "api", "workers": 100, "service_time": { "kind": "constant", "value": "1ms" },
      "calls": [ { "service": "db" } ] },
    { "name": "db", "workers": 100, "service_time": { "kind": "constant", "value": "1ms" } } ] }"#,
        1,
    );
    let db = service(&result, "db").classes.priorities.expect("reported");
    let checkout = client(&result, "checkout");
    let batch = client(&result, "batch");
    // Every request but the last of each client (sent at exactly 10 s, it reaches db during
    // the drain, after db's figures are taken when arrivals stop) reaches db.
    assert_eq!(db.critical.arrivals, checkout.requests - 1);
    assert_eq!(db.sheddable.arrivals, batch.requests - 1);
}

/// The issue's bulkhead: "separate worker pools per caller class inside a service", so a flood
/// from one caller exhausts only its pool. `batch` offers 1,000 per second to a pool of one
/// worker (100 per second at 10 ms) with no queue; `checkout` offers 100 per second to its own
/// pool of two. Every checkout request succeeds, and batch completes exactly one per 10 ms.
/// Without pools (the same 4 workers shared), checkout loses requests to the flood.
#[test]
fn a_flood_exhausts_only_its_own_pool() {
    let scenario = |pools: &str| {
        format!(
            r#"{{ "name": "pools", "duration": "10s",
  "clients": [
    {{ "name": "checkout", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 100 }} }},
    {{ "name": "batch", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 1000 }} }} ],
  "services": [ {{ "name": "api", "workers": {pools},
                  "service_time": {{ "kind": "constant", "value": "10ms" }} }} ] }}"#
        )
    };
    let pooled = run(
        &scenario(
            r#"1, "queue": { "capacity": 0 },
                  "pools": [ { "callers": ["checkout"], "workers": 2 },
                             { "callers": ["batch"], "workers": 1 } ]"#,
        ),
        1,
    );
    let checkout = client(&pooled, "checkout");
    assert_eq!(
        checkout.failed, 0,
        "the flood never reaches checkout's pool"
    );
    let pools = &service(&pooled, "api").classes.pools;
    let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "checkout", "batch"]);
    assert_eq!(pools[0].arrivals, 0, "nobody uses the default pool");
    assert_eq!(pools[1].rejected, 0);
    // One batch job at a time, each 10 ms: 1,000 in 10 s (the last may still be running).
    assert!(
        (999..=1000).contains(&pools[2].completed),
        "{}",
        pools[2].completed
    );
    assert_eq!(
        pools[2].arrivals - pools[2].rejected,
        1000,
        "one accepted per 10 ms"
    );
    let shared = run(&scenario(r#"4, "queue": { "capacity": 0 }"#), 1);
    assert!(
        client(&shared, "checkout").failed > 0,
        "without pools the flood takes checkout's workers"
    );
}

/// Per-caller token buckets (Stripe's per-user limiter; the rate limiter's own exactness):
/// with 100 per second and a burst of 100 per caller, `noisy` offers 200 per second, one
/// every 5 ms from 5 ms to 10 s. Its bucket is still full at the first arrival (the 0.5 token
/// refilled before it overflowed), so it admits exactly 100 + floor(100 × (10 − 0.005)) = 1,099,
/// while `quiet` (50 per second) is never touched. One global bucket would limit both.
#[test]
fn a_noisy_caller_is_limited_and_a_quiet_one_is_not() {
    let scenario = |per: &str| {
        format!(
            r#"{{ "name": "limits", "duration": "10s",
  "clients": [
    {{ "name": "noisy", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 200 }} }},
    {{ "name": "quiet", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 50 }} }} ],
  "services": [ {{ "name": "api", "workers": 100, "rate_limit": {{ "rate_per_s": 100, "burst": 100, "per": "{per}" }},
                  "service_time": {{ "kind": "constant", "value": "1ms" }} }} ] }}"#
        )
    };
    let result = run(&scenario("caller"), 1);
    let (noisy, quiet) = (client(&result, "noisy"), client(&result, "quiet"));
    assert_eq!(noisy.requests, 2000);
    assert_eq!(noisy.requests - noisy.rate_limited, 1099);
    assert_eq!(quiet.rate_limited, 0);
    let by_caller = &service(&result, "api").classes.rate_limited_by_caller;
    assert_eq!(
        by_caller.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [901, 0]
    );
    let global = run(&scenario("global"), 1);
    assert!(
        client(&global, "quiet").rate_limited > 0,
        "a shared bucket limits both"
    );
}

/// The overload penalty's curve (`models::overload`): one replica with 4 cores, saturated
/// (2,000 per second offered, 10 ms of own work each). With every worker busy, throughput is
/// W / (10 ms × factor(W)) = 400 / (1 + p (W − 4)) per second for W ≥ 4 workers: flat at 400
/// with p = 0 (pure CPU sharing), falling with p = 0.1. Measured within 1%.
#[test]
fn throughput_falls_as_concurrency_passes_the_cores() {
    let throughput = |workers: u32, penalty: f64| {
        let result = run(
            &format!(
                r#"{{ "name": "overload", "duration": "22s", "warmup": "2s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "constant", "rate_per_s": 2000 }} }} ],
  "services": [ {{ "name": "api", "workers": {workers}, "queue": {{ "capacity": 50 }},
                  "overload": {{ "cores": 4, "penalty": {penalty} }},
                  "service_time": {{ "kind": "constant", "value": "10ms" }} }} ] }}"#
            ),
            1,
        );
        // Completions by completion time, seconds 2 to 22.
        let per_s = &service(&result, "api").series.completed_per_s;
        per_s[2..22].iter().sum::<f64>() / 20.0
    };
    let mut previous = f64::INFINITY;
    for workers in [2, 4, 6, 8, 12, 16] {
        let expected = |p: f64| {
            let w = f64::from(workers);
            if workers <= 4 {
                100.0 * w
            } else {
                400.0 / (1.0 + p * (w - 4.0))
            }
        };
        let flat = throughput(workers, 0.0);
        assert!(
            (flat / expected(0.0) - 1.0).abs() < 0.01,
            "{workers} workers, no penalty: {flat}"
        );
        let falling = throughput(workers, 0.1);
        assert!(
            (falling / expected(0.1) - 1.0).abs() < 0.01,
            "{workers} workers, penalty 0.1: {falling}"
        );
        if workers > 4 {
            assert!(falling < previous, "throughput falls past the cores");
        }
        previous = falling;
    }
}

/// The binary prints the new figures in JSON (absent when unused) and in the text summary.
#[test]
fn the_cli_reports_pools_priorities_and_per_caller_limits() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("classes.json");
    std::fs::write(
        &file,
        r#"{ "name": "classes", "duration": "5s",
  "clients": [
    { "name": "checkout", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 100 } },
    { "name": "batch", "target": "api", "priority": "sheddable", "arrival": { "kind": "constant", "rate_per_s": 400 } } ],
  "services": [ { "name": "api", "workers": 1, "queue": { "capacity": 10, "shed_sheddable_above": 0.5 },
                  "pools": [ { "callers": ["checkout"], "workers": 2 } ],
                  "rate_limit": { "rate_per_s": 300, "per": "caller" },
                  "overload": { "cores": 2, "penalty": 0.1 },
                  "service_time": { "kind": "constant", "value": "5ms" } } ] }"#,
    )
    .unwrap();
    let file = file.display().to_string();
    let output = faultline(&["run", &file, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let api = &json["services"]["api"];
    assert!(api["pools"]["checkout"]["arrivals"].as_u64().unwrap() > 0);
    assert_eq!(api["pools"]["default"]["workers"], 1);
    assert!(api["priorities"]["sheddable"]["shed"].as_u64().unwrap() > 0);
    assert_eq!(api["priorities"]["critical"]["shed"], 0);
    assert!(api["rate_limited_by_caller"]["batch"].as_u64().unwrap() > 0);
    assert_eq!(api["rate_limited_by_caller"]["checkout"], 0);
    let text = stdout(&faultline(&["run", &file]));
    for line in [
        "api pools: checkout (2 workers)",
        "api priorities: critical",
        "api rate limited per caller: batch",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }

    let plain = stdout(&faultline(&["run", "retry-storm", "--format", "json"]));
    for key in ["pools", "priorities", "rate_limited_by_caller"] {
        assert!(!plain.contains(key), "{key} appears without caller classes");
    }
}

/// Bad input names the file, the JSON path and the nearest valid name, never a panic.
#[test]
fn an_unknown_pool_caller_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"{ "name": "bad", "duration": "5s",
  "clients": [ { "name": "checkout", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 1 } } ],
  "services": [ { "name": "api", "pools": [ { "callers": ["chekout"], "workers": 1 } ],
                  "service_time": { "kind": "constant", "value": "1ms" } } ] }"#,
    )
    .unwrap();
    let output = faultline(&["run", &file.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("services[0] (api).pools[0].callers[0]"),
        "{message}"
    );
    assert!(message.contains("checkout"), "{message}");
    assert!(!message.contains("panicked"), "{message}");
}

/// The catalog's `noisy-neighbor` (its lesson's table, seed 1): without caller classes batch's
/// surge times out checkout's requests and the SLO is missed; priority shedding and a pool per
/// caller each keep every checkout request.
#[test]
fn the_noisy_neighbor_lesson_holds() {
    let entry = scenarios::catalog::find("noisy-neighbor").expect("in the catalog");
    let checkout_failed = |variant: &str| {
        let options = scenarios::LoadOptions {
            variant: Some(variant.to_string()),
            ..Default::default()
        };
        let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
        let result = models::run(&scenario.world, 1).expect("run completes");
        client(&result, "checkout").failed
    };
    assert_eq!(checkout_failed("no-classes"), 7_665);
    assert_eq!(checkout_failed("priority"), 0);
    assert_eq!(checkout_failed("pools"), 0);
    assert_eq!(checkout_failed("per-caller-limit"), 140);
}

/// The overload penalty makes metastability possible (Bronson et al., "Metastable Failures in
/// Distributed Systems", HotOS 2021: a trigger, then a sustaining effect that outlives it).
/// web offers 180 per second to 16 workers on 4 cores (10 ms mean of own work: 400 per second
/// while at most 4 jobs run). A 5 s load spike (×3) fills the queue; once all 16 workers run,
/// with p = 0.1 the replica completes 400 / (1 + 0.1 × 12) ≈ 182 per second, so the full queue
/// (500) drains at about 2 per second: every wait passes the 1 s timeout and goodput stays
/// near zero long after the spike. Without the penalty the same spike passes: 400 per second
/// drains the queue and goodput returns to the offered load. (At 200 per second the system is
/// so close to its tipping point that ordinary Poisson bursts tip some seeds before any spike:
/// 3 of seeds 1–10; at 180, none of seeds 1–20 tips early, and all 20 stay down after it.)
#[test]
fn the_overload_penalty_sustains_a_collapse_after_its_trigger() {
    let goodput = |penalty: f64, seed: u64| {
        let result = run(
            &format!(
                r#"{{ "name": "metastable", "duration": "60s", "warmup": "5s",
  "clients": [ {{ "name": "web", "target": "api", "arrival": {{ "kind": "poisson", "rate_per_s": 180 }}, "timeout": "1s" }} ],
  "services": [ {{ "name": "api", "workers": 16, "queue": {{ "capacity": 500 }},
                  "overload": {{ "cores": 4, "penalty": {penalty} }},
                  "service_time": {{ "kind": "exponential", "mean": "10ms" }} }} ],
  "faults": [ {{ "kind": "load_spike", "client": "web", "factor": 3, "at": "20s", "for": "5s" }} ] }}"#
            ),
            seed,
        );
        let series = &client(&result, "web").series.goodput_per_s;
        let mean =
            |from: usize, to: usize| series[from..to].iter().sum::<f64>() / (to - from) as f64;
        (mean(10, 20), mean(50, 60))
    };
    for seed in 1..=3 {
        let (before, after) = goodput(0.1, seed);
        assert!(
            before > 160.0,
            "seed {seed}: healthy before the spike ({before}/s)"
        );
        assert!(
            after < 20.0,
            "seed {seed}: still collapsed 25 s after it ({after}/s)"
        );
        let (before, after) = goodput(0.0, seed);
        assert!(
            before > 160.0 && after > 160.0,
            "seed {seed}: {before}/s, {after}/s"
        );
    }
}
