//! Finding a scenario's text: a file on disk, or a catalog scenario by name; and the files
//! a scenario names.
//!
//! This is the only place a scenario, or a file it names, is read from disk. A path that
//! exists wins; otherwise a bare name (`retries`, `retries.json` or
//! `scenarios/library/retries.json`) is looked up in the built-in catalog, so the quick start
//! works from any directory.
//!
//! A file a scenario names (`{"kind": "empirical", "file": "db-latency.csv"}`) is read by
//! `Disk`, the `scenarios::FileSource` every command passes in its `LoadOptions` (`files`):
//! relative to the directory of the scenario file, whatever the current directory; for a
//! catalog scenario (`catalog:NAME`), from the files the catalog embeds beside it; for a
//! replayed record (origin `PATH (from RECORD)`, `record_origin`), beside `PATH`.

use std::path::Path;
use std::sync::Arc;

use scenarios::files::{catalog_file, FileContents, FileError};

use crate::error::CliError;

/// The `scenarios::Files` every command loads scenarios with: `Disk`.
pub fn files() -> scenarios::Files {
    scenarios::Files::new(Disk)
}

/// Reads the files a scenario names from disk, relative to the scenario's directory (see the
/// module doc).
#[derive(Clone, Copy, Debug, Default)]
pub struct Disk;

impl scenarios::FileSource for Disk {
    fn read(&self, origin: &str, name: &str) -> Result<FileContents, FileError> {
        if let Some(found) = catalog_file(origin, name) {
            return found;
        }
        let scenario = origin.split(RECORD_NOTE).next().unwrap_or(origin);
        let directory = Path::new(scenario).parent().unwrap_or(Path::new(""));
        let path = directory.join(name);
        let location = path.display().to_string();
        match std::fs::read(&path) {
            Ok(bytes) => Ok(FileContents {
                location,
                bytes: Arc::from(bytes),
            }),
            Err(error) => Err(FileError {
                location,
                reason: error.to_string(),
            }),
        }
    }
}

/// What separates a scenario's origin from the record it was replayed from.
const RECORD_NOTE: &str = " (from ";

/// The origin of a scenario replayed from the record at `record`: `ORIGIN (from RECORD)`.
/// `Disk` still reads the files it names beside `ORIGIN`.
pub fn record_origin(origin: &str, record: &Path) -> String {
    format!("{origin}{RECORD_NOTE}{})", record.display())
}

/// A scenario's text and the origin to name in messages.
#[derive(Debug, Clone)]
pub struct Source {
    /// The JSON text.
    pub text: String,
    /// The file path, or `catalog:NAME`.
    pub origin: String,
}

/// Reads `path`, falling back to the catalog scenario of the same name.
pub fn read(path: &Path) -> Result<Source, CliError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Source {
            text,
            origin: path.display().to_string(),
        }),
        Err(source) => {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if let Some(entry) = scenarios::catalog::find(stem) {
                return Ok(Source {
                    text: entry.text.to_string(),
                    origin: format!("catalog:{}", entry.name),
                });
            }
            let names: Vec<&str> = scenarios::catalog::entries()
                .iter()
                .map(|e| e.name)
                .collect();
            Err(CliError::Read {
                path: path.to_path_buf(),
                source,
                catalog: names.join(", "),
            })
        }
    }
}
