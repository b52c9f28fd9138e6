//! Which dotted paths the scenario format defines, read off `raw::Scenario`'s own
//! `Deserialize` impl, so the format is written down once (in `raw`) and never copied here.
//!
//! `walk` drives that impl with a deserializer that holds no data, only the path: at an
//! object it offers the next segment as the one key (the derived field visitor, which denies
//! unknown fields, refuses a key the format lacks and lists the ones it has), at a list it
//! offers one element, and at the end of the path it stops. So a segment is a field, an
//! element of a list (named or numbered, which only the document can check), or part of a
//! free-form value (`wait_for`); or it is where the path leaves the format.
//!
//! This module knows field names and nesting, not the document: whether a named element
//! exists is `overrides`' question, and values are typed by `raw` as usual.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess};
use serde::de::{Expected, Unexpected, Visitor};
use serde::Deserialize;

use crate::raw;

/// What one segment of a path is in the format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// A field of an object (`workers`).
    Field,
    /// An element of a list, by label or index (`api`, `0`).
    Element,
    /// A key or element inside a free-form value (`wait_for`), which the format leaves open.
    Free,
}

/// Why a path leaves the format at its segment `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Problem {
    /// The segment is not a field of the object before it, whose fields are `expected`.
    UnknownField {
        /// The fields the object has.
        expected: &'static [&'static str],
    },
    /// The value before the segment is a single value (a number, a string, a choice), so
    /// it has no parts.
    Scalar,
}

/// How far a path goes in the format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Walk {
    /// What each segment is, from the first, up to the first segment the format lacks.
    pub(super) steps: Vec<Step>,
    /// Why segment `steps.len()` is not in the format, if the path leaves it.
    pub(super) problem: Option<Problem>,
}

/// Walks `segments` through the format from the top level.
pub(super) fn walk(segments: &[&str]) -> Walk {
    let steps = RefCell::new(Vec::with_capacity(segments.len()));
    let walker = Walker {
        segments,
        depth: 0,
        steps: &steps,
    };
    let stopped = raw::Scenario::deserialize(walker).err();
    let mut steps = steps.into_inner();
    let problem = match stopped {
        Some(Stop::UnknownField { at, expected }) => Some((at, Problem::UnknownField { expected })),
        Some(Stop::Scalar { at }) => Some((at, Problem::Scalar)),
        // Every walk ends at the end of the path or where the path leaves the format (the
        // walker yields no value, so nothing is ever built); anything else would mean a raw
        // type the walker does not understand, and the path is then left to typed
        // deserialization as before (a unit test walks every catalog path).
        Some(Stop::Reached | Stop::Other(_)) | None => None,
    };
    match problem {
        Some((Some(at), problem)) => {
            steps.truncate(at);
            Walk {
                steps,
                problem: Some(problem),
            }
        }
        _ => Walk {
            steps,
            problem: None,
        },
    }
}

/// Why a walk stopped (the walker's error type: a walk never succeeds).
#[derive(Debug)]
enum Stop {
    /// The path ended: everything in it is in the format.
    Reached,
    /// A field visitor refused segment `at`.
    UnknownField {
        /// Set by the walker that offered the key.
        at: Option<usize>,
        /// The fields the object has.
        expected: &'static [&'static str],
    },
    /// A single value was asked to hold segment `at`.
    Scalar {
        /// Set by the walker that offered the segment.
        at: Option<usize>,
    },
    /// Anything else a visitor said.
    Other(String),
}

impl Stop {
    /// Records segment `depth` as where the path left the format, unless a deeper walker did.
    fn at(self, depth: usize) -> Stop {
        match self {
            Stop::UnknownField { at: None, expected } => Stop::UnknownField {
                at: Some(depth),
                expected,
            },
            Stop::Scalar { at: None } => Stop::Scalar { at: Some(depth) },
            other => other,
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Reached => f.write_str("the end of the path"),
            Stop::UnknownField { expected, .. } => {
                write!(f, "an unknown field (expected one of {expected:?})")
            }
            Stop::Scalar { .. } => f.write_str("a single value"),
            Stop::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(message: T) -> Stop {
        Stop::Other(message.to_string())
    }

    fn unknown_field(_field: &str, expected: &'static [&'static str]) -> Stop {
        Stop::UnknownField { at: None, expected }
    }

    fn invalid_type(_unexpected: Unexpected<'_>, _expected: &dyn Expected) -> Stop {
        // Only a walker offers values, and it offers only a map or a list: a visitor that
        // refuses one wants a single value (a `Count` is read with `deserialize_any`).
        Stop::Scalar { at: None }
    }
}

/// A deserializer standing at segment `depth` of `segments`.
#[derive(Clone, Copy)]
struct Walker<'a> {
    segments: &'a [&'a str],
    depth: usize,
    steps: &'a RefCell<Vec<Step>>,
}

impl<'a> Walker<'a> {
    /// The next segment, or `Reached` at the end of the path.
    fn segment(&self) -> Result<&'a str, Stop> {
        self.segments.get(self.depth).copied().ok_or(Stop::Reached)
    }

    fn next(self) -> Walker<'a> {
        Walker {
            depth: self.depth + 1,
            ..self
        }
    }

    /// Offers the next segment as the one key of an object whose value is the rest.
    fn object<'de, V: Visitor<'de>>(self, step: Step, visitor: V) -> Result<V::Value, Stop> {
        let key = self.segment()?;
        self.steps.borrow_mut().push(step);
        visitor
            .visit_map(Entry {
                key: Some(key),
                value: Some(self.next()),
            })
            .map_err(|stop| stop.at(self.depth))
    }

    /// Offers one element, addressed by the next segment, whose value is the rest.
    fn list<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.segment()?;
        self.steps.borrow_mut().push(Step::Element);
        visitor
            .visit_seq(Element {
                value: Some(self.next()),
            })
            .map_err(|stop| stop.at(self.depth))
    }

    /// A single value: the path must end here.
    fn scalar<T>(self) -> Result<T, Stop> {
        self.segment()?;
        Err(Stop::Scalar {
            at: Some(self.depth),
        })
    }
}

/// Single values: the path must end at them.
macro_rules! scalars {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Stop> {
            self.scalar()
        })*
    };
}

impl<'de> Deserializer<'de> for Walker<'_> {
    type Error = Stop;

    /// A value of any shape (`serde_json::Value`, or a `Count`, which refuses a map).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.object(Step::Free, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.object(Step::Free, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.object(Step::Field, visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.list(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Stop> {
        self.list(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.list(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.segment()?;
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.segment()?;
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        self.scalar()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Stop> {
        self.scalar()
    }

    /// What a struct that allows unknown fields does with one: anything goes below it.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        self.object(Step::Free, visitor)
    }

    scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier
    }
}

/// An object with one key (a segment) whose value is the rest of the path.
struct Entry<'a> {
    key: Option<&'a str>,
    value: Option<Walker<'a>>,
}

impl<'de> MapAccess<'de> for Entry<'_> {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        match self.key.take() {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Stop> {
        let value = self
            .value
            .take()
            .expect("serde asks for a value once, after its key");
        seed.deserialize(value)
    }
}

/// A list with one element, which is the rest of the path.
struct Element<'a> {
    value: Option<Walker<'a>>,
}

impl<'de> SeqAccess<'de> for Element<'_> {
    type Error = Stop;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Stop> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn steps(path: &str) -> Walk {
        let parts: Vec<&str> = path.split('.').collect();
        walk(&parts)
    }

    #[test]
    fn fields_elements_and_free_values_are_told_apart() {
        use Step::{Element, Field, Free};
        let cases: [(&str, &[Step]); 6] = [
            ("warmup", &[Field]),
            (
                "services.api.calls.db.retry.budget",
                &[Field, Element, Field, Element, Field, Field],
            ),
            (
                "clients.0.retry.backoff.cap",
                &[Field, Element, Field, Field, Field],
            ),
            ("random_faults.start.1", &[Field, Field, Element]),
            (
                "faults.0.groups.1.0",
                &[Field, Element, Field, Element, Element],
            ),
            (
                "services.api.calls.db.wait_for.x.y",
                &[Field, Element, Field, Element, Field, Free, Free],
            ),
        ];
        for (path, expected) in cases {
            let walk = steps(path);
            assert_eq!(walk.problem, None, "{path}");
            assert_eq!(walk.steps, expected, "{path}");
        }
    }

    #[test]
    fn unknown_fields_stop_the_walk_with_the_fields_allowed() {
        let walk = steps("services.api.calls.db.cach");
        assert_eq!(walk.steps.len(), 4);
        let Some(Problem::UnknownField { expected }) = walk.problem else {
            panic!("{walk:?}")
        };
        assert!(expected.contains(&"cache"), "{expected:?}");
        let walk = steps("clients.web.retry.budgt.ratio");
        assert_eq!(
            walk.steps.len(),
            3,
            "the walk stops at the first unknown field"
        );
        assert!(matches!(walk.problem, Some(Problem::UnknownField { .. })));
        let walk = steps("warmpu");
        assert_eq!(walk.steps.len(), 0);
        assert!(matches!(walk.problem, Some(Problem::UnknownField { .. })));
    }

    #[test]
    fn single_values_have_no_parts() {
        for (path, at) in [
            ("services.api.workers.x", 3),
            ("warmup.x", 1),
            ("clients.web.retry.jitter.x", 4),
            ("clients.web.priority.x", 3),
            ("services.api.side_effect.x", 3),
            ("services.api.zones.0.x", 4),
        ] {
            let walk = steps(path);
            assert_eq!(walk.problem, Some(Problem::Scalar), "{path}");
            assert_eq!(walk.steps.len(), at, "{path}");
        }
    }

    /// Every key path of every catalog scenario is in the format, as the walker reads it:
    /// the walker and serde agree on the files that exist.
    #[test]
    fn every_catalog_path_is_in_the_format() {
        fn leaves(value: &Value, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            let children: Vec<(String, &Value)> = match value {
                Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
                _ => Vec::new(),
            };
            out.push(prefix.clone());
            for (key, child) in children {
                prefix.push(key);
                leaves(child, prefix, out);
                prefix.pop();
            }
        }
        let mut walked = 0;
        for entry in crate::catalog::entries() {
            let mut document: Value = serde_json::from_str(entry.text).unwrap();
            document.as_object_mut().unwrap().shift_remove("variants");
            let mut paths = Vec::new();
            leaves(&document, &mut Vec::new(), &mut paths);
            for path in paths.iter().filter(|p| !p.is_empty()) {
                let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                let walk = walk(&parts);
                assert_eq!(walk.problem, None, "{}: {}", entry.name, path.join("."));
                assert_eq!(walk.steps.len(), parts.len(), "{}", path.join("."));
                walked += 1;
            }
        }
        assert!(walked > 1_000, "the catalog has many paths ({walked})");
    }
}
