//! Dotted paths: the `variants` block and `--set PATH=VALUE`, which change the JSON before
//! it is typed and validated.
//!
//! A path is segments separated by `.`. On an object a segment is a key; on an array it is
//! the `"name"` of an element (`clients.web.retry`) or a numeric index (`services.0`).
//! Missing or `null` intermediate objects are created, so `clients.web.retry.jitter=full`
//! works when `retry` is absent. Setting `null` removes the key (or the array element), so
//! the default applies; removing something already absent does nothing. Variants apply
//! first, in the file order of their keys, then `--set`s in command-line order.
//!
//! This module edits JSON; it reads the format's field names from `raw` (`schema`) but
//! leaves values to typed deserialization. A value set on a key the format lacks is refused
//! there (with a "did you mean"); `null` leaves nothing to deserialize, so a `null` path is
//! checked here against the format's fields, with the same error and suggestion (issue #13):
//! a field the format defines but the file leaves out is fine to remove, a field it does not
//! define is a typo. Here too are refused a malformed path, a path through a number or a
//! string, an element name or index that does not exist (also in an absent list), and paths
//! into `variants` itself.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{clip, nearest, quoted, Path, ScenarioError};
use crate::name::name_problem;
use crate::raw::kind_of;

mod schema;

/// One `PATH=VALUE` change, from `--set` (or a sweep point).
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// Dotted path, e.g. `services.db.workers`.
    pub path: String,
    /// The new value; `null` removes the key so that its default applies.
    pub value: Value,
}

impl Override {
    /// Reads `PATH=VALUE`: the value is JSON if it parses as JSON, else it is taken as a string.
    ///
    /// ```
    /// use scenarios::Override;
    /// assert_eq!(Override::parse("services.db.workers=4").unwrap().value, serde_json::json!(4));
    /// assert_eq!(Override::parse("clients.web.timeout=250ms").unwrap().value, serde_json::json!("250ms"));
    /// assert!(Override::parse("clients.web.retry=null").unwrap().value.is_null());
    /// ```
    pub fn parse(text: &str) -> Result<Override, ScenarioError> {
        let refuse = |reason: String| ScenarioError::BadOverride {
            origin: "command line".to_string(),
            setting: format!("--set {}", clip(text)),
            reason,
            suggestion: None,
        };
        let Some((path, value)) = text.split_once('=') else {
            return Err(refuse(
                "expected PATH=VALUE, e.g. services.api.workers=4".to_string(),
            ));
        };
        let path = path.trim();
        segments(path).map_err(refuse)?;
        let value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        Ok(Override {
            path: path.to_string(),
            value,
        })
    }

    /// Applies this change to `document`; errors name `origin` and the `--set`.
    pub(crate) fn apply(&self, document: &mut Value, origin: &str) -> Result<(), ScenarioError> {
        apply(document, &self.path, &self.value).map_err(|refusal| {
            refusal.error(
                origin,
                &format!("--set {}", clip(&self.path)),
                &format!("--set {}", clip(&self.to_string())),
            )
        })
    }
}

impl fmt::Display for Override {
    /// Prints `PATH=VALUE` as a user would type it (strings without quotes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::String(text) => write!(f, "{}={text}", self.path),
            other => write!(f, "{}={other}", self.path),
        }
    }
}

/// The `variants` block: named change sets, in file order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Variants {
    entries: Vec<(String, Map<String, Value>)>,
}

impl Variants {
    /// Removes `variants` from `document` and checks its shape, every name and every path.
    pub(crate) fn take(
        document: &mut Map<String, Value>,
        origin: &str,
    ) -> Result<Variants, ScenarioError> {
        Variants::from_value(document.shift_remove("variants"), origin)
    }

    /// Checks a `variants` block (absent: `None`), its shape, every name and every path.
    pub(crate) fn from_value(
        block: Option<Value>,
        origin: &str,
    ) -> Result<Variants, ScenarioError> {
        let root = Path::root().key("variants");
        let entries = match block {
            None | Some(Value::Null) => return Ok(Variants::default()),
            Some(Value::Object(entries)) => entries,
            Some(other) => {
                return Err(ScenarioError::Type {
                    origin: origin.to_string(),
                    path: root.text(),
                    message: format!(
                        "expected an object mapping variant names to changes, found {}",
                        kind_of(&other)
                    ),
                    position: None,
                })
            }
        };
        let mut variants = Variants::default();
        for (name, changes) in entries {
            if let Some(rule) = name_problem(&name) {
                return Err(ScenarioError::BadValue {
                    origin: origin.to_string(),
                    path: root.text(),
                    rule: format!("has a variant name that {rule}"),
                    got: quoted(&name),
                    hint: "variant names are typed after --variant and in comma-separated lists; use letters, digits, `-` and `_`".to_string(),
                });
            }
            if name == crate::AS_WRITTEN {
                return Err(ScenarioError::BadValue {
                    origin: origin.to_string(),
                    path: root.text(),
                    rule: "has a variant named like the scenario as written, a reserved name".to_string(),
                    got: quoted(&name),
                    hint: format!("`{}` names the scenario with no variant in `compare`; rename this variant (a variant with no changes, `{{}}`, stands for the scenario as written)", crate::AS_WRITTEN),
                });
            }
            let Value::Object(changes) = changes else {
                return Err(ScenarioError::Type {
                    origin: origin.to_string(),
                    path: root.key(&name).text(),
                    message: format!(
                        "expected an object of changes such as {{\"services.api.workers\": 2}}, found {}",
                        kind_of(&changes)
                    ),
                    position: None,
                });
            };
            for path in changes.keys() {
                segments(path)
                    .map_err(|reason| variant_error(origin, &name, path, Refusal::plain(reason)))?;
            }
            variants.entries.push((name, changes));
        }
        Ok(variants)
    }

    /// The first variant that changes nothing: the scenario as written, under its own name.
    pub(crate) fn as_written(&self) -> Option<String> {
        self.entries
            .iter()
            .find(|(_, changes)| changes.is_empty())
            .map(|(name, _)| name.clone())
    }

    /// Variant names in file order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.entries.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Applies variant `name` to `document`, or says which variants exist.
    pub(crate) fn apply(
        &self,
        name: &str,
        document: &mut Value,
        origin: &str,
    ) -> Result<(), ScenarioError> {
        let Some((_, changes)) = self.entries.iter().find(|(n, _)| n == name) else {
            let names = self.names();
            let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(ScenarioError::UnknownVariant {
                origin: origin.to_string(),
                name: name.to_string(),
                suggestion: nearest(name, &candidates).map(str::to_string),
                available: names,
            });
        };
        for (path, value) in changes {
            apply(document, path, value)
                .map_err(|refusal| variant_error(origin, name, path, refusal))?;
        }
        Ok(())
    }
}

/// Why a change could not be applied, before it is given its origin and setting.
enum Refusal {
    /// The change cannot be applied to this document.
    Apply {
        /// What is wrong.
        reason: String,
        /// The nearest existing name, when one is close.
        suggestion: Option<String>,
    },
    /// `null` on a field the format does not define: the typo a value there would be.
    UnknownField {
        /// Where the field would be, elements named as typed errors name them.
        path: Path,
        /// The field as given.
        field: String,
        /// The fields allowed there.
        expected: &'static [&'static str],
    },
}

impl Refusal {
    fn plain(reason: String) -> Refusal {
        Refusal::Apply {
            reason,
            suggestion: None,
        }
    }

    /// The error the user sees: `setting` names the change (`--set PATH`), `change` is how
    /// `parse` notes it after the origin (`--set PATH=VALUE`, `variant NAME`).
    fn error(self, origin: &str, setting: &str, change: &str) -> ScenarioError {
        match self {
            Refusal::Apply { reason, suggestion } => ScenarioError::BadOverride {
                origin: origin.to_string(),
                setting: setting.to_string(),
                reason,
                suggestion,
            },
            // Worded exactly as typed deserialization words a value on the same path.
            Refusal::UnknownField {
                path,
                field,
                expected,
            } => ScenarioError::UnknownField {
                origin: format!("{origin} ({change})"),
                path: path.text(),
                suggestion: nearest(&field, expected).map(str::to_string),
                expected: expected.iter().map(|f| f.to_string()).collect(),
                field,
            },
        }
    }
}

fn variant_error(origin: &str, name: &str, path: &str, refusal: Refusal) -> ScenarioError {
    refusal.error(
        origin,
        &format!("variants.{name}[\"{}\"]", clip(path)),
        &format!("variant {name}"),
    )
}

/// The most segments a dotted path may have. The deepest path of the format is about ten
/// segments (`services.api.calls.db.retry.budget.ttl`; a mixture nested in a mixture adds
/// three a level); walking and rendering a path costs time and stack with its depth, so a
/// path 10,000 segments deep is refused here, before either (issue #17).
pub const PATH_SEGMENTS_MAX: usize = 64;

/// The longest dotted path, in bytes: 64 segments of names of at most 64 characters fit.
pub const PATH_BYTES_MAX: usize = 4096;

/// Splits a dotted path, refusing empty segments, paths into `variants`, and paths longer or
/// deeper than any the format has (`PATH_BYTES_MAX`, `PATH_SEGMENTS_MAX`).
fn segments(path: &str) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Err("the path is empty; write e.g. services.api.workers".to_string());
    }
    let depth = path.bytes().filter(|&b| b == b'.').count() + 1;
    if depth > PATH_SEGMENTS_MAX {
        return Err(format!(
            "the path has {depth} segments, more than any the format has (at most {PATH_SEGMENTS_MAX}); check how it was generated"
        ));
    }
    if path.len() > PATH_BYTES_MAX {
        return Err(format!(
            "the path is {} bytes long, more than any the format has (at most {PATH_BYTES_MAX}); check how it was generated",
            path.len()
        ));
    }
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`{path}` has an empty segment; segments are separated by single dots"
        ));
    }
    if parts[0] == "variants" {
        return Err("variants cannot be changed by a variant or --set; edit the file".to_string());
    }
    Ok(parts)
}

/// Sets (or, for `null`, removes) the value at dotted `path` in `document`.
fn apply(document: &mut Value, path: &str, value: &Value) -> Result<(), Refusal> {
    let parts = segments(path).map_err(Refusal::plain)?;
    let removing = value.is_null();
    check(document, &parts, removing)?;
    let (last, parents) = parts
        .split_last()
        .expect("segments() returns at least one segment");
    let mut here = document;
    for (depth, segment) in parents.iter().enumerate() {
        let walked = parts[..depth].join(".");
        here = match here {
            Value::Object(map) => {
                let absent = map.get(*segment).is_none_or(Value::is_null);
                if absent && removing {
                    // Nothing to remove below an absent key: the default already applies.
                    return Ok(());
                }
                if absent {
                    map.insert(segment.to_string(), Value::Object(Map::new()));
                }
                map.get_mut(*segment)
                    .expect("the key is present or was just inserted")
            }
            Value::Array(items) => {
                let index = element(items, segment, &walked)?;
                &mut items[index]
            }
            other => return Err(into_scalar(&walked, other, segment)),
        };
    }
    let walked = parents.join(".");
    match here {
        Value::Object(map) if removing => {
            map.shift_remove(*last);
        }
        Value::Object(map) => {
            map.insert(last.to_string(), value.clone());
        }
        Value::Array(items) => {
            let index = element(items, last, &walked)?;
            if removing {
                items.remove(index);
            } else {
                items[index] = value.clone();
            }
        }
        other => return Err(into_scalar(&walked, other, last)),
    }
    Ok(())
}

/// Checks `parts` against the format and `document` before a change: every element it names
/// must exist (an absent list has none), and a path being removed must stay inside the
/// format's fields (a value on any other path is refused later, by typed deserialization).
fn check(document: &Value, parts: &[&str], removing: bool) -> Result<(), Refusal> {
    let walk = schema::walk(parts);
    let mut rendered = Path::root();
    let mut here = Some(document);
    for (depth, (segment, step)) in parts.iter().zip(&walk.steps).enumerate() {
        let walked = parts[..depth].join(".");
        match (step, here) {
            (schema::Step::Field, _) => {
                rendered = rendered.key(segment);
                here = here
                    .and_then(|value| value.get(*segment))
                    .filter(|value| !value.is_null());
            }
            (schema::Step::Element, None) => {
                // An absent list is empty: it has no element to change or remove.
                element(&[], segment, &walked)?;
            }
            (schema::Step::Element, Some(Value::Array(items))) => {
                let index = element(items, segment, &walked)?;
                let name = items[index].get("name").and_then(Value::as_str);
                rendered = rendered.element(index, name);
                here = Some(&items[index]);
            }
            // Not the list the format expects, or inside a free-form value: the edit itself
            // and typed deserialization judge it.
            (schema::Step::Element, Some(_)) | (schema::Step::Free, _) => return Ok(()),
        }
    }
    let at = walk.steps.len();
    match walk.problem {
        Some(schema::Problem::UnknownField { expected }) if removing => {
            Err(Refusal::UnknownField {
                path: rendered.key(parts[at]),
                field: parts[at].to_string(),
                expected,
            })
        }
        Some(schema::Problem::Scalar) if removing => {
            let walked = parts[..at].join(".");
            Err(match here {
                Some(found) => into_scalar(&walked, found, parts[at]),
                None => Refusal::plain(format!(
                    "`{walked}` holds a single value, not an object or array, so it has no `{}`",
                    parts[at]
                )),
            })
        }
        _ => Ok(()),
    }
}

/// An element's label in a path: its `"name"`, or for a call (which has none) the
/// `"service"` it calls, as in `services.api.calls.db.timeout`.
fn label(item: &Value) -> Option<&str> {
    item.get("name")
        .or_else(|| item.get("service"))
        .and_then(Value::as_str)
}

/// Finds the element of `items` that `segment` names (by label, or by index if numeric).
fn element(items: &[Value], segment: &str, walked: &str) -> Result<usize, Refusal> {
    if segment.chars().all(|c| c.is_ascii_digit()) {
        return match segment.parse::<usize>() {
            Ok(index) if index < items.len() => Ok(index),
            _ => Err(Refusal::plain(format!(
                "`{walked}` has {} elements, so index {segment} does not exist",
                items.len()
            ))),
        };
    }
    let names: Vec<&str> = items.iter().filter_map(label).collect();
    if let Some(index) = items.iter().position(|item| label(item) == Some(segment)) {
        return Ok(index);
    }
    let reason = if items.is_empty() {
        format!("`{walked}` has no elements (it is empty or absent), so none is named `{segment}`")
    } else if names.is_empty() {
        format!("`{walked}` has no named elements; address them by index (0, 1, ...)")
    } else {
        format!("`{walked}` has no element named `{segment}`")
    };
    Err(Refusal::Apply {
        reason,
        suggestion: nearest(segment, &names).map(str::to_string),
    })
}

fn into_scalar(walked: &str, found: &Value, segment: &str) -> Refusal {
    Refusal::plain(format!(
        "`{walked}` is {}, not an object or array, so it has no `{segment}`",
        kind_of(found)
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document() -> Value {
        json!({
            "name": "t",
            "clients": [{"name": "web", "target": "api", "retry": {"max_attempts": 4}}],
            "services": [{"name": "api", "workers": 1}, {"name": "db"}],
        })
    }

    fn set(doc: &mut Value, text: &str) -> Result<(), ScenarioError> {
        Override::parse(text)?.apply(doc, "f.json")
    }

    #[test]
    fn values_are_json_when_they_parse_and_strings_otherwise() {
        let cases = [
            ("a.b=4", json!(4)),
            ("a.b=250ms", json!("250ms")),
            ("a.b=\"4\"", json!("4")),
            ("a.b=true", json!(true)),
            ("a.b=null", Value::Null),
            ("a.b={\"kind\": \"constant\"}", json!({"kind": "constant"})),
            ("a.b=x=y", json!("x=y")),
        ];
        for (text, value) in cases {
            assert_eq!(Override::parse(text).unwrap().value, value, "{text}");
        }
    }

    #[test]
    fn malformed_settings_are_refused() {
        for text in ["no-equals", "=4", "a..b=1", ".a=1", "variants.x=1"] {
            let error = Override::parse(text).unwrap_err();
            assert!(
                matches!(error, ScenarioError::BadOverride { .. }),
                "{text}: {error}"
            );
            assert!(
                error.to_string().starts_with("command line: --set "),
                "{error}"
            );
        }
    }

    #[test]
    fn names_and_indexes_address_array_elements() {
        let mut doc = document();
        set(&mut doc, "services.db.workers=8").unwrap();
        set(&mut doc, "services.0.workers=2").unwrap();
        assert_eq!(doc["services"][1]["workers"], json!(8));
        assert_eq!(doc["services"][0]["workers"], json!(2));
    }

    #[test]
    fn missing_intermediate_objects_are_created() {
        let mut doc = document();
        set(&mut doc, "services.db.queue.capacity=5").unwrap();
        assert_eq!(doc["services"][1]["queue"], json!({"capacity": 5}));
    }

    #[test]
    fn null_removes_keys_and_elements_and_ignores_absent_ones() {
        let mut doc = document();
        set(&mut doc, "clients.web.retry=null").unwrap();
        assert!(doc["clients"][0].get("retry").is_none());
        set(&mut doc, "clients.web.retry.jitter=null").unwrap();
        assert!(
            doc["clients"][0].get("retry").is_none(),
            "removing under an absent key creates nothing"
        );
        set(&mut doc, "services.db=null").unwrap();
        assert_eq!(doc["services"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn removal_keeps_the_order_of_the_other_keys() {
        let mut doc = json!({"description": "d", "name": "t", "duration": "1s"});
        set(&mut doc, "description=null").unwrap();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "duration"]);
    }

    // See: #13. `null` left nothing for typed deserialization to check, so a typo in a
    // removed path was silently accepted and the baseline ran.
    #[test]
    fn null_on_a_path_that_does_not_exist_is_an_error() {
        let mut doc = json!({
            "name": "t",
            "clients": [{"name": "web", "target": "api", "retry": {"max_attempts": 4}}],
            "services": [{"name": "api", "calls": [{"service": "db", "timeout": "1s"}]}, {"name": "db"}],
        });
        let original = doc.clone();
        let refused = |doc: &mut Value, text: &str| set(doc, text).unwrap_err().to_string();
        assert_eq!(
            refused(&mut doc, "services.api.calls.db.cach=null"),
            "f.json (--set services.api.calls.db.cach=null): services[0] (api).calls[0].cach: unknown field `cach`; did you mean `cache`?"
        );
        assert_eq!(
            refused(&mut doc, "services.api.calls.db.circuitbreaker=null"),
            "f.json (--set services.api.calls.db.circuitbreaker=null): services[0] (api).calls[0].circuitbreaker: unknown field `circuitbreaker`; did you mean `circuit_breaker`?"
        );
        // Below an absent key the fields are still the format's.
        assert_eq!(
            refused(&mut doc, "clients.web.retry.budgt.ratio=null"),
            "f.json (--set clients.web.retry.budgt.ratio=null): clients[0] (web).retry.budgt: unknown field `budgt`; did you mean `budget`?"
        );
        assert_eq!(
            refused(&mut doc, "warmpu=null"),
            "f.json (--set warmpu=null): warmpu: unknown field `warmpu`; did you mean `warmup`?"
        );
        // Elements by name, in a list that exists or in one that is absent.
        assert_eq!(
            refused(&mut doc, "services.apo.workers=null"),
            "f.json: --set services.apo.workers: `services` has no element named `apo`; did you mean `api`?"
        );
        assert_eq!(
            refused(&mut doc, "services.api.calls.bd.retry=null"),
            "f.json: --set services.api.calls.bd.retry: `services.api.calls` has no element named `bd`; did you mean `db`?"
        );
        assert_eq!(
            refused(&mut doc, "services.db.calls.api.retry=null"),
            "f.json: --set services.db.calls.api.retry: `services.db.calls` has no elements (it is empty or absent), so none is named `api`"
        );
        assert!(refused(&mut doc, "services.api.workers.x=null").ends_with(
            "`services.api.workers` holds a single value, not an object or array, so it has no `x`"
        ),);
        assert_eq!(doc, original, "a refused change changes nothing");
    }

    #[test]
    fn null_on_a_field_the_file_leaves_out_is_fine() {
        let mut doc = document();
        let original = doc.clone();
        for text in [
            "clients.web.retry.budget=null",
            "clients.web.retry.budget.ratio=null",
            "clients.web.circuit_breaker=null",
            "services.api.calls=null",
            "services.db.queue.codel.target=null",
            "random_faults=null",
            "random_faults.start=null",
        ] {
            set(&mut doc, text).unwrap();
            assert_eq!(doc, original, "{text} removes nothing");
        }
    }

    #[test]
    fn unknown_elements_suggest_the_nearest_name() {
        let mut doc = document();
        let error = set(&mut doc, "clients.wbe.timeout=1s").unwrap_err();
        let message = error.to_string();
        assert_eq!(message, "f.json: --set clients.wbe.timeout: `clients` has no element named `wbe`; did you mean `web`?");
        let error = set(&mut doc, "services.7.workers=1").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`services` has 2 elements, so index 7 does not exist"),
            "{error}"
        );
    }

    #[test]
    fn paths_through_scalars_are_refused() {
        let mut doc = document();
        let error = set(&mut doc, "name.first=1").unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`name` is a string, not an object or array, so it has no `first`"),
            "{error}"
        );
    }
}
