//! The `limits` block: the run guards, with their defaults and the reason for each.
//!
//! | key | default | why |
//! |---|---|---|
//! | `pending_events_max` | `10000000` | a retry storm schedules events without bound; ten million is far above any steady design |
//! | `events_max` | `2000000000` | about a few minutes of one core; a longer run is a mistake more often than a plan |
//! | `memory_max` | `"2GiB"` | the most live state (events, requests, attempts, jobs, clients, services and per-second series, estimated) a run may hold: safe on a small laptop, far above every catalog scenario (the largest holds a few MiB); a number is bytes, a string takes a unit (`"512MB"`, `"8GiB"`) |

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::Count;

/// Engine guards.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most events scheduled at once.
    #[serde(default = "pending_events_max_default")]
    pub pending_events_max: Count,
    /// Most events processed in a run.
    #[serde(default = "events_max_default")]
    pub events_max: Count,
    /// Most bytes of live state (estimated).
    #[serde(default = "memory_max_default")]
    pub memory_max: Size,
}

/// A size as written: a whole number of bytes (`2e9`), or a string with a unit (`"2GiB"`);
/// `validate` reads it (with `sim_core::Bytes::parse`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Size {
    /// A number: bytes.
    Bytes(Count),
    /// A string: a number and a unit.
    Text(String),
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            pending_events_max: pending_events_max_default(),
            events_max: events_max_default(),
            memory_max: memory_max_default(),
        }
    }
}

fn pending_events_max_default() -> Count {
    Count(10_000_000)
}

fn events_max_default() -> Count {
    Count(2_000_000_000)
}

fn memory_max_default() -> Size {
    Size::Text("2GiB".to_string())
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Size, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = Size;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a size: bytes as a number, or a string with a unit such as \"2GiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                Ok(Size::Bytes(Count(i128::from(v))))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size::Bytes(Count(i128::from(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Size, E> {
                // As for counts: 2e9 is a whole number of bytes.
                if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e30 {
                    Ok(Size::Bytes(Count(v as i128)))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                Ok(Size::Text(v.to_string()))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

impl JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: a whole number of bytes, or a string with a unit (\"512MB\", \"2GiB\").",
            "type": ["number", "string"]
        })
    }
}
