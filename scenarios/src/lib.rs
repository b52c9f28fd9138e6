//! scenarios: the scenario file format, from JSON text to a validated `models::WorldConfig`.
//!
//! `parse` reads the text strictly (no duplicate keys), takes out `variants`, applies the
//! chosen variant and then each `--set` override as dotted-path edits on the JSON
//! (`overrides`), deserializes it into serde structs that mirror the file (`raw`, where every
//! default is listed), and checks those into a `Scenario` (`validate`, the only way to build
//! one). Every refusal is a `ScenarioError` naming the origin, the JSON path, the value and
//! the fix; nothing here panics on any input. What is valid but probably not meant (a fault
//! inside the warm-up) is a `ScenarioWarning` in `Scenario::warnings`, data for the CLI to
//! print.
//!
//! This crate does no file I/O (the CLI reads files and passes the text and its name) and
//! runs nothing (`models` does). A file the scenario names (a CSV of measured latencies)
//! comes from the `FileSource` in `LoadOptions::files` (`files`), and `Scenario::files`
//! lists what was read. `catalog` embeds `library/*.json` and the files beside them.

#![deny(missing_docs)]

pub mod catalog;
mod csv;
pub mod error;
pub mod files;
mod name;
pub mod offered;
pub mod overrides;
pub mod raw;
pub mod schema;
pub mod topology;
mod validate;
pub mod warning;

use serde_json::Value;
use sim_core::SimDuration;

pub use error::{Position, Referent, ScenarioError};
pub use files::{FileSource, Files, ScenarioFile};
pub use overrides::Override;
pub use warning::ScenarioWarning;

/// The name of the scenario as its file says, with no variant applied: a row of every
/// comparison (its default baseline), accepted wherever a variant name is, and reserved.
pub const AS_WRITTEN: &str = "as-written";

/// A validated scenario: the world to build, its SLOs, and which variant produced it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Scenario {
    /// The scenario's `name`.
    pub name: String,
    /// The scenario's one-line `description` (empty if absent).
    pub description: String,
    /// The validated world, ready for `models`.
    pub world: models::WorldConfig,
    /// The service-level objectives, in file order.
    pub slos: Vec<Slo>,
    /// The prices of the `cost` block (all free without one): what `models::Cost` prices a
    /// run at.
    pub prices: models::Prices,
    /// The variant applied, if any.
    pub variant: Option<String>,
    /// Every variant the file defines, in file order.
    pub variants: Vec<String>,
    /// The first variant that changes nothing (`{}`), if any: the scenario as written under
    /// the name the file gives it, which `compare` shows instead of `as-written`.
    pub as_written: Option<String>,
    /// What this scenario says but probably does not mean (a fault inside the warm-up), in
    /// file order; none changes what runs.
    pub warnings: Vec<ScenarioWarning>,
    /// The files the scenario read (CSV samples, ...), in the order first referenced.
    pub files: Vec<ScenarioFile>,
}

/// A service-level objective: the fraction of a client's requests that must succeed in time.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Slo {
    /// The client it judges.
    pub client: models::ClientId,
    /// That client's name.
    pub client_name: String,
    /// The request class of that client it judges (its name); `None`: all its requests.
    pub class: Option<String>,
    /// A request is good if it succeeds within this (also one of the client's latency marks).
    pub latency_below: SimDuration,
    /// Fraction of good requests required, in `(0, 1]`.
    pub target: f64,
}

/// What to change before validating: a variant, then `--set` overrides in order; and where
/// the files the scenario names come from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOptions {
    /// The variant to apply, by name.
    pub variant: Option<String>,
    /// Overrides applied after the variant, in order.
    pub overrides: Vec<Override>,
    /// Where files named in the scenario are read (the default: a catalog scenario's own
    /// embedded files, nothing else).
    pub files: Files,
}

/// Parses and validates scenario `text`; `origin` (a file path or `catalog:NAME`) names it
/// in every error.
///
/// When an error appears only after the variant or overrides are applied, its origin reads
/// `FILE (variant V, --set P=X)`, so the user knows which change caused it; an error in the
/// file itself is reported against the plain file.
///
/// ```
/// let text = scenarios::catalog::find("mm1").unwrap().text;
/// let scenario = scenarios::parse(text, "catalog:mm1", &Default::default()).unwrap();
/// assert_eq!(scenario.world.services[0].workers, 1);
/// ```
pub fn parse(text: &str, origin: &str, options: &LoadOptions) -> Result<Scenario, ScenarioError> {
    if options.variant.is_none() && options.overrides.is_empty() {
        // The file as written is checked and typed straight from its text, never held as a
        // JSON value (which cost tens of times its size), and type errors carry a line and
        // column.
        let block = raw::check_document(text, origin)?;
        let variants = overrides::Variants::from_value(block, origin)?;
        let names = variants.names();
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let raw = typed(&mut deserializer, error::Within::Text(text), origin)?;
        let source = validate::Source {
            origin,
            files: &options.files,
        };
        let mut scenario = validate::scenario(raw, origin, source, None, names)?;
        scenario.as_written = variants.as_written();
        return Ok(scenario);
    }
    let mut document = raw::read_document(text, origin)?;
    let variants = overrides::Variants::take(&mut document, origin)?;
    let names = variants.names();
    let mut changed = Value::Object(document);
    let mut notes = Vec::new();
    if let Some(variant) = &options.variant {
        variants.apply(variant, &mut changed, origin)?;
        notes.push(format!("variant {variant}"));
    }
    for change in &options.overrides {
        change.apply(&mut changed, origin)?;
        notes.push(format!("--set {}", error::clip(&change.to_string())));
    }
    let annotated = format!("{origin} ({})", notes.join(", "));
    let source = validate::Source {
        origin,
        files: &options.files,
    };
    let result = typed(&changed, error::Within::Document(&changed), &annotated).and_then(|raw| {
        let mut scenario = validate::scenario(
            raw,
            &annotated,
            source,
            options.variant.clone(),
            names.clone(),
        )?;
        scenario.as_written = variants.as_written();
        Ok(scenario)
    });
    match result {
        Ok(scenario) => Ok(scenario),
        Err(error) => {
            // Blame the file when the file alone is already wrong (reading the same files).
            let unchanged = LoadOptions {
                files: options.files.clone(),
                ..LoadOptions::default()
            };
            let plain = parse(text, origin, &unchanged);
            Err(plain.err().unwrap_or(error))
        }
    }
}

/// The scenario's JSON after the variant and the overrides of `options` (its `variants`
/// block removed), unvalidated: what `parse` validates, for tools that rewrite part of it
/// (`faultline shrink` reads the fault list from it).
pub fn document(text: &str, origin: &str, options: &LoadOptions) -> Result<Value, ScenarioError> {
    let mut document = raw::read_document(text, origin)?;
    let variants = overrides::Variants::take(&mut document, origin)?;
    let mut changed = Value::Object(document);
    if let Some(variant) = &options.variant {
        variants.apply(variant, &mut changed, origin)?;
    }
    for change in &options.overrides {
        change.apply(&mut changed, origin)?;
    }
    Ok(changed)
}

/// The names of the variants `text` defines, in file order (checks JSON syntax and the
/// `variants` block only, not the rest of the scenario).
pub fn variant_names(text: &str, origin: &str) -> Result<Vec<String>, ScenarioError> {
    let mut document = raw::read_document(text, origin)?;
    Ok(overrides::Variants::take(&mut document, origin)?.names())
}

/// Deserializes a raw scenario, turning serde's error into a `ScenarioError` whose path names
/// elements as found `within` the document.
fn typed<'de, D>(
    deserializer: D,
    within: error::Within<'_>,
    origin: &str,
) -> Result<raw::Scenario, ScenarioError>
where
    D: serde::Deserializer<'de, Error = serde_json::Error>,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| error::from_serde(origin, e, within))
}
#[cfg(test)]
mod tests;
