//! Files a scenario refers to (`{"kind": "empirical", "file": "db-latency.csv"}`), and where
//! their contents come from.
//!
//! This crate does no I/O, so whoever parses a scenario says how a name becomes bytes: a
//! `FileSource` in `LoadOptions::files`. The CLI's reads the disk relative to the scenario
//! file; `InMemory` serves a map (tests, programs that embed scenarios); and every source
//! should answer a catalog scenario (origin `catalog:NAME`) with the files embedded beside
//! it in `library/`, which `catalog_file` looks up. The default `Files` does only that, so
//! the catalog loads with default options.
//!
//! A parse asks for each name once and lists what it read, with the bytes, in
//! `Scenario::files` (in the order first referenced), so a caller can hash exactly what a
//! run used.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Where the files a scenario names come from.
pub trait FileSource: Send + Sync {
    /// The contents of the file `name`, as written in the scenario whose origin (the string
    /// given to `parse`: a path or `catalog:NAME`) is `origin`. A relative `name` is relative
    /// to the directory that holds the scenario.
    fn read(&self, origin: &str, name: &str) -> Result<FileContents, FileError>;
}

/// What a `FileSource` read.
#[derive(Clone, PartialEq, Eq)]
pub struct FileContents {
    /// Where it was found, for messages and records (a path, or `catalog:NAME/FILE`).
    pub location: String,
    /// The bytes, shared so that a scenario and its records hold one copy.
    pub bytes: Arc<[u8]>,
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {reason}")]
pub struct FileError {
    /// Where the source looked (a path, or the name as written).
    pub location: String,
    /// What went wrong, e.g. "No such file or directory (os error 2)".
    pub reason: String,
}

/// A file a scenario read: its name as written, where it was found and what it held.
#[derive(Clone, PartialEq, Eq)]
pub struct ScenarioFile {
    /// The name as written in the scenario.
    pub name: String,
    /// Where it was found.
    pub location: String,
    /// The bytes read.
    pub bytes: Arc<[u8]>,
}

/// A shared `FileSource`, the `files` of `LoadOptions`. The default reads only the catalog's
/// embedded files.
#[derive(Clone, Default)]
pub struct Files(Option<Arc<dyn FileSource>>);

/// Serves files from memory by name, whatever the origin (and a catalog scenario's own
/// files, as every source should).
///
/// ```
/// let files = scenarios::files::InMemory::new([("db.csv", "latency_ms\n3\n5\n")]);
/// let text = r#"{"name": "t", "duration": "1s",
///   "clients": [{"name": "web", "target": "db", "arrival": {"kind": "poisson", "rate_per_s": 10}}],
///   "services": [{"name": "db", "service_time": {"kind": "empirical", "file": "db.csv"}}]}"#;
/// let options = scenarios::LoadOptions { files: scenarios::Files::new(files), ..Default::default() };
/// let scenario = scenarios::parse(text, "t.json", &options).unwrap();
/// assert_eq!(scenario.files[0].location, "db.csv");
/// assert_eq!(scenario.world.services[0].service_time.mean_nanos(), 4e6);
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemory {
    files: BTreeMap<String, Arc<[u8]>>,
}

impl Files {
    /// A handle on `source`.
    pub fn new(source: impl FileSource + 'static) -> Files {
        Files(Some(Arc::new(source)))
    }

    /// Reads `name` for the scenario `origin` through the source (see `FileSource::read`).
    pub fn read(&self, origin: &str, name: &str) -> Result<FileContents, FileError> {
        match &self.0 {
            Some(source) => source.read(origin, name),
            None => catalog_file(origin, name).unwrap_or_else(|| {
                Err(FileError {
                    location: name.to_string(),
                    reason: "no files can be read here: the scenarios library does no I/O, so the caller must pass a `FileSource` in `LoadOptions::files` (the faultline CLI does)".to_string(),
                })
            }),
        }
    }
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(_) => f.write_str("Files(custom)"),
            None => f.write_str("Files(catalog only)"),
        }
    }
}

impl PartialEq for Files {
    /// Two handles are equal when they share one source (or are both the default).
    fn eq(&self, other: &Files) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl InMemory {
    /// A source holding `files`, each a name and its contents.
    pub fn new<N: Into<String>, B: AsRef<[u8]>>(files: impl IntoIterator<Item = (N, B)>) -> Self {
        InMemory {
            files: files
                .into_iter()
                .map(|(name, bytes)| (name.into(), Arc::from(bytes.as_ref())))
                .collect(),
        }
    }
}

impl FileSource for InMemory {
    fn read(&self, origin: &str, name: &str) -> Result<FileContents, FileError> {
        if let Some(found) = catalog_file(origin, name) {
            return found;
        }
        self.files
            .get(name)
            .map(|bytes| FileContents {
                location: name.to_string(),
                bytes: Arc::clone(bytes),
            })
            .ok_or_else(|| FileError {
                location: name.to_string(),
                reason: format!(
                    "no such file among the {} given ({})",
                    self.files.len(),
                    self.files.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
    }
}

/// The file `name` embedded beside the catalog scenario `origin` (`catalog:NAME`): `None`
/// when `origin` is not a catalog scenario, an error when the catalog has no such file.
pub fn catalog_file(origin: &str, name: &str) -> Option<Result<FileContents, FileError>> {
    let entry = crate::catalog::find(origin.strip_prefix("catalog:")?)?;
    let location = format!("{}/{name}", entry.origin());
    Some(
        entry
            .files
            .iter()
            .find(|file| file.name == name)
            .map(|file| FileContents {
                location: location.clone(),
                bytes: Arc::from(file.text.as_bytes()),
            })
            .ok_or_else(|| FileError {
                location,
                reason: "the catalog embeds no such file".to_string(),
            }),
    )
}

impl fmt::Debug for FileContents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileContents")
            .field("location", &self.location)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

impl fmt::Debug for ScenarioFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScenarioFile")
            .field("name", &self.name)
            .field("location", &self.location)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}
