//! A user component (`models::component::Component`) end to end: the token-bucket proxy of
//! `examples/token_bucket.rs`, wired into a scenario by name, gives the clients exactly the
//! outcomes of the built-in `rate_limit` it reimplements (golang.org/x/time/rate's token
//! bucket: initially full, refilled continuously), and a missing component is a clear error.

#[path = "../examples/token_bucket.rs"]
mod example;

#[test]
fn a_token_bucket_component_matches_the_built_in_rate_limit_exactly() {
    for seed in [1, 2, 3] {
        let (custom, builtin) = example::compare(seed);
        let (a, b) = (&custom.clients[0], &builtin.clients[0]);
        assert!(
            a.rate_limited > 1_000,
            "the limit bites: {}",
            a.rate_limited
        );
        assert_eq!(
            (
                a.requests,
                a.succeeded,
                a.failed,
                a.rate_limited,
                a.attempts
            ),
            (
                b.requests,
                b.succeeded,
                b.failed,
                b.rate_limited,
                b.attempts
            ),
            "seed {seed}"
        );
        assert_eq!(a.latency, b.latency, "seed {seed}: the same latencies");
        let counters = &custom.components[0];
        assert_eq!(counters.name, "bucket");
        let refused = counters.counters.iter().find(|(n, _)| n == "refused");
        assert!(
            refused.is_some_and(|(_, n)| *n >= a.rate_limited),
            "{counters:?}"
        );
        assert_ne!(
            custom.stats.trace_hash, builtin.stats.trace_hash,
            "the component's decisions are folded into the hash"
        );
        let again = example::compare(seed).0;
        assert_eq!(
            again.stats.trace_hash, custom.stats.trace_hash,
            "deterministic"
        );
    }
}

#[test]
fn a_service_naming_a_component_the_run_lacks_is_an_error_not_a_silent_pass() {
    let text = r#"{ "name": "t", "duration": "10s",
  "clients": [ { "name": "web", "target": "api", "arrival": { "kind": "constant", "rate_per_s": 10 } } ],
  "services": [ { "name": "api", "component": "bucket", "service_time": { "kind": "constant", "value": "1ms" } } ] }"#;
    let world = scenarios::parse(text, "t", &Default::default())
        .expect("valid")
        .world;
    let missing = models::run_with(&world, 1, Vec::new()).expect_err("no component given");
    assert!(
        missing.to_string().contains(
            "service `api` is fronted by component `bucket`, but the run was given no component"
        ),
        "{missing}"
    );
    let cli = faultline::simulate::simulate(text, "t", None, &[], 1)
        .map(|_| ())
        .expect_err("the command line refuses it")
        .to_string();
    assert!(
        cli.contains("services[0] (api).component: names a user component"),
        "{cli}"
    );
    assert!(cli.contains("examples/token_bucket.rs"), "{cli}");
}
