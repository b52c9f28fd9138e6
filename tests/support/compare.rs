//! Running `faultline compare` from end-to-end tests and reading the `results.json` it
//! writes; the test file also declares `mod binary` (`support/binary.rs`).

use std::path::PathBuf;

use serde_json::Value;

use super::binary;

/// A finished comparison: its output folder (removed when this is dropped) and its results.
pub struct Compared {
    /// Where the report, results and plots were written.
    pub out: PathBuf,
    /// `results.json`, parsed.
    pub results: Value,
}

/// Runs `faultline compare ARGS... --out TEMP`, which must exit 0 or 1 (a verdict against
/// the baseline), and reads its results; `tag` keeps concurrent tests' folders apart.
pub fn compare(tag: &str, args: &[&str]) -> Compared {
    let out = std::env::temp_dir().join(format!("faultline-{tag}-{}", std::process::id()));
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let ran = binary::faultline(&all);
    assert!(
        ran.status.success() || ran.status.code() == Some(1),
        "{}",
        binary::stderr(&ran)
    );
    let text = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    let results = serde_json::from_str(&text).expect("results.json is JSON");
    Compared { out, results }
}

impl Compared {
    /// Metric `key`'s entry for `variant` (its estimate, `per_seed`, judgement and verdict).
    pub fn row(&self, key: &str, variant: &str) -> Value {
        let metric = (self.results["metrics"].as_array().unwrap().iter())
            .find(|m| m["metric"]["key"] == key)
            .unwrap_or_else(|| panic!("a {key} row"));
        (metric["by_variant"].as_array().unwrap().iter())
            .find(|v| v["variant"] == variant)
            .unwrap_or_else(|| panic!("{variant} in the {key} row"))
            .clone()
    }
}

impl Drop for Compared {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.out).ok();
    }
}
