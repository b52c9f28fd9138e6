//! End-to-end tests of `parse`: variants, overrides, which origin an error blames, and a
//! property test that no input makes the crate panic.

use models::{Jitter, RetryPolicy};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::{catalog, parse, variant_names, LoadOptions, Override, ScenarioError};

fn retries() -> &'static str {
    catalog::find("retries")
        .expect("retries is in the catalog")
        .text
}

fn options(variant: Option<&str>, sets: &[&str]) -> LoadOptions {
    LoadOptions {
        variant: variant.map(str::to_string),
        overrides: sets.iter().map(|s| Override::parse(s).unwrap()).collect(),
        ..LoadOptions::default()
    }
}

#[test]
fn a_variant_changes_exactly_what_it_names() {
    let base = parse(retries(), "r.json", &LoadOptions::default()).unwrap();
    assert_eq!(base.variants, ["no-retry", "no-jitter", "full-jitter"]);
    let varied = parse(retries(), "r.json", &options(Some("no-jitter"), &[])).unwrap();
    assert_eq!(varied.variant.as_deref(), Some("no-jitter"));
    let mut expected = base.clone();
    expected.variant = Some("no-jitter".to_string());
    expected.world.clients[0].retry.jitter = Jitter::None;
    assert_eq!(varied, expected);
}

#[test]
fn null_removes_a_block_so_its_default_applies() {
    let varied = parse(retries(), "r.json", &options(Some("no-retry"), &[])).unwrap();
    assert_eq!(varied.world.clients[0].retry, RetryPolicy::NONE);
    let timeout_off = parse(
        retries(),
        "r.json",
        &options(None, &["clients.web.timeout=null"]),
    )
    .unwrap();
    assert_eq!(timeout_off.world.clients[0].timeout, None);
}

#[test]
fn overrides_apply_after_the_variant_and_change_exactly_what_they_name() {
    let base = parse(retries(), "r.json", &LoadOptions::default()).unwrap();
    let set = options(
        Some("no-retry"),
        &["services.api.workers=8", "clients.web.retry.jitter=equal"],
    );
    let varied = parse(retries(), "r.json", &set).unwrap();
    let mut expected = base.clone();
    expected.variant = Some("no-retry".to_string());
    expected.world.services[0].workers = 8;
    // The variant removed `retry`; the override recreated it with only `jitter`, so the
    // other retry settings take their defaults.
    expected.world.clients[0].retry = RetryPolicy {
        jitter: Jitter::Equal,
        ..default_retry()
    };
    assert_eq!(varied, expected);
}

fn default_retry() -> RetryPolicy {
    let text = json!({
        "name": "t", "duration": "1s",
        "clients": [{ "name": "c", "target": "s", "arrival": { "kind": "poisson", "rate_per_s": 1 }, "retry": {} }],
        "services": [{ "name": "s", "service_time": { "kind": "constant", "value": "1ms" } }]
    });
    parse(&text.to_string(), "d.json", &LoadOptions::default())
        .unwrap()
        .world
        .clients[0]
        .retry
}

#[test]
fn an_unknown_variant_lists_the_variants_and_suggests_one() {
    let error = parse(retries(), "r.json", &options(Some("no-retries"), &[])).unwrap_err();
    assert!(matches!(error, ScenarioError::UnknownVariant { .. }));
    assert_eq!(
        error.to_string(),
        "r.json: no variant named `no-retries`; did you mean `no-retry`?"
    );
    let error = parse(retries(), "r.json", &options(Some("zzz"), &[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "r.json: no variant named `zzz`; the names are `no-retry`, `no-jitter`, `full-jitter`"
    );
}

#[test]
fn an_override_into_a_missing_element_suggests_the_nearest_name() {
    let error = parse(
        retries(),
        "r.json",
        &options(None, &["clients.wbe.timeout=1s"]),
    )
    .unwrap_err();
    assert!(matches!(error, ScenarioError::BadOverride { .. }));
    assert_eq!(
        error.to_string(),
        "r.json: --set clients.wbe.timeout: `clients` has no element named `wbe`; did you mean `web`?"
    );
}

#[test]
fn an_error_caused_by_a_change_names_the_change() {
    let error = parse(
        retries(),
        "r.json",
        &options(Some("no-jitter"), &["services.api.wokers=2"]),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "r.json (variant no-jitter, --set services.api.wokers=2): services[0] (api).wokers: unknown field `wokers`; did you mean `workers`?"
    );
    let error = parse(
        retries(),
        "r.json",
        &options(None, &["services.api.workers=0"]),
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("r.json (--set services.api.workers=0): services[0] (api).workers: must be at least 1 (got 0)"), "{error}");
}

#[test]
fn an_error_in_the_file_itself_blames_the_plain_file() {
    let broken = retries().replace("\"workers\": 4", "\"workers\": 0");
    let error = parse(
        &broken,
        "r.json",
        &options(Some("no-retry"), &["services.api.replicas=2"]),
    )
    .unwrap_err();
    assert_eq!(error.origin(), "r.json");
    assert_eq!(error.path(), Some("services[0] (api).workers"));
}

#[test]
fn broken_variants_are_refused_with_their_path() {
    let with = |variants: Value| {
        let mut document: Value = serde_json::from_str(retries()).unwrap();
        document["variants"] = variants;
        document.to_string()
    };
    let error = parse(
        &with(json!({ "fast": { "services.apo.workers": 2 } })),
        "r.json",
        &options(Some("fast"), &[]),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "r.json: variants.fast[\"services.apo.workers\"]: `services` has no element named `apo`; did you mean `api`?"
    );
    let error = variant_names(&with(json!({ "fast": 2 })), "r.json").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("r.json: variants.fast: expected an object of changes"),
        "{error}"
    );
    let error = variant_names(&with(json!({ "a,b": {} })), "r.json").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("variants: has a variant name that may contain only letters"),
        "{error}"
    );
    let error = variant_names(&with(json!({ "x": { "a..b": 1 } })), "r.json").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("r.json: variants.x[\"a..b\"]: `a..b` has an empty segment"),
        "{error}"
    );
}

// See: #13. A `null` on a path the format lacks was accepted silently, in a variant or a
// `--set`, and the run was the baseline's.
#[test]
fn null_on_a_path_that_does_not_exist_is_an_error() {
    let tiers = catalog::find("tiers").unwrap().text;
    let mut document: Value = serde_json::from_str(tiers).unwrap();
    document["variants"]["breaker-off"] = json!({ "services.api.calls.db.circuitbreaker": null });
    document["variants"]["no-cache"] = json!({ "services.api.calls.bd.cache": null });
    let text = document.to_string();
    assert!(
        parse(&text, "t.json", &LoadOptions::default()).is_ok(),
        "the file is valid; only applying the variant fails"
    );
    let error = parse(&text, "t.json", &options(Some("breaker-off"), &[])).unwrap_err();
    assert!(
        matches!(error, ScenarioError::UnknownField { .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "t.json (variant breaker-off): services[0] (api).calls[0].circuitbreaker: unknown field `circuitbreaker`; did you mean `circuit_breaker`?"
    );
    let error = parse(&text, "t.json", &options(Some("no-cache"), &[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "t.json: variants.no-cache[\"services.api.calls.bd.cache\"]: `services.api.calls` has no element named `bd`; did you mean `db`?"
    );
    // The same typo with a value and with `null` reads the same.
    let valued = parse(
        tiers,
        "t.json",
        &options(None, &["services.api.calls.db.cach=1"]),
    );
    let nulled = parse(
        tiers,
        "t.json",
        &options(None, &["services.api.calls.db.cach=null"]),
    );
    assert_eq!(
        valued
            .unwrap_err()
            .to_string()
            .replace("cach=1", "cach=null"),
        nulled.unwrap_err().to_string()
    );
    // A field the format has but this file leaves out is still fine to remove.
    let absent = options(
        None,
        &["clients.web.retry.budget=null", "services.db.calls=null"],
    );
    assert_eq!(
        parse(tiers, "t.json", &absent).unwrap().world,
        parse(tiers, "t.json", &LoadOptions::default())
            .unwrap()
            .world
    );
}

#[test]
fn variant_names_come_in_file_order() {
    assert_eq!(
        variant_names(retries(), "r.json").unwrap(),
        ["no-retry", "no-jitter", "full-jitter"]
    );
    assert!(variant_names("{\"name\": 1}", "x.json").unwrap().is_empty());
    assert!(matches!(
        variant_names("{", "x.json"),
        Err(ScenarioError::Syntax { .. })
    ));
}

/// Every JSON pointer into `value`, the root included.
fn pointers(value: &Value, prefix: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{prefix}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{prefix}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(prefix);
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vec![
            "0s",
            "1ms",
            "-1s",
            "1e400s",
            "99999999999h",
            "",
            "web",
            "api",
            "x.y",
            "lognormal",
            "mixture",
            "full"
        ])
        .prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A catalog entry with some values replaced or removed, as text, plus random options.
fn mutated_catalog() -> impl Strategy<Value = (String, LoadOptions)> {
    let entry = 0..catalog::entries().len();
    let edits = prop::collection::vec(
        (any::<prop::sample::Index>(), prop::option::of(json_value())),
        1..4,
    );
    let variant = prop::option::of(prop_oneof!["no-retry|no-jitter|full-jitter", "\\PC{0,8}"]);
    let sets = prop::collection::vec(
        prop_oneof![
            "(clients|services|slo|network|limits)\\.(web|api|0|1|arrivals)\\.(workers|retry|timeout|target|queue)=\\PC{0,6}",
            "\\PC{0,20}",
        ],
        0..3,
    );
    (entry, edits, variant, sets).prop_map(|(entry, edits, variant, sets)| {
        let mut document: Value = serde_json::from_str(catalog::entries()[entry].text).unwrap();
        for (index, replacement) in edits {
            let mut all = Vec::new();
            pointers(&document, String::new(), &mut all);
            let pointer = index.get(&all).clone();
            match (replacement, pointer.rsplit_once('/')) {
                (Some(value), _) => {
                    if let Some(slot) = document.pointer_mut(&pointer) {
                        *slot = value;
                    }
                }
                (None, Some((parent, key))) => match document.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.shift_remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) if !items.is_empty() => {
                        items.pop();
                    }
                    _ => {}
                },
                (None, None) => {}
            }
        }
        let overrides = sets
            .iter()
            .filter_map(|s| Override::parse(s).ok())
            .collect();
        (
            document.to_string(),
            LoadOptions {
                variant,
                overrides,
                ..LoadOptions::default()
            },
        )
    })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", variant in prop::option::of("\\PC{0,8}")) {
        let options = LoadOptions {
            variant,
            ..LoadOptions::default()
        };
        let _ = parse(&text, "fuzz.json", &options);
        let _ = variant_names(&text, "fuzz.json");
        let _ = Override::parse(&text);
    }

    #[test]
    fn mutated_catalog_scenarios_never_panic((text, options) in mutated_catalog()) {
        if let Err(error) = parse(&text, "fuzz.json", &options) {
            prop_assert!(error.to_string().starts_with("fuzz.json"), "{}", error);
        }
        // Byte-level damage too: cut the text at a character boundary.
        let cut = text.char_indices().map(|(i, _)| i).nth(text.len() / 2).unwrap_or(0);
        let _ = parse(&text[..cut], "fuzz.json", &options);
    }
}
