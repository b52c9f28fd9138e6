//! Caches in front of a service (issue #4): the `cache-stampede` catalog scenario's claims,
//! from measured runs, and the cache's fields in the real binary's JSON and text output.
//!
//! api (2 replicas) answers web's 4000 req/s from a per-replica cache of 1000 Zipf(1.0) keys
//! with a 10 s TTL in front of db (40 workers, median 40 ms: about 1000 req/s). Both caches
//! start empty. Without single flight the cold start is a stampede (every concurrent miss on
//! a hot key queries db): db's queue passes api's 250 ms timeout, fetches time out, nothing is
//! stored, and the overload sustains itself. With single flight each key has at most one
//! fetch in flight per replica and the cache fills within a second. During a 20 s db outage,
//! entries expire and every fetch fails; serve-stale answers each of those from the expired
//! entry (RFC 5861's `stale-if-error`).
//!
//! Also: the JSON and text output, the trace records, and a proptest of caches under random
//! policies and faults (determinism, and counts that add up).

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stdout};
use models::{CacheCounts, RunResult};

fn run(variant: &str) -> RunResult {
    let entry = scenarios::catalog::find("cache-stampede").expect("catalog has cache-stampede");
    let options = scenarios::LoadOptions {
        variant: Some(variant.to_string()),
        ..Default::default()
    };
    let scenario = entry.load(&options).unwrap_or_else(|e| panic!("{e}"));
    models::run(&scenario.world, 1).expect("run completes")
}

/// Mean goodput (successful requests per second) over whole seconds `from..to`.
fn goodput(result: &RunResult, from: usize, to: usize) -> f64 {
    let series = &result.clients[0].series.goodput_per_s;
    series[from..to].iter().sum::<f64>() / (to - from) as f64
}

/// The api → db edge's cache counts.
fn cache(result: &RunResult) -> CacheCounts {
    result.services[0].calls[0]
        .cache
        .expect("api caches its db calls")
}

fn hit_ratio(c: &CacheCounts) -> f64 {
    c.hits as f64 / (c.hits + c.misses) as f64
}

#[test]
fn a_cold_stampede_collapses_db_and_single_flight_prevents_it() {
    let offered = 4000.0;
    let naive = run("naive");
    let single = run("single-flight");
    let (n, s) = (cache(&naive), cache(&single));
    eprintln!(
        "naive: hit ratio {:.3}, db arrivals {}, goodput in 50..60 s {:.0}/s",
        hit_ratio(&n),
        naive.services[1].arrivals,
        goodput(&naive, 50, 60)
    );
    eprintln!(
        "single flight: hit ratio {:.3}, db arrivals {}, coalesced {}, goodput in 50..60 s {:.0}/s",
        hit_ratio(&s),
        single.services[1].arrivals,
        s.coalesced,
        goodput(&single, 50, 60)
    );
    // Naive: the stampede never ends; db is saturated with work for callers already gone.
    assert!(
        goodput(&naive, 50, 60) < 0.2 * offered,
        "naive stays collapsed"
    );
    assert!(hit_ratio(&n) < 0.2, "the naive cache never fills");
    assert_eq!(n.coalesced, 0, "nothing coalesces without single flight");
    assert_eq!(n.fetches, n.misses);
    let db = &naive.services[1];
    assert!(db.busy_mean / f64::from(db.capacity) > 0.99, "db saturated");
    assert!(db.rejected > 0, "db's queue overflows");
    // Single flight: the cache fills and db idles.
    assert!(
        goodput(&single, 50, 60) > 0.99 * offered,
        "single flight recovers"
    );
    assert!(hit_ratio(&s) > 0.9, "the cache fills");
    assert!(s.coalesced > 0);
    assert_eq!(s.fetches + s.coalesced, s.misses);
    assert!(single.services[1].arrivals * 10 < db.arrivals);
    assert_eq!(single.services[1].rejected, 0);
    // Every call is a lookup: hits and misses account for every request of the edge.
    for (result, c) in [(&naive, n), (&single, s)] {
        assert_eq!(c.hits + c.misses, result.services[0].calls[0].requests);
        assert_eq!(c.fetches, result.services[0].calls[0].attempts);
    }
}

#[test]
fn serve_stale_answers_every_failure_of_the_outage() {
    let single = run("single-flight");
    let outage = run("outage");
    let stale = run("serve-stale");
    let (o, st) = (cache(&outage), cache(&stale));
    eprintln!(
        "outage: {} failed, goodput in 40..50 s {:.0}/s; serve-stale: {} failed, {} stale, {:.0}/s",
        outage.clients[0].failed,
        goodput(&outage, 40, 50),
        stale.clients[0].failed,
        st.stale_served,
        goodput(&stale, 40, 50)
    );
    // The outage fails what the cache cannot answer once entries expire.
    assert!(goodput(&outage, 40, 50) < 0.5 * goodput(&outage, 20, 30));
    assert_eq!(o.stale_served, 0);
    // Serve-stale makes the same fetches and turns each failed one into a stale answer: only
    // the cold start's failures remain, exactly as many as without the outage.
    assert_eq!(o.fetches, st.fetches);
    assert_eq!(
        st.stale_served,
        outage.clients[0].failed - stale.clients[0].failed
    );
    assert_eq!(stale.clients[0].failed, single.clients[0].failed);
    assert!(goodput(&stale, 40, 50) > 0.99 * goodput(&stale, 20, 30));
}

#[test]
fn the_json_and_text_summaries_show_the_cache() {
    let output = faultline(&[
        "run",
        "cache-stampede",
        "--variant",
        "serve-stale",
        "--format",
        "json",
    ]);
    let summary: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let cache = &summary["services"]["api"]["calls"][0]["cache"];
    for field in [
        "hits",
        "misses",
        "coalesced",
        "fetches",
        "stale_served",
        "evictions",
        "saved",
    ] {
        assert!(cache[field].is_u64(), "{field} in {cache}");
    }
    let hits = cache["hits"].as_u64().unwrap();
    let coalesced = cache["coalesced"].as_u64().unwrap();
    assert_eq!(cache["saved"].as_u64().unwrap(), hits + coalesced);
    assert!(cache["hit_ratio"].as_f64().unwrap() > 0.5);
    assert!(cache["stale_served"].as_u64().unwrap() > 0);
    // A caller without a cache has no `cache` key at all (absent, not null).
    assert!(summary["clients"]["web"].get("cache").is_none());
    assert!(summary["services"]["db"]["calls"]
        .as_array()
        .unwrap()
        .is_empty());
    let text = stdout(&faultline(&["run", "cache-stampede", "--variant", "naive"]));
    assert!(text.contains("hit ratio"), "{text}");
    assert!(text.contains("api → db"), "{text}");
}

/// A client's own cache, with a crash of the service behind it and a cache on a call whose
/// replica crashes (the crash empties that replica's cache): runs stay consistent.
#[test]
fn a_client_cache_and_a_crashing_caching_replica_stay_consistent() {
    let text = r#"{
        "name": "t", "duration": "20s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 500 },
                      "timeout": "200ms",
                      "retry": { "max_attempts": 2 },
                      "cache": { "keys": 50, "ttl": "500ms", "single_flight": true } }],
        "services": [
            { "name": "api", "replicas": 2, "workers": 20,
              "service_time": { "kind": "exponential", "mean": "2ms" },
              "calls": [{ "service": "db", "timeout": "100ms",
                          "cache": { "keys": 200, "zipf": 0.7, "ttl": "1s", "capacity": 50,
                                     "single_flight": true, "serve_stale": true } }] },
            { "name": "db", "workers": 4,
              "service_time": { "kind": "exponential", "mean": "5ms" } }
        ],
        "faults": [ { "kind": "crash", "target": "api[0]", "at": "5s", "for": "2s" },
                    { "kind": "crash", "target": "db", "at": "12s", "for": "3s" } ]
    }"#;
    let scenario = scenarios::parse(text, "t.json", &scenarios::LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let first = models::run(&scenario.world, 5).unwrap();
    let again = models::run(&scenario.world, 5).unwrap();
    assert_eq!(first.stats, again.stats, "deterministic");
    let web = &first.clients[0];
    let c = web.cache.expect("web caches");
    assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
    assert_eq!(c.hits + c.misses, web.requests);
    assert_eq!(c.fetches + c.coalesced, c.misses);
    let edge = first.services[0].calls[0].cache.expect("api caches");
    assert!(edge.evictions > 0, "200 keys in 50 entries evict");
    assert!(edge.stale_served > 0, "db's crash is answered stale");
}

/// A traced run records what each cache did (hits, joins, fetches, stale answers) and is
/// still the same run: recording never changes the trace hash.
#[test]
fn a_trace_records_the_cache_and_changes_nothing() {
    use models::{CacheOutcome, Happening, TraceOptions};
    use sim_core::{SimDuration, SimTime};
    let entry = scenarios::catalog::find("cache-stampede").unwrap();
    let options = scenarios::LoadOptions {
        variant: Some("serve-stale".to_string()),
        ..Default::default()
    };
    let world = entry.load(&options).unwrap().world;
    let plain = models::run(&world, 1).unwrap();
    let window = |from: u64, to: u64| TraceOptions {
        from: SimTime::ZERO.add(SimDuration::from_millis(from)),
        to: SimTime::ZERO.add(SimDuration::from_millis(to)),
        events_from: 1,
        until_event: None,
        records_max: 1_000_000,
    };
    for (from, to) in [(0, 300), (45_000, 45_100)] {
        let traced = models::run_traced(&world, 1, window(from, to)).unwrap();
        assert_eq!(traced.stats, Some(plain.stats));
        let count = |wanted: CacheOutcome| {
            traced
                .trace
                .records
                .iter()
                .filter(|r| matches!(r.what, Happening::Cache { outcome, .. } if outcome == wanted))
                .count()
        };
        let (hits, joined, fetches, stale) = (
            count(CacheOutcome::Hit),
            count(CacheOutcome::Joined),
            count(CacheOutcome::Fetch),
            count(CacheOutcome::Stale),
        );
        eprintln!(
            "{from}..{to} ms: {hits} hits, {joined} joined, {fetches} fetches, {stale} stale"
        );
        assert!(fetches > 0);
        if from == 0 {
            assert!(hits > 0 && joined > 0, "the cold start fills and coalesces");
        } else {
            // Every entry has expired 15 s into the outage: each lookup fails and is
            // answered stale.
            assert_eq!(hits, 0);
            assert!(stale > 0, "the outage is answered stale");
        }
    }
}

mod random {
    //! Caches under random policies and faults: every run is deterministic and its counts
    //! add up, whatever crashes, pauses, partitions, clock jumps, hedges and bulkheads do.
    use proptest::prelude::*;

    fn cache() -> impl Strategy<Value = String> {
        (1u32..50, 0u32..3, 1u64..800, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(keys, zipf, ttl, single_flight, serve_stale, bounded)| {
                let capacity = if bounded {
                    format!(r#", "capacity": {}"#, keys.div_ceil(2))
                } else {
                    String::new()
                };
                format!(
                    r#", "cache": {{ "keys": {keys}, "zipf": {zipf}, "ttl": "{ttl}ms", "single_flight": {single_flight}, "serve_stale": {serve_stale}{capacity} }}"#
                )
            },
        )
    }

    fn policy() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just(""),
            Just(
                r#", "retry": { "max_attempts": 3, "backoff": { "kind": "constant", "delay": "5ms" } }"#
            ),
            Just(r#", "hedge": { "after": "3ms" }"#),
            Just(r#", "bulkhead": { "max_concurrent": 2, "max_wait": "10ms", "max_waiting": 5 }"#),
            Just(
                r#", "circuit_breaker": { "failure_rate": 0.5, "window": 20, "minimum_calls": 10, "open_for": "300ms", "half_open_calls": 3 }"#
            ),
        ]
    }

    fn fault() -> impl Strategy<Value = String> {
        let window = (0u64..3000, 100u64..1500)
            .prop_map(|(at, length)| format!(r#""at": "{at}ms", "for": "{length}ms""#));
        (0usize..7, window).prop_map(|(kind, w)| match kind {
            0 => format!(r#"{{ "kind": "crash", "target": "api[0]", {w} }}"#),
            1 => format!(r#"{{ "kind": "pause", "target": "api", {w} }}"#),
            2 => format!(r#"{{ "kind": "error_burst", "target": "db", "fraction": 0.8, {w} }}"#),
            3 => format!(r#"{{ "kind": "crash", "target": "db", {w} }}"#),
            4 => format!(r#"{{ "kind": "partition", "groups": [["api"], ["db"]], {w} }}"#),
            5 => {
                let at = w.split(", ").next().expect("the window starts with `at`");
                format!(r#"{{ "kind": "clock_jump", "target": "api", "by": "800ms", {at} }}"#)
            }
            _ => format!(r#"{{ "kind": "garbage", "target": "db", "fraction": 0.2, {w} }}"#),
        })
    }

    fn scenario() -> impl Strategy<Value = String> {
        (
            (cache(), cache(), any::<bool>()),
            (policy(), policy()),
            prop::collection::vec(fault(), 0..4),
            (1u32..4, 1u32..4),
        )
            .prop_map(|((client_cache, call_cache, client_caches), (p1, p2), faults, (replicas, workers))| {
                let client_cache = if client_caches { client_cache } else { String::new() };
                format!(
                    r#"{{ "name": "random-cache", "duration": "4s", "warmup": "500ms",
                          "clients": [{{ "name": "web", "target": "api",
                                         "arrival": {{ "kind": "poisson", "rate_per_s": 400 }},
                                         "timeout": "50ms"{client_cache}{p1} }}],
                          "services": [
                            {{ "name": "api", "replicas": {replicas}, "workers": 8,
                               "service_time": {{ "kind": "exponential", "mean": "1ms" }},
                               "calls": [{{ "service": "db", "timeout": "20ms"{call_cache}{p2} }}] }},
                            {{ "name": "db", "workers": {workers},
                               "service_time": {{ "kind": "exponential", "mean": "3ms" }} }} ],
                          "network": {{ "latency": {{ "kind": "uniform", "min": "100us", "max": "1ms" }} }},
                          "faults": [{}] }}"#,
                    faults.join(", ")
                )
            })
    }

    fn check(counts: &models::CacheCounts, requests: u64) {
        assert_eq!(counts.hits + counts.misses, requests);
        assert_eq!(counts.fetches + counts.coalesced, counts.misses);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn caching_runs_are_deterministic_and_their_counts_add_up(text in scenario(), seed in 1u64..1000) {
            let scenario = scenarios::parse(&text, "random.json", &scenarios::LoadOptions::default())
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let first = models::run(&scenario.world, seed).unwrap();
            let again = models::run(&scenario.world, seed).unwrap();
            prop_assert_eq!(&first, &again);
            let web = &first.clients[0];
            prop_assert_eq!(web.requests, web.succeeded + web.failed + web.in_flight);
            if let Some(counts) = &web.cache {
                check(counts, web.requests);
            }
            let edge = &first.services[0].calls[0];
            let counts = edge.cache.expect("the call caches");
            check(&counts, edge.requests);
        }
    }
}
