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
//! This module knows JSON, not the scenario format: a path to a key the format lacks is
//! accepted here and refused by typed deserialization (with a "did you mean" there). It
//! refuses only what it cannot apply: a malformed path, a path through a number or a string,
//! an element name or index that does not exist, and paths into `variants` itself.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{nearest, quoted, Path, ScenarioError};
use crate::raw::kind_of;
use crate::validate::name_problem;

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
            setting: format!("--set {text}"),
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
        apply(document, &self.path, &self.value).map_err(|refusal| ScenarioError::BadOverride {
            origin: origin.to_string(),
            setting: format!("--set {}", self.path),
            reason: refusal.reason,
            suggestion: refusal.suggestion,
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
        let root = Path::root().key("variants");
        let entries = match document.shift_remove("variants") {
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
                segments(path).map_err(|reason| {
                    variant_error(
                        origin,
                        &name,
                        path,
                        Refusal {
                            reason,
                            suggestion: None,
                        },
                    )
                })?;
            }
            variants.entries.push((name, changes));
        }
        Ok(variants)
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
struct Refusal {
    reason: String,
    suggestion: Option<String>,
}

fn variant_error(origin: &str, name: &str, path: &str, refusal: Refusal) -> ScenarioError {
    ScenarioError::BadOverride {
        origin: origin.to_string(),
        setting: format!("variants.{name}[\"{path}\"]"),
        reason: refusal.reason,
        suggestion: refusal.suggestion,
    }
}

/// Splits a dotted path, refusing empty segments and paths into `variants`.
fn segments(path: &str) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Err("the path is empty; write e.g. services.api.workers".to_string());
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
    let parts = segments(path).map_err(|reason| Refusal {
        reason,
        suggestion: None,
    })?;
    let (last, parents) = parts
        .split_last()
        .expect("segments() returns at least one segment");
    let removing = value.is_null();
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
            _ => Err(Refusal {
                reason: format!(
                    "`{walked}` has {} elements, so index {segment} does not exist",
                    items.len()
                ),
                suggestion: None,
            }),
        };
    }
    let names: Vec<&str> = items.iter().filter_map(label).collect();
    if let Some(index) = items.iter().position(|item| label(item) == Some(segment)) {
        return Ok(index);
    }
    let reason = if names.is_empty() {
        format!("`{walked}` has no named elements; address them by index (0, 1, ...)")
    } else {
        format!("`{walked}` has no element named `{segment}`")
    };
    Err(Refusal {
        reason,
        suggestion: nearest(segment, &names).map(str::to_string),
    })
}

fn into_scalar(walked: &str, found: &Value, segment: &str) -> Refusal {
    Refusal {
        reason: format!(
            "`{walked}` is {}, not an object or array, so it has no `{segment}`",
            kind_of(found)
        ),
        suggestion: None,
    }
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
        let mut doc = json!({"a": 1, "b": 2, "c": 3});
        set(&mut doc, "a=null").unwrap();
        let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["b", "c"]);
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
