//! Golden files: what every catalog scenario and variant measures at seed 1, pinned.
//!
//! Each `tests/golden/NAME.json` (or `NAME--VARIANT.json`) is the `run --format json` summary
//! of that run: its trace hash, event count, every client's and service's figures, and the
//! database's and the election's own results where the scenario has them. A change that moves
//! any number fails here, and the diff of the golden file is the review: a refactoring must
//! leave every file byte-identical, and a change of behaviour says in its commit which files
//! moved and why. `FAULTLINE_BLESS=1 cargo test --test golden` rewrites them (and removes
//! files of scenarios or variants that no longer exist).
//!
//! The version field is left out, so a version bump alone moves nothing.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Where the golden files live.
fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The summary of `name` (a catalog scenario) under `variant` at seed 1, as pretty JSON.
fn summary(name: &str, variant: Option<&str>) -> String {
    let entry = scenarios::catalog::find(name).expect("a catalog scenario");
    let options = scenarios::LoadOptions {
        variant: variant.map(str::to_string),
        ..Default::default()
    };
    let scenario = entry
        .load(&options)
        .unwrap_or_else(|e| panic!("{name} {variant:?}: {e}"));
    let result =
        models::run(&scenario.world, 1).unwrap_or_else(|e| panic!("{name} {variant:?}: {e}"));
    // The summary `run --format json` prints, priced when the scenario has prices.
    let summary = faultline::simulate::summarize(&scenario, 1, &result);
    let mut json: serde_json::Value = serde_json::from_str(&summary.to_json()).unwrap();
    json.as_object_mut().unwrap().remove("version");
    let mut text = serde_json::to_string_pretty(&json).unwrap();
    text.push('\n');
    text
}

#[test]
fn every_catalog_run_matches_its_golden_file() {
    let bless = std::env::var_os("FAULTLINE_BLESS").is_some();
    let dir = golden_dir();
    if bless {
        fs::create_dir_all(&dir).unwrap();
    }
    let mut expected_files = BTreeSet::new();
    let mut moved = Vec::new();
    for entry in scenarios::catalog::entries() {
        let names = scenarios::variant_names(entry.text, entry.name).unwrap();
        let runs = std::iter::once(None).chain(names.iter().map(|v| Some(v.as_str())));
        for variant in runs {
            let file = match variant {
                None => format!("{}.json", entry.name),
                Some(v) => format!("{}--{v}.json", entry.name),
            };
            expected_files.insert(file.clone());
            let now = summary(entry.name, variant);
            let path = dir.join(&file);
            if bless {
                fs::write(&path, &now).unwrap();
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(pinned) if pinned == now => {}
                Ok(_) => moved.push(format!("{file}: differs")),
                Err(_) => moved.push(format!("{file}: no golden file")),
            }
        }
    }
    if bless {
        for stale in fs::read_dir(&dir).unwrap() {
            let path = stale.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !expected_files.contains(&name) {
                fs::remove_file(&path).unwrap();
            }
        }
        return;
    }
    let present: BTreeSet<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for stale in present.difference(&expected_files) {
        moved.push(format!("{stale}: no such catalog run any more"));
    }
    assert!(
        moved.is_empty(),
        "golden files moved (review the diff, then bless with FAULTLINE_BLESS=1 cargo test --test golden):\n{}",
        moved.join("\n")
    );
}
