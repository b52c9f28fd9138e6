//! The strict reader's lean pass over a scenario as written: the same checks as
//! `read_document` (valid JSON, one object, no key twice in an object) without building the
//! document, which held tens of times the file's size (issue #17). Only the `variants` block
//! is built, since `overrides` needs it; everything else is read and dropped, and each object
//! keeps only its keys while it is read, to spot a repeated one.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::{kind_of, strict_error, syntax_error, Strict, DUPLICATE_PREFIX};
use crate::error::ScenarioError;

/// Checks `text` as `read_document` does and returns its `variants` block, if any.
pub(crate) fn check_document(text: &str, origin: &str) -> Result<Option<Value>, ScenarioError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let top: Top =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| strict_error(origin, e))?;
    deserializer.end().map_err(|e| syntax_error(origin, &e))?;
    match top {
        Top::Object { variants } => Ok(variants),
        Top::Other(kind) => Err(ScenarioError::Type {
            origin: origin.to_string(),
            path: String::new(),
            message: format!("a scenario is a JSON object {{ \"name\": ..., ... }}, not {kind}"),
            position: None,
        }),
    }
}

/// The top level: an object (with its `variants` block, if it has one), or what it is instead.
enum Top {
    Object { variants: Option<Value> },
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Top, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Top, E> {
        Ok(Top::Other(kind_of(&Value::Bool(v))))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
        Ok(Top::Other("a number"))
    }

    fn visit_str<E>(self, _: &str) -> Result<Top, E> {
        Ok(Top::Other("a string"))
    }

    fn visit_unit<E>(self) -> Result<Top, E> {
        Ok(Top::Other("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top, A::Error> {
        Checked.visit_seq(seq)?;
        Ok(Top::Other("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut keys = BTreeSet::new();
        let mut variants = None;
        while let Some(key) = map.next_key::<String>()? {
            if keys.contains(&key) {
                return Err(duplicate(&key));
            }
            if key == "variants" {
                let Strict(value) = map.next_value()?;
                variants = Some(value);
            } else {
                map.next_value::<Checked>()?;
            }
            keys.insert(key);
        }
        Ok(Top::Object { variants })
    }
}

/// Any JSON value whose objects repeat no key; nothing of it is kept.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Checked, D::Error> {
        deserializer.deserialize_any(Checked)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut keys = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            // The key is checked before its value is read, as `read_document` does, so the
            // error's position and path point at the repeated key.
            if keys.contains(&key) {
                return Err(duplicate(&key));
            }
            map.next_value::<Checked>()?;
            keys.insert(key);
        }
        Ok(Checked)
    }
}

/// The error `read_document` gives for a repeated `key`.
fn duplicate<E: de::Error>(key: &str) -> E {
    E::custom(format!("{DUPLICATE_PREFIX}{key}` in one object"))
}
