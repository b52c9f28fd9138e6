//! Writing output files safely: to a temporary file beside the target, then renamed over it,
//! so an interrupted write never leaves a half-written file where a good one was.
//!
//! A report is several files (report.html, report.md, results.json, plots/*.svg) that must
//! agree, so `publish` writes a whole set at once: every file goes first into
//! `DIR/.staging/`, then a `READY` manifest (written atomically) lists them and the stale
//! files to delete, and only then are they moved into place, each by a rename. A crash
//! before `READY` leaves the old report untouched (the next publish discards the staging
//! folder); a crash after it is rolled forward by the next publish into `DIR` (or the next
//! multi-run command writing there), which finishes the moves. So a report folder is never
//! left half old, half new: it is the old report until the renames, which take
//! microseconds, and the new one after.

use std::io::Write;
use std::path::Path;

use crate::error::CliError;

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |source: std::io::Error| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory).map_err(fail)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(fail)
}

/// A JSON value as a command prints it: pretty, with a trailing newline.
pub fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    text
}

/// The staging folder inside a folder being published.
const STAGING: &str = ".staging";

/// The manifest that marks a staging folder complete.
const READY: &str = "READY";

/// What a complete staging folder moves into place.
#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    /// Files to move, relative to the folder.
    files: Vec<String>,
    /// Stale files of the old report to delete, relative to the folder.
    remove: Vec<String>,
}

/// Writes `files` (relative path, bytes) into `dir` as one set: either all of them replace
/// the old ones or none does (see the module doc). Files of the old set under the
/// sub-folders named in `prune` (e.g. `plots`) that the new set lacks are deleted with it.
pub fn publish(dir: &Path, files: &[(String, Vec<u8>)], prune: &[&str]) -> Result<(), CliError> {
    publish_replacing(dir, files, prune, &[])
}

/// `publish`, also deleting the files `stale` names (relative to `dir`, e.g. an earlier
/// explore's records) with the old set, unless the new set has them.
pub fn publish_replacing(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    prune: &[&str],
    stale: &[String],
) -> Result<(), CliError> {
    // The `--max-wall` watchdog waits for a publication to end before it stops the process.
    crate::interrupt::critical(|| publish_now(dir, files, prune, stale))
}

/// `publish_replacing`'s work.
fn publish_now(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    prune: &[&str],
    stale: &[String],
) -> Result<(), CliError> {
    recover(dir)?;
    let staging = dir.join(STAGING);
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| CliError::Write { path, source }
    };
    std::fs::create_dir_all(&staging).map_err(fail(&staging))?;
    for (name, bytes) in files {
        let path = staging.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail(parent))?;
        }
        let mut file = std::fs::File::create(&path).map_err(fail(&path))?;
        file.write_all(bytes).map_err(fail(&path))?;
        file.sync_all().map_err(fail(&path))?;
    }
    let mut remove = Vec::new();
    for sub in prune {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut old: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| format!("{sub}/{}", e.file_name().to_string_lossy()))
            .filter(|name| !files.iter().any(|(new, _)| new == name))
            .collect();
        old.sort();
        remove.extend(old);
    }
    remove.extend(
        stale
            .iter()
            .filter(|name| !files.iter().any(|(new, _)| new == *name))
            .cloned(),
    );
    let manifest = Manifest {
        files: files.iter().map(|(name, _)| name.clone()).collect(),
        remove,
    };
    let text = serde_json::to_string(&manifest).expect("a manifest serializes");
    write_atomic(&staging.join(READY), text.as_bytes())?;
    recover(dir)
}

/// Finishes or discards an interrupted `publish` into `dir`: a staging folder with its
/// `READY` manifest is moved into place, one without it is deleted.
pub fn recover(dir: &Path) -> Result<(), CliError> {
    let staging = dir.join(STAGING);
    if !staging.exists() {
        return Ok(());
    }
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| CliError::Write { path, source }
    };
    let ready = staging.join(READY);
    if let Ok(text) = std::fs::read_to_string(&ready) {
        if let Ok(manifest) = serde_json::from_str::<Manifest>(&text) {
            for name in &manifest.remove {
                let _ = std::fs::remove_file(dir.join(name));
            }
            for name in &manifest.files {
                let (from, to) = (staging.join(name), dir.join(name));
                if !from.exists() {
                    continue; // Moved before the interruption.
                }
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent).map_err(fail(parent))?;
                }
                std::fs::rename(&from, &to).map_err(fail(&to))?;
            }
        }
    }
    std::fs::remove_dir_all(&staging).map_err(fail(&staging))
}

/// Writes report.html, report.md, results.json and plots/*.svg into `dir`, all at once
/// (`output::publish`: never half old, half new).
pub fn write_report(dir: &Path, report: &reports::report::Report) -> Result<(), CliError> {
    let mut files: Vec<(String, Vec<u8>)> = report
        .figures
        .iter()
        .map(|figure| {
            (
                format!("plots/{}.svg", figure.name),
                figure.svg.as_bytes().to_vec(),
            )
        })
        .collect();
    files.push((
        "results.json".to_string(),
        report.findings.to_json().into_bytes(),
    ));
    files.push((
        "report.md".to_string(),
        reports::report::markdown(report).into_bytes(),
    ));
    files.push((
        "report.html".to_string(),
        reports::html::html(report).into_bytes(),
    ));
    publish(dir, &files, &["plots"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn publish_replaces_a_whole_set_and_prunes_stale_plots() {
        let dir = tempfile::tempdir().unwrap();
        let set = |names: &[&str], text: &str| -> Vec<(String, Vec<u8>)> {
            names
                .iter()
                .map(|n| (n.to_string(), text.as_bytes().to_vec()))
                .collect()
        };
        publish(
            dir.path(),
            &set(&["report.md", "plots/a.svg", "plots/b.svg"], "old"),
            &["plots"],
        )
        .unwrap();
        publish(
            dir.path(),
            &set(&["report.md", "plots/a.svg"], "new"),
            &["plots"],
        )
        .unwrap();
        let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
        assert_eq!(read("report.md"), "new");
        assert_eq!(read("plots/a.svg"), "new");
        assert!(
            !dir.path().join("plots/b.svg").exists(),
            "stale plot pruned"
        );
        assert!(!dir.path().join(STAGING).exists());
    }

    #[test]
    fn an_interrupted_publish_is_rolled_forward_or_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![("report.md".to_string(), b"old".to_vec())];
        publish(dir.path(), &files, &[]).unwrap();
        // Interrupted before READY: the old report stays.
        let staging = dir.path().join(STAGING);
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("report.md"), "half").unwrap();
        recover(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("report.md")).unwrap(),
            "old"
        );
        // Interrupted after READY: the next publish finishes the move first.
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join("report.md"), "new").unwrap();
        std::fs::write(
            staging.join(READY),
            r#"{"files":["report.md"],"remove":[]}"#,
        )
        .unwrap();
        recover(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("report.md")).unwrap(),
            "new"
        );
    }
}
