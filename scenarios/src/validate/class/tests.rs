//! Validation tests of caller classes: defaults, the parsed shapes, and each rule's path and
//! message.

use models::{CallerId, ClientId, Priority, RateLimitScope, ServiceId};
use serde_json::{json, Value};

use crate::{parse, LoadOptions, Scenario, ScenarioError};

/// Two clients and two services (`api` calls `db`); tests edit a copy.
fn base() -> Value {
    json!({
        "name": "t",
        "duration": "10s",
        "clients": [
            { "name": "checkout", "target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 } },
            { "name": "batch", "target": "api", "arrival": { "kind": "poisson", "rate_per_s": 100 } }
        ],
        "services": [
            { "name": "api", "workers": 4, "queue": { "capacity": 20 },
              "service_time": { "kind": "exponential", "mean": "1ms" },
              "calls": [ { "service": "db" } ] },
            { "name": "db", "service_time": { "kind": "exponential", "mean": "1ms" } }
        ]
    })
}

fn edited(edit: impl FnOnce(&mut Value)) -> Result<Scenario, ScenarioError> {
    let mut document = base();
    edit(&mut document);
    let text = serde_json::to_string_pretty(&document).expect("a Value always serializes");
    parse(&text, "t.json", &LoadOptions::default())
}

/// The message for `base()` edited by `edit`; fails if the edit is accepted.
fn refused(edit: impl FnOnce(&mut Value)) -> String {
    edited(edit)
        .expect_err("the edit must be refused")
        .to_string()
}

#[test]
fn without_classes_nothing_changes() {
    let scenario = edited(|_| {}).unwrap();
    assert_eq!(scenario.world.clients[0].priority, Priority::Critical);
    assert_eq!(
        scenario.world.services[0].classes,
        models::ServiceClasses::NONE
    );
}

#[test]
fn every_class_setting_is_parsed() {
    let scenario = edited(|d| {
        d["clients"][1]["priority"] = json!("sheddable");
        let api = &mut d["services"][0];
        api["queue"]["shed_sheddable_above"] = json!(0.5);
        api["rate_limit"] = json!({ "rate_per_s": 50, "per": "caller" });
        api["overload"] = json!({ "cores": 2, "penalty": 0.25 });
        api["pools"] = json!([
            { "callers": ["checkout"], "workers": 3 },
            { "callers": ["batch"], "workers": 1, "queue_capacity": 5 }
        ]);
        d["services"][1]["pools"] = json!([{ "callers": ["api", "checkout"], "workers": 2 }]);
    })
    .unwrap();
    let world = &scenario.world;
    assert_eq!(world.clients[1].priority, Priority::Sheddable);
    let api = &world.services[0].classes;
    assert_eq!(api.shed_sheddable_above.map(|p| p.get()), Some(0.5));
    assert_eq!(api.rate_limit_per, RateLimitScope::Caller);
    let overload = api.overload.expect("overload is set");
    assert_eq!((overload.cores, overload.penalty), (2, 0.25));
    assert_eq!(api.pools[0].callers, [CallerId::Client(ClientId(0))]);
    assert_eq!(
        (api.pools[0].workers, api.pools[0].queue_capacity),
        (3, 20),
        "a pool's queue defaults to the service's capacity"
    );
    assert_eq!(
        (api.pools[1].name.as_str(), api.pools[1].queue_capacity),
        ("batch", 5)
    );
    let db = &world.services[1].classes.pools[0];
    assert_eq!(db.name, "api+checkout");
    assert_eq!(
        db.callers,
        [
            CallerId::Service(ServiceId(0)),
            CallerId::Client(ClientId(0))
        ]
    );
}

#[test]
fn an_unknown_caller_is_named_with_the_nearest_name() {
    let message = refused(|d| {
        d["services"][0]["pools"] = json!([{ "callers": ["chekout"], "workers": 1 }]);
    });
    assert!(
        message.contains("services[0] (api).pools[0].callers[0]"),
        "{message}"
    );
    assert!(message.contains("chekout"), "{message}");
    assert!(message.contains("checkout"), "{message}");
}

#[test]
fn a_caller_in_two_pools_is_refused() {
    let message = refused(|d| {
        d["services"][0]["pools"] = json!([
            { "callers": ["checkout"], "workers": 1 },
            { "callers": ["batch", "checkout"], "workers": 1 }
        ]);
    });
    assert!(
        message.contains("services[0] (api).pools[1].callers[1]"),
        "{message}"
    );
    assert!(message.contains("pools[0].callers[0]"), "{message}");
}

#[test]
fn each_rule_names_its_path() {
    for (edit, path, words) in [
        (
            json!({ "pools": [{ "callers": ["batch"], "workers": 0 }] }),
            "pools[0].workers",
            "at least 1",
        ),
        (
            json!({ "pools": [{ "callers": [], "workers": 1 }] }),
            "pools[0].callers",
            "at least one caller",
        ),
        (
            json!({ "queue": { "capacity": 20, "shed_sheddable_above": 1.5 } }),
            "queue.shed_sheddable_above",
            "between 0 and 1",
        ),
        (
            json!({ "overload": { "cores": 0 } }),
            "overload.cores",
            "at least 1",
        ),
        (
            json!({ "overload": { "cores": 2, "penalty": -1 } }),
            "overload.penalty",
            "between 0",
        ),
    ] {
        let message = refused(|d| {
            for (key, value) in edit.as_object().unwrap() {
                d["services"][0][key] = value.clone();
            }
        });
        assert!(message.contains(path), "{path}: {message}");
        assert!(message.contains(words), "{path}: {message}");
    }
}

#[test]
fn unknown_words_and_fields_are_refused() {
    let message = refused(|d| d["clients"][0]["priority"] = json!("low"));
    assert!(message.contains("sheddable"), "{message}");
    let message = refused(|d| {
        d["services"][0]["rate_limit"] = json!({ "rate_per_s": 5, "per": "client" });
    });
    assert!(message.contains("caller"), "{message}");
    let message = refused(|d| {
        d["services"][0]["pools"] = json!([{ "callers": ["batch"], "workers": 1, "size": 2 }]);
    });
    assert!(message.contains("size"), "{message}");
}
