//! Naming the array elements of an error's path from the scenario text itself, without the
//! document as a value: `clients[41] (web)` needs element 41's `name`, and building the whole
//! document to read one name cost tens of times the file's size (issue #17).
//!
//! `names_along` re-reads the text once, following the path: at each object it descends into
//! the path's next key and skips the rest, at each array it descends into the path's element
//! and notes its `"name"`. Nothing but those names is kept, so memory stays O(depth). The text
//! has already passed the strict reader, so it is valid JSON; a path it does not lead along
//! (it cannot, but a walk never fails) just names fewer elements.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_path_to_error::Segment;

/// The `"name"` (if a string) of each array element `path` passes through in `text`, one per
/// `Seq` segment in order; `None` where the element has none or the walk stopped before it.
pub(crate) fn names_along(path: &serde_path_to_error::Path, text: &str) -> Vec<Option<String>> {
    let segments: Vec<&Segment> = path.iter().collect();
    let elements = segments
        .iter()
        .filter(|s| matches!(s, Segment::Seq { .. }))
        .count();
    let mut names = Vec::with_capacity(elements);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let walked = Follow {
        rest: &segments,
        names: &mut names,
    }
    .deserialize(&mut deserializer);
    // A walk over valid JSON does not fail; if it did, the names found so far still hold.
    let _ = walked;
    names.resize(elements, None);
    names
}

/// Follows `rest` into a value, noting element names in `names`.
struct Follow<'p, 's> {
    rest: &'p [&'s Segment],
    names: &'p mut Vec<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Follow<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.rest.first() {
            Some(Segment::Map { .. } | Segment::Seq { .. }) => deserializer.deserialize_any(self),
            _ => deserializer.deserialize_ignored_any(IgnoredAny).map(|_| ()),
        }
    }
}

impl<'de> Visitor<'de> for Follow<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Follow { rest, names } = self;
        let wanted = match rest.first() {
            Some(Segment::Map { key }) => Some(key.as_str()),
            _ => None,
        };
        let mut followed = false;
        while let Some(key) = map.next_key::<String>()? {
            if !followed && Some(key.as_str()) == wanted {
                followed = true;
                map.next_value_seed(Follow {
                    rest: &rest[1..],
                    names: &mut *names,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Follow { rest, names } = self;
        let wanted = match rest.first() {
            Some(Segment::Seq { index }) => Some(*index),
            _ => None,
        };
        let mut index = 0;
        loop {
            let more = if Some(index) == wanted {
                seq.next_element_seed(Element {
                    rest: &rest[1..],
                    names: &mut *names,
                })?
            } else {
                seq.next_element::<IgnoredAny>()?.map(|_| ())
            };
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }
}

/// An array element on the path: its `"name"` is noted (or `None`), then `rest` followed.
struct Element<'p, 's> {
    rest: &'p [&'s Segment],
    names: &'p mut Vec<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Element<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Element<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.names.push(None);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.names.push(None);
        Follow {
            rest: self.rest,
            names: self.names,
        }
        .visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Element { rest, names } = self;
        // The slot for this element's name, filled when (if) its `name` key comes by; the
        // names of elements deeper on the path go after it.
        let slot = names.len();
        names.push(None);
        let wanted = match rest.first() {
            Some(Segment::Map { key }) => Some(key.as_str()),
            _ => None,
        };
        let mut followed = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "name" {
                names[slot] = map.next_value::<Name>()?.0;
                if wanted == Some("name") {
                    followed = true;
                }
            } else if !followed && Some(key.as_str()) == wanted {
                followed = true;
                map.next_value_seed(Follow {
                    rest: &rest[1..],
                    names: &mut *names,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A `"name"` value: the string, or `None` for any other JSON value (which is skipped).
struct Name(Option<String>);

impl<'de> de::Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Name, E> {
                Ok(Name(Some(v.to_string())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Name, E> {
                Ok(Name(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Name, E> {
                Ok(Name(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Name, E> {
                Ok(Name(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Name, E> {
                Ok(Name(None))
            }
            fn visit_unit<E>(self) -> Result<Name, E> {
                Ok(Name(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Name, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Name(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Name, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Name(None))
            }
        }
        deserializer.deserialize_any(NameVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    /// The path serde_path_to_error reports for an error in `text` read as `T`.
    fn failing_path<T: for<'de> Deserialize<'de> + fmt::Debug>(
        text: &str,
    ) -> serde_path_to_error::Path {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let error = serde_path_to_error::deserialize::<_, T>(&mut deserializer).unwrap_err();
        error.path().clone()
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)] // Read only to make deserialization fail at the right place.
    struct Doc {
        clients: Vec<Client>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Client {
        name: String,
        retry: Vec<u32>,
    }

    #[test]
    fn element_names_are_read_along_the_path_only() {
        let text = r#"{"other": [{"name": "x"}], "clients": [
            {"name": "a", "retry": [1]},
            {"retry": [1, 2, "three"], "name": "b", "extra": {"name": "no"}}]}"#;
        let path = failing_path::<Doc>(text);
        assert_eq!(path.to_string(), "clients[1].retry[2]");
        assert_eq!(
            names_along(&path, text),
            [Some("b".to_string()), None],
            "a name after the followed key counts; a number has none"
        );
    }

    #[test]
    fn an_element_without_a_string_name_has_none() {
        let text = r#"{"clients": [{"name": 7, "retry": [1]}]}"#;
        let path = failing_path::<Doc>(text);
        assert_eq!(path.to_string(), "clients[0].name");
        assert_eq!(names_along(&path, text), [None]);
    }
}
