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

/// STYLE habit 1 (and #15's acceptance): data flows one way inside each crate too. No two
/// modules import each other, directly or around a longer circle. An edge is any path a
/// file names outside its tests (`crate::a::b`, `super::x`, `self::x`, or `x::` for a child
/// module `x`), resolved to the deepest module file it reaches; `mod x;` and `pub use`
/// re-exports are not edges, and a module and its own submodules count as one unit (between
/// siblings, as between any two modules, a circle is one).
#[test]
fn no_import_circles_inside_a_crate() {
    let mut circles = Vec::new();
    for source in [
        "sim-core/src",
        "models/src",
        "scenarios/src",
        "reports/src",
        "src",
    ] {
        circles.extend(import_circles(&root().join(source)));
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

/// A crate's modules: the module path of each file (`["world", "dispatch"]`), in file order.
fn crate_modules(src: &Path) -> Vec<(Vec<String>, PathBuf)> {
    let mut modules = Vec::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let mut entries: Vec<_> = fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut segments: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                segments.last().map(String::as_str),
                Some("lib" | "main" | "mod")
            ) {
                segments.pop();
            }
            // Test modules (`tests.rs`, `foo/tests.rs`) and binaries are not part of the graph.
            if segments.last().is_some_and(|s| s == "tests") || path.ends_with("main.rs") {
                continue;
            }
            modules.push((segments, path));
        }
    }
    modules.sort();
    modules
}

/// The paths (as segments from the crate root) that `code` names, seen from module `here`.
fn named_paths(code: &str, here: &[String], children: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let ident = |at: usize| -> (String, usize) {
        let end = code[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(code.len(), |n| at + n);
        (code[at..end].to_string(), end)
    };
    let mut at = 0;
    while at < code.len() {
        let starts_word = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b':');
        if !starts_word || !(bytes[at].is_ascii_alphabetic() || bytes[at] == b'_') {
            at += 1;
            continue;
        }
        let (word, end) = ident(at);
        let base: Option<Vec<String>> = match word.as_str() {
            "crate" => Some(Vec::new()),
            "super" => Some(here[..here.len().saturating_sub(1)].to_vec()),
            "self" => Some(here.to_vec()),
            w if children.iter().any(|c| c == w) && code[end..].starts_with("::") => {
                let mut path = here.to_vec();
                path.push(w.to_string());
                found.push(path);
                None
            }
            _ => None,
        };
        at = end;
        let Some(mut path) = base else { continue };
        // Follow `::segment` and `::super` steps; a `{` group adds each of its first segments.
        while code[at..].starts_with("::") {
            at += 2;
            if code[at..].starts_with('{') {
                let close = code[at..].find('}').map_or(code.len(), |n| at + n);
                for item in code[at + 1..close].split(',') {
                    let item = item.trim();
                    let first: String = item
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !first.is_empty() {
                        let mut branch = path.clone();
                        branch.push(first);
                        found.push(branch);
                    }
                }
                at = close;
                break;
            }
            let (segment, end) = ident(at);
            if segment.is_empty() {
                break;
            }
            if segment == "super" {
                path.pop();
            } else {
                path.push(segment);
            }
            at = end;
        }
        found.push(path);
    }
    found
}

/// Whether `line` declares a module or re-exports names (`mod x;`, `pub use x::Y;`): a
/// module's public face, not a use of what it names.
fn is_declaration(line: &str) -> bool {
    let line = line.trim_start();
    [
        "mod ",
        "pub mod ",
        "pub(crate) mod ",
        "pub use ",
        "pub(crate) use ",
        "pub(super) use ",
    ]
    .iter()
    .any(|start| line.starts_with(start))
}

/// The circles among `src`'s modules, each as its files.
fn import_circles(src: &Path) -> Vec<Vec<String>> {
    let modules = crate_modules(src);
    let index = |path: &[String]| -> Option<usize> {
        // The deepest module that `path` reaches (`crate::a::B` reaches module `a`).
        (0..=path.len())
            .rev()
            .find_map(|n| modules.iter().position(|(m, _)| m.as_slice() == &path[..n]))
    };
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); modules.len()];
    for (from, (here, file)) in modules.iter().enumerate() {
        let text = fs::read_to_string(file).unwrap();
        let body = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: String = body
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .filter(|line| !is_declaration(line))
            .collect::<Vec<_>>()
            .join("\n");
        let children: Vec<String> = modules
            .iter()
            .filter(|(m, _)| m.len() == here.len() + 1 && m.starts_with(here))
            .map(|(m, _)| m.last().unwrap().clone())
            .collect();
        for path in named_paths(&code, here, &children) {
            if let Some(to) = index(&path) {
                // A module and its own submodules are one unit (the parent's children are its
                // private parts), and the crate root is a facade of re-exports.
                let (a, b) = (&modules[from].0, &modules[to].0);
                let nested = a.starts_with(b) || b.starts_with(a);
                if !nested && !edges[from].contains(&to) {
                    edges[from].push(to);
                }
            }
        }
    }
    // A module's circle: the modules it reaches that reach it back.
    let reach = |start: usize| -> Vec<bool> {
        let mut seen = vec![false; modules.len()];
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            for &next in &edges[node] {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reached: Vec<Vec<bool>> = (0..modules.len()).map(reach).collect();
    let mut circles: Vec<Vec<String>> = Vec::new();
    for (a, from_a) in reached.iter().enumerate() {
        if !from_a[a] {
            continue;
        }
        let circle: Vec<String> = (0..modules.len())
            .filter(|&b| from_a[b] && reached[b][a])
            .map(|b| relative(&modules[b].1))
            .collect();
        if !circles.contains(&circle) {
            circles.push(circle);
        }
    }
    circles
}
