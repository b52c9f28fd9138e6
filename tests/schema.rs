//! `faultline schema` (issue #20): the JSON Schema generated from the raw types accepts every
//! catalog scenario, every `faultline new` template and every whole scenario shown in the
//! README, and refuses a deliberately wrong file.

#[path = "support/binary.rs"]
mod binary;

use binary::{faultline, stdout};
use serde_json::Value;

/// The schema as the binary prints it, compiled.
fn validator() -> jsonschema::Validator {
    let output = faultline(&["schema"]);
    assert_eq!(output.status.code(), Some(0));
    let schema: Value = serde_json::from_str(&stdout(&output)).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// The schema's complaints about `text` (empty when it fits).
fn problems(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let instance: Value = serde_json::from_str(text).expect("JSON");
    validator
        .iter_errors(&instance)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect()
}

#[test]
fn every_catalog_scenario_fits_the_schema() {
    let validator = validator();
    for entry in scenarios::catalog::entries() {
        let problems = problems(&validator, entry.text);
        assert!(problems.is_empty(), "{}: {problems:#?}", entry.name);
    }
}

#[test]
fn every_starter_template_fits_the_schema() {
    let validator = validator();
    for template in ["single", "tiers", "fanout", "database"] {
        let template: faultline::new::Template =
            clap::ValueEnum::from_str(template, false).expect("a template");
        let text = faultline::new::text(template).replacen("\"NAME\"", "\"x\"", 1);
        let problems = problems(&validator, &text);
        assert!(problems.is_empty(), "{template:?}: {problems:#?}");
    }
}

#[test]
fn every_whole_scenario_in_the_docs_fits_the_schema() {
    let validator = validator();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs/lessons")).expect("the lessons") {
        pages.push(entry.expect("an entry").path());
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("a page");
        for block in text.split("```json\n").skip(1) {
            let block = block.split("```").next().unwrap_or_default();
            // Fragments (a service_time, a fault) show one field; whole scenarios have a name.
            let Ok(Value::Object(object)) = serde_json::from_str::<Value>(block) else {
                continue;
            };
            if !object.contains_key("name") {
                continue;
            }
            let problems = problems(&validator, block);
            assert!(problems.is_empty(), "{}: {problems:#?}", page.display());
            checked += 1;
        }
    }
    assert!(checked >= 1, "the README's example is checked");
}

#[test]
fn a_deliberately_wrong_file_does_not_fit() {
    let validator = validator();
    let wrong = r#"{
        "name": "wrong", "duration": 300,
        "clients": [ { "name": "web", "target": "api",
                       "arrival": { "kind": "poisson", "rate_per_s": 10 } } ],
        "services": [ { "name": "api", "worker": 4,
                        "service_time": { "kind": "exponential", "mean": "1ms", "men": "2ms" } } ]
    }"#;
    let problems = problems(&validator, wrong);
    let all = problems.join("\n");
    assert!(
        all.contains("/duration"),
        "a number is not a duration:\n{all}"
    );
    assert!(
        all.contains("worker"),
        "an unknown field is refused:\n{all}"
    );
    assert!(
        all.contains("men"),
        "a misspelled distribution field is refused:\n{all}"
    );
}

#[test]
fn docs_reference_md_is_generated_from_the_schema_and_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let generated = scenarios::schema::reference();
    if std::env::var_os("FAULTLINE_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("docs/reference.md is written");
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/reference.md is stale: regenerate it with `FAULTLINE_BLESS=1 cargo test --test schema`"
    );
    for field in [
        "`max_attempts`",
        "`circuit_breaker`",
        "`fanout`",
        "## Duration",
    ] {
        assert!(generated.contains(field), "the reference documents {field}");
    }
}
