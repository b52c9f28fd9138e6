//! Tidy checks: project rules that are easier to enforce as tests than to remember in review.
//!
//! See STYLE habits 1, 2, 3, 10, 25 and 27. Each failure names the file and the rule.

use std::fs;
use std::path::{Path, PathBuf};

const LIBRARY_CRATES: [&str; 4] = ["sim-core", "models", "scenarios", "reports"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under the project's source folders (not `target/`).
fn rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders: Vec<PathBuf> = ["src", "tests", "benches"]
        .iter()
        .map(|f| root().join(f))
        .collect();
    folders.extend(LIBRARY_CRATES.iter().map(|c| root().join(c)));
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() && !path.ends_with("target") {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let bad: Vec<String> = rust_files()
        .into_iter()
        .filter(|p| !fs::read_to_string(p).unwrap_or_default().starts_with("//!"))
        .map(|p| relative(&p))
        .collect();
    assert!(
        bad.is_empty(),
        "files must start with a `//!` line saying what they own: {bad:?}"
    );
}

#[test]
fn no_grab_bag_modules_and_no_giant_files() {
    for path in rust_files() {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            !["utils", "helpers", "misc"].contains(&name.as_str()),
            "{}: name modules by the noun they hold",
            relative(&path)
        );
        let lines = fs::read_to_string(&path).unwrap().lines().count();
        assert!(
            lines <= 1_200,
            "{}: {lines} lines; split it along a second noun",
            relative(&path)
        );
    }
}

#[test]
fn no_panic_expecting_or_ignored_tests() {
    let banned = [concat!("should", "_panic"), concat!("#[", "ignore")];
    for path in rust_files() {
        let text = fs::read_to_string(&path).unwrap();
        for word in banned {
            assert!(
                !text.contains(word),
                "{}: uses {word}; assert the Err value instead",
                relative(&path)
            );
        }
    }
}

#[test]
fn libraries_are_unseeded_nowhere_and_documented() {
    let banned = [
        concat!("thread", "_rng"),
        concat!("from_", "entropy"),
        concat!("from_", "os_rng"),
        concat!("SystemTime", "::now"),
        concat!("Instant", "::now"),
        concat!("Default", "Hasher"),
    ];
    for krate in LIBRARY_CRATES {
        let lib = fs::read_to_string(root().join(krate).join("src/lib.rs")).unwrap();
        assert!(
            lib.contains("#![deny(missing_docs)]"),
            "{krate}/src/lib.rs must deny missing docs"
        );
    }
    for path in rust_files() {
        let rel = relative(&path);
        if !LIBRARY_CRATES
            .iter()
            .any(|c| rel.starts_with(&format!("{c}/src")))
        {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for word in banned {
            assert!(
                !text.contains(word),
                "{rel}: `{word}` would make runs unreproducible"
            );
        }
    }
}

#[test]
fn dependencies_flow_one_way() {
    // sim-core knows nothing of models, scenarios, reports, JSON or the CLI; models knows
    // nothing of scenarios, reports or JSON; reports never reads scenarios.
    let forbidden: [(&str, &[&str]); 3] = [
        (
            "sim-core",
            &["models", "scenarios", "reports", "serde_json", "clap"],
        ),
        ("models", &["scenarios", "reports", "serde_json", "clap"]),
        ("reports", &["scenarios", "clap"]),
    ];
    for (krate, names) in forbidden {
        let manifest = fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
        for line in manifest.lines() {
            let key = line.split(['=', '.']).next().unwrap_or("").trim();
            assert!(
                !names.contains(&key),
                "{krate}/Cargo.toml depends on {key}: dependencies flow one way"
            );
        }
    }
}

#[test]
fn architecture_names_every_public_module() {
    let codemap = fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut libs: Vec<PathBuf> = LIBRARY_CRATES
        .iter()
        .map(|c| root().join(c).join("src/lib.rs"))
        .collect();
    libs.push(root().join("src/lib.rs"));
    for lib in libs {
        for line in fs::read_to_string(&lib).unwrap().lines() {
            if let Some(name) = line.trim().strip_prefix("pub mod ") {
                let name = name.trim_end_matches(';').trim_end_matches(" {");
                assert!(
                    codemap.contains(&format!("`{name}`")),
                    "ARCHITECTURE.md does not name `{name}` (from {})",
                    relative(&lib)
                );
            }
        }
    }
}

/// ARCHITECTURE.md's invariant for `models`: the validated configuration is plain data at
/// the bottom of the crate. `config.rs` and `config/*.rs` name nothing of the crate but each
/// other, so no component reaches another (or `world`) through the configuration.
#[test]
fn config_is_plain_data_that_imports_no_behaviour() {
    let mut files = vec![root().join("models/src/config.rs")];
    let mut children: Vec<PathBuf> = fs::read_dir(root().join("models/src/config"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    children.sort();
    files.extend(children);
    let mut bad = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let outside = code
                .match_indices("crate::")
                .any(|(at, _)| !code[at..].starts_with("crate::config"));
            if outside || code.contains("scenarios::") {
                bad.push(format!(
                    "{}:{}: {}",
                    relative(file),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "config must import no behaviour (only sim-core values, std and config's own modules): {bad:?}"
    );
}

/// STYLE habit 21 (and #15's "boolean arguments → named types"): no function takes two or
/// more `bool` parameters; a call like `resolve(request, false, false, ctx)` cannot be read
/// without its signature, so such flags are enums or options structs.
#[test]
fn no_function_takes_two_booleans() {
    let mut bad = Vec::new();
    for path in rust_files() {
        let text = fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("fn ") {
            let after = &rest[at + 3..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            rest = after;
            // The parameter list: from the first `(` after the name to its matching `)`.
            let Some(open) = after.find('(') else {
                break;
            };
            if name.is_empty() || after[name.len()..open].contains(['{', ';']) {
                continue;
            }
            let mut depth = 0usize;
            let mut end = open;
            for (i, c) in after[open..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    end = open + i;
                    break;
                }
            }
            let parameters = &after[open + 1..end];
            let booleans = parameters.matches(": bool").count();
            if booleans >= 2 {
                bad.push(format!(
                    "{}: fn {name} takes {booleans} bools",
                    relative(&path)
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "name the flags (an enum or an options struct) instead of passing bools: {bad:?}"
    );
}
