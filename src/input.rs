//! Finding a scenario's text: a file on disk, or a catalog scenario by name.
//!
//! This is the only place a scenario is read from disk. A path that exists wins; otherwise a
//! bare name (`retries`, `retries.json` or `scenarios/library/retries.json`) is looked up in
//! the built-in catalog, so the quick start works from any directory.

use std::path::Path;

use crate::error::CliError;

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
