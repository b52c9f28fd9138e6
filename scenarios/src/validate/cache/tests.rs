//! One test per rule of the `cache` block: the path, the rule and the fix.

use serde_json::{json, Value};

use crate::{parse, LoadOptions, Scenario, ScenarioError};

/// A client with a cache in front of `api`, which calls `db` with a cache.
fn base() -> Value {
    json!({
        "name": "t",
        "duration": "10s",
        "clients": [{ "name": "web", "target": "api",
                      "arrival": { "kind": "poisson", "rate_per_s": 100 },
                      "cache": { "keys": 1000, "ttl": "30s" } }],
        "services": [
            { "name": "api", "replicas": 2,
              "service_time": { "kind": "constant", "value": "1ms" },
              "calls": [{ "service": "db",
                          "cache": { "keys": 10, "zipf": 0.8, "ttl": "1s",
                                     "single_flight": true, "serve_stale": true,
                                     "capacity": 5 } }] },
            { "name": "db", "service_time": { "kind": "constant", "value": "1ms" } }
        ]
    })
}

fn load(document: &Value) -> Result<Scenario, ScenarioError> {
    let text = serde_json::to_string_pretty(document).expect("a Value always serializes");
    parse(&text, "t.json", &LoadOptions::default())
}

/// The error message for `base()` edited by `edit`; fails if the edit is accepted.
fn refused(edit: impl FnOnce(&mut Value)) -> String {
    let mut document = base();
    edit(&mut document);
    load(&document)
        .expect_err("the edit must be refused")
        .to_string()
}

#[test]
fn a_cache_gets_its_defaults_and_its_settings() {
    let scenario = load(&base()).unwrap();
    let client = scenario.world.clients[0].cache.as_ref().unwrap();
    assert_eq!(client.keys, 1000);
    assert_eq!(client.zipf, 1.0);
    assert_eq!(client.ttl, sim_core::SimDuration::from_secs(30));
    assert!(!client.single_flight && !client.serve_stale);
    assert_eq!(client.capacity, None);
    let call = scenario.world.services[0].calls[0].cache.as_ref().unwrap();
    assert_eq!((call.keys, call.zipf, call.capacity), (10, 0.8, Some(5)));
    assert!(call.single_flight && call.serve_stale);
}

#[test]
fn keys_are_required_and_bounded() {
    let message = refused(|d| {
        d["clients"][0]["cache"]
            .as_object_mut()
            .unwrap()
            .remove("keys");
    });
    assert!(message.contains("clients[0] (web).cache"), "{message}");
    assert!(message.contains("keys"), "{message}");
    let message = refused(|d| d["clients"][0]["cache"]["keys"] = json!(0));
    assert_eq!(
        message,
        "t.json: clients[0] (web).cache.keys: must be at least 1 (got 0); a cache needs at least one key"
    );
    let message = refused(|d| d["clients"][0]["cache"]["keys"] = json!(20_000_000));
    assert!(message.contains("must be at most 10000000"), "{message}");
}

#[test]
fn the_zipf_exponent_is_between_0_and_10() {
    let message = refused(|d| d["clients"][0]["cache"]["zipf"] = json!(-0.5));
    assert_eq!(
        message,
        "t.json: clients[0] (web).cache.zipf: must be between 0 and 10 (got -0.5); 0 makes every key equally popular, 1 is Zipf's law; web traces measure 0.6–1"
    );
}

#[test]
fn the_ttl_is_a_positive_duration() {
    let message = refused(|d| d["clients"][0]["cache"]["ttl"] = json!("0s"));
    assert!(
        message.starts_with("t.json: clients[0] (web).cache.ttl: must be longer than 0s"),
        "{message}"
    );
    let message = refused(|d| d["clients"][0]["cache"]["ttl"] = json!("soon"));
    assert!(
        message.contains("cache.ttl: is not a duration"),
        "{message}"
    );
}

#[test]
fn the_capacity_is_between_1_and_the_keys() {
    let message = refused(|d| d["services"][0]["calls"][0]["cache"]["capacity"] = json!(11));
    assert_eq!(
        message,
        "t.json: services[0] (api).calls[0] (db).cache.capacity: must be at most 10 (got 11); a capacity above `keys` never evicts; remove it"
    );
    let message = refused(|d| d["services"][0]["calls"][0]["cache"]["capacity"] = json!(0));
    assert!(message.contains("must be at least 1"), "{message}");
}

#[test]
fn flags_are_booleans_and_unknown_fields_are_refused() {
    let message = refused(|d| d["clients"][0]["cache"]["single_flight"] = json!("yes"));
    assert!(message.contains("single_flight"), "{message}");
    let message = refused(|d| d["clients"][0]["cache"]["serve_stale"] = json!(1));
    assert!(message.contains("serve_stale"), "{message}");
    let message = refused(|d| d["clients"][0]["cache"]["tll"] = json!("1s"));
    assert!(
        message.contains("ttl"),
        "the nearest field is suggested: {message}"
    );
}

#[test]
fn a_fan_out_call_cannot_cache() {
    let message = refused(|d| d["services"][0]["calls"][0]["fanout"] = json!(3));
    assert_eq!(
        message,
        "t.json: services[0] (api).calls[0] (db).cache: is only for a call with `fanout` 1 (got 3); a fan-out reaches shards with keys of their own; cache each shard's caller instead, or remove `cache`"
    );
}
