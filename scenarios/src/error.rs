//! `ScenarioError`: every way a scenario can be refused, each naming the file and the JSON path.
//!
//! Messages read `ORIGIN: PATH: WHAT (got VALUE); HOW TO FIX`, for example
//! `scenarios/library/mm1.json: services[0] (api).workers: must be at least 1 (got 0); …`.
//! A path names array elements by index and, when the element has a valid `name`, by that name
//! too (`services[0] (api)`), so a reader finds the spot whichever they count by.
//! This module also owns the conversion of serde's errors into these variants and the
//! "did you mean" suggestions (strsim). It does not decide what is valid: `validate` does.

use std::fmt;

use serde_json::Value;

mod locate;

/// A line and column in the scenario text (both from 1), as serde_json reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line number, from 1.
    pub line: usize,
    /// Column number, from 1.
    pub column: usize,
}

/// Why a scenario text, variant or override was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// Occurs when the text is not valid JSON (or nests deeper than serde_json allows).
    #[error(
        "{origin}: {position}: invalid JSON: {message}{}",
        syntax_hint(message)
    )]
    Syntax {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Where the parser stopped.
        position: Position,
        /// What the parser expected.
        message: String,
    },
    /// Occurs when one JSON object has the same key twice (JSON parsers would keep only one).
    #[error(
        "{origin}: {}: duplicate key `{}` in one object{}; keep only one",
        at(path),
        shortened(key),
        near(position)
    )]
    DuplicateKey {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the repeated key.
        path: String,
        /// The repeated key.
        key: String,
        /// Where the second occurrence ends.
        position: Option<Position>,
    },
    /// Occurs when a value has the wrong JSON type (e.g. a number where a duration string goes).
    #[error(
        "{origin}: {}: {message}{}{}",
        at(path),
        near(position),
        type_hint(message)
    )]
    Type {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the offending value.
        path: String,
        /// What was found and what was expected.
        message: String,
        /// Where, when the error came straight from the file's text.
        position: Option<Position>,
    },
    /// Occurs when a required field is absent.
    #[error(
        "{origin}: {}: missing field `{}`{}",
        at(path),
        shortened(field),
        near(position)
    )]
    MissingField {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the object that lacks the field (empty for the top level).
        path: String,
        /// The missing field.
        field: String,
        /// Where, when the error came straight from the file's text.
        position: Option<Position>,
    },
    /// Occurs when an object has a field the format does not define (often a typo), or when a
    /// variant or `--set` removes one with `null` (the origin then notes that change).
    #[error(
        "{origin}: {}: unknown field `{}`; {}",
        at(path),
        shortened(field),
        suggest_or_expected(suggestion, expected)
    )]
    UnknownField {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the unknown field itself.
        path: String,
        /// The unknown field's name.
        field: String,
        /// The fields allowed at that spot.
        expected: Vec<String>,
        /// The nearest allowed field, when one is close.
        suggestion: Option<String>,
    },
    /// Occurs when a `kind` or another fixed-choice string (jitter, balancer, ...) is not one
    /// of the choices.
    #[error(
        "{origin}: {}: `{}` is not one of {}{}",
        at(path),
        shortened(found),
        backquoted(expected),
        suggest(suggestion)
    )]
    UnknownKind {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the string.
        path: String,
        /// The string as given.
        found: String,
        /// The allowed choices.
        expected: Vec<String>,
        /// The nearest choice, when one is close.
        suggestion: Option<String>,
    },
    /// Occurs when a value has the right type but breaks a rule (a range, an ordering, a sum).
    #[error("{origin}: {}: {rule} (got {got}); {hint}", at(path))]
    BadValue {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the offending value.
        path: String,
        /// The rule it breaks, e.g. "must be at least 1".
        rule: String,
        /// The value as given.
        got: String,
        /// How to fix it, or why the rule exists.
        hint: String,
    },
    /// Occurs when two named parts (clients, services, the database, the election, the quorum
    /// store, queues) share a name.
    #[error("{origin}: {}: the name `{}` is already used by {first}; names must be unique across clients, services, the database, the election, the quorum store and queues, since calls and faults name any of them", at(path), shortened(name))]
    DuplicateName {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the second use.
        path: String,
        /// The shared name.
        name: String,
        /// Path of the first use.
        first: String,
    },
    /// Occurs when a client's `target` names no service, or an SLO's `client` names no client.
    #[error(
        "{origin}: {}: no {wanted} named `{}`{}",
        at(path),
        shortened(name),
        suggest_or_list(suggestion, available)
    )]
    UnknownReference {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of the reference.
        path: String,
        /// What the reference must name.
        wanted: Referent,
        /// The name as given.
        name: String,
        /// The names that exist.
        available: Vec<String>,
        /// The nearest existing name, when one is close.
        suggestion: Option<String>,
    },
    /// Occurs when a file the scenario names (a CSV of samples) cannot be read, or a line of
    /// it is not what the distribution needs.
    #[error("{origin}: {}: {file}{}: {problem}; {hint}", at(path), on_line(line))]
    File {
        /// File path or `catalog:NAME` of the scenario.
        origin: String,
        /// Path of the key that names the file (`services[0] (db).service_time.file`).
        path: String,
        /// Where the file was looked for or found.
        file: String,
        /// The line of the file at fault (from 1), if one is (`u32` keeps the variant within
        /// clippy's error size; a file past 4 billion lines is refused long before).
        line: Option<u32>,
        /// What is wrong.
        problem: String,
        /// How to fix it (static, which keeps this variant within clippy's error size).
        hint: &'static str,
    },
    /// Occurs when `--variant` names a variant the file does not define.
    #[error(
        "{origin}: no variant named `{}`{}",
        shortened(name),
        suggest_or_list(suggestion, available)
    )]
    UnknownVariant {
        /// File path or `catalog:NAME`.
        origin: String,
        /// The variant asked for.
        name: String,
        /// The variants the file defines, in file order.
        available: Vec<String>,
        /// The nearest variant name, when one is close.
        suggestion: Option<String>,
    },
    /// Occurs when a scenario cannot run within its `limits`: what it needs, estimated before
    /// the run (its per-second series and fixed state against `limits.memory_max`, its
    /// arrivals against `limits.events_max`), is beyond one. The run guard would stop it,
    /// so it is refused before it starts (the CLI exits 3, as for a guard).
    #[error(
        "{origin}: {}: {estimate}, beyond `{limit}` ({allowed}); {hint}",
        at(path)
    )]
    BeyondLimit {
        /// File path or `catalog:NAME`.
        origin: String,
        /// Path of what makes the estimate large (`duration`, `clients`).
        path: &'static str,
        /// The limit, as a path (`limits.memory_max`).
        limit: &'static str,
        /// The limit's value, in words (`2 GiB`).
        allowed: String,
        /// The estimate, in words, with how it was made.
        estimate: String,
        /// How to fix it: what to shorten, or how to raise the limit (static, which keeps
        /// this variant within clippy's error size).
        hint: &'static str,
    },
    /// Occurs when a variant entry or a `--set PATH=VALUE` cannot be applied: malformed, a
    /// path into a non-object, or an array element that does not exist (in an absent array
    /// too).
    #[error("{origin}: {setting}: {reason}{}", suggest(suggestion))]
    BadOverride {
        /// File path or `catalog:NAME` (`command line` for a malformed `--set`).
        origin: String,
        /// Which setting: `--set PATH` or `variants.NAME["PATH"]`.
        setting: String,
        /// What is wrong.
        reason: String,
        /// The nearest existing name, when one is close.
        suggestion: Option<String>,
    },
}

impl ScenarioError {
    /// The file path or `catalog:NAME` the error is about (with any variant and `--set`s noted).
    pub fn origin(&self) -> &str {
        match self {
            ScenarioError::Syntax { origin, .. }
            | ScenarioError::DuplicateKey { origin, .. }
            | ScenarioError::Type { origin, .. }
            | ScenarioError::MissingField { origin, .. }
            | ScenarioError::UnknownField { origin, .. }
            | ScenarioError::UnknownKind { origin, .. }
            | ScenarioError::BadValue { origin, .. }
            | ScenarioError::DuplicateName { origin, .. }
            | ScenarioError::UnknownReference { origin, .. }
            | ScenarioError::UnknownVariant { origin, .. }
            | ScenarioError::File { origin, .. }
            | ScenarioError::BeyondLimit { origin, .. }
            | ScenarioError::BadOverride { origin, .. } => origin,
        }
    }

    /// The JSON path of the offending value, for the variants that point into the document.
    pub fn path(&self) -> Option<&str> {
        match self {
            ScenarioError::DuplicateKey { path, .. }
            | ScenarioError::Type { path, .. }
            | ScenarioError::MissingField { path, .. }
            | ScenarioError::UnknownField { path, .. }
            | ScenarioError::UnknownKind { path, .. }
            | ScenarioError::BadValue { path, .. }
            | ScenarioError::DuplicateName { path, .. }
            | ScenarioError::File { path, .. }
            | ScenarioError::UnknownReference { path, .. } => Some(path),
            ScenarioError::BeyondLimit { path, .. } => Some(path),
            ScenarioError::Syntax { .. }
            | ScenarioError::UnknownVariant { .. }
            | ScenarioError::BadOverride { .. } => None,
        }
    }
}

impl ScenarioError {
    /// Whether the scenario is refused because it cannot run within its limits
    /// (`BeyondLimit`): a run guard tripped before the run, not a mistake in the file's form.
    pub fn is_guard(&self) -> bool {
        matches!(self, ScenarioError::BeyondLimit { .. })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// What a name in the scenario refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Referent {
    /// A client's `target`.
    Service,
    /// An SLO's `client`.
    Client,
    /// A fault's, link's or clock's endpoint: a service, `service[replica]`, or a client.
    Endpoint,
    /// A `"zone:NAME"` fault target: a zone some service lists in `zones`.
    Zone,
    /// A worker pool's caller: a client or a calling service.
    Caller,
    /// An SLO's `class`: one of its client's request classes.
    Class,
}

impl fmt::Display for Referent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Referent::Service => "service",
            Referent::Client => "client",
            Referent::Endpoint => "service or client",
            Referent::Zone => "zone",
            Referent::Caller => "client or service",
            Referent::Class => "request class",
        })
    }
}

/// A JSON path under construction, rendered as `services[0] (api).service_time.of[1].dist`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The document itself.
    pub(crate) fn root() -> Path {
        Path(String::new())
    }

    /// The value under object key `key`.
    pub(crate) fn key(&self, key: &str) -> Path {
        if self.0.is_empty() {
            Path(key.to_string())
        } else {
            Path(format!("{}.{key}", self.0))
        }
    }

    /// Array element `index`, labelled with its `name` when that is a valid name.
    pub(crate) fn element(&self, index: usize, name: Option<&str>) -> Path {
        match name.filter(|n| crate::name::name_problem(n).is_none()) {
            Some(name) => Path(format!("{}[{index}] ({name})", self.0)),
            None => Path(format!("{}[{index}]", self.0)),
        }
    }

    /// The rendered path.
    pub(crate) fn text(&self) -> String {
        self.0.clone()
    }
}

/// The nearest of `candidates` to `found`, if it is close enough to be a likely typo.
///
/// Damerau–Levenshtein distance catches typos and transpositions (`wokers`, `wbe`); the
/// allowance grows with length (1 edit per 3 characters, at least 1, at most 3) so that
/// short names do not match everything. Jaro–Winkler ≥ 0.85 then catches prefixes and
/// truncations (`service` → `service_time`, `retry` → `retries`). Ties go to the earlier candidate, so the answer
/// is deterministic.
pub(crate) fn nearest<'a>(found: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Distances are O(n·m) in memory; a long string is not a typo of a short name anyway.
    if found.is_empty() || found.chars().count() > 64 {
        return None;
    }
    let lowered = found.to_lowercase();
    let allowance = (found.chars().count() / 3).clamp(1, 3);
    let by_edits = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lowered, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= allowance)
        .min_by_key(|(d, _)| *d);
    if let Some((_, c)) = by_edits {
        return Some(c);
    }
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&lowered, &c.to_lowercase());
        if score >= 0.85 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Quotes a user's string for a message, shortened so a huge value cannot flood the terminal.
pub(crate) fn quoted(text: &str) -> String {
    const SHOWN_MAX: usize = 60;
    if text.chars().count() <= SHOWN_MAX {
        format!("\"{text}\"")
    } else {
        let head: String = text.chars().take(SHOWN_MAX).collect();
        format!("\"{head}…\"")
    }
}

/// Where the names of the elements on an error's path are read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Within<'a> {
    /// A document held as a value (after a variant or `--set` changed it).
    Document(&'a Value),
    /// The scenario text, re-read along the path only (`locate`): the file as written is never
    /// held as a value, which cost tens of times its size.
    Text(&'a str),
}

/// Converts a serde error met while deserializing a document into a `ScenarioError`, with the
/// path rendered by `Path` (element names read `within` the document).
pub(crate) fn from_serde(
    origin: &str,
    error: serde_path_to_error::Error<serde_json::Error>,
    within: Within<'_>,
) -> ScenarioError {
    let path = match within {
        Within::Document(document) => render(error.path(), document),
        Within::Text(text) => render_names(error.path(), locate::names_along(error.path(), text)),
    };
    let inner = error.inner();
    let position = (inner.line() > 0).then_some(Position {
        line: inner.line(),
        column: inner.column(),
    });
    let message = without_position(inner);
    let origin = origin.to_string();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = split_unknown(rest);
        let names: Vec<&str> = expected.iter().map(String::as_str).collect();
        let suggestion = nearest(&field, &names).map(str::to_string);
        // serde_path_to_error records the key it failed on; make sure the path ends there.
        let ends_at_field = matches!(
            error.path().iter().next_back(),
            Some(serde_path_to_error::Segment::Map { key }) if *key == field
        );
        let path = if ends_at_field {
            path
        } else {
            path.key(&field)
        };
        return ScenarioError::UnknownField {
            origin,
            path: path.text(),
            field,
            expected,
            suggestion,
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (found, expected) = split_unknown(rest);
        let names: Vec<&str> = expected.iter().map(String::as_str).collect();
        let suggestion = nearest(&found, &names).map(str::to_string);
        return ScenarioError::UnknownKind {
            origin,
            path: path.text(),
            found,
            expected,
            suggestion,
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`').to_string();
        return ScenarioError::MissingField {
            origin,
            path: path.text(),
            field,
            position,
        };
    }
    let message = message.replace("expected f64", "expected a number");
    ScenarioError::Type {
        origin,
        path: path.text(),
        message,
        position,
    }
}

/// Renders a serde path, naming its array elements by `names` (one per element, in order).
fn render_names(path: &serde_path_to_error::Path, names: Vec<Option<String>>) -> Path {
    let mut names = names.into_iter();
    let mut rendered = Path::root();
    for segment in path {
        rendered = match segment {
            serde_path_to_error::Segment::Seq { index } => {
                rendered.element(*index, names.next().flatten().as_deref())
            }
            serde_path_to_error::Segment::Map { key } => rendered.key(key),
            serde_path_to_error::Segment::Enum { variant } => rendered.key(variant),
            serde_path_to_error::Segment::Unknown => rendered.key("?"),
        };
    }
    rendered
}

/// Renders a serde path, naming array elements from `document` where it can.
pub(crate) fn render(path: &serde_path_to_error::Path, document: &Value) -> Path {
    let mut rendered = Path::root();
    let mut here = Some(document);
    for segment in path {
        match segment {
            serde_path_to_error::Segment::Seq { index } => {
                let element = here.and_then(|v| v.get(*index));
                let name = element.and_then(|e| e.get("name")).and_then(Value::as_str);
                rendered = rendered.element(*index, name);
                here = element;
            }
            serde_path_to_error::Segment::Map { key } => {
                rendered = rendered.key(key);
                here = here.and_then(|v| v.get(key));
            }
            serde_path_to_error::Segment::Enum { variant } => {
                rendered = rendered.key(variant);
            }
            serde_path_to_error::Segment::Unknown => {
                rendered = rendered.key("?");
                here = None;
            }
        }
    }
    rendered
}

/// serde_json's message without its trailing " at line L column C" (kept in `Position`).
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// Splits serde's "`name`, expected one of `a`, `b`" (after "unknown field `") into the name
/// and the backquoted alternatives.
fn split_unknown(rest: &str) -> (String, Vec<String>) {
    let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    (name.to_string(), expected)
}

/// A path as a message shows it: "top level" for the document itself, others `clip`ped.
fn at(path: &str) -> std::borrow::Cow<'_, str> {
    if path.is_empty() {
        "top level".into()
    } else {
        clip(path)
    }
}

/// Text from the input as a message shows it: longer than any path or setting the format
/// has (a key of a megabyte, a path 200,000 segments deep), it is shortened in its middle,
/// so the message stays a line.
pub(crate) fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    const HEAD: usize = 120;
    const TAIL: usize = 80;
    // Counting stops early: a megabyte of text is not walked to its end.
    if text.chars().nth(HEAD + TAIL).is_none() {
        return text.into();
    }
    let head: String = text.chars().take(HEAD).collect();
    let mut tail: Vec<char> = text.chars().rev().take(TAIL).collect();
    tail.reverse();
    let tail: String = tail.into_iter().collect();
    format!("{head}…{tail}").into()
}

/// How to fix a JSON syntax error, by serde_json's message (empty when there is nothing
/// better to say than the message itself).
fn syntax_hint(message: &str) -> &'static str {
    const HINTS: [(&str, &str); 8] = [
        (
            "trailing comma",
            "; remove the comma before the closing bracket",
        ),
        (
            "key must be a string",
            "; keys are written in double quotes (\"name\"), and JSON has no comments",
        ),
        (
            "EOF while parsing",
            "; the text ends before the JSON does: a `}` or `]` is missing",
        ),
        (
            "trailing characters",
            "; remove what follows the scenario's closing `}`",
        ),
        (
            "recursion limit exceeded",
            "; JSON nested more than 128 levels deep is refused",
        ),
        (
            "control character",
            "; write tabs and line breaks inside strings as \\t and \\n",
        ),
        (
            "expected value",
            "; a value is missing or malformed here (JSON has no comments, NaN or single quotes)",
        ),
        (
            "expected `,` or",
            "; a comma is missing between two entries",
        ),
    ];
    HINTS
        .iter()
        .find(|(found, _)| message.contains(found))
        .map_or("", |(_, hint)| hint)
}

/// How to fix a value of the wrong JSON type, by serde's message: `"4"` where a number goes,
/// a bare number where a duration goes, one value where a list goes.
fn type_hint(message: &str) -> String {
    let numeric =
        message.contains("expected a number") || message.contains("expected a whole number");
    if let (true, Some(rest)) = (numeric, message.strip_prefix("invalid type: string \"")) {
        if let Some((value, _)) = rest.split_once('"') {
            if value.trim().parse::<f64>().is_ok() {
                return format!("; drop the quotes: {}", value.trim());
            }
        }
        return "; write a number".to_string();
    }
    if message.contains("expected a duration string") {
        for prefix in ["invalid type: integer `", "invalid type: floating point `"] {
            if let Some((value, _)) = message.strip_prefix(prefix).and_then(|r| r.split_once('`')) {
                return format!(
                    "; a duration is a string with a unit: \"{value}s\" or \"{value}ms\""
                );
            }
        }
    }
    if message.contains("expected a sequence") {
        return "; write a list: [ ... ]".to_string();
    }
    if message.contains("expected a string") {
        return "; write it in double quotes".to_string();
    }
    String::new()
}

fn on_line(line: &Option<u32>) -> String {
    line.map(|l| format!(" line {l}")).unwrap_or_default()
}

fn near(position: &Option<Position>) -> String {
    position.map(|p| format!(" ({p})")).unwrap_or_default()
}

fn suggest(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn suggest_or_expected(suggestion: &Option<String>, expected: &[String]) -> String {
    match (suggestion, expected) {
        (Some(s), _) => format!("did you mean `{s}`?"),
        (None, []) => "no fields are allowed here".to_string(),
        (None, [one]) => format!("the only field here is `{one}`"),
        (None, many) => format!("expected one of {}", backquoted(many)),
    }
}

fn suggest_or_list(suggestion: &Option<String>, available: &[String]) -> String {
    match (suggestion, available) {
        (Some(s), _) => format!("; did you mean `{s}`?"),
        (None, []) => "; there are none".to_string(),
        (None, names) => format!("; the names are {}", backquoted(names)),
    }
}

/// The most names a message lists; the rest are counted ("and 999980 more"), so a file with
/// a million clients cannot make a megabyte of error message.
pub(crate) const LISTED_MAX: usize = 20;

fn backquoted(names: &[String]) -> String {
    let mut listed = names
        .iter()
        .take(LISTED_MAX)
        .map(|n| format!("`{}`", shortened(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LISTED_MAX {
        listed.push_str(&format!(" and {} more", names.len() - LISTED_MAX));
    }
    listed
}

/// A name as a message shows it: at most 64 characters (longer names are refused anyway).
fn shortened(name: &str) -> std::borrow::Cow<'_, str> {
    const SHOWN_MAX: usize = 64;
    match name.char_indices().nth(SHOWN_MAX) {
        Some((cut, _)) => format!("{}…", &name[..cut]).into(),
        None => name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_catches_typos_and_transpositions_but_not_strangers() {
        let fields = [
            "name",
            "replicas",
            "workers",
            "queue",
            "balancer",
            "service_time",
        ];
        assert_eq!(nearest("wokers", &fields), Some("workers"));
        assert_eq!(nearest("Workers", &fields), Some("workers"));
        assert_eq!(nearest("service", &fields), Some("service_time"));
        assert_eq!(nearest("wbe", &["web", "api"]), Some("web"));
        assert_eq!(nearest("apu", &["web", "api"]), Some("api"));
        assert_eq!(nearest("zzz", &["web", "api"]), None);
        assert_eq!(nearest(&"x".repeat(10_000), &["web"]), None);
    }

    #[test]
    fn serde_unknown_lists_are_split() {
        let (field, expected) = split_unknown("wokers`, expected one of `name`, `workers`");
        assert_eq!(field, "wokers");
        assert_eq!(expected, ["name", "workers"]);
        let (found, expected) = split_unknown("rr`, expected `round_robin` or `random`");
        assert_eq!(found, "rr");
        assert_eq!(expected, ["round_robin", "random"]);
        let (field, expected) = split_unknown("x`, there are no fields");
        assert_eq!(field, "x");
        assert!(expected.is_empty());
    }

    #[test]
    fn paths_render_indexes_and_valid_names() {
        let p = Path::root()
            .key("services")
            .element(0, Some("api"))
            .key("workers");
        assert_eq!(p.text(), "services[0] (api).workers");
        let p = Path::root()
            .key("services")
            .element(2, Some("bad name!"))
            .key("workers");
        assert_eq!(p.text(), "services[2].workers");
    }

    #[test]
    fn long_values_are_shortened() {
        assert_eq!(quoted("abc"), "\"abc\"");
        assert!(quoted(&"y".repeat(500)).ends_with("…\""));
    }
}
