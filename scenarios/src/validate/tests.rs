//! Validation tests: defaults, and one test per rule asserting the origin, path and fix.

use models::{Arrival, Backoff, Balancer, Jitter, RetryPolicy};
use serde_json::{json, Value};
use sim_core::{Distribution, Limits, SimDuration};

use crate::{parse, LoadOptions, Scenario, ScenarioError};

const MS: fn(u64) -> SimDuration = SimDuration::from_millis;

/// The smallest valid scenario; tests edit a copy.
fn base() -> Value {
    json!({
        "name": "t",
        "duration": "100s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 } }],
        "services": [{ "name": "api",
                       "service_time": { "kind": "exponential", "mean": "1ms" } }]
    })
}

fn load(document: &Value) -> Result<Scenario, ScenarioError> {
    let text = serde_json::to_string_pretty(document).expect("a Value always serializes");
    parse(&text, "t.json", &LoadOptions::default())
}

/// The error message for `base()` edited by `edit`; fails if the edit is accepted.
fn refused(edit: impl FnOnce(&mut Value)) -> (ScenarioError, String) {
    let mut document = base();
    edit(&mut document);
    let error = load(&document).expect_err("the edit must be refused");
    let message = error.to_string();
    (error, message)
}

fn service_time(dist: Value) -> impl FnOnce(&mut Value) {
    move |d: &mut Value| d["services"][0]["service_time"] = dist
}

#[test]
fn defaults_are_applied() {
    let scenario = load(&base()).unwrap();
    let world = &scenario.world;
    assert_eq!(scenario.description, "");
    assert_eq!(world.duration, SimDuration::from_secs(100));
    assert_eq!(world.warmup, SimDuration::ZERO);
    let service = &world.services[0];
    assert_eq!(
        (service.replicas, service.workers, service.queue_capacity),
        (1, 1, 10_000)
    );
    assert_eq!(service.balancer, Balancer::RoundRobin);
    assert_eq!(
        service.service_time,
        Distribution::Exponential { mean: MS(1) }
    );
    let client = &world.clients[0];
    assert_eq!(
        client.arrival,
        Arrival::Poisson { rate_per_s: 100.0 }.into()
    );
    assert_eq!(client.timeout, None);
    assert_eq!(client.retry, RetryPolicy::NONE);
    assert!(client.latency_marks.is_empty());
    assert_eq!(
        world.network.latency,
        Distribution::Constant(SimDuration::ZERO)
    );
    assert_eq!(
        world.limits,
        Limits {
            pending_events_max: 10_000_000,
            events_max: 2_000_000_000,
            memory_max: 2 << 30,
        }
    );
    assert!(scenario.slos.is_empty() && scenario.variants.is_empty() && scenario.variant.is_none());
}

#[test]
fn an_empty_retry_block_gets_envoy_like_backoff_and_three_attempts() {
    let mut document = base();
    document["clients"][0]["retry"] = json!({});
    let retry = load(&document).unwrap().world.clients[0].retry;
    let expected = Backoff::Exponential {
        base: MS(25),
        cap: MS(250),
    };
    assert_eq!(
        retry,
        RetryPolicy {
            max_attempts: 3,
            backoff: expected,
            jitter: Jitter::None
        }
    );

    document["clients"][0]["retry"] =
        json!({ "backoff": { "kind": "exponential", "base": "40ms" } });
    let retry = load(&document).unwrap().world.clients[0].retry;
    assert_eq!(
        retry.backoff,
        Backoff::Exponential {
            base: MS(40),
            cap: MS(400)
        },
        "cap defaults to 10 × base"
    );
}

#[test]
fn slo_thresholds_become_sorted_unique_latency_marks() {
    let mut document = base();
    document["slo"] = json!([
        { "client": "web", "latency_below": "300ms", "target": 0.999 },
        { "client": "web", "latency_below": "100ms", "target": 0.9 },
        { "client": "web", "latency_below": "300ms", "target": 0.99 }
    ]);
    let scenario = load(&document).unwrap();
    assert_eq!(scenario.world.clients[0].latency_marks, [MS(100), MS(300)]);
    assert_eq!(scenario.slos.len(), 3);
    assert_eq!(scenario.slos[1].client_name, "web");
    assert_eq!(scenario.slos[1].target, 0.9);
}

#[test]
fn a_bad_count_names_the_element_and_the_rule() {
    let (_, message) = refused(|d| d["services"][0]["workers"] = json!(0));
    assert_eq!(
        message,
        "t.json: services[0] (api).workers: must be at least 1 (got 0); a replica with no workers never serves"
    );
    let (_, message) = refused(|d| d["services"][0]["replicas"] = json!(1e9));
    assert!(
        message.contains("services[0] (api).replicas: must be at most 100000 (got 1000000000)"),
        "{message}"
    );
}

#[test]
fn an_unknown_field_suggests_the_nearest_one() {
    let (error, message) = refused(|d| d["services"][0]["wokers"] = json!(4));
    assert!(
        matches!(error, ScenarioError::UnknownField { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "t.json: services[0] (api).wokers: unknown field `wokers`; did you mean `workers`?"
    );
    let (_, message) = refused(|d| d["clients"][0]["arrival"]["rate"] = json!(4));
    assert!(
        message.contains(
            "clients[0] (web).arrival.rate: unknown field `rate`; did you mean `rate_per_s`?"
        ),
        "{message}"
    );
    let (_, message) = refused(|d| d["zzz"] = json!(4));
    assert!(
        message
            .starts_with("t.json: zzz: unknown field `zzz`; expected one of `name`, `description`"),
        "{message}"
    );
}

#[test]
fn an_unknown_reference_suggests_the_nearest_name() {
    let (error, message) = refused(|d| d["clients"][0]["target"] = json!("apu"));
    assert!(
        matches!(error, ScenarioError::UnknownReference { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "t.json: clients[0] (web).target: no service named `apu`; did you mean `api`?"
    );
    let (_, message) = refused(|d| {
        d["slo"] = json!([{ "client": "mobile", "latency_below": "1s", "target": 0.9 }])
    });
    assert_eq!(
        message,
        "t.json: slo[0].client: no client named `mobile`; the names are `web`"
    );
}

#[test]
fn a_wrong_type_carries_the_path_and_the_line() {
    let (error, message) = refused(|d| d["services"][0]["workers"] = json!("four"));
    let ScenarioError::Type {
        position: Some(position),
        ..
    } = &error
    else {
        panic!("{message}")
    };
    assert!(position.line > 1);
    assert!(
        message.starts_with("t.json: services[0] (api).workers: invalid type: string \"four\", expected a whole number (line "),
        "{message}"
    );
    let (_, message) = refused(|d| d["duration"] = json!(2000));
    assert!(
        message.contains(
            "duration: invalid type: integer `2000`, expected a duration string with a unit"
        ),
        "{message}"
    );
    let (_, message) = refused(|d| d["clients"][0]["arrival"]["rate_per_s"] = json!("fast"));
    assert!(message.contains("expected a number"), "{message}");
}

#[test]
fn a_missing_field_names_its_object() {
    let (error, message) = refused(|d| {
        d["services"][0]
            .as_object_mut()
            .unwrap()
            .remove("service_time");
    });
    assert!(
        matches!(error, ScenarioError::MissingField { .. }),
        "{message}"
    );
    assert!(
        message.starts_with("t.json: services[0] (api): missing field `service_time`"),
        "{message}"
    );
    let (_, message) = refused(|d| {
        d.as_object_mut().unwrap().remove("duration");
    });
    assert!(
        message.starts_with("t.json: top level: missing field `duration`"),
        "{message}"
    );
}

#[test]
fn an_unknown_choice_lists_the_choices_and_suggests_one() {
    let (error, message) = refused(|d| d["clients"][0]["arrival"]["kind"] = json!("poison"));
    assert!(
        matches!(error, ScenarioError::UnknownKind { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "t.json: clients[0] (web).arrival.kind: `poison` is not one of `poisson`, `constant`, `on_off`, `closed`, `sessions`, `trace`; did you mean `poisson`?"
    );
    let (_, message) = refused(|d| d["clients"][0]["retry"] = json!({ "jitter": "ful" }));
    assert!(
        message.contains("clients[0] (web).retry.jitter: `ful` is not one of"),
        "{message}"
    );
    assert!(message.ends_with("did you mean `full`?"), "{message}");
    let (_, message) = refused(|d| d["services"][0]["queue"] = json!({ "discipline": "lifo" }));
    assert!(
        message.contains("services[0] (api).queue.discipline: `lifo` is not one of `fifo`"),
        "{message}"
    );
}

#[test]
fn durations_must_parse_and_the_warmup_must_end_before_the_run() {
    let (_, message) = refused(|d| d["duration"] = json!("2000"));
    assert!(
        message.starts_with("t.json: duration: is not a duration ("),
        "{message}"
    );
    assert!(
        message.contains("(got \"2000\"); write a number and a unit"),
        "{message}"
    );
    let (_, message) = refused(|d| d["warmup"] = json!("100s"));
    assert!(
        message.starts_with("t.json: warmup: must be shorter than `duration` (100s) (got 100s)"),
        "{message}"
    );
    let (_, message) = refused(|d| d["duration"] = json!("0s"));
    assert!(
        message.starts_with("t.json: duration: must be longer than 0s"),
        "{message}"
    );
    let (_, message) = refused(|d| d["clients"][0]["timeout"] = json!("0ms"));
    assert!(
        message.contains("clients[0] (web).timeout: must be longer than 0s"),
        "{message}"
    );
}

#[test]
fn a_lognormal_needs_exactly_one_pair() {
    let both =
        json!({ "kind": "lognormal", "mean": "4ms", "sd": "1ms", "p50": "3ms", "p99": "9ms" });
    let (_, message) = refused(service_time(both));
    assert!(
        message.starts_with("t.json: services[0] (api).service_time: needs exactly one of the pairs `mean` + `sd` or `p50` + `p99` (got `mean`, `sd`, `p50`, `p99`)"),
        "{message}"
    );
    let (_, message) = refused(service_time(json!({ "kind": "lognormal" })));
    assert!(message.contains("(got none of them)"), "{message}");
    let (_, message) = refused(service_time(
        json!({ "kind": "lognormal", "mean": "4ms", "p99": "9ms" }),
    ));
    assert!(message.contains("(got `mean`, `p99`)"), "{message}");
    let (error, message) = refused(service_time(json!({ "kind": "lognormal", "mean": "4ms" })));
    assert!(
        matches!(error, ScenarioError::MissingField { .. }),
        "{message}"
    );
    assert!(
        message.contains("services[0] (api).service_time: missing field `sd`"),
        "{message}"
    );
    let (_, message) = refused(service_time(
        json!({ "kind": "lognormal", "p50": "9ms", "p99": "3ms" }),
    ));
    assert!(
        message.contains("service_time.p99: must be at least `p50` (9ms) (got 3ms)"),
        "{message}"
    );
    let fine = json!({ "kind": "lognormal", "p50": "3ms", "p99": "9ms" });
    let mut document = base();
    service_time(fine)(&mut document);
    assert!(matches!(
        load(&document).unwrap().world.services[0].service_time,
        Distribution::LogNormal { .. }
    ));
}

#[test]
fn distribution_rules_point_at_the_parameter() {
    let (_, message) = refused(service_time(json!({ "kind": "exponential", "mean": "0s" })));
    assert!(
        message.contains("service_time.mean: must be longer than 0s"),
        "{message}"
    );
    let (_, message) = refused(service_time(
        json!({ "kind": "uniform", "min": "5ms", "max": "1ms" }),
    ));
    assert!(
        message.contains(
            "service_time.min: must not exceed `max` (1ms) (got 5ms); swap `min` and `max`"
        ),
        "{message}"
    );
    let (_, message) = refused(service_time(
        json!({ "kind": "exponential", "mean": "1ms", "sd": "1ms" }),
    ));
    assert!(
        message.contains("service_time.sd: is not a parameter of the `exponential` distribution (got \"1ms\"); the `exponential` distribution takes `mean`"),
        "{message}"
    );
    let (_, message) =
        refused(|d| d["network"] = json!({ "latency": { "kind": "constant", "value": "fast" } }));
    assert!(
        message.starts_with("t.json: network.latency.value: is not a duration"),
        "{message}"
    );
}

#[test]
fn mixture_arms_get_their_own_paths() {
    let mixture = |second: Value| {
        json!({ "kind": "mixture", "of": [
            { "weight": 0.99, "dist": { "kind": "constant", "value": "5ms" } },
            { "weight": 0.01, "dist": second } ] })
    };
    let (_, message) = refused(service_time(mixture(
        json!({ "kind": "constant", "value": "soon" }),
    )));
    assert!(
        message.starts_with(
            "t.json: services[0] (api).service_time.of[1].dist.value: is not a duration"
        ),
        "{message}"
    );
    let (_, message) = refused(service_time(json!({ "kind": "mixture", "of": [
        { "weight": 0.5, "dist": { "kind": "constant", "value": "5ms" } } ] })));
    assert!(
        message.contains(
            "service_time.of: needs weights that sum to 1 (within 1e-9) (got a sum of 0.5)"
        ),
        "{message}"
    );
    let (_, message) = refused(service_time(json!({ "kind": "mixture", "of": [] })));
    assert!(
        message.contains("service_time.of: must list at least one arm"),
        "{message}"
    );
    let (_, message) = refused(service_time(json!({ "kind": "mixture", "of": [
        { "weight": -1, "dist": { "kind": "constant", "value": "5ms" } } ] })));
    assert!(
        message.contains("service_time.of[0].weight: must be between 0 and 1 (got -1)"),
        "{message}"
    );
    let mut document = base();
    service_time(mixture(json!({ "kind": "constant", "value": "1s" })))(&mut document);
    assert!(matches!(
        load(&document).unwrap().world.services[0].service_time,
        Distribution::Mixture(_)
    ));
}

#[test]
fn names_are_unique_across_clients_and_services() {
    let (error, message) = refused(|d| d["clients"][0]["name"] = json!("api"));
    assert!(
        matches!(error, ScenarioError::DuplicateName { .. }),
        "{message}"
    );
    assert_eq!(
        message,
        "t.json: services[0].name: the name `api` is already used by clients[0]; names must be unique across clients, services, the database, the election, the quorum store and queues, since calls and faults name any of them"
    );
    let (_, message) = refused(|d| d["clients"][0]["name"] = json!("web.eu"));
    assert!(message.starts_with("t.json: clients[0].name: may contain only letters, digits, `-` and `_` (got \"web.eu\")"), "{message}");
    let (_, message) = refused(|d| d["services"][0]["name"] = json!(""));
    assert!(
        message.contains("services[0].name: must not be empty"),
        "{message}"
    );
    let (_, message) = refused(|d| d["name"] = json!("42"));
    assert!(
        message.contains("name: must not be only digits"),
        "{message}"
    );
}

#[test]
fn clients_rates_retries_slos_and_limits_are_bounded() {
    type Edit = fn(&mut Value);
    let cases: [(Edit, &str); 9] = [
        (|d| d["clients"] = json!([]), "t.json: clients: must list at least one client (got [])"),
        (|d| d["clients"][0]["arrival"]["rate_per_s"] = json!(0), "arrival.rate_per_s: must be greater than 0 and at most 1e9 (got 0)"),
        (|d| d["clients"][0]["arrival"]["rate_per_s"] = json!(1e12), "(got 1000000000000)"),
        (|d| d["clients"][0]["retry"] = json!({ "max_attempts": 0 }), "retry.max_attempts: must be at least 1 (got 0)"),
        (|d| d["clients"][0]["retry"] = json!({ "max_attempts": 101 }), "retry.max_attempts: must be at most 100 (got 101)"),
        (
            |d| d["clients"][0]["retry"] = json!({ "backoff": { "kind": "exponential", "base": "1s", "cap": "10ms" } }),
            "retry.backoff.cap: must be at least `base` (1s) (got 10ms)",
        ),
        (
            |d| d["slo"] = json!([{ "client": "web", "latency_below": "1s", "target": 99.9 }]),
            "slo[0].target: must be greater than 0 and at most 1 (got 99.9); it is the fraction of good requests required: write 0.999 for 99.9%",
        ),
        (|d| d["limits"] = json!({ "events_max": 0 }), "limits.events_max: must be at least 1 (got 0)"),
        (
            |d| d["clients"][0]["retry"] = json!({ "backoff": { "kind": "none", "delay": "1s" } }),
            "retry.backoff.delay: is not a parameter of the `none` backoff (got \"1s\"); the `none` backoff takes no parameters",
        ),
    ];
    for (edit, expected) in cases {
        let (_, message) = refused(edit);
        assert!(
            message.contains(expected),
            "expected {expected:?} in {message:?}"
        );
        assert!(message.starts_with("t.json: "), "{message}");
    }
}

#[test]
fn random_faults_default_to_every_kind_that_can_hit_a_target() {
    let mut document = base();
    document["random_faults"] = json!({ "count": 3 });
    let recipe = load(&document).unwrap().world.random_faults.unwrap();
    use models::RandomKind as K;
    assert_eq!(
        recipe.kinds,
        [
            K::Slowdown,
            K::Crash,
            K::ErrorBurst,
            K::Latency,
            K::Partition,
            K::Pause,
            K::Brownout,
            K::ClockJump,
            K::DriftChange
        ],
        "no zone outage without zones"
    );
    assert_eq!(recipe.jump, (-2_000_000_000, 2_000_000_000));
    assert_eq!(recipe.drift_ppb, (-500_000, 500_000));
    document["services"][0]["replicas"] = json!(2);
    document["services"][0]["zones"] = json!(["a", "b", "c"]);
    let recipe = load(&document).unwrap().world.random_faults.unwrap();
    assert_eq!(recipe.kinds.last(), Some(&K::ZoneOutage));
    assert_eq!(
        recipe.zones.len(),
        2,
        "zone c holds no replica: {:?}",
        recipe.zones
    );
}

#[test]
fn a_random_kind_must_be_able_to_hit_a_target() {
    let (_, message) = refused(|d| {
        d["random_faults"] = json!({ "count": 1, "kinds": ["slowdown", "zone_outage"] })
    });
    assert!(message.contains("random_faults.kinds[1]"), "{message}");
    assert!(message.contains("can hit none of the targets"), "{message}");
    assert!(message.contains("zones"), "{message}");
    let (_, message) = refused(|d| {
        d["election"] =
            json!({ "nodes": 3, "lease": "10s", "renew_every": "2s", "retry_every": "1s" });
        d["random_faults"] =
            json!({ "count": 1, "targets": ["election"], "kinds": ["error_burst"] })
    });
    assert!(message.contains("random_faults.kinds[0]"), "{message}");
    assert!(
        message.contains("\"error_burst\"") || message.contains("error_burst"),
        "{message}"
    );
}

#[test]
fn random_clock_ranges_are_checked() {
    let (_, message) =
        refused(|d| d["random_faults"] = json!({ "count": 1, "jump": ["1s", "-1s"] }));
    assert!(message.contains("random_faults.jump"), "{message}");
    assert!(message.contains("swap them"), "{message}");
    let mut document = base();
    document["random_faults"] =
        json!({ "count": 1, "jump": ["-3s", "500ms"], "drift_ppm": [-20, 20] });
    let recipe = load(&document).unwrap().world.random_faults.unwrap();
    assert_eq!(recipe.jump, (-3_000_000_000, 500_000_000));
    assert_eq!(recipe.drift_ppb, (-20_000, 20_000));
    let (_, message) =
        refused(|d| d["random_faults"] = json!({ "count": 1, "drift_ppm": [5, -5] }));
    assert!(message.contains("random_faults.drift_ppm"), "{message}");
}

#[test]
fn random_targets_name_services_the_election_and_the_database() {
    let mut document = base();
    document["election"] = json!({ "name": "lease", "nodes": 3, "lease": "10s", "renew_every": "2s", "retry_every": "1s" });
    document["random_faults"] = json!({ "count": 1, "targets": ["lease", "api"] });
    let recipe = load(&document).unwrap().world.random_faults.unwrap();
    assert_eq!(
        recipe.targets,
        [
            models::RandomTarget::Election { nodes: 3 },
            models::RandomTarget::Service(models::ServiceId(0))
        ]
    );
    let (_, message) = refused(|d| d["random_faults"] = json!({ "count": 1, "targets": ["apj"] }));
    assert!(message.contains("random_faults.targets[0]"), "{message}");
    assert!(
        message.contains("api"),
        "suggests the nearest name: {message}"
    );
}

#[test]
fn a_cost_block_becomes_prices_and_its_absence_is_free() {
    assert_eq!(load(&base()).unwrap().prices, models::Prices::FREE);
    let mut document = base();
    document["cost"] = json!({ "per_replica_hour": 0.1, "per_million_requests": 0.2,
                               "per_gb": 0.09, "request_size": "2KiB", "reply_size": 8192 });
    let prices = load(&document).unwrap().prices;
    assert_eq!(
        prices,
        models::Prices {
            replica_hour: 0.1,
            million_requests: 0.2,
            gb: 0.09,
            request_bytes: 2048,
            reply_bytes: 8192,
        }
    );
}

#[test]
fn a_bad_price_or_size_names_its_path_and_the_fix() {
    let (_, message) = refused(|d| d["cost"] = json!({ "per_replica_hour": -1 }));
    assert!(message.contains("cost.per_replica_hour"), "{message}");
    assert!(message.contains("must be at least 0"), "{message}");
    let (_, message) = refused(|d| d["cost"] = json!({ "per_gb": 0.09 }));
    assert!(message.contains("cost.per_gb"), "{message}");
    assert!(message.contains("set the message sizes"), "{message}");
    let (_, message) = refused(|d| d["cost"] = json!({ "request_size": "2 potatoes" }));
    assert!(message.contains("cost.request_size"), "{message}");
    assert!(message.contains("is not a size"), "{message}");
    let (_, message) = refused(|d| d["cost"] = json!({ "per_replica_hr": 1 }));
    assert!(message.contains("per_replica_hour"), "{message}");
}
